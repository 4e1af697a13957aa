"""The queue on Redis (``LEGENDA_QUEUE_URL``), API side: any number of API processes validate,
enqueue and answer through RQ; any number of worker processes (``python -m tts_server.worker``,
job_runner.py) say the jobs.

The speech id is the RQ job id and jobs are enqueued with ``unique=True``, so identical requests
on different API processes make one job. Everything a status answer says (status, progress, the
error sentence, the place in the queue) is read from Redis, so every API process gives the same
answer. ``RedisQueue`` is a jobs.SpeechQueue, as the queue in this process is.

A worker process keeps its running job's heartbeat short (job_runner.py); when one dies mid-job
the heartbeat runs out, RQ's registry clean-up (run whenever a status or the queue depth is
read) puts the job back in the queue up to ``LEGENDA_JOB_RETRIES`` times, and after that the
job fails with a sentence saying what happened. A synthesis that fails (bad text, model error)
is not retried: it fails at once with its own sentence, as in the queue in this process.

The model state this API reports is the worker processes' (each publishes its own in Redis):
ready once any is ready.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Callable
from typing import ParamSpec, TypeVar

import redis
from rq import Queue, Retry
from rq.exceptions import DuplicateJobError, NoSuchJobError
from rq.job import Job as RqJob
from rq.job import JobStatus as RqStatus
from rq.registry import StartedJobRegistry
from rq.serializers import JSONSerializer

from .jobs import Job, QueueFull, QueueUnavailable, done_job
from .model import NOT_AVAILABLE, ModelState, SpeechModel
from .statuses import SETTLED, JobStatus, ModelStatus
from .store import AudioStorage

log = logging.getLogger(__name__)

QUEUE_NAME = "legenda-speech"
WORKER_PREFIX = "legenda:worker:"  # + worker name: its model state, a hash that expires
SETTLED_TTL_S = 600  # finished and failed jobs are kept this long (a failure's sentence)
_POLL_FIRST_S, _POLL_MAX_S = 0.02, 0.25  # waiting polls Redis: soon at first, then less often
_FOLLOW_EVERY_S = 1.0  # how often the worker processes' model state is read
_WAITING = {RqStatus.QUEUED, RqStatus.DEFERRED, RqStatus.SCHEDULED, RqStatus.CREATED}
_RQ_SETTLED = {RqStatus.FINISHED, RqStatus.FAILED, RqStatus.STOPPED, RqStatus.CANCELED}
RUN_JOB = "tts_server.job_runner.run_speech_job"
NO_WORKER = (
    "No speech worker is running yet: requests wait in the queue until one starts "
    "(`python -m tts_server.worker`, with the same LEGENDA_* settings)."
)

UNREACHABLE = "The job queue (Redis) cannot be reached; try again in a moment."
_P = ParamSpec("_P")
_R = TypeVar("_R")


def _reaching_redis(method: Callable[_P, _R]) -> Callable[_P, _R]:
    """Turn Redis's connection errors into QueueUnavailable (a 503 with a sentence)."""

    @functools.wraps(method)
    def call(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        try:
            return method(*args, **kwargs)
        except redis.RedisError as error:
            log.warning("the job queue cannot be reached: %s", error)
            raise QueueUnavailable(UNREACHABLE) from None

    return call


def connect(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, socket_connect_timeout=10, health_check_interval=30)


def speech_queue(connection: redis.Redis) -> Queue:
    return Queue(QUEUE_NAME, connection=connection, serializer=JSONSerializer)


def worker_died(tries: int) -> str:
    times = "once" if tries == 1 else f"{tries} times"
    return (
        f"The speech worker stopped while saying this (it may have crashed or been restarted); "
        f"it was tried {times}. POST the text again to try once more."
    )


def queue_depth(queue: Queue) -> int:
    """Jobs waiting or running in ``queue`` (counting the running ones runs RQ's clean-up)."""
    return int(queue.count) + int(StartedJobRegistry(queue=queue).count)


def workers_state(states: list[dict[str, str]]) -> ModelState:
    """The model state of the worker processes, as one: ready when any is ready."""
    found = {state.get("status") for state in states}
    if ModelStatus.READY in found:
        return ModelState(ModelStatus.READY, None)
    if ModelStatus.LOADING in found:
        return ModelState(ModelStatus.LOADING, None)
    if states:
        return ModelState(ModelStatus.FAILED, states[0].get("error") or NOT_AVAILABLE)
    return ModelState(ModelStatus.LOADING, NO_WORKER)


class RedisQueue:
    """The API side: enqueue, look up and wait for jobs in Redis; follow the worker
    processes' model state into ``model``."""

    streams_pieces = False  # worker processes say the jobs; the API sees them stored

    def __init__(
        self, url: str, model: SpeechModel, store: AudioStorage, queue_size: int,
        job_timeout_s: float, retries: int,
    ) -> None:
        self.redis = connect(url)
        self.queue = speech_queue(self.redis)
        self._model = model
        self._store = store
        self._queue_size = queue_size
        self._job_timeout_s = job_timeout_s
        self._retries = retries
        self._closed = threading.Event()

    def start(self) -> None:
        """Learn the voices, then follow the worker processes' model state (in a thread)."""
        threading.Thread(target=self._follow_workers, name="speech-model-follower",
                         daemon=True).start()

    def stop(self, grace_s: float = 0.0) -> None:
        """Stop following; queued jobs stay in Redis for the worker processes."""
        self._closed.set()

    def _follow_workers(self) -> None:
        if not self._model.prepare_voices():
            return
        while True:
            try:
                state = workers_state(self.worker_states())
            except QueueUnavailable as error:  # Redis away: say so, keep answering, try again
                state = ModelState(ModelStatus.LOADING, str(error))
            self._model.follow(state)
            if self._closed.wait(_FOLLOW_EVERY_S):
                return

    # -- the jobs.SpeechQueue interface ----------------------------------------------------

    @_reaching_redis
    def submit(self, speech_id: str, text: str, voice: str, speed: float = 1.0) -> Job:
        """The job making ``speech_id``: stored audio, a queued or running job, or a new one
        (a failed or finished-but-removed job is replaced)."""
        for _ in range(5):
            if self._store.contains(speech_id):
                return done_job(speech_id)
            existing = self._fetch(speech_id)
            if existing is not None:
                if existing.get_status(refresh=False) not in _RQ_SETTLED:
                    return self._view(existing)
                if not self._remove_settled(speech_id):
                    continue  # another process changed it meanwhile: look again
            if self.queue.count >= self._queue_size:
                raise QueueFull
            try:
                made = self.queue.enqueue(
                    RUN_JOB, speech_id, text, voice, speed, job_id=speech_id, unique=True,
                    job_timeout=int(self._job_timeout_s) + 30, result_ttl=SETTLED_TTL_S,
                    failure_ttl=SETTLED_TTL_S, meta={"progress": 0.0, "tries": 1 + self._retries},
                    retry=Retry(max=self._retries) if self._retries else None,
                )
            except DuplicateJobError:
                continue  # another API process enqueued it first: answer with that job
            return self._view(made)
        existing = self._fetch(speech_id)
        if existing is None:
            raise QueueFull  # it keeps changing under us: the client retries later
        return self._view(existing)

    @_reaching_redis
    def get(self, speech_id: str) -> Job | None:
        """The current state of ``speech_id``, or None when it is unknown."""
        self._running()  # first RQ's clean-up: a job whose worker died is queued again or fails
        job = self._fetch(speech_id)
        if job is not None and job.get_status(refresh=False) not in _RQ_SETTLED:
            return self._view(job)
        if self._store.contains(speech_id):
            return done_job(speech_id)
        if job is not None:
            view = self._view(job)
            return view if view.status == JobStatus.FAILED else None
        return None

    def wait(self, job: Job, seconds: float) -> Job:
        """``job`` as it is once settled, or after ``seconds``."""
        end = time.monotonic() + seconds
        current: Job | None = job
        pause = _POLL_FIRST_S
        while current is not None and current.status not in SETTLED:
            left = end - time.monotonic()
            if left <= 0:
                break
            time.sleep(min(pause, left))
            pause = min(pause * 1.5, _POLL_MAX_S)
            current = self.get(job.id)
        return current or job

    def position(self, job: Job) -> int:
        return job.position

    @_reaching_redis
    def depth(self) -> int:
        """Jobs waiting or running, on every worker process."""
        return queue_depth(self.queue)

    def synthesizers(self) -> dict[str, object]:
        """The live worker processes (``none`` while there are none)."""
        states = self.worker_states()
        busy = sum(1 for state in states if state.get("job"))
        state = "none" if not states else "busy" if busy == len(states) else "idle"
        return {"state": state, "total": len(states), "busy": busy, "stuck": 0}

    @_reaching_redis
    def worker_states(self) -> list[dict[str, str]]:
        """The model state each live worker process published (job_runner.publish_state)."""
        states = []
        for key in self.redis.scan_iter(match=WORKER_PREFIX + "*", count=100):
            raw = self.redis.hgetall(key)
            if raw:
                states.append({_text(k): _text(v) for k, v in raw.items()})
        return states

    # -- reading RQ's jobs ---------------------------------------------------------------

    def _fetch(self, speech_id: str) -> RqJob | None:
        try:
            return RqJob.fetch(speech_id, connection=self.redis, serializer=JSONSerializer)
        except NoSuchJobError:
            return None

    def _running(self) -> int:
        # Counting runs RQ's clean-up: a job whose worker died goes back to the queue or fails.
        return int(StartedJobRegistry(queue=self.queue).count)

    def _view(self, job: RqJob) -> Job:
        status = job.get_status(refresh=False)
        meta = job.meta or {}
        tries = int(meta.get("tries", 1))
        retried = tries - 1 - (job.retries_left or 0) if job.retries_left is not None else 0
        view = Job(job.id, "", "", progress=float(meta.get("progress", 0.0)))
        view.retried = max(retried, 0)
        if status in _WAITING:
            view.status = JobStatus.QUEUED
            view.position = (self.queue.get_job_position(job.id) or 0) + self._running()
        elif status == RqStatus.STARTED:
            view.status = JobStatus.RUNNING
        elif status == RqStatus.FINISHED and not meta.get("error"):
            view.status, view.progress = JobStatus.DONE, 1.0
        else:
            view.status = JobStatus.FAILED
            view.error = str(meta.get("error") or worker_died(tries))
        if view.status in SETTLED:
            view.finished.set()
        return view

    def _remove_settled(self, speech_id: str) -> bool:
        """Delete a finished or failed job so the id can be enqueued again; False when it
        changed meanwhile (another API process replaced it first)."""
        key = RqJob.key_for(speech_id)
        with self.redis.pipeline() as pipe:
            try:
                pipe.watch(key)
                status = pipe.hget(key, "status")
                if status is not None and RqStatus(_text(status)) not in _RQ_SETTLED:
                    return False
                pipe.multi()
                pipe.delete(key)
                pipe.execute()
            except redis.WatchError:
                return False
        return True


def _text(value: object) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
