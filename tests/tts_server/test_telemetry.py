"""``POST /api/telemetry``: a good report becomes ``legenda_browser_*`` observations labelled by
model, dtype and device; bad, huge and flooding reports are refused with JSON and change no
series; model ids nobody configured are counted as "other"."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tts_server.telemetry import MAX_BYTES, RATE

CAPTION = "Xenova/vit-gpt2-image-captioning"


def report(**change: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "visit": "first", "device": "wasm", "dtype": "q8", "threads": 4,
        "caption_model": CAPTION, "translation_model": "Xenova/nllb-200-distilled-600M",
        "caption_load_s": 3.5, "caption_s": 0.8, "translation_load_s": 12.0,
        "translation_s": 1.5, "speech_wait_s": 2.0, "caption_token_s": 0.05,
        "translation_token_s": 0.09, "error": None,
    }
    body.update(change)
    return {k: v for k, v in body.items() if v != "-"}


def browser_series(client: FlaskClient) -> dict[str, float]:
    """Every legenda_browser_* sample, by its line's name and labels."""
    text = client.get("/metrics").get_data(as_text=True)
    found = re.findall(r"^(legenda_browser_\S+) (\S+)$", text, re.MULTILINE)
    return {name: float(value) for name, value in found}


@pytest.fixture
def telemetry_app(make_app: Callable[..., Flask]) -> Flask:
    return make_app(telemetry_models=("tiny/captioner",))


def key(name: str, **labels: str) -> str:
    """A sample's name as the exposition writes it (labels sorted by name)."""
    return name + "{" + ",".join(f'{k}="{v}"' for k, v in sorted(labels.items())) + "}"


def test_a_report_becomes_histograms_by_model_dtype_and_device(telemetry_app: Flask) -> None:
    client = telemetry_app.test_client()
    answer = client.post("/api/telemetry", json=report())
    assert answer.status_code == 202 and answer.get_json() == {"recorded": True}
    series = browser_series(client)
    stage, tokens = "legenda_browser_stage_seconds", "legenda_browser_token_seconds"
    caption = {"model": CAPTION, "dtype": "q8", "device": "wasm"}
    first = {"visit": "first", **caption}
    assert series[key(f"{stage}_count", stage="model_load", **first)] == 1
    assert series[key(f"{stage}_sum", stage="caption", **first)] == 0.8
    assert series[key(f"{stage}_sum", stage="speech_wait", visit="first", model="sidecar",
                      dtype="q8", device="wasm")] == 2.0
    assert series[key(f"{tokens}_sum", task="caption", **caption)] == 0.05
    assert series[key("legenda_browser_jobs_total", error="none")] == 1

    client.post("/api/telemetry", json=report(
        visit="revisit", caption_model="someone/made-up", device="webgpu", dtype="fp16",
        translation_model=None, translation_load_s=None, translation_s=None, speech_wait_s="-",
        translation_token_s=None, error="inference-failed",
    ))
    client.post("/api/telemetry", json=report(caption_model="tiny/captioner"))
    series = browser_series(client)
    other = {"visit": "revisit", "model": "other", "dtype": "fp16", "device": "webgpu"}
    assert series[key(f"{stage}_count", stage="caption", **other)] == 1
    assert not any("someone" in name for name in series)  # unknown ids never become labels
    assert any('model="tiny/captioner"' in name for name in series)  # configured ones do
    assert series[key("legenda_browser_jobs_total", error="inference-failed")] == 1


@pytest.mark.parametrize("body", [
    report(screen="1920x1080"),  # an unknown field
    report(url="https://example.org/photo.jpg"),
    report(caption_s=-1),
    report(caption_s=86_400),  # a day: a clock gone wrong
    report(caption_token_s=float("inf")),
    report(caption_s="0.8"),
    report(caption_s=True),
    report(threads=0),
    report(threads=1.5),
    report(dtype="q2"),
    report(device="tpu"),
    report(visit="often"),
    report(error="something-else"),
    report(caption_model="../../etc/passwd"),
    report(caption_model="a b"),
    report(caption_model=None),
    report(visit="-"),
    ["not", "an", "object"],
])
def test_bad_reports_get_400_json_and_change_no_series(client: FlaskClient, body: Any) -> None:
    before = browser_series(client)
    answer = client.post("/api/telemetry", json=body)
    assert answer.status_code == 400
    error = answer.get_json()["error"]
    assert error["code"] == "bad-telemetry" and error["message"].endswith(".")
    assert browser_series(client) == before


def test_huge_broken_and_non_json_bodies_are_refused(client: FlaskClient) -> None:
    before = browser_series(client)
    padded = report(caption_model="x" * 150) | {"pad": " " * MAX_BYTES}
    huge = client.post("/api/telemetry", json=padded)
    assert huge.status_code == 413 and huge.get_json()["error"]["code"] == "telemetry-too-large"
    megabytes = client.post(
        "/api/telemetry", data=b"{" + b" " * 10_000_000 + b"}", content_type="application/json"
    )
    assert megabytes.status_code == 413
    broken = client.post("/api/telemetry", data=b"{visit:", content_type="application/json")
    assert broken.status_code == 400 and broken.get_json()["error"]["code"] == "bad-telemetry"
    nested = client.post("/api/telemetry", data=b"[" * 3000, content_type="application/json")
    assert nested.status_code == 400 and nested.get_json()["error"]["code"] == "bad-telemetry"
    form = client.post("/api/telemetry", data={"visit": "first"})
    assert form.status_code == 415 and form.is_json
    assert browser_series(client) == before


def test_a_flood_from_one_client_gets_429_and_changes_no_series(client: FlaskClient) -> None:
    codes = [client.post("/api/telemetry", json=report()).status_code for _ in range(RATE)]
    assert codes == [202] * RATE
    before = browser_series(client)
    flood = [client.post("/api/telemetry", json=report()) for _ in range(5)]
    assert {answer.status_code for answer in flood} == {429}
    assert flood[0].get_json()["error"]["code"] == "too-many-reports"
    assert flood[0].headers["Retry-After"]
    assert browser_series(client) == before
    other = client.post("/api/telemetry", json=report(), environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert other.status_code == 202  # another address has its own allowance


def test_process_storage_and_worker_figures_are_exported(client: FlaskClient) -> None:
    text = client.get("/metrics").get_data(as_text=True)
    for name in ("process_cpu_seconds_total", "process_resident_memory_bytes",
                 "process_open_fds", "process_start_time_seconds"):
        assert re.search(rf"^{name} [0-9.e+]+$", text, re.MULTILINE), name
    assert "legenda_storage_writable 1.0" in text
    assert "legenda_speech_workers 1.0" in text


def test_with_api_keys_a_report_needs_the_key_the_page_sends(
    make_app: Callable[..., Flask],
) -> None:
    key = "k" * 24
    client = make_app(api_keys=(key,)).test_client()
    refused = client.post("/api/telemetry", json=report())
    assert refused.status_code == 401 and refused.get_json()["error"]["code"] == "api-key-required"
    taken = client.post("/api/telemetry", json=report(), headers={"Authorization": f"Bearer {key}"})
    assert taken.status_code == 202
