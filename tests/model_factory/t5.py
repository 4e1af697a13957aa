"""A tiny random-weight text2text model in the layout of Xenova/flan-t5-small.

T5ForConditionalGeneration (gated-GELU like Flan-T5, 2 + 2 layers x 32 wide, untied output
layer) with a real T5 tokenizer: a small sentencepiece unigram model trained on generated
English and Portuguese text, wrapped by transformers' T5TokenizerFast (``<pad>`` 0, ``</s>`` 1,
``<unk>`` 2 and the 100 ``<extra_id_N>`` sentinels). ONNX files as for the translator:
``onnx/encoder_model.onnx``, ``onnx/decoder_model_merged.onnx`` (fp32) and their ``_quantized``
twins (q8), which Transformers.js's text2text-generation pipeline opens, plus
``model.safetensors`` for Python transformers. The model has no chat template, as the real one.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from tests.model_factory import corpus, onnx_export, vocab
from tests.model_factory.cache import cached_model

if TYPE_CHECKING:  # transformers is imported only when a model is built
    from transformers import T5ForConditionalGeneration, T5TokenizerFast

MODEL_ID = "legenda-test/tiny-flan-t5"
WIDTH = 32
SENTENCEPIECE_VOCAB = 300
EXTRA_IDS = 100
SEED = 0


def t5_model() -> Path:
    """The folder of the tiny T5 (built on first use, then cached)."""
    this_module = sys.modules[__name__]
    return cached_model(MODEL_ID, this_module, build_t5, helpers=(corpus, onnx_export, vocab))


def build_t5(model_dir: Path) -> None:
    """Write the whole hub-layout model into ``model_dir``."""
    import torch

    with tempfile.TemporaryDirectory(prefix="legenda-spm-") as tmp:
        tokenizer = _tokenizer(Path(tmp))
        tokenizer.save_pretrained(model_dir)  # copies the sentencepiece model as spiece.model
    _name_tokenizer_class(model_dir / "tokenizer_config.json")
    torch.manual_seed(SEED)
    model = _model(len(tokenizer))
    with torch.no_grad():
        model.lm_head.weight[vocab.invisible_ids(tokenizer)] = 0.0
        for sentinel in tokenizer.additional_special_tokens_ids:  # <extra_id_N> show as text
            model.lm_head.weight[sentinel] = 0.0
    model.save_pretrained(model_dir)
    onnx_export.export_onnx(model_dir, model_dir, task="text2text-generation-with-past")
    onnx_export.quantize_parts(model_dir)


def _tokenizer(workdir: Path) -> T5TokenizerFast:
    import sentencepiece as spm
    from transformers import T5TokenizerFast

    model_file = workdir / "spiece.model"
    with model_file.open("wb") as writer:
        # Through a writer the model records no (temporary) path: the same bytes every time.
        spm.SentencePieceTrainer.train(
            sentence_iterator=iter(corpus.sentences(3000, SEED, ("en", "pt"))),
            model_writer=writer,
            model_type="unigram",
            vocab_size=SENTENCEPIECE_VOCAB,
            character_coverage=1.0,
            # T5's piece ids: <pad> 0, </s> 1, <unk> 2, no <s>.
            pad_id=0,
            eos_id=1,
            unk_id=2,
            bos_id=-1,
            num_threads=1,  # one thread: the same pieces on every machine
            minloglevel=2,
        )
    return T5TokenizerFast(vocab_file=str(model_file), extra_ids=EXTRA_IDS, model_max_length=512)


def _name_tokenizer_class(config_path: Path) -> None:
    """Name the class as the hub file does ("T5Tokenizer")."""
    config = json.loads(config_path.read_text())
    config["tokenizer_class"] = "T5Tokenizer"
    config_path.write_text(json.dumps(config, indent=2, ensure_ascii=False) + "\n")


def _model(vocab_size: int) -> T5ForConditionalGeneration:
    from transformers import GenerationConfig, T5Config, T5ForConditionalGeneration

    ids = {"pad_token_id": 0, "eos_token_id": 1, "decoder_start_token_id": 0}
    config = T5Config(
        vocab_size=vocab_size,
        d_model=WIDTH,
        d_kv=8,
        d_ff=2 * WIDTH,
        num_layers=2,
        num_decoder_layers=2,
        num_heads=4,
        feed_forward_proj="gated-gelu",
        tie_word_embeddings=False,
        # At the usual init every input gives nearly the same text.
        initializer_factor=3.0,
        **ids,
    )
    model = T5ForConditionalGeneration(config)
    model.generation_config = GenerationConfig(**ids)
    return model.eval()
