"""Catatan Penyaluran: the result of one distribution round (tahap)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from flask_babel import format_decimal
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileSize
from wtforms import StringField
from wtforms.validators import Length, Optional, ValidationError

from .base import TaskForm
from .dynamic import FILE_MAX_BYTES, FILE_TOO_LARGE, AttachmentField
from .fields import (
    TOO_LONG,
    check_field,
    count_field,
    date_field,
    radio_field,
    rupiah_field,
    select_field,
    text_field,
)
from .program_labels import CHANNELS, SIX_T, SIX_T_ANSWER


def _six_t(key: str) -> Any:
    answers = SIX_T_ANSWER.items() if key in ("price", "quality") else [
        (k, v) for k, v in SIX_T_ANSWER.items() if k != "na"]
    return radio_field(SIX_T[key], list(answers))


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _whole(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


class DistributionRecordForm(TaskForm):
    title = _l("Distribution record")
    description = _l("Record one distribution round (tahap): families served, amount "
                     "distributed, when and how, and the 6T checklist.")
    # Every round is a new record; prefilling last round's figures invites copy mistakes.
    prefill = False
    checks_task_data = True  # a round is checked against the approved plan

    distribution_date = date_field(_l("Distribution date"))
    households_served = count_field(_l("Households served"),
                                    description=_l("Households that received assistance in "
                                                   "this round."))
    amount_disbursed_rupiah = rupiah_field(
        _l("Amount disbursed (Rp)"),
        description=_l("In rupiah, including the value of goods; for example 12.500.000."))
    on_time = check_field(_l("On time, as scheduled"),
                          description=_l("With a planned date, this follows from the dates."))
    channel = select_field(_l("Channel"), list(CHANNELS.items()), placeholder=_l("Choose…"))
    sp2d_number = StringField(_l("SP2D number (APBD cash)"),
                              validators=[Optional(), Length(max=80, message=TOO_LONG)],
                              filters=[_strip])
    sp2d_date = date_field(_l("SP2D date"), required=False)
    sp2d_rupiah = rupiah_field(_l("SP2D amount (Rp)"), required=False)
    six_t_target = _six_t("target")
    six_t_time = _six_t("time")
    six_t_amount = _six_t("amount")
    six_t_price = _six_t("price")
    six_t_quality = _six_t("quality")
    six_t_administration = _six_t("administration")
    distribution_issues = text_field(_l("Problems during distribution"))
    handover_record = AttachmentField(
        _l("Handover record (BAST)"),
        validators=[Optional(), FileSize(FILE_MAX_BYTES, message=FILE_TOO_LARGE)],
        description=_l("The signed berita acara serah terima of this round: a photo or PDF."))
    # With a recipient list these two come from the list's lines (the page shows them).
    from_list: ClassVar[tuple[str, ...]] = ("households_served", "amount_disbursed_rupiah")
    # Asked only when the list still has families nobody ticked in this round.
    close_with_unticked = check_field(_l("Close the round with families not ticked"))
    unticked: int = 0

    def with_list(self, computed: Mapping[str, Any]) -> None:
        super().with_list(computed)
        unticked = _whole(computed.get("households_unticked")) or 0
        if not unticked:
            del self["close_with_unticked"]
            return
        self.unticked = unticked
        self.close_with_unticked.label.text = _l(
            "Close round %(round)s with %(n)s families not ticked (they count as not reached)",
            round=computed.get("round", ""), n=format_decimal(unticked))

    def validate_close_with_unticked(self, field: Any) -> None:
        if not field.data:
            raise ValidationError(_l(
                "%(n)s families of the list are not ticked yet. Tick them on the checklist, or "
                "tick this box to close the round without them.", n=format_decimal(self.unticked)))

    def validate_households_served(self, field: Any) -> None:
        target = _whole(self.task_data.get("target_households"))
        if field.data is not None and target is not None and field.data > target:
            raise ValidationError(_l(
                "The plan targets %(target)s households; one round cannot serve more. Check "
                "the number, or revise the plan first.", target=format_decimal(target)))

    def validate_amount_disbursed_rupiah(self, field: Any) -> None:
        budget = _whole(self.task_data.get("budget_rupiah"))
        spent = _whole(self.task_data.get("disbursed_total")) or 0
        if field.data is None or budget is None:
            return
        if spent + field.data > budget:
            raise ValidationError(_l(
                "With this round the program would disburse Rp %(total)s against a budget of "
                "Rp %(budget)s (Rp %(left)s left). Check the amount, or revise the plan first.",
                total=format_decimal(spent + field.data), budget=format_decimal(budget),
                left=format_decimal(max(budget - spent, 0))))
