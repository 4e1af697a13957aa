"""The queue in this process (the default, without ``LEGENDA_QUEUE_URL``): a bounded queue and
``LEGENDA_TTS_THREADS`` synthesis threads that say its jobs with this process's model.

A job whose deadline passed while its engine has not stopped keeps its thread busy: until the
thread comes back it counts as stuck (``synthesizers()``, shown by /api/health).
"""

from __future__ import annotations

import queue
import threading
import time
from collections import OrderedDict

from .deadline import Deadline
from .jobs import (
    STOPPED_BY_SHUTDOWN,
    Closing,
    Job,
    JobEvents,
    QueueFull,
    describe_failure,
    done_job,
    log_failure,
    make_audio,
)
from .model import SpeechModel
from .statuses import JobStatus
from .store import AudioStorage

# Failed jobs kept so a client polling its id learns why; older ones are forgotten.
_FAILED_KEPT = 256


class LocalQueue:
    """Says each job with ``model`` in one of ``threads`` synthesis threads and stores the WAV.

    A thread waits for the model to finish loading before each job (not part of the job's
    deadline); while it cannot be loaded every job fails saying why.
    """

    streams_pieces = True  # its threads say the jobs here

    def __init__(
        self,
        model: SpeechModel,
        store: AudioStorage,
        queue_size: int,
        threads: int = 1,
        events: JobEvents | None = None,
        job_timeout_s: float = 300.0,
    ) -> None:
        self._model = model
        self._job_timeout_s = job_timeout_s
        self._running: dict[str, tuple[Job, Deadline]] = {}  # thread name -> its job
        self._closing = False
        self._store = store
        self._events = events
        # Unbounded, so stop() can always post its end markers; submit() keeps the size.
        self._queue: queue.Queue[Job | None] = queue.Queue()
        self._queue_size = queue_size
        self._active: dict[str, Job] = {}
        self._failed: OrderedDict[str, Job] = OrderedDict()
        self._lock = threading.Lock()
        self._threads = [
            threading.Thread(target=self._work, name=f"speech-synthesis-{n}", daemon=True)
            for n in range(threads)
        ]

    def start(self) -> None:
        """Load the model in the background and start the synthesis threads."""
        threading.Thread(target=self._model.load, name="speech-model-loader", daemon=True).start()
        for thread in self._threads:
            thread.start()

    def stop(self, grace_s: float = 10.0) -> None:
        """Take no more work; waiting jobs fail, saying why; running jobs get ``grace_s`` to
        finish, then their engine work is stopped (children killed) and they fail."""
        dropped: list[Job] = []
        with self._lock:
            self._closing = True
            while True:
                try:
                    job = self._queue.get_nowait()
                except queue.Empty:
                    break
                if job is not None:
                    dropped.append(job)
        for job in dropped:
            self._finish(job, JobStatus.FAILED, STOPPED_BY_SHUTDOWN)
        for _ in self._threads:
            self._queue.put(None)
        end = time.monotonic() + grace_s
        for thread in self._threads:
            if thread.is_alive():
                thread.join(max(0.0, end - time.monotonic()))
        with self._lock:
            running = list(self._running.values())
        for _job, deadline in running:
            deadline.stop(STOPPED_BY_SHUTDOWN)
        for thread in self._threads:
            if thread.is_alive():
                thread.join(5.0)  # a killed child ends its call at once; torch ends its step

    def synthesizers(self) -> dict[str, object]:
        """The synthesis threads: ``{"state": idle|busy|stuck, "total", "busy", "stuck"}``;
        stuck = still working on a job whose deadline passed (its engine did not stop)."""
        with self._lock:
            running = list(self._running.values())
        stuck = sum(1 for _, deadline in running if deadline.reason is not None)
        state = "stuck" if stuck else "busy" if running else "idle"
        return {"state": state, "total": len(self._threads), "busy": len(running), "stuck": stuck}

    def submit(self, speech_id: str, text: str, voice: str, speed: float = 1.0) -> Job:
        """The job making ``speech_id``: an existing one, a finished one, or a new queued one."""
        with self._lock:
            existing = self._existing(speech_id)
            if existing is not None:
                return existing
            if self._closing:
                raise Closing
            if self._queue.qsize() >= self._queue_size:  # only submit() adds, under the lock
                raise QueueFull
            job = Job(speech_id, text, voice, speed)
            self._queue.put_nowait(job)
            self._failed.pop(speech_id, None)  # a new attempt replaces the old failure
            self._active[speech_id] = job
            return job

    def get(self, speech_id: str) -> Job | None:
        """The current state of ``speech_id``, or None when it is unknown."""
        with self._lock:
            return self._existing(speech_id) or self._failed.get(speech_id)

    def _existing(self, speech_id: str) -> Job | None:
        """The queued or running job for ``speech_id``, or a done one when its audio is stored.

        Called with the lock held.
        """
        job = self._active.get(speech_id)
        if job is None and self._store.contains(speech_id):
            job = done_job(speech_id)
        return job

    def position(self, job: Job) -> int:
        """Jobs ahead of ``job`` (running or queued before it); 0 once it runs."""
        with self._lock:
            if job.status != JobStatus.QUEUED or self._active.get(job.id) is not job:
                return 0
            # In the order they were queued: those before it run or wait ahead of it.
            for ahead, other in enumerate(self._active.values()):
                if other is job:
                    return ahead
        return 0

    def wait(self, job: Job, seconds: float) -> Job:
        """``job`` once it is settled, or after ``seconds``."""
        job.finished.wait(seconds)
        return job

    def depth(self) -> int:
        """Jobs waiting or running."""
        with self._lock:
            return len(self._active)

    def _work(self) -> None:
        while True:
            job = self._queue.get()
            if job is None:
                return
            self._run(job)

    def _run(self, job: Job) -> None:
        try:
            self._model.require()  # may wait for the model: not part of the job's deadline
        except Exception as error:
            self._fail(job, error)
            return
        deadline = Deadline(self._job_timeout_s)
        thread = threading.current_thread().name
        # At the deadline the job fails at once, even while its engine has not stopped.
        deadline.on_stop(lambda: self._finish(job, JobStatus.FAILED, deadline.reason))
        with self._lock:
            self._running[thread] = (job, deadline)
        try:
            job.status = JobStatus.RUNNING
            if self._events:
                self._events.job_started(time.monotonic() - job.created)

            def on_progress(fraction: float) -> None:
                job.progress = round(min(max(fraction, 0.0), 1.0), 3)

            make_audio(self._model.synthesize, self._store, job, deadline, on_progress)
        except Exception as error:  # any failure belongs to this job; the thread goes on
            self._fail(job, error)
        else:
            self._finish(job, JobStatus.DONE, None)
        finally:
            deadline.close()
            with self._lock:
                self._running.pop(thread, None)

    def _fail(self, job: Job, error: Exception) -> None:
        log_failure(job.id, error)
        self._finish(job, JobStatus.FAILED, describe_failure(error))

    def _finish(self, job: Job, status: JobStatus, error: str | None) -> None:
        """Settle ``job`` once; later calls (a thread back after its deadline) change nothing."""
        with self._lock:
            if job.finished.is_set():
                return
            # Progress and error before the status: readers do not take the lock.
            if status == JobStatus.DONE:
                job.progress = 1.0
            job.error = error
            job.status = status
            if status == JobStatus.FAILED:
                self._failed[job.id] = job
                while len(self._failed) > _FAILED_KEPT:
                    self._failed.popitem(last=False)
            self._active.pop(job.id, None)
        job.finished.set()
        if self._events:
            self._events.job_finished(status)


