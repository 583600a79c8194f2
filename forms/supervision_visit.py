"""Monitoring lapangan (uji petik): a field visit that checks a sample of the families who
received the assistance, one by one (their checks are recorded on the sample's page)."""

from __future__ import annotations

from typing import ClassVar

from flask_babel import lazy_gettext as _l

from .base import TaskForm
from .fields import check_field, count_field, date_field, text_field


class SupervisionVisitForm(TaskForm):
    title = _l("Supervision visit report")
    description = _l("Report the field visit: households verified, findings and follow-up.")

    visit_date = date_field(_l("Visit date"))
    households_verified = count_field(_l("Households verified"))
    findings = text_field(_l("Findings"), required=True, rows=4)
    corrective_actions = text_field(_l("Corrective actions"))
    follow_up_needed = check_field(_l("Follow-up needed"))
    # With a recipient list the families verified are the spot checks (the page shows them).
    from_list: ClassVar[tuple[str, ...]] = ("households_verified",)
