"""The playground's models on the server (`server:<id>`), end to end: the real sidecar serving
the tiny chat model on /v1/chat/completions and /v1/completions behind an API key, called by
the page in Chromium:
as the `tts` server with `tts_key`, and as another OpenAI-compatible base URL (`chat_url`
ending in /v1, with `chat_key`).

The chat on a server model streams its answers with their figures, copies, regenerates, edits
a turn, keeps the conversation across a reload until Reset; a compare puts the same tiny model
in the browser and on the server side by side, the server continuing the same raw prompt
(/v1/completions); Stop on a server model aborts its request, so
the server's one slot is free for the next at once.
"""

from __future__ import annotations

import json
import re
import urllib.request
from typing import TYPE_CHECKING

from playwright.sync_api import expect
from test_playground import CHAT_MODEL, open_playground, record_output, stats

from tests.web.e2e.sidecar import CHAT_KEY

if TYPE_CHECKING:
    from conftest import LegendaApp

    from tests.sidecar_process import Sidecar


def ask(sidecar: Sidecar, path: str) -> bytes:
    request = urllib.request.Request(
        sidecar.url + path, headers={"Authorization": f"Bearer {CHAT_KEY}"}
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        body: bytes = answer.read()
        return body


def server_model(sidecar: Sidecar) -> str:
    """The tiny chat model as the page writes it: `server:` and the sidecar's id for it."""
    [model] = json.loads(ask(sidecar, "/v1/models"))["data"]
    return f"server:{model['id']}"


def served(sidecar: Sidecar, status: str = "200") -> float:
    """Chat requests the sidecar answered with ``status`` (its /metrics)."""
    metrics = ask(sidecar, "/metrics").decode()
    pattern = rf'^legenda_chat_requests_total{{model="[^"]+",status="{status}"}} (\S+)$'
    return sum(float(m.group(1)) for m in re.finditer(pattern, metrics, re.M))


def turns(app: LegendaApp) -> list[tuple[str, str]]:
    items = app.page.locator("#messages > [data-role]")
    return [
        (str(items.nth(n).get_attribute("data-role")),
         items.nth(n).locator(".turn-text").inner_text())
        for n in range(items.count())
    ]


def send(app: LegendaApp, message: str) -> None:
    app.page.locator("#message").fill(message)
    app.page.locator("#send").click()
    assert app.wait_state("done", "error") == "done", app.status_text()


def test_the_chat_on_a_server_model(app: LegendaApp, chat_sidecar: Sidecar) -> None:
    app.page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    open_playground(app, mode="chat", model=server_model(chat_sidecar), tts=chat_sidecar.url,
                    tts_key=CHAT_KEY, max_new_tokens="16")
    record_output(app, "#messages")
    send(app, "Oi, tudo bem?")
    first = turns(app)
    assert [role for role, _ in first] == ["user", "assistant"] and first[0][1] == "Oi, tudo bem?"
    streamed = {e["text"] for e in app.page.evaluate("window.__outputs") if e["state"] == "working"}
    assert len(streamed) >= 3, "the answer did not stream"
    answer = app.page.locator('#messages > [data-role="assistant"]').last
    figures = stats(app, '#messages > [data-role="assistant"] >> nth=-1 >> [data-tokens]')
    assert 2 <= figures["tokens"] <= 16 and figures["ttft-ms"] > 0 and figures["tokens-per-s"] > 0
    assert stats(app) == figures  # #stats shows the same run
    expect(answer.locator(".turn-where")).to_contain_text("on the server")

    answer.locator('[data-action="copy"]').click()
    expect(app.page.locator("#status")).to_contain_text("Copied")
    assert app.page.evaluate("navigator.clipboard.readText()") == first[1][1]

    before = served(chat_sidecar)
    app.page.locator("#regenerate").click()
    assert app.wait_state("done", "error") == "done", app.status_text()
    assert served(chat_sidecar) == before + 1  # asked again...
    assert [role for role, _ in turns(app)] == ["user", "assistant"]  # ...and replaced

    send(app, "E o gato?")
    assert len(turns(app)) == 4
    app.page.locator('#messages > [data-role="user"]').first.locator('[data-action="edit"]').click()
    expect(app.page.locator("#message")).to_have_value("Oi, tudo bem?")
    send(app, "Olá de novo")
    edited = turns(app)
    assert [role for role, _ in edited] == ["user", "assistant"]  # the later turns are gone
    assert edited[0][1] == "Olá de novo" and edited[1][1]

    app.page.reload()
    app.wait_state("ready", timeout_s=app.settings.STARTUP_TIMEOUT_S)
    assert turns(app) == edited  # kept across the reload
    app.page.locator("#reset").click()
    expect(app.page.locator("#messages > [data-role]")).to_have_count(0)
    assert app.page.evaluate("localStorage.getItem('legenda.chat')") is None


def test_the_same_model_in_the_browser_and_on_the_server(
    app: LegendaApp, chat_sidecar: Sidecar
) -> None:
    server = server_model(chat_sidecar)
    # Another OpenAI-compatible server, as llama.cpp's, vLLM's or Ollama's would be named.
    open_playground(app, mode="compare", compare_models=f"{CHAT_MODEL},{server}", tts="",
                    chat_url=chat_sidecar.url + "/v1", chat_key=CHAT_KEY, max_new_tokens="12")
    prompt = "Responda: onde está o gato?"
    app.page.locator("#prompt").fill(prompt)
    sent: list[tuple[str, dict]] = []
    app.page.on("request", lambda r: sent.append((r.url, r.post_data_json))
                if r.method == "POST" and "/v1/" in r.url else None)
    app.page.locator("#generate").click()
    assert app.wait_state("done", "error") == "done", app.status_text()
    # The raw prompt, as the browser continues it: no chat turn, no template.
    assert [(url, body["prompt"]) for url, body in sent] == [
        (chat_sidecar.url + "/v1/completions", prompt)]
    for model, where, words in ((CHAT_MODEL, "browser", "in the browser"),
                                (server, "server", "on the server")):
        column = app.page.locator(f'#compare > [data-model="{model}"]')
        assert column.get_attribute("data-where") == where
        expect(column.locator(".column-where")).to_contain_text(words)
        assert column.locator("[data-output]").inner_text(), model
        figures = stats(app, f'#compare > [data-model="{model}"] [data-tokens]')
        assert figures["tokens"] > 0 and figures["ttft-ms"] > 0, model
        assert figures["tokens-per-s"] > 0, model
    app.screenshot("playground-compare-browser-server")


def test_stop_on_a_server_model_aborts_its_request(app: LegendaApp, chat_sidecar: Sidecar) -> None:
    # max_new_tokens=2048: the playground's own bound (the caption page stops at 256).
    open_playground(app, model=server_model(chat_sidecar), tts=chat_sidecar.url,
                    tts_key=CHAT_KEY, max_new_tokens="2048")
    app.page.locator("#prompt").fill("Era uma vez um gato")
    app.page.locator("#generate").click()
    app.page.wait_for_function("Number(document.querySelector('#stats').dataset.tokens) >= 5")
    app.page.locator("#stop").click()
    assert app.wait_state("done", "error") == "done", app.status_text()
    assert "stop" in app.status_text().lower()
    assert app.text("#output") and 5 <= stats(app)["tokens"] < 2048
    # The sidecar has one slot and waits 0.5 s for it: the next run is served only because
    # the aborted request freed it.
    app.page.locator("[name=max_new_tokens]").fill("8")
    app.page.locator("#generate").click()
    assert app.wait_state("done", "error") == "done", app.status_text()
    assert stats(app)["tokens"] == 8
    assert served(chat_sidecar, "429") == 0
