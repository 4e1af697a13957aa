"""What the transformers engines share: picking the device."""

from __future__ import annotations

import torch

from .base import EngineUnavailable


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
