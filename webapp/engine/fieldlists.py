"""Field lists: a user task's own form, declared in the diagram instead of in code.

In the BPMN file (Simpul's namespace; SpiffWorkflow ignores it)::

    <bpmn:userTask id="confirm_partner" name="Konfirmasi mitra">
      <bpmn:extensionElements>
        <simpul:fields>
          <simpul:field name="partner" label="Nama mitra" type="text" required="true"
                        help="Sesuai surat kerja sama" />
          <simpul:field name="kind" label="Jenis mitra" type="choice" required="true">
            <simpul:choice value="ngo" label="LSM" />
            <simpul:choice value="dinas" label="Dinas" />
          </simpul:field>
        </simpul:fields>
      </bpmn:extensionElements>
    </bpmn:userTask>

Field names become names in the task data (and in gateway conditions), so they follow the
expression language's rules for names.
"""

from __future__ import annotations

import keyword
import re
from dataclasses import dataclass
from typing import Any

from .expressions import SAFE_CONSTANTS, SAFE_FUNCTIONS
from .messages import Message
from .problems import Problem

SIMPUL_NS = "https://simpul.id/schema/bpmn/1.0"
BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
FIELD_TYPES = ("text", "textarea", "number", "money", "date", "choice", "multichoice", "yesno",
               "file")
CHOICE_TYPES = ("choice", "multichoice")
MAX_FIELDS = 60
MAX_CHOICES = 100
MAX_LABEL = 200
MAX_HELP = 500
MAX_VALUE = 100
_NAME = re.compile(r"[a-z][a-z0-9_]{0,59}")
# Names a built form already uses for itself (a field called "data" or "description" would
# shadow them), the expression language's own names, and Python's keywords.
FORM_ATTRIBUTES = frozenset({
    "title", "description", "prefill", "data", "errors", "form_errors", "meta", "validate",
    "validate_on_submit", "is_submitted", "populate_obj", "process", "hidden_tag", "uploads",
    "to_task_data", "initial_from_task_data", "extra_validators", "task_data",
    "checks_task_data", "from_list", "with_list", "area_fields", "with_area"})
RESERVED_NAMES = frozenset({"csrf_token", "submit", *FORM_ATTRIBUTES, *SAFE_FUNCTIONS,
                            *SAFE_CONSTANTS, *keyword.kwlist, *keyword.softkwlist})


@dataclass(frozen=True)
class FieldSpec:
    """One field of a user task's own form."""

    name: str
    label: str
    type: str
    required: bool = False
    choices: tuple[tuple[str, str], ...] = ()
    help: str = ""


def read_field_lists(root: Any, filename: str = ""
                     ) -> tuple[dict[str, tuple[FieldSpec, ...]], list[Problem]]:
    """Every user task's field list in a BPMN file, and the problems found in them."""
    lists: dict[str, tuple[FieldSpec, ...]] = {}
    problems: list[Problem] = []
    for task in root.iter(f"{{{BPMN_NS}}}userTask"):
        declared = task.findall(f"{{{BPMN_NS}}}extensionElements/{{{SIMPUL_NS}}}fields")
        if declared:
            lists[task.get("id", "")] = _read_task(task, declared, filename, problems)
    return lists, problems


def _read_task(task: Any, declared: list[Any], filename: str,
               problems: list[Problem]) -> tuple[FieldSpec, ...]:
    task_id, task_name = task.get("id", ""), task.get("name", "")

    def problem(message: Message) -> None:
        problems.append(Problem(task_id, message, task_name, filename))

    fields: list[FieldSpec] = []
    elements = [f for block in declared for f in block.findall(f"{{{SIMPUL_NS}}}field")]
    if not elements:
        problem(Message("the field list is empty"))
    if len(elements) > MAX_FIELDS:
        problem(Message("at most %(max)s fields per step", max=MAX_FIELDS))
    seen: set[str] = set()
    for element in elements[:MAX_FIELDS]:
        name = (element.get("name") or "").strip()
        label = " ".join((element.get("label") or "").split())[:MAX_LABEL] or name
        kind = (element.get("type") or "text").strip()
        if not _NAME.fullmatch(name) or name in RESERVED_NAMES:
            problem(Message("field name '%(name)s' must start with a small letter and use only "
                            "small letters, digits and _ (and not be a reserved word)",
                            name=name[:60]))
            continue
        if name in seen:
            problem(Message("field name '%(name)s' is used twice", name=name))
            continue
        seen.add(name)
        if kind not in FIELD_TYPES:
            problem(Message("field '%(name)s' has an unknown type '%(type)s'", name=name,
                            type=kind[:30]))
            continue
        choices = tuple(
            ((c.get("value") or "").strip()[:MAX_VALUE],
             " ".join((c.get("label") or c.get("value") or "").split())[:MAX_LABEL])
            for c in element.findall(f"{{{SIMPUL_NS}}}choice"))
        choices = tuple((value, text) for value, text in choices if value)
        if kind in CHOICE_TYPES and not choices:
            problem(Message("field '%(name)s' needs at least one choice", name=name))
            continue
        if len(choices) > MAX_CHOICES or len({v for v, _ in choices}) != len(choices):
            problem(Message("field '%(name)s' has too many or repeated choices", name=name))
            continue
        fields.append(FieldSpec(
            name=name, label=label, type=kind,
            required=(element.get("required") or "").strip().lower() in ("true", "1", "yes"),
            choices=choices if kind in CHOICE_TYPES else (),
            help=" ".join((element.get("help") or "").split())[:MAX_HELP],
        ))
    return tuple(fields)
