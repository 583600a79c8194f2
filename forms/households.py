"""Registry forms: a household (with its head of family when new) and a member.

The forms take the values and say what is missing; the NIK and KK rules and the duplicate checks
live in the registry service (the import applies the same ones), which names the field each
problem belongs to.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from .base import SimpulForm
from .fields import CHOOSE, FILE_REQUIRED, as_choices, at_most, date_field, required
from .validators import NotInFuture

# Labels of the registry's codes (the service keeps the codes; pages and exports use these).
HOUSEHOLD_STATUS = {"active": _l("Active"), "moved": _l("Moved away"),
                    "closed": _l("Closed (no longer a family)")}
RELATIONS = {
    "head": _l("Head of family"), "husband": _l("Husband"), "wife": _l("Wife"),
    "child": _l("Child"), "child_in_law": _l("Son- or daughter-in-law"),
    "grandchild": _l("Grandchild"), "parent": _l("Parent"),
    "parent_in_law": _l("Parent-in-law"), "relative": _l("Other relative"),
    "helper": _l("Household helper"), "other": _l("Other"),
}
DISABILITY = {
    "physical": _l("Physical"), "intellectual": _l("Intellectual"), "mental": _l("Mental"),
    "sensory_sight": _l("Sensory: sight"), "sensory_hearing": _l("Sensory: hearing"),
    "sensory_speech": _l("Sensory: speech"),
}
SCHOOL = {"": _l("Unknown / not asked"), "attending": _l("Attending school"),
          "not_attending": _l("School age, not attending"),
          "finished": _l("Finished or left school"), "not_school_age": _l("Not of school age")}
SCHOOL_LEVEL = {"": _l("Unknown / none"), "paud_tk": _l("PAUD/TK"), "sd_mi": _l("SD/MI"),
                "smp_mts": _l("SMP/MTs"), "sma_smk_ma": _l("SMA/SMK/MA"),
                "paket_a": _l("Paket A"), "paket_b": _l("Paket B"), "paket_c": _l("Paket C")}
SEVERITY = {"": _l("Not assessed"), "ringan": _l("Mild"), "sedang": _l("Moderate"),
            "berat": _l("Severe")}
PRESENCE = {"found": _l("Found"), "not_found": _l("Not found"), "moved": _l("Moved"),
            "died": _l("Died")}
BENEFIT = {"pkh": _l("PKH"), "sembako": _l("Sembako"), "pbi_jk": _l("PBI-JK"),
           "blt_dd": _l("BLT Dana Desa"), "other": _l("Other")}
SEX = {"L": _l("Male"), "P": _l("Female")}
ENROLMENT_STATUS = {"draft": _l("Draft"), "enrolled": _l("Enrolled"), "paused": _l("Paused"),
                    "exited": _l("Exited"), "not_eligible": _l("Not eligible")}
NOT_RECEIVED = {"absent": _l("Absent"), "not_found": _l("Not found"), "moved": _l("Moved"),
                "died": _l("Died"), "refused": _l("Refused"),
                "not_eligible": _l("Already well-off / not eligible"),
                "duplicate": _l("Duplicate data"), "card_problem": _l("Card / account problem"),
                "other": _l("Other")}
DESIL_CHOICES = [("", _l("Unknown"))] + [(str(n), str(n)) for n in range(1, 11)]

NUMBER_INPUT = {"inputmode": "numeric", "autocomplete": "off", "maxlength": "24",
                "spellcheck": "false"}


class HouseholdForm(SimpulForm):
    kk_number = StringField(_l("KK number"), validators=[at_most(40)],
                            render_kw=NUMBER_INPUT,
                            description=_l("16 digits, as on the Kartu Keluarga."))
    region_code = SelectField(_l("Desa / kelurahan"), validators=[InputRequired(CHOOSE)],
                              invalid_choice_message=CHOOSE)
    address = StringField(_l("Address"), validators=[at_most(300)],
                          description=_l("Street, dusun, house number."))
    rt = StringField(_l("RT"), validators=[at_most(4)],
                     render_kw={"inputmode": "numeric", "autocomplete": "off"})
    rw = StringField(_l("RW"), validators=[at_most(4)],
                     render_kw={"inputmode": "numeric", "autocomplete": "off"})
    dtsen_id = StringField(_l("DTSEN id"), validators=[at_most(20)],
                           render_kw={"autocomplete": "off", "spellcheck": "false"},
                           description=_l("The family's id in DTSEN, if known. The desil "
                                          "comes only from a DTSEN import."))
    status = SelectField(_l("Status"), choices=as_choices(HOUSEHOLD_STATUS.items()),
                         invalid_choice_message=CHOOSE, default="active")
    confirmed = HiddenField()


class WideHouseholdForm(HouseholdForm):
    """For a region holding too many desa to list (a province, the whole country): the desa is
    written by its code."""

    region_code = StringField(
        _l("Desa / kelurahan code"), validators=[required(), at_most(20)],
        render_kw={"inputmode": "decimal", "autocomplete": "off", "spellcheck": "false"},
        description=_l("Your region holds too many desa for a list: write the code of the "
                       "desa or kelurahan, for example 35.07.01.2001."))


def desa_choices(groups: Sequence[tuple[str, Sequence[tuple[str, str]]]]) -> list[SelectChoice]:
    """Desa grouped by kecamatan (an optgroup each), after an empty first option."""
    choices = [SelectChoice("", _l("— choose —"))]
    for kecamatan, desas in groups:
        group = str(_l("Kec. %(name)s", name=kecamatan))
        choices += [SelectChoice(code, name, optgroup=group) for code, name in desas]
    return choices


class PersonForm(SimpulForm):
    nik = StringField(_l("NIK"), validators=[at_most(40)], render_kw=NUMBER_INPUT,
                      description=_l("16 digits, as on the KTP or KK. Empty for a baby "
                                     "without one yet."))
    full_name = StringField(_l("Full name"), validators=[required(), at_most(120)],
                            render_kw={"autocomplete": "off"})
    sex = RadioField(_l("Sex"), choices=as_choices(SEX.items()),
                     validators=[InputRequired(CHOOSE)], invalid_choice_message=CHOOSE)
    birth_place = StringField(_l("Place of birth"), validators=[at_most(80)])
    birth_date = StringField(_l("Date of birth"), validators=[at_most(10)],
                             render_kw={"type": "date"})
    relation = SelectField(_l("Relationship to the head of family"),
                           choices=as_choices([("", _l("— choose —")), *RELATIONS.items()]),
                           validators=[InputRequired(CHOOSE)], invalid_choice_message=CHOOSE)
    disability = SelectMultipleField(
        _l("Disability (UU 8/2016)"), choices=as_choices(DISABILITY.items()),
        widget=ListWidget(prefix_label=False), option_widget=CheckboxInput(),
        invalid_choice_message=CHOOSE, validators=[Optional()])
    disability_severity = SelectField(_l("Severity of the disability"),
                                      choices=as_choices(SEVERITY.items()),
                                      invalid_choice_message=CHOOSE, default="")
    pregnant = BooleanField(_l("Pregnant"),
                            description=_l("Recorded with today's date; it counts for ten "
                                           "months."))
    chronic_illness = BooleanField(_l("Chronic illness"))
    school = SelectField(_l("School"), choices=as_choices(SCHOOL.items()),
                         invalid_choice_message=CHOOSE, default="")
    school_level = SelectField(_l("School level"), choices=as_choices(SCHOOL_LEVEL.items()),
                               invalid_choice_message=CHOOSE, default="",
                               description=_l("Attended now, or the last one finished."))
    occupation = StringField(_l("Occupation"), validators=[at_most(80)])
    presence = SelectField(_l("Presence"), choices=as_choices(PRESENCE.items()),
                           invalid_choice_message=CHOOSE, default="found",
                           description=_l("As the last verification found the person."))
    confirmed = HiddenField()

    FIELDS = ("nik", "full_name", "sex", "birth_place", "birth_date", "relation", "disability",
              "disability_severity", "pregnant", "chronic_illness", "school", "school_level",
              "occupation", "presence")

    def values(self) -> dict[str, Any]:
        return {name: self._fields[name].data for name in self.FIELDS if name in self._fields}


class HeadForm(PersonForm):
    """The head of family, entered with a new household (one CSRF token for both)."""

    class Meta(PersonForm.Meta):  # type: ignore[misc]
        csrf = False

    relation = None  # always the head
    presence = None  # found: the family is registered with its head
    confirmed = None  # the household form carries the confirmation

    def values(self) -> dict[str, Any]:
        return super().values() | {"relation": "head"}


class MoveForm(SimpulForm):
    target = StringField(_l("New household"), validators=[required(), at_most(80)],
                         description=_l("The head of family's name, or the last digits of "
                                        "the KK (or the whole KK); then choose it."))
    to_household = IntegerField(validators=[Optional()])
    relation = SelectField(_l("Relationship to the new head of family"),
                           choices=as_choices([("", _l("— choose —")), *RELATIONS.items()]),
                           validators=[InputRequired(CHOOSE)], invalid_choice_message=CHOOSE)
    reason = StringField(_l("Reason"), validators=[required(), at_most(300)],
                         description=_l("For example: married, moved to a relative."))


class DeathForm(SimpulForm):
    died_on = date_field(_l("Date of death"), extra=[NotInFuture()])
    note = StringField(_l("Note"), validators=[at_most(300)],
                       description=_l("For example: the letter from the desa."))


class RevealForm(SimpulForm):
    reason = StringField(_l("Why do you need the full number?"),
                         validators=[required(), at_most(300)],
                         description=_l("Written to the household's history with your name."))



class ImportForm(SimpulForm):
    file = FileField(_l("Village list (CSV or XLSX)"), validators=[FileRequired(FILE_REQUIRED)],
                     description=_l("One row per person, with the KK number, NIK, name and "
                                    "desa. The first row names the columns."),
                     render_kw={"accept": ".csv,.xlsx,.xls,.ods,.txt"})


class RejectedForm(SimpulForm):
    reason = StringField(_l("Why do you need the full numbers?"),
                         validators=[required(), at_most(300)])
