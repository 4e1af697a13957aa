"""Benchmark of the sidecar's set-ups (prints figures; not a test): throughput of uncached
texts (each one synthesized) and of cached ones (answered from stored audio), for

  - one process, jobs in it (the default `make run` set-up), with 1 and with 2 synthesis threads;
  - one API process and 1, then 2, worker processes on one Redis (LEGENDA_QUEUE_URL).

The espeak engine (no model download); every set-up gets the same number of distinct texts,
sent by concurrent clients that wait for their audio; the rounds go round the set-ups (all
started at once) and the medians are shown. Ratios are against the single process with one
synthesis thread, measured in the same run. Run it niced on a shared machine:
``nice -n 19 .venv/bin/python bench/bench_queue.py [--texts N] [--clients N]``.
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402

from tests.services import WorkerProcess, running_redis  # noqa: E402
from tests.sidecar_process import Sidecar  # noqa: E402

TIMEOUT = 300
POLL_S = 0.02


@dataclass
class Figures:
    texts_per_s: float
    audio_s_per_s: float
    cached_per_s: float


def _texts(count: int, tag: str) -> list[str]:
    return [
        f"Um gato no sofá, número {n} de {tag}. Ele dorme ao sol da tarde. "
        "Depois acorda, come e volta a dormir." for n in range(count)
    ]


def _say(url: str, text: str) -> float:
    """POST the text, follow it until done; the seconds of audio made."""
    body = requests.post(
        f"{url}/api/speech?wait={TIMEOUT}", json={"text": text}, timeout=TIMEOUT + 10
    ).json()
    while body.get("status") in ("queued", "running"):
        time.sleep(POLL_S)
        body = requests.get(url + body["status_url"], timeout=TIMEOUT).json()
    if body.get("status") != "done":
        raise RuntimeError(f"no audio for {text!r}: {body}")
    return float(body["duration_s"])


def _measure(url: str, texts: list[str], clients: int, cached_rounds: int) -> Figures:
    with ThreadPoolExecutor(clients) as pool:
        start = time.perf_counter()
        audio = sum(pool.map(lambda text: _say(url, text), texts))
        uncached = time.perf_counter() - start
        again = texts * cached_rounds
        start = time.perf_counter()
        list(pool.map(lambda text: _say(url, text), again))
        cached = time.perf_counter() - start
    return Figures(len(texts) / uncached, audio / uncached, len(again) / cached)


@contextlib.contextmanager
def _set_up(work: Path, workers: int, threads: int) -> Iterator[str]:
    """The URL of an API process: jobs in it (``workers`` 0) or on a Redis with ``workers``
    worker processes."""
    env = {"LEGENDA_TTS_ENGINE": "espeak", "LEGENDA_QUEUE_SIZE": "256",
           "LEGENDA_TTS_THREADS": str(threads)}
    with contextlib.ExitStack() as stack:
        if workers:
            env["LEGENDA_QUEUE_URL"] = stack.enter_context(running_redis(work / "redis"))
            for _ in range(workers):
                process = WorkerProcess(work, env)
                stack.callback(process.stop)
                process.start()
        api = Sidecar(work, env)
        stack.callback(api.stop)
        api.start(until="ready")
        yield api.url


def _median(runs: list[Figures]) -> Figures:
    return Figures(*(statistics.median(getattr(run, name) for run in runs)
                     for name in ("texts_per_s", "audio_s_per_s", "cached_per_s")))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--texts", type=int, default=32, help="distinct texts per round")
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients")
    parser.add_argument("--cached-rounds", type=int, default=8, help="cached requests per text")
    parser.add_argument("--rounds", type=int, default=3, help="rounds (medians are shown)")
    args = parser.parse_args()
    setups = [
        ("one process, 1 synthesis thread", 0, 1),
        ("one process, 2 synthesis threads", 0, 2),
        ("Redis, 1 worker process", 1, 1),
        ("Redis, 2 worker processes", 2, 1),
    ]
    # Every set-up runs at once (idle ones cost nothing) and the rounds go round them in turn,
    # so a busy moment on a shared machine falls on all of them, not on one.
    runs: dict[str, list[Figures]] = {name: [] for name, _, _ in setups}
    with contextlib.ExitStack() as stack:
        urls = {}
        for name, workers, threads in setups:
            work = Path(stack.enter_context(tempfile.TemporaryDirectory()))
            urls[name] = stack.enter_context(_set_up(work, workers, threads))
            _say(urls[name], "Aquecimento.")  # the first job pays one-off costs
        for round_ in range(args.rounds):
            for name in urls:
                texts = _texts(args.texts, f"{name}, ronda {round_}")
                runs[name].append(_measure(urls[name], texts, args.clients, args.cached_rounds))
    results = [(name, _median(figures)) for name, figures in runs.items()]
    base = results[0][1]
    print(f"\n{args.texts} distinct espeak texts of {len(_texts(1, 'x')[0])} chars per round, "
          f"{args.clients} concurrent clients, cached = {args.cached_rounds} requests per text; "
          f"medians of {args.rounds} rounds")
    print(f"{'set-up':32} {'uncached texts/s':>17} {'audio s/s':>10} {'cached req/s':>13}"
          f"   vs one process (uncached, cached)")
    for name, figures in results:
        print(f"{name:32} {figures.texts_per_s:17.1f} {figures.audio_s_per_s:10.1f} "
              f"{figures.cached_per_s:13.1f}   x{figures.texts_per_s / base.texts_per_s:.2f}, "
              f"x{figures.cached_per_s / base.cached_per_s:.2f}")


if __name__ == "__main__":
    main()
