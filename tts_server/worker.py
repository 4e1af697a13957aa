"""``python -m tts_server.worker [--metrics-host H] [--metrics-port P]``: a speech worker.

Takes jobs from the Redis queue named by ``LEGENDA_QUEUE_URL`` (same ``LEGENDA_*`` settings as
the API processes), loads the engine once and synthesizes one job at a time into the audio
store (``LEGENDA_AUDIO_DIR``, a folder every process shares, or ``LEGENDA_AUDIO_STORE``, S3).
Run as many as the machines allow, anywhere Redis and the store are reachable. Its own
Prometheus metrics (synthesis time, jobs done and failed, model state) are served on
``--metrics-port``. SIGTERM lets the running job finish, then exits (a second one stops at once;
the job then goes back to the queue once its heartbeat runs out).
"""

from __future__ import annotations

import argparse
import logging
import sys
import threading
from urllib.parse import urlsplit

from prometheus_client import start_http_server
from rq.serializers import JSONSerializer

from . import redis_queue
from .config import ConfigError, load_config
from .redis_queue import RedisJobs, SpeechWorker, publish_state, worker_name
from .service import SpeechService


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tts_server.worker", description=__doc__)
    parser.add_argument("--metrics-host", default="127.0.0.1", help="address of /metrics")
    parser.add_argument(
        "--metrics-port", type=int, default=9100,
        help="port of /metrics (default 9100; 0 picks a free one; -1 serves none)",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    try:
        config = load_config()
        if not config.queue_url:
            raise ConfigError(
                "LEGENDA_QUEUE_URL is not set: a worker takes its jobs from Redis "
                "(e.g. LEGENDA_QUEUE_URL=redis://127.0.0.1:6379/0)."
            )
        service = SpeechService(config, worker=True)
    except ConfigError as error:
        print(f"tts_server.worker: configuration error: {error}", file=sys.stderr)
        return 2
    assert isinstance(service.jobs, RedisJobs)
    redis_queue._service = service  # run_speech_job's engine, store and metrics
    metrics = "no metrics"
    if args.metrics_port >= 0:
        try:
            server, _ = start_http_server(
                args.metrics_port, addr=args.metrics_host, registry=service.metrics.registry
            )
        except OSError as error:  # the port is taken (another worker on this machine?)
            print(
                f"tts_server.worker: cannot serve metrics on {args.metrics_host}:"
                f"{args.metrics_port} ({error.strerror or error}); give each worker on a "
                "machine its own --metrics-port (0 picks a free one, -1 serves none).",
                file=sys.stderr,
            )
            return 2
        metrics = f"metrics on http://{args.metrics_host}:{server.server_port}/metrics"
    name = worker_name()
    worker = SpeechWorker(
        [service.jobs.queue], connection=service.jobs.redis, name=name,
        serializer=JSONSerializer,
    )
    stop = threading.Event()
    publish_state(service.jobs.redis, name, lambda: _state(service, worker), stop)
    where = urlsplit(config.queue_url)
    # Tests and scripts wait for this line.
    print(
        f"Legenda speech worker {name} ({config.engine}, {config.model_id}) taking jobs from "
        f"redis {where.hostname}:{where.port or 6379}; {metrics}",
        flush=True,
    )
    try:
        service.load_model()  # jobs wait in the queue meanwhile
        worker.work(with_scheduler=False, logging_level="WARNING")
    finally:
        stop.set()
    return 0


def _state(service: SpeechService, worker: SpeechWorker) -> dict[str, str]:
    """What this worker tells the API processes (see service.workers_state)."""
    return {
        "status": service.state.status,
        "error": service.state.error or "",
        "engine": service.config.engine,
        "model": service.engine.model_id,
        "device": service.engine.device,
        "job": worker.get_current_job_id() or "",
    }


if __name__ == "__main__":
    sys.exit(main())
