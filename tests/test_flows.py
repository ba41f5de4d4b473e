"""Flow files: the shipped ones load, broken ones are refused with a useful message."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from contact_center.exceptions import FlowError
from contact_center.flows import flow_from_definition, load_flow, load_flows, parse_flow

SHIPPED_FLOWS = Path(__file__).resolve().parent.parent / "ivr_flows"

#: A small valid flow using every node type; each broken case changes one thing.
VALID = {
    "name": "broken",
    "start": "menu",
    "nodes": {
        "menu": {
            "type": "menu",
            "prompt": "For billing, press 1.",
            "options": {"1": "intro"},
            "fallback": "bye",
        },
        "intro": {"type": "say", "say": "Connecting you.", "next": "queue"},
        "queue": {"type": "enqueue", "queue": "billing", "skills": ["billing"]},
        "bye": {"type": "hangup", "say": "Goodbye."},
    },
}

DELETE = object()


def flow_yaml(**changes: object) -> str:
    """VALID as YAML, with ``nodes__menu__prompt=...`` style changes (DELETE removes)."""
    data = copy.deepcopy(VALID)
    for path, value in changes.items():
        *parents, leaf = path.split("__")
        target = data
        for key in parents:
            target = target[key]
        if value is DELETE:
            del target[leaf]
        else:
            target[leaf] = value
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


# -- the shipped flows -----------------------------------------------------------


def test_shipped_flows_load():
    flows = load_flows(SHIPPED_FLOWS)

    assert set(flows) == {"support", "after_hours"}
    assert flows["after_hours"].numbers == ("+15005550002",) and flows["support"].numbers == ()
    support = flows["support"]
    assert support.start == "language"
    assert support.node("language").type == "menu"
    assert support.language == "en-US"


def test_valid_base_flow_parses():
    # Guards the broken-flow table: each case fails for its own reason only.
    flow = parse_flow("base.yaml", flow_yaml())

    assert flow.name == "broken"
    assert set(flow.nodes) == {"menu", "intro", "queue", "bye"}


# -- broken flows ------------------------------------------------------------------

LONG_QUEUE = "q" * 65

BROKEN = [
    pytest.param(
        {"nodes__queue__type": "dial"}, "queue", "unknown node type 'dial'",
        id="unknown-node-type",
    ),
    pytest.param(
        {"nodes__queue__type": DELETE}, "queue", "unknown node type 'None'",
        id="node-without-type",
    ),
    pytest.param(
        {"nodes__menu__options": {"1": "nowhere"}}, "menu",
        "option '1' goes to 'nowhere', which does not exist",
        id="menu-option-to-missing-node",
    ),
    pytest.param(
        {"nodes__menu__fallback": "nowhere"}, "menu",
        "fallback goes to 'nowhere', which does not exist",
        id="menu-fallback-to-missing-node",
    ),
    pytest.param(
        {"nodes__menu__fallback": DELETE}, "menu", "needs a 'fallback'",
        id="menu-without-fallback",
    ),
    pytest.param(
        {"nodes__intro__next": "nowhere"}, "intro",
        "next goes to 'nowhere', which does not exist",
        id="say-next-to-missing-node",
    ),
    pytest.param(
        {"nodes__intro__next": DELETE}, "intro", "next has no target node",
        id="say-without-next",
    ),
    pytest.param(
        {"nodes__menu__prompt": DELETE}, "menu", "missing 'prompt'",
        id="menu-without-prompt",
    ),
    pytest.param(
        {"nodes__menu__prompt": ""}, "menu", "missing 'prompt'",
        id="menu-empty-prompt",
    ),
    pytest.param(
        {"nodes__menu__prompt": "   "}, "menu", "missing 'prompt'",
        id="menu-blank-prompt",
    ),
    pytest.param(
        {"nodes__menu__prompt": []}, "menu", "missing 'prompt'",
        id="menu-empty-prompt-list",
    ),
    pytest.param(
        {"nodes__menu__prompt": ["Press 1.", ""]}, "menu", "missing 'prompt'",
        id="menu-prompt-with-empty-part",
    ),
    pytest.param(
        {"nodes__menu__prompt": [{"language": "ru-RU"}]}, "menu", "missing 'prompt'",
        id="menu-prompt-part-without-say",
    ),
    pytest.param(
        {"nodes__intro__say": DELETE}, "intro", "missing 'say'",
        id="say-without-words",
    ),
    pytest.param(
        {"nodes__menu__options": {"12": "intro"}}, "menu",
        "option '12' is not a single DTMF key",
        id="menu-option-two-digits",
    ),
    pytest.param(
        {"nodes__menu__options": {"A": "intro"}}, "menu",
        "option 'A' is not a single DTMF key",
        id="menu-option-not-dtmf",
    ),
    pytest.param(
        {"nodes__menu__options": {}}, "menu", "needs 'options'",
        id="menu-without-options",
    ),
    pytest.param(
        {"nodes__queue__queue": DELETE}, "queue", "'queue' must be a name",
        id="enqueue-without-queue",
    ),
    pytest.param(
        {"nodes__queue__queue": ""}, "queue", "'queue' must be a name",
        id="enqueue-empty-queue",
    ),
    pytest.param(
        {"nodes__queue__queue": LONG_QUEUE}, "queue", "1 to 64 characters",
        id="enqueue-queue-name-over-64",
    ),
    pytest.param(
        {"nodes__queue__skills": "billing"}, "queue", "'skills' must be a list",
        id="enqueue-skills-not-a-list",
    ),
    pytest.param(
        {"nodes__queue__skills": DELETE}, "queue", "'skills' must be a list",
        id="enqueue-without-skills",
    ),
]


@pytest.mark.parametrize(("changes", "node", "reason"), BROKEN)
def test_broken_flow_is_refused_naming_file_node_and_reason(changes, node, reason):
    with pytest.raises(FlowError) as caught:
        parse_flow("flows/broken.yaml", flow_yaml(**changes))

    message = str(caught.value)
    assert caught.value.node == node
    assert message.startswith("flows/broken.yaml: ")
    assert f"node '{node}'" in message
    assert reason in message


def test_start_naming_a_missing_node_is_refused():
    with pytest.raises(FlowError) as caught:
        parse_flow("flows/broken.yaml", flow_yaml(start="nowhere"))

    message = str(caught.value)
    assert message.startswith("flows/broken.yaml: ")
    assert "'start' names 'nowhere', which is not a node" in message


def test_invalid_yaml_is_refused():
    text = "name: broken\nstart: menu\nnodes:\n  menu: {type: menu\n"

    with pytest.raises(FlowError) as caught:
        parse_flow("flows/broken.yaml", text)

    assert str(caught.value).startswith("flows/broken.yaml: not valid YAML")


def test_queue_name_of_64_chars_is_accepted():
    flow = parse_flow("ok.yaml", flow_yaml(nodes__queue__queue="q" * 64))

    assert flow.node("queue").get("queue") == "q" * 64


def test_menu_with_unquoted_digit_and_star_option_loads():
    # `*` and `#` must be quoted in YAML, digits need not be: a natural mix.
    text = """
name: mixed
start: menu
nodes:
  menu:
    type: menu
    prompt: "Press 1 for billing, star to hang up."
    options:
      1: bye
      "*": bye
    fallback: bye
  bye:
    type: hangup
"""
    flow = parse_flow("mixed.yaml", text)

    assert {str(k) for k in flow.node("menu").get("options")} == {"1", "*"}


def test_two_files_with_the_same_flow_name_are_refused(tmp_path):
    (tmp_path / "a.yaml").write_text(flow_yaml(), encoding="utf-8")
    (tmp_path / "b.yml").write_text(flow_yaml(), encoding="utf-8")

    with pytest.raises(FlowError) as caught:
        load_flows(tmp_path)

    message = str(caught.value)
    assert "b.yml" in message
    assert "flow name 'broken' is used twice" in message


def test_load_flows_names_the_broken_file(tmp_path):
    (tmp_path / "good.yaml").write_text(flow_yaml(), encoding="utf-8")
    (tmp_path / "worse.yaml").write_text(
        flow_yaml(name="other", nodes__queue__type="dial"), encoding="utf-8"
    )

    with pytest.raises(FlowError) as caught:
        load_flows(tmp_path)

    assert caught.value.file == str(tmp_path / "worse.yaml")
    assert caught.value.node == "queue"


# -- versions ----------------------------------------------------------------------


def test_version_is_stable_for_the_same_content():
    first = parse_flow("a.yaml", flow_yaml())
    again = parse_flow("elsewhere/b.yaml", "# a comment\n" + flow_yaml())

    assert first.version == again.version


def test_version_changes_when_content_changes():
    first = parse_flow("a.yaml", flow_yaml())
    reworded = parse_flow("a.yaml", flow_yaml(nodes__bye__say="Bye now."))

    assert first.version != reworded.version


def test_flow_rebuilt_from_its_definition_has_the_same_version():
    support = load_flows(SHIPPED_FLOWS)["support"]

    rebuilt = flow_from_definition(support.definition)

    assert rebuilt.version == support.version
    assert rebuilt.start == support.start
    assert rebuilt.node("menu_ru").get("prompt") == support.node("menu_ru").get("prompt")


def test_loop_of_say_nodes_is_refused(tmp_path):
    path = tmp_path / "loop.yaml"
    path.write_text(
        "name: loop\nstart: a\nnodes:\n"
        "  a: {type: say, say: one, next: b}\n"
        "  b: {type: say, say: two, next: a}\n"
    )
    with pytest.raises(FlowError) as excinfo:
        load_flow(path)
    assert str(path) in str(excinfo.value) and "loop" in str(excinfo.value)


@pytest.mark.parametrize(
    ("survey", "reason"),
    [
        ("survey: yes", "'survey' must map languages"),
        ("survey: {en-US: {prompt: Rate us}}", "survey 'en-US': missing 'thanks'"),
        ("survey: {ru-RU: {prompt: a, thanks: b}}", "default language"),
    ],
)
def test_broken_survey_is_refused(tmp_path, survey, reason):
    path = tmp_path / "survey.yaml"
    path.write_text(f"name: s\nstart: bye\n{survey}\nnodes:\n  bye: {{type: hangup}}\n")
    with pytest.raises(FlowError, match=reason):
        load_flow(path)
