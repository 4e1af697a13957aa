"""Docker for the container tests: the engine, a locally made base image, the project's images
and containers that are always removed.

Nothing is pulled from a registry. The base stands in for ``python:3.11-slim``: a Debian root
file system made by ``debootstrap`` from the Debian mirror apt uses, ``docker import``ed, plus
Debian's Python (base.Dockerfile). This machine's pip CA bundle and find-links (torch's CPU
wheel) go into that base only, never into the project's images. Builds run with BuildKit and
host networking (apt, pip and npm reach their registries from inside the build).
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
DEBIAN_IMAGE = "legenda-local/debian:bookworm"
BASE_IMAGE = "legenda-local/python:3.11"
TEST_PREFIX = "legenda-test"  # project images and container names made by the tests
INPUTS_LABEL = "org.legenda.inputs"
DEFAULT_MIRROR = "http://deb.debian.org/debian"
T = TypeVar("T")
DOCKERD_LOG = Path(tempfile.gettempdir()) / "legenda-dockerd.log"


class DockerError(RuntimeError):
    """A docker command failed; the message holds its output."""


def run(command: Sequence[str], *, timeout: float = 120, check: bool = True,
        env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Runs a command, its output captured; DockerError with that output when it fails."""
    result = subprocess.run(list(command), capture_output=True, text=True, timeout=timeout,
                            env=env, check=False)
    if check and result.returncode != 0:
        raise DockerError(
            f"{' '.join(command)} exited with {result.returncode}:\n"
            f"{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
        )
    return result


# -- the engine -----------------------------------------------------------------------------

def docker_client() -> str:
    """A docker client that can build with BuildKit: one with the buildx plugin, or a client
    older than 23 (BuildKit built in; Debian's docker.io installs one as /usr/bin/docker)."""
    candidates = [os.environ.get("LEGENDA_DOCKER", ""), "docker", "/usr/bin/docker"]
    for candidate in dict.fromkeys(c for c in candidates if c):
        path = shutil.which(candidate)
        if path is None:
            continue
        if run([path, "buildx", "version"], check=False, timeout=30).returncode == 0:
            return path
        version = run([path, "version", "--format", "{{.Client.Version}}"], check=False,
                      timeout=30).stdout.strip()
        major = re.match(r"\d+", version)
        if major and int(major.group()) < 23:
            return path
    raise DockerError(
        "No docker client that builds with BuildKit: install Docker's buildx plugin, or "
        "Debian's docker.io (its /usr/bin/docker has BuildKit built in)."
    )


def ensure_daemon(docker: str, wait_s: float = 60) -> None:
    """Starts dockerd (as root, logging to DOCKERD_LOG) when no engine answers. It is left
    running afterwards, like the system service it stands in for."""
    if run([docker, "info"], check=False, timeout=30).returncode == 0:
        return
    dockerd = shutil.which("dockerd")
    if dockerd is None or os.geteuid() != 0:
        raise DockerError("No Docker engine answers, and dockerd cannot be started here "
                          "(it needs root and Debian's docker.io).")
    # Detached (its own session, re-parented when sh exits): it outlives the tests, and
    # inherits their niceness, so its builds and containers yield to other work too.
    run(["sh", "-c", 'setsid "$0" >> "$1" 2>&1 < /dev/null &', dockerd, str(DOCKERD_LOG)])
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        if run([docker, "info"], check=False, timeout=30).returncode == 0:
            return
        time.sleep(1)
    raise DockerError(f"dockerd did not answer within {wait_s:.0f} s; see {DOCKERD_LOG}")


def image_label(docker: str, image: str, label: str) -> str | None:
    """The label's value on a local image, or None when the image is not there."""
    result = run([docker, "image", "inspect", "--format",
                  f'{{{{index .Config.Labels "{label}"}}}}', image], check=False, timeout=30)
    return result.stdout.strip() if result.returncode == 0 else None


# -- the local base -------------------------------------------------------------------------

def debian_mirror(sources: Sequence[Path] = (Path("/etc/apt/sources.list"),
                                             Path("/etc/apt/sources.list.d"))) -> str:
    """The Debian mirror apt uses here (LEGENDA_DEBIAN_MIRROR overrides it)."""
    if os.environ.get("LEGENDA_DEBIAN_MIRROR"):
        return os.environ["LEGENDA_DEBIAN_MIRROR"]
    files = [f for s in sources if s.exists()
             for f in ([s] if s.is_file() else sorted(s.glob("*")))]
    for file in files:
        text = file.read_text()
        for url in re.findall(r"^(?:deb\s+(?:\[[^\]]*\]\s+)?|URIs:\s*)(\S+)", text, re.MULTILINE):
            if str(url).rstrip("/").endswith("/debian"):
                return str(url).rstrip("/")
    return DEFAULT_MIRROR


def build_debian(docker: str) -> None:
    """``debootstrap --variant=minbase bookworm`` imported as DEBIAN_IMAGE (once: kept)."""
    if image_label(docker, DEBIAN_IMAGE, INPUTS_LABEL) is not None:
        return
    with tempfile.TemporaryDirectory(prefix="legenda-rootfs-") as rootfs:
        run(["debootstrap", "--variant=minbase", "bookworm", rootfs, debian_mirror()],
            timeout=900)
        with subprocess.Popen(["tar", "-C", rootfs, "-c", "."], stdout=subprocess.PIPE) as tar:
            imported = subprocess.run([docker, "import", "-", DEBIAN_IMAGE], stdin=tar.stdout,
                                      capture_output=True, text=True, timeout=600, check=False)
        if imported.returncode != 0 or tar.returncode != 0:
            raise DockerError(f"docker import failed: {imported.stderr}")


def host_pip_settings() -> dict[str, list[str]]:
    """pip's ``cert`` and ``find-links`` as configured here (files and environment)."""
    listing = run([sys.executable, "-m", "pip", "config", "list"], check=False).stdout
    settings: dict[str, list[str]] = {"cert": [], "find-links": []}
    for line in listing.splitlines():
        key, _, value = line.partition("=")
        name = key.rsplit(".", 1)[-1]
        if name in settings:
            settings[name].extend(value.strip().strip("'\"").split())
    return {name: list(dict.fromkeys(values)) for name, values in settings.items()}


def _base_context(context: Path) -> None:
    """The base's build context: base.Dockerfile, this machine's CA bundle and torch wheels."""
    shutil.copy(HERE / "base.Dockerfile", context / "Dockerfile")
    pip_conf = ["[global]"]
    certs = [Path(c) for c in host_pip_settings()["cert"] if Path(c).is_file()]
    (context / "host-ca.crt").write_bytes(certs[0].read_bytes() if certs else b"")
    if certs:
        pip_conf.append("cert = /etc/legenda-local/host-ca.crt")
    wheels = context / "wheels"
    wheels.mkdir()
    for folder in host_pip_settings()["find-links"]:
        for wheel in Path(folder).glob("torch-*+cpu-cp311-*.whl"):
            if _same_device(wheel, wheels):
                os.link(wheel, wheels / wheel.name)
            else:
                shutil.copy(wheel, wheels / wheel.name)
    if any(wheels.iterdir()):
        pip_conf.append("find-links = /etc/legenda-local/wheels")
    (context / "pip.conf").write_text("\n".join(pip_conf) + "\n")


def _same_device(a: Path, b: Path) -> bool:
    return a.stat().st_dev == b.stat().st_dev


def _digest(context: Path) -> str:
    digest = hashlib.sha256()
    for file in sorted(p for p in context.rglob("*") if p.is_file()):
        stat = file.stat()
        small = file.read_bytes() if stat.st_size < 1 << 20 else str(stat.st_size).encode()
        digest.update(file.name.encode() + b"\0" + small + b"\0")
    return digest.hexdigest()[:16]


def build_base(docker: str) -> str:
    """BASE_IMAGE, rebuilt only when its inputs (context files, Debian image) changed;
    returns its name."""
    build_debian(docker)
    with tempfile.TemporaryDirectory(prefix="legenda-base-") as tmp:
        context = Path(tmp)
        _base_context(context)
        debian_id = run([docker, "image", "inspect", "--format", "{{.Id}}", DEBIAN_IMAGE],
                        timeout=30).stdout.strip()
        inputs = f"{_digest(context)}-{debian_id[-12:]}"
        if image_label(docker, BASE_IMAGE, INPUTS_LABEL) == inputs:
            return BASE_IMAGE
        build(docker, context, BASE_IMAGE, labels={INPUTS_LABEL: inputs},
              args={"DEBIAN_IMAGE": DEBIAN_IMAGE})
    return BASE_IMAGE


# -- the project's images -------------------------------------------------------------------

def build(docker: str, context: Path, tag: str, *, target: str | None = None,
          dockerfile: Path | None = None, args: dict[str, str] | None = None,
          labels: dict[str, str] | None = None, timeout: float = 1800) -> None:
    command = [docker, "build", "--network", "host", "--progress", "plain", "-t", tag]
    command += ["--file", str(dockerfile)] if dockerfile else []
    command += ["--target", target] if target else []
    for key, value in (args or {}).items():
        command += ["--build-arg", f"{key}={value}"]
    for key, value in (labels or {}).items():
        command += ["--label", f"{key}={value}"]
    run([*command, str(context)], timeout=timeout, env={**os.environ, "DOCKER_BUILDKIT": "1"})


def build_project_image(docker: str, target: str, base: str) -> str:
    """The Dockerfile's ``target`` on ``base``; on the local base, torch comes from its
    find-links, on another (LEGENDA_TEST_BASE_IMAGE) from the Dockerfile's default index."""
    tag = f"{TEST_PREFIX}/{target}"
    args = {"BASE_IMAGE": base} | ({"TORCH_INDEX_URL": ""} if base == BASE_IMAGE else {})
    build(docker, ROOT, tag, target=target, args=args)
    return tag


def build_redis_image(docker: str, base: str) -> str:
    """Debian's redis-server in an image (redis.Dockerfile), for compose's redis service:
    on the local Debian image, or on ``base`` when it is another (Debian-based) image."""
    tag = f"{TEST_PREFIX}/redis"
    debian = DEBIAN_IMAGE if base == BASE_IMAGE else base
    build(docker, HERE, tag, dockerfile=HERE / "redis.Dockerfile",
          args={"DEBIAN_IMAGE": debian})
    return tag


# -- containers -----------------------------------------------------------------------------

class Containers:
    """Starts containers on host networking and removes every one it started, by id."""

    def __init__(self, docker: str) -> None:
        self.docker = docker
        self.ids: list[str] = []

    def start(self, image: str, *command: str, env: dict[str, str] | None = None,
              volumes: dict[Path | str, str] | None = None, network: str = "host") -> str:
        name = f"{TEST_PREFIX}-{uuid.uuid4().hex[:12]}"
        args = [self.docker, "run", "--detach", "--network", network, "--name", name]
        for key, value in (env or {}).items():
            args += ["--env", f"{key}={value}"]
        for source, target in (volumes or {}).items():
            args += ["--volume", f"{source}:{target}"]
        try:
            container = run([*args, image, *command]).stdout.strip()
        except DockerError:  # created but not started: no id came back, its name did
            run([self.docker, "rm", "--force", "--volumes", name], check=False)
            raise
        self.ids.append(container)
        return container

    def logs(self, container: str) -> str:
        result = run([self.docker, "logs", "--tail", "60", container], check=False)
        return f"--- docker logs {container[:12]} ---\n{result.stdout}{result.stderr}"

    def all_logs(self) -> str:
        return "\n".join(self.logs(c) for c in self.ids)

    def exec(self, container: str, *command: str) -> subprocess.CompletedProcess[str]:
        return run([self.docker, "exec", container, *command], check=False)

    def remove_all(self) -> None:
        if self.ids:
            run([self.docker, "rm", "--force", "--volumes", *self.ids], check=False)
            self.ids.clear()


def wait_for(condition: Callable[[], T | None], timeout: float, what: str,
             logs: Callable[[], str] | None = None) -> T:
    """Polls ``condition()`` until it returns something true (connection errors count as
    not yet); AssertionError after ``timeout`` seconds, with ``logs()`` in the message."""
    deadline = time.monotonic() + timeout
    last: object = None
    while time.monotonic() < deadline:
        try:
            value = condition()
        except OSError as error:  # not listening yet
            last = error
        else:
            last = value
            if value:
                return value
        time.sleep(0.5)
    extra = logs() if logs else ""
    raise AssertionError(f"{what} not within {timeout:.0f} s (last: {last!r})\n{extra}")

