"""Saying a whole text with an engine: sentence by sentence, same voice, short pauses between."""

from __future__ import annotations

from collections.abc import Callable

from .audio import Samples, join_with_pauses
from .engines import Engine
from .text import split_sentences

ProgressCallback = Callable[[float], None]


def speak(
    engine: Engine, text: str, voice: str, on_progress: ProgressCallback | None = None,
    speed: float = 1.0,
) -> tuple[int, Samples]:
    """Synthesize ``text`` piece by piece (see text.py) at ``speed`` and join the pieces with
    pauses.

    ``on_progress`` is called with the fraction done after each piece.
    """
    pieces = split_sentences(text)
    if not pieces:
        raise ValueError("there is no text to say")
    rate = 0
    spoken: list[Samples] = []
    for index, piece in enumerate(pieces, start=1):
        piece_rate, samples = engine.synthesize(piece, voice, speed)
        if rate and piece_rate != rate:
            raise RuntimeError("the engine changed its sample rate between sentences")
        rate = piece_rate
        spoken.append(samples)
        if on_progress:
            on_progress(index / len(pieces))
    return rate, join_with_pauses(spoken, rate)
