"""Another translation model family end to end: the tiny Marian (opus-mt) multi-target model,
chosen by query parameter as the fast choice would be, translates into Portuguese with its
``>>pt_br<<`` token, and a language it lacks is said, naming what it has and the default model.
The settings form offers the documented choices beside the free-text field.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from conftest import LegendaApp

DEFAULT_MODEL = "Xenova/nllb-200-distilled-600M"
FAST_MODEL = "Xenova/opus-mt-en-ROMANCE"


def test_the_marian_model_translates_into_portuguese_and_says_what_it_lacks(
    app: LegendaApp,
) -> None:
    app.open(translation_model=app.fast_translation_model)
    assert app.caption_sample("cat.jpg") == "done", app.status_text()
    assert app.text("#caption") and app.text("#translation")
    assert app.page.locator("#translation").get_attribute("lang") == "pt"
    files = app.page.locator("#download-list .download").evaluate_all(
        "rows => rows.map(row => row.dataset.model + ' ' + row.dataset.file)"
    )
    assert f"{app.fast_translation_model} onnx/decoder_model_merged_quantized.onnx" in files
    portuguese = app.text("#translation")

    # Spanish is among its targets (>>es<<): translated again, in place.
    app.record_states()
    app.page.locator("#lang").select_option("es")
    assert app.wait_state("done", "error") == "done", app.status_text()
    assert app.page.locator("#translation").get_attribute("lang") == "es"
    assert app.text("#translation") != portuguese

    # German is not: the caption stays, the message names the language, what the model has
    # and the model that has them all.
    caption = app.text("#caption")
    app.record_states()
    app.page.locator("#lang").select_option("de")
    assert app.wait_state("done", "error") == "error"
    message = app.status_text()
    for fact in (app.fast_translation_model, "Deutsch", "Português (Brasil)", "Español",
                 f"translation_model={DEFAULT_MODEL}"):
        assert fact in message, message
    assert app.text("#caption") == caption
    assert app.text("#translation") == ""
    assert app.text("#translation-label").lower() == "deutsch"  # what was asked for
    card = app.page.locator("#results .result").first
    assert card.get_attribute("data-status") == "error"
    app.screenshot("translation-language-missing")


def test_the_settings_form_suggests_the_default_and_the_fast_translator(
    app: LegendaApp,
) -> None:
    app.open(ui_lang="pt")
    app.page.locator("#settings-panel summary").click()
    field = app.page.locator("#setting-translation_model")
    choices = app.page.locator("#setting-translation_model-suggestions button")
    assert choices.evaluate_all("bs => bs.map(b => b.dataset.value)") == [
        DEFAULT_MODEL, FAST_MODEL,
    ]
    fast = choices.nth(1)
    assert fast.inner_text().strip() == "opus-mt en-ROMANCE: rápido, só pt, es, fr, it"
    fast.click()
    assert field.input_value() == FAST_MODEL
    # Still a free-text field: any id may be typed.
    field.fill(app.fast_translation_model)
    assert field.input_value() == app.fast_translation_model
    app.page.locator("#ui-lang").select_option("en")
    app.page.wait_for_function("document.documentElement.lang === 'en'")
    assert fast.inner_text().strip() == "opus-mt en-ROMANCE: fast, pt, es, fr, it only"


def test_after_a_refused_language_another_translates_the_captions_already_there(
    app: LegendaApp,
) -> None:
    # The translator refuses German: a worded error, the English caption kept.
    app.open(translation_model=app.fast_translation_model, lang="de")
    assert app.caption_sample("cat.jpg") == "error", app.status_text()
    caption = app.text("#caption")
    assert caption and app.text("#translation") == ""

    # Spanish it can translate: the captions there are translated at once, with no Generate
    # and no captioning again (the same card, the same caption).
    app.record_states()
    app.page.locator("#lang").select_option("es")
    app.page.wait_for_function("window.__statesBefore.length >= 2", timeout=120_000)
    assert app.recorded_states() == ["error", "working", "done"], app.status_text()
    assert app.page.locator("#translation").get_attribute("lang") == "es"
    assert app.text("#translation")
    assert app.text("#caption") == caption
    cards = app.page.locator("#results .result")
    assert cards.count() == 1 and cards.first.get_attribute("data-status") == "done"
