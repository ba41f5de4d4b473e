"""The call simulator: its signatures, its fake REST API and its TwiML interpreter.

Signatures are checked against twilio-python's own test vectors (token 12345,
shared/reference/twilio-wire-format.md section 1.2). The REST API is driven by
twilio's own client. The interpreter runs against a scripted in-process server
that validates every signature the way our Flask server does.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests
from twilio.base.exceptions import TwilioRestException
from twilio.request_validator import RequestValidator
from twilio.rest import Client

from contact_center.simulator import APPLICATION_ERROR, RedirectingHttpClient, VirtualTwilio, collect_digits

TOKEN = "12345"
URL = "https://mycompany.com/myapp.php?foo=1&bar=2"
PARAMS = {
    "CallSid": "CA1234567890ABCDE",
    "Caller": "+14158675309",
    "Digits": "1234",
    "From": "+14158675309",
    "To": "+18005551212",
}
BODY_SHA256 = "0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620"

VECTORS = [
    (URL, "RSOYDt4T1cUTdK1PDd93/VVr8B8="),
    (URL.replace(".com", ".com:443"), "kvajT1Ptam85bY51eRf/AJRuM3w="),
    (URL.replace("https://mycompany.com", "http://mycompany.com:80"), "0ZXoZLH/DfblKGATFgpif+LLRf4="),
    (URL.replace("https", "http"), "OyGYPqTF6ztdbRNCvuQO/oPvqQ4="),
    (URL.replace("myapp.php", "myapp.php/"), "1hHkZtPdJ44D/c3RL3nF/OS2BHU="),
    (URL.replace("https://mycompany.com", "http://mycompany.com:1234"), "Zmvh+3yNM1Phv2jhDCwEM3q5ebU="),
]
MULTI_VALUE = "IK+Dwps556ElfBT0I3Rgjkr1wJU="


# --- signing ---------------------------------------------------------------


@pytest.mark.parametrize(("url", "expected"), VECTORS)
def test_sign_matches_twilio_vectors(url: str, expected: str) -> None:
    assert VirtualTwilio(auth_token=TOKEN).sign(url, PARAMS) == expected


@pytest.mark.parametrize(
    "params",
    [
        [("Sid", "CA123"), ("SidAccount", "AC123"), ("Digits", "5678"), ("Digits", "1234"), ("Digits", "1234")],
        {"Sid": "CA123", "SidAccount": "AC123", "Digits": ["5678", "1234", "1234"]},
    ],
)
def test_sign_multi_value_dedupes_and_sorts_values(params: object) -> None:
    assert VirtualTwilio(auth_token=TOKEN).sign(URL, params) == MULTI_VALUE


def test_sign_json_body_url_with_empty_params() -> None:
    url = f"{URL}&bodySHA256={BODY_SHA256}"
    assert VirtualTwilio(auth_token=TOKEN).sign(url, {}) == "a9nBmqA0ju/hNViExpshrM61xv4="


@dataclass
class Sent:
    url: str
    data: str
    headers: dict[str, str]


@dataclass
class FakeResponse:
    status_code: int
    text: str = ""


class RecordingTransport:
    def __init__(self) -> None:
        self.sent: list[Sent] = []

    def post(self, url: str, data: str = "", headers: dict[str, str] | None = None) -> FakeResponse:
        self.sent.append(Sent(url, data, dict(headers or {})))
        return FakeResponse(204)


@pytest.mark.parametrize(("url", "expected"), VECTORS)
def test_webhook_on_the_wire_carries_the_vector_signature(url: str, expected: str) -> None:
    transport = RecordingTransport()
    VirtualTwilio(auth_token=TOKEN, session=transport).post_webhook(url, PARAMS)
    sent = transport.sent[-1]
    assert sent.url == url
    assert sent.headers["X-Twilio-Signature"] == expected
    assert sent.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert dict(parse_qsl(sent.data, keep_blank_values=True)) == PARAMS
    assert RequestValidator(TOKEN).validate(url, dict(parse_qsl(sent.data)), expected)


def test_multi_value_webhook_on_the_wire() -> None:
    transport = RecordingTransport()
    pairs = [("Sid", "CA123"), ("SidAccount", "AC123"), ("Digits", "5678"), ("Digits", "1234")]
    VirtualTwilio(auth_token=TOKEN, session=transport).post_webhook(URL, pairs)
    sent = transport.sent[-1]
    assert parse_qsl(sent.data) == pairs
    assert sent.headers["X-Twilio-Signature"] == MULTI_VALUE


def test_forged_signature_does_not_validate() -> None:
    transport = RecordingTransport()
    VirtualTwilio(auth_token=TOKEN, session=transport).post_webhook(URL, PARAMS, forge=True)
    signature = transport.sent[-1].headers["X-Twilio-Signature"]
    assert signature != VECTORS[0][1]
    assert not RequestValidator(TOKEN).validate(URL, PARAMS, signature)


def test_replay_last_is_byte_for_byte() -> None:
    transport = RecordingTransport()
    twilio = VirtualTwilio(auth_token=TOKEN, session=transport)
    twilio.post_webhook(URL, PARAMS)
    twilio.replay_last()
    first, again = transport.sent
    assert again == first
    assert "I-Twilio-Idempotency-Token" in first.headers


def test_url_credentials_and_fragment_are_not_signed() -> None:
    transport = RecordingTransport()
    VirtualTwilio(auth_token=TOKEN, session=transport).post_webhook(
        "https://user:pw@mycompany.com/myapp.php?foo=1&bar=2#rc=2&ct=1000", PARAMS
    )
    sent = transport.sent[-1]
    assert sent.url == URL
    assert sent.headers["X-Twilio-Signature"] == VECTORS[0][1]
    assert sent.headers["Authorization"].startswith("Basic ")


# --- a scripted server: what our Flask app would answer --------------------

BASE = "http://testserver.local"
Handler = Callable[[dict[str, str]], tuple[int, str]]


class ScriptedServer:
    """Routes webhooks by path to handlers; refuses bad signatures with 403 like our server."""

    def __init__(self, routes: dict[str, Handler], token: str = TOKEN) -> None:
        self.routes = routes
        self.validator = RequestValidator(token)
        self.received: list[tuple[str, dict[str, str]]] = []

    def post(self, url: str, data: str = "", headers: dict[str, str] | None = None) -> FakeResponse:
        form = dict(parse_qsl(data, keep_blank_values=True))
        if not self.validator.validate(url, form, (headers or {}).get("X-Twilio-Signature", "")):
            return FakeResponse(403, "bad signature")
        path = urlsplit(url).path
        self.received.append((path, form))
        handler = self.routes.get(path)
        if handler is None:
            return FakeResponse(404, "not found")
        status, body = handler(form)
        return FakeResponse(status, body)

    def forms(self, path: str) -> list[dict[str, str]]:
        return [form for p, form in self.received if p == path]


def twiml(body: str) -> Handler:
    return lambda form: (200, f'<?xml version="1.0" encoding="UTF-8"?><Response>{body}</Response>')


def no_content(form: dict[str, str]) -> tuple[int, str]:
    return 204, ""


def simulator(routes: dict[str, Handler]) -> tuple[VirtualTwilio, ScriptedServer]:
    server = ScriptedServer({"/voice/status": no_content, **routes})
    return VirtualTwilio(BASE, TOKEN, session=server, time_scale=0.001), server


def assert_clean(call: object) -> None:
    assert call.exception is None  # type: ignore[attr-defined]
    assert call.errors == []  # type: ignore[attr-defined]
    assert call.heard_application_error is False  # type: ignore[attr-defined]


# --- the fake REST API, driven by twilio's own client ----------------------

HOLD = twiml('<Say language="en-US">Please hold.</Say><Pause length="10"/>')
ENQUEUE = twiml(
    '<Say language="fr-FR">Bonjour</Say>'
    '<Enqueue action="/voice/queue-result" waitUrl="/voice/wait">support</Enqueue>'
)


@pytest.fixture
def twilio_and_server():
    twilio, server = simulator({
        "/voice/incoming": ENQUEUE,
        "/voice/wait": HOLD,
        "/voice/queue-result": twiml(""),
        "/voice/agent-leg": no_content,
        "/voice/dial-result": twiml("<Hangup/>"),
    })
    twilio.start_api()
    yield twilio, server
    twilio.stop_api()


def rest_client(twilio: VirtualTwilio) -> Client:
    return Client(twilio.account_sid, twilio.auth_token, http_client=RedirectingHttpClient(twilio.api_base_url))


def test_rest_update_redirects_a_waiting_call_to_an_agent(twilio_and_server) -> None:
    twilio, server = twilio_and_server
    call = twilio.place_call("+15005550006", "+15005550001", talk_seconds=30).start()
    assert call.wait_enqueued(timeout=5)
    deadline = time.monotonic() + 5
    while not call.said[1:] and time.monotonic() < deadline:  # let it hear the hold message once
        time.sleep(0.01)
    dial = (
        f'<Response><Dial action="{BASE}/voice/dial-result?agent=3" timeout="20">'
        f'<Client statusCallback="{BASE}/voice/agent-leg?call={call.call_sid}&amp;agent=3" '
        'statusCallbackEvent="answered completed">agent_alice</Client></Dial></Response>'
    )
    updated = rest_client(twilio).calls(call.call_sid).update(twiml=dial)
    assert call.join(timeout=10)
    assert_clean(call)

    assert updated.sid == call.call_sid and updated.account_sid == twilio.account_sid
    recorded = twilio.api_requests[-1]
    assert recorded.method == "POST"
    assert recorded.path == f"/2010-04-01/Accounts/{twilio.account_sid}/Calls/{call.call_sid}.json"
    assert recorded.form["Twiml"] == dial
    assert recorded.auth == (twilio.account_sid, twilio.auth_token)

    assert call.said[:2] == [("Bonjour", "fr-FR"), ("Please hold.", "en-US")]
    wait = server.forms("/voice/wait")[0]
    assert wait["QueueSid"].startswith("QU") and len(wait["QueueSid"]) == 34
    assert (wait["QueuePosition"], wait["CurrentQueueSize"], wait["MaxQueueSize"]) == ("1", "1", "1000")
    assert wait["CallStatus"] == "in-progress"
    [queue_result] = server.forms("/voice/queue-result")
    assert queue_result["QueueResult"] == "redirected"
    answered, completed = server.forms("/voice/agent-leg")
    assert answered["CallStatus"] == "in-progress" and "CallDuration" not in answered
    assert (answered["ParentCallSid"], answered["Direction"], answered["To"]) == (
        call.call_sid, "outbound-dial", "client:agent_alice")
    assert (answered["SequenceNumber"], completed["SequenceNumber"]) == ("0", "1")
    assert completed["CallStatus"] == "completed"
    assert (completed["CallDuration"], completed["Duration"]) == ("30", "1")
    [dial_result] = server.forms("/voice/dial-result")
    assert dial_result["DialCallStatus"] == "completed" and dial_result["DialBridged"] == "true"
    assert dial_result["DialCallSid"] == answered["CallSid"] and dial_result["DialCallDuration"] == "30"
    [status] = server.forms("/voice/status")
    assert status["CallStatus"] == "completed" and status["SequenceNumber"] == "0"
    assert int(status["CallDuration"]) >= 30 and status["SipResponseCode"] == "200"


def test_rest_api_404_for_unknown_call(twilio_and_server) -> None:
    twilio, _ = twilio_and_server
    with pytest.raises(TwilioRestException) as caught:
        rest_client(twilio).calls("CA" + "f" * 32).update(twiml="<Response><Hangup/></Response>")
    assert (caught.value.status, caught.value.code) == (404, 20404)
    assert twilio.api_requests[-1].form["Twiml"] == "<Response><Hangup/></Response>"


def test_rest_api_refuses_update_of_a_completed_call(twilio_and_server) -> None:
    twilio, server = twilio_and_server
    server.routes["/voice/incoming"] = twiml("<Hangup/>")
    call = twilio.place_call("+15005550006", "+15005550001").run()
    with pytest.raises(TwilioRestException) as caught:
        rest_client(twilio).calls(call.call_sid).update(twiml="<Response><Hangup/></Response>")
    assert (caught.value.status, caught.value.code) == (400, 21220)
    assert rest_client(twilio).calls(call.call_sid).fetch().status == "completed"


def test_rest_api_requires_basic_auth(twilio_and_server) -> None:
    twilio, _ = twilio_and_server
    url = f"{twilio.api_base_url}/2010-04-01/Accounts/{twilio.account_sid}/Calls/CA{'0' * 32}.json"
    response = requests.post(url, data={"Twiml": "<Response/>"}, timeout=5)
    assert response.status_code == 401 and response.json()["code"] == 20003


def test_redirecting_http_client_rewrites_only_twilio_hosts() -> None:
    class Capturing(RedirectingHttpClient):
        def __init__(self) -> None:
            super().__init__("http://127.0.0.1:9")
            self.urls: list[str] = []

    client = Capturing()
    original = RedirectingHttpClient.__mro__[1].request

    def capture(self, method, url, **kwargs):  # noqa: ANN001
        self.urls.append(url)

    RedirectingHttpClient.__mro__[1].request = capture
    try:
        client.request("POST", "https://api.twilio.com/2010-04-01/Accounts/AC1/Calls/CA1.json")
        client.request("POST", "https://api.dublin.ie1.twilio.com/2010-04-01/Calls.json")
        client.request("GET", "https://example.com/x")
    finally:
        RedirectingHttpClient.__mro__[1].request = original
    assert client.urls == [
        "http://127.0.0.1:9/2010-04-01/Accounts/AC1/Calls/CA1.json",
        "http://127.0.0.1:9/2010-04-01/Calls.json",
        "https://example.com/x",
    ]


# --- the TwiML interpreter --------------------------------------------------


def test_first_request_has_twilio_standard_parameters_and_every_request_validates() -> None:
    twilio, server = simulator({"/voice/incoming": twiml("<Say>Hi</Say>")})
    call = twilio.place_call("+15005550006", "+15005550001").run()
    assert_clean(call)
    incoming = server.forms("/voice/incoming")[0]
    assert incoming["CallStatus"] == "ringing" and incoming["Direction"] == "inbound"
    assert incoming["ApiVersion"] == "2010-04-01" and incoming["AccountSid"] == twilio.account_sid
    assert incoming["CallSid"] == call.call_sid and len(call.call_sid) == 34
    assert (incoming["Caller"], incoming["Called"]) == ("+15005550006", "+15005550001")
    for name in ("FromCity", "FromState", "FromZip", "FromCountry", "ToCity", "ToState", "ToZip", "ToCountry",
                 "CallerCity", "CallerState", "CallerZip", "CallerCountry", "CalledCity", "CalledState",
                 "CalledZip", "CalledCountry", "CallToken"):
        assert name in incoming
    assert [e.kind for e in call.transcript] == ["incoming", "status"]
    assert all(e.status_code != 403 for e in call.transcript)
    assert call.status == "completed" and call.said == [("Hi", "en-US")]


def test_gather_digits_relative_action_and_silence() -> None:
    twilio, server = simulator({
        "/voice/incoming": twiml(
            '<Gather action="step?node=menu" numDigits="1"><Say>Press 1</Say></Gather><Say>No input</Say>'
            '<Redirect>/voice/again</Redirect>'
        ),
        "/voice/step": twiml('<Gather action="/voice/account" finishOnKey="#"><Say>Account?</Say></Gather>'),
        "/voice/account": twiml('<Gather action="/voice/empty" actionOnEmptyResult="true"/><Hangup/>'),
        "/voice/empty": twiml("<Hangup/>"),
    })
    call = twilio.place_call("+15005550006", "+15005550001", digits=["1", "42#", None]).run()
    assert_clean(call)
    step = server.forms("/voice/step")[0]
    assert (step["Digits"], step["FinishedOnKey"], step["msg"]) == ("1", "", "Gather End")
    assert step["CallStatus"] == "in-progress"
    assert call.transcript[1].url == f"{BASE}/voice/step?node=menu"
    account = server.forms("/voice/account")[0]
    assert (account["Digits"], account["FinishedOnKey"]) == ("42", "#")
    empty = server.forms("/voice/empty")[0]
    assert "Digits" not in empty and empty["msg"] == "Gather End"


def test_gather_without_input_falls_through() -> None:
    twilio, server = simulator({
        "/voice/incoming": twiml('<Gather action="/voice/step"><Say>Press</Say></Gather><Say>Bye</Say>'),
    })
    call = twilio.place_call("+15005550006", "+15005550001").run()
    assert_clean(call)
    assert call.said == [("Press", "en-US"), ("Bye", "en-US")]
    assert server.forms("/voice/step") == []


def test_collect_digits() -> None:
    assert collect_digits("123", "#", 1) == ("1", "")
    assert collect_digits("12#3", "#", None) == ("12", "#")
    assert collect_digits("#", "#", None) == (None, "#")
    assert collect_digits(None, "#", 1) == (None, "")


def test_server_error_goes_to_fallback() -> None:
    twilio, server = simulator({
        "/voice/incoming": lambda form: (500, "boom"),
        "/voice/fallback": twiml("<Say>Sorry</Say><Hangup/>"),
    })
    call = twilio.place_call("+15005550006", "+15005550001").run()
    assert call.heard_application_error is False
    assert [e.code for e in call.errors] == [11200]
    fallback = server.forms("/voice/fallback")[0]
    assert (fallback["ErrorCode"], fallback["ErrorUrl"]) == ("11200", f"{BASE}/voice/incoming")
    assert call.said == [("Sorry", "en-US")]


def test_application_error_when_fallback_fails_too() -> None:
    twilio, _ = simulator({"/voice/incoming": lambda form: (200, "<Response><Say>unclosed")})
    call = twilio.place_call("+15005550006", "+15005550001").run()
    assert call.heard_application_error is True
    assert [e.code for e in call.errors] == [12100, 11200]
    assert call.said[-1] == (APPLICATION_ERROR, "en-US")
    assert call.transcript[-1].kind == "status"


def test_forged_call_is_refused_by_the_server() -> None:
    twilio, server = simulator({"/voice/incoming": twiml("<Hangup/>")})
    call = twilio.place_call("+15005550006", "+15005550001", forge=True).run()
    assert all(e.status_code == 403 for e in call.transcript)
    assert server.received == []


def test_caller_hangs_up_in_queue() -> None:
    twilio, server = simulator({
        "/voice/incoming": ENQUEUE,
        "/voice/wait": HOLD,
        "/voice/queue-result": twiml(""),
    })
    call = twilio.place_call("+15005550006", "+15005550001", hangup_after_queue_seconds=25).run()
    assert_clean(call)
    waits = server.forms("/voice/wait")
    assert [w["QueueTime"] for w in waits][:3] == ["0", "10", "20"]
    [result] = server.forms("/voice/queue-result")
    assert (result["QueueResult"], result["CallStatus"], result["QueueTime"]) == ("hangup", "completed", "25")
    assert result["QueueSid"] == waits[0]["QueueSid"]
    assert [e.kind for e in call.transcript][-2:] == ["queue-result", "status"]


def test_wait_poll_interval_overrides_hold_pauses() -> None:
    twilio, server = simulator({"/voice/incoming": ENQUEUE, "/voice/wait": HOLD, "/voice/queue-result": twiml("")})
    call = twilio.place_call("+15005550006", "+15005550001", hangup_after_queue_seconds=10,
                             wait_poll_interval=2).run()
    assert_clean(call)
    assert [w["QueueTime"] for w in server.forms("/voice/wait")] == ["0", "2", "4", "6", "8"]


def test_leave_posts_action_and_runs_its_twiml() -> None:
    twilio, server = simulator({
        "/voice/incoming": ENQUEUE,
        "/voice/wait": twiml("<Leave/>"),
        "/voice/queue-result": twiml("<Say>Left</Say>"),
    })
    call = twilio.place_call("+15005550006", "+15005550001").run()
    assert_clean(call)
    assert server.forms("/voice/queue-result")[0]["QueueResult"] == "leave"
    assert call.said[-1] == ("Left", "en-US")


def test_dial_no_answer() -> None:
    twilio, server = simulator({
        "/voice/incoming": twiml(
            '<Dial action="/voice/dial-result" timeout="20">'
            '<Number statusCallback="/voice/agent-leg" statusCallbackEvent="answered completed">+15005550009'
            "</Number></Dial>"
        ),
        "/voice/agent-leg": no_content,
        "/voice/dial-result": twiml("<Hangup/>"),
    })
    call = twilio.place_call("+15005550006", "+15005550001", agent_answers=False).run()
    assert_clean(call)
    [leg] = server.forms("/voice/agent-leg")
    assert (leg["CallStatus"], leg["CallDuration"], leg["SequenceNumber"]) == ("no-answer", "0", "0")
    [result] = server.forms("/voice/dial-result")
    assert (result["DialCallStatus"], result["DialCallDuration"], result["DialBridged"]) == ("no-answer", "0", "false")


def test_replay_of_a_call_webhook() -> None:
    twilio, server = simulator({"/voice/incoming": twiml("<Hangup/>")})
    call = twilio.place_call("+15005550006", "+15005550001").run()
    replayed = call.replay_last(kinds=["status"])
    original = call.transcript[-2]
    assert (replayed.url, replayed.body, replayed.headers) == (original.url, original.body, original.headers)
    assert server.forms("/voice/status")[0] == server.forms("/voice/status")[1]
