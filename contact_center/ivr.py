"""Turn a flow node into TwiML, and a caller's input into the next node.

Pure functions of (flow, node, input): no request, no database. Consecutive
``say`` nodes are rendered into one response so the caller hears no gap.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from twilio.twiml.voice_response import Gather, VoiceResponse

from contact_center.flows import MAX_CHAINED_NODES, Flow, Node
from contact_center.hours import is_open, now_utc, parse_schedule


class StepUrls(Protocol):
    """Absolute URLs the TwiML points Twilio at."""

    def step(self, node_id: str, attempt: int, visit: int) -> str: ...
    def wait(self) -> str: ...
    def queue_result(self) -> str: ...
    def survey(self) -> str: ...
    def recording(self, node_id: str) -> str: ...


@dataclass(frozen=True)
class EnqueueSpec:
    node_id: str
    queue: str
    skills: tuple[str, ...]
    priority: int


@dataclass
class Step:
    """What one webhook answers, and what it did to the call."""

    twiml: VoiceResponse = field(default_factory=VoiceResponse)
    #: How long the caller's IVR path was before this step.
    path_length: int = 0
    #: When the step runs, for business hours.
    now: datetime = field(default_factory=now_utc)
    entered: list[str] = field(default_factory=list)
    enqueue: EnqueueSpec | None = None
    hung_up: bool = False


def speech_parts(value: Any, default_language: str) -> list[tuple[str, str]]:
    """Normalise a flow's speech value to ``[(text, language), ...]``."""
    parts = value if isinstance(value, list) else [value]
    out = []
    for part in parts:
        if isinstance(part, Mapping):
            out.append((part["say"], part.get("language", default_language)))
        else:
            out.append((part, default_language))
    return out


def _say(target: VoiceResponse | Gather, parts: Sequence[tuple[str, str]]) -> None:
    for text, language in parts:
        target.say(text, language=language)


def enter(
    flow: Flow,
    node_id: str,
    urls: StepUrls,
    *,
    attempt: int = 1,
    preface: Sequence[tuple[str, str]] = (),
    path_length: int = 0,
    now: datetime | None = None,
) -> Step:
    """Render from ``node_id`` on, until a node waits for input or ends the IVR.

    ``path_length`` is how many nodes the caller has entered so far; it makes
    each visit to a menu a distinct step, so a retry can be told from a revisit.
    """
    step = Step(path_length=path_length, now=now or now_utc())
    _say(step.twiml, preface)
    for _ in range(MAX_CHAINED_NODES):
        node = flow.node(node_id)
        if attempt == 1:
            step.entered.append(node.id)
        renderer = RENDERERS[node.type]
        next_id = renderer(flow, node, step, urls, attempt)
        if next_id is None:
            return step
        node_id, attempt = next_id, 1
    raise RuntimeError(f"flow '{flow.name}' chains more than {MAX_CHAINED_NODES} nodes")


def _render_say(flow: Flow, node: Node, step: Step, urls: StepUrls, attempt: int) -> str:
    _say(step.twiml, speech_parts(node.get("say"), flow.language_of(node)))
    return node.get("next")


def _render_menu(flow: Flow, node: Node, step: Step, urls: StepUrls, attempt: int) -> None:
    # The menu's own place in the caller's path: new on each visit, kept on reprompts.
    visit = step.path_length + len(step.entered) - 1
    action = urls.step(node.id, attempt, visit)
    gather = Gather(
        input="dtmf",
        num_digits=1,
        timeout=node.get("timeout", 5),
        action=action,
        method="POST",
        action_on_empty_result=True,
    )
    _say(gather, speech_parts(node.get("prompt"), flow.language_of(node)))
    step.twiml.append(gather)
    # Reached only if Twilio ignores actionOnEmptyResult: same URL, no Digits.
    step.twiml.redirect(action, method="POST")
    return None


def _render_enqueue(flow: Flow, node: Node, step: Step, urls: StepUrls, attempt: int) -> None:
    step.enqueue = EnqueueSpec(
        node_id=node.id,
        queue=node.get("queue"),
        skills=tuple(node.get("skills")),
        priority=int(node.get("priority", 0)),
    )
    step.twiml.enqueue(
        node.get("queue"),
        action=urls.queue_result(),
        method="POST",
        wait_url=urls.wait(),
        wait_url_method="POST",
    )
    return None


def _render_hangup(flow: Flow, node: Node, step: Step, urls: StepUrls, attempt: int) -> None:
    if node.get("say"):
        _say(step.twiml, speech_parts(node.get("say"), flow.language_of(node)))
    step.twiml.hangup()
    step.hung_up = True
    return None


def _render_hours(flow: Flow, node: Node, step: Step, urls: StepUrls, attempt: int) -> str:
    open_now = is_open(parse_schedule(node.props), step.now)
    return node.get("when_open" if open_now else "when_closed")


def _render_voicemail(flow: Flow, node: Node, step: Step, urls: StepUrls, attempt: int) -> None:
    _say(step.twiml, speech_parts(node.get("prompt"), flow.language_of(node)))
    step.twiml.record(
        action=urls.recording(node.id), method="POST", max_length=node.get("max_length", 120),
        play_beep=True, finish_on_key="#", timeout=5,
    )
    # Reached only if the caller said nothing: Twilio then skips the action.
    step.twiml.hangup()
    return None


RENDERERS = {
    "say": _render_say,
    "menu": _render_menu,
    "enqueue": _render_enqueue,
    "hangup": _render_hangup,
    "hours": _render_hours,
    "voicemail": _render_voicemail,
}


def voicemail_thanks(flow: Flow, node_id: str) -> VoiceResponse:
    """After the message: the node's thanks (or a plain one), then goodbye."""
    node = flow.node(node_id)
    response = VoiceResponse()
    thanks = node.get("thanks") or "Thank you for your message. Goodbye."
    _say(response, speech_parts(thanks, flow.language_of(node)))
    response.hangup()
    return response


def handle_digits(
    flow: Flow, node_id: str, attempt: int, digits: str | None, urls: StepUrls, path_length: int = 0
) -> Step:
    """The caller pressed ``digits`` (or nothing) at menu ``node_id``."""
    node = flow.node(node_id)
    if node.type != "menu":
        # A stale or hand-made URL: start the node over rather than fail the call.
        return enter(flow, node_id, urls, path_length=path_length)
    options = {str(k): v for k, v in node.get("options").items()}
    if digits and digits in options:
        return enter(flow, options[digits], urls, path_length=path_length)
    language = flow.language_of(node)
    key = "invalid_prompt" if digits else "no_input_prompt"
    preface = speech_parts(node.get(key), language) if node.get(key) else []
    if attempt >= node.get("attempts", 3):
        return enter(flow, node.get("fallback"), urls, preface=preface, path_length=path_length)
    return enter(flow, node_id, urls, attempt=attempt + 1, preface=preface, path_length=path_length)


APOLOGY = "We are sorry, we cannot take your call right now. Please call again later. Goodbye."


def apology_twiml() -> VoiceResponse:
    """What a caller hears when we cannot help them: never Twilio's "application error"."""
    response = VoiceResponse()
    response.say(APOLOGY)
    response.hangup()
    return response


def hold_twiml(
    flow: Flow, node_id: str, position: int | None, pause_seconds: int
) -> VoiceResponse:
    """The ``<Enqueue waitUrl>`` document: a hold message, then a pause.

    Twilio requests the waitUrl again when this runs out, which is our loop.
    """
    node = flow.node(node_id)
    language = flow.language_of(node)
    response = VoiceResponse()
    if node.get("hold_message"):
        _say(response, speech_parts(node.get("hold_message"), language))
    if position and language.startswith("en"):
        response.say(f"You are number {position} in line.", language=language)
    response.pause(length=pause_seconds)
    return response


def survey_twiml(survey: Mapping[str, Any], urls: StepUrls) -> VoiceResponse:
    """After the agent hangs up: one key from 1 to 5, then goodbye."""
    response = VoiceResponse()
    gather = Gather(input="dtmf", num_digits=1, timeout=5, action=urls.survey(), method="POST")
    _say(gather, speech_parts(survey["prompt"], survey["language"]))
    response.append(gather)
    response.hangup()
    return response


def survey_thanks_twiml(survey: Mapping[str, Any]) -> VoiceResponse:
    response = VoiceResponse()
    _say(response, speech_parts(survey["thanks"], survey["language"]))
    response.hangup()
    return response
