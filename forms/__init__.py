"""Task forms, one per user-task form key (``spiffworkflow:property name="formKey"``)."""

from __future__ import annotations

from .approval import ApprovalForm
from .base import TaskForm
from .distribution_record import DistributionRecordForm
from .evaluation import EvaluationForm
from .needs_assessment import NeedsAssessmentForm
from .note import NoteForm
from .program_plan import ProgramPlanForm
from .supervision_visit import SupervisionVisitForm

FORMS: dict[str, type[TaskForm]] = {
    "needs_assessment": NeedsAssessmentForm,
    "program_plan": ProgramPlanForm,
    "approval": ApprovalForm,
    "distribution_record": DistributionRecordForm,
    "supervision_visit": SupervisionVisitForm,
    "evaluation": EvaluationForm,
    "note": NoteForm,
}


def get_form_class(form_key: str) -> type[TaskForm]:
    """The form class for a form key; KeyError if no form has that key."""
    try:
        return FORMS[form_key]
    except KeyError:
        raise KeyError(f"no form is registered for the form key {form_key!r}") from None


__all__ = ["FORMS", "TaskForm", "get_form_class"]
