"""The playground's messages: generate, chat, compare, interrupt, reset (legenda.protocol).

worker_main.MessageHandler hands these messages here (docs/architecture.md, "Worker protocol").
Every generate/chat/compare job ends with ``done``, whatever fails on the way; errors go out as
``generation-error`` with a code and a sentence. ``interrupt`` is delivered by the Web Worker at
once, not queued behind the job it stops. A job's ``debug`` (the benchmarks' options:
``reuseCache``) comes back on its ``generated`` with ``tokensAtInterrupt`` added.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from typing import Any

from . import protocol
from .errors import BAD_SETTING, INFERENCE_FAILED, LegendaError, unexpected
from .generation import chat_history, check_prompt, generation_kwargs, job_settings, model_list
from .generator import Generator, Piece
from .runtime import Runtime, log_failure
from .settings import Settings


class Playground:
    def __init__(
        self,
        runtime: Runtime,
        post: Callable[[dict[str, Any]], None],
        settings: Callable[[], Settings],
        generator: Generator | None = None,
    ) -> None:
        self.generator = generator or Generator(runtime)
        self._post = post
        self._settings = settings  # the worker's current settings (dtype, device, models...)
        self._job_id: str | None = None  # the job running now
        self._stopped_early: set[str] = set()  # jobs stopped before they started

    def interrupt(self, job_id: str | None = None) -> None:
        """Stop job ``job_id`` (None: whatever runs): now if it runs, else when it starts."""
        if job_id is None or job_id == self._job_id:
            self.generator.interrupt()
        else:
            self._stopped_early.add(job_id)  # still queued behind another message

    async def handle(self, kind: str, data: dict[str, Any]) -> None:
        if kind == protocol.RESET:
            system = data.get("system")
            await self.generator.reset(None if system is None else str(system))
            self._post(protocol.reset_done())
            return
        job_id = str(data.get("jobId", ""))
        self._job_id = job_id
        self.generator.begin()
        if job_id in self._stopped_early:
            self._stopped_early.discard(job_id)
            self.generator.interrupt()
        try:
            await self._job(kind, job_id, data)
        except LegendaError as failure:
            self._error(job_id, failure, data.get("model"))
        except Exception as failure:  # noqa: BLE001 - every job must end with `done`
            log_failure(f"a {kind} job", failure)
            self._error(job_id, unexpected("generation"), data.get("model"))
        finally:
            self._job_id = None
            self._post(protocol.done(job_id))

    async def _job(self, kind: str, job_id: str, data: dict[str, Any]) -> None:
        """One generate/chat/compare job, with the settings in force and its own ``params``
        (checked by the schema's rules) over them."""
        settings = job_settings(self._settings(), data.get("params"))
        params = generation_kwargs(settings)
        if kind == protocol.COMPARE:
            await self._compare(job_id, data, settings, params)
            return
        model = str(data.get("model") or settings.model)
        if kind == protocol.GENERATE:
            prompt = check_prompt(data.get("prompt"))
            await self._load(job_id, model, data, settings)
            await self._relay(job_id, model, data, self.generator.generate(prompt, **params))
            return
        message = check_prompt(data.get("message"), "message")
        system = data.get("system")
        await self._load(job_id, model, data, settings)
        pieces = self.generator.chat(
            message,
            system=None if system is None else str(system),
            reuse_cache=_debug(data).get("reuseCache", True) is not False,
            history=chat_history(data.get("history")),
            **params,
        )
        await self._relay(job_id, model, data, pieces)

    async def _compare(
        self, job_id: str, data: dict[str, Any], settings: Settings, params: dict[str, Any]
    ) -> None:
        """One model after the other (two are never in memory at once); a model that fails
        gets its error and the next one runs."""
        prompt = check_prompt(data.get("prompt"))
        given = data.get("models")
        models = [str(m) for m in given if str(m).strip()] if given else model_list(
            settings.compare_models
        )
        if not models:
            raise LegendaError(BAD_SETTING, "no-compare-models")
        for model in models:
            if self.generator.interrupted:
                return
            try:
                await self._load(job_id, model, data, settings)
                await self._relay(job_id, model, data, self.generator.generate(prompt, **params))
            except LegendaError as failure:
                self._error(job_id, failure, model)

    async def _load(
        self, job_id: str, model: str, data: dict[str, Any], settings: Settings
    ) -> None:
        if not model:
            raise LegendaError(BAD_SETTING, "no-model")
        settings = self._with_device(data, model, settings)
        ids = {"jobId": job_id, "model": model}
        if not self.generator.slot.is_loaded(model, settings):
            self._post(protocol.stage("generation-model", {"model": model}, **ids))
        loaded = await self.generator.load(model, settings)
        if loaded.notice:
            self._post(protocol.notice(job_id, model, **loaded.notice))
        self._post(protocol.stage("generating", {"model": model, "dtype": loaded.dtype}, **ids))

    def _with_device(self, data: dict[str, Any], model: str, settings: Settings) -> Settings:
        """``settings`` with the job's `device: "webgpu"` (a model that needs WebGPU) when this
        browser can give it."""
        if data.get("device") == "webgpu" and settings.device != "webgpu":
            device, notice = self.generator.runtime.usable_device("webgpu")
            if notice is not None:
                params = {"model": model, "why": notice}
                raise LegendaError(INFERENCE_FAILED, "needs-webgpu", params)
            settings = replace(settings, device=device)
        return settings

    async def _relay(
        self, job_id: str, model: str, data: dict[str, Any], pieces: AsyncIterator[Piece]
    ) -> None:
        async for piece in pieces:
            self._post(protocol.piece(job_id, model, piece.text, piece.figures))
        figures = self.generator.last
        debug = None
        if "debug" in data:
            # Tokens generated when the Stop arrived (the rest came after it): for the bench.
            debug = {**_debug(data), "tokensAtInterrupt": self.generator.tokens_at_interrupt}
        self._post(protocol.generated(
            job_id, model, self.generator.last_text, figures.as_dict() if figures else None,
            self.generator.interrupted, debug,
        ))

    def _error(self, job_id: str, failure: LegendaError, model: Any) -> None:
        self._post(protocol.generation_error(job_id, failure.as_dict(), model))


def _debug(data: dict[str, Any]) -> dict[str, Any]:
    """A job's ``debug`` field (the benchmarks' options), as a dict."""
    debug = data.get("debug")
    return dict(debug) if isinstance(debug, dict) else {}
