"""The sidecar's moving parts wired together: config, engine (loaded in the background),
audio store and job queue. One SpeechService per Flask app: ``service_of(app)``."""

from __future__ import annotations

import hashlib
import logging
import re
import threading
import time
from dataclasses import dataclass

from flask import Flask

from .audio import Samples
from .config import Config, ConfigError
from .engines import EngineUnavailable, make_engine
from .jobs import QueueUnavailable, SpeechJobs
from .metrics import Metrics
from .redis_queue import RedisJobs
from .s3store import S3AudioStore
from .speech import ProgressCallback, speak
from .store import AudioStore, StoreSetupError
from .text import normalize

log = logging.getLogger(__name__)

LOADING, READY, FAILED = "loading", "ready", "failed"
NO_WORKER = (
    "No speech worker is running yet: requests wait in the queue until one starts "
    "(`python -m tts_server.worker`, with the same LEGENDA_* settings)."
)
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


def make_store(config: Config) -> AudioStore | S3AudioStore:
    """S3 with LEGENDA_AUDIO_STORE, else the LEGENDA_AUDIO_DIR folder."""
    if config.audio_store:
        return S3AudioStore(config)
    return AudioStore(config.audio_dir, config.audio_cache_bytes)


def workers_state(states: list[dict[str, str]]) -> ModelState:
    """The model state of a Redis queue's workers, as one: ready when any is ready."""
    found = {state.get("status") for state in states}
    if READY in found:
        return ModelState(READY, None)
    if LOADING in found:
        return ModelState(LOADING, None)
    if states:
        return ModelState(FAILED, states[0].get("error") or "The speech model is not available.")
    return ModelState(LOADING, NO_WORKER)


class SpeechService:
    """Three roles: embedded (jobs run in this process: the default), API of a Redis queue
    (``LEGENDA_QUEUE_URL``: this process only validates, enqueues and answers; the model state
    is the workers'), and worker (``worker=True``: tts_server.worker runs the queue's jobs)."""

    def __init__(self, config: Config, worker: bool = False) -> None:
        self.config = config
        self.worker = worker
        self._closed = threading.Event()
        self.engine = make_engine(config)
        self.state = ModelState()
        self._prepared = threading.Event()  # the voices are known: requests can be queued
        self._loaded = threading.Event()  # the weights have loaded, or failed to
        self.metrics = Metrics()
        # ?wait= requests holding an HTTP thread at once (the others answer without waiting).
        self.long_polls = threading.BoundedSemaphore(config.max_long_polls or 1)
        if not config.max_long_polls:
            self.long_polls.acquire()  # 0: nobody waits
        try:
            self.store = make_store(config)
        except StoreSetupError as error:
            raise ConfigError(str(error)) from None
        self.jobs: SpeechJobs | RedisJobs
        if config.queue_url:
            self.jobs = RedisJobs(
                config.queue_url, self.store, config.queue_size, config.job_timeout_s,
                config.job_retries,
            )
        else:
            self.jobs = SpeechJobs(
                self.synthesize,
                self.store,
                queue_size=config.queue_size,
                workers=config.workers,
                before_each=self.require_model,
                events=self.metrics,
                job_timeout_s=config.job_timeout_s,
            )
        self.metrics.track_queue(self.jobs.depth)
        self.metrics.track_model(config.engine, lambda: self.state.status)

    def install(self, app: Flask) -> None:
        """Make this the service of ``app`` (see ``service_of``)."""
        app.extensions[_EXTENSION] = self

    def start(self) -> None:
        """Start loading the model in the background and start the workers; the API of a
        Redis queue learns the voices and then follows the workers' model state."""
        if self.config.queue_url and not self.worker:
            target = self._follow_workers
        else:
            target = self.load_model
        threading.Thread(target=target, name="speech-model-loader", daemon=True).start()
        self.jobs.start()

    def close(self) -> None:
        """Take no more work, give the running job LEGENDA_SHUTDOWN_GRACE_S, then stop it."""
        self._closed.set()
        self.jobs.stop(self.config.shutdown_grace_s)

    def _follow_workers(self) -> None:
        assert isinstance(self.jobs, RedisJobs)
        try:
            self.engine.prepare()
        except Exception as error:
            log.warning("the speech model's voices are not available: %s", error)
            self.state = ModelState(FAILED, hide_paths(str(error)))
            self._loaded.set()
            return
        self._prepared.set()
        while True:
            try:
                self.state = workers_state(self.jobs.worker_states())
            except QueueUnavailable as error:  # Redis away: say so, keep answering, try again
                self.state = ModelState(LOADING, str(error))
            if self.state.status in (READY, FAILED):
                self._loaded.set()
            if self._closed.wait(1.0):
                return

    def load_model(self) -> None:
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
            self.state = ModelState(FAILED, hide_paths(str(error)))
        except Exception:  # the server keeps serving and says why in /api/health
            log.exception("loading the speech model failed")
            self.state = ModelState(
                FAILED,
                f"The {self.config.engine} model {hide_paths(self.engine.model_id)} could not "
                "be loaded (the speech server's log says why). Check LEGENDA_TTS_MODEL, or set "
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

    def require_model(self) -> None:
        self._loaded.wait()
        if self.state.status != READY:
            raise EngineUnavailable(self.state.error or "The speech model is not available.")

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


_LOCAL_PATH = re.compile(r"(?<![\w.:/])(?:~|\.{1,2})?(?:/[^\s/'\"(),;]+)+/?")


def hide_paths(text: str) -> str:
    """``text`` with local paths cut to their last part (answers never show where files are;
    the log keeps the whole text)."""
    return _LOCAL_PATH.sub(lambda m: "…/" + m.group(0).rstrip("/").rsplit("/", 1)[-1], text)


def service_of(app: Flask) -> SpeechService:
    """The SpeechService that ``create_app`` installed in ``app``."""
    return app.extensions[_EXTENSION]  # type: ignore[no-any-return]
