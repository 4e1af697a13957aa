"""The dashboard cannot drift from the metrics: a real Prometheus scrapes a real sidecar, and
every query of deploy/'s Grafana dashboard (the processes' and browsers' rows included) must
parse and return data after some traffic, browser timings included."""

from __future__ import annotations

import json
import math
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests
import yaml

from tests.model_factory import chat_model
from tests.services import running_prometheus
from tests.sidecar_process import REPO_ROOT, Sidecar

DASHBOARD = REPO_ROOT / "deploy" / "grafana" / "dashboards" / "legenda.json"
TIMEOUT = 60
SETTLE_S = 90.0  # how long Prometheus may take to scrape the traffic on a busy machine


def dashboard_panels() -> list[dict[str, Any]]:
    """The panels that query (rows only group them)."""
    panels = json.loads(DASHBOARD.read_text())["panels"]
    return [panel for panel in panels if panel["type"] != "row"]


def dashboard_queries() -> list[str]:
    return [target["expr"] for panel in dashboard_panels() for target in panel["targets"]]


def prom_query(prometheus: str, expr: str) -> list[dict[str, Any]]:
    answer = requests.get(f"{prometheus}/api/v1/query", params={"query": expr}, timeout=TIMEOUT)
    body = answer.json()
    assert answer.status_code == 200 and body["status"] == "success", (expr, body)
    result: list[dict[str, Any]] = body["data"]["result"]
    return result


def has_data(result: list[dict[str, Any]]) -> bool:
    """At least one series with a number (a rate over no new samples gives NaN)."""
    return any(math.isfinite(float(series["value"][1])) for series in result)


def _traffic(server: Sidecar, round_: int, chat_model: str | None = None) -> None:
    """Misses (new texts), hits (the same again), a client error and an OpenAI request (and a
    chat completion, when the sidecar serves ``chat_model``)."""
    for text in (f"Um gato no sofá {round_}", f"Um cão na rua {round_}"):
        for _ in range(2):
            made = requests.post(
                f"{server.url}/api/speech?wait={TIMEOUT}", json={"text": text}, timeout=TIMEOUT
            )
            assert made.json()["status"] == "done"
    assert requests.post(f"{server.url}/api/speech", json={}, timeout=TIMEOUT).status_code == 400
    spoken = requests.post(
        f"{server.url}/v1/audio/speech", json={"model": "any", "input": "Olá"}, timeout=TIMEOUT
    )
    assert spoken.status_code == 200
    if chat_model is not None:
        send_chat(server, chat_model, round_)
    for visit in ("first", "revisit"):  # what a page with telemetry on sends after a job
        sent = requests.post(f"{server.url}/api/telemetry", json=browser_report(visit),
                             timeout=TIMEOUT)
        assert sent.status_code == 202, sent.text


def send_chat(server: Sidecar, model: str, round_: int) -> None:
    """One short greedy chat completion (the dashboard's chat row reads its series)."""
    chat = requests.post(f"{server.url}/v1/chat/completions", json={
        "model": model, "messages": [{"role": "user", "content": f"Olá {round_}"}],
        "max_tokens": 8, "temperature": 0,
    }, timeout=TIMEOUT)
    assert chat.status_code == 200, chat.text


def browser_report(visit: str) -> dict[str, Any]:
    """One job's timings as web/ui/telemetry.js builds them."""
    return {
        "visit": visit, "device": "wasm", "dtype": "q8", "threads": 2,
        "caption_model": "Xenova/vit-gpt2-image-captioning",
        "translation_model": "Xenova/nllb-200-distilled-600M",
        "caption_load_s": 4.0 if visit == "first" else 0.6, "caption_s": 0.4,
        "translation_load_s": 9.0 if visit == "first" else 1.2, "translation_s": 0.9,
        "speech_wait_s": 1.1, "caption_token_s": 0.03, "translation_token_s": 0.05,
        "error": None,
    }


def _wait_for(check: Callable[[], bool]) -> bool:
    deadline = time.monotonic() + SETTLE_S
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.5)
    return True


def test_metrics_follow_prometheus_naming(sidecar: Callable[..., Sidecar]) -> None:
    server = sidecar()
    server.wait()
    _traffic(server, 0)
    page = requests.get(f"{server.url}/metrics", timeout=TIMEOUT)
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/plain")
    text = page.text
    for line in (
        'legenda_speech_cache_requests_total{result="hit"} 2.0',
        'legenda_speech_cache_requests_total{result="miss"} 3.0',
        'legenda_speech_jobs_total{result="done"} 3.0',
        'legenda_speech_jobs_total{result="failed"} 0.0',
        'legenda_speech_model_state{state="ready"} 1.0',
        "legenda_speech_queue_depth 0.0",
        'legenda_speech_synthesis_seconds_count{engine="espeak"} 3.0',
        'legenda_http_requests_total{method="POST",route="/api/speech",status="400"} 1.0',
        'legenda_http_requests_total{method="POST",route="/api/speech",status="500"} 0.0',
    ):
        assert line in text, line
    assert "legenda_http_request_duration_seconds_bucket{" in text


def test_every_dashboard_query_returns_data(
    sidecar: Callable[..., Sidecar], tmp_path: Path
) -> None:
    queries = dashboard_queries()
    assert len(queries) >= 8
    chat = str(chat_model())
    server = sidecar(LEGENDA_CHAT_MODELS=chat, LEGENDA_CHAT_THREADS="1")
    server.wait()
    with running_prometheus(tmp_path / "prometheus", [server.url.removeprefix("http://")]) as prom:
        # Traffic before Prometheus knows the series, and again once it does: rates need two
        # samples of each series.
        _traffic(server, 1, chat)
        assert _wait_for(lambda: has_data(prom_query(prom, "legenda_speech_jobs_total"))), (
            "Prometheus never scraped the sidecar"
        )
        _traffic(server, 2, chat)
        _wait_for(lambda: all(has_data(prom_query(prom, expr)) for expr in queries))
        empty = [expr for expr in queries if not has_data(prom_query(prom, expr))]
        assert not empty, f"dashboard queries without data: {empty}"


def test_the_scrape_configuration_reads_api_and_workers() -> None:
    checked = subprocess.run(
        ["promtool", "check", "config", str(REPO_ROOT / "deploy" / "prometheus.yml")],
        capture_output=True, text=True, timeout=TIMEOUT,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    config = yaml.safe_load((REPO_ROOT / "deploy" / "prometheus.yml").read_text())
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    assert set(jobs) == {"legenda-api", "legenda-worker"}
    assert all(job["metrics_path"] == "/metrics" for job in jobs.values())
    datasource = yaml.safe_load(
        (REPO_ROOT / "deploy/grafana/provisioning/datasources/prometheus.yml").read_text()
    )["datasources"][0]
    panels = dashboard_panels()
    assert panels[0]["title"] == "Cache hit rate"
    assert {panel["datasource"]["uid"] for panel in panels} == {datasource["uid"]}
