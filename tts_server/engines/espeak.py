"""espeak-ng: formant speech, no model download, instant and robotic.

The engine that works fully offline, so the way to try the app without downloading Bark:
``LEGENDA_TTS_ENGINE=espeak``. Needs the Debian package ``espeak-ng``.
"""

from __future__ import annotations

import shutil
import subprocess

from .. import deadline
from ..audio import Samples, read_wav
from ..config import Config
from .base import Engine, EngineUnavailable

# Page language -> espeak-ng voices, best first (pt is Brazilian Portuguese, as the page's).
VOICES_BY_LANG: dict[str, tuple[str, ...]] = {
    "pt": ("pt-br", "pt"),
    "en": ("en-us", "en-gb"),
    "es": ("es", "es-419"),
    "fr": ("fr-fr", "fr-be", "fr-ch"),
    "de": ("de",),
    "it": ("it",),
    "pl": ("pl",),
    "ru": ("ru",),
    "tr": ("tr",),
    "zh": ("cmn", "yue"),
    "ja": ("ja",),
    "ko": ("ko",),
    "hi": ("hi",),
}
_TIMEOUT_S = 60
_WORDS_PER_MINUTE = 175  # espeak-ng's default rate: speed 1.0


class EspeakEngine(Engine):
    max_piece_chars = 600  # espeak-ng has no length limit; this keeps progress meaningful
    supports_speed = True

    def __init__(self, config: Config) -> None:
        super().__init__(config)
        self.model_id = "espeak-ng"  # there is no model to choose
        self.binary = ""

    def prepare(self) -> None:
        binary = shutil.which("espeak-ng")
        if binary is None:
            raise EngineUnavailable(
                "espeak-ng is not installed: install the Debian package espeak-ng "
                "(sudo apt-get install espeak-ng) or choose another LEGENDA_TTS_ENGINE."
            )
        listing = subprocess.run(
            [binary, "--voices"], capture_output=True, text=True, timeout=_TIMEOUT_S, check=True
        ).stdout
        installed = {line.split()[1] for line in listing.splitlines()[1:] if line.split()}
        self._voices = {
            lang: [v for v in voices if v in installed]
            for lang, voices in VOICES_BY_LANG.items()
            if any(v in installed for v in voices)
        }
        self.binary = binary

    def load(self) -> None:
        """Nothing to load: espeak-ng starts afresh for every sentence."""

    def synthesize(self, text: str, voice: str, speed: float = 1.0) -> tuple[int, Samples]:
        """One espeak-ng process per piece; killed when the job's deadline passes or the
        server stops (see deadline.py), so no child outlives its job."""
        job_deadline = deadline.current()
        timeout = min(_TIMEOUT_S, job_deadline.remaining()) if job_deadline else _TIMEOUT_S
        # Text goes through stdin, so a text starting with "-" is never read as an option.
        words_per_minute = str(round(_WORDS_PER_MINUTE * speed))
        with subprocess.Popen(
            [self.binary, "-v", voice, "-s", words_per_minute, "--stdout"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        ) as process:
            forget = job_deadline.on_stop(process.kill) if job_deadline else (lambda: None)
            try:
                out, err = process.communicate(text.encode("utf-8"), timeout=timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.communicate()
                if job_deadline:
                    job_deadline.check()  # past the job's deadline: say so
                raise RuntimeError(f"espeak-ng took more than {_TIMEOUT_S} s for a piece") from None
            finally:
                forget()
                if process.poll() is None:
                    process.kill()
        if job_deadline and job_deadline.reason:
            raise deadline.JobStopped(job_deadline.reason)
        if process.returncode != 0 or not out:
            detail = err.decode("utf-8", "replace").strip() or "no audio"
            raise RuntimeError(f"espeak-ng failed: {detail}")
        return read_wav(out)
