"""What the pages call things: the translated labels of phases, statuses, region levels and
history entries, and a page's table of them (each label translated once a page)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from flask_babel import lazy_gettext as _l

PHASES = {
    "assessment": _l("Needs assessment"),
    "planning": _l("Planning"),
    "execution": _l("Execution"),
    "supervision": _l("Supervision"),
    "evaluation": _l("Monitoring & evaluation"),
}

STATUS = {
    "running": _l("Running"),
    "suspended": _l("Suspended"),
    "completed": _l("Closed"),
    "terminated": _l("Terminated"),
}
REGION_LEVELS = {
    "provinsi": _l("Province"),
    "kabupaten_kota": _l("Regency / city"),
    "kecamatan": _l("District (kecamatan)"),
    "desa_kelurahan": _l("Village (desa / kelurahan)"),
}
ACTIONS = {
    "instance.started": _l("Program started"),
    "instance.completed": _l("Program closed"),
    "task.created": _l("Step opened"),
    "task.claimed": _l("Step claimed"),
    "task.released": _l("Step released"),
    "task.completed": _l("Step completed"),
    "instance.suspended": _l("Program suspended"),
    "instance.running": _l("Program resumed"),
    "instance.terminated": _l("Program terminated"),
    "instance.migrated": _l("Moved to another version"),
    "instance.migration_undone": _l("Move undone"),
    "timer.fired": _l("Time limit reached"),
    "duty.refused": _l("Refused: the person submitted the step under review"),
    "task.commented": _l("Comment"),
}


class Labels(Mapping[Any, str]):
    """A table of translated labels for one page: each translated on its first use there,
    not each time a row shows it (a lazy text looks its catalogue up at every use)."""

    def __init__(self, labels: Mapping[Any, Any]):
        self._labels = labels
        self._done: dict[Any, str] = {}

    def __getitem__(self, key: Any) -> str:
        found = self._done.get(key)
        if found is None:
            found = self._done[key] = str(self._labels[key])
        return found

    def __iter__(self) -> Iterator[Any]:
        return iter(self._labels)

    def __len__(self) -> int:
        return len(self._labels)
