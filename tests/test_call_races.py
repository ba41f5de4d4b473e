"""Probing tests: a call's life when webhooks and agent actions interleave.

Every test here states a promise from the docs ("never two agents for one
call, never a call lost", "the domain is idempotent on CallSid", wrap-up ends
when the agent finishes it) and drives the product through signed webhooks
and the service layer the Socket.IO handlers call.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from contact_center.exceptions import TelephonyError
from contact_center.models import Call, Event
from tests.conftest import call_params, walk_to_billing


@pytest.fixture
def online_usernames():
    return ("alice", "boris", "chen")


def _offers(sent, agent_id):
    return [p for e, p, to in sent if e == "offer" and to == f"agent:{agent_id}"]


def _call(services, sid) -> Call:
    with services.db.session() as session:
        return session.scalar(select(Call).where(Call.call_sid == sid))


def _kinds(services, sid) -> list[str]:
    with services.db.session() as session:
        return [e.kind for e in session.scalars(select(Event).where(Event.call_sid == sid).order_by(Event.id))]


def _available(services, agent_id):
    services.call_center.set_agent_state(agent_id, "available")


# -- a caller who is gone must never be routed --------------------------------------


def test_late_menu_step_after_caller_hung_up_does_not_enqueue_a_ghost_call(
    twilio, services, agents, sent
):
    """A /voice/step that lands after the caller's `completed` status callback
    (a delayed or retried Gather action) must not put the dead call in line."""
    sid = "CAghost"
    twilio.post("/voice/incoming", call_params(sid))
    live = call_params(sid, CallStatus="in-progress")
    twilio.post("/voice/step?node=language&attempt=1&visit=0", {**live, "Digits": "1"})
    twilio.post("/voice/status", call_params(sid, CallStatus="completed", CallDuration="6"))
    assert _call(services, sid).status == "completed"

    twilio.post("/voice/step?node=menu_en&attempt=1&visit=1", {**live, "Digits": "1", "msg": "Gather End"})

    assert services.router.call(sid) == {}, "a call whose caller hung up is waiting in Redis"
    _available(services, agents["alice"])
    assert _offers(sent, agents["alice"]) == [], "an agent was offered a call nobody is on"
    assert _call(services, sid).status == "completed"


# -- Twilio callbacks out of order ----------------------------------------------------


def test_dial_result_after_parent_completed_leaves_call_completed_and_agent_can_finish(
    twilio, services, agents, sent, rest_ok
):
    """Caller hangs up while the agent's phone rings. The parent's `completed`
    status callback arrives before the <Dial action> (DialCallStatus=canceled)."""
    alice = agents["alice"]
    _available(services, alice)
    walk_to_billing(twilio, "CAorder")
    [offer] = _offers(sent, alice)
    services.call_center.accept(alice, "CAorder", offer["offer_id"])

    twilio.post("/voice/status", call_params("CAorder", CallStatus="completed", CallDuration="30"))
    # She never spoke to the caller: no wrap-up, straight back to available.
    assert services.router.agent(alice)["state"] == "available"
    twilio.post(f"/voice/dial-result?agent={alice}",
                call_params("CAorder", CallStatus="completed", DialCallStatus="canceled",
                            DialCallSid="CAleg1", DialCallDuration="0"))

    call = _call(services, "CAorder")
    assert call.status == "completed", f"a finished call went back to '{call.status}' in the database"
    assert call.agent_id == alice
    # The agent can close the wrap-up of the call she accepted.
    services.call_center.finish_wrap_up(alice, "CAorder", "caller hung up while ringing")
    assert services.router.agent(alice)["state"] == "available"


def test_repeated_dial_result_does_not_requeue_a_call_another_agent_is_taking(
    twilio, services, agents, sent, rest_ok
):
    """Alice does not pick up; the call goes to Boris, who accepts. A second
    copy of Alice's <Dial action> (a retry whose parameters differ) must not
    take the call away from Boris and put it up for a third agent."""
    alice, boris, chen = agents["alice"], agents["boris"], agents["chen"]
    _available(services, alice)
    _available(services, boris)
    walk_to_billing(twilio, "CAtwice")
    [offer] = _offers(sent, alice)
    services.call_center.accept(alice, "CAtwice", offer["offer_id"])
    no_answer = call_params("CAtwice", CallStatus="in-progress", DialCallStatus="no-answer",
                            DialCallSid="CAlegA", DialCallDuration="0")
    twilio.post(f"/voice/dial-result?agent={alice}", no_answer)
    [second] = _offers(sent, boris)
    services.call_center.accept(boris, "CAtwice", second["offer_id"])
    assert services.router.call("CAtwice")["agent"] == str(boris)

    twilio.post(f"/voice/dial-result?agent={alice}", {**no_answer, "Timestamp": "Tue, 02 Dec 2025 10:00:01 +0000"})

    routed = services.router.call("CAtwice")
    assert (routed.get("state"), routed.get("agent")) == ("connecting", str(boris)), routed
    assert services.router.agent(boris)["state"] == "busy"
    assert _call(services, "CAtwice").agent_id == boris
    chen_offers = [o for o in _offers(sent, chen) if o["call_sid"] == "CAtwice"]
    assert chen_offers == []


def test_stale_dial_result_after_the_next_agent_connected_does_not_orphan_their_wrap_up(
    twilio, services, agents, sent, rest_ok
):
    alice, boris = agents["alice"], agents["boris"]
    _available(services, alice)
    _available(services, boris)
    walk_to_billing(twilio, "CAstale")
    services.call_center.accept(alice, "CAstale", _offers(sent, alice)[0]["offer_id"])
    no_answer = call_params("CAstale", CallStatus="in-progress", DialCallStatus="no-answer",
                            DialCallSid="CAlegA", DialCallDuration="0")
    twilio.post(f"/voice/dial-result?agent={alice}", no_answer)
    services.call_center.accept(boris, "CAstale", _offers(sent, boris)[0]["offer_id"])
    twilio.post(f"/voice/agent-leg?call=CAstale&agent={boris}",
                {"CallSid": "CAlegB", "CallStatus": "in-progress", "ParentCallSid": "CAstale"})

    twilio.post(f"/voice/dial-result?agent={alice}", {**no_answer, "SequenceNumber": "2"})
    twilio.post("/voice/status", call_params("CAstale", CallStatus="completed", CallDuration="90"))

    call = _call(services, "CAstale")
    assert (call.outcome, call.agent_id) == ("answered", boris)
    services.call_center.finish_wrap_up(boris, "CAstale", "done")
    assert services.router.agent(boris)["state"] == "available"


def test_accept_racing_the_callers_hang_up_never_leaves_a_live_status(
    twilio, services, agents, sent
):
    """The agent's accept wins in Redis, then the caller's `completed` status
    callback is handled, then accept writes the database and asks Twilio to
    bridge (Twilio refuses: the call is over)."""
    alice = agents["alice"]
    _available(services, alice)
    walk_to_billing(twilio, "CArace")
    [offer] = _offers(sent, alice)

    router_accept = services.router.accept

    def accept_then_caller_hangs_up(*args):
        router_accept(*args)
        twilio.post("/voice/status", call_params("CArace", CallStatus="completed", CallDuration="25"))

    def twilio_refuses(sid, twiml):
        raise TelephonyError("Twilio refused to update CArace: Call is not in-progress")

    services.router.accept = accept_then_caller_hangs_up
    services.call_center.telephony.redirect_call = twilio_refuses
    with pytest.raises(Exception):  # noqa: B017 - the agent is told about the refusal
        services.call_center.accept(alice, "CArace", offer["offer_id"])

    call = _call(services, "CArace")
    assert call.status == "completed", f"caller is gone but the call is '{call.status}'"
    assert call.outcome == "abandoned"


# -- Twilio retries whose parameters differ -------------------------------------------


def test_menu_step_resent_with_other_parameters_records_the_path_once(twilio, services):
    walk_to_billing(twilio, "CAresend")
    events_before = _kinds(services, "CAresend")
    resent = call_params("CAresend", CallStatus="in-progress", Digits="1", msg="Gather End")
    twilio.post("/voice/step?node=menu_en&attempt=1&visit=1", resent)

    assert _call(services, "CAresend").ivr_path == ["language", "menu_en", "billing_en"]
    assert _kinds(services, "CAresend") == events_before


def test_hangup_reported_by_queue_result_and_status_at_once_is_recorded_once(
    app, config, services, twilio, monkeypatch
):
    """A caller hanging up in the queue makes Twilio send the <Enqueue action>
    (QueueResult=hangup) and the `completed` status callback at the same time;
    two web threads handle them. The call must end once: one `abandoned`."""
    import threading

    from contact_center import call_center as cc
    from tests.conftest import TwilioSigner

    walk_to_billing(twilio, "CAboth")
    barrier = threading.Barrier(2)
    original = cc._find_call

    def find_together(session, call_sid):
        call = original(session, call_sid)
        try:
            barrier.wait(timeout=2)  # both requests have read the live call
        except threading.BrokenBarrierError:
            pass
        return call

    monkeypatch.setattr(cc, "_find_call", find_together)
    requests = [
        ("/voice/queue-result", call_params("CAboth", CallStatus="completed", QueueResult="hangup",
                                            QueueTime="12")),
        ("/voice/status", call_params("CAboth", CallStatus="completed", CallDuration="30")),
    ]
    threads = [
        threading.Thread(target=TwilioSigner(app.test_client(), config).post, args=request)
        for request in requests
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)

    monkeypatch.setattr(cc, "_find_call", original)
    assert _kinds(services, "CAboth").count("abandoned") == 1
