"""Every setting of web/settings-schema.json end to end, and the page in Portuguese.

- Each key (read from the schema, not a hand-picked list) goes through the query string, is
  saved in this browser, shared by link and reset. The resolved values are read back from the
  share link (built from what the page and Python resolved) and the form.
- With ui_lang=pt the whole page, including each error the other e2e tests provoke, shows no
  English; switching ui_lang re-words what is already on the page.
"""

from __future__ import annotations

import json
import re
import socket
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

if TYPE_CHECKING:
    from conftest import LegendaApp

REPO = Path(__file__).resolve().parents[3]
SCHEMA = json.loads((REPO / "web" / "settings-schema.json").read_text(encoding="utf-8"))
SPECS = {spec["key"]: spec for spec in SCHEMA["settings"]}
SAVED_KEY = "legenda.settings"
# isolate=1 makes the page reload itself under a service worker: test_settings.py follows it
# through the query string, the panel, saving and reset; the rest go through here.
ROUND_TRIP_KEYS = [key for key in SPECS if key != "isolate"]
# This headless Chromium has no WebGPU adapter: device=webgpu is taken (and saved) and runs on
# wasm, with a notice (test_device.py follows that fallback).
IN_FORCE = {"device": "wasm"}


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def other_value(spec: dict[str, Any], app: LegendaApp) -> str:
    """A valid value of the setting that differs from its default, as a query string writes it."""
    kind, default = spec["type"], spec["default"]
    if kind == "choice":
        return next(choice for choice in spec["choices"] if choice != default)
    if kind == "language":
        return "es"
    if kind == "flag":
        return "0" if default else "1"
    if kind == "int":
        return str(default + 1 if default < spec["max"] else default - 1)
    if kind == "float":  # inside the bounds (top_p stops at 1)
        return next(v for v in ("1.5", "1.25", "0.5") if default != float(v) <= spec["max"])
    if kind == "url":
        return f"http://127.0.0.1:{_closed_port()}"
    special = {
        "caption_model": "legenda-test/tiny-vit-gpt2",
        "translation_model": "legenda-test/tiny-nllb",
        "models": "/test-models/",
        "voice": "v2/es_speaker_1",
        "tts_key": "key-123",
        "chat_key": "key-456",
        "model": "legenda-test/tiny-smollm2",
        "compare_models": "legenda-test/tiny-flan-t5,legenda-test/tiny-smollm2",
        "system_prompt": "Responda em inglês.",
    }
    return special[spec["key"]]


def as_text(value: Any) -> str:
    if value is True:
        return "1"
    if value is False:
        return "0"
    return f"{value:g}" if isinstance(value, float) else str(value)  # as JavaScript writes it


def link_values(app: LegendaApp) -> dict[str, str]:
    """Press Copy link; the settings it carries (what the page has in force)."""
    panel = app.page.locator("#settings-panel")
    if not panel.evaluate("d => d.open"):
        panel.locator("summary").click()
    app.page.wait_for_function("document.querySelector('#settings-panel').dataset.ready === '1'")
    app.page.locator("#settings-copy-link").click()
    link = app.page.locator("#settings-link").input_value()
    query = parse_qs(urlsplit(link).query, keep_blank_values=True)
    return {key: values[0] for key, values in query.items()}


def in_force(app: LegendaApp, key: str) -> str:
    """A setting's value in force: from the share link, or the form for the secret ones (a
    flag's checkbox as 0 or 1; the page's resolved settings for one this page's form does not
    show: chat_key)."""
    if SPECS[key].get("secret"):
        control = app.page.locator(f"#setting-{key}")
        if not control.count():
            return str(app.page.evaluate(
                "async key => (await import('./ui/page-store.js')).store.get().settings[key]", key
            ))
        if SPECS[key]["type"] == "flag":
            return "1" if control.is_checked() else "0"
        return control.input_value()
    return link_values(app)[key]


def test_every_setting_round_trips_through_query_save_link_and_reset(app: LegendaApp) -> None:
    values = {key: other_value(SPECS[key], app) for key in ROUND_TRIP_KEYS}
    # 1. The query string sets every one of them.
    app.open(**values)
    linked = link_values(app)
    for key in ROUND_TRIP_KEYS:
        got = in_force(app, key) if SPECS[key].get("secret") else linked.get(key)
        assert got == IN_FORCE.get(key, values[key]), (key, got)
    assert "tts_key" not in linked and "chat_key" not in linked, "a key never travels in a link"
    # Every control that sets a setting of this page carries name="<key>" (the playground's
    # own settings have their controls on playground.html: test_playground.py).
    names = set(app.page.locator("[name]").evaluate_all("els => els.map(e => e.name)"))
    on_this_page = {key for key in SPECS if "index" in SPECS[key].get("pages", ["index"])}
    assert on_this_page <= names, on_this_page - names

    # 2. Saved: changed on the page (as the controls do), then kept without any query.
    app.open()
    app.page.evaluate(
        "async values => (await import('./ui/settings.js')).changeSettings(values)", values
    )
    app.page.wait_for_function(
        "n => Object.keys(JSON.parse(localStorage.getItem('legenda.settings') || '{}')).length"
        " === n", arg=len(values),
    )
    assert json.loads(app.page.evaluate(f"localStorage.getItem('{SAVED_KEY}')")) == values
    app.page.goto(app.server.url())
    app.wait_state("ready", "error")
    linked = link_values(app)
    for key in ROUND_TRIP_KEYS:
        got = in_force(app, key) if SPECS[key].get("secret") else linked.get(key)
        assert got == IN_FORCE.get(key, values[key]), (key, got)

    # 3. A link shares them with a browser that has nothing saved.
    link = app.page.locator("#settings-link").input_value()
    app.page.evaluate(f"localStorage.removeItem('{SAVED_KEY}')")
    app.page.goto(link)
    app.wait_state("ready", "error")
    linked = link_values(app)
    for key in ROUND_TRIP_KEYS:
        if not SPECS[key].get("secret"):
            assert linked.get(key) == IN_FORCE.get(key, values[key]), (key, linked.get(key))

    # 4. Reset: nothing saved, the address clean, every setting back to its default.
    app.page.evaluate(
        "async values => (await import('./ui/settings.js')).changeSettings(values)", values
    )
    app.page.locator("#settings-reset").click()
    app.page.wait_for_function(f"localStorage.getItem('{SAVED_KEY}') === null")
    app.page.wait_for_function(
        "v => document.querySelector('#setting-batch_size').value === v",
        arg=as_text(SPECS["batch_size"]["default"]),
    )
    assert urlsplit(app.page.url).query == ""
    linked = link_values(app)
    browser_lang = app.page.evaluate("navigator.language").split("-")[0]
    for key in ROUND_TRIP_KEYS:
        spec = SPECS[key]
        default = spec.get("browser_default", {}).get(browser_lang, spec["default"])
        got = in_force(app, key) if spec.get("secret") else linked.get(key)
        if spec.get("link_when_set") and got is None:
            got = as_text(default)  # a link leaves such a setting out while it is the default
        want = as_text(default).rstrip("/") if spec["type"] == "url" else as_text(default)
        assert got == want, (key, got, want)


# --- the page in Portuguese -----------------------------------------------------------------

# English words no Portuguese sentence uses (addresses, file names and hyphenated names such as
# scikit-image or vit-gpt2-image-captioning are left out first).
ENGLISH = re.compile(
    r"\b(the|and|is|are|could|not|with|your|this|image|images|Loading|Choose|Press|Ready|Done|"
    r"Generate|Translate|Translation|Results|Settings|Speech|Voice|Copy|Show|Waiting|Clear|"
    r"Apply|Reset|Retry|Refresh|Cancel|files|model|was|found|failed|page|browser)\b"
)
ADDRESS = re.compile(r"\S*[/\\]\S*|\S+\.(jpg|png|js|json|onnx)\b|\S+-\S+")


def english_on_page(app: LegendaApp) -> list[str]:
    """Every piece of English the page shows: text, titles, labels, placeholders."""
    texts: list[str] = app.page.evaluate(
        """() => {
          for (const d of document.querySelectorAll('details')) d.open = true;
          const out = [document.title, document.body.innerText];
          const attributes = ['aria-label', 'title', 'placeholder', 'content'];
          for (const el of document.querySelectorAll('[aria-label], [title], meta')) {
            for (const a of attributes) if (el.getAttribute(a)) out.push(el.getAttribute(a));
          }
          return out;
        }"""
    )
    found = []
    for text in texts:
        for line in text.splitlines():
            match = ENGLISH.search(ADDRESS.sub(" ", line))
            if match:
                found.append(f"{match.group(0)!r} in {line!r}")
    return found


def assert_portuguese(app: LegendaApp) -> None:
    assert app.page.evaluate("document.documentElement.lang") == "pt-BR"
    assert english_on_page(app) == []


def test_a_portuguese_page_shows_no_english_even_in_errors(app: LegendaApp) -> None:
    # A bad setting, and a speech server that does not answer.
    app.open(
        ("error",), ui_lang="pt", tts=f"http://127.0.0.1:{_closed_port()}", max_new_tokens="lots"
    )
    app.page.wait_for_function(
        "document.querySelector('#speech-panel').dataset.speech === 'unavailable'"
    )
    assert "max_new_tokens" in app.status_text()
    assert_portuguese(app)
    # No image given, then an address that is not a link.
    app.page.locator("#generate").click()
    app.wait_state("error")
    assert_portuguese(app)
    app.page.locator("#image-url").fill("ftp://example")
    app.page.locator("#generate").click()
    assert_portuguese(app)
    # A missing image, something that is not an image, and a working one.
    for name in ("missing.jpg", "not-an-image.jpg"):
        assert app.caption_url(app.server.image_url(name)) == "error"
        assert_portuguese(app)
    assert app.caption_url(app.server.image_url("red.png")) == "done"
    assert_portuguese(app)
    # A model that is not there (remote models are off in the tests).
    app.page.evaluate(
        "async () => (await import('./ui/settings.js')).changeSettings({caption_model: 'x/none'})"
    )
    app.page.wait_for_function(
        "document.querySelector('#setting-caption_model').value === 'x/none'"
    )
    assert app.caption_url(app.server.image_url("red.png")) == "error"
    assert_portuguese(app)
    # A language the translation model lacks (the tiny opus-mt has no German).
    app.page.evaluate(
        "async ([caption, translation]) => (await import('./ui/settings.js')).changeSettings("
        "{caption_model: caption, translation_model: translation, lang: 'de'})",
        [app.caption_model, app.fast_translation_model],
    )
    app.page.wait_for_function(
        "(model) => document.querySelector('#setting-translation_model').value === model"
        " && document.querySelector('#lang').value === 'de'",
        arg=app.fast_translation_model,
    )
    assert app.caption_url(app.server.image_url("red.png")) == "error"
    assert "Deutsch" in app.status_text()
    assert_portuguese(app)


def test_switching_the_page_language_rewords_what_is_there(app: LegendaApp) -> None:
    app.open()
    assert app.caption_url(app.server.image_url("red.png")) == "done"
    english_status = app.status_text()
    app.page.locator("#ui-lang").select_option("pt")
    app.page.wait_for_function("document.documentElement.lang === 'pt-BR'")
    assert app.status_text() != english_status
    assert_portuguese(app)
    assert app.page.locator("#results .result").count() == 1  # nothing ran again
    app.page.wait_for_function(
        "JSON.parse(localStorage.getItem('legenda.settings') || '{}').ui_lang === 'pt'"
    )
    app.page.locator("#ui-lang").select_option("en")
    app.page.wait_for_function("document.documentElement.lang === 'en'")
    assert app.status_text() == english_status
