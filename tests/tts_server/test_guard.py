"""Who may use the sidecar: JSON only, the Host allowlist, API keys, and per-text work bounds."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from flask import Flask

from tests.tts_server.conftest import Gate
from tts_server.config import ConfigError, load_config
from tts_server.guard import host_name
from tts_server.service import service_of

KEY = "k3y-0123456789abcdef"
TEXT = "Um gato no sofá"


def _code(response) -> str:  # type: ignore[no-untyped-def]
    body = response.get_json()
    assert "Traceback" not in response.get_data(as_text=True)
    return str(body["error"]["code"]) if "error" in body else ""


@pytest.mark.parametrize(("header", "name"), [
    ("localhost", "localhost"), ("127.0.0.1:5000", "127.0.0.1"), ("[::1]:5000", "::1"),
    ("Evil.Example", "evil.example"), ("::1", "::1"),
])
def test_host_names_are_read_without_their_port(header: str, name: str) -> None:
    assert host_name(header) == name


def test_only_allowed_host_names_are_answered(make_app: Callable[..., Flask]) -> None:
    app = make_app(bound_host="192.168.1.20", allowed_hosts=("tts.lan",))
    client = app.test_client()
    for good in ["localhost:5000", "127.0.0.1:5000", "[::1]:5000", "192.168.1.20:5000",
                 "TTS.lan"]:
        assert client.get("/api/health", headers={"Host": good}).status_code == 200, good
    # A page that rebinds its own name to 127.0.0.1 still sends its own name: refused.
    for bad in ["evil.example", "evil.example:5000", "127.0.0.1.evil.example"]:
        refused = client.post(
            "/api/speech", json={"text": TEXT}, headers={"Host": bad}
        )
        assert refused.status_code == 421 and _code(refused) == "unknown-host", bad
        assert refused.headers["X-Content-Type-Options"] == "nosniff"
    assert service_of(app).queue.depth() == 0 and service_of(app).store.count() == 0
    assert make_app(allowed_hosts=("*",)).test_client().get(
        "/api/health", headers={"Host": "anything.example"}
    ).status_code == 200


def test_allowed_hosts_and_api_keys_are_checked_at_start_up() -> None:
    config = load_config({"LEGENDA_ALLOWED_HOSTS": "tts.lan, 10.0.0.5",
                          "LEGENDA_API_KEYS": f"{KEY}, {KEY}2"})
    assert config.allowed_hosts == ("tts.lan", "10.0.0.5")
    assert config.api_keys == (KEY, KEY + "2")
    with pytest.raises(ConfigError, match="LEGENDA_ALLOWED_HOSTS"):
        load_config({"LEGENDA_ALLOWED_HOSTS": "http://tts.lan/"})
    with pytest.raises(ConfigError, match="LEGENDA_API_KEYS"):
        load_config({"LEGENDA_API_KEYS": "short"})


def test_api_keys_guard_every_route_but_health_and_preflights(
    make_app: Callable[..., Flask],
) -> None:
    client = make_app(api_keys=(KEY,)).test_client()
    good = {"Authorization": f"Bearer {KEY}"}
    missing = client.post("/api/speech", json={"text": TEXT})
    assert missing.status_code == 401 and _code(missing) == "api-key-required"
    assert missing.headers["WWW-Authenticate"].startswith("Bearer")
    wrong = client.post("/api/speech", json={"text": TEXT},
                        headers={"Authorization": f"Bearer {KEY}x"})
    assert wrong.status_code == 401 and _code(wrong) == "bad-api-key"
    assert client.get("/api/voices").status_code == 401
    done = client.post("/api/speech?wait=60", json={"text": TEXT}, headers=good).get_json()
    assert done["status"] == "done"
    assert client.get(done["status_url"]).status_code == 401
    assert client.get(done["audio_url"]).status_code == 401
    assert client.get(done["status_url"], headers=good).status_code == 200
    with client.get(done["audio_url"], headers=good) as audio:
        assert audio.status_code == 200
    assert client.get("/api/health").status_code == 200
    # The page's preflight carries no key; it must learn that Authorization may be sent.
    preflight = client.options("/api/speech", headers={
        "Origin": "http://127.0.0.1:8000", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization,content-type",
    })
    assert preflight.status_code == 200
    assert "Authorization" in preflight.headers["Access-Control-Allow-Headers"]
    # A refusal carries CORS headers, so the page can show its message.
    refused = client.get("/api/voices", headers={"Origin": "http://127.0.0.1:8000"})
    assert refused.headers["Access-Control-Allow-Origin"] == "http://127.0.0.1:8000"


def test_many_short_sentences_are_packed_into_few_engine_calls(app: Flask) -> None:
    gate = Gate(service_of(app))
    gate.open()
    body = app.test_client().post("/api/speech?wait=60", json={"text": "a. " * 333}).get_json()
    assert body["status"] == "done"
    assert len(gate.calls) == 2  # 999 characters in pieces of at most 600 (espeak's chunk)
    assert body["duration_s"] < 248  # 334 separate calls made 248 s


def test_a_text_needing_too_many_engine_calls_is_refused_before_it_is_queued(
    make_app: Callable[..., Flask],
) -> None:
    app = make_app(max_engine_calls=2)
    service_of(app).engine.max_piece_chars = 20
    client = app.test_client()
    refused = client.post("/api/speech", json={"text": "Um gato dorme. " * 4})
    assert refused.status_code == 413 and _code(refused) == "too-much-speech"
    assert "LEGENDA_MAX_ENGINE_CALLS" in refused.get_json()["error"]["message"]
    assert service_of(app).queue.depth() == 0
    assert client.post("/api/speech?wait=60",
                       json={"text": "Um gato dorme. " * 2}).get_json()["status"] == "done"


def test_a_text_surely_longer_than_the_audio_bound_is_refused_up_front(
    make_app: Callable[..., Flask],
) -> None:
    client = make_app(max_audio_s=2).test_client()
    refused = client.post("/api/speech", json={"text": "Um gato dorme no sofá. " * 3})
    assert refused.status_code == 413 and _code(refused) == "too-much-speech"
    assert "LEGENDA_MAX_AUDIO_S" in refused.get_json()["error"]["message"]


def test_audio_running_past_the_bound_fails_its_job_saying_why(
    make_app: Callable[..., Flask],
) -> None:
    app = make_app(max_audio_s=2)
    service = service_of(app)
    service.engine.max_piece_chars = 10
    real = service.engine.synthesize
    calls: list[str] = []

    def babbling(text: str, voice: str):  # type: ignore[no-untyped-def]
        calls.append(text)  # like Bark, it says far more than the text: 4 times over
        rate, samples = real(text, voice)
        return rate, np.tile(samples, 4)

    service.engine.synthesize = babbling  # type: ignore[method-assign]
    body = app.test_client().post(
        "/api/speech?wait=60", json={"text": "Um gato. Um cão. Uma ave."}
    ).get_json()
    assert body["status"] == "failed" and "LEGENDA_MAX_AUDIO_S" in body["error"]
    assert len(calls) < 3  # stopped as soon as the bound was passed
