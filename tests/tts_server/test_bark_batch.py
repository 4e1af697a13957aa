"""Bark's pieces batched: does a text said in one batch with a longer one get what it gets alone?

Decided on the tiny Bark with greedy decoding (each stage's argmax, so a text alone and in a
batch can be compared token for token), one stage at a time through transformers' own stage
code, then through the engine and ``speak``. Random weights never emit Bark's end token, so a
stopping criterion ends the first row early: a finished row is then padded with the end token,
as it is when the model ends a sentence itself.

- semantic: the processor pads every text to 256 tokens, so a row's input is the same alone
  and in a batch: the same tokens.
- coarse: a row that ended early is padded with the semantic pad token, which the coarse stage
  pads any text with anyway, and the stage is causal: the same tokens on the row's own frames.
- fine: not causal, over a 1024-frame window: in ``BarkModel.generate``'s batch the shorter
  row's frames attend to the codes the coarse stage made past its end (alone: the pad code), so
  its logits differ. ``generate_batch`` runs it per text on the text's own frames: the same.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tts_server.config import ConfigError, config_from_mapping, load_config
from tts_server.engines import make_engine
from tts_server.engines.bark import BarkEngine, _stage_configs, generate_batch
from tts_server.speech import TooMuchWork, batches, speak

VOICE = "v2/pt_speaker_1"
SHORT, LONG = "Olá.", "Um gato dorme no sofá, ao sol."
SHORT_TOKENS = 9  # the first row ends after these semantic tokens (the tiny Bark makes 24)


def _engine(model: Path, **settings: object) -> BarkEngine:
    engine = make_engine(config_from_mapping({"engine": "bark", "model": str(model), **settings}))
    assert isinstance(engine, BarkEngine)
    engine.prepare()
    engine.load()
    _greedy(engine.model)
    return engine


def _greedy(model: Any) -> None:
    """Every stage takes its most likely token (the fine stage's argmax is at temperature 1)."""
    settings = model.generation_config
    settings.semantic_config["do_sample"] = False
    settings.coarse_acoustics_config["do_sample"] = False
    settings.fine_acoustics_config["temperature"] = 1.0


def _first_row_ends() -> Any:
    """Stopping criteria that end row 0 after SHORT_TOKENS semantic tokens, as an end token
    would (the semantic stage's input is 257 positions: 256 text + the infer token)."""
    import torch
    from transformers import StoppingCriteria, StoppingCriteriaList

    class FirstRowEnds(StoppingCriteria):  # type: ignore[misc]
        def __call__(self, input_ids: Any, scores: Any, **kwargs: Any) -> Any:
            done = torch.zeros((input_ids.shape[0],), dtype=torch.bool)
            done[0] = input_ids.shape[1] - 257 >= SHORT_TOKENS
            return done

    return StoppingCriteriaList([FirstRowEnds()])


@contextmanager
def fine_logits(model: Any) -> Iterator[list[Any]]:
    """The logits of every forward pass of the fine stage while in the block, in order."""
    seen: list[Any] = []
    stage = model.fine_acoustics
    forward = stage.forward

    def recording(*args: Any, **kwargs: Any) -> Any:
        output = forward(*args, **kwargs)
        seen.append(output.logits.clone())
        return output

    stage.forward = recording
    try:
        yield seen
    finally:
        del stage.forward


class Stages:
    """The tiny Bark's three stages called as BarkModel.generate calls them."""

    def __init__(self, engine: BarkEngine, texts: list[str]) -> None:
        self.model: Any = engine.model
        self.inputs = engine.processor(texts, voice_preset=VOICE, return_tensors="pt")
        semantic, coarse, fine = _stage_configs(self.model.generation_config)
        self.pad = semantic.semantic_pad_token
        self.frames_per_token = coarse.n_coarse_codebooks
        self.fine_config = fine
        self.common = {"history_prompt": self.inputs["history_prompt"],
                       "semantic_generation_config": semantic, "coarse_generation_config": coarse,
                       "codebook_size": self.model.generation_config.codebook_size}

    def semantic(self, rows: int) -> Any:
        import torch

        with torch.inference_mode():
            return self.model.semantic.generate(
                self.inputs["input_ids"][:rows],
                attention_mask=self.inputs["attention_mask"][:rows],
                history_prompt=self.common["history_prompt"],
                semantic_generation_config=self.common["semantic_generation_config"],
                stopping_criteria=_first_row_ends(),
            )

    def coarse(self, semantic: Any) -> tuple[Any, list[int]]:
        import torch

        with torch.inference_mode():
            codes, lengths = self.model.coarse_acoustics.generate(
                semantic.clone(), return_output_lengths=True, **self.common
            )
        return codes, lengths.tolist()

    def fine_first_logits(self, coarse: Any) -> tuple[Any, Any]:
        """The fine stage's tokens, and the logits of its first forward pass."""
        import torch

        with fine_logits(self.model) as seen, torch.inference_mode():
            tokens = self.model.fine_acoustics.generate(
                coarse, fine_generation_config=self.fine_config, **self.common
            )
        return tokens, seen[0]


@pytest.fixture(scope="module")
def engine(tiny_bark: Path) -> BarkEngine:
    return _engine(tiny_bark)


def test_the_semantic_stage_gives_a_text_the_same_tokens_in_a_batch(engine: BarkEngine) -> None:
    stages = Stages(engine, [SHORT, LONG])
    alone, batched = stages.semantic(1), stages.semantic(2)
    assert alone.shape[1] == SHORT_TOKENS < batched.shape[1]
    assert (alone[0] == batched[0, :SHORT_TOKENS]).all()
    assert (batched[0, SHORT_TOKENS:] == stages.pad).all()  # a finished row: the end token


def test_the_coarse_stage_gives_a_shorter_row_the_same_tokens_on_its_frames(
    engine: BarkEngine,
) -> None:
    stages = Stages(engine, [SHORT, LONG])
    batched = stages.semantic(2)
    alone, (length,) = stages.coarse(stages.semantic(1))
    codes, lengths = stages.coarse(batched)
    assert lengths[0] == length < lengths[1] == codes.shape[1]
    assert (codes[0, :length] == alone[0]).all()


def test_the_fine_stage_differs_for_a_shorter_row_unless_it_runs_alone(
    engine: BarkEngine,
) -> None:
    stages = Stages(engine, [SHORT, LONG])
    alone_codes, (length,) = stages.coarse(stages.semantic(1))
    codes, _ = stages.coarse(stages.semantic(2))
    frames = length // stages.frames_per_token
    history = stages.fine_config.max_fine_history_length
    history = min(history, stages.inputs["history_prompt"]["fine_prompt"].shape[1])
    own = slice(history, history + frames)  # the short text's frames in the fine window
    alone_tokens, alone_logits = stages.fine_first_logits(alone_codes)
    _, batch_logits = stages.fine_first_logits(codes)  # BarkModel.generate's way
    cut_tokens, cut_logits = stages.fine_first_logits(codes[:1, :length])  # generate_batch's
    assert not np.allclose(batch_logits[0, own].numpy(), alone_logits[0, own].numpy(),
                           rtol=0, atol=1e-5)
    assert (cut_logits == alone_logits).all() and (cut_tokens == alone_tokens).all()


def test_generate_batch_gives_each_text_its_audio_alone(engine: BarkEngine) -> None:
    import torch

    model: Any = engine.model
    inputs = engine.processor([SHORT, LONG], voice_preset=VOICE, return_tensors="pt")
    with fine_logits(model) as batch_logits, torch.inference_mode():
        waves = generate_batch(model, inputs, list(_first_row_ends()))
    expected, alone_logits = [], []
    for text, stop in ((SHORT, _first_row_ends()), (LONG, None)):
        alone = engine.processor(text, voice_preset=VOICE, return_tensors="pt")
        extra = {"semantic_stopping_criteria": stop} if stop else {}
        with fine_logits(model) as logits, torch.inference_mode():
            audio, (length,) = model.generate(**alone, return_output_lengths=True, **extra)
        expected.append(audio[0, :length])
        alone_logits += logits
    assert len(waves[0]) < len(waves[1])
    for got, want in zip(waves, expected, strict=True):
        torch.testing.assert_close(got, want, rtol=0, atol=1e-6)
    # The fine stage's logits too: the tiny model's argmax hides small changes in them.
    assert len(batch_logits) == len(alone_logits)
    for got, want in zip(batch_logits, alone_logits, strict=True):
        torch.testing.assert_close(got, want, rtol=0, atol=1e-6)


def test_speak_hands_bark_its_pieces_in_batches_with_the_same_audio(tiny_bark: Path) -> None:
    text = "Um gato dorme. Um cão corre. Uma ave canta."
    said = {}
    for size in (1, 2):
        engine = _engine(tiny_bark, bark_batch=size)
        engine.max_piece_chars = 15  # one sentence per piece
        progress: list[float] = []
        said[size] = speak(engine, text, VOICE, on_progress=progress.append)
        assert progress == ([1 / 3, 2 / 3, 1.0] if size == 1 else [2 / 3, 1.0])  # 2 + 1 pieces
    assert said[1][0] == said[2][0]
    np.testing.assert_allclose(said[2][1], said[1][1], rtol=0, atol=1e-6)


def test_a_batched_engine_still_counts_each_piece_against_the_bound(tiny_bark: Path) -> None:
    engine = _engine(tiny_bark, bark_batch=4)
    engine.max_piece_chars = 15
    with pytest.raises(TooMuchWork, match="3 pieces.*LEGENDA_MAX_ENGINE_CALLS"):
        speak(engine, "Um gato dorme. Um cão corre. Uma ave canta.", VOICE, max_calls=2)


def test_other_engines_and_other_speeds_get_one_call_per_piece() -> None:
    espeak = make_engine(config_from_mapping({"engine": "espeak"}))
    espeak.prepare()
    espeak.load()
    espeak.max_piece_chars = 15
    text = "Um gato dorme. Um cão corre. Uma ave canta."
    for max_batch, speed, calls in ((1, 1.0, 3), (2, 1.0, 2), (2, 1.5, 3)):
        espeak.max_batch = max_batch  # the default synthesize_batch: one synthesize per text
        progress: list[float] = []
        speak(espeak, text, "pt-br", on_progress=progress.append, speed=speed)
        assert len(progress) == calls and progress[-1] == 1.0


def test_batches_are_in_order_and_as_even_as_their_count_allows() -> None:
    pieces = ["a", "b", "c", "d", "e"]
    assert batches(pieces, 1) == [[p] for p in pieces]
    assert batches(pieces, 2) == [["a", "b"], ["c", "d"], ["e"]]
    assert batches(pieces, 4) == [["a", "b", "c"], ["d", "e"]]
    assert batches(pieces, 8) == [pieces]


def test_the_batch_size_is_read_from_the_environment() -> None:
    assert load_config({"LEGENDA_BARK_BATCH": "3"}).bark_batch == 3
    assert load_config({}).bark_batch >= 1
    with pytest.raises(ConfigError, match="LEGENDA_BARK_BATCH"):
        load_config({"LEGENDA_BARK_BATCH": "0"})


def test_int8_makes_a_row_depend_on_its_batch_so_it_is_not_batched(tiny_bark: Path) -> None:
    """Dynamic int8 quantizes a Linear layer's input with one scale for the whole tensor, all
    rows of the batch together: a text's logits then depend on the texts batched with it."""
    import torch

    fp32 = _engine(tiny_bark, bark_batch=3)
    int8 = _engine(tiny_bark, bark_batch=3, bark_int8=True)
    assert (fp32.max_batch, int8.max_batch) == (3, 1)
    inputs = fp32.processor([SHORT, LONG], voice_preset=VOICE, return_tensors="pt")
    ids = inputs["input_ids"] + _stage_configs(fp32.model.generation_config)[0].text_encoding_offset
    change = {}
    for name, engine in (("fp32", fp32), ("int8", int8)):
        model: Any = engine.model
        with torch.inference_mode():
            batched, alone = model.semantic(ids).logits[0], model.semantic(ids[:1]).logits[0]
        change[name] = float((batched - alone).abs().max())
    assert change["fp32"] < 1e-6 < 1e-4 < change["int8"]
