"""Monitoring dan Evaluasi: the program's indicators and what was learned."""

from __future__ import annotations

from typing import Any, ClassVar

from flask_babel import lazy_gettext as _l
from wtforms.validators import ValidationError

from .base import TaskForm
from .fields import count_field, percent_field, select_field, text_field

RECOMMENDATIONS = [
    ("lanjutkan", _l("Continue the program")),
    ("perbaiki", _l("Continue with improvements")),
    ("hentikan", _l("Stop the program")),
]


class EvaluationForm(TaskForm):
    title = _l("Monitoring and evaluation")
    description = _l("Check the indicators computed from the distribution records, correct "
                     "them if needed, and record the lessons learned.")

    coverage_pct = percent_field(
        _l("Coverage (%)"), maximum=100,
        message=_l("Enter a percentage between 0 and 100."),
        description=_l("The most households one round reached, as a share of the target "
                       "(rounds reach the same families, so they are not added up)."))
    budget_realisation_pct = percent_field(
        _l("Budget realisation (%)"), maximum=200,
        message=_l("Enter a percentage between 0 and 200."),
        description=_l("Amount disbursed as a share of the budget."))
    rounds_on_time = count_field(_l("Rounds on time"))
    checks_task_data = True  # the rounds on time are bounded by the plan's rounds
    lessons = text_field(_l("Lessons learned"), required=True, rows=4)
    recommendation = select_field(_l("Recommendation"), RECOMMENDATIONS,
                                  placeholder=_l("Choose…"))
    # With a recipient list these come from the distribution lines (the page shows them).
    from_list: ClassVar[tuple[str, ...]] = ("coverage_pct", "budget_realisation_pct")

    def validate_rounds_on_time(self, field: Any) -> None:
        planned = self.task_data.get("rounds")
        if isinstance(planned, int) and not isinstance(planned, bool) \
                and field.data is not None and field.data > planned:
            raise ValidationError(_l("The plan has %(n)s rounds: at most %(n)s can be on time.",
                                     n=planned))
