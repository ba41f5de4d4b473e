"""What travels on the wire between Twilio and a webhook server.

SIDs, RFC 2822 timestamps, form parameters that may repeat a name, the record
of one webhook request (``Exchange``), the transport that carries it, and a
clock that lets tests run a five-minute call in a fraction of a second.
"""

from __future__ import annotations

import base64
import secrets
import threading
import time
import traceback
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any, Protocol
from urllib.parse import urlencode, urlsplit, urlunsplit

import requests

API_VERSION = "2010-04-01"
#: Twilio's documented limit for the whole webhook round trip, connect included.
WEBHOOK_TIMEOUT_SECONDS = 15.0
USER_AGENT = "TwilioProxy/1.1"

ParamValue = str | Sequence[str]
ParamsLike = Mapping[str, ParamValue] | Iterable[tuple[str, str]]


def new_sid(prefix: str) -> str:
    """A Twilio SID: two-letter type prefix and 32 lower-case hex digits."""
    return prefix + secrets.token_hex(16)


def rfc2822_now() -> str:
    """``Sun, 25 Mar 2018 09:53:19 +0000``: the date format of every Twilio request."""
    return format_datetime(datetime.now(UTC).replace(microsecond=0))


def billed_minutes(seconds: int) -> int:
    """Twilio's ``Duration``: whole minutes, rounded up (49 s bills as 1)."""
    return -(-seconds // 60)


class FormParams:
    """Form parameters in order, a name possibly repeated.

    It offers ``getall`` like Flask's MultiDict so that twilio's
    ``RequestValidator.compute_signature`` sees every value of a repeated name,
    exactly as it does when the server validates ``request.form``.
    """

    def __init__(self, params: ParamsLike = ()) -> None:
        self._pairs: list[tuple[str, str]] = []
        items = params.items() if isinstance(params, Mapping) else params
        for name, value in items:
            if isinstance(value, (list, tuple)):
                self._pairs.extend((name, str(v)) for v in value)
            else:
                self._pairs.append((name, str(value)))

    def __iter__(self) -> Iterator[str]:
        return iter(dict.fromkeys(name for name, _ in self._pairs))

    def __len__(self) -> int:
        return len(self._pairs)

    def getall(self, name: str) -> list[str]:
        return [v for n, v in self._pairs if n == name]

    def pairs(self) -> list[tuple[str, str]]:
        return list(self._pairs)

    def to_dict(self) -> dict[str, str]:
        return dict(self._pairs)

    def encode(self) -> str:
        return urlencode(self._pairs)


def split_url_for_twilio(url: str) -> tuple[str, tuple[str, str] | None]:
    """The URL Twilio requests and signs, and the basic-auth credentials it uses.

    Twilio strips the fragment (connection overrides such as ``#rc=2``) and any
    ``user:pass@`` before signing, and sends the credentials as basic auth.
    """
    parts = urlsplit(url)
    auth = None
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, netloc = netloc.rsplit("@", 1)
        user, _, password = userinfo.partition(":")
        auth = (user, password)
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, "")), auth


def basic_auth_header(auth: tuple[str, str]) -> str:
    raw = f"{auth[0]}:{auth[1]}".encode()
    return "Basic " + base64.b64encode(raw).decode()


@dataclass
class Exchange:
    """One request Twilio made to the server, exactly as sent, and the answer."""

    kind: str  # incoming, gather, redirect, wait, queue-result, dial-result, agent-leg, status, fallback, ...
    method: str
    url: str  # the full URL requested and signed (query string included for GET)
    params: dict[str, str]
    headers: dict[str, str]
    body: str  # the exact form-encoded body ("" for GET)
    status_code: int | None = None
    response_text: str = ""
    error: str | None = None  # transport failure (refused, timeout, exception)
    sent_at: float = field(default_factory=time.time)

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300

    def line(self) -> str:
        answer = self.error.splitlines()[-1] if self.error else str(self.status_code)
        return f"{self.method} {self.url} [{self.kind}] -> {answer}"


class Transport(Protocol):
    """Anything with ``post(url, data=, headers=)``: requests.Session, a Flask adapter..."""

    def post(self, url: str, data: Any = ..., headers: Any = ...) -> Any: ...


def _response_text(response: Any) -> str:
    text = getattr(response, "text", None)
    if isinstance(text, str):
        return text
    if hasattr(response, "get_data"):  # a Werkzeug response
        return response.get_data(as_text=True)
    return ""


def deliver(transport: Any, exchange: Exchange) -> Exchange:
    """Send ``exchange`` through ``transport`` and fill in the answer.

    A transport exception is recorded, not raised: for Twilio a server that
    crashes or does not answer is just a failed webhook.
    """
    headers = dict(exchange.headers)
    try:
        if exchange.method == "GET":
            if not hasattr(transport, "get"):
                raise TypeError("this transport cannot send GET webhooks")
            response = _call(transport.get, exchange.url, None, headers)
        else:
            response = _call(transport.post, exchange.url, exchange.body, headers)
        exchange.status_code = int(response.status_code)
        exchange.response_text = _response_text(response)
    except Exception:  # noqa: BLE001 - any failure is a failed webhook for Twilio
        exchange.error = traceback.format_exc()
    return exchange


def _call(method: Any, url: str, body: str | None, headers: dict[str, str]) -> Any:
    kwargs: dict[str, Any] = {"headers": headers}
    if body is not None:
        kwargs["data"] = body  # already form-encoded, pure ASCII: sent byte for byte
    if isinstance(getattr(method, "__self__", None), requests.Session):
        # Twilio gives up after 15 s; it follows redirects itself.
        kwargs.update(timeout=WEBHOOK_TIMEOUT_SECONDS, allow_redirects=True)
    return method(url, **kwargs)


class SimClock:
    """Simulated seconds for one call.

    Sleeps last ``seconds * time_scale`` in real time but count as ``seconds``;
    time spent elsewhere (HTTP round trips) counts as itself. So ``QueueTime``,
    ``CallDuration`` and ``hangup_after_queue_seconds`` mean the same thing at
    any ``time_scale``, and equal wall-clock time at ``time_scale=1``.
    """

    def __init__(self, time_scale: float) -> None:
        if time_scale < 0:
            raise ValueError("time_scale must be >= 0")
        self.time_scale = time_scale
        self._start = time.monotonic()
        self._slept_real = 0.0
        self._slept_sim = 0.0

    def now(self) -> float:
        real = time.monotonic() - self._start
        return self._slept_sim + max(0.0, real - self._slept_real)

    def sleep(self, seconds: float, interrupt: threading.Event) -> bool:
        """Sleep ``seconds`` simulated; return True if ``interrupt`` cut it short."""
        seconds = max(0.0, seconds)
        started = time.monotonic()
        interrupted = interrupt.wait(seconds * self.time_scale)
        real = time.monotonic() - started
        self._slept_real += real
        if self.time_scale > 0:
            self._slept_sim += min(seconds, real / self.time_scale)
        elif not interrupted:
            self._slept_sim += seconds
        return interrupted
