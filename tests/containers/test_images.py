"""The Dockerfile's images, built on the locally made base and run as containers: the sidecar
(its default command, and on host networking with an espeak job), the site (types and
isolation headers) and a worker container taking a job from a redis-server on this machine.
Every request goes to 127.0.0.1: host networking, or the container's own loopback."""

from __future__ import annotations

import io
import json
import wave
from pathlib import Path
from typing import Any

import requests

from tests.containers.engine import Containers, run, wait_for
from tests.services import running_redis
from tests.sidecar_process import free_port

TEXT = "Um gato dorme no sofá."
START_S = 120  # a cold torch import in a container on a busy 2-core machine


def image_config(docker: str, image: str) -> dict[str, Any]:
    config: dict[str, Any] = json.loads(run([docker, "image", "inspect", image]).stdout)[0]
    return dict(config["Config"])


def ready_health(url: str, containers: Containers) -> dict[str, Any]:
    """The sidecar's health once its status is ready (AssertionError with logs if never)."""
    def ready() -> dict[str, Any] | None:
        body: dict[str, Any] = requests.get(f"{url}/api/health", timeout=10).json()
        return body if body["status"] == "ready" else None
    return wait_for(ready, START_S, f"{url} ready", containers.all_logs)


def speak(url: str, containers: Containers, headers: dict[str, str] | None = None) -> bytes:
    """POSTs TEXT, waits for its job, returns the WAV bytes (checked to hold speech)."""
    answer = requests.post(f"{url}/api/speech?wait=60", json={"text": TEXT, "lang": "pt"},
                           headers=headers, timeout=90)
    body = answer.json()
    assert answer.status_code == 200 and body["status"] == "done", (body, containers.all_logs())
    audio = requests.get(f"{url}{body['audio_url']}", headers=headers, timeout=30)
    assert audio.status_code == 200
    assert audio.headers["Content-Type"] == "audio/wav"
    with wave.open(io.BytesIO(audio.content)) as wav:
        seconds = wav.getnframes() / wav.getframerate()
    assert 0.5 < seconds < 10, seconds
    return audio.content


def test_sidecar_default_command_serves_port_5000_with_keys(
    docker: str, sidecar_image: str, containers: Containers
) -> None:
    """The image's own command (0.0.0.0:5000, not root), reached inside the container's own
    network namespace: the README's guidance for a reachable sidecar (allowed host + key)."""
    config = image_config(docker, sidecar_image)
    assert config["Cmd"] == ["python", "-m", "tts_server", "--host", "0.0.0.0", "--port", "5000"]
    assert "5000/tcp" in config["ExposedPorts"]
    assert config["User"] == "legenda"
    key = "k" * 32
    container = containers.start(
        sidecar_image, network="none",
        env={"LEGENDA_TTS_ENGINE": "espeak", "LEGENDA_ALLOWED_HOSTS": "tts.lan",
             "LEGENDA_API_KEYS": key},
    )
    probe = (
        "import sys, urllib.request, urllib.error\n"
        "request = urllib.request.Request('http://127.0.0.1:5000' + sys.argv[1],"
        " headers=dict(h.split(': ', 1) for h in sys.argv[2:]))\n"
        "try:\n    answer = urllib.request.urlopen(request, timeout=60)\n"
        "except urllib.error.HTTPError as error:\n    answer = error\n"
        "print(answer.status, answer.read().decode())\n"
    )

    def inside(path: str, *headers: str) -> tuple[int, dict[str, Any]]:
        result = containers.exec(container, "python", "-c", probe, path, *headers)
        status, _, body = result.stdout.partition(" ")
        return int(status), json.loads(body)

    def ready() -> dict[str, Any] | None:
        result = containers.exec(container, "python", "-c", probe, "/api/health")
        if not result.stdout.startswith("200 "):
            return None
        body: dict[str, Any] = json.loads(result.stdout[4:])
        return body if body["status"] == "ready" else None

    health = wait_for(ready, START_S, "the default command's health", containers.all_logs)
    assert health["engine"] == "espeak" and health["storage"]["writable"] is True
    assert "listening on http://0.0.0.0:5000" in containers.logs(container)
    assert inside("/api/voices", "Host: tts.lan")[0] == 401
    assert inside("/api/voices", "Host: other.lan", f"Authorization: Bearer {key}")[0] == 421
    status, voices = inside("/api/voices", "Host: tts.lan", f"Authorization: Bearer {key}")
    assert status == 200 and "pt" in voices["languages"]


def test_sidecar_on_host_network_says_a_text_with_espeak(
    sidecar_image: str, containers: Containers, data_dir: Path
) -> None:
    port = free_port()
    containers.start(
        sidecar_image, "python", "-m", "tts_server", "--host", "127.0.0.1", "--port", str(port),
        env={"LEGENDA_TTS_ENGINE": "espeak"}, volumes={data_dir: "/data"},
    )
    url = f"http://127.0.0.1:{port}"
    health = ready_health(url, containers)
    assert health["engine"] == "espeak" and health["storage"]["writable"] is True
    audio = speak(url, containers)
    stored = list((data_dir / "audio").rglob("*.wav"))
    assert [path.read_bytes() for path in stored] == [audio]  # in the volume, as served


def test_site_image_serves_the_page_with_its_types_and_headers(
    docker: str, site_image: str, containers: Containers
) -> None:
    config = image_config(docker, site_image)
    assert config["Cmd"][-5:] == ["--host", "0.0.0.0", "--port", "8000", "--isolate"]
    assert config["User"] == "legenda"
    port = free_port()
    containers.start(site_image, "python", "serve_site.py", "--root", "/site",
                     "--host", "127.0.0.1", "--port", str(port), "--isolate")
    url = f"http://127.0.0.1:{port}"
    page = wait_for(lambda: requests.get(f"{url}/", timeout=10), 60, "the site",
                    containers.all_logs)
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    assert 'id="generate"' in page.text
    assert page.headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert page.headers["Cross-Origin-Embedder-Policy"] == "require-corp"
    expected = {
        "/app.js": "text/javascript",
        "/vendor/pyodide/pyodide.mjs": "text/javascript",
        "/vendor/pyodide/pyodide.asm.wasm": "application/wasm",
        "/vendor/ort/ort-wasm-simd-threaded.wasm": "application/wasm",
        "/settings-schema.json": "application/json",
        "/py/legenda.zip": "application/zip",
        "/coi-serviceworker.min.js": "text/javascript",
    }
    for path, content_type in expected.items():
        answer = requests.get(f"{url}{path}", timeout=30)
        assert answer.status_code == 200, path
        assert answer.headers["Content-Type"].split(";")[0] == content_type, path
        assert answer.headers["Cross-Origin-Embedder-Policy"] == "require-corp", path
    assert requests.get(f"{url}/not-there.js", timeout=10).status_code == 404


def test_worker_container_takes_a_job_from_a_local_redis(
    sidecar_image: str, worker_image: str, containers: Containers, data_dir: Path,
    tmp_path: Path,
) -> None:
    """An API container only enqueues (LEGENDA_QUEUE_URL); the worker container, on the same
    /data, says the text; its own /metrics counts the job."""
    with running_redis(tmp_path / "redis") as queue_url:
        env = {"LEGENDA_TTS_ENGINE": "espeak", "LEGENDA_QUEUE_URL": queue_url}
        api_port, metrics_port = free_port(), free_port()
        containers.start(sidecar_image, "python", "-m", "tts_server", "--host", "127.0.0.1",
                         "--port", str(api_port), env=env, volumes={data_dir: "/data"})
        containers.start(worker_image, "python", "-m", "tts_server.worker",
                         "--metrics-host", "127.0.0.1", "--metrics-port", str(metrics_port),
                         env=env, volumes={data_dir: "/data"})
        url = f"http://127.0.0.1:{api_port}"
        ready_health(url, containers)
        wait_for(lambda: requests.get(f"{url}/api/health", timeout=10).json()["workers"]["total"],
                 START_S, "a worker on the queue", containers.all_logs)
        speak(url, containers)
        metrics = requests.get(f"http://127.0.0.1:{metrics_port}/metrics", timeout=10).text
        assert 'legenda_speech_jobs_total{result="done"} 1.0' in metrics
