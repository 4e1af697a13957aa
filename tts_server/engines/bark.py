"""Bark (suno/bark-small by default) through transformers' AutoProcessor + BarkModel.

Voices are Bark's presets, ``v2/<lang>_speaker_N``; the list is what the model's
speaker_embeddings_path.json holds, so a local folder offers exactly the presets it has.
torch and transformers are imported when the weights load, so the voices are known at once.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import deadline
from ..audio import Samples
from ..config import Config
from .base import Engine, EngineUnavailable, natural_key
from .hub import fetch, read_json

if TYPE_CHECKING:
    from transformers import BarkModel

# Bark's coarse and fine stages call generate() without an attention mask by design, and
# transformers logs the same two warnings about it on every sentence: keep them out of the log.
logging.getLogger("transformers.generation.utils").setLevel(logging.ERROR)

PRESETS_FILE = "speaker_embeddings_path.json"
_PRESET = re.compile(r"^(?:v2/)?([a-z]{2})_speaker_\d+$")


def presets_by_language(presets: list[str]) -> dict[str, list[str]]:
    """Group preset names by language, v2 presets first, speaker_2 before speaker_10."""
    grouped: dict[str, list[str]] = {}
    for preset in presets:
        match = _PRESET.match(preset)
        if match:
            grouped.setdefault(match.group(1), []).append(preset)
    for names in grouped.values():
        names.sort(key=lambda name: (not name.startswith("v2/"), natural_key(name)))
    return dict(sorted(grouped.items()))


class BarkEngine(Engine):
    def __init__(self, config: Config) -> None:
        super().__init__(config)
        self.processor: Any = None
        self.model: BarkModel | None = None

    def prepare(self) -> None:
        presets = read_json(self.model_id, "Bark", PRESETS_FILE)
        voices = presets_by_language([key for key in presets if key != "repo_or_path"])
        if not voices:
            raise EngineUnavailable(
                f"{self.model_id} has no voice presets ({PRESETS_FILE} lists none): download "
                "the model again with its speaker_embeddings folder."
            )
        self._voices = voices

    def load(self) -> None:
        import torch
        from transformers import AutoProcessor, BarkModel

        from .torch_models import pick_device

        self.device = pick_device(self.config.device)
        # Half precision halves memory and time on a GPU; on a CPU float16 is slow or unsupported.
        dtype = torch.float16 if self.device == "cuda" else torch.float32
        self.processor = fetch(self.model_id, "Bark", AutoProcessor.from_pretrained)
        model = fetch(
            self.model_id, "Bark", lambda m, **kw: BarkModel.from_pretrained(m, dtype=dtype, **kw)
        )
        self.model = model.to(self.device).eval()

    def synthesize(self, text: str, voice: str, speed: float = 1.0) -> tuple[int, Samples]:
        """Bark has no speed control (``supports_speed`` is False): ``speed`` is ignored."""
        import torch

        if self.processor is None or self.model is None:
            raise RuntimeError("the Bark model is not loaded")
        inputs = self.processor(text, voice_preset=voice, return_tensors="pt")
        inputs = {key: value.to(self.device) for key, value in inputs.items()}
        job_deadline = deadline.current()
        with torch.inference_mode():
            audio = self.model.generate(**inputs, **_stop_at(job_deadline))
        samples = audio.detach().to(torch.float32).cpu().numpy().reshape(-1)
        # Bark's generation config names the rate; its codec's config holds the same number.
        rate = getattr(self.model.generation_config, "sample_rate", None)
        return int(rate or self.model.codec_model.config.sampling_rate), samples.astype(np.float32)


def _stop_at(job_deadline: deadline.Deadline | None) -> dict[str, Any]:
    """generate() arguments that abort Bark's two token-by-token stages (semantic, coarse) at the
    next token once the job's deadline passes or the server stops (JobStopped)."""
    if job_deadline is None:
        return {}
    check = job_deadline.check
    import torch
    from transformers import StoppingCriteria, StoppingCriteriaList

    class PastDeadline(StoppingCriteria):  # type: ignore[misc]
        def __call__(self, input_ids: Any, scores: Any, **kwargs: Any) -> Any:
            check()  # raises out of generate(): stopping early breaks Bark's shapes
            return torch.zeros((input_ids.shape[0],), dtype=torch.bool, device=input_ids.device)

    stop = StoppingCriteriaList([PastDeadline()])
    return {"semantic_stopping_criteria": stop, "coarse_stopping_criteria": stop}
