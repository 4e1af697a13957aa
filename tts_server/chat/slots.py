"""At most LEGENDA_CHAT_SLOTS generations at once; a request waits at most
LEGENDA_CHAT_WAIT_S for a slot, then gets 429 (the caller's job)."""

from __future__ import annotations

import threading
import time


class Slots:
    def __init__(self, count: int, wait_s: float) -> None:
        self.count, self.wait_s = count, wait_s
        self._free = count
        self._changed = threading.Condition()

    def acquire(self) -> bool:
        """Take a slot, waiting up to ``wait_s``; False when none came free in time."""
        deadline = time.monotonic() + self.wait_s
        with self._changed:
            while self._free == 0:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._changed.wait(left)
            self._free -= 1
            return True

    def release(self) -> None:
        with self._changed:
            self._free += 1
            self._changed.notify()

    @property
    def running(self) -> int:
        return self.count - self._free
