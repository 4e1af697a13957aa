"""Failures as codes with parameters, which the page words in its own language.

Everything the worker reports goes through a ``LegendaError``: a code from the worker protocol,
a ``key`` naming the sentence the page says (web/ui/i18n/<lang>.js, ``error.<key>``) and its
``params``. Python writes no sentence: the page's catalogs are the one place for the words. The
raw JavaScript / Transformers.js messages are mapped here, from plain strings, so the mapping is
tested in CPython; the raw text itself goes to the console only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

IMAGE_UNREACHABLE = "image-unreachable"
NOT_AN_IMAGE = "not-an-image"
MODEL_NOT_FOUND = "model-not-found"
BAD_SETTING = "bad-setting"
RUNTIME_FAILED = "runtime-failed"
INFERENCE_FAILED = "inference-failed"
UNSUPPORTED_LANGUAGE = "unsupported-language"


class LegendaError(Exception):
    """A failure: a protocol ``code``, and the ``key`` and ``params`` the page words."""

    def __init__(self, code: str, key: str, params: dict[str, Any] | None = None) -> None:
        super().__init__(f"{code}: {key} {params or {}}")
        self.code = code
        self.key = key
        self.params = params or {}

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "key": self.key, "params": self.params}


@dataclass(frozen=True)
class ModelPlace:
    """Where a model was looked for, to say so when it is not there."""

    role: str  # "captioning" or "translation"
    model: str  # the model id
    dtype: str  # which weights were asked for: a missing .onnx file is often just this
    local_path: str  # the site path models are served from, e.g. "/models/"
    remote_allowed: bool  # whether the hub was also asked


# Transformers.js 4.x wraps every missing/forbidden model file in one of these messages, with
# the file's URL or path in double quotes.
_MISSING_FILE = re.compile(
    r"(Could not locate file|Unauthorized access to file|Forbidden access to file"
    r"|file was not found locally at|Local file missing at)[^\"]*\"([^\"]+)\""
)
_REMOTE_REFUSED = re.compile(r"allowRemoteModels=false|local_files_only=true")
# What fetch() says, per browser, when there is no connection or CORS refuses the answer.
_NETWORK_FAILURE = re.compile(r"Failed to fetch|NetworkError|Load failed|network error", re.I)
_WEBGPU_FAILURE = re.compile(r"webgpu|requestAdapter|GPUAdapter", re.I)
# ONNX Runtime could not start (its .mjs/.wasm files missing or broken, or no WebGPU).
_NO_BACKEND = re.compile(r"no available backend found", re.I)


def missing_file(raw: str) -> str | None:
    """The URL or path of the model file a Transformers.js error says is missing, if any."""
    found = _MISSING_FILE.search(raw)
    return found.group(2) if found else None


def _file_in_model(location: str, model: str) -> str:
    """``onnx/encoder_model.onnx`` out of the URL or path of a model's file."""
    marker = model.strip("/") + "/"
    index = location.find(marker)
    if index < 0:
        return location.rsplit("/", 1)[-1]
    rest = location[index + len(marker):]
    if rest.startswith("resolve/"):  # a hub URL: <id>/resolve/<revision>/<file>
        rest = rest.split("/", 2)[-1]
    return rest


def model_load_error(place: ModelPlace, raw: str) -> LegendaError:
    """Map a failure to load a pipeline to what the page says (naming the model and file)."""
    params: dict[str, Any] = {"role": place.role, "model": place.model,
                              "where": f"{place.local_path}{place.model}/"}
    missing = _MISSING_FILE.search(raw)
    if missing:
        file = _file_in_model(missing.group(2), place.model)
        # The weights (.onnx): often only this dtype is missing.
        params.update(file=file, dtype=place.dtype, weights=file.endswith(".onnx"))
        if _REMOTE_REFUSED.search(raw) or not place.remote_allowed:
            return LegendaError(MODEL_NOT_FOUND, "model-missing-local", params)
        # Transformers.js reports a download cut off midway as a missing file too.
        return LegendaError(MODEL_NOT_FOUND, "model-missing", params)
    if _WEBGPU_FAILURE.search(raw):  # before _NO_BACKEND: no WebGPU backend is WebGPU's fault
        return LegendaError(INFERENCE_FAILED, "model-webgpu", params)
    if _NO_BACKEND.search(raw):
        return LegendaError(RUNTIME_FAILED, "no-backend", params)
    if _NETWORK_FAILURE.search(raw):
        return LegendaError(MODEL_NOT_FOUND, "model-offline", params)
    return LegendaError(INFERENCE_FAILED, "model-broken", params)


def inference_error(role: str, model: str) -> LegendaError:
    """A model that loaded but failed while running."""
    return LegendaError(INFERENCE_FAILED, "inference-failed", {"role": role, "model": model})


def empty_output(role: str, model: str) -> LegendaError:
    return LegendaError(INFERENCE_FAILED, "empty-output", {"role": role, "model": model})


@dataclass(frozen=True)
class MissingLanguage:
    """A target language the translation model cannot produce, and what it can."""

    model: str
    lang: str  # the language's code
    name: str  # its name in itself, as the page shows it
    others: tuple[str, ...]  # the names of the table's languages the model has
    suggested: str  # a model that has them all (the default)


def language_not_in_model(missing: MissingLanguage) -> LegendaError:
    return LegendaError(UNSUPPORTED_LANGUAGE, "language-not-in-model", {
        "role": "translation", "model": missing.model, "lang": missing.lang,
        "name": missing.name, "languages": ", ".join(missing.others),
        "suggested": missing.suggested,
    })


def _image_unreachable(url: str, reason: str, status: int = 0) -> LegendaError:
    """``reason``: "missing" (404/410), "status" (another HTTP status) or "timeout" (no
    answer in time, or CORS: fetch cannot tell them apart)."""
    return LegendaError(
        IMAGE_UNREACHABLE, "image-unreachable", {"url": url, "reason": reason, "status": status}
    )


def image_http_error(url: str, status: int) -> LegendaError:
    return _image_unreachable(url, "missing" if status in (404, 410) else "status", status)


def image_fetch_failed(url: str) -> LegendaError:
    return _image_unreachable(url, "timeout")


def bad_image_url(url: str) -> LegendaError:
    return LegendaError(IMAGE_UNREACHABLE, "bad-image-url", {"url": url})


@dataclass(frozen=True)
class ImageSource:
    """Where an image came from, to name it: a file (by name, "" when it has none) or an
    address."""

    kind: str  # "file" or "address"
    name: str

    def params(self) -> dict[str, str]:
        return {"source": self.kind, "name": self.name}


def not_an_image(source: ImageSource, content_type: str) -> LegendaError:
    return LegendaError(NOT_AN_IMAGE, "not-an-image", {**source.params(), "type": content_type})


def undecodable_image(source: ImageSource) -> LegendaError:
    return LegendaError(NOT_AN_IMAGE, "undecodable-image", source.params())


def unexpected(what: str) -> LegendaError:
    """Anything not foreseen: say what was being done (``what``: "job" or "start"), never the
    raw error."""
    return LegendaError(RUNTIME_FAILED, "unexpected", {"what": what})
