"""Probing tests: flow files that pass validation but misbehave once a caller arrives."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from contact_center import ivr
from contact_center.exceptions import FlowError
from contact_center.flows import parse_flow
from contact_center.models import Call
from contact_center.urls import WebhookUrls
from tests.conftest import TwilioSigner, app_with_flow, call_params

URLS = WebhookUrls("https://cc.example.com")

# The simplest real line: a greeting, then straight into a queue; no menu.
GREET_AND_QUEUE = """\
name: sales
start: welcome
nodes:
  welcome:
    type: say
    say: "Thanks for calling sales."
    next: line
  line:
    type: enqueue
    queue: sales
    skills: [english]
    hold_message: "Please hold."
"""


def test_flow_that_enqueues_without_a_menu_records_the_queue(config, tmp_path):
    app = app_with_flow(config, tmp_path, "sales", GREET_AND_QUEUE)
    services = app.extensions["contact_center"]
    twilio = TwilioSigner(app.test_client(), config)

    answer = twilio.post("/voice/incoming", call_params("CAsales"))
    assert b"<Enqueue" in answer.data
    assert services.router.call("CAsales")["state"] == "waiting"  # routing has it...

    with services.db.session() as session:
        call = session.scalar(select(Call).where(Call.call_sid == "CAsales"))
    # ...and so must the call record, or wait time, queue and outcome are lost.
    assert (call.status, call.queue, call.skills) == ("queued", "sales", "english")
    assert call.enqueued_at is not None

    twilio.post("/voice/status", call_params("CAsales", CallStatus="completed", CallDuration="40"))
    with services.db.session() as session:
        call = session.scalar(select(Call).where(Call.call_sid == "CAsales"))
    assert call.outcome == "abandoned", "a caller who gave up in the queue is reported as ended in the IVR"
    services.db.engine.dispose()


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(
            "name: numbered\nstart: 1\nnodes:\n"
            "  1: {type: say, say: Hello, next: 2}\n"
            "  2: {type: hangup, say: Bye}\n",
            id="say-next-int",
        ),
        pytest.param(
            "name: numbered\nstart: 10\nnodes:\n"
            "  10: {type: menu, prompt: Press 1, options: {1: 20}, fallback: 20}\n"
            "  20: {type: hangup, say: Bye}\n",
            id="menu-int-targets",
        ),
    ],
)
def test_flow_with_numeric_node_ids_is_refused_or_works(text):
    """Either validation refuses the file (FlowError naming it), or every caller
    can walk it; never "valid" at start-up and broken for every caller."""
    try:
        flow = parse_flow("numbered.yaml", text)
    except FlowError:
        return
    step = ivr.enter(flow, flow.start, URLS)
    if step.twiml.to_xml().count("<Gather"):
        menu = next(n for n in flow.nodes.values() if n.type == "menu")
        ivr.handle_digits(flow, menu.id, 1, "1", URLS)
