"""The API side of the sidecar wired together: config, engine (through the model), audio store,
metrics and the queue its requests go to (a jobs.SpeechQueue: in this process, or on Redis).
One SpeechService per Flask app: ``service_of(app)``."""

from __future__ import annotations

import hashlib
import threading

from flask import Flask

from .config import Config, ConfigError
from .engines import make_engine
from .jobs import SpeechQueue
from .local_queue import LocalQueue
from .metrics import Metrics
from .model import SpeechModel
from .redis_queue import RedisQueue
from .s3store import S3AudioStore
from .store import AudioStore, StoreSetupError
from .text import normalize

_EXTENSION = "legenda"  # the key of the app's SpeechService in app.extensions


class UnknownChoice(ValueError):
    """A language or voice this server cannot speak; carries the valid choices."""

    def __init__(self, kind: str, value: str, choices: list[str]) -> None:
        super().__init__(f"unknown {kind} {value!r}")
        self.kind, self.value, self.choices = kind, value, choices


def make_store(config: Config) -> AudioStore | S3AudioStore:
    """S3 with LEGENDA_AUDIO_STORE, else the LEGENDA_AUDIO_DIR folder; ConfigError when it
    cannot be used."""
    try:
        if config.audio_store:
            return S3AudioStore(config)
        return AudioStore(config.audio_dir, config.audio_cache_bytes)
    except StoreSetupError as error:
        raise ConfigError(str(error)) from None


def make_queue(config: Config, model: SpeechModel, store: AudioStore | S3AudioStore,
               metrics: Metrics) -> SpeechQueue:
    """The queue on Redis with LEGENDA_QUEUE_URL, else the queue in this process."""
    if config.queue_url:
        return RedisQueue(
            config.queue_url, model, store, config.queue_size, config.job_timeout_s,
            config.job_retries,
        )
    return LocalQueue(
        model, store, queue_size=config.queue_size, threads=config.synthesis_threads,
        events=metrics, job_timeout_s=config.job_timeout_s,
    )


class SpeechService:
    """What the API's routes use: the settings, the model (its engine and state), the audio
    store, the metrics, the queue, the ``?wait=`` slots, and which voice a request means."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.metrics = Metrics()
        self.engine = make_engine(config)
        self.model = SpeechModel(config, self.engine, self.metrics)
        # ?wait= requests holding an HTTP thread at once (the others answer without waiting).
        self.long_polls = threading.BoundedSemaphore(config.max_long_polls or 1)
        if not config.max_long_polls:
            self.long_polls.acquire()  # 0: nobody waits
        self.store = make_store(config)
        self.queue = make_queue(config, self.model, self.store, self.metrics)
        self.metrics.track_queue(self.queue.depth)
        self.metrics.track_model(config.engine, lambda: self.model.state.status)

    def install(self, app: Flask) -> None:
        """Make this the service of ``app`` (see ``service_of``)."""
        app.extensions[_EXTENSION] = self

    def start(self) -> None:
        """Start the queue: it gets the model ready in the background (or follows the worker
        processes' model state)."""
        self.queue.start()

    def close(self) -> None:
        """Take no more work, give the running job LEGENDA_SHUTDOWN_GRACE_S, then stop it."""
        self.queue.stop(self.config.shutdown_grace_s)

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
