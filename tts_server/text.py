"""Splitting text into sentence-sized pieces a speech model can say in one go.

Bark stops after ~13-14 s of audio per generate call, so text is said in pieces with the same
voice (which also gives per-piece progress). Consecutive sentences are packed into one piece while
they fit in the engine's natural chunk (``max_chars``), so many short sentences cost few engine
calls; a sentence longer than that is cut further at commas and then at spaces, never inside a
word.
"""

from __future__ import annotations

import re

# ~14 s of speech at a brisk 14 characters per second, with some margin.
MAX_PIECE_CHARS = 180

_SENTENCE_END = re.compile(r"(?<=[.!?…;。！？])\s+")
_CLAUSE_END = re.compile(r"(?<=[,:，、])\s+")


def normalize(text: str) -> str:
    """Collapse runs of whitespace (newlines included) into single spaces."""
    return " ".join(text.split())


def _pack(parts: list[str], max_chars: int) -> list[str]:
    """Greedily join consecutive parts with spaces while they fit in ``max_chars``."""
    pieces: list[str] = []
    for part in parts:
        if pieces and len(pieces[-1]) + 1 + len(part) <= max_chars:
            pieces[-1] = f"{pieces[-1]} {part}"
        else:
            pieces.append(part)
    return pieces


def _cut_long(sentence: str, max_chars: int) -> list[str]:
    if len(sentence) <= max_chars:
        return [sentence]
    pieces: list[str] = []
    for clause in _pack(_CLAUSE_END.split(sentence), max_chars):
        if len(clause) <= max_chars:
            pieces.append(clause)
            continue
        words: list[str] = []
        for word in clause.split(" "):
            # A "word" longer than the limit (a URL, say) is cut hard: there is no better place.
            words.extend(word[i : i + max_chars] for i in range(0, len(word), max_chars))
        pieces.extend(_pack(words, max_chars))
    return pieces


def split_sentences(text: str, max_chars: int = MAX_PIECE_CHARS) -> list[str]:
    """Split ``text`` into as few pieces of at most ``max_chars`` characters as packing whole
    sentences allows (cutting at sentence ends first)."""
    text = normalize(text)
    if not text:
        return []
    pieces: list[str] = []
    for sentence in _SENTENCE_END.split(text):
        pieces.extend(_cut_long(sentence, max_chars))
    return _pack([p for p in pieces if p.strip()], max_chars)
