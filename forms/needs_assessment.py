"""Asesmen Kebutuhan: the households of the target villages and what they need."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from .base import TaskForm
from .fields import count_field, date_field, text_field
from .validators import AtMost, NotInFuture

_WITHIN_TOTAL = _l("Cannot be more than the total number of households.")


def _subgroup(label: Any, description: Any = "") -> Any:
    return count_field(label, description=description,
                       extra=[AtMost("households_total", _WITHIN_TOTAL)])


class NeedsAssessmentForm(TaskForm):
    title = _l("Needs assessment")
    description = _l("Record the households of the target villages and what they need, "
                     "usually after a field visit.")

    assessment_date = date_field(_l("Assessment date"), extra=[NotInFuture(
        _l("The assessment date must not be in the future."))])
    villages = text_field(_l("Target villages"), required=True, max_length=1000, rows=2,
                          description=_l("Names of the villages (desa/kelurahan), "
                                         "separated by commas."))
    households_total = count_field(_l("Number of households"), minimum=1,
                                   description=_l("All households in the target villages."))
    hh_in_need = _subgroup(_l("Households in need"))
    hh_elderly = _subgroup(_l("Households with elderly members"))
    hh_disability = _subgroup(_l("Households with members with disabilities"))
    hh_children_out_of_school = _subgroup(_l("Households with children out of school"))
    hh_food_insecure = _subgroup(_l("Food-insecure households"))
    notes = text_field(_l("Notes"))

    def to_task_data(self) -> dict[str, Any]:
        """The fields, plus the share of households in need (percent, one decimal)."""
        data = super().to_task_data()
        total = data.get("households_total") or 0
        in_need = data.get("hh_in_need") or 0
        data["need_rate_pct"] = round(100.0 * in_need / total, 1) if total else 0.0
        return data
