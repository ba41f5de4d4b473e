"""``VirtualTwilio``: the account, the signer, the queues and the fake REST API."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterable, Mapping
from typing import Any
from urllib.parse import urljoin

import requests
from twilio.request_validator import RequestValidator

from .call import SimulatedCall
from .rest_api import ApiRequest, FakeRestApi
from .wire import (
    USER_AGENT,
    Exchange,
    FormParams,
    ParamsLike,
    basic_auth_header,
    deliver,
    new_sid,
    split_url_for_twilio,
)

DEFAULT_BASE_URL = "http://127.0.0.1:5000"
DEMO_AUTH_TOKEN = "demo-auth-token"


class Queue:
    """A named Twilio queue shared by every simulated call of one VirtualTwilio."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.sid = new_sid("QU")
        self._members: list[SimulatedCall] = []
        self._lock = threading.Lock()

    def join(self, call: SimulatedCall, max_size: int) -> bool:
        with self._lock:
            if len(self._members) >= max_size:
                return False
            self._members.append(call)
            return True

    def leave(self, call: SimulatedCall) -> None:
        with self._lock:
            if call in self._members:
                self._members.remove(call)

    def position(self, call: SimulatedCall) -> int:
        with self._lock:
            return self._members.index(call) + 1 if call in self._members else 0

    def size(self) -> int:
        with self._lock:
            return len(self._members)

    def average_wait(self) -> int:
        """Average wait of the callers in the queue now, like the Queue resource."""
        with self._lock:
            members = list(self._members)
        if not members:
            return 0
        return round(sum(m.queue_seconds() for m in members) / len(members))


class VirtualTwilio:
    """Twilio as our server sees it: signed webhooks out, REST API in.

    ``session`` is the transport: a ``requests.Session`` by default, or any object
    with ``post(url, data=, headers=)`` returning ``.status_code`` and ``.text``
    (for instance an adapter around Flask's test client). ``data`` is the body
    already form-encoded (a str) and ``headers`` carry its Content-Type, the
    signature and Twilio's other headers: pass both through unchanged.
    """

    def __init__(
        self,
        base_url: str = DEFAULT_BASE_URL,
        auth_token: str = DEMO_AUTH_TOKEN,
        account_sid: str | None = None,
        session: Any = None,
        *,
        time_scale: float = 1.0,
        log: Callable[[str], None] | None = None,
        strict_api_auth: bool = False,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.auth_token = auth_token
        self.account_sid = account_sid or new_sid("AC")
        self.session = session if session is not None else requests.Session()
        self.time_scale = time_scale
        self.log = log or (lambda line: None)
        self.calls: dict[str, SimulatedCall] = {}
        self.api_requests: list[ApiRequest] = []
        self.exchanges: list[Exchange] = []
        self._validator = RequestValidator(auth_token)
        self._queues: dict[str, Queue] = {}
        self._lock = threading.Lock()
        self._api = FakeRestApi(self, strict_auth=strict_api_auth)

    # --- URLs and signing -------------------------------------------------

    def url(self, path_or_url: str) -> str:
        """An absolute URL on our server (absolute URLs pass through)."""
        return urljoin(self.base_url + "/", path_or_url)

    def sign(self, url: str, params: ParamsLike) -> str:
        """``X-Twilio-Signature`` for a POST of ``params`` to ``url``, by twilio's own code."""
        return self._validator.compute_signature(url, FormParams(params))

    def build_request(
        self, url: str, params: ParamsLike, *, method: str = "POST", kind: str = "webhook", forge: bool = False
    ) -> Exchange:
        """The exact request Twilio would send, signed (or signed wrongly if ``forge``)."""
        url, auth = split_url_for_twilio(self.url(url))
        form = FormParams(params)
        body = form.encode()
        if method == "GET":
            # GET webhooks carry the parameters in the query string and sign the URL alone.
            url = url + ("&" if "?" in url else "?") + body if body else url
            body, signed = "", FormParams()
        else:
            signed = form
        signature = self._validator.compute_signature(url, signed)
        if forge:
            signature = RequestValidator(self.auth_token + "-forged").compute_signature(url, signed)
        headers = {
            "X-Twilio-Signature": signature,
            "User-Agent": USER_AGENT,
            "Accept": "*/*",
            # Twilio repeats this token when it retries the same webhook.
            "I-Twilio-Idempotency-Token": str(uuid.uuid4()),
        }
        if method != "GET":
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if auth is not None:
            headers["Authorization"] = basic_auth_header(auth)
        return Exchange(kind, method, url, form.to_dict(), headers, body)

    # --- sending ----------------------------------------------------------

    def send(self, exchange: Exchange) -> Exchange:
        deliver(self.session, exchange)
        with self._lock:
            self.exchanges.append(exchange)
        self.log(exchange.line())
        return exchange

    def post_webhook(
        self, url: str, params: ParamsLike, *, method: str = "POST", kind: str = "webhook", forge: bool = False
    ) -> Exchange:
        """Send one signed webhook outside any call (e.g. a forged one for a 403 test)."""
        return self.send(self.build_request(url, params, method=method, kind=kind, forge=forge))

    def replay(self, exchange: Exchange) -> Exchange:
        """Send ``exchange`` again, byte for byte, as Twilio does when it retries."""
        again = Exchange("replay", exchange.method, exchange.url, dict(exchange.params),
                         dict(exchange.headers), exchange.body)
        return self.send(again)

    def replay_last(self, kinds: Iterable[str] | None = None) -> Exchange:
        """Replay the last webhook sent (optionally the last of the given kinds)."""
        wanted = set(kinds) if kinds else None
        with self._lock:
            candidates = [e for e in self.exchanges if e.kind != "replay" and (wanted is None or e.kind in wanted)]
        if not candidates:
            raise LookupError("no webhook to replay")
        return self.replay(candidates[-1])

    # --- calls and queues -------------------------------------------------

    def place_call(
        self,
        from_: str,
        to: str,
        digits: Iterable[str | None] | None = None,
        hangup_after_queue_seconds: float | None = None,
        talk_seconds: float = 10.0,
        message_seconds: float = 5.0,
        wait_poll_interval: float | None = None,
        *,
        agent_answers: bool = True,
        time_scale: float | None = None,
        geo: Mapping[str, str] | None = None,
        forge: bool = False,
    ) -> SimulatedCall:
        """A new inbound call, not started yet: ``.start()`` (thread) or ``.run()``."""
        call = SimulatedCall(
            self,
            from_,
            to,
            digits=digits,
            hangup_after_queue_seconds=hangup_after_queue_seconds,
            talk_seconds=talk_seconds,
            message_seconds=message_seconds,
            wait_poll_interval=wait_poll_interval,
            agent_answers=agent_answers,
            time_scale=self.time_scale if time_scale is None else time_scale,
            geo=geo,
            forge=forge,
        )
        with self._lock:
            self.calls[call.call_sid] = call
        return call

    def queue(self, name: str) -> Queue:
        with self._lock:
            if name not in self._queues:
                self._queues[name] = Queue(name)
            return self._queues[name]

    # --- fake REST API ----------------------------------------------------

    def start_api(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Start the fake REST API; returns its base URL (``http://host:port``)."""
        return self._api.start(host, port)

    def stop_api(self) -> None:
        self._api.stop()

    @property
    def api_base_url(self) -> str | None:
        return self._api.base_url

    @property
    def api(self) -> FakeRestApi:
        return self._api
