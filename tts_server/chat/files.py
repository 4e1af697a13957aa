"""Where a chat model's files are: a local folder, or the Hugging Face hub (its local cache).

A model id is used exactly as written in LEGENDA_CHAT_MODELS: an existing folder is read from
disk, anything else is a hub id that huggingface_hub downloads once and then reads from its
cache (offline with HF_HUB_OFFLINE=1).
"""

from __future__ import annotations

import json
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


def parameter_count(model_id: str, stored_dtype: str) -> int | None:
    """About how many weights the model has, from its weight files' sizes (None: no files)."""
    index = model_file(model_id, "model.safetensors.index.json")
    if index is not None:
        total = json.loads(index.read_text()).get("metadata", {}).get("total_size")
        if total:
            return int(total) // BYTES_PER.get(stored_dtype, 4)
    for name in ("model.safetensors", "pytorch_model.bin"):
        path = model_file(model_id, name)
        if path is not None:
            return path.stat().st_size // BYTES_PER.get(stored_dtype, 4)
    return None
