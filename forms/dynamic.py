"""Forms built at run time from a field list drawn in the diagram (no code).

The field types match the engine's ``FIELD_TYPES``; each builds the same kind of field, with the
same validation and messages, as the coded forms in this package.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileSize
from wtforms import Field, Form
from wtforms.fields import RadioField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, StopValidation
from wtforms.widgets import CheckboxInput, ListWidget

from .base import TaskForm
from .fields import (
    CHOOSE,
    NUMBER,
    REQUIRED,
    TOO_LONG,
    CommaDecimalField,
    as_choices,
    date_field,
    rupiah_field,
    text_field,
)

FIELD_TYPES = ("text", "textarea", "number", "money", "date", "choice", "multichoice", "yesno",
               "file")
LINE_MAX = 500
FILE_MAX_BYTES = 5 * 1024 * 1024
FILE_TOO_LARGE = _l("The file is too large (at most 5 MB).")
# What a step's file field and a comment accept: documents and photos. Markup (.html, .svg,
# .xhtml, .xml ...) is refused whatever its name says: a browser runs the scripts in it.
FILE_TYPES = (".pdf", ".jpg", ".jpeg", ".png", ".gif", ".csv", ".xlsx", ".xls", ".docx", ".doc",
              ".odt", ".ods", ".txt")  # the comment form's file input lists them too
FILE_TYPE_REFUSED = _l("This kind of file is not accepted. Accepted: %(types)s",
                       types=", ".join(t.lstrip(".") for t in FILE_TYPES))


def accepted_file(filename: str, head: bytes) -> bool:
    """A document or photo by its name, and not markup by its first bytes."""
    start = head[:512].replace(b"\x00", b"").lstrip(b"\xef\xbb\xbf\xff\xfe \t\r\n")
    return filename.lower().endswith(FILE_TYPES) and not start.startswith(b"<")


class FieldSpecLike(Protocol):
    """One field of a field list (the engine's FieldSpec)."""

    @property
    def name(self) -> str: ...
    @property
    def label(self) -> str: ...
    @property
    def type(self) -> str: ...
    @property
    def required(self) -> bool: ...
    @property
    def choices(self) -> tuple[tuple[str, str], ...]: ...
    @property
    def help(self) -> str: ...


class YesNoField(RadioField):  # type: ignore[misc]
    """Yes or no as two radio buttons; the task data holds True or False."""

    yes_no = True

    def __init__(self, label: Any = None, validators: Any = None, **kwargs: Any):
        kwargs.setdefault("choices", as_choices([("true", _l("Yes")), ("false", _l("No"))]))
        kwargs.setdefault("invalid_choice_message", CHOOSE)
        super().__init__(label, validators, **kwargs)


class ChecklistField(SelectMultipleField):  # type: ignore[misc]
    """Several choices as checkboxes; the task data holds the list of chosen values."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class AttachmentField(FileField):  # type: ignore[misc]
    """An uploaded file; the task data holds a reference to the stored attachment."""


def _safe_file_type(form: Form, field: Field) -> None:
    storage = field.data
    if not storage or not getattr(storage, "filename", None):
        return
    head = storage.stream.read(512)
    storage.stream.seek(0)
    if not accepted_file(storage.filename, head):
        raise StopValidation(FILE_TYPE_REFUSED)


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _presence(required: bool, message: Any = REQUIRED) -> Any:
    return InputRequired(message=message) if required else Optional()


def build_field(spec: FieldSpecLike) -> Any:
    """The WTForms field for one field of a field list."""
    label, required, help_text = spec.label, spec.required, spec.help
    choices = list(spec.choices)
    if spec.type == "text":
        return StringField(label, validators=[
            DataRequired(message=REQUIRED) if required else Optional(),
            Length(max=LINE_MAX, message=TOO_LONG)], filters=[_strip], description=help_text)
    if spec.type == "textarea":
        return text_field(label, required=required, description=help_text)
    if spec.type == "number":
        return CommaDecimalField(label, validators=[_presence(required)], places=None,
                                 invalid_value_message=NUMBER, description=help_text,
                                 render_kw={"inputmode": "decimal"})
    if spec.type == "money":
        return rupiah_field(label, required=required, description=help_text)
    if spec.type == "date":
        return date_field(label, required=required, description=help_text)
    if spec.type == "choice":
        return SelectField(label, validators=[_presence(required, CHOOSE)],
                           choices=as_choices([("", _l("— choose —")), *choices]),
                           invalid_choice_message=CHOOSE, description=help_text)
    if spec.type == "multichoice":
        return ChecklistField(label, validators=[_presence(required, CHOOSE)],
                              choices=as_choices(choices), invalid_choice_message=CHOOSE,
                              description=help_text)
    if spec.type == "yesno":
        return YesNoField(label, validators=[_presence(required, CHOOSE)],
                          description=help_text)
    if spec.type == "file":
        return AttachmentField(label, validators=[
            _presence(required), _safe_file_type,
            FileSize(FILE_MAX_BYTES, message=FILE_TOO_LARGE)],
            description=help_text, render_kw={"accept": ",".join(FILE_TYPES)})
    raise ValueError(f"unknown field type {spec.type!r}")


def build_form(fields: Sequence[FieldSpecLike], title: Any = "",
               description: Any = "") -> type[TaskForm]:
    """A TaskForm class with one field per spec, in order."""
    attributes: dict[str, Any] = {"title": title or _l("Task"), "description": description}
    for spec in fields:
        attributes[spec.name] = build_field(spec)
    return type("FieldListForm", (TaskForm,), attributes)
