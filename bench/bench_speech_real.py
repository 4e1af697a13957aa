"""Speech at real size on this CPU: seconds per sentence and real-time factor (prints figures).

Uses the full-size random-weight twins of suno/bark-small and facebook/mms-tts-por
(tests/model_factory/real_size; ``make bench-models`` builds them, or this script does) through
the sidecar's own engines, with one and two torch threads, and espeak-ng for comparison. Then
Bark's CPU options side by side in the same run, each on the same sentence with the same seed:
int8 Linear layers, fused SDPA attention, both, two sentences in one batched generate call,
and (``--compile``) torch.compile of the three stages. ``--batch ROUNDS``: a text of a few
sentences said through the sidecar's own ``speech.speak``, one piece per engine call vs the
pieces batched (``LEGENDA_BARK_BATCH``), alternated, fp32 and int8 (both with SDPA), on one and
two torch threads.

The real-time factor (RTF) is seconds of work per second of audio: below 1 is faster than
speech. Random weights never end a sentence early: Bark's semantic stage is pinned to 250
tokens, the work of a 5-second sentence.

Run: ``make bench-real`` or ``.venv/bin/python bench/bench_speech_real.py [--only bark]``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.svg_plot import bar_chart  # noqa: E402
from tests.model_factory.real_size import specs  # noqa: E402
from tests.model_factory.real_size.speech import bark_twin, vits_twin  # noqa: E402
from tts_server.audio import PAUSE_S  # noqa: E402
from tts_server.config import config_from_mapping  # noqa: E402
from tts_server.engines import make_engine  # noqa: E402
from tts_server.speech import pieces_of, speak  # noqa: E402

RESULTS = ROOT / "bench" / "results"
SECOND_SENTENCE = "Uma mulher caminha com o seu cachorro no parque, ao pôr do sol."
# The text --batch says, one sentence per piece (the first N of these).
BATCH_SENTENCES = (
    specs.SENTENCE, SECOND_SENTENCE, "Duas crianças brincam na areia com um balde vermelho.",
    "Um trem antigo atravessa a ponte de pedra sobre o rio.",
)


@dataclass(frozen=True)
class Variant:
    name: str
    threads: int
    int8: bool = False
    sdpa: bool = False
    batch: int = 1
    compile: bool = False


BARK_VARIANTS = (
    Variant("fp32 (as shipped), 2 threads", 2),
    Variant("fp32 (as shipped), 1 thread", 1),
    Variant("SDPA attention, 2 threads", 2, sdpa=True),
    Variant("int8 Linear, 2 threads", 2, int8=True),
    Variant("int8 + SDPA, 2 threads", 2, int8=True, sdpa=True),
    Variant("int8 + SDPA, 2 sentences batched, 2 threads", 2, int8=True, sdpa=True, batch=2),
    Variant("int8 + SDPA, 1 thread", 1, int8=True, sdpa=True),
)
COMPILE_VARIANT = Variant("int8 + SDPA + torch.compile, 2 threads", 2, int8=True, sdpa=True,
                          compile=True)


def _engine(engine: str, model: Path | None, variant: Variant | None = None) -> Any:
    settings: dict[str, object] = {"engine": engine, "model": str(model or "")}
    if variant:
        settings.update(bark_int8=variant.int8, bark_sdpa=variant.sdpa)
    built = make_engine(config_from_mapping(settings))
    built.prepare()
    built.load()
    return built


def _timed(engine: Any, texts: list[str], voice: str) -> tuple[float, float]:
    """(seconds, seconds of audio) for saying ``texts`` (one batched call when it is a list
    of several and the engine batches)."""
    import torch

    torch.manual_seed(0)
    start = time.perf_counter()
    if len(texts) > 1:
        pieces = engine.synthesize_batch(texts, voice)
    else:
        pieces = [engine.synthesize(texts[0], voice)]
    seconds = time.perf_counter() - start
    return seconds, sum(len(samples) / rate for rate, samples in pieces)


def _row(name: str, seconds: float, audio: float, sentences: int) -> dict[str, Any]:
    row = {"name": name, "s_per_sentence": seconds / sentences, "audio_s": audio / sentences,
           "rtf": seconds / audio}
    print(f"  {name:48} {row['s_per_sentence']:8.2f} s/sentence  "
          f"{row['audio_s']:5.2f} s audio  RTF {row['rtf']:7.3f}", flush=True)
    return row


def bench_fast_engines(rounds: int) -> list[dict[str, Any]]:
    import torch

    rows = []
    espeak = _engine("espeak", None)
    runs = [_timed(espeak, [specs.SENTENCE], espeak.default_voice("pt")) for _ in range(rounds)]
    rows.append(_row("espeak-ng", statistics.median(r[0] for r in runs), runs[0][1], 1))
    vits = _engine("vits", vits_twin())
    voice = vits.default_voice("pt")
    for threads in (1, 2):
        torch.set_num_threads(threads)
        _timed(vits, [specs.SENTENCE], voice)  # warm-up
        runs = [_timed(vits, [specs.SENTENCE], voice) for _ in range(rounds)]
        rows.append(_row(f"VITS (mms-tts-por twin), {threads} thread(s)",
                         statistics.median(r[0] for r in runs),
                         statistics.median(r[1] for r in runs), 1))
    return rows


def bench_bark(variants: tuple[Variant, ...]) -> list[dict[str, Any]]:
    import torch

    model = bark_twin()
    rows = []
    for variant in variants:
        torch.set_num_threads(variant.threads)
        engine = _engine("bark", model, variant)
        if variant.compile:
            for name in ("semantic", "coarse_acoustics", "fine_acoustics"):
                stage = getattr(engine.model, name)
                stage.forward = torch.compile(stage.forward, dynamic=True)
        voice = engine.default_voice("pt")
        # A short warm-up pays one-off costs (and torch.compile's compilation, timed apart).
        start = time.perf_counter()
        engine.model.generate(**engine.processor("Olá.", voice_preset=voice, return_tensors="pt"),
                              semantic_max_new_tokens=16)
        warm_up = time.perf_counter() - start
        texts = [specs.SENTENCE, SECOND_SENTENCE][: variant.batch]
        seconds, audio = _timed(engine, texts, voice)
        rows.append(_row(variant.name, seconds, audio, len(texts)) | {"warm_up_s": warm_up})
        del engine
    return rows


AB_SEMANTIC_TOKENS = 100  # ~2 s of speech: short enough to alternate the variants


def _compiled(model: Any, inputs: Any) -> dict[str, list[float]]:
    """int8 + SDPA with each stage's forward under torch.compile: the first call (compiling)
    and the second, timed apart."""
    import torch

    for name in ("semantic", "coarse_acoustics", "fine_acoustics"):
        stage = getattr(model, name)
        stage.forward = torch.compile(stage.forward, dynamic=True)
    runs = []
    for _ in range(2):
        torch.manual_seed(0)
        start = time.perf_counter()
        with torch.inference_mode():
            model.generate(**inputs, semantic_max_new_tokens=AB_SEMANTIC_TOKENS)
        runs.append(time.perf_counter() - start)
        print(f"    torch.compile run: {runs[-1]:.1f} s", flush=True)
    return {"int8 + SDPA + torch.compile, 1st call (compiles)": runs[:1],
            "int8 + SDPA + torch.compile, 2nd call": runs[1:]}


def bench_bark_ab(rounds: int, compile_too: bool = False) -> list[dict[str, Any]]:
    """Bark's options alternated (A B C D A B C D...) on one thread, so a busy machine's swings
    fall on every variant alike: two models (fp32 and int8), SDPA switched on and off on each."""
    import torch

    from tts_server.engines.bark import use_sdpa

    torch.set_num_threads(1)
    folder = bark_twin()
    engines = {int8: _engine("bark", folder, Variant("", 1, int8=bool(int8))) for int8 in (0, 1)}
    voice = engines[0].default_voice("pt")
    inputs = engines[0].processor(specs.SENTENCE, voice_preset=voice, return_tensors="pt")
    times: dict[str, list[float]] = {}
    audio = 0.0
    for _ in range(rounds):
        for int8, sdpa in ((0, 0), (0, 1), (1, 0), (1, 1)):
            model = engines[int8].model
            for module in model.modules():  # back to the eager attention, then SDPA if asked
                module.__dict__.pop("_attn", None)
            if sdpa:
                use_sdpa(model)
            torch.manual_seed(0)
            start = time.perf_counter()
            with torch.inference_mode():
                wave = model.generate(**inputs, semantic_max_new_tokens=AB_SEMANTIC_TOKENS)
            name = f"{'int8' if int8 else 'fp32'}{' + SDPA' if sdpa else ''}, 1 thread, A/B"
            times.setdefault(name, []).append(time.perf_counter() - start)
            audio = wave.shape[-1] / 24_000
            print(f"    {name}: {times[name][-1]:.1f} s", flush=True)
    if compile_too:
        times.update(_compiled(engines[1].model, inputs))
    base = statistics.median(next(iter(times.values())))
    rows = []
    for name, runs in times.items():
        row = _row(name, statistics.median(runs), audio, 1)
        rows.append(row | {"runs_s": runs, "vs_fp32": statistics.median(runs) / base})
    return rows


def bench_bark_batch(
    rounds: int, pieces: int, sizes: list[int], int8s: tuple[bool, ...] = (False, True)
) -> list[dict[str, Any]]:
    """``speak`` on a text of ``pieces`` sentences with at most each of ``sizes`` pieces per engine
    call (1: one after the other), alternated, for fp32 and/or int8 (SDPA on both, as shipped),
    on one and two threads: seconds per sentence (wall clock, and this process's CPU time, which
    other people's load on a shared machine moves less), per audio second, and the ratio to 1."""
    import torch

    text = " ".join(BATCH_SENTENCES[:pieces])
    engines = {name: _batch_engine(int8, text, pieces) for name, int8 in
               (("int8 + SDPA" if int8 else "fp32 + SDPA", int8) for int8 in int8s)}
    runs: dict[tuple[str, int, int], list[tuple[float, float]]] = {}
    audio = 0.0
    for _ in range(rounds):
        for threads in (1, 2):
            torch.set_num_threads(threads)
            for name, engine in engines.items():
                for size in sizes:
                    wall, cpu, audio = _said(engine, text, size)
                    runs.setdefault((name, threads, size), []).append((wall, cpu))
                    print(f"    {name}, {threads} thread(s), {size} per call: {wall:.1f} s "
                          f"({cpu:.1f} s CPU)", flush=True)
    return [_batch_row(key, runs, audio, pieces) for key in runs]


def _batch_engine(int8: bool, text: str, pieces: int) -> Any:
    engine = _engine("bark", bark_twin(), Variant("", 1, int8=int8, sdpa=True))
    engine.max_piece_chars = max(map(len, BATCH_SENTENCES))  # one sentence per piece
    engine.model.generation_config.semantic_config["max_new_tokens"] = AB_SEMANTIC_TOKENS
    assert len(pieces_of(engine, text)) == pieces
    return engine


def _said(engine: Any, text: str, size: int) -> tuple[float, float, float]:
    """(wall s, CPU s, s of speech without the pauses) of ``speak(text)`` with at most ``size``
    pieces per call (set here for int8 too, whose engine would say one per call)."""
    import torch

    engine.max_batch = size
    torch.manual_seed(0)
    wall, cpu = time.perf_counter(), time.process_time()
    rate, samples = speak(engine, text, engine.default_voice("pt"))
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    pauses = len(pieces_of(engine, text)) - 1
    return wall, cpu, len(samples) / rate - pauses * PAUSE_S


def _batch_row(
    key: tuple[str, int, int], runs: dict[tuple[str, int, int], list[tuple[float, float]]],
    audio: float, pieces: int,
) -> dict[str, Any]:
    name, threads, size = key
    label = "one piece per call" if size == 1 else f"up to {size} pieces per call"
    wall = statistics.median(run[0] for run in runs[key])
    cpu = statistics.median(run[1] for run in runs[key])
    alone = runs[(name, threads, 1)]
    row = _row(f"{name}, {threads} thread(s), {label}", wall, audio, pieces) | {
        "runs_s": runs[key], "cpu_s_per_sentence": cpu / pieces,
        "vs_one_per_call": wall / statistics.median(run[0] for run in alone),
        "cpu_vs_one_per_call": cpu / statistics.median(run[1] for run in alone),
    }
    print(f"    {'':48} x{row['vs_one_per_call']:.2f} the time of one piece per call, "
          f"x{row['cpu_vs_one_per_call']:.2f} the CPU time ({cpu / pieces:.1f} s per sentence)")
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=("fast", "bark"), help="only espeak+VITS, or only Bark")
    parser.add_argument("--rounds", type=int, default=3, help="runs per fast engine (median)")
    parser.add_argument("--compile", action="store_true", help="also try torch.compile on Bark")
    parser.add_argument("--variants", type=int, default=len(BARK_VARIANTS),
                        help="run only the first N Bark variants")
    parser.add_argument("--ab", type=int, default=0, metavar="ROUNDS",
                        help="only Bark's options alternated, ROUNDS times, on a short sentence")
    parser.add_argument("--batch", type=int, default=0, metavar="ROUNDS",
                        help="only speak() with Bark's pieces batched or not, ROUNDS times")
    parser.add_argument("--pieces", type=int, default=3, choices=range(2, 5),
                        help="sentences in --batch's text")
    parser.add_argument("--sizes", default="1,3", help="--batch's pieces per call, e.g. 1,2,4")
    parser.add_argument("--precision", choices=("fp32", "int8"), help="--batch: only this one")
    args = parser.parse_args()
    if args.batch:
        sizes = [int(size) for size in args.sizes.split(",")]
        int8s = (False, True) if not args.precision else (args.precision == "int8",)
        _write(bench_bark_batch(args.batch, args.pieces, sizes, int8s), "-batch")
        return
    if args.ab:
        rows = bench_bark_ab(args.ab, args.compile)
        _write(rows, "-ab")
        return
    print(f"Speech at real size, sentence: {specs.SENTENCE!r}", flush=True)
    rows = []
    if args.only != "bark":
        rows += bench_fast_engines(args.rounds)
    if args.only != "fast":
        variants = BARK_VARIANTS[: args.variants] + ((COMPILE_VARIANT,) if args.compile else ())
        rows += bench_bark(variants)
    _write(rows, f"-{args.only}" if args.only else "")


def _write(rows: list[dict[str, Any]], suffix: str) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"speech{suffix}.json").write_text(json.dumps(rows, indent=1) + "\n")
    chart = bar_chart(RESULTS / f"speech{suffix}.svg",
                      "Speech on a 2-core CPU: real-time factor (lower is faster)", "x",
                      [(row["name"], row["rtf"]) for row in rows])
    print(f"Figures in {RESULTS / f'speech{suffix}.json'}, chart in {chart}")


if __name__ == "__main__":
    main()
