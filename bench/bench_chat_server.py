"""Benchmark of the chat server's engines on CPU (prints figures; not a test).

On the full-size SmolLM2-135M-Instruct twin (``python -m tests.model_factory.real_size chat``),
greedy, the same conversation and token counts as bench/bench_generation.py's browser figures:
  - each server engine (onnxruntime int8 / float32 on the ONNX files the browser loads,
    transformers + torch float32 / bfloat16 / int8): load time, time to first token, tokens/s
    and peak memory, each in a fresh process (its own peak; nothing warm from the others);
  - the chat's five turns with the conversation's key/value cache reused and without it:
    time to first token of turns 1 and 5;
  - the whole path through HTTP: a ``python -m tts_server`` process with the default engine,
    read by the official openai SDK, streamed (time to first piece, tokens/s);
  - ``--browser``: the browser's worker on the same twin in Chromium (bench_generation's round,
    q8, one wasm thread), in the same run, for the ratio.
On the Phi-3.5-mini-instruct twin (``--phi3``; real size, 3.8 B parameters, random weights;
``python -m tests.model_factory.real_size phi3``): tokens/s and peak memory per dtype that fits
(float32 needs 15 GB and is left out on a 24 GB machine shared with other work).
Writes bench/results/chat-server.svg (docs/performance/ keeps a copy). Run on a machine as
quiet as you can get:
``.venv/bin/python bench/bench_chat_server.py [--rounds 3] [--browser] [--phi3] [--seq2seq]``
(``--seq2seq``: the encoder-decoder chatbots at real size, built on the fly).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SYSTEM = "Você é um assistente virtual prestativo. Responda somente em Português."
QUESTIONS = [  # bench_generation.py's five turns
    "Um gato sentado na mesa perto da janela?",
    "E o cachorro brincando no parque com a bola?",
    "Two children riding bicycles on the beach.",
    "Uma mulher andando com um guarda-chuva azul.",
    "What is the small red boat on the river?",
]
# (engine, dtype, threads) measured on the SmolLM2 twin; the first is what ``auto`` picks.
SMOLLM_ENGINES = [
    ("onnxruntime", "int8", 1), ("onnxruntime", "int8", 2), ("onnxruntime", "float32", 1),
    ("transformers", "float32", 1), ("transformers", "float32", 2),
    ("transformers", "bfloat16", 1), ("transformers", "int8", 1),
]
TURN_ENGINES = [("onnxruntime", "int8", 1), ("transformers", "float32", 1)]
PHI3_ENGINES = [("transformers", "bfloat16", 2), ("transformers", "int8", 2)]
LLAMA_CPP = {"1 thread": 67.0, "2 threads": 111.0}  # llama.cpp q8_0, measured for issue 15
BROWSER_DOCUMENTED = 23.5  # docs/performance.md, the browser's q8 on one wasm thread


def _twin(name: str) -> Path:
    from tests.model_factory.real_size import TWINS

    return TWINS[name]()


def _turn(model: Any, messages: list[dict[str, str]], tokens: int) -> tuple[str, Any]:
    from tts_server.chat.generate import Generation, Settings, generate
    from tts_server.chat.prompts import prompt_ids

    info = model.engine.info
    prompt = prompt_ids(info.tokenizer, info.model_type, messages)
    record = Generation(prompt_tokens=len(prompt))
    text = "".join(generate(model, prompt, Settings(max_tokens=tokens, temperature=0), record,
                            deadline=time.monotonic() + 3600))
    return text, record


def _speed(record: Any) -> float:
    return (len(record.token_times) / sum(record.token_times)) if record.token_times else 0.0


QUESTION = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": QUESTIONS[0]}]


def _load(folder: str, engine: str, dtype: str, threads: int) -> Any:
    """A ModelCache holding ``folder`` with this engine, dtype and onnxruntime threads."""
    from dataclasses import replace

    from tts_server.chat.models import ModelCache
    from tts_server.config import Config

    config = replace(Config(), chat_models=(folder,), chat_engine=engine, chat_dtype=dtype,
                     chat_threads=threads, chat_memory_mb=20_000)
    return ModelCache(config)


def _answer(model: Any, threads: int, tokens: int) -> Any:
    """One answer to QUESTION read whole (no reused cache); its Generation record."""
    import torch

    torch.set_num_threads(threads)
    model.saved.clear()
    return _turn(model, QUESTION, tokens)[1]


def measure_one(folder: str, engine: str, dtype: str, threads: int, tokens: int,
                rounds: int) -> dict[str, Any]:
    """One engine alone in this process: load time, memory, and ``rounds`` answers."""
    started = time.perf_counter()
    cache = _load(folder, engine, dtype, threads)
    with cache.use(folder) as model:
        figures: dict[str, Any] = {"load s": time.perf_counter() - started,
                                   "weights MB": model.engine.bytes / 2**20}
        records = [_answer(model, threads, tokens) for _ in range(rounds)]
    figures["first token ms"] = statistics.median(r.first_token_s * 1000 for r in records)
    figures["tokens/s"] = statistics.median(_speed(r) for r in records)
    figures["peak RSS MB"] = _peak_rss_mb()
    return figures


def measure_alternated(folder: str, configs: list[tuple[str, str, int]], tokens: int,
                       rounds: int) -> dict[str, dict[str, float]]:
    """Every engine loaded in this process, then their answers alternated round by round
    (A B C A B C...), so each meets the same load of a shared machine."""
    loaded = {}
    for engine, dtype, threads in configs:
        cache = _load(folder, engine, dtype, threads)
        loaded[_name(engine, dtype, threads)] = (cache, cache._get(folder), threads)
    taken: dict[str, list[Any]] = {name: [] for name in loaded}
    for _ in range(rounds):
        for name, (_, model, threads) in loaded.items():
            taken[name].append(_answer(model, threads, tokens))
    return {name: {"tokens/s": statistics.median(_speed(r) for r in records),
                   "first token ms": statistics.median(r.first_token_s * 1000 for r in records),
                   "prompt tokens": records[0].prompt_tokens}
            for name, records in taken.items()}


def measure_turns(folder: str, engine: str, dtype: str, threads: int,
                  tokens: int) -> dict[str, float]:
    """The five-turn chat with the reused key/value cache and without (the whole history read
    again each turn): each turn's time to first token."""
    import torch

    torch.set_num_threads(threads)
    figures: dict[str, float] = {}
    with _load(folder, engine, dtype, threads).use(folder) as model:
        for reuse in (True, False):
            messages = [{"role": "system", "content": SYSTEM}]
            model.saved.clear()
            firsts = []
            for question in QUESTIONS:
                messages.append({"role": "user", "content": question})
                if not reuse:
                    model.saved.clear()
                answer, record = _turn(model, messages, tokens)
                messages.append({"role": "assistant", "content": answer})
                firsts.append(record.first_token_s * 1000)
            key = "cache" if reuse else "no cache"
            figures[f"turn 1 first token ms, {key}"] = firsts[0]
            figures[f"turn 5 first token ms, {key}"] = firsts[-1]
            figures["turn 5 prompt tokens"] = record.prompt_tokens
    return figures


def _name(engine: str, dtype: str, threads: int) -> str:
    return f"{engine} {dtype}, {threads} thread{'s' * (threads > 1)}"


def _peak_rss_mb() -> float:
    """This process's peak resident memory (VmHWM: unlike ru_maxrss, not inherited from the
    parent that forked it)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _in_fresh_process(*args: str) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    done = subprocess.run([sys.executable, __file__, "--one", *args], capture_output=True,
                          text=True, env=env, check=False)
    if done.returncode != 0:
        return {"error": done.stderr.strip().splitlines()[-1] if done.stderr else "failed"}
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def measure_http(folder: Path, tokens: int, rounds: int) -> dict[str, float]:
    """The default engine through ``python -m tts_server`` and the openai SDK, streamed."""
    import tempfile

    from openai import OpenAI

    from tests.sidecar_process import Sidecar

    with tempfile.TemporaryDirectory(prefix="legenda-chat-bench-") as tmp:
        server = Sidecar(Path(tmp), {"LEGENDA_TTS_ENGINE": "espeak",
                                     "LEGENDA_CHAT_MODELS": str(folder)}).start()
        try:
            client = OpenAI(base_url=server.url + "/v1", api_key="none", max_retries=0)
            messages: Any = [{"role": "system", "content": SYSTEM},
                             {"role": "user", "content": QUESTIONS[0]}]
            client.chat.completions.create(model=str(folder), messages=messages, max_tokens=2)
            ttfts, speeds = [], []
            for r in range(rounds):
                # A new conversation each round (a reused prompt would skip its reading).
                messages[1]["content"] = f"{QUESTIONS[0]} ({r})"
                started = time.perf_counter()
                first = last = None
                usage = None
                for chunk in client.chat.completions.create(
                    model=str(folder), messages=messages, max_tokens=tokens, temperature=0,
                    stream=True, stream_options={"include_usage": True},
                ):
                    now = time.perf_counter()
                    if chunk.choices and chunk.choices[0].delta.content:
                        first = first or now
                        last = now
                    usage = chunk.usage or usage
                assert first is not None and last is not None and usage is not None
                ttfts.append((first - started) * 1000)
                speeds.append((usage.completion_tokens - 1) / max(last - first, 1e-9))
            model = client.models.list().data[0].model_dump()
        finally:
            server.stop()
    return {"engine": f"{model.get('engine')} {model.get('dtype')}",  # type: ignore[dict-item]
            "first piece ms": statistics.median(ttfts), "tokens/s": statistics.median(speeds)}


def measure_browser(folder: Path, tokens: int) -> dict[str, float]:
    """bench_generation.py's round (the product worker in Chromium, q8) on the same twin."""
    import tempfile

    from playwright.sync_api import sync_playwright

    from bench import bench_generation as browser_bench
    from bench.browser import playwright_settings
    from scripts import build_site
    from scripts.serve_site import make_server, serve_in_thread
    from tests.model_factory import link_models, t5_model

    settings = playwright_settings()
    chat = f"{folder.parent.name}/{folder.name}"
    prefix = browser_bench.PREFIX
    with tempfile.TemporaryDirectory(prefix="legenda-chat-bench-") as tmp:
        work = Path(tmp)
        build_site.build(work / "site", models=work / "no-models")
        models = link_models(work / "models", folder, t5_model())
        (work / "bench").mkdir()
        (work / "bench" / "harness.html").write_text(browser_bench.HARNESS)
        server = make_server(work / "site", prefix=prefix, quiet=True,
                             mounts={f"{prefix}models/": models, "/bench/": work / "bench"})
        serve_in_thread(server)
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=settings.CHROMIUM_PATH,
                                                     args=settings.CHROMIUM_ARGS)
                page = browser.new_page()
                figures = browser_bench._round(
                    page, f"http://127.0.0.1:{server.server_port}", "q8", tokens, chat)
                browser.close()
        finally:
            server.shutdown()
    short = folder.name
    return {"first token ms": figures[f"generate {short}: first token ms"],
            "tokens/s": figures[f"generate {short}: tokens/s"],
            "turn 5 first token ms, cache": figures["chat turn 5 first token ms, cache"],
            "turn 5 first token ms, no cache": figures["chat turn 5 first token ms, no cache"]}


def seq2seq_twins(work: Path) -> dict[str, Path]:
    """The course's encoder-decoder chatbots at their real sizes (random weights, built here in
    seconds each): blenderbot-400M-distill, flan-t5-base, flan-t5-small and bart-base, with the
    tiny models' tokenizers (T5's for the T5s, Blenderbot's byte-level BPE for the others) and
    an end token no output can be, so every answer has its full length."""
    import shutil

    import torch
    from transformers import (
        BartConfig,
        BartForConditionalGeneration,
        BlenderbotConfig,
        BlenderbotForConditionalGeneration,
        GenerationConfig,
        T5Config,
        T5ForConditionalGeneration,
    )

    from tests.model_factory import t5_model
    from tests.model_factory.blenderbot import blenderbot_model

    t5 = {"d_kv": 64, "feed_forward_proj": "gated-gelu", "tie_word_embeddings": False,
          "vocab_size": 32128, "decoder_start_token_id": 0, "pad_token_id": 0}
    bpe = {"pad_token_id": 0, "bos_token_id": 1, "decoder_start_token_id": 1}
    specs = {
        "facebook/blenderbot-400M-distill": (blenderbot_model(), BlenderbotForConditionalGeneration(
            BlenderbotConfig(vocab_size=8008, d_model=1280, encoder_layers=2, decoder_layers=12,
                             encoder_attention_heads=32, decoder_attention_heads=32,
                             encoder_ffn_dim=5120, decoder_ffn_dim=5120,
                             max_position_embeddings=128, scale_embedding=True, **bpe))),
        "google/flan-t5-base": (t5_model(), T5ForConditionalGeneration(T5Config(
            d_model=768, d_ff=2048, num_layers=12, num_decoder_layers=12, num_heads=12, **t5))),
        "google/flan-t5-small": (t5_model(), T5ForConditionalGeneration(T5Config(
            d_model=512, d_ff=1024, num_layers=8, num_decoder_layers=8, num_heads=6, **t5))),
        "facebook/bart-base": (blenderbot_model(), BartForConditionalGeneration(BartConfig(
            vocab_size=50265, d_model=768, encoder_layers=6, decoder_layers=6,
            encoder_attention_heads=12, decoder_attention_heads=12, encoder_ffn_dim=3072,
            decoder_ffn_dim=3072, max_position_embeddings=1024, **bpe))),
    }
    folders = {}
    for name, (tiny, model) in specs.items():
        folder = work / name
        shutil.copytree(tiny, folder, ignore=shutil.ignore_patterns(
            "model.safetensors", "generation_config.json", "config.json", "onnx"))
        model.generation_config = GenerationConfig(
            eos_token_id=model.config.vocab_size + 1,  # never: full-length answers
            decoder_start_token_id=model.config.decoder_start_token_id,
            pad_token_id=model.config.pad_token_id)
        with torch.no_grad():
            model.save_pretrained(folder)
        del model
        folders[name] = folder
    return folders


def _row(name: str, figures: dict[str, Any], keys: list[str]) -> str:
    if "error" in figures:
        return f"  {name:34} failed: {figures['error']}"
    cells = [f"{key} {figures[key]:8.1f}" for key in keys if key in figures]
    return f"  {name:34} " + "   ".join(cells)


def _smollm(args: argparse.Namespace, smol: Path) -> tuple[dict[str, Any], list[Any]]:
    print(f"Chat server benchmark, SmolLM2-135M twin, greedy, {args.tokens} new tokens, "
          f"medians of {args.rounds} alternated rounds, load average {os.getloadavg()[0]:.1f}:")
    speeds = measure_alternated(str(smol), SMOLLM_ENGINES, args.tokens, args.rounds)
    for name, figures in speeds.items():
        print(_row(name, figures, ["tokens/s", "first token ms"]), flush=True)
    print("  alone in a fresh process (load, memory; one 8-token answer):")
    for engine, dtype, threads in SMOLLM_ENGINES:
        if threads == 1:
            alone = _in_fresh_process(str(smol), engine, dtype, "1", "8", "1")
            print(_row(f"  {engine} {dtype}", alone, ["load s", "weights MB", "peak RSS MB"]),
                  flush=True)
    http = measure_http(smol, args.tokens, args.rounds)
    print(f"  HTTP + openai SDK, streamed ({http['engine']}, the default): first piece "
          f"{http['first piece ms']:.0f} ms, {http['tokens/s']:.1f} tokens/s", flush=True)
    print("  five turns, first token with / without the reused cache (ms):")
    for engine, dtype, threads in TURN_ENGINES:
        turns = measure_turns(str(smol), engine, dtype, threads, args.tokens)
        cached = turns["turn 5 first token ms, cache"]
        uncached = turns["turn 5 first token ms, no cache"]
        print(f"    {_name(engine, dtype, threads):32} turn 1 "
              f"{turns['turn 1 first token ms, cache']:.0f} / "
              f"{turns['turn 1 first token ms, no cache']:.0f}, turn 5 {cached:.0f} / "
              f"{uncached:.0f} (x{uncached / cached:.1f}; turn 5's prompt "
              f"{turns['turn 5 prompt tokens']:.0f} tokens)", flush=True)
    rows = [(f"SmolLM2 {name}", f["tokens/s"]) for name, f in speeds.items()]
    return speeds, rows


def _compare(speeds: dict[str, Any], browser: dict[str, float] | None) -> None:
    reference = browser["tokens/s"] if browser else BROWSER_DOCUMENTED
    print(f"  vs the browser ({reference:.1f} tokens/s"
          f"{'' if browser else ', docs/performance.md'}) and llama.cpp q8_0 "
          f"({LLAMA_CPP['1 thread']:.0f} / {LLAMA_CPP['2 threads']:.0f} on 1 / 2 threads):")
    for name, figures in speeds.items():
        speed = figures["tokens/s"]
        print(f"    {name:32} x{speed / reference:.2f} the browser, "
              f"x{speed / LLAMA_CPP['1 thread']:.2f} / x{speed / LLAMA_CPP['2 threads']:.2f} "
              "llama.cpp")


def _seq2seq(args: argparse.Namespace, rows: list[Any]) -> None:
    import tempfile

    print(f"The encoder-decoder chatbots at real size (transformers float32, 1 thread, "
          f"{args.tokens} new tokens, alone in a fresh process):")
    with tempfile.TemporaryDirectory(prefix="legenda-chat-bench-") as tmp:
        for name, folder in seq2seq_twins(Path(tmp)).items():
            figures = _in_fresh_process(str(folder), "transformers", "float32", "1",
                                        str(args.tokens), "1")
            print(_row(name, figures, ["tokens/s", "first token ms", "load s", "weights MB",
                                       "peak RSS MB"]), flush=True)
            if "tokens/s" in figures:
                rows.append((f"{name.split('/')[1]} transformers float32", figures["tokens/s"]))


def _phi3(args: argparse.Namespace, rows: list[Any]) -> None:
    phi3 = _twin("phi3")
    print(f"Phi-3.5-mini twin (3.8 B), greedy, {args.phi3_tokens} new tokens, one answer, "
          "alone in a fresh process:")
    for engine, dtype, threads in PHI3_ENGINES:
        figures = _in_fresh_process(str(phi3), engine, dtype, str(threads),
                                    str(args.phi3_tokens), "1")
        print(_row(_name(engine, dtype, threads), figures, [
            "tokens/s", "first token ms", "load s", "weights MB", "peak RSS MB"]), flush=True)
        if "tokens/s" in figures:
            rows.append((f"Phi-3.5-mini {engine} {dtype}", figures["tokens/s"]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tokens", type=int, default=64, help="new tokens per answer")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--browser", action="store_true", help="also the browser's worker")
    parser.add_argument("--phi3", action="store_true", help="also the Phi-3.5-mini twin")
    parser.add_argument("--phi3-tokens", type=int, default=16)
    parser.add_argument("--seq2seq", action="store_true",
                        help="also blenderbot, flan-t5 and bart at real size")
    parser.add_argument("--one", nargs=6, help=argparse.SUPPRESS)  # a child process's work
    args = parser.parse_args()
    if args.one:
        folder, engine, dtype, threads, tokens, rounds = args.one
        print(json.dumps(measure_one(folder, engine, dtype, int(threads), int(tokens),
                                     int(rounds))))
        return
    smol = _twin("chat")
    speeds, rows = _smollm(args, smol)
    browser = None
    if args.browser:
        browser = measure_browser(smol, args.tokens)
        print(f"  browser (Transformers.js q8, 1 wasm thread): {browser['tokens/s']:.1f} tokens/s,"
              f" first token {browser['first token ms']:.0f} ms, turn 5 "
              f"{browser['turn 5 first token ms, cache']:.0f} / "
              f"{browser['turn 5 first token ms, no cache']:.0f} ms", flush=True)
        rows.append(("SmolLM2 browser q8, 1 wasm thread", browser["tokens/s"]))
    _compare(speeds, browser)
    if args.seq2seq:
        _seq2seq(args, rows)
    if args.phi3:
        _phi3(args, rows)
    from bench.svg_plot import bar_chart

    chart = bar_chart(ROOT / "bench" / "results" / "chat-server.svg",
                      "Chat on a 2-core CPU: tokens per second (greedy)", "tok/s", rows)
    print(f"Chart: {chart.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
