"""ONNX files as Transformers.js loads them: ``onnx/<part>.onnx`` and ``<part>_quantized.onnx``.

Shared by the encoder-decoder builders (captioner, translator). The hub repos converted for
Transformers.js hold one file per part and dtype; dtype ``fp32`` loads ``<part>.onnx`` and
``q8`` loads ``<part>_quantized.onnx``.
"""

from __future__ import annotations

import shutil
import tempfile
import warnings
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING
from unittest import mock

if TYPE_CHECKING:
    import onnx

# The parts an encoder-decoder pipeline of Transformers.js opens.
ENCODER_DECODER_PARTS = ("encoder_model", "decoder_model_merged")


def export_onnx(
    checkpoint: Path, model_dir: Path, task: str, parts: Iterable[str] = ENCODER_DECODER_PARTS
) -> None:
    """Export the PyTorch checkpoint in ``checkpoint`` and keep ``parts`` in ``model_dir/onnx``."""
    from optimum.exporters.onnx import main_export  # heavy import: only when building

    onnx_dir = model_dir / "onnx"
    onnx_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="legenda-export-") as tmp:
        # Tracing a model always warns (TracerWarning on shape-dependent Python branches); those
        # are the exporter's business, and pytest would turn them into errors.
        with warnings.catch_warnings(), _saving_large_models():
            warnings.simplefilter("ignore")
            main_export(
                str(checkpoint), output=tmp, task=task, do_validation=False, local_files_only=True
            )
        for part in parts:
            # A part over protobuf's 2 GB limit comes with its weights in <part>.onnx_data.
            for produced in Path(tmp).glob(f"{part}.onnx*"):
                shutil.move(produced, onnx_dir / produced.name)


# protobuf serializes at most 2 GiB; a model with more weights than this is saved with external
# data (a margin for the graph itself).
_PROTOBUF_WEIGHTS = 1_800_000_000


@contextmanager
def _saving_large_models() -> Iterator[None]:
    """Let optimum save a merged decoder over protobuf's 2 GB limit.

    optimum 2.1's ``check_and_save_model`` (which saves the decoder it merges, and the parts it
    de-duplicates) starts with ``model.ByteSize()``, which protobuf refuses over 2 GB: at full
    size NLLB-600M's merged decoder failed with "Unable to merge decoders" there, with or
    without FORCE_ONNX_EXTERNAL_DATA. Models that large are saved here with their weights in
    ``<name>_data`` (the product's own save, the name optimum itself writes when the data is
    external) and checked by path; smaller ones go through optimum's own function.
    """
    import onnx
    from optimum.exporters.onnx import convert
    from optimum.onnx import graph_transformations

    from scripts.external_data import save_with_weights_outside

    optimums_own = graph_transformations.check_and_save_model

    def check_and_save(model: onnx.ModelProto, save_path: str | Path | None) -> None:
        if save_path is None or _weight_bytes(model) < _PROTOBUF_WEIGHTS:
            optimums_own(model, save_path)
            return
        save_with_weights_outside(model, Path(save_path), convert_attribute=True)
        onnx.checker.check_model(str(save_path))  # by path: the checker reads external data

    with (
        mock.patch.object(graph_transformations, "check_and_save_model", check_and_save),
        mock.patch.object(convert, "check_and_save_model", check_and_save),
    ):
        yield


def _weight_bytes(model: onnx.ModelProto) -> int:
    """The bytes of the weights held in the proto (top graph; subgraphs hold only scalars)."""
    return sum(len(tensor.raw_data) for tensor in model.graph.initializer)


def store_weights_outside(model_dir: Path, part: str) -> None:
    """Keep ``onnx/<part>.onnx``'s weights in ``<part>.onnx_data``, the name Transformers.js
    asks for when a model uses external data (the product's own function, which `make models`
    applies to self-hosted models).

    A merged decoder at full size is over protobuf's 2 GB limit, so it must be stored this way;
    the builders apply it whatever the size, so a reduced-size build runs the same code.
    """
    from scripts.external_data import store_weights_outside as store

    store(model_dir / "onnx" / f"{part}.onnx")


def quantize_parts(model_dir: Path, parts: Iterable[str] = ENCODER_DECODER_PARTS) -> None:
    """Write ``<part>_quantized.onnx`` next to each ``<part>.onnx``, as Transformers.js's q8."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    onnx_dir = model_dir / "onnx"
    for part in parts:
        source = onnx_dir / f"{part}.onnx"
        has_conv = any(node.op_type == "Conv" for node in onnx.load(source).graph.node)
        quantize_dynamic(
            source,
            onnx_dir / f"{part}_quantized.onnx",
            # ONNX Runtime's ConvInteger only takes uint8; the rest is int8 like the hub files.
            weight_type=QuantType.QUInt8 if has_conv else QuantType.QInt8,
            extra_options={
                # The merged decoder keeps its two branches (with/without past) in If subgraphs.
                "EnableSubgraph": True,
                # Only weights: quantizing activation x activation products (attention) is lossy.
                "MatMulConstBOnly": True,
            },
        )
