"""Probing: an agent whose console stayed open across a Redis restart."""

from __future__ import annotations

from tests.conftest import CLAIM_KEY, agent_console, seed_agents, walk_to_billing


def test_agent_told_offline_after_redis_restart_can_take_calls_again(app, services, twilio, redis_conn):
    """restore_routing tells the console 'offline'; the agent picks Available in the SAME
    console (it never reconnected: the web process and its socket survived). Routing lost
    her skills with Redis, so she must still be offered a billing call."""
    ids = seed_agents(services)
    console = agent_console(app, "alice")
    services.call_center.restore_routing()  # first run marks Redis as known
    claim = redis_conn.get(CLAIM_KEY)
    redis_conn.flushdb()  # Redis restarted with nothing on disk
    redis_conn.set(CLAIM_KEY, claim)
    services.call_center.restore_routing()
    console.get_received("/agent")

    console.emit("set_state", {"state": "available"}, namespace="/agent")
    walk_to_billing(twilio, "CAafter_restart")

    routed = services.router.call("CAafter_restart")
    assert routed.get("agent") == str(ids["alice"]), (
        f"available agent never offered the call; routing has agent={services.router.agent(ids['alice'])}")


def test_agent_shows_on_board_after_redis_restart_and_choosing_available(app, services, redis_conn):
    seed_agents(services)
    console = agent_console(app, "alice")
    services.call_center.restore_routing()
    claim = redis_conn.get(CLAIM_KEY)
    redis_conn.flushdb()
    redis_conn.set(CLAIM_KEY, claim)
    services.call_center.restore_routing()
    console.emit("set_state", {"state": "available"}, namespace="/agent")
    names = [a["name"] for a in services.call_center.boards.snapshot()["agents"]]
    assert any("lice" in n for n in names), f"board agents after restart: {names}"
