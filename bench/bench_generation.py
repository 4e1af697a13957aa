"""Benchmark of the playground's text generation in the browser (prints figures; not a test).

Builds the site, generates the tiny test models (a SmolLM2-layout chat model and a Flan-T5),
serves both and drives web/worker.js directly in headless Chromium (the real browser path:
Pyodide, transformers-js-py, Transformers.js, ONNX Runtime Web), reading the worker's messages:
  - generate: time to first token and tokens/s, for each tiny model;
  - chat: five turns, with the conversation's key/value cache reused across turns and without
    it (the whole history read again each turn); time to first token of every turn, turn 5 in
    particular, and the ratio of the two;
  - Stop: time from the interrupt message to the end of the generation.
Time to first token is the worker's own figure (job start -> first token, model loaded).

Run: ``.venv/bin/python bench/bench_generation.py [--rounds N] [--dtype q8|fp32] [--real]``;
``--real`` puts the full-size SmolLM2-135M-Instruct twin (``make bench-models``) in the chat
model's place (generate, chat and Stop run on it; the Flan-T5 stays tiny).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from playwright.sync_api import Page, sync_playwright  # noqa: E402

from bench.browser import playwright_settings  # noqa: E402
from scripts import build_site  # noqa: E402
from scripts.serve_site import make_server, serve_in_thread  # noqa: E402
from tests.model_factory import chat_model, link_models, t5_model  # noqa: E402

PREFIX = "/legenda/"
HARNESS = """<!doctype html><meta charset="utf-8"><title>generation bench</title>
<script type="module">
window.msgs = [];
window.start = (url) => {
  window.t0 = performance.now();
  window.w = new Worker(url, {type: "module"});
  w.onmessage = (e) => window.msgs.push({...e.data, t: performance.now() - window.t0});
};
window.send = (m) => { w.postMessage(m); return performance.now() - window.t0; };
</script>"""
T5_MODEL = "legenda-test/tiny-flan-t5"
GREEDY = {"do_sample": "0", "repetition_penalty": "1"}
TURNS = 5
QUESTIONS = [
    "Um gato sentado na mesa perto da janela?",
    "E o cachorro brincando no parque com a bola?",
    "Two children riding bicycles on the beach.",
    "Uma mulher andando com um guarda-chuva azul.",
    "What is the small red boat on the river?",
]


def _job(page: Page, message: dict[str, Any], stop_after_first: bool = False) -> dict[str, Any]:
    """Send one job, wait for its `done`, return its messages (and the interrupt time)."""
    job = message["jobId"]
    page.evaluate("(m) => send(m)", message)
    interrupted_at = None
    if stop_after_first:
        page.wait_for_function(
            f"window.msgs.some(m => m.type === 'piece' && m.jobId === '{job}')", timeout=300_000
        )
        interrupted_at = float(page.evaluate("send({type: 'interrupt'})"))
    page.wait_for_function(
        f"window.msgs.some(m => m.type === 'done' && m.jobId === '{job}')", timeout=600_000
    )
    messages = page.evaluate(f"window.msgs.filter(m => m.jobId === '{job}')")
    errors = [m for m in messages if m["type"] == "generation-error"]
    if errors:
        raise SystemExit(f"the worker reported an error: {errors[0]['message']}")
    generated = [m for m in messages if m["type"] == "generated"]
    return {"generated": generated, "messages": messages, "interrupted_at": interrupted_at}


def _figures(result: dict[str, Any]) -> dict[str, float]:
    figures = result["generated"][-1]["figures"]
    return {"ttft": figures["ttftMs"], "tokens/s": figures["tokensPerS"] or 0.0,
            "tokens": figures["tokens"]}


def _chat(page: Page, name: str, reuse: bool, tokens: int,
          chat: str) -> tuple[list[float], list[str]]:
    """Five turns of one conversation: each turn's time to first token, and the answers."""
    page.evaluate("send({type: 'reset'})")
    ttfts, answers = [], []
    for turn, question in enumerate(QUESTIONS[:TURNS]):
        result = _job(page, {
            "type": "chat", "jobId": f"{name}{turn}", "model": chat, "message": question,
            "system": "Você é um assistente virtual prestativo. Responda somente em Português.",
            "params": {**GREEDY, "max_new_tokens": str(tokens)}, "debug": {"reuseCache": reuse},
        })
        ttfts.append(_figures(result)["ttft"])
        answers.append(result["generated"][-1]["text"])
    return ttfts, answers


def _round(page: Page, origin: str, dtype: str, tokens: int, chat: str) -> dict[str, float]:
    page.goto(f"{origin}/bench/harness.html")
    page.evaluate(f"start('{PREFIX}worker.js')")
    config = {"remote_models": "0", "models": "models/", "dtype": dtype}
    page.evaluate("(c) => send({type: 'init', config: c})", config)
    page.wait_for_function("window.msgs.some(m => m.stage === 'ready')", timeout=300_000)
    figures: dict[str, float] = {}
    for model in (chat, T5_MODEL):
        params = {**GREEDY, "max_new_tokens": str(tokens)}
        prompt = "Responda: um gato sentado na mesa?"
        _job(page, {"type": "generate", "jobId": f"load-{model}", "model": model,
                    "prompt": prompt, "params": params})  # loads the model
        measured = _figures(_job(page, {"type": "generate", "jobId": f"gen-{model}",
                                        "model": model, "prompt": prompt, "params": params}))
        short = model.split("/")[-1]
        figures[f"generate {short}: first token ms"] = measured["ttft"]
        figures[f"generate {short}: tokens/s"] = measured["tokens/s"]
    # The chat: the same five turns with and without the cache (greedy: the same answers).
    with_cache, cached_answers = _chat(page, "cached", True, tokens, chat)
    without, uncached_answers = _chat(page, "uncached", False, tokens, chat)
    # Greedy decoding: the cache must not change a single answer in fp32. (q8 quantizes the
    # activations with a scale taken from the tokens read at once, so a prompt read whole and
    # one read token by token can round differently there.)
    figures[f"chat: answers identical with and without cache ({dtype})"] = float(
        cached_answers == uncached_answers
    )
    for turn in (1, TURNS):
        figures[f"chat turn {turn} first token ms, cache"] = with_cache[turn - 1]
        figures[f"chat turn {turn} first token ms, no cache"] = without[turn - 1]
    figures[f"chat turn {TURNS}: no cache / cache"] = without[-1] / with_cache[-1]
    stop = _job(page, {"type": "generate", "jobId": "stop", "model": chat,
                       "prompt": "Um gato", "params": {**GREEDY, "max_new_tokens": "256"},
                       "debug": {}},
                stop_after_first=True)
    done = next(m["t"] for m in stop["messages"] if m["type"] == "generated")
    figures["stop: interrupt -> generated ms"] = done - stop["interrupted_at"]
    # Python notes (in the job's `debug`) how many tokens there were when the interrupt came.
    generated = stop["generated"][-1]
    at_interrupt = generated["debug"]["tokensAtInterrupt"]
    if at_interrupt is not None:  # None: the interrupt met no generation
        figures["stop: tokens generated after the interrupt"] = (
            generated["figures"]["tokens"] - at_interrupt
        )
    return figures


def _real_chat_model() -> Path:
    from tests.model_factory.real_size import chat_twin

    return chat_twin()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--dtype", default="q8", choices=("q8", "fp32"))
    parser.add_argument("--tokens", type=int, default=64, help="max_new_tokens per answer")
    parser.add_argument("--real", action="store_true", help="the full-size SmolLM2 twin")
    args = parser.parse_args()
    chat_dir = _real_chat_model() if args.real else chat_model()
    chat = f"{chat_dir.parent.name}/{chat_dir.name}"
    browser_settings = playwright_settings()
    with tempfile.TemporaryDirectory(prefix="legenda-bench-") as tmp:
        work = Path(tmp)
        build_site.build(work / "site", models=work / "no-models")
        models = link_models(work / "models", chat_dir, t5_model())
        (work / "bench").mkdir()
        (work / "bench" / "harness.html").write_text(HARNESS)
        server = make_server(
            work / "site", prefix=PREFIX, quiet=True,
            mounts={f"{PREFIX}models/": models, "/bench/": work / "bench"},
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
                page = browser.new_page()
                page.on("console", lambda m: m.type == "error" and print("console:", m.text))
                rounds.append(_round(page, origin, args.dtype, args.tokens, chat))
                browser.close()
        server.shutdown()
    size = "the SmolLM2-135M twin" if args.real else "tiny models"
    print(f"Generation benchmark, {size} ({args.dtype}), {args.tokens} new tokens per "
          f"answer, greedy, {args.rounds} fresh browsers:")
    for key in rounds[0]:
        values = [round(figures[key], 2) for figures in rounds if key in figures]
        print(f"  {key:44} median {statistics.median(values):9.2f}   all {values}")


if __name__ == "__main__":
    main()
