"""Probing tests: the agent reloads the console while a call is offered to her.

On connect the server sends only `state` ({"state": "offered", "call_sid"}).
The offer itself (offer_id, screen pop) went to the old page, and console.js
has no branch for `offered` without an offer: the reloaded page shows no
Accept button, the state buttons are locked, and the caller waits out
OFFER_TIMEOUT_SECONDS before the agent is marked "missed".
"""

from __future__ import annotations

from tests.conftest import agent_console, walk_to_billing


def test_reloaded_console_can_still_accept_the_pending_offer(app, services, twilio, agents, rest_ok):
    alice = agents["alice"]
    updates = rest_ok
    page = agent_console(app, "alice")
    page.emit("set_state", {"state": "available"}, namespace="/agent")
    sid = "CAreload"
    walk_to_billing(twilio, sid)
    assert services.router.agent(alice)["state"] == "offered"

    page.disconnect(namespace="/agent")  # F5
    reloaded = agent_console(app, "alice")

    received = reloaded.get_received("/agent")
    offers = [m["args"][0] for m in received if m["name"] == "offer"]
    assert offers, ("the reloaded console got no offer to accept; it received only "
                    f"{[m['name'] for m in received]}")
    reloaded.emit("accept", {"call_sid": sid, "offer_id": offers[-1]["offer_id"]}, namespace="/agent")
    assert updates == [sid]
    assert services.router.agent(alice)["state"] == "busy"
