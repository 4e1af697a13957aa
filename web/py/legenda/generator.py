"""Text generation streamed out of Transformers.js: ``async for piece in generate(prompt)``.

transformers-js-py has no streaming, so this is the bridge: a persistent Python callback
(``create_proxy``) handed to Transformers.js's ``TextStreamer`` puts each piece of text into an
asyncio queue, and a Python async generator yields them while the generation runs. Two more
things make it work in a worker:
- Transformers.js's ``generate()`` never yields to the worker's event loop, so neither the
  queue's reader nor an ``interrupt`` message would run before it ends. The model's forward is
  wrapped so each step first yields one task (``asyncio.sleep(0)``: Pyodide schedules it on a
  MessageChannel, no 4 ms timer clamp); a Stop then lands within one token.
- ``TextStreamer`` and ``InterruptableStoppingCriteria`` are subclasses, which
  transformers-js-py does not construct: they are built from the raw JS module.

One model is in memory at a time (``ModelSlot``). The chat keeps the conversation's key/value
cache (Transformers.js's ``past_key_values``) so a new turn reads only its own tokens.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Any

import js  # type: ignore[import-not-found]
from pyodide.ffi import JsException, create_proxy, to_js  # type: ignore[import-not-found]

from .errors import RUNTIME_FAILED, LegendaError, ModelPlace, model_load_error
from .generation import (
    ROLE,
    TEXT2TEXT,
    Conversation,
    Figures,
    check_prompt,
    choose_dtype,
    generation_failed,
    missing_weights,
    no_chat_template,
    not_a_text_model,
    task_for,
)
from .runtime import Runtime, js_object, log_failure
from .settings import Settings


@dataclass(frozen=True)
class Piece:
    """A piece of streamed text and the figures when it came (Figures.as_dict)."""

    text: str
    figures: dict[str, Any]


@dataclass(frozen=True)
class Loaded:
    model: str
    task: str
    wanted: tuple[str, str]  # the (dtype, device) the settings asked for
    dtype: str  # the dtype loaded: the asked one, or the closest the repo ships
    notice: dict[str, Any] | None  # why the dtype differs from the setting ({key, params})


class ModelSlot:
    """The one generation model in memory: loading another disposes it first."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.loaded: Loaded | None = None
        self.pipe: Any = None
        self._step_proxy: Any = None

    def is_loaded(self, model: str, settings: Settings) -> bool:
        loaded = self.loaded
        wanted = (settings.dtype, settings.device)
        return loaded is not None and (loaded.model, loaded.wanted) == (model, wanted)

    async def load(self, model: str, settings: Settings) -> Loaded:
        if self.is_loaded(model, settings) and self.loaded is not None:
            return self.loaded
        await self.dispose()
        library = self.runtime.library()
        progress = js_object({"progress_callback": self.runtime.progress})
        try:
            config = await library.AutoConfig.from_pretrained(model, progress)
            task = task_for(_plain(config))
            dtype, notice = settings.dtype, None
            try:
                pipe = await self.runtime.pipeline(task, model, settings)
            except JsException as failure:
                if not missing_weights(str(failure)):
                    raise
                # Not every repo ships every dtype: load one it really has, and say so.
                available = await library.ModelRegistry.get_available_dtypes(
                    model, js_object({"config": config})
                )
                dtype, notice = choose_dtype(
                    model, settings.dtype, [str(d) for d in available], settings.device
                )
                pipe = await self.runtime.pipeline(task, model, replace(settings, dtype=dtype))
        except JsException as failure:
            log_failure(f"loading {model}", failure)
            raise self._load_error(model, settings, str(failure)) from None
        self.pipe = pipe
        self._step_proxy = _yield_each_step(pipe.model)
        self.loaded = Loaded(model, task, (settings.dtype, settings.device), dtype, notice)
        return self.loaded

    def _load_error(self, model: str, settings: Settings, raw: str) -> LegendaError:
        wrong_kind = not_a_text_model(model, raw)
        if wrong_kind is not None:
            return wrong_kind
        place = ModelPlace(
            ROLE, model, settings.dtype, self.runtime.local_model_path(settings),
            settings.remote_models,
        )
        return model_load_error(place, raw)

    async def dispose(self) -> None:
        pipe, self.pipe, self.loaded = self.pipe, None, None
        if self._step_proxy is not None:
            self._step_proxy.destroy()
            self._step_proxy = None
        if pipe is not None:
            await pipe.dispose()


def _yield_each_step(model: Any) -> Any:
    """Make each forward pass of ``model`` first yield one event-loop task (see the module
    docstring); returns the proxy, to destroy with the model."""
    forward = model.forward.bind(model)

    async def stepping(inputs: Any) -> Any:
        await asyncio.sleep(0)
        return await forward(inputs)

    proxy = create_proxy(stepping)
    model.forward = proxy
    return proxy


class Generator:
    """generate / chat / interrupt / reset over one ModelSlot."""

    def __init__(self, runtime: Runtime, clock: Callable[[], float] | None = None) -> None:
        self.runtime = runtime
        self.slot = ModelSlot(runtime)
        self.clock = clock or js.performance.now
        self.conversation = Conversation()
        self._cache: Any = None  # the chat's DynamicCache (JS), matching conversation.cached_*
        self._stopper: Any = None
        self._interrupted = False
        self.last: Figures | None = None  # figures of the last finished generation
        self._running: Figures | None = None  # figures of the generation running now
        self.tokens_at_interrupt: int | None = None  # how far it was when Stop arrived
        self.last_text = ""  # and its whole text

    # --- control -----------------------------------------------------------------------------

    def begin(self) -> None:
        """A new job starts: an interrupt from before it no longer counts."""
        self._interrupted = False
        self.tokens_at_interrupt = None

    def interrupt(self) -> None:
        """Stop the generation running now (within one token), or the job's next one."""
        self._interrupted = True
        if self._running is not None and self.tokens_at_interrupt is None:
            self.tokens_at_interrupt = self._running.tokens
        if self._stopper is not None:
            self._stopper.interrupt()

    @property
    def interrupted(self) -> bool:
        return self._interrupted

    async def reset(self, system: str | None = None) -> None:
        """Forget the conversation and its cache."""
        self.conversation.reset(system)
        await self._drop_cache()

    async def load(self, model: str, settings: Settings) -> Loaded:
        if self.slot.loaded is not None and self.slot.loaded.model != model:
            await self.reset()  # the cache belongs to the old model
        return await self.slot.load(model, settings)

    # --- the three ways to generate --------------------------------------------------------

    async def generate(self, prompt: str, **params: Any) -> AsyncIterator[Piece]:
        """Continue ``prompt`` (a text2text model answers it) with the loaded model."""
        check_prompt(prompt)
        pipe = self._pipe()
        options = dict(params)
        if self._loaded().task != TEXT2TEXT:
            options["return_full_text"] = False  # only the new text, not prompt + text

        def run(streaming: dict[str, Any]) -> Awaitable[Any]:
            return pipe(prompt, js_object({**options, **streaming}))

        async for piece in self._stream(pipe.tokenizer, run):
            yield piece

    async def chat(
        self, message: str, *, system: str | None = None, reuse_cache: bool = True,
        history: list[dict[str, str]] | None = None, **params: Any,
    ) -> AsyncIterator[Piece]:
        """Answer ``message`` in the conversation so far (``history`` when the page gives it),
        with the model's chat template."""
        check_prompt(message, "message")
        pipe, model = self._pipe(), self._loaded().model
        tokenizer = pipe.tokenizer
        if self._loaded().task == TEXT2TEXT or not tokenizer.chat_template:
            raise no_chat_template(model)
        if system is not None and system != self.conversation.system:
            await self.reset(system)  # another system prompt: another conversation
        if history is not None:
            self.conversation.follow(history)
        messages = js_object(self.conversation.messages(message))
        prompt_text = str(
            tokenizer.apply_chat_template(
                messages, js_object({"tokenize": False, "add_generation_prompt": True})
            )
        )
        ids, past = await self._chat_inputs(tokenizer, prompt_text, reuse_cache)
        inputs = self._input_tensors(ids)
        outputs: list[Any] = []

        async def run(streaming: dict[str, Any]) -> Any:
            kwargs = {**inputs, **params, **streaming, "return_dict_in_generate": True}
            if past is not None:
                kwargs["past_key_values"] = past
            output = await pipe.model.generate(js_object(kwargs))
            outputs.append(output)
            return output

        try:
            async for piece in self._stream(tokenizer, run):
                yield piece
        except BaseException:
            await self._drop_cache()  # a cache the failed run may have half-extended
            raise
        self._keep_turn(tokenizer, outputs[0], len(ids), message, prompt_text)

    def _input_tensors(self, ids: list[int]) -> dict[str, Any]:
        """The model's inputs for the token ``ids``: one sequence, all attended."""
        library = self.runtime.library()
        shape = to_js([1, len(ids)])
        return {
            "input_ids": library.Tensor.new(
                "int64", getattr(js.BigInt64Array, "from")(to_js(ids), js.BigInt), shape
            ),
            "attention_mask": library.ones(shape),
        }

    def _keep_turn(
        self, tokenizer: Any, output: Any, prompt_length: int, message: str, prompt_text: str
    ) -> None:
        """Keep the answered turn: its text, its tokens as the model made them, the cache."""
        sequence = [int(token) for token in output.sequences.tolist().to_py()[0]]
        answer_ids = sequence[prompt_length:]
        answer = _decode(tokenizer, answer_ids, skip_special_tokens=True)
        spelled = _decode(tokenizer, answer_ids, skip_special_tokens=False)
        self._cache = output.past_key_values  # the cache passed in, extended in place
        self.conversation.add_turn(message, answer, prompt_text + spelled, sequence)
        self.last_text = answer

    async def _chat_inputs(
        self, tokenizer: Any, prompt_text: str, reuse_cache: bool
    ) -> tuple[list[int], Any]:
        """The prompt's token ids, and the key/value cache to reuse (None: read them all).

        A prompt that extends the last one keeps that turn's tokens as the model produced them
        and only tokenizes its new tail, with or without the cache: the model reads the same
        tokens either way, so the cache changes the time, never the answer.
        """
        reusable = self.conversation.reusable(prompt_text) if self._cache is not None else None
        if reusable is None:
            await self._drop_cache()
            encoded = tokenizer.encode(prompt_text, js_object({"add_special_tokens": False}))
            return [int(token) for token in encoded.to_py()], None
        ids, tail = reusable
        tail_ids = tokenizer.encode(tail, js_object({"add_special_tokens": False}))
        ids += [int(token) for token in tail_ids.to_py()]
        if reuse_cache:
            return ids, self._cache
        await self._drop_cache(keep_tokens=True)
        return ids, None

    async def _drop_cache(self, keep_tokens: bool = False) -> None:
        """Free the key/value cache; unless ``keep_tokens``, forget which tokens it held."""
        cache, self._cache = self._cache, None
        if not keep_tokens:
            self.conversation.forget_cache()
        if cache is not None:
            await cache.dispose()  # frees its GPU tensors (on wasm the collector does)

    # --- streaming -------------------------------------------------------------------------

    async def _stream(
        self, tokenizer: Any, run: Callable[[dict[str, Any]], Awaitable[Any]]
    ) -> AsyncIterator[Piece]:
        """Run ``run(streaming_options)`` and yield its text as the streamer gives it."""
        figures = Figures(started_ms=float(self.clock()))
        self.last, self.last_text = None, ""
        self._running = figures
        queue: asyncio.Queue[Piece] = asyncio.Queue()
        on_text = create_proxy(lambda text: queue.put_nowait(Piece(str(text), figures.as_dict())))
        on_token = create_proxy(lambda _tokens: figures.token(float(self.clock())))
        library = self.runtime.library()
        streamer = library.TextStreamer.new(
            tokenizer,
            js_object(
                {"skip_prompt": True, "callback_function": on_text,
                 "token_callback_function": on_token}
            ),
        )
        stopper = self._stopper_for(library)
        if self._interrupted:  # Stop came while the model loaded: one token at most
            stopper.interrupt()
        generation = asyncio.ensure_future(
            run({"streamer": streamer, "stopping_criteria": stopper})
        )
        texts: list[str] = []
        try:
            async for piece in _drain(queue, generation):
                texts.append(piece.text)
                yield piece
            await generation  # raises what the generation raised
        except JsException as failure:
            log_failure(f"generating with {self._loaded().model}", failure)
            raise generation_failed(self._loaded().model, str(failure)) from None
        finally:
            if not generation.done():  # the reader left early: stop the model, then clean up
                stopper.interrupt()
                await asyncio.wait([generation])
            on_text.destroy()
            on_token.destroy()
            self._running = None
        self.last, self.last_text = figures, "".join(texts)

    def _stopper_for(self, library: Any) -> Any:
        if self._stopper is None:
            self._stopper = library.InterruptableStoppingCriteria.new()
        self._stopper.reset()  # or the next run stops after one token
        return self._stopper

    def _pipe(self) -> Any:
        if self.slot.pipe is None:
            raise LegendaError(RUNTIME_FAILED, "unexpected", {"what": "job"})
        return self.slot.pipe

    def _loaded(self) -> Loaded:
        assert self.slot.loaded is not None
        return self.slot.loaded


async def _drain(
    queue: asyncio.Queue[Piece], generation: asyncio.Future[Any]
) -> AsyncIterator[Piece]:
    """Each piece put in ``queue`` while ``generation`` runs, and what is left after it."""
    while not generation.done():
        getter = asyncio.ensure_future(queue.get())
        await asyncio.wait([getter, generation], return_when=asyncio.FIRST_COMPLETED)
        if getter.done():
            yield getter.result()
        else:
            getter.cancel()
    while not queue.empty():
        yield queue.get_nowait()


def _decode(tokenizer: Any, ids: list[int], skip_special_tokens: bool) -> str:
    options = js_object({"skip_special_tokens": skip_special_tokens})
    return str(tokenizer.decode(to_js(ids), options))


def _plain(value: Any) -> dict[str, Any]:
    """A JS config object as a dict (only what task_for reads)."""
    return {"is_encoder_decoder": bool(getattr(value, "is_encoder_decoder", False))}
