"""compose.yaml, checked by docker-compose (Debian's 1.29, from the package registry) and
started on host networking (compose.host.yaml puts every service on 127.0.0.1 at free ports):
redis, one API replica, one worker and the site, with the images the tests built. Not started:
gateway (nginx finds the API replicas through Docker's DNS, absent on host networking) and
prometheus/grafana (their images come from registries, which cannot be reached here)."""

from __future__ import annotations

import os
import re
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml

from tests.containers.engine import HERE, ROOT, Containers, run, wait_for
from tests.containers.test_images import ready_health, speak
from tests.sidecar_process import free_port

COMPOSE_FILE = ROOT / "compose.yaml"
HOST_OVERRIDE = HERE / "compose.host.yaml"
STARTED = ["redis", "tts", "worker", "site"]


def compose() -> str:
    binary = shutil.which("docker-compose")
    assert binary, "docker-compose is missing: `make test-containers` installs Debian's"
    return binary


def config(*files: Path, env: dict[str, str] | None = None) -> dict[str, Any]:
    args = [arg for file in files for arg in ("--file", str(file))]
    out = run([compose(), *args, "config"], env={**os.environ, **(env or {})}).stdout
    parsed: dict[str, Any] = yaml.safe_load(out)
    return parsed


def dockerfile_targets() -> set[str]:
    text = (ROOT / "Dockerfile").read_text()
    return set(re.findall(r"^FROM\s+\S+\s+AS\s+(\S+)", text, re.MULTILINE | re.IGNORECASE))


def test_compose_file_is_valid_and_builds_the_dockerfiles_targets() -> None:
    services = config(COMPOSE_FILE)["services"]
    assert {"redis", "tts", "worker", "gateway", "site", "prometheus", "grafana"} <= set(services)
    built = {name: spec["build"] for name, spec in services.items() if "build" in spec}
    assert {name: spec["target"] for name, spec in built.items()} == {
        "tts": "sidecar", "worker": "worker", "site": "site"}
    assert {spec["target"] for spec in built.values()} <= dockerfile_targets()
    assert all(spec["args"]["BASE_IMAGE"] == "python:3.11-slim" for spec in built.values())
    # The gateway's nginx.conf and Prometheus' configuration are mounted from deploy/.
    for name in ("gateway", "prometheus"):
        for volume in services[name]["volumes"]:
            assert Path(volume.split(":")[0]).is_file(), volume
    # Only loopback publishes: nothing is reachable from other machines by default.
    published = [port for spec in services.values() for port in spec.get("ports", [])]
    assert published and all(str(port).startswith("127.0.0.1:") for port in published)


def host_network_file(env: dict[str, str], out: Path) -> Path:
    """compose.yaml with compose.host.yaml over it, resolved by docker-compose itself, less the
    published ports (host networking refuses them; compose 1.29 has no `!reset` to drop them)."""
    resolved = config(COMPOSE_FILE, HOST_OVERRIDE, env=env)
    for service in resolved["services"].values():
        if service.get("network_mode") == "host":
            service.pop("ports", None)
    out.write_text(yaml.safe_dump(resolved))
    return out


@pytest.fixture
def host_project(docker: str, sidecar_image: str, worker_image: str, site_image: str,
                 redis_image: str, tmp_path: Path) -> Iterator[tuple[list[str], dict[str, str]]]:
    """The host-network compose file's arguments and variables (images, free ports); on
    leaving, the project's containers are removed by id and its volumes with `down -v`."""
    env = {
        **os.environ,
        "LEGENDA_TTS_ENGINE": "espeak", "LEGENDA_API_REPLICAS": "1",
        "LEGENDA_WORKER_REPLICAS": "1",
        "LEGENDA_TEST_REDIS_IMAGE": redis_image, "LEGENDA_TEST_SIDECAR_IMAGE": sidecar_image,
        "LEGENDA_TEST_WORKER_IMAGE": worker_image, "LEGENDA_TEST_SITE_IMAGE": site_image,
        "COMPOSE_PROJECT_NAME": f"legenda-test-{uuid.uuid4().hex[:8]}",
    }
    for name in ("REDIS_PORT", "API_PORT", "WORKER_METRICS_PORT", "SITE_PORT"):
        env[f"LEGENDA_TEST_{name}"] = str(free_port())
    files = ["--file", str(host_network_file(env, tmp_path / "compose.yaml")),
             "--project-directory", str(ROOT)]
    try:
        yield files, env
    finally:
        ids = run([compose(), *files, "ps", "-q"], env=env, check=False).stdout.split()
        if ids:
            run([docker, "rm", "--force", "--volumes", *ids], check=False)
        run([compose(), *files, "down", "--volumes", "--remove-orphans"], env=env, check=False)


def test_compose_runs_redis_api_worker_and_site_on_host_network(
    docker: str, host_project: tuple[list[str], dict[str, str]]
) -> None:
    files, env = host_project
    run([compose(), *files, "up", "--detach", "--no-build", "--no-deps", *STARTED],
        env=env, timeout=300)
    ids = run([compose(), *files, "ps", "-q"], env=env).stdout.split()
    logs = Containers(docker)
    logs.ids = ids  # for their logs in failure messages (the fixture removes them)
    assert len(ids) == len(STARTED), logs.all_logs()
    url = f"http://127.0.0.1:{env['LEGENDA_TEST_API_PORT']}"
    ready_health(url, logs)
    wait_for(lambda: requests.get(f"{url}/api/health", timeout=10).json()["workers"]["total"],
             120, "compose's worker on compose's redis", logs.all_logs)
    speak(url, logs)  # enqueued by tts, said by the worker, through the legenda-data volume
    metrics_url = f"http://127.0.0.1:{env['LEGENDA_TEST_WORKER_METRICS_PORT']}/metrics"
    assert 'legenda_speech_jobs_total{result="done"} 1.0' in requests.get(
        metrics_url, timeout=10).text
    site_url = f"http://127.0.0.1:{env['LEGENDA_TEST_SITE_PORT']}/"
    site = wait_for(lambda: requests.get(site_url, timeout=10), 60, "the site", logs.all_logs)
    assert site.status_code == 200 and 'id="generate"' in site.text
    assert site.headers["Cross-Origin-Opener-Policy"] == "same-origin"
