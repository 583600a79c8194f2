"""The administrators' forms for people: a user, a group, a partner organisation.

A user's group choices come from the database: the page sets them on the form it makes.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.widgets import CheckboxInput, ListWidget

from .base import SimpulForm
from .fields import CHOOSE, as_choices, at_most, between, email_address, phone_number, required

# Labels of the roles and the kinds of partner (the service keeps the codes; pages use these).
ROLE_LABELS = {"coordinator": _l("Coordinator"), "supervisor": _l("Supervisor"),
               "admin": _l("Administrator")}
PARTNER_KIND_LABELS = {"government": _l("Government office"), "ngo": _l("NGO / foundation"),
                       "community": _l("Community group"), "private": _l("Company"),
                       "other": _l("Other")}


class UserForm(SimpulForm):
    username = StringField(_l("User name"), validators=[required(), at_most(80)])
    full_name = StringField(_l("Full name"), validators=[required(), at_most(120)])
    email = StringField(_l("E-mail"), validators=[at_most(200), email_address],
                        render_kw={"type": "email", "autocomplete": "off"})
    role = SelectField(_l("Role"), choices=as_choices(ROLE_LABELS.items()),
                       invalid_choice_message=CHOOSE)
    groups = SelectMultipleField(_l("Groups"), widget=ListWidget(prefix_label=False),
                                 option_widget=CheckboxInput(), invalid_choice_message=CHOOSE)
    region = StringField(_l("Region code"), validators=[at_most(13)],
                         description=_l("Empty: every region. For example 35.07 for Kabupaten "
                                        "Malang; look codes up under Regions."))
    is_active = BooleanField(_l("Active (may sign in)"), default=True)


class GroupForm(SimpulForm):
    name = StringField(_l("Name"), validators=[required(), at_most(80)],
                       description=_l("A diagram lane with exactly this name sends its steps "
                                      "to this group."))
    description = StringField(_l("Description"), validators=[at_most(200)])


class PartnerForm(SimpulForm):
    name = StringField(_l("Organisation"), validators=[required(), between(3, 200)])
    kind = SelectField(_l("Kind"), choices=as_choices(PARTNER_KIND_LABELS.items()),
                       invalid_choice_message=CHOOSE)
    region = StringField(_l("Region code"), validators=[at_most(13)])
    contact_name = StringField(_l("Contact person"), validators=[at_most(120)])
    phone = StringField(_l("Phone"), validators=[at_most(40), phone_number],
                        render_kw={"type": "tel", "autocomplete": "off"})
    email = StringField(_l("E-mail"), validators=[at_most(200), email_address],
                        render_kw={"type": "email", "autocomplete": "off"})
    notes = TextAreaField(_l("Notes"), validators=[at_most(2000)])
    is_active = BooleanField(_l("Active"), default=True,
                             description=_l("Inactive partners are hidden from the lists."))
