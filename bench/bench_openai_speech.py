"""Time to first byte vs the whole answer of ``POST /v1/audio/speech`` for a five-sentence text.

A real sidecar (``python -m tts_server``, one torch thread) per engine: espeak-ng, the tiny VITS
of the tests, and the real-size mms-tts-por twin (``--real``; built in seconds, then cached).
Each round says a text not said before (the round's number is in it), read as a stream by
``requests``: the time to the first audio byte, and to the last. Rounds alternate the formats:
mp3 (OpenAI's default) and pcm, streamed as the pieces are said, and flac, which is sent once
the whole text is made (its header needs the length): flac's first byte is what every format's
was before the answer was streamed. Pieces: how many pieces the engine says the text in (VITS packs
sentences up to 180 characters, espeak-ng up to 600; the first byte leaves once the first piece
is said).

Run: ``.venv/bin/python bench/bench_openai_speech.py [--rounds 3] [--real]``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.model_factory import vits_model  # noqa: E402
from tests.sidecar_process import Sidecar  # noqa: E402
from tts_server.config import config_from_mapping  # noqa: E402
from tts_server.engines import make_engine  # noqa: E402
from tts_server.speech import pieces_of  # noqa: E402

# Five sentences of 90-130 characters: each is a piece of its own for VITS and Bark.
SENTENCES = (
    "Rodada {n}: um homem surfando uma onda enorme em cima de uma prancha azul, perto da praia.",
    "Uma mulher caminha devagar com o seu cachorro pelo parque da cidade, ao pôr do sol de verão.",
    "Duas crianças brincam na areia molhada com um balde vermelho e uma pá de plástico amarela.",
    "Um trem antigo atravessa a ponte de pedra sobre o rio, soltando fumaça branca pelo caminho.",
    "No fim da tarde, os pescadores voltam ao porto com os barcos cheios e as redes penduradas.",
)
FORMATS = ("mp3", "pcm", "flac")


def text_of(round_number: int) -> str:
    return " ".join(SENTENCES).format(n=round_number)


def one_answer(url: str, text: str, response_format: str) -> tuple[float, float, int]:
    """(seconds to the first audio byte, seconds to the last, bytes) of one request."""
    started = time.perf_counter()
    first = 0.0
    size = 0
    with requests.post(
        f"{url}/v1/audio/speech", stream=True, timeout=600,
        json={"model": "tts-1", "voice": "alloy", "input": text,
              "response_format": response_format},
    ) as answer:
        answer.raise_for_status()
        for chunk in answer.iter_content(chunk_size=None):
            if chunk and not first:
                first = time.perf_counter() - started
            size += len(chunk)
    return first, time.perf_counter() - started, size


def bench_engine(name: str, env: dict[str, str], rounds: int) -> list[str]:
    engine = make_engine(config_from_mapping(env))
    engine.prepare()
    pieces = len(pieces_of(engine, text_of(0)))
    rows = []
    with tempfile.TemporaryDirectory() as work:
        server = Sidecar(Path(work), env).start()
        try:
            one_answer(server.url, "Aquecimento.", "mp3")  # the first call loads what is lazy
            found: dict[str, list[tuple[float, float, int]]] = {f: [] for f in FORMATS}
            for round_number in range(rounds):
                for response_format in FORMATS:  # alternated, each on a text not said before
                    text = text_of(round_number * len(FORMATS) + FORMATS.index(response_format))
                    found[response_format].append(one_answer(server.url, text, response_format))
        finally:
            server.stop()
    for response_format, results in found.items():
        first = statistics.median(r[0] for r in results)
        whole = statistics.median(r[1] for r in results)
        rows.append(
            f"| {name} | {response_format} | {pieces} | {first:.2f} | {whole:.2f} | "
            f"{first / whole:.2f} | {statistics.median(r[2] for r in results) / 1000:.0f} |"
        )
        print(rows[-1], flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--real", action="store_true", help="also the real-size VITS twin")
    args = parser.parse_args()
    print("| engine | format | pieces | first byte (s) | whole (s) | first/whole | KB |")
    print("|---|---|---|---|---|---|---|")
    engines = [
        ("espeak-ng", {"LEGENDA_TTS_ENGINE": "espeak"}),
        ("VITS, tiny", {"LEGENDA_TTS_ENGINE": "vits", "LEGENDA_TTS_MODEL": str(vits_model())}),
    ]
    if args.real:
        from tests.model_factory.real_size.speech import vits_twin

        engines.append(("VITS, mms-tts-por twin", {
            "LEGENDA_TTS_ENGINE": "vits", "LEGENDA_TTS_MODEL": str(vits_twin()),
        }))
    for name, env in engines:
        bench_engine(name, {**env, "LEGENDA_TTS_DEVICE": "cpu"}, args.rounds)


if __name__ == "__main__":
    main()
