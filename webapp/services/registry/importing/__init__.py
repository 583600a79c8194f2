"""Importing a village list into the registry, stage by stage.

1. **Upload** (``upload.start``): the file is kept with the import; a worker job reads it.
2. **Read and check** (``check.read``, in the worker): columns are matched to fields by their
   headers (``columns``: the common Indonesian names are known; the coordinator may change the
   matching), each row's desa is found (``places``), every row is checked with the registry's
   own rules, rows are grouped into families by No. KK, and each row gets an outcome: *new*,
   *update* (with what changes), *same*, or *rejected* (with every reason). Nothing of the
   registry changes.
3. **Confirm** (``upload.confirm``): the coordinator saw the preview; a worker job applies it.
4. **Apply** (``apply.apply``, in the worker): new families and members are added and existing
   ones updated, in chunks that each commit with their rows marked applied, so a crash resumes
   where it stopped and never adds a family twice. A person already in another family is never
   moved by an import: moving is recorded by a person, with a reason.

The rejected rows can be downloaded with their reasons, to correct and upload again. The worker
runs ``run_job``; ``status`` keeps the import's state.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask_babel import gettext
from sqlalchemy.orm import Session

from .apply import apply
from .check import read
from .columns import FIELD_LABELS, HEADERS, guess_mapping
from .status import JOB_KIND, gave_up, run_phases
from .upload import (
    PREVIEW_ROWS,
    cancel,
    confirm,
    get,
    recent,
    rejected_file,
    remap,
    rows,
    start,
)

__all__ = ["FIELD_LABELS", "HEADERS", "JOB_KIND", "PREVIEW_ROWS", "apply", "cancel", "confirm",
           "gave_up", "get", "guess_mapping", "read", "recent", "rejected_file", "remap", "rows",
           "run_job", "start"]


# -- the worker's side -------------------------------------------------------------------------
def run_job(session: Session, payload: dict[str, Any],
            still_mine: Callable[[], None]) -> None:
    """Read or apply a village list (a job of the worker; see ``status.run_phases``)."""
    run_phases(session, payload, still_mine, {"read": read, "apply": apply}, lambda: gettext(
        "The registry changed since the preview (a family or NIK of this file was entered "
        "meanwhile). The rows already applied stay; upload the file again for the rest."))
