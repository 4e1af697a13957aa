"""A full-size random-weight twin of microsoft/Phi-3.5-mini-instruct (3.8 B parameters), for
the chat server's benchmark.

Phi3ForCausalLM with the real dimensions (32 layers x 3072, 32 heads, fused qkv and gate/up
projections, LongRoPE, an untied 32,064-row output layer), stored in bfloat16 as the hub repo
(7.6 GB in two safetensors shards with their index). The tokenizer is the tiny Phi-3.5's
(tests/model_factory/phi3.py: Phi-3.5's special tokens and chat template over a small
vocabulary); output rows it cannot decode, and the end tokens, are zero, so a reply never ends
early. No ONNX files, as the hub repo.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

from tests.model_factory import corpus, phi3, vocab
from tests.model_factory.real_size import specs
from tests.model_factory.real_size.store import TWIN_ORG, twin

if TYPE_CHECKING:
    from transformers import Phi3Config

MODEL_ID = f"{TWIN_ORG}/Phi-3.5-mini-instruct"


def phi3_twin(spec: specs.Llama = specs.PHI35_MINI) -> Path:
    """The folder of the Phi-3.5-mini twin (built in minutes with ~8 GB of RAM, then cached)."""
    return twin(MODEL_ID, sys.modules[__name__], lambda folder: build(folder, spec), spec,
                helpers=(corpus, phi3, vocab, specs))


def config_for(spec: specs.Llama, end: list[int]) -> Phi3Config:
    """Phi-3.5-mini-instruct's config.json with ``spec``'s sizes and the tokenizer's end ids."""
    from transformers import Phi3Config

    head = spec.hidden // spec.heads
    return Phi3Config(
        vocab_size=spec.vocab, hidden_size=spec.hidden, intermediate_size=spec.intermediate,
        num_hidden_layers=spec.layers, num_attention_heads=spec.heads,
        num_key_value_heads=spec.kv_heads, max_position_embeddings=spec.max_positions,
        original_max_position_embeddings=4096, rope_theta=spec.rope_theta,
        rope_scaling={"type": "longrope", "short_factor": [1.0] * (head // 2),
                      "long_factor": [1.5] * (head // 2)},
        sliding_window=262144, tie_word_embeddings=False, bos_token_id=1,
        eos_token_id=end[-1], pad_token_id=end[-1], torch_dtype="bfloat16",
    )


def build(model_dir: Path, spec: specs.Llama) -> None:
    import torch
    from transformers import GenerationConfig, Phi3ForCausalLM

    tokenizer = phi3.save_tokenizer(model_dir)
    end = phi3.end_ids(tokenizer)
    config = config_for(spec, end)
    before = torch.get_default_dtype()
    torch.set_default_dtype(torch.bfloat16)  # never the 15 GB of float32
    try:
        torch.manual_seed(0)
        model = Phi3ForCausalLM(config).eval()
    finally:
        torch.set_default_dtype(before)
    with torch.no_grad():
        model.lm_head.weight[vocab.invisible_ids(tokenizer)] = 0.0
        model.lm_head.weight[len(tokenizer):] = 0.0
    model.generation_config = GenerationConfig(bos_token_id=1, eos_token_id=end,
                                               pad_token_id=end[-1])
    model.save_pretrained(model_dir, max_shard_size="4GB")
