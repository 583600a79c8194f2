"""The national list a coordinator uploads at the plan (a SIKS-NG export of PKH, Sembako/BPNT
or PBI-JK), and, for a program whose plan is not written yet, which national program it is."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import SelectField

from .base import SimpulForm
from .fields import CHOOSE, FILE_REQUIRED, as_choices
from .program_labels import SCHEME
from .program_plan import NATIONAL


class NationalListForm(SimpulForm):
    file = FileField(_l("National list (CSV or XLSX from SIKS-NG)"),
                     validators=[FileRequired(FILE_REQUIRED)],
                     description=_l("One row per family, with its No. KK (or the NIK of its "
                                    "pengurus), and if the export has them the pengurus's name "
                                    "and the amount per round. The first row names the "
                                    "columns."),
                     render_kw={"accept": ".csv,.xlsx,.xls,.ods,.txt"})
    # asked only while the program has no plan record (the page shows it then)
    scheme = SelectField(_l("National program"),
                         choices=as_choices([("", _l("Choose…")),
                                             *((s, SCHEME[s]) for s in NATIONAL)]),
                         validate_choice=True, invalid_choice_message=CHOOSE)
