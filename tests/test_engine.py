"""Engine facade tests, without Flask or a database."""

from __future__ import annotations

from pathlib import Path

import pytest

from forms import FORMS
from tests.program_data import data_for
from webapp import engine
from webapp.cli import BASE_GROUPS

ROOT = Path(__file__).resolve().parent.parent
WORKFLOWS = ROOT / "workflows"


def _sources() -> list[engine.SourceFile]:
    return [engine.SourceFile(p.name, p.read_bytes()) for p in sorted(WORKFLOWS.iterdir())
            if p.suffix in (".bpmn", ".dmn")]


def program_cycle() -> engine.ParsedDefinition:
    files = _sources()
    main = next(f for f in files if f.filename == "program_cycle.bpmn")
    others = [f for f in files if f is not main]
    return engine.parse_definition(main, others, "program_cycle", form_keys=FORMS.keys(),
                                   groups={name for name, _ in BASE_GROUPS})


def test_every_workflow_file_parses_and_every_user_task_has_a_form() -> None:
    files = _sources()
    assert files, "workflows/ is empty"
    for source in files:
        info = engine.inspect_file(source)
        if info.kind != "bpmn":
            continue
        for process_id in info.ids:
            parsed = engine.parse_definition(source, [f for f in files if f is not source],
                                             process_id, form_keys=FORMS.keys())
            assert parsed.user_tasks, f"{process_id} has no user task"
            for task in parsed.user_tasks.values():
                # a registered form, or the step's own field list (drawn without code)
                assert task.form_key in FORMS or task.fields, f"{process_id}/{task.bpmn_id}"
                # every lane is a group `init-db` creates, so a fresh install can run it
                assert task.lane in {name for name, _ in BASE_GROUPS}
                assert task.phase in {"assessment", "planning", "execution", "supervision",
                                      "evaluation"}


def run_program(returns: dict[str, int], restore_each_step: bool = True) -> tuple[
        engine.WorkflowHandle, list[str]]:
    """Drive program_cycle to the end, answering every step; returns the handle and the path."""
    parsed = program_cycle()
    handle, _ = engine.WorkflowHandle.start(parsed, {"program_title": "Uji"})
    path: list[str] = []
    for _ in range(10_000):
        if restore_each_step:
            handle = engine.WorkflowHandle.restore(parsed, handle.serialize())
        ready = handle.ready_user_tasks()
        if not ready:
            break
        assert len(ready) == 1
        task = ready[0]
        path.append(task.info.bpmn_id)
        handle.complete(task.task_id, data_for(task.info.form_key or "", returns,
                                               task.info.bpmn_id))
    return handle, path


def test_approve_path_runs_to_the_end_with_a_save_and_restore_after_every_step() -> None:
    handle, path = run_program({})
    assert handle.is_completed
    assert path == ["needs_assessment", "program_plan", "approve_plan", "distribution_record",
                    "distribution_record", "supervision_visit", "evaluation",
                    "approve_evaluation"]
    data = handle.data
    assert data["priority"] == "tinggi"  # the DMN decided it from the assessment
    assert data["rounds_done"] == 2 and data["households_served_total"] == 140
    assert data["decision"] == "approve"


def test_return_for_revision_loops_back_to_the_coordinator() -> None:
    handle, path = run_program({"approve_plan": 1, "approve_evaluation": 1})
    assert handle.is_completed
    assert path[:5] == ["needs_assessment", "program_plan", "approve_plan", "program_plan",
                        "approve_plan"]
    assert path[-4:] == ["evaluation", "approve_evaluation", "evaluation", "approve_evaluation"]


@pytest.mark.slow
def test_a_revision_loop_taken_600_times_still_ends_correctly() -> None:
    handle, path = run_program({"approve_plan": 600})
    assert path.count("approve_plan") == 601
    assert handle.is_completed
    assert handle.data["rounds_done"] == 2
    assert len(handle.serialize()) < 40_000  # pruned: the state does not grow with the loop


def test_loop_state_and_data_stay_correct_when_pruned() -> None:
    source = engine.SourceFile("loop.bpmn", (ROOT / "tests/data/loop.bpmn").read_bytes())
    parsed = engine.parse_definition(source, form_keys={"note"})
    handle, _ = engine.WorkflowHandle.start(parsed)
    sizes = []
    for i in range(700):
        handle = engine.WorkflowHandle.restore(parsed, handle.serialize())
        (task,) = handle.ready_user_tasks()
        result = handle.complete(task.task_id, {"value": i, "done": i == 699})
        assert result.archived or i in (0, 699)  # nothing to prune before the loop, or once done
        sizes.append(len(handle.serialize()))
    assert handle.is_completed
    assert handle.data["loops"] == 700 and handle.data["total"] == sum(range(700))
    assert max(sizes[-50:]) <= max(sizes[:50]) + 200


BAD_CONDITIONS = [
    "__import__('os').system('id')",
    "().__class__.__base__.__subclasses__()",
    "open('/etc/passwd').read()",
    "[c for c in ().__class__.__mro__]",
    "decision.__class__",
    "getattr(decision, 'x')",
    "(lambda: 1)()",
]


@pytest.mark.parametrize("condition", BAD_CONDITIONS)
def test_a_diagram_with_an_unsafe_condition_is_refused(condition: str) -> None:
    xml = (WORKFLOWS / "program_cycle.bpmn").read_text()
    marker = 'decision == "return"'
    assert marker in xml or "decision == &quot;return&quot;" in xml
    escaped = condition.replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;")
    xml = xml.replace(marker, escaped, 1).replace("decision == &quot;return&quot;", escaped, 1)
    files = [f for f in _sources() if f.filename != "program_cycle.bpmn"]
    with pytest.raises(engine.DefinitionInvalid) as refused:
        engine.parse_definition(engine.SourceFile("program_cycle.bpmn", xml.encode()), files,
                                form_keys=FORMS.keys())
    assert any("refused" in p.text() for p in refused.value.problems)


@pytest.mark.parametrize("script", ["while True:\n  x = 1", "import os", "x = open('f')",
                                    "def f():\n  pass", "x = ().__class__"])
def test_unsafe_scripts_are_refused(script: str) -> None:
    with pytest.raises(engine.UnsafeExpression):
        from webapp.engine.expressions import parse_script

        parse_script(script)


def test_a_doctype_is_refused() -> None:
    xml = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>'
    with pytest.raises(engine.DefinitionInvalid):
        engine.inspect_file(engine.SourceFile("evil.bpmn", xml))


def test_the_same_families_over_four_rounds_are_full_coverage_not_four_times() -> None:
    parsed = program_cycle()
    handle, _ = engine.WorkflowHandle.start(parsed, {"program_title": "t", "region_code": ""})
    computed: dict[str, object] = {}
    rounds = 0
    while not handle.is_completed:
        (task,) = handle.ready_user_tasks()
        data = data_for(task.info.form_key or "", None, task.info.bpmn_id)
        if task.info.bpmn_id == "program_plan":
            data.update(target_households=150, rounds=4, budget_rupiah=60_000_000)
        if task.info.bpmn_id == "distribution_record":
            rounds += 1
            data.update(households_served=150, amount_disbursed_rupiah=15_000_000)
        if task.info.bpmn_id == "evaluation":
            computed = dict(task.data)
        handle = engine.WorkflowHandle.restore(parsed, handle.serialize())
        handle.complete(task.task_id, data)
    assert rounds == 4
    assert computed["coverage_pct"] == 100.0 and computed["budget_realisation_pct"] == 100.0
    assert computed["households_served_total"] == 600  # kept, but not the coverage
