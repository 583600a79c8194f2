"""The payout file a round's recorder uploads (a bank's, PT Pos's or SIKS-NG's realisation)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired

from .base import SimpulForm
from .fields import FILE_REQUIRED


class PayoutForm(SimpulForm):
    file = FileField(_l("Payout file (CSV or XLSX)"), validators=[FileRequired(FILE_REQUIRED)],
                     description=_l("One row per family, with its No. KK (or the NIK of the "
                                    "recipient), the status (Sukses / Retur) and, for a "
                                    "return, the reason. The first row names the columns."),
                     render_kw={"accept": ".csv,.xlsx,.xls,.ods,.txt"})
