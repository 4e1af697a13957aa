"""How each translation model family is told its target (model_languages.py), over stand-ins
for Transformers.js's tokenizers."""

from __future__ import annotations

import pytest
from fake_pyodide import (
    EN_ROMANCE,
    FakeCodedTokenizer,
    FakeMarianTokenizer,
    nllb_tokenizer,
)
from legenda.languages import LANGUAGES, language
from legenda.model_languages import Request, producible, request

TEXT = "A cat on a couch"
M2M100 = ["en", "pt", "es", "fr", "de", "it", "pl", "ru", "tr", "zh", "ja", "ko"]  # no hi here


def names(tokenizer: object) -> list[str]:
    return [entry.name for entry in producible(tokenizer)]


def test_nllb_gets_flores_codes_for_the_source_and_the_target() -> None:
    asked = request(nllb_tokenizer(), TEXT, language("pt"))
    assert asked == Request(TEXT, {"src_lang": "eng_Latn", "tgt_lang": "por_Latn"})
    assert len(producible(nllb_tokenizer())) == len(LANGUAGES) - 1  # all but English


def test_m2m100_gets_its_iso_codes_and_lacks_what_its_list_lacks() -> None:
    tokenizer = FakeCodedTokenizer(M2M100)
    assert request(tokenizer, TEXT, language("ja")) == Request(
        TEXT, {"src_lang": "en", "tgt_lang": "ja"}
    )
    assert request(tokenizer, TEXT, language("hi")) is None
    assert "हिन्दी" not in names(tokenizer)


def test_marian_gets_the_first_id_of_the_language_that_is_in_its_vocabulary() -> None:
    tokenizer = FakeMarianTokenizer(EN_ROMANCE)
    assert request(tokenizer, TEXT, language("pt")) == Request(f">>pt_br<< {TEXT}")
    assert request(tokenizer, TEXT, language("fr")) == Request(f">>fr<< {TEXT}")
    assert request(tokenizer, TEXT, language("de")) is None
    assert names(tokenizer) == ["Português (Brasil)", "Español", "Français", "Italiano"]


@pytest.mark.parametrize(("ids", "expected"), [
    (["fr", "pt_BR", "es"], ">>pt_BR<<"),  # pt_BR: missed by 4.3.1's own list of codes
    (["fr", "pt", "es"], ">>pt<<"),
    (["fra", "por", "spa"], ">>por<<"),  # a Tatoeba-Challenge model's ISO 639-3 ids
    (["por", "pob"], ">>pob<<"),  # and its Brazilian Portuguese, before plain Portuguese
])
def test_marian_ids_are_tried_in_the_tables_order(ids: list[str], expected: str) -> None:
    assert request(FakeMarianTokenizer(ids), TEXT, language("pt")) == Request(f"{expected} {TEXT}")


def test_a_single_pair_model_translates_into_the_target_it_names_only() -> None:
    spanish = FakeMarianTokenizer([], target_lang="es")
    assert request(spanish, TEXT, language("es")) == Request(TEXT)
    assert request(spanish, TEXT, language("pt")) is None
    assert names(spanish) == ["Español"]
    # Regional variants, "+"-separated, count as the language.
    brazilian = FakeMarianTokenizer([], target_lang="pt_br+pt_BR")
    assert request(brazilian, TEXT, language("pt")) == Request(TEXT)


def test_a_single_pair_model_that_names_no_target_is_trusted() -> None:
    unnamed = FakeMarianTokenizer([])
    assert request(unnamed, TEXT, language("de")) == Request(TEXT)
