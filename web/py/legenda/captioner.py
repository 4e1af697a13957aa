"""caption(images) -> English captions, with one lazily loaded image-to-text pipeline."""

from __future__ import annotations

from typing import Any

from pyodide.ffi import JsException  # type: ignore[import-not-found]

from .errors import empty_output, inference_error
from .runtime import LazyPipeline, Runtime, js_object, log_failure
from .settings import Settings
from .text import clean_caption


class Captioner:
    def __init__(self, runtime: Runtime) -> None:
        self.pipeline = LazyPipeline(runtime, "image-to-text", "captioning", "caption_model")

    async def caption_batch(self, images: list[Any], settings: Settings) -> list[str]:
        """Captions for several RawImages, in one pipeline call. Raises LegendaError."""
        pipe = await self.pipeline.get(settings)
        model = self.pipeline.model(settings)
        try:
            outputs = await pipe(js_object(images), js_object(settings.caption_generation()))
            # One list of candidates per image; the first is the generated caption.
            texts = [str(candidates[0]["generated_text"]) for candidates in outputs.to_py()]
        except JsException as failure:
            log_failure(f"captioning with {model}", failure)
            raise inference_error(self.pipeline.role, model) from None
        captions = [clean_caption(text) for text in texts]
        if not all(captions):
            raise empty_output(self.pipeline.role, model)
        return captions
