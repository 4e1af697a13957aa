"""A full-size random-weight twin of Xenova/opus-mt-en-ROMANCE, the fast translator (78 M
parameters: transformer-base, 6 + 6 layers of 512, a 65,001-row vocabulary tied to the output
layer), built by the same code as the tiny Marian model (its tokenizer and export).

Its own module, apart from translator.py: the NLLB twin's cache key is that module's source,
and that twin takes an 18 GB export to rebuild. Rows of the output layer beyond the tiny
tokenizer's pieces, the special and language tokens and pieces that show no text are zero, so
greedy decoding only picks visible pieces and no token ends the text: it runs for the
max_new_tokens it is given (``specs.TRANSLATION_TOKENS`` for a real caption's work). Built in
about a minute with ~2 GB of RAM.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from tests.model_factory import corpus, onnx_export, vocab
from tests.model_factory import marian as tiny
from tests.model_factory.real_size import specs
from tests.model_factory.real_size.store import TWIN_ORG, twin

if TYPE_CHECKING:
    from transformers import MarianMTModel, MarianTokenizer

MODEL_ID = f"{TWIN_ORG}/opus-mt-en-ROMANCE"


def marian_twin(spec: specs.Seq2Seq = specs.OPUS_MT_EN_ROMANCE) -> Path:
    """The folder of the opus-mt-en-ROMANCE twin (built on first use, then cached)."""
    return twin(
        MODEL_ID, sys.modules[__name__], lambda folder: build(folder, spec), spec,
        helpers=(tiny, corpus, onnx_export, specs, vocab),
    )


def build(model_dir: Path, spec: specs.Seq2Seq) -> None:
    import torch

    with tempfile.TemporaryDirectory(prefix="legenda-spm-") as tmp:
        tokenizer = tiny.tokenizer_for(Path(tmp), tiny.TARGETS)
        tokenizer.save_pretrained(model_dir)
    tiny.write_tokenizer_json(model_dir, tokenizer)
    torch.manual_seed(tiny.SEED)
    model = _model(spec, tokenizer)
    model.save_pretrained(model_dir)
    del model
    onnx_export.export_onnx(model_dir, model_dir, task="text2text-generation-with-past")
    onnx_export.quantize_parts(model_dir)


def _model(spec: specs.Seq2Seq, tokenizer: MarianTokenizer) -> MarianMTModel:
    import torch
    from transformers import GenerationConfig, MarianConfig, MarianMTModel

    ids = {
        "pad_token_id": tokenizer.pad_token_id,
        "eos_token_id": tokenizer.eos_token_id,
        "decoder_start_token_id": tokenizer.pad_token_id,
    }
    config = MarianConfig(
        vocab_size=spec.vocab, decoder_vocab_size=spec.vocab, d_model=spec.d_model,
        encoder_layers=spec.encoder_layers, decoder_layers=spec.decoder_layers,
        encoder_attention_heads=spec.heads, decoder_attention_heads=spec.heads,
        encoder_ffn_dim=spec.ffn, decoder_ffn_dim=spec.ffn,
        max_position_embeddings=spec.max_positions, scale_embedding=True,
        share_encoder_decoder_embeddings=True, tie_word_embeddings=spec.tied, **ids,
    )
    model = MarianMTModel(config)
    model.generation_config = GenerationConfig(
        max_length=specs.TRANSLATION_TOKENS + 1, bad_words_ids=[[tokenizer.pad_token_id]], **ids
    )
    with torch.no_grad():
        never = set(vocab.invisible_ids(tokenizer)) | {
            index for token, index in tokenizer.get_vocab().items() if token.startswith(">>")
        }
        model.lm_head.weight[sorted(never)] = 0.0
        model.lm_head.weight[len(tokenizer):] = 0.0  # ids the tokenizer cannot decode
        model.final_logits_bias.zero_()
    return model.eval()
