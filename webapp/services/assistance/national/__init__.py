"""National lists: the list of a national program (PKH, Sembako/BPNT, PBI-JK) as Kemensos
fixed it, imported from a SIKS-NG export through the registry's import machinery (the file
kept, read in the worker into a preview of every row, nothing changed before the coordinator
confirms, then applied in committed chunks), while the plan is being written.

``national_columns`` (the exports' headers, the outcomes), ``national_check`` (the preview:
each row's family, its amount and pengurus), ``national_apply`` (enrolling the families),
``national_upload`` (the coordinator's use cases). The job kind ``national_list_import`` is
plugged in by the assistance area; the registry does not know it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask_babel import gettext
from sqlalchemy.orm import Session

from ...registry.importing.status import gave_up, run_phases
from .national_apply import apply
from .national_check import read
from .national_columns import APPLIED, FIELD_LABELS, OUTCOME_LABELS, WORKLIST
from .national_upload import (
    JOB_KIND,
    cancel,
    confirm,
    get,
    importing,
    recent,
    remap,
    rows,
    start,
    worklist_file,
)

__all__ = ["APPLIED", "FIELD_LABELS", "JOB_KIND", "OUTCOME_LABELS", "WORKLIST", "apply",
           "cancel", "confirm", "gave_up", "get", "importing", "read", "recent", "remap",
           "rows", "run_job", "start", "worklist_file"]


def run_job(session: Session, payload: dict[str, Any],
            still_mine: Callable[[], None]) -> None:
    """Read or apply a national list (a job of the worker; see ``status.run_phases``)."""
    run_phases(session, payload, still_mine, {"read": read, "apply": apply}, lambda: gettext(
        "The list changed since the preview (a family of this file was added meanwhile). The "
        "families already enrolled stay; upload the file again for the rest."))
