"""Speech engines behind one interface (base.Engine); ``make_engine`` picks one from the config."""

from __future__ import annotations

from ..config import Config
from .base import PAGE_LANGUAGES, Engine, EngineUnavailable

__all__ = ["PAGE_LANGUAGES", "Engine", "EngineUnavailable", "make_engine"]


def make_engine(config: Config) -> Engine:
    """The engine named by ``config.engine``. Torch engines are imported only when chosen."""
    if config.engine == "espeak":
        from .espeak import EspeakEngine

        return EspeakEngine(config)
    if config.engine == "vits":
        from .vits import VitsEngine

        return VitsEngine(config)
    from .bark import BarkEngine

    return BarkEngine(config)
