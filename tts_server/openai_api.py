"""``POST /v1/audio/speech``: OpenAI's speech API, so tools that speak it can use this sidecar.

The request is OpenAI's (``model``, ``input``, ``voice``, ``response_format``, ``speed``). It
goes through the same cache and queue as ``POST /api/speech``: the same text and voice at normal
speed is the same speech id and file. OpenAI's voice names map to this engine's voices for the
default language (``openai_voice``; the table is in tts_server/README.md).

The answer is streamed (chunked) as the text's pieces are made: its first bytes leave once the
first piece is said, not once the whole text is (pieces.py hands them over; encode.py encodes
them). Audio already stored is encoded as it is sent. Two formats wait for the whole audio: a
stored ``wav`` is the stored file itself (ranges work), and ``flac`` is sent once complete, so
its header holds the length and checksum (libsndfile refuses a FLAC without them). A failure
before the first piece is a JSON error; after it, the connection is cut (the body is
incomplete), as audio cannot carry an error.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
from flask import Blueprint, Response, send_file

from .api import (
    RETRY_AFTER_S,
    checked_text,
    long_poll,
    model_available,
    read_json_object,
    resolve_voice,
    service,
    submit_speech,
)
from .audio import PAUSE_S, read_pcm16, to_pcm16
from .encode import FORMATS, OPENAI_RATE, StreamEncoder, encode_whole, silence
from .errors import ApiError
from .jobs import Job
from .pieces import Piece
from .service import SpeechService
from .statuses import SETTLED, JobStatus

bp = Blueprint("openai", __name__, url_prefix="/v1")

DEFAULT_FORMAT = "mp3"  # OpenAI's default
SPEED_RANGE = (0.25, 4.0)  # OpenAI's bounds
DEFAULT_VOICE = "default"
# OpenAI's voices, in the order they take this engine's voices (see openai_voice).
OPENAI_VOICES = (
    "alloy", "ash", "ballad", "coral", "echo", "fable", "onyx", "nova", "sage", "shimmer",
    "verse",
)
_STEP_S = 1.0  # audio is encoded and sent this many seconds at a time (a piece can be long)
_POLL_S = 1.0  # how often a stream waiting for a piece looks at its job
_EXAMPLE = '{"model": "tts-1", "input": "Um gato no sofá", "voice": "alloy"}'


class StreamCut(RuntimeError):
    """The speech failed after its answer started: the connection is cut (body incomplete)."""


def _response_format(body: dict[str, Any]) -> str:
    value = body.get("response_format")
    if value is None:
        return DEFAULT_FORMAT
    if value not in FORMATS:
        raise ApiError(
            400, "bad-response-format",
            f'"response_format" {value!r} is not offered here; choose one of: '
            f"{', '.join(FORMATS)}.",
            choices=list(FORMATS),
        )
    return str(value)


def _speed(svc: SpeechService, body: dict[str, Any]) -> float:
    value = body.get("speed")
    if value is None:
        return 1.0
    low, high = SPEED_RANGE
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise ApiError(400, "bad-speed", f'"speed" must be a number from {low:g} to {high:g}.')
    speed = round(float(value), 2)
    if speed != 1.0 and not svc.engine.supports_speed:
        raise ApiError(
            400, "speed-unsupported",
            f"The {svc.config.engine} engine cannot change its speed: leave \"speed\" out or "
            "send 1.0 (the espeak and vits engines can).",
        )
    return speed


def openai_voice(svc: SpeechService, name: str) -> str:
    """The engine's voice for OpenAI's voice ``name``, in the default language: its voices
    with the default one first, taken in turn in OPENAI_VOICES' order (alloy is the default
    voice; with fewer voices than names, the names wrap around)."""
    lang = svc.default_lang()
    default = svc.engine.default_voice(lang)
    voices = [default, *(v for v in svc.languages()[lang] if v != default)]
    return voices[OPENAI_VOICES.index(name) % len(voices)]


def _voice(svc: SpeechService, body: dict[str, Any]) -> str:
    """``default`` (or none): the default voice of the default language; one of OpenAI's
    names: openai_voice; else a preset of /api/voices, in its own language."""
    value = body.get("voice")
    if value is None or value == DEFAULT_VOICE:
        return resolve_voice(svc, None, None)
    if value in OPENAI_VOICES:
        return openai_voice(svc, value)
    presets = [name for names in svc.languages().values() for name in names]
    if not isinstance(value, str) or value not in presets:
        raise ApiError(
            400, "unknown-voice",
            f'This server has no voice {value!r}: send one of OpenAI\'s voices '
            f'({", ".join(OPENAI_VOICES)}), "default", or one of the voices listed by '
            "GET /api/voices.",
            choices=[*OPENAI_VOICES, DEFAULT_VOICE, *presets],
        )
    return resolve_voice(svc, None, value)


def _headers(response_format: str) -> dict[str, str]:
    return {"X-Sample-Rate": str(OPENAI_RATE)} if response_format == "pcm" else {}


def _still_working(message: str) -> ApiError:
    return ApiError(503, "still-working", message, headers={"Retry-After": RETRY_AFTER_S})


def _stored_answer(stored: Path | BinaryIO, response_format: str) -> Response:
    """The stored WAV (a file or, from S3, bytes) in ``response_format``."""
    spec = FORMATS[response_format]
    if response_format == "wav":
        return send_file(stored, mimetype=spec.media_type, conditional=True, max_age=86400)
    data = stored.read_bytes() if isinstance(stored, Path) else stored.read()
    rate, samples = read_pcm16(data)
    if response_format == "flac":
        return Response(encode_whole("flac", rate, samples), mimetype=spec.media_type)

    def chunks() -> Iterator[bytes]:
        encoder = StreamEncoder(response_format, rate)
        yield from _encoded(encoder, samples)
        yield encoder.close()

    return Response(chunks(), mimetype=spec.media_type, headers=_headers(response_format))


def _encoded(encoder: StreamEncoder, samples: Any) -> Iterator[bytes]:
    """``samples`` through ``encoder``, _STEP_S at a time, so the first bytes leave early."""
    step = int(encoder.rate * _STEP_S)
    for start in range(0, len(samples), step):
        if data := encoder.push(samples[start : start + step]):
            yield data


def _first_pieces(svc: SpeechService, job: Job) -> list[Piece]:
    """The first pieces of ``job`` as soon as they are said; [] once it settled without
    any (stored, or failed: the caller looks), or after LEGENDA_MAX_WAIT_S."""
    end = time.monotonic() + svc.config.max_wait_s
    while (left := end - time.monotonic()) > 0:
        pieces = job.feed.wait_for(0, min(_POLL_S, left))
        if pieces or job.finished.is_set():
            return pieces
        if job.feed.ended:  # it failed: the job is settled right after its feed ends
            job.finished.wait(left)
            return []
    return []


def _streamed(job: Job, response_format: str, first: list[Piece]) -> Iterator[bytes]:
    """``job``'s pieces, encoded as they come, with the pauses speak() puts between them."""
    rate = first[0][0]
    encoder = StreamEncoder(response_format, rate)
    gap = silence(rate, PAUSE_S)
    sent, pieces = 0, first
    while True:
        for piece_rate, samples in pieces:
            if piece_rate != rate:
                raise StreamCut("the engine changed its sample rate between pieces")
            joined = samples if not sent else np.concatenate([gap, to_pcm16(samples)])
            yield from _encoded(encoder, joined)
            sent += 1
        if job.feed.ended:
            if not job.feed.ok:
                raise StreamCut(f"speech {job.id} failed after its answer started: {job.error}")
            if len(pieces := job.feed.wait_for(sent, 0)) == 0:
                break
            continue
        if job.status == JobStatus.FAILED:  # past its deadline while its engine goes on
            raise StreamCut(f"speech {job.id} failed after its answer started: {job.error}")
        pieces = job.feed.wait_for(sent, _POLL_S)
    yield encoder.close()


def _stream_answer(
    svc: SpeechService, job: Job, response_format: str, first: list[Piece]
) -> Response:
    """A chunked answer that holds one of LEGENDA_MAX_LONG_POLLS' places until it ends."""
    spec = FORMATS[response_format]
    response = Response(
        _streamed(job, response_format, first),
        mimetype=spec.media_type, headers=_headers(response_format),
    )
    response.call_on_close(svc.long_polls.release)
    return response


def _settled_answer(svc: SpeechService, job: Job, response_format: str) -> Response:
    if job.status == JobStatus.FAILED:
        raise ApiError(500, "speech-failed", job.error or "The speech could not be made.")
    stored = svc.store.open(job.id) if job.status == JobStatus.DONE else None
    if stored is None:
        raise _still_working(
            "The audio is still being made; send the same request again shortly to get it."
        )
    try:
        return _stored_answer(stored, response_format)
    except FileNotFoundError:  # evicted between the lookup and the read
        raise _still_working(
            "The audio was just removed from the cache; send it again."
        ) from None


@bp.post("/audio/speech")
def create_speech() -> Response:
    svc = service()
    body = read_json_object(_EXAMPLE)
    text = checked_text(svc, body.get("input"), "input")
    response_format = _response_format(body)
    speed = _speed(svc, body)
    model_available(svc)
    job = submit_speech(svc, text, _voice(svc, body), speed)
    streams = svc.queue.streams_pieces and response_format != "flac"
    if job.status in SETTLED or not streams:
        return _settled_answer(svc, long_poll(svc, job, svc.config.max_wait_s), response_format)
    if not svc.long_polls.acquire(blocking=False):  # as many answers wait as may
        return _settled_answer(svc, job, response_format)
    try:
        first = _first_pieces(svc, job)
        if not first:
            answer = _settled_answer(svc, job, response_format)
            svc.long_polls.release()
            return answer
        return _stream_answer(svc, job, response_format, first)
    except BaseException:
        svc.long_polls.release()
        raise
