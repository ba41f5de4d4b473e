"""Probing: the caller hangs up while the agent's phone rings.

Twilio ends the <Dial> (DialCallStatus=canceled, CallStatus=completed) and
requests the Dial action as part of the call's TwiML, before the parent's
final `completed` status callback. docs/protocol.md: the agent gets
`offer_withdrawn` ("also when the caller hangs up while the agent's phone
rings"), not the no-answer treatment.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from contact_center.models import Event
from tests.conftest import call_params, walk_to_billing


@pytest.fixture
def online_usernames():
    return ("alice", "boris")


def test_caller_hanging_up_while_agent_phone_rings_is_not_a_missed_call(services, twilio, agents, sent, rest_ok):
    alice, boris = agents["alice"], agents["boris"]
    services.call_center.set_agent_state(alice, "available")
    sid = "CAring"
    walk_to_billing(twilio, sid)
    [offer] = sent.offers
    services.call_center.accept(alice, sid, offer["offer_id"])
    services.call_center.set_agent_state(boris, "available")

    # Caller hangs up while Alice's phone rings: the Dial action comes first...
    twilio.post(f"/voice/dial-result?agent={alice}",
                call_params(sid, CallStatus="completed", DialCallStatus="canceled",
                            DialCallSid="CAlegA", DialCallDuration="0", DialBridged="false"))
    ghost_offers = [p for e, p, to in sent if e == "offer" and to == f"agent:{boris}" and p["call_sid"] == sid]
    # ...then the parent's status callback.
    twilio.post("/voice/status", call_params(sid, CallStatus="completed", CallDuration="30"))

    with services.db.session() as session:
        kinds = [e.kind for e in session.scalars(select(Event).where(Event.call_sid == sid))]
    assert "agent_no_answer" not in kinds, "the caller's hang-up was logged as Alice not answering"
    assert ghost_offers == [], "Boris was offered a call whose caller had already hung up"
    assert services.router.agent(alice)["state"] == "available", (
        f"Alice is '{services.router.agent(alice)['state']}' (gets no calls) because the caller hung up")
