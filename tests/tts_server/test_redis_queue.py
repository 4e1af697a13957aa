"""More than one process: two API processes and two workers on one real redis-server, audio in
moto's S3 server. The workers' engine waits at a gate the tests open (tests/gated_worker.py),
so "in flight" is a state the tests hold, not a timing."""

from __future__ import annotations

import os
import re
import socket
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.model_factory import chat_model
from tests.services import (
    WorkerProcess,
    running_prometheus,
    running_redis,
    running_s3,
    s3_client,
    until,
)
from tests.sidecar_process import Sidecar
from tts_server.job_runner import worker_name

from .test_monitoring import browser_report, dashboard_queries, has_data, prom_query, send_chat

TIMEOUT = 60
BUCKET = "legenda-audio"


@dataclass
class Cluster:
    apis: list[Sidecar]
    workers: list[WorkerProcess]
    gate: Path
    s3: dict[str, str]

    def close_gate(self) -> None:
        for marker in self.gate.glob("entered-*"):
            marker.unlink()
        (self.gate / "closed").touch()

    def open_gate(self) -> None:
        (self.gate / "closed").unlink(missing_ok=True)

    def held(self) -> set[int]:
        """The pids of the workers waiting at the gate (each with a job)."""
        return {int(marker.name.split("-")[1]) for marker in self.gate.glob("entered-*")}

    def stored(self) -> list[str]:
        listed = s3_client(self.s3).list_objects_v2(Bucket=BUCKET, Prefix="speech/")
        return sorted(item["Key"] for item in listed.get("Contents", []))

    def jobs_done(self) -> float:
        return sum(_metric(worker.metrics_url, 'legenda_speech_jobs_total{result="done"}')
                   for worker in self.workers if worker.process is not None)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    work = tmp_path_factory.mktemp("cluster")
    gate = work / "gate"
    gate.mkdir()
    with running_redis(work / "redis") as redis_url, running_s3(BUCKET) as s3:
        env = {
            "LEGENDA_TTS_ENGINE": "espeak", "LEGENDA_QUEUE_URL": redis_url,
            "LEGENDA_JOB_RETRIES": "1", **s3,
        }
        # The API processes also serve the tiny chat model (chat runs there, not on the queue).
        chat_env = {"LEGENDA_CHAT_MODELS": str(chat_model()), "LEGENDA_CHAT_THREADS": "1"}
        apis = [Sidecar(work, {**env, **chat_env}) for _ in range(2)]
        workers = [WorkerProcess(work, env, gate) for _ in range(2)]
        try:
            for worker in workers:
                worker.start()
            for api in apis:
                api.start(until="ready")  # ready: a worker has said its model is ready
            yield Cluster(apis, workers, gate, s3)
        finally:
            (gate / "closed").unlink(missing_ok=True)
            for process in [*apis, *workers]:
                process.stop()


def _metric(url: str, series: str) -> float:
    text = requests.get(url, timeout=TIMEOUT).text
    match = re.search(rf"^{re.escape(series)} (\S+)$", text, re.MULTILINE)
    assert match, f"{series} not in {url}"
    return float(match.group(1))


def _post(api: Sidecar, text: str, wait: int = 0) -> dict[str, Any]:
    answer = requests.post(
        f"{api.url}/api/speech?wait={wait}", json={"text": text}, timeout=TIMEOUT + wait
    )
    assert answer.status_code in (200, 202), answer.text
    body: dict[str, Any] = answer.json()
    return body


def _status(api: Sidecar, speech_id: str, wait: int = 0) -> dict[str, Any]:
    answer = requests.get(f"{api.url}/api/speech/{speech_id}", timeout=TIMEOUT)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body



def _settled(api: Sidecar, speech_id: str) -> dict[str, Any]:
    return until(
        lambda: (body := _status(api, speech_id))["status"] in ("done", "failed") and body,
        f"{speech_id} settled",
    )


def test_identical_requests_on_both_apis_make_one_job_and_one_file(cluster: Cluster) -> None:
    cluster.close_gate()
    done_before = cluster.jobs_done()
    text = "Dezesseis pedidos iguais ao mesmo tempo"

    def ask(n: int) -> dict[str, Any]:
        return _post(cluster.apis[n % 2], text)

    with ThreadPoolExecutor(16) as pool:
        answers = list(pool.map(ask, range(16)))
    assert len({answer["id"] for answer in answers}) == 1
    assert {answer["status"] for answer in answers} <= {"queued", "running"}
    until(cluster.held, "a worker took the job")
    cluster.open_gate()

    speech_id = answers[0]["id"]
    assert _settled(cluster.apis[1], speech_id)["status"] == "done"
    assert cluster.stored() == [f"speech/{speech_id}.wav"]
    assert cluster.jobs_done() == done_before + 1  # one synthesis, on one of the workers


def test_a_job_is_followed_on_either_api_and_served_the_same(cluster: Cluster) -> None:
    cluster.close_gate()
    first, api0 = _post(cluster.apis[0], "O primeiro texto"), cluster.apis[0]
    second = _post(api0, "O segundo texto")
    until(lambda: len(cluster.held()) == 2, "both workers took a job")
    third, api1 = _post(cluster.apis[1], "O terceiro texto"), cluster.apis[1]

    # Every API process reads the same state from Redis: two jobs run, the third is behind them.
    for api in cluster.apis:
        assert _status(api, first["id"])["status"] == "running"
        assert _status(api, second["id"])["status"] == "running"
        waiting = _status(api, third["id"])
        assert (waiting["status"], waiting["position"]) == ("queued", 2)
    health = requests.get(f"{api0.url}/api/health", timeout=TIMEOUT).json()
    assert health["queue_depth"] == 3 and health["status"] == "ready"
    cluster.open_gate()

    done = _settled(api0, third["id"])  # posted to one API, followed on the other
    assert (done["status"], done["position"], done["retried"]) == ("done", 0, 0)
    assert done["duration_s"] > 0.5

    whole = requests.get(api1.url + done["audio_url"], timeout=TIMEOUT)
    assert whole.status_code == 200 and whole.headers["Content-Type"] == "audio/wav"
    assert whole.content[:4] == b"RIFF" and whole.headers["Accept-Ranges"] == "bytes"
    for api in cluster.apis:
        part = requests.get(
            api.url + done["audio_url"], headers={"Range": "bytes=100-199"}, timeout=TIMEOUT
        )
        assert part.status_code == 206 and part.content == whole.content[100:200]
        assert part.headers["Content-Range"] == f"bytes 100-199/{len(whole.content)}"
    spoken = requests.post(
        f"{api0.url}/v1/audio/speech",
        json={"model": "x", "input": "O terceiro texto", "response_format": "wav"},
        timeout=TIMEOUT,
    )
    assert spoken.status_code == 200 and spoken.content == whole.content  # the same cache
    assert _settled(api1, first["id"])["status"] == "done"


def test_the_dashboard_reads_every_api_and_worker(cluster: Cluster, tmp_path: Path) -> None:
    """Prometheus scrapes both APIs (requests, cache) and both workers (synthesis, jobs): every
    dashboard query answers with the work spread over the processes."""
    cluster.open_gate()
    targets = [api.url.removeprefix("http://") for api in cluster.apis]
    targets += [worker.metrics_url.removeprefix("http://").removesuffix("/metrics")
                for worker in cluster.workers]
    queries = dashboard_queries()
    with running_prometheus(tmp_path / "prometheus", targets) as prom:
        until(lambda: len(prom_query(prom, "up == 1")) == len(targets), "every target scraped")
        for api in cluster.apis:  # browser series start with a first report: rates need two
            _report(api)
        until(lambda: len(prom_query(
            prom, "sum by (instance) (legenda_browser_stage_seconds_count) > 0")) == 2,
            "every API's browser series scraped")
        for n, api in enumerate(cluster.apis * 2):
            assert _post(api, f"Painel número {n}", wait=TIMEOUT)["status"] == "done"
            assert _post(api, f"Painel número {n}", wait=TIMEOUT)["status"] == "done"  # a hit
            send_chat(api, str(chat_model()), n)
            _report(api)
        until(lambda: all(has_data(prom_query(prom, expr)) for expr in queries),
               "every dashboard query has data")
        scraped = {series["metric"]["instance"]
                   for series in prom_query(prom, "legenda_speech_jobs_total")}
        assert scraped == set(targets)


def _report(api: Sidecar) -> None:
    sent = requests.post(f"{api.url}/api/telemetry", json=browser_report("first"), timeout=TIMEOUT)
    assert sent.status_code == 202, sent.text


def test_a_job_whose_worker_dies_is_retried_then_fails_saying_why(cluster: Cluster) -> None:
    cluster.close_gate()
    api0, api1 = cluster.apis
    speech_id = _post(api0, "Um texto que derruba os trabalhadores")["id"]
    by_pid = {worker.pid: worker for worker in cluster.workers}

    first = until(cluster.held, "a worker took the job").pop()
    by_pid[first].kill()
    retried = until(
        lambda: (body := _status(api1, speech_id))["retried"] == 1 and body,
        "the job was queued again",
    )
    assert retried["status"] in ("queued", "running") and retried["error"] is None
    second = until(lambda: cluster.held() - {first}, "the other worker took it").pop()
    by_pid[second].kill()

    failed = _settled(api0, speech_id)
    assert failed["status"] == "failed" and failed["retried"] == 1
    assert "worker stopped while saying this" in failed["error"]
    assert "tried 2 times" in failed["error"]


def test_worker_names_are_unique_on_one_host_and_pid() -> None:
    """Worker containers on one host's network are all pid 1 under the host's name: RQ refuses a
    second live worker with the same name, so each name carries a random part."""
    names = {worker_name() for _ in range(3)}
    assert len(names) == 3
    assert all(name.startswith(f"{socket.gethostname()}-{os.getpid()}-") for name in names)
