"""Payout files: a bank's, PT Pos's or SIKS-NG's realisation file loaded into a round's lines
through the registry's import machinery (the file kept, read in the worker into a preview of
every row, nothing changed before the recorder confirms, then applied in committed chunks).

``payout_columns`` (the files' headers and words), ``payout_check`` (the preview: each row's
family and line, and its outcome), ``payout_apply`` (filling the lines), ``payout_upload``
(the recorder's use cases). The job kind ``payout_import`` is plugged in by the assistance
area; the registry does not know it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask_babel import gettext
from sqlalchemy.orm import Session

from ...registry.importing.status import gave_up, run_phases
from .payout_apply import apply
from .payout_check import read
from .payout_columns import APPLIED, FIELD_LABELS, OUTCOME_LABELS, UNMATCHED
from .payout_upload import (
    JOB_KIND,
    cancel,
    confirm,
    get,
    recent,
    remap,
    rows,
    start,
    unmatched_file,
)

__all__ = ["APPLIED", "FIELD_LABELS", "JOB_KIND", "OUTCOME_LABELS", "UNMATCHED", "apply",
           "cancel", "confirm", "gave_up", "get", "read", "recent", "remap", "rows", "run_job",
           "start", "unmatched_file"]


def run_job(session: Session, payload: dict[str, Any],
            still_mine: Callable[[], None]) -> None:
    """Read or apply a payout file (a job of the worker; see ``status.run_phases``)."""
    run_phases(session, payload, still_mine, {"read": read, "apply": apply}, lambda: gettext(
        "The round's lines changed since the preview in a way the file cannot follow. The "
        "lines already filled stay; upload the file again for the rest."))
