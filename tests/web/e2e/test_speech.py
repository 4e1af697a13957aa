"""Speech end to end: the real page, worker and tiny models, and the real sidecar process.

image -> caption -> translation -> POST /api/speech -> polling -> WAV in #audio. The sidecar runs
espeak-ng (real Portuguese, instant) or a tiny random-weight Bark (real model code, noise out).
Speech is an extra: without a sidecar the page still captions and translates, and says why
there is no sound and how to get it.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from tests.sidecar_process import Sidecar, running_sidecar, sidecar_env

if TYPE_CHECKING:
    from pathlib import Path

    from conftest import LegendaApp
    from playwright.sync_api import Request


def speech_requests(app: LegendaApp) -> list[dict[str, object]]:
    """Record the JSON bodies the page posts to /api/speech (the list fills as they go)."""
    bodies: list[dict[str, object]] = []

    def on_request(request: Request) -> None:
        if request.method == "POST" and request.url.split("?")[0].endswith("/api/speech"):
            bodies.append(json.loads(request.post_data or "{}"))

    app.page.on("request", on_request)
    return bodies


def wait_speech(app: LegendaApp, *phases: str) -> str:
    """Wait until #speech-panel's data-speech is one of ``phases``; return it."""
    app.page.wait_for_function(
        "phases => phases.includes(document.querySelector('#speech-panel').dataset.speech)",
        arg=list(phases),
    )
    return str(app.page.locator("#speech-panel").get_attribute("data-speech"))


def wait_audio(app: LegendaApp, selector: str = "#audio") -> dict[str, object]:
    """Wait until the player has a source whose length is known and > 0; return its state."""
    app.page.wait_for_function(
        "sel => { const a = document.querySelector(sel); return a && a.src && a.duration > 0; }",
        arg=selector,
    )
    return app.page.locator(selector).evaluate(
        "a => ({src: a.src, duration: a.duration, paused: a.paused, hidden: a.hidden})"
    )


def wait_voices(app: LegendaApp, lang: str) -> list[str]:
    """Wait until #voice lists the sidecar's voices for ``lang``; return the option values."""
    app.page.wait_for_function(
        "lang => { const s = document.querySelector('#voice');"
        " return s.dataset.lang === lang && s.options.length > 1; }",
        arg=lang,
    )
    return app.page.locator("#voice option").evaluate_all("os => os.map(o => o.value)")


def first_card_player(app: LegendaApp) -> str:
    return "#results .result:last-child .result-audio audio"


def test_espeak_speaks_the_translation(app: LegendaApp, espeak_sidecar: Sidecar) -> None:
    posted = speech_requests(app)
    app.open(tts=espeak_sidecar.url)
    assert wait_voices(app, "pt") == ["", "pt-br", "pt"]
    assert "espeak" in app.text("#speech-engine")
    app.caption_url(app.server.image_url("red.png"))
    assert app.state == "done"
    translation = app.text("#translation")
    assert translation
    assert wait_speech(app, "done", "error", "unavailable") == "done", app.text("#speech-panel")
    audio = wait_audio(app)
    assert str(audio["src"]).startswith(espeak_sidecar.url + "/api/audio/")
    assert audio["hidden"] is False
    # The result's own card keeps the same speech.
    card = wait_audio(app, "#results .result .result-audio audio")
    assert card["src"] == audio["src"]
    assert posted == [{"text": translation, "lang": "pt"}]
    assert app.state == "done"
    app.screenshot("speech-espeak")


def test_new_result_pauses_the_playing_audio(app: LegendaApp, espeak_sidecar: Sidecar) -> None:
    posted = speech_requests(app)
    app.open(tts=espeak_sidecar.url)
    wait_voices(app, "pt")
    app.caption_url(app.server.image_url("red.png"))
    wait_speech(app, "done")
    first = wait_audio(app)
    # Loop the first result's player so that only the page can stop it, not its end.
    player = app.page.locator(first_card_player(app))
    player.evaluate("a => { a.loop = true; return a.play(); }")
    app.page.wait_for_function(
        "sel => { const a = document.querySelector(sel); return !a.paused && a.currentTime > 0; }",
        arg=first_card_player(app),
    )
    # Another voice gives another audio file for the same text.
    app.page.locator("#voice").select_option("pt")
    app.caption_url(app.server.image_url("red.png"))
    app.page.wait_for_function(
        "old => { const a = document.querySelector('#audio'); return a.src && a.src !== old; }",
        arg=first["src"],
    )
    assert player.evaluate("a => a.paused") is True
    second = wait_audio(app)
    assert second["src"] != first["src"]
    assert posted[-1]["voice"] == "pt"
    assert "voice: pt" in app.text("#speech-engine")


def test_without_sidecar_captions_still_work_and_retry_brings_speech(
    app: LegendaApp, sidecar_later: Sidecar
) -> None:
    app.open(tts=sidecar_later.url)  # nothing listens there yet
    assert wait_speech(app, "unavailable") == "unavailable"
    message = app.text("#speech-message")
    assert sidecar_later.url in message
    assert "make run" in message and "python -m tts_server --port 5000" in message
    assert app.page.locator("#speech-retry").is_visible()
    app.caption_url(app.server.image_url("red.png"))
    assert app.state == "done"
    assert app.text("#caption") and app.text("#translation")
    assert wait_speech(app, "unavailable") == "unavailable"
    assert app.state == "done"
    assert not app.page.locator("#audio").get_attribute("src")

    sidecar_later.start()
    app.page.locator("#speech-retry").click()
    # The panel was "unavailable" before the click: wait for an outcome after it.
    assert wait_speech(app, "done", "error") == "done", app.text("#speech-panel")
    assert str(wait_audio(app)["src"]).startswith(sidecar_later.url)
    assert app.page.locator("#speech-retry").is_hidden()
    assert app.state == "done"


def test_setting_the_tts_address_in_the_panel_turns_speech_on(
    app: LegendaApp, espeak_sidecar: Sidecar
) -> None:
    app.open()  # the test settings leave tts empty: speech is off
    assert wait_speech(app, "off") == "off"
    assert "“tts” setting is empty" in app.text("#speech-status")
    app.page.locator("#settings-panel summary").click()
    app.page.locator("#setting-tts").fill(espeak_sidecar.url)
    app.page.locator("#settings-apply").click()
    assert wait_speech(app, "idle") == "idle"
    assert wait_voices(app, "pt") == ["", "pt-br", "pt"]
    app.caption_url(app.server.image_url("red.png"))
    assert wait_speech(app, "done", "error") == "done", app.text("#speech-panel")
    assert str(wait_audio(app)["src"]).startswith(espeak_sidecar.url)


def test_sidecar_error_message_is_shown(app: LegendaApp, tmp_path: Path) -> None:
    env = {**sidecar_env(tmp_path / "audio", "espeak"), "LEGENDA_MAX_TEXT_CHARS": "3"}
    with running_sidecar(tmp_path, env) as sidecar:
        app.open(tts=sidecar.url)
        wait_voices(app, "pt")
        app.caption_url(app.server.image_url("red.png"))
        assert wait_speech(app, "error") == "error"
    message = app.text("#speech-message")
    assert "could not read it" in message
    assert "at most 3" in message  # the sidecar's own sentence
    assert app.page.locator("#speech-retry").is_visible()
    assert app.state == "done"


def test_sidecar_whose_model_failed_says_why(app: LegendaApp, tmp_path: Path) -> None:
    missing = tmp_path / "no-such-bark"
    env = sidecar_env(tmp_path / "audio", "bark", model=str(missing))
    sidecar = Sidecar(tmp_path, env)
    try:
        sidecar.start(until="failed")  # it runs, and says its model could not be loaded
        app.open(tts=sidecar.url)
        assert wait_speech(app, "unavailable") == "unavailable"
        message = app.text("#speech-message")
        # The folder is named, but not where it is: local paths stay in the sidecar's log.
        assert missing.name in message and "LEGENDA_TTS_MODEL" in message
        assert str(missing) not in message
        assert ".." not in message
        app.caption_url(app.server.image_url("red.png"))
        assert app.state == "done"
        assert app.text("#translation")
        assert app.page.locator("#speech-retry").is_visible()
    finally:
        sidecar.stop()


def test_language_change_changes_translation_and_voices(
    app: LegendaApp, espeak_sidecar: Sidecar
) -> None:
    posted = speech_requests(app)
    app.open(tts=espeak_sidecar.url)
    wait_voices(app, "pt")
    results: list[dict[str, object]] = []
    app.page.expose_function("reportResult", lambda detail: results.append(detail))
    app.page.evaluate(
        "document.addEventListener('legenda:result', e => window.reportResult("
        "{lang: e.detail.lang, translation: e.detail.translation}))"
    )
    app.page.locator("#lang").select_option("es")
    assert wait_voices(app, "es") == ["", "es", "es-419"]
    app.page.locator("#voice").select_option("es-419")
    app.caption_url(app.server.image_url("red.png"))
    assert wait_speech(app, "done", "error") == "done", app.text("#speech-panel")
    assert results[-1]["lang"] == "es"
    assert app.page.locator("#translation").get_attribute("lang") == "es"
    assert posted[-1] == {"text": results[-1]["translation"], "lang": "es", "voice": "es-419"}
    assert "voice: es-419" in app.text("#speech-engine")


def test_tiny_bark_speaks(app: LegendaApp, bark_sidecar: Sidecar) -> None:
    posted = speech_requests(app)
    app.open(tts=bark_sidecar.url)
    voices = wait_voices(app, "pt")
    # The tiny Bark folder holds these presets only, and the list says so.
    assert voices == ["", "v2/pt_speaker_0", "v2/pt_speaker_1", "v2/pt_speaker_2"]
    assert "bark" in app.text("#speech-engine")
    app.page.locator("#voice").select_option("v2/pt_speaker_1")
    # What the panel showed at each phase: Bark takes a while, so a bar and a clock show.
    app.page.evaluate(
        """() => {
            const panel = document.querySelector('#speech-panel');
            window.__speech = [];
            new MutationObserver(() => window.__speech.push({
                phase: panel.dataset.speech,
                bar: !document.querySelector('#speech-progress').hidden,
                clock: document.querySelector('#speech-elapsed').textContent,
            })).observe(panel, {attributes: true, attributeFilter: ['data-speech']});
        }"""
    )
    app.caption_url(app.server.image_url("red.png"))
    assert wait_speech(app, "done", "error", "unavailable") == "done", app.text("#speech-panel")
    seen = app.page.evaluate("window.__speech")
    assert seen[0] == {"phase": "queued", "bar": True, "clock": "0 s"}
    assert seen[-1]["phase"] == "done" and seen[-1]["bar"] is False
    assert "spoken in" in app.text("#speech-status")
    audio = wait_audio(app)
    assert str(audio["src"]).startswith(bark_sidecar.url + "/api/audio/")
    assert posted[-1]["voice"] == "v2/pt_speaker_1"
    assert app.state == "done"


def test_every_result_gets_its_speech_and_show_above_plays_it(
    app: LegendaApp, espeak_sidecar: Sidecar
) -> None:
    app.open(tts=espeak_sidecar.url)
    wait_voices(app, "pt")
    app.caption_files(app.samples_dir / "cat.jpg", app.samples_dir / "rocket.jpg")
    assert app.state == "done"
    featured = wait_audio(app)
    cards = {
        item: f'#results .result[data-item-id="{item}"] .result-audio audio'
        for item in ("item-1", "item-2")
    }
    slots = {item: wait_audio(app, selector)["src"] for item, selector in cards.items()}
    assert featured["src"] == slots["item-1"]  # the first image is the one shown above
    assert slots["item-2"] != slots["item-1"], "two different translations, two recordings"
    app.page.locator('#results .result[data-item-id="item-2"] .result-show').click()
    app.page.wait_for_function(
        "src => document.querySelector('#audio').src === src", arg=slots["item-2"]
    )
    assert app.text("#translation") == app.text(
        '#results .result[data-item-id="item-2"] .result-translation'
    )
