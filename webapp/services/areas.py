"""The areas of Simpul, plugged into the workflow core once per app (``create_app``).

Each area is a package of ``webapp.services`` with a ``plug_in(hooks)`` that declares what it
adds to the core (see ``workflow.hooks``). A new area (cases, referrals, reports) is one more
line here; the core never learns its name.
"""

from __future__ import annotations

from sqlalchemy import Engine

from . import assistance, registry
from .workflow.hooks import HOOKS, Hooks

AREAS = {"registry": registry.plug_in, "assistance": assistance.plug_in}


def plug_in_areas(engine: Engine) -> Hooks:
    """The app's hooks, with every area plugged in (once)."""
    hooks = HOOKS.on(engine)
    for name, plug_in in AREAS.items():
        if name not in hooks.areas:
            plug_in(hooks)
            hooks.areas.append(name)
    return hooks
