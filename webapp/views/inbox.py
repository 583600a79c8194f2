"""Kotak Masuk: my tasks and my groups' tasks, with filters and paging."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, request
from flask_login import current_user, login_required

from ..extensions import db
from ..services import definitions, tasks
from .rendering import render

bp = Blueprint("inbox", __name__)


def inbox_filters() -> dict[str, Any]:
    args = request.values
    tab = args.get("tab", "mine")
    return {
        "tab": tab if tab in tasks.TABS else "mine",
        "process": args.get("process") or None,
        "phase": args.get("phase") or None,
        "page": max(1, args.get("page", 1, type=int) or 1),
    }


def inbox_context() -> dict[str, Any]:
    filters = inbox_filters()
    page = tasks.list_tasks(db(), current_user, **filters)
    counts = tasks.task_counts(db(), current_user, filters["process"], filters["phase"])
    return {"filters": filters, "page": page, "counts": counts}


@bp.get("/")
@login_required
def index() -> Any:
    """The inbox page (or just its list, for an htmx filter/paging request)."""
    processes = definitions.startable_processes(db())
    return render("inbox/index.html", "inbox_list", processes=processes, **inbox_context())
