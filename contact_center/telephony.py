"""Twilio's REST API, through twilio's own client.

With no Twilio account configured, the same client is pointed at another base
URL (the call simulator's fake REST API) through twilio's pluggable HTTP client.
"""

from __future__ import annotations

import logging
import re

from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client
from twilio.twiml.voice_response import VoiceResponse

from contact_center.exceptions import TelephonyError

#: api.twilio.com and its regional edges (api.dublin.ie1.twilio.com).
TWILIO_API = re.compile(r"^https://api(\.[a-z0-9-]+)*\.twilio\.com(?=/|$)")


log = logging.getLogger(__name__)

#: 20404: no such call; 21220: "Call is not in-progress. Cannot redirect."
CALL_GONE_CODES = frozenset({20404, 21220})


class RedirectingHttpClient(TwilioHttpClient):
    """Sends the twilio client's requests to ``base_url`` instead of Twilio.

    It keeps every request it sent in ``sent`` so tests can read what went out.
    """

    def __init__(self, base_url: str, timeout: float = 10) -> None:
        super().__init__(timeout=timeout)
        self.base_url = base_url.rstrip("/")
        self.sent: list[dict] = []

    def request(
        self,
        method: str,
        url: str,
        params=None,
        data=None,
        headers=None,
        auth=None,
        timeout=None,
        allow_redirects=False,
    ) -> Response:
        url = TWILIO_API.sub(self.base_url, url, count=1)
        self.sent.append({"method": method, "url": url, "data": dict(data or {})})
        return super().request(
            method, url, params=params, data=data, headers=headers, auth=auth,
            timeout=timeout, allow_redirects=allow_redirects,
        )


class Telephony:
    """The few REST operations the contact center needs."""

    def __init__(self, client: Client) -> None:
        self.client = client

    @classmethod
    def from_settings(
        cls, account_sid: str, auth_token: str, api_base_url: str | None
    ) -> Telephony:
        http_client = RedirectingHttpClient(api_base_url) if api_base_url else None
        return cls(Client(account_sid, auth_token, http_client=http_client))

    def redirect_call(self, call_sid: str, twiml: VoiceResponse) -> None:
        """Replace what a live call is doing with ``twiml``."""
        try:
            self.client.calls(call_sid).update(twiml=str(twiml))
        except TwilioRestException as exc:
            log.warning("Twilio refused to update %s: %s (%s)", call_sid, exc.msg, exc.code)
            gone = exc.status == 404 or exc.code in CALL_GONE_CODES
            raise TelephonyError("Twilio refused to connect the call; it stays in line", call_gone=gone) from exc
        except (TwilioException, OSError) as exc:
            # The agent sees a plain sentence; the details are for the operator's log.
            log.warning("Twilio could not be reached to update %s: %s", call_sid, exc)
            raise TelephonyError("Twilio could not be reached; the call stays in line") from exc
