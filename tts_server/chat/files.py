"""Where a chat model's files are: a local folder, or the Hugging Face hub (its local cache).

A model id is used exactly as written in LEGENDA_CHAT_MODELS: an existing folder is read from
disk, anything else is a hub id that huggingface_hub downloads once and then reads from its
cache (offline with HF_HUB_OFFLINE=1).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

BYTES_PER = {"float32": 4, "float16": 2, "bfloat16": 2, "int8": 1}


class ModelUnavailable(Exception):
    """The model cannot be loaded here; the message names it and says why."""


def local_folder(model_id: str) -> Path | None:
    folder = Path(model_id).expanduser()
    return folder if folder.is_dir() else None


def model_file(model_id: str, name: str) -> Path | None:
    """The path of ``name`` in the model's repo or folder, or None when it has none."""
    folder = local_folder(model_id)
    if folder is not None:
        path = folder / name
        return path if path.is_file() else None
    from huggingface_hub import hf_hub_download

    try:
        return Path(hf_hub_download(model_id, name))
    except (OSError, ValueError):  # not in the repo, not cached offline, not a repo id
        return None


def onnx_bytes(path: Path) -> int:
    """An ONNX file's size with its external weights (``<name>.onnx_data`` / ``_data``)."""
    extra = [path.with_name(path.name + suffix) for suffix in ("_data", ".data")]
    return path.stat().st_size + sum(p.stat().st_size for p in extra if p.is_file())


def _safetensors_count(path: Path) -> int:
    """The number of weights in a safetensors file, from its header (nothing else is read)."""
    with path.open("rb") as stream:
        size = int.from_bytes(stream.read(8), "little")
        header = json.loads(stream.read(size))
    return sum(math.prod(t["shape"]) for name, t in header.items() if name != "__metadata__")


def parameter_count(model_id: str) -> int | None:
    """How many weights the model has: from its safetensors headers (one file or the shards of
    its index), else about, from the size of a float32 pytorch_model.bin (None: no files)."""
    index = model_file(model_id, "model.safetensors.index.json")
    if index is not None:
        shards = sorted(set(json.loads(index.read_text()).get("weight_map", {}).values()))
        paths = [model_file(model_id, shard) for shard in shards]
        if paths and all(p is not None for p in paths):
            return sum(_safetensors_count(p) for p in paths if p is not None)
    single = model_file(model_id, "model.safetensors")
    if single is not None:
        return _safetensors_count(single)
    legacy = model_file(model_id, "pytorch_model.bin")
    return legacy.stat().st_size // 4 if legacy is not None else None
