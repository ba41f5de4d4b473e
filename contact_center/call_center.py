"""The service layer: every webhook and every agent action is one method here.

Each method loads what it needs, applies domain decisions (``ivr``, ``routing``,
``gamification``), stores the result and the events, and only then tells the
browsers. It knows nothing of Flask, requests or sockets.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from twilio.twiml.voice_response import Dial, VoiceResponse

from contact_center import customers, events, ivr
from contact_center.board import SupervisorBoard
from contact_center.db import Database
from contact_center.exceptions import AgentStateError, OfferNotValid, TelephonyError, UnknownCall
from contact_center.flow_registry import FlowRegistry
from contact_center.models import Call, User, utcnow
from contact_center.notifier import Notifier
from contact_center.routing import EndedCall, Offer, Router
from contact_center.telephony import Telephony
from contact_center.urls import WebhookUrls
from gamification.leaderboard import Leaderboard

TERMINAL_STATUSES = frozenset({"completed", "busy", "failed", "no-answer", "canceled"})
#: States an agent leaves for *offline* when their last console disconnects.
IDLE_STATES = frozenset({"available", "away", "missed"})
#: Twilio leg statuses that mean the agent never picked up.
AGENT_LEG_FAILED = frozenset({"busy", "failed", "no-answer", "canceled"})


@dataclass(frozen=True)
class Settings:
    default_flow: str
    dial_timeout_seconds: int
    hold_pause_seconds: int
    service_level_seconds: float = 20.0
    metrics_window_hours: float = 24.0


class CallCenter:
    def __init__(
        self,
        *,
        db: Database,
        router: Router,
        flows: FlowRegistry,
        telephony: Telephony,
        notifier: Notifier,
        leaderboard: Leaderboard,
        urls: WebhookUrls,
        settings: Settings,
        enqueue_job: Callable[..., object],
        once: Callable[[str], bool],
    ) -> None:
        self.db = db
        self.router = router
        self.flows = flows
        self.telephony = telephony
        self.notifier = notifier
        self.urls = urls
        self.settings = settings
        self.enqueue_job = enqueue_job
        #: ``once(key)`` is True the first time a key is seen, in every process.
        self.once = once
        self.boards = SupervisorBoard(
            db=db, router=router, flows=flows, leaderboard=leaderboard, notifier=notifier,
            service_level_seconds=settings.service_level_seconds,
            metrics_window_hours=settings.metrics_window_hours,
        )

    # -- the caller's side: Twilio webhooks ------------------------------------

    def incoming_call(self, params: Mapping[str, str]) -> VoiceResponse:
        """A call arrives: record it once and play the flow's first nodes."""
        call_sid = params["CallSid"]
        with self.db.session() as session:
            call = _find_call(session, call_sid)
            if call is not None:
                # Twilio sent the first webhook again: answer the same, record nothing.
                flow = self._flow_of(call)
                return ivr.enter(flow, flow.start, self.urls).twiml
            flow = self.flows.for_number(params.get("To", ""), self.settings.default_flow)
            customer = customers.for_caller(session, params.get("From", ""), call_sid)
            call = Call(
                call_sid=call_sid,
                status="ivr",
                customer_id=customer.id,
                from_number=params.get("From", ""),
                to_number=params.get("To", ""),
                flow_name=flow.name,
                flow_version=flow.version,
                ivr_path=[],
            )
            try:
                with session.begin_nested():
                    session.add(call)
            except IntegrityError:
                # Another copy of this webhook created the call a moment ago.
                return ivr.enter(flow, flow.start, self.urls).twiml
            events.record(session, "call_started", call_sid=call_sid,
                          flow=flow.name, version=flow.version, caller=call.from_number)
            step = ivr.enter(flow, flow.start, self.urls)
            self._record_step(session, call, step)
        self._after_step(call_sid, step)
        return step.twiml

    def menu_input(
        self, call_sid: str, node_id: str, attempt: int, visit: int | None, digits: str | None
    ) -> VoiceResponse:
        """The caller answered (or not) menu ``node_id``, the ``visit``-th node of their path."""
        with self.db.session() as session:
            call = self._require_call(session, call_sid)
            if not call.is_live:
                return _hangup()  # a late request for a caller who is gone: nothing to route
            if visit is None:  # a URL we did not render: assume the current visit
                visit = len(call.ivr_path or []) - 1
            # The path as it was when this menu was the caller's last node.
            step = ivr.handle_digits(self._flow_of(call), node_id, attempt, digits, self.urls, visit + 1)
            if not self.once(f"step:{call_sid}:{visit}:{node_id}:{attempt}"):
                # Twilio resent this step, maybe with other parameters: same answer, no new records.
                return step.twiml
            self._record_step(session, call, step)
        self._after_step(call_sid, step)
        return step.twiml

    def hold(self, call_sid: str, queue_position: int | None) -> VoiceResponse:
        """The waitUrl document for a caller in the queue."""
        with self.db.session() as session:
            call = self._require_call(session, call_sid)
            flow = self._flow_of(call)
            node_id = call.ivr_path[-1] if call.ivr_path else None
        if node_id is None or flow.node(node_id).type != "enqueue":
            response = VoiceResponse()
            response.pause(length=self.settings.hold_pause_seconds)
            return response
        return ivr.hold_twiml(flow, node_id, queue_position, self.settings.hold_pause_seconds)

    def queue_result(self, call_sid: str, result: str) -> VoiceResponse:
        """``<Enqueue action>``: the caller left Twilio's queue, one way or another."""
        if result == "hangup":
            self._finish_call(call_sid)
        elif result in ("queue-full", "error", "system-error"):
            return ivr.apology_twiml()
        # bridged / redirected: the REST update that moved the call did the work.
        return VoiceResponse()

    def call_status(self, call_sid: str, status: str, call_duration: float | None = None) -> None:
        """The phone number's status callback; only the last one matters."""
        if status in TERMINAL_STATUSES:
            self._finish_call(call_sid, call_duration)

    def agent_leg_status(
        self, call_sid: str, agent_id: int, status: str, call_duration: float | None = None
    ) -> None:
        """Status of the leg that rings the agent: answered means connected.

        When that leg completes, Twilio's own duration of it is the talk time.
        """
        if status == "completed" and call_duration is not None:
            with self.db.session() as session:
                call = self._require_call(session, call_sid)
                if call.answered_at is not None and call.talk_seconds is None:
                    call.talk_seconds = call_duration
            return
        if status != "in-progress":
            return
        with self.db.session() as session:
            call = self._require_call(session, call_sid)
            if call.answered_at is not None or call.agent_id != agent_id:
                return  # a late leg of an agent the call has moved on from
            now = utcnow()
            wait = _seconds_between(call.enqueued_at, now)
            if not _transition(session, call_sid, "connected", answered_at=now, wait_seconds=wait,
                               only_from=("connecting",)):
                return
            events.record(session, "connected", call_sid=call_sid, agent_id=agent_id, wait_seconds=wait)
        self.router.mark_connected(call_sid)
        self.notifier.to_agent(agent_id, "call_connected", {"call_sid": call_sid})
        self.boards.push()

    def dial_result(
        self, call_sid: str, agent_id: int, dial_status: str, dial_duration: float | None = None,
        call_status: str = "in-progress",
    ) -> VoiceResponse:
        """``<Dial action>``: the agent's leg is over, or never started.

        Only the action of the agent the call is with counts: a late or
        repeated one for an earlier agent, or for a call that ended, changes nothing.
        """
        if call_status in TERMINAL_STATUSES:
            # The caller hung up (a ringing agent's leg is then "canceled"): not the agent's miss.
            self._finish_call(call_sid)
            return _hangup()
        with self.db.session() as session:
            call = self._require_call(session, call_sid)
            current = call.is_live and call.agent_id == agent_id
        if not current:
            return _hangup()
        if dial_status not in AGENT_LEG_FAILED:
            return self._agent_leg_over(call_sid, agent_id, dial_duration)
        # The agent did not pick up: back to the head of the line, not lost.
        if self.router.requeue(call_sid, agent_id) is None and not self._enqueue_from_record(call_sid):
            return _hangup()
        with self.db.session() as session:
            if not _transition(session, call_sid, "queued", agent_id=None):
                self.router.end_call(call_sid)  # the caller left meanwhile: not back in line
                return _hangup()
            call = self._require_call(session, call_sid)
            events.record(session, "agent_no_answer", call_sid=call_sid, agent_id=agent_id,
                          dial_status=dial_status)
            flow = self._flow_of(call)
            node_id = call.ivr_path[-1]
        self._agent_changed(agent_id, "missed", reason="did not answer")
        step = ivr.enter(flow, node_id, self.urls)
        self.dispatch()
        return step.twiml

    def voicemail_left(self, call_sid: str, node_id: str, recording_url: str, seconds: float | None) -> VoiceResponse:
        """``<Record action>``: the caller left a message; keep where Twilio stored it."""
        with self.db.session() as session:
            call = self._require_call(session, call_sid)
            flow = self._flow_of(call)
            if recording_url and call.voicemail_url is None:
                call.voicemail_url, call.voicemail_seconds = recording_url, seconds
                if call.outcome == "ended_in_ivr":
                    # The hang-up was reported before the message (Twilio's order varies).
                    call.outcome = "voicemail"
                events.record(session, "voicemail_left", call_sid=call_sid, node=node_id,
                              recording_url=recording_url, seconds=seconds)
        return ivr.voicemail_thanks(flow, node_id)

    def survey_answer(self, call_sid: str, digits: str | None) -> VoiceResponse:
        """The caller rated the call (1 to 5) after the agent hung up."""
        with self.db.session() as session:
            call = self._require_call(session, call_sid)
            survey = self._survey_of(call)
            if digits in {"1", "2", "3", "4", "5"} and call.satisfaction is None:
                call.satisfaction = int(digits)
                events.record(session, "survey_answered", call_sid=call_sid, agent_id=call.agent_id,
                              satisfaction=call.satisfaction)
        return _hangup() if survey is None else ivr.survey_thanks_twiml(survey)

    def _agent_leg_over(self, call_sid: str, agent_id: int, duration: float | None) -> VoiceResponse:
        """The agent hung up: wrap-up starts now, and the caller may rate the call.

        The talk time ends here too, so time in the survey is never talk time.
        """
        now = utcnow()
        with self.db.session() as session:
            call = self._require_call(session, call_sid)
            if call.answered_at is None and duration:
                # The leg's "answered" callback never came; Twilio's duration says it was.
                call.answered_at = now - timedelta(seconds=duration)
                call.wait_seconds = _seconds_between(call.enqueued_at, call.answered_at)
                events.record(session, "connected", call_sid=call_sid, agent_id=agent_id,
                              wait_seconds=call.wait_seconds)
                self.router.mark_connected(call_sid)
            if call.answered_at is not None and call.talk_seconds is None:
                call.talk_seconds = duration if duration is not None else _seconds_between(call.answered_at, now)
            survey = self._survey_of(call) if call.answered_at is not None else None
            events.record(session, "agent_leg_ended", call_sid=call_sid, agent_id=agent_id,
                          talk_seconds=call.talk_seconds)
        ended = self.router.end_call(call_sid)
        if ended and ended.agent_id is not None:
            self._release_agent(call_sid, ended)
            self.boards.push()
        return _hangup() if survey is None else ivr.survey_twiml(survey, self.urls)

    def _survey_of(self, call: Call) -> Mapping | None:
        """The flow's survey in the language of the queue the caller chose."""
        flow = self._flow_of(call)
        last = flow.nodes.get(call.ivr_path[-1]) if call.ivr_path else None
        return flow.survey(flow.language_of(last) if last else flow.language)

    # -- the agent's side: console actions ------------------------------------

    def console_opened(self, agent_id: int, console_id: str) -> list[tuple[str, object]]:
        """An agent's console connected: the events it needs, in order, to show where they are."""
        self.router.console_seen(agent_id, console_id)
        greeting: list[tuple[str, object]] = [("state", self.agent_online(agent_id))]
        offer = self.pending_offer(agent_id)
        if offer is not None:  # a reloaded page must still be able to accept
            greeting.append(("offer", offer))
        screen = self.screen_pop(agent_id)
        if screen is not None:  # ...and keep the caller's page during the call
            greeting.append(("screen_pop", screen))
        greeting.append(("leaderboard", self.boards.leaderboard()))
        self.boards.push()
        return greeting

    def console_alive(self, agent_id: int, console_id: str) -> None:
        self.router.console_seen(agent_id, console_id)

    def console_closed(self, agent_id: int, console_id: str) -> None:
        """Only the agent's last open console going away takes an idle agent offline."""
        if self.router.console_gone(agent_id, console_id) == 0 and self.agent_view(agent_id)["state"] in IDLE_STATES:
            self.set_agent_state(agent_id, "offline")

    def sweep_consoles(self) -> list[int]:
        """Idle agents whose consoles all went quiet (a closed laptop, a dead web process) go offline."""
        gone = self.router.idle_agents_without_console()
        for agent_id in gone:
            try:
                self.set_agent_state(agent_id, "offline")
            except AgentStateError:
                continue  # an offer reached them meanwhile: the clock will lapse it
        return gone

    def agent_online(self, agent_id: int) -> dict:
        """An agent's console connected: make routing know their skills."""
        with self.db.session() as session:
            user = session.get(User, agent_id)
            self.router.register_agent(user.id, user.display_name, user.skill_list)
        return self.agent_view(agent_id)

    def pending_offer(self, agent_id: int) -> dict | None:
        """The offer an agent holds right now, for a console that (re)connects."""
        call_sid = self.router.agent(agent_id).get("call_sid")
        routed = self.router.call(call_sid) if call_sid else {}
        if routed.get("state") != "offered" or routed.get("agent") != str(agent_id):
            return None
        offer = Offer(call_sid, agent_id, routed["offer_id"], float(routed["offer_expires"]))
        with self.db.session() as session:
            call = _find_call(session, call_sid)
            return self._offer_payload(session, call, offer) if call is not None else None

    def screen_pop(self, agent_id: int) -> dict | None:
        """The caller's page for an agent on a call or in wrap-up (a reloaded console)."""
        info = self.router.agent(agent_id)
        phase = {"busy": "connected", "wrap_up": "wrap_up"}.get(info.get("state"))
        call_sid = info.get("call_sid")
        if phase is None or not call_sid:
            return None
        with self.db.session() as session:
            call = _find_call(session, call_sid)
            if call is None:
                return None
            payload = self._offer_payload(session, call, None)
        payload["phase"] = phase
        payload["answered_at"] = _epoch(call.answered_at)
        return payload

    def agent_view(self, agent_id: int) -> dict:
        info = self.router.agent(agent_id)
        return {
            "state": info.get("state", "offline"),
            "since": float(info.get("since", 0)),
            "call_sid": info.get("call_sid"),
        }

    def set_agent_state(self, agent_id: int, state: str) -> None:
        self.router.set_agent_state(agent_id, state)
        self._agent_changed(agent_id, state)
        if state == "available":
            self.dispatch()

    def accept(self, agent_id: int, call_sid: str, offer_id: str) -> None:
        """The agent takes the offer: bridge the live call to them."""
        self.router.accept(agent_id, call_sid, offer_id)
        with self.db.session() as session:
            live = _transition(session, call_sid, "connecting", agent_id=agent_id)
            agent = session.get(User, agent_id)
            if live:
                events.record(session, "accepted", call_sid=call_sid, agent_id=agent_id, offer_id=offer_id)
        if not live:
            # The caller hung up as the agent accepted.
            ended = self.router.end_call(call_sid)
            if ended and ended.agent_id is not None:
                self._release_agent(call_sid, ended)
            raise OfferNotValid("the caller hung up")
        twiml = self._dial_agent_twiml(call_sid, agent)
        self._agent_changed(agent_id, "busy", call_sid=call_sid)
        try:
            self.telephony.redirect_call(call_sid, twiml)
        except TelephonyError as exc:
            if exc.call_gone:
                # Twilio says the caller left and we missed the status callback:
                # end the call here, or it would be offered again and again.
                self._finish_call(call_sid)
                raise OfferNotValid("the caller has already hung up") from exc
            self._undo_accept(agent_id, call_sid)
            raise
        self.boards.push()

    def _undo_accept(self, agent_id: int, call_sid: str) -> None:
        """Twilio did not take the update. Not the agent's fault: the call goes back first."""
        if self.router.requeue(call_sid, agent_id) is not None:
            with self.db.session() as session:
                if not _transition(session, call_sid, "queued", agent_id=None):
                    self.router.end_call(call_sid)  # the caller left meanwhile
        # else the caller is gone, and finishing the call already freed the agent
        try:
            self.router.set_agent_state(agent_id, "available")
        except AgentStateError:
            return  # the agent moved on (a new offer, say): leave them there
        self._agent_changed(agent_id, "available")
        self.dispatch()

    def decline(self, agent_id: int, call_sid: str, offer_id: str) -> None:
        self.router.decline(agent_id, call_sid, offer_id)
        with self.db.session() as session:
            _transition(session, call_sid, "queued")
            events.record(session, "offer_declined", call_sid=call_sid, agent_id=agent_id)
        self._agent_changed(agent_id, "away", reason="declined")
        self.dispatch()

    def finish_wrap_up(self, agent_id: int, call_sid: str, note: str) -> None:
        """Save the agent's note; if this is the call they are wrapping up, end wrap-up.

        A note for an earlier call of theirs (a stale tab) is saved if it says
        something, and ends nothing.
        """
        current = self.router.agent(agent_id).get("call_sid") == call_sid
        note = note.strip()
        with self.db.session() as session:
            call = self._require_call(session, call_sid)
            if call.agent_id != agent_id and not current:
                raise OfferNotValid("this call was not yours")
            if call.agent_id == agent_id and (note or current):
                call.note = note or None
        if not current:
            return
        self.router.set_agent_state(agent_id, "available", ending_wrap_up=True)
        with self.db.session() as session:
            events.record(session, "wrap_up_ended", call_sid=call_sid, agent_id=agent_id)
        self._agent_changed(agent_id, "available")
        self.dispatch()

    # -- the clock -------------------------------------------------------------

    def restore_routing(self) -> int:
        """Put back in line every live queued call that Redis lost (a restart).

        Redis may keep nothing on disk; the database knows who is waiting.
        Agents' states are gone too: their consoles are told so (offline), and
        they choose Available again. Returns how many calls were put back.
        """
        if self.router.state_was_lost():
            self._tell_agents_their_state()
        with self.db.session() as session:
            waiting = session.scalars(
                select(Call).where(Call.status.in_(("queued", "offered")), Call.queue.is_not(None))
            ).all()
            lost = [
                call for call in waiting
                if self.router.enqueue(call.call_sid, call.queue, call.skills.split(), call.priority,
                                       enqueued_at=_epoch(call.enqueued_at))
            ]
            for call in lost:
                if not _transition(session, call.call_sid, "queued"):
                    self.router.end_call(call.call_sid)
        if lost and not self.dispatch():
            self.boards.push()
        return len(lost)

    def _tell_agents_their_state(self) -> None:
        """Routing forgot every agent: know them again (offline), and tell their consoles."""
        with self.db.session() as session:
            agents = list(session.scalars(select(User).where(User.role == "agent")))
        for agent in agents:
            self.router.register_agent(agent.id, agent.display_name, agent.skill_list)
            self.notifier.to_agent(agent.id, "state", self.agent_view(agent.id))

    def tick(self) -> None:
        """Take back lapsed offers and hand out calls; safe in every process."""
        lapses = self.router.expire_offers()
        for lapse in lapses:
            with self.db.session() as session:
                _transition(session, lapse.call_sid, "queued")
                events.record(session, "offer_timed_out", call_sid=lapse.call_sid,
                              agent_id=lapse.agent_id, offer_id=lapse.offer_id)
            self.notifier.to_agent(lapse.agent_id, "offer_withdrawn",
                                   {"call_sid": lapse.call_sid, "reason": "timeout"})
            self._agent_changed(lapse.agent_id, "missed", reason="offer timed out")
        offers = self.dispatch()
        if lapses and not offers:
            self.boards.push()

    def dispatch(self) -> list[Offer]:
        offers = self.router.dispatch()
        for offer in list(offers):
            with self.db.session() as session:
                if not _transition(session, offer.call_sid, "offered"):
                    offers.remove(offer)
                    self.router.end_call(offer.call_sid)  # the caller left: frees the agent
                    continue
                call = self._require_call(session, offer.call_sid)
                events.record(session, "offered", call_sid=offer.call_sid,
                              agent_id=offer.agent_id, offer_id=offer.offer_id)
                payload = self._offer_payload(session, call, offer)
            self.notifier.to_agent(offer.agent_id, "offer", payload)
            self._agent_changed(offer.agent_id, "offered", call_sid=offer.call_sid, push=False)
        if offers:
            self.boards.push()
        return offers

    # -- internals -------------------------------------------------------------

    def _flow_of(self, call: Call):
        return self.flows.version(call.flow_name, call.flow_version)

    def _require_call(self, session: Session, call_sid: str) -> Call:
        call = _find_call(session, call_sid)
        if call is None:
            raise UnknownCall(f"no call {call_sid}")
        return call

    def _record_step(self, session: Session, call: Call, step: ivr.Step) -> None:
        if step.entered:
            call.ivr_path = [*(call.ivr_path or []), *step.entered]
        for node_id in step.entered:
            events.record(session, "ivr_node_entered", call_sid=call.call_sid, node=node_id)
        if step.enqueue and call.status == "ivr":
            spec = step.enqueue
            if _transition(session, call.call_sid, "queued", queue=spec.queue, skills=" ".join(spec.skills),
                           priority=spec.priority, enqueued_at=utcnow()):
                events.record(session, "enqueued", call_sid=call.call_sid, queue=spec.queue,
                              skills=list(spec.skills), priority=spec.priority)

    def _after_step(self, call_sid: str, step: ivr.Step) -> None:
        """Routing changes happen after the database has the call."""
        if step.enqueue and self.router.enqueue(
            call_sid, step.enqueue.queue, step.enqueue.skills, step.enqueue.priority
        ):
            if not self._is_live(call_sid):
                # The caller hung up between our commit and the enqueue.
                self.router.end_call(call_sid)
                return
            if not self.dispatch():
                self.boards.push()

    def _enqueue_from_record(self, call_sid: str) -> bool:
        """Routing lost a live call (Redis restarted): put it in line again, in its old place."""
        with self.db.session() as session:
            call = self._require_call(session, call_sid)
            if not call.is_live or call.queue is None:
                return False
            return self.router.enqueue(call.call_sid, call.queue, call.skills.split(), call.priority,
                                       enqueued_at=_epoch(call.enqueued_at))

    def _is_live(self, call_sid: str) -> bool:
        with self.db.session() as session:
            return session.scalar(select(Call.status).where(Call.call_sid == call_sid)) not in (None, "completed")

    def _finish_call(self, call_sid: str, call_duration: float | None = None) -> None:
        """The caller is gone. Safe to call more than once.

        The database learns it first: routing restored from the database then
        never puts the caller back in line.
        """
        answered_by = self._record_end(call_sid, call_duration)
        ended = self.router.end_call(call_sid)
        if ended and ended.agent_id is not None:
            self._release_agent(call_sid, ended)
        if answered_by is not None:
            self.enqueue_job("contact_center.jobs.award_points", call_sid)
        self.boards.push()

    def _record_end(self, call_sid: str, call_duration: float | None) -> int | None:
        """Complete the call record once; the agent who answered it, if any."""
        with self.db.session() as session:
            now = utcnow()
            # One conditional UPDATE: of two copies of "the caller is gone"
            # handled at once (queue result and status callback), one wins.
            claimed = session.execute(
                update(Call)
                .where(Call.call_sid == call_sid, Call.status != "completed")
                .values(status="completed", ended_at=now)
                .execution_options(synchronize_session=False)
            ).rowcount
            call = _find_call(session, call_sid) if claimed else None
            if call is None:
                return None
            if call.answered_at is not None:
                call.outcome = "answered"
                if call.talk_seconds is None:
                    call.talk_seconds = _seconds_between(call.answered_at, now)
            elif call.voicemail_url is not None:
                call.outcome = "voicemail"
            elif call.enqueued_at is not None:
                call.outcome = "abandoned"
                call.wait_seconds = _seconds_between(call.enqueued_at, now)
            else:
                call.outcome = "ended_in_ivr"
            kind = {"answered": "completed", "voicemail": "ended_in_ivr"}.get(call.outcome, call.outcome)
            events.record(session, kind, call_sid=call_sid, agent_id=call.agent_id,
                          outcome=call.outcome, wait_seconds=call.wait_seconds,
                          talk_seconds=call.talk_seconds, call_duration=call_duration)
            return call.agent_id if call.outcome == "answered" else None

    def _release_agent(self, call_sid: str, ended: EndedCall) -> None:
        if ended.previous_state in ("offered", "connecting"):
            # The caller left before the agent's phone was answered: no wrap-up.
            self.notifier.to_agent(ended.agent_id, "offer_withdrawn",
                                   {"call_sid": call_sid, "reason": "abandoned"})
            self._agent_changed(ended.agent_id, "available", push=False)
            self.dispatch()
        else:
            with self.db.session() as session:
                talk = session.scalar(select(Call.talk_seconds).where(Call.call_sid == call_sid))
            self.notifier.to_agent(ended.agent_id, "call_ended",
                                   {"call_sid": call_sid, "talk_seconds": talk})
            self._agent_changed(ended.agent_id, "wrap_up", call_sid=call_sid, push=False)

    def _agent_changed(
        self, agent_id: int, state: str, *, call_sid: str | None = None,
        reason: str | None = None, push: bool = True,
    ) -> None:
        with self.db.session() as session:
            events.record(session, "agent_state_changed", agent_id=agent_id, call_sid=call_sid,
                          state=state, reason=reason)
        self.notifier.to_agent(agent_id, "state", self.agent_view(agent_id))
        if push:
            self.boards.push()

    def _dial_agent_twiml(self, call_sid: str, agent: User) -> VoiceResponse:
        response = VoiceResponse()
        dial = Dial(action=self.urls.dial_result(agent.id), method="POST",
                    timeout=self.settings.dial_timeout_seconds)
        leg = {
            "status_callback": self.urls.agent_leg(call_sid, agent.id),
            "status_callback_event": "answered completed",
            "status_callback_method": "POST",
        }
        if agent.connect_via == "phone" and agent.phone_number:
            dial.number(agent.phone_number, **leg)
        else:
            dial.client(agent.client_identity or f"agent_{agent.id}", **leg)
        response.append(dial)
        return response

    def _offer_payload(self, session: Session, call: Call, offer: Offer | None) -> dict:
        return {
            "call_sid": call.call_sid,
            "offer_id": offer.offer_id if offer else None,
            "expires_at": offer.expires_at if offer else None,
            "now": self.router.clock(),
            "queue": call.queue,
            "skills": call.skills.split(),
            "ivr_path": list(call.ivr_path or []),
            "customer": customers.profile(session, call.customer, exclude_call_sid=call.call_sid),
            "history": customers.history(session, call.customer, exclude_call_sid=call.call_sid),
        }


def _transition(
    session: Session, call_sid: str, status: str, only_from: tuple[str, ...] | None = None, **values: object
) -> bool:
    """Move a live call to ``status`` in one conditional UPDATE; False if it has ended.

    Reading the row, changing it and writing it back could bring back a call
    whose caller hung up in between: ``completed`` is final. ``only_from``
    narrows the statuses the call may move from.
    """
    query = update(Call).where(Call.call_sid == call_sid, Call.status != "completed")
    if only_from is not None:
        query = query.where(Call.status.in_(only_from))
    result = session.execute(query.values(status=status, **values).execution_options(synchronize_session=False))
    return result.rowcount == 1


def _hangup() -> VoiceResponse:
    response = VoiceResponse()
    response.hangup()
    return response


def _find_call(session: Session, call_sid: str) -> Call | None:
    return session.scalar(select(Call).where(Call.call_sid == call_sid))


def _seconds_between(start: datetime | None, end: datetime | None) -> float | None:
    if start is None or end is None:
        return None
    return round((end - start).total_seconds(), 3)


def _epoch(moment: datetime | None) -> float | None:
    return None if moment is None else moment.replace(tzinfo=UTC).timestamp()


