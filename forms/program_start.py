"""Starting a program: the process, the program's name and its region.

The choices come from the database (the deployed processes, the places of the person's
region): the page sets them on the form it makes.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField

from .base import SimpulForm
from .fields import CHOOSE, between, required


class StartForm(SimpulForm):
    process_key = SelectField(_l("Process"), validators=[required(CHOOSE)],
                              validate_choice=True, invalid_choice_message=CHOOSE)
    title = StringField(_l("Program name"), validators=[required(), between(5, 200)],
                        filters=[lambda v: " ".join(v.split()) if isinstance(v, str) else v],
                        description=_l("For example: BPNT Sembako Kecamatan Donomulyo 2026"))
    # Only for a user of a wide region (a province, or every region): the kabupaten/kota
    # first, then the region list holds it and its kecamatan.
    area = SelectField(_l("Regency / city"), invalid_choice_message=CHOOSE)
    region = SelectField(_l("Region (kabupaten/kota or kecamatan)"),
                         validators=[required(CHOOSE)], invalid_choice_message=CHOOSE)
