"""Python's message handler: settings, then caption + translate jobs (docs/architecture.md).

The Web Worker (web/worker.js) creates one ``MessageHandler`` with ``create_handler`` and awaits
``handle(message)`` for each message from the page, one at a time. The messages are named in
legenda.protocol; every reply goes through ``post``; every job ends with ``done``, whatever
fails on the way (``handle`` itself answers what escapes a job).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

import js  # type: ignore[import-not-found]

from . import protocol
from .captioner import Captioner
from .errors import LegendaError, unexpected
from .images import ImageLoader
from .languages import Language, language, language_table, needs_translation
from .playground import Playground
from .runtime import LazyPipeline, Runtime, SiteInfo, js_object, log_failure
from .settings import Settings, default_settings, resolve_settings
from .translator import Translator


class MessageHandler:
    def __init__(self, post: Callable[[Any], None], runtime: Runtime) -> None:
        self._post_js = post
        self.runtime = runtime
        self.settings = default_settings()
        self.page: str | None = None  # the page served (init's `page`): its own settings
        self.captioner = Captioner(runtime)
        self.translator = Translator(runtime)
        self.images = ImageLoader(runtime)
        self.playground = Playground(runtime, self.post, lambda: self.settings)
        self._started = False

    def post(self, message: dict[str, Any]) -> None:
        self._post_js(js_object(message))

    def stage(self, stage: str, params: dict[str, Any] | None = None, **ids: Any) -> None:
        """A status for the page, which words ``stage`` with ``params`` (``stage.<stage>``)."""
        self.post(protocol.stage(stage, params, **ids))

    async def handle(self, message: Any) -> None:
        """One message from the page (a JS object or a dict)."""
        data = _plain(message)  # Blobs and Files stay JS objects
        kind = data.get("type")
        try:
            await self._dispatch(kind, data)
        except Exception as failure:  # noqa: BLE001 - the last line: the page must hear of it
            log_failure(f"a {kind} message", failure)
            self.post(protocol.fatal(unexpected("job").as_dict()))

    async def _dispatch(self, kind: Any, data: dict[str, Any]) -> None:
        if kind == protocol.INIT:
            self.page = str(data["page"]) if data.get("page") else None
            await self._configure(data.get("config") or {}, first=True)
        elif kind == protocol.CONFIGURE:
            await self._configure(data.get("config") or {}, first=False)
        elif kind == protocol.RUN:
            await self._run(str(data.get("jobId", "")), list(data.get("items") or []))
        elif kind == protocol.TRANSLATE:
            await self._retranslate(str(data.get("jobId", "")), list(data.get("items") or []))
        elif kind in protocol.GENERATION_MESSAGES:
            await self.playground.handle(kind, data)
        else:
            js.console.warn("Legenda: unknown message", kind)

    def interrupt(self, message: Any = None) -> None:
        """Stop a generation job (an ``interrupt`` message); the Web Worker calls this at once,
        outside its queue."""
        job_id = _plain(message).get("jobId")
        self.playground.interrupt(None if job_id is None else str(job_id))

    async def _configure(self, raw: Any, first: bool) -> None:
        try:
            if not self._started:
                self.stage("runtime", {"part": "transformers"})
                await self.runtime.load()
                self._started = True
            base = None if first else self.settings
            settings, problems = resolve_settings(_plain(raw), base, self.page)
            device, notice = self.runtime.usable_device(settings.device)
            if device != settings.device:
                settings = replace(settings, device=device)
            self.settings = settings
            self.runtime.apply(settings)
        except Exception as failure:  # noqa: BLE001 - nothing may escape without a message
            log_failure("starting the runtime", failure)
            self.post(protocol.fatal(unexpected("start").as_dict()))
            return
        self.post(
            protocol.settings(
                settings.as_dict(),
                language_table(),
                [problem.as_dict() for problem in problems],
                [{"key": notice}] if notice else [],
            )
        )
        self.stage("ready")

    async def _run(self, job_id: str, items: list[Any]) -> None:
        # A configure arriving mid-job waits in the Web Worker's queue: a job keeps its settings.
        job = _Job(job_id, self.settings, [_plain_item(item) for item in items])
        try:
            for batch in job.batches():
                try:
                    await self._run_batch(job, batch)
                except LegendaError as failure:
                    self._fail_unreported(job, batch, failure)
                    if not self.captioner.pipeline.is_loaded(job.settings):
                        # The model did not load: the next batches would fail alike.
                        self._fail_unreported(job, range(len(job.items)), failure)
                        return
        except Exception as failure:  # noqa: BLE001 - every run must end with `done`
            log_failure("a job", failure)
            self._fail_unreported(
                job, range(len(job.items)), unexpected("job")
            )
        finally:
            self.post(protocol.done(job.id))

    async def _retranslate(self, job_id: str, items: list[Any]) -> None:
        """Translate captions already made into the current ``lang``: no image is fetched or
        captioned again. Answers like a run: one ``result`` or ``item-error`` each, then
        ``done``."""
        plain = [_plain_item(item) for item in items]
        job = _Job(job_id, self.settings, plain)
        try:
            for index, item in enumerate(plain):
                await self._translate_item(job, index, str(item.get("caption") or ""))
        except Exception as failure:  # noqa: BLE001 - every translate must end with `done`
            log_failure("a translation", failure)
            self._fail_unreported(job, range(len(job.items)), unexpected("job"))
        finally:
            self.post(protocol.done(job.id))

    def _fail_unreported(self, job: _Job, indexes: Iterable[int], failure: LegendaError) -> None:
        for index in indexes:
            if index not in job.reported:
                self._item_error(job, index, failure)

    async def _run_batch(self, job: _Job, batch: list[int]) -> None:
        images: list[Any] = []
        loaded: list[int] = []  # the batch's items whose image could be read
        for index in batch:
            try:
                images.append(await self.images.load(job.items[index]))
                loaded.append(index)
            except LegendaError as failure:
                self._item_error(job, index, failure)
        if not loaded:
            return
        if job.settings.load_together and needs_translation(job.settings.lang):
            self.translator.pipeline.start(job.settings)  # loads while captioning goes on
        await self._load(job, self.captioner.pipeline)
        last = min(batch[0] + len(batch), len(job.items))
        params = {"first": batch[0] + 1, "last": last, "total": len(job.items)}
        self.stage("captioning", params, jobId=job.id)
        captions = await self.captioner.caption_batch(images, job.settings)
        for index, caption in zip(loaded, captions, strict=True):
            await self._translate_item(job, index, caption)

    async def _translate_item(self, job: _Job, index: int, caption: str) -> None:
        settings = job.settings
        target = language(settings.lang)
        translation = caption
        if needs_translation(target.code):
            try:
                translation = await self._translate(job, index, caption, target)
            except LegendaError as failure:
                # A model that failed to load is not tried again for each item of the job.
                if not self.translator.pipeline.is_loaded(settings):
                    job.translation_failure = failure
                self._item_error(job, index, failure, caption=caption)  # the caption still helps
                return
        job.reported.add(index)
        item_id = job.items[index]["itemId"]
        self.post(protocol.result(job.id, item_id, caption, translation, target.code))

    async def _translate(self, job: _Job, index: int, caption: str, target: Language) -> str:
        if job.translation_failure is not None:
            raise job.translation_failure
        await self._load(job, self.translator.pipeline)
        self.stage(
            "translating", {"lang": target.code}, jobId=job.id, itemId=job.items[index]["itemId"]
        )
        return await self.translator.translate(caption, target.code, job.settings)

    async def _load(self, job: _Job, pipeline: LazyPipeline) -> None:
        """Load the job's model for ``pipeline``, saying so on the page when it is not loaded."""
        if not pipeline.is_loaded(job.settings):
            self.stage("model", pipeline.loading_params(job.settings), jobId=job.id)
            await pipeline.get(job.settings)

    def _item_error(
        self, job: _Job, index: int, failure: LegendaError, caption: str | None = None
    ) -> None:
        job.reported.add(index)
        item_id = job.items[index]["itemId"]
        self.post(protocol.item_error(job.id, item_id, failure.as_dict(), caption))


@dataclass
class _Job:
    """One caption job (``run`` or ``translate``): its items, the settings it started with,
    and what was answered so far."""

    id: str
    settings: Settings
    items: list[dict[str, Any]]
    reported: set[int] = field(default_factory=set)  # items with a result or an item-error
    translation_failure: LegendaError | None = None  # the translation model would not load

    def batches(self) -> Iterator[list[int]]:
        """The items' indexes, ``batch_size`` at a time."""
        size = self.settings.batch_size
        for start in range(0, len(self.items), size):
            yield list(range(start, min(start + size, len(self.items))))


def _plain(value: Any) -> dict[str, Any]:
    if hasattr(value, "to_py"):
        value = value.to_py()
    return dict(value) if isinstance(value, dict) else {}


def _plain_item(item: Any) -> dict[str, Any]:
    """A run item as a dict; its blob (a File or Blob) stays a JS object."""
    plain = _plain(item)
    plain.setdefault("itemId", "")
    return plain


def create_handler(
    post: Callable[[Any], None], progress: Callable[[Any], None], site: Any
) -> MessageHandler:
    """Called once by the Web Worker (web/worker.js) with its postMessage, progress relay and
    site facts."""
    info = _plain(site)
    runtime = Runtime(
        SiteInfo(
            site_base=str(info["siteBase"]),
            transformers_url=str(info["transformersUrl"]),
            ort_base=str(info["ortBase"]),
            has_webgpu=bool(info["hasWebGPU"]),
        ),
        progress,
    )
    return MessageHandler(post, runtime)
