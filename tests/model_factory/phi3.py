"""A tiny random-weight chat model in the layout of microsoft/Phi-3.5-mini-instruct.

Phi3ForCausalLM (2 layers x 32 wide, LongRoPE like the real one, untied output layer) with a
Llama sentencepiece tokenizer (byte fallback, ``<s>`` added at the start) trained on generated
English and Portuguese text, the Phi-3.5 special tokens (``<|endoftext|>``, ``<|assistant|>``,
``<|system|>``, ``<|end|>``, ``<|user|>``) and Phi-3.5-mini-instruct's own chat template in
tokenizer_config.json. generation_config.json ends a reply on ``<|end|>``, ``<|assistant|>``
or ``<|endoftext|>``, as the real one. No ONNX files: the hub repo has none either (its ONNX
build is another repo, for onnxruntime-genai). The tokenizer's ids are smaller than the real
ones (a small vocabulary); ``tokenizer_and_ids()`` gives them to the real-size twin too.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tests.model_factory import corpus, vocab
from tests.model_factory.cache import cached_model

if TYPE_CHECKING:  # transformers is imported only when a model is built
    from transformers import Phi3ForCausalLM

MODEL_ID = "legenda-test/tiny-phi-3.5-mini"
WIDTH = 32
HEADS = 4
SENTENCEPIECE_VOCAB = 400
SEED = 0
SPECIAL_TOKENS = ("<|endoftext|>", "<|assistant|>", "<|system|>", "<|end|>", "<|user|>")
END_TOKENS = ("<|end|>", "<|assistant|>", "<|endoftext|>")  # generation_config's eos, in order
# microsoft/Phi-3.5-mini-instruct's template, as in its tokenizer_config.json.
CHAT_TEMPLATE = (
    "{% for message in messages %}{% if message['role'] == 'system' and message['content'] %}"
    "{{'<|system|>\n' + message['content'] + '<|end|>\n'}}{% elif message['role'] == 'user' %}"
    "{{'<|user|>\n' + message['content'] + '<|end|>\n'}}{% elif message['role'] == "
    "'assistant' %}{{'<|assistant|>\n' + message['content'] + '<|end|>\n'}}{% endif %}"
    "{% endfor %}{% if add_generation_prompt %}{{ '<|assistant|>\n' }}{% else %}"
    "{{ eos_token }}{% endif %}"
)


def phi3_model() -> Path:
    """The folder of the tiny Phi-3.5-mini (built on first use, then cached)."""
    this_module = sys.modules[__name__]
    return cached_model(MODEL_ID, this_module, build_phi3, helpers=(corpus, vocab))


def build_phi3(model_dir: Path) -> None:
    import torch

    tokenizer = save_tokenizer(model_dir)
    torch.manual_seed(SEED)
    model = _model(len(tokenizer), tokenizer)
    with torch.no_grad():
        model.lm_head.weight[vocab.invisible_ids(tokenizer)] = 0.0
    model.save_pretrained(model_dir)


def save_tokenizer(model_dir: Path) -> Any:
    """Train the tokenizer, write it (tokenizer.model, tokenizer.json, the template) into
    ``model_dir`` and return it."""
    import sentencepiece as spm
    from transformers import LlamaTokenizerFast

    with tempfile.TemporaryDirectory(prefix="legenda-spm-") as tmp:
        model_file = Path(tmp) / "tokenizer.model"
        with model_file.open("wb") as writer:
            spm.SentencePieceTrainer.train(
                sentence_iterator=iter(corpus.sentences(3000, SEED, ("en", "pt"))),
                model_writer=writer, model_type="bpe", vocab_size=SENTENCEPIECE_VOCAB,
                character_coverage=1.0, byte_fallback=True,
                unk_id=0, bos_id=1, eos_id=2, pad_id=-1,  # Llama's <unk> <s> </s>
                num_threads=1, minloglevel=2,
            )
        tokenizer = LlamaTokenizerFast(
            vocab_file=str(model_file), legacy=False, add_bos_token=True, add_eos_token=False,
            bos_token="<s>", eos_token="<|endoftext|>", unk_token="<unk>",
            pad_token="<|endoftext|>", model_max_length=131072,
        )
        tokenizer.add_special_tokens(
            {"additional_special_tokens": list(SPECIAL_TOKENS[1:])}  # <|endoftext|> is eos
        )
        tokenizer.save_pretrained(model_dir)
    # The hub repo has the template in tokenizer_config.json (transformers 4.57 would write a
    # chat_template.jinja of its own, which the repo does not have).
    config_file = model_dir / "tokenizer_config.json"
    config = json.loads(config_file.read_text())
    config["chat_template"] = CHAT_TEMPLATE
    config_file.write_text(json.dumps(config, indent=2, ensure_ascii=False) + "\n")
    tokenizer.chat_template = CHAT_TEMPLATE
    return tokenizer


def end_ids(tokenizer: Any) -> list[int]:
    return [int(tokenizer.convert_tokens_to_ids(t)) for t in END_TOKENS]


def _model(vocab_size: int, tokenizer: Any) -> Phi3ForCausalLM:
    from transformers import GenerationConfig, Phi3Config, Phi3ForCausalLM

    head = WIDTH // HEADS
    ids = {"bos_token_id": 1, "eos_token_id": end_ids(tokenizer)[-1],
           "pad_token_id": end_ids(tokenizer)[-1]}
    config = Phi3Config(
        vocab_size=vocab_size, hidden_size=WIDTH, intermediate_size=2 * WIDTH,
        num_hidden_layers=2, num_attention_heads=HEADS, num_key_value_heads=HEADS,
        max_position_embeddings=131072, original_max_position_embeddings=4096,
        rope_scaling={"type": "longrope", "short_factor": [1.0] * (head // 2),
                      "long_factor": [1.5] * (head // 2)},
        sliding_window=262144, tie_word_embeddings=False,
        initializer_range=0.3,  # larger than usual: the gibberish follows the prompt
        **ids,
    )
    model = Phi3ForCausalLM(config)
    model.generation_config = GenerationConfig(
        bos_token_id=1, eos_token_id=end_ids(tokenizer), pad_token_id=ids["pad_token_id"]
    )
    return model.eval()
