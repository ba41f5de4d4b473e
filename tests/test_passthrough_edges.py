"""Probing: the load-time check of pass-through (say/hours) chains."""

from __future__ import annotations

import json
import signal
from datetime import UTC, datetime

from contact_center import ivr
from contact_center.exceptions import FlowError
from contact_center.flows import parse_flow
from contact_center.urls import WebhookUrls

ALWAYS = {"timezone": "UTC", "open": {"mon-sun": "00:00-24:00"}}


def _hours_chain(n: int) -> str:
    """n hours checks in a row (holiday in A? in B? ...), each branch going on to the next."""
    nodes = {}
    for i in range(n):
        nxt = f"h{i + 1}" if i + 1 < n else "bye"
        nodes[f"h{i}"] = {"type": "hours", **ALWAYS, "when_open": nxt, "when_closed": nxt}
    nodes["bye"] = {"type": "hangup", "say": "Goodbye."}
    return json.dumps({"name": "chain", "start": "h0", "nodes": nodes})


def test_loop_check_is_not_exponential_in_hours_nodes():
    def too_slow(*_):
        raise TimeoutError("parse_flow still checking loops after 5 s")

    old = signal.signal(signal.SIGALRM, too_slow)
    signal.alarm(5)
    try:
        flow = parse_flow("chain.yaml", _hours_chain(26))  # 2**26 paths when every path is walked
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
    assert flow.start == "h0"


def test_a_chain_the_runtime_refuses_is_refused_at_load():
    """enter() gives up after MAX_CHAINED_NODES pass-through nodes (RuntimeError: the caller
    hears the apology on every call). Load-time validation accepts the same flow."""
    n = ivr.MAX_CHAINED_NODES + 5
    nodes = {f"s{i}": {"type": "say", "say": f"Part {i}.", "next": f"s{i + 1}"} for i in range(n)}
    nodes[f"s{n}"] = {"type": "hangup"}
    text = json.dumps({"name": "long", "start": "s0", "nodes": nodes})
    try:
        flow = parse_flow("long.yaml", text)
    except FlowError:
        return  # refused at load: fine
    ivr.enter(flow, flow.start, WebhookUrls("https://cc.example.com"), now=datetime(2026, 1, 5, tzinfo=UTC))
