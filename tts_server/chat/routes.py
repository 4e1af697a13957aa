"""``POST /v1/chat/completions``, ``POST /v1/completions`` and ``GET /v1/models``: OpenAI's
chat and (legacy) completions APIs on the sidecar; both routes share one path (``_serve``).

A request is checked (body.py), waits for a slot (429 after LEGENDA_CHAT_WAIT_S), holds its
model (loaded on first use, 503 when it cannot be), and generates in the request's own thread:
without ``stream`` the whole answer, with ``stream`` one server-sent event per piece of text.
When a streaming client goes away, the server's next write fails, the response is closed and
the generation stops there, freeing the slot.
"""

from __future__ import annotations

import json
import logging
import secrets
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request
from werkzeug.exceptions import HTTPException

from ..api import read_json_object
from ..errors import ApiError, error_response
from .body import (
    EXAMPLE,
    TEXT_EXAMPLE,
    GenerationRequest,
    chat_request,
    completion_request,
)
from .files import ModelUnavailable
from .generate import Generation, generate
from .models import LoadedModel
from .service import ChatService, chat_of

bp = Blueprint("chat", __name__, url_prefix="/v1")
log = logging.getLogger(__name__)

RETRY_AFTER_S = "2"
_TYPES = {400: "invalid_request_error", 401: "authentication_error", 404: "invalid_request_error",
          413: "invalid_request_error", 415: "invalid_request_error", 429: "rate_limit_error"}


@bp.errorhandler(ApiError)
def openai_error(error: ApiError) -> Response:
    """OpenAI's error shape: ``{"error": {"message", "type", "code"}}``."""
    error.details.setdefault("type", _TYPES.get(error.status, "server_error"))
    return error_response(error)


@bp.errorhandler(HTTPException)
def openai_http_error(error: HTTPException) -> Response:
    """Werkzeug's own errors on these routes (a body over the size limit, a wrong method), in
    OpenAI's shape too."""
    status = error.code or 500
    message = ("The request body is larger than this server accepts (a very long "
               "conversation: send its last turns)." if status == 413
               else error.description or "The request failed.")
    headers = {k: v for k, v in error.get_headers() if k.lower() != "content-type"}
    return openai_error(ApiError(status, f"http_{status}", message, headers=headers))


def chat() -> ChatService:
    return chat_of(current_app)


@bp.get("/models")
def list_models() -> Response:
    svc = chat()
    return jsonify({"object": "list", "data": [svc.describe(m) for m in svc.config.chat_models]})


@bp.post("/chat/completions")
def create_chat_completion() -> Response:
    return _serve(EXAMPLE, chat_request, _ChatAnswer)


@bp.post("/completions")
def create_completion() -> Response:
    """OpenAI's legacy completions: the raw ``prompt`` continued, no chat template."""
    return _serve(TEXT_EXAMPLE, completion_request, _TextAnswer)


def _serve(example: str, parse: Callable[..., GenerationRequest],
           kind: type[_Answer]) -> Response:
    """Both routes: check the body, then answer it (``_answer``)."""
    svc, started = chat(), time.monotonic()
    ask = parse(read_json_object(example), svc.config.chat_models, svc.config.chat_max_tokens)
    return _answer(svc, ask, kind(svc, ask, started))


def _answer(svc: ChatService, ask: GenerationRequest, answer: _Answer) -> Response:
    """Hold a slot and the model, generate, answer whole or streamed."""
    held = ExitStack()
    try:
        model = _hold_model(svc, ask, held)
        prompt = ask.ids(model.engine.info.tokenizer, model.engine.info.model_type)
    except ApiError as error:
        held.close()
        svc.metrics.requests.labels(ask.model, str(error.status)).inc()
        raise
    except BaseException:
        held.close()
        svc.metrics.requests.labels(ask.model, "500").inc()
        raise
    svc.metrics.requests.labels(ask.model, "200").inc()
    svc.metrics.running.labels(ask.model).inc()
    held.callback(svc.metrics.running.labels(ask.model).dec)
    answer.record.prompt_tokens = len(prompt)
    deadline = time.monotonic() + svc.config.chat_timeout_s
    # waitress says when the client has gone (tts_server/server.py): a generation whose
    # client left stops before its next token, streamed or not.
    gone = request.environ.get("waitress.client_disconnected", _never)
    pieces = generate(model, prompt, ask.settings, answer.record, deadline, cancelled=gone)
    answer.waited_s = time.monotonic() - answer.started
    if not ask.stream:
        with held:
            text = "".join(pieces)
            answer.account()
        return jsonify(answer.completion(text))
    response = Response(answer.events(pieces), mimetype="text/event-stream",
                        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
    # Closed by the server when the client goes away (or the stream ends): frees the slot.
    response.call_on_close(held.close)
    return response


def _never() -> bool:
    return False


def _hold_model(svc: ChatService, ask: GenerationRequest, held: ExitStack) -> LoadedModel:
    with svc.waiting(ask.model):
        got = svc.slots.acquire()
    if not got:
        raise ApiError(
            429, "too_many_requests",
            f"All {svc.slots.count} generation slot(s) of this server are busy "
            f"(LEGENDA_CHAT_SLOTS); try again in {RETRY_AFTER_S} seconds.",
            headers={"Retry-After": RETRY_AFTER_S},
        )
    held.callback(svc.slots.release)
    try:
        return held.enter_context(svc.models.use(ask.model))
    except ModelUnavailable as error:
        raise ApiError(503, "model_unavailable", str(error), type="server_error",
                       model=ask.model) from None


class _Answer:
    """OpenAI's answer objects for one request, and its metrics; the subclasses say how a
    choice holds its text (a chat's message and deltas, a completion's ``text``)."""

    PREFIX, OBJECT, CHUNK = "", "", ""

    def __init__(self, svc: ChatService, ask: GenerationRequest, started: float) -> None:
        self.svc, self.ask, self.started = svc, ask, started
        self.record = Generation(prompt_tokens=0)
        self.waited_s = 0.0
        self.id = self.PREFIX + secrets.token_hex(12)
        self.created = int(time.time())
        self._accounted = False

    def whole(self, text: str) -> dict[str, Any]:
        raise NotImplementedError

    def delta(self, piece: str | None) -> dict[str, Any]:
        """A streamed choice's text: ``piece``, or None in the last chunk."""
        raise NotImplementedError

    def opening(self) -> Iterator[str]:
        """The events before the first piece."""
        return iter(())

    def usage(self) -> dict[str, Any]:
        """OpenAI's usage; ``cached_tokens``: prompt tokens whose keys and values were kept
        from the conversation's last turn (not computed again)."""
        r = self.record
        return {"prompt_tokens": r.prompt_tokens, "completion_tokens": r.completion_tokens,
                "total_tokens": r.prompt_tokens + r.completion_tokens,
                "prompt_tokens_details": {"cached_tokens": r.reused_tokens}}

    def _object(self, kind: str, choices: list[dict[str, Any]]) -> dict[str, Any]:
        return {"id": self.id, "object": kind, "created": self.created, "model": self.ask.model,
                "system_fingerprint": None, "choices": choices}

    def completion(self, text: str) -> dict[str, Any]:
        choice = {"index": 0, **self.whole(text), "logprobs": None,
                  "finish_reason": self.record.finish_reason or "length"}
        return {**self._object(self.OBJECT, [choice]), "usage": self.usage()}

    def _chunk(self, delta: dict[str, Any], finish: str | None = None) -> str:
        choice = {"index": 0, **delta, "logprobs": None, "finish_reason": finish}
        return _event(self._object(self.CHUNK, [choice]))

    def events(self, pieces: Iterator[str]) -> Iterator[str]:
        try:
            yield from self.opening()
            for piece in pieces:
                yield self._chunk(self.delta(piece))
            yield self._chunk(self.delta(None), self.record.finish_reason or "length")
            if self.ask.include_usage:
                yield _event({**self._object(self.CHUNK, []), "usage": self.usage()})
            yield "data: [DONE]\n\n"
        except Exception as error:  # headers are sent: say it in the stream, as OpenAI does
            log.exception("chat generation failed")
            yield _event({"error": {"message": f"The generation failed: {error}",
                                    "type": "server_error", "code": "generation_failed"}})
        finally:
            pieces_close: Callable[[], None] | None = getattr(pieces, "close", None)
            if pieces_close is not None:
                pieces_close()
            self.account()

    def account(self) -> None:
        """Count the tokens and times of this request (once)."""
        if self._accounted:
            return
        self._accounted = True
        m, r, model = self.svc.metrics, self.record, self.ask.model
        m.prompt_tokens.labels(model).inc(r.prompt_tokens)
        m.completion_tokens.labels(model).inc(r.completion_tokens)
        if r.first_token_s is not None:
            m.first_token.labels(model).observe(self.waited_s + r.first_token_s)
        for seconds in r.token_times:
            m.per_token.labels(model).observe(seconds)


class _ChatAnswer(_Answer):
    """``chat.completion``: the text in a message, streamed as deltas after a role chunk."""

    PREFIX, OBJECT, CHUNK = "chatcmpl-", "chat.completion", "chat.completion.chunk"

    def whole(self, text: str) -> dict[str, Any]:
        return {"message": {"role": "assistant", "content": text, "refusal": None}}

    def delta(self, piece: str | None) -> dict[str, Any]:
        return {"delta": {} if piece is None else {"content": piece}}

    def opening(self) -> Iterator[str]:
        yield self._chunk({"delta": {"role": "assistant", "content": ""}})


class _TextAnswer(_Answer):
    """``text_completion``: the text in ``choices[0].text``, whole or piece by piece."""

    PREFIX, OBJECT, CHUNK = "cmpl-", "text_completion", "text_completion"

    def whole(self, text: str) -> dict[str, Any]:
        return {"text": text}

    def delta(self, piece: str | None) -> dict[str, Any]:
        return {"text": piece or ""}


def _event(payload: dict[str, Any]) -> str:
    return f"data: {json.dumps(payload, ensure_ascii=False)}\n\n"
