"""Perencanaan Program: what the program is (kind, scheme, funding), what each KPM gets per
round, for how many families, with what pagu, when, and the decree fixing the recipients."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileSize
from wtforms import StringField
from wtforms.validators import Length, Optional, ValidationError

from .base import TaskForm
from .dynamic import FILE_MAX_BYTES, FILE_TOO_LARGE, AttachmentField
from .fields import (
    TOO_LONG,
    count_field,
    date_field,
    rupiah_field,
    select_field,
    text_field,
)
from .program_labels import BENEFIT_KIND, FUNDING, PROGRAM_KIND, SCHEME
from .validators import NotInFuture

MAX_ROUNDS = 24
NATIONAL = ("pkh", "sembako", "pbi_jk", "blt_dd")


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


class ProgramPlanForm(TaskForm):
    title = _l("Program plan")
    description = _l("Set what the program is, what each family gets per round, the target, "
                     "pagu, schedule and partners.")

    program_kind = select_field(
        _l("Kind of program"), list(PROGRAM_KIND.items()),
        description=_l("Local: our office fixes the list and records each handover. National "
                       "(PKH, Sembako, PBI-JK): Kemensos fixes the list; it is imported, and "
                       "we verify and follow up."))
    scheme = select_field(_l("Scheme"), list(SCHEME.items()), placeholder=_l("Choose…"))
    funding_source = select_field(_l("Source of funds"), list(FUNDING.items()),
                                  placeholder=_l("Choose…"))
    fiscal_year = count_field(_l("Fiscal year"), minimum=2000, maximum=2100,
                              message=_l("Enter a year, for example 2027."))
    target_households = count_field(_l("Target KPM (families)"), minimum=1,
                                    description=_l("The families the program sets out to "
                                                   "reach; the list's size is shown beside "
                                                   "it."))
    budget_rupiah = rupiah_field(_l("Pagu (Rp)"))
    benefit_kind = select_field(_l("Form of the benefit"), list(BENEFIT_KIND.items()))
    benefit_rupiah = rupiah_field(
        _l("Benefit per KPM per round (Rp)"), required=False,
        description=_l("What each family is entitled to per round; for goods, their value. "
                       "Leave empty when the amount differs by family."))
    benefit_goods = StringField(_l("Goods per KPM per round"),  # checked with the form
                                validators=[Length(max=120, message=TOO_LONG)],
                                filters=[_strip],
                                description=_l("For example 10 kg beras, 1 liter minyak."))
    start_date = date_field(_l("Start date"))
    end_date = date_field(_l("End date"))
    rounds = count_field(_l("Number of distribution rounds (tahap)"), minimum=1,
                         maximum=MAX_ROUNDS, message=_l("Choose between 1 and 24 rounds."))
    decree_number = StringField(_l("Decree fixing the recipients (SK penetapan): number"),
                                validators=[Optional(), Length(max=80, message=TOO_LONG)],
                                filters=[_strip])
    decree_date = date_field(_l("Date of the decree"), required=False, extra=[NotInFuture(
        _l("The decree's date cannot be in the future."))])
    decree_file = AttachmentField(
        _l("The decree (SK penetapan)"),
        validators=[Optional(), FileSize(FILE_MAX_BYTES, message=FILE_TOO_LARGE)],
        description=_l("A photo or PDF of the signed decree."))
    partners = text_field(_l("Partner organisations"),
                          description=_l("Government offices, NGOs or community groups "
                                         "taking part."))
    plan_notes = text_field(_l("Plan notes"))

    def validate_end_date(self, field: Any) -> None:
        start = self.start_date.data
        if field.data is not None and start is not None and field.data < start:
            raise ValidationError(_l("End date must be on or after the start date."))

    def validate_scheme(self, field: Any) -> None:
        if self.program_kind.data == "national" and field.data not in NATIONAL:
            raise ValidationError(_l("A national program is PKH, Sembako/BPNT, PBI-JK or "
                                     "BLT Dana Desa."))
        if self.program_kind.data == "local" and field.data in ("pkh", "sembako", "pbi_jk"):
            raise ValidationError(_l("PKH, Sembako and PBI-JK are national programs: their "
                                     "lists are fixed by Kemensos. Choose \"National program\"."))

    def validate_benefit_goods(self, field: Any) -> None:
        if self.benefit_kind.data == "goods" and not field.data:
            raise ValidationError(_l("Say which goods each family gets."))

    def validate_decree_number(self, field: Any) -> None:
        if self.decree_date.data is None and field.data:
            raise ValidationError(_l("Give the decree's date with its number."))
