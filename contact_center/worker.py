"""RQ workers: a real worker process for production, a thread for the demo."""

from __future__ import annotations

import threading

import socketio
from rq import SimpleWorker, Worker
from rq.timeouts import TimerDeathPenalty

from contact_center import jobs
from contact_center.config import Config
from contact_center.services import Services, build_services


class ThreadWorker(SimpleWorker):
    """A worker that can live in a thread: no signals, timer-based timeouts."""

    death_penalty_class = TimerDeathPenalty

    def _install_signal_handlers(self) -> None:
        pass


def external_services(config: Config) -> Services:
    """Services for a process outside the web app: it emits through Redis."""
    if not config.redis_url:
        raise RuntimeError("a separate worker or clock needs REDIS_URL (the web app's Redis)")
    # python-socketio's own Redis manager on Flask-SocketIO's channel: a worker needs no Flask.
    emitter = socketio.RedisManager(
        config.socketio_message_queue or config.redis_url, channel="flask-socketio", write_only=True
    )
    return build_services(config, emit=emitter.emit)


def start_embedded_worker(services: Services, stop: threading.Event) -> threading.Thread:
    jobs.bind(services)
    worker = ThreadWorker([services.jobs], connection=services.redis)

    def run() -> None:
        while not stop.is_set():
            worker.work(burst=True, logging_level="WARNING")
            stop.wait(0.5)

    thread = threading.Thread(target=run, name="rq-worker", daemon=True)
    thread.start()
    return thread


def main() -> None:
    services = external_services(Config.from_env())
    jobs.bind(services)
    Worker([services.jobs], connection=services.redis).work()


if __name__ == "__main__":
    main()
