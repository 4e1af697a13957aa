"""A cache of generated test models, keyed on everything that shapes them.

Building a tiny model takes seconds; tests ask for the same models again and again, so each is
built once into ``LEGENDA_TEST_MODEL_CACHE`` (default ``~/.cache/legenda/test-models``) under a key
made of the model id, the source of the module that builds it and the library versions that
write it. Change any of those and the model is built afresh.
"""

from __future__ import annotations

import hashlib
import inspect
import os
import shutil
import tempfile
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from types import ModuleType

CACHE_ROOT = Path(
    os.environ.get("LEGENDA_TEST_MODEL_CACHE", Path.home() / ".cache" / "legenda" / "test-models")
)
# Libraries whose version changes what lands on disk.
_VERSIONED = (
    "torch", "transformers", "optimum", "optimum-onnx", "onnx", "onnxruntime", "tokenizers",
)
_DONE_MARKER = ".complete"


def _versions() -> str:
    found = []
    for name in _VERSIONED:
        try:
            found.append(f"{name}=={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            found.append(f"{name}==absent")
    return ";".join(found)


def cache_key(
    model_id: str, builder_module: ModuleType, helpers: tuple[ModuleType, ...] = ()
) -> str:
    """A short hash of the model id, its builder's (and helpers') source and library versions."""
    digest = hashlib.sha256()
    sources = [inspect.getsource(module) for module in (builder_module, *helpers)]
    for part in (model_id, *sources, _versions()):
        digest.update(part.encode())
        digest.update(b"\0")
    return digest.hexdigest()[:16]


def cached_model(
    model_id: str,
    builder_module: ModuleType,
    build: Callable[[Path], None],
    helpers: tuple[ModuleType, ...] = (),
    root: Path | None = None,
) -> Path:
    """Return ``<cache>/<key>/<model_id>``, calling ``build(folder)`` first if it is not there.

    ``helpers`` are further modules whose code shapes the model (shared export code, say);
    ``root`` another cache folder than ``CACHE_ROOT`` (the full-size twins have their own).
    The model is built in a temporary folder and renamed into place, so an interrupted build
    never leaves a half-written model behind.
    """
    key_dir = (root or CACHE_ROOT) / cache_key(model_id, builder_module, helpers)
    target = key_dir / model_id
    if (target / _DONE_MARKER).exists():
        return target
    key_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=key_dir, prefix=".build-") as tmp:
        staging = Path(tmp) / "model"
        staging.mkdir()
        build(staging)
        (staging / _DONE_MARKER).write_text(model_id + "\n")
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists():  # a stale, incomplete copy from an interrupted run
            shutil.rmtree(target)
        staging.rename(target)
    return target
