"""Persistent domain objects, one module per area (a table is found in one guess):

* ``people``: regions, work groups, users, partners, inbox filters, notifications;
* ``workflow``: diagrams and their versions, programs (instances), tasks, history events,
  attachments, incidents, background jobs;
* ``registry``: households, people, enrolments in programs, distribution lines, registry
  history, imports;
* ``program``: programs as records (kind, scheme, funding, pagu, target), their distribution
  rounds and each desa's handover records.

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
from .program_tables import (
    BENEFIT_KINDS,
    CHANNELS,
    FUNDING_SOURCES,
    NATIONAL_SCHEMES,
    PROGRAM_KINDS,
    SCHEMES,
    SIX_T,
    SIX_T_ANSWERS,
    SIX_T_MAY_NOT_APPLY,
    DistributionRound,
    Program,
    RoundDocument,
)
from .registry_tables import (
    DISABILITIES,
    ENROLMENT_STATUSES,
    HOUSEHOLD_STATUSES,
    NOT_RECEIVED_REASONS,
    RECEIVED_BY,
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

__all__ = ["BENEFIT_KINDS", "CHANNELS", "DISABILITIES", "ENROLMENT_STATUSES", "FUNDING_SOURCES",
           "HOUSEHOLD_STATUSES", "NATIONAL_SCHEMES", "NOT_RECEIVED_REASONS", "PARTNER_KINDS",
           "PROGRAM_KINDS", "RECEIVED_BY", "RELATIONSHIPS", "ROLES", "SCHEMES", "SCHOOL", "SIX_T",
           "SIX_T_ANSWERS", "SIX_T_MAY_NOT_APPLY", "Attachment", "DefinitionHead",
           "DefinitionVersion", "DistributionLine", "DistributionRound", "Enrolment",
           "EnrolmentChange", "Event", "Group", "Household", "HumanTask", "ImportRow", "Incident",
           "Instance", "Job", "Notification", "Partner", "Person", "Program", "Region",
           "RegistryEvent", "RegistryImport", "RoundDocument", "SavedFilter", "User",
           "user_group"]
