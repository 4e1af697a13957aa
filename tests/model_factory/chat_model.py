"""A tiny random-weight chat model in the layout of HuggingFaceTB/SmolLM2-135M-Instruct.

LlamaForCausalLM (2 layers x 32 wide, grouped-query attention like the real one) with a byte-level
BPE tokenizer trained on generated English and Portuguese text, the ChatML special tokens
(``<|endoftext|>`` 0, ``<|im_start|>`` 1, ``<|im_end|>`` 2) and SmolLM2's chat template in
tokenizer_config.json. Next to the configs and tokenizer files it holds ``onnx/model.onnx``
(fp32) and ``onnx/model_quantized.onnx`` (q8), both taking and returning past key values, which
is what Transformers.js's text-generation pipeline opens, plus ``model.safetensors`` for Python.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from tests.model_factory import corpus, onnx_export, vocab
from tests.model_factory.cache import cached_model

if TYPE_CHECKING:  # transformers is imported only when a model is built
    from transformers import GPT2TokenizerFast, LlamaForCausalLM

MODEL_ID = "legenda-test/tiny-smollm2"
WIDTH = 32
# Positions are rotary (no weights): room for a long chat at no cost.
MAX_POSITIONS = 8192
SEED = 0
SPECIAL_TOKENS = ("<|endoftext|>", "<|im_start|>", "<|im_end|>")
# SmolLM2-Instruct's template (ChatML, with a default system turn when none is given).
CHAT_TEMPLATE = (
    "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}"
    "{{ '<|im_start|>system\\nYou are a helpful AI assistant named SmolLM, trained by Hugging "
    "Face<|im_end|>\\n' }}{% endif %}{{'<|im_start|>' + message['role'] + '\\n' + "
    "message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}"
    "{{ '<|im_start|>assistant\\n' }}{% endif %}"
)
PARTS = ("model",)


def chat_model() -> Path:
    """The folder of the tiny chat model (built on first use, then cached)."""
    this_module = sys.modules[__name__]
    return cached_model(
        MODEL_ID, this_module, build_chat_model, helpers=(corpus, onnx_export, vocab)
    )


def build_chat_model(model_dir: Path) -> None:
    """Write the whole hub-layout model into ``model_dir``."""
    import torch

    tokenizer = _tokenizer()
    tokenizer.save_pretrained(model_dir)
    _hub_tokenizer_config(model_dir / "tokenizer_config.json")
    torch.manual_seed(SEED)
    model = _model(len(tokenizer))
    with torch.no_grad():
        model.lm_head.weight[vocab.invisible_ids(tokenizer)] = 0.0
    model.save_pretrained(model_dir)
    onnx_export.export_onnx(model_dir, model_dir, task="text-generation-with-past", parts=PARTS)
    onnx_export.quantize_parts(model_dir, parts=PARTS)


def _tokenizer() -> GPT2TokenizerFast:
    from tokenizers import ByteLevelBPETokenizer
    from transformers import GPT2TokenizerFast

    bpe = ByteLevelBPETokenizer()
    bpe.train_from_iterator(
        corpus.sentences(3000, seed=SEED, languages=("en", "pt")),
        vocab_size=600,
        special_tokens=list(SPECIAL_TOKENS),
    )
    endoftext, im_start, im_end = SPECIAL_TOKENS
    return GPT2TokenizerFast(
        tokenizer_object=bpe._tokenizer,  # the Tokenizer inside the convenience wrapper
        bos_token=im_start,
        eos_token=im_end,
        pad_token=im_end,
        unk_token=endoftext,
        additional_special_tokens=[im_start, im_end],
        model_max_length=MAX_POSITIONS,
    )


def _hub_tokenizer_config(config_path: Path) -> None:
    """The class named as the hub file names it, and the chat template inside it (transformers
    would write it to a chat_template.jinja of its own)."""
    config = json.loads(config_path.read_text())
    config["tokenizer_class"] = "GPT2Tokenizer"
    config["chat_template"] = CHAT_TEMPLATE
    config_path.write_text(json.dumps(config, indent=2, ensure_ascii=False) + "\n")


def _model(vocab_size: int) -> LlamaForCausalLM:
    from transformers import GenerationConfig, LlamaConfig, LlamaForCausalLM

    ids = {"bos_token_id": 1, "eos_token_id": 2, "pad_token_id": 2}
    config = LlamaConfig(
        vocab_size=vocab_size,
        hidden_size=WIDTH,
        intermediate_size=2 * WIDTH,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,  # grouped-query attention, as in SmolLM2 and Qwen2
        max_position_embeddings=MAX_POSITIONS,
        rope_theta=100000.0,
        # At the usual 0.02 every prompt gives nearly the same text; larger weights make the
        # gibberish follow the prompt.
        initializer_range=0.3,
        tie_word_embeddings=False,  # the zeroed output rows must not zero the inputs
        **ids,
    )
    model = LlamaForCausalLM(config)
    model.generation_config = GenerationConfig(**ids)
    return model.eval()
