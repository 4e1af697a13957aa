"""Prometheus metrics (prometheus-client): ``GET /metrics`` and the numbers behind it.

Each app (and each worker process) has its own registry, so tests can run several apps in one
process; each registry holds the process collector (``process_*``: CPU seconds, resident memory,
open files, start time of the process serving it). Every process is its own scrape target (a
worker serves its registry on its own port, see worker.py), so nothing is shared between
processes and each process's figures are counted once, by ``instance``. Names follow
tts_server/README.md ("Operations") and Prometheus's rules: base units (seconds), ``_total``
counters. Series the dashboard reads for failures exist from start-up at 0.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import cast

from flask import Flask, Response, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    ProcessCollector,
    generate_latest,
)

from .statuses import SETTLED, ModelStatus

# Seconds: from a cached answer (milliseconds) to Bark on a CPU (minutes).
_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300)
# Synthesis seconds per audio second: espeak ~0.003, VITS ~0.3 on a CPU, Bark 16-20 on a CPU.
_REALTIME_BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 50, 100)
_SYNTHESIS_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600)
_UNMATCHED = "unmatched"  # the route label of requests no route took (404s)
# The browser's timings (tts_server/telemetry.py): stage times from milliseconds to a first
# visit's model download; seconds per generated token.
_BROWSER_STAGE_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300, 600)
_TOKEN_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5)
BROWSER_STAGES = ("model_load", "caption", "translation", "speech_wait")
BROWSER_TASKS = ("caption", "translation")


class Metrics:
    """The sidecar's metrics in one registry."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self._add_http_series(self.registry)
        self._add_speech_series(self.registry)
        self._add_queue_and_state_series(self.registry)
        self.workers: Gauge | None = None  # API processes only (track_health)
        ProcessCollector(registry=self.registry)
        self.browser = BrowserMetrics(self.registry)
        for result in ("hit", "miss"):
            self.cache_requests.labels(result=result)
        for result in SETTLED:
            self.jobs.labels(result=result)

    def _add_http_series(self, r: CollectorRegistry) -> None:
        self.http_requests = Counter(
            "legenda_http_requests_total", "HTTP requests answered, by route, method and status.",
            ["route", "method", "status"], registry=r,
        )
        self.http_duration = Histogram(
            "legenda_http_request_duration_seconds", "Time to answer an HTTP request.",
            ["route", "method"], buckets=_LATENCY_BUCKETS, registry=r,
        )

    def _add_speech_series(self, r: CollectorRegistry) -> None:
        self.cache_requests = Counter(
            "legenda_speech_cache_requests_total",
            "Speech requests: hit = answered from stored audio, miss = a job makes it.",
            ["result"], registry=r,
        )
        self.synthesis_seconds = Histogram(
            "legenda_speech_synthesis_seconds", "Time to synthesize one text, by engine.",
            ["engine"], buckets=_SYNTHESIS_BUCKETS, registry=r,
        )
        self.audio_seconds = Counter(
            "legenda_speech_audio_seconds_total", "Seconds of audio synthesized, by engine.",
            ["engine"], registry=r,
        )
        self.realtime_factor = Histogram(
            "legenda_speech_seconds_per_audio_second",
            "Synthesis seconds per second of audio made, one observation per text, by engine.",
            ["engine"], buckets=_REALTIME_BUCKETS, registry=r,
        )

    def _add_queue_and_state_series(self, r: CollectorRegistry) -> None:
        self.queue_depth = Gauge(
            "legenda_speech_queue_depth", "Speech jobs waiting or running.", registry=r,
        )
        self.queue_wait = Histogram(
            "legenda_speech_queue_wait_seconds", "Time a job waited before a worker took it.",
            buckets=_LATENCY_BUCKETS, registry=r,
        )
        self.jobs = Counter(
            "legenda_speech_jobs_total", "Speech jobs finished, by result (done or failed).",
            ["result"], registry=r,
        )
        self.model_load_seconds = Gauge(
            "legenda_speech_model_load_seconds",
            "Seconds the speech model took to load (0 until it has).", registry=r,
        )
        self.model_state = Gauge(
            "legenda_speech_model_state",
            "1 for the speech model's current state (loading, ready or failed), 0 for the others.",
            ["state"], registry=r,
        )
        self.storage_writable = Gauge(
            "legenda_storage_writable",
            "1 while the audio store takes new files, 0 while it cannot (health says why).",
            registry=r,
        )

    # Speech events, named by what happened (called by the api, the jobs and the service).
    def cache_request(self, hit: bool) -> None:
        self.cache_requests.labels(result="hit" if hit else "miss").inc()

    def synthesized(self, engine: str, seconds: float, audio_seconds: float) -> None:
        self.synthesis_seconds.labels(engine=engine).observe(seconds)
        self.audio_seconds.labels(engine=engine).inc(audio_seconds)
        if audio_seconds > 0:
            self.realtime_factor.labels(engine=engine).observe(seconds / audio_seconds)

    def job_started(self, waited_s: float) -> None:
        self.queue_wait.observe(max(waited_s, 0.0))

    def job_finished(self, result: str) -> None:
        self.jobs.labels(result=result).inc()

    def track_queue(self, depth: Callable[[], float]) -> None:
        """Read the queue depth from ``depth()`` at every scrape (NaN while it cannot be
        read: a scrape never fails for it)."""

        self.queue_depth.set_function(lambda: _read(depth))

    def track_model(self, engine: str, state: Callable[[], str]) -> None:
        """Read the model state from ``state()`` at every scrape; engine series start at 0."""
        for name in ModelStatus:
            self.model_state.labels(state=name).set_function(
                lambda name=name: float(state() == name)  # type: ignore[misc]
            )
        self.synthesis_seconds.labels(engine=engine)
        self.audio_seconds.labels(engine=engine)
        self.realtime_factor.labels(engine=engine)

    def track_health(
        self, storage_problem: Callable[[], str | None],
        workers: Callable[[], Mapping[str, object]] | None = None,
    ) -> None:
        """Read at every scrape whether the store is writable (``storage_problem()`` is None)
        and, on an API process, how many workers synthesize for it (``workers()["total"]``, as
        health says); a worker process exports no workers series."""
        self.storage_writable.set_function(lambda: _read(lambda: float(storage_problem() is None)))
        if workers is None:
            return
        self.workers = Gauge(
            "legenda_speech_workers",
            "Speech workers this API process sees (its threads, or the live Redis workers).",
            registry=self.registry,
        )
        self.workers.set_function(lambda: _read(lambda: float(cast(int, workers()["total"]))))

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


class BrowserMetrics:
    """The visitors' browsers' timings, as the page reports them (tts_server/telemetry.py
    validates the reports and bounds the label values)."""

    def __init__(self, registry: CollectorRegistry) -> None:
        labels = ["model", "dtype", "device"]
        self.stage_seconds = Histogram(
            "legenda_browser_stage_seconds",
            "Seconds a browser spent in a stage of a job (model_load, caption, translation, "
            "speech_wait), by first visit or revisit and by model, dtype and device.",
            ["stage", "visit", *labels], buckets=_BROWSER_STAGE_BUCKETS, registry=registry,
        )
        self.token_seconds = Histogram(
            "legenda_browser_token_seconds",
            "Seconds per generated token in a browser, by task (caption, translation) and by "
            "model, dtype and device.",
            ["task", *labels], buckets=_TOKEN_BUCKETS, registry=registry,
        )
        self.jobs = Counter(
            "legenda_browser_jobs_total",
            "Jobs the browsers reported, by the error code they ended in (none: no error).",
            ["error"], registry=registry,
        )
        self.jobs.labels(error="none")


def _read(value: Callable[[], float]) -> float:
    """``value()`` as a float, NaN while it cannot be read (a scrape never fails for it)."""
    try:
        return float(value())
    except Exception:
        return float("nan")


def install_metrics(app: Flask, metrics: Metrics) -> None:
    """Time and count every request, serve ``GET /metrics``, and start each route's series at
    0 (a 500 count, so the dashboard's error panel has data before the first error, and its
    latency histogram). Call after the blueprints are registered."""

    @app.get("/metrics")
    def metrics_page() -> Response:
        return Response(metrics.exposition(), content_type=CONTENT_TYPE_LATEST)

    @app.before_request
    def start_timer() -> None:
        g.legenda_started = time.perf_counter()

    @app.after_request
    def count_request(response: Response) -> Response:
        started = g.pop("legenda_started", None)
        rule = request.url_rule
        route = rule.rule if rule is not None else _UNMATCHED
        metrics.http_requests.labels(route, request.method, str(response.status_code)).inc()
        if started is not None:
            metrics.http_duration.labels(route, request.method).observe(
                time.perf_counter() - started
            )
        return response

    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            metrics.http_requests.labels(rule.rule, method, "500")
            metrics.http_duration.labels(rule.rule, method)
