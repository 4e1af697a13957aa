"""``POST /api/telemetry``: the page's anonymous timings of one job (opt-in: the page setting
``telemetry``), exported as the ``legenda_browser_*`` series (metrics.BrowserMetrics).

A report is one flat JSON object of known fields only (``FIELDS``): stage times in seconds,
seconds per generated token, the model ids, dtype, device and thread count, first visit or
revisit, and the error code the job ended in. Nothing that names the visitor, the image, the
text or the page's address has a field, so none can be sent. Every refusal changes no series:
an unknown field, a wrong type or a number out of range is a 400, a body over ``MAX_BYTES`` a
413 (before it is read), more than ``RATE`` reports a minute from one client address a 429.

Label values are bounded: dtype and device are closed lists, error codes the page's own list
(docs/architecture.md), and a model id outside the page's defaults and suggestions and
``LEGENDA_TELEMETRY_MODELS`` is counted as ``other``, so a visitor cannot make new series by
sending made-up ids.
"""

from __future__ import annotations

import math
import re
import threading
import time
from collections import OrderedDict
from typing import Any

from flask import Blueprint, Flask, Response, current_app, jsonify, request

from .api import decoded_json, require_json
from .errors import ApiError
from .metrics import BrowserMetrics

bp = Blueprint("telemetry", __name__, url_prefix="/api")

MAX_BYTES = 4096  # a report is ~400 bytes
RATE = 30  # reports a minute from one client address (a job every two seconds)
_CLIENTS = 10_000  # addresses remembered for the rate (the oldest are forgotten first)
MAX_STAGE_S = 3600.0  # an hour: longer is a clock gone wrong, not a wait
MAX_TOKEN_S = 60.0
OTHER = "other"  # the model label of every id outside the known ones
SPEECH = "sidecar"  # the model label of the speech wait
# The page's own models (web/settings-schema.json: defaults and suggestions).
KNOWN_MODELS = (
    "Xenova/vit-gpt2-image-captioning", "Xenova/nllb-200-distilled-600M",
    "Xenova/opus-mt-en-ROMANCE",
)
DTYPES = ("q8", "fp32", "fp16", "q4", "int8", "uint8", "q4f16", "bnb4")
DEVICES = ("wasm", "webgpu")
VISITS = ("first", "revisit")
ERROR_CODES = (
    "image-unreachable", "not-an-image", "model-not-found", "bad-setting", "no-wasm",
    "runtime-failed", "inference-failed", "unsupported-language",
)
_MODEL_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/-]{0,199}")
_STAGES = {  # field -> (stage label, the model field whose labels it takes)
    "caption_load_s": ("model_load", "caption_model"),
    "caption_s": ("caption", "caption_model"),
    "translation_load_s": ("model_load", "translation_model"),
    "translation_s": ("translation", "translation_model"),
    "speech_wait_s": ("speech_wait", None),
}
_TOKENS = {"caption_token_s": "caption", "translation_token_s": "translation"}
REQUIRED = ("visit", "device", "dtype", "threads", "caption_model")
FIELDS = (*REQUIRED, "translation_model", *_STAGES, *_TOKENS, "error")


class RateLimit:
    """At most ``per_minute`` hits a minute for each key (a token bucket per key)."""

    def __init__(self, per_minute: int, keys: int = _CLIENTS) -> None:
        self.per_minute, self.keys = per_minute, keys
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    def allow(self, key: str) -> bool:
        now = time.monotonic()
        with self._lock:
            tokens, at = self._buckets.pop(key, (float(self.per_minute), now))
            tokens = min(self.per_minute, tokens + (now - at) * self.per_minute / 60.0)
            allowed = tokens >= 1.0
            self._buckets[key] = (tokens - 1.0 if allowed else tokens, now)
            while len(self._buckets) > self.keys:
                self._buckets.popitem(last=False)
        return allowed


def _bad(message: str) -> ApiError:
    return ApiError(400, "bad-telemetry", message)


def _choice(report: dict[str, Any], name: str, choices: tuple[str, ...]) -> str:
    value = report.get(name)
    if value not in choices:
        raise _bad(f"{name} must be one of: {', '.join(choices)}.")
    return str(value)


def _seconds(report: dict[str, Any], name: str, most: float) -> float | None:
    value = report.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not (
        math.isfinite(value) and 0 <= value <= most
    ):
        raise _bad(f"{name} must be a number of seconds from 0 to {most:g}, or null.")
    return float(value)


def _model(report: dict[str, Any], name: str) -> str | None:
    value = report.get(name)
    if value is None and name not in REQUIRED:
        return None
    if not isinstance(value, str) or not _MODEL_ID.fullmatch(value) or ".." in value:
        raise _bad(f"{name} must be a model id like Xenova/vit-gpt2-image-captioning.")
    return value


def validate(report: Any) -> dict[str, Any]:
    """The report's fields, checked (ApiError 400 naming the first wrong one)."""
    if not isinstance(report, dict):
        raise _bad("The body must be a JSON object of timings (see tts_server/README.md).")
    unknown = sorted(set(report) - set(FIELDS))
    if unknown:
        raise _bad(f"Unknown field(s): {', '.join(unknown)[:200]}. Known: {', '.join(FIELDS)}.")
    threads = report.get("threads")
    if isinstance(threads, bool) or not isinstance(threads, int) or not 1 <= threads <= 256:
        raise _bad("threads must be a whole number from 1 to 256.")
    error = report.get("error")
    if error is not None and error not in ERROR_CODES:
        raise _bad(f"error must be null or one of: {', '.join(ERROR_CODES)}.")
    checked: dict[str, Any] = {
        "visit": _choice(report, "visit", VISITS), "device": _choice(report, "device", DEVICES),
        "dtype": _choice(report, "dtype", DTYPES), "threads": threads, "error": error,
        "caption_model": _model(report, "caption_model"),
        "translation_model": _model(report, "translation_model"),
    }
    for name in _STAGES:
        checked[name] = _seconds(report, name, MAX_STAGE_S)
    for name in _TOKENS:
        checked[name] = _seconds(report, name, MAX_TOKEN_S)
    return checked


def record(report: dict[str, Any], metrics: BrowserMetrics, known: frozenset[str]) -> None:
    """Observe a validated report (model ids outside ``known`` become ``other``)."""
    device, dtype = report["device"], report["dtype"]

    def model(field: str | None) -> str:
        if field is None:
            return SPEECH  # the speech wait is the sidecar's, not a browser model's
        return str(report[field]) if report[field] in known else OTHER

    for name, (stage, model_field) in _STAGES.items():
        if report[name] is not None and (model_field is None or report[model_field]):
            metrics.stage_seconds.labels(
                stage, report["visit"], model(model_field), dtype, device
            ).observe(report[name])
    for name, task in _TOKENS.items():
        if report[name] is not None and report[f"{task}_model"]:
            metrics.token_seconds.labels(task, model(f"{task}_model"), dtype, device).observe(
                report[name]
            )
    metrics.jobs.labels(error=report["error"] or "none").inc()


def _read_body() -> Any:
    require_json('{"visit": "first", "device": "wasm", ...}')
    if (request.content_length or 0) > MAX_BYTES:
        raise _too_large()
    body = request.stream.read(MAX_BYTES + 1)  # also bounds a body sent without a length
    if len(body) > MAX_BYTES:
        raise _too_large()
    try:
        return decoded_json(body)
    except ValueError:
        raise _bad("The body is not valid JSON.") from None


def _too_large() -> ApiError:
    return ApiError(413, "telemetry-too-large", f"A timing report is at most {MAX_BYTES} bytes.")


@bp.post("/telemetry")
def telemetry() -> tuple[Response, int]:
    """One job's timings from a page whose visitor turned telemetry on."""
    state = current_app.extensions["legenda_telemetry"]
    if not state["limit"].allow(request.remote_addr or ""):
        raise ApiError(
            429, "too-many-reports",
            f"At most {RATE} timing reports a minute from one address; this one is dropped.",
            headers={"Retry-After": "60"},
        )
    report = validate(_read_body())
    record(report, state["metrics"], state["known"])
    return jsonify({"recorded": True}), 202


def install_telemetry(app: Flask, metrics: BrowserMetrics, extra_models: tuple[str, ...]) -> None:
    """Register the route, with its rate limit and the model ids kept as labels."""
    app.extensions["legenda_telemetry"] = {
        "metrics": metrics, "limit": RateLimit(RATE),
        "known": frozenset(KNOWN_MODELS + extra_models),
    }
    app.register_blueprint(bp)
