"""Store a model's ONNX weights outside its graph (ONNX external data), for self-hosting.

A model file in one piece (the hub's layout) is copied whole into ONNX Runtime's WebAssembly
heap, parsed there and turned into weights, so the largest file is in the heap more than once
while its session is made (at real size the heap ended 1.09 GB above the weights), and a
WebAssembly memory never shrinks. With the weights in
``<file>.onnx_data`` ONNX Runtime reads each weight straight from the fetched data instead:
at real size the renderer's peak fell from 4.2 to 2.8 GB (plain Transformers.js worker) and
from 4.5 to 3.4 GB (the page's worker), the same speed (docs/performance.md, "Memory").

Transformers.js loads ``<file>.onnx_data`` when the model's config.json says so
(``transformers.js_config.use_external_data_format``, per file); this writes both.

    python scripts/external_data.py models/Xenova/nllb-200-distilled-600M
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import onnx

# Tensors under this many bytes stay in the graph (shapes, scalars): only weights move out.
SIZE_THRESHOLD = 1024
# Where Transformers.js 4.x reads which files have external data.
CONFIG_SECTION = "transformers.js_config"
CONFIG_KEY = "use_external_data_format"


def data_file(model_file: Path) -> Path:
    """The external data's name, as Transformers.js asks for it: ``<file>.onnx_data``."""
    return model_file.with_name(f"{model_file.name}_data")


def store_weights_outside(model_file: Path, dest: Path | None = None) -> None:
    """Rewrite ``model_file`` (or write ``dest``) with its weights in one data file beside it,
    ``data_file(...)``."""
    import onnx  # heavy: only when converting

    model = onnx.load(model_file)  # weights already outside come back into memory
    save_with_weights_outside(model, dest or model_file)


def save_with_weights_outside(
    model: onnx.ModelProto, dest: Path, convert_attribute: bool = False
) -> None:
    """Save ``model`` as ``dest`` with its weights in ``data_file(dest)`` (replacing any data
    file there); ``convert_attribute`` moves large attribute tensors out too, as optimum does.
    Works whatever the size: protobuf's 2 GB limit then applies to the graph alone."""
    import onnx

    for old in dest.parent.glob(f"{dest.name}_data*"):
        old.unlink()
    onnx.save_model(
        model, dest, save_as_external_data=True, all_tensors_to_one_file=True,
        location=data_file(dest).name, size_threshold=SIZE_THRESHOLD,
        convert_attribute=convert_attribute,
    )


def split_model(model_dir: Path) -> list[str]:
    """Every ``onnx/*.onnx`` of ``model_dir`` with its weights outside, and config.json saying
    so; files already split are kept as they are. Returns the files that have external data."""
    split = []
    for model_file in sorted((model_dir / "onnx").glob("*.onnx")):
        if not data_file(model_file).exists():
            store_weights_outside(model_file)
        split.append(model_file.name)
    _record(model_dir / "config.json", split)
    return split


def _record(config_file: Path, split: list[str]) -> None:
    config = json.loads(config_file.read_text(encoding="utf-8"))
    section = config.setdefault(CONFIG_SECTION, {})
    known = section.get(CONFIG_KEY)
    layout = dict(known) if isinstance(known, dict) else {}
    layout.update({name: 1 for name in split})
    section[CONFIG_KEY] = layout
    # A link (the test models are linked folders) is replaced by a file, never written through.
    config_file.unlink()
    config_file.write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model_dirs", nargs="+", type=Path, metavar="MODEL_DIR")
    for model_dir in parser.parse_args().model_dirs:
        names = split_model(model_dir)
        print(f"{model_dir}: weights outside the graph in {', '.join(names) or 'no ONNX file'}")


if __name__ == "__main__":
    main()
