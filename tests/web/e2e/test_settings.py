"""The settings panel end to end: values go through the worker's Python validation, accepted
ones are saved in localStorage and survive a reload, refused ones show Python's sentence, the
defaults come back on Reset, and a copied link applies the settings in a browser that has none
saved. Precedence: config.json < saved < query string. `isolate=1` (the page's own setting) makes
the page cross-origin isolated through coi-serviceworker.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from conftest import LegendaApp
    from playwright.sync_api import Locator

    from tests.sidecar_process import Sidecar

SAVED_KEY = "legenda.settings"


def open_panel(app: LegendaApp) -> None:
    panel = app.page.locator("#settings-panel")
    if not panel.evaluate("d => d.open"):
        panel.locator("summary").click()
    app.page.wait_for_function("document.querySelector('#settings-panel').dataset.ready === '1'")


def field(app: LegendaApp, key: str) -> Locator:
    return app.page.locator(f"#setting-{key}")


def saved(app: LegendaApp) -> dict[str, str]:
    return json.loads(app.page.evaluate(f"localStorage.getItem('{SAVED_KEY}') || '{{}}'"))


def apply(app: LegendaApp, expect: str) -> str:
    """Press Apply and wait for the panel's answer containing ``expect``; return it."""
    app.page.locator("#settings-apply").click()
    app.page.wait_for_function(
        "text => document.querySelector('#settings-message').textContent.includes(text)",
        arg=expect,
    )
    return app.text("#settings-message")


def test_settings_are_saved_and_survive_a_reload(app: LegendaApp) -> None:
    app.open()
    open_panel(app)
    assert field(app, "max_new_tokens").input_value() == "30"
    field(app, "max_new_tokens").fill("12")
    field(app, "temperature").fill("0.7")
    field(app, "do_sample").check()
    apply(app, "saved in this browser")
    assert saved(app) == {"max_new_tokens": "12", "temperature": "0.7", "do_sample": "1"}

    app.page.reload()
    app.wait_state("ready")
    open_panel(app)
    # The form shows what the worker resolved, so these came back through Python.
    assert field(app, "max_new_tokens").input_value() == "12"
    assert field(app, "temperature").input_value() == "0.7"
    assert field(app, "do_sample").is_checked()
    # The page still works with them.
    app.caption_url(app.server.image_url("red.png"))
    assert app.state == "done"
    assert app.text("#caption")


def test_query_string_wins_over_saved_settings(app: LegendaApp) -> None:
    app.open()
    open_panel(app)
    field(app, "num_beams").fill("2")
    apply(app, "saved")
    app.open(num_beams="3")
    open_panel(app)
    assert field(app, "num_beams").input_value() == "3"
    assert saved(app)["num_beams"] == "2"


def test_a_bad_value_shows_the_workers_sentence_and_is_not_saved(app: LegendaApp) -> None:
    app.open()
    open_panel(app)
    field(app, "max_new_tokens").fill("lots")
    message = apply(app, "max_new_tokens")
    assert "whole number from 1 to 256" in message
    assert "lots" in message
    assert "max_new_tokens" not in saved(app)
    # The setting kept its value, and the form shows it again.
    assert field(app, "max_new_tokens").input_value() == "30"


def test_reset_brings_back_the_defaults(app: LegendaApp) -> None:
    app.open()
    open_panel(app)
    field(app, "top_k").fill("7")
    apply(app, "saved")
    assert saved(app) == {"top_k": "7"}
    app.page.locator("#settings-reset").click()
    app.page.wait_for_function(
        "document.querySelector('#settings-message').textContent.includes('default settings')"
    )
    assert app.page.evaluate(f"localStorage.getItem('{SAVED_KEY}')") is None
    app.page.wait_for_function("document.querySelector('#setting-top_k').value === '50'")
    # config.json's defaults again, and the address no longer carries settings.
    assert field(app, "caption_model").input_value() == "Xenova/vit-gpt2-image-captioning"
    assert "caption_model" not in app.page.url


def test_a_copied_link_applies_the_settings(app: LegendaApp) -> None:
    app.open()
    open_panel(app)
    field(app, "repetition_penalty").fill("1.5")
    field(app, "no_repeat_ngram_size").fill("2")
    apply(app, "saved")
    app.page.locator("#settings-copy-link").click()
    link = app.page.locator("#settings-link").input_value()
    assert "repetition_penalty=1.5" in link and "no_repeat_ngram_size=2" in link
    assert "isolate" not in link

    # Forget everything saved, then open the link: the query string alone sets the values.
    app.page.locator("#settings-reset").click()
    app.page.wait_for_function(f"localStorage.getItem('{SAVED_KEY}') === null")
    app.page.goto(link)
    app.wait_state("ready")
    open_panel(app)
    assert field(app, "repetition_penalty").input_value() == "1.5"
    assert field(app, "no_repeat_ngram_size").input_value() == "2"
    assert saved(app) == {}
    # The link carries the models too, so the page works as it did.
    app.caption_url(app.server.image_url("red.png"))
    assert app.state == "done"


def test_isolate_makes_the_page_cross_origin_isolated_and_back(
    app: LegendaApp, espeak_sidecar: Sidecar
) -> None:
    app.open(isolate="1", tts=espeak_sidecar.url, wait_for=())
    # coi-serviceworker registers, then reloads the page once under its COOP/COEP headers.
    app.page.wait_for_function("window.crossOriginIsolated === true", timeout=60_000)
    app.wait_state("ready")
    assert app.page.evaluate("navigator.serviceWorker.controller.scriptURL").endswith(
        "/coi-serviceworker.min.js"
    )
    app.caption_url(app.server.image_url("red.png"))
    assert app.state == "done"
    # The sidecar's audio (another origin) still plays in the isolated page.
    app.page.wait_for_function(
        "() => { const a = document.querySelector('#audio'); return a.src && a.duration > 0; }"
    )

    # Off again from the panel: the service worker goes and the page reloads without it.
    open_panel(app)
    assert field(app, "isolate").is_checked()
    field(app, "isolate").uncheck()
    app.page.locator("#settings-apply").click()
    app.page.wait_for_function("window.crossOriginIsolated === false", timeout=60_000)
    app.wait_state("ready")
    assert saved(app)["isolate"] == "0"
    assert "isolate" not in app.page.url
    assert app.page.evaluate("navigator.serviceWorker.getRegistrations()") == []

    # On again from the panel, with another change that must survive the reload it takes.
    open_panel(app)
    field(app, "isolate").check()
    field(app, "top_k").fill("9")
    app.page.locator("#settings-apply").click()
    app.page.wait_for_function("window.crossOriginIsolated === true", timeout=60_000)
    app.wait_state("ready")
    open_panel(app)
    assert field(app, "top_k").input_value() == "9"
    assert field(app, "isolate").is_checked()
