"""Persetujuan: a supervisor approves a step or returns it for revision, with a reason."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms.validators import ValidationError

from .base import TaskForm
from .fields import radio_field, text_field

DECISIONS = [
    ("approve", _l("Approve")),
    ("return", _l("Return for revision")),
]


class ApprovalForm(TaskForm):
    title = _l("Approval")
    description = _l("Review the submitted step, then approve it or return it for revision "
                     "with a reason.")
    # Each review is a fresh decision: never prefill it from an earlier approval's answer.
    prefill = False

    decision = radio_field(_l("Decision"), DECISIONS)
    reason = text_field(_l("Reason"), required=None, rows=4,
                        description=_l("Required when you return the step for revision."))

    def validate_reason(self, field: Any) -> None:
        if self.decision.data == "return" and not (field.data or "").strip():
            raise ValidationError(_l("A reason is required when returning for revision."))
