"""The inbox and the work on one task: list, claim, release, complete."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, func, or_, select, update
from sqlalchemy.orm import Session, aliased, joinedload
from sqlalchemy.orm.attributes import set_committed_value

from ...db import unit_of_work, utcnow
from ...models import HumanTask, Instance, Region, User
from ..errors import AlreadyCompleted, Conflict, NotFound
from ..scope import can_see_task, task_visible
from . import duties
from .steps import record

PER_PAGE = 20
__all__ = ["claim_task", "get_task", "list_tasks", "release_task",
           "task_counts"]


@dataclass(frozen=True, slots=True)
class InboxRow:
    """One line of the inbox: the task with its program's title, region and holder."""

    id: int
    name: str
    priority: int
    phase: str | None
    group_name: str | None
    status: str
    created_at: dt.datetime
    due_at: dt.datetime | None
    completed_at: dt.datetime | None
    assignee_id: int | None
    instance_id: int
    title: str
    region_name: str | None
    full_name: str | None
    username: str | None

    @property
    def assignee_name(self) -> str:
        return self.full_name or self.username or ""


# Only the columns a line shows, in one statement (no ORM objects, no eager-load chains).
_ROW_COLUMNS = (HumanTask.id, HumanTask.name, HumanTask.priority, HumanTask.phase,
                HumanTask.group_name, HumanTask.status, HumanTask.created_at, HumanTask.due_at,
                HumanTask.completed_at, HumanTask.assignee_id, HumanTask.instance_id,
                Instance.title, Region.name, User.full_name, User.username)


@dataclass(frozen=True)
class TaskPage:
    items: list[InboxRow]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def capped(self) -> bool:
        """More tasks match than were counted: narrow the filter rather than page on."""
        return self.total >= COUNT_CAP


# Counting stops here: a list of a thousand is for searching and filtering, not for paging,
# and an exact count of a huge inbox would cost more than the page itself.
COUNT_CAP = 1000


def _capped(query: Any) -> Any:
    """The count of a query's rows, stopping at COUNT_CAP."""
    return select(func.count()).select_from(
        query.with_only_columns(HumanTask.id).order_by(None).limit(COUNT_CAP).subquery())


@dataclass
class InboxFilter:
    """What the inbox shows: a tab, filters, a search, an order and a page."""

    tab: str = "mine"
    process: str | None = None
    phase: str | None = None
    region: str | None = None
    due: str | None = None  # late | soon | none
    priority: int | None = None  # at least this priority
    assignee: str | None = None  # none | others
    q: str = ""
    sort: str = "created"  # created | due | priority
    page: int = 1

    @classmethod
    def from_args(cls, args: Mapping[str, Any]) -> InboxFilter:
        def text(name: str, size: int = 80) -> str | None:
            value = str(args.get(name) or "").strip()[:size]
            return value or None

        tab = text("tab") or "mine"
        priority = text("priority")
        try:
            page = max(1, int(args.get("page") or 1))
        except (TypeError, ValueError):
            page = 1
        return cls(
            tab=tab if tab in TABS else "mine", process=text("process", 120),
            phase=text("phase", 40), region=text("region", 13),
            due=text("due") if text("due") in DUE_FILTERS else None,
            priority=int(priority) if priority in ("1", "2") else None,
            assignee=text("assignee") if text("assignee") in ("none", "others") else None,
            q=text("q", 100) or "", sort=text("sort") or "created" if text("sort") in SORTS
            else "created",
            page=page)

    def as_args(self, **changes: Any) -> dict[str, Any]:
        """The non-default values, for links and saved filters."""
        values = {**self.__dict__, **changes}
        defaults = InboxFilter().__dict__
        return {k: v for k, v in values.items() if v not in (None, "") and v != defaults[k]}


TABS = ("mine", "group", "done")
SORTS = ("created", "due", "priority")
DUE_FILTERS = ("late", "soon", "none")


def _inbox_query(user: User, wanted: InboxFilter, tab: str) -> Any:
    if tab == "done":
        query = select(HumanTask).where(HumanTask.status == "completed",
                                        HumanTask.completed_by_id == user.id)
    else:
        query = select(HumanTask).where(HumanTask.status == "open", task_visible(user))
        if tab == "mine":
            query = query.where(HumanTask.assignee_id == user.id)
        else:
            query = query.where((HumanTask.assignee_id.is_(None))
                                | (HumanTask.assignee_id != user.id))
    if wanted.process:
        query = query.where(HumanTask.process_key == wanted.process)
    if wanted.phase:
        query = query.where(HumanTask.phase == wanted.phase)
    if wanted.region:
        query = query.where((HumanTask.region_code == wanted.region)
                            | HumanTask.region_code.startswith(wanted.region + "."))
    now = utcnow()
    if wanted.due == "late":
        query = query.where(HumanTask.due_at < now)
    elif wanted.due == "soon":
        query = query.where(HumanTask.due_at >= now,
                            HumanTask.due_at < now + dt.timedelta(days=1))
    elif wanted.due == "none":
        query = query.where(HumanTask.due_at.is_(None))
    if wanted.priority:
        query = query.where(HumanTask.priority >= wanted.priority)
    if wanted.assignee == "none":
        query = query.where(HumanTask.assignee_id.is_(None))
    elif wanted.assignee == "others":
        query = query.where(HumanTask.assignee_id.is_not(None),
                            HumanTask.assignee_id != user.id)
    if wanted.q:
        like = f"%{wanted.q.lower()}%"
        # the task's own program, looked up by its key: a set of matching programs would
        # read every program's title (a substring has no index)
        program = aliased(Instance)
        query = query.where(or_(
            func.lower(HumanTask.name).like(like),
            exists().where(program.id == HumanTask.instance_id,
                           or_(func.lower(program.title).like(like),
                               func.lower(program.business_key).like(like)))))
    return query


def _ordered(query: Any, wanted: InboxFilter, tab: str) -> Any:
    if tab == "done":
        return query.order_by(HumanTask.completed_at.desc(), HumanTask.id.desc())
    if wanted.sort == "due":
        return query.order_by(HumanTask.due_at.is_(None), HumanTask.due_at, HumanTask.id)
    if wanted.sort == "priority":
        return query.order_by(HumanTask.priority.desc(), HumanTask.created_at, HumanTask.id)
    return query.order_by(HumanTask.created_at, HumanTask.id)


# The inbox's statements, kept per process by who asks for what: building one and computing
# its cache key costs SQLAlchemy more than running it (a count: 0.6 of 0.8 ms on SQLite). A
# filter by due time holds the time it was built at, so it is built each time.
_BUILT: dict[tuple[Any, ...], Any] = {}
_BUILT_MAX = 2048


def _built(user: User, wanted: InboxFilter, what: tuple[Any, ...],
           build: Callable[[], Any]) -> Any:
    if wanted.due in ("late", "soon"):
        return build()
    key = (user.id, user.region_code, tuple(sorted(user.group_names)), wanted.process,
           wanted.phase, wanted.region, wanted.due, wanted.priority, wanted.assignee, wanted.q,
           wanted.sort, *what)
    found = _BUILT.get(key)
    if found is None:
        if len(_BUILT) >= _BUILT_MAX:
            _BUILT.clear()
        found = _BUILT[key] = build()
    return found


def _lines(user: User, wanted: InboxFilter, tab: str, page: int, per_page: int) -> Any:
    return (_ordered(_inbox_query(user, wanted, tab), wanted, tab)
            .with_only_columns(*_ROW_COLUMNS)
            .select_from(HumanTask)
            .join(Instance, Instance.id == HumanTask.instance_id)
            .outerjoin(Region, Region.code == Instance.region_code)
            .outerjoin(User, User.id == HumanTask.assignee_id)
            .offset((page - 1) * per_page).limit(per_page))


def list_tasks(session: Session, user: User, tab: str = "mine", process: str | None = None,
               phase: str | None = None, page: int = 1, per_page: int = PER_PAGE,
               wanted: InboxFilter | None = None, total: int | None = None) -> TaskPage:
    """One page of the user's tasks: their own, their groups' or those they completed
    (``total``: their count, when the caller has it from ``task_counts``)."""
    wanted = wanted or InboxFilter(tab=tab, process=process, phase=phase, page=page)
    tab = wanted.tab if wanted.tab in TABS else "mine"
    if total is None:
        total = session.scalar(_built(user, wanted, ("count", tab),
                                      lambda: _capped(_inbox_query(user, wanted, tab)))) or 0
    page = max(1, min(wanted.page, max(1, math.ceil(total / per_page))))
    lines = _built(user, wanted, ("lines", tab, page, per_page),
                   lambda: _lines(user, wanted, tab, page, per_page))
    items = [InboxRow(*row) for row in session.execute(lines)]
    return TaskPage(items, total, page, per_page)


def task_counts(session: Session, user: User, process: str | None = None,
                phase: str | None = None, wanted: InboxFilter | None = None,
                known: Mapping[str, int] | None = None) -> dict[str, int]:
    """Task counts per inbox tab, with the same filters as the list (``known``: tabs counted
    already), in one statement."""
    wanted = wanted or InboxFilter(process=process, phase=phase)
    counts = dict(known or {})
    missing = [tab for tab in TABS if tab not in counts]
    if missing:
        counting = _built(user, wanted, ("counts", *missing), lambda: select(*(
            _capped(_inbox_query(user, wanted, tab)).scalar_subquery().label(tab)
            for tab in missing)))
        row = session.execute(counting).one()
        counts.update({tab: int(value or 0) for tab, value in zip(missing, row, strict=True)})
    return {tab: counts[tab] for tab in TABS}


def get_task(session: Session, user: User, task_id: int) -> HumanTask:
    """A task the user may see (their group and region), else NotFound."""
    task = session.scalar(
        select(HumanTask).where(HumanTask.id == task_id)
        .options(joinedload(HumanTask.assignee).lazyload(User.groups),
                 joinedload(HumanTask.completed_by).lazyload(User.groups))
        .execution_options(populate_existing=True))
    if task is None or not can_see_task(user, task):
        raise NotFound()
    return task


def claim_task(session: Session, user: User, task_id: int) -> HumanTask:
    """Take an open group task into one's own list."""
    try:
        with unit_of_work(session):
            task = get_task(session, user, task_id)
            duties.check(session, _duty_row(task), user.id, user.id, "claim")
            claimed = session.execute(
                update(HumanTask).where(HumanTask.id == task.id, HumanTask.status == "open",
                                        HumanTask.assignee_id.is_(None))
                .values(assignee_id=user.id).execution_options(synchronize_session=False)
            ).rowcount == 1  # type: ignore[attr-defined]
            if claimed:
                record(session, "task.claimed", task.instance_id, user, task.id)
    except duties.DutyRefused as refused:  # the unit rolled the claim back: log the refusal
        duties.log_refusal(session, refused)
        raise
    if not claimed:  # someone was first (the unit ended with nothing written): say who
        task = get_task(session, user, task_id)
        if task.status != "open":
            raise AlreadyCompleted(task.completed_by.display_name if task.completed_by else None)
        if task.assignee_id == user.id:
            return task
        raise Conflict(_l("%(name)s has already claimed this task.",
                          name=task.assignee.display_name if task.assignee else "?"))
    set_committed_value(task, "assignee_id", user.id)
    return task


@dataclass(frozen=True)
class _DutyRow:
    id: int
    instance_id: int
    bpmn_id: str
    definition_version_id: int
    sha256: str
    authors: dict[str, int]


def _duty_row(task: HumanTask) -> _DutyRow:
    instance = task.instance
    return _DutyRow(task.id, task.instance_id, task.bpmn_id, instance.definition_version_id,
                    instance.definition_version.sha256, dict(instance.authors or {}))


def release_task(session: Session, user: User, task_id: int) -> HumanTask:
    """Give a claimed task back to the group."""
    with unit_of_work(session):
        task = get_task(session, user, task_id)
        done = session.execute(
            update(HumanTask).where(HumanTask.id == task.id, HumanTask.status == "open",
                                    HumanTask.assignee_id == user.id)
            .values(assignee_id=None).execution_options(synchronize_session=False)
        )
        if done.rowcount != 1:  # type: ignore[attr-defined]
            raise Conflict(_l("You do not hold this task."))
        record(session, "task.released", task.instance_id, user, task.id)
    set_committed_value(task, "assignee_id", None)
    return task


