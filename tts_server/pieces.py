"""A job's speech as it is made, piece by piece, for answers that send it as it comes.

Each job (jobs.Job) carries a PieceFeed. While a worker makes the job's audio (jobs.make_audio),
the feed is the thread's current one, and speech.speak hands it every piece it says, in order,
with ``publish``; readers in other threads (openai_api.py streams them) take the pieces past the
ones they have with ``wait_for``. The feed ends with the job's audio stored (``ok``) or with a
failure (its pieces are dropped then: nobody can use half a failed text).

Pieces exist only in the process that makes them: an API process of a Redis queue never sees
its workers' pieces, and answers from the stored audio instead.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from .audio import Samples

Piece = tuple[int, Samples]  # (sample rate, samples)

_current = threading.local()


class PieceFeed:
    """The pieces of one job's speech, in order, as they are made."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._pieces: list[Piece] = []
        self.ended = False
        self.ok = False  # the job's audio was stored (only meaningful once ended)

    def add(self, rate: int, samples: Samples) -> None:
        with self._changed:
            self._pieces.append((rate, samples))
            self._changed.notify_all()

    def end(self, ok: bool) -> None:
        with self._changed:
            self.ended, self.ok = True, ok
            if not ok:
                self._pieces.clear()
            self._changed.notify_all()

    def wait_for(self, have: int, timeout: float) -> list[Piece]:
        """The pieces after the first ``have``, waiting up to ``timeout`` seconds for one
        (or for the end) when there is none yet."""
        with self._changed:
            self._changed.wait_for(lambda: len(self._pieces) > have or self.ended, timeout)
            return self._pieces[have:]

    @contextmanager
    def feeding(self) -> Iterator[PieceFeed]:
        """Make this the thread's current feed (``publish`` adds to it); on leaving, end it:
        ``ok`` unless an exception left the block."""
        _current.feed = self
        ok = False
        try:
            yield self
            ok = True
        finally:
            _current.feed = None
            self.end(ok)


def publish(rate: int, samples: Samples) -> None:
    """Hand a piece just said to the current thread's feed, if it has one."""
    feed: PieceFeed | None = getattr(_current, "feed", None)
    if feed is not None:
        feed.add(rate, samples)
