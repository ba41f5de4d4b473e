"""Probing: an agent-leg callback for an agent the call is no longer with.

Alice accepts; Twilio's REST API times out (the update was in fact applied),
so the call goes back in line and is offered to Boris. Alice's leg then
reports `in-progress`. dial_result only honours the agent the call is with;
agent_leg_status honours anyone: the call is marked answered (by Alice), and
when Boris really answers, his `connected` is skipped: routing never marks the
call connected, and when it ends Boris is told the caller abandoned, gets no
wrap-up, and Alice gets the points.
"""

from __future__ import annotations

from sqlalchemy import select

from contact_center.demo import seed_demo_users
from contact_center.exceptions import TelephonyError
from contact_center.models import Event, User
from tests.conftest import call_params


def test_in_progress_for_an_agent_the_call_is_not_with_changes_nothing(services, twilio):
    seed_demo_users(services.db)
    with services.db.session() as session:
        ids = {u.username: u.id for u in session.scalars(select(User))}
    alice, boris = ids["alice"], ids["boris"]
    offers: list[dict] = []
    emit = services.call_center.notifier._emit
    services.call_center.notifier._emit = lambda event, payload, **kw: (
        offers.append({**payload, "to": kw.get("to")}) if event == "offer" else None, emit(event, payload, **kw))
    for agent in (alice, boris):
        services.call_center.agent_online(agent)
    services.call_center.set_agent_state(alice, "available")
    sid = "CAstaleleg"
    twilio.post("/voice/incoming", call_params(sid))
    live = call_params(sid, CallStatus="in-progress")
    twilio.post("/voice/step?node=language&attempt=1&visit=0", {**live, "Digits": "1"})
    twilio.post("/voice/step?node=menu_en&attempt=1&visit=1", {**live, "Digits": "1"})
    services.call_center.set_agent_state(boris, "available")

    def times_out(call_sid, twiml):
        raise TelephonyError("Twilio could not be reached: read timed out")

    services.call_center.telephony.redirect_call = times_out
    try:
        services.call_center.accept(alice, sid, offers[-1]["offer_id"])
    except TelephonyError:
        pass
    [to_boris] = [o for o in offers if o["to"] == f"agent:{boris}"]

    # Alice's leg (the update did reach Twilio) reports in-progress, late.
    twilio.post(f"/voice/agent-leg?call={sid}&agent={alice}",
                {"CallSid": "CAlegA", "ParentCallSid": sid, "CallStatus": "in-progress"})

    services.call_center.telephony.redirect_call = lambda call_sid, twiml: None
    services.call_center.accept(boris, sid, to_boris["offer_id"])
    twilio.post(f"/voice/agent-leg?call={sid}&agent={boris}",
                {"CallSid": "CAlegB", "ParentCallSid": sid, "CallStatus": "in-progress"})

    with services.db.session() as session:
        connected = [e.agent_id for e in session.scalars(
            select(Event).where(Event.call_sid == sid, Event.kind == "connected"))]
    assert connected == [boris], f"'connected' recorded for agents {connected}, expected only Boris"
    assert services.router.call(sid)["state"] == "connected"
