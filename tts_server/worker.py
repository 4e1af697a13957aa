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

from .config import Config, ConfigError, load_config
from .engines import make_engine
from .job_runner import JobRunner, SpeechWorker, publish_state, worker_name
from .metrics import Metrics
from .model import SpeechModel
from .redis_queue import connect, queue_depth, speech_queue
from .service import make_store


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
        runner = make_runner(config)
    except ConfigError as error:
        print(f"tts_server.worker: configuration error: {error}", file=sys.stderr)
        return 2
    try:
        metrics = serve_metrics(runner, args.metrics_host, args.metrics_port)
    except OSError as error:  # the port is taken (another worker on this machine?)
        print(
            f"tts_server.worker: cannot serve metrics on {args.metrics_host}:"
            f"{args.metrics_port} ({error.strerror or error}); give each worker on a "
            "machine its own --metrics-port (0 picks a free one, -1 serves none).",
            file=sys.stderr,
        )
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
    return JobRunner(model, make_store(config), metrics, config.job_timeout_s)


def serve_metrics(runner: JobRunner, host: str, port: int) -> str:
    """Serve the runner's metrics on ``host:port`` (-1: none); what the start-up line says."""
    if port < 0:
        return "no metrics"
    server, _ = start_http_server(port, addr=host, registry=runner.model.metrics.registry)
    return f"metrics on http://{host}:{server.server_port}/metrics"


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
