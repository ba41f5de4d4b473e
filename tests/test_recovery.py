"""Recovering from what goes wrong outside our code: Redis restarts, lost callbacks."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app import create_app
from contact_center.exceptions import OfferNotValid
from contact_center.models import Call
from tests.conftest import CLAIM_KEY, TwilioSigner, record_emits, seed_agents, walk_to_billing


def test_waiting_calls_survive_a_redis_restart(services, twilio, redis_conn):
    walk_to_billing(twilio, "CAkept")
    enqueued_at = float(services.router.call("CAkept")["enqueued_at"])
    claim = redis_conn.get(CLAIM_KEY)
    redis_conn.flushdb()  # Redis restarted with nothing on disk
    redis_conn.set(CLAIM_KEY, claim)
    assert services.router.call("CAkept") == {}

    assert services.call_center.restore_routing() == 1
    assert services.call_center.restore_routing() == 0  # already back: nothing twice
    routed = services.router.call("CAkept")
    assert routed["state"] == "waiting" and routed["queue"] == "billing"
    assert float(routed["enqueued_at"]) == pytest.approx(enqueued_at, abs=1)  # keeps its place
    alice = seed_agents(services, "alice")["alice"]
    services.call_center.set_agent_state(alice, "available")
    assert services.router.call("CAkept")["agent"] == str(alice)


def test_a_call_twilio_says_is_over_is_ended_not_offered_again(config, virtual_twilio):
    # The fake REST API knows no call placed outside the simulator: it answers 404 (20404),
    # as Twilio does for a call that is gone. Our status callback for it was lost.
    app = create_app(config.with_overrides(twilio_api_base_url=virtual_twilio.api_base_url))
    services = app.extensions["contact_center"]
    twilio = TwilioSigner(app.test_client(), config)
    offers = record_emits(services).offers
    alice = seed_agents(services, "alice")["alice"]
    services.call_center.set_agent_state(alice, "available")
    walk_to_billing(twilio, "CAghost")
    [offer] = offers

    with pytest.raises(OfferNotValid, match="already hung up"):
        services.call_center.accept(alice, "CAghost", offer["offer_id"])

    with services.db.session() as session:
        call = session.scalar(select(Call).where(Call.call_sid == "CAghost"))
    assert (call.status, call.outcome) == ("completed", "abandoned")
    assert services.router.call("CAghost") == {}
    assert services.router.agent(alice)["state"] == "available"
    assert len(offers) == 1  # never offered again
    services.db.engine.dispose()


def test_consoles_learn_that_routing_forgot_them(app, services, redis_conn):
    from tests.conftest import agent_console, seed_agents

    ids = seed_agents(services)
    console = agent_console(app, "alice")
    console.emit("set_state", {"state": "available"}, namespace="/agent")
    services.call_center.restore_routing()  # first run marks Redis as known
    console.get_received("/agent")
    claim = redis_conn.get(CLAIM_KEY)
    redis_conn.flushdb()  # Redis restarted empty
    redis_conn.set(CLAIM_KEY, claim)

    services.call_center.restore_routing()

    states = [e["args"][0]["state"] for e in console.get_received("/agent") if e["name"] == "state"]
    assert states == ["offline"]  # the console stops claiming she is available
    assert services.router.agent(ids["alice"]).get("state", "offline") == "offline"
