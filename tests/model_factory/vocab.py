"""Which tokens of a tiny model's vocabulary show as text, so random weights never pick the rest.

Random weights often pick an end-of-sequence token first (an empty answer), a control character
or half of a UTF-8 character. With their rows of the output projection at zero these tokens score
exactly 0, while about half of the remaining vocabulary scores above 0 at every step.
"""

from __future__ import annotations

from typing import Any


def is_visible(text: str) -> bool:
    return bool(text.strip()) and text.isprintable() and "\ufffd" not in text


def invisible_ids(tokenizer: Any) -> list[int]:
    """The ids of ``tokenizer`` (a transformers tokenizer) that decode to no visible text."""
    return [
        token_id
        for token_id in range(len(tokenizer))
        if not is_visible(tokenizer.decode([token_id], skip_special_tokens=True))
    ]
