"""What the playground's text generation decides without a browser: parameters, figures, the
chat's reusable key/value cache, the dtype to load and the errors for a person.

generator.py drives Transformers.js with these; everything here is plain Python and tested in
CPython.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .errors import LegendaError, missing_file

EMPTY_PROMPT = "empty-prompt"
NO_CHAT_TEMPLATE = "no-chat-template"
NOT_A_TEXT_MODEL = "not-a-text-model"
BAD_PARAMETER = "bad-parameter"
OUT_OF_MEMORY = "out-of-memory"

TEXT_GENERATION = "text-generation"
TEXT2TEXT = "text2text-generation"

DEFAULT_SYSTEM_PROMPT = "Você é um assistente virtual prestativo. Responda somente em Português."


# --- parameters ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Bound:
    """One generation parameter: its kind, range and default, and a sentence for the form."""

    kind: type  # int, float or bool
    default: Any
    low: float = 0
    high: float = 0
    low_open: bool = False  # the range excludes ``low``
    help: str = ""

    def accepts(self) -> str:
        if self.kind is bool:
            return "0 or 1"
        if self.kind is int:
            return f"a whole number from {self.low:g} to {self.high:g}"
        return f"a number {'above' if self.low_open else 'from'} {self.low:g} to {self.high:g}"


# The course's generation arguments, with the bounds the page's form and the worker both keep.
PARAMETERS: dict[str, Bound] = {
    "max_new_tokens": Bound(
        int, 128, 1, 2048,
        help="The most tokens (word pieces) to generate; the answer may end sooner.",
    ),
    "do_sample": Bound(
        bool, True,
        help="Sample each token from the model's probabilities (1) or always take the most "
        "likely one (0, greedy: the same text every time).",
    ),
    "temperature": Bound(
        float, 0.7, 0, 5, low_open=True,
        help="With sampling: below 1 sharpens the choice (safer text), above 1 flattens it "
        "(more surprising text).",
    ),
    "top_k": Bound(
        int, 50, 0, 1000,
        help="With sampling: choose only among the k most likely tokens (0 = no limit).",
    ),
    "top_p": Bound(
        float, 0.95, 0, 1, low_open=True,
        help="With sampling: choose only among the most likely tokens that together reach "
        "this probability (nucleus sampling; 1 = no limit).",
    ),
    "repetition_penalty": Bound(
        float, 1.1, 1, 3,
        help="Above 1 makes tokens already in the text less likely (fewer loops).",
    ),
}
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def _parse(name: str, bound: Bound, value: Any) -> Any:
    problem = LegendaError(
        BAD_PARAMETER,
        f"The generation parameter {name} must be {bound.accepts()} (it was “{value}”). "
        "Change it in the form and try again.",
    )
    text = str(value).strip().lower()
    if bound.kind is bool:
        if isinstance(value, bool):
            return value
        if text in _TRUE | _FALSE:
            return text in _TRUE
        raise problem
    if isinstance(value, bool):
        raise problem
    try:
        number = bound.kind(text)
    except ValueError:
        raise problem from None
    too_low = number <= bound.low if bound.low_open else number < bound.low
    if not math.isfinite(number) or too_low or number > bound.high:
        raise problem
    return number


def generation_params(raw: Mapping[str, Any] | None) -> dict[str, Any]:
    """Every parameter of ``raw`` checked (missing or empty ones take their default), as
    Transformers.js generation keyword arguments. Raises LegendaError(bad-parameter)."""
    raw = raw or {}
    params = {}
    for name, bound in PARAMETERS.items():
        value = raw.get(name)
        params[name] = bound.default if value is None or value == "" else _parse(name, bound, value)
    if not params["do_sample"]:  # greedy: the sampling knobs would only warn
        for name in ("temperature", "top_k", "top_p"):
            del params[name]
    return params


def check_prompt(prompt: Any, what: str = "prompt") -> str:
    text = prompt if isinstance(prompt, str) else ""
    if not text.strip():
        raise LegendaError(
            EMPTY_PROMPT, f"The {what} is empty: write something for the model to answer."
        )
    return text


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

    system: str = DEFAULT_SYSTEM_PROMPT
    turns: list[dict[str, str]] = field(default_factory=list)
    cached_text: str = ""
    cached_ids: list[int] = field(default_factory=list)

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
) -> tuple[str, str | None]:
    """The dtype to load and, when it is not ``wanted``, a sentence saying so."""
    if wanted in available:
        return wanted, None
    for dtype in _FALLBACKS.get(device, _FALLBACKS["wasm"]):
        if dtype in available:
            return dtype, (
                f"The model “{model}” has no {wanted} weights, so its {dtype} weights are used "
                f"(it ships {', '.join(available)})."
            )
    raise LegendaError(
        NOT_A_TEXT_MODEL,
        f"The model “{model}” has no ONNX weights this page can run"
        + (f" (it ships {', '.join(available)})" if available else "")
        + ". Choose a model converted for Transformers.js (an onnx/ folder).",
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
    kind = f" (it is a {found.group(1)} model)" if found.group(1) else ""
    return LegendaError(
        NOT_A_TEXT_MODEL,
        f"The model “{model}” is not a text-generation or text2text-generation model{kind}, "
        "so it cannot write text from a prompt. Choose a model such as "
        "HuggingFaceTB/SmolLM2-135M-Instruct or Xenova/flan-t5-small.",
    )


def no_chat_template(model: str) -> LegendaError:
    return LegendaError(
        NO_CHAT_TEMPLATE,
        f"The model “{model}” has no chat template, so it cannot hold a conversation. Choose "
        "an instruct (chat) model, such as onnx-community/Qwen2.5-0.5B-Instruct, or use this "
        "one in the generate or compare mode.",
    )


def generation_failed(model: str, raw: str) -> LegendaError:
    """A failure while generating: out of memory, or anything else."""
    if _OUT_OF_MEMORY.search(raw):
        return LegendaError(
            OUT_OF_MEMORY,
            f"The model “{model}” ran out of memory while generating. Ask for fewer tokens "
            "(max_new_tokens), start a new chat (Reset), close other tabs, or choose a smaller "
            "model or dtype (q8, q4).",
        )
    return LegendaError(
        "inference-failed",
        f"The model “{model}” failed while generating. Try again, or try another model; "
        "the browser console has the details.",
    )

