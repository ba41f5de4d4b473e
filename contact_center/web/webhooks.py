"""Twilio's voice webhooks: thin adapters from signed requests to ``CallCenter``.

Every route checks ``X-Twilio-Signature``, answers a retried request with the
answer it already gave, and never lets an internal fault reach the caller as
Twilio's "application error": the fault is logged and the caller hears
graceful TwiML instead.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from flask import Blueprint, Response, abort, current_app, request
from twilio.request_validator import RequestValidator
from twilio.twiml.voice_response import VoiceResponse

from contact_center.exceptions import UnknownCall
from contact_center.ivr import apology_twiml
from contact_center.replay_cache import ReplayCache, request_key
from contact_center.web.extensions import services

blueprint = Blueprint("voice", __name__, url_prefix="/voice")

TWIML = "text/xml"


def signed_url() -> str:
    """The URL Twilio signed: our public base URL, not what a proxy shows us."""
    base = services().config.public_base_url
    query = request.query_string.decode()
    return f"{base}{request.path}" + (f"?{query}" if query else "")


def _thank_for_message() -> VoiceResponse:
    # The caller has just left a message: never tell them to call again.
    current_app.logger.error(
        "voicemail of call %s not stored: %s", request.form.get("CallSid"), request.form.get("RecordingUrl")
    )
    response = VoiceResponse()
    response.say("Thank you for your message. Goodbye.")
    response.hangup()
    return response


def _keep_waiting() -> VoiceResponse:
    # A fault while a caller is on hold must not drop them from the queue.
    response = VoiceResponse()
    response.pause(length=services().config.hold_pause_seconds)
    return response


Fallback = Callable[[], VoiceResponse] | None
View = Callable[[], VoiceResponse | None]


def _require_signature() -> None:
    validator = RequestValidator(services().config.twilio_auth_token)
    signature = request.headers.get("X-Twilio-Signature", "")
    if not validator.validate(signed_url(), request.form, signature):
        current_app.logger.warning(
            "refused webhook %s: %s X-Twilio-Signature (checked against %s; "
            "PUBLIC_BASE_URL must be the URL configured in Twilio)",
            request.path, "bad" if signature else "no", signed_url(),
        )
        abort(403)


def _run(view: View, fallback: Fallback) -> tuple[int, str]:
    """The view's answer as (status, body); on a fault, the fallback's."""
    try:
        twiml = view()
    except UnknownCall as exc:
        # Not our fault: a call from before a data loss, or a hand-made request.
        if fallback is None:
            return 204, ""
        current_app.logger.warning("webhook %s: %s; caller gets fallback", request.path, exc)
        return 200, str(fallback())
    except Exception:
        if fallback is None:
            raise
        current_app.logger.exception("webhook %s failed; caller gets fallback", request.path)
        return 200, str(fallback())
    return (204, "") if twiml is None else (200, str(twiml))


def _answer_once(view: View, fallback: Fallback) -> tuple[int, str]:
    key = request_key("POST", signed_url(), request.form.items(multi=True))
    try:
        answer = ReplayCache(services().redis).answer_once(key, lambda: _run(view, fallback))
    except Exception:
        if fallback is None:
            raise
        # Redis itself is down: still answer the caller.
        current_app.logger.exception("webhook %s: replay cache failed", request.path)
        return 200, str(fallback())
    if answer is None:  # a copy is still being handled elsewhere
        return (200, str(fallback())) if fallback else (503, "")
    return answer


def twilio_webhook(fallback: Fallback = apology_twiml) -> Callable[[View], Callable[[], Response]]:
    """Signature check, replay protection and a graceful answer on faults.

    ``fallback=None`` marks a callback whose answer Twilio does not play
    (status callbacks): a fault there is a 500, so Twilio logs it.
    """

    def decorate(view: View) -> Callable[[], Response]:
        @functools.wraps(view)
        def wrapper() -> Response:
            _require_signature()
            status, body = _answer_once(view, fallback)
            return Response(body, status=status, mimetype=TWIML if body else None)

        return wrapper

    return decorate


def _seconds(value: str | None) -> float | None:
    """Twilio's durations are whole seconds as strings; anything else is no duration."""
    return float(value) if value and value.isdigit() else None


def _int_arg(name: str, default: int | None = None) -> int | None:
    try:
        return int(request.args.get(name, default))
    except (TypeError, ValueError):
        return default


@blueprint.post("/incoming")
@twilio_webhook()
def incoming() -> VoiceResponse:
    return services().call_center.incoming_call(request.form.to_dict())


@blueprint.post("/step")
@twilio_webhook()
def step() -> VoiceResponse:
    return services().call_center.menu_input(
        request.form["CallSid"],
        request.args.get("node", ""),
        _int_arg("attempt", 1),
        _int_arg("visit"),
        request.form.get("Digits") or None,
    )


@blueprint.post("/wait")
@twilio_webhook(fallback=_keep_waiting)
def wait() -> VoiceResponse:
    position = request.form.get("QueuePosition")
    return services().call_center.hold(
        request.form["CallSid"], int(position) if position and position.isdigit() else None
    )


@blueprint.post("/queue-result")
@twilio_webhook(fallback=VoiceResponse)
def queue_result() -> VoiceResponse:
    return services().call_center.queue_result(
        request.form["CallSid"], request.form.get("QueueResult", "")
    )


@blueprint.post("/dial-result")
@twilio_webhook()
def dial_result() -> VoiceResponse:
    return services().call_center.dial_result(
        request.form["CallSid"],
        _int_arg("agent"),
        request.form.get("DialCallStatus", ""),
        _seconds(request.form.get("DialCallDuration")),
        request.form.get("CallStatus", "in-progress"),
    )


@blueprint.post("/recording")
@twilio_webhook(fallback=_thank_for_message)
def recording() -> VoiceResponse:
    return services().call_center.voicemail_left(
        request.form["CallSid"],
        request.args.get("node", ""),
        request.form.get("RecordingUrl", ""),
        _seconds(request.form.get("RecordingDuration")),
    )


@blueprint.post("/survey")
@twilio_webhook()
def survey() -> VoiceResponse:
    return services().call_center.survey_answer(request.form["CallSid"], request.form.get("Digits") or None)


@blueprint.post("/agent-leg")
@twilio_webhook(fallback=None)
def agent_leg() -> None:
    services().call_center.agent_leg_status(
        request.args.get("call", ""),
        _int_arg("agent"),
        request.form.get("CallStatus", ""),
        _seconds(request.form.get("CallDuration")),
    )


@blueprint.post("/status")
@twilio_webhook(fallback=None)
def status() -> None:
    services().call_center.call_status(
        request.form["CallSid"], request.form.get("CallStatus", ""), _seconds(request.form.get("CallDuration"))
    )


@blueprint.post("/fallback")
@twilio_webhook()
def fallback() -> VoiceResponse:
    current_app.logger.error(
        "Twilio used the fallback URL for call %s: error %s at %s",
        request.form.get("CallSid", "?"), request.form.get("ErrorCode", "?"),
        request.form.get("ErrorUrl", "(no ErrorUrl sent)"),
    )
    return apology_twiml()
