"""``POST /v1/audio/speech``: OpenAI's speech API, so tools that speak it can use this sidecar.

The request is OpenAI's (``model``, ``input``, ``voice``, ``response_format``, ``speed``); the
answer is the audio itself once it is made. It goes through the same cache and queue as
``POST /api/speech``: the same text and voice at normal speed is the same speech id and file.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

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
from .audio import flac_bytes, pcm_bytes, read_pcm16, resample
from .errors import ApiError
from .jobs import JobStatus
from .service import SpeechService

bp = Blueprint("openai", __name__, url_prefix="/v1")

MEDIA_TYPES = {"wav": "audio/wav", "pcm": "audio/pcm", "flac": "audio/flac"}
PCM_RATE = 24_000  # OpenAI's pcm: 24 kHz, 16-bit signed little-endian, mono
SPEED_RANGE = (0.25, 4.0)  # OpenAI's bounds
DEFAULT_VOICE = "default"
_EXAMPLE = '{"model": "tts-1", "input": "Um gato no sofá", "voice": "default"}'


def _response_format(body: dict[str, Any]) -> str:
    value = body.get("response_format") or "wav"
    if value not in MEDIA_TYPES:
        raise ApiError(
            400, "bad-response-format",
            f'"response_format" {value!r} is not offered here; choose one of: '
            f"{', '.join(MEDIA_TYPES)}.",
            choices=list(MEDIA_TYPES),
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


def _voice(svc: SpeechService, body: dict[str, Any]) -> str:
    """``default`` (or none): the default voice of the default language; else a preset of
    /api/voices, in its own language."""
    value = body.get("voice")
    if value is None or value == DEFAULT_VOICE:
        return resolve_voice(svc, None, None)
    presets = [name for names in svc.languages().values() for name in names]
    if not isinstance(value, str) or value not in presets:
        raise ApiError(
            400, "unknown-voice",
            f'This server has no voice {value!r}: send "voice": "default" or one of the '
            "voices listed by GET /api/voices.",
            choices=[DEFAULT_VOICE, *presets],
        )
    return resolve_voice(svc, None, value)


def _audio_answer(stored: Path | io.BytesIO, response_format: str) -> Response:
    """The stored WAV (a file or, from S3, bytes) in ``response_format``."""
    if response_format == "wav":
        return send_file(stored, mimetype=MEDIA_TYPES["wav"], conditional=True, max_age=86400)
    data = stored.read_bytes() if isinstance(stored, Path) else stored.getvalue()
    rate, samples = read_pcm16(data)
    if response_format == "pcm":
        data = pcm_bytes(PCM_RATE, resample(samples, rate, PCM_RATE))
        return Response(data, mimetype=MEDIA_TYPES["pcm"], headers={"X-Sample-Rate": str(PCM_RATE)})
    return Response(flac_bytes(rate, samples), mimetype=MEDIA_TYPES["flac"])


@bp.post("/audio/speech")
def create_speech() -> Response:
    svc = service()
    body = read_json_object(_EXAMPLE)
    text = checked_text(svc, body.get("input"), "input")
    response_format = _response_format(body)
    speed = _speed(svc, body)
    model_available(svc)
    job = submit_speech(svc, text, _voice(svc, body), speed)
    job = long_poll(svc, job, svc.config.max_wait_s)
    status = job.status
    if status == JobStatus.FAILED:
        raise ApiError(500, "speech-failed", job.error or "The speech could not be made.")
    stored = svc.store.open(job.id) if status == JobStatus.DONE else None
    if stored is None:
        raise ApiError(
            503, "still-working",
            "The audio is still being made; send the same request again shortly to get it.",
            headers={"Retry-After": RETRY_AFTER_S},
        )
    try:
        return _audio_answer(stored, response_format)
    except FileNotFoundError:  # evicted between the lookup and the read
        raise ApiError(
            503, "still-working", "The audio was just removed from the cache; send it again.",
            headers={"Retry-After": RETRY_AFTER_S},
        ) from None
