"""Probing: flows chosen by the called number."""

from __future__ import annotations

import pytest

from contact_center.exceptions import FlowError
from contact_center.flows import load_flows


def _write(tmp_path, name, numbers):
    (tmp_path / f"{name}.yaml").write_text(
        f"name: {name}\nstart: bye\nnumbers: {numbers}\nnodes:\n  bye: {{type: hangup}}\n")


def test_a_number_written_the_human_way_is_refused_or_matched(tmp_path):
    """Twilio's To is E.164 ('+15005550002'). A flow listing '+1 500-555-0002' loads fine and
    then never answers a single call (every call silently gets DEFAULT_FLOW)."""
    from contact_center.flow_registry import FlowRegistry

    _write(tmp_path, "support", "[]")
    _write(tmp_path, "shop", "['+1 500-555-0002']")
    try:
        flows = load_flows(tmp_path)
    except FlowError:
        return  # refused at load, naming the bad number: fine
    registry = FlowRegistry(db=None, flows=flows)
    assert registry.for_number("+15005550002", "support").name == "shop"


def test_one_number_in_two_spellings_is_caught(tmp_path):
    _write(tmp_path, "a", "['+15005550002']")
    _write(tmp_path, "b", "['+1 (500) 555-0002']")
    with pytest.raises(FlowError):
        load_flows(tmp_path)
