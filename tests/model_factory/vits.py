"""A tiny random-weight VITS in the layout of facebook/mms-tts-por (16 kHz, one speaker).

VitsModel a few channels wide with a VitsTokenizer over Portuguese characters (no phonemizer,
no uroman, blanks between characters, as MMS models for Latin-script languages).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from tests.model_factory.cache import cached_model

MODEL_ID = "legenda-test/tiny-vits"
SEED = 0
_CHARS = list("abcdefghijklmnopqrstuvwxyzáàâãéêíóôõúüç '-.,!?")


def vits_model() -> Path:
    """The folder of the tiny VITS (built on first use, then cached)."""
    return cached_model(MODEL_ID, sys.modules[__name__], build_vits)


def _write_tokenizer(model_dir: Path) -> int:
    from transformers import VitsTokenizer  # transformers is imported only when a model is built

    vocab = {"<pad>": 0, "<unk>": 1} | {char: i + 2 for i, char in enumerate(_CHARS)}
    vocab_file = model_dir / "vocab.json"
    vocab_file.write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
    VitsTokenizer(
        str(vocab_file), language="por", add_blank=True, normalize=True, phonemize=False,
        is_uroman=False,
    ).save_pretrained(model_dir)
    return len(vocab)


def build_vits(model_dir: Path) -> None:
    """Write the whole hub-layout model into ``model_dir``."""
    import torch
    from transformers import VitsConfig, VitsModel

    torch.manual_seed(SEED)
    vocab_size = _write_tokenizer(model_dir)
    config = VitsConfig(
        vocab_size=vocab_size, hidden_size=16, num_hidden_layers=2, num_attention_heads=2,
        ffn_dim=32, flow_size=16, spectrogram_bins=8, prior_encoder_num_flows=2,
        posterior_encoder_num_wavenet_layers=2, duration_predictor_num_flows=2,
        duration_predictor_filter_channels=16, upsample_initial_channel=16,
        upsample_rates=[8, 8, 4], upsample_kernel_sizes=[16, 16, 8],
        resblock_kernel_sizes=[3], resblock_dilation_sizes=[[1, 3]], sampling_rate=16_000,
    )
    VitsModel(config).eval().save_pretrained(model_dir)
