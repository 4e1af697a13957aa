"""A tiny random-weight chatbot in the layout of facebook/blenderbot-400M-distill.

BlenderbotForConditionalGeneration (2 + 2 layers x 32 wide, 128 positions as the real one)
with a byte-level BPE tokenizer (vocab.json + merges.txt + tokenizer.json, BlenderbotTokenizer
in tokenizer_config.json; ``<pad>`` 0, ``<s>`` 1, ``</s>`` 2, ``<unk>`` 3, the end token added
after the text) trained on generated English text. No chat template, as the real repo.
generation_config.json carries the real repo's beam-search settings.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tests.model_factory import corpus, vocab
from tests.model_factory.cache import cached_model

if TYPE_CHECKING:
    from transformers import BlenderbotForConditionalGeneration

MODEL_ID = "legenda-test/tiny-blenderbot"
WIDTH = 32
POSITIONS = 128
SEED = 0
SPECIALS = ["<pad>", "<s>", "</s>", "<unk>"]
# The real repo's generation_config.json (beam search; the chat server samples or is greedy).
GENERATION = {"num_beams": 10, "min_length": 20, "max_length": 60, "length_penalty": 0.65,
              "no_repeat_ngram_size": 3}


def blenderbot_model() -> Path:
    this_module = sys.modules[__name__]
    return cached_model(MODEL_ID, this_module, build_blenderbot, helpers=(corpus, vocab))


def build_blenderbot(model_dir: Path) -> None:
    import torch

    tokenizer = _tokenizer()
    tokenizer.save_pretrained(model_dir)
    config_file = model_dir / "tokenizer_config.json"
    config = json.loads(config_file.read_text())
    config["tokenizer_class"] = "BlenderbotTokenizer"
    config_file.write_text(json.dumps(config, indent=2, ensure_ascii=False) + "\n")
    torch.manual_seed(SEED)
    model = _model(len(tokenizer))
    with torch.no_grad():
        model.lm_head.weight[vocab.invisible_ids(tokenizer)] = 0.0
    model.save_pretrained(model_dir)


def _tokenizer() -> Any:
    from tokenizers import ByteLevelBPETokenizer
    from tokenizers.processors import TemplateProcessing
    from transformers import BlenderbotTokenizerFast

    bpe = ByteLevelBPETokenizer()
    bpe.train_from_iterator(corpus.sentences(3000, seed=SEED), vocab_size=500,
                            special_tokens=SPECIALS)
    # Blenderbot's tokenizer ends every text with </s> (and starts none with <s>).
    bpe._tokenizer.post_processor = TemplateProcessing(
        single="$A </s>", pair="$A </s> $B </s>", special_tokens=[("</s>", SPECIALS.index("</s>"))]
    )
    return BlenderbotTokenizerFast(
        tokenizer_object=bpe._tokenizer, bos_token="<s>", eos_token="</s>", sep_token="</s>",
        cls_token="<s>", unk_token="<unk>", pad_token="<pad>", mask_token="<unk>",
        model_max_length=POSITIONS,
    )


def _model(vocab_size: int) -> BlenderbotForConditionalGeneration:
    from transformers import (
        BlenderbotConfig,
        BlenderbotForConditionalGeneration,
        GenerationConfig,
    )

    ids = {"pad_token_id": 0, "bos_token_id": 1, "eos_token_id": 2, "decoder_start_token_id": 1}
    config = BlenderbotConfig(
        vocab_size=vocab_size, d_model=WIDTH, encoder_layers=2, decoder_layers=2,
        encoder_attention_heads=4, decoder_attention_heads=4, encoder_ffn_dim=2 * WIDTH,
        decoder_ffn_dim=2 * WIDTH, max_position_embeddings=POSITIONS, init_std=0.3,
        scale_embedding=True, **ids,
    )
    model = BlenderbotForConditionalGeneration(config)
    model.generation_config = GenerationConfig(**ids, **GENERATION)
    return model.eval()
