"""Real outside services for tests: Prometheus and redis-server (Debian packages), each started
on a free port of 127.0.0.1 with its data in the test's folder and stopped by its process id."""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import requests

from tests.sidecar_process import free_port

START_TIMEOUT_S = 60.0


class ServiceError(RuntimeError):
    """A service did not start; holds its log."""


def _require(command: str, package: str) -> str:
    binary = shutil.which(command)
    if binary is None:
        raise ServiceError(
            f"{command} is not installed: `make test` installs the Debian package {package} "
            f"(sh scripts/install-system-deps.sh {package})."
        )
    return binary


def _wait_until(ready: Callable[[], bool], process: subprocess.Popen[bytes], log: Path) -> None:
    """Poll ``ready()`` until it is true; ServiceError with the log if the process ends first
    or it never gets there."""
    deadline = time.monotonic() + START_TIMEOUT_S
    while not ready():
        if process.poll() is not None or time.monotonic() > deadline:
            raise ServiceError(f"{log.stem} did not start:\n{log.read_text(errors='replace')}")
        time.sleep(0.1)


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


@contextlib.contextmanager
def running_prometheus(workdir: Path, targets: list[str], interval_s: int = 1) -> Iterator[str]:
    """A Prometheus scraping ``targets`` ("host:port", path /metrics) every ``interval_s``;
    yields its base URL."""
    binary = _require("prometheus", "prometheus")
    port = free_port()
    workdir.mkdir(parents=True, exist_ok=True)
    config = workdir / "prometheus.yml"
    listed = ", ".join(f'"{target}"' for target in targets)
    config.write_text(
        f"global:\n  scrape_interval: {interval_s}s\n  evaluation_interval: {interval_s}s\n"
        f"scrape_configs:\n  - job_name: legenda\n    static_configs:\n"
        f"      - targets: [{listed}]\n"
    )
    log = workdir / "prometheus.log"
    url = f"http://127.0.0.1:{port}"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [binary, f"--config.file={config}", f"--storage.tsdb.path={workdir / 'data'}",
             f"--web.listen-address=127.0.0.1:{port}", "--log.level=warn"],
            stdout=out, stderr=subprocess.STDOUT,
        )
    try:
        _wait_until(lambda: _answers(f"{url}/-/ready"), process, log)
        yield url
    finally:
        _stop(process)


@contextlib.contextmanager
def running_redis(workdir: Path) -> Iterator[str]:
    """A redis-server with no persistence; yields its URL (``redis://127.0.0.1:PORT/0``)."""
    binary = _require("redis-server", "redis-server")
    port = free_port()
    workdir.mkdir(parents=True, exist_ok=True)
    log = workdir / "redis.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(workdir)],
            stdout=out, stderr=subprocess.STDOUT,
        )
    url = f"redis://127.0.0.1:{port}/0"
    try:
        _wait_until(lambda: _redis_answers(url), process, log)
        yield url
    finally:
        _stop(process)


def _answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=5).status_code == 200
    except requests.ConnectionError:
        return False


def _redis_answers(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_timeout=5).ping())
    except redis.ConnectionError:
        return False
