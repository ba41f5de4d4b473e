"""The routing clock: lapses unanswered offers and hands out waiting calls.

Every tick is atomic in Redis, so any number of clocks may run at once.
``python -m contact_center.clock`` runs one as its own process (see Procfile).
"""

from __future__ import annotations

import logging
import threading

from contact_center.call_center import CallCenter

log = logging.getLogger(__name__)


#: Ticks between checks that Redis still holds every waiting call.
RESTORE_EVERY = 30
#: Ticks between pushes of queue metrics that changed without an event.
METRICS_EVERY = 5


def run_clock(call_center: CallCenter, interval: float, stop: threading.Event) -> None:
    ticks = 0
    while not stop.wait(interval):
        try:
            if ticks % RESTORE_EVERY == 0:
                restored = call_center.restore_routing()
                if restored:
                    log.warning("put %d waiting calls back in line after Redis lost them", restored)
            call_center.tick()
            if ticks % METRICS_EVERY == 0:
                call_center.boards.push_if_metrics_changed()
                call_center.sweep_consoles()
        except Exception:
            # One bad tick (Redis restarting, say) must not stop the clock.
            log.exception("routing clock tick failed")
        ticks += 1


def main() -> None:
    from contact_center.config import Config
    from contact_center.worker import external_services

    logging.basicConfig(level=logging.INFO)
    services = external_services(Config.from_env())
    log.info("routing clock running")
    run_clock(services.call_center, 1.0, threading.Event())


if __name__ == "__main__":
    main()
