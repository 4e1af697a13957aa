"""The HTTP API (routes and answers: tts_server/README.md, "API"). URLs in answers are absolute
paths ("/api/audio/<id>.wav"): the page resolves them against the sidecar's base URL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request, send_file

from .errors import ApiError, error_response
from .jobs import Closing, Job, QueueFull, QueueUnavailable
from .model import NOT_AVAILABLE
from .service import SpeechService, UnknownChoice, service_of
from .speech import TooMuchWork, check_work, pieces_of
from .statuses import SETTLED, JobStatus, ModelStatus
from .store import is_speech_id

bp = Blueprint("api", __name__, url_prefix="/api")

RETRY_AFTER_S = "5"
# Health's status while the model is ready but new audio cannot be stored.
DEGRADED = "degraded"
_STORAGE_RETRY_AFTER_S = "30"
# Audio ids are hashes of what was said: the bytes at an audio URL never change.
_IMMUTABLE = "public, max-age=31536000, immutable"


def service() -> SpeechService:
    return service_of(current_app)


@bp.app_errorhandler(QueueUnavailable)
def queue_unavailable(error: QueueUnavailable) -> Response:
    """Redis away (LEGENDA_QUEUE_URL): 503 with a sentence, on any route that needs it."""
    return error_response(
        ApiError(503, "queue-unavailable", str(error), headers={"Retry-After": RETRY_AFTER_S})
    )


def model_available(svc: SpeechService) -> None:
    """Raise 503 unless requests can be taken: the model failed (say why), or its voices are
    not known yet (the first seconds after start-up: retry soon). Requests taken while the
    weights still load wait in the queue."""
    if svc.model.accepts_requests:
        return
    state = svc.model.state
    if state.status == ModelStatus.FAILED:
        reason = state.error or NOT_AVAILABLE
        raise ApiError(503, "model-unavailable", reason)
    raise ApiError(
        503, "loading", "The speech server is starting; try again in a few seconds.",
        headers={"Retry-After": RETRY_AFTER_S},
    )


def _job_body(svc: SpeechService, job: Job) -> dict[str, Any]:
    status = job.status  # read once: a synthesis thread may change it meanwhile
    return {
        "id": job.id,
        "status": status,
        "progress": job.progress,
        "status_url": f"/api/speech/{job.id}",
        "audio_url": f"/api/audio/{job.id}.wav",
        "duration_s": svc.store.duration(job.id) if status == JobStatus.DONE else None,
        "error": job.error if status == JobStatus.FAILED else None,
        "position": svc.queue.position(job) if status == JobStatus.QUEUED else 0,
        "retried": job.retried,
    }


def _optional_str(body: dict[str, Any], key: str) -> str | None:
    value = body.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not isinstance(value, str):
        raise ApiError(400, f"bad-{key}", f'"{key}" must be a string.')
    return value.strip()


def read_json_object(example: str) -> dict[str, Any]:
    """The request's JSON object: 415 unless it is sent as JSON, 400 naming ``example`` when
    the body is anything but an object."""
    require_json(example)
    try:
        body = decoded_json(request.get_data())
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise ApiError(
            400, "bad-json",
            f"The request body must be a JSON object like {example} "
            "(sent with Content-Type: application/json).",
        )
    return body


def require_json(example: str) -> None:
    """415 unless the request is sent as JSON."""
    if request.mimetype != "application/json":
        # Only JSON: a cross-site form or text/plain post needs no CORS preflight, JSON does.
        raise ApiError(
            415, "unsupported-media-type",
            f"Send the request as JSON, with Content-Type: application/json, like {example}.",
        )


def decoded_json(data: bytes) -> Any:
    """The JSON value in ``data``; ValueError when it is not JSON or is nested deeper than the
    parser goes (which raises RecursionError, not ValueError)."""
    try:
        return json.loads(data)
    except RecursionError:
        raise ValueError("JSON nested too deep") from None


def checked_text(svc: SpeechService, value: object, key: str = "text") -> str:
    """``value`` as a text to say (stripped), or a 400/413 naming the field ``key``."""
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        raise ApiError(400, "empty-text", f'Send the text to say in "{key}" (a non-empty string).')
    try:
        text.encode("utf-8")  # JSON may carry half of a UTF-16 pair ("\ud800"): no text has it
    except UnicodeEncodeError:
        raise ApiError(
            400, "bad-text",
            "The text holds a broken character (half of a UTF-16 pair, like \\ud800 in JSON); "
            "send it as proper Unicode text.",
        ) from None
    limit = svc.config.max_text_chars
    if len(text) > limit:
        raise ApiError(
            413, "text-too-long",
            f"The text has {len(text)} characters; this server says at most {limit} "
            "at a time. Send a shorter text or split it.",
        )
    return text


def _read_request(svc: SpeechService) -> tuple[str, str | None, str | None]:
    """The request's (text, lang, voice), checked for everything that needs no model."""
    body = read_json_object('{"text": "Um gato no sofá"}')
    text = checked_text(svc, body.get("text"))
    return text, _optional_str(body, "lang"), _optional_str(body, "voice")


def resolve_voice(svc: SpeechService, lang: str | None, voice: str | None) -> str:
    try:
        return svc.resolve_voice(lang, voice)[1]
    except UnknownChoice as error:
        spoken = "languages" if error.kind == "language" else "voices"
        raise ApiError(
            400, f"unknown-{error.kind}",
            f"This server cannot speak the {error.kind} {error.value!r}. "
            f"Its {spoken} are: {', '.join(error.choices)}.",
            choices=error.choices,
        ) from None


def _wait_seconds(svc: SpeechService) -> float:
    raw = request.args.get("wait")
    if raw is None:
        return 0.0
    try:
        seconds = float(raw)
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds < float("inf"):
        raise ApiError(400, "bad-wait", "?wait= takes a number of seconds, like ?wait=30.")
    return min(seconds, svc.config.max_wait_s)


@contextmanager
def _long_poll(svc: SpeechService, wait: float) -> Iterator[float]:
    """The seconds this request may hold its thread: ``wait``, or 0 when LEGENDA_MAX_LONG_POLLS
    requests already wait (this one then answers at once: the client polls instead)."""
    if not wait or not svc.long_polls.acquire(blocking=False):
        yield 0.0
        return
    try:
        yield wait
    finally:
        svc.long_polls.release()


def _check_work(svc: SpeechService, text: str) -> None:
    try:
        check_work(
            pieces_of(svc.engine, text), svc.config.max_engine_calls, svc.config.max_audio_s
        )
    except TooMuchWork as error:
        raise ApiError(413, "too-much-speech", str(error)) from None


def _check_storage(svc: SpeechService, speech_id: str) -> None:
    """503 naming the problem when new audio cannot be stored (stored audio is still served).
    The store is asked first: with no problem (nearly always) the job is not looked up, which
    on a Redis queue saves a round trip per request."""
    problem = svc.store.check()
    if not problem:
        return
    known = svc.queue.get(speech_id)
    if known is None or known.status == JobStatus.FAILED:
        raise ApiError(
            503, "storage-unavailable", problem,
            headers={"Retry-After": _STORAGE_RETRY_AFTER_S},
        )


def submit_speech(svc: SpeechService, text: str, voice: str, speed: float = 1.0) -> Job:
    """The job making this speech (stored, running or new; counted as a cache hit or miss);
    413 for too much work, 503 when it cannot be taken now (storage, full queue, shutdown)."""
    _check_work(svc, text)
    speech_id = svc.speech_id(voice, text, speed)
    _check_storage(svc, speech_id)
    try:
        job = svc.queue.submit(speech_id, text, voice, speed)
    except QueueFull:
        raise ApiError(
            503, "queue-full", "The speech server is busy with other texts; try again shortly.",
            headers={"Retry-After": RETRY_AFTER_S},
        ) from None
    except Closing:
        raise ApiError(
            503, "shutting-down", "The speech server is shutting down; try again in a moment.",
            headers={"Retry-After": RETRY_AFTER_S},
        ) from None
    svc.metrics.cache_request(hit=job.status == JobStatus.DONE)
    return job


def long_poll(svc: SpeechService, job: Job, wait: float) -> Job:
    """``job`` once settled or after ``wait`` seconds, holding this thread only while fewer
    than LEGENDA_MAX_LONG_POLLS requests wait (else at once: the client polls instead)."""
    with _long_poll(svc, wait) as seconds:
        return svc.queue.wait(job, seconds) if seconds else job


@bp.post("/speech")
def create_speech() -> tuple[Response, int]:
    svc = service()
    wait = _wait_seconds(svc)
    text, lang, requested_voice = _read_request(svc)
    model_available(svc)  # the voices, and so the default voice, come with the model
    voice = resolve_voice(svc, lang, requested_voice)
    job = long_poll(svc, submit_speech(svc, text, voice), wait)
    body = _job_body(svc, job)
    return jsonify(body), 200 if body["status"] in SETTLED else 202


def _known_job(svc: SpeechService, speech_id: str) -> Job:
    job = svc.queue.get(speech_id) if is_speech_id(speech_id) else None
    if job is None:
        raise ApiError(
            404, "unknown-id",
            "There is no speech with this id (it may have been removed from the cache): "
            "POST the text to /api/speech again.",
        )
    return job


@bp.get("/speech/<speech_id>")
def speech_status(speech_id: str) -> Response:
    """``?wait=SECONDS`` holds the answer until the job is settled (a long-poll), within the
    same caps as POST's: LEGENDA_MAX_WAIT_S and LEGENDA_MAX_LONG_POLLS."""
    svc = service()
    wait = _wait_seconds(svc)
    job = long_poll(svc, _known_job(svc, speech_id), wait)
    return jsonify(_job_body(svc, job))


@bp.get("/audio/<path:name>")
def audio(name: str) -> Response:
    svc = service()
    speech_id = name.removesuffix(".wav") if name.endswith(".wav") else ""
    stored = svc.store.open(speech_id)  # None for anything but a stored id: no path escapes
    try:
        if stored is not None:
            # The id is a hash of what was said, so the bytes never change: the id is the ETag
            # (stable although each use bumps the file's time), and caches may keep them.
            response = send_file(stored, mimetype="audio/wav", conditional=True, etag=speech_id)
            response.last_modified = None
            response.headers["Cache-Control"] = _IMMUTABLE
            return response
    except FileNotFoundError:  # evicted between the lookup and the read
        pass
    raise ApiError(
        404, "unknown-audio",
        "There is no audio at this address: POST the text to /api/speech to make it.",
    )


@bp.get("/voices")
def voices() -> Response:
    svc = service()
    model_available(svc)
    languages, default_lang = svc.languages(), svc.default_lang()
    return jsonify({
        "engine": svc.config.engine,
        "model": svc.engine.model_id,
        "default_lang": default_lang,
        "default_voice": (
            svc.engine.default_voice(default_lang) if default_lang in languages else None
        ),
        "languages": languages,
    })


@bp.get("/health")
def health() -> Response:
    """``?wait=SECONDS`` holds the answer while the model is still loading (for scripts).
    ``status`` is ``degraded`` when the model is ready but the store cannot save new audio
    (``storage`` says why)."""
    svc = service()
    with _long_poll(svc, _wait_seconds(svc)) as seconds:
        if seconds:
            svc.model.wait_until_loaded(seconds)
    problem = svc.store.check()
    state = svc.model.state
    status: str = state.status
    if problem is not None and state.status == ModelStatus.READY:
        status = DEGRADED  # stored audio is served; new texts get 503 naming the problem
    return jsonify({
        "status": status,
        "engine": svc.config.engine,
        "model": svc.engine.model_id,
        "device": svc.engine.device,
        "loaded": state.status == ModelStatus.READY,
        "queue_depth": svc.queue.depth(),
        "error": state.error,
        "workers": svc.queue.synthesizers(),
        "storage": {
            "writable": problem is None,
            "problem": problem,
            "files": svc.store.count(),
            "bytes": svc.store.total_bytes(),
        },
        "chat": current_app.extensions["legenda.chat"].health(),
    })
