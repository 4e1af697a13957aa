"""A tiny random-weight translator in the layout of Xenova/nllb-200-distilled-600M.

M2M100ForConditionalGeneration (d_model 32, 2 encoder + 2 decoder layers) with a real NLLB
tokenizer: a small sentencepiece BPE model trained on generated text, wrapped by transformers'
NllbTokenizerFast, so tokenizer.json carries all 202 NLLB language codes (eng_Latn, por_Latn, ...)
as special tokens and the template that puts the source language first. Transformers.js's
NllbTokenizer finds the codes there, and its translation pipeline forces ``tgt_lang`` as the
first generated token. ONNX files as for the captioner: ``onnx/encoder_model.onnx``,
``onnx/decoder_model_merged.onnx`` (fp32) and their ``_quantized`` twins (q8), plus
``model.safetensors`` for Python transformers.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from tests.model_factory import corpus, onnx_export
from tests.model_factory.cache import cached_model

if TYPE_CHECKING:  # transformers is imported only when a model is built
    from transformers import M2M100ForConditionalGeneration, NllbTokenizerFast

MODEL_ID = "legenda-test/tiny-nllb"
WIDTH = 32
# As in the real model. Positions are sinusoidal (no weights), and Transformers.js's translation
# pipeline asks for up to 256 new tokens unless told otherwise.
MAX_POSITIONS = 1024
SENTENCEPIECE_VOCAB = 500
SEED = 0


def translator_model() -> Path:
    """The folder of the tiny translator (built on first use, then cached)."""
    this_module = sys.modules[__name__]
    return cached_model(MODEL_ID, this_module, build_translator, helpers=(corpus, onnx_export))


def build_translator(model_dir: Path) -> None:
    """Write the whole hub-layout model into ``model_dir``."""
    import torch

    with tempfile.TemporaryDirectory(prefix="legenda-spm-") as tmp:
        tokenizer = _tokenizer(Path(tmp))
        # Saved while the sentencepiece model exists: it is copied as sentencepiece.bpe.model.
        tokenizer.save_pretrained(model_dir)
    # The hub repo has no added_tokens.json: tokenizer.json and tokenizer_config.json list them.
    (model_dir / "added_tokens.json").unlink()
    _name_tokenizer_class(model_dir / "tokenizer_config.json")
    torch.manual_seed(SEED)
    model = _model(tokenizer)
    model.save_pretrained(model_dir)
    onnx_export.export_onnx(model_dir, model_dir, task="text2text-generation-with-past")
    onnx_export.quantize_parts(model_dir)


def _tokenizer(workdir: Path) -> NllbTokenizerFast:
    """An NLLB tokenizer over a sentencepiece model trained into ``workdir``."""
    import sentencepiece as spm
    from transformers import NllbTokenizerFast

    model_file = workdir / "sentencepiece.bpe.model"
    with model_file.open("wb") as writer:
        # Through a writer the model records no (temporary) path: the same bytes every time.
        spm.SentencePieceTrainer.train(
            sentence_iterator=iter(corpus.sentences(3000, SEED, ("en", "pt", "es", "fr", "de"))),
            model_writer=writer,
            model_type="bpe",
            vocab_size=SENTENCEPIECE_VOCAB,
            character_coverage=1.0,
            # The piece ids NLLB's converter expects: <unk> 0, <s> 1, </s> 2, no padding piece.
            unk_id=0,
            bos_id=1,
            eos_id=2,
            pad_id=-1,
            num_threads=1,  # one thread: the same pieces on every machine
            minloglevel=2,
        )
    # Converting the slow (sentencepiece) tokenizer writes the fast tokenizer.json with the
    # fairseq id offset, the 202 language codes and <mask>, exactly as the hub's file.
    return NllbTokenizerFast(
        vocab_file=str(model_file),
        src_lang="eng_Latn",
        tgt_lang="por_Latn",
        model_max_length=MAX_POSITIONS,
    )


def _name_tokenizer_class(config_path: Path) -> None:
    """Name the class as the hub file does ("NllbTokenizer"; every loader picks fast or slow)."""
    config = json.loads(config_path.read_text())
    config["tokenizer_class"] = "NllbTokenizer"
    config_path.write_text(json.dumps(config, indent=2, ensure_ascii=False) + "\n")


def _model(tokenizer: NllbTokenizerFast) -> M2M100ForConditionalGeneration:
    import torch
    from transformers import GenerationConfig, M2M100Config, M2M100ForConditionalGeneration

    ids = {
        "bos_token_id": tokenizer.bos_token_id,  # <s> 0
        "pad_token_id": tokenizer.pad_token_id,  # <pad> 1
        "eos_token_id": tokenizer.eos_token_id,  # </s> 2
        "decoder_start_token_id": tokenizer.eos_token_id,
    }
    config = M2M100Config(
        vocab_size=len(tokenizer),
        d_model=WIDTH,
        encoder_layers=2,
        decoder_layers=2,
        encoder_attention_heads=2,
        decoder_attention_heads=2,
        encoder_ffn_dim=2 * WIDTH,
        decoder_ffn_dim=2 * WIDTH,
        max_position_embeddings=MAX_POSITIONS,
        scale_embedding=True,
        tokenizer_class="NllbTokenizer",
        tie_word_embeddings=False,  # see below
        # At the usual 0.02 the tiny decoder all but ignores the encoder: every sentence gives
        # the same text. Larger weights make different sentences give different gibberish.
        init_std=0.3,
        **ids,
    )
    model = M2M100ForConditionalGeneration(config)
    model.generation_config = GenerationConfig(max_length=200, **ids)
    with torch.no_grad():
        # Random weights often pick </s> or a language code first, which decodes to an empty
        # string. With their rows of the output projection at zero every special token scores
        # exactly 0, while about half of the ordinary pieces score above it at every step. The
        # projection is untied from the input embedding (the hub model ties them) so that the
        # forced target-language token still steers the decoder: another tgt_lang, another text.
        special_ids = sorted(set(tokenizer.all_special_ids))
        model.lm_head.weight[special_ids] = 0.0
        # At the usual init (std 0.02, times sqrt(d_model)) token embeddings are tiny next to
        # the sinusoidal positions, so every input would give nearly the same text. Unit-size
        # embeddings (as trained models have) make the text follow the input and the language.
        model.model.shared.weight.normal_(0.0, WIDTH**-0.5)
    # Untied, transformers loads the encoder's and decoder's embeddings from their own entries,
    # but they were built sharing one tensor, which save_pretrained writes once: give each its
    # own copy so the saved checkpoint (and the ONNX exported from it) holds all of them.
    for stack in (model.model.encoder, model.model.decoder):
        stack.embed_tokens.weight = torch.nn.Parameter(model.model.shared.weight.clone())
    return model.eval()
