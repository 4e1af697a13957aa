"""The chat server's state in one object: models, slots and metrics (``chat_of(app)``)."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask
from prometheus_client import CollectorRegistry

from ..config import Config
from .metrics import ChatMetrics
from .models import MB, ModelCache
from .slots import Slots

_EXTENSION = "legenda.chat"


class ChatService:
    def __init__(self, config: Config, registry: CollectorRegistry) -> None:
        self.config = config
        self.models = ModelCache(config)
        self.slots = Slots(config.chat_slots, config.chat_wait_s)
        self.metrics = ChatMetrics(registry, config.chat_models)
        self.models.on_change = lambda model, loaded: self.metrics.loaded.labels(model).set(
            1 if loaded else 0
        )
        self._waiting: Counter[str] = Counter()
        self._lock = threading.Lock()

    def install(self, app: Flask) -> None:
        app.extensions[_EXTENSION] = self

    @contextmanager
    def waiting(self, model: str) -> Iterator[None]:
        with self._lock:
            self._waiting[model] += 1
        self.metrics.waiting.labels(model).inc()
        try:
            yield
        finally:
            with self._lock:
                self._waiting[model] -= 1
            self.metrics.waiting.labels(model).dec()

    def describe(self, model_id: str) -> dict[str, Any]:
        """/v1/models' entry for a model: OpenAI's fields, and whether (how) it is loaded."""
        loaded = self.models.loaded().get(model_id)
        entry: dict[str, Any] = {
            "id": model_id, "object": "model", "created": 0, "owned_by": "legenda",
            "loaded": loaded is not None,
        }
        if loaded is not None:
            engine = loaded.engine
            entry.update(engine=engine.name, dtype=engine.dtype, device=engine.device,
                         memory_mb=round(engine.bytes / MB, 1))
        return entry

    def health(self) -> dict[str, Any]:
        loaded = self.models.loaded()
        return {
            "models": list(self.config.chat_models),
            "loaded": [self.describe(m) for m in loaded],
            "engine": self.config.chat_engine,
            "dtype": self.config.chat_dtype,
            "memory_mb": {
                "budget": self.config.chat_memory_mb,
                "used": round(sum(m.engine.bytes for m in loaded.values()) / MB, 1),
            },
            "slots": self.slots.count,
            "running": self.slots.running,
            "waiting": sum(self._waiting.values()),
        }

    def close(self) -> None:
        self.models.close()


def chat_of(app: Flask) -> ChatService:
    return app.extensions[_EXTENSION]  # type: ignore[no-any-return]
