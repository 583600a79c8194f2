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
    BENEFIT_SCHEMES,
    DISABILITIES,
    DISABILITY_SEVERITIES,
    ENROLMENT_STATUSES,
    HOUSEHOLD_STATUSES,
    NOT_RECEIVED_REASONS,
    PRESENCE,
    RELATIONSHIPS,
    SCHOOL,
    SCHOOL_LEVELS,
    DistributionLine,
    Enrolment,
    EnrolmentChange,
    Household,
    HouseholdBenefit,
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

__all__ = ["BENEFIT_SCHEMES", "DISABILITIES", "DISABILITY_SEVERITIES", "ENROLMENT_STATUSES",
           "HOUSEHOLD_STATUSES", "NOT_RECEIVED_REASONS", "PARTNER_KINDS", "PRESENCE",
           "RELATIONSHIPS", "ROLES", "SCHOOL", "SCHOOL_LEVELS", "Attachment", "DefinitionHead",
           "DefinitionVersion", "DistributionLine", "Enrolment", "EnrolmentChange", "Event",
           "Group", "Household", "HouseholdBenefit", "HumanTask", "ImportRow", "Incident",
           "Instance", "Job", "Notification", "Partner", "Person", "Region", "RegistryEvent",
           "RegistryImport", "SavedFilter", "User", "user_group"]
