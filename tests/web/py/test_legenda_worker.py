"""Python's message handler (worker_main.MessageHandler) in CPython, with Transformers.js faked.

Pyodide's `js`, `pyodide.ffi` and `transformers_js_py` modules exist only in the browser; here
they are small stand-ins, and a fake Runtime hands out fake pipelines that record their calls.
The real pipelines, images and browser are covered by the end-to-end tests.
"""

from __future__ import annotations

import asyncio
import types
from typing import Any

import pytest
from fake_pyodide import (
    EN_ROMANCE,
    FakeJsException,
    FakeMarianTokenizer,
    JsResult,
    fake_worker,
    handle,
    nllb_tokenizer,
    of_type,
)

CAPTION = "a cat on a couch with a cat on a couch"  # vit-gpt2's loop, cleaned on the way


class FakePipelines:
    """What Runtime.pipeline would create, with every call recorded."""

    def __init__(self) -> None:
        self.loads: list[tuple[str, str, str]] = []
        self.caption_calls: list[int] = []  # images per call
        self.translate_calls: list[dict[str, Any]] = []
        self.translated: list[str] = []  # the texts given to the translation pipeline
        # The tokenizer of each translation model; any other model is an NLLB one.
        self.tokenizers: dict[str, Any] = {"t/marian": FakeMarianTokenizer(EN_ROMANCE)}
        self.missing: set[str] = set()  # models whose config.json is "not found"
        self.broken_translation = False
        self.disposed = 0
        self.events: list[str] = []  # "load <task>" when a load starts, "caption", in order

    async def create(self, task: str, model: str, dtype: str) -> Any:
        self.loads.append((task, model, dtype))
        self.events.append(f"load {task}")
        await asyncio.sleep(0)  # a real load awaits its files: other work may run meanwhile
        return await self._create(task, model)

    async def _create(self, task: str, model: str) -> Any:
        if model in self.missing:
            raise FakeJsException(
                "Error: `local_files_only=true` or `env.allowRemoteModels=false` and file was "
                f'not found locally at "/models/{model}/config.json".'
            )
        if task == "image-to-text":
            return FakePipe(self._captioner, self)
        return FakePipe(self._translator, self, self.tokenizers.get(model) or nllb_tokenizer())

    async def _captioner(self, images: list[Any], options: dict[str, Any]) -> JsResult:
        self.caption_calls.append(len(images))
        self.events.append("caption")
        assert options["no_repeat_ngram_size"] == 3 and options["repetition_penalty"] == 1.2
        return JsResult([[{"generated_text": CAPTION}] for _ in images])

    async def _translator(self, text: str, options: dict[str, Any]) -> JsResult:
        if self.broken_translation:
            raise FakeJsException("RuntimeError: memory access out of bounds")
        self.translate_calls.append(options)
        self.translated.append(text)
        return JsResult([{"translation_text": f"[{options.get('tgt_lang', '-')}] {text}"}])


class FakePipe:
    """A pipeline: callable, and disposed of when replaced."""

    def __init__(self, call: Any, pipelines: FakePipelines, tokenizer: Any = None) -> None:
        self._call = call
        self._pipelines = pipelines
        self.tokenizer = tokenizer

    async def __call__(self, *args: Any) -> JsResult:
        return await self._call(*args)

    async def dispose(self) -> None:
        self._pipelines.disposed += 1


class FakeImages:
    """Item urls starting with "bad" are not images."""

    async def load(self, item: dict[str, Any]) -> Any:
        from legenda.errors import ImageSource, not_an_image

        if str(item.get("url", "")).startswith("bad"):
            raise not_an_image(ImageSource("address", str(item["url"])), "text/html")
        return f"image:{item['url']}"


def make_worker(legenda: types.SimpleNamespace) -> tuple[Any, list[dict[str, Any]], FakePipelines]:
    pipelines = FakePipelines()
    worker, sent = fake_worker(legenda, pipelines.create)
    worker.images = FakeImages()
    return worker, sent, pipelines


def init(config: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"type": "init", "config": {"caption_model": "t/cap", "translation_model": "t/mt",
                                       **(config or {})}}


def run(*urls: str, job: str = "j") -> dict[str, Any]:
    items = [{"itemId": f"i{n}", "url": url} for n, url in enumerate(urls)]
    return {"type": "run", "jobId": job, "items": items}


def test_init_answers_settings_languages_and_problems(legenda: types.SimpleNamespace) -> None:
    worker, sent, _ = make_worker(legenda)
    handle(worker, init({"dtype": "q9", "device": "webgpu"}))
    settings = of_type(sent, "settings")[0]
    assert settings["settings"]["caption_model"] == "t/cap"
    assert settings["settings"]["device"] == "wasm"  # this fake browser has no WebGPU
    assert settings["notices"] == [{"key": "no-webgpu"}]
    assert [problem["setting"] for problem in settings["problems"]] == ["dtype"]
    assert settings["languages"][0]["code"] == "pt"
    assert sent[-1] == {"type": "stage", "stage": "ready", "params": {}}


def test_a_run_captions_in_batches_then_translates_each_item(
    legenda: types.SimpleNamespace,
) -> None:
    worker, sent, pipelines = make_worker(legenda)
    handle(worker, init(), run("a", "b", "bad", "c", "d", "e"))
    assert pipelines.caption_calls == [3, 2]  # batches of 4, less the item that is no image
    assert pipelines.loads == [("image-to-text", "t/cap", "q8"), ("translation", "t/mt", "q8")]
    results = of_type(sent, "result")
    assert [result["itemId"] for result in results] == ["i0", "i1", "i3", "i4", "i5"]
    assert results[0]["caption"] == "A cat on a couch"
    assert results[0]["translation"] == "[por_Latn] A cat on a couch"
    assert results[0]["lang"] == "pt"
    assert pipelines.translate_calls[0] == {
        "src_lang": "eng_Latn", "tgt_lang": "por_Latn", "max_new_tokens": 128,
    }
    [error] = of_type(sent, "item-error")
    assert (error["itemId"], error["code"]) == ("i2", "not-an-image")
    assert sent[-1] == {"type": "done", "jobId": "j"}
    stages = [(message["stage"], message["params"]) for message in of_type(sent, "stage")]
    assert ("model", {"role": "captioning", "model": "t/cap", "dtype": "q8", "webgpu": False}) in (
        stages
    )
    assert ("captioning", {"first": 1, "last": 4, "total": 6}) in stages
    assert ("captioning", {"first": 5, "last": 6, "total": 6}) in stages
    assert ("translating", {"lang": "pt"}) in stages


def test_models_load_once_and_again_only_when_model_dtype_or_device_change(
    legenda: types.SimpleNamespace,
) -> None:
    worker, _, pipelines = make_worker(legenda)
    handle(worker, init(), run("a"), run("b"))
    assert len(pipelines.loads) == 2
    handle(worker, {"type": "configure", "config": {"lang": "es"}}, run("c"))
    assert len(pipelines.loads) == 2 and pipelines.disposed == 0
    assert pipelines.translate_calls[-1]["tgt_lang"] == "spa_Latn"
    handle(worker, {"type": "configure", "config": {"dtype": "fp32"}}, run("d"))
    assert pipelines.loads[2:] == [
        ("image-to-text", "t/cap", "fp32"), ("translation", "t/mt", "fp32"),
    ]
    assert pipelines.disposed == 2  # the q8 sessions were freed


def test_english_skips_translation(legenda: types.SimpleNamespace) -> None:
    worker, sent, pipelines = make_worker(legenda)
    handle(worker, init({"lang": "en"}), run("a"))
    [result] = of_type(sent, "result")
    assert result["translation"] == result["caption"] == "A cat on a couch"
    assert [load[0] for load in pipelines.loads] == ["image-to-text"]


def test_a_missing_captioning_model_fails_every_item_once_and_the_run_ends(
    legenda: types.SimpleNamespace,
) -> None:
    worker, sent, pipelines = make_worker(legenda)
    pipelines.missing.add("t/cap")
    handle(worker, init(), run("a", "b", "c", "d", "e", "f"))
    errors = of_type(sent, "item-error")
    assert [error["itemId"] for error in errors] == [f"i{n}" for n in range(6)]
    assert {error["code"] for error in errors} == {"model-not-found"}
    assert errors[0]["key"] == "model-missing-local"
    assert errors[0]["params"]["file"] == "config.json"
    # Not retried for the second batch (the translation model loaded alongside, once).
    assert pipelines.loads.count(("image-to-text", "t/cap", "q8")) == 1
    assert sent[-1] == {"type": "done", "jobId": "j"}


def test_a_failing_translation_keeps_the_caption(legenda: types.SimpleNamespace) -> None:
    worker, sent, pipelines = make_worker(legenda)
    pipelines.broken_translation = True
    handle(worker, init(), run("a"))
    [error] = of_type(sent, "item-error")
    assert error["code"] == "inference-failed"
    assert error["caption"] == "A cat on a couch"
    assert error["key"] == "inference-failed"
    assert "memory access" not in str(error["params"])
    assert sent[-1]["type"] == "done"


def test_an_unexpected_failure_still_ends_the_run(legenda: types.SimpleNamespace) -> None:
    worker, sent, _ = make_worker(legenda)

    async def explode(item: dict[str, Any]) -> Any:
        raise KeyError("itemId")

    worker.images.load = explode
    handle(worker, init(), run("a", "b"))
    errors = of_type(sent, "item-error")
    assert [error["code"] for error in errors] == ["runtime-failed", "runtime-failed"]
    assert errors[0]["key"] == "unexpected" and "KeyError" not in str(errors[0]["params"])
    assert sent[-1] == {"type": "done", "jobId": "j"}


def test_an_empty_run_is_done_at_once(legenda: types.SimpleNamespace) -> None:
    worker, sent, pipelines = make_worker(legenda)
    handle(worker, init(), run())
    assert sent[-1] == {"type": "done", "jobId": "j"}
    assert pipelines.loads == []


def test_a_missing_translation_model_is_tried_once_per_job_and_captions_survive(
    legenda: types.SimpleNamespace,
) -> None:
    worker, sent, pipelines = make_worker(legenda)
    pipelines.missing.add("t/mt")
    handle(worker, init(), run("a", "b", "c"))
    errors = of_type(sent, "item-error")
    assert [error["itemId"] for error in errors] == ["i0", "i1", "i2"]
    assert {error["code"] for error in errors} == {"model-not-found"}
    assert {error["caption"] for error in errors} == {"A cat on a couch"}
    assert pipelines.loads.count(("translation", "t/mt", "q8")) == 1
    handle(worker, run("d", job="next"))  # a new job tries again (the files may be there now)
    assert pipelines.loads.count(("translation", "t/mt", "q8")) == 2


def test_translate_translates_captions_again_without_captioning(
    legenda: types.SimpleNamespace,
) -> None:
    worker, sent, pipelines = make_worker(legenda)
    again = {"type": "translate", "jobId": "j", "items": [
        {"itemId": "i0", "caption": "A cat"}, {"itemId": "i1", "caption": "A dog"},
    ]}
    handle(worker, init(), {"type": "configure", "config": {"lang": "es"}}, again)
    assert pipelines.caption_calls == []  # no image fetched or captioned
    results = of_type(sent, "result")
    assert [(r["itemId"], r["caption"], r["lang"]) for r in results] == [
        ("i0", "A cat", "es"), ("i1", "A dog", "es"),
    ]
    assert results[0]["translation"] == "[spa_Latn] A cat"
    assert sent[-1] == {"type": "done", "jobId": "j"}


def test_a_background_load_that_failed_is_tried_again_by_the_next_job(
    legenda: types.SimpleNamespace,
) -> None:
    worker, sent, pipelines = make_worker(legenda)
    pipelines.missing.update({"t/cap", "t/mt"})  # the network dropped: both loads fail
    handle(worker, init(), run("a"))
    assert of_type(sent, "item-error")[0]["code"] == "model-not-found"
    pipelines.missing.clear()  # back again: the same image works, translation included
    handle(worker, run("a", job="again"))
    [result] = of_type(sent, "result")
    assert result["translation"] == "[por_Latn] A cat on a couch"
    assert pipelines.loads.count(("translation", "t/mt", "q8")) == 2


@pytest.mark.parametrize(("together", "before_captioning"), [
    ("1", {"load image-to-text", "load translation"}),
    ("0", {"load image-to-text"}),
])
def test_the_translation_model_loads_while_captioning_unless_told_not_to(
    legenda: types.SimpleNamespace, together: str, before_captioning: set[str]
) -> None:
    worker, sent, pipelines = make_worker(legenda)
    handle(worker, init({"load_together": together}), run("a"))
    captioning = pipelines.events.index("caption")
    assert set(pipelines.events[:captioning]) == before_captioning
    assert len(pipelines.loads) == 2  # loaded once either way
    [result] = of_type(sent, "result")
    assert result["translation"] == "[por_Latn] A cat on a couch"
    roles = [m["params"]["role"] for m in of_type(sent, "stage") if m["stage"] == "model"]
    assert "translation" in roles


def test_a_marian_model_is_told_its_target_by_a_token_before_the_text(
    legenda: types.SimpleNamespace,
) -> None:
    worker, sent, pipelines = make_worker(legenda)
    handle(worker, init({"translation_model": "t/marian"}), run("a"))
    [result] = of_type(sent, "result")
    assert pipelines.translated == [">>pt_br<< A cat on a couch"]
    assert pipelines.translate_calls == [{"max_new_tokens": 128}]  # no src_lang / tgt_lang
    assert result["lang"] == "pt"
    handle(worker, {"type": "configure", "config": {"lang": "es"}}, run("b", job="es"))
    assert pipelines.translated[-1] == ">>es<< A cat on a couch"


def test_a_language_the_model_lacks_is_said_and_the_caption_kept(
    legenda: types.SimpleNamespace,
) -> None:
    worker, sent, pipelines = make_worker(legenda)
    handle(worker, init({"translation_model": "t/marian", "lang": "de"}), run("a", "b"))
    errors = of_type(sent, "item-error")
    assert [error["itemId"] for error in errors] == ["i0", "i1"]
    assert errors[0]["code"] == "unsupported-language"
    assert errors[0]["key"] == "language-not-in-model"
    assert errors[0]["params"] == {
        "role": "translation", "model": "t/marian", "lang": "de", "name": "Deutsch",
        "languages": "Português (Brasil), Español, Français, Italiano",
        "suggested": "Xenova/nllb-200-distilled-600M",
    }
    assert errors[0]["caption"] == "A cat on a couch"
    assert pipelines.translated == []  # nothing was asked of the model
    assert pipelines.loads.count(("translation", "t/marian", "q8")) == 1
    assert sent[-1] == {"type": "done", "jobId": "j"}
