"""Probing tests: points must reward talking to callers, nothing else."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from contact_center import call_center as cc
from contact_center import jobs
from contact_center.models import Call
from tests.conftest import call_params, walk_to_billing


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2025, 12, 2, 10, 0, 0)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def online_usernames():
    return ("alice",)


def test_survey_time_after_the_agent_hung_up_is_not_talk_time(services, twilio, agents, offers, rest_ok, monkeypatch):
    """Alice grabs a call and hangs up after 5 s; the caller then spends 15 s in
    the satisfaction survey. Her leg's own `completed` callback (CallDuration=5)
    reaches us only after the parent call's, as status callbacks may. A 5 s
    call is below MIN_TALK_SECONDS and must earn nothing."""
    alice = agents["alice"]
    clock = Clock()
    monkeypatch.setattr(cc, "utcnow", clock)
    services.call_center.set_agent_state(alice, "available")

    sid = "CAgrab"
    live = walk_to_billing(twilio, sid)
    services.call_center.accept(alice, sid, offers[0]["offer_id"])
    leg = f"/voice/agent-leg?call={sid}&agent={alice}"
    twilio.post(leg, {"CallSid": "CAleg", "ParentCallSid": sid, "CallStatus": "in-progress"})
    clock.advance(5)  # Alice hangs up
    survey = twilio.post(f"/voice/dial-result?agent={alice}",
                         {**live, "DialCallStatus": "completed", "DialCallSid": "CAleg",
                          "DialCallDuration": "5", "DialBridged": "true"})
    assert b"<Gather" in survey.data  # the caller is asked to rate the call
    clock.advance(15)  # the survey
    twilio.post("/voice/survey", {**live, "Digits": "5"})
    twilio.post("/voice/status", call_params(sid, CallStatus="completed", CallDuration="60"))
    twilio.post(leg, {"CallSid": "CAleg", "ParentCallSid": sid, "CallStatus": "completed",
                      "CallDuration": "5"})

    with services.db.session() as session:
        talk = session.scalar(select(Call.talk_seconds).where(Call.call_sid == sid))
    assert talk == pytest.approx(5, abs=1), f"talk time {talk}s for a 5 s conversation"
    jobs.bind(services)
    assert jobs.award_points(sid) == 0
    assert services.leaderboard.points(alice) == 0
