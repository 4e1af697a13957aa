"""`make models`: which files of a hub repo are fetched for each dtype.

The selection is checked with huggingface_hub's own filter (what snapshot_download applies to
allow_patterns) against the file list of the tiny models, which have the real repos' layout.
"""

from collections.abc import Callable
from pathlib import Path

import pytest
from huggingface_hub.utils import filter_repo_objects

from scripts.download_models import browser_patterns, plan_download, shipped_dtypes
from tests.model_factory import (
    captioner_model,
    chat_model,
    marian_model,
    t5_model,
    translator_model,
)


def _repo_files(model: Path) -> list[str]:
    return sorted(
        p.relative_to(model).as_posix() for p in model.rglob("*") if p.is_file()
        and not p.name.startswith(".")
    )


def _selected(model: Path, dtype: str) -> set[str]:
    return set(filter_repo_objects(_repo_files(model), allow_patterns=browser_patterns(dtype)))


@pytest.mark.parametrize(
    "model", [captioner_model, translator_model, marian_model, t5_model],
    ids=["caption", "nllb", "marian", "t5"],
)
def test_q8_fetches_the_quantized_weights_and_every_config(model: Callable[[], Path]) -> None:
    folder = model()
    selected = _selected(folder, "q8")
    assert {"onnx/encoder_model_quantized.onnx", "onnx/decoder_model_merged_quantized.onnx"} <= (
        selected
    )
    assert not {"onnx/encoder_model.onnx", "onnx/decoder_model_merged.onnx"} & selected
    assert {"config.json", "generation_config.json", "tokenizer.json"} <= selected
    assert "model.safetensors" not in selected  # PyTorch weights: the browser never reads them


def test_fp32_fetches_the_plain_weights_only() -> None:
    selected = _selected(captioner_model(), "fp32")
    onnx = {name for name in selected if name.endswith(".onnx")}
    assert onnx == {"onnx/encoder_model.onnx", "onnx/decoder_model_merged.onnx"}
    assert "preprocessor_config.json" in selected


def test_a_decoder_only_model_fetches_its_one_onnx_file_for_the_dtype() -> None:
    files = _repo_files(chat_model())
    assert shipped_dtypes(files) == ["fp32", "q8"]
    patterns, chosen = plan_download("legenda-test/tiny-smollm2", files, "q8")
    selected = set(filter_repo_objects(files, allow_patterns=patterns))
    assert {name for name in selected if name.endswith(".onnx")} == {"onnx/model_quantized.onnx"}
    assert {"tokenizer_config.json", "tokenizer.json", "config.json"} <= selected
    assert chosen == "q8"


def test_a_repo_without_the_dtype_gets_the_one_the_page_would_load() -> None:
    # HuggingFaceTB/SmolLM2-135M-Instruct's onnx/ folder, which has no q8 file.
    files = ["config.json", "tokenizer.json", "onnx/model.onnx", "onnx/model_fp16.onnx",
             "onnx/model_q4.onnx", "onnx/model_q4f16.onnx"]
    patterns, chosen = plan_download("HuggingFaceTB/SmolLM2-135M-Instruct", files, "q8")
    selected = set(filter_repo_objects(files, allow_patterns=patterns))
    assert selected == {"config.json", "tokenizer.json", "onnx/model_q4.onnx"}
    assert chosen == "q4"
