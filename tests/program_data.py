"""Plausible task data for each step of program_cycle, as the forms would submit it."""

from __future__ import annotations

from typing import Any

from webapp.services.workflow import completion

STEP_DATA: dict[str, dict[str, Any]] = {
    "needs_assessment": {  # the registry's shares are the step's own (computed at submit)
        "assessment_date": "2026-11-02", "villages": ["35.07.01.2001", "35.07.01.2003"],
        "households_total": 400, "hh_in_need": 180, "hh_food_insecure": 90,
        "need_rate_pct": 45.0, "food_insecure_pct": 22.5, "share_desil_1_2_pct": 0.0,
        "share_elderly_pct": 0.0, "share_disability_pct": 0.0, "share_out_of_school_pct": 0.0,
        "share_pregnant_pct": 0.0, "notes": "",
    },
    "program_plan": {
        "program_kind": "local", "scheme": "apbd", "funding_source": "apbd_regency",
        "fiscal_year": 2026, "target_households": 150, "budget_rupiah": 45_000_000,
        "benefit_kind": "goods", "benefit_rupiah": 150_000, "benefit_goods": "10 kg beras",
        "start_date": "2026-12-01", "end_date": "2027-02-28", "rounds": 2,
        "decree_number": "188/45/KPTS/35.07/2026", "decree_date": "2026-11-20",
        "partners": "Dinas Sosial; Karang Taruna", "plan_notes": "",
    },
    "distribution_record": {
        "distribution_date": "2026-12-15", "households_served": 70,
        "amount_disbursed_rupiah": 21_000_000, "on_time": True, "distribution_issues": "",
        "channel": "goods", "sp2d_number": "", "sp2d_date": None, "sp2d_rupiah": None,
        "six_t_target": "yes", "six_t_time": "yes", "six_t_amount": "yes",
        "six_t_price": "na", "six_t_quality": "yes", "six_t_administration": "yes",
    },
    "supervision_visit": {
        "visit_date": "2027-01-20", "households_verified": 25,
        "findings": "Penerima sesuai daftar.", "corrective_actions": "", "follow_up_needed": False,
    },
    "evaluation": {
        "coverage_pct": 93.3, "budget_realisation_pct": 93.3, "rounds_on_time": 2,
        "lessons": "Jadwal penyaluran perlu diumumkan lebih awal.", "recommendation": "lanjutkan",
    },
}
APPROVE = {"decision": "approve", "reason": ""}
RETURN = {"decision": "return", "reason": "Anggaran belum dirinci per tahap."}


def data_for(form_key: str, returns_left: dict[str, int] | None = None,
             bpmn_id: str = "") -> dict[str, Any]:
    """Data for a step; approvals return while ``returns_left[bpmn_id]`` is positive."""
    if form_key == "approval":
        if returns_left and returns_left.get(bpmn_id, 0) > 0:
            returns_left[bpmn_id] -= 1
            return dict(RETURN)
        return dict(APPROVE)
    return dict(STEP_DATA[form_key])


def posted(form_key: str) -> dict[str, Any]:
    """A step's data as its form posts it: texts, a list for several choices."""
    return {key: value if isinstance(value, list) else str(value)
            for key, value in STEP_DATA[form_key].items()}


def fresh(session: Any) -> None:
    """End the read snapshot (SQLite keeps it) and forget loaded values: others wrote."""
    session.rollback()
    session.expire_all()


def program_at(session: Any, people: dict[str, Any], until: str,
               title: str = "BPNT Donomulyo", region: str = "35.07.01") -> Any:
    """A program of the coordinator, taken step by step until ``until`` is open."""
    from webapp.services.workflow import programs

    program = programs.start_instance(session, people["koordinator"], "program_cycle", title,
                                       region)
    while True:
        (task,) = programs.open_tasks(session, program)
        if task.bpmn_id == until:
            return program
        who = people["supervisor"] if task.group_name == "Supervisor" else people["koordinator"]
        completion.complete_task(session, who, task.id, data_for(task.form_key or "", None,
                                                            task.bpmn_id))


def own_plan_at_approval(session: Any) -> tuple[Any, Any]:
    """A person in both Koordinator and Supervisor who wrote a plan now waiting for approval:
    (that person, the approval task)."""
    from tests.conftest import PASSWORD
    from webapp.services.accounts import users
    from webapp.services.workflow import programs

    dual = users.create_user(session, "dual", PASSWORD, ["Koordinator", "Supervisor"],
                             full_name="Dwi Peran", region_code="35.07")
    program = programs.start_instance(session, dual, "program_cycle", "Program Dwi",
                                       "35.07.01")
    for form in ("needs_assessment", "program_plan"):
        (task,) = programs.open_tasks(session, program)
        completion.complete_task(session, dual, task.id, data_for(form))
    fresh(session)
    (approval,) = programs.open_tasks(session, program)
    return dual, approval
