"""The routing clock: lapses unanswered offers and hands out waiting calls.

Every tick is atomic in Redis, so any number of clocks may run at once.
``python -m contact_center.clock`` runs one as its own process (see Procfile).
"""

from __future__ import annotations

import logging
import threading

from contact_center.call_center import CallCenter

log = logging.getLogger(__name__)


def run_clock(call_center: CallCenter, interval: float, stop: threading.Event) -> None:
    while not stop.wait(interval):
        try:
            call_center.tick()
        except Exception:
            # One bad tick (Redis restarting, say) must not stop the clock.
            log.exception("routing clock tick failed")


def main() -> None:
    from contact_center.config import Config
    from contact_center.worker import external_services

    logging.basicConfig(level=logging.INFO)
    services = external_services(Config.from_env())
    log.info("routing clock running")
    run_clock(services.call_center, 1.0, threading.Event())


if __name__ == "__main__":
    main()
