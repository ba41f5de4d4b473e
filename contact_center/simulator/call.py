"""One simulated inbound call: Twilio's TwiML interpreter, as our server sees it.

The call fetches TwiML documents, executes their verbs in order, waits in
queues, dials agents and sends status callbacks, with the parameter names,
values and ordering Twilio uses (see shared/reference/twilio-wire-format.md).
A REST update from the fake API interrupts whatever the call is doing.
"""

from __future__ import annotations

import json
import secrets
import threading
import xml.etree.ElementTree as ET
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urljoin

from .twiml import (
    APPLICATION_ERROR,
    DTMF,
    HTTP_CONNECTION_FAILURE,
    HTTP_RETRIEVAL_FAILURE,
    STATUS_CALLBACK_FAILURE,
    CallEnded,
    CallerHungUp,
    CallError,
    ChildLeg,
    Fetch,
    HangUp,
    Interrupted,
    RunTwiml,
    Step,
    collect_digits,
    interpret,
    loops,
    number,
    parse_twiml,
)
from .wire import API_VERSION, Exchange, SimClock, billed_minutes, new_sid, rfc2822_now

if TYPE_CHECKING:
    from .virtual import Queue, VirtualTwilio

DEFAULT_MAX_QUEUE_SIZE = 1000
#: A hold document without <Pause> would be spoken by Twilio, which takes time;
#: a minimum cycle keeps the simulator from hammering the waitUrl.
MIN_WAIT_CYCLE_SECONDS = 1.0
#: Without waitUrl Twilio plays its default hold music; we just wait in slices.
HOLD_MUSIC_SLICE_SECONDS = 5.0
_GEO = ("City", "State", "Zip", "Country")


def _geo_params(phone: str, prefix: str, geo: Mapping[str, str]) -> dict[str, str]:
    # Twilio sends every geo field, empty when unknown; a +1 number is at least "US".
    country = "US" if phone.startswith("+1") else ""
    return {f"{prefix}{f}": geo.get(f"{prefix}{f}", country if f == "Country" else "") for f in _GEO}


class SimulatedCall:
    """An inbound call from ``from_`` to ``to``; see ``VirtualTwilio.place_call``."""

    def __init__(
        self,
        twilio: VirtualTwilio,
        from_: str,
        to: str,
        *,
        digits: Iterable[str | None] | None = None,
        hangup_after_queue_seconds: float | None = None,
        talk_seconds: float = 10.0,
        message_seconds: float = 5.0,
        wait_poll_interval: float | None = None,
        agent_answers: bool = True,
        time_scale: float = 1.0,
        geo: Mapping[str, str] | None = None,
        forge: bool = False,
    ) -> None:
        self.twilio = twilio
        self.call_sid = new_sid("CA")
        self.from_, self.to = from_, to
        self.hangup_after_queue_seconds = hangup_after_queue_seconds
        self.talk_seconds = talk_seconds
        self.message_seconds = message_seconds
        self.wait_poll_interval = wait_poll_interval
        self.agent_answers = agent_answers
        self.forge = forge
        self.clock = SimClock(time_scale)
        self.status = "queued"
        self.transcript: list[Exchange] = []
        self.said: list[tuple[str, str]] = []
        self.played: list[str] = []
        self.errors: list[CallError] = []
        self.child_legs: list[ChildLeg] = []
        self.heard_application_error = False
        self.duration: int | None = None
        self.exception: BaseException | None = None
        self.date_created = rfc2822_now()
        self.start_time: str | None = None
        self.end_time: str | None = None
        self._digits: deque[str | None] = deque(None if d is None else str(d) for d in (digits or []))
        geo = geo or {}
        self._geo = {**_geo_params(from_, "From", geo), **_geo_params(to, "To", geo)}
        token = {"parentCallInfoToken": secrets.token_urlsafe(24), "identityHeaderTokens": []}
        self._call_token = quote(json.dumps(token, separators=(",", ":")))
        self._sequence = 0
        self._queue: Queue | None = None
        self._max_queue_size = DEFAULT_MAX_QUEUE_SIZE
        self._enqueued_at = 0.0
        self._lock = threading.Lock()
        self._interrupt = threading.Event()
        self._pending: Step | None = None
        self._enqueued = threading.Event()
        self._done = threading.Event()
        self._thread: threading.Thread | None = None
        self._verbs: dict[str, Callable[[ET.Element, str], Step | None]] = {
            "Say": self._say, "Play": self._play, "Pause": self._pause, "Gather": self._gather,
            "Redirect": self._redirect, "Hangup": self._hangup, "Reject": self._hangup,
            "Enqueue": self._enqueue, "Dial": self._dial, "Record": self._record,
        }

    # --- running ----------------------------------------------------------

    def start(self) -> SimulatedCall:
        """Run the call in a daemon thread."""
        self._thread = threading.Thread(target=self._run_in_thread, name=f"call-{self.call_sid}", daemon=True)
        self._thread.start()
        return self

    def join(self, timeout: float | None = None) -> bool:
        """Wait for the call to end; True if it has."""
        if self._thread is not None:
            self._thread.join(timeout)
        return self._done.is_set()

    @property
    def done(self) -> bool:
        return self._done.is_set()

    def wait_enqueued(self, timeout: float | None = None) -> bool:
        """Block until the call has entered a queue (True) or ``timeout`` passed."""
        return self._enqueued.wait(timeout)

    def _run_in_thread(self) -> None:
        try:
            self.run()
        except BaseException as exc:  # noqa: BLE001 - kept for the test to inspect
            self.exception = exc
            self.twilio.log(f"SIMULATOR CRASHED: {exc!r}")

    def run(self) -> SimulatedCall:
        """Run the whole call in this thread."""
        with self._lock:
            if self.status != "queued":
                raise RuntimeError(f"call {self.call_sid} was already placed")
            self.status = "ringing"
        self.start_time = rfc2822_now()
        step: Step | None = Fetch(self.twilio.url("/voice/incoming"), "POST", {}, "incoming")
        try:
            while step is not None:
                try:
                    step = self._perform(step)
                except Interrupted as interrupted:
                    step = interrupted.step
        except CallEnded:
            pass
        finally:
            self._finish()
        return self

    def _perform(self, step: Step) -> Step | None:
        if isinstance(step, HangUp):
            raise CallEnded
        if isinstance(step, RunTwiml):
            return self._execute(parse_twiml(step.twiml), step.doc_url)
        document = self._fetch(step)
        if document is None:
            raise CallEnded
        return self._execute(*document)

    def _execute(self, root: ET.Element, doc_url: str) -> Step | None:
        with self._lock:
            if self.status == "ringing":
                self.status = "in-progress"  # Twilio answers when it starts executing TwiML
        for verb in root:
            if verb.tag != "Enqueue":
                # Entering a queue takes Twilio no time, so a REST update that raced
                # with this document finds the call already queued (QueueResult=redirected).
                self._checkpoint()
            handler = self._verbs.get(verb.tag)
            if handler is None:
                self.twilio.log(f"WARNING: <{verb.tag}> is not simulated; skipped")
                continue
            step = handler(verb, doc_url)
            if step is not None:
                return step
        return None  # out of verbs: Twilio hangs up

    def _finish(self) -> None:
        self._mark_completed()
        self._leave_queue()
        self.duration = int(self.clock.now())
        callback = {
            "CallDuration": str(self.duration),
            "Duration": str(billed_minutes(self.duration)),
            "CallbackSource": "call-progress-events",
            "SequenceNumber": str(self._sequence),
            "Timestamp": rfc2822_now(),
            "SipResponseCode": "200",
        }
        self._sequence += 1
        exchange = self._send(self.twilio.url("/voice/status"), "POST", self._params(callback), "status")
        if not exchange.ok:
            self._error(STATUS_CALLBACK_FAILURE, exchange)
        self.end_time = rfc2822_now()
        self.twilio.log(f"CALL {self.call_sid} ENDED after {self.duration}s")
        self._done.set()

    def _mark_completed(self) -> None:
        with self._lock:
            self.status = "completed"

    # --- requests ---------------------------------------------------------

    def _params(self, extra: Mapping[str, str] | None = None, status: str | None = None) -> dict[str, str]:
        params = {
            "AccountSid": self.twilio.account_sid,
            "ApiVersion": API_VERSION,
            "CallSid": self.call_sid,
            "CallStatus": status or self.status,
            "Called": self.to,
            "Caller": self.from_,
            "Direction": "inbound",
            "From": self.from_,
            "To": self.to,
            **self._geo,
            **{f"Caller{f}": self._geo[f"From{f}"] for f in _GEO},
            **{f"Called{f}": self._geo[f"To{f}"] for f in _GEO},
            "CallToken": self._call_token,
        }
        params.update(extra or {})
        return params

    def _send(self, url: str, method: str, params: Mapping[str, str], kind: str) -> Exchange:
        exchange = self.twilio.build_request(url, params, method=method, kind=kind, forge=self.forge)
        self.transcript.append(exchange)
        return self.twilio.send(exchange)

    def _fetch(self, step: Fetch) -> tuple[ET.Element, str] | None:
        """Request a TwiML document, falling back like Twilio when it fails."""
        exchange = self._send(step.url, step.method, self._params(step.params), step.kind)
        root, code = interpret(exchange)
        if root is not None:
            return root, step.url
        self._error(code, exchange)
        fallback_url = self.twilio.url("/voice/fallback")
        extra = {**step.params, "ErrorCode": str(code), "ErrorUrl": step.url}
        exchange = self._send(fallback_url, "POST", self._params(extra), "fallback")
        root, code = interpret(exchange)
        if root is not None:
            return root, fallback_url
        self._error(code, exchange)
        self.heard_application_error = True
        self._hear(APPLICATION_ERROR, "en-US")
        return None

    def _error(self, code: int, exchange: Exchange) -> None:
        detail = exchange.error or f"HTTP {exchange.status_code}: {exchange.response_text[:200]}"
        self.errors.append(CallError(code, exchange.url, detail))
        self.twilio.log(f"ERROR {code} on {exchange.url}")

    def replay_last(self, kinds: Iterable[str] | None = None) -> Exchange:
        """Re-send this call's last webhook (optionally of the given kinds) byte for byte."""
        wanted = set(kinds) if kinds else None
        sent = [e for e in self.transcript if e.kind != "replay" and (wanted is None or e.kind in wanted)]
        if not sent:
            raise LookupError("no webhook to replay")
        again = self.twilio.replay(sent[-1])
        self.transcript.append(again)
        return again

    # --- REST API side ----------------------------------------------------

    def update_from_api(self, *, twiml: str | None, url: str | None, method: str, hang_up: bool) -> bool:
        """Apply a REST update; False if the call is no longer live."""
        with self._lock:
            if self.status == "completed":
                return False
            if hang_up:
                self._pending = HangUp()
            elif twiml is not None:
                # TwiML from the API has no document URL; relative URLs resolve against our server.
                self._pending = RunTwiml(twiml, self.twilio.base_url + "/")
            elif url:
                self._pending = Fetch(self.twilio.url(url), method.upper(), {}, "redirect")
            else:
                return True
            self._interrupt.set()
        self.twilio.log(f"REST UPDATE {self.call_sid}: {'hang up' if hang_up else twiml or url}")
        return True

    @staticmethod
    def twiml_parses(twiml: str) -> bool:
        try:
            parse_twiml(twiml)
        except ValueError:
            return False
        return True

    def resource(self) -> dict[str, Any]:
        """The call as Twilio's REST API returns it."""
        uri = f"/{API_VERSION}/Accounts/{self.twilio.account_sid}/Calls/{self.call_sid}"
        return {
            "sid": self.call_sid, "account_sid": self.twilio.account_sid, "parent_call_sid": None,
            "status": self.status, "from": self.from_, "from_formatted": self.from_,
            "to": self.to, "to_formatted": self.to, "direction": "inbound", "api_version": API_VERSION,
            "date_created": self.date_created, "date_updated": rfc2822_now(),
            "start_time": self.start_time, "end_time": self.end_time,
            "duration": None if self.duration is None else str(self.duration),
            "answered_by": None, "caller_name": None, "forwarded_from": None, "group_sid": None,
            "phone_number_sid": None, "trunk_sid": None, "annotation": None, "queue_time": "0",
            "price": None, "price_unit": "USD", "uri": uri + ".json",
            "subresource_uris": {
                name: f"{uri}/{name.capitalize()}.json"
                for name in ("notifications", "recordings", "payments", "events", "siprec", "streams")
            },
        }

    def _checkpoint(self) -> None:
        """Give up the current verb if a REST update arrived."""
        if not self._interrupt.is_set():
            return
        with self._lock:
            step, self._pending = self._pending, None
            self._interrupt.clear()
        if step is not None:
            raise Interrupted(step)

    def _sleep(self, seconds: float) -> None:
        if self.clock.sleep(seconds, self._interrupt):
            self._checkpoint()

    # --- simple verbs -----------------------------------------------------

    def _hear(self, text: str, language: str) -> None:
        self.said.append((text, language))
        self.twilio.log(f"CALLER HEARS [{language}]: {text}")

    def _say(self, verb: ET.Element, doc_url: str) -> None:
        text = " ".join("".join(verb.itertext()).split())
        for _ in range(loops(verb)):
            self._hear(text, verb.get("language", "en-US"))

    def _play(self, verb: ET.Element, doc_url: str) -> None:
        what = (verb.text or "").strip() or f"digits:{verb.get('digits', '')}"
        for _ in range(loops(verb)):
            self.played.append(urljoin(doc_url, what) if verb.text else what)
            self.twilio.log(f"CALLER HEARS audio: {what}")

    def _pause(self, verb: ET.Element, doc_url: str) -> None:
        self._sleep(number(verb.get("length"), 1.0))

    def _hangup(self, verb: ET.Element, doc_url: str) -> None:
        raise CallEnded

    def _redirect(self, verb: ET.Element, doc_url: str) -> Step:
        url = urljoin(doc_url, (verb.text or "").strip())
        return Fetch(url, verb.get("method", "POST").upper(), {}, "redirect")

    # --- Gather -----------------------------------------------------------

    def _gather(self, verb: ET.Element, doc_url: str) -> Step | None:
        # Without action Twilio submits to the current document's URL.
        action = urljoin(doc_url, verb.get("action") or "")
        method = verb.get("method", "POST").upper()
        for child in verb:
            if child.tag in ("Say", "Play", "Pause"):
                self._verbs[child.tag](child, doc_url)
        modes = verb.get("input", "dtmf").split()
        entry = self._digits.popleft() if self._digits else None
        timeout = number(verb.get("timeout"), 5.0)
        if entry and not set(entry) <= DTMF:
            if "speech" not in modes:
                entry = None  # words said to a DTMF-only gather are not heard
            else:
                speech = {"SpeechResult": entry, "Confidence": "0.9", "Language": verb.get("language", "en-US")}
                return Fetch(action, method, speech, "gather")
        if "dtmf" not in modes:
            entry = None
        num_digits = int(number(verb.get("numDigits"), 0)) or None
        digits, finished_on_key = collect_digits(entry, verb.get("finishOnKey", "#"), num_digits)
        if digits is None or (not finished_on_key and (num_digits is None or len(digits) < num_digits)):
            self._sleep(timeout)  # Twilio waits `timeout` after the last key (or for the first)
        if digits is None:
            if verb.get("actionOnEmptyResult", "false").lower() == "true":
                return Fetch(action, method, {"msg": "Gather End"}, "gather")
            return None  # no input: fall through to the next verb
        params = {"Digits": digits, "FinishedOnKey": finished_on_key, "msg": "Gather End"}
        return Fetch(action, method, params, "gather")

    def _record(self, verb: ET.Element, doc_url: str) -> Step | None:
        """The caller speaks for ``message_seconds``, then presses the finish key."""
        action = urljoin(doc_url, verb.get("action") or "")
        if verb.get("playBeep", "true").lower() == "true":
            self.played.append("beep")
        seconds = min(self.message_seconds, number(verb.get("maxLength"), 3600.0))
        if seconds <= 0:
            self._sleep(number(verb.get("timeout"), 5.0))
            return None  # silence: Twilio skips the action and goes on to the next verb
        self._sleep(seconds)
        sid = new_sid("RE")
        params = {
            "RecordingUrl": f"https://api.twilio.com/{API_VERSION}/Accounts/{self.twilio.account_sid}/Recordings/{sid}",
            "RecordingSid": sid,
            "RecordingDuration": str(int(seconds)),
            "Digits": verb.get("finishOnKey", "1234567890*#")[:1] or "hangup",
        }
        return Fetch(action, verb.get("method", "POST").upper(), params, "record")

    # --- Enqueue ----------------------------------------------------------

    def queue_seconds(self) -> float:
        return self.clock.now() - self._enqueued_at if self._queue is not None else 0.0

    def _leave_queue(self) -> int:
        queue, waited = self._queue, int(self.queue_seconds())
        if queue is not None:
            queue.leave(self)
            self._queue = None
        return waited

    def _queue_params(self, queue: Queue) -> dict[str, str]:
        return {
            "QueueSid": queue.sid,
            "QueuePosition": str(queue.position(self)),
            "QueueTime": str(int(self.queue_seconds())),
            "AvgQueueTime": str(queue.average_wait()),
            "CurrentQueueSize": str(queue.size()),
            "MaxQueueSize": str(self._max_queue_size),
        }

    def _enqueue(self, verb: ET.Element, doc_url: str) -> Step | None:
        action = urljoin(doc_url, verb.get("action")) if verb.get("action") else None
        method = verb.get("method", "POST").upper()
        wait_url = urljoin(doc_url, verb.get("waitUrl")) if verb.get("waitUrl") else None
        queue = self.twilio.queue((verb.text or "").strip())
        self._max_queue_size = int(number(verb.get("maxQueueSize"), DEFAULT_MAX_QUEUE_SIZE))
        if not queue.join(self, self._max_queue_size):
            return Fetch(action, method, {"QueueResult": "queue-full"}, "queue-result") if action else None
        self._queue, self._enqueued_at = queue, self.clock.now()
        self._enqueued.set()
        self.twilio.log(f"WAITING in queue {queue.name!r} at position {queue.position(self)}")
        try:
            self._wait_in_queue(queue, wait_url, verb.get("waitUrlMethod", "POST").upper())
        except Interrupted as interrupted:
            hang_up = isinstance(interrupted.step, HangUp)
            if hang_up:
                self._mark_completed()
            self._notify_queue_action(action, method, queue, "hangup" if hang_up else "redirected")
            raise
        except (CallerHungUp, CallEnded):
            self._mark_completed()
            self._notify_queue_action(action, method, queue, "hangup")
            raise CallEnded from None
        params = {"QueueResult": "leave", "QueueSid": queue.sid, "QueueTime": str(self._leave_queue())}
        return Fetch(action, method, params, "queue-result") if action else None

    def _notify_queue_action(self, action: str | None, method: str, queue: Queue, result: str) -> None:
        """Tell the Enqueue action how the wait ended; Twilio ignores its answer here."""
        waited = self._leave_queue()
        if action is None:
            return
        params = {"QueueResult": result, "QueueSid": queue.sid, "QueueTime": str(waited)}
        exchange = self._send(action, method, self._params(params), "queue-result")
        if not exchange.ok:
            self._error(HTTP_RETRIEVAL_FAILURE if exchange.error is None else HTTP_CONNECTION_FAILURE, exchange)

    def _patience_left(self) -> float | None:
        if self.hangup_after_queue_seconds is None:
            return None
        return self.hangup_after_queue_seconds - self.queue_seconds()

    def _queue_sleep(self, seconds: float) -> None:
        """Sleep in the queue; raise CallerHungUp if the caller's patience runs out first."""
        left = self._patience_left()
        if left is not None and left <= seconds:
            self._sleep(max(0.0, left))
            raise CallerHungUp
        self._sleep(seconds)

    def _wait_in_queue(self, queue: Queue, wait_url: str | None, wait_method: str) -> None:
        """Loop over the waitUrl document until <Leave>; other exits raise."""
        target = Fetch(wait_url, wait_method, {}, "wait") if wait_url else None
        while True:
            left = self._patience_left()
            if left is not None and left <= 0:
                raise CallerHungUp
            started = self.clock.now()
            if target is None:
                self._queue_sleep(self.wait_poll_interval or HOLD_MUSIC_SLICE_SECONDS)
                continue
            exchange = self._send(target.url, target.method, self._params(self._queue_params(queue)), "wait")
            self._checkpoint()
            root, code = interpret(exchange)
            outcome: None | str | Fetch = None
            if root is None:
                self._error(code, exchange)  # the caller keeps waiting (with hold music)
            else:
                outcome = self._play_hold_document(root, target.url)
            if outcome == "leave":
                return
            cycle = self.wait_poll_interval if self.wait_poll_interval is not None else MIN_WAIT_CYCLE_SECONDS
            remaining = cycle - (self.clock.now() - started)
            if remaining > 0:
                self._queue_sleep(remaining)
            next_target = outcome if isinstance(outcome, Fetch) else None
            target = next_target or (Fetch(wait_url, wait_method, {}, "wait") if wait_url else None)

    def _play_hold_document(self, root: ET.Element, doc_url: str) -> None | str | Fetch:
        """Run a waitUrl document: None when it ran out, "leave", or a <Redirect>."""
        for verb in root:
            self._checkpoint()
            outcome = self._hold_verb(verb, doc_url)
            if outcome is not None:
                return outcome
        return None

    def _hold_verb(self, verb: ET.Element, doc_url: str) -> None | str | Fetch:
        if verb.tag in ("Say", "Play"):
            self._verbs[verb.tag](verb, doc_url)
        elif verb.tag == "Pause":
            if self.wait_poll_interval is None:  # the override replaces the document's pauses
                self._queue_sleep(number(verb.get("length"), 1.0))
        elif verb.tag == "Leave":
            return "leave"
        elif verb.tag == "Hangup":
            raise CallEnded
        elif verb.tag == "Redirect":
            url = urljoin(doc_url, (verb.text or "").strip())
            return Fetch(url, verb.get("method", "POST").upper(), {}, "wait")
        elif verb.tag == "Gather":
            for child in verb:  # keys pressed while on hold are not simulated
                if child.tag in ("Say", "Play"):
                    self._verbs[child.tag](child, doc_url)
        else:
            self.twilio.log(f"WARNING: <{verb.tag}> is not allowed in a waitUrl document; skipped")
        return None

    # --- Dial -------------------------------------------------------------

    def _dial(self, verb: ET.Element, doc_url: str) -> Step | None:
        action = urljoin(doc_url, verb.get("action")) if verb.get("action") else None
        method = verb.get("method", "POST").upper()
        noun = next((c for c in verb if c.tag in ("Client", "Number", "Sip")), None)
        if noun is None and (verb.text or "").strip():
            noun = ET.Element("Number")
            noun.text = verb.text
        if noun is None:
            self.twilio.log("WARNING: <Dial> without <Client>/<Number>/<Sip> is not simulated; skipped")
            return None
        name = " ".join("".join(noun.itertext()).split())
        to = f"client:{name}" if noun.tag == "Client" else name
        leg = ChildLeg(new_sid("CA"), to, verb.get("callerId") or self.from_)
        self.child_legs.append(leg)
        callback = urljoin(doc_url, noun.get("statusCallback")) if noun.get("statusCallback") else None
        try:
            self._leg_event(leg, noun, callback, "initiated")
            self._leg_event(leg, noun, callback, "ringing")
            if not self.agent_answers:
                self._sleep(number(verb.get("timeout"), 30.0))
                leg.status = "no-answer"
            else:
                leg.answered_at, leg.status = self.clock.now(), "in-progress"
                self.twilio.log(f"AGENT {to} ANSWERED; talking {self.talk_seconds}s")
                self._leg_event(leg, noun, callback, "answered")
                self._sleep(min(self.talk_seconds, number(verb.get("timeLimit"), 14400.0)))
                leg.status = "completed"
        except Interrupted:
            # Redirected mid-Dial: the agent's leg ends, and Twilio still requests the
            # Dial action (observed), but the redirect's TwiML wins.
            leg.status = "completed" if leg.answered_at is not None else "canceled"
            self._end_leg(leg, noun, callback)
            if action:
                self._send(action, method, self._params(self._dial_result(leg)), "dial-result")
            raise
        self._end_leg(leg, noun, callback)
        return Fetch(action, method, self._dial_result(leg), "dial-result") if action else None

    def _end_leg(self, leg: ChildLeg, noun: ET.Element, callback: str | None) -> None:
        if leg.answered_at is not None:
            leg.duration = int(self.clock.now() - leg.answered_at)
        self._leg_event(leg, noun, callback, "completed")

    @staticmethod
    def _dial_result(leg: ChildLeg) -> dict[str, str]:
        return {
            "DialCallStatus": leg.status,
            "DialCallSid": leg.sid,
            "DialCallDuration": str(leg.duration),
            "DialBridged": "true" if leg.answered_at is not None else "false",
        }

    def _leg_event(self, leg: ChildLeg, noun: ET.Element, callback: str | None, event: str) -> None:
        """The child leg's status callback, if the noun subscribed to ``event``."""
        subscribed = (noun.get("statusCallbackEvent") or "completed").replace(",", " ").split()
        if callback is None or event not in subscribed:
            return
        # Subscribing to "answered" yields CallStatus=in-progress: Twilio never sends "answered".
        status = {"initiated": "initiated", "ringing": "ringing", "answered": "in-progress"}.get(event, leg.status)
        params = {
            "AccountSid": self.twilio.account_sid, "ApiVersion": API_VERSION,
            "CallSid": leg.sid, "ParentCallSid": self.call_sid, "CallStatus": status,
            "Direction": "outbound-dial", "From": leg.from_, "To": leg.to,
            "Caller": leg.from_, "Called": leg.to,
            "CallbackSource": "call-progress-events", "SequenceNumber": str(leg.sequence),
            "Timestamp": rfc2822_now(),
        }
        if event == "completed":
            params.update(
                CallDuration=str(leg.duration),
                Duration=str(billed_minutes(leg.duration)),
                SipResponseCode="200" if leg.answered_at is not None else "487",
            )
        leg.sequence += 1
        exchange = self._send(callback, noun.get("statusCallbackMethod", "POST").upper(), params, "agent-leg")
        if not exchange.ok:
            self._error(STATUS_CALLBACK_FAILURE, exchange)
