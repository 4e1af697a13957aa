"""Chat engines: a loaded model that turns token ids into next-token logits.

Every engine gives :class:`Session` objects: ``feed(ids)`` runs the model over new ids (the
prompt, then one token at a time) keeping its key/value cache, and returns the logits of the
last position as a float32 numpy vector; ``crop(n)`` forgets all but the first ``n`` ids, so a
conversation that goes on can reuse what was computed for its earlier turns. The generation
loop (generate.py) and the sampler are the same for every engine, and so are the tokenizer
and chat template (transformers'), so every engine reads the same prompt.

- ``transformers``: transformers + torch, every model (the seeds' way); float16 on CUDA.
- ``onnxruntime``: decoder-only models with the ONNX files the browser loads
  (``onnx/model_quantized.onnx`` for int8, ``onnx/model.onnx`` for float32,
  ``onnx/model_fp16.onnx`` for float16), see ort_engine.py.
"""

from __future__ import annotations

import gc
import inspect
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from .files import BYTES_PER, ModelUnavailable, parameter_count


class Session(Protocol):
    ids: list[int]

    def feed(self, ids: list[int]) -> np.ndarray: ...

    def crop(self, n: int) -> None: ...


@dataclass
class ModelInfo:
    """What the loader knows of a model before choosing how to run it."""

    model_id: str
    config: Any  # transformers' PretrainedConfig
    tokenizer: Any
    eos_ids: frozenset[int]

    @property
    def model_type(self) -> str:
        return str(getattr(self.config, "model_type", ""))

    @property
    def encoder_decoder(self) -> bool:
        return bool(getattr(self.config, "is_encoder_decoder", False))

    @property
    def stored_dtype(self) -> str:
        dtype = getattr(self.config, "dtype", None) or "float32"
        return str(dtype).removeprefix("torch.")


@dataclass
class Engine:
    """A loaded model. ``reuses_cache``: a session can be cropped and fed more ids."""

    info: ModelInfo
    name: str
    dtype: str
    device: str
    bytes: int  # the memory its weights take, about
    reuses_cache: bool
    _new_session: Any = field(repr=False)
    _close: Any = field(default=None, repr=False)

    def new_session(self) -> Session:
        session: Session = self._new_session()
        return session

    def close(self) -> None:
        self._new_session = None  # the closures hold the weights
        gc.collect()
        if self._close is not None:
            self._close()


class TorchCausalSession:
    def __init__(self, model: Any, device: str, keep_last: bool) -> None:
        self.model, self.device, self.keep_last = model, device, keep_last
        self.ids: list[int] = []
        self.cache: Any = None

    def feed(self, ids: list[int]) -> np.ndarray:
        import torch

        total = len(self.ids) + len(ids)
        extra = {"logits_to_keep": 1} if self.keep_last else {}
        with torch.inference_mode():
            out = self.model(
                input_ids=torch.tensor([ids], device=self.device),
                attention_mask=torch.ones((1, total), dtype=torch.long, device=self.device),
                past_key_values=self.cache, use_cache=True, **extra,
            )
        self.cache = out.past_key_values
        self.ids.extend(ids)
        return out.logits[0, -1].float().cpu().numpy()  # type: ignore[no-any-return]

    def crop(self, n: int) -> None:
        if n < len(self.ids):
            self.cache.crop(n)
            del self.ids[n:]


class TorchSeq2SeqSession:
    """The prompt goes through the encoder once; then the decoder reads one token at a time."""

    def __init__(self, model: Any, device: str) -> None:
        self.model, self.device = model, device
        self.ids: list[int] = []
        self.cache: Any = None
        self._encoded: Any = None
        self._mask: Any = None

    def feed(self, ids: list[int]) -> np.ndarray:
        import torch

        with torch.inference_mode():
            if self._encoded is None:
                tokens = torch.tensor([ids], device=self.device)
                self._mask = torch.ones_like(tokens)
                encoder = self.model.get_encoder()
                self._encoded = encoder(input_ids=tokens, attention_mask=self._mask)
                self.ids = list(ids)
                ids = [int(self.model.config.decoder_start_token_id)]
            out = self.model(
                encoder_outputs=self._encoded, attention_mask=self._mask,
                decoder_input_ids=torch.tensor([ids], device=self.device),
                past_key_values=self.cache, use_cache=True,
            )
        self.cache = out.past_key_values
        return out.logits[0, -1].float().cpu().numpy()  # type: ignore[no-any-return]

    def crop(self, n: int) -> None:
        raise NotImplementedError("an encoder-decoder session is not reused")


def torch_device(wanted: str) -> str:
    import torch

    if wanted != "auto":
        return wanted
    return "cuda" if torch.cuda.is_available() else "cpu"


def torch_dtype_for(info: ModelInfo, wanted: str, device: str, budget_bytes: int) -> str:
    """``auto``: float16 on a GPU; on a CPU float32 when the model's float32 weights fit in the
    memory budget, else bfloat16 (half the memory)."""
    if wanted != "auto":
        return wanted
    if device != "cpu":
        return "float16"
    params = parameter_count(info.model_id) or 0
    return "float32" if params * 4 <= budget_bytes else "bfloat16"


def estimate_torch_bytes(info: ModelInfo, dtype: str) -> int:
    params = parameter_count(info.model_id) or 0
    if dtype == "int8":  # Linear weights in int8, the rest (embeddings, norms) in float32
        return int(params * 1.5)
    return params * BYTES_PER[dtype]


def quantize_linears(model: Any) -> None:
    """int8 dynamic quantization of every Linear layer (torch's ``quantize_dynamic``), one
    layer at a time so memory never holds a float32 copy of the whole model; the rest
    (embeddings, norms) in float32, which the int8 layers take as input."""
    import torch

    for parent in list(model.modules()):
        for name, child in list(parent.named_children()):
            if isinstance(child, torch.nn.Linear):
                holder = torch.nn.Sequential(child.float())
                quantized = torch.ao.quantization.quantize_dynamic(
                    holder, {torch.nn.Linear}, dtype=torch.qint8, inplace=True)
                setattr(parent, name, quantized[0])
    model.float()


def load_torch(info: ModelInfo, dtype: str, device: str) -> Engine:
    import torch
    from transformers import AutoModelForCausalLM, AutoModelForSeq2SeqLM

    if dtype == "int8" and device != "cpu":
        raise ModelUnavailable(
            f"{info.model_id}: int8 (dynamic quantization) runs on a CPU only; use "
            "LEGENDA_CHAT_DTYPE=float16 on a GPU."
        )
    auto = AutoModelForSeq2SeqLM if info.encoder_decoder else AutoModelForCausalLM
    # int8 starts from the stored weights (bfloat16 for Phi-3.5: never the float32 copy).
    load_as = info.stored_dtype if dtype == "int8" else dtype
    model: Any = auto.from_pretrained(info.model_id, dtype=getattr(torch, load_as, torch.float32))
    model = model.to(device).eval()
    if dtype == "int8":
        quantize_linears(model)
    weights = sum(t.numel() * t.element_size() for t in [*model.parameters(), *model.buffers()])
    weights += sum(m.weight().numel() + 4 * m.out_features for m in model.modules()
                   if isinstance(m, torch.ao.nn.quantized.dynamic.Linear))  # int8, packed
    if info.encoder_decoder:
        def new_session() -> Session:
            return TorchSeq2SeqSession(model, device)
    else:
        keep_last = "logits_to_keep" in inspect.signature(model.forward).parameters

        def new_session() -> Session:
            return TorchCausalSession(model, device, keep_last)

    def close() -> None:
        if device == "cuda":
            torch.cuda.empty_cache()

    return Engine(info, "transformers", dtype, device, weights,
                  reuses_cache=not info.encoder_decoder, _new_session=new_session, _close=close)
