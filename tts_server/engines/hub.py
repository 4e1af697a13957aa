"""Finding a model (a local folder or a hub id) and explaining, for people, why it is missing.

Kept free of torch and transformers so that reading a model's small JSON files (its voices) is
quick and can happen before the weights load.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from .base import EngineUnavailable

T = TypeVar("T")


def looks_like_folder(model: str) -> bool:
    """A model given as a path (not a hub id like org/name)."""
    return model.startswith(("/", ".", "~")) or Path(model).expanduser().exists()


def locate(model: str) -> str:
    """Where to load ``model`` from: a folder (expanded), the local snapshot of a hub id already
    downloaded, or else the hub id itself. A folder that does not exist is EngineUnavailable.

    Loading a downloaded model from its snapshot folder keeps the hub client off the network
    for good: Bark's processor otherwise asks the hub for each voice preset file it opens.
    """
    if not looks_like_folder(model):
        from huggingface_hub import snapshot_download

        try:
            return str(snapshot_download(model, local_files_only=True))
        except (OSError, ValueError):  # not downloaded (or not a valid id): ask the hub later
            return model
    folder = Path(model).expanduser()
    if not folder.is_dir():
        raise EngineUnavailable(
            f"The model folder {folder} does not exist: fix LEGENDA_TTS_MODEL, "
            "or set LEGENDA_TTS_ENGINE=espeak to speak without a model."
        )
    return str(folder)


def fetch(model: str, engine: str, get: Callable[..., T]) -> T:
    """Call ``get(model, local_files_only=...)``: the local cache first, then the hub.

    Without a network the hub client otherwise retries for about a minute before giving up,
    even for files it already has. Failures become EngineUnavailable saying what to do.
    """
    model = locate(model)
    is_folder = looks_like_folder(model)
    try:
        try:
            return get(model, local_files_only=True)
        except OSError:
            if is_folder:
                raise
        return get(model, local_files_only=False)
    except (OSError, ValueError, KeyError) as error:
        raise _explain(model, engine, is_folder, error) from error


def read_json(model: str, engine: str, filename: str) -> dict[str, Any]:
    """A JSON file of the model (config.json...), from its folder or the hub."""

    def get(source: str, local_files_only: bool) -> dict[str, Any]:
        if looks_like_folder(source):
            path = Path(source) / filename
        else:
            from huggingface_hub import hf_hub_download

            path = Path(hf_hub_download(source, filename, local_files_only=local_files_only))
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            raise ValueError(f"{filename} does not hold a JSON object")
        return data

    return fetch(model, engine, get)


def _explain(model: str, engine: str, is_folder: bool, error: Exception) -> EngineUnavailable:
    detail = _first_line(error)
    if is_folder:
        return EngineUnavailable(
            f"The folder {model} is not a complete {engine} model ({detail}): "
            "download it again (make models), or set LEGENDA_TTS_ENGINE=espeak."
        )
    if isinstance(error, OSError):
        return EngineUnavailable(
            f"{model} is not in the local cache and the model hub is unreachable: download it "
            f"where there is internet (`huggingface-cli download {model}`, or `make models`), "
            "point LEGENDA_TTS_MODEL at a local copy, or set LEGENDA_TTS_ENGINE=espeak, "
            "which needs no download."
        )
    return EngineUnavailable(
        f"{model} could not be loaded as a {engine} model ({detail}): check "
        "LEGENDA_TTS_MODEL and LEGENDA_TTS_ENGINE."
    )


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return text[0][:200] if text else "no detail"
