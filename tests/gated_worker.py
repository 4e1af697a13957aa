"""``python -m tests.gated_worker GATE [worker options]``: the real speech worker, whose espeak
engine waits while the file ``GATE/closed`` exists, after touching ``GATE/entered-<pid>``. A
test holds jobs "running" with it, to see deduplication, positions and a worker killed mid-job
without timing anything."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from tts_server.engines.espeak import EspeakEngine
from tts_server.worker import main

GATE = Path(sys.argv.pop(1))
_real = EspeakEngine.synthesize


def _gated(self: EspeakEngine, text: str, voice: str, speed: float = 1.0):  # type: ignore[no-untyped-def]
    (GATE / f"entered-{os.getpid()}").touch()
    while (GATE / "closed").exists():
        time.sleep(0.05)
    return _real(self, text, voice, speed)


EspeakEngine.synthesize = _gated  # type: ignore[method-assign]

if __name__ == "__main__":
    sys.exit(main())
