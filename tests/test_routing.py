"""The Redis routing engine, over a real Redis, with a clock the tests move."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from itertools import cycle

import pytest
import redis

from contact_center.exceptions import AgentStateError, OfferNotValid
from contact_center.routing import EndedCall, Lapse, Offer, Router

OFFER_TIMEOUT = 15.0
START = 1_700_000_000.0


class FakeClock:
    """Time that moves only when a test says so; safe to read from threads."""

    def __init__(self, now: float = START) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def router(redis_conn: redis.Redis, clock: FakeClock) -> Router:
    return Router(redis_conn, offer_timeout=OFFER_TIMEOUT, clock=clock)


def go_available(router: Router, clock: FakeClock, agent_id: int, skills: list[str]) -> None:
    """Register an agent and make them available; each one a second after the last."""
    router.register_agent(agent_id, f"Agent {agent_id}", skills)
    router.set_agent_state(agent_id, "available")
    clock.advance(1)


def offered_to(offers: list[Offer]) -> dict[str, int]:
    return {offer.call_sid: offer.agent_id for offer in offers}


# -- choosing the agent ---------------------------------------------------------------


def test_longest_idle_agent_with_all_skills_gets_the_offer(router, clock):
    go_available(router, clock, 3, ["billing"])  # longest idle, lacks english
    go_available(router, clock, 1, ["billing", "english"])
    go_available(router, clock, 2, ["billing", "english", "russian"])
    router.enqueue("CA1", "billing", ["billing", "english"])

    offers = router.dispatch()

    assert len(offers) == 1
    offer = offers[0]
    assert (offer.call_sid, offer.agent_id) == ("CA1", 1)
    assert offer.expires_at == clock.now + OFFER_TIMEOUT
    assert router.agent(1)["state"] == "offered"
    assert router.agent(1)["call_sid"] == "CA1"
    call = router.call("CA1")
    assert (call["state"], call["agent"], call["offer_id"]) == ("offered", "1", offer.offer_id)


def test_agent_lacking_one_skill_is_never_offered(router, clock):
    go_available(router, clock, 1, ["billing", "english"])
    router.enqueue("CA1", "billing", ["billing", "russian"])

    for _ in range(3):
        assert router.dispatch() == []
        clock.advance(OFFER_TIMEOUT)

    assert router.call("CA1")["state"] == "waiting"
    assert router.agent(1)["state"] == "available"

    go_available(router, clock, 2, ["russian", "billing"])
    assert offered_to(router.dispatch()) == {"CA1": 2}


def test_call_without_skills_goes_to_any_agent(router, clock):
    go_available(router, clock, 1, [])
    router.enqueue("CA1", "general", [])

    assert offered_to(router.dispatch()) == {"CA1": 1}


def test_priority_beats_waiting_time(router, clock):
    go_available(router, clock, 1, ["billing"])
    router.enqueue("CA-old", "billing", ["billing"])
    clock.advance(6 * 3600)
    router.enqueue("CA-urgent", "billing", ["billing"], priority=1)

    assert offered_to(router.dispatch()) == {"CA-urgent": 1}


def test_at_equal_priority_the_longest_waiting_call_goes_first(router, clock):
    router.enqueue("CA1", "billing", ["billing"])
    clock.advance(1)
    router.enqueue("CA2", "billing", ["billing"])
    go_available(router, clock, 1, ["billing"])

    assert offered_to(router.dispatch()) == {"CA1": 1}


def test_each_agent_gets_at_most_one_offer_per_dispatch(router, clock):
    go_available(router, clock, 1, ["billing"])
    go_available(router, clock, 2, ["billing"])
    for sid in ("CA1", "CA2", "CA3"):
        router.enqueue(sid, "billing", ["billing"])

    assert offered_to(router.dispatch()) == {"CA1": 1, "CA2": 2}
    assert router.call("CA3")["state"] == "waiting"
    assert router.dispatch() == []


# -- enqueueing ----------------------------------------------------------------------


def test_duplicate_enqueue_returns_false_and_creates_nothing(router, redis_conn, clock):
    assert router.enqueue("CA1", "billing", ["billing"]) is True
    call_before = router.call("CA1")
    keys_before = set(redis_conn.keys("*"))
    clock.advance(30)

    assert router.enqueue("CA1", "technical", ["technical"], priority=5) is False

    assert router.call("CA1") == call_before
    assert set(redis_conn.keys("*")) == keys_before
    assert redis_conn.zrange("cc:waiting", 0, -1) == [b"CA1"]
    assert redis_conn.smembers("cc:queues") == {b"billing"}


# -- offers that lapse ---------------------------------------------------------------


def test_unaccepted_offer_lapses_and_goes_to_the_next_agent(router, clock):
    go_available(router, clock, 1, ["billing"])
    go_available(router, clock, 2, ["billing"])
    router.enqueue("CA1", "billing", ["billing"])
    [first] = router.dispatch()
    assert first.agent_id == 1

    clock.advance(OFFER_TIMEOUT - 0.5)
    assert router.expire_offers() == []
    clock.advance(1)
    assert router.expire_offers() == [Lapse("CA1", 1, first.offer_id)]

    assert router.agent(1)["state"] == "missed"
    assert router.call("CA1")["state"] == "waiting"
    [second] = router.dispatch()
    assert (second.call_sid, second.agent_id) == ("CA1", 2)
    assert second.offer_id != first.offer_id


def test_lapsed_offer_cannot_be_accepted(router, clock):
    go_available(router, clock, 1, ["billing"])
    router.enqueue("CA1", "billing", ["billing"])
    [offer] = router.dispatch()
    clock.advance(OFFER_TIMEOUT + 1)
    router.expire_offers()

    with pytest.raises(OfferNotValid):
        router.accept(1, "CA1", offer.offer_id)


def test_missed_agent_is_not_offered_again_until_available(router, clock):
    go_available(router, clock, 1, ["billing"])
    router.enqueue("CA1", "billing", ["billing"])
    router.dispatch()
    clock.advance(OFFER_TIMEOUT + 1)
    router.expire_offers()
    router.enqueue("CA2", "billing", ["billing"])

    assert router.dispatch() == []
    assert router.agent(1)["state"] == "missed"

    router.set_agent_state(1, "available")
    assert offered_to(router.dispatch()) == {"CA1": 1}


def test_declined_offer_goes_back_in_line_and_agent_goes_away(router, clock):
    go_available(router, clock, 1, ["billing"])
    router.enqueue("CA1", "billing", ["billing"])
    [offer] = router.dispatch()

    router.decline(1, "CA1", offer.offer_id)

    assert router.agent(1)["state"] == "away"
    assert router.call("CA1")["state"] == "waiting"
    assert router.dispatch() == []


# -- accepting -------------------------------------------------------------------------


def test_accept_moves_call_to_connecting_and_agent_to_busy(router, clock):
    go_available(router, clock, 1, ["billing"])
    router.enqueue("CA1", "billing", ["billing"])
    [offer] = router.dispatch()

    router.accept(1, "CA1", offer.offer_id)

    assert router.call("CA1")["state"] == "connecting"
    assert router.agent(1)["state"] == "busy"


@pytest.mark.parametrize(
    ("agent_id", "offer_id"),
    [
        pytest.param(1, "999", id="wrong-offer-id"),
        pytest.param(2, None, id="wrong-agent"),
    ],
)
def test_accept_with_wrong_offer_or_agent_is_refused(router, clock, agent_id, offer_id):
    go_available(router, clock, 1, ["billing"])
    go_available(router, clock, 2, ["technical"])
    router.enqueue("CA1", "billing", ["billing"])
    [offer] = router.dispatch()

    with pytest.raises(OfferNotValid):
        router.accept(agent_id, "CA1", offer_id or offer.offer_id)

    assert router.call("CA1")["state"] == "offered"
    assert router.agent(1)["state"] == "offered"
    assert router.agent(2)["state"] == "available"


# -- ending calls ----------------------------------------------------------------------


def test_ending_an_offered_call_frees_the_agent(router, redis_conn, clock):
    go_available(router, clock, 1, ["billing"])
    router.enqueue("CA1", "billing", ["billing"])
    router.dispatch()

    assert router.end_call("CA1") == EndedCall("offered", 1)

    assert router.call("CA1") == {}
    assert router.agent(1)["state"] == "available"
    assert "call_sid" not in router.agent(1)
    assert redis_conn.zcard("cc:offers") == 0
    router.enqueue("CA2", "billing", ["billing"])
    assert offered_to(router.dispatch()) == {"CA2": 1}


def test_ending_a_call_before_the_agent_answered_frees_the_agent(router, clock):
    go_available(router, clock, 1, ["billing"])
    router.enqueue("CA1", "billing", ["billing"])
    [offer] = router.dispatch()
    router.accept(1, "CA1", offer.offer_id)

    assert router.end_call("CA1") == EndedCall("connecting", 1)

    assert router.agent(1)["state"] == "available"


def test_ending_a_connected_call_puts_the_agent_in_wrap_up(router, clock):
    go_available(router, clock, 1, ["billing"])
    router.enqueue("CA1", "billing", ["billing"])
    [offer] = router.dispatch()
    router.accept(1, "CA1", offer.offer_id)
    router.mark_connected("CA1")

    assert router.end_call("CA1") == EndedCall("connected", 1)

    assert router.agent(1)["state"] == "wrap_up"
    with pytest.raises(AgentStateError):
        router.set_agent_state(1, "available")
    assert router.agent(1)["state"] == "wrap_up"

    router.set_agent_state(1, "available", ending_wrap_up=True)
    assert router.agent(1)["state"] == "available"


def test_ending_a_waiting_call_removes_it_from_line(router, clock):
    router.enqueue("CA1", "billing", ["billing"])

    assert router.end_call("CA1") == EndedCall("waiting", None)
    assert router.end_call("CA1") is None

    go_available(router, clock, 1, ["billing"])
    assert router.dispatch() == []
    assert router.snapshot()["queues"][0]["waiting"] == 0


def test_busy_agent_cannot_walk_away(router, clock):
    go_available(router, clock, 1, ["billing"])
    router.enqueue("CA1", "billing", ["billing"])
    [offer] = router.dispatch()
    router.accept(1, "CA1", offer.offer_id)

    with pytest.raises(AgentStateError):
        router.set_agent_state(1, "offline")
    assert router.agent(1)["state"] == "busy"


# -- requeue ---------------------------------------------------------------------------


def test_requeue_puts_the_call_at_the_head_of_its_line(router, clock):
    go_available(router, clock, 1, ["billing"])
    router.enqueue("CA1", "billing", ["billing"])
    [offer] = router.dispatch()
    router.accept(1, "CA1", offer.offer_id)
    clock.advance(5)
    router.enqueue("CA2", "billing", ["billing"])

    assert router.requeue("CA1", 2) is None  # not the agent it is with
    assert router.requeue("CA1", 1) == 1

    assert router.agent(1)["state"] == "missed"
    assert router.call("CA1")["state"] == "waiting"
    assert router.snapshot()["queues"] == [
        {"name": "billing", "waiting": 2, "oldest_enqueued_at": START + 1}
    ]
    go_available(router, clock, 2, ["billing"])
    assert offered_to(router.dispatch()) == {"CA1": 2}


def test_requeue_of_a_call_not_connecting_does_nothing(router, clock):
    router.enqueue("CA1", "billing", ["billing"])

    assert router.requeue("CA1", 1) is None
    assert router.call("CA1")["state"] == "waiting"


# -- the board -------------------------------------------------------------------------


def test_snapshot_counts_waiting_calls_and_oldest_enqueue_per_queue(router, clock):
    router.enqueue("CA1", "billing", ["billing"])
    clock.advance(5)
    router.enqueue("CA2", "billing", ["billing"])
    clock.advance(5)
    router.enqueue("CA3", "technical", ["technical"])

    assert router.snapshot()["queues"] == [
        {"name": "billing", "waiting": 2, "oldest_enqueued_at": START},
        {"name": "technical", "waiting": 1, "oldest_enqueued_at": START + 10},
    ]


def test_snapshot_drops_accepted_and_ended_calls(router, clock):
    router.enqueue("CA1", "billing", ["billing"])
    clock.advance(5)
    router.enqueue("CA2", "billing", ["billing"])
    router.enqueue("CA3", "technical", ["technical"])
    go_available(router, clock, 1, ["billing"])
    [offer] = router.dispatch()
    router.accept(1, "CA1", offer.offer_id)
    router.end_call("CA3")

    snapshot = router.snapshot()

    assert snapshot["queues"] == [
        {"name": "billing", "waiting": 1, "oldest_enqueued_at": START + 5},
        {"name": "technical", "waiting": 0, "oldest_enqueued_at": None},
    ]
    assert [(a["id"], a["state"], a["call_sid"]) for a in snapshot["agents"]] == [
        (1, "busy", "CA1")
    ]
    assert snapshot["now"] == clock.now


# -- many web processes at once ----------------------------------------------------------

TOPICS = ("billing", "technical")
LANGUAGES = ("english", "russian")
#: Overlapping skills; every agent can take at least one kind of call.
AGENT_SKILLS = {
    1: ["billing", "english"],
    2: ["billing", "russian"],
    3: ["technical", "english"],
    4: ["technical", "russian"],
    5: ["billing", "technical", "english"],
    6: ["billing", "technical", "russian"],
    7: ["billing", "english", "russian"],
    8: ["technical", "english", "russian"],
    9: ["billing", "technical", "english", "russian"],
    10: ["billing", "english"],
}
CALL_KINDS = [(topic, language) for topic in TOPICS for language in LANGUAGES]
WAITING_CALLS = 30
THREADS = 16
DISPATCHES_PER_THREAD = 5
ROUNDS = 5


def _dispatch_from_threads(routers: list[Router]) -> list[Offer]:
    """Every thread dispatches at once through one of the routers."""
    start = threading.Barrier(THREADS)

    def work(router: Router) -> list[Offer]:
        start.wait()
        offers = []
        for _ in range(DISPATCHES_PER_THREAD):
            offers.extend(router.dispatch())
        return offers

    pool_routers = [r for r, _ in zip(cycle(routers), range(THREADS), strict=False)]
    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        results = list(pool.map(work, pool_routers))
    return [offer for offers in results for offer in offers]


def _assert_redis_agrees(conn: redis.Redis, offers: list[Offer], waiting: int) -> None:
    for offer in offers:
        call = conn.hgetall(f"cc:call:{offer.call_sid}")
        assert call[b"state"] == b"offered"
        assert call[b"agent"] == str(offer.agent_id).encode()
        assert call[b"offer_id"] == offer.offer_id.encode()
        agent = conn.hgetall(f"cc:agent:{offer.agent_id}")
        assert agent[b"state"] == b"offered"
        assert agent[b"call_sid"] == offer.call_sid.encode()
    holders = [
        aid for aid in AGENT_SKILLS if conn.hget(f"cc:agent:{aid}", "state") == b"offered"
    ]
    assert sorted(holders) == sorted(offer.agent_id for offer in offers)
    assert conn.zcard("cc:offers") == len(offers)
    assert conn.zcard("cc:available") == len(AGENT_SKILLS) - len(offers)
    assert conn.zcard("cc:waiting") == waiting
    assert not set(conn.zrange("cc:waiting", 0, -1)) & {o.call_sid.encode() for o in offers}


def test_concurrent_dispatch_never_double_offers(redis_url, redis_conn, clock):
    connections = [redis.Redis.from_url(redis_url) for _ in range(4)]
    routers = [Router(c, offer_timeout=OFFER_TIMEOUT, clock=clock) for c in connections]
    try:
        setup = routers[0]
        for agent_id, skills in AGENT_SKILLS.items():
            go_available(setup, clock, agent_id, skills)
        kinds = cycle(CALL_KINDS)
        next_sid = 0
        waiting = 0
        all_offer_ids: list[str] = []

        for _ in range(ROUNDS):
            while waiting < WAITING_CALLS:
                topic, language = next(kinds)
                assert setup.enqueue(f"CA{next_sid:03}", topic, [topic, language])
                next_sid += 1
                waiting += 1

            offers = _dispatch_from_threads(routers)

            call_sids = [offer.call_sid for offer in offers]
            agent_ids = [offer.agent_id for offer in offers]
            assert len(set(call_sids)) == len(call_sids), "a call was offered twice"
            assert len(set(agent_ids)) == len(agent_ids), "an agent holds two offers"
            assert sorted(agent_ids) == sorted(AGENT_SKILLS), "an able agent got no offer"
            waiting -= len(offers)
            _assert_redis_agrees(redis_conn, offers, waiting)
            all_offer_ids.extend(offer.offer_id for offer in offers)

            # The callers hang up; their agents are free for the next round.
            clock.advance(1)
            for router, offer in zip(cycle(routers), offers, strict=False):
                assert router.end_call(offer.call_sid) == EndedCall("offered", offer.agent_id)

        assert len(set(all_offer_ids)) == len(all_offer_ids)
    finally:
        for connection in connections:
            connection.close()


def test_concurrent_expiry_lapses_each_offer_once(redis_url, redis_conn, clock):
    connections = [redis.Redis.from_url(redis_url) for _ in range(4)]
    routers = [Router(c, offer_timeout=OFFER_TIMEOUT, clock=clock) for c in connections]
    try:
        for agent_id, skills in AGENT_SKILLS.items():
            go_available(routers[0], clock, agent_id, skills)
        for n, (topic, language) in zip(range(WAITING_CALLS), cycle(CALL_KINDS), strict=False):
            routers[0].enqueue(f"CA{n:03}", topic, [topic, language])
        offers = routers[0].dispatch()
        clock.advance(OFFER_TIMEOUT + 1)
        start = threading.Barrier(THREADS)

        def work(router: Router) -> list[Lapse]:
            start.wait()
            return router.expire_offers()

        pool_routers = [r for r, _ in zip(cycle(routers), range(THREADS), strict=False)]
        with ThreadPoolExecutor(max_workers=THREADS) as pool:
            lapses = [lapse for found in pool.map(work, pool_routers) for lapse in found]

        assert sorted((lapse.call_sid, lapse.agent_id) for lapse in lapses) == sorted(
            (o.call_sid, o.agent_id) for o in offers
        )
        assert redis_conn.zcard("cc:offers") == 0
        assert redis_conn.zcard("cc:waiting") == WAITING_CALLS
        for agent_id in AGENT_SKILLS:
            assert redis_conn.hget(f"cc:agent:{agent_id}", "state") == b"missed"
    finally:
        for connection in connections:
            connection.close()


def test_reset_consoles_takes_idle_agents_offline_and_keeps_busy_ones(router, clock):
    go_available(router, clock, 1, ["billing"])
    go_available(router, clock, 2, ["billing"])
    router.console_seen(1, "tab-1")
    router.enqueue("CA1", "billing", ["billing"])
    [offer] = router.dispatch()
    router.accept(offer.agent_id, "CA1", offer.offer_id)
    idle = 2 if offer.agent_id == 1 else 1

    router.reset_consoles()

    assert router.agent(idle)["state"] == "offline"
    assert router.agent(offer.agent_id)["state"] == "busy"
    assert router.live_consoles(1) == 0


def test_console_presence_expires_unless_renewed(router, clock):
    go_available(router, clock, 1, ["billing"])
    go_available(router, clock, 2, ["billing"])
    router.console_seen(1, "tab-a")
    router.console_seen(1, "tab-b")
    router.console_seen(2, "tab-c")

    assert router.console_gone(1, "tab-a") == 1  # the other tab is still open
    clock.advance(100)
    router.console_seen(2, "tab-c")  # agent 2's console keeps saying it is alive
    clock.advance(100)

    assert router.live_consoles(1) == 0 and router.live_consoles(2) == 1
    assert router.idle_agents_without_console() == [1]
