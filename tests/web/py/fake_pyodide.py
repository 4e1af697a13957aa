"""Stand-ins for Pyodide's browser-only modules, so web/py/legenda's worker code runs in CPython.

Pyodide's `js`, `pyodide.ffi` and `transformers_js_py` exist only in the browser; ``install``
puts small fakes in their place and imports the browser-only legenda modules against them
(conftest.py's ``legenda`` fixture). The real ones are covered by the end-to-end tests.
"""

from __future__ import annotations

import asyncio
import importlib
import sys
import types
from collections.abc import Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

BROWSER_ONLY = (
    "runtime", "images", "captioner", "translator", "generator", "playground", "worker_main",
)


class FakeJsException(Exception):
    """pyodide.ffi.JsException: what a rejected JS promise raises in Python."""


class JsResult:
    """A JS value whose to_py() gives plain Python data."""

    def __init__(self, value: Any) -> None:
        self._value = value

    def to_py(self) -> Any:
        return self._value


class FakeProxy:
    """pyodide.ffi.create_proxy's result: callable until destroyed."""

    live = 0  # proxies created and not destroyed yet, over all instances

    def __init__(self, function: Callable[..., Any]) -> None:
        self._function = function
        self.destroyed = False
        FakeProxy.live += 1

    def __call__(self, *args: Any) -> Any:
        assert not self.destroyed, "a destroyed proxy was called"
        return self._function(*args)

    def destroy(self) -> None:
        assert not self.destroyed
        self.destroyed = True
        FakeProxy.live -= 1


class FakeCodedTokenizer:
    """Transformers.js's NllbTokenizer or M2M100Tokenizer as Python sees it: a list of codes."""

    def __init__(self, codes: list[str]) -> None:
        self.language_codes = list(codes)


class FakeMarianTokenizer:
    """Transformers.js's MarianTokenizer as Python sees it: ``>>id<<`` tokens in its vocabulary
    (looked up one by one), the list 4.3.1 makes of them (every other one: its bug), and
    tokenizer_config.json's ``target_lang`` when given."""

    def __init__(self, ids: list[str], target_lang: str | None = None) -> None:
        self._vocab = {f">>{code}<<": index for index, code in enumerate(ids)}
        self.supported_language_codes = list(self._vocab)[::2]
        self.config = types.SimpleNamespace(
            **({"target_lang": target_lang} if target_lang else {})
        )

    def convert_tokens_to_ids(self, token: str) -> int | None:
        return self._vocab.get(token)


def nllb_tokenizer() -> FakeCodedTokenizer:
    from legenda.languages import LANGUAGES

    return FakeCodedTokenizer([entry.nllb for entry in LANGUAGES])


# Some of Xenova/opus-mt-en-ROMANCE's target ids, in its vocabulary's order.
EN_ROMANCE = ["fr", "fr_CA", "es", "es_MX", "it", "pt", "pt_br", "pt_BR", "pt_PT", "ro", "ca"]


def install(monkeypatch: pytest.MonkeyPatch) -> Iterator[types.SimpleNamespace]:
    js = types.ModuleType("js")
    js.Object = types.SimpleNamespace(fromEntries=dict)  # type: ignore[attr-defined]
    js.console = types.SimpleNamespace(  # type: ignore[attr-defined]
        error=lambda *args: None, warn=lambda *args: None
    )
    js.performance = types.SimpleNamespace(now=lambda: 0.0)  # type: ignore[attr-defined]
    ffi = types.ModuleType("pyodide.ffi")
    ffi.JsException = FakeJsException  # type: ignore[attr-defined]
    ffi.to_js = lambda value, dict_converter=None: value  # type: ignore[attr-defined]
    ffi.create_proxy = FakeProxy  # type: ignore[attr-defined]
    pyodide = types.ModuleType("pyodide")
    pyodide.ffi = ffi  # type: ignore[attr-defined]
    tjs = types.ModuleType("transformers_js_py")
    tjs.import_transformers_js = None  # type: ignore[attr-defined]
    for name, module in {
        "js": js, "pyodide": pyodide, "pyodide.ffi": ffi, "transformers_js_py": tjs,
    }.items():
        monkeypatch.setitem(sys.modules, name, module)
    for name in BROWSER_ONLY:
        monkeypatch.delitem(sys.modules, f"legenda.{name}", raising=False)
    yield types.SimpleNamespace(
        js=js,
        **{name: importlib.import_module(f"legenda.{name}") for name in BROWSER_ONLY},
    )
    for name in BROWSER_ONLY:  # imported against the fakes: never reuse them
        sys.modules.pop(f"legenda.{name}", None)


def fake_worker(
    legenda: types.SimpleNamespace,
    pipeline: Callable[[str, str, str], Awaitable[Any]],
    library: Any = None,
) -> tuple[Any, list[dict[str, Any]]]:
    """legenda's MessageHandler on a Runtime that loads nothing: ``pipeline(task, model,
    dtype)`` makes its pipelines, ``library`` (when given) stands for Transformers.js. Returns
    the handler and the list its messages are posted to."""

    class FakeRuntime(legenda.runtime.Runtime):  # type: ignore[misc, name-defined]
        async def load(self) -> None:
            pass

        def apply(self, settings: Any) -> None:
            pass

        def local_model_path(self, settings: Any) -> str:
            return "/models/"

        async def pipeline(self, task: str, model: str, settings: Any) -> Any:
            return await pipeline(task, model, settings.dtype)

    if library is not None:
        FakeRuntime.library = lambda self: library  # type: ignore[method-assign]
    site = legenda.runtime.SiteInfo("http://h/", "http://h/t.js", "http://h/ort/", False)
    sent: list[dict[str, Any]] = []
    runtime = FakeRuntime(site, lambda info: None)
    return legenda.worker_main.MessageHandler(sent.append, runtime), sent


def handle(worker: Any, *messages: dict[str, Any]) -> None:
    """Hand ``messages`` to the worker one after the other, on one event loop (as in the
    browser). In a thread: Playwright's sync API (the e2e tests, same pytest session) keeps an
    event loop running in the main thread, where asyncio.run() refuses to start another."""

    async def main() -> None:
        for message in messages:
            await worker.handle(message)

    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, main()).result()


def of_type(sent: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [message for message in sent if message["type"] == kind]
