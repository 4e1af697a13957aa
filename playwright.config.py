"""End-to-end test settings: the browser, where the test servers listen, and how long to wait.

Read by tests/web/e2e/conftest.py (the file name has a dot, so it is loaded by path, not
imported). Environment variables override the browser path and stretch every timeout on a
slow machine.
"""

from __future__ import annotations

import os

# Debian's Chromium: Playwright's own browser download cannot work offline.
CHROMIUM_PATH = os.environ.get("LEGENDA_CHROMIUM", "/usr/bin/chromium")
# Without the networking flags Chromium keeps calling home and floods the closed network.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# The test servers listen here, on free ports; a request to any other host fails the test.
HOST = "127.0.0.1"
SITE_PREFIX = "/"  # the site at the server's root, as `make run` serves it
SUBPATH_PREFIX = "/legenda/"  # as GitHub Pages serves a project site: /<repo>/
MODELS_MOUNT = "/test-models/"  # the generated tiny models, next to the site
IMAGES_MOUNT = "/test-images/"  # images (and not-images) the tests give by URL

# Seconds. Pyodide starts in 3-5 s and a first model load takes a few more on 2 idle cores;
# the factor leaves room for a machine busy with other work.
_SLOW = float(os.environ.get("LEGENDA_E2E_SLOWDOWN", "1"))
STARTUP_TIMEOUT_S = 90 * _SLOW  # page opened -> body state "ready"
JOB_TIMEOUT_S = 120 * _SLOW  # Generate pressed -> "done" or "error" (model loads included)
EXPECT_TIMEOUT_S = 30 * _SLOW  # any other visible change

DESKTOP_VIEWPORT = {"width": 1280, "height": 900}
PHONE_VIEWPORT = {"width": 390, "height": 844}

# Screenshots the tests take, for people to look at (git-ignored).
SCREENSHOT_DIR = "test-results/screenshots"
