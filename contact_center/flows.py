"""Declarative IVR flows: load a YAML file, validate it, give it a version.

A flow is a table of nodes. Each node has a ``type`` and its transitions are
plain data (node ids), so the whole graph can be checked before a caller ever
reaches it.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from contact_center.exceptions import FlowError
from contact_center.hours import parse_schedule

DTMF_KEYS = set("0123456789*#")
#: The most nodes one response may play before the caller is asked something.
MAX_CHAINED_NODES = 50
#: Twilio sends ``To`` in E.164.
E164 = re.compile(r"^\+[1-9]\d{1,14}$")
DEFAULT_LANGUAGE = "en-US"


@dataclass(frozen=True)
class Node:
    id: str
    type: str
    props: Mapping[str, Any]

    def get(self, key: str, default: Any = None) -> Any:
        return self.props.get(key, default)


@dataclass(frozen=True)
class Flow:
    name: str
    version: str
    start: str
    language: str
    nodes: Mapping[str, Node]
    definition: Mapping[str, Any] = field(repr=False)

    def node(self, node_id: str) -> Node:
        try:
            return self.nodes[node_id]
        except KeyError:
            raise FlowError(self.name, node_id, "no such node in this flow") from None

    @property
    def numbers(self) -> tuple[str, ...]:
        """The called numbers (Twilio's ``To``) this flow answers; none: only as the default."""
        return tuple(self.definition.get("numbers", ()))

    def survey(self, language: str) -> Mapping[str, Any] | None:
        """The survey texts in ``language`` (else the flow's), or ``None``."""
        surveys = self.definition.get("survey")
        if not surveys:
            return None
        return {"language": language, **surveys[language]} if language in surveys else {
            "language": self.language, **surveys[self.language]}

    def language_of(self, node: Node) -> str:
        return node.get("language", self.language)


def _check_speech(file: str, node_id: str, props: Mapping, key: str) -> None:
    """Speech is a string, or a list of strings and ``{say, language}`` parts."""
    value = props.get(key)
    parts = value if isinstance(value, list) else [value]
    if not parts:
        raise FlowError(file, node_id, f"missing '{key}' (the words the caller hears)")
    for part in parts:
        text = part.get("say") if isinstance(part, Mapping) else part
        if not isinstance(text, str) or not text.strip():
            raise FlowError(file, node_id, f"missing '{key}' (the words the caller hears)")


def _check_say(file: str, node_id: str, props: Mapping) -> list[tuple[str, str]]:
    _check_speech(file, node_id, props, "say")
    return [("next", props.get("next"))]


def _check_menu(file: str, node_id: str, props: Mapping) -> list[tuple[str, str]]:
    _check_speech(file, node_id, props, "prompt")
    options = props.get("options")
    if not isinstance(options, Mapping) or not options:
        raise FlowError(file, node_id, "a menu needs 'options' mapping digits to nodes")
    links = []
    for digit, target in options.items():
        key = str(digit)
        if len(key) != 1 or key not in DTMF_KEYS:
            raise FlowError(file, node_id, f"option '{key}' is not a single DTMF key")
        links.append((f"option '{key}'", target))
    for key in ("no_input_prompt", "invalid_prompt"):
        if key in props:
            _check_speech(file, node_id, props, key)
    attempts = props.get("attempts", 3)
    if not isinstance(attempts, int) or attempts < 1:
        raise FlowError(file, node_id, "'attempts' must be a whole number of at least 1")
    timeout = props.get("timeout", 5)
    if not isinstance(timeout, int) or not 1 <= timeout <= 60:
        raise FlowError(file, node_id, "'timeout' must be whole seconds from 1 to 60")
    if "fallback" not in props:
        raise FlowError(file, node_id, "a menu needs a 'fallback' node for when attempts run out")
    links.append(("fallback", props["fallback"]))
    return links


def _check_enqueue(file: str, node_id: str, props: Mapping) -> list[tuple[str, str]]:
    queue = props.get("queue")
    if not isinstance(queue, str) or not queue or len(queue) > 64:
        raise FlowError(file, node_id, "'queue' must be a name of 1 to 64 characters")
    skills = props.get("skills")
    if not isinstance(skills, list) or not all(isinstance(s, str) and s for s in skills):
        raise FlowError(file, node_id, "'skills' must be a list of skill names")
    if not isinstance(props.get("priority", 0), int):
        raise FlowError(file, node_id, "'priority' must be a whole number")
    if "hold_message" in props:
        _check_speech(file, node_id, props, "hold_message")
    return []


def _check_hangup(file: str, node_id: str, props: Mapping) -> list[tuple[str, str]]:
    if "say" in props:
        _check_speech(file, node_id, props, "say")
    return []


def _check_hours(file: str, node_id: str, props: Mapping) -> list[tuple[str, str]]:
    try:
        parse_schedule(props)
    except ValueError as exc:
        raise FlowError(file, node_id, str(exc)) from None
    return [("when_open", props.get("when_open")), ("when_closed", props.get("when_closed"))]


def _check_voicemail(file: str, node_id: str, props: Mapping) -> list[tuple[str, str]]:
    _check_speech(file, node_id, props, "prompt")
    max_length = props.get("max_length", 120)
    if not isinstance(max_length, int) or not 1 <= max_length <= 3600:
        raise FlowError(file, node_id, "'max_length' must be whole seconds from 1 to 3600")
    if "thanks" in props:
        _check_speech(file, node_id, props, "thanks")
    return []


#: Node type → checker returning its (label, target) transitions.
NODE_CHECKS = {
    "say": _check_say,
    "menu": _check_menu,
    "enqueue": _check_enqueue,
    "hangup": _check_hangup,
    "hours": _check_hours,
    "voicemail": _check_voicemail,
}
#: Nodes that play (or decide) and move on in the same response.
PASS_THROUGH = {"say": ("next",), "hours": ("when_open", "when_closed")}


def parse_flow(file: str, text: str) -> Flow:
    """Validate flow YAML; raise ``FlowError`` naming file, node and reason."""
    data = _read_header(file, text)
    raw_nodes = data["nodes"]
    nodes = {str(node_id): _parse_node(file, str(node_id), props, raw_nodes) for node_id, props in raw_nodes.items()}
    _check_say_loops(file, nodes)
    definition = {**data, "nodes": {node_id: dict(node.props) for node_id, node in nodes.items()}}
    canonical = json.dumps(definition, sort_keys=True, default=str)
    return Flow(
        name=data["name"],
        version=hashlib.sha256(canonical.encode()).hexdigest()[:12],
        start=data["start"],
        language=data.get("language", DEFAULT_LANGUAGE),
        nodes=nodes,
        definition=json.loads(canonical),
    )


def _check_survey(file: str, data: Mapping) -> None:
    """``survey`` maps a language to its ``prompt`` and ``thanks``."""
    survey = data.get("survey")
    if survey is None:
        return
    if not isinstance(survey, Mapping) or not survey:
        raise FlowError(file, None, "'survey' must map languages to a 'prompt' and 'thanks'")
    for language, texts in survey.items():
        if not isinstance(texts, Mapping):
            raise FlowError(file, None, f"survey '{language}' must have a 'prompt' and 'thanks'")
        for key in ("prompt", "thanks"):
            try:
                _check_speech(file, "survey", texts, key)
            except FlowError as exc:
                raise FlowError(file, None, f"survey '{language}': {exc.reason}") from None
    if data.get("language", DEFAULT_LANGUAGE) not in survey:
        raise FlowError(file, None, "survey needs texts in the flow's default language")


def _read_header(file: str, text: str) -> Mapping[str, Any]:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise FlowError(file, None, f"not valid YAML: {exc}") from None
    if not isinstance(data, Mapping):
        raise FlowError(file, None, "a flow file must be a mapping with 'name', 'start', 'nodes'")
    name = data.get("name")
    if not isinstance(name, str) or not name:
        raise FlowError(file, None, "missing 'name'")
    raw_nodes = data.get("nodes")
    if not isinstance(raw_nodes, Mapping) or not raw_nodes:
        raise FlowError(file, None, "missing 'nodes'")
    for node_id in raw_nodes:
        if not isinstance(node_id, str):
            raise FlowError(file, str(node_id), f"node ids are names: quote it as '{node_id}'")
    start = data.get("start")
    if start not in raw_nodes:
        raise FlowError(file, None, f"'start' names '{start}', which is not a node")
    _check_survey(file, data)
    numbers = data.get("numbers", [])
    if not isinstance(numbers, list) or not all(isinstance(n, str) and E164.match(n) for n in numbers):
        raise FlowError(file, None, "'numbers' must list the numbers this flow answers in E.164, as Twilio "
                                    "sends them in To (+15005550002)")
    return data


def _parse_node(file: str, node_id: str, props: Any, all_nodes: Mapping) -> Node:
    if not isinstance(props, Mapping):
        raise FlowError(file, node_id, "a node must be a mapping with a 'type'")
    node_type = props.get("type")
    check = NODE_CHECKS.get(node_type)
    if check is None:
        known = ", ".join(sorted(NODE_CHECKS))
        raise FlowError(file, node_id, f"unknown node type '{node_type}' (known: {known})")
    for label, target in check(file, node_id, props):
        if target is None:
            raise FlowError(file, node_id, f"{label} has no target node")
        if not isinstance(target, str):
            raise FlowError(file, node_id, f"{label} must name a node: quote it as '{target}'")
        if target not in all_nodes:
            raise FlowError(file, node_id, f"{label} goes to '{target}', which does not exist")
    props = dict(props)
    if node_type == "menu":
        # YAML reads an unquoted 1 as an int; callers press characters.
        props["options"] = {str(k): v for k, v in props["options"].items()}
    return Node(node_id, node_type, props)


def _check_say_loops(file: str, nodes: Mapping[str, Node]) -> None:
    """Pass-through nodes (say, hours) run back to back in one response.

    A loop of them never ends, and a chain longer than the renderer follows
    would fail on a live call: both are refused here. One depth-first walk,
    remembering each node's longest chain, keeps this linear in the flow's size.
    """
    chain: dict[str, int] = {}  # node → nodes played from it in one response
    on_path: list[str] = []

    def length(node_id: str) -> int:
        node = nodes[node_id]
        if node.type not in PASS_THROUGH:
            return 1
        if node_id in on_path:
            loop = " → ".join([*on_path[on_path.index(node_id):], node_id])
            raise FlowError(file, node_id, f"nodes loop with no menu between them: {loop}")
        if node_id not in chain:
            on_path.append(node_id)
            chain[node_id] = 1 + max(length(node.get(key)) for key in PASS_THROUGH[node.type])
            on_path.pop()
        return chain[node_id]

    for start in nodes:
        if length(start) > MAX_CHAINED_NODES:
            raise FlowError(file, start, f"more than {MAX_CHAINED_NODES} say/hours nodes in a row: add a menu")


def flow_from_definition(definition: Mapping[str, Any], source: str = "<stored>") -> Flow:
    """Rebuild a stored flow version (already validated when it was loaded)."""
    return parse_flow(source, json.dumps(definition))


def load_flow(path: Path) -> Flow:
    return parse_flow(str(path), path.read_text(encoding="utf-8"))


def load_flows(directory: Path) -> dict[str, Flow]:
    """Load every ``*.yaml``/``*.yml`` file; the first broken one stops start-up."""
    flows: dict[str, Flow] = {}
    for path in sorted(_flow_files(directory)):
        flow = load_flow(path)
        if flow.name in flows:
            raise FlowError(str(path), None, f"flow name '{flow.name}' is used twice")
        for other in flows.values():
            shared = set(flow.numbers) & set(other.numbers)
            if shared:
                raise FlowError(str(path), None, f"number {sorted(shared)[0]} is answered by flow '{other.name}' too")
        flows[flow.name] = flow
    return flows


def _flow_files(directory: Path) -> Iterable[Path]:
    yield from directory.glob("*.yaml")
    yield from directory.glob("*.yml")
