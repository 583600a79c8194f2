"""The admin area, one module per area: process diagrams (``diagrams``), programs
(``programs``) and people, groups, partners and regions (``people``)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import Blueprint, abort, redirect, url_for
from flask_login import current_user, login_required

bp = Blueprint("admin", __name__, url_prefix="/admin")


def admin_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """Only administrators; everyone else gets 403."""

    @functools.wraps(view)
    @login_required
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if current_user.role != "admin":
            abort(403)
        return view(*args, **kwargs)

    return wrapped


@bp.get("/")
@admin_required
def index() -> Any:
    return redirect(url_for("admin.processes"))


from . import diagram_pages, people_pages, program_admin_pages  # noqa: E402,F401 - they add their pages to ``bp``
