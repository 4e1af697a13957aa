"""Bark (suno/bark-small by default) through transformers' AutoProcessor + BarkModel.

Voices are Bark's presets, ``v2/<lang>_speaker_N``; the list is what the model's
speaker_embeddings_path.json holds, so a local folder offers exactly the presets it has.
torch and transformers are imported when the weights load, so the voices are known at once.

CPU speed-ups, each a setting (what each saves, measured at bark-small's size, is in
docs/performance.md, "The sidecar"): ``LEGENDA_BARK_SDPA`` (on by default) computes attention
with PyTorch's fused scaled_dot_product_attention, which transformers 4.57 does not offer for
Bark; ``LEGENDA_BARK_INT8`` (opt-in) quantizes the three GPT stages' Linear layers to int8,
dynamic. ``LEGENDA_BARK_BATCH`` (2 by default): speech.py hands Bark up to that many pieces of
one text at once and ``synthesize_batch`` says them in one batched call, each computed as it
would be alone (``generate_batch`` says why it is not ``BarkModel.generate`` on the batch);
with int8 the pieces go one per call, since dynamic int8 quantizes each Linear layer's input
with one scale for the whole batch.
"""

from __future__ import annotations

import logging
import math
import re
import types
import warnings
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import deadline
from ..audio import Samples
from ..config import Config
from .base import Engine, EngineUnavailable, natural_key
from .hub import fetch, read_json

if TYPE_CHECKING:
    from transformers import BarkModel

# Bark's coarse and fine stages call generate() without an attention mask by design, and
# transformers logs the same two warnings about it on every sentence: keep them out of the log.
logging.getLogger("transformers.generation.utils").setLevel(logging.ERROR)

PRESETS_FILE = "speaker_embeddings_path.json"
_PRESET = re.compile(r"^(?:v2/)?([a-z]{2})_speaker_\d+$")


def presets_by_language(presets: list[str]) -> dict[str, list[str]]:
    """Group preset names by language, v2 presets first, speaker_2 before speaker_10."""
    grouped: dict[str, list[str]] = {}
    for preset in presets:
        match = _PRESET.match(preset)
        if match:
            grouped.setdefault(match.group(1), []).append(preset)
    for names in grouped.values():
        names.sort(key=lambda name: (not name.startswith("v2/"), natural_key(name)))
    return dict(sorted(grouped.items()))


class BarkEngine(Engine):
    def __init__(self, config: Config) -> None:
        super().__init__(config)
        self.processor: Any = None
        self.model: BarkModel | None = None
        self.max_batch = config.bark_batch

    def prepare(self) -> None:
        presets = read_json(self.model_id, "Bark", PRESETS_FILE)
        voices = presets_by_language([key for key in presets if key != "repo_or_path"])
        if not voices:
            raise EngineUnavailable(
                f"{self.model_id} has no voice presets ({PRESETS_FILE} lists none): download "
                "the model again with its speaker_embeddings folder."
            )
        self._voices = voices

    def load(self) -> None:
        import torch
        from transformers import AutoProcessor, BarkModel

        from .torch_models import pick_device

        self.device = pick_device(self.config.device)
        # Half precision halves memory and time on a GPU; on a CPU float16 is slow or unsupported.
        dtype = torch.float16 if self.device == "cuda" else torch.float32
        self.processor = fetch(self.model_id, "Bark", AutoProcessor.from_pretrained)
        model = fetch(
            self.model_id, "Bark", lambda m, **kw: BarkModel.from_pretrained(m, dtype=dtype, **kw)
        )
        self.model = model.to(self.device).eval()
        if self.config.bark_sdpa:
            use_sdpa(self.model)
        if self.config.bark_int8 and self.device == "cpu":
            quantize_int8(self.model)
            # int8 quantizes activations with one scale per tensor, the whole batch's: batched,
            # a sentence would get other tokens than alone (docs/performance.md).
            self.max_batch = 1

    def synthesize(self, text: str, voice: str, speed: float = 1.0) -> tuple[int, Samples]:
        """Bark has no speed control (``supports_speed`` is False): ``speed`` is ignored."""
        return self.synthesize_batch([text], voice)[0]

    def synthesize_batch(self, texts: list[str], voice: str) -> list[tuple[int, Samples]]:
        """Say each text with ``voice``, each as it would be alone (``generate_batch``)."""
        import torch

        if self.processor is None or self.model is None:
            raise RuntimeError("the Bark model is not loaded")
        inputs = self.processor(texts, voice_preset=voice, return_tensors="pt")
        inputs = {key: value.to(self.device) for key, value in inputs.items()}
        job_deadline = deadline.current()
        check = job_deadline.check if job_deadline else None
        with torch.inference_mode():
            waves = generate_batch(self.model, inputs, _stop_at(job_deadline), check)
        # Bark's generation config names the rate; its codec's config holds the same number.
        rate = getattr(self.model.generation_config, "sample_rate", None)
        rate = int(rate or self.model.codec_model.config.sampling_rate)
        return [(rate, _samples(wave)) for wave in waves]


def _samples(wave: Any) -> Samples:
    import torch

    return wave.detach().to(torch.float32).cpu().numpy().reshape(-1).astype(np.float32)


def generate_batch(
    model: BarkModel, inputs: dict[str, Any], stop: list[Any] | None = None,
    check: Callable[[], None] | None = None,
) -> list[Any]:
    """Each text's waveform, computed as ``model.generate`` computes it for that text alone.

    ``inputs``: the processor's for the texts. ``stop``: StoppingCriteria for the two
    token-by-token stages; ``check`` is called before each text's fine stage (it may raise).

    ``BarkModel.generate`` on a batch changes what a shorter text gets, in its fine stage: that
    stage is not causal and reads a 1024-frame window, so the shorter text's frames attend to
    the codes the coarse stage went on making for it after its end (alone: the pad code), and
    past one window its windows follow the longest text. So the semantic and coarse stages run
    batched (each row is computed as alone: the text is padded to 256 tokens either way, a
    finished row is padded with the pad token the coarse stage reads after a text anyway, and
    the coarse stage is causal), and the fine stage and the codec run per text on its own
    frames. The keyword arguments are those ``BarkModel.generate`` passes to each stage.
    """
    settings: Any = model.generation_config  # a GenerationConfig holding the stages' dicts
    semantic_config, coarse_config, fine_config = _stage_configs(settings)
    codebook_size = settings.codebook_size
    stages = {"history_prompt": inputs.get("history_prompt"),
              "semantic_generation_config": semantic_config}
    criteria = {"stopping_criteria": _criteria(stop)} if stop else {}
    # min_eos_p=None as BarkModel.generate passes it (so the config's value is not used there).
    semantic = model.semantic.generate(
        inputs["input_ids"], attention_mask=inputs.get("attention_mask"), min_eos_p=None,
        **stages, **criteria,
    )
    stages["coarse_generation_config"] = coarse_config
    coarse, lengths = model.coarse_acoustics.generate(
        semantic, codebook_size=codebook_size, return_output_lengths=True, **stages, **criteria
    )
    waves = []
    for codes, length in zip(coarse, lengths.tolist(), strict=True):
        if check is not None:
            check()
        fine = model.fine_acoustics.generate(
            codes[None, :length], fine_generation_config=fine_config,
            codebook_size=codebook_size, **stages,
        )
        frames = length // coarse_config.n_coarse_codebooks
        waves.append(model.codec_decode(fine, [frames])[0])
    return waves


def _stage_configs(settings: Any) -> tuple[Any, Any, Any]:
    """The three stages' generation configs, built as ``BarkModel.generate`` builds them."""
    from transformers.models.bark.generation_configuration_bark import (
        BarkCoarseGenerationConfig,
        BarkFineGenerationConfig,
        BarkSemanticGenerationConfig,
    )

    return (
        BarkSemanticGenerationConfig(**settings.semantic_config),
        BarkCoarseGenerationConfig(**settings.coarse_acoustics_config),
        BarkFineGenerationConfig(**settings.fine_acoustics_config),
    )


def _criteria(stop: list[Any]) -> Any:
    from transformers import StoppingCriteriaList

    return StoppingCriteriaList(stop)


def _stop_at(job_deadline: deadline.Deadline | None) -> list[Any]:
    """A StoppingCriteria that aborts Bark's two token-by-token stages (semantic, coarse) at
    the next token once the job's deadline passes or the server stops (JobStopped)."""
    if job_deadline is None:
        return []
    check = job_deadline.check
    import torch
    from transformers import StoppingCriteria

    class PastDeadline(StoppingCriteria):  # type: ignore[misc]
        def __call__(self, input_ids: Any, scores: Any, **kwargs: Any) -> Any:
            check()  # raises out of generate(): stopping early breaks Bark's shapes
            return torch.zeros((input_ids.shape[0],), dtype=torch.bool, device=input_ids.device)

    return [PastDeadline()]


def quantize_int8(model: BarkModel) -> None:
    """int8 dynamic quantization of the Linear layers of the three GPT stages (not the codec).

    Weights are stored in int8 and activations quantized on the fly: on a CPU the stages take
    about half the time, at the small, known cost in accuracy of 8-bit weights.
    """
    import torch

    with warnings.catch_warnings():
        # torch.ao.quantization and its quantized tensors warn that they move to torchao (not
        # installed here); both still work in torch 2.13.
        warnings.filterwarnings("ignore", ".*deprecated.*", DeprecationWarning)
        warnings.filterwarnings("ignore", ".*deprecated.*", UserWarning)
        from torch.ao.quantization import quantize_dynamic

        for name in ("semantic", "coarse_acoustics", "fine_acoustics"):
            stage = getattr(model, name)
            setattr(model, name, quantize_dynamic(stage, {torch.nn.Linear}, dtype=torch.qint8))


def use_sdpa(model: BarkModel) -> None:
    """Compute every eager Bark attention with torch's scaled_dot_product_attention: the same
    product (same causal and padding masks, same 1/sqrt(head_dim) scale), one fused kernel."""
    from transformers.models.bark.modeling_bark import BarkSelfAttention

    for module in model.modules():
        if type(module) is BarkSelfAttention:  # not the flash-attention subclass
            module._attn = types.MethodType(_sdpa_attn, module)  # type: ignore[method-assign]


def _sdpa_attn(
    self: Any, query: Any, key: Any, value: Any, attention_mask: Any = None, head_mask: Any = None
) -> tuple[Any, None]:
    import torch

    if head_mask is not None:  # never used by generate; the eager code handles it
        return type(self)._attn(self, query, key, value, attention_mask, head_mask)
    mask = None
    if self.is_causal:
        query_length, key_length = query.size(-2), key.size(-2)
        mask = self.bias[:, :, key_length - query_length : key_length, :key_length]
    if attention_mask is not None:
        additive = attention_mask.to(query.dtype)
        if mask is not None:
            additive = additive.masked_fill(~mask, torch.finfo(query.dtype).min)
        mask = additive
    output = torch.nn.functional.scaled_dot_product_attention(
        query, key, value, attn_mask=mask, scale=1.0 / math.sqrt(self.head_dim)
    )
    return output, None
