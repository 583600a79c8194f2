"""Who may see what: role, group (BPMN lane) and region (wilayah) rules as SQL filters."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, and_, exists, false, or_, select, true

from ..models import HumanTask, Instance, User


def region_clause(user: User, column: Any, ranged: bool = False) -> ColumnElement[bool]:
    """Rows whose region lies inside the user's region (a user without one sees all).

    ``ranged``: for a column compared byte by byte (every column of region codes but an
    import's), the region is
    also given as the range of codes from ``35.07`` up to ``35.07/`` (``/`` sorts right after
    ``.``, and codes hold only digits and dots), which an index scans directly.
    """
    if not user.region_code:
        return true()
    return within_code(user.region_code, column, ranged)


def within_code(prefix: str, column: Any, ranged: bool = False) -> ColumnElement[bool]:
    """Rows whose region is ``prefix`` or lies inside it (see ``region_clause``)."""
    inside = or_(column == prefix, column.like(prefix + ".%"))
    return and_(inside, column >= prefix, column < prefix + "/") if ranged else inside


def in_region(user: User, code: str | None) -> bool:
    if not user.region_code:
        return True
    scope = user.region_code
    return code is not None and (code == scope or code.startswith(scope + "."))


def task_visible(user: User) -> ColumnElement[bool]:
    """Tasks of the user's groups, inside the user's region."""
    groups = sorted(user.group_names)
    if not groups:
        return false()
    return HumanTask.group_name.in_(groups) & region_clause(user, HumanTask.region_code,
                                                            ranged=True)


def can_see_task(user: User, task: Any) -> bool:
    return task.group_name in user.group_names and in_region(user, task.region_code)


def instance_visible(user: User) -> ColumnElement[bool]:
    """Instances in the user's region: all of them for supervisors and admins; for others,
    those they started or whose tasks reach their groups."""
    if user.role == "admin" and not user.region_code:
        return true()
    region = region_clause(user, Instance.region_code, ranged=True)
    if user.role in ("admin", "supervisor"):  # they oversee every program of their region
        return region
    groups = sorted(user.group_names)
    # Each program's own tasks of those groups, from one index (ix_human_task_instance_group,
    # its region included), so a list of the region's programs never reads every task of a
    # group (a hashed set of them, as PostgreSQL would otherwise choose).
    reaches = exists(
        select(HumanTask.id).where(HumanTask.instance_id == Instance.id,
                                   HumanTask.group_name.in_(groups),
                                   region_clause(user, HumanTask.region_code, ranged=True))
    )
    return region & or_(Instance.started_by_id == user.id, reaches)
