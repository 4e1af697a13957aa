"""`make models`: which files of a hub repo are fetched for each dtype.

The selection is checked with huggingface_hub's own filter (what snapshot_download applies to
allow_patterns) against the file list of the tiny models, which have the real repos' layout.
"""

from collections.abc import Callable
from pathlib import Path

import pytest
from huggingface_hub.utils import filter_repo_objects

from scripts.download_models import browser_patterns
from tests.model_factory import captioner_model, translator_model


def _repo_files(model: Path) -> list[str]:
    return sorted(
        p.relative_to(model).as_posix() for p in model.rglob("*") if p.is_file()
        and not p.name.startswith(".")
    )


def _selected(model: Path, dtype: str) -> set[str]:
    return set(filter_repo_objects(_repo_files(model), allow_patterns=browser_patterns(dtype)))


@pytest.mark.parametrize("model", [captioner_model, translator_model], ids=["caption", "nllb"])
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
