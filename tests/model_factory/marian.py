"""A tiny random-weight Marian translator in the layout of Xenova/opus-mt-en-ROMANCE.

MarianMTModel (d_model 32, 2 encoder + 2 decoder layers) with a real Marian tokenizer: two
small sentencepiece unigram models (``source.spm`` trained on English, ``target.spm`` on
Portuguese, Spanish and French) and one ``vocab.json`` over both, which holds some of
opus-mt-en-ROMANCE's target-language tokens (``>>pt_br<<``, ``>>es<<``, ...). A multi-target
Marian model is told its target by such a token at the start of the source text; the model has
no German (``>>de<<``), so a test can ask for a language it lacks.

Transformers.js reads the tokenizer from ``tokenizer.json``, which transformers cannot write for
Marian (it has no fast Marian tokenizer): it is written here the way Transformers.js's own
conversion writes it (a Unigram model over vocab.json's order, each piece scored by the
sentencepiece model that has it; the language tokens are ordinary pieces of that vocabulary).
ONNX files as for the other translators: ``onnx/encoder_model.onnx``,
``onnx/decoder_model_merged.onnx`` (fp32) and their ``_quantized`` twins (q8).
"""

from __future__ import annotations

import base64
import json
import sys
import tempfile
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tests.model_factory import corpus, onnx_export
from tests.model_factory.cache import cached_model

if TYPE_CHECKING:  # transformers is imported only when a model is built
    from transformers import MarianMTModel, MarianTokenizer

MODEL_ID = "legenda-test/tiny-opus-mt-en-ROMANCE"
WIDTH = 32
MAX_POSITIONS = 512  # as in opus-mt models (Transformers.js may ask for 256 new tokens)
SPM_VOCAB = 300  # pieces per sentencepiece model
SEED = 0
# Some of opus-mt-en-ROMANCE's targets, in its own spelling (a subset: the test model has no
# German, Polish, Russian... and neither has the real one).
TARGETS = ("fr", "fr_CA", "es", "es_MX", "it", "pt", "pt_br", "pt_BR", "pt_PT", "ro", "ca", "gl")
SOURCE_LANGUAGES = ("en",)
TARGET_LANGUAGES = ("pt", "es", "fr")  # what the corpus has text for
SPECIALS = {"eos": "</s>", "unk": "<unk>", "pad": "<pad>"}


def marian_model() -> Path:
    """The folder of the tiny Marian translator (built on first use, then cached)."""
    this_module = sys.modules[__name__]
    return cached_model(MODEL_ID, this_module, build_marian, helpers=(corpus, onnx_export))


def build_marian(model_dir: Path) -> None:
    """Write the whole hub-layout model into ``model_dir``."""
    import torch

    with tempfile.TemporaryDirectory(prefix="legenda-spm-") as tmp:
        tokenizer = tokenizer_for(Path(tmp), TARGETS)
        # Saved while the sentencepiece files exist: they are copied as source/target.spm.
        tokenizer.save_pretrained(model_dir)
    write_tokenizer_json(model_dir, tokenizer)
    torch.manual_seed(SEED)
    model = _model(tokenizer)
    model.save_pretrained(model_dir)
    onnx_export.export_onnx(model_dir, model_dir, task="text2text-generation-with-past")
    onnx_export.quantize_parts(model_dir)


def tokenizer_for(workdir: Path, targets: tuple[str, ...]) -> MarianTokenizer:
    """A Marian tokenizer over two sentencepiece models trained into ``workdir``, with the
    ``>>target<<`` tokens of ``targets`` (none: a single-pair model)."""
    from transformers import MarianTokenizer

    source = _train_spm(workdir / "source.spm", SOURCE_LANGUAGES)
    target = _train_spm(workdir / "target.spm", TARGET_LANGUAGES)
    vocab_file = workdir / "vocab.json"
    vocab_file.write_text(json.dumps(_vocab(source, target, targets), ensure_ascii=False))
    with warnings.catch_warnings():
        # Its punctuation normalizer (sacremoses) is optional and never shapes the files.
        warnings.filterwarnings("ignore", message="Recommended: pip install sacremoses")
        return MarianTokenizer(
            source_spm=str(source), target_spm=str(target), vocab=str(vocab_file),
            source_lang="en", target_lang="+".join(targets) if targets else "pt",
            model_max_length=MAX_POSITIONS,
        )


def _train_spm(path: Path, languages: tuple[str, ...]) -> Path:
    import sentencepiece as spm

    with path.open("wb") as writer:
        # Through a writer the model records no (temporary) path: the same bytes every time.
        spm.SentencePieceTrainer.train(
            sentence_iterator=iter(corpus.sentences(2000, SEED, languages)),
            model_writer=writer,
            model_type="unigram",
            vocab_size=SPM_VOCAB,
            hard_vocab_limit=False,  # the English word list is short: fewer pieces is fine
            character_coverage=1.0,
            num_threads=1,  # one thread: the same pieces on every machine
            minloglevel=2,
        )
    return path


def _pieces(spm_file: Path) -> list[str]:
    import sentencepiece as spm

    model = spm.SentencePieceProcessor(model_file=str(spm_file))
    return [model.id_to_piece(i) for i in range(model.get_piece_size())
            if not (model.is_control(i) or model.is_unknown(i))]


def _vocab(source: Path, target: Path, targets: tuple[str, ...]) -> dict[str, int]:
    """Marian's shared vocabulary: </s>, <unk>, the language tokens, both models' pieces, and
    <pad> last (its decoder-start token)."""
    tokens = [SPECIALS["eos"], SPECIALS["unk"], *(f">>{code}<<" for code in targets)]
    tokens += _pieces(source) + _pieces(target)
    tokens = list(dict.fromkeys(tokens))
    return {token: index for index, token in enumerate([*tokens, SPECIALS["pad"]])}


def write_tokenizer_json(model_dir: Path, tokenizer: MarianTokenizer) -> None:
    """tokenizer.json as Transformers.js's converter writes it for a Marian model."""
    vocab = tokenizer.get_vocab()
    specials = [SPECIALS["eos"], SPECIALS["unk"], SPECIALS["pad"]]
    scores = _scores(tokenizer)
    spec: dict[str, Any] = {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": [
            {"id": vocab[token], "content": token, "single_word": False, "lstrip": False,
             "rstrip": False, "normalized": False, "special": True}
            for token in specials
        ],
        "normalizer": {"type": "Precompiled", "precompiled_charsmap": _charsmap(tokenizer)},
        "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
            {"type": "WhitespaceSplit"},
            {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "always",
             "split": True},
        ]},
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [{"Sequence": {"id": "A", "type_id": 0}},
                       {"SpecialToken": {"id": SPECIALS["eos"], "type_id": 0}}],
            "pair": [{"Sequence": {"id": "A", "type_id": 0}},
                     {"SpecialToken": {"id": SPECIALS["eos"], "type_id": 0}},
                     {"Sequence": {"id": "B", "type_id": 0}},
                     {"SpecialToken": {"id": SPECIALS["eos"], "type_id": 0}}],
            "special_tokens": {SPECIALS["eos"]: {
                "id": SPECIALS["eos"], "ids": [vocab[SPECIALS["eos"]]],
                "tokens": [SPECIALS["eos"]]}},
        },
        "decoder": {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "always",
                    "split": True},
        "model": {
            "type": "Unigram",
            "unk_id": vocab[SPECIALS["unk"]],
            "vocab": [[token, 0.0 if token in specials else scores.get(token, -100.0)]
                      for token in sorted(vocab, key=vocab.__getitem__)],
            "byte_fallback": False,
        },
    }
    path = model_dir / "tokenizer.json"
    path.write_text(json.dumps(spec, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def _scores(tokenizer: MarianTokenizer) -> dict[str, float]:
    """Each piece's score, the better of the two sentencepiece models' (the converter's rule)."""
    scores: dict[str, float] = {}
    for model in (tokenizer.spm_source, tokenizer.spm_target):
        for index in range(model.get_piece_size()):
            piece = model.id_to_piece(index)
            scores[piece] = max(scores.get(piece, -100.0), model.get_score(index))
    return scores


def _charsmap(tokenizer: MarianTokenizer) -> str:
    """The source model's normalization map, as the fast tokenizers write it (base64)."""
    from sentencepiece import sentencepiece_model_pb2

    proto = sentencepiece_model_pb2.ModelProto()
    proto.ParseFromString(tokenizer.spm_source.serialized_model_proto())
    return base64.b64encode(proto.normalizer_spec.precompiled_charsmap).decode()


def _model(tokenizer: MarianTokenizer) -> MarianMTModel:
    import torch
    from transformers import GenerationConfig, MarianConfig, MarianMTModel

    ids = {
        "pad_token_id": tokenizer.pad_token_id,
        "eos_token_id": tokenizer.eos_token_id,
        "decoder_start_token_id": tokenizer.pad_token_id,  # Marian starts from <pad>
        "forced_eos_token_id": tokenizer.eos_token_id,
    }
    config = MarianConfig(
        vocab_size=len(tokenizer), d_model=WIDTH, encoder_layers=2, decoder_layers=2,
        encoder_attention_heads=2, decoder_attention_heads=2, encoder_ffn_dim=2 * WIDTH,
        decoder_ffn_dim=2 * WIDTH, max_position_embeddings=MAX_POSITIONS,
        scale_embedding=True, share_encoder_decoder_embeddings=True,
        # Untied (the hub model ties them) so that zeroing the output rows below leaves the
        # language tokens' embeddings alone: another >>target<< then gives another text.
        tie_word_embeddings=False,
        # With these (and the unit embeddings below) another sentence or another target gives
        # another text; at the usual 0.02 every input gives the same one.
        init_std=0.1,
        **ids,
    )
    model = MarianMTModel(config)
    model.generation_config = GenerationConfig(
        max_length=MAX_POSITIONS, bad_words_ids=[[tokenizer.pad_token_id]], **ids
    )
    with torch.no_grad():
        # Random weights often pick </s> or a language token first (an empty text): with their
        # output rows at zero they score exactly 0, below about half of the pieces at every step.
        never = [index for token, index in tokenizer.get_vocab().items()
                 if token in SPECIALS.values() or token.startswith(">>")]
        model.lm_head.weight[never] = 0.0
        model.final_logits_bias.zero_()
        # Large embeddings (scaled by sqrt(d_model) again on the way in) let the language token
        # and the words outweigh the sinusoidal positions, so the text follows them.
        model.model.shared.weight.normal_(0.0, 1.0)
    return model.eval()
