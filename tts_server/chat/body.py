"""The bodies of ``POST /v1/chat/completions`` and ``POST /v1/completions``, checked: OpenAI's
fields, or a 400 naming one. Both share the model, sampling and streaming fields; a chat has
``messages``, a completion a raw ``prompt``."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from ..errors import ApiError
from .generate import Settings
from .prompts import Message, prompt_ids, text_ids

ROLES = {"system": "system", "developer": "system", "user": "user", "assistant": "assistant"}
MAX_STOPS = 4  # OpenAI's limit
EXAMPLE = ('{"model": "HuggingFaceTB/SmolLM2-135M-Instruct", '
           '"messages": [{"role": "user", "content": "Olá!"}]}')
TEXT_EXAMPLE = '{"model": "HuggingFaceTB/SmolLM2-135M-Instruct", "prompt": "Era uma vez"}'
TEXT_MAX_TOKENS = 16  # OpenAI's default for the completions API


def bad(message: str, param: str | None = None) -> ApiError:
    return ApiError(400, "invalid_request_error", message, type="invalid_request_error",
                    param=param)


@dataclass(frozen=True)
class GenerationRequest:
    """The fields both routes share."""

    model: str
    settings: Settings
    stream: bool
    include_usage: bool

    def ids(self, tokenizer: Any, model_type: str) -> list[int]:
        """The token ids the model reads for this request."""
        raise NotImplementedError


@dataclass(frozen=True)
class ChatRequest(GenerationRequest):
    messages: list[Message]

    def ids(self, tokenizer: Any, model_type: str) -> list[int]:
        return prompt_ids(tokenizer, model_type, self.messages)


@dataclass(frozen=True)
class CompletionRequest(GenerationRequest):
    prompt: str

    def ids(self, tokenizer: Any, model_type: str) -> list[int]:
        return text_ids(tokenizer, model_type, self.prompt)


def _content(value: Any, index: int) -> str:
    """A message's text: a string, or OpenAI's list of ``{"type": "text", "text"}`` parts."""
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(
        isinstance(p, dict) and p.get("type") == "text" and isinstance(p.get("text"), str)
        for p in value
    ):
        return "".join(p["text"] for p in value)
    raise bad(f'messages[{index}].content must be a string (or a list of text parts): this '
              "server reads text only.", f"messages[{index}].content")


def messages_of(value: Any) -> list[Message]:
    if not isinstance(value, list) or not value:
        raise bad(f'"messages" must be a non-empty list of turns, like {EXAMPLE}.', "messages")
    messages = []
    for i, turn in enumerate(value):
        role = turn.get("role") if isinstance(turn, dict) else None
        if role not in ROLES:
            raise bad(f"messages[{i}].role must be one of system, user, assistant "
                      f"(got {role!r}).", f"messages[{i}].role")
        messages.append({"role": ROLES[role], "content": _content(turn.get("content"), i)})
    if messages[-1]["role"] == "assistant":
        raise bad("The last message must be the user's (or the system's): this server "
                  "does not continue an assistant's turn.", "messages")
    return messages


def _number(body: dict[str, Any], key: str, default: float, low: float, high: float,
            low_open: bool = False) -> float:
    value = body.get(key)
    if value is None:
        return default
    if (isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value)
            or value > high or value < low or (low_open and value == low)):
        bound = f"above {low:g}" if low_open else f"from {low:g}"
        raise bad(f'"{key}" must be a number {bound} to {high:g}.', key)
    return float(value)


def _max_tokens(body: dict[str, Any], limit: int, default: int | None) -> int:
    keys = [k for k in ("max_completion_tokens", "max_tokens") if body.get(k) is not None]
    if not keys:
        return limit if default is None else min(default, limit)
    value = body[keys[0]]
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise bad(f'"{keys[0]}" must be a whole number of at least 1.', keys[0])
    if value > limit:
        raise bad(f'"{keys[0]}" is {value}, above this server\'s limit of {limit} new tokens '
                  "(LEGENDA_CHAT_MAX_TOKENS).", keys[0])
    return value


def _stop(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    stops = [value] if isinstance(value, str) else value
    if (not isinstance(stops, list) or len(stops) > MAX_STOPS
            or not all(isinstance(s, str) for s in stops)):
        raise bad(f'"stop" must be a string or a list of up to {MAX_STOPS} strings.', "stop")
    return tuple(s for s in stops if s)


def _seed(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise bad('"seed" must be a whole number.', "seed")
    return value % 2**64


def _shared(body: dict[str, Any], models: tuple[str, ...], max_tokens: int,
            default_tokens: int | None) -> GenerationRequest:
    model = body.get("model")
    if not isinstance(model, str) or not model:
        raise bad(f'Name the model in "model", one of: {", ".join(models)}.', "model")
    if model not in models:
        raise ApiError(404, "model_not_found",
                       f"The model {model!r} is not offered by this server; choose one of: "
                       f"{', '.join(models)} (GET /v1/models).",
                       type="invalid_request_error", param="model")
    n = body.get("n")
    if n is not None and n != 1:
        raise bad('"n" must be 1: this server writes one answer per request.', "n")
    stream = body.get("stream", False)
    if not isinstance(stream, bool):
        raise bad('"stream" must be true or false.', "stream")
    options = body.get("stream_options") or {}
    settings = Settings(
        max_tokens=_max_tokens(body, max_tokens, default_tokens),
        temperature=_number(body, "temperature", 1.0, 0.0, 2.0),
        top_p=_number(body, "top_p", 1.0, 0.0, 1.0, low_open=True),
        seed=_seed(body.get("seed")),
        stop=_stop(body.get("stop")),
    )
    include_usage = isinstance(options, dict) and options.get("include_usage") is True
    return GenerationRequest(model, settings, stream, include_usage)


def chat_request(body: dict[str, Any], models: tuple[str, ...], max_tokens: int) -> ChatRequest:
    shared = _shared(body, models, max_tokens, None)
    return ChatRequest(**vars(shared), messages=messages_of(body.get("messages")))


def prompt_of(value: Any) -> str:
    """A completion's prompt: a string, or a list of one string."""
    if isinstance(value, list) and len(value) == 1:
        value = value[0]
    if not isinstance(value, str) or not value:
        raise bad('"prompt" must be a non-empty string (or a list of one string): this server '
                  f"continues one text, like {TEXT_EXAMPLE}.", "prompt")
    return value


def completion_request(body: dict[str, Any], models: tuple[str, ...],
                       max_tokens: int) -> CompletionRequest:
    shared = _shared(body, models, max_tokens, TEXT_MAX_TOKENS)
    return CompletionRequest(**vars(shared), prompt=prompt_of(body.get("prompt")))
