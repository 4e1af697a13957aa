"""Caption clean-up, including vit-gpt2's repetitive captions."""

import pytest
from legenda.text import clean_caption, clean_translation, tidy


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        # vit-gpt2's loops: a phrase said again after a connective.
        ("a cat on a couch with a cat on a couch", "A cat on a couch"),
        ("a close up of a plate of food with a plate of food", "A close up of a plate of food"),
        ("a cat laying on a bed with a cat laying on a bed with a cat", "A cat laying on a bed"),
        ("a cat on a couch a cat on a couch", "A cat on a couch"),
        ("a group of people standing around a group of people", "A group of people standing"),
        # Words said twice in a row.
        ("a dog dog sitting on on a bench", "A dog sitting on a bench"),
        # Whitespace and punctuation.
        ("  a man   riding a horse , ", "A man riding a horse"),
        ("a man riding a horse .", "A man riding a horse."),
    ],
)
def test_clean_caption(raw: str, clean: str) -> None:
    assert clean_caption(raw) == clean


@pytest.mark.parametrize(
    "good",
    [
        "a man on a horse next to a man",  # short phrases may recur
        "a cat sitting on a table next to a cat",
        "a man riding a wave on top of a wave",
    ],
)
def test_good_captions_keep_their_words(good: str) -> None:
    assert clean_caption(good) == good[0].upper() + good[1:]


def test_a_caption_of_repeats_only_keeps_one() -> None:
    assert clean_caption("a a a a") == "A"
    assert clean_caption("dog dog dog") == "Dog"


def test_never_empty_unless_given_nothing() -> None:
    assert clean_caption("with with with") == "With"
    assert clean_caption("   ") == ""


def test_translations_keep_their_wording() -> None:
    assert clean_translation(" um gato  num sofá ") == "um gato num sofá"
    assert clean_translation("um gato gato no sofá") == "um gato no sofá"
    # No capitalisation or cutting: NLLB's wording is kept.
    assert clean_translation("um gato com um gato e um gato") == "um gato com um gato e um gato"


def test_tidy() -> None:
    assert tidy("a  b ,c .") == "a b,c."
    assert tidy("end ,") == "end"
