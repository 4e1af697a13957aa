"""A tiny random-weight Bark in the layout of suno/bark-small (~10 MB).

BarkModel with Bark's real vocabulary sizes (generation relies on fixed offsets into them), width 8
and one layer per sub-model, a tiny Encodec codec, a BertTokenizer over a small character vocab,
and voice presets (speaker_embeddings_path.json + speaker_embeddings/v2/*.npy) for only a few
speakers, so tests can check that the server lists what the folder really holds. The semantic
stage is capped at a few tokens in generation_config.json: random weights never emit EOS.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from tests.model_factory.cache import cached_model

if TYPE_CHECKING:  # torch and transformers are imported only when a model is built
    from transformers import EncodecConfig

MODEL_ID = "legenda-test/tiny-bark"
SEED = 0
WIDTH = 8
SEMANTIC_MAX_NEW_TOKENS = 24
# The presets the tiny folder holds: a few Portuguese speakers and one English one.
PRESETS = ("v2/pt_speaker_0", "v2/pt_speaker_1", "v2/pt_speaker_2", "v2/en_speaker_0")
_CHARS = (
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    "áàâãéêíóôõúüçÁÀÂÃÉÊÍÓÔÕÚÇñ.,;:!?'\"-()"
)


def bark_model() -> Path:
    """The folder of the tiny Bark (built on first use, then cached)."""
    return cached_model(MODEL_ID, sys.modules[__name__], build_bark)


@dataclass(frozen=True)
class Shape:
    """What sets a Bark's size: the tiny one here, bark-small's in tests/model_factory/real_size.
    ``prompts`` are the lengths of a voice preset's semantic and coarse/fine prompts."""

    width: int = WIDTH
    layers: int = 1
    heads: int = 1
    full_codec: bool = False  # Encodec 24 kHz at its real size instead of a tiny one
    semantic_tokens: int = SEMANTIC_MAX_NEW_TOKENS
    prompts: tuple[int, int] = (16, 24)


def _sub_config(
    kind: type, shape: Shape, vocab_in: int, vocab_out: int, **extra: object
) -> object:
    # bias=True: in transformers 4.57 building Bark from scratch with bias=False fails.
    return kind(
        block_size=1024, input_vocab_size=vocab_in, output_vocab_size=vocab_out,
        num_layers=shape.layers, num_heads=shape.heads, hidden_size=shape.width, dropout=0.0,
        bias=True, **extra,
    )


def _codec_config(shape: Shape) -> EncodecConfig:
    from transformers import EncodecConfig

    if shape.full_codec:
        return EncodecConfig()  # its defaults are facebook/encodec_24khz, Bark's codec
    return EncodecConfig(
        hidden_size=WIDTH, num_filters=2, num_lstm_layers=1, codebook_size=1024,
        codebook_dim=WIDTH, upsampling_ratios=[8, 5, 4, 2], sampling_rate=24_000,
    )


def _write_tokenizer(model_dir: Path) -> None:
    from transformers import BertTokenizer

    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    vocab = specials + list(_CHARS) + [f"##{c}" for c in _CHARS]
    vocab_file = model_dir / "vocab.txt"
    vocab_file.write_text("\n".join(vocab) + "\n", encoding="utf-8")
    # Bark's tokenizer (bert-base-multilingual-cased) keeps case and accents.
    BertTokenizer(str(vocab_file), do_lower_case=False, strip_accents=False,
                  model_max_length=512).save_pretrained(model_dir)


def _write_presets(model_dir: Path, rng: np.random.Generator, shape: Shape) -> None:
    index: dict[str, object] = {"repo_or_path": "legenda-test/tiny-bark"}
    semantic, acoustic = shape.prompts
    for preset in PRESETS:
        arrays = {
            "semantic_prompt": rng.integers(0, 10_000, size=semantic),
            "coarse_prompt": rng.integers(0, 1024, size=(2, acoustic)),
            "fine_prompt": rng.integers(0, 1024, size=(8, acoustic)),
        }
        entry = {}
        for key, array in arrays.items():
            relative = f"speaker_embeddings/{preset}_{key}.npy"
            (model_dir / relative).parent.mkdir(parents=True, exist_ok=True)
            np.save(model_dir / relative, array.astype(np.int64), allow_pickle=False)
            entry[key] = relative
        index[preset] = entry
    (model_dir / "speaker_embeddings_path.json").write_text(json.dumps(index, indent=1))


def _write_generation_config(model_dir: Path, semantic_tokens: int) -> None:
    from transformers import GenerationConfig
    from transformers.models.bark.generation_configuration_bark import (
        BarkCoarseGenerationConfig,
        BarkFineGenerationConfig,
        BarkSemanticGenerationConfig,
    )

    # BarkGenerationConfig.save_pretrained fails in 4.57: save a plain GenerationConfig holding
    # the three sub-configs as dicts, as the hub's generation_config.json does.
    semantic = BarkSemanticGenerationConfig(
        max_new_tokens=semantic_tokens, do_sample=True, temperature=0.7
    )
    coarse = BarkCoarseGenerationConfig(do_sample=True, temperature=0.7)
    fine = BarkFineGenerationConfig(temperature=0.5)
    GenerationConfig(
        semantic_config=semantic.to_dict(),
        coarse_acoustics_config=coarse.to_dict(),
        fine_acoustics_config=fine.to_dict(),
        sample_rate=24_000,
        codebook_size=1024,
    ).save_pretrained(model_dir)


def _fill_codebooks(model: object) -> None:
    """Give each code of Encodec's codebooks its own random vector: a new EncodecModel's are all
    zeros, so a random-weight Bark's audio would not depend on the tokens it generated."""
    import torch

    with torch.no_grad():
        for layer in model.codec_model.quantizer.layers:  # type: ignore[attr-defined]
            layer.codebook.embed.normal_()


def build_bark(model_dir: Path, shape: Shape = Shape()) -> None:  # noqa: B008 - frozen
    """Write the whole hub-layout model of ``shape`` into ``model_dir``."""
    import torch
    from transformers import BarkConfig, BarkModel
    from transformers.models.bark.configuration_bark import (
        BarkCoarseConfig,
        BarkFineConfig,
        BarkSemanticConfig,
    )

    torch.manual_seed(SEED)
    config = BarkConfig.from_sub_model_configs(
        _sub_config(BarkSemanticConfig, shape, 129_600, 10_048),
        _sub_config(BarkCoarseConfig, shape, 12_096, 12_096),
        _sub_config(BarkFineConfig, shape, 1_056, 1_056, n_codes_total=8, n_codes_given=1),
        _codec_config(shape),
    )
    model = BarkModel(config).eval()
    _fill_codebooks(model)
    model.save_pretrained(model_dir)
    _write_generation_config(model_dir, shape.semantic_tokens)
    _write_tokenizer(model_dir)
    _write_presets(model_dir, np.random.default_rng(SEED), shape)
