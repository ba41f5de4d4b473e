"""Time the webhooks a caller's path hits, in process (no network).

Twilio gives a webhook 15 s in all; this shows how much of that we use, per
step, on SQLite and a real Redis.

    .venv/bin/python bench/webhook_latency.py [redis-url]
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

import redis

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app import create_app  # noqa: E402
from contact_center.config import Config  # noqa: E402
from tests.conftest import TwilioSigner, call_params  # noqa: E402

CALLS = 200


def main() -> None:
    url = sys.argv[1] if len(sys.argv) > 1 else "redis://127.0.0.1:6379/15"
    redis.Redis.from_url(url).flushdb()
    tmp = Path(tempfile.mkdtemp())
    config = Config(instance_dir=tmp, database_url=f"sqlite:///{tmp / 'bench.db'}", redis_url=url,
                    twilio_auth_token="bench", public_base_url="http://localhost", embedded_workers=False)
    app = create_app(config)
    twilio = TwilioSigner(app.test_client(), config)
    steps: dict[str, list[float]] = {"incoming": [], "language": [], "menu": [], "wait": [], "status": []}
    for n in range(CALLS):
        sid = f"CA{n:032x}"
        live = call_params(sid, CallStatus="in-progress")
        requests = [
            ("incoming", "/voice/incoming", call_params(sid)),
            ("language", "/voice/step?node=language&attempt=1&visit=0", {**live, "Digits": "1"}),
            ("menu", "/voice/step?node=menu_en&attempt=1&visit=1", {**live, "Digits": "1"}),
            ("wait", "/voice/wait", {**live, "QueuePosition": "1", "QueueTime": "1"}),
            ("status", "/voice/status", call_params(sid, CallStatus="completed", CallDuration="20")),
        ]
        for name, path, params in requests:
            start = time.perf_counter()
            response = twilio.post(path, params)
            steps[name].append(time.perf_counter() - start)
            assert response.status_code in (200, 204), (path, response.status_code)
    print(f"{'webhook':>10} {'median ms':>10} {'p95 ms':>8}")
    for name, times in steps.items():
        times.sort()
        print(f"{name:>10} {statistics.median(times) * 1000:>10.2f} {times[int(len(times) * 0.95)] * 1000:>8.2f}")
    redis.Redis.from_url(url).flushdb()


if __name__ == "__main__":
    main()
