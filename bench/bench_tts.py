"""Benchmark of the speech sidecar (prints figures; not a test).

For the espeak engine and the tiny test Bark (tests/model_factory), on one torch thread:
  - synthesis in-process (tts_server.speech.speak) vs the same texts through HTTP
    (POST /api/speech?wait=...) on a real ``python -m tts_server`` process: the ratio is the
    sidecar's overhead (HTTP, JSON, queue, WAV writing);
  - latency of a cached request (POST answered 200 from the cache) and of fetching its WAV;
  - requests per second for cached audio under concurrency.

Run: ``make bench`` (or ``.venv/bin/python bench/bench_tts.py [--rounds N] [--clients N]``).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402

from tests.sidecar_process import running_sidecar  # noqa: E402
from tts_server.config import config_from_mapping  # noqa: E402
from tts_server.engines import make_engine  # noqa: E402
from tts_server.speech import speak  # noqa: E402

TIMEOUT = 300


def _texts(rounds: int, tag: str) -> list[str]:
    return [f"Um gato no sofá, teste {tag} número {n}. Ele dorme ao sol." for n in range(rounds)]


def _median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def bench_engine(name: str, settings: dict[str, str], rounds: int, clients: int) -> None:
    import torch

    torch.set_num_threads(1)
    engine = make_engine(config_from_mapping({
        "engine": settings["LEGENDA_TTS_ENGINE"], "model": settings.get("LEGENDA_TTS_MODEL", ""),
    }))
    engine.prepare()
    engine.load()
    voice = engine.default_voice("pt")
    speak(engine, "Aquecimento.", voice)  # first call pays one-off costs

    in_process = []
    for text in _texts(rounds, "local"):
        start = time.perf_counter()
        speak(engine, text, voice)
        in_process.append(time.perf_counter() - start)

    with tempfile.TemporaryDirectory() as tmp, running_sidecar(Path(tmp), settings) as server:
        url = server.url
        session = requests.Session()
        session.post(f"{url}/api/speech?wait={TIMEOUT}", json={"text": "Aquecimento."},
                     timeout=TIMEOUT)
        over_http = []
        for text in _texts(rounds, "http"):
            start = time.perf_counter()
            answer = session.post(f"{url}/api/speech?wait={TIMEOUT}", json={"text": text},
                                  timeout=TIMEOUT).json()
            over_http.append(time.perf_counter() - start)
            assert answer["status"] == "done", answer
        # The last text said: POSTing it again is answered from the cache, with this WAV.
        cached_text, audio_url = text, url + answer["audio_url"]

        cached_post, cached_get = [], []
        for _ in range(rounds * 10):
            start = time.perf_counter()
            reply = session.post(f"{url}/api/speech", json={"text": cached_text},
                                 timeout=TIMEOUT)
            cached_post.append(time.perf_counter() - start)
            assert reply.status_code == 200
            start = time.perf_counter()
            session.get(audio_url, timeout=TIMEOUT).raise_for_status()
            cached_get.append(time.perf_counter() - start)

        def fetch(count: int) -> None:
            own = requests.Session()
            for _ in range(count):
                own.get(audio_url, timeout=TIMEOUT).raise_for_status()

        per_client = 50
        start = time.perf_counter()
        with ThreadPoolExecutor(max_workers=clients) as pool:
            list(pool.map(fetch, [per_client] * clients))
        rps = clients * per_client / (time.perf_counter() - start)

    local_ms, http_ms = _median_ms(in_process), _median_ms(over_http)
    print(f"\n== {name} ({engine.model_id}), {rounds} texts of {len(_texts(1, 'x')[0])} chars ==")
    print(f"synthesis in-process     median {local_ms:8.1f} ms")
    print(f"synthesis through HTTP   median {http_ms:8.1f} ms   "
          f"(x{http_ms / local_ms:.2f}, overhead {http_ms - local_ms:+.1f} ms)")
    print(f"cached POST /api/speech  median {_median_ms(cached_post):8.2f} ms")
    print(f"cached GET  audio        median {_median_ms(cached_get):8.2f} ms")
    print(f"cached GET  audio, {clients} concurrent clients: {rps:8.0f} requests/s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="texts synthesized per mode")
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients, cached audio")
    args = parser.parse_args()

    from tests.model_factory.bark import bark_model

    bench_engine("espeak", {"LEGENDA_TTS_ENGINE": "espeak"}, args.rounds, args.clients)
    tiny_bark = {"LEGENDA_TTS_ENGINE": "bark", "LEGENDA_TTS_MODEL": str(bark_model())}
    bench_engine("tiny Bark", tiny_bark, args.rounds, args.clients)


if __name__ == "__main__":
    main()
