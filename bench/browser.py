"""What the browser benches share: the served site and models, Chromium launches tagged so their
processes can be found, memory sampled per Chromium process, and timing from worker messages.
"""

from __future__ import annotations

import importlib.util
import os
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, CDPSession, Page, Playwright

ROOT = Path(__file__).resolve().parents[1]
PREFIX = "/legenda/"
# How long a step may take before the bench gives up (a real-size first load on a busy 2-core
# machine takes minutes).
WAIT_S = float(os.environ.get("BENCH_WAIT_S", 900))
# Records every message a page's (or harness's) workers send, with its time since page start.
TAP_WORKERS = """
window.msgs = [];
window.longTasks = [];
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) window.longTasks.push([e.startTime, e.duration]);
}).observe({ type: "longtask", buffered: true });
const Native = window.Worker;
window.Worker = class extends Native {
  constructor(url, options) {
    const u = new URL(url, location.href);
    for (const [k, v] of Object.entries(window.workerQuery || {})) u.searchParams.set(k, v);
    super(u, options);
    this.addEventListener("message", (e) =>
      window.msgs.push({ ...e.data, t: performance.now() }));
    this.addEventListener("error", (e) =>
      window.msgs.push({ type: "worker-error", message: e.message, t: performance.now() }));
  }
};
"""


def playwright_settings() -> Any:
    spec = importlib.util.spec_from_file_location("pw_config", ROOT / "playwright.config.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@dataclass
class Chromium:
    """A launched browser and a tag on its command line that finds its processes."""

    browser: Browser
    tag: str
    memory: MemorySampler = field(init=False)

    def __post_init__(self) -> None:
        self.memory = MemorySampler(self.tag)


@contextmanager
def chromium(playwright: Playwright) -> Iterator[Chromium]:
    """A fresh Chromium (empty profile: nothing cached) with its memory sampled throughout."""
    settings = playwright_settings()
    tag = f"--legenda-bench={uuid.uuid4().hex}"
    browser = playwright.chromium.launch(
        executable_path=settings.CHROMIUM_PATH, args=[*settings.CHROMIUM_ARGS, tag]
    )
    launched = Chromium(browser, tag)
    launched.memory.start()
    try:
        yield launched
    finally:
        launched.memory.stop()
        browser.close()


def tapped_page(launched: Chromium, worker_query: dict[str, str] | None = None) -> Page:
    page = launched.browser.new_page()
    page.add_init_script(f"window.workerQuery = {worker_query or {}!r};" + TAP_WORKERS)
    main_thread_s(page)  # metrics on from the start
    return page


# --- memory ------------------------------------------------------------------------------------

def _kind(cmdline: list[str]) -> str:
    """Chromium's process kind from its switches: browser, renderer, gpu, network, storage..."""
    for arg in cmdline:
        if arg.startswith("--utility-sub-type="):
            return arg.split("=", 1)[1].split(".")[0]  # network.mojom.NetworkService -> network
    for arg in cmdline:
        if arg.startswith("--type="):
            return {"gpu-process": "gpu"}.get(arg.split("=", 1)[1], arg.split("=", 1)[1])
    return "browser"


def _processes(tag: str) -> dict[int, str]:
    """The tagged browser process and its descendants, by pid, with their kind."""
    parents: dict[int, int] = {}
    cmdlines: dict[int, list[str]] = {}
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            stat = (proc / "stat").read_text()
            # Chromium rewrites its children's titles: switches may be split by spaces.
            raw = (proc / "cmdline").read_bytes().decode()
            cmdlines[int(proc.name)] = raw.replace("\0", " ").split()
        except OSError:
            continue
        parents[int(proc.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found = {pid for pid, cmd in cmdlines.items() if tag in cmd}
    grew = True
    while grew:
        more = {pid for pid, parent in parents.items() if parent in found} - found
        found |= more
        grew = bool(more)
    return {pid: _kind(cmdlines[pid]) for pid in found if pid in cmdlines}


def _pss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


class MemorySampler(threading.Thread):
    """Samples the proportional set size (PSS) of each process of one Chromium every 0.2 s and
    keeps, per process kind, the peak of one process and the peak of all of them together."""

    def __init__(self, tag: str) -> None:
        super().__init__(daemon=True)
        self.tag = tag
        self.peak_by_kind: dict[str, float] = {}
        self.peak_total = 0.0
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.wait(0.2):
            self.sample()

    def sample(self) -> None:
        total = 0.0
        for pid, kind in _processes(self.tag).items():
            mb = _pss_mb(pid)
            total += mb
            self.peak_by_kind[kind] = max(self.peak_by_kind.get(kind, 0.0), mb)
        self.peak_total = max(self.peak_total, total)

    def reset(self) -> None:
        self.peak_by_kind, self.peak_total = {}, 0.0

    def stop(self) -> None:
        self._stop_event.set()
        self.join(timeout=5)

    def figures(self) -> dict[str, float]:
        figures = {f"peak MB, one {kind}": mb for kind, mb in sorted(self.peak_by_kind.items())}
        return figures | {"peak MB, all processes": self.peak_total}


# --- timing from worker messages --------------------------------------------------------------

def first_t(page: Page, predicate: str, after: float = 0.0) -> float | None:
    value = page.evaluate(
        f"(after) => window.msgs.find(m => m.t >= after && ({predicate}))?.t ?? null", after
    )
    return None if value is None else float(value)


def wait_message(page: Page, predicate: str, timeout_s: float = WAIT_S) -> None:
    """Wait for a message matching ``predicate``; stop at once on a worker's failure."""
    failed = "['worker-error', 'fatal'].includes(m.type)"
    page.wait_for_function(f"window.msgs.some(m => ({predicate}) || {failed})",
                           timeout=timeout_s * 1000)
    failure = page.evaluate(f"window.msgs.find(m => {failed})")
    if failure:
        raise SystemExit(f"a worker failed: {failure}")


def job_stages(page: Page, job: str, sent: float) -> dict[str, float]:
    """A job's time split by stage, from its messages (milliseconds)."""
    of_job = f"m.jobId === '{job}'"
    errors = page.evaluate(f"window.msgs.filter(m => {of_job} && m.type === 'item-error')")
    if errors:
        first = errors[0]
        raise SystemExit(f"the worker reported an error: {first['key']} {first.get('params')}")
    captioning = first_t(page, f"{of_job} && m.stage === 'captioning'")
    translating = first_t(page, f"{of_job} && m.stage === 'translating'")
    done = first_t(page, f"{of_job} && m.type === 'done'")
    assert captioning is not None and translating is not None and done is not None
    waiting = first_t(page, f"{of_job} && m.stage === 'model' && m.params.role === 'translation'")
    captioned = waiting if waiting is not None and waiting > captioning else translating
    return {
        "until captioning": captioning - sent,  # image + captioning-model load if any
        "captioning": captioned - captioning,
        "translation load (left)": translating - captioned,  # 0 once it is loaded
        "translating": done - translating,
        "total": done - sent,
    }


def blocking(page: Page, start: float, end: float) -> dict[str, float]:
    """Main-thread long tasks (50 ms or more) between ``start`` and ``end``: the longest and
    the total blocking time (each task's time beyond 50 ms)."""
    tasks = [d for s, d in page.evaluate("window.longTasks") if start <= s <= end]
    return {"longest main-thread task": max(tasks, default=0.0),
            "total blocking time": sum(max(0.0, d - 50) for d in tasks)}


def count(page: Page, predicate: str, start: float = 0.0) -> int:
    return int(page.evaluate(
        f"(start) => window.msgs.filter(m => m.t >= start && ({predicate})).length", start))


_SESSIONS: dict[int, CDPSession] = {}


def main_thread_s(page: Page) -> float:
    """Seconds the page's main thread has spent running tasks so far (Chromium's TaskDuration):
    many short tasks (a flood of messages) add up here though none is a long task. One
    DevTools session per page, kept: enabling the metrics again starts them from zero."""
    if id(page) not in _SESSIONS:
        _SESSIONS[id(page)] = page.context.new_cdp_session(page)
        _SESSIONS[id(page)].send("Performance.enable")
    metrics = _SESSIONS[id(page)].send("Performance.getMetrics")["metrics"]
    return float(next(m["value"] for m in metrics if m["name"] == "TaskDuration"))


def now(page: Page) -> float:
    return float(page.evaluate("performance.now()"))
