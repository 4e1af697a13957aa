"""Fixtures of the container tests (`make test-containers`, never `make test`): the Docker
engine, the images (built once per session on a locally made base) and containers that are
removed by id after each test, whatever happens.

They run only with LEGENDA_CONTAINER_TESTS=1 (the make target sets it): they need root, a
Docker engine and minutes of building, so plain `pytest` and `make test` skip them.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.containers import engine

ENABLED = os.environ.get("LEGENDA_CONTAINER_TESTS") == "1"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if ENABLED:
        return
    skip = pytest.mark.skip(reason="container tests: run `make test-containers`")
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.path).parents:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def docker() -> str:
    client = engine.docker_client()
    engine.ensure_daemon(client)
    return client


@pytest.fixture(scope="session")
def base_image(docker: str) -> str:
    """The locally made base, or LEGENDA_TEST_BASE_IMAGE where images can be pulled (e.g.
    python:3.11-slim, the Dockerfile's default)."""
    return os.environ.get("LEGENDA_TEST_BASE_IMAGE") or engine.build_base(docker)


@pytest.fixture(scope="session")
def sidecar_image(docker: str, base_image: str) -> str:
    return engine.build_project_image(docker, "sidecar", base_image)


@pytest.fixture(scope="session")
def worker_image(docker: str, base_image: str, sidecar_image: str) -> str:
    return engine.build_project_image(docker, "worker", base_image)


@pytest.fixture(scope="session")
def site_image(docker: str, base_image: str) -> str:
    return engine.build_project_image(docker, "site", base_image)


@pytest.fixture(scope="session")
def redis_image(docker: str, base_image: str) -> str:
    return engine.build_redis_image(docker, base_image)


@pytest.fixture
def containers(docker: str) -> Iterator[engine.Containers]:
    started = engine.Containers(docker)
    try:
        yield started
    finally:
        started.remove_all()


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A folder for /data that the images' user (not root) may write."""
    folder = tmp_path / "data"
    folder.mkdir()
    folder.chmod(0o777)
    return folder
