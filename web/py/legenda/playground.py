"""The playground's worker messages: generate, chat, compare, interrupt, reset.

worker_main.Worker hands these messages here (docs/architecture.md, "Worker protocol"). Every
generate/chat/compare job ends with ``done``, whatever fails on the way; errors go out as
``generation-error`` with a code and a sentence. ``interrupt`` is delivered by worker.js at once,
not queued behind the job it stops.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from typing import Any

from .errors import LegendaError, unexpected
from .generation import check_prompt, generation_params
from .generator import Generator, Piece
from .runtime import Runtime, log_failure
from .settings import Settings

GENERATION_MESSAGES = ("generate", "chat", "compare", "reset")


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
        if kind == "reset":
            system = data.get("system")
            await self.generator.reset(None if system is None else str(system))
            self._post({"type": "reset-done"})
            return
        job_id = str(data.get("jobId", ""))
        self._job_id = job_id
        self.generator.begin()
        if job_id in self._stopped_early:
            self._stopped_early.discard(job_id)
            self.generator.interrupt()
        try:
            if kind == "generate":
                await self._generate(job_id, data)
            elif kind == "chat":
                await self._chat(job_id, data)
            else:
                await self._compare(job_id, data)
        except LegendaError as failure:
            self._error(job_id, failure, data.get("model"))
        except Exception as failure:  # noqa: BLE001 - every job must end with `done`
            log_failure(f"a {kind} job", failure)
            self._error(job_id, unexpected("generating text"), data.get("model"))
        finally:
            self._job_id = None
            self._post({"type": "done", "jobId": job_id})

    async def _generate(self, job_id: str, data: dict[str, Any]) -> None:
        prompt = check_prompt(data.get("prompt"))
        params = generation_params(data.get("params"))
        model = str(data.get("model") or "")
        await self._load(job_id, model, data)
        pieces = self.generator.generate(prompt, **params)
        await self._relay(job_id, model, pieces)

    async def _chat(self, job_id: str, data: dict[str, Any]) -> None:
        message = check_prompt(data.get("message"), "message")
        params = generation_params(data.get("params"))
        model = str(data.get("model") or "")
        system = data.get("system")
        await self._load(job_id, model, data)
        pieces = self.generator.chat(
            message,
            system=None if system is None else str(system),
            reuse_cache=data.get("reuseCache", True) is not False,
            **params,
        )
        await self._relay(job_id, model, pieces)

    async def _compare(self, job_id: str, data: dict[str, Any]) -> None:
        """One model after the other (two are never in memory at once); a model that fails
        gets its error and the next one runs."""
        prompt = check_prompt(data.get("prompt"))
        params = generation_params(data.get("params"))
        models = [str(model) for model in data.get("models") or [] if str(model).strip()]
        if not models:
            raise LegendaError(
                "bad-parameter", "Choose at least one model to compare (compare_models)."
            )
        for model in models:
            if self.generator.interrupted:
                return
            try:
                await self._load(job_id, model, data)
                await self._relay(job_id, model, self.generator.generate(prompt, **params))
            except LegendaError as failure:
                self._error(job_id, failure, model)

    async def _load(self, job_id: str, model: str, data: dict[str, Any]) -> None:
        if not model:
            raise LegendaError("bad-parameter", "Choose a model (the model setting is empty).")
        settings = self._job_settings(data)
        if not self.generator.slot.is_loaded(model, settings):
            self._post({
                "type": "stage", "stage": "model", "jobId": job_id, "model": model,
                "message": f"Loading the model {model}…",
            })
        loaded = await self.generator.load(model, settings)
        if loaded.notice:
            self._post({"type": "notice", "jobId": job_id, "model": model,
                        "message": loaded.notice})
        self._post({
            "type": "stage", "stage": "generating", "jobId": job_id, "model": model,
            "message": f"Generating with {model} ({loaded.dtype})…",
        })

    def _job_settings(self, data: dict[str, Any]) -> Settings:
        """The settings, with the job's `device: "webgpu"` (a model that needs WebGPU) when
        this browser can give it."""
        settings = self._settings()
        if data.get("device") == "webgpu" and settings.device != "webgpu":
            device, notice = self.generator.runtime.usable_device("webgpu")
            if notice is not None:
                raise LegendaError(
                    "inference-failed",
                    f"The model {data.get('model')} needs WebGPU. {notice}",
                )
            settings = replace(settings, device=device)
        return settings

    async def _relay(self, job_id: str, model: str, pieces: AsyncIterator[Piece]) -> None:
        async for piece in pieces:
            self._post({
                "type": "piece", "jobId": job_id, "model": model, "text": piece.text,
                "figures": piece.figures,
            })
        figures = self.generator.last
        self._post({
            "type": "generated", "jobId": job_id, "model": model,
            "text": self.generator.last_text,
            "figures": figures.as_dict() if figures else None,
            "stopped": self.generator.interrupted,
            # Tokens generated when the Stop arrived (the rest came after it): for the bench.
            "tokensAtInterrupt": self.generator.tokens_at_interrupt,
        })

    def _error(self, job_id: str, failure: LegendaError, model: Any) -> None:
        message = {"type": "generation-error", "jobId": job_id, **failure.as_dict()}
        if model:
            message["model"] = str(model)
        self._post(message)
