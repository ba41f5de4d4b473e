"""Probing: wrap-up must end through finish_wrap_up, or AHT loses the call.

AHT counts calls "whose wrap-up ended" (a `wrap_up_ended` event). Routing lets
an agent in wrap-up go away/offline (set_state), and Router.reset_consoles
(demo start) moves wrap-up agents offline and drops their call: the wrap-up
is over, no event says so, the call never enters AHT, and a reloaded console
gets no screen pop to finish the note.
"""

from __future__ import annotations

import pytest

from contact_center.exceptions import ContactCenterError
from tests.conftest import call_params, walk_to_billing


@pytest.fixture
def online_usernames():
    return ("alice",)


def _answered_call_in_wrap_up(services, twilio, alice, offers, sid="CAwrap"):
    services.call_center.set_agent_state(alice, "available")
    walk_to_billing(twilio, sid)
    services.call_center.accept(alice, sid, offers[-1]["offer_id"])
    twilio.post(f"/voice/agent-leg?call={sid}&agent={alice}",
                {"CallSid": "CAleg", "ParentCallSid": sid, "CallStatus": "in-progress"})
    twilio.post("/voice/status", call_params(sid, CallStatus="completed", CallDuration="60"))
    assert services.router.agent(alice)["state"] == "wrap_up"
    return alice


def test_demo_restart_keeps_an_agent_in_wrap_up_on_their_call(services, twilio, agents, offers, rest_ok):
    alice = _answered_call_in_wrap_up(services, twilio, agents["alice"], offers)

    services.router.reset_consoles()  # ./dev run restarted

    info = services.router.agent(alice)
    assert (info["state"], info.get("call_sid")) == ("wrap_up", "CAwrap"), info
    assert services.call_center.screen_pop(alice) is not None


def test_an_agent_cannot_leave_wrap_up_without_ending_it(services, twilio, agents, offers, rest_ok):
    alice = _answered_call_in_wrap_up(services, twilio, agents["alice"], offers)

    with pytest.raises(ContactCenterError):  # e.g. a second tab's Away button
        services.call_center.set_agent_state(alice, "away")
    services.call_center.finish_wrap_up(alice, "CAwrap", "done")
    billing = services.call_center.boards.queue_metrics()["billing"]
    assert billing["aht"] is not None
