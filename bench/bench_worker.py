"""Benchmark of the browser side (prints figures; not a test).

Builds the site, serves it with the models under a sub-path, and measures in headless Chromium,
each figure side by side in the same run (fresh browsers: nothing cached unless said):

  bridge     the product's worker (Pyodide + transformers-js-py) vs the same job written straight
             against Transformers.js in a plain worker (bench/js/plain_worker.js), and start-up
             vs bare Pyodide + the Transformers.js import (bench/js/bare_worker.js);
  cuts       before/after each start-up cut: progress relayed on every event vs ~10 a second,
             the translation model loaded after captioning vs while captioning;
  threads    ONNX Runtime with 1 and 2 wasm threads on a cross-origin isolated server (COOP/COEP)
             vs not isolated: time per generated token, warm;
  page       the real page (index.html), Generate clicked at ready: first visit and revisit
             (models from Cache Storage), Generate-to-done by stage, the longest main-thread task
             and total blocking time, progress messages: the page as it was, then each cut;
  memory     ONNX Runtime options and Cache Storage on the plain worker: renderer peak and the
             WebAssembly heap's size;
  layout     the models as the hub ships them (one file each) vs split into graph and
             external data (what `make models` writes: scripts/external_data.py), on the plain
             and the product worker;
  translators  NLLB-200-distilled-600M (the default) vs the fast choice, opus-mt-en-ROMANCE
             (Marian, >>pt_br<<), in the product worker with the tiny captioner: the
             translation model's load, time per translated token, peak memory, alternated
             A B A B, with ratios vs NLLB;
  and everywhere the peak memory (PSS) by Chromium process.

Token counts are pinned (tests/model_factory/real_size/specs.py): a caption of 12 tokens and a
translation of 15, what real models produce for a typical photo. ``--real`` uses the full-size
vit-gpt2 twin (``make bench-models``) and the opus-mt-en-ROMANCE twin, and the NLLB-600M twin too
with ``--nllb`` (built where there are ~16 GB of RAM; otherwise the tiny NLLB translates).

Run: ``make bench`` (tiny models) or ``make bench-real``; ``--only bridge,page`` picks sections;
``--real --nllb --only translators`` compares the translators at full size.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from playwright.sync_api import Page, Playwright, sync_playwright  # noqa: E402

from bench import browser as bb  # noqa: E402
from bench.svg_plot import bar_chart  # noqa: E402
from scripts import build_site  # noqa: E402
from scripts.external_data import split_model, store_weights_outside  # noqa: E402
from scripts.serve_site import make_server, serve_in_thread  # noqa: E402
from tests.model_factory import (  # noqa: E402
    captioner_model,
    link_models,
    marian_model,
    translator_model,
)
from tests.model_factory.real_size import specs  # noqa: E402

HARNESS = """<!doctype html><meta charset="utf-8"><title>worker bench</title><script>
window.start = (url) => { window.w = new Worker(url, { type: "module" }); };
window.send = (m) => { w.postMessage(m); return performance.now(); };
</script>"""
RESULTS = ROOT / "bench" / "results"
SPLIT_ORG = "legenda-split"  # the layout section's copies of the models, split
WARM_RUNS = 3
SECTIONS = ("bridge", "cuts", "threads", "page", "memory", "layout", "translators")
TINY_CAPTIONER = "legenda-test/tiny-vit-gpt2"
Figures = dict[str, float]


class Bench:
    """The served site and models, and one way to run each kind of measurement."""

    def __init__(self, playwright: Playwright, origin: str, isolated: str, models: dict[str, str],
                 translators: dict[str, Path]):
        self.playwright = playwright
        self.models = models
        self.origin, self.isolated = origin, isolated
        self.translators = translators  # the translators section's columns: name -> folder
        self.config = {
            **models, "remote_models": "0", "models": "models/",
            "max_new_tokens": specs.CAPTION_TOKENS,
            "translation_max_new_tokens": specs.TRANSLATION_TOKENS,
        }
        self.image = f"{origin}/bench-images/photo.png"

    # --- a worker in the harness page ------------------------------------------------------

    def worker_round(self, worker: str, config: dict[str, Any] | None = None,
                     query: dict[str, str] | None = None, origin: str | None = None,
                     warm: int = WARM_RUNS) -> Figures:
        origin = origin or self.origin
        with bb.chromium(self.playwright) as launched:
            page = bb.tapped_page(launched)
            page.goto(f"{origin}/bench/harness.html")
            url = self._worker_url(origin, worker, query or {})
            page.evaluate("(url) => start(url)", url)
            if worker != "bare":
                page.evaluate("(c) => send({type: 'init', config: c})",
                              {**self.config, **(config or {})})
            bb.wait_message(page, "m.stage === 'ready'")
            figures = {"ready": bb.first_t(page, "m.stage === 'ready'") or 0.0}
            if worker != "bare":
                figures |= self._jobs(page, origin, warm)
            figures["progress messages"] = bb.count(page, "m.type === 'progress'")
            figures["harness main thread busy"] = bb.main_thread_s(page) * 1000
            return figures | launched.memory.figures()

    def _worker_url(self, origin: str, worker: str, query: dict[str, str]) -> str:
        site = f"{origin}{bb.PREFIX}"
        vendor = {"tjs": f"{site}vendor/transformers/transformers.min.js",
                  "ort": f"{site}vendor/ort/", "site": site, "pyodide": f"{site}vendor/pyodide/"}
        path = {"product": f"{site}worker.js", "plain": f"{origin}/bench/js/plain_worker.js",
                "bare": f"{origin}/bench/js/bare_worker.js"}[worker]
        if worker != "product":
            query = {**vendor, **query}
        from urllib.parse import urlencode

        return f"{path}?{urlencode(query)}" if query else path

    def _jobs(self, page: Page, origin: str, warm: int) -> Figures:
        image = f"{origin}/bench-images/photo.png"

        def job(name: str) -> Figures:
            item = {"itemId": name, "url": image}
            sent = float(page.evaluate(
                "(m) => send(m)", {"type": "run", "jobId": name, "items": [item]}))
            bb.wait_message(page, f"m.type === 'done' && m.jobId === '{name}'")
            return bb.job_stages(page, name, sent)

        figures = {f"first job: {k}": v for k, v in job("first").items()}
        wasm = page.evaluate("window.msgs.findLast(m => m.type === 'memory')?.wasmMB ?? null")
        if wasm is not None:  # the plain worker reports its WebAssembly heap
            figures["wasm heap MB after first job"] = float(wasm)
        runs = [job(f"warm{n}") for n in range(warm)]
        for key in ("captioning", "translating", "total"):
            figures[f"warm job: {key}"] = statistics.median(run[key] for run in runs)
        figures["warm ms per caption token"] = (
            figures["warm job: captioning"] / specs.CAPTION_TOKENS)
        figures["warm ms per translation token"] = (
            figures["warm job: translating"] / specs.TRANSLATION_TOKENS)
        return figures

    # --- the real page ---------------------------------------------------------------------

    def page_round(self, query: dict[str, str],
                   settings: dict[str, str] | None = None) -> dict[str, Figures]:
        """First visit, then a revisit in the same browser (models in Cache Storage).
        ``query`` goes to the worker's URL, ``settings`` to the page's."""
        from urllib.parse import urlencode

        page_query = {**{k: str(v) for k, v in self.config.items()}, "tts": "",
                      **(settings or {})}
        url = f"{self.origin}{bb.PREFIX}?{urlencode(page_query)}"
        visits = {}
        with bb.chromium(self.playwright) as launched:
            page = bb.tapped_page(launched, query)
            for visit in ("first visit", "revisit"):
                launched.memory.reset()
                visits[visit] = self._visit(page, url) | launched.memory.figures()
        return visits

    def _visit(self, page: Page, url: str) -> Figures:
        page.goto(url)
        page.wait_for_function("document.body.dataset.state === 'ready'", timeout=900_000)
        ready = bb.first_t(page, "m.stage === 'ready'") or 0.0
        page.locator("#image-url").fill(self.image)
        busy = bb.main_thread_s(page)
        start = bb.now(page)
        page.locator("#generate").click()
        page.wait_for_function("['done', 'error'].includes(document.body.dataset.state)",
                               timeout=900_000)
        assert page.evaluate("document.body.dataset.state") == "done", page.inner_text("#status")
        job = page.evaluate(
            "(s) => window.msgs.find(m => m.t >= s && m.jobId)?.jobId", start)
        stages = bb.job_stages(page, job, start)
        busy = bb.main_thread_s(page) - busy
        end = start + stages["total"]
        return {"start-up (page open to ready)": ready,
                **{f"Generate to done: {k}": v for k, v in stages.items()},
                **bb.blocking(page, start, end),
                "main thread busy (Generate to done)": busy * 1000,
                "progress messages (Generate to done)": bb.count(
                    page, "m.type === 'progress'", start)}


# --- sections ----------------------------------------------------------------------------------

def _median(rounds: list[Figures]) -> Figures:
    return {key: statistics.median(r[key] for r in rounds if key in r) for key in rounds[0]}


def _repeat(rounds: int, measure: Callable[[], Figures]) -> Figures:
    return _median([measure() for _ in range(rounds)])


def _table(title: str, columns: dict[str, Figures], ratio: tuple[str, str] | None = None) -> None:
    names = list(columns)
    print(f"\n== {title} ==")
    header = "".join(f"{name[:22]:>24}" for name in names)
    print(f"  {'(ms unless said)':40}{header}" + ("     ratio" if ratio else ""))
    keys = [k for k in columns[names[0]] if all(k in c for c in columns.values())]
    for key in keys:
        cells = "".join(f"{columns[n][key]:24.0f}" for n in names)
        extra = ""
        if ratio and columns[ratio[1]][key]:
            extra = f"   x{columns[ratio[0]][key] / columns[ratio[1]][key]:.2f}"
        print(f"  {key[:40]:40}{cells}{extra}")


def bridge(bench: Bench, rounds: int) -> dict[str, Figures]:
    columns = {
        "product worker": _repeat(rounds, lambda: bench.worker_round("product")),
        "plain Transformers.js": _repeat(rounds, lambda: bench.worker_round("plain")),
    }
    bare = _repeat(rounds, lambda: bench.worker_round("bare"))
    _table("Bridge: product worker vs plain Transformers.js worker "
           f"(median of {rounds})", columns, ratio=("product worker", "plain Transformers.js"))
    product_ready = columns["product worker"]["ready"]
    print(f"  start-up: product ready {product_ready:.0f} ms vs bare Pyodide + Transformers.js "
          f"import {bare['ready']:.0f} ms: x{product_ready / bare['ready']:.2f}")
    return columns | {"bare Pyodide + Transformers.js": bare}


CUTS = {
    "before: every event, one after other": ({"load_together": "0"}, {"progress-ms": "0"}),
    "progress ~10/s": ({"load_together": "0"}, {}),
    "load together": ({}, {"progress-ms": "0"}),
    "both (as shipped)": ({}, {}),
}


def cuts(bench: Bench, rounds: int) -> dict[str, Figures]:
    columns = {
        name: _repeat(rounds, lambda c=config, q=query: bench.worker_round(
            "product", config=c, query=q, warm=1))
        for name, (config, query) in CUTS.items()
    }
    _table(f"Cuts, product worker, first visit (median of {rounds})", columns,
           ratio=("both (as shipped)", "before: every event, one after other"))
    return columns


def threads(bench: Bench, rounds: int) -> dict[str, Figures]:
    columns = {
        "not isolated": _repeat(rounds, lambda: bench.worker_round("product")),
        "isolated, 1 thread": _repeat(rounds, lambda: bench.worker_round(
            "product", config={"threads": 1}, origin=bench.isolated)),
        "isolated, 2 threads": _repeat(rounds, lambda: bench.worker_round(
            "product", config={"threads": 2}, origin=bench.isolated)),
    }
    _table(f"Threads: ONNX Runtime wasm threads (median of {rounds})", columns,
           ratio=("isolated, 2 threads", "isolated, 1 thread"))
    return columns


def page(bench: Bench, rounds: int) -> dict[str, Figures]:
    """The page as it was (every progress event, the translation model loaded after
    captioning), then each cut added in turn, in the same run."""
    before = "before: every event, one model after the other"
    variants = (
        (before, {"progress-ms": "0"}, {"load_together": "0"}),
        ("+ models together", {"progress-ms": "0"}, {}),
        ("+ progress ~10/s (shipped)", {}, {}),
    )
    columns: dict[str, Figures] = {}
    for name, query, settings in variants:
        visits = [bench.page_round(query, settings) for _ in range(rounds)]
        for visit in ("first visit", "revisit"):
            columns[f"{visit}, {name}"] = _median([v[visit] for v in visits])
    _table(f"The page, Generate clicked at ready (median of {rounds})", columns,
           ratio=("first visit, + progress ~10/s (shipped)", f"first visit, {before}"))
    return columns


MEMORY_VARIANTS: dict[str, dict[str, Any]] = {
    "ONNX Runtime defaults": {},
    "no CPU memory arena": {"session": {"enableCpuMemArena": False}},
    "no weight pre-packing": {"session": {"extra": {"session": {"disable_prepacking": "1"}}}},
    "basic graph optimizations": {"session": {"graphOptimizationLevel": "basic"}},
    "no graph optimizations": {"session": {"graphOptimizationLevel": "disabled"}},
    "no Cache Storage": {"cache": "0"},
}


def _query(variant: dict[str, Any]) -> dict[str, str]:
    return {key: value if isinstance(value, str) else json.dumps(value)
            for key, value in variant.items()}


def memory(bench: Bench, rounds: int) -> dict[str, Figures]:
    """Where the renderer's memory goes: ONNX Runtime session options tried on the plain
    Transformers.js worker (bench only; the product keeps the defaults unless one helps)."""
    queries = {name: _query(variant) for name, variant in MEMORY_VARIANTS.items()}
    columns = {
        name: _repeat(rounds, lambda q=query: bench.worker_round("plain", query=q))
        for name, query in queries.items()
    }
    _table(f"Memory: ONNX Runtime options and Cache Storage, plain worker (median of {rounds})",
           columns, ratio=("no Cache Storage", "ONNX Runtime defaults"))
    return columns


def layout(bench: Bench, rounds: int) -> dict[str, Figures]:
    """One-piece model files vs weights outside the graph, side by side, both workers."""
    split = {key: f"{SPLIT_ORG}/{name.split('/', 1)[1]}" for key, name in bench.models.items()}
    columns = {}
    for worker in ("plain", "product"):
        for name, models in (("one file", bench.models), ("graph + data", split)):
            columns[f"{worker}, {name}"] = _repeat(rounds, lambda w=worker, m=models: (
                bench.worker_round(w, config=m, warm=1)))
    _table(f"Layout: one file vs weights outside the graph (median of {rounds})", columns,
           ratio=("product, graph + data", "product, one file"))
    return columns


def _q8_mb(model_dir: Path) -> float:
    """What the browser downloads for dtype q8: the quantized ONNX files and the JSON files."""
    files = [*model_dir.glob("onnx/*_quantized.onnx"), *model_dir.glob("*.json")]
    return sum(f.stat().st_size for f in files) / 1e6


def translators(bench: Bench, rounds: int) -> dict[str, Figures]:
    """The translation models side by side in the product worker, alternated A B A B: the tiny
    captioner (so the renderer's memory is mostly the translator's), the translation model
    loaded after captioning (``load_together=0``: its whole load is measured), lang pt."""
    runs: dict[str, list[Figures]] = {name: [] for name in bench.translators}
    for _ in range(rounds):
        for name, folder in bench.translators.items():
            config = {"caption_model": TINY_CAPTIONER, "load_together": "0",
                      "translation_model": f"{folder.parent.name}/{folder.name}"}
            runs[name].append(bench.worker_round("product", config=config))
    columns = {name: _median(figures) | {"q8 files MB": _q8_mb(bench.translators[name])}
               for name, figures in runs.items()}
    default, fast = list(bench.translators)
    _table(f"Translators: {fast} vs {default} (median of {rounds}, alternated)", columns,
           ratio=(fast, default))
    return columns


# --- set-up ------------------------------------------------------------------------------------

def _models(real: bool, nllb: bool) -> tuple[dict[str, str], list[Path]]:
    if not real:
        return ({"caption_model": "legenda-test/tiny-vit-gpt2",
                 "translation_model": "legenda-test/tiny-nllb"},
                [captioner_model(), translator_model()])
    from tests.model_factory.real_size import captioner_twin, translator_twin

    caption = captioner_twin()
    translate = translator_twin() if nllb else translator_model()
    return ({"caption_model": f"{caption.parent.name}/{caption.name}",
             "translation_model": f"{translate.parent.name}/{translate.name}"},
            [caption, translate])


def _translators(real: bool, nllb: bool) -> dict[str, Path]:
    """The translators section's columns, NLLB first: the NLLB-600M twin with ``--nllb`` (else
    the tiny NLLB), the opus-mt-en-ROMANCE twin with ``--real`` (else the tiny Marian)."""
    if not real:
        return {"tiny NLLB": translator_model(), "tiny opus-mt": marian_model()}
    from tests.model_factory.real_size import marian_twin, translator_twin

    return {"NLLB-600M twin" if nllb else "tiny NLLB": translator_twin() if nllb
            else translator_model(), "opus-mt-en-ROMANCE twin": marian_twin()}


def _serve(work: Path, models: Path, isolate: bool) -> str:
    server = make_server(
        work / "site", prefix=bb.PREFIX, isolate=isolate, quiet=True,
        mounts={f"{bb.PREFIX}models/": models, "/bench/": work / "bench",
                "/bench-images/": work / "images"},
    )
    server.handle_error = lambda *args: None  # type: ignore[method-assign]  # a closed tab
    serve_in_thread(server)
    return f"http://127.0.0.1:{server.server_port}"


def _split_copy(model_dir: Path, into: Path) -> Path:
    """``model_dir`` for the layout section: links to its configs and tokenizer, and its q8
    files split by scripts/external_data.py (written here; the twin is left as it is)."""
    (into / "onnx").mkdir(parents=True)
    for item in model_dir.iterdir():
        if item.is_file():
            (into / item.name).symlink_to(item)
    for model_file in (model_dir / "onnx").glob("*_quantized.onnx"):
        store_weights_outside(model_file, into / "onnx" / model_file.name)
    split_model(into)  # config.json (a link) is replaced by a file naming the data files
    return into


def _prepare(work: Path, model_dirs: list[Path], split: list[Path]) -> Path:
    """The site, the bench pages and image, and the models linked under one folder (``split``
    ones also as split copies, for the layout section)."""
    import numpy as np
    from PIL import Image

    build_site.build(work / "site", models=work / "no-models")
    shutil.copytree(ROOT / "bench" / "js", work / "bench" / "js")
    (work / "bench" / "harness.html").write_text(HARNESS)
    (work / "images").mkdir()
    pixels = np.random.default_rng(0).integers(0, 256, size=(480, 640, 3), dtype=np.uint8)
    Image.fromarray(pixels).save(work / "images" / "photo.png")
    copies = [_split_copy(d, work / "split" / SPLIT_ORG / d.name) for d in split]
    return link_models(work / "models", *model_dirs, *copies)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=1, help="fresh browsers per figure")
    parser.add_argument("--real", action="store_true", help="the full-size vit-gpt2 twin")
    parser.add_argument("--nllb", action="store_true", help="and the NLLB-600M twin")
    parser.add_argument("--only", default=",".join(SECTIONS), help=", ".join(SECTIONS))
    args = parser.parse_args()
    chosen = [s for s in args.only.split(",") if s]
    unknown = set(chosen) - set(SECTIONS)
    if unknown:
        parser.error(f"unknown section(s) {sorted(unknown)}: choose from {SECTIONS}")
    models, model_dirs = _models(args.real, args.nllb)
    compared = _translators(args.real, args.nllb) if "translators" in chosen else {}
    size = "real-size" if args.real else "tiny"
    print(f"Browser benchmark, {size} models: {models}")
    results: dict[str, Any] = {"models": models}
    with tempfile.TemporaryDirectory(prefix="legenda-bench-") as tmp:
        work = Path(tmp)
        linked = _prepare(work, [*model_dirs, *compared.values(), captioner_model()],
                          split=model_dirs if "layout" in chosen else [])
        with sync_playwright() as playwright:
            bench = Bench(playwright, _serve(work, linked, False), _serve(work, linked, True),
                          models, compared)
            for section in chosen:
                results[section] = globals()[section](bench, args.rounds)
    _save(results, size)


def _save(results: dict[str, Any], size: str) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"browser-{size}.json").write_text(json.dumps(results, indent=1) + "\n")
    rows = []
    for section in SECTIONS:
        for column, figures in results.get(section, {}).items():
            for key in ("total", "first job: total", "Generate to done: total"):
                if key in figures:
                    rows.append((f"{section}: {column}", figures[key] / 1000))
    if rows:
        chart = bar_chart(RESULTS / f"browser-{size}.svg",
                          f"First job, {size} models: Generate to done (s)", "s", rows)
        print(f"\nFigures in {RESULTS / f'browser-{size}.json'}, chart in {chart}")


if __name__ == "__main__":
    main()
