"""The chat models this server offers, loaded on first use within a memory budget.

:class:`ModelCache` loads a model the first time a request names it (one load at a time),
choosing the engine and dtype (LEGENDA_CHAT_ENGINE, LEGENDA_CHAT_DTYPE; see ``choose``). Before
a load it unloads the least recently used idle models until the new one fits in
LEGENDA_CHAT_MEMORY_MB; a model that cannot fit is refused (503) rather than swapping the
machine to death. Each loaded model keeps the key/value cache of its last conversation, so the
next turn of that conversation only computes its new tokens.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np

from ..config import Config
from .engines import (
    Engine,
    ModelInfo,
    Session,
    estimate_torch_bytes,
    load_torch,
    torch_device,
    torch_dtype_for,
)
from .files import ModelUnavailable, onnx_bytes
from .ort_engine import load_ort, onnx_choice

MB = 1024 * 1024


def read_info(model_id: str) -> ModelInfo:
    """The model's config, tokenizer and end tokens (503 when they cannot be read)."""
    from transformers import AutoConfig, AutoTokenizer, GenerationConfig

    try:
        config = AutoConfig.from_pretrained(model_id)
        tokenizer = AutoTokenizer.from_pretrained(model_id)
    except (OSError, ValueError) as error:
        raise ModelUnavailable(
            f"The chat model {model_id} cannot be loaded: it is neither a folder here nor in "
            f"the model cache, and the hub cannot be reached or does not have it ({error})."
        ) from None
    try:
        eos = GenerationConfig.from_pretrained(model_id).eos_token_id
    except OSError:
        eos = None
    if eos is None:
        eos = getattr(config, "eos_token_id", None) or tokenizer.eos_token_id
    ids = eos if isinstance(eos, list | tuple) else [eos]
    return ModelInfo(model_id, config, tokenizer, frozenset(int(i) for i in ids if i is not None))


def choose(info: ModelInfo, config: Config) -> tuple[str, str, str, int]:
    """(engine, dtype, device, estimated bytes). ``auto`` engine: onnxruntime when the model has
    the ONNX file for the dtype (decoder-only models, on a CPU), else transformers."""
    device = config.chat_device
    if config.chat_engine in ("auto", "onnxruntime") and device in ("auto", "cpu"):
        found = onnx_choice(info, config.chat_dtype)
        if found is not None and (device == "cpu" or torch_device("auto") == "cpu"):
            return "onnxruntime", found[0], "cpu", onnx_bytes(found[1])
        if config.chat_engine == "onnxruntime":
            raise ModelUnavailable(
                f"The chat model {info.model_id} has no ONNX file for dtype "
                f"{config.chat_dtype} (the onnxruntime engine runs decoder-only models from "
                "onnx/model.onnx, onnx/model_quantized.onnx or onnx/model_fp16.onnx, on a CPU)."
            )
    device = torch_device(device)
    dtype = torch_dtype_for(info, config.chat_dtype, device, int(config.chat_memory_mb * MB))
    return "transformers", dtype, device, estimate_torch_bytes(info, dtype)


@dataclass
class Saved:
    """The last conversation's session, and the logits that followed its prompt."""

    session: Session
    prompt: list[int]
    logits: np.ndarray


@dataclass
class LoadedModel:
    engine: Engine
    loaded_at: float
    users: int = 0
    saved: list[Saved] = field(default_factory=list)

    def take_session(self, prompt: list[int]) -> tuple[Session, int, np.ndarray | None]:
        """A session for ``prompt``, how many of its ids it has computed, and the logits after
        ``prompt`` when they are known already.

        The last conversation's session is reused, cropped to what it shares with ``prompt``.
        The same prompt again (a regenerated answer) gets the logits that followed it the first
        time, so a greedy answer comes out the same even where computing the last prompt token
        alone would differ in its last bits (int8 models quantize each input on the fly)."""
        if self.engine.reuses_cache and self.saved:
            saved = self.saved.pop()
            session = saved.session
            if saved.prompt == prompt and session.ids[: len(prompt)] == prompt:
                session.crop(len(prompt))
                return session, len(prompt), saved.logits
            shared = 0
            for a, b in zip(session.ids, prompt[:-1], strict=False):
                if a != b:
                    break
                shared += 1
            if shared:
                session.crop(shared)
                return session, shared, None
        return self.engine.new_session(), 0, None

    def give_back(self, session: Session, prompt: list[int], logits: np.ndarray) -> None:
        if self.engine.reuses_cache:
            self.saved[:] = [Saved(session, prompt, logits)]


class ModelCache:
    def __init__(self, config: Config) -> None:
        self.config = config
        self.budget = int(config.chat_memory_mb * MB)
        self._loaded: OrderedDict[str, LoadedModel] = OrderedDict()  # least recent first
        self._lock = threading.Lock()  # guards _loaded
        self._load_lock = threading.Lock()  # one load at a time
        self.on_change = lambda model_id, loaded: None

    def loaded(self) -> dict[str, LoadedModel]:
        with self._lock:
            return dict(self._loaded)

    @contextmanager
    def use(self, model_id: str) -> Iterator[LoadedModel]:
        """The loaded model, held (not unloaded) for the duration of the block."""
        model = self._get(model_id)
        try:
            yield model
        finally:
            with self._lock:
                model.users -= 1

    def _get(self, model_id: str) -> LoadedModel:
        with self._lock:
            model = self._loaded.get(model_id)
            if model is not None:
                self._loaded.move_to_end(model_id)
                model.users += 1
                return model
        with self._load_lock:
            with self._lock:
                model = self._loaded.get(model_id)
                if model is not None:  # loaded by another request meanwhile
                    model.users += 1
                    return model
            model = self._load(model_id)
            with self._lock:
                self._loaded[model_id] = model
                model.users += 1
            self.on_change(model_id, True)
            return model

    def _load(self, model_id: str) -> LoadedModel:
        info = read_info(model_id)
        engine, dtype, device, needed = choose(info, self.config)
        if needed > self.budget:
            raise ModelUnavailable(
                f"The chat model {model_id} needs about {needed // MB} MB ({engine}, {dtype}), "
                f"more than LEGENDA_CHAT_MEMORY_MB={self.config.chat_memory_mb:g}."
            )
        self._make_room(model_id, needed)
        started = time.monotonic()
        if engine == "onnxruntime":
            found = onnx_choice(info, dtype)
            assert found is not None
            loaded = load_ort(info, dtype, found[1], self.config.chat_threads)
        else:
            loaded = load_torch(info, dtype, device)
        return LoadedModel(loaded, loaded_at=time.monotonic() - started)

    def _make_room(self, model_id: str, needed: int) -> None:
        """Unload idle models, least recently used first, until ``needed`` bytes fit."""
        while True:
            with self._lock:
                used = sum(m.engine.bytes for m in self._loaded.values())
                if used + needed <= self.budget:
                    return
                idle = [k for k, m in self._loaded.items() if m.users == 0]
                if not idle:
                    raise ModelUnavailable(
                        f"The chat model {model_id} needs about {needed // MB} MB and the "
                        f"memory for chat models (LEGENDA_CHAT_MEMORY_MB="
                        f"{self.config.chat_memory_mb:g}) is taken by models answering now; "
                        "try again shortly."
                    )
                victim = self._loaded.pop(idle[0])
            victim.engine.close()
            self.on_change(idle[0], False)

    def close(self) -> None:
        with self._lock:
            models, self._loaded = list(self._loaded.items()), OrderedDict()
        for model_id, model in models:
            model.engine.close()
            self.on_change(model_id, False)
