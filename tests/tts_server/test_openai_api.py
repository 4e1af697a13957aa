"""POST /v1/audio/speech: OpenAI's speech API, driven by the official ``openai`` SDK."""

from __future__ import annotations

import io
import wave
from collections.abc import Callable

import numpy as np
import openai
import pytest
import requests
import soundfile
from flask import Flask
from flask.testing import FlaskClient

from tests.sidecar_process import Sidecar
from tts_server.service import service_of

TEXT = "Um gato no sofá"
TIMEOUT = 60


def _frames(wav: bytes) -> tuple[int, int]:
    with wave.open(io.BytesIO(wav)) as read:
        return read.getframerate(), read.getnframes()


def test_the_openai_sdk_gets_the_same_audio_as_api_speech(
    sidecar: Callable[..., Sidecar],
) -> None:
    server = sidecar()
    server.wait()
    client = openai.OpenAI(base_url=f"{server.url}/v1", api_key="not-checked", timeout=TIMEOUT)

    wav = client.audio.speech.create(model="tts-1", voice="default", input=TEXT).content
    posted = requests.post(
        f"{server.url}/api/speech?wait={TIMEOUT}", json={"text": TEXT}, timeout=TIMEOUT
    ).json()
    stored = requests.get(server.url + posted["audio_url"], timeout=TIMEOUT).content
    assert wav == stored  # one cache: the SDK's request made the file /api/speech serves
    rate, frames = _frames(wav)
    assert rate == 22_050 and frames > rate // 2

    flac = client.audio.speech.create(
        model="anything", voice="pt-br", input=TEXT, response_format="flac"
    ).content
    samples, flac_rate = soundfile.read(io.BytesIO(flac), dtype="int16")
    assert flac[:4] == b"fLaC" and flac_rate == rate and len(samples) == frames
    assert np.array_equal(samples, np.frombuffer(wav[44:], dtype="<i2"))  # lossless

    pcm = client.audio.speech.create(
        model="tts-1", voice="default", input=TEXT, response_format="pcm"
    ).content
    assert abs(len(pcm) // 2 - round(frames * 24_000 / rate)) <= 1  # 24 kHz, 16-bit mono

    fast = client.audio.speech.create(model="tts-1", voice="default", input=TEXT, speed=2.0)
    assert _frames(fast.content)[1] < frames * 0.75

    with pytest.raises(openai.BadRequestError) as refused:
        client.audio.speech.create(model="tts-1", voice="alloy", input=TEXT)
    assert "no voice 'alloy'" in str(refused.value)


def _speech(client: FlaskClient, **body: object):  # type: ignore[no-untyped-def]
    """The answer, read whole and closed (a file answer holds the file open until then)."""
    answer = client.post("/v1/audio/speech", json={"model": "tts-1", "input": TEXT, **body})
    answer.get_data()
    answer.close()
    return answer


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"input": "  "}, 400, "empty-text"),
        ({"input": 5}, 400, "empty-text"),
        ({"response_format": "mp3"}, 400, "bad-response-format"),
        ({"speed": 9}, 400, "bad-speed"),
        ({"speed": "fast"}, 400, "bad-speed"),
        ({"voice": "v2/en_speaker_1"}, 400, "unknown-voice"),
        ({"input": "a" * 1001}, 413, "text-too-long"),
    ],
)
def test_bad_requests_get_json_errors(
    client: FlaskClient, body: dict[str, object], status: int, code: str
) -> None:
    answer = _speech(client, **body)
    assert answer.status_code == status
    error = answer.get_json()["error"]
    assert error["code"] == code and error["message"]


def test_a_body_that_is_not_a_json_object_says_what_to_send(client: FlaskClient) -> None:
    form = client.post("/v1/audio/speech", data="input=hi")
    assert form.status_code == 415 and '"input"' in form.get_json()["error"]["message"]
    listed = client.post("/v1/audio/speech", json=["Olá"])
    assert listed.status_code == 400 and '"input"' in listed.get_json()["error"]["message"]


def test_speed_is_refused_where_the_engine_cannot(app: Flask) -> None:
    service = service_of(app)
    service.engine.supports_speed = False  # as Bark
    answer = _speech(app.test_client(), speed=1.5)
    assert answer.status_code == 400
    assert answer.get_json()["error"]["code"] == "speed-unsupported"
    assert _speech(app.test_client(), speed=1.0).status_code == 200


def test_a_failed_synthesis_says_why(app: Flask) -> None:
    def broken(text: str, voice: str, speed: float = 1.0):  # type: ignore[no-untyped-def]
        raise RuntimeError("the voice data is damaged")

    service_of(app).engine.synthesize = broken  # type: ignore[method-assign]
    answer = _speech(app.test_client())
    assert answer.status_code == 500
    error = answer.get_json()["error"]
    assert error["code"] == "speech-failed"
    assert error["message"].startswith("Speech synthesis failed")  # the job's own sentence
    assert "voice data" not in error["message"]  # details stay in the log


def test_it_shares_the_cache_and_counts_hits(client: FlaskClient) -> None:
    made = client.post("/api/speech?wait=60", json={"text": TEXT}).get_json()
    assert made["status"] == "done"
    assert _speech(client, voice="pt-br").status_code == 200  # the default voice, by name
    assert _speech(client, speed=1.5).status_code == 200  # another speed: another file
    metrics = client.get("/metrics").get_data(as_text=True)
    assert 'legenda_speech_cache_requests_total{result="hit"} 1.0' in metrics
    assert 'legenda_speech_cache_requests_total{result="miss"} 2.0' in metrics
    assert 'legenda_speech_jobs_total{result="done"} 2.0' in metrics
