"""The administrators' forms for process diagrams: files uploaded (drawn in Camunda Modeler,
say) and the diagram in the editor, checked or deployed."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import StringField, TextAreaField

from .base import SimpulForm
from .fields import FILE_REQUIRED, at_most, required


class UploadForm(SimpulForm):
    files = FileField(_l("BPMN or DMN files"), validators=[FileRequired(FILE_REQUIRED)],
                      render_kw={"multiple": True, "accept": ".bpmn,.dmn,.xml"})
    comment = StringField(_l("What changed"), validators=[required(), at_most(500)],
                          description=_l("Shown in the version list, for example: "
                                         "“Added partner confirmation”."))


class DeployForm(SimpulForm):
    xml = TextAreaField(validators=[required()])
    comment = StringField(_l("What changed"), validators=[at_most(500)])
    filename = StringField(validators=[at_most(200)])
