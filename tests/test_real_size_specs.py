"""The full-size twins' specs give the real models' sizes (issue 11: vit-gpt2 239 M parameters,
NLLB-200-distilled-600M 615 M, opus-mt-en-ROMANCE 78 M), checked on PyTorch's meta device:
nothing is allocated, so this costs seconds, not the gigabytes a twin's build takes
(``make bench-models``)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from tests.model_factory import marian as tiny_marian
from tests.model_factory import translator as tiny_translator
from tests.model_factory.real_size import captioner, marian, specs, translator


def _millions(model: object) -> float:
    return sum(p.numel() for p in model.parameters()) / 1e6  # type: ignore[attr-defined]


def test_the_captioner_twin_has_vit_gpt2_s_size() -> None:
    import torch

    with torch.device("meta"):
        model = captioner._model(specs.VIT_GPT2, special_id=0)
    assert model.config.decoder.vocab_size == 50257
    assert model.config.encoder.image_size == 224
    assert _millions(model) == pytest.approx(239, abs=2)


@pytest.mark.parametrize(("spec", "millions"), [(specs.NLLB_600M, 615), (specs.M2M100_418M, 484)])
def test_the_translator_twins_have_the_real_sizes(spec: specs.Seq2Seq, millions: int) -> None:
    import torch

    with tempfile.TemporaryDirectory() as tmp:
        tokenizer = tiny_translator._tokenizer(Path(tmp))
    with torch.device("meta"):
        model = translator._model(spec, tokenizer)
    assert model.config.vocab_size == spec.vocab
    assert model.config.tie_word_embeddings
    assert _millions(model) == pytest.approx(millions, abs=3)


def test_the_fast_translator_twin_has_opus_mt_en_romance_s_size() -> None:
    import torch

    with tempfile.TemporaryDirectory() as tmp:
        tokenizer = tiny_marian.tokenizer_for(Path(tmp), tiny_marian.TARGETS)
    with torch.device("meta"):
        model = marian._model(specs.OPUS_MT_EN_ROMANCE, tokenizer)
    assert model.config.vocab_size == 65001 and model.config.tie_word_embeddings
    assert model.config.decoder_start_token_id == tokenizer.pad_token_id
    assert _millions(model) == pytest.approx(78, abs=2)


def test_reduced_keeps_the_vocabulary() -> None:
    small = specs.reduced(specs.NLLB_600M)
    assert small.vocab == specs.NLLB_600M.vocab and small.d_model < specs.NLLB_600M.d_model


def test_the_phi3_twin_has_phi_3_5_mini_s_size() -> None:
    import torch
    from transformers import Phi3ForCausalLM

    from tests.model_factory.real_size import phi3

    with torch.device("meta"):
        model = Phi3ForCausalLM(phi3.config_for(specs.PHI35_MINI, [2]))
    assert model.config.vocab_size == 32064
    assert _millions(model) == pytest.approx(3821, abs=5)
