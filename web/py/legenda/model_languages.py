"""How a loaded translation model is told its target language, from what its tokenizer knows.

- NLLB-200 and M2M100 tokenizers list their codes (``language_codes``: FLORES-200 codes such as
  ``por_Latn``, or ISO codes such as ``pt``); the pipeline takes ``src_lang`` and ``tgt_lang``
  in that spelling.
- A multi-target Marian (opus-mt) model reads a ``>>id<<`` token at the start of the text
  (``>>pt_br<< A cat``): its tokenizer has ``supported_language_codes``.
- A single-pair Marian model has no such token and translates into its one target, which
  tokenizer_config.json names in ``target_lang`` (when it does, another language is refused).

The language table (languages.py) gives each language's code per family; the first one the
tokenizer knows is used. Transformers.js 4.3.1's ``supported_language_codes`` misses every other
code (a regular expression with the global flag, tested in a loop, resumes where the last match
ended), so a Marian id is looked up in the vocabulary itself (``convert_tokens_to_ids``).

Pure Python over the tokenizer's attributes: CPython tests pass stand-ins for Transformers.js's
tokenizers.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from .languages import LANGUAGES, SOURCE_LANGUAGE, Language, language, needs_translation


@dataclass(frozen=True)
class Request:
    """What the translation pipeline is given: the text and its options."""

    text: str
    options: dict[str, str] = field(default_factory=dict)


def request(tokenizer: Any, text: str, target: Language) -> Request | None:
    """How to ask the model of ``tokenizer`` for ``text`` in ``target``; None when it cannot
    produce that language."""
    codes = _language_codes(tokenizer)
    if codes is not None:
        return _coded(codes, text, target)
    if _marian_ids(tokenizer):
        return _prefixed(tokenizer, text, target)
    return _single_pair(tokenizer, text, target)


def producible(tokenizer: Any) -> list[Language]:
    """The table's languages (English aside) the model of ``tokenizer`` translates into."""
    return [
        entry for entry in LANGUAGES
        if needs_translation(entry.code) and request(tokenizer, "", entry) is not None
    ]


def _language_codes(tokenizer: Any) -> set[str] | None:
    codes = getattr(tokenizer, "language_codes", None)
    return None if codes is None else {str(code) for code in codes}


def _first_known(candidates: Iterable[str], known: set[str]) -> str | None:
    return next((code for code in candidates if code in known), None)


def _coded(known: set[str], text: str, target: Language) -> Request | None:
    """NLLB / M2M100: the target (and the source, English) in the tokenizer's spelling."""
    target_code = _first_known(target.coded(), known)
    if target_code is None:
        return None
    options = {"tgt_lang": target_code}
    source_code = _first_known(language(SOURCE_LANGUAGE).coded(), known)
    if source_code is not None:
        options["src_lang"] = source_code
    return Request(text, options)


def _marian_ids(tokenizer: Any) -> bool:
    """Does the vocabulary hold >>id<< tokens (a multi-target model)? The first one is always
    among ``supported_language_codes``, whatever the bug above."""
    return bool(list(getattr(tokenizer, "supported_language_codes", None) or []))


def _prefixed(tokenizer: Any, text: str, target: Language) -> Request | None:
    """Multi-target Marian: the first of the language's ids that is a token of the model."""
    for code in target.marian:
        token = f">>{code}<<"
        if tokenizer.convert_tokens_to_ids(token) is not None:
            return Request(f"{token} {text}")
    return None


def _single_pair(tokenizer: Any, text: str, target: Language) -> Request | None:
    """One target: the text as it is, unless the model names a target that is another
    language (target_lang, "+"-separated when a model was trained for variants)."""
    named = getattr(getattr(tokenizer, "config", None), "target_lang", None)
    if not named:
        return Request(text)
    targets = set(str(named).split("+"))
    return Request(text) if targets & {target.code, *target.marian} else None
