"""Turning a run item (an http(s) URL or a Blob/File from the page) into a RawImage."""

from __future__ import annotations

from typing import Any

import js  # type: ignore[import-not-found]
from pyodide.ffi import JsException  # type: ignore[import-not-found]

from .errors import (
    ImageSource,
    bad_image_url,
    image_fetch_failed,
    image_http_error,
    not_an_image,
    undecodable_image,
)
from .runtime import Runtime, js_object, log_failure

# blob: and data: come from the page itself (a pasted or dropped image).
_SCHEMES = ("http:", "https:", "blob:", "data:")
FETCH_TIMEOUT_S = 30
# Servers that do not know an image's type; decoding decides.
_UNTYPED = ("", "application/octet-stream", "binary/octet-stream")


def _content_type(header: str | None) -> str:
    return (header or "").split(";", 1)[0].strip().lower()


def _check_type(source: ImageSource, header: str | None) -> None:
    """Refuse what says it is something else (an HTML page, a PDF) before decoding it."""
    content_type = _content_type(header)
    if not content_type.startswith("image/") and content_type not in _UNTYPED:
        raise not_an_image(source, content_type)


class ImageLoader:
    def __init__(self, runtime: Runtime) -> None:
        self._runtime = runtime

    async def load(self, item: dict[str, Any]) -> Any:
        """The item's image as a Transformers.js RawImage, or a LegendaError saying why not."""
        if item.get("blob") is not None:
            blob = item["blob"]
            name = str(item.get("name") or getattr(blob, "name", "") or "")
            source = ImageSource("file", name)
            _check_type(source, getattr(blob, "type", ""))
            return await self._decode(blob, source)
        url = str(item.get("url") or "").strip()
        return await self._fetch(url)

    async def _fetch(self, url: str) -> Any:
        try:
            absolute = js.URL.new(url, self._runtime.site.site_base)
        except JsException:
            raise bad_image_url(url) from None
        if not url or absolute.protocol not in _SCHEMES:
            raise bad_image_url(url)
        shown = url if len(url) <= 120 else url[:117] + "…"
        try:
            # A server that never answers must not keep the page working forever.
            options = js_object({"signal": js.AbortSignal.timeout(FETCH_TIMEOUT_S * 1000)})
            response = await js.fetch(absolute.href, options)
        except JsException as failure:  # offline, refused, CORS or too slow: fetch cannot tell
            log_failure(f"fetching {url}", failure)
            raise image_fetch_failed(shown) from None
        if not response.ok:
            raise image_http_error(shown, int(response.status))
        source = ImageSource("address", shown)
        _check_type(source, response.headers.get("content-type"))
        try:
            blob = await response.blob()
        except JsException as failure:
            log_failure(f"reading {url}", failure)
            raise image_fetch_failed(shown) from None
        return await self._decode(blob, source)

    async def _decode(self, blob: Any, source: ImageSource) -> Any:
        try:
            return await self._runtime.raw_image_class().fromBlob(blob)
        except JsException as failure:
            log_failure("decoding an image", failure)
            raise undecodable_image(source) from None

