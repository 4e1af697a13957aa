"""Full-size random-weight twins of the translators: Xenova/nllb-200-distilled-600M (the
default) and the lighter candidates (facebook/m2m100_418M, a Marian opus-mt), built by the same
code as the tiny translator (its NLLB tokenizer and export).

The model has the real width, depth and vocabulary (256,206 rows for NLLB), tied to the output
layer as on the hub; rows beyond the tiny tokenizer's ~700 pieces and the special tokens' rows
are zero, so greedy decoding picks only pieces that decode and no token ends the text: it runs
for the max_new_tokens it is given (``specs.TRANSLATION_TOKENS`` for a real caption's work).

At full size the fp32 merged decoder is over protobuf's 2 GB limit: it is stored with its weights
in ``decoder_model_merged.onnx_data`` (always, so a reduced-size build runs the same code;
onnx_export saves models that large with external data where optimum's own save cannot). The
full-size NLLB build (``make bench-models TWINS=nllb``) took 265 s and peaked at 15.4 GB of RAM
here; its q8 files are 418 MB (encoder) + 736 MB (merged decoder), as on the hub.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from tests.model_factory import corpus, onnx_export
from tests.model_factory import translator as tiny
from tests.model_factory.real_size import specs
from tests.model_factory.real_size.store import TWIN_ORG, twin

if TYPE_CHECKING:
    from transformers import M2M100ForConditionalGeneration, NllbTokenizerFast

NAMES = {
    specs.NLLB_600M: "nllb-200-distilled-600M",
    specs.M2M100_418M: "m2m100_418M",
}


def translator_twin(spec: specs.Seq2Seq = specs.NLLB_600M, name: str = "") -> Path:
    """The folder of a translator twin of ``spec`` (cached; see the module's note on RAM)."""
    model_id = f"{TWIN_ORG}/{name or NAMES.get(spec, 'translator')}"
    return twin(
        model_id, sys.modules[__name__], lambda folder: build(folder, spec), spec,
        helpers=(tiny, corpus, onnx_export, specs),
    )


def build(model_dir: Path, spec: specs.Seq2Seq) -> None:
    import torch

    with tempfile.TemporaryDirectory(prefix="legenda-spm-") as tmp:
        tokenizer = tiny._tokenizer(Path(tmp))
        tokenizer.save_pretrained(model_dir)
    (model_dir / "added_tokens.json").unlink()
    tiny._name_tokenizer_class(model_dir / "tokenizer_config.json")
    torch.manual_seed(tiny.SEED)
    _model(spec, tokenizer).save_pretrained(model_dir)
    onnx_export.export_onnx(model_dir, model_dir, task="text2text-generation-with-past")
    onnx_export.store_weights_outside(model_dir, "decoder_model_merged")
    onnx_export.quantize_parts(model_dir)


def _model(spec: specs.Seq2Seq, tokenizer: NllbTokenizerFast) -> M2M100ForConditionalGeneration:
    import torch
    from transformers import GenerationConfig, M2M100Config, M2M100ForConditionalGeneration

    ids = {
        "bos_token_id": tokenizer.bos_token_id,
        "pad_token_id": tokenizer.pad_token_id,
        "eos_token_id": tokenizer.eos_token_id,
        "decoder_start_token_id": tokenizer.eos_token_id,
    }
    config = M2M100Config(
        vocab_size=spec.vocab, d_model=spec.d_model, encoder_layers=spec.encoder_layers,
        decoder_layers=spec.decoder_layers, encoder_attention_heads=spec.heads,
        decoder_attention_heads=spec.heads, encoder_ffn_dim=spec.ffn, decoder_ffn_dim=spec.ffn,
        max_position_embeddings=spec.max_positions, scale_embedding=True,
        tokenizer_class="NllbTokenizer", tie_word_embeddings=spec.tied, **ids,
    )
    model = M2M100ForConditionalGeneration(config)
    model.generation_config = GenerationConfig(max_length=specs.TRANSLATION_TOKENS + 1, **ids)
    with torch.no_grad():
        never = sorted(set(tokenizer.all_special_ids))
        model.lm_head.weight[never] = 0.0
        model.lm_head.weight[len(tokenizer):] = 0.0  # ids the tokenizer cannot decode
    return model.eval()
