"""A tiny fake of Twilio's REST API: just the Call resource, enough to redirect live calls.

It runs a stdlib ``ThreadingHTTPServer`` in a daemon thread, and the server
reaches it with twilio's own client through ``RedirectingHttpClient``.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

from contact_center.telephony import RedirectingHttpClient  # noqa: F401  (re-exported)

from .wire import API_VERSION, new_sid

if TYPE_CHECKING:
    from .virtual import VirtualTwilio

_CALL_PATH = re.compile(rf"^/{API_VERSION}/Accounts/(?P<account>[^/]+)/Calls/(?P<call>[^/]+)\.json$")


@dataclass
class ApiRequest:
    """One request the fake REST API received."""

    method: str
    path: str
    form: dict[str, str]
    auth: tuple[str, str] | None
    headers: dict[str, str] = field(default_factory=dict)


def twilio_error(status: int, code: int, message: str) -> dict[str, Any]:
    """Twilio's JSON error body."""
    return {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }


def _not_found(path: str) -> tuple[int, dict[str, Any]]:
    return 404, twilio_error(404, 20404, f"The requested resource {path} was not found")


def _parse_basic_auth(header: str | None) -> tuple[str, str] | None:
    if not header or not header.lower().startswith("basic "):
        return None
    try:
        user, _, password = base64.b64decode(header[6:].strip()).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return (user, password) if user else None


class FakeRestApi:
    """Answers ``/2010-04-01/Accounts/{AccountSid}/Calls/{CallSid}.json`` (GET, POST)."""

    def __init__(self, twilio: VirtualTwilio, strict_auth: bool = False) -> None:
        self.twilio = twilio
        # Strict: the credentials and the path's AccountSid must be ours. Off by
        # default because the demo server may sign in with its own demo account.
        self.strict_auth = strict_auth
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str | None:
        if self._server is None:
            return None
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        if self._server is not None:
            return self.base_url or ""
        self._server = ThreadingHTTPServer((host, port), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-twilio-api",
            daemon=True,
        )
        self._thread.start()
        return self.base_url or ""

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None

    def dispatch(
        self, method: str, path: str, form: dict[str, str], auth: tuple[str, str] | None
    ) -> tuple[int, dict[str, Any]]:
        """Twilio's answer (status, JSON body) to one REST request."""
        if auth is None or (self.strict_auth and auth != (self.twilio.account_sid, self.twilio.auth_token)):
            body = twilio_error(401, 20003, "Authenticate")
            body["detail"] = "Your AccountSid or AuthToken was incorrect."
            return 401, body
        match = _CALL_PATH.match(path)
        if match is None or method not in ("GET", "POST"):
            return _not_found(path)
        if self.strict_auth and match["account"] != self.twilio.account_sid:
            return _not_found(path)
        call = self.twilio.calls.get(match["call"])
        if call is None:
            return _not_found(path)
        if method == "GET":
            return 200, call.resource()
        return self._update(call, form)

    def _update(self, call: Any, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        twiml, url, status = form.get("Twiml"), form.get("Url"), form.get("Status")
        if twiml is not None and not call.twiml_parses(twiml):
            return 400, twilio_error(400, 12100, "Document parse failure")
        if status not in (None, "completed", "canceled"):
            return 400, twilio_error(400, 20001, f"Invalid Status: {status}")
        accepted = call.update_from_api(
            twiml=twiml, url=url, method=form.get("Method", "POST"), hang_up=status is not None
        )
        if not accepted:
            # What Twilio answers for a call that already ended (seen in the wild as
            # "[HTTP 400] Unable to update record: Call is not in-progress. Cannot redirect.").
            return 400, twilio_error(400, 21220, "Call is not in-progress. Cannot redirect.")
        return 200, call.resource()


def _handler_for(api: FakeRestApi) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "FakeTwilioAPI/1.0"

        def do_GET(self) -> None:  # noqa: N802 - http.server naming
            self._handle("GET")

        def do_POST(self) -> None:  # noqa: N802
            self._handle("POST")

        def do_DELETE(self) -> None:  # noqa: N802
            self._handle("DELETE")

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            pass  # requests are recorded in api_requests instead

        def _handle(self, method: str) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode("utf-8") if length else ""
            path = urlsplit(self.path).path
            form = dict(parse_qsl(body, keep_blank_values=True))
            auth = _parse_basic_auth(self.headers.get("Authorization"))
            api.twilio.api_requests.append(
                ApiRequest(method, path, form, auth, dict(self.headers.items()))
            )
            status, payload = api.dispatch(method, path, form, auth)
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Twilio-Request-Id", new_sid("RQ"))
            if status == 401:
                self.send_header("WWW-Authenticate", 'Basic realm="Twilio API"')
            self.end_headers()
            self.wfile.write(data)

    return Handler
