"""How long one atomic dispatch takes as queues and teams grow.

The dispatch script walks waiting calls against available agents inside Redis,
so Redis is blocked for its whole run: this prints that time per size, and the
ratio to the smallest size, so a change that makes it grow faster shows up.

    .venv/bin/python bench/routing_dispatch.py [redis-url]
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import redis

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from contact_center.routing import Router  # noqa: E402

SIZES = [(10, 5), (100, 20), (500, 50), (1000, 100)]  # (waiting calls, available agents)
REPEATS = 5


def one_run(conn: redis.Redis, calls: int, agents: int) -> float:
    conn.flushdb()
    router = Router(conn, offer_timeout=20, prefix="bench")
    for agent_id in range(agents):
        # Half the team lacks the skill the calls need: the worst case walks them all.
        skills = ["billing", "english"] if agent_id % 2 else ["technical", "english"]
        router.register_agent(agent_id, f"agent {agent_id}", skills)
        router.set_agent_state(agent_id, "available")
    for n in range(calls):
        router.enqueue(f"CA{n:032d}", "billing", ["billing", "english"])
    start = time.perf_counter()
    offers = router.dispatch()
    elapsed = time.perf_counter() - start
    assert len(offers) == min(calls, agents // 2)
    return elapsed


def main() -> None:
    url = sys.argv[1] if len(sys.argv) > 1 else "redis://127.0.0.1:6379/15"
    conn = redis.Redis.from_url(url)
    baseline = None
    print(f"{'calls':>6} {'agents':>6} {'median ms':>10} {'ratio':>6}")
    for calls, agents in SIZES:
        median = statistics.median(one_run(conn, calls, agents) for _ in range(REPEATS)) * 1000
        baseline = baseline or median
        print(f"{calls:>6} {agents:>6} {median:>10.2f} {median / baseline:>6.1f}")
    conn.flushdb()


if __name__ == "__main__":
    main()
