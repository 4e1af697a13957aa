"""Choosing the next token from the logits, the same way for every engine.

``temperature`` 0 is greedy (the highest logit, as transformers' ``generate`` without sampling);
otherwise the logits are divided by the temperature, cut to the smallest set of tokens whose
probabilities add up to ``top_p`` (nucleus sampling), and one is drawn with a generator seeded
by ``seed`` (the same seed, settings and prompt give the same answer on one engine).
"""

from __future__ import annotations

import numpy as np


class Sampler:
    def __init__(self, temperature: float, top_p: float, seed: int | None) -> None:
        self.temperature, self.top_p = temperature, top_p
        self.rng = np.random.default_rng(seed)

    def __call__(self, logits: np.ndarray) -> int:
        if self.temperature == 0:
            return int(np.argmax(logits))
        scaled = logits.astype(np.float64) / self.temperature
        probs = np.exp(scaled - scaled.max())
        probs /= probs.sum()
        if self.top_p < 1.0:
            order = np.argsort(-probs, kind="stable")
            sorted_probs = probs[order]
            # Keep a token while the ones before it add up to less than top_p (always one).
            keep = np.cumsum(sorted_probs) - sorted_probs < self.top_p
            kept = np.zeros_like(probs)
            kept[order[keep]] = sorted_probs[keep]
            probs = kept / kept.sum()
        return int(self.rng.choice(len(probs), p=probs))
