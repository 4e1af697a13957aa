"""Benchmark of the browser engine (prints figures; not a test).

Builds the site, generates the tiny test models, serves both under a sub-path and drives
web/worker.js directly (no page UI) in headless Chromium, timing from the worker's own
messages:
  - worker start -> Python runtime up -> `ready` (Pyodide, the wheel, Transformers.js);
  - the first caption, split into captioning-model load and captioning, then the first
    translation, split into translation-model load and translating;
  - warm captions and translations (models loaded);
  - a batch of 8 images (two captioning calls of 4).
Each round uses a fresh browser, so nothing comes from a cache.

Run: ``.venv/bin/python bench/bench_worker.py [--rounds N] [--isolate]``.
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from playwright.sync_api import Page, sync_playwright  # noqa: E402

from scripts import build_site  # noqa: E402
from scripts.serve_site import make_server, serve_in_thread  # noqa: E402
from tests.model_factory import captioner_model, link_models, translator_model  # noqa: E402

PREFIX = "/legenda/"
HARNESS = """<!doctype html><meta charset="utf-8"><title>worker bench</title><script type="module">
window.msgs = [];
window.start = (url) => {
  window.t0 = performance.now();
  window.w = new Worker(url, {type: "module"});
  w.onmessage = (e) => window.msgs.push({...e.data, t: performance.now() - window.t0});
};
window.send = (m) => { w.postMessage(m); return performance.now() - window.t0; };
</script>"""
WARM_RUNS = 5
BATCH = 8


def _browser_settings() -> Any:
    spec = importlib.util.spec_from_file_location("pw_config", ROOT / "playwright.config.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _first(page: Page, predicate: str) -> float:
    return float(page.evaluate(f"window.msgs.find(m => {predicate}).t"))


def _job(page: Page, job: str, count: int = 1) -> dict[str, float]:
    items = [{"itemId": f"{job}-{n}", "url": "/bench-images/photo.png"} for n in range(count)]
    sent = float(page.evaluate("(m) => send(m)", {"type": "run", "jobId": job, "items": items}))
    page.wait_for_function(
        f"window.msgs.some(m => m.type === 'done' && m.jobId === '{job}')", timeout=300_000
    )
    of_job = f"m.jobId === '{job}'"
    errors = page.evaluate(f"window.msgs.filter(m => {of_job} && m.type === 'item-error')")
    if errors:
        raise SystemExit(f"the worker reported an error: {errors[0]['message']}")
    captioning = _first(page, f"{of_job} && m.stage === 'captioning'")
    translating = _first(page, f"{of_job} && m.stage === 'translating'")
    loading_translation = "m.stage === 'model' && m.params.role === 'translation'"
    translation_load = page.evaluate(f"window.msgs.find(m => {of_job} && {loading_translation})?.t")
    captioned = float(translation_load) if translation_load is not None else translating
    done = _first(page, f"{of_job} && m.type === 'done'")
    return {
        "until captioning": captioning - sent,  # image fetch + captioning-model load if any
        "captioning": captioned - captioning,
        "translation load": translating - captioned,
        "translating": done - translating,
        "total": done - sent,
    }


def _round(page: Page, origin: str) -> dict[str, float]:
    page.goto(f"{origin}/bench/harness.html")
    page.evaluate(f"start('{PREFIX}worker.js')")
    config = {
        "caption_model": "legenda-test/tiny-vit-gpt2",
        "translation_model": "legenda-test/tiny-nllb",
        "remote_models": "0",
        "models": "models/",
    }
    page.evaluate("(c) => send({type: 'init', config: c})", config)
    page.wait_for_function("window.msgs.some(m => m.stage === 'ready')", timeout=300_000)
    figures = {
        "python runtime up": _first(page, "m.message === 'Loading Transformers.js…'"),
        "ready": _first(page, "m.stage === 'ready'"),
    }
    first = _job(page, "first")
    figures.update({f"first job: {key}": value for key, value in first.items()})
    warm = [_job(page, f"warm{n}") for n in range(WARM_RUNS)]
    for key in ("captioning", "translating", "total"):
        figures[f"warm job: {key}"] = statistics.median(job[key] for job in warm)
    figures[f"batch of {BATCH}: total"] = _job(page, "batch", BATCH)["total"]
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--isolate", action="store_true", help="COOP/COEP: threaded ONNX Runtime")
    args = parser.parse_args()
    browser_settings = _browser_settings()
    with tempfile.TemporaryDirectory(prefix="legenda-bench-") as tmp:
        work = Path(tmp)
        build_site.build(work / "site", models=work / "no-models")
        models = link_models(work / "models", captioner_model(), translator_model())
        (work / "bench").mkdir()
        (work / "bench" / "harness.html").write_text(HARNESS)
        (work / "images").mkdir()
        from PIL import Image

        Image.new("RGB", (320, 240), (180, 120, 60)).save(work / "images" / "photo.png")
        server = make_server(
            work / "site", prefix=PREFIX, isolate=args.isolate, quiet=True,
            mounts={f"{PREFIX}models/": models, "/bench/": work / "bench",
                    "/bench-images/": work / "images"},
        )
        serve_in_thread(server)
        origin = f"http://127.0.0.1:{server.server_port}"
        rounds = []
        with sync_playwright() as playwright:
            for _ in range(args.rounds):
                browser = playwright.chromium.launch(
                    executable_path=browser_settings.CHROMIUM_PATH,
                    args=browser_settings.CHROMIUM_ARGS,
                )
                rounds.append(_round(browser.new_page(), origin))
                browser.close()
        server.shutdown()
    print(f"Worker benchmark, tiny models, {args.rounds} fresh browsers "
          f"({'cross-origin isolated' if args.isolate else 'not isolated'}), milliseconds:")
    for key in rounds[0]:
        values = [round(figures[key]) for figures in rounds]
        print(f"  {key:32} median {statistics.median(values):7.0f}   all {values}")


if __name__ == "__main__":
    main()
