"""What the playground's text generation decides without a browser: the generation keyword
arguments, figures, the chat's reusable key/value cache, the dtype to load and its errors.

generator.py drives Transformers.js with these; everything here is plain Python and tested in
CPython. The parameters' bounds are the settings schema's (settings.py checks them); errors are
codes with a ``key`` and ``params`` the page words (``error.<key>`` in web/ui/i18n/).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .errors import BAD_SETTING, INFERENCE_FAILED, LegendaError, missing_file
from .settings import Settings, resolve_settings

EMPTY_PROMPT = "empty-prompt"
BAD_HISTORY = "bad-history"
NO_CHAT_TEMPLATE = "no-chat-template"
NOT_A_TEXT_MODEL = "not-a-text-model"
OUT_OF_MEMORY = "out-of-memory"

TEXT_GENERATION = "text-generation"
TEXT2TEXT = "text2text-generation"
ROLE = "generation"  # how errors name these models: "The text-generation model “…”"

PAGE = "playground"  # the page whose bounds a job's parameters have (its own max_new_tokens)

# The course's generation arguments: the schema's settings of the same names.
PARAMETERS = ("max_new_tokens", "do_sample", "temperature", "top_k", "top_p", "repetition_penalty")
SAMPLING_ONLY = ("temperature", "top_k", "top_p")


# --- parameters ----------------------------------------------------------------------------


def job_settings(settings: Settings, params: Mapping[str, Any] | None) -> Settings:
    """``settings`` with a job's own ``params`` over them, checked by the schema's rules for
    the playground page.
    Raises LegendaError(bad-setting) naming the first parameter out of range."""
    given = {key: value for key, value in (params or {}).items() if key in PARAMETERS}
    resolved, problems = resolve_settings(given, settings, page=PAGE)
    if problems:
        problem = problems[0].as_dict()
        raise LegendaError(BAD_SETTING, BAD_SETTING, problem["params"])
    return resolved


def generation_kwargs(settings: Settings) -> dict[str, Any]:
    """Transformers.js generation keyword arguments from the settings (greedy: no sampling
    knobs, which would only warn)."""
    kwargs = {key: getattr(settings, key) for key in PARAMETERS}
    if not settings.do_sample:
        for key in SAMPLING_ONLY:
            del kwargs[key]
    return kwargs


def check_prompt(prompt: Any, what: str = "prompt") -> str:
    text = prompt if isinstance(prompt, str) else ""
    if not text.strip():
        raise LegendaError(EMPTY_PROMPT, EMPTY_PROMPT, {"what": what})
    return text


def chat_history(value: Any) -> list[dict[str, str]] | None:
    """The turns a chat job carries before its message (None: the worker's own), checked:
    user and assistant turns with text. Raises LegendaError(bad-history) otherwise."""
    if value is None:
        return None
    turns = list(value) if isinstance(value, (list, tuple)) else None
    if turns is None or not all(
        isinstance(turn, Mapping) and turn.get("role") in ("user", "assistant")
        and isinstance(turn.get("content"), str) for turn in turns
    ):
        raise LegendaError(BAD_HISTORY, BAD_HISTORY)
    return [{"role": str(turn["role"]), "content": str(turn["content"])} for turn in turns]


def model_list(text: str) -> list[str]:
    """The models of a compare_models value ("a/b, c/d")."""
    return [model.strip() for model in text.split(",") if model.strip()]


# --- figures -------------------------------------------------------------------------------


@dataclass
class Figures:
    """Tokens generated, time to first token and decoding speed, from one clock (ms)."""

    started_ms: float
    tokens: int = 0
    first_ms: float | None = None
    last_ms: float | None = None

    def token(self, now_ms: float) -> None:
        self.tokens += 1
        if self.first_ms is None:
            self.first_ms = now_ms
        self.last_ms = now_ms

    @property
    def ttft_ms(self) -> float | None:
        return None if self.first_ms is None else self.first_ms - self.started_ms

    @property
    def tokens_per_s(self) -> float | None:
        """Tokens after the first per second of decoding (the first one waits on the prompt)."""
        if self.first_ms is None or self.last_ms is None or self.tokens < 2:
            return None
        elapsed = self.last_ms - self.first_ms
        return (self.tokens - 1) * 1000.0 / elapsed if elapsed > 0 else None

    def as_dict(self) -> dict[str, Any]:
        ttft, speed = self.ttft_ms, self.tokens_per_s
        return {
            "tokens": self.tokens,
            "ttftMs": None if ttft is None else round(ttft, 1),
            "tokensPerS": None if speed is None else round(speed, 2),
        }


# --- the chat and its key/value cache ------------------------------------------------------


@dataclass
class Conversation:
    """The chat so far, and which tokens the model's key/value cache already holds.

    ``cached_text`` is the text those tokens spell (the last prompt and its answer, special
    tokens included); ``cached_ids`` the tokens themselves. A new prompt that starts with that
    text only needs its tail read: the cache covers the rest.
    """

    system: str = ""
    turns: list[dict[str, str]] = field(default_factory=list)
    cached_text: str = ""
    cached_ids: list[int] = field(default_factory=list)

    def follow(self, history: list[dict[str, str]]) -> None:
        """Take the page's turns as the conversation so far (the page keeps it: an edited or
        regenerated turn, or one restored after a reload). The cache stays: a prompt reuses
        it only where it still extends the cached text (``reusable``)."""
        self.turns = [dict(turn) for turn in history]

    def messages(self, user_message: str) -> list[dict[str, str]]:
        system = [{"role": "system", "content": self.system}] if self.system.strip() else []
        return [*system, *self.turns, {"role": "user", "content": user_message}]

    def reusable(self, prompt_text: str) -> tuple[list[int], str] | None:
        """(the cached ids, the text after them) when ``prompt_text`` extends the cache."""
        if self.cached_ids and prompt_text.startswith(self.cached_text):
            return list(self.cached_ids), prompt_text[len(self.cached_text):]
        return None

    def add_turn(
        self, user_message: str, answer: str, cached_text: str, cached_ids: Sequence[int]
    ) -> None:
        self.turns += [
            {"role": "user", "content": user_message},
            {"role": "assistant", "content": answer},
        ]
        self.cached_text, self.cached_ids = cached_text, list(cached_ids)

    def forget_cache(self) -> None:
        self.cached_text, self.cached_ids = "", []

    def reset(self, system: str | None = None) -> None:
        self.turns = []
        self.forget_cache()
        if system is not None:
            self.system = system


# --- which weights ---------------------------------------------------------------------------

# When the asked dtype is not in the repo: the closest choice that runs on the device.
_FALLBACKS = {
    "wasm": ("q8", "q4", "fp32", "fp16", "q4f16", "int8", "uint8", "bnb4"),
    "webgpu": ("q4f16", "fp16", "q4", "fp32", "q8", "int8", "uint8", "bnb4"),
}


def choose_dtype(
    model: str, wanted: str, available: Sequence[str], device: str
) -> tuple[str, dict[str, Any] | None]:
    """The dtype to load and, when it is not ``wanted``, a notice saying so (its ``key`` and
    ``params``, worded by the page)."""
    if wanted in available:
        return wanted, None
    for dtype in _FALLBACKS.get(device, _FALLBACKS["wasm"]):
        if dtype in available:
            params = {"model": model, "wanted": wanted, "dtype": dtype,
                      "shipped": ", ".join(available)}
            return dtype, {"key": "dtype-fallback", "params": params}
    raise LegendaError(
        NOT_A_TEXT_MODEL, "no-onnx-weights", {"model": model, "shipped": ", ".join(available)}
    )


def missing_weights(raw: str) -> bool:
    """Whether a loading error says an .onnx file (the weights of one dtype) is missing."""
    location = missing_file(raw)
    return location is not None and location.split("?")[0].endswith(".onnx")


def task_for(config: Mapping[str, Any]) -> str:
    """text2text-generation for encoder-decoder models (T5, BART), text-generation otherwise."""
    return TEXT2TEXT if config.get("is_encoder_decoder") else TEXT_GENERATION


# --- errors ----------------------------------------------------------------------------------

_UNSUPPORTED = re.compile(r"Unsupported model type: ?([\w\-]*)")
_OUT_OF_MEMORY = re.compile(
    r"out of memory|bad_alloc|Array buffer allocation failed|Aborted\(OOM\)|"
    r"memory access out of bounds|could not allocate|failed to allocate|Maximum call stack",
    re.I,
)


def not_a_text_model(model: str, raw: str) -> LegendaError | None:
    """The loading error for a model that is no text generator, if ``raw`` says so."""
    found = _UNSUPPORTED.search(raw)
    if not found:
        return None
    params = {"model": model, "kind": found.group(1)}
    return LegendaError(NOT_A_TEXT_MODEL, NOT_A_TEXT_MODEL, params)


def no_chat_template(model: str) -> LegendaError:
    return LegendaError(NO_CHAT_TEMPLATE, NO_CHAT_TEMPLATE, {"model": model})


def generation_failed(model: str, raw: str) -> LegendaError:
    """A failure while generating: out of memory, or anything else."""
    if _OUT_OF_MEMORY.search(raw):
        return LegendaError(OUT_OF_MEMORY, OUT_OF_MEMORY, {"model": model})
    return LegendaError(INFERENCE_FAILED, "generation-failed", {"model": model})
