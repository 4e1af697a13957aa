"""The sidecar's moving parts wired together: config, engine (loaded in the background),
audio store and job queue. One SpeechService per Flask app: ``service_of(app)``."""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from dataclasses import dataclass

from flask import Flask

from .audio import Samples
from .config import Config
from .engines import EngineUnavailable, make_engine
from .jobs import SpeechJobs
from .metrics import Metrics
from .speech import ProgressCallback, speak
from .store import AudioStore
from .text import normalize

log = logging.getLogger(__name__)

LOADING, READY, FAILED = "loading", "ready", "failed"
_EXTENSION = "legenda"  # the key of the app's SpeechService in app.extensions


class UnknownChoice(ValueError):
    """A language or voice this server cannot speak; carries the valid choices."""

    def __init__(self, kind: str, value: str, choices: list[str]) -> None:
        super().__init__(f"unknown {kind} {value!r}")
        self.kind, self.value, self.choices = kind, value, choices


@dataclass
class ModelState:
    status: str = LOADING
    error: str | None = None


class SpeechService:
    def __init__(self, config: Config) -> None:
        self.config = config
        self.engine = make_engine(config)
        self.state = ModelState()
        self._prepared = threading.Event()  # the voices are known: requests can be queued
        self._loaded = threading.Event()  # the weights have loaded, or failed to
        self.metrics = Metrics()
        self.store = AudioStore(config.audio_dir, config.audio_cache_bytes)
        self.jobs = SpeechJobs(
            self._synthesize,
            self.store,
            queue_size=config.queue_size,
            workers=config.workers,
            before_each=self._require_model,
            events=self.metrics,
        )
        self.metrics.track_queue(self.jobs.depth)
        self.metrics.track_model(config.engine, lambda: self.state.status)

    def install(self, app: Flask) -> None:
        """Make this the service of ``app`` (see ``service_of``)."""
        app.extensions[_EXTENSION] = self

    def start(self) -> None:
        """Start loading the model in the background and start the workers."""
        threading.Thread(target=self._load, name="speech-model-loader", daemon=True).start()
        self.jobs.start()

    def close(self) -> None:
        self.jobs.stop()

    def _load(self) -> None:
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
            self.state = ModelState(FAILED, str(error))
        except Exception as error:  # the server keeps serving and says why in /api/health
            log.exception("loading the speech model failed")
            self.state = ModelState(
                FAILED,
                f"The {self.config.engine} model {self.engine.model_id} could not be loaded "
                f"({normalize(str(error))[:200]}). Check LEGENDA_TTS_MODEL, or set "
                "LEGENDA_TTS_ENGINE=espeak, which needs no model.",
            )
        else:
            seconds = time.monotonic() - started
            log.info(
                "speech model ready: %s %s on %s in %.1f s", self.config.engine,
                self.engine.model_id, self.engine.device, seconds,
            )
            self.metrics.model_load_seconds.set(seconds)
            self.state = ModelState(READY, None)
        finally:
            self._loaded.set()

    @property
    def accepts_requests(self) -> bool:
        """True once the voices are known and the model has not failed (it may still load)."""
        return self._prepared.is_set() and self.state.status != FAILED

    def wait_until_prepared(self, timeout: float | None = None) -> bool:
        """Block until the voices are known; False on timeout (or when preparing failed)."""
        return self._prepared.wait(timeout)

    def wait_until_loaded(self, timeout: float | None = None) -> bool:
        """Block until the model has loaded or failed; False on timeout."""
        return self._loaded.wait(timeout)

    def _require_model(self) -> None:
        self._loaded.wait()
        if self.state.status != READY:
            raise EngineUnavailable(self.state.error or "The speech model is not available.")

    def _synthesize(
        self, text: str, voice: str, speed: float, on_progress: ProgressCallback
    ) -> tuple[int, Samples]:
        started = time.perf_counter()
        rate, samples = speak(self.engine, text, voice, on_progress, speed)
        self.metrics.synthesized(
            self.config.engine, time.perf_counter() - started, len(samples) / rate
        )
        return rate, samples

    def languages(self) -> dict[str, list[str]]:
        return self.engine.voices()

    def default_lang(self) -> str:
        """The language of requests without one: the configured language when this server
        speaks it, else its first (a VITS model speaks only the one its id names)."""
        languages = self.languages()
        if self.config.lang in languages:
            return self.config.lang
        return next(iter(languages), self.config.lang)

    def resolve_voice(self, lang: str | None, voice: str | None) -> tuple[str, str]:
        """The (language, voice) a request means; raise UnknownChoice for ones not offered.

        Without a language the voice's own language is used, else ``default_lang()``.
        A regional code falls back to its language (``pt-BR`` -> ``pt``).
        """
        languages = self.languages()
        if lang is not None:
            lang = lang.lower().replace("_", "-")
            if lang not in languages and lang.split("-")[0] in languages:
                lang = lang.split("-")[0]
        if lang is None:
            lang = next((code for code, names in languages.items() if voice in names), None)
            lang = lang or self.default_lang()
        if lang not in languages:
            raise UnknownChoice("language", lang, sorted(languages))
        if voice is None:
            return lang, self.engine.default_voice(lang)
        if voice not in languages[lang]:
            raise UnknownChoice("voice", voice, languages[lang])
        return lang, voice

    def speech_id(self, voice: str, text: str, speed: float = 1.0) -> str:
        """Same engine, model, voice, text and speed -> same id (and so the same job and file)."""
        parts = [self.config.engine, self.engine.model_id, voice, normalize(text)]
        if speed != 1.0:  # ids of normal-speed speech stay what they were
            parts.append(f"speed={speed:g}")
        key = "\0".join(parts)
        return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


def service_of(app: Flask) -> SpeechService:
    """The SpeechService that ``create_app`` installed in ``app``."""
    return app.extensions[_EXTENSION]  # type: ignore[no-any-return]
