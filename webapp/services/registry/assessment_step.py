"""The needs assessment step (form ``needs_assessment``) on the registry's figures.

Its page shows, per desa/kelurahan of the program's area, what the registry counts (``needs``)
beside the form, where the coordinator chooses the target desa by code and types what the
field visit found. When the step is taken, the registry's figures of the chosen desa become
the step's data, whatever was typed: the shares ``program_priority.dmn`` decides on, with the
families by desil and the counts behind the shares. The coordinator's own figures stay theirs:
the families of the desa as the desa counts them (the registry's count when left empty), the
families in need and the food-insecure families they found, as shares of those families.
Registered as step hooks in ``registry.plug_in``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from ...models import Instance, Region, User
from ..errors import InvalidInput
from .needs import DesaNeeds, as_data, needs_by_desa, percent, reference_day, total

ASSESSMENT_FORM = "needs_assessment"


def _area(session: Session, instance_id: int) -> tuple[str, str] | None:
    """The program's area: its code and name (a kabupaten or a kecamatan)."""
    row = session.execute(select(Instance.region_code, Region.name)
                          .outerjoin(Region, Region.code == Instance.region_code)
                          .where(Instance.id == instance_id)).first()
    if row is None or not row.region_code:
        return None
    return row.region_code, row.name or row.region_code


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def step_data(session: Session, instance_id: int, form_key: str, data: dict[str, Any],
              current: dict[str, Any], completing: int | None, user: User) -> dict[str, Any]:
    """The registry's figures of the chosen desa, and the typed findings as shares of the
    families (in the completing transaction)."""
    if form_key != ASSESSMENT_FORM:
        return data
    data = dict(data)
    area = _area(session, instance_id)
    codes = [str(c) for c in data.get("villages") or []]
    day = reference_day(area[0] if area else None)
    rows = needs_by_desa(session, user, area[0], codes, day) if area else []
    chosen = total(rows)
    data.update(villages=[r.code for r in rows], village_names=", ".join(r.name for r in rows),
                registry_as_of=day.isoformat(), **as_data(chosen))
    families = _count(data.get("households_total"))
    if families is None:
        families = chosen.families
        data["households_total"] = families
    in_need = _count(data.get("hh_in_need")) or 0
    food_insecure = _count(data.get("hh_food_insecure")) or 0
    if max(in_need, food_insecure) > families:
        raise InvalidInput(_l(
            "The families in need or food-insecure are more than the %(num)d families of the "
            "chosen desa in the registry: type the number of families of the desa.",
            num=families))
    data["need_rate_pct"] = percent(in_need, families)
    data["food_insecure_pct"] = percent(food_insecure, families)
    return data


@dataclass
class NeedsPanel:
    """What the assessment's page shows of the registry: each desa of the area with families,
    and their total."""

    area: str
    area_name: str
    day: dt.date
    rows: list[DesaNeeds]
    total: DesaNeeds
    chosen: list[str] = field(default_factory=list)  # the desa chosen so far (a return)
    template: str = "registry/_needs_panel.html"  # how the task page shows it


def panel(session: Session, instance_id: int, form_key: str, current: dict[str, Any],
          reviewed: str | None, user: User) -> NeedsPanel | None:
    """The registry's figures per desa of the program's area, as the user may see them."""
    if form_key != ASSESSMENT_FORM:
        return None
    area = _area(session, instance_id)
    if area is None:
        return None
    day = reference_day(area[0])
    rows = needs_by_desa(session, user, area[0], None, day)
    chosen = [str(c) for c in current.get("villages") or []
              if isinstance(current.get("villages"), list)]
    return NeedsPanel(area[0], area[1], day, rows, total(rows, area[0], area[1]), chosen)
