"""What the transformers engines share: picking the device and loading with clear errors."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import torch

from .base import EngineUnavailable

T = TypeVar("T")


def pick_device(wanted: str) -> str:
    """``auto`` means the GPU when there is one, else the CPU; explicit choices are checked."""
    if wanted == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if wanted == "cuda" and not torch.cuda.is_available():
        raise EngineUnavailable(
            "LEGENDA_TTS_DEVICE=cuda but torch sees no CUDA GPU: set it to auto or cpu."
        )
    if wanted == "mps" and not torch.backends.mps.is_available():
        raise EngineUnavailable("LEGENDA_TTS_DEVICE=mps but MPS is not available: use auto or cpu.")
    return wanted


def looks_like_folder(model: str) -> bool:
    """A model given as a path (not a hub id like org/name)."""
    return model.startswith(("/", ".", "~")) or Path(model).expanduser().exists()


def load_pretrained(model: str, engine: str, load: Callable[..., T]) -> T:
    """Call ``load(model, local_files_only=...)`` (a ``from_pretrained``) and turn the failures
    people meet into sentences saying what to do.

    The local cache is tried first: without a network the hub client otherwise retries for
    about a minute before giving up, even for a model it already has.
    """
    if looks_like_folder(model):
        folder = Path(model).expanduser()
        if not folder.is_dir():
            raise EngineUnavailable(
                f"The model folder {folder} does not exist: fix LEGENDA_TTS_MODEL, "
                f"or set LEGENDA_TTS_ENGINE=espeak to speak without a model."
            )
        model = str(folder)
    is_folder = looks_like_folder(model)
    try:
        try:
            return load(model, local_files_only=True)
        except OSError:
            if is_folder:
                raise
        return load(model, local_files_only=False)
    except (OSError, ValueError, KeyError) as error:
        if is_folder:
            raise EngineUnavailable(
                f"The folder {model} is not a complete {engine} model ({_first_line(error)}): "
                "download it again (make models), or set LEGENDA_TTS_ENGINE=espeak."
            ) from error
        if not isinstance(error, OSError):
            raise EngineUnavailable(
                f"{model} could not be loaded as a {engine} model ({_first_line(error)}): check "
                "LEGENDA_TTS_MODEL and LEGENDA_TTS_ENGINE."
            ) from error
        raise EngineUnavailable(
            f"{model} is not in the local cache and the model hub is unreachable: download it "
            f"where there is internet (`huggingface-cli download {model}`, or `make models`), "
            "point LEGENDA_TTS_MODEL at a local copy, or set LEGENDA_TTS_ENGINE=espeak, "
            "which needs no download."
        ) from error


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return text[0][:200] if text else "no detail"
