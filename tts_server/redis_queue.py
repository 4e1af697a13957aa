"""Speech jobs in Redis through RQ (``LEGENDA_QUEUE_URL``): any number of API processes enqueue,
any number of worker processes (``python -m tts_server.worker``) synthesize.

The speech id is the RQ job id and jobs are enqueued with ``unique=True``, so identical requests
on different API processes make one job. Everything a status answer says (status, progress, the
error sentence, the place in the queue) is read from Redis, so every API process gives the same
answer. ``RedisJobs`` has the interface of jobs.SpeechJobs that the API uses.

A worker keeps its running job's heartbeat short (``HEARTBEAT_TTL_S``); when a worker dies
mid-job the heartbeat runs out, RQ's registry clean-up (run whenever a status or the queue
depth is read) puts the job back in the queue up to ``LEGENDA_JOB_RETRIES`` times, and after
that the job fails with a sentence saying what happened. A synthesis that fails (bad text,
model error) is not retried: it fails at once with its own sentence, as in the embedded queue.
"""

from __future__ import annotations

import functools
import logging
import socket
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar, cast

import redis
from rq import Queue, Retry, SimpleWorker, get_current_job
from rq.exceptions import DuplicateJobError, NoSuchJobError
from rq.job import Job as RqJob
from rq.job import JobStatus
from rq.registry import StartedJobRegistry
from rq.serializers import JSONSerializer

from .deadline import Deadline
from .jobs import (
    DONE,
    FAILED,
    QUEUED,
    RUNNING,
    Job,
    QueueFull,
    QueueUnavailable,
    describe_failure,
    log_failure,
    make_audio,
)
from .store import AudioStorage

if TYPE_CHECKING:
    from .service import SpeechService

log = logging.getLogger(__name__)

QUEUE_NAME = "legenda-speech"
WORKER_PREFIX = "legenda:worker:"  # + worker name: its model state, a hash that expires
STATE_EVERY_S = 2.0
STATE_TTL_S = 10
HEARTBEAT_EVERY_S = 2.0
HEARTBEAT_TTL_S = 10  # a dead worker's job is noticed this long after its last beat
SETTLED_TTL_S = 600  # finished and failed jobs are kept this long (a failure's sentence)
_POLL_FIRST_S, _POLL_MAX_S = 0.02, 0.25  # waiting polls Redis: soon at first, then less often
_WAITING = {JobStatus.QUEUED, JobStatus.DEFERRED, JobStatus.SCHEDULED, JobStatus.CREATED}
_SETTLED = {JobStatus.FINISHED, JobStatus.FAILED, JobStatus.STOPPED, JobStatus.CANCELED}
RUN_JOB = "tts_server.redis_queue.run_speech_job"


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


class RedisJobs:
    """The API side: enqueue, look up and wait for jobs in Redis."""

    def __init__(
        self, url: str, store: AudioStorage, queue_size: int, job_timeout_s: float, retries: int
    ) -> None:
        self.redis = connect(url)
        self.queue = speech_queue(self.redis)
        self._store = store
        self._queue_size = queue_size
        self._job_timeout_s = job_timeout_s
        self._retries = retries

    def start(self) -> None:
        """Nothing runs here: workers are separate processes."""

    def stop(self, grace_s: float = 0.0) -> None:
        """Nothing to stop: queued jobs stay in Redis for the workers."""

    # -- the interface of jobs.SpeechJobs ------------------------------------------------

    @_reaching_redis
    def submit(self, speech_id: str, text: str, voice: str, speed: float = 1.0) -> Job:
        """The job making ``speech_id``: stored audio, a queued or running job, or a new one
        (a failed or finished-but-removed job is replaced)."""
        for _ in range(5):
            if self._store.contains(speech_id):
                return _done(speech_id)
            existing = self._fetch(speech_id)
            if existing is not None:
                if existing.get_status(refresh=False) not in _SETTLED:
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
        if job is not None and job.get_status(refresh=False) not in _SETTLED:
            return self._view(job)
        if self._store.contains(speech_id):
            return _done(speech_id)
        if job is not None:
            view = self._view(job)
            return view if view.status == FAILED else None
        return None

    def wait(self, job: Job, seconds: float) -> Job:
        """``job`` as it is once settled, or after ``seconds``."""
        end = time.monotonic() + seconds
        current: Job | None = job
        pause = _POLL_FIRST_S
        while current is not None and current.status not in (DONE, FAILED):
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
        """Jobs waiting or running, on every worker."""
        return int(self.queue.count) + self._running()

    def workers(self) -> dict[str, object]:
        states = self.worker_states()
        busy = sum(1 for state in states if state.get("job"))
        state = "none" if not states else "busy" if busy == len(states) else "idle"
        return {"state": state, "total": len(states), "busy": busy, "stuck": 0}

    @_reaching_redis
    def worker_states(self) -> list[dict[str, str]]:
        """The model state each live worker published (see ``publish_state``)."""
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
            view.status = QUEUED
            view.position = (self.queue.get_job_position(job.id) or 0) + self._running()
        elif status == JobStatus.STARTED:
            view.status = RUNNING
        elif status == JobStatus.FINISHED and not meta.get("error"):
            view.status, view.progress = DONE, 1.0
        else:
            view.status = FAILED
            view.error = str(meta.get("error") or worker_died(tries))
        if view.status in (DONE, FAILED):
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
                if status is not None and JobStatus(_text(status)) not in _SETTLED:
                    return False
                pipe.multi()
                pipe.delete(key)
                pipe.execute()
            except redis.WatchError:
                return False
        return True


def _text(value: object) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _done(speech_id: str) -> Job:
    job = Job(speech_id, "", "", status=DONE, progress=1.0)
    job.finished.set()
    return job


# -- the worker side ---------------------------------------------------------------------

_service: SpeechService | None = None  # the worker process's service (engine loaded once)


def run_speech_job(speech_id: str, text: str, voice: str, speed: float) -> str:
    """RQ runs this in a worker process for each job. A failure is recorded as the job's
    ``error`` and the job ends normally (RQ retries only jobs whose worker died)."""
    service = _service
    job = get_current_job()
    if service is None or job is None:
        raise RuntimeError("run_speech_job runs only inside `python -m tts_server.worker`")
    waited = time.time() - job.enqueued_at.timestamp() if job.enqueued_at else 0.0
    service.metrics.job_started(waited)
    _save_meta(job, progress=0.0, error=None)
    deadline: Deadline | None = None
    try:
        service.require_model()  # loaded before the worker takes jobs: this only checks
        deadline = Deadline(service.config.job_timeout_s)
        make_audio(
            service.synthesize, service.store, Job(speech_id, text, voice, speed), deadline,
            lambda done: _save_meta(job, progress=round(min(max(done, 0.0), 1.0), 3)),
        )
    except Exception as error:  # any failure belongs to this job; the worker goes on
        log_failure(speech_id, error)
        _save_meta(job, error=describe_failure(error))
        service.metrics.job_finished(FAILED)
        return FAILED
    finally:
        if deadline is not None:
            deadline.close()
    _save_meta(job, progress=1.0)
    service.metrics.job_finished(DONE)
    return DONE


def _save_meta(job: RqJob, **values: object) -> None:
    job.meta.update(values)
    job.save_meta()


class SpeechWorker(SimpleWorker):
    """RQ's in-process worker (the engine stays loaded between jobs) with a short heartbeat
    kept up by a thread while a job runs, so a dead worker's job is noticed in seconds."""

    def get_heartbeat_ttl(self, job: RqJob, working_time: float = 0.0) -> int:
        return HEARTBEAT_TTL_S

    def execute_job(self, job: RqJob, queue: Queue) -> None:
        execution = self.prepare_execution(job)
        stop = threading.Event()
        beat = threading.Thread(
            target=self._beat, args=(job, execution, stop), name="job-heartbeat", daemon=True
        )
        beat.start()
        try:
            self.perform_job(job, queue, execution)
        finally:
            stop.set()
            beat.join()
        from rq.worker import WorkerStatus

        self.set_state(WorkerStatus.IDLE)

    def _beat(self, job: RqJob, execution: Any, stop: threading.Event) -> None:
        while not stop.wait(HEARTBEAT_EVERY_S):
            try:
                with self.connection.pipeline() as pipe:
                    self.heartbeat(HEARTBEAT_TTL_S + 60, pipeline=pipe)
                    execution.heartbeat(job.started_job_registry, HEARTBEAT_TTL_S, pipe)
                    pipe.execute()
            except redis.RedisError:
                log.warning("could not send the job's heartbeat to Redis", exc_info=True)


def publish_state(
    connection: redis.Redis, name: str, state: Callable[[], dict[str, str]],
    stop: threading.Event,
) -> threading.Thread:
    """Keep ``WORKER_PREFIX + name`` holding ``state()`` (model status, error, engine...) while
    this worker lives; the key expires soon after it dies."""
    key = WORKER_PREFIX + name

    def loop() -> None:
        while True:
            try:
                with connection.pipeline() as pipe:
                    pipe.delete(key)
                    pipe.hset(key, mapping=cast(Any, state()))
                    pipe.expire(key, STATE_TTL_S)
                    pipe.execute()
            except redis.RedisError:
                log.warning("could not publish the worker's state to Redis", exc_info=True)
            if stop.wait(STATE_EVERY_S):
                connection.delete(key)
                return

    thread = threading.Thread(target=loop, name="worker-state", daemon=True)
    thread.start()
    return thread


def worker_name() -> str:
    import os

    return f"{socket.gethostname()}-{os.getpid()}"
