"""Probing: the caller hangs up while the agent's phone rings.

Twilio ends the <Dial> (DialCallStatus=canceled, CallStatus=completed) and
requests the Dial action as part of the call's TwiML, before the parent's
final `completed` status callback. docs/protocol.md: the agent gets
`offer_withdrawn` ("also when the caller hangs up while the agent's phone
rings"), not the no-answer treatment.
"""

from __future__ import annotations

from sqlalchemy import select

from contact_center.demo import seed_demo_users
from contact_center.models import Event, User
from tests.conftest import call_params


def _setup(services, twilio):
    seed_demo_users(services.db)
    with services.db.session() as session:
        ids = {u.username: u.id for u in session.scalars(select(User))}
    offers: list[tuple[int, str]] = []
    emit = services.call_center.notifier._emit

    def record(event, payload, namespace=None, to=None):
        if event == "offer":
            offers.append((to, payload["call_sid"], payload["offer_id"]))
        return emit(event, payload, namespace=namespace, to=to)

    services.call_center.notifier._emit = record
    services.call_center.telephony.redirect_call = lambda sid, twiml: None
    for name in ("alice", "boris"):
        services.call_center.agent_online(ids[name])
    return ids, offers


def test_caller_hanging_up_while_agent_phone_rings_is_not_a_missed_call(services, twilio):
    ids, offers = _setup(services, twilio)
    alice, boris = ids["alice"], ids["boris"]
    services.call_center.set_agent_state(alice, "available")
    sid = "CAring"
    twilio.post("/voice/incoming", call_params(sid))
    live = call_params(sid, CallStatus="in-progress")
    twilio.post("/voice/step?node=language&attempt=1&visit=0", {**live, "Digits": "1"})
    twilio.post("/voice/step?node=menu_en&attempt=1&visit=1", {**live, "Digits": "1"})
    [(_, _, offer_id)] = offers
    services.call_center.accept(alice, sid, offer_id)
    services.call_center.set_agent_state(boris, "available")

    # Caller hangs up while Alice's phone rings: the Dial action comes first...
    twilio.post(f"/voice/dial-result?agent={alice}",
                call_params(sid, CallStatus="completed", DialCallStatus="canceled",
                            DialCallSid="CAlegA", DialCallDuration="0", DialBridged="false"))
    ghost_offers = [o for o in offers if o[0] == f"agent:{boris}" and o[1] == sid]
    # ...then the parent's status callback.
    twilio.post("/voice/status", call_params(sid, CallStatus="completed", CallDuration="30"))

    with services.db.session() as session:
        kinds = [e.kind for e in session.scalars(select(Event).where(Event.call_sid == sid))]
    assert "agent_no_answer" not in kinds, "the caller's hang-up was logged as Alice not answering"
    assert ghost_offers == [], "Boris was offered a call whose caller had already hung up"
    assert services.router.agent(alice)["state"] == "available", (
        f"Alice is '{services.router.agent(alice)['state']}' (gets no calls) because the caller hung up")
