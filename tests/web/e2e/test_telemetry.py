"""Browser timings end to end (issue 18): the real page, Python worker and tiny models, and the
real sidecar process. With ``telemetry=1`` each finished job (its speech included) posts one
report to the sidecar, whose ``legenda_browser_*`` series then hold the page's own timings,
labelled with the page's models, dtype and device; with the setting off (the default) the page
sends nothing to /api/telemetry."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest
import requests
from test_speech import wait_audio, wait_speech, wait_voices

from tests.services import running_prometheus
from tests.sidecar_process import Sidecar, running_sidecar, sidecar_env
from tests.tts_server.test_monitoring import prom_query
from tests.web.e2e.model_ids import CAPTION_MODEL, TRANSLATION_MODEL

if TYPE_CHECKING:
    from pathlib import Path

    from conftest import LegendaApp
    from playwright.sync_api import Request, Response

REPORT_FIELDS = (
    "visit", "device", "dtype", "threads", "caption_model", "translation_model",
    "caption_load_s", "caption_s", "translation_load_s", "translation_s", "speech_wait_s",
    "caption_token_s", "translation_token_s", "error",
)


@pytest.fixture(scope="module")
def timed_sidecar(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sidecar]:
    """An espeak sidecar that keeps the tiny test models' ids as labels."""
    workdir = tmp_path_factory.mktemp("sidecar-telemetry")
    env = {**sidecar_env(workdir / "audio", "espeak"),
           "LEGENDA_TELEMETRY_MODELS": f"{CAPTION_MODEL},{TRANSLATION_MODEL}"}
    with running_sidecar(workdir, env) as sidecar:
        yield sidecar


def telemetry_traffic(app: LegendaApp) -> tuple[list[Request], list[Response]]:
    """Every request the page makes to /api/telemetry (preflights too), and the answers to its
    POSTs, as they go."""
    sent: list[Request] = []
    answers: list[Response] = []

    def is_telemetry(url: str) -> bool:
        return url.split("?")[0].endswith("/api/telemetry")

    app.page.on("request", lambda request: is_telemetry(request.url) and sent.append(request))
    app.page.on("response", lambda response: is_telemetry(response.url)
                and response.request.method == "POST" and answers.append(response))
    return sent, answers


def nth_report(app: LegendaApp, answers: list[Response], n: int) -> dict[str, object]:
    """The body of the page's ``n``th report (waits for it), which the sidecar took (202)."""
    deadline = time.monotonic() + 60
    while len(answers) < n:
        assert time.monotonic() < deadline, "the page never sent its timings"
        app.page.wait_for_timeout(100)
    answer = answers[n - 1]
    assert answer.status == 202, answer.text()
    body: dict[str, object] = json.loads(answer.request.post_data or "{}")
    return body


def browser_counts(sidecar: Sidecar) -> dict[str, float]:
    """The sidecar's legenda_browser_*_count samples, by name and labels."""
    text = requests.get(f"{sidecar.url}/metrics", timeout=30).text
    found = re.findall(r"^(legenda_browser_\w+_count\{.*\}) (\S+)$", text, re.MULTILINE)
    return {name: float(value) for name, value in found}


def one_job(app: LegendaApp) -> None:
    app.caption_url(app.server.image_url("red.png"))
    assert app.state == "done"
    assert wait_speech(app, "done", "error", "unavailable") == "done", app.text("#speech-panel")
    wait_audio(app)


def test_a_job_with_telemetry_on_reaches_the_series(
    app: LegendaApp, timed_sidecar: Sidecar
) -> None:
    sent, answers = telemetry_traffic(app)
    before = browser_counts(timed_sidecar)
    app.open(tts=timed_sidecar.url, telemetry="1")
    wait_voices(app, "pt")
    for n, visit in enumerate(("first", "revisit"), start=1):
        one_job(app)
        report = nth_report(app, answers, n)
        assert report["visit"] == visit and report["error"] is None
        assert report["caption_model"] == app.caption_model
        assert report["translation_model"] == app.translation_model
        assert (report["device"], report["dtype"]) == ("wasm", "q8")
        for field in ("caption_s", "translation_s", "speech_wait_s", "caption_token_s"):
            assert isinstance(report[field], float | int) and report[field] > 0, field
        assert set(report) == set(REPORT_FIELDS)
    assert len([request for request in sent if request.method == "POST"]) == 2
    after = browser_counts(timed_sidecar)
    caption = (f'legenda_browser_stage_seconds_count{{device="wasm",dtype="q8",'
               f'model="{app.caption_model}",stage="caption",visit="%s"}}')
    for visit in ("first", "revisit"):
        assert after[caption % visit] == before.get(caption % visit, 0) + 1
    load = caption.replace('stage="caption"', 'stage="model_load"') % "first"
    assert after[load] == before.get(load, 0) + 1  # the models loaded in the first job only
    tokens = (f'legenda_browser_token_seconds_count{{device="wasm",dtype="q8",'
              f'model="{app.translation_model}",task="translation"}}')
    assert after[tokens] == before.get(tokens, 0) + 2


def test_prometheus_scrapes_the_pages_timings(
    app: LegendaApp, timed_sidecar: Sidecar, tmp_path: Path
) -> None:
    """What the dashboard's "Browsers" row reads: the page's own reports, scraped."""
    _, answers = telemetry_traffic(app)
    target = timed_sidecar.url.removeprefix("http://")
    with running_prometheus(tmp_path / "prometheus", [target]) as prom:
        app.open(tts=timed_sidecar.url, telemetry="1")
        wait_voices(app, "pt")
        one_job(app)
        nth_report(app, answers, 1)
        query = (f'sum by (stage) (legenda_browser_stage_seconds_count{{'
                 f'model=~"{app.caption_model}|{app.translation_model}"}})')
        deadline = time.monotonic() + 90
        while {s["metric"]["stage"] for s in prom_query(prom, query)} != {
            "model_load", "caption", "translation"
        }:
            assert time.monotonic() < deadline, prom_query(prom, query)
            time.sleep(0.5)


def test_with_telemetry_off_the_page_sends_nothing(
    app: LegendaApp, timed_sidecar: Sidecar
) -> None:
    sent, _ = telemetry_traffic(app)
    app.open(tts=timed_sidecar.url)  # telemetry left at its default, 0
    wait_voices(app, "pt")
    one_job(app)
    one_job(app)
    # With telemetry on, the report is on its way once the speech has come (the test above);
    # a second more for good measure: nothing, not even a preflight.
    app.page.wait_for_timeout(1000)
    assert sent == []
