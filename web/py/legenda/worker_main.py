"""The worker's message handler: settings, then caption + translate jobs (docs/architecture.md).

worker.js creates one ``Worker`` with ``create_worker`` and awaits ``handle(message)`` for each
message from the page, one at a time. Every reply goes through ``post``; every ``run`` ends with
``done``, whatever fails on the way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import Any

import js  # type: ignore[import-not-found]

from .captioner import Captioner
from .errors import LegendaError, unexpected
from .images import ImageLoader
from .languages import language, language_table
from .runtime import Runtime, SiteInfo, js_object, log_failure
from .settings import Settings, resolve_settings
from .translator import Translator

READY_MESSAGE = "Ready: choose an image, or paste its address."


class Worker:
    def __init__(self, post: Callable[[Any], None], runtime: Runtime) -> None:
        self._post_js = post
        self.runtime = runtime
        self.settings = Settings()
        self.captioner = Captioner(runtime)
        self.translator = Translator(runtime)
        self.images = ImageLoader(runtime)
        self._started = False

    def post(self, message: dict[str, Any]) -> None:
        self._post_js(js_object(message))

    def stage(self, stage: str, message: str, **ids: Any) -> None:
        self.post({"type": "stage", "stage": stage, "message": message, **ids})

    async def handle(self, message: Any) -> None:
        """One message from the page (a JS object or a dict)."""
        data = _plain(message)  # Blobs and Files stay JS objects
        kind = data.get("type")
        if kind in ("init", "configure"):
            await self._configure(data.get("config") or {}, first=kind == "init")
        elif kind == "run":
            await self._run(str(data.get("jobId", "")), list(data.get("items") or []))
        else:
            js.console.warn("Legenda worker: unknown message", kind)

    async def _configure(self, raw: Any, first: bool) -> None:
        try:
            if not self._started:
                self.stage("runtime", "Loading Transformers.js…")
                await self.runtime.load()
                self._started = True
            base = None if first else self.settings
            settings, problems = resolve_settings(_plain(raw), base)
            device, notice = self.runtime.usable_device(settings.device)
            if device != settings.device:
                settings = replace(settings, device=device)
            self.settings = settings
            self.runtime.apply(settings)
        except Exception as failure:  # noqa: BLE001 - nothing may escape without a message
            log_failure("starting the runtime", failure)
            self.post({"type": "fatal", **unexpected("starting the page's runtime").as_dict()})
            return
        self.post(
            {
                "type": "settings",
                "settings": settings.as_dict(),
                "languages": language_table(),
                "problems": [problem.as_dict() for problem in problems],
                "notices": [notice] if notice else [],
            }
        )
        self.stage("ready", READY_MESSAGE)

    async def _run(self, job_id: str, items: list[Any]) -> None:
        settings = self.settings  # a configure arriving mid-job applies to the next job
        pending = [_plain_item(item) for item in items]
        reported: set[int] = set()  # indexes of items that got a result or an error
        try:
            for start in range(0, len(pending), settings.batch_size):
                batch = list(enumerate(pending))[start:start + settings.batch_size]
                try:
                    await self._run_batch(job_id, batch, len(pending), settings, reported)
                except LegendaError as failure:
                    self._fail_unreported(job_id, batch, failure, reported)
                    if not self.captioner.pipeline.is_loaded(settings):
                        # The model did not load: the next batches would fail alike.
                        self._fail_unreported(job_id, enumerate(pending), failure, reported)
                        return
        except Exception as failure:  # noqa: BLE001 - every run must end with `done`
            log_failure("a job", failure)
            self._fail_unreported(
                job_id, enumerate(pending), unexpected("working on this image"), reported
            )
        finally:
            self.post({"type": "done", "jobId": job_id})

    def _fail_unreported(
        self, job_id: str, items: Iterable[tuple[int, dict[str, Any]]], failure: LegendaError,
        reported: set[int],
    ) -> None:
        for index, item in items:
            if index not in reported:
                reported.add(index)
                self._item_error(job_id, item, failure)

    async def _run_batch(
        self, job_id: str, batch: list[tuple[int, dict[str, Any]]], total: int,
        settings: Settings, reported: set[int],
    ) -> None:
        images: list[Any] = []
        loaded: list[tuple[int, dict[str, Any]]] = []
        for index, item in batch:
            try:
                images.append(await self.images.load(item))
                loaded.append((index, item))
            except LegendaError as failure:
                reported.add(index)
                self._item_error(job_id, item, failure)
        if not loaded:
            return
        captioner = self.captioner.pipeline
        if not captioner.is_loaded(settings):
            self.stage("model", captioner.loading_message(settings), jobId=job_id)
        await captioner.get(settings)
        first = batch[0][0]
        self.stage("captioning", _captioning_message(first, len(batch), total), jobId=job_id)
        captions = await self.captioner.caption_batch(images, settings)
        for (index, item), caption in zip(loaded, captions, strict=True):
            reported.add(index)
            await self._translate_item(job_id, item, caption, settings)

    async def _translate_item(
        self, job_id: str, item: dict[str, Any], caption: str, settings: Settings
    ) -> None:
        target = language(settings.lang)
        translation = caption
        if self.translator.is_needed(target.code):
            translator = self.translator.pipeline
            try:
                if not translator.is_loaded(settings):
                    self.stage("model", translator.loading_message(settings), jobId=job_id)
                    await translator.get(settings)
                self.stage(
                    "translating", f"Translating to {target.name}…",
                    jobId=job_id, itemId=item["itemId"],
                )
                translation = await self.translator.translate(caption, target.code, settings)
            except LegendaError as failure:
                # The English caption is still worth showing.
                self._item_error(job_id, item, failure, caption=caption)
                return
        self.post(
            {
                "type": "result", "jobId": job_id, "itemId": item["itemId"],
                "caption": caption, "translation": translation, "lang": target.code,
            }
        )

    def _item_error(
        self, job_id: str, item: dict[str, Any], failure: LegendaError, caption: str | None = None
    ) -> None:
        message = {"type": "item-error", "jobId": job_id, "itemId": item["itemId"]}
        message.update(failure.as_dict())
        if caption is not None:
            message["caption"] = caption
        self.post(message)


def _captioning_message(offset: int, size: int, total: int) -> str:
    if total == 1:
        return "Captioning…"
    last = min(offset + size, total)
    if last == offset + 1:
        return f"Captioning image {last} of {total}…"
    return f"Captioning images {offset + 1}–{last} of {total}…"


def _plain(value: Any) -> dict[str, Any]:
    if hasattr(value, "to_py"):
        value = value.to_py()
    return dict(value) if isinstance(value, dict) else {}


def _plain_item(item: Any) -> dict[str, Any]:
    """A run item as a dict; its blob (a File or Blob) stays a JS object."""
    plain = _plain(item)
    plain.setdefault("itemId", "")
    return plain


def create_worker(
    post: Callable[[Any], None], progress: Callable[[Any], None], site: Any
) -> Worker:
    """Called once by worker.js with its postMessage, progress relay and site facts."""
    info = site.to_py() if hasattr(site, "to_py") else dict(site)
    runtime = Runtime(
        SiteInfo(
            site_base=str(info["siteBase"]),
            transformers_url=str(info["transformersUrl"]),
            ort_base=str(info["ortBase"]),
            has_webgpu=bool(info["hasWebGPU"]),
        ),
        progress,
    )
    return Worker(post, runtime)
