"""Every setting the worker uses, with its default, and the one place that validates them.

The page gathers raw values (web/config.json, saved settings, query parameters: strings or JSON
values) and sends them here. ``resolve_settings`` turns them into a ``Settings`` and a list of
problems: a bad value keeps the previous (or default) value and yields a sentence naming the
setting and what it accepts, so one typo in a URL never stops the page.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, replace
from typing import Any

from .errors import BAD_SETTING
from .languages import DEFAULT_LANGUAGE, LANGUAGES, is_supported

DTYPES = ("q8", "fp32", "fp16", "q4")
DEVICES = ("wasm", "webgpu")


@dataclass(frozen=True)
class Settings:
    # Models (ids on the Hugging Face hub, or folders under `models` on this site).
    caption_model: str = "Xenova/vit-gpt2-image-captioning"
    translation_model: str = "Xenova/nllb-200-distilled-600M"  # NLLB language codes
    dtype: str = "q8"  # weights to load: q8 (int8, small and fast on wasm), fp32, fp16, q4
    device: str = "wasm"  # wasm everywhere; webgpu where the browser has it
    lang: str = DEFAULT_LANGUAGE  # target language (languages.py); "en" skips translation
    # Speech sidecar base URL (empty: no speech) and voice (empty: the sidecar's default).
    tts: str = "http://127.0.0.1:5000"
    voice: str = ""
    # Where self-hosted models live on this site, relative to the page or absolute.
    models: str = "models/"
    remote_models: bool = True  # may models come from the Hugging Face hub
    # Caption generation, as taught in the course.
    max_new_tokens: int = 30
    do_sample: bool = False  # greedy unless sampling is asked for
    temperature: float = 1.0  # only with do_sample
    top_k: int = 50  # only with do_sample
    num_beams: int = 1  # Transformers.js 4.x keeps only the best beam's first choice
    repetition_penalty: float = 1.2  # > 1 discourages tokens already generated
    no_repeat_ngram_size: int = 3  # no 3-word phrase twice (0 = off): vit-gpt2 loops otherwise
    # Translation: Transformers.js defaults to 256 new tokens whatever the model says.
    translation_max_new_tokens: int = 128
    batch_size: int = 4  # images per captioning call when several are given
    # Performance (docs/performance.md): ONNX Runtime's wasm threads (0 = its own choice: one
    # unless the page is cross-origin isolated, then half the cores), and whether the translation
    # model loads while the captioning model loads and runs (1) or after it (0).
    threads: int = 0
    load_together: bool = True

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def caption_generation(self) -> dict[str, Any]:
        """Generation keyword arguments for the captioning pipeline."""
        kwargs: dict[str, Any] = {
            "max_new_tokens": self.max_new_tokens,
            "num_beams": self.num_beams,
            "repetition_penalty": self.repetition_penalty,
            "no_repeat_ngram_size": self.no_repeat_ngram_size,
            "do_sample": self.do_sample,
        }
        if self.do_sample:
            kwargs.update(temperature=self.temperature, top_k=self.top_k)
        return kwargs

    def model_key(self, model: str) -> tuple[str, str, str]:
        """What a loaded pipeline depends on: a change means loading it again."""
        return (model, self.dtype, self.device)


@dataclass(frozen=True)
class SettingProblem:
    setting: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"code": BAD_SETTING, "setting": self.setting, "message": self.message}


class _Invalid(ValueError):
    """A value a setting does not accept; the message says what it does accept."""


Parser = Callable[[Any], Any]
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}
# Hub ids as Transformers.js accepts them: "name" or "org/name".
_MODEL_ID = re.compile(r"^([\w.\-]+/)?[\w.\-]{1,96}$")


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise _Invalid("must be text")
    return value.strip()


def _choice(options: tuple[str, ...]) -> Parser:
    def parse(value: Any) -> str:
        text = _text(value).lower()
        if text not in options:
            raise _Invalid(f"must be one of {', '.join(options)}")
        return text

    return parse


def _flag(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise _Invalid("must be 0 or 1")


def _number(value: Any, kind: Callable[[str], Any], accepts: str) -> Any:
    """``value`` as ``kind`` (int or float); True/False are flags, not numbers."""
    if isinstance(value, bool):
        raise _Invalid(accepts)
    try:
        return kind(str(value).strip())
    except ValueError:
        raise _Invalid(accepts) from None


def _integer(low: int, high: int) -> Parser:
    accepts = f"must be a whole number from {low} to {high}"

    def parse(value: Any) -> int:
        number: int = _number(value, int, accepts)
        if not low <= number <= high:
            raise _Invalid(accepts)
        return number

    return parse


def _decimal(low: float, high: float, low_open: bool = False) -> Parser:
    accepts = f"must be a number {'above' if low_open else 'from'} {low:g} to {high:g}"

    def parse(value: Any) -> float:
        number: float = _number(value, float, accepts)
        too_low = number <= low if low_open else number < low
        if not math.isfinite(number) or too_low or number > high:
            raise _Invalid(accepts)
        return number

    return parse


def _model_id(value: Any) -> str:
    text = _text(value)
    if not _MODEL_ID.match(text) or ".." in text:
        raise _Invalid("must be a model id like Xenova/vit-gpt2-image-captioning")
    return text


def _language(value: Any) -> str:
    code = _text(value).lower()
    if not is_supported(code):
        codes = ", ".join(language.code for language in LANGUAGES)
        raise _Invalid(f"must be one of {codes}")
    return code


def _models_path(value: Any) -> str:
    # A path on the site's own origin: never a scheme or a "//host" that would leave it.
    text = _text(value)
    if re.match(r"^[a-zA-Z][a-zA-Z0-9+.\-]*:", text) or text.startswith("//") or "\\" in text:
        raise _Invalid("must be a path on this site, like models/ or /models/")
    return text if text.endswith("/") else text + "/"


def _sidecar_url(value: Any) -> str:
    text = _text(value)
    if text and not re.match(r"^https?://[^/\s]+(/\S*)?$", text):
        raise _Invalid("must be an http:// or https:// address, or empty to turn speech off")
    return text.rstrip("/")


def _voice(value: Any) -> str:
    text = _text(value)
    if len(text) > 100:
        raise _Invalid("must be a voice preset name, like v2/pt_speaker_0")
    return text


_PARSERS: dict[str, Parser] = {
    "caption_model": _model_id,
    "translation_model": _model_id,
    "dtype": _choice(DTYPES),
    "device": _choice(DEVICES),
    "lang": _language,
    "tts": _sidecar_url,
    "voice": _voice,
    "models": _models_path,
    "remote_models": _flag,
    "max_new_tokens": _integer(1, 256),
    "do_sample": _flag,
    "temperature": _decimal(0.0, 5.0, low_open=True),
    "top_k": _integer(0, 1000),
    "num_beams": _integer(1, 8),
    "repetition_penalty": _decimal(1.0, 3.0),
    "no_repeat_ngram_size": _integer(0, 10),
    "translation_max_new_tokens": _integer(1, 512),
    "batch_size": _integer(1, 16),
    "threads": _integer(0, 16),
    "load_together": _flag,
}
# Settings where an empty value means something (no speech, default voice); for the others an
# empty value (e.g. `?dtype=`) means "not given".
_EMPTY_MEANS_SOMETHING = {"tts", "voice"}


def resolve_settings(
    raw: Mapping[str, Any], base: Settings | None = None
) -> tuple[Settings, list[SettingProblem]]:
    """Apply ``raw`` over ``base`` (defaults when None). Unknown keys are ignored: the page's
    config may carry keys of its own."""
    current = base or Settings()
    changes: dict[str, Any] = {}
    problems: list[SettingProblem] = []
    for name, parse in _PARSERS.items():
        if name not in raw or raw[name] is None:
            continue
        value = raw[name]
        if value == "" and name not in _EMPTY_MEANS_SOMETHING:
            continue
        try:
            changes[name] = parse(value)
        except _Invalid as invalid:
            kept = getattr(current, name)
            problems.append(
                SettingProblem(
                    name,
                    f"The setting {name} {invalid} (it was “{value}”); using "
                    f"{_shown(kept)} instead.",
                )
            )
    return replace(current, **changes), problems


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, str):
        return f"“{value}”" if value else "nothing"
    return f"{value:g}" if isinstance(value, float) else str(value)
