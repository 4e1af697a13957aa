"""Operations pieces that run in one process: the queue position, the S3 store (moto's server),
the new settings, and the worker's refusal to start without a queue."""

from __future__ import annotations

import io
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask

from tests.services import running_s3, s3_client
from tests.sidecar_process import REPO_ROOT, free_port
from tts_server.config import ConfigError, config_from_mapping, load_config
from tts_server.job_runner import run_speech_job
from tts_server.s3store import S3AudioStore
from tts_server.service import service_of
from tts_server.store import StoreSetupError

from .conftest import Gate


def test_status_answers_say_how_many_jobs_are_ahead(app: Flask) -> None:
    gate = Gate(service_of(app))
    client = app.test_client()
    running = client.post("/api/speech", json={"text": "um"}).get_json()
    assert gate.wait_entered() == "um"
    second = client.post("/api/speech", json={"text": "dois"}).get_json()
    third = client.post("/api/speech", json={"text": "três"}).get_json()
    assert client.get(running["status_url"]).get_json()["position"] == 0  # running
    assert (second["status"], second["position"]) == ("queued", 1)
    assert client.get(third["status_url"]).get_json()["position"] == 2
    gate.allow()
    assert gate.wait_entered() == "dois"
    assert client.get(third["status_url"]).get_json()["position"] == 1
    gate.open()
    done = client.post("/api/speech?wait=60", json={"text": "três"}).get_json()
    assert (done["status"], done["position"], done["retried"]) == ("done", 0, 0)


_READ_ONLY_POLICY = (
    '{"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Principal": "*", '
    '"Action": "s3:PutObject", "Resource": "arn:aws:s3:::legenda-test/*"}]}'
)


def _aws(s3: dict[str, str]) -> dict[str, str]:
    """What tests.services.s3_client needs: the endpoint and the AWS_* variables set above."""
    import os

    return {**{k: v for k, v in os.environ.items() if k.startswith("AWS_")}, **s3}


@pytest.fixture
def s3(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    with running_s3("legenda-test") as env:
        for name, value in env.items():
            if name.startswith("AWS_"):
                monkeypatch.setenv(name, value)
        yield {name: value for name, value in env.items() if name.startswith("LEGENDA_")}


def test_the_s3_store_keeps_whole_wavs_with_their_duration(s3: dict[str, str]) -> None:
    store = S3AudioStore(config_from_mapping(s3))
    speech_id = "0123456789abcdef0123456789abcdef"
    from tts_server.audio import wav_bytes

    wav = wav_bytes(16_000, [0.1] * 8_000)
    assert not store.contains(speech_id) and store.open(speech_id) is None
    store.save(speech_id, wav)
    assert store.contains(speech_id) and store.duration(speech_id) == 0.5
    stored = store.open(speech_id)
    assert isinstance(stored, io.BytesIO) and stored.getvalue() == wav
    assert store.open("../../etc/passwd") is None and not store.contains("nope")
    assert store.check(force=True) is None


@pytest.mark.parametrize("cut", ["half", "zero bytes", "removed"])
def test_an_s3_object_cut_short_or_removed_is_missing_and_made_again(
    s3: dict[str, str], cut: str
) -> None:
    from tts_server.audio import wav_bytes

    store = S3AudioStore(config_from_mapping(s3))
    speech_id, wav = "0123456789abcdef0123456789abcdef", wav_bytes(16_000, [0.1] * 8_000)
    store.save(speech_id, wav)
    assert store.contains(speech_id)  # found whole: its ETag is remembered
    client, key = s3_client(_aws(s3)), f"speech/{speech_id}.wav"
    if cut == "removed":
        client.delete_object(Bucket="legenda-test", Key=key)
    else:
        kept = len(wav) // 2 if cut == "half" else 0
        client.put_object(Bucket="legenda-test", Key=key, Body=wav[:kept])
    assert not store.contains(speech_id) and store.duration(speech_id) is None
    assert store.open(speech_id) is None
    assert "Contents" not in client.list_objects_v2(Bucket="legenda-test", Prefix=key)
    store.save(speech_id, wav)
    stored = store.open(speech_id)
    assert stored is not None and stored.getvalue() == wav


def test_a_bucket_that_cannot_be_written_refuses_new_texts_and_recovers(
    make_app: Callable[..., Flask], s3: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from tts_server import s3store

    monkeypatch.setattr(s3store, "_RECHECK_S", 0.0)
    monkeypatch.setattr(s3store, "_HEALTHY_RECHECK_S", 0.0)
    client = make_app(**s3).test_client()
    stored = client.post("/api/speech?wait=60", json={"text": "Um gato no sofá"}).get_json()
    assert stored["status"] == "done"
    bucket = s3_client(_aws(s3))
    bucket.put_bucket_policy(Bucket="legenda-test", Policy=_READ_ONLY_POLICY)
    try:
        refused = client.post("/api/speech", json={"text": "Um texto novo"})
        assert refused.status_code == 503, refused.get_json()
        assert refused.get_json()["error"]["code"] == "storage-unavailable"
        assert "LEGENDA_AUDIO_STORE" in refused.get_json()["error"]["message"]
        assert client.post("/api/speech", json={"text": "Um gato no sofá"}).status_code == 200
        health = client.get("/api/health").get_json()
        assert health["status"] == "degraded" and health["storage"]["writable"] is False
    finally:
        bucket.delete_bucket_policy(Bucket="legenda-test")
    assert client.get("/api/health").get_json()["status"] == "ready"
    made = client.post("/api/speech?wait=60", json={"text": "Um texto novo"}).get_json()
    assert made["status"] == "done"


def test_an_unusable_bucket_stops_start_up_saying_which(s3: dict[str, str]) -> None:
    with pytest.raises(StoreSetupError, match="LEGENDA_AUDIO_STORE='s3://no-such-bucket/x'"):
        S3AudioStore(config_from_mapping({**s3, "LEGENDA_AUDIO_STORE": "s3://no-such-bucket/x"}))


def test_an_app_on_s3_serves_audio_and_ranges(
    make_app: Callable[..., Flask], s3: dict[str, str]
) -> None:
    app = make_app(**s3)
    client = app.test_client()
    done = client.post("/api/speech?wait=60", json={"text": "Um gato no sofá"}).get_json()
    assert done["status"] == "done" and done["duration_s"] > 0.5
    whole = client.get(done["audio_url"])
    assert whole.status_code == 200 and whole.mimetype == "audio/wav"
    part = client.get(done["audio_url"], headers={"Range": "bytes=8-11"})
    assert part.status_code == 206 and part.data == b"WAVE"
    again = client.get(done["audio_url"], headers={"If-None-Match": whole.headers["ETag"]})
    assert again.status_code == 304
    for answer in (whole, part, again):
        answer.close()


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("LEGENDA_QUEUE_URL", "localhost:6379"),
        ("LEGENDA_AUDIO_STORE", "/data/audio"),
        ("LEGENDA_AUDIO_STORE", "s3://"),
        ("LEGENDA_S3_ENDPOINT_URL", "minio:9000"),
        ("LEGENDA_JOB_RETRIES", "-1"),
    ],
)
def test_malformed_operations_settings_name_the_variable(name: str, value: str) -> None:
    with pytest.raises(ConfigError, match=name):
        load_config({name: value})


def test_the_settings_are_read() -> None:
    config = load_config({
        "LEGENDA_QUEUE_URL": "redis://cache:6379/2", "LEGENDA_AUDIO_STORE": "s3://b-1/a/b",
        "LEGENDA_S3_ENDPOINT_URL": "http://minio:9000", "LEGENDA_JOB_RETRIES": "3",
    })
    assert (config.queue_url, config.audio_store) == ("redis://cache:6379/2", "s3://b-1/a/b")
    assert (config.s3_endpoint_url, config.job_retries) == ("http://minio:9000", 3)


def test_a_worker_without_a_queue_refuses_to_start() -> None:
    env = {"PATH": "/usr/bin:/bin", "LEGENDA_TTS_ENGINE": "espeak"}
    ended = subprocess.run(
        [sys.executable, "-m", "tts_server.worker"], cwd=REPO_ROOT, env=env,
        capture_output=True, text=True, timeout=120,
    )
    assert ended.returncode == 2 and "LEGENDA_QUEUE_URL is not set" in ended.stderr


def test_an_unreachable_queue_answers_503_with_a_sentence(make_app: Callable[..., Flask]) -> None:
    app = make_app(wait=False, queue_url=f"redis://127.0.0.1:{free_port()}/0")
    assert service_of(app).model.wait_until_prepared(60)
    client = app.test_client()
    answer = client.post("/api/speech", json={"text": "Um gato"})
    assert answer.status_code == 503 and answer.headers["Retry-After"]
    error = answer.get_json()["error"]
    assert error["code"] == "queue-unavailable" and "Redis" in error["message"]
    metrics = client.get("/metrics")
    assert metrics.status_code == 200 and b"legenda_speech_queue_depth NaN" in metrics.data


def test_a_worker_whose_metrics_port_is_taken_says_so(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "LEGENDA_TTS_ENGINE": "espeak", "HOME": str(tmp_path),
           "LEGENDA_QUEUE_URL": f"redis://127.0.0.1:{free_port()}/0"}
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        ended = subprocess.run(
            [sys.executable, "-m", "tts_server.worker", "--metrics-port", str(port)],
            cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120,
        )
    assert ended.returncode == 2 and "give each worker on a machine its own" in ended.stderr


def test_the_job_function_runs_only_inside_a_worker_process() -> None:
    """RQ calls run_speech_job; only a worker process's SpeechWorker gives it a runner."""
    with pytest.raises(RuntimeError, match="python -m tts_server.worker"):
        run_speech_job("0123456789abcdef0123456789abcdef", "Um gato", "pt-br", 1.0)
