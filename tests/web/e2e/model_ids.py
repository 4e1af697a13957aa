"""The tiny test models' ids as the page names them (under the test models' path), for the
conftest and for tests that need them outside a page (e.g. a sidecar's label allowlist)."""

CAPTION_MODEL = "legenda-test/tiny-vit-gpt2"
TRANSLATION_MODEL = "legenda-test/tiny-nllb"
FAST_TRANSLATION_MODEL = "legenda-test/tiny-opus-mt-en-ROMANCE"  # Marian, multi-target
