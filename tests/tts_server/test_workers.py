"""Several workers on one machine (issue 17): ``python -m tts_server.worker`` started twice with
no options both run, each serving its metrics on the first free port from 9100, both take jobs
from one real redis-server, and a real Prometheus scraping the ports deploy/prometheus.yml lists
for one machine sees both, with each process's own CPU and memory figures."""

from __future__ import annotations

import re
from pathlib import Path

import requests
import yaml

from tests.services import WorkerProcess, running_prometheus, running_redis, until
from tests.sidecar_process import REPO_ROOT, Sidecar
from tts_server.worker import METRICS_BASE_PORT, METRICS_PORTS

from .test_monitoring import prom_query

TIMEOUT = 60



def _port(worker: WorkerProcess) -> int:
    match = re.fullmatch(r"http://127\.0\.0\.1:(\d+)/metrics", worker.metrics_url)
    assert match, worker.metrics_url
    return int(match.group(1))


def test_the_shipped_configuration_lists_the_ports_workers_take() -> None:
    config = yaml.safe_load((REPO_ROOT / "deploy" / "prometheus.yml").read_text())
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    assert jobs["legenda-worker"]["dns_sd_configs"][0]["port"] == METRICS_BASE_PORT
    listed = (REPO_ROOT / "deploy" / "prometheus.yml").read_text()
    last = METRICS_BASE_PORT + METRICS_PORTS - 1
    assert f"{METRICS_BASE_PORT}-{last}" in listed  # the one-machine example says the range


def test_two_workers_on_one_machine_both_take_jobs_and_are_scraped(tmp_path: Path) -> None:
    gate = tmp_path / "gate"
    gate.mkdir()
    (gate / "closed").touch()
    with running_redis(tmp_path / "redis") as redis_url:
        env = {"LEGENDA_TTS_ENGINE": "espeak", "LEGENDA_QUEUE_URL": redis_url}
        workers = [WorkerProcess(tmp_path, env, gate, metrics_port=None) for _ in range(2)]
        api = Sidecar(tmp_path, env)
        try:
            for worker in workers:
                worker.start()  # the second one used to exit: port 9100 in use
            ports = {_port(worker) for worker in workers}
            assert len(ports) == 2
            assert ports <= set(range(METRICS_BASE_PORT, METRICS_BASE_PORT + METRICS_PORTS))
            api.start(until="ready")
            _both_take_a_job(api, workers, gate)
            _both_are_scraped(tmp_path, api, workers)
        finally:
            (gate / "closed").unlink(missing_ok=True)
            for process in [api, *workers]:
                process.stop()


def _both_take_a_job(api: Sidecar, workers: list[WorkerProcess], gate: Path) -> None:
    ids = []
    for text in ("Um trabalhador", "Outro trabalhador"):
        answer = requests.post(f"{api.url}/api/speech", json={"text": text}, timeout=TIMEOUT)
        assert answer.status_code == 202, answer.text
        ids.append(answer.json()["id"])
    held = until(lambda: {p.name for p in gate.glob("entered-*")} == {
        f"entered-{worker.pid}" for worker in workers
    }, "each worker took one of the two jobs")
    assert held
    (gate / "closed").unlink()
    for speech_id in ids:
        done = requests.get(
            f"{api.url}/api/speech/{speech_id}?wait={TIMEOUT}", timeout=TIMEOUT + 5
        ).json()
        assert done["status"] == "done", done


def _both_are_scraped(tmp_path: Path, api: Sidecar, workers: list[WorkerProcess]) -> None:
    targets = [api.url.removeprefix("http://")]
    targets += [f"127.0.0.1:{_port(worker)}" for worker in workers]
    with running_prometheus(tmp_path / "prometheus", targets) as prom:
        done = until(
            lambda: len(found := prom_query(
                prom, 'legenda_speech_jobs_total{result="done"} > 0')) == 2 and found,
            "both workers' finished jobs scraped",
        )
        assert {series["metric"]["instance"] for series in done} == set(targets[1:])
        until(lambda: {series["metric"]["instance"] for series in prom_query(
            prom, "process_resident_memory_bytes > 0")} == set(targets),
            "every process's memory scraped")
        writable = prom_query(prom, "legenda_storage_writable == 1")
        assert {series["metric"]["instance"] for series in writable} == set(targets)
        seen = prom_query(prom, "legenda_speech_workers")
        assert [(s["metric"]["instance"], s["value"][1]) for s in seen] == [(targets[0], "2")]
        starts = prom_query(prom, "process_start_time_seconds")
        assert len({series["value"][1] for series in starts}) == len(targets)  # three processes
