"""Sidecar fixtures for the end-to-end tests (the process itself: tests/sidecar_process.py).

The page's tests run against the real ``python -m tts_server``: espeak-ng (instant, offline,
real Portuguese), a tiny Bark, one whose port is reserved and started later by the test, or one
that also serves the tiny chat model on /v1/chat/completions and /v1/completions (the
playground's server models).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.sidecar_process import Sidecar, running_sidecar, sidecar_env


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


CHAT_KEY = "e2e-chat-key-0123456789"  # the chat sidecar's API key (LEGENDA_API_KEYS)


@pytest.fixture(scope="session")
def chat_sidecar(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sidecar]:
    """The sidecar serving the tiny chat model (the id on its /v1/models is the folder, as
    LEGENDA_CHAT_MODELS writes it), one generation at a time with a short wait for the slot
    (a second request while one still runs gets 429 at once), every route but health behind
    the API key ``CHAT_KEY``."""
    from tests.model_factory.chat_model import chat_model

    workdir = tmp_path_factory.mktemp("sidecar-chat")
    env = {
        **sidecar_env(workdir / "audio", "espeak"), "LEGENDA_CHAT_MODELS": str(chat_model()),
        "LEGENDA_CHAT_THREADS": "1", "LEGENDA_CHAT_SLOTS": "1", "LEGENDA_CHAT_WAIT_S": "0.5",
        "LEGENDA_API_KEYS": CHAT_KEY,
    }
    with running_sidecar(workdir, env) as sidecar:
        yield sidecar
