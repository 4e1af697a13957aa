"""``python -m tts_server.worker [--metrics-host H] [--metrics-port P]``: a speech worker.

Takes jobs from the Redis queue named by ``LEGENDA_QUEUE_URL`` (same ``LEGENDA_*`` settings as
the API processes), loads the engine once and synthesizes one job at a time into the audio
store (``LEGENDA_AUDIO_DIR``, a folder every process shares, or ``LEGENDA_AUDIO_STORE``, S3).
Run as many as the machines allow, anywhere Redis and the store are reachable. Its own
Prometheus metrics (synthesis time, jobs done and failed, model state, and the process's own
CPU, memory, open files and start time) are served on their own port: by default the first free
one of 9100-9115 (``METRICS_BASE_PORT``, ``METRICS_PORTS``), so N workers started on one machine
get 9100, 9101, ... and each is one Prometheus target (deploy/prometheus.yml). ``--metrics-port
P`` asks for exactly P. SIGTERM lets the running job finish, then exits (a second one stops at once;
the job then goes back to the queue once its heartbeat runs out).
"""

from __future__ import annotations

import argparse
import errno
import logging
import sys
import threading
from urllib.parse import urlsplit

from prometheus_client import CollectorRegistry, start_http_server
from rq.serializers import JSONSerializer

from .config import Config, ConfigError, load_config
from .engines import make_engine
from .job_runner import JobRunner, SpeechWorker, publish_state, worker_name
from .metrics import Metrics
from .model import SpeechModel
from .redis_queue import connect, queue_depth, speech_queue
from .service import make_store

METRICS_BASE_PORT = 9100  # a worker's /metrics: the first free port from here...
METRICS_PORTS = 16  # ...among this many (9100-9115)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tts_server.worker", description=__doc__)
    parser.add_argument("--metrics-host", default="127.0.0.1", help="address of /metrics")
    parser.add_argument(
        "--metrics-port", type=int, default=None,
        help=f"port of /metrics (default: the first free one of {METRICS_BASE_PORT}-"
        f"{METRICS_BASE_PORT + METRICS_PORTS - 1}; 0 picks any free one; -1 serves none)",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    try:
        config = load_config()
        runner = make_runner(config)
    except ConfigError as error:
        print(f"tts_server.worker: configuration error: {error}", file=sys.stderr)
        return 2
    metrics = start_metrics(runner, args.metrics_host, args.metrics_port)
    if metrics is None:
        return 2
    return work(config, runner, metrics)


def make_runner(config: Config) -> JobRunner:
    """The job runner of this process (its model not loaded yet); ConfigError without a queue
    or with settings that cannot be used."""
    if not config.queue_url:
        raise ConfigError(
            "LEGENDA_QUEUE_URL is not set: a worker takes its jobs from Redis "
            "(e.g. LEGENDA_QUEUE_URL=redis://127.0.0.1:6379/0)."
        )
    metrics = Metrics()
    model = SpeechModel(config, make_engine(config), metrics)
    metrics.track_model(config.engine, lambda: model.state.status)
    store = make_store(config)
    metrics.track_health(store.check)
    return JobRunner(model, store, metrics, config.job_timeout_s)


def start_metrics(runner: JobRunner, host: str, port: int | None) -> str | None:
    """Serve the runner's metrics: "metrics on <url>" (what the start-up line says), "no
    metrics" (port -1), or None after saying on stderr why they could not be served."""
    if port is not None and port < 0:
        return "no metrics"
    try:
        bound = serve_metrics(runner.model.metrics.registry, host, port)
    except OSError as error:  # the port is taken (another worker on this machine?)
        last = METRICS_BASE_PORT + METRICS_PORTS - 1
        advice = (
            f"every port of {METRICS_BASE_PORT}-{last} is taken: give this worker "
            "--metrics-port 0 (any free port) or -1 (none)" if port is None else
            "give each worker on a machine its own --metrics-port (0 picks a free one, -1 "
            f"serves none), or leave it out (the first free port from {METRICS_BASE_PORT})"
        )
        where = f"{host}:{port if port is not None else f'{METRICS_BASE_PORT}-{last}'}"
        print(f"tts_server.worker: cannot serve metrics on {where} "
              f"({error.strerror or error}); {advice}.", file=sys.stderr)
        return None
    return f"metrics on http://{host}:{bound}/metrics"


def serve_metrics(registry: CollectorRegistry, host: str, port: int | None) -> int:
    """Serve ``registry`` on ``host``: on ``port``, or (None) on the first free port of
    METRICS_BASE_PORT's range. Returns the port; OSError when none could be bound."""
    first, count = (port, 1) if port is not None else (METRICS_BASE_PORT, METRICS_PORTS)
    for candidate in range(first, first + count - 1):
        try:
            return _serve(registry, host, candidate)
        except OSError as error:
            if error.errno != errno.EADDRINUSE:
                raise
    return _serve(registry, host, first + count - 1)  # the last one: its error is the answer


def _serve(registry: CollectorRegistry, host: str, port: int) -> int:
    server, _ = start_http_server(port, addr=host, registry=registry)
    return int(server.server_port)


def work(config: Config, runner: JobRunner, metrics: str) -> int:
    """Load the model (jobs wait in the queue meanwhile), then take jobs until SIGTERM."""
    connection = connect(config.queue_url)
    queue = speech_queue(connection)
    runner.model.metrics.track_queue(lambda: queue_depth(queue))
    name = worker_name()
    worker = SpeechWorker(
        [queue], connection=connection, name=name, serializer=JSONSerializer, runner=runner
    )
    stop = threading.Event()
    publish_state(
        connection, name, lambda: runner.published_state(worker.get_current_job_id() or ""), stop
    )
    where = urlsplit(config.queue_url)
    # Tests and scripts wait for this line.
    print(
        f"Legenda speech worker {name} ({config.engine}, {config.model_id}) taking jobs from "
        f"redis {where.hostname}:{where.port or 6379}; {metrics}",
        flush=True,
    )
    try:
        runner.model.load()
        worker.work(with_scheduler=False, logging_level="WARNING")
    finally:
        stop.set()
    return 0


if __name__ == "__main__":
    sys.exit(main())
