"""Fixtures for the CPython tests of web/py/legenda."""

from __future__ import annotations

import types
from collections.abc import Iterator

import pytest
from fake_pyodide import install


@pytest.fixture()
def legenda(monkeypatch: pytest.MonkeyPatch) -> Iterator[types.SimpleNamespace]:
    """The browser-only legenda modules, imported against fakes of Pyodide's modules."""
    yield from install(monkeypatch)
