"""The registry: households (KK), people (NIK), enrolments in programs and distribution lines.

``identity`` (the NIK and KK rules), ``family_rules`` (what a family and its members are
checked against), ``entry`` (adding and editing families), ``facts`` (what eligibility reads:
a pregnancy's ten months, a desil's quarter, the national schemes), ``whereabouts`` (deaths
and moves, and the review of the family's programs they cause), ``search``,
``timeline`` (a family's history), ``access`` (who may read and change which families),
``importing/`` (the village-list import, by stage), ``recipient_lists`` (a program's list),
``rounds`` (its distribution rounds and the figures steps take from them), ``files`` and
``sheet_reader`` (reading spreadsheets safely), ``keys`` and ``synthetic`` (name keys;
generated families for the demo and the benchmarks).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..workflow.hooks import Hooks


def plug_in(hooks: Hooks) -> None:
    """What the registry adds to the workflow core (called once per app at ``create_app``):
    a program's recipient list gives the plan, round and evaluation steps their figures and
    a panel on their page, and becomes the enrolled list when the plan is approved; the
    village-list import runs as a job."""
    from . import importing, recipient_lists, rounds

    for form_key in recipient_lists.FIGURED_FORMS:
        hooks.step(form_key, figures=rounds.step_data, panel=rounds.panel)
    hooks.step("approval", panel=rounds.panel)  # sees the list or figures it approves
    hooks.after_step(rounds.after_step)
    hooks.job(importing.JOB_KIND, run=importing.run_job, gave_up=importing.gave_up)
