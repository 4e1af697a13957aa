"""The translator's cost per generated token at real size: NLLB-200-distilled-600M (the default)
vs lighter candidates, measured side by side in one run (prints figures; not a test).

Exporting NLLB-600M or M2M100-418M to ONNX needs 12-18 GB of RAM, more than a 2-core bench
machine lends, so this compares the architectures in PyTorch on the CPU, built from the same
specs as the twins (tests/model_factory/real_size/specs.py) with random weights: fp32 and with
int8 dynamic quantization of the Linear layers (what q8 ONNX does), one thread, the work of one
caption (a 12-token source, 15 generated tokens, greedy, KV cache). Reported per model:
parameters, the decoder step's weights (what each token reads: decoder + output layer), the
time per generated token and the share of the output layer in it. The browser's wasm runtime is
slower than PyTorch's CPU kernels, but the ratios between models follow the weights each step
reads. Quality cannot be measured with random weights: docs/performance.md cites what is
published.

Run: ``.venv/bin/python bench/bench_translators.py`` (~4 GB of RAM at most, a few minutes).
"""

from __future__ import annotations

import gc
import json
import statistics
import sys
import time
import warnings
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.svg_plot import bar_chart  # noqa: E402
from tests.model_factory.real_size import specs  # noqa: E402

RESULTS = ROOT / "bench" / "results"
CANDIDATES = {
    "NLLB-200-distilled-600M (default)": ("m2m_100", specs.NLLB_600M),
    "M2M100-418M": ("m2m_100", specs.M2M100_418M),
    "opus-mt-en-ROMANCE (Marian)": ("marian", specs.OPUS_MT_EN_ROMANCE),
}
SOURCE_TOKENS = 12
ROUNDS = 3


def _model(arch: str, spec: specs.Seq2Seq) -> Any:
    import torch
    from transformers import (
        M2M100Config,
        M2M100ForConditionalGeneration,
        MarianConfig,
        MarianMTModel,
    )

    common = dict(
        vocab_size=spec.vocab, d_model=spec.d_model, encoder_layers=spec.encoder_layers,
        decoder_layers=spec.decoder_layers, encoder_attention_heads=spec.heads,
        decoder_attention_heads=spec.heads, encoder_ffn_dim=spec.ffn, decoder_ffn_dim=spec.ffn,
        max_position_embeddings=spec.max_positions, tie_word_embeddings=spec.tied,
        pad_token_id=1, eos_token_id=2, decoder_start_token_id=2, bos_token_id=0,
    )
    torch.manual_seed(0)
    if arch == "marian":
        return MarianMTModel(MarianConfig(**common)).eval()
    return M2M100ForConditionalGeneration(M2M100Config(scale_embedding=True, **common)).eval()


def _per_token_ms(model: Any) -> float:
    import torch

    ids = torch.randint(4, 1000, (1, SOURCE_TOKENS))
    new = specs.TRANSLATION_TOKENS
    times = []
    with torch.inference_mode():
        for _ in range(ROUNDS + 1):
            start = time.perf_counter()
            out = model.generate(ids, max_new_tokens=new, min_new_tokens=new, do_sample=False,
                                 num_beams=1)
            times.append(time.perf_counter() - start)
    assert out.shape[-1] >= new
    return statistics.median(times[1:]) / new * 1000


def _head_ms(model: Any) -> float:
    """One token through the output layer alone (its share of a step)."""
    import torch

    head = model.get_output_embeddings()
    state = torch.randn(1, 1, model.config.d_model)
    with torch.inference_mode():
        head(state)
        start = time.perf_counter()
        for _ in range(20):
            head(state)
    return (time.perf_counter() - start) / 20 * 1000


def _quantized(model: Any) -> Any:
    import torch

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from torch.ao.quantization import quantize_dynamic

        return quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)


def measure(name: str, arch: str, spec: specs.Seq2Seq) -> dict[str, Any]:
    start = time.perf_counter()
    model = _model(arch, spec)
    built = time.perf_counter() - start
    params = sum(p.numel() for p in model.parameters())
    # What one step multiplies by: the decoder's layers and the output layer (the input
    # embedding is only looked up, one row).
    decoder = model.get_decoder()
    step = sum(p.numel() for p in decoder.parameters()) - decoder.embed_tokens.weight.numel()
    step += spec.vocab * spec.d_model
    row = {"name": name, "params_M": params / 1e6, "step_weights_M": step / 1e6,
           "build_s": built, "fp32_ms_per_token": _per_token_ms(model),
           "fp32_head_ms": _head_ms(model)}
    model = _quantized(model)
    row |= {"int8_ms_per_token": _per_token_ms(model), "int8_head_ms": _head_ms(model)}
    print(f"  {name:36} {row['params_M']:6.0f} M params  {row['step_weights_M']:5.0f} M/step"
          f"  fp32 {row['fp32_ms_per_token']:6.1f} ms/token (head {row['fp32_head_ms']:5.1f})"
          f"  int8 {row['int8_ms_per_token']:6.1f} ms/token (head {row['int8_head_ms']:5.1f})",
          flush=True)
    del model
    gc.collect()
    return row


def main() -> None:
    import torch

    torch.set_num_threads(1)
    print(f"Translators at real size, PyTorch CPU, 1 thread, {SOURCE_TOKENS} source tokens, "
          f"{specs.TRANSLATION_TOKENS} generated:", flush=True)
    rows = [measure(name, arch, spec) for name, (arch, spec) in CANDIDATES.items()]
    base = rows[0]["int8_ms_per_token"]
    for row in rows[1:]:
        print(f"  {row['name']}: x{row['int8_ms_per_token'] / base:.2f} of NLLB's int8 time "
              "per token")
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "translators.json").write_text(json.dumps(rows, indent=1) + "\n")
    bar_chart(RESULTS / "translators.svg", "Translator, int8, ms per generated token (1 thread)",
              "ms", [(row["name"], row["int8_ms_per_token"]) for row in rows])


if __name__ == "__main__":
    main()
