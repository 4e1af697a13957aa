"""The audio folder going wrong under a running ``python -m tts_server``: files cut short or
removed by hand, and a folder that stops being writable.

Tests run as root, and root writes into a folder whose mode says read-only (chmod), so that is
no test. What refuses root too: a read-only mount (a tmpfs remounted ``ro``: EROFS) and an
immutable folder (``chattr +i`` on ext4: EPERM). ``lockable_folder`` uses the first this machine
allows, and skips where neither is (a container without mount rights on overlayfs).
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from tests.sidecar_process import Sidecar

TEXT = "Um gato no sofá"
TIMEOUT = 60


@dataclass
class LockableFolder:
    path: Path
    lock: Callable[[], None]
    unlock: Callable[[], None]


def _run(*command: str) -> bool:
    return subprocess.run(command, capture_output=True, check=False).returncode == 0


@pytest.fixture
def lockable_folder(tmp_path: Path) -> Iterator[LockableFolder]:
    """A folder that ``lock()`` makes unwritable for root too, and ``unlock()`` gives back."""
    folder = tmp_path / "audio"
    folder.mkdir()
    if _run("mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(folder)):
        try:
            yield LockableFolder(
                folder, lambda: _check(_run("mount", "-o", "remount,ro", str(folder))),
                lambda: _check(_run("mount", "-o", "remount,rw", str(folder))),
            )
        finally:
            _run("umount", str(folder))
        return
    if not _run("chattr", "+i", str(folder)):
        pytest.skip("neither a tmpfs mount nor chattr +i is allowed here")
    _run("chattr", "-i", str(folder))
    try:
        yield LockableFolder(
            folder, lambda: _check(_run("chattr", "+i", str(folder))),
            lambda: _check(_run("chattr", "-i", str(folder))),
        )
    finally:
        _run("chattr", "-i", str(folder))


def _check(done: bool) -> None:
    assert done, "the folder's state could not be changed"


def _made(server: Sidecar, text: str = TEXT) -> dict[str, object]:
    answer = requests.post(
        f"{server.url}/api/speech?wait={TIMEOUT}", json={"text": text}, timeout=TIMEOUT
    )
    assert answer.status_code == 200, answer.text
    body: dict[str, object] = answer.json()
    assert body["status"] == "done"
    return body


def test_a_file_cut_or_removed_while_serving_is_made_again(
    sidecar: Callable[..., Sidecar], tmp_path: Path
) -> None:
    server = sidecar(LEGENDA_AUDIO_DIR=str(tmp_path / "audio"))
    server.wait()
    made = _made(server)
    path = tmp_path / "audio" / f"{made['id']}.wav"
    audio_url = f"{server.url}{made['audio_url']}"
    whole = path.read_bytes()
    assert requests.get(audio_url, timeout=TIMEOUT).content == whole
    for cut in ("half", "zero bytes", "removed"):
        if cut == "removed":
            path.unlink()
        else:
            with open(path, "r+b") as file:  # in place: the server's open handle sees it too
                file.truncate(len(whole) // 2 if cut == "half" else 0)
        broken = requests.get(audio_url, timeout=TIMEOUT)
        assert broken.status_code == 404 and broken.json()["error"]["code"] == "unknown-audio"
        assert requests.get(f"{server.url}{made['status_url']}", timeout=TIMEOUT).status_code == 404
        again = _made(server)  # the next request makes it again, whole
        assert again["id"] == made["id"] and path.read_bytes() == whole, cut
        assert requests.get(audio_url, timeout=TIMEOUT).content == whole


def test_a_read_only_folder_refuses_new_texts_at_once_and_recovers(
    sidecar: Callable[..., Sidecar], lockable_folder: LockableFolder
) -> None:
    server = sidecar(LEGENDA_AUDIO_DIR=str(lockable_folder.path))
    server.wait()
    stored = _made(server)
    lockable_folder.lock()
    try:
        refused = requests.post(f"{server.url}/api/speech", json={"text": "Outro texto"},
                                timeout=TIMEOUT)
        assert refused.status_code == 503 and refused.headers["Retry-After"]
        error = refused.json()["error"]
        assert error["code"] == "storage-unavailable" and "cannot be written" in error["message"]
        assert requests.get(f"{server.url}{stored['audio_url']}", timeout=TIMEOUT).ok
        assert _made(server)["id"] == stored["id"]  # stored audio: still served as done
        health = server.health()
        assert health is not None and health["status"] == "degraded"
        assert health["storage"]["writable"] is False
    finally:
        lockable_folder.unlock()
    end = time.monotonic() + 30  # a write is tried again every couple of seconds
    while (health := server.health()) is None or health["status"] != "ready":
        assert time.monotonic() < end, health
        time.sleep(0.5)
    assert _made(server, "Outro texto")["status"] == "done"
