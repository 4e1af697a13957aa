"""Benchmark of the audio cache at two sizes (prints figures; not a test).

With 100 and with 30,000 stored files (same run, same machine), on the espeak sidecar app:
  - start-up: building the store's index from the folder;
  - save: AudioStore.save of a 1 s WAV (fsync of the file and its folder included);
  - status: GET /api/speech/<id> of stored audio through the app, alone and while another
    thread keeps saving (the lookups share the store's lock with the saves).
A save that scanned the folder would grow with the file count; the ratio column shows it does not.

Run: ``nice -n 19 .venv/bin/python bench/bench_store.py [--sizes 100 30000] [--saves N]``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tts_server import create_app  # noqa: E402
from tts_server.audio import wav_bytes  # noqa: E402
from tts_server.service import service_of  # noqa: E402
from tts_server.store import AudioStore  # noqa: E402

SMALL_WAV = wav_bytes(8000, [0.1] * 500)  # the filler files: 1 KB each
ONE_SECOND_WAV = wav_bytes(22_050, [0.1] * 22_050)  # what a short text makes: 44 KB


def _fill(folder: Path, count: int) -> list[str]:
    """``count`` stored files written straight into ``folder`` (as a long-running cache has)."""
    folder.mkdir(parents=True, exist_ok=True)
    ids = [f"{n:032x}" for n in range(1, count + 1)]
    for speech_id in ids:
        (folder / f"{speech_id}.wav").write_bytes(SMALL_WAV)
    return ids


def _ms(samples: list[float], q: float) -> float:
    return statistics.quantiles(samples, n=100)[int(q) - 1] * 1000 if q < 100 else 0.0


def measure(count: int, saves: int, polls: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "audio"
        ids = _fill(folder, count)
        start = time.perf_counter()
        AudioStore(folder, max_bytes=10**12)
        index_s = time.perf_counter() - start

        app = create_app({"engine": "espeak", "audio_dir": folder, "audio_cache_mb": 10**6})
        service = service_of(app)
        service.model.wait_until_loaded(60)
        store, client = service.store, app.test_client()

        save_times = []
        for n in range(saves):
            start = time.perf_counter()
            store.save(f"{10**9 + n:032x}", ONE_SECOND_WAV)
            save_times.append(time.perf_counter() - start)

        def poll() -> list[float]:
            times = []
            for n in range(polls):
                url = f"/api/speech/{ids[(n * 7919) % len(ids)]}"
                start = time.perf_counter()
                answer = client.get(url)
                times.append(time.perf_counter() - start)
                assert answer.status_code == 200 and answer.get_json()["status"] == "done"
            return times

        alone = poll()
        stop = threading.Event()

        def keep_saving() -> None:
            n = 0
            while not stop.is_set():
                store.save(f"{2 * 10**9 + n:032x}", ONE_SECOND_WAV)
                n += 1

        saver = threading.Thread(target=keep_saving)
        saver.start()
        try:
            busy = poll()
        finally:
            stop.set()
            saver.join()
        service.close()
    return {
        "index ms": index_s * 1000,
        "save p50 ms": _ms(save_times, 50), "save p95 ms": _ms(save_times, 95),
        "status p50 ms": _ms(alone, 50), "status p95 ms": _ms(alone, 95),
        "status p95 ms, saving": _ms(busy, 95),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs=2, default=[100, 30_000])
    parser.add_argument("--saves", type=int, default=200, help="saves timed per size")
    parser.add_argument("--polls", type=int, default=2000, help="status requests per size")
    args = parser.parse_args()
    small, large = (measure(size, args.saves, args.polls) for size in args.sizes)
    print(f"\n== audio cache: {args.sizes[0]} vs {args.sizes[1]} stored files ==")
    print(f"{'':24}{args.sizes[0]:>10}{args.sizes[1]:>10}     ratio")
    for key in small:
        ratio = large[key] / small[key] if small[key] else float("nan")
        print(f"{key:24}{small[key]:10.2f}{large[key]:10.2f}   x{ratio:6.2f}")


if __name__ == "__main__":
    main()
