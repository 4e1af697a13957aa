"""Token ids to text as they come: whole characters only, and the ``stop`` strings cut out.

Decoding each new token alone loses what depends on its neighbours (the spaces of
sentencepiece, a character split over byte tokens), so :class:`Detokenizer` decodes a short
window ending at the new token and returns what it adds (the way text-generation-inference and
vLLM stream). :class:`StopFilter` holds back text that may be the start of a stop string.
"""

from __future__ import annotations

from typing import Any


class Detokenizer:
    def __init__(self, tokenizer: Any) -> None:
        self.tokenizer = tokenizer
        self.ids: list[int] = []
        self._prefix = 0  # ids[_prefix:_read] were decoded already, as context
        self._read = 0

    def _decode(self, ids: list[int]) -> str:
        return str(self.tokenizer.decode(ids, skip_special_tokens=True))

    def add(self, token: int) -> str:
        """The text that ``token`` completes ("" while a character is still incomplete)."""
        self.ids.append(token)
        before = self._decode(self.ids[self._prefix : self._read])
        after = self._decode(self.ids[self._prefix :])
        if len(after) > len(before) and not after.endswith("\ufffd"):
            self._prefix, self._read = self._read, len(self.ids)
            return after[len(before) :]
        return ""

    def flush(self) -> str:
        """Whatever is left undecoded at the end (an incomplete character included)."""
        before = self._decode(self.ids[self._prefix : self._read])
        after = self._decode(self.ids[self._prefix :])
        self._prefix = self._read = len(self.ids)
        return after[len(before) :] if after.startswith(before) else ""


class StopFilter:
    """Passes text on, except what could still turn into one of ``stops``; ``stopped`` once
    one appears (the text from it on is never passed)."""

    def __init__(self, stops: tuple[str, ...]) -> None:
        self.stops = tuple(s for s in stops if s)
        self._held = ""
        self.stopped = False

    def push(self, text: str) -> str:
        if not self.stops:
            return text
        held = self._held + text
        cut = min((i for s in self.stops if (i := held.find(s)) >= 0), default=-1)
        if cut >= 0:
            self.stopped, self._held = True, ""
            return held[:cut]
        keep = self._partial_len(held)
        self._held = held[len(held) - keep :] if keep else ""
        return held[: len(held) - keep]

    def _partial_len(self, text: str) -> int:
        """The length of the longest end of ``text`` that begins a stop string."""
        best = 0
        for stop in self.stops:
            for n in range(min(len(stop) - 1, len(text)), best, -1):
                if stop.startswith(text[-n:]):
                    best = n
                    break
        return best

    def flush(self) -> str:
        held, self._held = self._held, ""
        return held
