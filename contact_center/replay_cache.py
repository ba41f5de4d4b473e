"""Twilio retries webhooks: the same request must get the same answer, once.

The first request claims its key; a copy that arrives while it is being handled
waits for the stored answer; a later copy gets the stored answer at once.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterable

import redis

#: Twilio retries within seconds to minutes; an hour keeps Redis small under
#: the waitUrl loop (one request every few seconds per waiting caller).
ANSWER_TTL_SECONDS = 3600
CLAIM_TTL_SECONDS = 30


def request_key(method: str, url: str, params: Iterable[tuple[str, str]]) -> str:
    digest = hashlib.sha256()
    for part in (method, url, *(f"{k}={v}" for k, v in sorted(params))):
        digest.update(part.encode())
        digest.update(b"\0")
    return digest.hexdigest()


class ReplayCache:
    def __init__(self, connection: redis.Redis, prefix: str = "cc:webhook") -> None:
        self.redis = connection
        self.prefix = prefix

    def first_time(self, key: str, ttl_seconds: int = ANSWER_TTL_SECONDS) -> bool:
        """True the first time ``key`` is seen (by any process), False after."""
        return bool(self.redis.set(f"{self.prefix}:once:{key}", 1, nx=True, ex=ttl_seconds))

    def answer_once(
        self, key: str, handle: Callable[[], tuple[int, str]], wait_seconds: float = 10
    ) -> tuple[int, str] | None:
        """Run ``handle`` for the first copy of a request; replay it for the others.

        ``None`` means a copy is still being handled elsewhere and did not finish
        in ``wait_seconds``.
        """
        answer_key, claim_key = f"{self.prefix}:{key}", f"{self.prefix}:{key}:claim"
        stored = self.redis.hmget(answer_key, "status", "body")
        if stored[0] is not None:
            return int(stored[0]), stored[1].decode()
        if not self.redis.set(claim_key, 1, nx=True, ex=CLAIM_TTL_SECONDS):
            return self._wait_for(answer_key, wait_seconds)
        try:
            status, body = handle()
        except BaseException:
            self.redis.delete(claim_key)
            raise
        with self.redis.pipeline() as pipe:
            pipe.hset(answer_key, mapping={"status": status, "body": body})
            pipe.expire(answer_key, ANSWER_TTL_SECONDS)
            pipe.delete(claim_key)
            pipe.execute()
        return status, body

    def _wait_for(self, answer_key: str, wait_seconds: float) -> tuple[int, str] | None:
        deadline = time.monotonic() + wait_seconds
        while time.monotonic() < deadline:
            stored = self.redis.hmget(answer_key, "status", "body")
            if stored[0] is not None:
                return int(stored[0]), stored[1].decode()
            time.sleep(0.05)
        return None
