"""Fixtures for the sidecar tests: apps on real engines, a test client, a real server process.

Every app writes audio into its own temporary folder and its workers are stopped afterwards.
Torch models are the tiny ones from tests/model_factory, on one torch thread.
"""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient

from tests.model_factory import bark_model, vits_model
from tts_server import create_app
from tts_server.service import SpeechService

ROOT = Path(__file__).resolve().parents[2]
LOAD_TIMEOUT_S = 120


def service_of(app: Flask) -> SpeechService:
    return app.extensions["legenda"]  # type: ignore[no-any-return]


@pytest.fixture(scope="session", autouse=True)
def one_torch_thread() -> None:
    """One torch thread: on a busy 2-core machine two threads make Bark's timing swing wildly."""
    import torch

    torch.set_num_threads(1)


@pytest.fixture(scope="session")
def tiny_bark() -> Path:
    return bark_model()


@pytest.fixture(scope="session")
def tiny_vits() -> Path:
    return vits_model()


@pytest.fixture
def make_app(tmp_path: Path) -> Iterator[Callable[..., Flask]]:
    """``make_app(engine="espeak", **settings)``: a started app whose model has finished loading
    (or failed to). Its audio folder defaults to one per test."""
    apps: list[Flask] = []

    def make(wait: bool = True, **settings: Any) -> Flask:
        settings.setdefault("engine", "espeak")
        settings.setdefault("audio_dir", tmp_path / "audio")
        settings.setdefault("torch_threads", 1)
        app = create_app(settings)
        app.config["TESTING"] = True
        apps.append(app)
        if wait:
            assert service_of(app).wait_until_loaded(LOAD_TIMEOUT_S), "the model never loaded"
        return app

    yield make
    for app in apps:
        service_of(app).close()


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Flask:
    """The espeak sidecar: real speech, no model download."""
    return make_app()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def bark_app(make_app: Callable[..., Flask], tiny_bark: Path) -> Flask:
    return make_app(engine="bark", model=str(tiny_bark))


class Gate:
    """Wraps an engine's real ``synthesize`` so a test holds the worker before each sentence
    and counts the calls: the way to see queueing, progress and deduplication without timing."""

    def __init__(self, service: SpeechService) -> None:
        self.calls: list[str] = []
        self._entered: queue.Queue[str] = queue.Queue()
        self._permits = threading.Semaphore(0)
        self._real = service.engine.synthesize
        service.engine.synthesize = self._synthesize  # type: ignore[method-assign]

    def _synthesize(self, text: str, voice: str) -> Any:
        self.calls.append(text)
        self._entered.put(text)
        assert self._permits.acquire(timeout=LOAD_TIMEOUT_S), "the test never let it go on"
        return self._real(text, voice)

    def wait_entered(self) -> str:
        """Block until a synthesis call is waiting at the gate; return its text."""
        return self._entered.get(timeout=LOAD_TIMEOUT_S)

    def allow(self, calls: int = 1) -> None:
        self._permits.release(calls)

    def open(self) -> None:
        self._permits.release(10_000)


@dataclass
class Sidecar:
    """A real ``python -m tts_server`` process."""

    url: str
    process: subprocess.Popen[str]
    banner: str
    log: Path

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process.stdout:
            self.process.stdout.close()


def start_sidecar(env: dict[str, str], log: Path) -> Sidecar:
    """Start the sidecar on a free port (``--port 0``) and wait for its "listening on" line.

    Only that line goes to stdout; the logs go to ``log``."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("LEGENDA_")}
    full_env.update({"LEGENDA_TORCH_THREADS": "1", "HF_HUB_OFFLINE": "1", **env})
    with open(log, "wb") as log_file:
        process = subprocess.Popen(
            [sys.executable, "-m", "tts_server", "--host", "127.0.0.1", "--port", "0"],
            cwd=ROOT, env=full_env, stdout=subprocess.PIPE, stderr=log_file, text=True,
        )
    assert process.stdout is not None
    banner = process.stdout.readline()
    server = Sidecar(banner.rsplit(" ", 1)[-1].strip(), process, banner, log)
    if " listening on " not in banner:
        server.stop()
        raise AssertionError(f"the sidecar did not start: {banner}{log.read_text()}")
    return server


@pytest.fixture
def sidecar(tmp_path: Path) -> Iterator[Callable[..., Sidecar]]:
    """``sidecar(LEGENDA_X=...)``: a started real server process, stopped after the test."""
    started: list[Sidecar] = []

    def start(**env: str) -> Sidecar:
        env.setdefault("LEGENDA_TTS_ENGINE", "espeak")
        env.setdefault("LEGENDA_AUDIO_DIR", str(tmp_path / "audio"))
        server = start_sidecar(env, tmp_path / f"sidecar-{len(started)}.log")
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


def wait_ready(server: Sidecar, expect: str = "ready") -> dict[str, Any]:
    """The server's health once its model has loaded or failed (held server-side by ?wait)."""
    url = f"{server.url}/api/health?wait={LOAD_TIMEOUT_S}"
    health = requests.get(url, timeout=LOAD_TIMEOUT_S + 10)
    body: dict[str, Any] = health.json()
    assert body["status"] == expect, body
    return body
