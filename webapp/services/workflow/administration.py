"""Program administration: find programs, suspend / resume / terminate them with a reason,
see and retry incidents, read a program's data with NIK numbers masked."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, func, select, update
from sqlalchemy.orm import Session

from ...db import failure_record, unit_of_work, utcnow
from ...models import DefinitionVersion, HumanTask, Incident, Instance, Job, User
from ..errors import Conflict, Forbidden, InvalidInput, NotFound, ServiceError
from ..privacy import mask_nik
from ..scope import instance_visible
from . import jobs
from .completion import complete_task
from .programs import advance_instance
from .steps import Journal, read_workflow

PER_PAGE = 50
STATUSES = ("running", "suspended", "completed", "terminated")


def _admin(user: User) -> None:
    if user.role != "admin":
        raise Forbidden(_l("Only an administrator may do this."))


@dataclass
class ProgramFilter:
    key: str = ""
    version: int | None = None
    status: str = ""
    region: str = ""
    started_from: dt.date | None = None
    started_to: dt.date | None = None
    incidents_only: bool = False


@dataclass
class ProgramPage:
    items: list[Instance]
    total: int
    page: int
    incident_counts: dict[int, int] = field(default_factory=dict)

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / PER_PAGE))


def _open_incident(instance_column: Any) -> Any:
    return exists(select(Incident.id).where(Incident.instance_id == instance_column,
                                            Incident.resolved_at.is_(None)))


def list_programs(session: Session, user: User, wanted: ProgramFilter, page: int = 1
                  ) -> ProgramPage:
    """Programs in the admin's scope matching the filters, newest first, 50 a page."""
    _admin(user)
    query = (select(Instance).join(DefinitionVersion,
                                   DefinitionVersion.id == Instance.definition_version_id)
             .where(instance_visible(user)))
    if wanted.key:
        query = query.where(DefinitionVersion.key == wanted.key)
    if wanted.version:
        query = query.where(DefinitionVersion.version == wanted.version)
    if wanted.status in STATUSES:
        query = query.where(Instance.status == wanted.status)
    if wanted.region:
        query = query.where((Instance.region_code == wanted.region)
                            | Instance.region_code.startswith(wanted.region + "."))
    if wanted.started_from:
        query = query.where(Instance.started_at >= dt.datetime.combine(
            wanted.started_from, dt.time(), tzinfo=dt.UTC))
    if wanted.started_to:
        query = query.where(Instance.started_at < dt.datetime.combine(
            wanted.started_to + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC))
    if wanted.incidents_only:
        query = query.where(_open_incident(Instance.id))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    page = max(1, min(page, max(1, math.ceil(total / PER_PAGE))))
    items = list(session.scalars(query.order_by(Instance.started_at.desc(), Instance.id.desc())
                                 .offset((page - 1) * PER_PAGE).limit(PER_PAGE)))
    counts = dict(session.execute(
        select(Incident.instance_id, func.count(Incident.id))
        .where(Incident.instance_id.in_([i.id for i in items]), Incident.resolved_at.is_(None))
        .group_by(Incident.instance_id)).all()) if items else {}
    return ProgramPage(items, int(total), page, {int(k): int(v) for k, v in counts.items()})


def _load(session: Session, user: User, instance_id: int) -> Instance:
    instance = session.scalar(select(Instance).where(Instance.id == instance_id,
                                                     instance_visible(user))
                              .execution_options(populate_existing=True))
    if instance is None:
        raise NotFound()
    return instance


_STATE_WORDS = {"running": _l("running"), "suspended": _l("suspended"),
                "completed": _l("closed"), "terminated": _l("terminated")}
_MOVES = {  # action: (allowed from, new status, task status from, task status to)
    "suspend": (("running",), "suspended", "open", "suspended"),
    "resume": (("suspended",), "running", "suspended", "open"),
    "terminate": (("running", "suspended"), "terminated", None, "cancelled"),
}


def change_status(session: Session, user: User, instance_id: int, action: str,
                  reason: str) -> Instance:
    """Suspend, resume or terminate a program; the reason goes into its history."""
    _admin(user)
    if action not in _MOVES:
        raise NotFound()
    reason = " ".join((reason or "").split())[:500]
    if not reason:
        raise InvalidInput(_l("Give a reason; it is kept in the program's history."))
    with unit_of_work(session):
        instance = _change(session, user, instance_id, action, reason)
    session.expire(instance)
    return instance


def _change(session: Session, user: User, instance_id: int, action: str,
            reason: str) -> Instance:
    instance = _load(session, user, instance_id)
    allowed, status, task_from, task_to = _MOVES[action]
    if instance.status not in allowed:
        raise Conflict(_l("This cannot be done to a program that is %(status)s.",
                          status=_STATE_WORDS.get(instance.status, instance.status)))
    now = utcnow()
    changed = session.execute(
        update(Instance).where(Instance.id == instance.id, Instance.version == instance.version)
        .values(status=status, version=instance.version + 1,
                ended_at=now if status == "terminated" else None)
        .execution_options(synchronize_session=False))
    if changed.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict(_l("The program changed meanwhile; try again."))
    tasks = update(HumanTask).where(HumanTask.instance_id == instance.id)
    tasks = tasks.where(HumanTask.status.in_(("open", "suspended")) if task_from is None
                        else HumanTask.status == task_from)
    session.execute(tasks.values(status=task_to, **({"completed_at": now}
                                                    if task_to == "cancelled" else {}))
                    .execution_options(synchronize_session=False))
    if status == "terminated":  # its timers will never fire
        session.execute(update(Job).where(Job.instance_id == instance.id,
                                          Job.status == "pending")
                        .values(status="cancelled", done_at=now)
                        .execution_options(synchronize_session=False))
    journal = Journal(instance.id, user.id)
    journal.add(f"instance.{status}", data={"reason": reason})
    journal.write(session)
    return instance


def incidents(session: Session, user: User, instance: Instance) -> list[Incident]:
    _admin(user)
    return list(session.scalars(select(Incident).where(
        Incident.instance_id == instance.id, Incident.resolved_at.is_(None))
        .order_by(Incident.id)))


def get_incident(session: Session, user: User, incident_id: int) -> Incident:
    """An open or closed failed step of a program in the admin's scope, else NotFound."""
    _admin(user)
    incident = session.get(Incident, incident_id)
    if incident is None:
        raise NotFound()
    _load(session, user, incident.instance_id)
    return incident


def retry_incident(session: Session, user: User, incident_id: int) -> bool:
    """Run the failed step again with the data it was submitted with; True when it ran."""
    _admin(user)
    incident = session.get(Incident, incident_id)
    if incident is None or incident.resolved_at is not None:
        raise NotFound()
    _load(session, user, incident.instance_id)  # in the admin's scope
    job_id, actor, task_id = incident.job_id, incident.actor or user, incident.human_task_id
    data, instance_id = dict(incident.data), incident.instance_id
    if job_id is not None:  # a background job (a timer) that kept failing
        jobs.retry_failed(session, job_id)
        # the job's success resolves its incident in the job's own transaction
        outcome = jobs.run_now(session, job_id, f"admin:{user.username}")
        if outcome.result in ("done", "gone"):
            return True
        _failed_again(session, incident_id, outcome.error)
        return False
    if task_id is None and data.get("kind") != "start":
        raise NotFound()

    def resolve(session: Session) -> None:  # in the step's unit of work: both or neither
        session.execute(update(Incident).where(Incident.id == incident_id,
                                               Incident.resolved_at.is_(None))
                        .values(resolved_at=utcnow(), resolved_by_id=user.id)
                        .execution_options(synchronize_session=False))

    try:
        if task_id is None:  # the program's first run failed: run it again
            advance_instance(session, instance_id, with_step=resolve)
        else:
            complete_task(session, actor, task_id, data, record_failures=False,
                          with_step=resolve)
    except ServiceError as err:
        _failed_again(session, incident_id, str(err.message))
        return False
    return True


def _failed_again(session: Session, incident_id: int, error: str) -> None:
    """The retry failed too: count it on the incident (the failed work was rolled back)."""
    with failure_record(session):
        found = session.get(Incident, incident_id, populate_existing=True)
        if found is not None:
            found.attempts += 1
            if error:
                found.error = error[:4000]


def program_data(session: Session, user: User, instance: Instance) -> list[tuple[str, Any]]:
    """The program's current data for an administrator, NIK numbers masked, sorted by name."""
    _admin(user)
    version = instance.definition_version
    handle = read_workflow(session, instance.id, version.id, version.sha256)
    return sorted((str(k), mask_nik(v)) for k, v in handle.data.items())
