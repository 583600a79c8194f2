"""Catatan Penyaluran: the result of one distribution round (tahap)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from .base import TaskForm
from .fields import check_field, count_field, date_field, rupiah_field, text_field


class DistributionRecordForm(TaskForm):
    title = _l("Distribution record")
    description = _l("Record one distribution round: households served, amount disbursed "
                     "and whether it was on time.")
    # Every round is a new record; prefilling last round's figures invites copy mistakes.
    prefill = False

    distribution_date = date_field(_l("Distribution date"))
    households_served = count_field(_l("Households served"))
    amount_disbursed_rupiah = rupiah_field(
        _l("Amount disbursed (Rp)"),
        description=_l("In rupiah, including the value of goods; for example 12.500.000."))
    on_time = check_field(_l("On time, as scheduled"))
    distribution_issues = text_field(_l("Problems during distribution"))
