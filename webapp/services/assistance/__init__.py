"""Assistance: what a Dinas Sosial plans, pays and must account for. A program's record (kind,
scheme, funding, pagu, target, benefit, decree), its recipient list (``recipient_lists``), its
distribution rounds (tahap) with one line per family due (``rounds``), ticked in the field
(``ticks``) or filled from a payout file (``payouts/``), a national program's list imported
from SIKS-NG (``national/``), the program's record (``records``),
and what the program's steps take from them and show (``program_steps``).

It stands on the registry (households and people) and plugs into the workflow core through
``plug_in``: the plan, round and evaluation steps take their figures from here and show its
panels; the plan's approval enrols the list; a payout file is read and applied as a job.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..workflow.hooks import Hooks


def plug_in(hooks: Hooks) -> None:
    """What assistance adds to the workflow core (called once per app at ``create_app``): a
    program's recipient list gives the plan, round and evaluation steps their figures and a
    panel on their page, and becomes the enrolled list when the plan is approved."""
    from . import national, payouts, program_steps, recipient_lists, records, rounds, spot_checks

    for form_key in recipient_lists.FIGURED_FORMS:
        hooks.step(form_key, figures=program_steps.step_data, panel=program_steps.panel)
    hooks.step(recipient_lists.PLAN_FORM, completed=records.write_plan)
    hooks.step(recipient_lists.ROUND_FORM, completed=rounds.close_round)
    hooks.step("approval", panel=program_steps.panel)  # sees the list or figures it approves
    hooks.step(spot_checks.FORM, figures=spot_checks.step_data, panel=spot_checks.panel)
    hooks.after_step(program_steps.after_step)
    hooks.job(payouts.JOB_KIND, run=payouts.run_job, gave_up=payouts.gave_up)
    hooks.job(national.JOB_KIND, run=national.run_job, gave_up=national.gave_up)
