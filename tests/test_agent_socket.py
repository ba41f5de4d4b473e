"""Console and board over Flask-SocketIO's in-process test client."""

from __future__ import annotations

from sqlalchemy import select

from contact_center.models import Call, Event
from contact_center.web.extensions import socketio
from tests.conftest import agent_console, call_params, walk_to_billing


def _events(sock, namespace="/agent") -> list[tuple[str, object]]:
    return [(e["name"], e["args"][0] if e["args"] else None) for e in sock.get_received(namespace)]


def _named(events, name):
    return [data for event, data in events if event == name]


def test_socket_without_login_is_refused(app):
    sock = socketio.test_client(app, namespace="/agent")
    assert not sock.is_connected("/agent")


def test_agent_cannot_open_the_supervisor_board(app, agents):
    sock = agent_console(app, "alice", "/supervisor")
    assert not sock.is_connected("/supervisor")


def test_supervisor_gets_the_board_on_connect(app, agents):
    sock = agent_console(app, "sam", "/supervisor")
    boards = _named(_events(sock, "/supervisor"), "board")
    assert boards and {"queues", "agents", "leaderboard", "now"} <= set(boards[0])


def test_lapsed_offer_goes_to_the_next_agent_and_the_first_is_missed(app, services, twilio, agents):
    alice, boris = agent_console(app, "alice"), agent_console(app, "boris")
    for sock in (alice, boris):
        sock.emit("set_state", {"state": "available"}, namespace="/agent")
    walk_to_billing(twilio, "CAlapse")
    first = _named(_events(alice, "/agent"), "offer")  # alice went available first: longest idle
    assert [o["call_sid"] for o in first] == ["CAlapse"]
    assert _named(_events(boris, "/agent"), "offer") == []

    services.router.clock = lambda: first[0]["expires_at"] + 1
    services.call_center.tick()

    alice_events = _events(alice, "/agent")
    assert _named(alice_events, "offer_withdrawn") == [{"call_sid": "CAlapse", "reason": "timeout"}]
    assert _named(alice_events, "state")[-1]["state"] == "missed"
    assert [o["call_sid"] for o in _named(_events(boris, "/agent"), "offer")] == ["CAlapse"]
    with services.db.session() as session:
        kinds = [e.kind for e in session.scalars(select(Event).where(Event.call_sid == "CAlapse"))]
    assert kinds.count("offered") == 2 and "offer_timed_out" in kinds


def test_caller_hanging_up_withdraws_the_offer(app, services, twilio, agents):
    alice = agent_console(app, "alice")
    alice.emit("set_state", {"state": "available"}, namespace="/agent")
    walk_to_billing(twilio, "CAgone")
    assert _named(_events(alice, "/agent"), "offer")
    twilio.post("/voice/queue-result", call_params("CAgone", CallStatus="completed", QueueResult="hangup",
                                                   QueueTime="7"))
    events = _events(alice, "/agent")
    assert _named(events, "offer_withdrawn") == [{"call_sid": "CAgone", "reason": "abandoned"}]
    assert _named(events, "state")[-1]["state"] == "available"
    with services.db.session() as session:
        assert session.scalar(select(Call.outcome).where(Call.call_sid == "CAgone")) == "abandoned"


def test_decline_sends_the_call_on_and_the_agent_away(app, services, twilio, agents):
    alice, boris = agent_console(app, "alice"), agent_console(app, "boris")
    alice.emit("set_state", {"state": "available"}, namespace="/agent")
    boris.emit("set_state", {"state": "available"}, namespace="/agent")
    walk_to_billing(twilio, "CAdecline")
    offer = _named(_events(alice, "/agent"), "offer")[0]
    alice.emit("decline", {"call_sid": "CAdecline", "offer_id": offer["offer_id"]}, namespace="/agent")
    assert _named(_events(alice, "/agent"), "state")[-1]["state"] == "away"
    assert [o["call_sid"] for o in _named(_events(boris, "/agent"), "offer")] == ["CAdecline"]


def test_accept_of_someone_elses_offer_is_refused(app, services, twilio, agents):
    alice, boris = agent_console(app, "alice"), agent_console(app, "boris")
    alice.emit("set_state", {"state": "available"}, namespace="/agent")
    walk_to_billing(twilio, "CAmine")
    offer = _named(_events(alice, "/agent"), "offer")[0]
    boris.emit("accept", {"call_sid": "CAmine", "offer_id": offer["offer_id"]}, namespace="/agent")
    errors = _named(_events(boris, "/agent"), "error")
    assert errors and "cannot accept" in errors[0]["message"]
    assert services.router.call("CAmine")["state"] == "offered"


def test_accept_when_twilio_is_unreachable_puts_the_call_back(app, services, twilio, agents):
    # The test config points the REST client at a closed port.
    alice = agent_console(app, "alice")
    alice.emit("set_state", {"state": "available"}, namespace="/agent")
    walk_to_billing(twilio, "CAnorest")
    offer = _named(_events(alice, "/agent"), "offer")[0]
    alice.emit("accept", {"call_sid": "CAnorest", "offer_id": offer["offer_id"]}, namespace="/agent")
    events = _events(alice, "/agent")
    assert "Twilio could not be reached" in _named(events, "error")[0]["message"]
    # Alice is available again, so the call is offered to her once more: not lost.
    assert [o["call_sid"] for o in _named(events, "offer")] == ["CAnorest"]
    assert services.router.call("CAnorest")["state"] == "offered"


def test_malformed_console_messages_get_an_error_not_a_crash(app, agents):
    alice = agent_console(app, "alice")
    alice.emit("accept", {"nothing": "here"}, namespace="/agent")
    alice.emit("set_state", "available", namespace="/agent")
    alice.emit("set_state", {"state": "busy"}, namespace="/agent")
    errors = _named(_events(alice, "/agent"), "error")
    assert len(errors) == 3


def test_disconnecting_while_available_goes_offline(app, services, agents):
    alice = agent_console(app, "alice")
    alice.emit("set_state", {"state": "available"}, namespace="/agent")
    alice.disconnect(namespace="/agent")
    assert services.router.agent(agents["alice"])["state"] == "offline"
