"""translate(text, target_lang) -> str, with one lazily loaded translation pipeline: NLLB-200
(the default), M2M100 or Marian (opus-mt), each told its target as its tokenizer expects
(model_languages.py)."""

from __future__ import annotations

from typing import Any

from pyodide.ffi import JsException  # type: ignore[import-not-found]

from .errors import (
    LegendaError,
    MissingLanguage,
    empty_output,
    inference_error,
    language_not_in_model,
)
from .languages import Language, language, needs_translation
from .model_languages import Request, producible, request
from .runtime import LazyPipeline, Runtime, js_object, log_failure
from .settings import Settings, default_settings
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
        asked = _request(pipe.tokenizer, text, language(target_lang), model)
        cleaned = clean_translation(await self._generate(pipe, asked, settings, model))
        if not cleaned:
            raise empty_output(self.pipeline.role, model)
        return cleaned

    async def _generate(self, pipe: Any, asked: Request, settings: Settings, model: str) -> str:
        # Transformers.js otherwise allows 256 new tokens whatever the model says.
        options = {**asked.options, "max_new_tokens": settings.translation_max_new_tokens}
        try:
            output = await pipe(asked.text, js_object(options))
            return str(output.to_py()[0]["translation_text"])
        except JsException as failure:
            log_failure(f"translating with {model}", failure)
            raise inference_error(self.pipeline.role, model) from None


def _request(tokenizer: Any, text: str, target: Language, model: str) -> Request:
    """How to ask ``model`` for ``target``; a ``language-not-in-model`` error when it cannot."""
    asked = request(tokenizer, text, target)
    if asked is None:
        raise _missing(tokenizer, target, model)
    return asked


def _missing(tokenizer: Any, target: Language, model: str) -> LegendaError:
    others = tuple(entry.name for entry in producible(tokenizer))
    suggested = default_settings().translation_model
    return language_not_in_model(MissingLanguage(model, target.code, target.name, others,
                                                 suggested))
