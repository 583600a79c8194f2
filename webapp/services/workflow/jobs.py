"""The job worker's side: claim due jobs, run them exactly once, retry, give up into incidents.

Claiming takes a lease (``locked_by`` / ``locked_until``) in its own short transaction; on
PostgreSQL with ``FOR UPDATE SKIP LOCKED``, so workers on several hosts never take the same job,
on SQLite under the database's single write lock. Running a job commits its effect and the job's
``done`` mark together, guarded by the lease: a worker whose lease ran out (it crashed, or hung)
and was taken over finds its mark refused and rolls its work back.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from ... import engine
from ...db import unit_of_work, utcnow
from ...models import HumanTask, Incident, Job
from ..errors import LeaseLost
from ..privacy import mask_nik
from . import notifications
from .hooks import hooks_of
from .steps import (
    HANDLES,
    InstanceRef,
    Journal,
    OpenedTask,
    close_step,
    failure_text,
    load_ref,
    open_step,
)

LEASE = dt.timedelta(minutes=5)
BACKOFF = dt.timedelta(seconds=30)
BACKOFF_MAX = dt.timedelta(hours=1)
SUSPENDED_RECHECK = dt.timedelta(minutes=10)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


# A job whose runs stopped their worker this often is not taken again: it becomes a failure
# an admin sees (a hostile file, a bug), instead of taking down every worker in turn.
MAX_CRASHES = 2


def claim(session: Session, worker: str, limit: int = 20,
          lease: dt.timedelta = LEASE) -> list[int]:
    """Lease up to ``limit`` due jobs to ``worker``; their attempts count up by one. A job
    whose runs stopped their worker ``MAX_CRASHES`` times is given up instead."""
    with unit_of_work(session):
        now = utcnow()
        _give_up_crashing(session, now)
        query = (select(Job.id).where(Job.status == "pending", Job.due_at <= now,
                                      Job.crashes < MAX_CRASHES,
                                      (Job.locked_until.is_(None)) | (Job.locked_until < now))
                 .order_by(Job.due_at, Job.id).limit(limit))
        if session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        ids = list(session.scalars(query))
        if ids:
            session.execute(update(Job).where(Job.id.in_(ids))
                            .values(locked_by=worker, locked_until=now + lease,
                                    attempts=Job.attempts + 1)
                            .execution_options(synchronize_session=False))
        return ids


def _give_up_crashing(session: Session, now: dt.datetime) -> None:
    query = select(Job).where(Job.status == "pending", Job.crashes >= MAX_CRASHES,
                              (Job.locked_until.is_(None)) | (Job.locked_until < now)).limit(20)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    for job in session.scalars(query):
        _give_up(session, job, f"the worker stopped {job.crashes} times while running this "
                               f"job (last: {job.locked_by or 'unknown'}); it is not run again")
        job.locked_by, job.locked_until = None, None


def keep_periodic(session: Session) -> list[str]:
    """Every periodic kind an area declared gets a pending job, due now, when it has none (a
    new installation; one whose job failed for good gets another after a period). The
    worker calls this as it starts and every few minutes; returns the kinds added."""
    periodic = {handler.kind: handler.every for handler in hooks_of(session).periodic()}
    if not periodic:
        return []
    with unit_of_work(session):
        now = utcnow()
        waiting = {kind for kind, status, created in session.execute(
            select(Job.kind, Job.status, Job.created_at).where(
                Job.kind.in_(list(periodic)), Job.status.in_(("pending", "failed"))))
            if status == "pending" or created > now - (periodic[kind] or dt.timedelta(0))}
        added = [kind for kind in periodic if kind not in waiting]
        for kind in added:
            session.add(Job(kind=kind, status="pending", due_at=now, payload={}, attempts=0,
                            max_attempts=3, last_error="", created_at=now))
        return added


def _next_period(session: Session, job: Job, every: dt.timedelta) -> None:
    """A periodic job ended: the next one is due ``every`` from now (unless another of its
    kind is pending already, as when two workers added one at once)."""
    other = session.scalar(select(Job.id).where(Job.kind == job.kind, Job.status == "pending",
                                                Job.id != job.id).limit(1))
    if other is None:
        now = utcnow()
        session.add(Job(kind=job.kind, status="pending", due_at=now + every, payload={},
                        attempts=0, max_attempts=3, last_error="", created_at=now))


def _starting(job: Job) -> None:
    """The job's work begins after this commit: if the worker dies before the job ends, the
    run counts as one that stopped its worker."""
    job.crashes += 1


@dataclass
class Outcome:
    job_id: int
    result: str  # done | gone | postponed | retry | failed | lost
    error: str = ""


_Lost = LeaseLost  # another worker holds the job now (our lease ran out)


def run(session: Session, job_id: int, worker: str) -> Outcome:
    """Run one leased job; failures are retried with backoff, then kept as an incident."""
    try:
        return _run(session, job_id, worker)
    except _Lost:
        session.rollback()  # the worker's boundary: whatever the job left open goes
        return Outcome(job_id, "lost")
    except engine.EngineError as err:
        session.rollback()  # a runaway program fails at once: trying again cannot help
        return _failed(session, job_id, worker, failure_text(err), final=err.runaway)
    except Exception as err:  # noqa: BLE001 - any failure of a job is recorded, never lost
        session.rollback()
        return _failed(session, job_id, worker, f"{type(err).__name__}: {err}")


def run_due(session: Session, worker: str, limit: int = 20) -> list[Outcome]:
    """Claim and run what is due now (one batch)."""
    return [run(session, job_id, worker) for job_id in claim(session, worker, limit)]


def _mine(session: Session, job_id: int, worker: str) -> Job:
    job = session.get(Job, job_id, populate_existing=True)
    if job is None or job.status != "pending" or job.locked_by != worker:
        raise _Lost()
    return job


def _finish(session: Session, job: Job, worker: str, status: str = "done") -> None:
    done = session.execute(
        update(Job).where(Job.id == job.id, Job.status == "pending", Job.locked_by == worker)
        .values(status=status, done_at=utcnow(), locked_until=None, crashes=0)
        .execution_options(synchronize_session=False))
    if done.rowcount != 1:  # type: ignore[attr-defined]
        raise _Lost()
    session.execute(update(Incident).where(Incident.job_id == job.id,
                                           Incident.resolved_at.is_(None))
                    .values(resolved_at=utcnow()).execution_options(synchronize_session=False))


def _run(session: Session, job_id: int, worker: str) -> Outcome:
    with unit_of_work(session):
        job = _mine(session, job_id, worker)
        if job.kind == "timer":
            outcome, kept = _fire_timer(session, job, worker)
        else:
            outcome, kept = None, None
            handler = hooks_of(session).jobs.get(job.kind)
            if job.kind != "mail" and handler is None:
                raise ValueError(f"unknown job kind {job.kind!r}")
            payload = dict(job.payload)
            key = f"{job.id}.{job.created_at:%Y%m%d%H%M%S}"
            _starting(job)  # committed as this unit ends, before the work begins
    if outcome is not None:
        if kept is not None:  # the timer's step committed: keep its workflow
            HANDLES.of(session).checkin(*kept)
        return outcome
    if handler is None:
        # Never hold the write lock while talking to the mail server: check the lease, let
        # go, send, then mark done (a crash between the two sends the mail again, at most).
        notifications.send_mail(payload, key)
    else:
        # an area's job (the village-list import): a long job that commits chunk by chunk
        # (each resumable), checking the lease at each
        def still_mine() -> None:
            _mine(session, job_id, worker)

        handler.run(session, payload, still_mine)
    with unit_of_work(session):
        job = _mine(session, job_id, worker)
        _finish(session, job, worker)
        if handler is not None and handler.every is not None:
            _next_period(session, job, handler.every)
    return Outcome(job_id, "done")


def _fire_timer(session: Session, job: Job, worker: str
                ) -> tuple[Outcome, tuple[InstanceRef, engine.WorkflowHandle] | None]:
    """Fire a timer inside the job's unit of work; the workflow to keep once it committed."""
    ref = load_ref(session, job.instance_id)
    if ref is None or ref.status in ("completed", "terminated"):
        _finish(session, job, worker, "cancelled")
        return Outcome(job.id, "gone"), None
    if ref.status == "suspended":  # the program waits; so does its timer
        session.execute(update(Job).where(Job.id == job.id, Job.locked_by == worker)
                        .values(due_at=utcnow() + SUSPENDED_RECHECK, locked_by=None,
                                locked_until=None, attempts=Job.attempts - 1)
                        .execution_options(synchronize_session=False))
        return Outcome(job.id, "postponed"), None
    _check_firing_rate(session, ref.id, job.id)
    step = open_step(session, ref)
    try:
        result = step.handle.fire_timer(job.task_id or "")
    except engine.UnknownTask:  # no longer waited on (the step was done in time)
        _finish(session, job, worker, "cancelled")
        return Outcome(job.id, "gone"), None
    journal = Journal(ref.id, None)
    journal.add("timer.fired", data={"bpmn_id": job.payload.get("bpmn_id", ""),
                                     "name": job.payload.get("name", "")}, by_system=True)
    # A repeating timer waits again under the same task: it needs a fresh job.
    opened = close_step(session, step, journal, result, None, fired_timer=job.task_id or "",
                        notify_kind="escalated")
    if opened is None:
        raise RuntimeError("the program changed while its timer fired; trying again")
    if not opened:  # a reminder: the same steps still wait; tell whoever holds them
        waiting = [OpenedTask(t.id, t.assignee_id, t.name, t.group_name) for t in
                   session.scalars(select(HumanTask).where(HumanTask.instance_id == ref.id,
                                                           HumanTask.status == "open"))]
        notifications.notify_opened(session.connection(), ref, waiting, "reminder", None)
    _finish(session, job, worker)
    return Outcome(job.id, "done"), (ref, step.handle)


def _check_firing_rate(session: Session, instance_id: int, job_id: int) -> None:
    """A program whose timers fire more often than a person could follow is stopped."""
    since = utcnow() - dt.timedelta(hours=1)
    fired = session.scalar(select(func.count(Job.id)).where(
        Job.instance_id == instance_id, Job.kind == "timer", Job.status == "done",
        Job.done_at >= since, Job.id != job_id)) or 0
    if fired >= engine.MAX_TIMER_FIRINGS_PER_HOUR:
        raise engine.EngineError(engine.Message(
            "the program's timers fired %(n)s times within an hour; it is stopped so that it "
            "does not flood inboxes (check its timers)", n=fired), runaway=True)


def _failed(session: Session, job_id: int, worker: str, error: str,
            final: bool = False) -> Outcome:
    error = mask_nik(error)  # kept on the job, shown to admins, printed in the worker's log
    with unit_of_work(session):
        job = session.get(Job, job_id, populate_existing=True)
        if job is None or job.status != "pending" or job.locked_by != worker:
            return Outcome(job_id, "lost", error)
        job.last_error = error[:4000]
        job.locked_by, job.locked_until = None, None
        job.crashes = 0  # it ended (badly), it did not stop its worker
        if final or job.attempts >= job.max_attempts:
            _give_up(session, job, error)
            return Outcome(job_id, "failed", error)
        job.due_at = utcnow() + min(BACKOFF * 2 ** max(job.attempts - 1, 0), BACKOFF_MAX)
        return Outcome(job_id, "retry", error)


def _give_up(session: Session, job: Job, error: str) -> None:
    """The job fails for good: an incident for its program (an admin retries it), and an
    import ends as failed with the reason (the caller commits)."""
    job.status, job.last_error = "failed", error[:4000]
    known = session.scalar(select(Incident).where(Incident.job_id == job.id,
                                                  Incident.resolved_at.is_(None)))
    if known is not None:  # failed again after an admin's retry
        known.error, known.attempts, known.at = error[:4000], known.attempts + 1, utcnow()
    elif job.instance_id is not None:
        session.add(Incident(instance_id=job.instance_id, job_id=job.id,
                             error=error[:4000], data={"job": job.kind, **job.payload},
                             attempts=job.attempts))
    handler = hooks_of(session).jobs.get(job.kind)
    if handler is not None and handler.gave_up is not None:
        handler.gave_up(session, dict(job.payload), error)


def run_now(session: Session, job_id: int, worker: str) -> Outcome:
    """Lease one pending job, whatever its due time, and run it (an admin's retry)."""
    with unit_of_work(session):
        now = utcnow()
        taken = session.execute(
            update(Job).where(Job.id == job_id, Job.status == "pending",
                              (Job.locked_until.is_(None)) | (Job.locked_until < now))
            .values(locked_by=worker, locked_until=now + LEASE, attempts=Job.attempts + 1)
            .execution_options(synchronize_session=False))
    if taken.rowcount != 1:  # type: ignore[attr-defined]
        return Outcome(job_id, "lost")
    return run(session, job_id, worker)


def retry_failed(session: Session, job_id: int) -> None:
    """Give a failed job a fresh set of attempts, due now (an admin's retry)."""
    with unit_of_work(session):
        session.execute(update(Job).where(Job.id == job_id, Job.status == "failed")
                        .values(status="pending", attempts=0, due_at=utcnow(), locked_by=None,
                                locked_until=None, crashes=0)
                        .execution_options(synchronize_session=False))


def pending_timers(session: Session, instance_id: int) -> list[Any]:
    return list(session.scalars(select(Job).where(Job.instance_id == instance_id,
                                                  Job.kind == "timer",
                                                  Job.status == "pending")
                                .order_by(Job.due_at)))
