"""Real outside services for tests: Prometheus and redis-server (Debian packages), each started
on a free port of 127.0.0.1 with its data in the test's folder and stopped by its process id;
moto's S3 server; and speech worker processes (``python -m tts_server.worker``)."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import requests

from tests.sidecar_process import REPO_ROOT, free_port

START_TIMEOUT_S = 60.0


SETTLE_S = 90.0  # how long a state may take to show on a busy machine (a heartbeat is 10 s)


def until(check: Callable[[], Any], what: str, timeout_s: float = SETTLE_S) -> Any:
    """``check()``'s first truthy answer, polled until ``timeout_s`` (then fails saying what)."""
    deadline = time.monotonic() + timeout_s
    while not (found := check()):
        assert time.monotonic() < deadline, f"never: {what}"
        time.sleep(0.2)
    return found


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


def _stop(process: subprocess.Popen[Any]) -> None:
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


@contextlib.contextmanager
def running_s3(bucket: str) -> Iterator[dict[str, str]]:
    """moto's S3 server in this process, with ``bucket`` made; yields the LEGENDA_* and AWS_*
    variables that point a sidecar at it (audio under ``s3://bucket/speech``)."""
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    env = {
        "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "LEGENDA_AUDIO_STORE": f"s3://{bucket}/speech",
        "LEGENDA_S3_ENDPOINT_URL": f"http://127.0.0.1:{port}",
    }
    try:
        s3_client(env).create_bucket(Bucket=bucket)
        yield env
    finally:
        server.stop()


def s3_client(env: dict[str, str]) -> Any:
    import boto3

    return boto3.client(
        "s3", endpoint_url=env["LEGENDA_S3_ENDPOINT_URL"], region_name=env["AWS_DEFAULT_REGION"],
        aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
    )


class WorkerProcess:
    """One ``python -m tts_server.worker`` process (or, with ``gate``, the same worker whose
    engine waits while ``gate/closed`` exists: see gated_worker.py). Its audio folder is the
    one a Sidecar in the same work folder uses, unless the environment names a store. Its
    metrics are on any free port, or with ``metrics_port=None`` where the worker picks by
    default (the first free one from 9100)."""

    def __init__(
        self, workdir: Path, env: Mapping[str, str], gate: Path | None = None,
        metrics_port: int | None = 0,
    ) -> None:
        self.log_path = workdir / f"worker-{id(self)}.log"
        self.metrics_url = ""
        inherited = {k: v for k, v in os.environ.items() if not k.startswith("LEGENDA_")}
        self._env = {
            **inherited, "PYTHONUNBUFFERED": "1", "HF_HUB_OFFLINE": "1",
            "LEGENDA_TORCH_THREADS": "1", "LEGENDA_AUDIO_DIR": str(workdir / "audio"), **env,
        }
        module = ["tests.gated_worker", str(gate)] if gate else ["tts_server.worker"]
        port = [] if metrics_port is None else ["--metrics-port", str(metrics_port)]
        self._command = [sys.executable, "-m", *module, *port]
        self.process: subprocess.Popen[str] | None = None

    def start(self) -> WorkerProcess:
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                self._command, cwd=REPO_ROOT, env=self._env, stdout=subprocess.PIPE,
                stderr=log, text=True,
            )
        assert self.process.stdout is not None
        banner = self.process.stdout.readline()
        if "metrics on " not in banner:
            self.stop()
            raise ServiceError(f"the worker did not start: {banner}{self.log()}")
        self.metrics_url = banner.rsplit("metrics on ", 1)[1].strip()
        return self

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:] if self.log_path.exists() else ""

    def kill(self) -> None:
        """SIGKILL: the worker dies mid-job, as on a crash or a lost machine."""
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            _stop(self.process)
        if self.process.stdout:
            self.process.stdout.close()
        self.process = None
