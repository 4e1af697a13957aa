"""Every endpoint and every bad input through Flask's test client, on the real espeak engine."""

from __future__ import annotations

import io
import threading
import wave
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.tts_server.conftest import Gate
from tts_server import create_app
from tts_server.config import DEFAULT_CHAT_MODELS
from tts_server.engines import Engine
from tts_server.service import service_of

TEXT = "Um gato no sofá"


def _speak(client: FlaskClient, wait: float = 60, **body: object) -> dict:
    response = client.post(f"/api/speech?wait={wait}", json={"text": TEXT, **body})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def _fetch(client: FlaskClient, url: str, **kwargs: object):  # type: ignore[no-untyped-def]
    """GET and read a (possibly streamed) file answer, closing it so no file handle leaks."""
    with client.get(url, **kwargs) as response:
        response.get_data()
        return response


def _error(response, status: int, code: str) -> dict:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.get_data(as_text=True)
    error = response.get_json()["error"]
    assert error["code"] == code and error["message"]
    assert "Traceback" not in error["message"] and "Error" not in error["message"]
    return error


def _hold(monkeypatch: pytest.MonkeyPatch, engine: type[Engine], step: str) -> threading.Event:
    """Make the engine's ``step`` (prepare or load) wait until the returned event is set."""
    release = threading.Event()
    real_step = getattr(engine, step)

    def held_step(self: Engine) -> None:
        assert release.wait(60)
        real_step(self)

    monkeypatch.setattr(engine, step, held_step)
    return release


def test_health_says_ready(client: FlaskClient) -> None:
    assert client.get("/api/health").get_json() == {
        "status": "ready", "engine": "espeak", "model": "espeak-ng", "device": "cpu",
        "loaded": True, "queue_depth": 0, "error": None,
        "workers": {"state": "idle", "total": 1, "busy": 0, "stuck": 0},
        "storage": {"writable": True, "problem": None, "files": 0, "bytes": 0},
        "chat": {  # text generation (tts_server/chat/): nothing loaded before a request
            "models": list(DEFAULT_CHAT_MODELS), "loaded": [], "engine": "auto",
            "dtype": "auto", "memory_mb": {"budget": 8192.0, "used": 0.0}, "slots": 1,
            "running": 0, "waiting": 0,
        },
    }


def test_voices_cover_the_page_languages(client: FlaskClient) -> None:
    body = client.get("/api/voices").get_json()
    assert body["engine"] == "espeak" and body["default_voice"] == "pt-br"
    assert body["languages"]["pt"] == ["pt-br", "pt"]
    assert {"pt", "en", "es", "fr", "de", "it", "pl", "ru", "tr", "zh", "ja", "ko", "hi"} <= set(
        body["languages"]
    )


def test_speech_is_queued_then_done_and_playable(client: FlaskClient) -> None:
    first = client.post("/api/speech", json={"text": TEXT, "lang": "pt"})
    assert first.status_code in (200, 202)
    job = first.get_json()
    assert job["status_url"] == f"/api/speech/{job['id']}"
    assert job["audio_url"] == f"/api/audio/{job['id']}.wav"

    done = _speak(client)  # same text and voice: same id, waits for the same job
    assert done["id"] == job["id"] and done["status"] == "done" and done["progress"] == 1.0
    status = client.get(job["status_url"]).get_json()
    assert status["status"] == "done" and status["error"] is None
    assert 0.8 < status["duration_s"] < 5

    audio = _fetch(client, job["audio_url"])
    assert audio.status_code == 200 and audio.mimetype == "audio/wav"
    with wave.open(io.BytesIO(audio.data)) as wav:
        assert (wav.getnchannels(), wav.getsampwidth(), wav.getframerate()) == (1, 2, 22_050)
        assert wav.getnframes() / 22_050 == pytest.approx(status["duration_s"], abs=0.001)


def test_same_text_gives_same_id_and_voice_or_whitespace_matter_as_they_should(
    client: FlaskClient,
) -> None:
    base = _speak(client)["id"]
    assert _speak(client, text="  Um gato\n no   sofá ")["id"] == base  # same words, same audio
    assert _speak(client, voice="pt-br")["id"] == base  # the default voice, named
    assert _speak(client, voice="pt")["id"] != base
    assert _speak(client, lang="en")["id"] != base
    assert _speak(client, lang="pt-BR")["id"] == base  # a regional code means its language


def test_a_cached_answer_is_200_without_waiting(client: FlaskClient) -> None:
    _speak(client)
    again = client.post("/api/speech", json={"text": TEXT})
    assert again.status_code == 200 and again.get_json()["status"] == "done"


def test_audio_supports_range_requests(client: FlaskClient) -> None:
    url = _speak(client)["audio_url"]
    whole = _fetch(client, url).data
    part = _fetch(client, url, headers={"Range": "bytes=0-43"})
    assert part.status_code == 206
    assert part.data == whole[:44] and part.data.startswith(b"RIFF")
    assert part.headers["Content-Range"] == f"bytes 0-43/{len(whole)}"
    beyond = _fetch(client, url, headers={"Range": f"bytes={len(whole)}-"})
    _error(beyond, 416, "http-416")
    assert beyond.headers["Content-Range"] == f"bytes */{len(whole)}"


@pytest.mark.parametrize(("data", "content_type"), [
    ("not json", "application/json"),
    ('["a list"]', "application/json"),
    ("", "application/json"),
    ("[" * 50_000, "application/json"),  # deeper than the JSON parser goes
])
def test_a_body_that_is_not_a_json_object_is_refused(
    client: FlaskClient, data: str, content_type: str
) -> None:
    _error(client.post("/api/speech", data=data, content_type=content_type), 400, "bad-json")


@pytest.mark.parametrize("content_type", [
    # What a cross-site page can send without a CORS preflight: all refused, nothing queued.
    "text/plain", "text/plain;charset=UTF-8", "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=x", None,
])
def test_only_json_bodies_are_accepted(app: Flask, content_type: str | None) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    response = app.test_client().post(
        "/api/speech", data='{"text": "Um gato no sofá"}', headers=headers,
        environ_overrides={"CONTENT_TYPE": content_type or ""},
    )
    _error(response, 415, "unsupported-media-type")
    assert service_of(app).queue.depth() == 0 and service_of(app).store.count() == 0


@pytest.mark.parametrize("body", [{}, {"text": ""}, {"text": " \n\t "}, {"text": 42}])
def test_missing_or_empty_text_is_refused(client: FlaskClient, body: dict) -> None:
    _error(client.post("/api/speech", json=body), 400, "empty-text")


def test_text_with_a_broken_character_is_refused(client: FlaskClient) -> None:
    body = '{"text": "Um gato \\ud800 no sofá"}'  # a lone surrogate: valid JSON, not text
    _error(client.post("/api/speech", data=body, content_type="application/json"), 400,
           "bad-text")


def test_text_over_the_limit_is_413(make_app: Callable[..., Flask]) -> None:
    client = make_app(max_text_chars=20).test_client()
    error = _error(client.post("/api/speech", json={"text": "x" * 21}), 413, "text-too-long")
    assert "20" in error["message"]
    assert client.post("/api/speech", json={"text": "y" * 20}).status_code in (200, 202)


def test_unknown_language_lists_the_valid_ones(client: FlaskClient) -> None:
    error = _error(client.post("/api/speech", json={"text": TEXT, "lang": "xx"}), 400,
                   "unknown-language")
    assert "pt" in error["choices"] and "'xx'" in error["message"]


def test_unknown_voice_lists_the_voices_of_the_language(client: FlaskClient) -> None:
    response = client.post("/api/speech", json={"text": TEXT, "voice": "en-us", "lang": "pt"})
    assert _error(response, 400, "unknown-voice")["choices"] == ["pt-br", "pt"]
    _error(client.post("/api/speech", json={"text": TEXT, "voice": 3}), 400, "bad-voice")


def test_a_voice_alone_picks_its_language(client: FlaskClient) -> None:
    assert _speak(client, text="A cat on the sofa", voice="en-gb")["status"] == "done"


def test_bad_wait_is_refused(client: FlaskClient) -> None:
    for wait in ("soon", "-1", "nan", "inf"):
        response = client.post(f"/api/speech?wait={wait}", json={"text": TEXT})
        _error(response, 400, "bad-wait")


@pytest.mark.parametrize("url", [
    "/api/speech/0123456789abcdef0123456789abcdef",
    "/api/speech/not-an-id",
    "/api/audio/0123456789abcdef0123456789abcdef.wav",
    "/api/audio/../../etc/passwd",
    "/api/audio/..%2f..%2fetc%2fpasswd.wav",
    "/api/audio/%2e%2e/config.wav",
    "/api/audio/x.mp3",
    "/nothing-here",
])
def test_unknown_ids_and_escaping_paths_are_404(client: FlaskClient, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] in ("unknown-id", "unknown-audio", "not-found")


def test_a_file_beside_the_audio_folder_is_not_served(
    make_app: Callable[..., Flask], tmp_path: Path
) -> None:
    (tmp_path / "secret.wav").write_bytes(b"RIFF secret")
    client = make_app(audio_dir=tmp_path / "audio").test_client()
    for url in ("/api/audio/../secret.wav", "/api/audio/..%2Fsecret.wav"):
        assert client.get(url).status_code == 404


def test_wrong_method_is_a_json_405(client: FlaskClient) -> None:
    answer = client.delete("/api/speech")
    _error(answer, 405, "method-not-allowed")
    assert "POST" in answer.headers["Allow"]


def test_cors_preflight_allows_local_pages_and_private_network(client: FlaskClient) -> None:
    response = client.options("/api/speech", headers={
        "Origin": "http://127.0.0.1:8123",
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type",
        "Access-Control-Request-Private-Network": "true",
    })
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "http://127.0.0.1:8123"
    assert "POST" in response.headers["Access-Control-Allow-Methods"]
    assert response.headers["Access-Control-Allow-Headers"] == "Content-Type, Authorization"
    assert response.headers["Access-Control-Allow-Private-Network"] == "true"
    get = client.get("/api/health", headers={"Origin": "http://localhost:3000"})
    assert get.headers["Access-Control-Allow-Origin"] == "http://localhost:3000"
    # Errors carry the headers too, so the page can read their message.
    refused = client.post("/api/speech", json={}, headers={"Origin": "http://127.0.0.1:8000"})
    assert refused.status_code == 400
    assert refused.headers["Access-Control-Allow-Origin"] == "http://127.0.0.1:8000"
    assert "Origin" in refused.headers["Vary"]


def test_cors_allows_configured_origins_only(make_app: Callable[..., Flask]) -> None:
    client = make_app(cors_origins=("https://me.github.io",)).test_client()
    allowed = client.get("/api/voices", headers={"Origin": "https://me.github.io"})
    assert allowed.headers["Access-Control-Allow-Origin"] == "https://me.github.io"
    refused = client.get("/api/voices", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in refused.headers


def test_concurrent_identical_requests_cause_one_synthesis(app: Flask) -> None:
    gate = Gate(service_of(app))
    answers: list[dict] = []

    def post() -> None:
        answers.append(app.test_client().post("/api/speech", json={"text": TEXT}).get_json())

    threads = [threading.Thread(target=post) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert gate.wait_entered() == TEXT
    assert len({a["id"] for a in answers}) == 1 and len(answers) == 8
    assert app.test_client().get("/api/health").get_json()["queue_depth"] == 1
    gate.open()
    assert _speak(app.test_client())["status"] == "done"
    assert gate.calls == [TEXT]


def test_status_long_polls_until_the_job_is_settled(make_app: Callable[..., Flask]) -> None:
    app = make_app()
    gate = Gate(service_of(app))
    client = app.test_client()
    queued = client.post("/api/speech", json={"text": TEXT}).get_json()
    assert gate.wait_entered() == TEXT
    assert client.get(f"{queued['status_url']}?wait=0.2").get_json()["status"] == "running"
    answers: list[dict] = []
    poll = threading.Thread(
        target=lambda: answers.append(client.get(f"{queued['status_url']}?wait=60").get_json())
    )
    poll.start()
    gate.open()
    poll.join(60)
    assert answers and answers[0]["status"] == "done" and answers[0]["progress"] == 1
    _error(client.get(f"{queued['status_url']}?wait=soon"), 400, "bad-wait")


def test_a_full_queue_answers_503_with_retry_after(make_app: Callable[..., Flask]) -> None:
    app = make_app(queue_size=1)
    gate = Gate(service_of(app))
    client = app.test_client()
    assert client.post("/api/speech", json={"text": "um"}).status_code == 202  # running
    assert gate.wait_entered() == "um"
    assert client.post("/api/speech", json={"text": "dois"}).status_code == 202  # waiting
    full = client.post("/api/speech", json={"text": "três"})
    _error(full, 503, "queue-full")
    assert full.headers["Retry-After"].isdigit()
    assert client.post("/api/speech", json={"text": "dois"}).status_code == 202  # joins, no 503
    gate.open()
    assert _speak(client, text="dois")["status"] == "done"
    assert _speak(client, text="três")["status"] == "done"


def test_a_failing_synthesis_fails_its_job_and_the_server_goes_on(app: Flask) -> None:
    service = service_of(app)
    real = service.engine.synthesize

    def broken(text: str, voice: str):  # type: ignore[no-untyped-def]
        if "quebra" in text:
            raise RuntimeError("/usr/bin/espeak-ng -v pt-br failed: /home/me/voices damaged")
        return real(text, voice)

    service.engine.synthesize = broken  # type: ignore[method-assign]
    client = app.test_client()
    failed = client.post("/api/speech?wait=60", json={"text": "isto quebra"})
    assert failed.status_code == 200
    body = failed.get_json()
    # The answer says it failed, but local paths and command lines stay in the log.
    assert body["status"] == "failed" and "failed" in body["error"]
    assert "/usr" not in body["error"] and "/home" not in body["error"]
    assert client.get(body["status_url"]).get_json()["status"] == "failed"
    assert client.get(body["audio_url"]).status_code == 404
    assert _speak(client)["status"] == "done"


def test_a_model_that_cannot_load_is_reported_and_speech_answers_503(
    make_app: Callable[..., Flask], tmp_path: Path
) -> None:
    client = make_app(engine="vits", model=str(tmp_path / "missing")).test_client()
    health = client.get("/api/health").get_json()
    assert health["status"] == "failed" and health["loaded"] is False
    assert "does not exist" in health["error"] and str(tmp_path) not in health["error"]
    error = _error(client.post("/api/speech", json={"text": TEXT}), 503, "model-unavailable")
    assert error["message"] == health["error"]
    _error(client.get("/api/voices"), 503, "model-unavailable")


def test_requests_wait_in_the_queue_while_the_weights_load(
    make_app: Callable[..., Flask], tiny_vits: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tts_server.engines.vits import VitsEngine

    release = _hold(monkeypatch, VitsEngine, "load")
    app = make_app(engine="vits", model=str(tiny_vits), wait=False)
    assert service_of(app).model.wait_until_prepared(60)
    client = app.test_client()
    health = client.get("/api/health").get_json()
    assert (health["status"], health["loaded"]) == ("loading", False)
    assert client.get("/api/voices").get_json()["languages"] == {"pt": ["default"]}
    queued = client.post("/api/speech", json={"text": TEXT})
    assert queued.status_code == 202 and queued.get_json()["status"] == "queued"
    assert client.get("/api/health").get_json()["queue_depth"] == 1
    release.set()
    assert client.get("/api/health?wait=60").get_json()["status"] == "ready"
    assert _speak(client)["id"] == queued.get_json()["id"]


def test_requests_before_the_voices_are_known_answer_503_loading(
    make_app: Callable[..., Flask], monkeypatch: pytest.MonkeyPatch
) -> None:
    from tts_server.engines.espeak import EspeakEngine

    release = _hold(monkeypatch, EspeakEngine, "prepare")
    client = make_app(wait=False).test_client()
    for answer in (client.post("/api/speech", json={"text": TEXT}), client.get("/api/voices")):
        _error(answer, 503, "loading")
        assert answer.headers["Retry-After"].isdigit()
    release.set()
    assert client.get("/api/health?wait=60").get_json()["status"] == "ready"
    assert _speak(client)["status"] == "done"


def test_least_recently_used_audio_is_evicted_past_the_cap(
    make_app: Callable[..., Flask],
) -> None:
    # Each of these espeak WAVs is ~40-60 KB: the cap holds two of them, not three.
    client = make_app(audio_cache_mb=0.12).test_client()
    first, second = _speak(client, text="Um gato no sofá"), _speak(client, text="Um cão na rua")
    assert _fetch(client, first["audio_url"]).status_code == 200  # the first is now the newest
    third = _speak(client, text="Uma ave no céu")
    assert client.get(second["status_url"]).status_code == 404
    assert _fetch(client, second["audio_url"]).status_code == 404
    for kept in (first, third):
        assert client.get(kept["status_url"]).get_json()["status"] == "done"
    assert _speak(client, text="Um cão na rua")["id"] == second["id"]  # made again on request


def test_progress_is_reported_sentence_by_sentence(app: Flask) -> None:
    service_of(app).engine.max_piece_chars = 10  # one sentence per piece
    gate = Gate(service_of(app))
    client = app.test_client()
    job = client.post("/api/speech", json={"text": "Um gato. Um cão. Uma ave."}).get_json()
    assert gate.wait_entered() == "Um gato."
    status = client.get(job["status_url"]).get_json()
    assert (status["status"], status["progress"], status["duration_s"]) == ("running", 0.0, None)
    gate.allow()
    assert gate.wait_entered() == "Um cão."
    assert client.get(job["status_url"]).get_json()["progress"] == 0.333
    gate.allow()
    assert gate.wait_entered() == "Uma ave."
    assert client.get(job["status_url"]).get_json()["progress"] == 0.667
    gate.allow()
    assert _speak(client, text="Um gato. Um cão. Uma ave.")["progress"] == 1.0


def test_a_huge_body_is_refused_before_it_is_read(make_app: Callable[..., Flask]) -> None:
    client = make_app(max_text_chars=10).test_client()
    huge = client.post("/api/speech", data='{"text": "' + "x" * 300_000 + '"}',
                       content_type="application/json")
    _error(huge, 413, "text-too-long")


def test_tiny_bark_through_the_api(bark_app: Flask) -> None:
    client = bark_app.test_client()
    assert client.get("/api/voices").get_json()["languages"] == {
        "en": ["v2/en_speaker_0"],
        "pt": ["v2/pt_speaker_0", "v2/pt_speaker_1", "v2/pt_speaker_2"],
    }
    error = _error(client.post("/api/speech", json={"text": TEXT, "voice": "v2/pt_speaker_9"}),
                   400, "unknown-voice")
    assert error["choices"] == ["v2/pt_speaker_0", "v2/pt_speaker_1", "v2/pt_speaker_2"]
    _error(client.post("/api/speech", json={"text": TEXT, "lang": "ja"}), 400, "unknown-language")
    done = _speak(client, voice="v2/pt_speaker_2")
    with wave.open(io.BytesIO(_fetch(client, done["audio_url"]).data)) as wav:
        assert (wav.getsampwidth(), wav.getframerate()) == (2, 24_000)


def test_tiny_vits_through_the_api(make_app: Callable[..., Flask], tiny_vits: Path) -> None:
    client = make_app(engine="vits", model=str(tiny_vits)).test_client()
    voices = client.get("/api/voices").get_json()
    assert (voices["engine"], voices["default_voice"], voices["languages"]) == (
        "vits", "default", {"pt": ["default"]}
    )
    done = _speak(client)
    assert done["duration_s"] > 0
    with wave.open(io.BytesIO(_fetch(client, done["audio_url"]).data)) as wav:
        assert (wav.getsampwidth(), wav.getframerate()) == (2, 16_000)


def test_requests_without_a_language_use_the_one_the_model_speaks(
    make_app: Callable[..., Flask], tiny_vits: Path, tmp_path: Path
) -> None:
    # An MMS id names the model's language (here English), not LEGENDA_TTS_LANG (pt).
    english = tmp_path / "mms-tts-eng"
    english.symlink_to(tiny_vits, target_is_directory=True)
    client = make_app(engine="vits", model=str(english), lang="pt").test_client()
    voices = client.get("/api/voices").get_json()
    assert (voices["default_lang"], voices["languages"]) == ("en", {"en": ["default"]})
    assert _speak(client, text="A cat on the sofa")["status"] == "done"
    _error(client.post("/api/speech", json={"text": TEXT, "lang": "pt"}), 400, "unknown-language")


def test_create_app_takes_flask_and_environment_style_settings(tmp_path: Path) -> None:
    app = create_app({
        "TESTING": True, "LEGENDA_TTS_ENGINE": "espeak", "LEGENDA_AUDIO_DIR": str(tmp_path),
    })
    try:
        assert app.testing and app.config["LEGENDA"].audio_dir == tmp_path
        assert app.test_client().get("/api/health?wait=60").get_json()["status"] == "ready"
    finally:
        service_of(app).close()


def test_bad_input_is_reported_even_when_the_model_is_unavailable(
    make_app: Callable[..., Flask], tmp_path: Path
) -> None:
    client = make_app(engine="vits", model=str(tmp_path / "missing")).test_client()
    _error(client.post("/api/speech", data="{", content_type="application/json"), 400, "bad-json")
    _error(client.post("/api/speech", json={"text": " "}), 400, "empty-text")


def test_stopping_finishes_the_running_job_and_fails_the_waiting_ones(app: Flask) -> None:
    service = service_of(app)
    gate = Gate(service)
    client = app.test_client()
    running = client.post("/api/speech", json={"text": "um"}).get_json()
    assert gate.wait_entered() == "um"
    waiting = client.post("/api/speech", json={"text": "dois"}).get_json()
    stopper = threading.Thread(target=service.close)
    stopper.start()
    dropped = service.queue.get(waiting["id"])
    assert dropped is not None and dropped.finished.wait(60)
    assert dropped.status == "failed" and "stopped" in (dropped.error or "")
    gate.open()
    stopper.join()
    assert client.get(running["status_url"]).get_json()["status"] == "done"
