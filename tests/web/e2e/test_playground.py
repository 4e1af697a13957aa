"""The playground page (playground.html) end to end, on the tiny generated models.

Generate streams its text, Stop keeps what came, the chat keeps its history until Reset,
compare fills one column per model, and every refused run says why in #status with the page in
`error`. The `context` fixture fails a test whose page asked for anything not on 127.0.0.1.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING
from urllib.parse import urlencode

import pytest
from playwright.sync_api import expect

if TYPE_CHECKING:
    from conftest import LegendaApp

CHAT_MODEL = "legenda-test/tiny-smollm2"  # a SmolLM2-layout Llama with a chat template
T5_MODEL = "legenda-test/tiny-flan-t5"  # text2text, no chat template
RAW_ERROR = re.compile(r"Traceback|Error:|Exception|TypeError|\bat \S+ \(|undefined|\bnull\b")
PHI = "onnx-community/Phi-3.5-mini-instruct-onnx-web"
PHI_ON_SERVER = "server:microsoft/Phi-3.5-mini-instruct"


def open_playground(app: LegendaApp, **params: str) -> LegendaApp:
    """playground.html with the tiny models and greedy decoding (overridden by ``params``)."""
    query = {
        "models": app.settings.MODELS_MOUNT, "remote_models": "0", "ui_lang": "en",
        "model": CHAT_MODEL, "do_sample": "0", "max_new_tokens": "24", **params,
    }
    app.page.goto(app.server.url("playground.html?" + urlencode(query)))
    app.wait_state("ready", timeout_s=app.settings.STARTUP_TIMEOUT_S)
    return app


def record_output(app: LegendaApp, selector: str = "#output") -> None:
    """Record every text ``selector`` shows, with the page state at that moment."""
    app.page.evaluate(
        """(selector) => {
            const target = document.querySelector(selector);
            window.__outputs = [];
            new MutationObserver(() => window.__outputs.push(
                {text: target.textContent, state: document.body.dataset.state})
            ).observe(target, {childList: true, characterData: true, subtree: true});
        }""",
        selector,
    )


def stats(app: LegendaApp, selector: str = "#stats") -> dict[str, float]:
    element = app.page.locator(selector)
    return {
        name: float(element.get_attribute(f"data-{name}") or "nan")
        for name in ("tokens", "ttft-ms", "tokens-per-s")
    }


def assert_error(app: LegendaApp, *words: str) -> str:
    """The page is in `error` with a sentence (holding ``words``) in #status, no raw error."""
    assert app.wait_state("done", "error") == "error", app.status_text()
    message = app.status_text()
    assert len(message) > 30 and message.rstrip().endswith((".", "!", ")")), message
    assert not RAW_ERROR.search(message), message
    for word in words:
        assert word.lower() in message.lower(), message
    return message


def test_generate_streams_the_text_token_by_token(app: LegendaApp) -> None:
    open_playground(app, max_new_tokens="120")
    expect(app.page.locator("#mode")).to_have_value("generate")
    app.page.locator("#prompt").fill("Era uma vez um gato")
    record_output(app)
    app.page.locator("#generate").click()
    assert app.wait_state("done", "error") == "done", app.status_text()
    outputs = app.page.evaluate("window.__outputs")
    streamed = {entry["text"] for entry in outputs if entry["state"] == "working"}
    assert len(streamed) >= 3, f"the output changed only {len(streamed)} times while working"
    final = app.text("#output")
    assert final and all(final.startswith(text.strip()) for text in streamed if text.strip())
    figures = stats(app)
    assert figures["tokens"] == 120  # the tiny model never ends early
    assert figures["ttft-ms"] > 0 and figures["tokens-per-s"] > 0
    # The model cache view (shared with the caption page) lists the model this page used.
    expect(app.page.locator("#model-cache")).to_contain_text(CHAT_MODEL)
    app.screenshot("playground-generate")


def test_an_empty_prompt_cannot_start_a_run(app: LegendaApp) -> None:
    open_playground(app)
    app.page.locator("#prompt").fill("   ")
    generate = app.page.locator("#generate")
    if generate.is_disabled():
        app.page.locator("#prompt").fill("Oi")
        expect(generate).to_be_enabled()
    else:
        generate.click()
        assert_error(app, "empty")
        assert app.text("#output") == ""


def test_stop_ends_early_and_keeps_the_text(app: LegendaApp) -> None:
    open_playground(app, max_new_tokens="256")
    app.page.locator("#prompt").fill("Um cachorro brincando no parque")
    app.page.locator("#generate").click()
    app.page.wait_for_function(
        "Number(document.querySelector('#stats').dataset.tokens) >= 5"
        " && document.querySelector('#output').textContent.trim().length > 0"
    )
    app.page.locator("#stop").click()
    assert app.wait_state("done", "error") == "done", app.status_text()
    kept = app.text("#output")
    assert kept, "Stop must keep the text generated so far"
    assert 5 <= stats(app)["tokens"] < 256
    assert "stop" in app.status_text().lower()
    # The next run is a whole one again (the stop does not linger).
    app.page.locator("#prompt").fill("Outra vez")
    app.page.locator("[name=max_new_tokens]").fill("8")
    app.page.locator("#generate").click()
    # New parameters are checked by Python first: the page stays `done` (the stopped run's)
    # until its answer starts the run, so wait for the new run, not that `done`.
    app.page.wait_for_function(
        "document.body.dataset.state !== 'done'"
        " || Number(document.querySelector('#stats').dataset.tokens) === 8"
    )
    assert app.wait_state("done", "error") == "done", app.status_text()
    assert stats(app)["tokens"] == 8


def _turns(app: LegendaApp) -> list[tuple[str, str]]:
    turns = app.page.locator("#messages > [data-role]")
    return [
        (str(turns.nth(n).get_attribute("data-role")), turns.nth(n).inner_text().strip())
        for n in range(turns.count())
    ]


def _send(app: LegendaApp, message: str) -> None:
    app.page.locator("#message").fill(message)
    app.page.locator("#send").click()
    assert app.wait_state("done", "error") == "done", app.status_text()


def test_the_chat_keeps_its_history_and_reset_clears_it(app: LegendaApp) -> None:
    open_playground(app, mode="chat", max_new_tokens="12")
    expect(app.page.locator("#mode")).to_have_value("chat")
    expect(app.page.locator("#system")).to_have_value(
        "Você é um assistente virtual prestativo. Responda somente em Português."
    )
    _send(app, "Oi, tudo bem?")
    first = _turns(app)
    assert [role for role, _ in first] == ["user", "assistant"]
    assert "Oi, tudo bem?" in first[0][1] and first[1][1]
    assert stats(app)["tokens"] == 12
    _send(app, "E o gato?")
    turns = _turns(app)
    assert [role for role, _ in turns] == ["user", "assistant", "user", "assistant"]
    assert turns[:2] == first  # the history stays as it was
    assert "E o gato?" in turns[2][1] and turns[3][1]
    app.screenshot("playground-chat")
    app.page.locator("#reset").click()
    expect(app.page.locator("#messages > [data-role]")).to_have_count(0)
    _send(app, "De novo")
    assert [role for role, _ in _turns(app)] == ["user", "assistant"]


def test_compare_fills_one_column_per_model(app: LegendaApp) -> None:
    open_playground(app, mode="compare", compare_models=f"{T5_MODEL},{CHAT_MODEL}")
    expect(app.page.locator("#mode")).to_have_value("compare")
    app.page.locator("#prompt").fill("Responda: onde está o gato?")
    app.page.locator("#generate").click()
    assert app.wait_state("done", "error") == "done", app.status_text()
    columns = app.page.locator("#compare > [data-model]")
    assert [columns.nth(n).get_attribute("data-model") for n in range(columns.count())] == [
        T5_MODEL, CHAT_MODEL,
    ]
    for model in (T5_MODEL, CHAT_MODEL):
        column = f'#compare > [data-model="{model}"]'
        assert app.text(f"{column} [data-output]"), model
        figures = stats(app, f"{column} [data-tokens]")
        assert figures["tokens"] > 0 and figures["ttft-ms"] > 0, model
    app.screenshot("playground-compare")


@pytest.mark.parametrize(
    ("params", "fill", "words"),
    [
        ({"mode": "chat", "model": T5_MODEL}, "#message", ("chat template",)),
        ({"model": "legenda-test/tiny-vit-gpt2"}, "#prompt", ("text-generation",)),
        ({"model": "legenda-test/no-such-model"}, "#prompt", ("not found",)),
    ],
    ids=["no-chat-template", "not-a-text-model", "model-not-found"],
)
def test_each_refused_model_is_said_in_status(
    app: LegendaApp, params: dict[str, str], fill: str, words: tuple[str, ...]
) -> None:
    open_playground(app, **params)
    app.page.locator(fill).fill("Oi, tudo bem?")
    app.page.locator("#send" if fill == "#message" else "#generate").click()
    assert_error(app, *words)
    assert params["model"] in app.status_text()


def test_a_parameter_out_of_range_is_refused(app: LegendaApp) -> None:
    open_playground(app)
    app.page.locator("#prompt").fill("Oi")
    app.page.locator("[name=top_p]").fill("1.5")
    app.page.locator("#generate").click()
    assert_error(app, "top_p")
    assert app.text("#output") == ""


def test_the_webgpu_model_is_offered_only_with_webgpu(app: LegendaApp) -> None:
    open_playground(app, mode="chat")  # the test Chromium runs with --disable-gpu: no WebGPU
    assert app.page.locator(f'option[value="{PHI}"]').count() == 0
    expect(app.page.locator("#webgpu-note")).to_contain_text("WebGPU")
    # On the server it is offered anyway (issue 15), and the note says so.
    assert app.page.locator(f'option[value="{PHI_ON_SERVER}"]').count() == 1
    expect(app.page.locator("#webgpu-note")).to_contain_text(PHI_ON_SERVER)


def test_the_pages_link_to_each_other(app: LegendaApp) -> None:
    app.page.goto(app.server.url("?" + urlencode({"models": app.settings.MODELS_MOUNT})))
    app.page.locator('a[href="playground.html"]').first.click()
    app.page.wait_for_url(re.compile(r"playground\.html"))
    app.page.locator('a[href="./"]').first.click()
    app.page.wait_for_url(re.compile(r"/(\?.*)?$"))


def test_the_playground_in_portuguese_shows_no_english(app: LegendaApp) -> None:
    from test_page_settings import english_on_page  # the caption page's check, one place

    open_playground(app, ui_lang="pt", mode="chat", model=T5_MODEL)
    assert app.page.evaluate("document.documentElement.lang") == "pt-BR"
    app.page.locator("#message").fill("Oi")
    app.page.locator("#send").click()
    assert_error(app, "chat template")  # the sentence names the concept in both languages
    assert "não tem" in app.status_text()
    assert english_on_page(app) == []
