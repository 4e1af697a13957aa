"""A full-size random-weight twin of Xenova/vit-gpt2-image-captioning (239 M parameters).

ViT-base at 224 px + GPT-2 12 x 768 with cross-attention and the 50,257-row output layer, in the
hub layout with fp32 and q8 ONNX, built by the same code as the tiny captioner (its tokenizer
and export). The tokenizer is the tiny one (400 pieces): rows of the output layer beyond it are
zero, so greedy decoding only picks tokens that decode, while every step still computes all
50,257 scores. No token can end a caption: it runs for the max_new_tokens it is given
(``specs.CAPTION_TOKENS`` for the work of a real caption).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

from tests.model_factory import captioner as tiny
from tests.model_factory import corpus, onnx_export
from tests.model_factory.real_size import specs
from tests.model_factory.real_size.store import TWIN_ORG, twin

if TYPE_CHECKING:
    from transformers import VisionEncoderDecoderModel

MODEL_ID = f"{TWIN_ORG}/vit-gpt2-image-captioning"


def captioner_twin(spec: specs.Captioner = specs.VIT_GPT2) -> Path:
    """The folder of the twin (built on first use, then cached: ~4 GB of RAM, minutes)."""
    return twin(
        MODEL_ID, sys.modules[__name__], lambda folder: build(folder, spec), spec,
        helpers=(tiny, corpus, onnx_export, specs),
    )


def build(model_dir: Path, spec: specs.Captioner) -> None:
    import torch
    from transformers import ViTImageProcessor

    tokenizer = tiny._tokenizer()
    special_id = tokenizer.get_vocab()[tiny.SPECIAL]
    torch.manual_seed(tiny.SEED)
    model = _model(spec, special_id)
    tiny._never_choose_invisible(model, tokenizer)
    with torch.no_grad():  # ids the tokenizer cannot decode
        model.decoder.transformer.wte.weight[len(tokenizer):] = 0.0
    ViTImageProcessor(
        size={"height": spec.image_size, "width": spec.image_size},
        image_mean=[0.5, 0.5, 0.5], image_std=[0.5, 0.5, 0.5],
    ).save_pretrained(model_dir)
    tokenizer.save_pretrained(model_dir)
    model.save_pretrained(model_dir)
    del model
    onnx_export.export_onnx(model_dir, model_dir, task="image-to-text-with-past")
    onnx_export.quantize_parts(model_dir)


def _model(spec: specs.Captioner, special_id: int) -> VisionEncoderDecoderModel:
    from transformers import (
        GenerationConfig,
        GPT2Config,
        VisionEncoderDecoderConfig,
        VisionEncoderDecoderModel,
        ViTConfig,
    )

    ids = dict.fromkeys(
        ("bos_token_id", "eos_token_id", "pad_token_id", "decoder_start_token_id"), special_id
    )
    encoder = ViTConfig(
        image_size=spec.image_size, patch_size=spec.patch, hidden_size=spec.vit_width,
        num_hidden_layers=spec.vit_layers, num_attention_heads=spec.vit_heads,
        intermediate_size=spec.vit_ffn,
    )
    decoder = GPT2Config(
        vocab_size=spec.vocab, n_positions=spec.positions, n_embd=spec.gpt2_width,
        n_layer=spec.gpt2_layers, n_head=spec.gpt2_heads, add_cross_attention=True,
        is_decoder=True, **ids,
    )
    config = VisionEncoderDecoderConfig.from_encoder_decoder_configs(encoder, decoder)
    for key, value in ids.items():
        setattr(config, key, value)
    model = VisionEncoderDecoderModel(config=config)
    model.generation_config = GenerationConfig(max_length=specs.CAPTION_TOKENS + 1, **ids)
    return model.eval()
