"""Engine facade: the only package that imports SpiffWorkflow.

Callers get Simpul's own types (ParsedDefinition, WorkflowHandle, ReadyTask, Problem) and never
SpiffWorkflow objects, so the untyped library stays behind this line.
"""

from __future__ import annotations

from .cache import SpecCache
from .compare import Change, compare
from .compat import LIBRARY_TEMPLATES
from .decisions import decision_problems
from .environment import SERVICE_OPERATIONS, register_operation
from .execution import EngineError, ReadyTask, StepResult, UnknownTask, WorkflowHandle
from .expressions import UnsafeExpression, evaluate
from .fieldlists import FIELD_TYPES, FieldSpec
from .limits import MAX_CALL_DEPTH, MAX_TIMER_FIRINGS_PER_HOUR
from .messages import Message, MessageError
from .parsing import (
    FileInfo,
    ParsedDefinition,
    SourceFile,
    UserTaskInfo,
    inspect_file,
    parse_definition,
)
from .problems import DefinitionInvalid, Problem
from .pruning import ArchivedTask
from .shapes import shape_problems
from .state_moves import MigrationRefused, migrate_state, migration_problems
from .timers import WaitingTimer, due_from
from .xmlsafety import MAX_DIAGRAM_BYTES, UnsafeXml

__all__ = [
    "decision_problems", "evaluate", "shape_problems", "MAX_CALL_DEPTH", "LIBRARY_TEMPLATES",
    "MAX_TIMER_FIRINGS_PER_HOUR",
    "due_from",
    "WaitingTimer",
    "MigrationRefused", "migrate_state", "migration_problems",
    "Change", "compare",
    "FIELD_TYPES", "FieldSpec",
    "ArchivedTask", "DefinitionInvalid", "EngineError", "FileInfo", "MAX_DIAGRAM_BYTES",
    "Message", "MessageError", "ParsedDefinition", "Problem", "ReadyTask", "SERVICE_OPERATIONS",
    "SourceFile", "SpecCache", "StepResult", "UnknownTask", "UnsafeExpression", "UnsafeXml",
    "UserTaskInfo", "WorkflowHandle", "inspect_file", "parse_definition", "register_operation",
]
