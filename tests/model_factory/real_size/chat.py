"""A full-size random-weight twin of the playground's HuggingFaceTB/SmolLM2-135M-Instruct.

LlamaForCausalLM, 30 layers x 576 (9 query heads, 3 key/value heads), a 49,152-row tied output
layer, with ``onnx/model.onnx`` (fp32) and ``onnx/model_quantized.onnx`` (q8) as Transformers.js
opens a decoder-only model. Its own module: the tiny decoder-only models are another builder's.
The tokenizer is a small byte-level BPE with SmolLM2's chat template and special tokens; rows
of the output layer it cannot decode are zero, and no token ends a reply.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from tests.model_factory import corpus, onnx_export
from tests.model_factory.real_size import specs
from tests.model_factory.real_size.store import TWIN_ORG, twin

if TYPE_CHECKING:
    from transformers import PreTrainedTokenizerFast

MODEL_ID = f"{TWIN_ORG}/SmolLM2-135M-Instruct"
SPECIALS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
CHAT_TEMPLATE = (
    "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\n' + "
    "message['content'] + '<|im_end|>' + '\n'}}{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)
PARTS = ("model",)


def chat_twin(spec: specs.Llama = specs.SMOLLM2_135M) -> Path:
    """The folder of the SmolLM2 twin (built in minutes, then cached)."""
    return twin(
        MODEL_ID, sys.modules[__name__], lambda folder: build(folder, spec), spec,
        helpers=(corpus, onnx_export, specs),
    )


def build(model_dir: Path, spec: specs.Llama) -> None:
    import torch
    from transformers import GenerationConfig, LlamaConfig, LlamaForCausalLM

    tokenizer = _tokenizer()
    tokenizer.save_pretrained(model_dir)
    # transformers 4.57 writes the template to chat_template.jinja; the hub repo (and
    # Transformers.js's apply_chat_template) has it in tokenizer_config.json too.
    config_file = model_dir / "tokenizer_config.json"
    config = json.loads(config_file.read_text())
    config["chat_template"] = CHAT_TEMPLATE
    config_file.write_text(json.dumps(config, indent=2, ensure_ascii=False) + "\n")
    ids = {"bos_token_id": 1, "eos_token_id": 2, "pad_token_id": 2}
    torch.manual_seed(0)
    config = LlamaConfig(
        vocab_size=spec.vocab, hidden_size=spec.hidden, intermediate_size=spec.intermediate,
        num_hidden_layers=spec.layers, num_attention_heads=spec.heads,
        num_key_value_heads=spec.kv_heads, max_position_embeddings=spec.max_positions,
        rope_theta=spec.rope_theta, tie_word_embeddings=True, **ids,
    )
    model = LlamaForCausalLM(config).eval()
    with torch.no_grad():  # specials and ids the tokenizer cannot decode
        model.model.embed_tokens.weight[: len(SPECIALS)] = 0.0
        model.model.embed_tokens.weight[len(tokenizer):] = 0.0
    model.generation_config = GenerationConfig(**ids)
    model.save_pretrained(model_dir)
    del model
    onnx_export.export_onnx(model_dir, model_dir, task="text-generation-with-past", parts=PARTS)
    onnx_export.quantize_parts(model_dir, parts=PARTS)


def _tokenizer() -> PreTrainedTokenizerFast:
    from tokenizers import ByteLevelBPETokenizer
    from transformers import PreTrainedTokenizerFast

    bpe = ByteLevelBPETokenizer()
    bpe.train_from_iterator(corpus.sentences(2000, seed=0), vocab_size=600,
                            special_tokens=SPECIALS)
    return PreTrainedTokenizerFast(
        tokenizer_object=bpe._tokenizer, bos_token="<|im_start|>", eos_token="<|im_end|>",
        unk_token="<|endoftext|>", pad_token="<|im_end|>", chat_template=CHAT_TEMPLATE,
        model_max_length=specs.SMOLLM2_135M.max_positions,
    )
