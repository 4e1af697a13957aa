"""POST /v1/audio/speech: OpenAI's speech API, driven by the official ``openai`` SDK."""

from __future__ import annotations

import io
import os
import shutil
import threading
import wave
from collections.abc import Callable
from pathlib import Path

import av
import numpy as np
import openai
import pytest
import requests
import soundfile
from flask import Flask
from flask.testing import FlaskClient

from tests.sidecar_process import Sidecar
from tts_server.openai_api import OPENAI_VOICES, StreamCut, openai_voice
from tts_server.service import service_of

TEXT = "Um gato no sofá"
TIMEOUT = 60


def _frames(wav: bytes) -> tuple[int, int]:
    with wave.open(io.BytesIO(wav)) as read:
        return read.getframerate(), read.getnframes()


def _samples(wav: bytes) -> bytes:
    """The 16-bit frames of a WAV, also of a streamed one (its header says 0xFFFFFFFF)."""
    with wave.open(io.BytesIO(wav)) as read:
        return read.readframes(read.getnframes())


def test_the_openai_sdk_gets_the_same_audio_as_api_speech(
    sidecar: Callable[..., Sidecar],
) -> None:
    server = sidecar()
    server.wait()
    client = openai.OpenAI(base_url=f"{server.url}/v1", api_key="not-checked", timeout=TIMEOUT)

    def speech(**extra: object) -> bytes:
        return client.audio.speech.create(
            model="tts-1", voice="default", input=TEXT, response_format="wav", **extra
        ).content

    streamed = speech()  # sent as it was made: a WAV header of unknown length
    posted = requests.post(
        f"{server.url}/api/speech?wait={TIMEOUT}", json={"text": TEXT}, timeout=TIMEOUT
    ).json()
    assert posted["status"] == "done"  # one cache: the SDK's request made the file
    stored = requests.get(server.url + posted["audio_url"], timeout=TIMEOUT).content
    assert _samples(streamed) == _samples(stored)
    wav = speech()  # once stored, the stored file itself
    assert wav == stored
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

    fast = client.audio.speech.create(
        model="tts-1", voice="default", input=TEXT, speed=2.0, response_format="wav"
    )
    assert len(_samples(fast.content)) // 2 < frames * 0.75

    with pytest.raises(openai.BadRequestError) as refused:
        client.audio.speech.create(model="tts-1", voice="marvin", input=TEXT)
    assert "no voice 'marvin'" in str(refused.value)


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
        ({"response_format": "ogg"}, 400, "bad-response-format"),
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


# Two pieces for espeak (it packs sentences into pieces of at most 600 characters): the gate
# below holds the second, which alone says "segunda".
FIRST_PIECE = "O gato dorme no sofá. " * 26
TWO_PIECES = FIRST_PIECE + "A segunda parte chega depois. " * 8
FORMATS = ("mp3", "opus", "aac", "flac", "wav", "pcm")


def _decoded_seconds(data: bytes, response_format: str) -> float:
    """The length of ``data`` decoded by FFmpeg (PyAV); pcm is raw 24 kHz 16-bit mono."""
    if response_format == "pcm":
        return len(data) / 2 / 24_000
    with av.open(io.BytesIO(data)) as container:
        frames = list(container.decode(audio=0))
    assert frames, f"{response_format}: nothing decoded"
    return sum(frame.samples for frame in frames) / frames[0].sample_rate


def test_the_sdk_as_tutorials_call_it_gets_every_format(
    sidecar: Callable[..., Sidecar],
) -> None:
    server = sidecar()
    server.wait()
    client = openai.OpenAI(base_url=f"{server.url}/v1", api_key="not-checked", timeout=TIMEOUT)
    default = client.audio.speech.create(model="tts-1", voice="alloy", input=TEXT)
    assert default.response.headers["Content-Type"] == "audio/mpeg"  # mp3, as OpenAI's
    wav = client.audio.speech.create(
        model="tts-1", voice="alloy", input=TEXT, response_format="wav"
    ).content
    seconds = len(_samples(wav)) / 2 / 22_050
    assert seconds > 0.5
    for response_format in FORMATS:  # the stored audio, encoded as it is sent
        answer = client.audio.speech.create(
            model="tts-1", voice="alloy", input=TEXT, response_format=response_format
        )
        decoded = _decoded_seconds(answer.content, response_format)
        assert abs(decoded - seconds) < 0.1, (response_format, decoded, seconds)
    assert abs(_decoded_seconds(default.content, "mp3") - seconds) < 0.1


@pytest.mark.parametrize("response_format", ["mp3", "opus", "aac", "wav", "pcm"])
def test_a_streamed_answer_holds_exactly_the_stored_speech(
    client: FlaskClient, response_format: str
) -> None:
    streamed = client.post("/v1/audio/speech", json={
        "model": "tts-1", "input": TWO_PIECES, "response_format": response_format,
    })
    assert streamed.status_code == 200 and streamed.is_streamed  # chunked: no length
    posted = client.post("/api/speech?wait=60", json={"text": TWO_PIECES}).get_json()
    assert posted["status"] == "done"  # the same job made and stored it
    with client.get(posted["audio_url"]) as stored_answer:
        stored = stored_answer.get_data()
    seconds = len(_samples(stored)) / 2 / 22_050
    if response_format == "wav":  # the same samples, pieces and pauses joined as stored
        assert _samples(streamed.get_data()) == _samples(stored)
    else:
        decoded = _decoded_seconds(streamed.get_data(), response_format)
        assert abs(decoded - seconds) < 0.1, (decoded, seconds)


def test_openai_voices_take_the_engines_voices_in_turn(app: Flask) -> None:
    service = service_of(app)
    assert service.languages()["pt"] == ["pt-br", "pt"]
    mapped = [openai_voice(service, name) for name in OPENAI_VOICES]
    assert mapped[:3] == ["pt-br", "pt", "pt-br"] and mapped[-1] == "pt-br"
    client = app.test_client()
    made = client.post("/api/speech?wait=60", json={"text": TEXT}).get_json()
    assert made["status"] == "done"
    assert _speech(client, voice="alloy").status_code == 200  # the default voice: stored
    assert _speech(client, voice="ash").status_code == 200  # pt: another file
    metrics = client.get("/metrics").get_data(as_text=True)
    assert 'legenda_speech_cache_requests_total{result="hit"} 1.0' in metrics
    assert 'legenda_speech_cache_requests_total{result="miss"} 2.0' in metrics


def test_openai_voices_on_a_one_voice_vits_model(
    make_app: Callable[..., Flask], tiny_vits: Path
) -> None:
    service = service_of(make_app(engine="vits", model=str(tiny_vits)))
    (voices,) = service.languages().values()
    assert {openai_voice(service, name) for name in OPENAI_VOICES} == {voices[0]}


def _gated_espeak(folder: Path) -> tuple[Path, Path]:
    """A PATH folder whose espeak-ng is the real one, except that a piece saying "segunda"
    waits until the returned gate file exists."""
    folder.mkdir()
    gate = folder / "open"
    script = folder / "espeak-ng"
    script.write_text(
        "#!/bin/sh\n"
        f'if [ "$1" = "--voices" ]; then exec {shutil.which("espeak-ng")} "$@"; fi\n'
        'text=$(cat)\n'
        'case "$text" in *segunda*)\n'
        f'  while [ ! -e "{gate}" ]; do sleep 0.02; done;;\n'
        "esac\n"
        f'printf "%s" "$text" | exec {shutil.which("espeak-ng")} "$@"\n'
    )
    script.chmod(0o755)
    return folder, gate


def test_a_streamed_read_gets_its_first_chunk_before_the_speech_is_done(
    sidecar: Callable[..., Sidecar], tmp_path: Path
) -> None:
    fake, gate = _gated_espeak(tmp_path / "bin")
    server = sidecar(PATH=f"{fake}:{os.environ['PATH']}")
    server.wait()
    client = openai.OpenAI(base_url=f"{server.url}/v1", api_key="not-checked", timeout=TIMEOUT)
    with client.audio.speech.with_streaming_response.create(
        model="tts-1", voice="alloy", input=TWO_PIECES, response_format="mp3"
    ) as answer:
        chunks = answer.iter_bytes()
        first = next(chunks)
        assert first  # the first piece, encoded...
        job = requests.post(f"{server.url}/api/speech", json={"text": TWO_PIECES},
                            timeout=TIMEOUT).json()
        # ...while the second cannot be said until the gate opens: the job is still running.
        assert job["status"] == "running" and not gate.exists()
        gate.touch()
        rest = b"".join(chunks)
    done = requests.get(f"{server.url}{job['status_url']}", timeout=TIMEOUT).json()
    assert done["status"] == "done"
    assert abs(_decoded_seconds(first + rest, "mp3") - done["duration_s"]) < 0.1


def test_a_failure_after_the_first_piece_cuts_the_answer(app: Flask) -> None:
    engine = service_of(app).engine
    real = engine.synthesize
    answered = threading.Event()

    def second_fails(text: str, voice: str, speed: float = 1.0):  # type: ignore[no-untyped-def]
        if "segunda" in text:
            assert answered.wait(TIMEOUT)
            raise RuntimeError("the voice data is damaged")
        return real(text, voice)

    engine.synthesize = second_fails  # type: ignore[method-assign]
    answer = app.test_client().post(
        "/v1/audio/speech", json={"model": "tts-1", "input": TWO_PIECES}
    )
    assert answer.status_code == 200 and answer.is_streamed  # the first piece was said
    answered.set()  # now the second piece fails
    with pytest.raises(StreamCut, match="failed after its answer started"):
        answer.get_data()  # the body is cut: never audio that looks whole but stops early
    answer.close()


def test_no_free_place_to_stream_answers_503_at_once(make_app: Callable[..., Flask]) -> None:
    answer = _speech(make_app(max_long_polls=0).test_client())
    assert answer.status_code == 503 and answer.headers["Retry-After"]
    assert answer.get_json()["error"]["code"] == "still-working"
