"""The sidecar as users run it: ``python -m tts_server`` (waitress) on a free port."""

from __future__ import annotations

import io
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import wave
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import wait as futures_wait
from pathlib import Path

import pytest
import requests

from tests.sidecar_process import REPO_ROOT, Sidecar

TEXT = "Um gato no sofá"
TIMEOUT = 120


def _post(server: Sidecar, wait: int = TIMEOUT, **body: object) -> requests.Response:
    return requests.post(
        f"{server.url}/api/speech?wait={wait}", json={"text": TEXT, **body}, timeout=TIMEOUT
    )


def _wav(server: Sidecar, audio_url: str) -> wave.Wave_read:
    answer = requests.get(server.url + audio_url, timeout=TIMEOUT)
    assert answer.status_code == 200 and answer.headers["Content-Type"] == "audio/wav"
    return wave.open(io.BytesIO(answer.content))


def test_espeak_sidecar_serves_the_whole_api(sidecar: Callable[..., Sidecar]) -> None:
    server = sidecar()
    assert "espeak" in server.banner and server.url.startswith("http://127.0.0.1:")
    assert server.wait()["engine"] == "espeak"

    # What the README's curl does: POST, then follow the returned URLs.
    created = requests.post(
        f"{server.url}/api/speech", data='{"text":"Um gato no sofá"}',
        headers={"Content-Type": "application/json"}, timeout=TIMEOUT,
    )
    assert created.status_code in (200, 202)
    job = created.json()
    done = requests.get(f"{server.url}{job['status_url']}", timeout=TIMEOUT).json()
    if done["status"] != "done":
        done = _post(server).json()
    assert done["status"] == "done" and done["id"] == job["id"]
    with _wav(server, job["audio_url"]) as wav:
        assert (wav.getnchannels(), wav.getsampwidth(), wav.getframerate()) == (1, 2, 22_050)
        assert wav.getnframes() / 22_050 > 0.8

    ranged = requests.get(
        server.url + job["audio_url"], headers={"Range": "bytes=8-11"}, timeout=TIMEOUT
    )
    assert ranged.status_code == 206 and ranged.content == b"WAVE"

    preflight = requests.options(f"{server.url}/api/speech", headers={
        "Origin": "http://127.0.0.1:8000", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type",
        "Access-Control-Request-Private-Network": "true",
    }, timeout=TIMEOUT)
    assert preflight.headers["Access-Control-Allow-Origin"] == "http://127.0.0.1:8000"
    assert preflight.headers["Access-Control-Allow-Private-Network"] == "true"

    missing = requests.get(f"{server.url}/api/audio/..%2F..%2Fetc%2Fpasswd", timeout=TIMEOUT)
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "unknown-audio"
    bad = requests.post(
        f"{server.url}/api/speech", data="{", timeout=TIMEOUT,
        headers={"Content-Type": "application/json"},
    )
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "bad-json"


def test_concurrent_identical_requests_share_one_job_and_file(
    sidecar: Callable[..., Sidecar], tmp_path: Path
) -> None:
    server = sidecar(LEGENDA_AUDIO_DIR=str(tmp_path / "shared"))
    server.wait()
    text = "Vários pedidos iguais ao mesmo tempo."
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(lambda _: _post(server, text=text).json(), range(8)))
    assert {a["id"] for a in answers} == {answers[0]["id"]}
    assert {a["status"] for a in answers} == {"done"}
    assert [p.name for p in (tmp_path / "shared").iterdir()] == [f"{answers[0]['id']}.wav"]


def test_audio_survives_a_restart(sidecar: Callable[..., Sidecar], tmp_path: Path) -> None:
    folder = str(tmp_path / "kept")
    first = sidecar(LEGENDA_AUDIO_DIR=folder)
    first.wait()
    made = _post(first).json()
    assert made["status"] == "done"
    first.stop()

    second = sidecar(LEGENDA_AUDIO_DIR=folder)
    second.wait()
    status = requests.get(second.url + made["status_url"], timeout=TIMEOUT).json()
    assert status["status"] == "done" and status["duration_s"] == made["duration_s"]
    again = requests.post(f"{second.url}/api/speech", json={"text": TEXT}, timeout=TIMEOUT)
    assert again.status_code == 200 and again.json()["id"] == made["id"]
    with _wav(second, made["audio_url"]) as wav:
        assert wav.getframerate() == 22_050


def _refused_start_up(**variables: str) -> str:
    """Start the sidecar with these LEGENDA_* variables, expect exit code 2 and no traceback,
    and return what it printed on stderr."""
    env = {**os.environ, "LEGENDA_TTS_ENGINE": "espeak", **variables}
    result = subprocess.run(
        [sys.executable, "-m", "tts_server", "--port", "0"], cwd=REPO_ROOT, env=env,
        capture_output=True, text=True, timeout=TIMEOUT,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and "listening" not in result.stdout
    return result.stderr


def test_a_bad_setting_stops_start_up_naming_the_variable() -> None:
    stderr = _refused_start_up(LEGENDA_QUEUE_SIZE="many")
    assert "LEGENDA_QUEUE_SIZE='many' is not a whole number" in stderr


def test_a_model_missing_offline_is_reported_not_fatal(
    sidecar: Callable[..., Sidecar], tmp_path: Path
) -> None:
    server = sidecar(
        LEGENDA_TTS_ENGINE="bark", HF_HOME=str(tmp_path / "empty-hub-cache"), HF_HUB_OFFLINE="1"
    )
    health = server.wait("failed")
    assert health["model"] == "suno/bark-small"
    assert "not in the local cache" in health["error"] and "espeak" in health["error"]
    refused = _post(server)
    assert refused.status_code == 503
    assert refused.json()["error"] == {"code": "model-unavailable", "message": health["error"]}


def test_tiny_bark_sidecar_speaks_with_the_presets_its_folder_holds(
    sidecar: Callable[..., Sidecar], tiny_bark: Path
) -> None:
    server = sidecar(LEGENDA_TTS_ENGINE="bark", LEGENDA_TTS_MODEL=str(tiny_bark))
    assert server.wait()["device"] == "cpu"
    voices = requests.get(f"{server.url}/api/voices", timeout=TIMEOUT).json()
    assert voices["default_voice"] == "v2/pt_speaker_0"
    assert voices["languages"]["pt"] == ["v2/pt_speaker_0", "v2/pt_speaker_1", "v2/pt_speaker_2"]
    done = _post(server, text="Um gato no sofá. Um cão na rua.", voice="v2/pt_speaker_1").json()
    assert done["status"] == "done", done
    with _wav(server, done["audio_url"]) as wav:
        assert (wav.getsampwidth(), wav.getframerate()) == (2, 24_000)
        assert wav.getnframes() > 24_000 * 0.25  # two sentences and the pause between them


def test_a_hub_id_downloaded_before_loads_from_the_local_cache(
    sidecar: Callable[..., Sidecar], tiny_bark: Path, tmp_path: Path
) -> None:
    # The layout huggingface_hub gives a downloaded repo: snapshots/<revision>/ + refs/main.
    repo = tmp_path / "hf" / "hub" / "models--legenda-test--tiny-bark"
    revision = "0" * 40
    shutil.copytree(tiny_bark, repo / "snapshots" / revision)
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(revision)
    server = sidecar(
        LEGENDA_TTS_ENGINE="bark", LEGENDA_TTS_MODEL="legenda-test/tiny-bark",
        HF_HOME=str(tmp_path / "hf"),
    )
    assert server.wait()["model"] == "legenda-test/tiny-bark"
    done = _post(server, text="Um gato.", voice="v2/pt_speaker_2").json()
    assert done["status"] == "done", done


def test_an_unusable_audio_dir_stops_start_up_naming_the_variable(tmp_path: Path) -> None:
    a_file = tmp_path / "a-file"
    a_file.write_text("x")
    assert "configuration error: LEGENDA_AUDIO_DIR=" in _refused_start_up(
        LEGENDA_AUDIO_DIR=str(a_file)
    )


def _fake_espeak_folder(folder: Path) -> Path:
    """A PATH folder whose espeak-ng lists one voice and then hangs, writing its pid."""
    folder.mkdir()
    script = folder / "espeak-ng"
    script.write_text(
        "#!/bin/sh\n"
        'if [ "$1" = "--voices" ]; then\n'
        "  echo 'Pty Language       Age/Gender VoiceName          File          Other Languages'\n"
        "  echo ' 5  pt-br           --/M      Portuguese_(Brazil) roa/pt-BR'\n"
        "  exit 0\n"
        "fi\n"
        f'echo $$ > "{folder}/pid"\n'
        "exec sleep 600\n"
    )
    script.chmod(0o755)
    return folder


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_stop_signal_ends_the_running_job_and_leaves_no_child(
    sidecar: Callable[..., Sidecar], tmp_path: Path, signum: int
) -> None:
    fake = _fake_espeak_folder(tmp_path / "bin")
    server = sidecar(
        PATH=f"{fake}:{os.environ['PATH']}", LEGENDA_SHUTDOWN_GRACE_S="1",
        LEGENDA_JOB_TIMEOUT_S="600",
    )
    server.wait()
    job = requests.post(f"{server.url}/api/speech", json={"text": TEXT}, timeout=TIMEOUT)
    assert job.status_code == 202
    pid_file = fake / "pid"
    end = time.monotonic() + TIMEOUT
    while not pid_file.exists() or not pid_file.read_text().strip():
        assert time.monotonic() < end, "the engine never started"
        time.sleep(0.05)
    child = int(pid_file.read_text())
    server.send_signal(signum)
    assert server.wait_exit(timeout=30) == 0  # the grace (1 s) plus start/stop work
    with pytest.raises(ProcessLookupError):
        os.kill(child, 0)
    assert "stopping" in server.log()


def test_waitress_refuses_a_huge_body_before_reading_it(sidecar: Callable[..., Sidecar]) -> None:
    server = sidecar()
    server.wait()
    with socket.create_connection(("127.0.0.1", server.port), timeout=TIMEOUT) as sock:
        sock.sendall(
            b"POST /api/speech HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/json\r\nContent-Length: 300000000\r\n\r\n"
        )
        answer = b""
        while chunk := sock.recv(4096):  # the server closes the connection after its answer
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 413"), answer
    head, _, body = answer.decode("latin-1").partition("\r\n\r\n")
    assert "content-type: application/json" in head.lower()
    assert json.loads(body)["error"]["code"] == "text-too-long"


def _refusal(answer: requests.Response, code: str) -> dict[str, str]:
    assert answer.status_code == 413, answer.text
    assert answer.headers["Content-Type"] == "application/json"
    error: dict[str, str] = answer.json()["error"]
    assert error["code"] == code and error["message"], error
    return error


def test_every_oversized_body_gets_a_json_error(sidecar: Callable[..., Sidecar]) -> None:
    server = sidecar()
    server.wait()
    long_text = {"text": "Um gato no sofá. " * 6000}  # 102,000 characters: over the body limit
    _refusal(requests.post(f"{server.url}/api/speech", json=long_text, timeout=TIMEOUT),
             "text-too-long")
    openai_error = _refusal(requests.post(
        f"{server.url}/v1/audio/speech", json={"model": "tts-1", "input": long_text["text"]},
        timeout=TIMEOUT,
    ), "text-too-long")
    assert openai_error["type"] == "invalid_request_error"  # OpenAI's shape on its routes
    # A chunked body has no Content-Length: it is refused once the limit is passed.
    chunks = (b"x" * 8192 for _ in range(40))
    chunked = requests.post(
        f"{server.url}/api/speech", data=chunks, timeout=TIMEOUT,
        headers={"Content-Type": "application/json", "Origin": "http://localhost:8000"},
    )
    _refusal(chunked, "text-too-long")
    assert chunked.headers["Access-Control-Allow-Origin"] == "http://localhost:8000"
    # Within the limit but over the text limit: the app's own 413, the same shape.
    over = requests.post(f"{server.url}/api/speech", json={"text": "a" * 1001}, timeout=TIMEOUT)
    _refusal(over, "text-too-long")


def test_the_real_server_refuses_foreign_host_names(sidecar: Callable[..., Sidecar]) -> None:
    server = sidecar()
    server.wait()
    refused = requests.get(
        f"{server.url}/api/voices", headers={"Host": "rebound.example"}, timeout=TIMEOUT
    )
    assert refused.status_code == 421 and refused.json()["error"]["code"] == "unknown-host"
    assert requests.get(f"{server.url}/api/voices", timeout=TIMEOUT).status_code == 200


def test_a_client_trickling_its_request_is_dropped_and_others_are_served(
    tmp_path: Path,
) -> None:
    server = Sidecar(
        tmp_path, {"LEGENDA_TTS_ENGINE": "espeak"},
        args=("--channel-timeout", "5", "--request-timeout", "1"),
    )
    try:
        server.start()
        with socket.create_connection(("127.0.0.1", server.port), timeout=TIMEOUT) as sock:
            sock.sendall(b"GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            dropped = False
            for n in range(200):  # one header line every 0.2 s: never silent for 5 s
                try:
                    sock.sendall(f"X-Slow-{n}: a\r\n".encode())
                    sock.settimeout(0.2)
                    dropped = sock.recv(1) == b""
                except TimeoutError:
                    continue
                except OSError:  # reset by the server
                    dropped = True
                if dropped:
                    break
            assert dropped, "the trickling connection was kept for 40 s"
        assert server.health()["status"] == "ready"  # type: ignore[index]
    finally:
        server.stop()


def test_long_polls_cannot_take_every_thread(tmp_path: Path) -> None:
    fake = _fake_espeak_folder(tmp_path / "bin")  # jobs never finish: every ?wait= runs out
    server = Sidecar(
        tmp_path, {"LEGENDA_TTS_ENGINE": "espeak", "PATH": f"{fake}:{os.environ['PATH']}",
                   "LEGENDA_MAX_LONG_POLLS": "2", "LEGENDA_QUEUE_SIZE": "20",
                   "LEGENDA_SHUTDOWN_GRACE_S": "0"},
        args=("--threads", "4"),
    )
    try:
        server.start()
        with ThreadPoolExecutor(max_workers=10) as pool:
            posts = [pool.submit(_post, server, 12, text=f"Texto {n}.") for n in range(10)]
            done, waiting = futures_wait(posts, timeout=8)
            # Two hold their threads for 12 s; the other eight answered at once, to poll.
            assert (len(done), len(waiting)) == (8, 2)
            assert {p.result().status_code for p in done} == {202}
            assert server.health()["status"] == "ready"  # type: ignore[index]
    finally:
        server.stop()
