"""Every way of giving an image: drag-and-drop and paste (files and links), plus the result
cards' copy and "Show above" buttons."""

from __future__ import annotations

from typing import TYPE_CHECKING

from playwright.sync_api import BrowserContext, expect

if TYPE_CHECKING:
    from conftest import LegendaApp

# Builds a DataTransfer holding the site's sample photos as Files, as a file manager would.
FILES_TRANSFER = """async (names) => {
    const transfer = new DataTransfer();
    for (const name of names) {
        const blob = await (await fetch(new URL('samples/' + name, document.baseURI))).blob();
        transfer.items.add(new File([blob], name, {type: blob.type}));
    }
    return transfer;
}"""


def drop_files(app: LegendaApp, *names: str) -> None:
    transfer = app.page.evaluate_handle(FILES_TRANSFER, list(names))
    target = app.page.locator("#drop-zone")
    target.dispatch_event("dragenter", {"dataTransfer": transfer})
    assert "dragging" in (target.get_attribute("class") or "")
    target.dispatch_event("drop", {"dataTransfer": transfer})


def paste(app: LegendaApp, transfer_script: str, arg: object) -> None:
    app.page.evaluate(
        f"""async (arg) => {{
            const transfer = await ({transfer_script})(arg);
            document.body.dispatchEvent(new ClipboardEvent('paste', {{
                clipboardData: transfer, bubbles: true, cancelable: true,
            }}));
        }}""",
        arg,
    )


def test_dropped_files_are_captioned(app: LegendaApp) -> None:
    app.open()
    drop_files(app, "cat.jpg", "coffee.jpg")
    assert "2 images" in app.text("#selection")
    assert app.page.locator("#image-url").input_value() == ""
    assert app.generate() == "done", app.status_text()
    assert app.page.locator("#results .result[data-status=done]").count() == 2


def test_dropped_link_goes_to_the_address_field(app: LegendaApp) -> None:
    app.open()
    url = app.server.image_url("red.png")
    transfer = app.page.evaluate_handle(
        "url => { const t = new DataTransfer(); t.setData('text/uri-list', url); return t; }", url
    )
    app.page.locator("#drop-zone").dispatch_event("drop", {"dataTransfer": transfer})
    assert app.page.locator("#image-url").input_value() == url
    assert app.generate() == "done", app.status_text()
    assert app.page.locator("#preview").get_attribute("src") == url


def test_pasted_image_is_captioned(app: LegendaApp) -> None:
    app.open()
    paste(app, FILES_TRANSFER, ["astronaut.jpg"])
    assert "astronaut.jpg" in app.text("#selection")
    assert app.generate() == "done", app.status_text()
    assert app.text("#caption")
    assert app.page.locator("#preview").get_attribute("src").startswith("blob:")


def test_pasted_link_fills_the_address(app: LegendaApp) -> None:
    app.open()
    url = app.server.image_url("red.png")
    paste(app, "text => { const t = new DataTransfer(); t.setData('text/plain', text); return t; }",
          url)
    assert app.page.locator("#image-url").input_value() == url


def test_copy_and_show_above(app: LegendaApp, context: BrowserContext) -> None:
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=app.server.origin)
    app.open()
    app.caption_files(app.samples_dir / "cat.jpg", app.samples_dir / "rocket.jpg")
    assert app.state == "done", app.status_text()
    second = app.page.locator("#results .result").nth(1)
    caption = second.locator(".result-caption").inner_text().strip()
    translation = second.locator(".result-translation").inner_text().strip()

    second.locator(".result-copy").click()
    expect(second.locator(".result-copy")).to_have_text("Copied")
    assert app.page.evaluate("navigator.clipboard.readText()") == f"{caption}\n{translation}"

    second.locator(".result-show").click()
    expect(second).to_have_class("result featured")
    assert app.text("#caption") == caption
    assert app.text("#translation") == translation
    assert app.page.locator("#preview").get_attribute("alt") == caption

    # Clear forgets every result and empties the shown one.
    app.page.locator("#clear-results").click()
    expect(app.page.locator("#results .result")).to_have_count(0)
    expect(app.page.locator("#preview")).to_be_hidden()
    assert app.text("#caption") == "" and app.text("#translation") == ""
