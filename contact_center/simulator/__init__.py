"""A call simulator that behaves toward our server exactly as Twilio does.

``VirtualTwilio`` signs and sends Twilio's webhooks (``X-Twilio-Signature`` by
twilio's own ``RequestValidator``), runs simulated inbound calls that execute
the TwiML our server answers (Say, Play, Pause, Gather, Redirect, Hangup,
Enqueue with its waitUrl loop, Dial to a Client or Number), and serves a tiny
fake of Twilio's REST API so the server can redirect live calls. Plain Python,
no Flask; the transport is injectable so tests can use Flask's test client.

CLI: ``python -m contact_center.simulator --help``.
"""

from .call import APPLICATION_ERROR, CallError, ChildLeg, SimulatedCall, collect_digits, parse_twiml
from .rest_api import ApiRequest, FakeRestApi, RedirectingHttpClient
from .virtual import DEFAULT_BASE_URL, DEMO_AUTH_TOKEN, Queue, VirtualTwilio
from .wire import Exchange, FormParams, SimClock, Transport, new_sid, rfc2822_now

__all__ = [
    "APPLICATION_ERROR", "ApiRequest", "CallError", "ChildLeg", "DEFAULT_BASE_URL", "DEMO_AUTH_TOKEN",
    "Exchange", "FakeRestApi", "FormParams", "Queue", "RedirectingHttpClient", "SimClock",
    "SimulatedCall", "Transport", "VirtualTwilio", "collect_digits", "new_sid", "parse_twiml",
    "rfc2822_now",
]
