"""TwiML as Twilio reads it, and the steps and outcomes of a simulated call.

Pure functions and small types, no I/O: parsing a TwiML answer, mapping a
failed webhook to Twilio's error code, and turning keys pressed into the
``Digits``/``FinishedOnKey`` pair a <Gather> submits.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass

from .wire import Exchange

APPLICATION_ERROR = "We're sorry, an application error has occurred. Goodbye."
DTMF = set("0123456789*#w")

# Twilio error codes recorded in SimulatedCall.errors.
HTTP_RETRIEVAL_FAILURE = 11200
HTTP_CONNECTION_FAILURE = 11205
DOCUMENT_PARSE_FAILURE = 12100
STATUS_CALLBACK_FAILURE = 15003


@dataclass
class Fetch:
    """Request a TwiML document and execute it."""

    url: str
    method: str
    params: dict[str, str]
    kind: str


@dataclass
class RunTwiml:
    """Execute TwiML handed over by the REST API."""

    twiml: str
    doc_url: str


class HangUp:
    """End the call (REST update with Status=completed)."""


Step = Fetch | RunTwiml | HangUp


class Interrupted(Exception):
    """A REST update arrived: abandon the current verb and perform ``step``."""

    def __init__(self, step: Step) -> None:
        super().__init__(step)
        self.step = step


class CallEnded(Exception):
    """<Hangup>, or the call ended otherwise: only the status callback is left."""


class CallerHungUp(Exception):
    """The caller lost patience in the queue (``hangup_after_queue_seconds``)."""


@dataclass
class CallError:
    """A failure Twilio would log in its debugger for this call."""

    code: int
    url: str
    detail: str


@dataclass
class ChildLeg:
    """The outbound leg a <Dial> creates towards an agent."""

    sid: str
    to: str
    from_: str
    status: str = "initiated"
    duration: int = 0
    answered_at: float | None = None
    sequence: int = 0


def parse_twiml(text: str) -> ET.Element:
    """The <Response> element of a TwiML document; ValueError if it is not one."""
    try:
        root = ET.fromstring(text)
    except (ET.ParseError, SyntaxError) as exc:
        raise ValueError(f"TwiML does not parse: {exc}") from exc
    if root.tag != "Response":
        raise ValueError(f"TwiML root is <{root.tag}>, not <Response>")
    return root


def interpret(exchange: Exchange) -> tuple[ET.Element | None, int]:
    """The TwiML a webhook answered, or the Twilio error code of the failure."""
    if exchange.error is not None:
        return None, HTTP_CONNECTION_FAILURE
    if not exchange.ok:
        return None, HTTP_RETRIEVAL_FAILURE
    try:
        return parse_twiml(exchange.response_text), 0
    except ValueError:
        return None, DOCUMENT_PARSE_FAILURE


def collect_digits(entry: str | None, finish_on_key: str, num_digits: int | None) -> tuple[str | None, str]:
    """(Digits, FinishedOnKey) for what the caller keyed; Digits None for no input."""
    if not entry:
        return None, ""
    if finish_on_key and finish_on_key in entry:
        before = entry.split(finish_on_key, 1)[0]
        if num_digits and len(before) >= num_digits:
            return before[:num_digits], ""
        return (before or None), finish_on_key
    if num_digits and len(entry) >= num_digits:
        return entry[:num_digits], ""
    return entry, ""


def number(value: str | None, default: float) -> float:
    """A numeric TwiML attribute; ``default`` when absent or malformed (Twilio's defaults apply)."""
    try:
        return float(value) if value not in (None, "") else default
    except ValueError:
        return default


def loops(verb: ET.Element) -> int:
    # loop="0" means "forever" to Twilio; the caller hears it at least once.
    return max(1, int(number(verb.get("loop"), 1)))
