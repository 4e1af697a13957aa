"""Text generation on the sidecar: OpenAI's chat completions API for the course's chat models.

``install_chat(app, config, registry)`` adds ``POST /v1/chat/completions`` and
``GET /v1/models`` (routes.py) over the models of LEGENDA_CHAT_MODELS (models.py: loaded on
first use, LRU within LEGENDA_CHAT_MEMORY_MB), run by an engine (engines.py: transformers +
torch; ort_engine.py: onnxruntime on the browser's ONNX files) through one generation loop
(generate.py), at most LEGENDA_CHAT_SLOTS at once (slots.py), with Prometheus metrics
(metrics.py). See tts_server/README.md, "Chat".
"""

from __future__ import annotations

from flask import Flask
from prometheus_client import CollectorRegistry

from ..config import Config
from .routes import bp
from .service import ChatService, chat_of

__all__ = ["ChatService", "chat_of", "install_chat"]


def install_chat(app: Flask, config: Config, registry: CollectorRegistry) -> ChatService:
    service = ChatService(config, registry)
    service.install(app)
    app.register_blueprint(bp)
    return service
