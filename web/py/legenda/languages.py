"""The target languages: those that both NLLB (translation) and Bark (speech) cover.

English is the captioning model's own language, so choosing it skips translation.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

SOURCE_LANGUAGE = "en"  # what the captioning models write


@dataclass(frozen=True)
class Language:
    code: str  # what the page, the settings and the speech sidecar call it
    name: str  # the language's name in itself, shown in the page and in status messages
    nllb: str  # NLLB-200's code (FLORES-200), the translation model's tgt_lang
    speech: str  # the language the speech sidecar is asked for


LANGUAGES: tuple[Language, ...] = (
    Language("pt", "Português (Brasil)", "por_Latn", "pt"),
    Language("en", "English", "eng_Latn", "en"),
    Language("es", "Español", "spa_Latn", "es"),
    Language("fr", "Français", "fra_Latn", "fr"),
    Language("de", "Deutsch", "deu_Latn", "de"),
    Language("it", "Italiano", "ita_Latn", "it"),
    Language("pl", "Polski", "pol_Latn", "pl"),
    Language("ru", "Русский", "rus_Cyrl", "ru"),
    Language("tr", "Türkçe", "tur_Latn", "tr"),
    Language("zh", "中文（简体）", "zho_Hans", "zh"),
    Language("ja", "日本語", "jpn_Jpan", "ja"),
    Language("ko", "한국어", "kor_Hang", "ko"),
    Language("hi", "हिन्दी", "hin_Deva", "hi"),
)
DEFAULT_LANGUAGE = "pt"
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
