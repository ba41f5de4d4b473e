"""Probing tests: wrap-up belongs to one call.

docs/protocol.md: `wrap_up {call_sid, note}` "saves the note, ends wrap-up,
agent becomes available". A wrap_up for a call the agent finished earlier
(a second console tab still showing it, a resent click) must not end the
wrap-up of the call she is writing up now, nor rewrite the old call's note.
"""

from __future__ import annotations

from sqlalchemy import select

from contact_center.models import Call
from tests.conftest import agent_console, walk_to_billing


def _offer(console, sid):
    for message in console.get_received("/agent"):
        if message["name"] == "offer" and message["args"][0]["call_sid"] == sid:
            return message["args"][0]
    raise AssertionError(f"no offer for {sid}")


def _answered_and_hung_up(twilio, services, console, alice, sid):
    live = walk_to_billing(twilio, sid)
    offer = _offer(console, sid)
    console.emit("accept", {"call_sid": sid, "offer_id": offer["offer_id"]}, namespace="/agent")
    twilio.post(f"/voice/agent-leg?call={sid}&agent={alice}",
                {"CallSid": "CAleg" + sid, "ParentCallSid": sid, "CallStatus": "in-progress"})
    twilio.post(f"/voice/dial-result?agent={alice}",
                {**live, "DialCallStatus": "completed", "DialCallSid": "CAleg" + sid,
                 "DialCallDuration": "40", "DialBridged": "true"})
    assert services.router.agent(alice)["state"] == "wrap_up"


def test_wrap_up_for_an_earlier_call_does_not_end_the_current_wrap_up(app, services, twilio, agents, rest_ok):
    alice = agents["alice"]
    console = agent_console(app, "alice")
    console.emit("set_state", {"state": "available"}, namespace="/agent")

    _answered_and_hung_up(twilio, services, console, alice, "CAfirst")
    console.emit("wrap_up", {"call_sid": "CAfirst", "note": "refund issued"}, namespace="/agent")
    assert services.router.agent(alice)["state"] == "available"

    _answered_and_hung_up(twilio, services, console, alice, "CAsecond")
    console.get_received("/agent")
    # A stale tab still shows the first call's wrap-up form and sends it again.
    console.emit("wrap_up", {"call_sid": "CAfirst", "note": ""}, namespace="/agent")

    state = services.router.agent(alice)
    assert (state["state"], state.get("call_sid")) == ("wrap_up", "CAsecond"), (
        "a wrap_up for an earlier call ended the wrap-up of the current one")
    with services.db.session() as session:
        note = session.scalar(select(Call.note).where(Call.call_sid == "CAfirst"))
    assert note == "refund issued", "the earlier call's note was wiped"
