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

import traceback
from collections.abc import Callable
from typing import Any

from flask_babel import gettext
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError
from sqlalchemy.orm import Session

from ...errors import InvalidInput, LeaseLost
from ...privacy import mask_nik
from .apply import apply
from .check import read
from .columns import FIELD_LABELS, HEADERS, guess_mapping
from .status import JOB_KIND, LOG, failed, mark_failed
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
    """Read or apply an import (a job of the worker). Every failure ends the import as failed,
    with a reason the coordinator can act on; only the database being away is left to the
    job's retries (and ``gave_up`` says so when they run out). ``still_mine`` raises when
    another worker took the job."""
    import_id = int(payload.get("import_id", 0))
    phase = payload.get("phase")
    try:
        if phase == "read":
            read(session, import_id, still_mine)
        elif phase == "apply":
            apply(session, import_id, still_mine)
    except InvalidInput as err:
        failed(session, import_id, str(err.message))
    except IntegrityError:  # someone entered one of these families since the preview
        failed(session, import_id, gettext(
            "The registry changed since the preview (a family or NIK of this file was entered "
            "meanwhile). The rows already applied stay; upload the file again for the rest."))
    except (OperationalError, InterfaceError):
        raise  # the database is away: the job tries again later
    except LeaseLost:
        raise  # another worker holds the job now
    except Exception as err:  # noqa: BLE001 - a file must never leave an import hanging
        LOG.error("import %s (%s) failed: %s", import_id, phase,
                  mask_nik("".join(traceback.format_exception(err))))
        failed(session, import_id, gettext(
            "Simpul could not finish this import because of an error of its own, not of your "
            "file's rows (reference: import %(id)s). Rows already imported stay. Try again; if "
            "it happens again, send the file to your administrator.", id=import_id)
            if phase == "apply" else gettext(
            "Simpul could not read this file (reference: import %(id)s). Save it again as XLSX "
            "or CSV and upload that; if it happens again, send the file to your "
            "administrator.", id=import_id))


def gave_up(session: Session, payload: dict[str, Any], error: str) -> None:
    """The worker gave up on an import's job (the database stayed away, or the job stopped
    its worker): the import ends as failed instead of waiting for ever (the caller
    commits)."""
    mark_failed(session, int(payload.get("import_id", 0)), gettext(
        "The import stopped: Simpul tried it several times without finishing (%(error)s). "
        "Rows already imported stay; upload the file again for the rest.",
        error=mask_nik(error)[:200]))
