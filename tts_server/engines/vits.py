"""VITS (facebook/mms-tts-por by default) through transformers' VitsModel: fast on a CPU.

An MMS model speaks one language, read from its id (mms-tts-por -> pt) or LEGENDA_TTS_LANG.
Multi-speaker checkpoints offer ``speaker_N`` voices; single-speaker ones one ``default`` voice.
torch and transformers are imported when the weights load, so the voices are known at once.
"""

from __future__ import annotations

import re
import threading
from typing import TYPE_CHECKING, Any

import numpy as np

from ..audio import Samples
from ..config import Config
from .base import Engine
from .hub import fetch, read_json

if TYPE_CHECKING:
    from transformers import VitsModel

# MMS model ids name their language with an ISO 639-3 code.
_MMS_LANGUAGES = {
    "por": "pt", "eng": "en", "spa": "es", "fra": "fr", "deu": "de", "ita": "it", "pol": "pl",
    "rus": "ru", "tur": "tr", "cmn": "zh", "jpn": "ja", "kor": "ko", "hin": "hi",
}
DEFAULT_VOICE = "default"


def model_language(model_id: str, fallback: str) -> str:
    """The page language of an MMS model id (``facebook/mms-tts-por`` -> ``pt``)."""
    match = re.search(r"mms-tts-([a-z]{3})", model_id)
    return _MMS_LANGUAGES.get(match.group(1), fallback) if match else fallback


class VitsEngine(Engine):
    supports_speed = True

    def __init__(self, config: Config) -> None:
        super().__init__(config)
        self.tokenizer: Any = None
        self.model: VitsModel | None = None
        self._speed_lock = threading.Lock()  # the speed is a model attribute: one call at a time

    def prepare(self) -> None:
        speakers = int(read_json(self.model_id, "VITS", "config.json").get("num_speakers") or 1)
        names = [f"speaker_{i}" for i in range(speakers)] if speakers > 1 else [DEFAULT_VOICE]
        self._voices = {model_language(self.model_id, self.config.lang): names}

    def load(self) -> None:
        from transformers import AutoTokenizer, VitsModel

        from .torch_models import pick_device

        self.device = pick_device(self.config.device)
        self.tokenizer = fetch(self.model_id, "VITS", AutoTokenizer.from_pretrained)
        model = fetch(self.model_id, "VITS", VitsModel.from_pretrained)
        self.model = model.to(self.device).eval()

    def synthesize(self, text: str, voice: str, speed: float = 1.0) -> tuple[int, Samples]:
        import torch

        if self.tokenizer is None or self.model is None:
            raise RuntimeError("the VITS model is not loaded")
        inputs = self.tokenizer(text, return_tensors="pt")
        if inputs["input_ids"].shape[-1] == 0:
            raise ValueError("the model's tokenizer kept none of the characters of this text")
        kwargs = {key: value.to(self.device) for key, value in inputs.items()}
        if voice.startswith("speaker_"):
            kwargs["speaker_id"] = int(voice.removeprefix("speaker_"))
        with self._speed_lock, torch.inference_mode():
            self.model.speaking_rate = speed  # the model divides its durations by this
            waveform = self.model(**kwargs).waveform
        samples = waveform.detach().to(torch.float32).cpu().numpy().reshape(-1)
        return int(self.model.config.sampling_rate), samples.astype(np.float32)
