"""One generation: the prompt's ids in, pieces of text out as the model writes them.

The loop is the same for every engine: feed the prompt (the part the reused cache does not
hold), then sample a token, stop on an end token, a ``stop`` string, ``max_tokens`` or the
deadline, else feed the token and go on. ``cancelled()`` is asked before every token, so a
client that goes away stops the work within one token.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from .models import LoadedModel
from .sampling import Sampler
from .text import Detokenizer, StopFilter


@dataclass(frozen=True)
class Settings:
    max_tokens: int
    temperature: float = 1.0
    top_p: float = 1.0
    seed: int | None = None
    stop: tuple[str, ...] = ()


@dataclass
class Generation:
    """What one generation did, filled in while its pieces are read."""

    prompt_tokens: int
    reused_tokens: int = 0  # prompt ids whose keys/values came from the last turn
    completion_tokens: int = 0
    finish_reason: str | None = None  # stop | length (also on the deadline) | None: cancelled
    first_token_s: float | None = None  # from the start to the first token
    token_times: list[float] = field(default_factory=list)  # seconds of each later token


def generate(
    model: LoadedModel, prompt: list[int], settings: Settings, record: Generation,
    deadline: float, cancelled: Callable[[], bool] = lambda: False,
) -> Iterator[str]:
    """Yield the answer's text piece by piece; ``record`` says how it went."""
    engine = model.engine
    sampler = Sampler(settings.temperature, settings.top_p, settings.seed)
    text = Detokenizer(engine.info.tokenizer)
    stops = StopFilter(settings.stop)
    started = last = time.monotonic()
    session, reused, known = model.take_session(prompt)
    record.reused_tokens = reused
    consistent = False  # an engine that fails within feed() may leave its cache half-written
    try:
        logits = prompt_logits = known if known is not None else session.feed(prompt[reused:])
        consistent = True
        while True:
            if cancelled():
                return
            token = sampler(logits)
            now = time.monotonic()
            if record.first_token_s is None:
                record.first_token_s = now - started
            else:
                record.token_times.append(now - last)
            last = now
            if token in engine.info.eos_ids:
                record.finish_reason = "stop"
                break
            record.completion_tokens += 1
            piece = stops.push(text.add(token))
            if piece:
                yield piece
            if stops.stopped:
                record.finish_reason = "stop"
                return
            if record.completion_tokens >= settings.max_tokens or now > deadline:
                record.finish_reason = "length"
                break
            consistent = False
            logits = session.feed([token])
            consistent = True
        rest = stops.push(text.flush())
        rest += "" if stops.stopped else stops.flush()
        if rest:
            yield rest
    finally:
        if consistent:
            model.give_back(session, prompt, prompt_logits)
