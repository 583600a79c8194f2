"""The base of every task form: JSON-safe task data out, prefill values back in."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Mapping, Sequence
from decimal import Decimal
from typing import Any, ClassVar, TypeAlias

from flask_babel import get_translations
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms.csrf.core import CSRFTokenField
from wtforms.fields import (
    BooleanField,
    DateField,
    DateTimeField,
    DecimalField,
    FileField,
    FloatField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.fields.core import UnboundField

from .fields import RupiahField

# flask_babel's LazyString (the library is untyped); it renders as str in templates.
LazyText: TypeAlias = Any

_NOT_DATA = (CSRFTokenField, SubmitField)


class _OurTranslations:
    """WTForms' own messages ("This field is required.") through Simpul's catalogue: WTForms
    ships no Indonesian, so ``forms.messages`` lists them for our translators."""

    def gettext(self, string: str) -> str:
        return str(get_translations().ugettext(string))

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return str(get_translations().ungettext(singular, plural, n))


_TRANSLATIONS = _OurTranslations()
# NUL and the other C0 controls (but tab and line breaks), DEL, the C1 controls (U+0080-U+009F:
# U+009B is a terminal's one-character CSI), and the bidirectional overrides and isolates that
# make a title read differently from what it says.
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
CONTROL_CHARACTERS = _l("The text holds invisible control characters; type it again without "
                        "them.")


class SimpulForm(FlaskForm):  # type: ignore[misc]
    """Every form of Simpul: WTForms' messages in the reader's language, one message per field
    (the first, most basic problem), and no control characters in any text."""

    class Meta(FlaskForm.Meta):  # type: ignore[misc]
        def get_translations(self, form: Any) -> _OurTranslations:
            return _TRANSLATIONS

    def validate(self, extra_validators: Any = None) -> bool:
        valid = bool(super().validate(extra_validators))
        for field in self:
            if isinstance(field.data, str) and CONTROL.search(field.data):
                field.errors = [CONTROL_CHARACTERS, *field.errors]
                valid = False
            if isinstance(field.errors, list) and len(field.errors) > 1:
                field.errors = field.errors[:1]
        return valid


class TaskForm(SimpulForm):
    """A user task's form; subclasses declare fields, a title and a one-line description."""

    title: ClassVar[LazyText] = _l("Task")
    description: ClassVar[LazyText] = ""
    # False for steps that must start empty every time: a decision, one more distribution round.
    prefill: ClassVar[bool] = True
    # True: the form checks its values against the program's data so far (``task_data``),
    # so the page gives it that data on submit too.
    checks_task_data: ClassVar[bool] = False
    # Fields a program with a recipient list computes from the list instead (shown, not typed).
    from_list: ClassVar[tuple[str, ...]] = ()
    # Fields choosing desa/kelurahan of the program's area, by code: the page gives them their
    # choices (``with_area``), grouped by kecamatan.
    area_fields: ClassVar[tuple[str, ...]] = ()
    task_data: Mapping[str, Any] = {}

    def with_area(self, groups: Sequence[tuple[str, Sequence[tuple[str, str]]]]) -> None:
        """The desa of the program's area ([(kecamatan name, [(code, name)])]) become the
        choices of the ``area_fields``, grouped by kecamatan."""
        choices = [SelectChoice(code, name, optgroup=str(kecamatan))
                   for kecamatan, desas in groups for code, name in desas]
        for name in self.area_fields:
            if name in self:
                self[name].choices = choices

    def with_list(self, computed: Mapping[str, Any]) -> None:
        """The program's recipient list gives ``computed`` figures: drop the fields it gives
        (the page shows them instead)."""
        for name in self.from_list:
            if name in computed and name in self:
                del self[name]

    def to_task_data(self) -> dict[str, Any]:
        """The form's own fields as JSON-safe task data (no CSRF token, buttons or files)."""
        data: dict[str, Any] = {}
        for name, field in self._fields.items():
            if isinstance(field, (*_NOT_DATA, FileField)) or name == "csrf_token":
                continue
            data[name] = _field_to_json(field)
        return data

    def uploads(self) -> dict[str, Any]:
        """The files submitted with the form (FileStorage by field name), to store apart."""
        return {name: field.data for name, field in self._fields.items()
                if isinstance(field, FileField) and field.data and
                getattr(field.data, "filename", "")}

    @classmethod
    def initial_from_task_data(cls, data: Mapping[str, Any]) -> dict[str, Any]:
        """Values for ``Form(data=...)`` from task data, for the fields this form has."""
        initial: dict[str, Any] = {}
        for name, unbound in _unbound_fields(cls):
            value = data.get(name)
            if value is None:
                continue
            try:
                initial[name] = _from_json(unbound.field_class, value)
            except (TypeError, ValueError, ArithmeticError):
                continue  # stale or hand-edited data: leave the field empty rather than fail
        return initial


def _unbound_fields(form_class: type[TaskForm]) -> Iterator[tuple[str, Any]]:
    for name in dir(form_class):
        if name.startswith("_"):
            continue
        attr = getattr(form_class, name, None)
        if isinstance(attr, UnboundField):
            yield name, attr


def _field_to_json(field: Any) -> Any:
    value = field.data
    if isinstance(field, BooleanField):
        return bool(value)
    if getattr(field, "yes_no", False):  # two radio buttons standing for True and False
        return None if value in (None, "") else value == "true"
    if isinstance(field, SelectMultipleField):
        return [str(v) for v in value or []]
    if isinstance(field, StringField):  # also TextAreaField; an empty text is ""
        return "" if value is None else str(value)
    if value is None:
        return None
    if isinstance(field, RupiahField | IntegerField):
        return int(value)
    if isinstance(field, DecimalField | FloatField):
        return float(value)
    return json_safe(value)


def json_safe(value: Any) -> Any:
    """Dates as ISO strings, decimals as numbers, containers recursively; JSON types as is."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, dt.date):  # also datetime
        return value.isoformat()
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, Mapping):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [json_safe(v) for v in value]
    return str(value)


def _from_json(field_class: type[Any], value: Any) -> Any:
    if issubclass(field_class, BooleanField):
        return bool(value)
    if getattr(field_class, "yes_no", False):
        return "true" if value is True else "false" if value is False else None
    if issubclass(field_class, SelectMultipleField):
        return [str(v) for v in value] if isinstance(value, list) else []
    if issubclass(field_class, FileField):
        return None  # a stored file cannot be put back into a file input
    if issubclass(field_class, DateField):
        return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
    if issubclass(field_class, DateTimeField):
        return dt.datetime.fromisoformat(str(value))
    if issubclass(field_class, RupiahField | IntegerField):
        return _whole_number(value)
    if issubclass(field_class, DecimalField):
        return Decimal(str(value))
    if issubclass(field_class, FloatField):
        return float(value)
    if issubclass(field_class, StringField | SelectField | RadioField):
        return str(value)
    return value


def _whole_number(value: Any) -> int:
    if isinstance(value, bool):
        raise TypeError("a flag is not a count")
    if isinstance(value, float) and not value.is_integer():
        raise ValueError("not a whole number")
    return int(value)
