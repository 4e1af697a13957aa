"""Bad input gets a sentence for a person, the page lands in `error`, and a new image works."""

from __future__ import annotations

import re
import socket
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from conftest import LegendaApp

# What a message for a person must not look like: a class name, a stack, a raw JS error.
RAW_ERROR = re.compile(
    r"Traceback|Error:|Exception|TypeError|\bat \S+ \(|:\d+:\d+\b|File \"|undefined|\[object|"
    r"<[a-z]+[ >]|\bNone\b|\bnull\b"
)


def assert_human_error(app: LegendaApp, *words: str) -> str:
    """The page is in `error` and #status holds a sentence (with ``words``), not a trace."""
    assert app.state == "error"
    message = app.status_text()
    assert len(message) > 30 and message.rstrip().endswith((".", "!")), message
    assert not RAW_ERROR.search(message), message
    for word in words:
        assert word.lower() in message.lower(), message
    assert app.page.locator("#status").get_attribute("data-kind") == "error"
    return message


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_bad_urls_then_a_good_image(app: LegendaApp) -> None:
    app.open()
    messages = []
    for url in (
        app.server.image_url("missing.jpg"),  # 404
        f"http://127.0.0.1:{closed_port()}/photo.jpg",  # nothing listens there
    ):
        assert app.caption_url(url) == "error"
        messages.append(assert_human_error(app))
        assert app.recorded_states()[-2:] == ["working", "error"]
        assert app.text("#caption") == ""
        # The translation is still labelled with the target language.
        assert app.text("#translation-label").lower() == "português (brasil)"
    app.screenshot("dead-url-error")

    assert app.caption_url(app.server.image_url("not-an-image.jpg")) == "error"
    messages.append(assert_human_error(app, "image"))
    assert len(set(messages)) >= 2, "a missing image and a non-image deserve different words"

    # After errors the page takes a new image.
    assert app.caption_sample("astronaut.jpg") == "done", app.status_text()
    assert app.text("#caption") and app.text("#translation")
    assert app.page.locator("#status").get_attribute("data-kind") != "error"


def test_nothing_given_asks_for_an_image(app: LegendaApp) -> None:
    app.open()
    assert app.generate() == "error"
    assert_human_error(app, "image")
    assert app.caption_sample("cat.jpg") == "done", app.status_text()


def test_unknown_model_says_so(app: LegendaApp) -> None:
    app.open(caption_model="legenda-test/no-such-model")
    assert app.caption_sample("cat.jpg") == "error"
    assert_human_error(app, "legenda-test/no-such-model")
    assert app.page.locator("#results .result").first.get_attribute("data-status") == "error"


def test_unknown_translation_model_keeps_the_english_caption(app: LegendaApp) -> None:
    app.open(translation_model="legenda-test/no-such-translator")
    assert app.caption_sample("coffee.jpg") == "error"
    assert_human_error(app, "legenda-test/no-such-translator")
    assert app.text("#caption"), "the English caption is worth showing"
    assert app.text("#translation") == ""
    card = app.page.locator("#results .result").first
    assert card.locator(".result-caption").inner_text().strip() == app.text("#caption")


def test_bad_setting_is_named_and_the_page_still_works(app: LegendaApp) -> None:
    app.open(wait_for=("ready", "error"), dtype="q3")
    assert_human_error(app, "dtype", "q3")
    assert app.caption_sample("coffee.jpg") == "done", app.status_text()


@pytest.mark.parametrize(
    "missing",
    ["worker.js", "vendor/pyodide/pyodide.asm.wasm"],
    ids=["worker", "pyodide-wasm"],
)
def test_missing_site_file_is_fatal_and_said(app: LegendaApp, missing: str) -> None:
    # As when a host serves an incomplete build: the page must not wait forever.
    app.page.context.route(f"**/{missing}", lambda route: route.fulfill(status=404, body="gone"))
    app.open(wait_for=("error",))
    assert_human_error(app, "reload")
    # Fatal means fatal: nothing offers to start a job that cannot run.
    assert app.page.locator("#generate").is_disabled()
    assert app.page.locator("#sample-list button:enabled").count() == 0
    app.page.locator("#image-url").fill(app.server.image_url("red.png"))
    app.page.locator("#image-url").press("Enter")
    assert app.state == "error"


def test_browser_without_webassembly_is_told_so(app: LegendaApp) -> None:
    # The worker is served behind a wrapper that removes WebAssembly before the real worker
    # module (and everything it imports) runs: as in a browser where it is switched off.
    wrapper = "delete globalThis.WebAssembly;\nawait import('./worker.js?without-wasm');\n"
    app.page.context.route(
        "**/worker.js",
        lambda route: route.fulfill(status=200, content_type="text/javascript", body=wrapper),
    )
    app.open(wait_for=("error",))
    assert_human_error(app, "WebAssembly", "browser")
    assert app.page.locator("#generate").is_disabled()


def test_one_bad_file_among_several(app: LegendaApp, tmp_path: Path) -> None:
    notes = tmp_path / "notes.jpg"
    notes.write_text("Shopping list: bread, milk.\n")
    app.open()
    files = (app.samples_dir / "cat.jpg", notes, app.samples_dir / "coffee.jpg")
    assert app.caption_files(*files) == "done", app.status_text()
    cards = app.page.locator("#results .result")
    statuses = cards.evaluate_all("cards => cards.map(card => card.dataset.status)")
    assert statuses == ["done", "error", "done"]
    error = cards.nth(1).locator(".result-error").inner_text()
    assert "notes.jpg" in error or "image" in error.lower(), error
    assert not RAW_ERROR.search(error), error
    status = app.status_text()
    assert status.startswith("2 of 3 images captioned"), status
    assert app.text("#caption") == cards.nth(0).locator(".result-caption").inner_text().strip()


def test_model_download_cut_off_does_not_hang(app: LegendaApp) -> None:
    # The network drops while the model downloads: the job ends in words, not in `working`.
    app.page.context.route(
        "**/decoder_model_merged_quantized.onnx", lambda route: route.abort("connectionreset")
    )
    app.open()
    assert app.caption_sample("cat.jpg") == "error"
    assert_human_error(app, "tiny-vit-gpt2")
    assert app.recorded_states()[-2:] == ["working", "error"]
    # Once the network is back, the same image works.
    app.page.context.unroute("**/decoder_model_merged_quantized.onnx")
    assert app.caption_sample("cat.jpg") == "done", app.status_text()
