"""The tiny test models: hub layout, working ONNX files, tokenizers, generation and the cache.

The browser side (Transformers.js) is exercised by the end-to-end tests; here every file the
browser will open is checked with onnxruntime and the Python libraries. Fast once the model
cache is warm (the first run builds both models in a few seconds each).
"""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from PIL import Image
from tokenizers import Tokenizer

from tests.model_factory import (
    cache,
    captioner_model,
    chat_model,
    corpus,
    link_models,
    marian_model,
    t5_model,
    translator_model,
)

# Transformers.js's NllbTokenizer keeps the special tokens matching this as language codes.
NLLB_CODE = re.compile(r"^[a-z]{3}_[A-Z][a-z]{3}$")
PRODUCT_LANGUAGES = (
    "eng_Latn", "por_Latn", "spa_Latn", "fra_Latn", "deu_Latn", "ita_Latn", "pol_Latn",
    "rus_Cyrl", "tur_Latn", "zho_Hans", "jpn_Jpan", "kor_Hang", "hin_Deva",
)
PARTS = ("encoder_model", "decoder_model_merged")
QUANTIZED_OPS = {"MatMulInteger", "ConvInteger", "DynamicQuantizeLinear", "DequantizeLinear"}
TEXT = "A man riding a horse on the beach."


@pytest.fixture(scope="module", autouse=True)
def one_torch_thread():
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def captioner_dir() -> Path:
    return captioner_model()


@pytest.fixture(scope="module")
def translator_dir() -> Path:
    return translator_model()


@pytest.fixture(scope="module")
def marian_dir() -> Path:
    return marian_model()


@pytest.fixture(scope="module")
def chat_dir() -> Path:
    return chat_model()


@pytest.fixture(scope="module")
def t5_dir() -> Path:
    return t5_model()


@pytest.fixture(scope="module")
def image() -> Image.Image:
    pixels = np.random.default_rng(0).integers(0, 256, size=(48, 64, 3), dtype=np.uint8)
    return Image.fromarray(pixels)


def _json(path: Path) -> dict:
    return json.loads(path.read_text())


def _session(model_dir: Path, part: str, quantized: bool) -> ort.InferenceSession:
    suffix = "_quantized" if quantized else ""
    return ort.InferenceSession(
        str(model_dir / "onnx" / f"{part}{suffix}.onnx"), providers=["CPUExecutionProvider"]
    )


def _greedy_onnx(
    decoder: ort.InferenceSession,
    encoder_states: np.ndarray,
    start_ids: list[int],
    steps: int,
    extra: dict[str, np.ndarray] | None = None,
) -> list[int]:
    """Greedy decoding through both branches of a merged decoder, as Transformers.js does it."""
    past = {
        item.name: np.zeros((1, item.shape[1], 0, item.shape[3]), dtype=np.float32)
        for item in decoder.get_inputs()
        if item.name.startswith("past_key_values.")
    }
    ids = list(start_ids)
    feed_ids = ids
    for step in range(steps):
        feeds = {
            "input_ids": np.array([feed_ids], dtype=np.int64),
            "encoder_hidden_states": encoder_states,
            "use_cache_branch": np.array([step > 0]),
            **past,
            **(extra or {}),
        }
        names = [out.name for out in decoder.get_outputs()]
        outputs = dict(zip(names, decoder.run(None, feeds), strict=True))
        ids.append(int(outputs["logits"][0, -1].argmax()))
        feed_ids = ids[-1:]
        # The cross-attention cache comes from the first pass only: the with-past branch
        # outputs placeholders for it (Transformers.js keeps the first ones as well).
        past.update(
            (name.replace("present.", "past_key_values."), value)
            for name, value in outputs.items()
            if name.startswith("present.") and (step == 0 or ".encoder." not in name)
        )
    return ids[len(start_ids):]


def _op_types(graph: onnx.GraphProto) -> set[str]:
    """Op types of a graph and of its subgraphs (the merged decoder's If branches)."""
    found = set()
    for node in graph.node:
        found.add(node.op_type)
        for attribute in node.attribute:
            if attribute.type == onnx.AttributeProto.GRAPH:
                found |= _op_types(attribute.g)
    return found


def _weight_bytes(path: Path) -> int:
    return sum(len(init.raw_data) for init in onnx.load(path).graph.initializer)


def _assert_parts_quantized(model_dir: Path) -> None:
    """Each part's plain file has no quantized ops; its _quantized twin has them and is small."""
    for part in PARTS:
        plain = model_dir / "onnx" / f"{part}.onnx"
        quantized = model_dir / "onnx" / f"{part}_quantized.onnx"
        assert not _op_types(onnx.load(plain).graph) & QUANTIZED_OPS
        assert _op_types(onnx.load(quantized).graph) & QUANTIZED_OPS, part
        assert _weight_bytes(quantized) < 0.5 * _weight_bytes(plain), part


def assert_hub_layout(model_dir: Path, names: tuple[str, ...]) -> None:
    """The files a hub repo converted for Transformers.js holds: ``names`` at the top, and each
    ONNX part in fp32 and q8."""
    for name in names:
        assert (model_dir / name).is_file(), name
    for part in PARTS:
        assert (model_dir / "onnx" / f"{part}.onnx").is_file()
        assert (model_dir / "onnx" / f"{part}_quantized.onnx").is_file()


# --- the captioner -------------------------------------------------------------------------


def test_captioner_has_the_vit_gpt2_hub_layout(captioner_dir: Path) -> None:
    assert captioner_dir.parts[-2:] == ("legenda-test", "tiny-vit-gpt2")
    assert_hub_layout(captioner_dir, (
        "config.json", "generation_config.json", "preprocessor_config.json", "tokenizer.json",
        "tokenizer_config.json", "special_tokens_map.json", "vocab.json", "merges.txt",
    ))
    config = _json(captioner_dir / "config.json")
    assert config["model_type"] == "vision-encoder-decoder"
    assert config["encoder"]["model_type"] == "vit"
    assert config["decoder"]["model_type"] == "gpt2"
    assert _json(captioner_dir / "preprocessor_config.json")["image_processor_type"] == (
        "ViTImageProcessor"
    )


def test_captioner_special_ids_are_endoftext_in_both_configs(captioner_dir: Path) -> None:
    tokenizer = Tokenizer.from_file(str(captioner_dir / "tokenizer.json"))
    endoftext = tokenizer.token_to_id("<|endoftext|>")
    keys = ("bos_token_id", "eos_token_id", "pad_token_id", "decoder_start_token_id")
    for name in ("config.json", "generation_config.json"):
        config = _json(captioner_dir / name)
        assert {key: config[key] for key in keys} == dict.fromkeys(keys, endoftext), name


def test_captioner_tokenizer_round_trips(captioner_dir: Path) -> None:
    tokenizer = Tokenizer.from_file(str(captioner_dir / "tokenizer.json"))
    for text in (TEXT, "Crianças brincando na praia, ao pôr do sol! 🌅"):
        assert tokenizer.decode(tokenizer.encode(text).ids) == text


def test_captioner_onnx_matches_pytorch_and_generates_visible_text(
    captioner_dir: Path, image: Image.Image
) -> None:
    import torch
    from transformers import AutoTokenizer, VisionEncoderDecoderModel, ViTImageProcessor

    pixel_values = ViTImageProcessor.from_pretrained(captioner_dir)(
        image, return_tensors="np"
    ).pixel_values
    assert pixel_values.shape == (1, 3, 32, 32)
    model = VisionEncoderDecoderModel.from_pretrained(captioner_dir).eval()
    start = model.config.decoder_start_token_id
    with torch.no_grad():
        expected = model.generate(torch.from_numpy(pixel_values), max_new_tokens=8)[0, 1:]
    states = _session(captioner_dir, "encoder_model", False).run(
        None, {"pixel_values": pixel_values}
    )[0]
    decoder = _session(captioner_dir, "decoder_model_merged", False)
    assert _greedy_onnx(decoder, states, [start], steps=8) == expected.tolist()
    caption = AutoTokenizer.from_pretrained(captioner_dir).decode(
        expected, skip_special_tokens=True
    )
    assert caption.strip() and caption.isprintable(), caption


def test_captioner_captions_follow_the_image(captioner_dir: Path, image: Image.Image) -> None:
    import torch
    from transformers import AutoTokenizer, VisionEncoderDecoderModel, ViTImageProcessor

    processor = ViTImageProcessor.from_pretrained(captioner_dir)
    model = VisionEncoderDecoderModel.from_pretrained(captioner_dir).eval()
    tokenizer = AutoTokenizer.from_pretrained(captioner_dir)
    captions = set()
    for picture in (image, Image.new("RGB", (64, 64), "red"), Image.new("RGB", (64, 64), "blue")):
        pixel_values = processor(picture, return_tensors="pt").pixel_values
        with torch.no_grad():
            tokens = model.generate(pixel_values, max_new_tokens=8)[0]
        captions.add(tokenizer.decode(tokens, skip_special_tokens=True))
    assert len(captions) == 3, captions


def test_captioner_quantized_files_hold_quantized_weights(
    captioner_dir: Path, image: Image.Image
) -> None:
    from transformers import ViTImageProcessor

    _assert_parts_quantized(captioner_dir)
    # The patch embedding (a Conv) is quantized too, to uint8: ORT's ConvInteger needs it.
    assert "ConvInteger" in _op_types(
        onnx.load(captioner_dir / "onnx" / "encoder_model_quantized.onnx").graph
    )
    pixel_values = ViTImageProcessor.from_pretrained(captioner_dir)(
        image, return_tensors="np"
    ).pixel_values
    states = _session(captioner_dir, "encoder_model", True).run(
        None, {"pixel_values": pixel_values}
    )[0]
    decoder = _session(captioner_dir, "decoder_model_merged", True)
    endoftext = _json(captioner_dir / "config.json")["decoder_start_token_id"]
    tokens = _greedy_onnx(decoder, states, [endoftext], steps=6)
    assert endoftext not in tokens


# --- the translator ------------------------------------------------------------------------


def test_translator_has_the_nllb_hub_layout(translator_dir: Path) -> None:
    assert translator_dir.parts[-2:] == ("legenda-test", "tiny-nllb")
    assert_hub_layout(translator_dir, (
        "config.json", "generation_config.json", "tokenizer.json", "tokenizer_config.json",
        "special_tokens_map.json", "sentencepiece.bpe.model",
    ))
    config = _json(translator_dir / "config.json")
    assert config["architectures"] == ["M2M100ForConditionalGeneration"]
    assert config["model_type"] == "m2m_100"
    assert config["max_position_embeddings"] >= 256 + 2  # Transformers.js asks for 256 tokens
    ids = {"bos_token_id": 0, "pad_token_id": 1, "eos_token_id": 2, "decoder_start_token_id": 2}
    for name in ("config.json", "generation_config.json"):
        assert ids.items() <= _json(translator_dir / name).items(), name
    assert _json(translator_dir / "tokenizer_config.json")["tokenizer_class"] == "NllbTokenizer"


def test_translator_tokenizer_has_the_language_codes_as_special_tokens(
    translator_dir: Path,
) -> None:
    spec = _json(translator_dir / "tokenizer.json")
    codes = {t["content"] for t in spec["added_tokens"] if t["special"]}
    codes = {code for code in codes if NLLB_CODE.match(code)}
    assert set(PRODUCT_LANGUAGES) <= codes
    assert len(codes) == 202  # every NLLB-200 language, as in the hub file
    # The template Transformers.js rewrites with src_lang: <lang> text </s>.
    template = spec["post_processor"]["single"]
    assert NLLB_CODE.match(template[0]["SpecialToken"]["id"])
    assert template[-1]["SpecialToken"]["id"] == "</s>"


def test_translator_tokenizer_round_trips(translator_dir: Path) -> None:
    tokenizer = Tokenizer.from_file(str(translator_dir / "tokenizer.json"))
    encoding = tokenizer.encode(TEXT)
    assert tokenizer.id_to_token(encoding.ids[0]) == "eng_Latn"
    assert tokenizer.id_to_token(encoding.ids[-1]) == "</s>"
    assert "<unk>" not in encoding.tokens
    assert tokenizer.decode(encoding.ids) == TEXT


def _translate_torch(translator_dir: Path, text: str, target: str, steps: int) -> list[int]:
    import torch
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(translator_dir, src_lang="eng_Latn")
    model = AutoModelForSeq2SeqLM.from_pretrained(translator_dir).eval()
    with torch.no_grad():
        output = model.generate(
            **tokenizer(text, return_tensors="pt"),
            forced_bos_token_id=tokenizer.convert_tokens_to_ids(target),
            max_new_tokens=steps,
        )
    return output[0, 1:].tolist()


def test_translator_text_depends_on_the_source_and_the_target_language(
    translator_dir: Path,
) -> None:
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(translator_dir)
    texts = {}
    for target in ("por_Latn", "spa_Latn"):
        tokens = _translate_torch(translator_dir, TEXT, target, steps=10)
        assert tokens[0] == tokenizer.convert_tokens_to_ids(target)
        texts[target] = tokenizer.decode(tokens, skip_special_tokens=True)
        assert texts[target].strip(), target
    assert texts["por_Latn"] != texts["spa_Latn"]
    other = _translate_torch(translator_dir, "Two cats sleeping on a red sofa.", "por_Latn", 10)
    assert tokenizer.decode(other, skip_special_tokens=True) != texts["por_Latn"]


@pytest.mark.parametrize("quantized", [False, True], ids=["fp32", "q8"])
def test_translator_onnx_runs_like_pytorch(translator_dir: Path, quantized: bool) -> None:
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(translator_dir, src_lang="eng_Latn")
    inputs = dict(tokenizer(TEXT, return_tensors="np"))
    states = _session(translator_dir, "encoder_model", quantized).run(None, inputs)[0]
    decoder = _session(translator_dir, "decoder_model_merged", quantized)
    target = tokenizer.convert_tokens_to_ids("por_Latn")
    tokens = _greedy_onnx(
        decoder,
        states,
        [tokenizer.eos_token_id, target],  # decoder start, then the forced language
        steps=8,
        extra={"encoder_attention_mask": inputs["attention_mask"]},
    )
    assert not set(tokens) & set(tokenizer.all_special_ids)
    if not quantized:
        assert tokens == _translate_torch(translator_dir, TEXT, "por_Latn", steps=9)[1:]


def test_translator_quantized_files_hold_quantized_weights(translator_dir: Path) -> None:
    _assert_parts_quantized(translator_dir)


# --- the Marian translator (opus-mt) -------------------------------------------------------


def _marian_tokenizer(marian_dir: Path):  # -> transformers.MarianTokenizer
    import warnings

    from transformers import MarianTokenizer

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Recommended: pip install sacremoses")
        return MarianTokenizer.from_pretrained(marian_dir)


def test_marian_has_the_opus_mt_hub_layout(marian_dir: Path) -> None:
    assert marian_dir.parts[-2:] == ("legenda-test", "tiny-opus-mt-en-ROMANCE")
    assert_hub_layout(marian_dir, (
        "config.json", "generation_config.json", "tokenizer.json", "tokenizer_config.json",
        "special_tokens_map.json", "source.spm", "target.spm", "vocab.json",
    ))
    config = _json(marian_dir / "config.json")
    assert (config["model_type"], config["architectures"]) == ("marian", ["MarianMTModel"])
    vocab = _json(marian_dir / "vocab.json")
    # Marian starts decoding from <pad>, the last token, and never writes it.
    assert config["decoder_start_token_id"] == config["pad_token_id"] == vocab["<pad>"]
    assert _json(marian_dir / "generation_config.json")["bad_words_ids"] == [[vocab["<pad>"]]]
    assert _json(marian_dir / "tokenizer_config.json")["tokenizer_class"] == "MarianTokenizer"


def test_marian_vocabulary_has_romance_targets_and_no_german(marian_dir: Path) -> None:
    vocab = _json(marian_dir / "vocab.json")
    assert {">>pt_br<<", ">>pt<<", ">>es<<", ">>fr<<", ">>it<<"} <= set(vocab)
    assert ">>de<<" not in vocab
    assert sorted(vocab.values()) == list(range(len(vocab)))


def test_marian_tokenizer_json_encodes_like_the_sentencepiece_tokenizer(
    marian_dir: Path,
) -> None:
    fast = Tokenizer.from_file(str(marian_dir / "tokenizer.json"))
    slow = _marian_tokenizer(marian_dir)
    for text in (TEXT, "Two dogs playing in a park near the river."):
        encoding = fast.encode(text)
        assert encoding.ids == slow(text).input_ids
        assert "<unk>" not in encoding.tokens and encoding.tokens[-1] == "</s>"
        assert fast.decode(encoding.ids) == text
    # The language token is one piece of the vocabulary (Transformers.js 4.3.1 tokenizes
    # ">>pt_br<< text" with tokenizer.json alone: "▁" first, then the token).
    assert ">>pt_br<<" in fast.encode(f">>pt_br<< {TEXT}").tokens


def _marian_torch(marian_dir: Path, text: str, steps: int) -> list[int]:
    import torch
    from transformers import MarianMTModel

    tokenizer = _marian_tokenizer(marian_dir)
    model = MarianMTModel.from_pretrained(marian_dir).eval()
    with torch.no_grad():
        output = model.generate(**tokenizer(text, return_tensors="pt"), max_new_tokens=steps)
    return output[0, 1:].tolist()


def test_marian_text_depends_on_the_target_token(marian_dir: Path) -> None:
    tokenizer = _marian_tokenizer(marian_dir)
    texts = {
        code: tokenizer.decode(_marian_torch(marian_dir, f">>{code}<< {TEXT}", steps=10),
                               skip_special_tokens=True)
        for code in ("pt_br", "es")
    }
    assert all(text.strip() for text in texts.values())
    assert texts["pt_br"] != texts["es"]


@pytest.mark.parametrize("quantized", [False, True], ids=["fp32", "q8"])
def test_marian_onnx_runs_like_pytorch(marian_dir: Path, quantized: bool) -> None:
    tokenizer = _marian_tokenizer(marian_dir)
    text = f">>pt_br<< {TEXT}"
    inputs = dict(tokenizer(text, return_tensors="np"))
    states = _session(marian_dir, "encoder_model", quantized).run(None, inputs)[0]
    decoder = _session(marian_dir, "decoder_model_merged", quantized)
    tokens = _greedy_onnx(
        decoder, states, [tokenizer.pad_token_id], steps=8,
        extra={"encoder_attention_mask": inputs["attention_mask"]},
    )
    assert not set(tokens) & set(tokenizer.all_special_ids)
    if not quantized:  # one step more: transformers forces </s> (forced_eos) at the last one
        assert tokens == _marian_torch(marian_dir, text, steps=9)[:8]


def test_marian_quantized_files_hold_quantized_weights(marian_dir: Path) -> None:
    _assert_parts_quantized(marian_dir)


# --- the chat model (decoder-only) ---------------------------------------------------------

CHAT = [
    {"role": "system", "content": "Você é um assistente virtual prestativo."},
    {"role": "user", "content": "Um gato sentado na mesa?"},
]


def test_chat_model_has_the_smollm2_hub_layout(chat_dir: Path) -> None:
    assert chat_dir.parts[-2:] == ("legenda-test", "tiny-smollm2")
    for name in (
        "config.json", "generation_config.json", "tokenizer.json", "tokenizer_config.json",
        "special_tokens_map.json", "vocab.json", "merges.txt", "onnx/model.onnx",
        "onnx/model_quantized.onnx",
    ):
        assert (chat_dir / name).is_file(), name
    assert not (chat_dir / "chat_template.jinja").exists()  # the template is in the config
    config = _json(chat_dir / "config.json")
    assert config["architectures"] == ["LlamaForCausalLM"]
    assert config["num_key_value_heads"] < config["num_attention_heads"]
    tokenizer_config = _json(chat_dir / "tokenizer_config.json")
    assert tokenizer_config["tokenizer_class"] == "GPT2Tokenizer"
    assert "<|im_start|>" in tokenizer_config["chat_template"]
    tokenizer = Tokenizer.from_file(str(chat_dir / "tokenizer.json"))
    assert [tokenizer.token_to_id(t) for t in ("<|endoftext|>", "<|im_start|>", "<|im_end|>")] == [
        0, 1, 2,
    ]
    assert tokenizer.to_str().count('"ByteLevel"') >= 2  # byte-level pre-tokenizer and decoder
    for name in ("config.json", "generation_config.json"):
        assert {"bos_token_id": 1, "eos_token_id": 2}.items() <= _json(chat_dir / name).items()


def test_chat_model_template_builds_chatml(chat_dir: Path) -> None:
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(chat_dir)
    text = tokenizer.apply_chat_template(CHAT, tokenize=False, add_generation_prompt=True)
    assert text == (
        "<|im_start|>system\nVocê é um assistente virtual prestativo.<|im_end|>\n"
        "<|im_start|>user\nUm gato sentado na mesa?<|im_end|>\n<|im_start|>assistant\n"
    )
    # Without a system turn the template adds SmolLM2's own.
    assert "SmolLM" in tokenizer.apply_chat_template(CHAT[1:], tokenize=False)
    ids = tokenizer(text, add_special_tokens=False).input_ids
    assert tokenizer.decode(ids) == text  # byte-level: every character round-trips


def _greedy_decoder_only(session: ort.InferenceSession, ids: list[int], steps: int) -> list[int]:
    """Greedy decoding with the past key values, as Transformers.js does it: the whole prompt
    first (an empty past), then one token at a time."""
    past = {
        item.name: np.zeros((1, item.shape[1], 0, item.shape[3]), dtype=np.float32)
        for item in session.get_inputs()
        if item.name.startswith("past_key_values.")
    }
    names = [out.name for out in session.get_outputs()]
    tokens = list(ids)
    feed = tokens
    for _ in range(steps):
        start = len(tokens) - len(feed)
        outputs = dict(zip(names, session.run(None, {
            "input_ids": np.array([feed], dtype=np.int64),
            "attention_mask": np.ones((1, len(tokens)), dtype=np.int64),
            "position_ids": np.arange(start, len(tokens), dtype=np.int64)[None],
            **past,
        }), strict=True))
        tokens.append(int(outputs["logits"][0, -1].argmax()))
        feed = tokens[-1:]
        past = {
            name.replace("present.", "past_key_values."): value
            for name, value in outputs.items() if name.startswith("present.")
        }
    return tokens[len(ids):]


@pytest.mark.parametrize("quantized", [False, True], ids=["fp32", "q8"])
def test_chat_model_onnx_generates_visible_text_like_pytorch(
    chat_dir: Path, quantized: bool
) -> None:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(chat_dir)
    ids = tokenizer.apply_chat_template(CHAT, add_generation_prompt=True)
    session = _session(chat_dir, "model", quantized)
    tokens = _greedy_decoder_only(session, ids, steps=12)
    text = tokenizer.decode(tokens, skip_special_tokens=True)
    assert not set(tokens) & set(tokenizer.all_special_ids)  # never ends at once
    assert text.strip() and "\ufffd" not in text, text
    model = AutoModelForCausalLM.from_pretrained(chat_dir).eval()
    with torch.no_grad():
        expected = model.generate(torch.tensor([ids]), max_new_tokens=12, do_sample=False)
    if not quantized:
        assert tokens == expected[0, len(ids):].tolist()
    else:
        assert _op_types(onnx.load(chat_dir / "onnx" / "model_quantized.onnx").graph) & (
            QUANTIZED_OPS
        )


def test_chat_model_text_follows_the_prompt(chat_dir: Path) -> None:
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(chat_dir)
    session = _session(chat_dir, "model", False)
    answers = set()
    for question in ("Um gato sentado na mesa?", "Two dogs playing in the park."):
        ids = tokenizer.apply_chat_template(
            [{"role": "user", "content": question}], add_generation_prompt=True
        )
        answers.add(tuple(_greedy_decoder_only(session, ids, steps=8)))
    assert len(answers) == 2


# --- the text2text model (T5) ----------------------------------------------------------------


def test_t5_has_the_flan_t5_hub_layout(t5_dir: Path) -> None:
    assert t5_dir.parts[-2:] == ("legenda-test", "tiny-flan-t5")
    assert_hub_layout(t5_dir, (
        "config.json", "generation_config.json", "tokenizer.json", "tokenizer_config.json",
        "special_tokens_map.json", "spiece.model",
    ))
    config = _json(t5_dir / "config.json")
    assert config["architectures"] == ["T5ForConditionalGeneration"]
    assert config["feed_forward_proj"] == "gated-gelu"
    tokenizer_config = _json(t5_dir / "tokenizer_config.json")
    assert tokenizer_config["tokenizer_class"] == "T5Tokenizer"
    assert "chat_template" not in tokenizer_config  # a model that cannot chat
    tokenizer = Tokenizer.from_file(str(t5_dir / "tokenizer.json"))
    assert [tokenizer.token_to_id(t) for t in ("<pad>", "</s>", "<unk>")] == [0, 1, 2]
    assert tokenizer.token_to_id("<extra_id_0>") is not None


@pytest.mark.parametrize("quantized", [False, True], ids=["fp32", "q8"])
def test_t5_onnx_runs_like_pytorch(t5_dir: Path, quantized: bool) -> None:
    import torch
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(t5_dir)
    inputs = dict(tokenizer("Responda: um gato sentado na mesa?", return_tensors="np"))
    states = _session(t5_dir, "encoder_model", quantized).run(None, inputs)[0]
    decoder = _session(t5_dir, "decoder_model_merged", quantized)
    tokens = _greedy_onnx(
        decoder, states, [0], steps=8,
        extra={"encoder_attention_mask": inputs["attention_mask"]},
    )
    assert not set(tokens) & set(tokenizer.all_special_ids)
    assert tokenizer.decode(tokens, skip_special_tokens=True).strip()
    if quantized:
        _assert_parts_quantized(t5_dir)
    else:
        model = AutoModelForSeq2SeqLM.from_pretrained(t5_dir).eval()
        with torch.no_grad():
            expected = model.generate(
                **{k: torch.from_numpy(v) for k, v in inputs.items()}, max_new_tokens=8
            )
        assert tokens == expected[0, 1:].tolist()


# --- the models root and the cache ---------------------------------------------------------


def test_link_models_makes_one_root_by_org_and_name(
    tmp_path: Path, captioner_dir: Path, translator_dir: Path
) -> None:
    root = link_models(tmp_path / "models", captioner_dir, translator_dir)
    assert (root / "legenda-test" / "tiny-vit-gpt2" / "onnx" / "encoder_model.onnx").is_file()
    assert (root / "legenda-test" / "tiny-nllb").resolve() == translator_dir.resolve()
    # Again, and with a stale link: both end up pointing at the model.
    stale = root / "legenda-test" / "tiny-nllb"
    stale.unlink()
    stale.symlink_to(tmp_path, target_is_directory=True)
    assert link_models(root, captioner_dir, translator_dir) == root
    assert stale.resolve() == translator_dir.resolve()


def test_link_models_refuses_a_folder_that_is_not_a_model(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="not a model folder"):
        link_models(tmp_path / "models", tmp_path)


def test_builders_are_cache_hits_the_second_time(
    captioner_dir: Path, translator_dir: Path, chat_dir: Path, t5_dir: Path
) -> None:
    assert captioner_model() == captioner_dir
    assert translator_model() == translator_dir
    assert chat_model() == chat_dir
    assert t5_model() == t5_dir
    assert (captioner_dir / ".complete").is_file()


def _load_module(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_cache_key_follows_model_id_source_and_helpers(tmp_path: Path) -> None:
    source = tmp_path / "legenda_fake_builder.py"
    source.write_text("WIDTH = 32\n")
    first = _load_module(source, "legenda_fake_builder")
    key = cache.cache_key("org/a", first)
    assert cache.cache_key("org/a", first) == key
    assert cache.cache_key("org/b", first) != key
    assert cache.cache_key("org/a", first, helpers=(corpus,)) != key
    source.write_text("WIDTH = 64\n")
    changed = _load_module(source, "legenda_fake_builder")
    assert cache.cache_key("org/a", changed) != key
    sys.modules.pop("legenda_fake_builder", None)


def test_cached_model_builds_once_and_never_keeps_a_failed_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cache, "CACHE_ROOT", tmp_path)
    calls: list[Path] = []

    def build(folder: Path) -> None:
        calls.append(folder)
        (folder / "config.json").write_text("{}")

    def broken(folder: Path) -> None:
        (folder / "config.json").write_text("{}")
        raise RuntimeError("export failed")

    first = cache.cached_model("org/model", corpus, build)
    second = cache.cached_model("org/model", corpus, build)
    assert first == second and first.parts[-2:] == ("org", "model")
    assert (first / "config.json").is_file()
    assert len(calls) == 1

    build_twice: Callable[[Path], None] = broken
    with pytest.raises(RuntimeError):
        cache.cached_model("org/other", corpus, build_twice)
    other = cache.CACHE_ROOT / cache.cache_key("org/other", corpus) / "org" / "other"
    assert not other.exists()
    assert cache.cached_model("org/other", corpus, build) == other
    assert len(calls) == 2


# --- the chat server's tiny models: Phi-3.5-mini and Blenderbot layouts ----------------------


def test_phi3_has_phi_3_5_mini_s_layout_template_and_end_tokens() -> None:
    from transformers import AutoTokenizer

    from tests.model_factory import phi3_model
    from tests.model_factory.phi3 import CHAT_TEMPLATE, END_TOKENS

    folder = phi3_model()
    for name in ("config.json", "generation_config.json", "model.safetensors", "tokenizer.json",
                 "tokenizer.model", "tokenizer_config.json", "special_tokens_map.json"):
        assert (folder / name).is_file(), name
    assert not (folder / "chat_template.jinja").exists()  # in tokenizer_config.json, as the hub
    assert _json(folder / "tokenizer_config.json")["chat_template"] == CHAT_TEMPLATE
    config = _json(folder / "config.json")
    assert config["model_type"] == "phi3" and config["rope_scaling"]["type"] == "longrope"
    tokenizer = AutoTokenizer.from_pretrained(folder)
    ends = [tokenizer.convert_tokens_to_ids(t) for t in END_TOKENS]
    assert _json(folder / "generation_config.json")["eos_token_id"] == ends
    text = tokenizer.apply_chat_template([{"role": "user", "content": "Oi"}], tokenize=False,
                                         add_generation_prompt=True)
    assert text == "<|user|>\nOi<|end|>\n<|assistant|>\n"


def test_blenderbot_has_the_hub_layout_and_ends_texts_with_its_end_token() -> None:
    from transformers import AutoTokenizer

    from tests.model_factory import blenderbot_model

    folder = blenderbot_model()
    for name in ("config.json", "generation_config.json", "model.safetensors", "vocab.json",
                 "merges.txt", "tokenizer.json", "tokenizer_config.json"):
        assert (folder / name).is_file(), name
    assert _json(folder / "config.json")["model_type"] == "blenderbot"
    tokenizer = AutoTokenizer.from_pretrained(folder)
    assert tokenizer.chat_template is None
    assert tokenizer(" a dog on the beach")["input_ids"][-1] == tokenizer.eos_token_id == 2
