"""A conversation (OpenAI's ``messages``) as the token ids a model reads.

- Models whose tokenizer has a chat template (the instruct causal models: SmolLM2, Phi-3.5...)
  read it through that template with the assistant's turn opened (``add_generation_prompt``),
  exactly as transformers' ``apply_chat_template`` writes it.
- Blenderbot reads the turns' texts joined by two spaces, each user turn led by a space, as
  its tokenizer's old default template did (system turns are left out: it has none), keeping
  the last 128 tokens (its positions).
- Other encoder-decoder models (flan-t5, bart) read plain text: the last user turn alone when
  it is the only turn (after the system text, if any, and a blank line); a longer conversation
  as ``User: ...`` / ``Assistant: ...`` lines ending with ``Assistant:``.
- A causal model without a template reads the same lines as the last case.

A completion's raw ``prompt`` is read as the tokenizer writes it by default (``text_ids``): no
template, the tokenizer's own special tokens only (a BOS where it adds one, T5's and BART's end
token on an encoder's input), the last 128 tokens for Blenderbot.
"""

from __future__ import annotations

from typing import Any

Message = dict[str, str]
BLENDERBOT_POSITIONS = 128
_SPEAKERS = {"system": "System", "user": "User", "assistant": "Assistant"}


def transcript(messages: list[Message]) -> str:
    """Plain text for models without a template (see the module's docstring)."""
    turns = [m for m in messages if m["role"] != "system"]
    system = "\n".join(m["content"] for m in messages if m["role"] == "system")
    if len(turns) == 1 and turns[0]["role"] == "user":
        return f"{system}\n\n{turns[0]['content']}" if system else turns[0]["content"]
    lines = [f"{_SPEAKERS[m['role']]}: {m['content']}" for m in messages]
    return "\n".join([*lines, "Assistant:"])


def blenderbot_text(messages: list[Message]) -> str:
    turns = [m for m in messages if m["role"] != "system"]
    return "  ".join((" " if m["role"] == "user" else "") + m["content"] for m in turns)


def prompt_ids(tokenizer: Any, model_type: str, messages: list[Message]) -> list[int]:
    """The ids the model reads for ``messages`` (see the module's docstring)."""
    if getattr(tokenizer, "chat_template", None):
        ids = tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=True)
        if isinstance(ids, dict) or hasattr(ids, "keys"):  # a BatchEncoding in some versions
            ids = ids["input_ids"]
        return [int(i) for i in ids]
    if model_type.startswith("blenderbot"):
        return text_ids(tokenizer, model_type, blenderbot_text(messages))
    return text_ids(tokenizer, model_type, transcript(messages))


def text_ids(tokenizer: Any, model_type: str, text: str) -> list[int]:
    """``text`` as ``tokenizer(text)`` writes it: its own special tokens (T5's and BART's end
    token, a causal model's BOS) and no template."""
    ids = tokenizer(text)["input_ids"]
    if model_type.startswith("blenderbot"):
        ids = ids[-BLENDERBOT_POSITIONS:]
    return [int(i) for i in ids]
