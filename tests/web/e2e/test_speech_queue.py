"""The page on a sidecar whose jobs go through Redis: the real page, an API process, a real
redis-server and, once the page shows its place in line, a worker process."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import requests
from test_speech import wait_audio, wait_speech, wait_voices

from tests.services import WorkerProcess, running_redis
from tests.sidecar_process import running_sidecar, sidecar_env

if TYPE_CHECKING:
    from pathlib import Path

    from conftest import LegendaApp

TIMEOUT = 60


def test_the_page_says_its_place_in_line_then_speaks(app: LegendaApp, tmp_path: Path) -> None:
    with running_redis(tmp_path / "redis") as redis_url:
        env = {**sidecar_env(tmp_path / "audio", "espeak"), "LEGENDA_QUEUE_URL": redis_url}
        with running_sidecar(tmp_path, env, until=None) as api:
            deadline = time.monotonic() + TIMEOUT
            while requests.get(f"{api.url}/api/voices", timeout=TIMEOUT).status_code != 200:
                assert time.monotonic() < deadline, "the API never learned its voices"
                time.sleep(0.2)
            # No worker yet: two texts wait in the queue ahead of the page's.
            for text in ("Primeiro na fila.", "Segundo na fila."):
                answer = requests.post(f"{api.url}/api/speech", json={"text": text},
                                       timeout=TIMEOUT)
                assert answer.json()["status"] == "queued", answer.text
            app.open(tts=api.url)
            wait_voices(app, "pt")
            app.caption_url(app.server.image_url("red.png"))
            app.page.wait_for_function(
                "document.querySelector('#speech-status').textContent.includes('3rd in line')"
            )
            assert app.page.locator("#speech-panel").get_attribute("data-speech") == "queued"

            worker = WorkerProcess(tmp_path, env).start()
            try:
                assert wait_speech(app, "done", "error") == "done", app.text("#speech-panel")
                assert str(wait_audio(app)["src"]).startswith(api.url + "/api/audio/")
            finally:
                worker.stop()
