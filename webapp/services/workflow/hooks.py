"""Where areas plug into the workflow core, declared by each area at ``create_app``.

The core (taking a step, the task page, the job worker) knows no area by name. An area that
adds something to a step registers it under the step's form key; one that runs background
work registers a handler for its job kind::

    def plug_in(hooks: Hooks) -> None:
        hooks.step("distribution_record", figures=..., panel=..., completed=...)
        hooks.after_step(...)
        hooks.job("registry_import", run=..., gave_up=...)
        hooks.job("import_retention", run=..., every=dt.timedelta(days=1))  # periodic

``webapp.services.areas`` calls every area's ``plug_in`` once per app. The hooks live on the
app (next to its caches, reached from the session), so two apps never share them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from ...models import User
from ..caches import Slot

# figures(session, instance_id, form_key, data, current, completing, user) -> data: what a
# step of this form takes from the area's records, whatever was typed (in the completing
# transaction); ``user`` completes the step (or sees its page): the records are the ones
# they may see
Figures = Callable[[Session, int, str, dict[str, Any], dict[str, Any], int | None, User],
                   dict[str, Any]]
# panel(session, instance_id, form_key, current, reviewed, user) -> what the step's page shows
# ``user``, or None; ``reviewed`` is the form of the step an approval reviews
Panel = Callable[[Session, int, str, dict[str, Any], str | None, User], Any]
# completed(session, instance_id, form_key, data, actor): a step of this form was completed
# with ``data`` (as stored, figures included), in the completing transaction
Completed = Callable[[Session, int, str, dict[str, Any], User], None]
# after(session, instance_id, forms now waiting, actor): in the completing transaction
AfterStep = Callable[[Session, int, list[str | None], User], None]
# run(session, payload, still_mine): a long job, committing its own chunks (still_mine raises
# LeaseLost when another worker took the job over)
JobRun = Callable[[Session, dict[str, Any], Callable[[], None]], None]
# gave_up(session, payload, error): the job failed for good (in the failing transaction)
JobGaveUp = Callable[[Session, dict[str, Any], str], None]


@dataclass(frozen=True)
class JobHandler:
    kind: str
    run: JobRun
    gave_up: JobGaveUp | None = None
    # a periodic job: the worker keeps one pending, due this long after the last run ended
    every: dt.timedelta | None = None


@dataclass
class Hooks:
    """Every hook of one app."""

    figures: dict[str, list[Figures]] = field(default_factory=dict)
    panels: dict[str, list[Panel]] = field(default_factory=dict)
    completed: dict[str, list[Completed]] = field(default_factory=dict)
    after: list[AfterStep] = field(default_factory=list)
    jobs: dict[str, JobHandler] = field(default_factory=dict)
    areas: list[str] = field(default_factory=list)

    def step(self, form_key: str, *, figures: Figures | None = None,
             panel: Panel | None = None, completed: Completed | None = None) -> None:
        if completed is not None:
            self.completed.setdefault(form_key, []).append(completed)
        if figures is not None:
            self.figures.setdefault(form_key, []).append(figures)
        if panel is not None:
            self.panels.setdefault(form_key, []).append(panel)

    def after_step(self, hook: AfterStep) -> None:
        self.after.append(hook)

    def job(self, kind: str, run: JobRun, gave_up: JobGaveUp | None = None,
            every: dt.timedelta | None = None) -> None:
        if kind in self.jobs or kind in CORE_JOBS:
            raise ValueError(f"job kind {kind!r} is taken")
        self.jobs[kind] = JobHandler(kind, run, gave_up, every)

    def periodic(self) -> list[JobHandler]:
        return [handler for handler in self.jobs.values() if handler.every is not None]

    # -- what the core calls ------------------------------------------------------------------
    def step_figures(self, session: Session, instance_id: int, form_key: str | None,
                     data: dict[str, Any], current: dict[str, Any], user: User,
                     completing: int | None = None) -> dict[str, Any]:
        for hook in self.figures.get(form_key or "", ()):
            data = hook(session, instance_id, form_key or "", data, current, completing, user)
        return data

    def step_panels(self, session: Session, instance_id: int, form_key: str | None,
                    current: dict[str, Any], user: User,
                    reviewed: str | None = None) -> list[Any]:
        found = (hook(session, instance_id, form_key or "", current, reviewed, user)
                 for hook in self.panels.get(form_key or "", ()))
        return [panel for panel in found if panel is not None]

    def step_completed(self, session: Session, instance_id: int, form_key: str | None,
                       data: dict[str, Any], actor: User) -> None:
        for hook in self.completed.get(form_key or "", ()):
            hook(session, instance_id, form_key or "", data, actor)

    def after_step_taken(self, session: Session, instance_id: int,
                         waiting: list[str | None], actor: User) -> None:
        for hook in self.after:
            hook(session, instance_id, waiting, actor)


CORE_JOBS = ("timer", "mail")  # the core's own kinds
HOOKS = Slot("workflow.hooks", Hooks, lasting=True)


def hooks_of(session: Session) -> Hooks:
    return HOOKS.of(session)
