"""The worker protocol, Python's side: every message type and its fields, named once.

The page's twin is web/protocol.js; tests/web/py/test_protocol.py keeps the two equal, and
docs/architecture.md ("Worker protocol") says what each message means. The rest of the package
names a type through these constants and builds each reply with the functions below, so a field
is spelled here only.
"""

from __future__ import annotations

from typing import Any

# page -> Python
INIT = "init"
CONFIGURE = "configure"
RUN = "run"
TRANSLATE = "translate"
GENERATE = "generate"
CHAT = "chat"
COMPARE = "compare"
RESET = "reset"
INTERRUPT = "interrupt"
# Python -> page
SETTINGS = "settings"
STAGE = "stage"
PROGRESS = "progress"
RESULT = "result"
ITEM_ERROR = "item-error"
DONE = "done"
FATAL = "fatal"
NOTICE = "notice"
PIECE = "piece"
GENERATED = "generated"
GENERATION_ERROR = "generation-error"
RESET_DONE = "reset-done"

# Who sends each message and its fields besides ``type`` (a ``?`` ends an optional one).
# ``debug`` carries the benchmarks' options (bench/): a job with ``debug`` gets it back on its
# ``generated``; the page never sends it.
MESSAGES: dict[str, dict[str, Any]] = {
    INIT: {"from": "page", "fields": ["config", "page?"]},
    CONFIGURE: {"from": "page", "fields": ["config"]},
    RUN: {"from": "page", "fields": ["jobId", "items"]},
    TRANSLATE: {"from": "page", "fields": ["jobId", "items"]},
    GENERATE: {
        "from": "page", "fields": ["jobId", "model?", "prompt", "params?", "device?", "debug?"]
    },
    CHAT: {
        "from": "page",
        "fields": [
            "jobId", "model?", "message", "system?", "history?", "params?", "device?", "debug?",
        ],
    },
    COMPARE: {"from": "page", "fields": ["jobId", "models?", "prompt", "params?", "debug?"]},
    RESET: {"from": "page", "fields": ["jobId?", "system?"]},
    INTERRUPT: {"from": "page", "fields": ["jobId?"]},
    SETTINGS: {"from": "web-worker", "fields": ["settings", "languages", "problems", "notices"]},
    STAGE: {"from": "web-worker", "fields": ["stage", "params", "jobId?", "itemId?", "model?"]},
    PROGRESS: {
        "from": "web-worker", "fields": ["model", "file", "status", "loaded", "total", "progress"]
    },
    RESULT: {"from": "web-worker", "fields": ["jobId", "itemId", "caption", "translation", "lang"]},
    ITEM_ERROR: {
        "from": "web-worker", "fields": ["jobId", "itemId", "code", "key", "params", "caption?"]
    },
    DONE: {"from": "web-worker", "fields": ["jobId"]},
    FATAL: {"from": "web-worker", "fields": ["code", "key", "params"]},
    NOTICE: {"from": "web-worker", "fields": ["jobId", "model", "key", "params"]},
    PIECE: {"from": "web-worker", "fields": ["jobId", "model", "text", "figures"]},
    GENERATED: {
        "from": "web-worker", "fields": ["jobId", "model", "text", "figures", "stopped", "debug?"]
    },
    GENERATION_ERROR: {
        "from": "web-worker", "fields": ["jobId", "code", "key", "params", "model?"]
    },
    RESET_DONE: {"from": "web-worker", "fields": []},
}

# The playground's messages (legenda.playground handles them); every one but reset is a job
# that ends with ``done``.
GENERATION_MESSAGES = (GENERATE, CHAT, COMPARE, RESET)

Message = dict[str, Any]


def settings(
    values: dict[str, Any], languages: list[Any], problems: list[Any], notices: list[Any]
) -> Message:
    return {
        "type": SETTINGS, "settings": values, "languages": languages, "problems": problems,
        "notices": notices,
    }


def stage(name: str, params: dict[str, Any] | None = None, **ids: Any) -> Message:
    """``ids``: the ``jobId``, ``itemId`` or ``model`` the stage concerns."""
    return {"type": STAGE, "stage": name, "params": params or {}, **ids}


def result(job_id: str, item_id: str, caption: str, translation: str, lang: str) -> Message:
    return {
        "type": RESULT, "jobId": job_id, "itemId": item_id, "caption": caption,
        "translation": translation, "lang": lang,
    }


def item_error(
    job_id: str, item_id: str, failure: dict[str, Any], caption: str | None = None
) -> Message:
    """``failure``: a LegendaError's ``as_dict()`` (code, key, params)."""
    message = {"type": ITEM_ERROR, "jobId": job_id, "itemId": item_id, **failure}
    if caption is not None:
        message["caption"] = caption
    return message


def done(job_id: str) -> Message:
    return {"type": DONE, "jobId": job_id}


def fatal(failure: dict[str, Any]) -> Message:
    """The runtime cannot work; ``failure``: a LegendaError's ``as_dict()``."""
    return {"type": FATAL, **failure}


def notice(job_id: str, model: str, key: str, params: dict[str, Any]) -> Message:
    return {"type": NOTICE, "jobId": job_id, "model": model, "key": key, "params": params}


def piece(job_id: str, model: str, text: str, figures: Any) -> Message:
    return {"type": PIECE, "jobId": job_id, "model": model, "text": text, "figures": figures}


def generated(
    job_id: str, model: str, text: str, figures: Any, stopped: bool,
    debug: dict[str, Any] | None = None,
) -> Message:
    message = {
        "type": GENERATED, "jobId": job_id, "model": model, "text": text, "figures": figures,
        "stopped": stopped,
    }
    if debug is not None:
        message["debug"] = debug
    return message


def generation_error(job_id: str, failure: dict[str, Any], model: Any = None) -> Message:
    message = {"type": GENERATION_ERROR, "jobId": job_id, **failure}
    if model:
        message["model"] = str(model)
    return message


def reset_done() -> Message:
    return {"type": RESET_DONE}
