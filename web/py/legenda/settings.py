"""Python's settings, derived from web/settings-schema.json, and the one place that validates
them.

The page gathers raw values (the schema's defaults, config.json, saved settings, query
parameters: strings or JSON values) and sends Python's share here (``side`` "python" or
"both" in the schema). ``resolve_settings`` turns them into a ``Settings`` and a list of
problems: a bad value keeps the previous (or default) value and yields a ``bad-setting`` problem
with parameters (the setting, the value, what it accepts, what is used instead) that the page
words in its own language, so one typo in a URL never stops the page.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, replace
from functools import cache
from typing import Any

from .errors import BAD_SETTING
from .languages import LANGUAGES
from .schema import setting_specs


@dataclass(frozen=True)
class Settings:
    """The worker's settings: the schema's worker keys (a test keeps the two lists equal), typed
    for mypy. Defaults, bounds and choices come from the schema (``default_settings``)."""

    caption_model: str
    translation_model: str
    dtype: str
    device: str
    models: str
    remote_models: bool
    max_new_tokens: int
    do_sample: bool
    temperature: float
    top_k: int
    top_p: float
    repetition_penalty: float
    no_repeat_ngram_size: int
    num_beams: int
    translation_max_new_tokens: int
    batch_size: int
    model: str  # the playground's generate/chat model ("" : the mode's default)
    compare_models: str  # the playground's compare models, comma-separated
    lang: str
    threads: int
    load_together: bool

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


def default_settings(page: str | None = None) -> Settings:
    """The schema's defaults (as ``page`` has them, when given)."""
    return Settings(**{spec["key"]: spec["default"] for spec in setting_specs("python", page)})


@dataclass(frozen=True)
class SettingProblem:
    setting: str
    value: Any  # what was given
    kept: Any  # what is used instead
    accepts: dict[str, Any]  # what the setting accepts: {"kind": ..., bounds or choices}

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": BAD_SETTING, "key": BAD_SETTING, "setting": self.setting,
            "params": {"setting": self.setting, "value": str(self.value),
                       "kept": plain(self.kept), "accepts": self.accepts},
        }


class _Invalid(ValueError):
    """A value a setting does not accept."""


Parser = Callable[[Any], Any]
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}
# Hub ids as Transformers.js accepts them: "name" or "org/name".
_MODEL_ID = re.compile(r"^([\w.\-]+/)?[\w.\-]{1,96}$")
# A model on the chat server (settings with "server_ok"): `server:` and the name that server
# gives it (a hub id, a local folder, Ollama's "llama3.2:1b"): no spaces, no commas.
SERVER_PREFIX = "server:"
_SERVER_ID = re.compile(r"^[^\s,]{1,200}$")


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise _Invalid({"kind": "text"})
    return value.strip()


def _flag(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise _Invalid()


def _number(value: Any, kind: Callable[[str], Any]) -> Any:
    """``value`` as ``kind`` (int or float); True/False are flags, not numbers."""
    if isinstance(value, bool):
        raise _Invalid()
    try:
        return kind(str(value).strip())
    except ValueError:
        raise _Invalid() from None


def _integer(spec: dict[str, Any]) -> Parser:
    def parse(value: Any) -> int:
        number: int = _number(value, int)
        if not spec["min"] <= number <= spec["max"]:
            raise _Invalid()
        return number

    return parse


def _decimal(spec: dict[str, Any]) -> Parser:
    low, high, low_open = spec["min"], spec["max"], spec.get("min_open", False)

    def parse(value: Any) -> float:
        number: float = _number(value, float)
        too_low = number <= low if low_open else number < low
        if not math.isfinite(number) or too_low or number > high:
            raise _Invalid()
        return number

    return parse


def _choice(options: list[str]) -> Parser:
    def parse(value: Any) -> str:
        text = _text(value).lower()
        if text not in options:
            raise _Invalid()
        return text

    return parse


def _model_id(value: Any) -> str:
    text = _text(value)
    if not _MODEL_ID.match(text) or ".." in text:
        raise _Invalid()
    return text


def _model_or_server(value: Any) -> str:
    """A model id, or `server:<name>` (a model the chat server runs)."""
    text = _text(value)
    if text.startswith(SERVER_PREFIX):
        if not _SERVER_ID.match(text[len(SERVER_PREFIX):].strip()):
            raise _Invalid()
        return SERVER_PREFIX + text[len(SERVER_PREFIX):].strip()
    return _model_id(text)


def _model(spec: dict[str, Any]) -> Parser:
    """A model id (or `server:<name>` with "server_ok"); "" too with "empty_ok" (the `model`
    setting: the playground mode's own default)."""
    one = _model_or_server if spec.get("server_ok") else _model_id

    def parse(value: Any) -> str:
        return one(value) if _text(value) or not spec.get("empty_ok") else ""

    return parse


def _model_list(spec: dict[str, Any]) -> Parser:
    """Comma-separated model ids (at least one), as "a/b,c/d"."""
    one = _model_or_server if spec.get("server_ok") else _model_id

    def parse(value: Any) -> str:
        models = [part.strip() for part in _text(value).split(",") if part.strip()]
        if not models:
            raise _Invalid()
        return ",".join(one(model) for model in models)

    return parse


def _models_path(value: Any) -> str:
    # A path on the site's own origin: never a scheme or a "//host" that would leave it.
    text = _text(value)
    if re.match(r"^[a-zA-Z][a-zA-Z0-9+.\-]*:", text) or text.startswith("//") or "\\" in text:
        raise _Invalid()
    return text if text.endswith("/") else text + "/"


def _accepts(spec: dict[str, Any]) -> dict[str, Any]:
    """What a setting accepts, as parameters for the sentence that says so."""
    kind = spec["type"]
    if kind == "language":
        return {"kind": "choice", "choices": [entry.code for entry in LANGUAGES]}
    if kind == "choice":
        return {"kind": "choice", "choices": spec["choices"]}
    if kind in ("int", "float"):
        return {"kind": kind, "min": spec["min"], "max": spec["max"],
                "min_open": spec.get("min_open", False)}
    return {"kind": kind, "server": True} if spec.get("server_ok") else {"kind": kind}


def _parser(spec: dict[str, Any]) -> Parser:
    kind = spec["type"]
    if kind in ("choice", "language"):
        return _choice(_accepts(spec)["choices"])
    builders: dict[str, Callable[[dict[str, Any]], Parser]] = {
        "int": _integer, "float": _decimal,
        "flag": lambda _: _flag, "path": lambda _: _models_path,
        "model": _model, "models": _model_list,
    }
    return builders[kind](spec)


@cache
def _rules(page: str | None) -> tuple[dict[str, dict[str, Any]], dict[str, Parser]]:
    """Python's settings as ``page`` has them, and a parser for each."""
    specs = {spec["key"]: spec for spec in setting_specs("python", page)}
    return specs, {key: _parser(spec) for key, spec in specs.items()}


def resolve_settings(
    raw: Mapping[str, Any], base: Settings | None = None, page: str | None = None
) -> tuple[Settings, list[SettingProblem]]:
    """Apply ``raw`` over ``base`` (``page``'s defaults when None), with ``page``'s bounds.
    Keys the worker does not use are ignored: the page's settings carry keys of its own."""
    current = base or default_settings(page)
    specs, parsers = _rules(page)
    changes: dict[str, Any] = {}
    problems: list[SettingProblem] = []
    for name, parse in parsers.items():
        value = raw.get(name)
        if value is None or (value == "" and not specs[name].get("empty_ok")):
            continue  # an empty value (e.g. `?dtype=`) means "not given"
        try:
            changes[name] = parse(value)
        except _Invalid as invalid:
            accepts = invalid.args[0] if invalid.args else _accepts(specs[name])
            problems.append(SettingProblem(name, value, getattr(current, name), accepts))
    return replace(current, **changes), problems


def plain(value: Any) -> str:
    """A value as the page's form writes it (flags as 1/0)."""
    if isinstance(value, bool):
        return "1" if value else "0"
    return f"{value:g}" if isinstance(value, float) else str(value)
