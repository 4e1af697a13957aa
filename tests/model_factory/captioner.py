"""A tiny random-weight image captioner in the layout of Xenova/vit-gpt2-image-captioning.

VisionEncoderDecoderModel (ViT, 32 px, 2 layers x 32 wide; GPT-2, 2 layers x 32 wide) with a
byte-level BPE tokenizer trained on generated captions. Next to the configs and tokenizer files
it holds ``onnx/encoder_model.onnx`` and ``onnx/decoder_model_merged.onnx`` (dtype fp32) and their
``_quantized`` twins (dtype q8), which is what Transformers.js's image-to-text pipeline opens,
plus ``model.safetensors`` so Python transformers can load the same model.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

from tests.model_factory import corpus, onnx_export, vocab
from tests.model_factory.cache import cached_model

if TYPE_CHECKING:  # transformers is imported only when a model is built
    from transformers import GPT2TokenizerFast, VisionEncoderDecoderModel, ViTImageProcessor

MODEL_ID = "legenda-test/tiny-vit-gpt2"
IMAGE_SIZE = 32
WIDTH = 32
# Caption lengths in the product are capped at tens of tokens; this leaves ample room.
MAX_POSITIONS = 256
SEED = 0
SPECIAL = "<|endoftext|>"


def captioner_model() -> Path:
    """The folder of the tiny captioner (built on first use, then cached)."""
    this_module = sys.modules[__name__]
    return cached_model(
        MODEL_ID, this_module, build_captioner, helpers=(corpus, onnx_export, vocab)
    )


def build_captioner(model_dir: Path) -> None:
    """Write the whole hub-layout model into ``model_dir``."""
    import torch

    tokenizer = _tokenizer()
    special_id = tokenizer.get_vocab()[SPECIAL]
    torch.manual_seed(SEED)
    model = _model(vocab_size=len(tokenizer), special_id=special_id)
    _never_choose_invisible(model, tokenizer)  # EOS included
    _image_processor().save_pretrained(model_dir)
    tokenizer.save_pretrained(model_dir)
    model.save_pretrained(model_dir)
    onnx_export.export_onnx(model_dir, model_dir, task="image-to-text-with-past")
    onnx_export.quantize_parts(model_dir)


def _tokenizer() -> GPT2TokenizerFast:
    from tokenizers import ByteLevelBPETokenizer
    from transformers import GPT2TokenizerFast

    bpe = ByteLevelBPETokenizer()
    bpe.train_from_iterator(
        corpus.sentences(2000, seed=SEED), vocab_size=400, special_tokens=[SPECIAL]
    )
    return GPT2TokenizerFast(
        tokenizer_object=bpe._tokenizer,  # the Tokenizer inside the convenience wrapper
        bos_token=SPECIAL,
        eos_token=SPECIAL,
        unk_token=SPECIAL,
        model_max_length=MAX_POSITIONS,
    )


def _image_processor() -> ViTImageProcessor:
    from transformers import ViTImageProcessor

    return ViTImageProcessor(
        size={"height": IMAGE_SIZE, "width": IMAGE_SIZE},
        image_mean=[0.5, 0.5, 0.5],
        image_std=[0.5, 0.5, 0.5],
    )


def _model(vocab_size: int, special_id: int) -> VisionEncoderDecoderModel:
    from transformers import (
        GenerationConfig,
        GPT2Config,
        VisionEncoderDecoderConfig,
        VisionEncoderDecoderModel,
        ViTConfig,
    )

    encoder = ViTConfig(
        image_size=IMAGE_SIZE,
        patch_size=8,
        hidden_size=WIDTH,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=2 * WIDTH,
    )
    decoder = GPT2Config(
        vocab_size=vocab_size,
        n_positions=MAX_POSITIONS,
        n_embd=WIDTH,
        n_layer=2,
        n_head=2,
        add_cross_attention=True,
        is_decoder=True,
        # At GPT-2's usual 0.02 the tiny decoder all but ignores the image: most pictures give
        # the same caption. Larger weights make different images give different gibberish.
        initializer_range=0.3,
        bos_token_id=special_id,
        eos_token_id=special_id,
        pad_token_id=special_id,
        decoder_start_token_id=special_id,
    )
    config = VisionEncoderDecoderConfig.from_encoder_decoder_configs(encoder, decoder)
    # The hub model puts every special id on <|endoftext|>, in both config files.
    for key in ("bos_token_id", "eos_token_id", "pad_token_id", "decoder_start_token_id"):
        setattr(config, key, special_id)
    model = VisionEncoderDecoderModel(config=config)
    model.generation_config = GenerationConfig(
        bos_token_id=special_id,
        eos_token_id=special_id,
        pad_token_id=special_id,
        decoder_start_token_id=special_id,
        max_length=20,  # transformers' default, what the hub model generates when not told
    )
    return model.eval()


def _never_choose_invisible(
    model: VisionEncoderDecoderModel, tokenizer: GPT2TokenizerFast
) -> None:
    """Make greedy decoding pick only tokens that show as text (see vocab.py)."""
    import torch

    with torch.no_grad():
        model.decoder.transformer.wte.weight[vocab.invisible_ids(tokenizer)] = 0.0
