"""The site as a whole: nothing leaves 127.0.0.1, it works under a sub-path, it fits a phone,
and it can be used with the keyboard alone."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from playwright.sync_api import BrowserContext

if TYPE_CHECKING:
    from collections.abc import Callable

    from conftest import LegendaApp, NetworkLog, SiteServer

    MakeApp = Callable[[BrowserContext, SiteServer], LegendaApp]


def test_requests_never_leave_the_machine(app: LegendaApp, network: NetworkLog) -> None:
    answers: list[tuple[int, str]] = []
    app.page.on("response", lambda response: answers.append((response.status, response.url)))
    app.open()
    assert app.caption_sample("cat.jpg") == "done", app.status_text()
    # The build is complete: nothing the page or its worker asked for was missing.
    missing = [f"{status} {url}" for status, url in answers if status >= 400]
    assert not missing, missing
    hosts = {urlsplit(url).hostname for url in network.requested}
    assert hosts == {"127.0.0.1"}, hosts
    paths = [urlsplit(url).path for url in network.requested]
    # The runtime and the models really came from this server (no CDN, no hub).
    for needed in (
        "/vendor/pyodide/pyodide.asm.wasm",
        "/vendor/transformers/transformers.min.js",
        f"{app.settings.MODELS_MOUNT}{app.caption_model}/config.json",
    ):
        assert needed in paths, f"{needed} was not requested"
    assert any(path.startswith("/vendor/ort/") and path.endswith(".wasm") for path in paths)


def test_the_guard_catches_outside_requests(app: LegendaApp, network: NetworkLog) -> None:
    # The teardown check is only worth something if the guard really sees other hosts.
    app.page.goto(app.server.url("samples/README.md"))
    outcome = app.page.evaluate(
        "() => fetch('http://example.invalid/x').then(() => 'fetched', () => 'blocked')"
    )
    assert outcome == "blocked"
    assert network.blocked == ["http://example.invalid/x"]
    network.blocked.clear()  # expected here; any other test fails on it


def test_works_under_a_sub_path(
    make_app: MakeApp, context: BrowserContext, subpath_server: SiteServer, network: NetworkLog
) -> None:
    app = make_app(context, subpath_server)
    app.open(models="models/")  # relative: /legenda/models/
    assert app.caption_sample("rocket.jpg") == "done", app.status_text()
    assert app.text("#caption")
    prefix = app.settings.SUBPATH_PREFIX
    for url in network.requested:
        path = urlsplit(url).path
        assert path.startswith(prefix) or path.startswith(app.settings.IMAGES_MOUNT), url
    assert f"{prefix}models/{app.caption_model}/config.json" in {
        urlsplit(url).path for url in network.requested
    }


def test_phone_screen_has_no_horizontal_overflow(
    make_app: MakeApp, phone_context: BrowserContext, site_server: SiteServer
) -> None:
    app = make_app(phone_context, site_server)
    app.open()
    app.caption_files(app.samples_dir / "cat.jpg", app.samples_dir / "coffee.jpg")
    assert app.state == "done", app.status_text()
    overflow = app.page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"the page is {overflow}px wider than a 390px screen"
    generate = app.page.locator("#generate").bounding_box()
    assert generate and generate["x"] >= 0 and generate["x"] + generate["width"] <= 390
    app.screenshot("phone-390x844")


def focus_order(app: LegendaApp, stop_at: str, limit: int = 40) -> list[str]:
    """Press Tab until ``stop_at`` has focus; what was focused on the way (an id, a sample
    photo's name, or else the element's last class)."""
    seen: list[str] = []
    for _ in range(limit):
        app.page.keyboard.press("Tab")
        seen.append(app.page.evaluate(
            "(e => e.id || (e.dataset.sample ? 'sample:' + e.dataset.sample"
            " : [...e.classList].pop() || e.tagName))"
            "(document.activeElement)"
        ))
        if seen[-1] == stop_at:
            return seen
    raise AssertionError(f"Tab never reached #{stop_at}: {seen}")


def test_keyboard_only(app: LegendaApp) -> None:
    app.open()
    keyboard = app.page.keyboard
    # Every control of the form is reached by Tab, in reading order.
    order = focus_order(app, "generate")
    wanted = ["image-file", "image-url", "sample:cat.jpg", "sample:rocket.jpg", "lang", "generate"]
    assert [name for name in order if name in wanted] == wanted, order
    # Type an address and press Enter: that generates.
    app.page.locator("#image-url").focus()
    keyboard.type(app.server.image_url("red.png"))
    app.record_states()
    keyboard.press("Enter")
    assert app.wait_state("done", "error") == "done", app.status_text()
    # A sample photo is a button: focus it and press Space.
    app.page.locator('#sample-list button[data-sample="coffee.jpg"]').focus()
    app.record_states()
    keyboard.press("Space")
    assert app.wait_state("done", "error") == "done", app.status_text()
    assert app.page.locator("#preview").get_attribute("src").endswith("/samples/coffee.jpg")
    # The result's buttons are reachable too.
    assert "clear-results" in focus_order(app, "result-copy", limit=80)
