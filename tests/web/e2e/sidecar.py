"""The real speech sidecar as a separate process, for the end-to-end tests.

``python -m tts_server`` is started exactly as a user would start it, on a free port of
127.0.0.1, with its audio folder in a temporary directory, and stopped at teardown. A port can be
reserved before the server starts, so a test can first point the page at a closed port (speech
unavailable) and then bring the sidecar up there (Retry works).
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[3]
START_TIMEOUT_S = 120.0  # a cold torch import plus a Bark load on a busy 2-core machine


class SidecarError(RuntimeError):
    """The sidecar did not start or did not become ready; the message holds its log."""


def free_port() -> int:
    """A port nothing listens on right now (the OS picks it)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Sidecar:
    """One ``python -m tts_server`` process on 127.0.0.1:<port>."""

    def __init__(
        self, workdir: Path, env: Mapping[str, str], port: int | None = None
    ) -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.workdir = workdir
        self.log_path = workdir / f"sidecar-{self.port}.log"
        self._env = dict(env)
        self._process: subprocess.Popen[bytes] | None = None

    def start(self, until: str = "ready") -> Sidecar:
        """Start the process; return once /api/health says ``until`` (``ready`` or ``failed``)."""
        if self._process is not None:
            return self
        env = {**os.environ, **self._env, "PYTHONUNBUFFERED": "1"}
        with open(self.log_path, "wb") as log:
            self._process = subprocess.Popen(
                [sys.executable, "-m", "tts_server", "--host", "127.0.0.1",
                 "--port", str(self.port)],
                cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
            )
        self._wait_for(until)
        return self

    def health(self) -> dict[str, object] | None:
        """The parsed /api/health answer, or None while nothing answers."""
        try:
            with urllib.request.urlopen(f"{self.url}/api/health", timeout=5) as answer:
                return json.load(answer)
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            return None

    def _wait_for(self, until: str) -> None:
        # Polling the health route is the only signal the server gives that its model is loaded.
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            assert self._process is not None
            if self._process.poll() is not None:
                code = self._process.returncode
                raise SidecarError(f"the sidecar exited with {code}:\n{self.log()}")
            status = (self.health() or {}).get("status")
            if status == until:
                return
            if status == "failed":
                raise SidecarError(f"the sidecar's model failed to load: {self.health()}")
            time.sleep(0.2)
        waited = f"{START_TIMEOUT_S:.0f} s"
        raise SidecarError(f"the sidecar was not {until} after {waited}:\n{self.log()}")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:] if self.log_path.exists() else ""

    def stop(self) -> None:
        if self._process is None:
            return
        self._process.terminate()
        try:
            self._process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait(timeout=15)
        self._process = None


def sidecar_env(
    audio_dir: Path, engine: str, model: str | None = None, cors_origin: str | None = None
) -> dict[str, str]:
    """The LEGENDA_* variables for a test sidecar: one torch thread, audio in ``audio_dir``."""
    env = {
        "LEGENDA_TTS_ENGINE": engine,
        "LEGENDA_AUDIO_DIR": str(audio_dir),
        "LEGENDA_TORCH_THREADS": "1",
        "LEGENDA_TTS_DEVICE": "cpu",
    }
    if model:
        env["LEGENDA_TTS_MODEL"] = model
    if cors_origin:
        env["LEGENDA_CORS_ORIGINS"] = cors_origin
    return env


@contextlib.contextmanager
def running_sidecar(
    workdir: Path, env: Mapping[str, str], port: int | None = None, start: bool = True
) -> Iterator[Sidecar]:
    """A Sidecar that is stopped on exit; ``start=False`` only reserves its URL."""
    sidecar = Sidecar(workdir, env, port)
    try:
        yield sidecar.start() if start else sidecar
    finally:
        sidecar.stop()


@pytest.fixture(scope="session")
def espeak_sidecar(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sidecar]:
    """The sidecar with the espeak-ng engine (instant, offline, real Portuguese)."""
    workdir = tmp_path_factory.mktemp("sidecar-espeak")
    with running_sidecar(workdir, sidecar_env(workdir / "audio", "espeak")) as sidecar:
        yield sidecar


@pytest.fixture(scope="session")
def bark_sidecar(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sidecar]:
    """The sidecar running Bark, loaded from a tiny random-weight Bark the test suite builds."""
    from tests.model_factory.bark import bark_model

    workdir = tmp_path_factory.mktemp("sidecar-bark")
    env = sidecar_env(workdir / "audio", "bark", model=str(bark_model()))
    with running_sidecar(workdir, env) as sidecar:
        yield sidecar


@pytest.fixture
def sidecar_later(tmp_path: Path) -> Iterator[Sidecar]:
    """An espeak sidecar whose port is reserved but not started: the test calls ``.start()``."""
    with running_sidecar(tmp_path, sidecar_env(tmp_path / "audio", "espeak"), start=False) as s:
        yield s
