"""The "models in this browser" view end to end.

Transformers.js 4.3.1 keeps every model file it fetches in Cache Storage (`transformers-cache`),
the site's own models/ folder included, keyed by the file's absolute URL. After a real caption
the view must list the two tiny models with their sizes, as read back from that cache, and its
Clear button must empty it (after a confirmation) so that the next run fetches them again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from conftest import LegendaApp

CACHE_NAME = "transformers-cache"


def cached_urls(app: LegendaApp) -> list[str]:
    """The cache's keys, read directly (not through the view under test)."""
    return app.page.evaluate(
        """async name => {
            if (!(await caches.has(name))) return [];
            const cache = await caches.open(name);
            return (await cache.keys()).map(r => r.url);
        }""",
        CACHE_NAME,
    )


def listed_models(app: LegendaApp) -> list[str]:
    return app.page.locator("#model-cache .model-cache-name").all_inner_texts()


def wait_listed(app: LegendaApp, count: int) -> None:
    app.page.wait_for_function(
        "n => document.querySelector('#model-cache').dataset.models === String(n)", arg=count
    )


def test_cached_models_are_listed_and_cleared(app: LegendaApp) -> None:
    app.open()
    wait_listed(app, 0)
    assert "No models are stored" in app.text("#model-cache .model-cache-summary")
    assert app.page.locator("#model-cache .model-cache-clear").is_disabled()

    app.caption_url(app.server.image_url("red.png"))
    assert app.state == "done"
    wait_listed(app, 2)
    urls = cached_urls(app)
    models_base = app.server.origin + "/test-models/"
    assert f"{models_base}{app.caption_model}/onnx/encoder_model_quantized.onnx" in urls
    assert f"{models_base}{app.translation_model}/tokenizer.json" in urls
    # Transformers.js caches ONNX Runtime's wasm files too; the view names them apart.
    runtime = "ONNX Runtime (WebAssembly)"
    assert sorted(listed_models(app)) == sorted([app.caption_model, app.translation_model, runtime])
    # Sizes are the cached bytes: every group weighs kilobytes or megabytes.
    sizes = app.page.locator("#model-cache .model-cache-size").all_inner_texts()
    assert all(size.strip().endswith(("KB", "MB")) for size in sizes), sizes
    assert "from this site" in app.text("#model-cache .model-cache-list")
    summary = app.text("#model-cache .model-cache-summary")
    assert summary.startswith("2 models and the ONNX Runtime engine stored")

    app.page.locator("#model-cache .model-cache-clear").click()
    confirm = app.page.locator("#model-cache .model-cache-confirm")
    assert "Delete everything listed" in confirm.inner_text()
    confirm.locator(".model-cache-confirm-no").click()
    assert confirm.is_hidden()
    assert len(cached_urls(app)) == len(urls)  # Cancel deletes nothing

    app.page.locator("#model-cache .model-cache-clear").click()
    confirm.locator(".model-cache-confirm-yes").click()
    app.page.wait_for_function("document.querySelector('#model-cache').dataset.entries === '0'")
    assert cached_urls(app) == []
    assert listed_models(app) == []

    # Loaded pipelines stay in memory; the next visit fetches the files again and lists them.
    app.page.reload()
    app.wait_state("ready")
    app.caption_url(app.server.image_url("red.png"))
    assert app.state == "done"
    wait_listed(app, 2)
    app.screenshot("model-cache")


def test_cache_entries_are_grouped_by_model(app: LegendaApp) -> None:
    """The grouping rule on the URLs Transformers.js uses as keys: hub, site and runtime files."""
    app.open(wait_for=())
    site = app.server.origin + "/models/"
    described = app.page.evaluate(
        """async ([site, urls]) => {
            const { describeCachedUrl } = await import('./ui/model-cache.js');
            return urls.map(url => describeCachedUrl(url, site));
        }""",
        [site, [
            "https://huggingface.co/Xenova/vit-gpt2-image-captioning/resolve/main/onnx/"
            "encoder_model_quantized.onnx",
            "https://huggingface.co/Xenova/nllb-200-distilled-600M/resolve/main/tokenizer.json",
            site + "Xenova/vit-gpt2-image-captioning/onnx/decoder_model_merged_quantized.onnx",
            site + "gpt2/config.json",
            app.server.origin + "/vendor/ort/ort-wasm-simd-threaded.wasm",
        ]],
    )
    assert described == [
        {"model": "Xenova/vit-gpt2-image-captioning", "source": "hub",
         "file": "onnx/encoder_model_quantized.onnx"},
        {"model": "Xenova/nllb-200-distilled-600M", "source": "hub", "file": "tokenizer.json"},
        {"model": "Xenova/vit-gpt2-image-captioning", "source": "site",
         "file": "onnx/decoder_model_merged_quantized.onnx"},
        {"model": "gpt2", "source": "site", "file": "config.json"},
        {"model": "ONNX Runtime (WebAssembly)", "source": "runtime",
         "file": "ort-wasm-simd-threaded.wasm"},
    ]
