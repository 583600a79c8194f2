"""A single optional note: the form of the benchmark and test diagrams."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from .base import TaskForm
from .fields import text_field


class NoteForm(TaskForm):
    title = _l("Note")
    description = _l("Add a note if you wish, then submit.")

    note = text_field(_l("Note"))
