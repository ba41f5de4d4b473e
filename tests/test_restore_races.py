"""Probing: CallCenter.restore_routing against real call sequences."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from contact_center.models import Call
from tests.conftest import CLAIM_KEY, call_params, walk_to_billing


@pytest.fixture
def online_usernames():
    return ("alice",)


def test_caller_ringing_an_agent_when_redis_restarts_is_not_hung_up_on(
    services, twilio, redis_conn, agents, offers, rest_ok
):
    """Alice's phone rings when Redis loses everything; she does not answer.
    The caller is still on the line and must go back in line, not be hung up on."""
    alice = agents["alice"]
    services.call_center.set_agent_state(alice, "available")
    walk_to_billing(twilio, "CAringing")
    services.call_center.accept(alice, "CAringing", offers[-1]["offer_id"])

    claim = redis_conn.get(CLAIM_KEY)
    redis_conn.flushdb()  # Redis restarted with nothing on disk
    redis_conn.set(CLAIM_KEY, claim)
    services.call_center.restore_routing()  # the clock's periodic check

    answer = twilio.post(f"/voice/dial-result?agent={alice}",
                         call_params("CAringing", CallStatus="in-progress", DialCallStatus="no-answer",
                                     DialCallSid="CAleg", DialCallDuration="0", DialBridged="false"))
    body = answer.get_data(as_text=True)
    assert "<Hangup" not in body, f"a caller still on the line was hung up on: {body}"
    assert services.router.call("CAringing").get("state") == "waiting"


def test_restore_running_while_a_caller_hangs_up_leaves_no_ghost_in_line(services, twilio):
    """The clock's restore check runs while the caller's `completed` callback is
    handled: routing has dropped the call, the database still says queued."""
    walk_to_billing(twilio, "CAgone")
    end_call = services.router.end_call

    def end_then_clock_checks(call_sid):
        ended = end_call(call_sid)
        services.call_center.restore_routing()
        return ended

    services.router.end_call = end_then_clock_checks
    twilio.post("/voice/status", call_params("CAgone", CallStatus="completed", CallDuration="12"))
    services.router.end_call = end_call

    with services.db.session() as session:
        call = session.scalar(select(Call).where(Call.call_sid == "CAgone"))
    assert call.status == "completed"
    board = services.call_center.boards.snapshot()
    billing = next(q for q in board["queues"] if q["name"] == "billing")
    assert services.router.call("CAgone") == {}, "a caller who hung up is back in line"
    assert billing["waiting"] == 0
