"""Full-size random-weight twins of the default models, for benchmarks (never for CI).

Same architecture, dimensions and vocabulary sizes as the hub repos (specs.py writes them out),
the hub layout, q8 ONNX where the browser uses them, and token counts pinned so a run does the
work of a real sentence. Built on demand (``make bench-models``) into their own cache
(store.py); gigabytes and minutes each, so the test suite never asks for them.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tests.model_factory.real_size.captioner import captioner_twin
from tests.model_factory.real_size.chat import chat_twin
from tests.model_factory.real_size.marian import marian_twin
from tests.model_factory.real_size.phi3 import phi3_twin
from tests.model_factory.real_size.speech import bark_twin, vits_twin
from tests.model_factory.real_size.translator import translator_twin

# What ``make bench-models`` builds by name; "nllb" needs ~16 GB of RAM (see translator.py);
# "marian" is the fast translator (Xenova/opus-mt-en-ROMANCE), a minute and ~2 GB.
TWINS: dict[str, Callable[[], Path]] = {
    "captioner": captioner_twin,
    "bark": bark_twin,
    "vits": vits_twin,
    "chat": chat_twin,
    "nllb": translator_twin,
    "marian": marian_twin,
    "phi3": phi3_twin,  # 7.6 GB on disk, ~8 GB of RAM to build (the chat server's bench)
}
DEFAULT = ("captioner", "bark", "vits", "chat", "marian")

__all__ = ["DEFAULT", "TWINS", "bark_twin", "captioner_twin", "chat_twin", "marian_twin",
           "phi3_twin", "translator_twin", "vits_twin"]
