"""A job's deadline: the time its engine work must end by, and a way to stop that work early.

The job runner gives each job a Deadline. Speech code checks it between pieces of text
(``check()``); an engine that runs a child process registers a way to stop it (``on_stop``),
so passing the deadline or shutting down kills the child instead of waiting for it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class JobStopped(RuntimeError):
    """The job's deadline passed, or the server is stopping; the message is for people."""


class Deadline:
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.at = time.monotonic() + seconds
        self._lock = threading.Lock()
        self._reason: str | None = None
        self._stoppers: list[Callable[[], None]] = []
        self._timer = threading.Timer(seconds, self.stop, args=(self._timeout_reason(),))
        self._timer.daemon = True
        self._timer.start()

    def _timeout_reason(self) -> str:
        return (
            f"Saying this took longer than this server allows ({self.seconds:g} s, "
            "LEGENDA_JOB_TIMEOUT_S); try a shorter text."
        )

    def remaining(self) -> float:
        return max(0.0, self.at - time.monotonic())

    @property
    def reason(self) -> str | None:
        """Why the work was stopped, or None while it may go on."""
        return self._reason

    def check(self) -> None:
        """Raise JobStopped once the deadline passed or the work was stopped."""
        if self._reason is None and time.monotonic() >= self.at:
            self.stop(self._timeout_reason())
        if self._reason is not None:
            raise JobStopped(self._reason)

    def stop(self, reason: str) -> None:
        """Stop the work now: run every registered stopper once, the latest first (the engine's
        child is killed before the job is settled)."""
        with self._lock:
            if self._reason is not None:
                return
            self._reason = reason
            stoppers, self._stoppers = self._stoppers, []
        for stopper in reversed(stoppers):
            stopper()

    def on_stop(self, stopper: Callable[[], None]) -> Callable[[], None]:
        """Run ``stopper`` when the work is stopped (at once if it already was). Returns a
        function that unregisters it (call it when the work it guards has ended)."""
        with self._lock:
            stopped = self._reason is not None
            if not stopped:
                self._stoppers.append(stopper)
        if stopped:
            stopper()

        def forget() -> None:
            with self._lock:
                if stopper in self._stoppers:
                    self._stoppers.remove(stopper)

        return forget

    def close(self) -> None:
        """The work ended: the timer is no longer needed."""
        self._timer.cancel()


# The deadline of the job the current thread works on (engines read it; None outside jobs).
_current = threading.local()


def current() -> Deadline | None:
    return getattr(_current, "deadline", None)


def set_current(deadline: Deadline | None) -> None:
    _current.deadline = deadline
