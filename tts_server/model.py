"""The speech model of one process: its engine, its state (loading, ready, failed) and the one
way to say a text with it. The queue in this process and the job runner of a worker process load
it; the API of a Redis queue only learns its voices and follows the workers' state."""

from __future__ import annotations

import logging
import re
import threading
import time
from dataclasses import dataclass

from .audio import Samples
from .config import Config
from .engines import Engine, EngineUnavailable
from .metrics import Metrics
from .speech import ProgressCallback, speak
from .statuses import ModelStatus

log = logging.getLogger(__name__)




NOT_AVAILABLE = "The speech model is not available."


@dataclass
class ModelState:
    status: ModelStatus = ModelStatus.LOADING
    error: str | None = None


class SpeechModel:
    """``prepare_voices()`` (quick) or ``load()`` (voices, then weights) once, in a thread of
    its own; ``synthesize()`` many times once ready. Its state is read by /api/health."""

    def __init__(self, config: Config, engine: Engine, metrics: Metrics) -> None:
        self.config = config
        self.engine = engine
        self.metrics = metrics
        self.state = ModelState()
        self._prepared = threading.Event()  # the voices are known: requests can be queued
        self._loaded = threading.Event()  # the weights have loaded, or failed to

    def prepare_voices(self) -> bool:
        """Learn the voices only (the API of a Redis queue); False, and failed, when it cannot."""
        try:
            self.engine.prepare()
        except Exception as error:
            log.warning("the speech model's voices are not available: %s", error)
            self.settle(ModelState(ModelStatus.FAILED, hide_paths(str(error))))
            return False
        self._prepared.set()
        return True

    def follow(self, state: ModelState) -> None:
        """Take ``state`` from elsewhere (the workers of a Redis queue); settled once it is
        ready or failed."""
        self.state = state
        if state.status in (ModelStatus.READY, ModelStatus.FAILED):
            self._loaded.set()

    def settle(self, state: ModelState) -> None:
        self.state = state
        self._loaded.set()

    def load(self) -> None:
        """Learn the voices, then load the weights; the state says how it went."""
        if self.config.torch_threads and self.config.engine != "espeak":
            import torch

            torch.set_num_threads(self.config.torch_threads)
        started = time.monotonic()
        try:
            self.engine.prepare()
            self._prepared.set()
            self.engine.load()
        except EngineUnavailable as error:
            log.warning("the speech model is not available: %s", error)
            self.settle(ModelState(ModelStatus.FAILED, hide_paths(str(error))))
        except Exception:  # the server keeps serving and says why in /api/health
            log.exception("loading the speech model failed")
            self.settle(ModelState(ModelStatus.FAILED, self._unloadable()))
        else:
            seconds = time.monotonic() - started
            log.info(
                "speech model ready: %s %s on %s in %.1f s", self.config.engine,
                self.engine.model_id, self.engine.device, seconds,
            )
            self.metrics.model_load_seconds.set(seconds)
            self.settle(ModelState(ModelStatus.READY, None))

    def _unloadable(self) -> str:
        return (
            f"The {self.config.engine} model {hide_paths(self.engine.model_id)} could not "
            "be loaded (the speech server's log says why). Check LEGENDA_TTS_MODEL, or set "
            "LEGENDA_TTS_ENGINE=espeak, which needs no model."
        )

    @property
    def accepts_requests(self) -> bool:
        """True once the voices are known and the model has not failed (it may still load)."""
        return self._prepared.is_set() and self.state.status != ModelStatus.FAILED

    def wait_until_prepared(self, timeout: float | None = None) -> bool:
        """Block until the voices are known; False on timeout (or when preparing failed)."""
        return self._prepared.wait(timeout)

    def wait_until_loaded(self, timeout: float | None = None) -> bool:
        """Block until the model has loaded or failed; False on timeout."""
        return self._loaded.wait(timeout)

    def require(self) -> None:
        """Wait for the model to load; EngineUnavailable (saying why) when it failed."""
        self._loaded.wait()
        if self.state.status != ModelStatus.READY:
            raise EngineUnavailable(self.state.error or NOT_AVAILABLE)

    def synthesize(
        self, text: str, voice: str, speed: float, on_progress: ProgressCallback
    ) -> tuple[int, Samples]:
        started = time.perf_counter()
        rate, samples = speak(
            self.engine, text, voice, on_progress, max_calls=self.config.max_engine_calls,
            max_audio_s=self.config.max_audio_s, speed=speed,
        )
        self.metrics.synthesized(
            self.config.engine, time.perf_counter() - started, len(samples) / rate
        )
        return rate, samples


_LOCAL_PATH = re.compile(r"(?<![\w.:/])(?:~|\.{1,2})?(?:/[^\s/'\"(),;]+)+/?")


def hide_paths(text: str) -> str:
    """``text`` with local paths cut to their last part (answers never show where files are;
    the log keeps the whole text)."""
    return _LOCAL_PATH.sub(lambda m: "…/" + m.group(0).rstrip("/").rsplit("/", 1)[-1], text)
