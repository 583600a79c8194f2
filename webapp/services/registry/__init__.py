"""The registry: households (KK) and the people in them (NIK), and their history. (Programs,
their lists and rounds are ``assistance``.)

``identity`` (the NIK and KK rules), ``family_rules`` (what a family and its members are
checked against), ``entry`` (adding and editing families), ``facts`` (what eligibility reads:
a pregnancy's ten months, a desil's quarter, the national schemes), ``whereabouts`` (deaths
and moves, and the review of the family's programs they cause), ``search``,
``timeline`` (a family's history), ``access`` (who may read and change which families),
``importing/`` (the village-list import, by stage), ``files`` and
``sheet_reader`` (reading spreadsheets safely), ``keys`` and ``synthetic`` (name keys;
generated families for the demo and the benchmarks), ``needs`` (an area's families by desil,
elderly, disability, children out of school and pregnancy, per desa) and
``assessment_step`` (the needs assessment step on those figures).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..workflow.hooks import Hooks


def plug_in(hooks: Hooks) -> None:
    """What the registry adds to the workflow core (called once per app at ``create_app``):
    the village-list import runs as a job, and a daily job deletes ended imports' files; the
    needs assessment shows the registry's figures per desa and takes those of the chosen
    desa."""
    from . import assessment_step, importing
    from .importing import retention

    hooks.job(importing.JOB_KIND, run=importing.run_job, gave_up=importing.gave_up)
    hooks.job(retention.JOB_KIND, run=retention.run_job, every=retention.EVERY)
    hooks.step(assessment_step.ASSESSMENT_FORM, figures=assessment_step.step_data,
               panel=assessment_step.panel)
