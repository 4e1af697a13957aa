"""The `device` setting: WebGPU where the browser has it, WebAssembly otherwise.

The session's Chromium runs with --disable-gpu, so it has no WebGPU adapter: asking for webgpu
must fall back to wasm and say so. A second Chromium gets a WebGPU adapter from SwiftShader
(Chromium's CPU implementation of the GPU APIs), where the models really run on WebGPU.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import Browser, BrowserContext

if TYPE_CHECKING:
    from conftest import LegendaApp, NetworkLog, SiteServer

# ONNX Runtime's build with WebGPU (runtime.py loads it only for device=webgpu).
WEBGPU_RUNTIME = "ort-wasm-simd-threaded.asyncify.wasm"
PLAIN_RUNTIME = "ort-wasm-simd-threaded.wasm"


def runtimes_fetched(network: NetworkLog) -> set[str]:
    """The ONNX Runtime wasm binaries the page loaded."""
    return {
        url.rsplit("/", 1)[-1] for url in network.requested
        if "/vendor/ort/" in url and url.endswith(".wasm")
    }


def test_webgpu_without_an_adapter_falls_back_to_wasm(
    app: LegendaApp, network: NetworkLog
) -> None:
    app.open(device="webgpu")
    notice = app.status_text()
    assert "no WebGPU" in notice and "WebAssembly" in notice, notice
    app.caption_sample("cat.jpg")
    assert app.state == "done", app.status_text()
    assert app.text("#caption") and app.text("#translation")
    assert runtimes_fetched(network) == {PLAIN_RUNTIME}


@pytest.fixture(scope="module")
def webgpu_browser(launch_chromium: Callable[..., Browser]) -> Iterator[Browser]:
    chromium = launch_chromium(
        drop=["--disable-gpu"], add=["--enable-unsafe-webgpu", "--use-webgpu-adapter=swiftshader"]
    )
    try:
        yield chromium
    finally:
        chromium.close()


def test_webgpu_runs_the_models_where_the_browser_has_it(
    webgpu_browser: Browser,
    site_server: SiteServer,
    make_app: Callable[[BrowserContext, SiteServer], LegendaApp],
    network: NetworkLog,
) -> None:
    context = webgpu_browser.new_context()
    context.route("**/*", network.guard)
    try:
        page_has_gpu = context.new_page()
        page_has_gpu.goto(site_server.url(""))
        adapter = page_has_gpu.evaluate("async () => !!(await navigator.gpu?.requestAdapter())")
        page_has_gpu.close()
        assert adapter, "this Chromium offers no WebGPU adapter even with SwiftShader"
        app = make_app(context, site_server)
        app.open(device="webgpu")
        assert "WebGPU" not in app.status_text()  # no fallback notice
        app.caption_sample("cat.jpg")
        assert app.state == "done", app.status_text()
        assert app.text("#caption") and app.text("#translation")
        assert WEBGPU_RUNTIME in runtimes_fetched(network)
    finally:
        context.close()
    assert not network.blocked, network.blocked
