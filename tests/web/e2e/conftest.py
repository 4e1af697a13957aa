"""End-to-end test infrastructure: the real site, the real browser, tiny generated models.

Per session: the site is built from the current web/ sources (scripts/build_site.py) into a
temporary folder, the tiny test models are generated (cached) and linked under one root, a static
server serves both on a free port of 127.0.0.1, and one Chromium starts. Per test: a fresh
browser context whose every request to a host other than 127.0.0.1 is aborted and recorded; the
test fails at teardown if there was any.

Tests drive the page through the ``app`` fixture (``LegendaApp``) and wait on visible state
(body.dataset.state, element text), never on time.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from urllib.parse import urlencode, urlsplit

import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    Playwright,
    Route,
    expect,
    sync_playwright,
)

from scripts.serve_site import make_server, serve_in_thread
from tests.model_factory.captioner import captioner_model
from tests.model_factory.chat_model import chat_model
from tests.model_factory.links import link_models
from tests.model_factory.marian import marian_model
from tests.model_factory.t5 import t5_model
from tests.model_factory.translator import translator_model
from tests.web.e2e.model_ids import CAPTION_MODEL, FAST_TRANSLATION_MODEL, TRANSLATION_MODEL
from tests.web.e2e.sidecar import (  # noqa: F401 - the sidecar fixtures, for every e2e test
    bark_sidecar,
    chat_sidecar,
    espeak_sidecar,
    sidecar_later,
)

REPO_ROOT = Path(__file__).resolve().parents[3]


def _load_settings() -> ModuleType:
    # "playwright.config.py" is not an importable module name: load it by path.
    spec = importlib.util.spec_from_file_location(
        "legenda_playwright_config", REPO_ROOT / "playwright.config.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


E2E = _load_settings()
expect.set_options(timeout=E2E.EXPECT_TIMEOUT_S * 1000)


# --- session: site, models, images, servers, browser -------------------------------------------


@pytest.fixture(scope="session")
def site_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site built from the current sources, exactly as `make site` builds it."""
    out = tmp_path_factory.mktemp("e2e") / "site"
    result = subprocess.run(
        [sys.executable, str(REPO_ROOT / "scripts" / "build_site.py"), "--out", str(out)],
        cwd=REPO_ROOT, capture_output=True, text=True, check=False,
    )
    if result.returncode != 0:
        pytest.fail(f"scripts/build_site.py failed:\n{result.stdout}\n{result.stderr}")
    return out


@pytest.fixture(scope="session")
def models_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny captioning, translation (NLLB and Marian) and playground models under
    <root>/<org>/<name>."""
    root = tmp_path_factory.mktemp("test-models")
    return link_models(
        root, captioner_model(), translator_model(), marian_model(), chat_model(), t5_model()
    )


@pytest.fixture(scope="session")
def images_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Things to give the page by URL: a real PNG, and a text file posing as an image."""
    from PIL import Image  # the test-only dependency stays out of module import time

    root = tmp_path_factory.mktemp("test-images")
    Image.new("RGB", (96, 64), (200, 60, 40)).save(root / "red.png")
    (root / "not-an-image.jpg").write_text("This is a text file, not a picture.\n")
    return root


@dataclass
class SiteServer:
    """A running static server; ``url(path)`` is the address of a path of the site."""

    base: str  # e.g. http://127.0.0.1:43123/legenda/
    origin: str  # e.g. http://127.0.0.1:43123

    def url(self, path: str = "") -> str:
        return self.base + path.lstrip("/")

    def image_url(self, name: str) -> str:
        return self.origin + E2E.IMAGES_MOUNT + name


def _serve(site: Path, prefix: str, mounts: dict[str, Path]) -> Iterator[SiteServer]:
    server = make_server(site, host=E2E.HOST, port=0, prefix=prefix, mounts=mounts, quiet=True)
    serve_in_thread(server)
    origin = f"http://{E2E.HOST}:{server.server_port}"
    try:
        yield SiteServer(base=origin + prefix, origin=origin)
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def site_server(site_root: Path, models_root: Path, images_root: Path) -> Iterator[SiteServer]:
    """The site at the server's root; the models at /test-models/, test images at /test-images/."""
    yield from _serve(
        site_root, E2E.SITE_PREFIX,
        {E2E.MODELS_MOUNT: models_root, E2E.IMAGES_MOUNT: images_root},
    )


@pytest.fixture(scope="session")
def subpath_server(site_root: Path, models_root: Path, images_root: Path) -> Iterator[SiteServer]:
    """The site under /legenda/ (as GitHub Pages serves it), its models at /legenda/models/."""
    yield from _serve(
        site_root, E2E.SUBPATH_PREFIX,
        {E2E.SUBPATH_PREFIX + "models/": models_root, E2E.IMAGES_MOUNT: images_root},
    )


@pytest.fixture(scope="session")
def playwright_driver() -> Iterator[Playwright]:
    driver = sync_playwright().start()
    try:
        yield driver
    finally:
        driver.stop()


@pytest.fixture(scope="session")
def launch_chromium(playwright_driver: Playwright) -> Callable[..., Browser]:
    """``launch_chromium(add=[...], drop=[...])``: Debian's Chromium with the e2e flags, some
    added or dropped (the caller closes it)."""

    def launch(add: Sequence[str] = (), drop: Sequence[str] = ()) -> Browser:
        args = [arg for arg in E2E.CHROMIUM_ARGS if arg not in drop] + list(add)
        return playwright_driver.chromium.launch(
            executable_path=E2E.CHROMIUM_PATH, args=args, headless=True
        )

    return launch


@pytest.fixture(scope="session")
def browser(launch_chromium: Callable[..., Browser]) -> Iterator[Browser]:
    """One Chromium for the whole session (starting one costs ~10 s)."""
    chromium = launch_chromium()
    try:
        yield chromium
    finally:
        chromium.close()


# --- per test: an isolated context with a request guard -----------------------------------------


@dataclass
class NetworkLog:
    """Every URL the page asked for, and those the guard aborted (not on 127.0.0.1)."""

    requested: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)

    def guard(self, route: Route) -> None:
        url = route.request.url
        self.requested.append(url)
        if urlsplit(url).hostname == E2E.HOST:
            route.continue_()
        else:
            self.blocked.append(url)
            route.abort("blockedbyclient")


@pytest.fixture
def network() -> NetworkLog:
    return NetworkLog()


def _new_context(browser: Browser, network: NetworkLog, viewport: dict[str, int]) -> BrowserContext:
    context = browser.new_context(viewport=viewport)  # type: ignore[arg-type]  # a ViewportSize
    context.set_default_timeout(E2E.EXPECT_TIMEOUT_S * 1000)
    context.route("**/*", network.guard)
    return context


def _guarded_context(
    browser: Browser, network: NetworkLog, viewport: dict[str, int]
) -> Iterator[BrowserContext]:
    """A context for one test; the test fails if its page tried to reach another host."""
    context = _new_context(browser, network, viewport)
    try:
        yield context
    finally:
        context.close()
    assert not network.blocked, f"the page tried to leave {E2E.HOST}: {network.blocked}"


@pytest.fixture
def context(browser: Browser, network: NetworkLog) -> Iterator[BrowserContext]:
    yield from _guarded_context(browser, network, E2E.DESKTOP_VIEWPORT)


@pytest.fixture
def phone_context(browser: Browser, network: NetworkLog) -> Iterator[BrowserContext]:
    yield from _guarded_context(browser, network, E2E.PHONE_VIEWPORT)


# --- the page -------------------------------------------------------------------------------------

TEST_SETTINGS = {
    "models": E2E.MODELS_MOUNT,
    "remote_models": "0",
    "caption_model": CAPTION_MODEL,
    "translation_model": TRANSLATION_MODEL,
    "tts": "",  # no speech sidecar unless a test starts one
}
FINAL_STATES = ("done", "error")


class LegendaApp:
    """The Legenda page in one browser tab, driven as a user would.

    Test modules use this through the ``app`` fixture; the class attributes below spare them
    from importing this conftest (which pytest imports under its own name).
    """

    caption_model = CAPTION_MODEL
    translation_model = TRANSLATION_MODEL
    fast_translation_model = FAST_TRANSLATION_MODEL
    samples_dir = REPO_ROOT / "web" / "samples"
    settings = E2E

    def __init__(self, page: Page, server: SiteServer) -> None:
        self.page = page
        self.server = server
        self.console_errors: list[str] = []
        page.on("console", self._on_console)
        page.on("pageerror", lambda error: self.console_errors.append(f"pageerror: {error}"))
        # An uncaught error (a module that does not parse) would leave the page in "loading":
        # wait_state sees it and fails at once instead of at its timeout.
        page.add_init_script(
            "window.addEventListener('error', (e) => "
            "(window.__legendaPageErrors ||= []).push(String(e.message)));"
        )

    def _on_console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.console_errors.append(message.text)

    # navigation and state

    def open(self, wait_for: tuple[str, ...] = ("ready",), **settings: str) -> LegendaApp:
        """Open the page with the test settings (overridden by ``settings``; None drops one)."""
        params = {**TEST_SETTINGS, **settings}
        query = urlencode({k: v for k, v in params.items() if v is not None})
        self.page.goto(self.server.url("?" + query))
        if wait_for:
            self.wait_state(*wait_for, timeout_s=E2E.STARTUP_TIMEOUT_S)
        return self

    @property
    def state(self) -> str:
        return str(self.page.evaluate("document.body.dataset.state"))

    def wait_state(self, *states: str, timeout_s: float = E2E.JOB_TIMEOUT_S) -> str:
        """Wait until body.dataset.state is one of ``states``; return it."""
        try:
            self.page.wait_for_function(
                "states => states.includes(document.body.dataset.state)"
                " || (window.__legendaPageErrors || []).length > 0",
                arg=list(states), timeout=timeout_s * 1000,
            )
        except Exception as error:  # add what the user saw to the timeout's message
            raise AssertionError(
                f"state stayed {self.state!r} (wanted {states}); status: {self.status_text()!r};"
                f" console errors: {self.console_errors}"
            ) from error
        page_errors = self.page.evaluate("window.__legendaPageErrors || []")
        assert not page_errors, f"uncaught errors in the page: {page_errors}"
        return self.state

    def record_states(self) -> None:
        """Start recording the states body.dataset.state goes through (see recorded_states)."""
        # Observer callbacks come in batches, so each record's oldValue is what tells the
        # sequence: [state before change 1, before change 2, ..., state now].
        self.page.evaluate(
            """() => {
                window.__legendaObserver?.disconnect();
                window.__statesBefore = [];
                window.__legendaObserver = new MutationObserver((records) => {
                    for (const record of records) window.__statesBefore.push(record.oldValue);
                });
                window.__legendaObserver.observe(document.body, {
                    attributes: true, attributeFilter: ['data-state'], attributeOldValue: true,
                });
            }"""
        )

    def recorded_states(self) -> list[str]:
        """Every state since record_states(), the current one last."""
        return list(
            self.page.evaluate(
                "() => { window.__legendaObserver.takeRecords().forEach("
                "r => window.__statesBefore.push(r.oldValue));"
                " return [...window.__statesBefore, document.body.dataset.state]; }"
            )
        )

    # reading the page

    def text(self, selector: str) -> str:
        return self.page.locator(selector).inner_text().strip()

    def status_text(self) -> str:
        return self.text("#status")

    # giving images

    def generate(self, expect: tuple[str, ...] = FINAL_STATES) -> str:
        """Press Generate, see the page start working, and wait for it to finish."""
        self.record_states()
        self.page.locator("#generate").click()
        return self.wait_state(*expect)

    def caption_url(self, url: str) -> str:
        self.page.locator("#image-url").fill(url)
        return self.generate()

    def caption_files(self, *paths: Path) -> str:
        self.page.locator("#image-file").set_input_files([str(p) for p in paths])
        return self.generate()

    def caption_sample(self, name: str = "cat.jpg") -> str:
        self.record_states()
        self.page.locator(f'#sample-list button[data-sample="{name}"]').click()
        return self.wait_state(*FINAL_STATES)

    # evidence

    def screenshot(self, name: str) -> Path:
        path = REPO_ROOT / E2E.SCREENSHOT_DIR / f"{name}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(path), full_page=True)
        return path


@pytest.fixture
def make_app() -> Callable[[BrowserContext, SiteServer], LegendaApp]:
    """For tests that need another screen or server: ``make_app(context, server)``."""
    return lambda context, server: LegendaApp(context.new_page(), server)


@pytest.fixture
def app(context: BrowserContext, site_server: SiteServer) -> Iterator[LegendaApp]:
    """The page on a desktop-sized screen, served at the server's root (not opened yet)."""
    page = context.new_page()
    legenda = LegendaApp(page, site_server)
    yield legenda
    if legenda.console_errors:
        print("browser console errors:", *legenda.console_errors, sep="\n  ")
