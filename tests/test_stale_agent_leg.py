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

import pytest
from sqlalchemy import select

from contact_center.exceptions import TelephonyError
from contact_center.models import Event
from tests.conftest import walk_to_billing


@pytest.fixture
def online_usernames():
    return ("alice", "boris")


def test_in_progress_for_an_agent_the_call_is_not_with_changes_nothing(services, twilio, agents, sent, offers):
    alice, boris = agents["alice"], agents["boris"]
    services.call_center.set_agent_state(alice, "available")
    sid = "CAstaleleg"
    walk_to_billing(twilio, sid)
    services.call_center.set_agent_state(boris, "available")

    def times_out(call_sid, twiml):
        raise TelephonyError("Twilio could not be reached: read timed out")

    services.call_center.telephony.redirect_call = times_out
    try:
        services.call_center.accept(alice, sid, offers[-1]["offer_id"])
    except TelephonyError:
        pass
    [to_boris] = [p for e, p, to in sent if e == "offer" and to == f"agent:{boris}"]

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
