"""Asesmen Kebutuhan: the target desa of the program's area, chosen by code, and what the field
visit found there.

The registry's figures of the chosen desa (families by desil, elderly, disability, children out
of school, pregnancy) are not typed: the page shows them beside the form and the step takes
them from the registry when it is submitted. What is typed is the coordinator's own: the
families of the desa as the desa counts them (left empty: the registry's count), the families
in need and the food-insecure families found in the field, and the findings in words.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms.validators import InputRequired

from .base import TaskForm
from .dynamic import ChecklistField
from .fields import count_field, date_field, text_field
from .validators import AtMost, NotInFuture

_WITHIN_TOTAL = _l("Cannot be more than the number of families.")
CHOOSE_DESA = _l("Choose at least one desa or kelurahan.")


class DesaChecklistField(ChecklistField):  # type: ignore[misc]
    """Desa/kelurahan chosen by code, as checkboxes grouped by kecamatan (the page gives the
    program area's desa as the choices: ``TaskForm.with_area``)."""


def _finding(label: Any, description: Any = "") -> Any:
    return count_field(label, description=description,
                       extra=[AtMost("households_total", _WITHIN_TOTAL)])


def _share(part: Any, whole: Any) -> float:
    if not isinstance(part, int) or not isinstance(whole, int) or whole <= 0:
        return 0.0
    return round(100.0 * part / whole, 1)


class NeedsAssessmentForm(TaskForm):
    title = _l("Needs assessment")
    description = _l("Choose the target desa and record what the field visit found; the "
                     "registry's figures of the chosen desa are taken when you submit.")
    area_fields = ("villages",)

    assessment_date = date_field(_l("Assessment date"), extra=[NotInFuture(
        _l("The assessment date must not be in the future."))])
    villages = DesaChecklistField(
        _l("Target desa/kelurahan"), validators=[InputRequired(message=CHOOSE_DESA)],
        choices=[], invalid_choice_message=CHOOSE_DESA,
        description=_l("The desa of the program's area, by their code."))
    households_total = count_field(
        _l("Families in the target desa"), minimum=1, required=False,
        description=_l("As the desa's own records count them. Leave it empty to use the "
                       "registry's count of families in the chosen desa."))
    hh_in_need = _finding(_l("Families in need (field finding)"))
    hh_food_insecure = _finding(_l("Food-insecure families (field finding)"))
    notes = text_field(_l("Field findings"), description=_l(
        "What the visit found beside the registry's figures, desa by desa: families not in "
        "the registry, a harvest failure, a disaster."))

    def to_task_data(self) -> dict[str, Any]:
        """The fields, plus the typed findings as shares of the typed families (percent, one
        decimal; the step recomputes them on the registry's count when none was typed)."""
        data = super().to_task_data()
        total = data.get("households_total")
        data["need_rate_pct"] = _share(data.get("hh_in_need"), total)
        data["food_insecure_pct"] = _share(data.get("hh_food_insecure"), total)
        return data
