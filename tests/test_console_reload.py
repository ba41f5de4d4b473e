"""Probing tests: the agent reloads the console while a call is offered to her.

On connect the server sends only `state` ({"state": "offered", "call_sid"}).
The offer itself (offer_id, screen pop) went to the old page, and console.js
has no branch for `offered` without an offer: the reloaded page shows no
Accept button, the state buttons are locked, and the caller waits out
OFFER_TIMEOUT_SECONDS before the agent is marked "missed".
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from contact_center.demo import seed_demo_users
from contact_center.models import User
from contact_center.web.extensions import socketio
from tests.conftest import call_params


@pytest.fixture
def alice(services):
    seed_demo_users(services.db)
    with services.db.session() as session:
        return session.scalar(select(User.id).where(User.username == "alice"))


def _console(app):
    http = app.test_client()
    http.post("/login", data={"username": "alice", "password": "alice-demo"})
    return socketio.test_client(app, namespace="/agent", flask_test_client=http)


def test_reloaded_console_can_still_accept_the_pending_offer(app, services, twilio, alice):
    updates = []
    services.call_center.telephony.redirect_call = lambda sid, twiml: updates.append(sid)
    page = _console(app)
    page.emit("set_state", {"state": "available"}, namespace="/agent")
    sid = "CAreload"
    twilio.post("/voice/incoming", call_params(sid))
    live = call_params(sid, CallStatus="in-progress")
    twilio.post("/voice/step?node=language&attempt=1&visit=0", {**live, "Digits": "1"})
    twilio.post("/voice/step?node=menu_en&attempt=1&visit=1", {**live, "Digits": "1"})
    assert services.router.agent(alice)["state"] == "offered"

    page.disconnect(namespace="/agent")  # F5
    reloaded = _console(app)

    received = reloaded.get_received("/agent")
    offers = [m["args"][0] for m in received if m["name"] == "offer"]
    assert offers, ("the reloaded console got no offer to accept; it received only "
                    f"{[m['name'] for m in received]}")
    reloaded.emit("accept", {"call_sid": sid, "offer_id": offers[-1]["offer_id"]}, namespace="/agent")
    assert updates == [sid]
    assert services.router.agent(alice)["state"] == "busy"
