"""Probing tests: a caller who goes back to a menu they already visited.

Flows may loop between menus ("press 0 to go back"); only say-loops are
refused (docs/flows.md, flows._check_say_loops). A second visit to a menu is a
new step, not a Twilio retry: the choice made there must count.
"""

from __future__ import annotations

from sqlalchemy import select

from contact_center.models import Call
from tests.conftest import TwilioSigner, app_with_flow, call_params, record_emits, seed_agents

BACK_AND_FORTH = """\
name: loop
start: main
nodes:
  main:
    type: menu
    prompt: "For billing, press 1."
    options:
      "1": billing_menu
    fallback: billing
  billing_menu:
    type: menu
    prompt: "To talk to billing press 1. To go back, press 0."
    options:
      "0": main
      "1": billing
    fallback: billing
  billing:
    type: enqueue
    queue: billing
    skills: [billing]
    hold_message: "Please hold."
"""


def test_choice_made_on_a_second_visit_to_a_menu_reaches_an_agent(config, tmp_path):
    app = app_with_flow(config, tmp_path, "loop", BACK_AND_FORTH)
    services = app.extensions["contact_center"]
    try:
        alice = seed_agents(services)["alice"]
        offers = record_emits(services).offers
        services.call_center.agent_online(alice)
        services.call_center.set_agent_state(alice, "available")
        twilio = TwilioSigner(app.test_client(), config)

        sid = "CAloop"
        twilio.post("/voice/incoming", call_params(sid))
        live = call_params(sid, CallStatus="in-progress")
        twilio.post("/voice/step?node=main&attempt=1&visit=0", {**live, "Digits": "1"})
        twilio.post("/voice/step?node=billing_menu&attempt=1&visit=1", {**live, "Digits": "0"})  # back
        twilio.post("/voice/step?node=main&attempt=1&visit=2", {**live, "Digits": "1", "msg": "Gather End"})
        answer = twilio.post("/voice/step?node=billing_menu&attempt=1&visit=3",
                             {**live, "Digits": "1", "msg": "Gather End"})

        assert b"<Enqueue" in answer.data  # Twilio puts the caller in its queue...
        # ...so routing must have the call too, or nobody is ever offered it.
        assert services.router.call(sid).get("state") in ("waiting", "offered"), services.router.call(sid)
        assert [o["call_sid"] for o in offers] == [sid], "an available agent was never offered the caller"
        with services.db.session() as session:
            call = session.scalar(select(Call).where(Call.call_sid == sid))
        assert call.status in ("queued", "offered") and call.queue == "billing"
        assert call.ivr_path == ["main", "billing_menu", "main", "billing_menu", "billing"]
    finally:
        services.db.engine.dispose()
