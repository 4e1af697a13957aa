"""Speech sidecar fixtures for the end-to-end tests (the process itself: tests/sidecar_process.py).

The page's tests run against the real ``python -m tts_server``: espeak-ng (instant, offline,
real Portuguese), a tiny Bark, or one whose port is reserved and started later by the test.
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
