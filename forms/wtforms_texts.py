"""WTForms' and Flask-WTF's own messages, listed so that they reach Simpul's catalogue.

WTForms ships no Indonesian catalogue. Our forms give every validator a message of their own;
these are the safety net for a message a form forgot (``SimpulForm`` translates them through
our catalogue). Nothing calls this module: pybabel reads it.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext as _n

WTFORMS_MESSAGES = (
    _l("This field is required."),
    _l("Invalid input."),
    _l("Not a valid choice."),
    _l("Not a valid integer value."),
    _l("Not a valid decimal value."),
    _l("Not a valid float value."),
    _l("Not a valid date value."),
    _l("Not a valid datetime value."),
    _l("Not a valid time value."),
    _l("Not a valid week value."),
    _l("Invalid Choice: could not coerce."),
    _l("Choices cannot be None."),
    _l("Number must be at least %(min)s."),
    _l("Number must be at most %(max)s."),
    _l("Number must be between %(min)s and %(max)s."),
    _l("Date must be at least %(min)s."),
    _l("Date must be at most %(max)s."),
    _l("Date must be between %(min)s and %(max)s."),
    _l("Field must be between %(min)d and %(max)d characters long."),
    _n("Field must be at least %(min)d character long.",
       "Field must be at least %(min)d characters long.", 1),
    _n("Field cannot be longer than %(max)d character.",
       "Field cannot be longer than %(max)d characters.", 1),
    _n("Field must be exactly %(max)d character long.",
       "Field must be exactly %(max)d characters long.", 1),
    _n("'%(value)s' is not a valid choice for this field.",
       "'%(value)s' are not valid choices for this field.", 1),
    _l("Field must be equal to %(other_name)s."),
    _l("Invalid email address."),
    _l("Invalid URL."),
    _l("Invalid value, must be one of: %(values)s."),
    _l("Invalid value, can't be any of: %(values)s."),
    _l("This field cannot be edited."),
    _l("This field is disabled and cannot have a value."),
    _l("File does not have an approved extension."),
    _l("Invalid CSRF Token."),
    _l("CSRF token missing."),
    _l("CSRF failed."),
    _l("CSRF token expired."),
)
