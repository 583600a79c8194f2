"""Persistent domain objects, one module per area (a table is found in one guess):

* ``people``: regions, work groups, users, partners, inbox filters, notifications;
* ``workflow``: diagrams and their versions, programs (instances), tasks, history events,
  attachments, incidents, background jobs;
* ``registry``: households, people, enrolments in programs, distribution lines, registry
  history.

Everything is importable from ``webapp.models`` as before.
"""

from .account_tables import (
    PARTNER_KINDS,
    ROLES,
    Group,
    Notification,
    Partner,
    Region,
    SavedFilter,
    User,
    user_group,
)
from .registry_tables import (
    DISABILITIES,
    ENROLMENT_STATUSES,
    HOUSEHOLD_STATUSES,
    NOT_RECEIVED_REASONS,
    RELATIONSHIPS,
    SCHOOL,
    DistributionLine,
    Enrolment,
    EnrolmentChange,
    Household,
    ImportRow,
    Person,
    RegistryEvent,
    RegistryImport,
)
from .workflow_tables import (
    Attachment,
    DefinitionHead,
    DefinitionVersion,
    Event,
    HumanTask,
    Incident,
    Instance,
    Job,
)

__all__ = ["DISABILITIES", "ENROLMENT_STATUSES", "HOUSEHOLD_STATUSES", "NOT_RECEIVED_REASONS",
           "PARTNER_KINDS", "RELATIONSHIPS", "ROLES", "SCHOOL", "Attachment", "DefinitionHead",
           "DefinitionVersion", "DistributionLine", "Enrolment", "EnrolmentChange", "Event",
           "Group", "Household", "HumanTask", "ImportRow", "Incident", "Instance", "Job",
           "Notification", "Partner", "Person", "Region", "RegistryEvent", "RegistryImport",
           "SavedFilter", "User", "user_group"]
