"""Full-size random-weight twins of the sidecar's models: suno/bark-small and
facebook/mms-tts-por, built by the same code as the tiny Bark and VITS.

Bark's semantic stage is capped at ``specs.BARK_SEMANTIC_TOKENS`` (a 5-second sentence; the
coarse and fine stages follow from it) and its voice presets hold prompts of a real preset's
length. The VITS twin's random duration predictor is calibrated (its ``speaking_rate``) so the
bench sentence lasts about ``specs.SPEECH_SECONDS``, as a real voice would.
"""

from __future__ import annotations

import sys
from pathlib import Path

from tests.model_factory import bark as tiny_bark
from tests.model_factory import vits as tiny_vits
from tests.model_factory.real_size import specs
from tests.model_factory.real_size.store import TWIN_ORG, twin

BARK_ID = f"{TWIN_ORG}/bark-small"
VITS_ID = f"{TWIN_ORG}/mms-tts-por"
# A real v2 preset holds ~6 s of history: ~300 semantic and ~450 coarse/fine frames.
PRESET_PROMPTS = (300, 450)


def bark_twin(spec: specs.Bark = specs.BARK_SMALL) -> Path:
    """The folder of the bark-small twin (1.6 GB; built in about a minute, then cached)."""
    shape = tiny_bark.Shape(
        width=spec.width, layers=spec.layers, heads=spec.heads, full_codec=True,
        semantic_tokens=specs.BARK_SEMANTIC_TOKENS, prompts=PRESET_PROMPTS,
    )
    return twin(
        BARK_ID, sys.modules[__name__], lambda folder: tiny_bark.build_bark(folder, shape), spec,
        helpers=(tiny_bark, specs),
    )


def vits_twin() -> Path:
    """The folder of the mms-tts-por twin (36 M parameters; built in seconds, then cached)."""
    return twin(
        VITS_ID, sys.modules[__name__], _build_vits, "mms-tts", helpers=(tiny_vits, specs)
    )


def _build_vits(model_dir: Path) -> None:
    import torch
    from transformers import VitsConfig, VitsModel

    torch.manual_seed(tiny_vits.SEED)
    vocab_size = tiny_vits._write_tokenizer(model_dir)
    # VitsConfig's defaults are the MMS-TTS architecture (192 wide, 6 text-encoder layers,
    # 16 wavenet layers, HiFi-GAN upsampling 8x8x2x2 from 512 channels, 513 bins).
    model = VitsModel(VitsConfig(vocab_size=vocab_size, sampling_rate=16_000)).eval()
    model.config.speaking_rate = _seconds(model, model_dir) / specs.SPEECH_SECONDS
    model.save_pretrained(model_dir)


def _seconds(model: object, model_dir: Path) -> float:
    """How long the untuned model says the bench sentence (mean of three draws)."""
    import torch
    from transformers import VitsTokenizer

    inputs = VitsTokenizer.from_pretrained(model_dir)(specs.SENTENCE, return_tensors="pt")
    with torch.inference_mode():
        lengths = [model(**inputs).waveform.shape[-1] for _ in range(3)]  # type: ignore[operator]
    return sum(lengths) / len(lengths) / 16_000
