"""Field builders shared by the task forms: counts, rupiah amounts, dates, texts and choices.

Every builder sets the project's own validation messages (wtforms ships no Indonesian catalog),
and passes the label positionally so the review page can read it from the unbound field.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

import email_validator
import phonenumbers
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from wtforms import Field
from wtforms.fields import (
    BooleanField,
    DateField,
    DecimalField,
    IntegerField,
    RadioField,
    SelectField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)
from wtforms.widgets import TextInput

REQUIRED = _l("Please fill in this field.")
CHOOSE = _l("Please choose one of the options.")
NOT_NEGATIVE = _l("Must not be negative.")
AT_LEAST_ONE = _l("Must be at least 1.")
WHOLE_NUMBER = _l("Enter a whole number, for example 120.")
NUMBER = _l("Enter a number, for example 87.5.")
DATE = _l("Enter a date as year-month-day, for example 2026-12-01.")
RUPIAH = _l("Enter an amount in whole rupiah, for example 12.500.000.")
TOO_LARGE = _l("This amount is too large.")
NUMBER_TOO_LARGE = _l("This number is too large.")
# No program counts more households, rounds or visits than this; beyond it is a typing slip.
COUNT_MAX = 10_000_000
TOO_LONG = _l("Please use at most %(max)d characters.")
LENGTH_BETWEEN = _l("Please use %(min)d to %(max)d characters.")
FILE_REQUIRED = _l("Choose a file.")

TEXT_MAX = 2000
# A trillion rupiah is far above any local program; the cap keeps amounts exact in JSON and SQL.
RUPIAH_MAX = 10**15
DECIMAL_MAX = 10**15

Choices = Sequence[tuple[str, Any]]

# Indonesian grouping (12.500.000 with optional ",00" or ",-"), English grouping (12,500,000),
# or plain digits; the thousands groups are checked so that "12.5" is refused, not misread.
_RUPIAH_PATTERNS = (
    re.compile(r"(?P<whole>\d{1,3}(?:\.\d{3})+)(?:,-|,0{1,2})?"),
    re.compile(r"(?P<whole>\d{1,3}(?:,\d{3})+)(?:\.0{1,2})?"),
    re.compile(r"(?P<whole>\d+)(?:,-|[.,]0{1,2})?"),
)


def parse_rupiah(text: str) -> int:
    """Whole rupiah from what people type: '12.500.000', 'Rp 12.500.000,-', '12500000'."""
    cleaned = re.sub(r"[\s\u00a0]", "", text)
    cleaned = re.sub(r"^(?i:rp)\.?", "", cleaned)
    sign = -1 if cleaned.startswith("-") else 1
    body = cleaned.removeprefix("-")
    if len(body) > 40:
        raise ValueError("too long for a rupiah amount")
    for pattern in _RUPIAH_PATTERNS:
        match = pattern.fullmatch(body)
        if match:
            return sign * int(re.sub(r"\D", "", match.group("whole")))
    raise ValueError(f"not a rupiah amount: {text!r}")


def format_rupiah(amount: int) -> str:
    """12500000 -> '12.500.000' (Indonesian thousands separator)."""
    return f"{amount:,}".replace(",", ".")


class RupiahField(Field):  # type: ignore[misc]
    """A whole-rupiah amount typed with or without thousands dots; ``data`` is an int."""

    widget = TextInput()

    def _value(self) -> str:
        if self.raw_data:
            return str(self.raw_data[0])
        if isinstance(self.data, int):
            return format_rupiah(self.data)
        return ""

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist or not str(valuelist[0]).strip():
            self.data = None
            return
        try:
            amount = parse_rupiah(str(valuelist[0]))
        except ValueError:
            self.data = None
            raise ValueError(RUPIAH) from None
        if amount < 0:
            self.data = None
            raise ValueError(NOT_NEGATIVE)
        if amount > RUPIAH_MAX:
            self.data = None
            raise ValueError(TOO_LARGE)
        self.data = amount


def get_locale_name() -> str:
    locale = get_locale()
    return locale.language if locale is not None else "id"


def required(message: Any = REQUIRED) -> DataRequired:
    """A field that must be filled in (spaces alone do not count), with our message."""
    return DataRequired(message=message)


def at_most(length: int) -> Length:
    return Length(max=length, message=TOO_LONG)


def between(shortest: int, longest: int) -> Length:
    return Length(min=shortest, max=longest, message=LENGTH_BETWEEN)


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _presence(required: bool, message: Any = REQUIRED) -> Any:
    return InputRequired(message=message) if required else Optional()


# Whole numbers as people type them: 1200, 1.200 (Indonesian grouping) or 1 200.
_WHOLE = re.compile(r"\d{1,3}(?:[.\s\u00a0]\d{3})+|\d{1,40}")
# Decimals: 87,5 or 87.5, and grouped 1.234,5 or 1,234.5 (sizes are checked after).
_DECIMALS = (
    (re.compile(r"(\d{1,40})(?:[.,](\d{1,6}))?"), None),
    (re.compile(r"(\d{1,3}(?:\.\d{3})+)(?:,(\d{1,6}))?"), "."),
    (re.compile(r"(\d{1,3}(?:,\d{3})+)(?:\.(\d{1,6}))?"), ","),
)


def parse_whole(text: str) -> int:
    """A whole number from what people type; ValueError for anything else."""
    cleaned = text.strip()
    if not _WHOLE.fullmatch(cleaned):
        raise ValueError(f"not a whole number: {text!r}")
    return int(re.sub(r"\D", "", cleaned))


def parse_decimal(text: str) -> Decimal:
    """A finite decimal from what people type ("87,5", "87.5", "1.234,5"); never NaN,
    Infinity, exponents or hundreds of digits. ValueError for anything else."""
    cleaned = re.sub(r"[\s\u00a0]", "", text)
    sign = -1 if cleaned.startswith("-") else 1
    body = cleaned.removeprefix("-").removeprefix("+")
    for pattern, grouping in _DECIMALS:
        match = pattern.fullmatch(body)
        if match:
            whole = match.group(1).replace(grouping, "") if grouping else match.group(1)
            fraction = match.group(2) or "0"
            return sign * Decimal(f"{whole}.{fraction}")
    raise ValueError(f"not a number: {text!r}")


class CountField(IntegerField):  # type: ignore[misc]
    """A whole number in a text box (a number box drops what the phone's keyboard types in
    another locale); takes 1.200 and 1 200 as well as 1200."""

    widget = TextInput()

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist or not str(valuelist[0]).strip():
            self.data = None
            return
        try:
            self.data = parse_whole(str(valuelist[0]))
        except ValueError:
            self.data = None
            raise ValueError(self.gettext(self.invalid_value_message or WHOLE_NUMBER)) from None


def count_field(label: Any, *, minimum: int = 0, maximum: int | None = None,
                required: bool = True, message: Any = None, description: Any = "",
                extra: Sequence[Any] = ()) -> Any:
    """A whole number (households, rounds); ``message`` overrides the range message."""
    if message is None:
        message = NOT_NEGATIVE if minimum == 0 else AT_LEAST_ONE
    upper = NumberRange(max=COUNT_MAX if maximum is None else maximum,
                        message=message if maximum is not None else NUMBER_TOO_LARGE)
    return CountField(
        label,
        validators=[_presence(required), NumberRange(min=minimum, message=message), upper,
                    *extra],
        invalid_value_message=WHOLE_NUMBER,
        description=description,
        render_kw={"inputmode": "numeric", "autocomplete": "off"},
    )


class CommaDecimalField(DecimalField):  # type: ignore[misc]
    """A decimal in a text box that takes the Indonesian decimal comma ("87,5" as well as
    "87.5"). A number box would not do: Chromium in an Indonesian locale silently drops the
    comma of a number box and sends 875."""

    widget = TextInput()

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist or not str(valuelist[0]).strip():
            self.data = None
            return
        try:
            value = parse_decimal(str(valuelist[0]))
        except (ValueError, ArithmeticError):
            self.data = None
            raise ValueError(self.gettext(self.invalid_value_message or NUMBER)) from None
        if abs(value) >= DECIMAL_MAX:  # exact in JSON and SQL; far above any real figure
            self.data = None
            raise ValueError(NUMBER_TOO_LARGE)
        self.data = value

    def _value(self) -> str:
        if self.raw_data:
            return str(self.raw_data[0])
        if self.data is None:
            return ""
        text = format(self.data.normalize() if isinstance(self.data, Decimal) else self.data, "f")
        return text.replace(".", ",") if get_locale_name() == "id" else text


def percent_field(label: Any, *, maximum: int, message: Any, description: Any = "") -> Any:
    """A percentage with decimals, between 0 and ``maximum``."""
    return CommaDecimalField(
        label,
        validators=[InputRequired(message=REQUIRED), NumberRange(min=0, max=maximum,
                                                                 message=message)],
        places=None,
        invalid_value_message=NUMBER,
        description=description,
        render_kw={"inputmode": "decimal"},
    )


def rupiah_field(label: Any, *, required: bool = True, description: Any = "") -> Any:
    """A whole-rupiah amount (stored as int)."""
    return RupiahField(
        label,
        validators=[_presence(required)],
        description=description or _l("In rupiah, for example 12.500.000."),
        render_kw={"inputmode": "numeric", "autocomplete": "off"},
    )


def date_field(label: Any, *, required: bool = True, description: Any = "",
               extra: Sequence[Any] = ()) -> Any:
    """A calendar date (HTML date input, ISO format)."""
    return DateField(label, validators=[_presence(required), *extra], invalid_value_message=DATE,
                     description=description)


def text_field(label: Any, *, required: bool | None = False, max_length: int = TEXT_MAX,
               description: Any = "", rows: int = 3) -> Any:
    """A multi-line text; surrounding spaces are removed.

    ``required=None`` leaves presence to the form (a ``validate_<name>`` method), because
    ``Optional`` would stop the chain before such a method runs.
    """
    # DataRequired looks at the stripped text, so a field of spaces counts as empty.
    presence = [] if required is None else [
        DataRequired(message=REQUIRED) if required else Optional()]
    return TextAreaField(
        label,
        validators=[*presence, Length(max=max_length, message=TOO_LONG)],
        filters=[_strip],
        description=description,
        render_kw={"rows": rows},
    )


PHONE = _l("Enter a phone number, for example 0812-3456-7890 or (0341) 551234.")
EMAIL = _l("Enter an e-mail address, for example nama@dinsos.go.id.")


def normalise_phone(text: str) -> str:
    """A valid Indonesian (or international) phone number, written the standard way
    (+62 812-3456-7890); "" stays ""; ValueError otherwise."""
    text = text.strip()
    if not text:
        return ""
    try:
        number = phonenumbers.parse(text, "ID")
    except phonenumbers.NumberParseException:
        raise ValueError(text) from None
    if not phonenumbers.is_valid_number(number):
        raise ValueError(text)
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL))


def normalise_email(text: str) -> str:
    """A syntactically valid e-mail address (the domain part lower-cased); "" stays "";
    ValueError otherwise. Deliverability is not checked (no network at entry)."""
    text = text.strip()
    if not text:
        return ""
    try:
        return str(email_validator.validate_email(text, check_deliverability=False).normalized)
    except email_validator.EmailNotValidError:
        raise ValueError(text) from None


def phone_number(form: Any, field: Any) -> None:
    """Validator: an optional phone number, normalised in place."""
    try:
        field.data = normalise_phone(field.data or "")
    except ValueError:
        raise ValidationError(PHONE) from None


def email_address(form: Any, field: Any) -> None:
    """Validator: an optional e-mail address, normalised in place."""
    try:
        field.data = normalise_email(field.data or "")
    except ValueError:
        raise ValidationError(EMAIL) from None


def as_choices(pairs: Iterable[tuple[str, Any]]) -> list[SelectChoice]:
    """(value, label) pairs as WTForms choices (plain tuples are deprecated in WTForms 3.3)."""
    return [SelectChoice(value, label) for value, label in pairs]


def select_field(label: Any, choices: Choices, *, placeholder: Any = None,
                 description: Any = "") -> Any:
    """A required drop-down; ``placeholder`` adds an empty first option."""
    pairs = [("", placeholder), *choices] if placeholder is not None else list(choices)
    return SelectField(label, validators=[InputRequired(message=CHOOSE)],
                       choices=as_choices(pairs),
                       invalid_choice_message=CHOOSE, description=description)


def radio_field(label: Any, choices: Choices, *, description: Any = "") -> Any:
    """A required choice shown as radio buttons."""
    return RadioField(label, validators=[InputRequired(message=CHOOSE)],
                      choices=as_choices(choices),
                      invalid_choice_message=CHOOSE, description=description)


def check_field(label: Any, *, description: Any = "") -> Any:
    """A yes/no checkbox (unchecked means no)."""
    return BooleanField(label, default=False, description=description)
