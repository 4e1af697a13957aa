"""Failures as codes with parameters, which the page words in its own language.

Everything the worker reports goes through a ``LegendaError``: a code from the worker protocol,
a ``key`` naming which sentence the page says (web/ui/i18n/<lang>.js, ``error.<key>``), its
``params``, and ``message``, the same sentence in English for the console and for CPython's
tests. The raw JavaScript / Transformers.js messages are mapped here, from plain strings, so the
mapping is tested in CPython; the raw text itself goes to the console only.
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

SELF_HOST_HINT = (
    "To self-host it, run `make models` (or copy the model's files into models/{model}/ "
    "before `make site`) and point the `models` setting at where they are served."
)


class LegendaError(Exception):
    """A failure with a protocol code and a message fit for the page's status line."""

    def __init__(
        self, code: str, message: str, key: str = "", params: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.key = key or code
        self.params = params or {}

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "key": self.key,
                "params": self.params}


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


def _model(role: str, model: str) -> str:
    """How every message names a model: "The captioning model “org/name”"."""
    return f"The {role} model “{model}”"


def model_load_error(place: ModelPlace, raw: str) -> LegendaError:
    """Map a failure to load a pipeline to a message naming the model (and the file)."""
    subject = _model(place.role, place.model)
    where = f"{place.local_path}{place.model}/ on this site"
    hint = SELF_HOST_HINT.format(model=place.model)
    params: dict[str, Any] = {"role": place.role, "model": place.model,
                              "where": f"{place.local_path}{place.model}/"}
    missing = _MISSING_FILE.search(raw)
    if missing:
        file = _file_in_model(missing.group(2), place.model)
        weights = file.endswith(".onnx")  # the weights: often only this dtype is missing
        params.update(file=file, dtype=place.dtype, weights=weights)
        if weights:
            what = f"its {place.dtype} weights ({file}) are"
            check = "Check the model id, or try another dtype (q8 and fp32 are the most common). "
        else:
            what, check = f"its file {file} is", "Check the model id. "
        if _REMOTE_REFUSED.search(raw) or not place.remote_allowed:
            return LegendaError(
                MODEL_NOT_FOUND,
                f"{subject} was not found: {what} not at {where}, and remote models are off "
                f"(remote_models=0). {check}{hint} Or allow remote models (remote_models=1) "
                "to download it from the Hugging Face hub.",
                "model-missing-local", params,
            )
        return LegendaError(
            MODEL_NOT_FOUND,
            # Transformers.js reports a download cut off midway as a missing file too.
            f"{subject} could not be loaded: {what} neither at {where} nor on the Hugging Face "
            f"hub, or the download failed. {check}{hint}",
            "model-missing", params,
        )
    if _WEBGPU_FAILURE.search(raw):  # before _NO_BACKEND: no WebGPU backend is WebGPU's fault
        return LegendaError(
            INFERENCE_FAILED,
            f"{subject} could not start on WebGPU in this browser. Choose the wasm device "
            "(device=wasm) and try again.",
            "model-webgpu", params,
        )
    if _NO_BACKEND.search(raw):
        return LegendaError(
            RUNTIME_FAILED,
            "ONNX Runtime, which runs the models, could not start: its files on this site "
            "(vendor/ort/) are missing or damaged. Reload the page; if you host the site "
            "yourself, build it again with `make site`.",
            "no-backend", params,
        )
    if _NETWORK_FAILURE.search(raw):
        return LegendaError(
            MODEL_NOT_FOUND,
            f"{subject} could not be downloaded: the Hugging Face hub did not answer (are you "
            f"offline?) and it is not at {where}. Check your connection. {hint}",
            "model-offline", params,
        )
    return LegendaError(
        INFERENCE_FAILED,
        f"{subject} could not be loaded: its files may be damaged or of a kind this page "
        "cannot run. Try another model or dtype; the browser console has the details.",
        "model-broken", params,
    )


def inference_error(role: str, model: str) -> LegendaError:
    """A model that loaded but failed while running."""
    return LegendaError(
        INFERENCE_FAILED,
        f"{_model(role, model)} failed while working on this image. Try again, or try "
        "another image or model; the browser console has the details.",
        "inference-failed", {"role": role, "model": model},
    )


def empty_output(role: str, model: str) -> LegendaError:
    return LegendaError(
        INFERENCE_FAILED,
        f"{_model(role, model)} gave no text for this image. Try another image, or "
        "other generation settings (for example more max_new_tokens).",
        "empty-output", {"role": role, "model": model},
    )


_REASONS = {
    "missing": "it does not exist there",
    "timeout": "the server did not answer in time, or it does not let other sites read its "
    "images (CORS)",
}


def _image_unreachable(url: str, reason: str, status: int = 0) -> LegendaError:
    said = _REASONS.get(reason, f"the server answered {status}")
    return LegendaError(
        IMAGE_UNREACHABLE,
        f"The image at {url} could not be loaded: {said}. Check the address, or save the "
        "image and choose it as a file.",
        "image-unreachable", {"url": url, "reason": reason, "status": status},
    )


def image_http_error(url: str, status: int) -> LegendaError:
    return _image_unreachable(url, "missing" if status in (404, 410) else "status", status)


def image_fetch_failed(url: str) -> LegendaError:
    return _image_unreachable(url, "timeout")


def bad_image_url(url: str) -> LegendaError:
    return LegendaError(
        IMAGE_UNREACHABLE,
        f"“{url}” is not a web address of an image. Paste an address starting with http:// "
        "or https://, or choose a file.",
        "bad-image-url", {"url": url},
    )


@dataclass(frozen=True)
class ImageSource:
    """Where an image came from, to name it in a sentence: a file (by name) or an address."""

    kind: str  # "file" or "address"
    name: str  # the file's name ("" when it has none) or the address

    def english(self) -> str:
        if self.kind == "address":
            return f"The address {self.name}"
        return f"The file “{self.name}”" if self.name else "The chosen file"

    def params(self) -> dict[str, str]:
        return {"source": self.kind, "name": self.name}


def not_an_image(source: ImageSource, content_type: str) -> LegendaError:
    return LegendaError(
        NOT_AN_IMAGE,
        f"{source.english()} is not an image (it is {content_type or 'of an unknown type'}). "
        "Use a direct link to a JPEG, PNG, WebP or GIF image, or choose an image file.",
        "not-an-image", {**source.params(), "type": content_type},
    )


def undecodable_image(source: ImageSource) -> LegendaError:
    return LegendaError(
        NOT_AN_IMAGE,
        f"{source.english()} could not be read as an image: it may be damaged or in a format "
        "this browser cannot decode. Try a JPEG, PNG, WebP or GIF image.",
        "undecodable-image", source.params(),
    )


def unexpected(what: str) -> LegendaError:
    """Anything not foreseen: say what was being done (``what``: "job", "start"), never the
    raw error."""
    doing = {"job": "working on this image", "start": "starting the page's runtime"}[what]
    return LegendaError(
        RUNTIME_FAILED,
        f"Something went wrong while {doing}. Reload the page and try again; the browser "
        "console has the details.",
        "unexpected", {"what": what},
    )
