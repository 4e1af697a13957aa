"""The onnxruntime engine: a decoder-only model's ONNX file, the one the browser loads.

Hub repos of decoder-only chat models (HuggingFaceTB, onnx-community) carry
``onnx/model.onnx`` (float32), ``onnx/model_quantized.onnx`` (int8, Transformers.js's q8) and
often ``onnx/model_fp16.onnx``, each taking ``input_ids``, ``attention_mask``,
``position_ids`` and ``past_key_values.N.key/value`` and returning ``logits`` and
``present.N.key/value``. The loop here keeps the key/values as onnxruntime's own values
between steps (IO binding: nothing is copied into numpy but the last logits).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from .engines import Engine, ModelInfo, Session
from .files import model_file, onnx_bytes

ONNX_FILES = {
    "int8": "onnx/model_quantized.onnx",
    "float32": "onnx/model.onnx",
    "float16": "onnx/model_fp16.onnx",
}
# What ``auto`` takes, in order: int8 is about twice float32's speed on a CPU.
AUTO_ORDER = ("int8", "float32")
_NUMPY_TYPES = {"tensor(float)": np.float32, "tensor(float16)": np.float16}
PAST, PRESENT = "past_key_values.", "present."


def onnx_choice(info: ModelInfo, dtype: str) -> tuple[str, Path] | None:
    """(dtype, file) this engine would load for ``dtype`` (auto: the first file present), or
    None when the model has no such file (or is not decoder-only)."""
    if info.encoder_decoder:
        return None
    for choice in AUTO_ORDER if dtype == "auto" else (dtype,):
        name = ONNX_FILES.get(choice)
        path = model_file(info.model_id, name) if name else None
        if name and path is not None:
            # External weights, when the repo has them, land next to the file.
            model_file(info.model_id, name + "_data")
            return choice, path
    return None


class OrtCausalSession:
    def __init__(self, model: OrtCausal) -> None:
        self.model = model
        self.ids: list[int] = []
        self.kv: list[Any] = list(model.empty_kv)

    def feed(self, ids: list[int]) -> np.ndarray:
        m = self.model
        past, n = len(self.ids), len(ids)
        binding = m.session.io_binding()
        binding.bind_cpu_input("input_ids", np.array([ids], dtype=np.int64))
        binding.bind_cpu_input("attention_mask", np.ones((1, past + n), dtype=np.int64))
        if m.position_ids:
            positions = np.arange(past, past + n, dtype=np.int64)[None, :]
            binding.bind_cpu_input("position_ids", positions)
        for name, value in zip(m.past_names, self.kv, strict=True):
            binding.bind_ortvalue_input(name, value)
        binding.bind_output("logits", "cpu")
        for name in m.present_names:
            binding.bind_output(name, "cpu")
        m.session.run_with_iobinding(binding)
        outputs = binding.get_outputs()
        self.kv = outputs[1:]
        self.ids.extend(ids)
        logits = outputs[0].numpy()
        return np.asarray(logits[0, -1], dtype=np.float32)

    def crop(self, n: int) -> None:
        if n >= len(self.ids):
            return
        import onnxruntime as ort

        self.kv = [
            ort.OrtValue.ortvalue_from_numpy(np.ascontiguousarray(v.numpy()[:, :, :n]))
            for v in self.kv
        ]
        del self.ids[n:]


class OrtCausal:
    def __init__(self, path: Path, threads: int) -> None:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        if threads:
            options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        self.session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        inputs = {i.name: i for i in self.session.get_inputs()}
        self.position_ids = "position_ids" in inputs
        self.past_names = [name for name in inputs if name.startswith(PAST)]
        self.present_names = [PRESENT + name[len(PAST):] for name in self.past_names]
        self.empty_kv = []
        for name in self.past_names:
            shape = inputs[name].shape  # [batch, kv heads, past length, head size]
            dtype = _NUMPY_TYPES[inputs[name].type]
            empty = np.zeros((1, int(shape[1]), 0, int(shape[3])), dtype=dtype)
            self.empty_kv.append(ort.OrtValue.ortvalue_from_numpy(empty))


def load_ort(info: ModelInfo, dtype: str, path: Path, threads: int) -> Engine:
    model = OrtCausal(path, threads)

    def new_session() -> Session:
        return OrtCausalSession(model)

    return Engine(info, "onnxruntime", dtype, "cpu", onnx_bytes(path), reuses_cache=True,
                  _new_session=new_session)
