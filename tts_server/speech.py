"""Saying a whole text with an engine: piece by piece, same voice, short pauses between.

An engine that can say several pieces in one call (``max_batch`` > 1: Bark) is given them in
batches of at most that many, in order; the others get one ``synthesize`` call per piece.

The work one text may cause is bounded: at most ``max_calls`` pieces (LEGENDA_MAX_ENGINE_CALLS;
a batch of k pieces counts k, as it does about k pieces' work) and ``max_audio_s`` seconds of
audio. Both are checked before the job is queued (``check_work``: the pieces, and the audio a
text that long takes at a brisk speaking rate) and again while it is said (an engine may say
more than the text: Bark babbles); the job's deadline (deadline.py) is checked before each call.
"""

from __future__ import annotations

from collections.abc import Callable

from . import deadline
from . import pieces as speech_pieces
from .audio import Samples, join_with_pauses
from .engines import Engine
from .text import split_sentences

ProgressCallback = Callable[[float], None]


class TooMuchWork(ValueError):
    """A text would cause more engine work than this server allows; the message is for people."""


def pieces_of(engine: Engine, text: str) -> list[str]:
    """The pieces ``text`` is said in by ``engine`` (packed to its natural chunk size)."""
    return split_sentences(text, engine.max_piece_chars)


# A brisk speaking rate: a text takes at least this many seconds per character to say.
_FAST_CHARS_PER_S = 20.0


def check_work(pieces: list[str], max_calls: int, max_audio_s: float) -> None:
    """TooMuchWork when saying ``pieces`` surely needs more calls or audio than allowed."""
    if len(pieces) > max_calls:
        raise TooMuchWork(
            f"This text needs {len(pieces)} pieces of speech; this server makes at most "
            f"{max_calls} per text (LEGENDA_MAX_ENGINE_CALLS). Send a shorter text or split it."
        )
    seconds = sum(len(piece) for piece in pieces) / _FAST_CHARS_PER_S
    if seconds > max_audio_s:
        raise TooMuchWork(_too_long(max_audio_s))


def _too_long(max_audio_s: float) -> str:
    return (
        f"This text makes more than {max_audio_s:g} s of audio, the most this server makes "
        "per text (LEGENDA_MAX_AUDIO_S). Send a shorter text or split it."
    )


def speak(
    engine: Engine, text: str, voice: str, on_progress: ProgressCallback | None = None,
    max_calls: int = 1_000_000, max_audio_s: float = float("inf"), speed: float = 1.0,
) -> tuple[int, Samples]:
    """Synthesize ``text`` piece by piece at ``speed`` and join the pieces with pauses.

    ``on_progress`` is called with the fraction of pieces done after each engine call (a batch
    reports its pieces at once); each piece goes to the thread's piece feed (pieces.py) as it
    is said. TooMuchWork when the text needs more than ``max_calls`` pieces
    or its audio runs past ``max_audio_s``; JobStopped when the current job's deadline passes.
    """
    pieces = pieces_of(engine, text)
    if not pieces:
        raise ValueError("there is no text to say")
    check_work(pieces, max_calls, max_audio_s)
    job_deadline = deadline.current()
    rate = 0
    seconds = 0.0
    spoken: list[Samples] = []
    for batch in batches(pieces, engine.max_batch if speed == 1.0 else 1):
        if job_deadline:
            job_deadline.check()
        for piece_rate, samples in _say(engine, batch, voice, speed):
            if rate and piece_rate != rate:
                raise RuntimeError("the engine changed its sample rate between sentences")
            rate = piece_rate
            seconds += len(samples) / rate
            if seconds > max_audio_s:
                raise TooMuchWork(_too_long(max_audio_s))
            spoken.append(samples)
            speech_pieces.publish(rate, samples)  # for answers streamed as it is made
        if on_progress:
            on_progress(len(spoken) / len(pieces))
    return rate, join_with_pauses(spoken, rate)


def batches(pieces: list[str], size: int) -> list[list[str]]:
    """``pieces`` in order, in as few groups of at most ``size`` as there can be, as even as
    that allows (5 pieces by at most 4: 3 + 2, the same two calls as 4 + 1 with a smaller
    largest batch)."""
    count = -(-len(pieces) // max(1, size))
    step, extra = divmod(len(pieces), count)
    groups, start = [], 0
    for index in range(count):
        end = start + step + (index < extra)
        groups.append(pieces[start:end])
        start = end
    return groups


def _say(engine: Engine, batch: list[str], voice: str, speed: float) -> list[tuple[int, Samples]]:
    if len(batch) > 1:
        return engine.synthesize_batch(batch, voice)
    # The speed goes to the engine only when one is asked for, so engines (and stand-ins)
    # that take (text, voice) work unchanged at the normal speed.
    if speed == 1.0:
        return [engine.synthesize(batch[0], voice)]
    return [engine.synthesize(batch[0], voice, speed)]
