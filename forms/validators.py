"""Validators that compare a field with the calendar or with another field of the same form."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms.validators import ValidationError

# Indonesia has no daylight saving; its easternmost zone (WIT, UTC+9) is the first to reach a
# new day, so "today" there is the latest date that is not in the future anywhere in the country.
_WIT = dt.timezone(dt.timedelta(hours=9))


def latest_today() -> dt.date:
    """Today's date in eastern Indonesia (the latest calendar date in the country)."""
    return dt.datetime.now(_WIT).date()


class NotInFuture:
    """A date that has already happened (a visit, an assessment)."""

    def __init__(self, message: Any = None) -> None:
        self.message = message or _l("The date must not be in the future.")

    def __call__(self, form: Any, field: Any) -> None:
        if isinstance(field.data, dt.date) and field.data > latest_today():
            raise ValidationError(self.message)


class AtMost:
    """A count that cannot exceed another count of the form (e.g. the total households)."""

    def __init__(self, other: str, message: Any) -> None:
        self.other = other
        self.message = message

    def __call__(self, form: Any, field: Any) -> None:
        other = form[self.other]
        if other.errors:  # the other field already explains what is wrong
            return
        limit = other.data
        if isinstance(field.data, int) and isinstance(limit, int) and field.data > limit:
            raise ValidationError(self.message)
