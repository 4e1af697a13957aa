"""The one interface every speech engine implements."""

from __future__ import annotations

import re
from abc import ABC, abstractmethod

from ..audio import Samples
from ..config import Config
from ..text import MAX_PIECE_CHARS

# The codes of the languages the page offers (its table: web/settings-schema.json; a test
# keeps the two equal); an engine lists the ones it can speak.
PAGE_LANGUAGES = ("pt", "en", "es", "fr", "de", "it", "pl", "ru", "tr", "zh", "ja", "ko", "hi")


class EngineUnavailable(RuntimeError):
    """The engine cannot run; the message says why and what to do, for a person."""


class Engine(ABC):
    """A speech engine: ``prepare()`` (quick: learns the voices), ``load()`` (slow: weights),
    then ``synthesize()`` many times. Requests are accepted once the voices are known and wait
    in the queue while the weights load.

    ``synthesize`` is given one piece of text at a time, at most ``max_piece_chars`` long (see
    text.py), a voice that ``voices()`` listed and a speed (1.0 = normal; other values only when
    ``supports_speed``); it returns ``(sample_rate, float32 samples in [-1, 1])``. Work that may
    outlast the job's deadline should register a way to stop it with
    ``deadline.current().on_stop`` (see deadline.py).
    """

    # The engine's natural chunk: the most text one call says well (Bark: ~14 s of speech).
    max_piece_chars = MAX_PIECE_CHARS
    supports_speed = False  # True when synthesize() can speak faster or slower
    # The most pieces one synthesize_batch() call is given; 1: speech.py calls synthesize().
    max_batch = 1

    def __init__(self, config: Config) -> None:
        self.config = config
        self.model_id = config.model_id
        self.device = "cpu"
        self._voices: dict[str, list[str]] = {}  # filled by prepare()

    @abstractmethod
    def prepare(self) -> None:
        """Fill ``self._voices`` (no weights); raise EngineUnavailable with a reason for people."""

    @abstractmethod
    def load(self) -> None:
        """Load the model; raise EngineUnavailable with a reason a person understands."""

    def voices(self) -> dict[str, list[str]]:
        """Voices by language code, each list best first. Valid after ``prepare()``."""
        return self._voices

    @abstractmethod
    def synthesize(self, text: str, voice: str, speed: float = 1.0) -> tuple[int, Samples]:
        """Say ``text`` with ``voice`` at ``speed``: ``(sample_rate, samples)``."""

    def synthesize_batch(self, texts: list[str], voice: str) -> list[tuple[int, Samples]]:
        """Say each of ``texts`` (at most ``max_batch``) with ``voice`` at the normal speed, each
        as ``synthesize`` would; an engine that can say several in one call overrides this."""
        return [self.synthesize(text, voice) for text in texts]

    def default_voice(self, lang: str) -> str:
        """The configured voice when it speaks ``lang``, else the first voice of ``lang``."""
        choices = self.voices().get(lang, [])
        if self.config.voice in choices:
            return self.config.voice
        if not choices:
            raise KeyError(lang)
        return choices[0]


def natural_key(text: str) -> list[object]:
    """Sort key that puts speaker_2 before speaker_10."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", text)]
