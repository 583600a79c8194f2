"""The NIK and KK rules, with messages a coordinator understands.

Both numbers are 16 digits: ``PPRRSS`` (province, kabupaten/kota, kecamatan where the number was
issued), ``DDMMYY`` (for a NIK the date of birth, with 40 added to the day for women; for a KK
the date it was issued) and a 4-digit serial that is never ``0000``.

python-stdnum's ``stdnum.id.nik`` cleans the number and reads the birth date; what it lacks is
added here: the day ranges (1–31 for men, 41–71 for women), the century (the most recent one
that is not in the future, or the one of a birth date given with it), the serial, the sex, and
the area code against Simpul's own region table. Regions were split and renumbered over the
years, so an area code the table does not know is a *warning*, never a refusal.

Numbers as spreadsheets write them are read too: a leading apostrophe, spaces, dots or dashes
between groups, a trailing ``.0``. A number a spreadsheet turned into scientific notation
(``3.17101E+15``) has lost its last digits and is refused with that reason.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l
from stdnum.id import nik as stdnum_nik

SCIENTIFIC = re.compile(r"^[0-9]+(?:[.,][0-9]+)?[eE][+]?[0-9]+$")
FEMALE_OFFSET = 40


@dataclass
class IdentityCheck:
    """What a number says and what is wrong with it. ``errors`` refuse it; ``warnings`` are
    shown and let it through."""

    number: str
    errors: list[Any] = field(default_factory=list)
    warnings: list[Any] = field(default_factory=list)
    date: dt.date | None = None  # birth date (NIK) or issue date (KK)
    sex: str | None = None  # "L" or "P" (NIK only)
    area: str = ""  # "35.07.01"

    @property
    def ok(self) -> bool:
        return not self.errors


def clean_number(raw: Any) -> str:
    """The digits of a number as a person or a spreadsheet wrote it; letters and scientific
    notation are kept, so the rules can say what is wrong."""
    if raw is None:
        return ""
    if isinstance(raw, str) and raw.isdigit():  # the common case, as fast as it can be
        return raw
    if isinstance(raw, float):  # a spreadsheet cell holding a number
        text = repr(raw) if raw >= 1e16 or raw != int(raw) else str(int(raw))
    else:
        text = str(raw)
    text = text.strip().lstrip("'’`").strip()
    if text.isdigit():
        return text
    if SCIENTIFIC.match(text.replace(" ", "")):
        return text.replace(" ", "")
    if re.fullmatch(r"[0-9 .\-]+\.0", text):
        text = text[:-2]
    return stdnum_nik.compact(text)


def area_code(number: str) -> str:
    """``3507011708450001`` → ``35.07.01``."""
    return f"{number[0:2]}.{number[2:4]}.{number[4:6]}"


def _shape(number: str, what: Any) -> list[Any]:
    if not number:
        return [_l("%(what)s is empty.", what=what)]
    if SCIENTIFIC.match(number):
        return [_l("%(what)s was turned into a number by the spreadsheet (%(value)s) and lost "
                   "its last digits: format the column as text and export again.",
                   what=what, value=number)]
    if not number.isdigit():
        return [_l("%(what)s may hold digits only.", what=what)]
    if len(number) != 16:
        return [_l("%(what)s must be 16 digits (this one has %(n)s).", what=what,
                   n=len(number))]
    if number[:2] == "00":
        return [_l("%(what)s cannot begin with 00 (no province has that code).", what=what)]
    if number[12:] == "0000":
        return [_l("The last four digits of %(what)s cannot be 0000.", what=what)]
    return []


def _dated(day: int, month: int, year2: int, today: dt.date,
           near: dt.date | None = None) -> dt.date | None:
    """The date of DD MM YY in the most recent century not after today, or in the century
    of ``near`` when that is given."""
    centuries = [near.year // 100 * 100] if near else [today.year // 100 * 100,
                                                      today.year // 100 * 100 - 100]
    for century in centuries:
        try:
            found = dt.date(century + year2, month, day)
        except ValueError:
            continue
        if found <= today:
            return found
    return None


def _from_number_cell(raw: Any, found: IdentityCheck, what: Any) -> None:
    """A spreadsheet keeps 15 significant digits of a number: a 16th digit of 0 may be lost."""
    if _number_cell(raw) and found.number.endswith("0"):
        found.warnings.append(_l("%(what)s came from the spreadsheet as a number, which keeps "
                                 "only 15 digits: its last digit may have been lost. Format "
                                 "the column as text.", what=what))


def _number_cell(raw: Any) -> bool:
    return isinstance(raw, float | int) and not isinstance(raw, bool)


def _lost_digits(raw: Any, number: str, what: Any) -> list[Any]:
    """A number cell ending in 0000 lost its last digits to the spreadsheet (a serial is never
    0000): say that, not that the serial is wrong."""
    if _number_cell(raw) and len(number) == 16 and number.isdigit() and number.endswith("0000"):
        return [_l("%(what)s was stored by the spreadsheet as a number and lost its last digits "
                   "(it ends in …0000): format the column as text, type the numbers again and "
                   "export again.", what=what)]
    return []


def check_nik(raw: Any, today: dt.date, known_area: Callable[[str], bool] | None = None,
              sex: str | None = None, birth_date: dt.date | None = None) -> IdentityCheck:
    """Check a NIK; ``sex`` (``L``/``P``) and ``birth_date``, when given, must agree with it."""
    number = clean_number(raw)
    found = IdentityCheck(number, errors=_lost_digits(raw, number, _l("The NIK"))
                          or _shape(number, _l("The NIK")))
    if found.errors:
        return found
    _from_number_cell(raw, found, _l("The NIK"))
    day, month, year2 = int(number[6:8]), int(number[8:10]), int(number[10:12])
    if 1 <= day <= 31:
        found.sex = "L"
    elif FEMALE_OFFSET + 1 <= day <= FEMALE_OFFSET + 31:
        found.sex = "P"
        day -= FEMALE_OFFSET
    else:
        found.errors.append(_l("The date of birth in the NIK (digits 7–12: %(part)s) is not a "
                               "real date: the day is 01–31, or 41–71 for a woman.",
                               part=number[6:12]))
        return found
    found.date = _dated(day, month, year2, today, birth_date)
    if found.date is None and birth_date is not None:
        # not in the century of the date entered: the NIK's own date, which then disagrees
        found.date = _dated(day, month, year2, today)
    if found.date is None:
        found.errors.append(_l("The date of birth in the NIK (digits 7–12: %(part)s) is not a "
                               "real date or lies in the future.", part=number[6:12]))
        return found
    if sex in ("L", "P") and sex != found.sex:
        # The KK may show both (a NIK issued with the wrong code): say it, let it be confirmed.
        found.warnings.append(
            _l("The NIK is a woman's (the day of birth has 40 added) but the person is "
               "entered as a man: check which one is right.") if found.sex == "P" else
            _l("The NIK is a man's (the day of birth is below 41) but the person is entered "
               "as a woman: check which one is right."))
    if birth_date is not None and found.date != birth_date:
        found.warnings.append(_l("The date of birth in the NIK (%(nik)s) differs from the one "
                                 "entered (%(entered)s).", nik=found.date.isoformat(),
                                 entered=birth_date.isoformat()))
    _check_area(found, known_area)
    return found


def check_kk(raw: Any, today: dt.date,
             known_area: Callable[[str], bool] | None = None) -> IdentityCheck:
    """Check a family card number (No. KK); digits 7–12 are the date it was issued."""
    number = clean_number(raw)
    found = IdentityCheck(number, errors=_lost_digits(raw, number, _l("The KK number"))
                          or _shape(number, _l("The KK number")))
    if found.errors:
        return found
    _from_number_cell(raw, found, _l("The KK number"))
    found.date = _dated(int(number[6:8]), int(number[8:10]), int(number[10:12]), today)
    if found.date is None:
        found.errors.append(_l("The issue date in the KK number (digits 7–12: %(part)s) is "
                               "not a real date or lies in the future.", part=number[6:12]))
        return found
    _check_area(found, known_area)
    return found


def _check_area(found: IdentityCheck, known_area: Callable[[str], bool] | None) -> None:
    found.area = area_code(found.number)
    if known_area is not None and not known_area(found.area):
        found.warnings.append(_l("The area code %(code)s is not in the region table: an old "
                                 "code from before a region was split or renumbered, or a "
                                 "typing error. Check the number.", code=found.area))
