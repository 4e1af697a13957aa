"""The site's settings schema (web/settings-schema.json), read once.

The same file drives the page (web/ui/schema.js), this package (settings.py, languages.py),
`make models` and the README's settings table. In the built site the file sits inside this
package's zip (scripts/build_site.py puts it there); in the source tree it is web/'s.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

FILE_NAME = "settings-schema.json"
_CANDIDATES = (
    Path(__file__).with_name(FILE_NAME),  # the built package (py/legenda.zip, unpacked)
    Path(__file__).resolve().parents[2] / FILE_NAME,  # web/settings-schema.json
)


@cache
def schema() -> dict[str, Any]:
    for path in _CANDIDATES:
        if path.is_file():
            data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
            return data
    raise FileNotFoundError(f"{FILE_NAME} is missing next to the legenda package")


def setting_specs(side: str | None = None, page: str | None = None) -> list[dict[str, Any]]:
    """The settings, in order; with ``side`` "python", only those Python sees; with ``page``,
    as that page has them (its ``per_page`` fields over the shared ones: the playground's own
    max_new_tokens bound and default), as web/ui/schema.js's forPage."""
    specs: list[dict[str, Any]] = schema()["settings"]
    if page is not None:
        specs = [{**spec, **spec.get("per_page", {}).get(page, {})} for spec in specs]
    if side == "python":
        return [spec for spec in specs if spec["side"] in ("python", "both")]
    return specs


def suggested_values(spec: dict[str, Any]) -> list[str]:
    """A setting's documented choices (``suggestions``: offered beside its free-text field by
    the settings form, listed in README's table, fetched by `make models`)."""
    return [str(suggestion["value"]) for suggestion in spec.get("suggestions", [])]
