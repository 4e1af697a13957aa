"""Tidying decoded model text.

Small captioning models loop: vit-gpt2 writes "a cat on a couch with a cat on a couch" or
"a man riding a wave on top of a wave". Generation settings (repetition_penalty,
no_repeat_ngram_size) prevent most of it; this removes what gets through, so the page shows
and speaks "A cat on a couch".
"""

from __future__ import annotations

import re

# A phrase of at least this many words seen earlier marks where a caption starts repeating
# itself. Shorter ones ("a cat", "on a") recur in good captions.
MIN_REPEATED_PHRASE = 3
# Words a caption must not end on once its repeated tail is cut ("a cat on a couch with").
_DANGLING = {
    "a", "an", "the", "and", "or", "with", "of", "on", "in", "at", "to", "by", "for",
    "from", "near", "next", "while", "that", "top", "into", "onto", "around", "behind",
    "under", "over", "is", "are", "has", "its", "their", "his", "her",
}
_SPACE_BEFORE_PUNCTUATION = re.compile(r"\s+([,.;:!?])")
_TRAILING_PUNCTUATION = re.compile(r"[\s,;:\-]+$")


def tidy(text: str) -> str:
    """One space between words, none before punctuation, no dangling comma at the end."""
    text = " ".join(text.split())
    text = _SPACE_BEFORE_PUNCTUATION.sub(r"\1", text)
    return _TRAILING_PUNCTUATION.sub("", text)


def _key(word: str) -> str:
    return word.lower().strip(",.;:!?\"'")


def collapse_adjacent_repeats(words: list[str]) -> list[str]:
    """Drop a word or phrase that directly repeats the one before it ("on on", "a dog a dog")."""
    result: list[str] = []
    for word in words:
        result.append(word)
        for size in range(1, len(result) // 2 + 1):
            tail = [_key(w) for w in result[-size:]]
            before = [_key(w) for w in result[-2 * size:-size]]
            if tail == before:
                del result[-size:]
                break
    return result


def cut_repeated_phrase(words: list[str], min_size: int = MIN_REPEATED_PHRASE) -> list[str]:
    """Cut the words from the first phrase of ``min_size`` words that already appeared."""
    keys = [_key(word) for word in words]
    seen: set[tuple[str, ...]] = set()
    for start in range(len(keys) - min_size + 1):
        phrase = tuple(keys[start:start + min_size])
        if phrase in seen:
            return words[:start]
        # Record phrases that end before this one starts, so overlaps do not count.
        if start - min_size + 1 >= 0:
            seen.add(tuple(keys[start - min_size + 1:start + 1]))
    return words


def _strip_dangling(words: list[str]) -> list[str]:
    while words and _key(words[-1]) in _DANGLING:
        words = words[:-1]
    return words


def clean_caption(text: str) -> str:
    """A caption without loops or dangling words, starting with a capital letter."""
    tidied = tidy(text)
    words = tidied.split()
    cut = cut_repeated_phrase(words)
    if cut != words:
        cut = _strip_dangling(cut)
    # Never lose everything: a caption made only of repeats keeps its first occurrence.
    cleaned = tidy(" ".join(collapse_adjacent_repeats(cut or words))) or tidied
    return cleaned[:1].upper() + cleaned[1:]


def clean_translation(text: str) -> str:
    """Translations keep their wording; only spacing and direct repeats are fixed."""
    tidied = tidy(text)
    return " ".join(collapse_adjacent_repeats(tidied.split()))
