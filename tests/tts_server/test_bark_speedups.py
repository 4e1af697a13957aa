"""Bark's CPU options (LEGENDA_BARK_INT8, LEGENDA_BARK_SDPA) and batched sentences, on the tiny
Bark: SDPA computes the same attention as the eager code, int8 swaps the stages' Linear layers
and still speaks, and a batch gives each sentence its own audio."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tts_server.config import ConfigError, config_from_mapping, load_config
from tts_server.engines import make_engine
from tts_server.engines.bark import BarkEngine, quantize_int8, use_sdpa


def _engine(model: Path, **settings: object) -> BarkEngine:
    engine = make_engine(config_from_mapping({"engine": "bark", "model": str(model), **settings}))
    assert isinstance(engine, BarkEngine)
    engine.prepare()
    engine.load()
    return engine


def test_flags_are_read_from_the_environment() -> None:
    config = load_config({"LEGENDA_BARK_INT8": "1", "LEGENDA_BARK_SDPA": "off"})
    assert (config.bark_int8, config.bark_sdpa) == (True, False)
    assert not load_config({}).bark_int8  # int8 is asked for; fused attention is the default
    assert load_config({}).bark_sdpa
    with pytest.raises(ConfigError, match="LEGENDA_BARK_INT8"):
        load_config({"LEGENDA_BARK_INT8": "maybe"})


@pytest.mark.parametrize("stage", ["semantic", "coarse_acoustics", "fine_acoustics"])
def test_sdpa_gives_the_eager_attention_s_logits(tiny_bark: Path, stage: str) -> None:
    import torch
    from transformers import BarkModel

    eager = BarkModel.from_pretrained(tiny_bark).eval()
    fused = BarkModel.from_pretrained(tiny_bark).eval()
    use_sdpa(fused)
    generator = torch.Generator().manual_seed(0)
    ids = torch.randint(0, 1000, (2, 40), generator=generator)
    with torch.inference_mode():
        if stage == "fine_acoustics":
            ids = torch.randint(0, 1000, (2, 40, 8), generator=generator)
            expected = getattr(eager, stage)(2, ids).logits
            got = getattr(fused, stage)(2, ids).logits
        else:
            mask = torch.ones_like(ids)
            mask[1, 30:] = 0  # a padded row exercises the padding mask too
            expected = getattr(eager, stage)(ids, attention_mask=mask).logits
            got = getattr(fused, stage)(ids, attention_mask=mask).logits
    torch.testing.assert_close(got, expected, rtol=1e-4, atol=1e-5)


def test_int8_quantizes_the_stages_and_still_speaks(tiny_bark: Path) -> None:
    import torch

    engine = _engine(tiny_bark, bark_int8=True, bark_sdpa=True)
    assert engine.model is not None
    for stage in (engine.model.semantic, engine.model.coarse_acoustics,
                  engine.model.fine_acoustics):
        assert _float_linears(stage) == 0
        assert any(type(m).__module__.startswith("torch.ao.nn.quantized") for m in stage.modules())
    assert any(isinstance(m, torch.nn.Conv1d) for m in engine.model.codec_model.modules())
    rate, samples = engine.synthesize("Olá, mundo.", "v2/pt_speaker_0")
    assert rate == 24_000 and samples.size > 0 and np.isfinite(samples).all()


def test_quantize_leaves_an_unquantized_model_alone_when_not_asked(tiny_bark: Path) -> None:
    engine = _engine(tiny_bark)
    assert engine.model is not None
    assert _float_linears(engine.model.semantic) > 0
    quantize_int8(engine.model)  # the function itself always quantizes
    assert _float_linears(engine.model.semantic) == 0


def _float_linears(stage: object) -> int:
    import torch

    return sum(type(m) is torch.nn.Linear for m in stage.modules())  # type: ignore[attr-defined]


def test_a_batch_gives_each_sentence_its_own_audio(tiny_bark: Path) -> None:
    engine = _engine(tiny_bark)
    pieces = engine.synthesize_batch(["Olá.", "Um gato dorme no sofá, ao sol."],
                                     "v2/pt_speaker_1")
    assert len(pieces) == 2
    for rate, samples in pieces:
        assert rate == 24_000 and samples.ndim == 1 and samples.size > 0
        assert samples.dtype == np.float32
