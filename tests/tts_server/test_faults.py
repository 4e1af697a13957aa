"""Faults an operator would otherwise have to fix by hand, through the API on espeak: a full or
read-only audio folder, cut-short files, hung engines, long-polls that hold threads; and the
caching headers of audio answers."""

from __future__ import annotations

import errno
import os
import stat
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask

from tests.tts_server.conftest import Gate
from tts_server import store as store_module
from tts_server.config import ConfigError
from tts_server.service import service_of

TEXT = "Um gato no sofá"


def _fail_writes(monkeypatch: pytest.MonkeyPatch, code: int) -> Callable[[], None]:
    """Creating files in the audio folder fails with ``code`` until the returned fix() runs."""
    broken = [True]
    real_mkstemp = tempfile.mkstemp

    def mkstemp(*args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        if broken[0]:
            raise OSError(code, os.strerror(code))
        return real_mkstemp(*args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(store_module.tempfile, "mkstemp", mkstemp)
    monkeypatch.setattr(store_module, "_RECHECK_S", 0.0)
    # A healthy store's own write test does not run here: the failure is met by a job first.
    monkeypatch.setattr(store_module, "_HEALTHY_RECHECK_S", 3600.0)
    return lambda: broken.__setitem__(0, False)


@pytest.mark.parametrize(("code", "words"), [
    (errno.EROFS, "cannot be written"), (errno.EACCES, "cannot be written"),
    (errno.ENOSPC, "is full"),
])
def test_a_broken_audio_folder_serves_stored_audio_says_why_and_recovers(
    app: Flask, monkeypatch: pytest.MonkeyPatch, code: int, words: str
) -> None:
    client = app.test_client()
    stored = client.post("/api/speech?wait=60", json={"text": TEXT}).get_json()
    fix = _fail_writes(monkeypatch, code)
    monkeypatch.setattr(os, "utime", lambda *a, **k: (_ for _ in ()).throw(OSError(code, "no")))

    again = client.post("/api/speech", json={"text": TEXT})  # already stored: still served
    assert again.status_code == 200 and again.get_json()["status"] == "done"
    with client.get(stored["audio_url"]) as audio:
        assert audio.status_code == 200 and audio.get_data()[:4] == b"RIFF"
    # The first text after the folder broke is made, then cannot be stored: it fails saying why.
    first = client.post("/api/speech?wait=60", json={"text": "Um texto novo"}).get_json()
    assert first["status"] == "failed" and words in first["error"]
    # From then on new texts are refused at once, with the same sentence.
    refused = client.post("/api/speech", json={"text": "Um texto novo"})
    assert refused.status_code == 503 and refused.headers["Retry-After"]
    error = refused.get_json()["error"]
    assert error["code"] == "storage-unavailable" and words in error["message"]
    assert "LEGENDA_AUDIO_DIR" in error["message"] and "/" + "tmp" not in error["message"]
    assert service_of(app).queue.depth() == 0  # nothing was queued
    health = client.get("/api/health").get_json()
    assert health["status"] == "degraded" and health["loaded"] is True
    assert health["storage"]["writable"] is False and words in health["storage"]["problem"]

    fix()  # the operator frees space / remounts the folder: no restart needed
    health = client.get("/api/health").get_json()
    assert health["storage"]["writable"] is True and health["status"] == "ready"
    made = client.post("/api/speech?wait=60", json={"text": "Um texto novo"}).get_json()
    assert made["status"] == "done"


def test_a_job_whose_store_fails_midway_fails_with_the_reason(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    gate = Gate(service_of(app))
    client = app.test_client()
    job = client.post("/api/speech", json={"text": TEXT}).get_json()
    gate.wait_entered()
    _fail_writes(monkeypatch, errno.ENOSPC)
    gate.open()
    service_of(app).queue.get(job["id"]).finished.wait(60)  # type: ignore[union-attr]
    status = client.get(job["status_url"]).get_json()
    assert status["status"] == "failed" and "is full" in status["error"]


def test_a_cut_short_file_is_made_again(make_app: Callable[..., Flask], tmp_path: Path) -> None:
    client = make_app().test_client()
    made = client.post("/api/speech?wait=60", json={"text": TEXT}).get_json()
    path = tmp_path / "audio" / f"{made['id']}.wav"
    whole = path.read_bytes()
    path.write_bytes(whole[: len(whole) // 2])  # what a power loss did before fsync
    restarted = make_app().test_client()
    assert restarted.get(made["status_url"]).status_code == 404
    again = restarted.post("/api/speech?wait=60", json={"text": TEXT}).get_json()
    assert again["status"] == "done" and path.read_bytes() == whole


def test_an_unusable_audio_dir_is_a_configuration_error(
    make_app: Callable[..., Flask], tmp_path: Path
) -> None:
    a_file = tmp_path / "not-a-folder"
    a_file.write_text("x")
    with pytest.raises(ConfigError, match="LEGENDA_AUDIO_DIR"):
        make_app(audio_dir=a_file / "audio")


def _fake_espeak(folder: Path) -> Path:
    """An espeak-ng that never answers: it writes its pid and sleeps."""
    script = folder / "espeak-ng"
    script.write_text(f'#!/bin/sh\necho $$ > "{folder}/pid"\nexec sleep 600\n')
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return script


def _gone(pid: int, within_s: float = 30) -> bool:
    """True once ``pid`` has ended and been reaped (a killed child ends at once)."""
    end = time.monotonic() + within_s
    while time.monotonic() < end:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.02)
    return False


def test_a_hung_espeak_is_killed_at_the_job_deadline(
    make_app: Callable[..., Flask], tmp_path: Path
) -> None:
    app = make_app(job_timeout_s=1)
    service_of(app).engine.binary = str(_fake_espeak(tmp_path))  # type: ignore[attr-defined]
    client = app.test_client()
    body = client.post("/api/speech?wait=60", json={"text": TEXT}).get_json()
    assert body["status"] == "failed" and "LEGENDA_JOB_TIMEOUT_S" in body["error"]
    assert _gone(int((tmp_path / "pid").read_text()))
    assert client.get("/api/health").get_json()["workers"]["state"] == "idle"


def test_an_engine_that_ignores_its_deadline_shows_as_stuck(
    make_app: Callable[..., Flask],
) -> None:
    app = make_app(job_timeout_s=1)
    release = threading.Event()
    real = service_of(app).engine.synthesize

    def hung(text: str, voice: str):  # type: ignore[no-untyped-def]
        assert release.wait(60)
        return real(text, voice)

    service_of(app).engine.synthesize = hung  # type: ignore[method-assign]
    client = app.test_client()
    body = client.post("/api/speech?wait=60", json={"text": TEXT}).get_json()
    assert body["status"] == "failed" and "LEGENDA_JOB_TIMEOUT_S" in body["error"]
    assert client.get("/api/health").get_json()["workers"] == {
        "state": "stuck", "total": 1, "busy": 1, "stuck": 1,
    }
    release.set()
    end = time.monotonic() + 60
    while client.get("/api/health").get_json()["workers"]["state"] != "idle":
        assert time.monotonic() < end, "the synthesis thread never came back"
        time.sleep(0.05)
    assert client.get(body["status_url"]).get_json()["status"] == "failed"  # not overwritten


def test_a_busy_synthesis_thread_shows_in_health(app: Flask) -> None:
    gate = Gate(service_of(app))
    client = app.test_client()
    client.post("/api/speech", json={"text": TEXT})
    gate.wait_entered()
    assert client.get("/api/health").get_json()["workers"]["state"] == "busy"
    gate.open()


def test_long_polls_beyond_the_cap_answer_at_once(make_app: Callable[..., Flask]) -> None:
    app = make_app(max_long_polls=1)
    service = service_of(app)
    gate = Gate(service)
    client = app.test_client()
    assert service.long_polls.acquire(blocking=False)  # another ?wait= request holds the slot
    try:
        early = client.post("/api/speech?wait=600", json={"text": TEXT})
        assert early.status_code == 202 and early.get_json()["status"] in ("queued", "running")
        assert client.get("/api/health?wait=600").status_code == 200
    finally:
        service.long_polls.release()
    gate.open()
    assert client.post("/api/speech?wait=60", json={"text": TEXT}).status_code == 200


def test_audio_has_a_stable_etag_and_is_cached_for_good(app: Flask) -> None:
    client = app.test_client()
    made = client.post("/api/speech?wait=60", json={"text": TEXT}).get_json()
    url = made["audio_url"]
    with client.get(url) as first:
        whole = first.get_data()
        etag = first.headers["ETag"]
    client.get(made["status_url"])  # a use in between bumps the file's time
    with client.get(url) as second:
        assert second.headers["ETag"] == etag == f'"{made["id"]}"'
        assert second.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        assert second.headers["X-Content-Type-Options"] == "nosniff"
    with client.get(url, headers={"If-None-Match": etag}) as cached:
        assert cached.status_code == 304 and cached.headers["X-Content-Type-Options"] == "nosniff"
    with client.get(url, headers={"If-Range": etag, "Range": "bytes=8-11"}) as part:
        assert part.status_code == 206 and part.get_data() == b"WAVE"
    with client.get(url, headers={"If-Range": '"other"', "Range": "bytes=8-11"}) as changed:
        assert changed.status_code == 200 and changed.get_data() == whole
    for answer in [client.get("/api/health"), client.get("/api/nothing"),
                   client.post("/api/speech", data="x", content_type="text/plain")]:
        assert answer.headers["X-Content-Type-Options"] == "nosniff"


def test_closing_fails_waiting_jobs_stops_the_running_one_and_kills_its_child(
    make_app: Callable[..., Flask], tmp_path: Path
) -> None:
    app = make_app(synthesis_threads=2, queue_size=1, shutdown_grace_s=0)
    service = service_of(app)
    service.engine.binary = str(_fake_espeak(tmp_path))  # type: ignore[attr-defined]
    client = app.test_client()
    running = client.post("/api/speech", json={"text": TEXT}).get_json()
    end = time.monotonic() + 60
    while not (tmp_path / "pid").exists() or not (tmp_path / "pid").read_text().strip():
        assert time.monotonic() < end, "the engine never started"
        time.sleep(0.02)
    child = int((tmp_path / "pid").read_text())
    service.close()  # more threads than queue places: the end markers must not block
    assert _gone(child)
    status = client.get(running["status_url"]).get_json()
    assert status["status"] == "failed" and "stopped" in status["error"]
    refused = client.post("/api/speech", json={"text": "Outro texto"})
    assert refused.status_code == 503 and refused.get_json()["error"]["code"] == "shutting-down"
