"""The real default models' dimensions, written out here (nothing can be read from the hub).

Each figure is the one in the hub repo's config.json (named beside each spec); the twins built
from these have the same architecture, shapes and vocabulary sizes, so every matrix product
costs what the real model's does. Random weights cannot say when to stop, so the twins emit
exactly the token counts below, pinned to what the real models produce for a typical caption
and its translation, and Bark's semantic stage is capped at the tokens of a 5-second sentence.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

# What one real sentence costs (counted on the real models' outputs for photos like the
# samples): a caption such as "a man riding a wave on top of a surfboard" is 11 GPT-2 tokens
# plus the end token; its NLLB translation "um homem surfando uma onda em cima de uma prancha"
# is the forced language code, 13 pieces and the end token.
CAPTION_TOKENS = 12
TRANSLATION_TOKENS = 15
# Bark's semantic tokens come at 49.9 per second of speech: a 5-second sentence is ~250.
BARK_SEMANTIC_TOKENS = 250
SPEECH_SECONDS = 5.0  # the VITS twin is calibrated to speak the bench sentence this long
SENTENCE = "Um homem surfando uma onda em cima de uma prancha, perto da praia."


@dataclass(frozen=True)
class Seq2Seq:
    """An encoder-decoder translator (M2M100/NLLB or Marian)."""

    d_model: int
    encoder_layers: int
    decoder_layers: int
    heads: int
    ffn: int
    vocab: int
    max_positions: int
    tied: bool  # the output layer shares the embedding's weights


@dataclass(frozen=True)
class Captioner:
    """ViT encoder + GPT-2 decoder (VisionEncoderDecoderModel)."""

    image_size: int
    patch: int
    vit_width: int
    vit_layers: int
    vit_heads: int
    vit_ffn: int
    gpt2_width: int
    gpt2_layers: int
    gpt2_heads: int
    vocab: int
    positions: int


@dataclass(frozen=True)
class Bark:
    """suno/bark-small: three GPT-style stages of this width and depth, and Encodec 24 kHz."""

    width: int
    layers: int
    heads: int
    block_size: int


@dataclass(frozen=True)
class Llama:
    """A decoder-only chat model (LlamaForCausalLM)."""

    hidden: int
    intermediate: int
    layers: int
    heads: int
    kv_heads: int
    vocab: int
    max_positions: int
    rope_theta: float


# Xenova/vit-gpt2-image-captioning (nlpconnect/vit-gpt2-image-captioning): 239 M parameters.
VIT_GPT2 = Captioner(
    image_size=224, patch=16, vit_width=768, vit_layers=12, vit_heads=12, vit_ffn=3072,
    gpt2_width=768, gpt2_layers=12, gpt2_heads=12, vocab=50257, positions=1024,
)
# Xenova/nllb-200-distilled-600M (facebook/...): 615 M parameters, embedding tied to the output.
NLLB_600M = Seq2Seq(
    d_model=1024, encoder_layers=12, decoder_layers=12, heads=16, ffn=4096, vocab=256206,
    max_positions=1024, tied=True,
)
# facebook/m2m100_418M (Xenova/m2m100_418M): 484 M parameters with its 128k vocabulary.
M2M100_418M = Seq2Seq(
    d_model=1024, encoder_layers=12, decoder_layers=12, heads=16, ffn=4096, vocab=128112,
    max_positions=1024, tied=True,
)
# A Marian opus-mt model into Portuguese (Helsinki-NLP/opus-mt-en-ROMANCE, which Xenova/
# converted as Xenova/opus-mt-en-ROMANCE... takes a >>pt_br<< prefix): transformer-base, 6+6
# layers of 512, a 65k shared vocabulary, tied.
OPUS_MT_EN_ROMANCE = Seq2Seq(
    d_model=512, encoder_layers=6, decoder_layers=6, heads=8, ffn=2048, vocab=65001,
    max_positions=512, tied=True,
)
# suno/bark-small: semantic, coarse and fine stages each 12 layers x 768, block 1024.
BARK_SMALL = Bark(width=768, layers=12, heads=12, block_size=1024)
# HuggingFaceTB/SmolLM2-135M-Instruct: 135 M parameters.
SMOLLM2_135M = Llama(
    hidden=576, intermediate=1536, layers=30, heads=9, kv_heads=3, vocab=49152,
    max_positions=8192, rope_theta=100000.0,
)

# microsoft/Phi-3.5-mini-instruct: 3.82 B parameters (Phi3: fused qkv and gate/up projections).
PHI35_MINI = Llama(
    hidden=3072, intermediate=8192, layers=32, heads=32, kv_heads=32, vocab=32064,
    max_positions=131072, rope_theta=10000.0,
)


def reduced(spec: Seq2Seq, d_model: int = 128, layers: int = 2) -> Seq2Seq:
    """The same model with fewer, narrower layers but the full vocabulary (checks the builder
    on a machine without the RAM a full-size export needs)."""
    return replace(
        spec, d_model=d_model, encoder_layers=layers, decoder_layers=layers,
        heads=max(2, d_model // 64), ffn=4 * d_model,
    )
