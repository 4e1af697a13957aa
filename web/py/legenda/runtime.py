"""Transformers.js, imported from the site's own copy and set up from the settings.

Pitfalls this module exists for (docs/architecture.md, "Transformers.js in Pyodide"):
transformers-js-py loads Transformers.js from a CDN unless given a URL; importing it turns
local models off; ``localModelPath`` must be a path, not a URL; nested env objects must be set
on the raw JS object; and Transformers.js points ONNX Runtime's wasm files at a CDN on import.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import js  # type: ignore[import-not-found]
from pyodide.ffi import JsException, to_js  # type: ignore[import-not-found]
from transformers_js_py import import_transformers_js  # type: ignore[import-not-found]

from .errors import ModelPlace, model_load_error
from .settings import Settings

# ONNX Runtime builds in vendor/ort/: the plain one is the smallest and fastest on wasm; the
# asyncify one also carries the WebGPU execution provider.
_ORT_BUILDS = {"wasm": "ort-wasm-simd-threaded", "webgpu": "ort-wasm-simd-threaded.asyncify"}


@dataclass(frozen=True)
class SiteInfo:
    """What worker.js knows about where it runs."""

    site_base: str  # absolute URL of the site's root, e.g. http://host/legenda/
    transformers_url: str  # absolute URL of vendor/transformers/transformers.min.js
    ort_base: str  # absolute URL of vendor/ort/
    has_webgpu: bool  # the browser gave a WebGPU adapter


def js_object(value: Any) -> Any:
    """A Python dict/list as a plain JS object/array (what Transformers.js expects)."""
    return to_js(value, dict_converter=js.Object.fromEntries)


class Runtime:
    """The imported Transformers.js module and its env, shared by the two pipelines."""

    def __init__(self, site: SiteInfo, progress: Callable[[Any], None]) -> None:
        self.site = site
        self._progress = progress  # a JS function relaying progress_callback to the page
        self._module: Any = None
        self.ort_build: str | None = None  # which ONNX Runtime build is in use, once chosen

    async def load(self) -> None:
        self._module = await import_transformers_js(self.site.transformers_url)

    def apply(self, settings: Settings) -> None:
        """Point Transformers.js at this site's models (and the hub only if allowed)."""
        env = self._module.js_obj.env
        env.allowLocalModels = True
        env.allowRemoteModels = settings.remote_models
        env.localModelPath = self.local_model_path(settings)

    def local_model_path(self, settings: Settings) -> str:
        # A path, not a URL (Transformers.js misreads a URL here), resolved against the site
        # so "models/" works under a sub-path such as GitHub Pages' /<repo>/.
        return str(js.URL.new(settings.models, self.site.site_base).pathname)

    def usable_device(self, wanted: str) -> tuple[str, str | None]:
        """The device to use for ``wanted``, and a notice's key when it had to differ (the page
        words it: ``notice.<key>``)."""
        if wanted == "webgpu" and not self.site.has_webgpu:
            return "wasm", "no-webgpu"
        if wanted == "webgpu" and self.ort_build == _ORT_BUILDS["wasm"]:
            # The asyncify build runs both devices; the plain one, already loaded, only wasm.
            return "wasm", "webgpu-after-reload"
        return wanted, None

    def _choose_ort_build(self, settings: Settings) -> None:
        # ONNX Runtime reads wasmPaths and numThreads once, when its first session starts
        # (docs/architecture.md).
        if self.ort_build is not None:
            return
        build = _ORT_BUILDS[settings.device]
        base = self.site.ort_base
        paths = {"mjs": f"{base}{build}.mjs", "wasm": f"{base}{build}.wasm"}
        wasm = self._module.js_obj.env.backends.onnx.wasm
        wasm.wasmPaths = js_object(paths)
        # Threads need SharedArrayBuffer, which only a cross-origin isolated page has.
        if settings.threads and getattr(js, "crossOriginIsolated", False):
            wasm.numThreads = settings.threads
        self.ort_build = build

    def library(self) -> Any:
        """The raw Transformers.js module (its subclasses need ``.new``: stack notes)."""
        return self._module.js_obj

    @property
    def progress(self) -> Callable[[Any], None]:
        """The relay of Transformers.js's progress_callback to the page."""
        return self._progress

    def raw_image_class(self) -> Any:
        return self._module.js_obj.RawImage

    async def pipeline(self, task: str, model: str, settings: Settings) -> Any:
        self._choose_ort_build(settings)
        options = {
            "dtype": settings.dtype,
            "device": settings.device,
            "progress_callback": self._progress,
        }
        return await self._module.js_obj.pipeline(task, model, js_object(options))


class LazyPipeline:
    """One Transformers.js pipeline, created on first use and again only when its model,
    dtype or device changes."""

    def __init__(self, runtime: Runtime, task: str, role: str, model_setting: str) -> None:
        self._runtime = runtime
        self.task = task
        self.role = role  # "captioning" / "translation", for messages
        self._model_setting = model_setting  # the Settings field naming the model
        self._pipe: Any = None
        self._key: tuple[str, str, str] | None = None
        self._loading: tuple[tuple[str, str, str], asyncio.Future[Any]] | None = None

    def model(self, settings: Settings) -> str:
        return str(getattr(settings, self._model_setting))

    def is_loaded(self, settings: Settings) -> bool:
        return self._pipe is not None and self._key == settings.model_key(self.model(settings))

    def loading_params(self, settings: Settings) -> dict[str, Any]:
        """What the page's "loading the model" status names."""
        return {"role": self.role, "model": self.model(settings), "dtype": settings.dtype,
                "webgpu": settings.device == "webgpu"}

    def start(self, settings: Settings) -> None:
        """Begin loading in the background (files download while other work runs); ``get``
        then waits for that load instead of starting another."""
        if self.is_loaded(settings) or self._loading_task() is not None:
            return
        task = asyncio.ensure_future(self._load(settings))
        # A failure is raised by get(); read it here too, so an unawaited one is not logged.
        task.add_done_callback(lambda done: done.cancelled() or done.exception())
        self._loading = (settings.model_key(self.model(settings)), task)

    async def get(self, settings: Settings) -> Any:
        if self.is_loaded(settings):
            return self._pipe
        task = self._loading_task()
        key = self._loading[0] if self._loading else None
        self._loading = None
        if task is not None:
            if not task.done():
                await asyncio.wait([task])
            if key == settings.model_key(self.model(settings)) and not task.cancelled():
                return task.result()  # its LegendaError, if it failed
        return await self._load(settings)

    def _loading_task(self) -> asyncio.Future[Any] | None:
        """The background load, unless there is none, it was cancelled (its loop ended) or it
        failed and nobody asked for it since: the next job tries again (the files may be there
        now), as a load that fails in get() is tried again."""
        if self._loading is None:
            return None
        task = self._loading[1]
        if task.cancelled() or (task.done() and task.exception() is not None):
            return None
        return task

    async def _load(self, settings: Settings) -> Any:
        await self.dispose()
        model = self.model(settings)
        try:
            self._pipe = await self._runtime.pipeline(self.task, model, settings)
        except JsException as failure:
            log_failure(f"loading {model}", failure)
            place = ModelPlace(
                self.role, model, settings.dtype, self._runtime.local_model_path(settings),
                settings.remote_models,
            )
            raise model_load_error(place, str(failure)) from None
        self._key = settings.model_key(model)
        return self._pipe

    async def dispose(self) -> None:
        """Free the old model's ONNX sessions before loading another."""
        pipe, self._pipe, self._key = self._pipe, None, None
        if pipe is not None:
            await pipe.dispose()  # a Promise: Transformers.js's Pipeline.dispose is async


def log_failure(what: str, failure: BaseException) -> None:
    """The raw error, for developers, in the browser console (the page shows a sentence)."""
    js.console.error(f"Legenda: {what} failed:", str(failure))
