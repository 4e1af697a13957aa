"""The target languages: those that both NLLB (translation) and the speech sidecar cover.

The table itself lives once, in web/settings-schema.json (``languages``); the page reads it
from there too. English is the captioning model's own language, so choosing it skips
translation. Each language carries its code in each translation model family's spelling
(model_languages.py picks the one the loaded model knows).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from .schema import schema

SOURCE_LANGUAGE: str = schema()["source_language"]  # what the captioning models write


@dataclass(frozen=True)
class Language:
    code: str  # what the page, the settings and the speech sidecar call it
    name: str  # the language's name in itself, shown in the page and in status messages
    nllb: str  # NLLB-200's code (FLORES-200): por_Latn
    m2m100: str  # M2M100's code: pt
    marian: tuple[str, ...]  # opus-mt's >>id<< target ids, tried in order: pt_br, ..., por

    def coded(self) -> tuple[str, str]:
        """The codes a tokenizer with a list of language codes may know (NLLB's, M2M100's)."""
        return (self.nllb, self.m2m100)


def _language(entry: dict[str, Any]) -> Language:
    return Language(**{**entry, "marian": tuple(entry["marian"])})


LANGUAGES: tuple[Language, ...] = tuple(_language(entry) for entry in schema()["languages"])
_BY_CODE = {language.code: language for language in LANGUAGES}


def language(code: str) -> Language:
    """The language with this code; KeyError for a code not in the table."""
    return _BY_CODE[code]


def is_supported(code: str) -> bool:
    return code in _BY_CODE


def needs_translation(code: str) -> bool:
    return code != SOURCE_LANGUAGE


def language_table() -> list[dict[str, Any]]:
    """The table as plain dicts and lists, as sent to the page (and as the schema writes it)."""
    return [{**asdict(entry), "marian": list(entry.marian)} for entry in LANGUAGES]
