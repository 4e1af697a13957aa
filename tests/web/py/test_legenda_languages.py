"""The language table sent to the page."""

from legenda.languages import (
    LANGUAGES,
    language,
    language_table,
    needs_translation,
)

# NLLB and Bark both cover these (the list).
REQUIRED = {"pt", "en", "es", "fr", "de", "it", "pl", "ru", "tr", "zh", "ja", "ko", "hi"}


def test_the_required_languages_are_there_and_pt_comes_first() -> None:
    codes = [entry.code for entry in LANGUAGES]
    assert set(codes) >= REQUIRED
    assert len(codes) == len(set(codes))
    assert codes[0] == "pt"


def test_portuguese_is_brazilian() -> None:
    pt = language("pt")
    assert pt.nllb == "por_Latn"
    assert pt.name == "Português (Brasil)"
    assert pt.marian[0] == "pt_br"  # opus-mt's Brazilian Portuguese, before plain pt


def test_each_language_has_a_code_per_model_family() -> None:
    for entry in LANGUAGES:
        assert entry.m2m100 == entry.code, entry  # M2M100 spells them as the page does
        assert entry.marian and entry.marian[0].startswith(entry.code), entry


def test_nllb_codes_are_flores_codes() -> None:
    for entry in LANGUAGES:
        code, script = entry.nllb.split("_")
        assert len(code) == 3 and code.islower(), entry
        assert len(script) == 4 and script.istitle(), entry


def test_english_skips_translation() -> None:
    assert needs_translation("en") is False
    assert all(needs_translation(code) for code in REQUIRED - {"en"})


def test_table_for_the_page() -> None:
    table = language_table()
    assert table[0] == {
        "code": "pt", "name": "Português (Brasil)", "nllb": "por_Latn", "m2m100": "pt",
        "marian": ["pt_br", "pt_BR", "pob", "pt", "por"],
    }
    assert {row["code"] for row in table} == {entry.code for entry in LANGUAGES}
