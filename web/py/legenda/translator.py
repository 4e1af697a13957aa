"""translate(text, target_lang) -> str, with one lazily loaded NLLB translation pipeline."""

from __future__ import annotations

from pyodide.ffi import JsException  # type: ignore[import-not-found]

from .errors import empty_output, inference_error
from .languages import SOURCE_LANGUAGE, language, needs_translation
from .runtime import LazyPipeline, Runtime, js_object, log_failure
from .settings import Settings
from .text import clean_translation


class Translator:
    def __init__(self, runtime: Runtime) -> None:
        self.pipeline = LazyPipeline(runtime, "translation", "translation", "translation_model")

    async def translate(self, text: str, target_lang: str, settings: Settings) -> str:
        """``text`` (English) in ``target_lang``; English itself is returned as it is."""
        if not needs_translation(target_lang):
            return text
        pipe = await self.pipeline.get(settings)
        model = self.pipeline.model(settings)
        options = {
            "src_lang": language(SOURCE_LANGUAGE).nllb,
            "tgt_lang": language(target_lang).nllb,
            # Transformers.js otherwise allows 256 new tokens whatever the model says.
            "max_new_tokens": settings.translation_max_new_tokens,
        }
        try:
            output = await pipe(text, js_object(options))
            translated = str(output.to_py()[0]["translation_text"])
        except JsException as failure:
            log_failure(f"translating with {model}", failure)
            raise inference_error(self.pipeline.role, model) from None
        cleaned = clean_translation(translated)
        if not cleaned:
            raise empty_output(self.pipeline.role, model)
        return cleaned
