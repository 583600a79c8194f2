"""Perencanaan Program: what is given, to how many households, with what budget, when."""

from __future__ import annotations

from typing import Any, ClassVar

from flask_babel import lazy_gettext as _l
from wtforms.validators import ValidationError

from .base import TaskForm
from .fields import count_field, date_field, rupiah_field, select_field, text_field

ASSISTANCE_TYPES = [
    ("sembako", _l("Food staples (sembako)")),
    ("tunai", _l("Cash transfer")),
    ("pendidikan", _l("Education support")),
    ("kesehatan", _l("Health support")),
    ("lainnya", _l("Other")),
]
MAX_ROUNDS = 24


class ProgramPlanForm(TaskForm):
    title = _l("Program plan")
    description = _l("Set the targets, budget, schedule and partners of the program.")

    assistance_type = select_field(_l("Type of assistance"), ASSISTANCE_TYPES,
                                   placeholder=_l("Choose…"))
    target_households = count_field(_l("Target households"), minimum=1,
                                    description=_l("Households the program will reach."))
    budget_rupiah = rupiah_field(_l("Budget (Rp)"))
    start_date = date_field(_l("Start date"))
    end_date = date_field(_l("End date"))
    rounds = count_field(_l("Number of distribution rounds"), minimum=1, maximum=MAX_ROUNDS,
                         message=_l("Choose between 1 and 24 rounds."))
    partners = text_field(_l("Partner organisations"),
                          description=_l("Government offices, NGOs or community groups "
                                         "taking part."))
    plan_notes = text_field(_l("Plan notes"))
    # With a recipient list the target is the list's size (the page shows it).
    from_list: ClassVar[tuple[str, ...]] = ("target_households",)

    def validate_end_date(self, field: Any) -> None:
        start = self.start_date.data
        if field.data is not None and start is not None and field.data < start:
            raise ValidationError(_l("End date must be on or after the start date."))
