"""scripts/external_data.py: self-hosted models with their weights outside the graph.

On a copy of the tiny translator (the real repos' layout): every ONNX file gets its
``<file>.onnx_data``, config.json names them where Transformers.js reads it, and the split model
computes exactly what the one-piece model does (onnxruntime, the same encoder input).
"""

import json
import shutil
from pathlib import Path

import numpy as np
import onnxruntime as ort
import pytest

from scripts.external_data import CONFIG_KEY, CONFIG_SECTION, data_file, split_model
from tests.model_factory import translator_model


@pytest.fixture
def model_copy(tmp_path: Path) -> Path:
    """The tiny translator, copied (the cached original is shared by every test)."""
    return Path(shutil.copytree(translator_model(), tmp_path / "tiny-nllb", symlinks=False))


def _encode(model_file: Path) -> np.ndarray:
    session = ort.InferenceSession(str(model_file), providers=["CPUExecutionProvider"])
    ids = np.array([[5, 17, 42, 2]], dtype=np.int64)
    return np.asarray(session.run(None, {"input_ids": ids, "attention_mask": np.ones_like(ids)})[0])


def test_every_onnx_file_gets_its_data_file_and_config_names_them(model_copy: Path) -> None:
    onnx_files = sorted(p.name for p in (model_copy / "onnx").glob("*.onnx"))
    sizes = {name: (model_copy / "onnx" / name).stat().st_size for name in onnx_files}

    assert split_model(model_copy) == onnx_files

    for name in onnx_files:
        model_file = model_copy / "onnx" / name
        assert data_file(model_file).name == f"{name}_data"
        assert data_file(model_file).stat().st_size > 0
        assert model_file.stat().st_size < sizes[name]  # the graph, without its large weights
    config = json.loads((model_copy / "config.json").read_text())
    assert config[CONFIG_SECTION][CONFIG_KEY] == {name: 1 for name in onnx_files}
    assert config["model_type"] == "m2m_100"  # the rest of the config is kept


def test_the_split_model_computes_what_the_one_piece_model_does(model_copy: Path) -> None:
    encoder = model_copy / "onnx" / "encoder_model_quantized.onnx"
    before = _encode(encoder)
    split_model(model_copy)
    np.testing.assert_array_equal(_encode(encoder), before)


def test_splitting_again_keeps_the_files_and_the_config(model_copy: Path) -> None:
    split_model(model_copy)
    data = data_file(model_copy / "onnx" / "decoder_model_merged_quantized.onnx")
    written = data.stat().st_mtime_ns
    config = (model_copy / "config.json").read_text()

    split_model(model_copy)

    assert data.stat().st_mtime_ns == written
    assert (model_copy / "config.json").read_text() == config
