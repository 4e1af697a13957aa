"""The real speech sidecar as a separate process, for tests and benchmarks.

``python -m tts_server`` is started exactly as a user would start it, on a port of 127.0.0.1,
with its audio folder in the given work folder unless the environment names one, and stopped
by ``stop()`` (or on leaving ``running_sidecar``). A port can be reserved before the server
starts, so a test can first point the page at a closed port and then bring the sidecar up there.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
START_TIMEOUT_S = 120.0  # a cold torch import plus a Bark load on a busy 2-core machine


class SidecarError(RuntimeError):
    """The sidecar did not start or its model did not settle as expected; holds its log."""


def free_port() -> int:
    """A port nothing listens on right now (the OS picks it)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def sidecar_env(
    audio_dir: Path, engine: str, model: str | None = None, cors_origin: str | None = None
) -> dict[str, str]:
    """The LEGENDA_* variables for a test sidecar on the CPU, audio in ``audio_dir``."""
    env = {
        "LEGENDA_TTS_ENGINE": engine,
        "LEGENDA_AUDIO_DIR": str(audio_dir),
        "LEGENDA_TTS_DEVICE": "cpu",
    }
    if model:
        env["LEGENDA_TTS_MODEL"] = model
    if cors_origin:
        env["LEGENDA_CORS_ORIGINS"] = cors_origin
    return env


class Sidecar:
    """One ``python -m tts_server`` process on 127.0.0.1:<port>."""

    def __init__(
        self, workdir: Path, env: Mapping[str, str], port: int | None = None,
        args: tuple[str, ...] = (),
    ) -> None:
        self.port = port or free_port()
        self._args = args  # more options for python -m tts_server
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = workdir / f"sidecar-{self.port}.log"
        self.banner = ""  # the line it prints once it accepts connections
        # The caller's own LEGENDA_* settings must not leak in; one torch thread keeps a busy
        # 2-core machine steady, and the hub is never asked (tests use local models only).
        inherited = {k: v for k, v in os.environ.items() if not k.startswith("LEGENDA_")}
        self._env = {
            **inherited, "PYTHONUNBUFFERED": "1", "HF_HUB_OFFLINE": "1",
            "LEGENDA_TORCH_THREADS": "1", "LEGENDA_AUDIO_DIR": str(workdir / "audio"), **env,
        }
        self._process: subprocess.Popen[str] | None = None

    def start(self, until: str | None = "ready") -> Sidecar:
        """Start the process. Return once it listens and, unless ``until`` is None, once
        /api/health says ``until`` (``ready`` or ``failed``)."""
        if self._process is None:
            self.log_path.parent.mkdir(parents=True, exist_ok=True)
            with open(self.log_path, "wb") as log:
                self._process = subprocess.Popen(
                    [sys.executable, "-m", "tts_server", "--host", "127.0.0.1",
                     "--port", str(self.port), *self._args],
                    cwd=REPO_ROOT, env=self._env, stdout=subprocess.PIPE, stderr=log, text=True,
                )
            assert self._process.stdout is not None
            self.banner = self._process.stdout.readline()  # only this line goes to stdout
            if " listening on " not in self.banner:
                self.stop()
                raise SidecarError(f"the sidecar did not start: {self.banner}{self.log()}")
        if until is not None:
            self.wait(until)
        return self

    def wait(self, until: str = "ready") -> dict[str, Any]:
        """The health answer once the model has loaded or failed (the server holds the answer
        with ?wait); SidecarError unless its status is ``until``."""
        health = self.health(wait_s=START_TIMEOUT_S)
        if health is None:
            raise SidecarError(f"the sidecar stopped answering:\n{self.log()}")
        if health.get("status") != until:
            raise SidecarError(f"the sidecar's model is not {until}: {health}\n{self.log()}")
        return health

    def health(self, wait_s: float = 0) -> dict[str, Any] | None:
        """The parsed /api/health answer, or None while nothing answers."""
        url = f"{self.url}/api/health" + (f"?wait={wait_s:.0f}" if wait_s else "")
        try:
            with urllib.request.urlopen(url, timeout=wait_s + 10) as answer:
                body: dict[str, Any] = json.load(answer)
                return body
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            return None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:] if self.log_path.exists() else ""

    def send_signal(self, signum: int) -> None:
        assert self._process is not None, "the sidecar is not running"
        self._process.send_signal(signum)

    def wait_exit(self, timeout: float) -> int:
        """The exit code once the process ends (subprocess.TimeoutExpired past ``timeout``)."""
        assert self._process is not None, "the sidecar is not running"
        return self._process.wait(timeout=timeout)

    def stop(self) -> None:
        if self._process is None:
            return
        self._process.terminate()
        try:
            self._process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait(timeout=15)
        if self._process.stdout:
            self._process.stdout.close()
        self._process = None


@contextlib.contextmanager
def running_sidecar(
    workdir: Path, env: Mapping[str, str], port: int | None = None,
    until: str | None = "ready", start: bool = True,
) -> Iterator[Sidecar]:
    """A Sidecar that is stopped on exit; ``start=False`` only reserves its URL."""
    sidecar = Sidecar(workdir, env, port)
    try:
        yield sidecar.start(until) if start else sidecar
    finally:
        sidecar.stop()
