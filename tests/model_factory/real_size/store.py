"""Where the full-size twins are cached: their own folder, apart from the tiny test models.

``LEGENDA_BENCH_MODEL_CACHE`` (default ``~/.cache/legenda/bench-models``); each twin lives under
``<cache>/<key>/legenda-twin/<real name>``, the hub layout, keyed like the tiny models on the
builder's source, its helpers', the spec and the library versions.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

from tests.model_factory.cache import cached_model

TWIN_ORG = "legenda-twin"
BENCH_CACHE = Path(
    os.environ.get("LEGENDA_BENCH_MODEL_CACHE", Path.home() / ".cache" / "legenda" / "bench-models")
)


def twin(
    model_id: str,
    builder: ModuleType,
    build: Callable[[Path], None],
    spec: object,
    helpers: tuple[ModuleType, ...] = (),
) -> Path:
    """``cached_model`` in the bench cache, under a folder named after ``spec``'s hash, so a
    reduced-size build (a check) never stands in for the full-size one."""
    spec_key = hashlib.sha256(repr(spec).encode()).hexdigest()[:8]
    return cached_model(model_id, builder, build, helpers, root=BENCH_CACHE / spec_key)
