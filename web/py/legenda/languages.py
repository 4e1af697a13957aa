"""The target languages: those that both NLLB (translation) and the speech sidecar cover.

The table itself lives once, in web/settings-schema.json (``languages``); the page reads it
from there too. English is the captioning model's own language, so choosing it skips
translation.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from .schema import schema

SOURCE_LANGUAGE: str = schema()["source_language"]  # what the captioning models write


@dataclass(frozen=True)
class Language:
    code: str  # what the page, the settings and the speech sidecar call it
    name: str  # the language's name in itself, shown in the page and in status messages
    nllb: str  # NLLB-200's code (FLORES-200), the translation model's tgt_lang


LANGUAGES: tuple[Language, ...] = tuple(Language(**entry) for entry in schema()["languages"])
_BY_CODE = {language.code: language for language in LANGUAGES}


def language(code: str) -> Language:
    """The language with this code; KeyError for a code not in the table."""
    return _BY_CODE[code]


def is_supported(code: str) -> bool:
    return code in _BY_CODE


def needs_translation(code: str) -> bool:
    return code != SOURCE_LANGUAGE


def language_table() -> list[dict[str, str]]:
    """The table as plain dicts, as sent to the page."""
    return [asdict(entry) for entry in LANGUAGES]
