"""Probing tests: a call finished by the caller's hang-up must stay finished.

`_finish_call` claims the call with one conditional UPDATE, but other writers
load the call, change `status` in Python and commit later. When the caller's
`completed` callback is handled in between, they write a live status back
over `completed`: the call record is live again, forever.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from contact_center.models import Call
from tests.conftest import call_params, walk_to_billing


@pytest.fixture
def online_usernames():
    return ("alice", "boris")


def _call(services, sid) -> Call:
    with services.db.session() as session:
        return session.scalar(select(Call).where(Call.call_sid == sid))


def test_caller_hanging_up_as_the_agent_leg_fails_is_not_put_back_in_the_queue(
    twilio, services, agents, offers, rest_ok
):
    """Alice's phone does not answer: Twilio posts the <Dial action>
    (no-answer). While it is handled (after routing put the call back in line),
    the caller gives up and the `completed` status callback is handled."""
    alice = agents["alice"]
    services.call_center.set_agent_state(alice, "available")
    sid = "CAlost"
    walk_to_billing(twilio, sid)
    services.call_center.accept(alice, sid, offers[0]["offer_id"])

    requeue = services.router.requeue

    def requeue_then_caller_hangs_up(*args):
        result = requeue(*args)
        twilio.post("/voice/status", call_params(sid, CallStatus="completed", CallDuration="40"))
        return result

    services.router.requeue = requeue_then_caller_hangs_up
    twilio.post(f"/voice/dial-result?agent={alice}",
                call_params(sid, CallStatus="in-progress", DialCallStatus="no-answer",
                            DialCallSid="CAleg", DialCallDuration="0", DialBridged="false"))

    call = _call(services, sid)
    assert services.router.call(sid) == {}
    assert (call.status, call.outcome) == ("completed", "abandoned"), (
        f"the caller is gone but the call record says status={call.status!r}, outcome={call.outcome!r}")


def test_caller_hanging_up_while_accept_writes_the_call_leaves_it_completed(
    twilio, services, agents, offers
):
    """Alice accepts; accept has read the live call and is about to store
    `connecting` when the caller's `completed` callback is handled. Twilio
    then refuses the bridge. The record must end `completed`, not `connecting`."""
    from contact_center.exceptions import TelephonyError

    alice = agents["alice"]
    services.call_center.set_agent_state(alice, "available")
    sid = "CAlost2"
    walk_to_billing(twilio, sid)

    center = services.call_center
    dial_twiml = center._dial_agent_twiml

    def build_twiml_as_caller_hangs_up(*args):
        twiml = dial_twiml(*args)
        twilio.post("/voice/status", call_params(sid, CallStatus="completed", CallDuration="30"))
        return twiml

    def twilio_refuses(call_sid, twiml):
        raise TelephonyError("Call is not in-progress. Cannot redirect.")

    center._dial_agent_twiml = build_twiml_as_caller_hangs_up
    center.telephony.redirect_call = twilio_refuses
    with pytest.raises(Exception):  # noqa: B017 - the agent is told
        center.accept(alice, sid, offers[0]["offer_id"])

    call = _call(services, sid)
    assert (call.status, call.outcome) == ("completed", "abandoned"), (
        f"the caller is gone but the call record says status={call.status!r}, outcome={call.outcome!r}")
    assert services.router.agent(alice)["state"] == "available"


def test_caller_hanging_up_while_the_menu_choice_is_handled_leaves_no_waiting_call(
    twilio, services, agents
):
    """The caller presses 1 for billing and hangs up at once: Twilio posts the
    <Gather action> and the `completed` status callback together. The status
    callback is handled after the step stored the call as queued but before
    routing put it in line. No phantom caller may wait on the board."""
    sid = "CAphantom"
    twilio.post("/voice/incoming", call_params(sid))
    live = call_params(sid, CallStatus="in-progress")
    twilio.post("/voice/step?node=language&attempt=1&visit=0", {**live, "Digits": "1"})

    enqueue = services.router.enqueue

    def caller_hangs_up_then_enqueue(*args, **kwargs):
        twilio.post("/voice/status", call_params(sid, CallStatus="completed", CallDuration="9"))
        return enqueue(*args, **kwargs)

    services.router.enqueue = caller_hangs_up_then_enqueue
    twilio.post("/voice/step?node=menu_en&attempt=1&visit=1", {**live, "Digits": "1"})

    assert _call(services, sid).status == "completed"
    billing = [q for q in services.call_center.boards.snapshot()["queues"] if q["name"] == "billing"]
    assert billing[0]["waiting"] == 0, "the board shows a caller waiting who hung up"
    assert services.router.call(sid) == {}
