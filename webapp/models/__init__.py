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
    SpotCheck,
)
from .registry_tables import (
    BENEFIT_SCHEMES,
    DISABILITIES,
    DISABILITY_SEVERITIES,
    ENROLMENT_STATUSES,
    HOUSEHOLD_STATUSES,
    NOT_RECEIVED_REASONS,
    PRESENCE,
    RECEIVED_BY,
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

__all__ = ["BENEFIT_KINDS", "BENEFIT_SCHEMES", "CHANNELS", "DISABILITIES",
           "DISABILITY_SEVERITIES", "ENROLMENT_STATUSES", "FUNDING_SOURCES", "HOUSEHOLD_STATUSES",
           "NATIONAL_SCHEMES", "NOT_RECEIVED_REASONS", "PARTNER_KINDS", "PRESENCE",
           "PROGRAM_KINDS", "RECEIVED_BY", "RELATIONSHIPS", "ROLES", "SCHEMES", "SCHOOL",
           "SCHOOL_LEVELS", "SIX_T", "SIX_T_ANSWERS", "SIX_T_MAY_NOT_APPLY", "Attachment",
           "DefinitionHead", "DefinitionVersion", "DistributionLine", "DistributionRound",
           "Enrolment", "EnrolmentChange", "Event", "Group", "Household", "HouseholdBenefit",
           "HumanTask", "ImportRow", "Incident", "Instance", "Job", "Notification", "Partner",
           "Person", "Program", "Region", "RegistryEvent", "RegistryImport", "RoundDocument",
           "SavedFilter", "SpotCheck", "User", "user_group"]
