"""The playground's worker messages (playground.py over generator.py) in CPython.

Transformers.js is replaced by a fake library whose "models" produce one character per step,
through the real streaming bridge: the TextStreamer callbacks (proxies), the asyncio queue, the
per-step yield of the wrapped forward and the InterruptableStoppingCriteria. The browser path
itself is covered by the end-to-end tests and bench/bench_generation.py.
"""

from __future__ import annotations

import asyncio
import types
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import pytest
from fake_pyodide import FakeJsException, FakeProxy, JsResult, fake_worker, handle, of_type

ANSWER = "abcdefghijklmnopqrstuvwxyz"


class FakeStreamer:
    def __init__(self, tokenizer: Any, options: dict[str, Any]) -> None:
        self.on_text = options["callback_function"]
        self.on_token = options["token_callback_function"]
        assert options["skip_prompt"] is True

    def put(self, text: str) -> None:
        self.on_token([0])
        self.on_text(text)


class FakeStopper:
    def __init__(self) -> None:
        self.interrupted = False

    def interrupt(self) -> None:
        self.interrupted = True

    def reset(self) -> None:
        self.interrupted = False


class FakeTokenizer:
    """One token per character; ChatML-like template."""

    def __init__(self, chat_template: str | None) -> None:
        self.chat_template = chat_template

    def apply_chat_template(self, messages: list[dict[str, str]], options: dict[str, Any]) -> str:
        assert options == {"tokenize": False, "add_generation_prompt": True}
        turns = "".join(f"<{m['role']}>{m['content']}</>" for m in messages)
        return turns + "<assistant>"

    def encode(self, text: str, options: dict[str, Any]) -> JsResult:
        return JsResult([ord(char) for char in text])

    def decode(self, ids: list[int], options: dict[str, Any]) -> str:
        return "".join(chr(token) for token in ids)


class FakeCache:
    def __init__(self) -> None:
        self.disposed = False

    async def dispose(self) -> None:
        self.disposed = True


@dataclass
class Library:
    """The fake Transformers.js module and what the tests make it do."""

    configs: dict[str, dict[str, Any]] = field(default_factory=dict)  # model -> config
    dtypes: dict[str, list[str]] = field(default_factory=dict)  # model -> dtypes shipped
    loads: list[tuple[str, str, str]] = field(default_factory=list)  # (task, model, dtype)
    disposed: list[str] = field(default_factory=list)
    generate_calls: list[dict[str, Any]] = field(default_factory=list)
    interrupt_after: int | None = None  # the page's Stop arrives after this many tokens
    failure: str | None = None  # a JS error the next generation throws
    worker: Any = None

    def __post_init__(self) -> None:
        library = self
        self.TextStreamer = types.SimpleNamespace(new=FakeStreamer)
        self.InterruptableStoppingCriteria = types.SimpleNamespace(new=FakeStopper)
        self.Tensor = types.SimpleNamespace(new=lambda dtype, data, shape: list(data))
        self.ones = lambda shape: ["ones", *shape]

        async def from_pretrained(model: str, options: dict[str, Any]) -> Any:
            assert "progress_callback" in options
            if model not in library.configs:
                raise FakeJsException(
                    "Error: `local_files_only=true` or `env.allowRemoteModels=false` and file "
                    f'was not found locally at "/models/{model}/config.json".'
                )
            return types.SimpleNamespace(**library.configs[model])

        async def get_available_dtypes(model: str, options: dict[str, Any]) -> list[str]:
            return library.dtypes[model]

        self.AutoConfig = types.SimpleNamespace(from_pretrained=from_pretrained)
        self.ModelRegistry = types.SimpleNamespace(get_available_dtypes=get_available_dtypes)

    def add(self, model: str, encoder_decoder: bool = False, template: bool = True) -> None:
        self.configs[model] = {"is_encoder_decoder": encoder_decoder, "template": template}
        self.dtypes[model] = ["fp32", "q8"]

    async def pipeline(self, task: str, model: str, dtype: str) -> FakePipe:
        self.loads.append((task, model, dtype))
        config = self.configs[model]
        if config.get("unsupported"):
            raise FakeJsException(f"Error: Unsupported model type: {config['unsupported']}")
        if dtype not in self.dtypes[model]:
            suffix = {"q8": "_quantized"}.get(dtype, f"_{dtype}")
            raise FakeJsException(
                f'Error: Could not locate file: "/models/{model}/onnx/model{suffix}.onnx".'
            )
        return FakePipe(self, model, config)

    async def steps(self, options: dict[str, Any], model: Any, first: int = 0) -> list[int]:
        """Generate one character per step through the wrapped forward, as generate() does."""
        streamer, stopper = options["streamer"], options["stopping_criteria"]
        if self.failure:
            raise FakeJsException(self.failure)
        produced = []
        for index in range(options["max_new_tokens"]):
            await model.forward({"step": index})
            token = ord(ANSWER[(first + index) % len(ANSWER)])
            produced.append(token)
            streamer.put(chr(token))
            if self.interrupt_after is not None and len(produced) == self.interrupt_after:
                self.worker.interrupt()  # what worker.js does when the Stop message arrives
            if stopper.interrupted:
                break
        return produced


class FakeForward:
    """model.forward: JS functions have bind(); the wrapper must call through it."""

    def __init__(self) -> None:
        self.calls = 0

    def bind(self, model: Any) -> Any:
        async def forward(inputs: Any) -> Any:
            self.calls += 1
            return {"logits": inputs}

        return forward


class FakeModel:
    def __init__(self, library: Library) -> None:
        self.library = library
        self.forward: Any = FakeForward()
        self.original_forward = self.forward

    async def generate(self, kwargs: dict[str, Any]) -> Any:
        self.library.generate_calls.append(kwargs)
        assert kwargs["return_dict_in_generate"] is True
        ids = kwargs["input_ids"]
        produced = await self.library.steps(kwargs, self, first=len(ids))
        past = kwargs.get("past_key_values") or FakeCache()
        sequences = types.SimpleNamespace(tolist=lambda: JsResult([ids + produced]))
        return types.SimpleNamespace(sequences=sequences, past_key_values=past)


class FakePipe:
    def __init__(self, library: Library, model: str, config: dict[str, Any]) -> None:
        self.library, self.name = library, model
        self.model = FakeModel(library)
        self.tokenizer = FakeTokenizer("chatml" if config["template"] else None)
        self.calls: list[tuple[str, dict[str, Any]]] = []

    async def __call__(self, prompt: str, options: dict[str, Any]) -> Any:
        self.calls.append((prompt, options))
        produced = await self.library.steps(options, self.model)
        return JsResult([{"generated_text": "".join(map(chr, produced))}])

    async def dispose(self) -> None:
        self.library.disposed.append(self.name)


def make_worker(legenda: types.SimpleNamespace) -> tuple[Any, list[dict[str, Any]], Library]:
    library = Library()
    clock = iter(range(0, 10_000_000, 10))
    legenda.js.performance.now = lambda: float(next(clock))
    legenda.js.BigInt64Array = types.SimpleNamespace(**{"from": lambda ids, _: list(ids)})
    legenda.js.BigInt = int
    worker, sent = fake_worker(legenda, library.pipeline, library)
    library.worker = worker
    library.add("t/smol")
    library.add("t/t5", encoder_decoder=True, template=False)
    return worker, sent, library


def generate(prompt: str = "Era uma vez", job: str = "g", **params: Any) -> dict[str, Any]:
    return {"type": "generate", "jobId": job, "model": "t/smol", "prompt": prompt,
            "params": {"max_new_tokens": "5", "do_sample": "0", **params}}


def chat(message: str, job: str = "c", reuse: bool = True, model: str = "t/smol") -> dict[str, Any]:
    return {"type": "chat", "jobId": job, "model": model, "message": message,
            "system": "Responda em Português.", "params": {"max_new_tokens": "3"},
            "debug": {"reuseCache": reuse}}


INIT = {"type": "init", "config": {}}


def test_generate_streams_each_piece_with_figures_then_the_whole_text(
    legenda: types.SimpleNamespace,
) -> None:
    worker, sent, library = make_worker(legenda)
    live = FakeProxy.live
    handle(worker, INIT, generate())
    pieces = of_type(sent, "piece")
    assert [piece["text"] for piece in pieces] == list("abcde")
    assert [piece["figures"]["tokens"] for piece in pieces] == [1, 2, 3, 4, 5]
    assert pieces[-1]["figures"]["ttftMs"] > 0 and pieces[-1]["figures"]["tokensPerS"] > 0
    [generated] = of_type(sent, "generated")
    assert generated["text"] == "abcde" and generated["stopped"] is False
    assert generated["figures"] == pieces[-1]["figures"]
    assert sent[-1] == {"type": "done", "jobId": "g"}
    prompt, options = worker.playground.generator.slot.pipe.calls[0]
    assert prompt == "Era uma vez" and options["return_full_text"] is False
    assert options["max_new_tokens"] == 5 and "temperature" not in options  # greedy
    # The forward runs through the stepping wrapper, and only the step proxy stays alive.
    model = worker.playground.generator.slot.pipe.model
    assert isinstance(model.forward, FakeProxy) and model.original_forward.calls == 5
    assert FakeProxy.live == live + 1


def test_stages_say_what_is_loaded_and_with_which_weights(
    legenda: types.SimpleNamespace,
) -> None:
    worker, sent, library = make_worker(legenda)
    library.dtypes["t/smol"] = ["fp32", "fp16", "q4"]  # no q8, like some SmolLM2 revisions
    handle(worker, INIT, generate(), generate(job="again"))
    assert library.loads == [("text-generation", "t/smol", "q8"),
                             ("text-generation", "t/smol", "q4")]
    stages = [(m["stage"], m["params"]) for m in of_type(sent, "stage") if "jobId" in m]
    assert stages.count(("generation-model", {"model": "t/smol"})) == 1  # once for both jobs
    assert ("generating", {"model": "t/smol", "dtype": "q4"}) in stages
    notice = of_type(sent, "notice")[0]
    assert (notice["key"], notice["model"]) == ("dtype-fallback", "t/smol")
    assert notice["params"] == {"model": "t/smol", "wanted": "q8", "dtype": "q4",
                                "shipped": "fp32, fp16, q4"}


def test_stop_ends_the_generation_within_a_token_and_keeps_the_text(
    legenda: types.SimpleNamespace,
) -> None:
    worker, sent, library = make_worker(legenda)
    library.interrupt_after = 3
    handle(worker, INIT, {**generate(max_new_tokens="100"), "debug": {}})
    [generated] = of_type(sent, "generated")
    assert generated["stopped"] is True and generated["text"] == "abc"
    assert generated["debug"]["tokensAtInterrupt"] == 3  # the Stop came after the third token
    assert generated["figures"]["tokens"] == 3
    assert sent[-1]["type"] == "done"
    library.interrupt_after = None
    handle(worker, generate(job="next"))  # the stopper was reset: a full run again
    assert of_type(sent, "generated")[-1]["text"] == "abcde"


def test_a_stop_before_the_model_answers_stops_at_once(legenda: types.SimpleNamespace) -> None:
    worker, sent, _ = make_worker(legenda)

    async def main() -> None:
        await worker.handle(INIT)
        job = asyncio.ensure_future(worker.handle(generate(max_new_tokens="100")))
        await asyncio.sleep(0)  # the job has started (loading), then Stop arrives
        worker.interrupt()
        await job

    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, main()).result()
    [generated] = of_type(sent, "generated")
    assert generated["stopped"] is True and len(generated["text"]) <= 1


def test_the_chat_reuses_the_conversations_cache_on_later_turns(
    legenda: types.SimpleNamespace,
) -> None:
    worker, sent, library = make_worker(legenda)
    handle(worker, INIT, chat("Oi", "c1"), chat("Tudo bem?", "c2"))
    first, second = library.generate_calls
    assert "past_key_values" not in first
    prompt1 = "<system>Responda em Português.</><user>Oi</><assistant>"
    assert first["input_ids"] == [ord(c) for c in prompt1]
    answer1 = of_type(sent, "generated")[0]["text"]
    assert len(answer1) == 3
    # Turn 2: the same cache object, and ids that extend the first turn's tokens.
    assert second["past_key_values"] is not None
    history = worker.playground.generator.conversation.turns
    assert [turn["role"] for turn in history] == ["user", "assistant", "user", "assistant"]
    assert second["input_ids"][: len(prompt1) + 3] == first["input_ids"] + [
        ord(c) for c in answer1
    ]


def test_without_reuse_each_turn_reads_the_whole_history(legenda: types.SimpleNamespace) -> None:
    worker, _, library = make_worker(legenda)
    handle(worker, INIT, chat("Oi", "c1", reuse=False), chat("Tudo bem?", "c2", reuse=False))
    first, second = library.generate_calls
    assert "past_key_values" not in first and "past_key_values" not in second
    # The same tokens as with the cache (the first turn's as generated), all read again.
    answer = [ord(c) for c in worker.playground.generator.conversation.turns[1]["content"]]
    assert second["input_ids"][: len(first["input_ids"]) + 3] == first["input_ids"] + answer


def test_reset_and_a_new_system_prompt_start_a_new_conversation(
    legenda: types.SimpleNamespace,
) -> None:
    worker, sent, library = make_worker(legenda)
    handle(worker, INIT, chat("Oi", "c1"), {"type": "reset"}, chat("De novo", "c2"))
    assert of_type(sent, "reset-done") == [{"type": "reset-done"}]
    second = library.generate_calls[1]
    assert "past_key_values" not in second
    assert "Oi" not in "".join(chr(t) for t in second["input_ids"])
    other = {**chat("Hello", "c3"), "system": "Answer in English."}
    handle(worker, other)
    third = "".join(chr(t) for t in library.generate_calls[2]["input_ids"])
    assert third == "<system>Answer in English.</><user>Hello</><assistant>"


def test_a_model_without_chat_template_cannot_chat(legenda: types.SimpleNamespace) -> None:
    worker, sent, library = make_worker(legenda)
    library.add("t/base", template=False)
    handle(worker, INIT, chat("Oi", "a", model="t/t5"), chat("Oi", "b", model="t/base"))
    errors = of_type(sent, "generation-error")
    assert [error["code"] for error in errors] == ["no-chat-template", "no-chat-template"]
    assert [error["params"] for error in errors] == [{"model": "t/t5"}, {"model": "t/base"}]
    assert [message["jobId"] for message in of_type(sent, "done")] == ["a", "b"]


def test_compare_runs_one_model_after_the_other_and_keeps_going_after_a_failure(
    legenda: types.SimpleNamespace,
) -> None:
    worker, sent, library = make_worker(legenda)
    message = {"type": "compare", "jobId": "k", "prompt": "Pergunta?",
               "models": ["t/t5", "t/missing", "t/smol"], "params": {"max_new_tokens": "4"}}
    handle(worker, INIT, message)
    assert [load[:2] for load in library.loads] == [
        ("text2text-generation", "t/t5"), ("text-generation", "t/smol"),
    ]
    assert library.disposed == ["t/t5"]  # freed before the next model loads
    generated = of_type(sent, "generated")
    assert [(g["model"], g["text"]) for g in generated] == [("t/t5", "abcd"), ("t/smol", "abcd")]
    assert {piece["model"] for piece in of_type(sent, "piece")} == {"t/t5", "t/smol"}
    [error] = of_type(sent, "generation-error")
    assert (error["model"], error["code"]) == ("t/missing", "model-not-found")
    assert sent[-1] == {"type": "done", "jobId": "k"}
    assert worker.playground.generator.slot.pipe.name == "t/smol"  # the only one in memory


@pytest.mark.parametrize(
    ("message", "code"),
    [
        (generate(prompt="  "), "empty-prompt"),
        (generate(top_p="2"), "bad-setting"),
        ({**generate(), "model": ""}, "bad-setting"),
        ({**generate(), "model": "t/nowhere"}, "model-not-found"),
        ({**generate(), "model": "t/vision"}, "not-a-text-model"),
    ],
)
def test_each_refused_job_has_its_error_and_ends(
    legenda: types.SimpleNamespace, message: dict[str, Any], code: str
) -> None:
    worker, sent, library = make_worker(legenda)
    library.add("t/vision")
    library.configs["t/vision"]["unsupported"] = "vision-encoder-decoder"
    handle(worker, INIT, message)
    [error] = of_type(sent, "generation-error")
    assert error["code"] == code and error["key"] and "message" not in error
    assert sent[-1] == {"type": "done", "jobId": "g"}
    if code in ("empty-prompt", "bad-setting"):
        assert library.loads == []  # refused before loading anything


def test_running_out_of_memory_is_said_and_the_next_chat_starts_clean(
    legenda: types.SimpleNamespace,
) -> None:
    worker, sent, library = make_worker(legenda)
    handle(worker, INIT, chat("Oi", "c1"))
    cache = library.generate_calls[0].get("past_key_values")
    assert cache is None
    library.failure = "RangeError: Array buffer allocation failed"
    handle(worker, chat("Mais", "c2"))
    [error] = of_type(sent, "generation-error")
    assert error == {"type": "generation-error", "jobId": "c2", "model": "t/smol",
                     "code": "out-of-memory", "key": "out-of-memory",
                     "params": {"model": "t/smol"}}
    library.failure = None
    handle(worker, chat("De novo", "c3"))
    assert "past_key_values" not in library.generate_calls[-1]  # the half-used cache is gone


def test_a_stop_for_a_queued_job_applies_when_it_starts(legenda: types.SimpleNamespace) -> None:
    worker, sent, _ = make_worker(legenda)
    handle(worker, INIT)
    worker.interrupt({"type": "interrupt", "jobId": "later"})  # arrives before its job runs
    handle(worker, generate(job="other"), generate(job="later", max_new_tokens="100"))
    other, later = of_type(sent, "generated")
    assert other["stopped"] is False and other["text"] == "abcde"
    assert later["stopped"] is True and len(later["text"]) <= 1


def test_a_dtype_change_loads_the_model_again(legenda: types.SimpleNamespace) -> None:
    worker, _, library = make_worker(legenda)
    handle(worker, INIT, generate(), {"type": "configure", "config": {"dtype": "fp32"}},
           generate(job="again"))
    assert [load[2] for load in library.loads] == ["q8", "fp32"]
    assert library.disposed == ["t/smol"]


def test_a_webgpu_only_model_says_why_it_cannot_run_here(legenda: types.SimpleNamespace) -> None:
    worker, sent, library = make_worker(legenda)  # this fake browser has no WebGPU
    handle(worker, INIT, {**generate(), "device": "webgpu"})
    [error] = of_type(sent, "generation-error")
    assert (error["key"], error["params"]) == ("needs-webgpu", {"model": "t/smol",
                                                                 "why": "no-webgpu"})
    assert library.loads == []


def test_the_chat_follows_the_history_the_page_gives(legenda: types.SimpleNamespace) -> None:
    # The page keeps the conversation: after an edit, a regenerate or a reload it sends the
    # turns before the message, and the model reads exactly those.
    worker, sent, library = make_worker(legenda)
    handle(worker, INIT, chat("Oi", "c1"), chat("Tudo bem?", "c2"))
    edited = [{"role": "user", "content": "Olá"}, {"role": "assistant", "content": "xyz"}]
    handle(worker, {**chat("E agora?", "c3"), "history": edited})
    third = "".join(chr(t) for t in library.generate_calls[2]["input_ids"])
    assert third == (
        "<system>Responda em Português.</><user>Olá</><assistant>xyz</>"
        "<user>E agora?</><assistant>"
    )
    assert "past_key_values" not in library.generate_calls[2]  # the cache no longer fits
    turns = worker.playground.generator.conversation.turns
    assert [t["content"] for t in turns[:3]] == ["Olá", "xyz", "E agora?"]
    # The history as the worker has it extends the cache: reused as before.
    handle(worker, {**chat("E depois?", "c4"), "history": turns})
    assert library.generate_calls[3]["past_key_values"] is not None
    handle(worker, {**chat("x", "c5"), "history": [{"role": "robot", "content": "x"}]})
    failure = of_type(sent, "generation-error")[-1]
    assert (failure["jobId"], failure["key"]) == ("c5", "bad-history")


def test_the_playground_page_has_its_own_max_new_tokens(legenda: types.SimpleNamespace) -> None:
    worker, sent, library = make_worker(legenda)
    handle(worker, {"type": "init", "page": "playground", "config": {"max_new_tokens": "2048"}})
    settings = of_type(sent, "settings")[-1]
    assert settings["problems"] == [] and settings["settings"]["max_new_tokens"] == 2048
    handle(worker, generate(job="g2", max_new_tokens="1500"))
    assert worker.playground.generator.slot.pipe.calls[-1][1]["max_new_tokens"] == 1500
