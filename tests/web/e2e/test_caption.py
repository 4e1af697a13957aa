"""Caption and translation end to end: the real page, worker, Pyodide and tiny ONNX models.

The tiny models have random weights, so their words are gibberish: the tests check that real
text arrives where the page contract says, and that the page's state moves as documented.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from conftest import LegendaApp


def assert_captioned(app: LegendaApp) -> None:
    """A finished single-image job: texts, alt text, a state sequence through `working`."""
    assert app.state == "done", app.status_text()
    caption = app.text("#caption")
    translation = app.text("#translation")
    assert caption, "no English caption"
    assert translation, "no translation"
    assert app.page.locator("#preview").get_attribute("alt") == caption
    assert app.recorded_states()[-2:] == ["working", "done"]
    assert app.page.locator("#translation").get_attribute("lang") == "pt"


def test_sample_photo(app: LegendaApp) -> None:
    app.open(dtype="q8")
    assert app.page.locator("#status").get_attribute("aria-live") == "polite"
    assert app.page.locator("#generate").is_enabled()
    app.caption_sample("cat.jpg")
    assert_captioned(app)
    assert app.page.locator("#preview").get_attribute("src").endswith("/samples/cat.jpg")
    # One bar per model file, and q8 loads the quantized ONNX files.
    files = app.page.locator("#download-list .download").evaluate_all(
        "rows => rows.map(row => row.dataset.model + ' ' + row.dataset.file)"
    )
    assert f"{app.caption_model} onnx/encoder_model_quantized.onnx" in files
    assert any(f.startswith(app.translation_model) for f in files)
    bars = app.page.locator("#download-list progress").evaluate_all("bs => bs.map(b => b.value)")
    assert len(bars) == len(files) and all(value == 100 for value in bars)
    assert app.text("#downloads-summary").startswith(f"Model files: {len(files)} files of 2 models")
    assert app.page.locator("#results .result").count() == 1
    app.screenshot("sample-done")


def test_uploaded_file_fp32(app: LegendaApp) -> None:
    app.open(dtype="fp32")
    app.caption_files(app.samples_dir / "coffee.jpg")
    assert_captioned(app)
    assert app.page.locator("#preview").get_attribute("src").startswith("blob:")
    files = app.page.locator("#download-list .download").evaluate_all(
        "rows => rows.map(row => row.dataset.file)"
    )
    assert "onnx/encoder_model.onnx" in files
    assert not any("quantized" in name for name in files)


def test_image_url(app: LegendaApp) -> None:
    app.open()
    url = app.server.image_url("red.png")
    app.caption_url(url)
    assert_captioned(app)
    assert app.page.locator("#preview").get_attribute("src") == url


def test_several_images_give_several_results(app: LegendaApp) -> None:
    app.open()
    names = ("cat.jpg", "rocket.jpg", "astronaut.jpg")
    app.caption_files(*(app.samples_dir / name for name in names))
    assert app.state == "done", app.status_text()
    cards = app.page.locator("#results .result")
    assert cards.count() == 3
    for index in range(3):
        card = cards.nth(index)
        assert card.get_attribute("data-status") == "done"
        assert card.locator(".result-caption").inner_text().strip()
        assert card.locator(".result-translation").inner_text().strip()
        assert card.locator(".result-thumb").get_attribute("src").startswith("blob:")
        assert card.locator(".result-audio").count() == 1
    # The single-image contract still holds: the first result is shown above.
    first_caption = cards.nth(0).locator(".result-caption").inner_text().strip()
    assert app.text("#caption") == first_caption
    assert "3 images" in app.status_text()
    app.screenshot("several-images")


def test_language_select_changes_the_next_translation(app: LegendaApp) -> None:
    app.open(do_sample="1")  # sampling: captioning again would change the caption
    options = app.page.locator("#lang option").evaluate_all("os => os.map(o => o.value)")
    assert {"pt", "es", "fr"} <= set(options)
    assert app.page.locator("#lang").input_value() == "pt"
    # Before any result: the choice applies to the next Generate.
    app.page.locator("#lang").select_option("es")
    assert app.state == "ready"
    app.caption_sample("coffee.jpg")
    assert app.state == "done", app.status_text()
    assert app.page.locator("#translation").get_attribute("lang") == "es"
    spanish = app.text("#translation")
    caption = app.text("#caption")
    assert spanish

    # After a result: the captions already made are translated again into the new language,
    # in place: no new card, no new captioning (with sampling, the caption would differ).
    app.record_states()
    app.page.locator("#lang").select_option("fr")
    assert app.wait_state("done", "error") == "done", app.status_text()
    assert app.recorded_states()[-2:] == ["working", "done"]
    assert app.page.locator("#translation").get_attribute("lang") == "fr"
    assert app.text("#translation") and app.text("#translation") != spanish
    assert app.page.locator("#results .result").count() == 1
    assert app.text("#caption") == caption
    card = app.page.locator("#results .result").first
    assert card.locator(".result-translation").get_attribute("lang") == "fr"
    assert card.locator(".result-translation").inner_text().strip() == app.text("#translation")
    assert app.page.locator("#preview").get_attribute("src").endswith("/samples/coffee.jpg")
    # The pick is saved in this browser (through ui/settings.js, like the voice).
    app.page.wait_for_function(
        "JSON.parse(localStorage.getItem('legenda.settings') || '{}').lang === 'fr'"
    )
