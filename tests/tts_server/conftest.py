"""Fixtures for the sidecar tests: apps on real engines, a test client, a real server process.

Every app writes audio into its own temporary folder and its queue is stopped afterwards.
Torch models are the tiny ones from tests/model_factory, on one torch thread.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.model_factory import bark_model, vits_model
from tests.sidecar_process import Sidecar
from tts_server import create_app
from tts_server.service import SpeechService, service_of

LOAD_TIMEOUT_S = 120


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

    def make(wait: bool = True, bound_host: str | None = None, **settings: Any) -> Flask:
        settings.setdefault("engine", "espeak")
        settings.setdefault("audio_dir", tmp_path / "audio")
        settings.setdefault("torch_threads", 1)
        app = create_app(settings, bound_host=bound_host)
        app.config["TESTING"] = True
        apps.append(app)
        if wait:
            assert service_of(app).model.wait_until_loaded(LOAD_TIMEOUT_S), "the model never loaded"
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
    """Wraps an engine's real ``synthesize`` so a test holds the synthesis before each sentence
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


@pytest.fixture
def sidecar(tmp_path: Path) -> Iterator[Callable[..., Sidecar]]:
    """``sidecar(LEGENDA_X=...)``: a real server process, listening (its model may still be
    loading: see ``Sidecar.wait``), stopped after the test."""
    started: list[Sidecar] = []

    def start(**env: str) -> Sidecar:
        env.setdefault("LEGENDA_TTS_ENGINE", "espeak")
        server = Sidecar(tmp_path, env)
        started.append(server)
        return server.start(until=None)

    yield start
    for server in started:
        server.stop()
