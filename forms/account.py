"""A person's own account: signing in, and changing their own password."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import PasswordField, StringField
from wtforms.validators import EqualTo

from .base import SimpulForm
from .fields import at_most, required


class LoginForm(SimpulForm):
    username = StringField(_l("User name"), validators=[required(), at_most(80)])
    password = PasswordField(_l("Password"), validators=[required(), at_most(200)])


class PasswordForm(SimpulForm):
    current = PasswordField(_l("Current password"), validators=[required(), at_most(200)],
                            render_kw={"autocomplete": "current-password"})
    new = PasswordField(_l("New password"), validators=[required(), at_most(200)],
                        description=_l("At least 10 characters; a phrase of three or four words "
                                       "is easy to remember and hard to guess."),
                        render_kw={"autocomplete": "new-password"})
    again = PasswordField(_l("New password again"),
                          validators=[required(), EqualTo("new", message=_l(
                              "The two new passwords differ."))],
                          render_kw={"autocomplete": "new-password"})
