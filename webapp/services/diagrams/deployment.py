"""Deploying diagrams as versions, and choosing the version new programs start on.

Every deploy validates first and changes nothing when one file is refused. A definition's *head*
names the version new instances start on: normally the newest, an older one after a rollback.
A BPMN version pins the exact versions of the decision tables and called processes it was
validated with (``dependencies``, the whole closure), so a running program never changes rules
under its feet; deploying a new decision table re-pins the processes that use it as new versions.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from forms import FORMS

from ... import engine
from ...db import unit_of_work, utcnow
from ...models import DefinitionHead, DefinitionVersion, Event, Group, User
from ..errors import Forbidden
from . import checks
from .definitions import (
    current_processes,
    current_version,
    get_version,
    refused,
    source_of,
    versions_by_id,
)

ORIGINS = ("shipped", "editor", "upload")


def record_admin(session: Session, action: str, actor: User | None,
                 data: dict[str, Any]) -> None:
    """Append an administration event that concerns no single instance (deploys, rollbacks)."""
    session.execute(insert(Event).values(at=utcnow(), action=action, instance_id=None,
                                         actor_id=actor.id if actor else None, data=data))


def sha256(xml: bytes) -> str:
    return hashlib.sha256(xml).hexdigest()


@dataclass
class Deployment:
    """What a deploy did: versions created, and heads moved (``key vN`` each)."""

    created: list[DefinitionVersion] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # stored but not made current (shipped)

    @property
    def labels(self) -> list[str]:
        return [f"{v.key} v{v.version}" for v in self.created]


def deploy_shipped(session: Session, directory: Path, actor: User | None = None) -> list[str]:
    """Deploy every file in ``workflows/`` not deployed before (by hash).

    A shipped version never replaces an admin's own edits as the current version: it is stored
    and the admin chooses (rollback to it) when to use it.
    """
    files = [engine.SourceFile(p.name, p.read_bytes())
             for p in sorted(directory.iterdir()) if p.suffix in (".bpmn", ".dmn")]
    return deploy_definitions(session, files, actor, comment="shipped with Simpul",
                              origin="shipped").labels


def check_definitions(session: Session, files: Collection[engine.SourceFile],
                      expected_key: str | None = None) -> list[engine.Problem]:
    """Every problem of a set of files, as a deploy would find them; nothing is stored (the
    checks only read)."""
    try:
        _plan(session, files, expected_key)
    except engine.DefinitionInvalid as err:
        return err.problems
    return []


def deploy_definitions(session: Session, files: Collection[engine.SourceFile],
                       actor: User | None, comment: str = "", origin: str = "upload",
                       expected_key: str | None = None) -> Deployment:
    """Validate then deploy a set of BPMN/DMN files; refuse everything if one is invalid.

    ``expected_key``: the editor saves one definition; a diagram whose id changed is refused
    rather than silently becoming another definition.
    """
    if origin not in ORIGINS:
        raise ValueError(origin)
    if origin != "shipped" and (actor is None or actor.role != "admin"):
        raise Forbidden(_l("Only an administrator may deploy diagrams."))
    with unit_of_work(session):
        try:
            plan = _plan(session, files, expected_key)
        except engine.DefinitionInvalid as err:
            raise refused(err.problems) from None
        deployment = Deployment()
        fresh: dict[str, DefinitionVersion] = {}
        for item in plan:
            deps = _closure(session, item.needs, fresh)
            version, created = _store(session, item, deps, actor, comment, origin,
                                      dedupe=origin == "shipped")
            if created:
                if _becomes_current(session, item.key, origin):
                    _set_head(session, version, actor)
                    fresh[item.key] = version
                    deployment.created.append(version)
                else:
                    deployment.kept.append(f"{item.key} v{version.version}")
        for version in [v for v in deployment.created if v.kind == "dmn"]:
            deployment.created.extend(_repin_users_of(session, version, actor, fresh))
        for version in deployment.created:
            record_admin(session, "definition.deployed", actor,
                         {"key": version.key, "version": version.version, "comment": comment,
                          "origin": origin})
    return deployment


@dataclass
class _Item:
    key: str
    kind: str
    name: str
    source: engine.SourceFile
    needs: list[str]  # keys of decision tables and called processes, in deploy order
    calls: tuple[str, ...] = ()  # keys of the processes its call activities name


def _plan(session: Session, files: Collection[engine.SourceFile],
          expected_key: str | None) -> list[_Item]:
    """Inspect and validate every file against what is deployed; raise DefinitionInvalid."""
    infos = _inspect(files)
    problems: list[engine.Problem] = []
    items: list[_Item] = []
    for source in files:  # decision tables first: processes are checked against them
        info = infos[source.filename]
        if not info.ids and info.kind == "dmn":  # a process file: the compat check says why
            problems.append(engine.Problem("", engine.Message(
                "the diagram has no executable process or decision"), file=source.filename))
        for key in info.ids:
            items.append(_Item(key, info.kind, info.name, source,
                               [*info.decision_refs, *info.called_processes],
                               info.called_processes))
    items.sort(key=lambda i: i.kind != "dmn")
    keys = [i.key for i in items]
    for key in sorted({k for k in keys if keys.count(k) > 1}):
        problems.append(engine.Problem(key, engine.Message(
            "the id '%(key)s' is declared by more than one file", key=key)))
    if expected_key is not None and expected_key not in keys:
        problems.append(engine.Problem("", engine.Message(
            "the diagram no longer declares '%(key)s'; its id was changed", key=expected_key)))
    problems.extend(_kind_problems(session, items))
    batch = {i.key: i for i in items}
    problems.extend(checks.file_problems(
        files, {name: info.kind for name, info in infos.items()}))
    problems.extend(checks.call_problems(
        [i.key for i in items if i.kind == "bpmn"], _calls_lookup(session, batch)))
    problems.extend(_parse_problems(session, items, batch))
    tables = {i.key: i.source for i in items if i.kind == "dmn"}
    problems.extend(_repin_problems(session, tables, set(batch)))
    if problems:
        raise engine.DefinitionInvalid(checks.without_repeats(problems))
    return items


def _inspect(files: Collection[engine.SourceFile]) -> dict[str, engine.FileInfo]:
    """What each file declares; raise DefinitionInvalid for a file that cannot be read."""
    problems: list[engine.Problem] = []
    infos: dict[str, engine.FileInfo] = {}
    for source in files:
        try:
            source.xml.decode("utf-8")
        except UnicodeDecodeError:
            problems.append(engine.Problem("", engine.Message(
                "the file is not UTF-8 text; save it as UTF-8"), file=source.filename))
            continue
        try:
            infos[source.filename] = engine.inspect_file(source)
        except engine.DefinitionInvalid as err:
            problems.extend(err.problems)
    if problems:
        raise engine.DefinitionInvalid(problems)
    return infos


def _kind_problems(session: Session, items: list[_Item]) -> list[engine.Problem]:
    """An id already deployed as the other kind (a process id reused by a decision table)."""
    problems = []
    for item in items:
        kinds = set(session.scalars(select(DefinitionHead.kind).where(
            DefinitionHead.key == item.key)))
        if kinds and item.kind not in kinds:
            problems.append(engine.Problem(item.key, engine.Message(
                "the id '%(key)s' is already used by a %(kind)s definition",
                key=item.key, kind=kinds.pop().upper())))
    return problems


def _parse_problems(session: Session, items: list[_Item],
                    batch: dict[str, _Item]) -> list[engine.Problem]:
    """Each process parsed with what it needs (its tables and called processes)."""
    problems: list[engine.Problem] = []
    groups = set(session.scalars(select(Group.name)))
    for item in items:
        if item.kind != "bpmn":
            continue
        supporting, missing = _supporting(session, item, batch)
        if missing:
            problems.extend(missing)
            continue
        try:
            engine.parse_definition(item.source, supporting, process_id=item.key,
                                    form_keys=FORMS.keys(), groups=groups)
        except engine.DefinitionInvalid as err:
            problems.extend(err.problems)
    return problems


def _calls_lookup(session: Session, batch: dict[str, _Item]) -> Any:
    """The processes a process calls: from this batch, else from its current version."""
    known: dict[str, tuple[str, ...]] = {}

    def calls_of(key: str) -> tuple[str, ...]:
        if key in batch:
            return batch[key].calls
        if key not in known:
            version = current_version(session, key)
            known[key] = engine.inspect_file(source_of(version)).called_processes \
                if version is not None and version.kind == "bpmn" else ()
        return known[key]

    return calls_of


def _repin_problems(session: Session, tables: dict[str, engine.SourceFile],
                    skip: set[str]) -> list[engine.Problem]:
    """Current processes (not deployed with them) that new decision tables would be re-pinned
    to: each must still parse with the new tables, or the deploy is refused."""
    problems: list[engine.Problem] = []
    if not tables:
        return problems
    for process in current_processes(session):
        if process.key in skip:
            continue
        pinned = versions_by_id(session, process.dependencies)
        if not any(d.key in tables for d in pinned):
            continue
        supporting = [tables[d.key] if d.key in tables else source_of(d) for d in pinned]
        try:
            engine.parse_definition(source_of(process), supporting, process_id=process.key)
        except engine.DefinitionInvalid as err:
            problems.extend(engine.Problem(p.element_id, engine.Message(
                "process %(process)s uses this decision table and could not run with it: "
                "%(reason)s", process=process.name or process.key, reason=p.message),
                p.element_name, p.file) for p in err.problems)
    return problems


def _supporting(session: Session, item: _Item, batch: dict[str, _Item]
                ) -> tuple[list[engine.SourceFile], list[engine.Problem]]:
    """The files a process needs to parse: from this batch, else the current versions."""
    files: dict[str, engine.SourceFile] = {}
    missing: list[engine.Problem] = []
    for ref in sorted(set(item.needs)):
        if ref == item.key:
            continue
        if ref in batch:
            if batch[ref].source.filename != item.source.filename:
                files[batch[ref].source.filename] = batch[ref].source
            continue
        version = current_version(session, ref)
        if version is None:
            missing.append(engine.Problem(ref, engine.Message(
                "'%(key)s' is used by the diagram but is not deployed", key=ref)))
            continue
        for dep in [version, *versions_by_id(session, version.dependencies)]:
            files.setdefault(f"{dep.key}:{dep.version}", source_of(dep))
    return list(files.values()), missing


def _closure(session: Session, needs: Iterable[str],
             fresh: dict[str, DefinitionVersion]) -> list[int]:
    """Ids of every version a process depends on, directly or through a called process."""
    ids: list[int] = []
    for ref in sorted(set(needs)):
        version = fresh.get(ref) or current_version(session, ref)
        if version is None:
            continue  # the process calls itself, or a sibling in the same file
        for dep_id in [version.id, *(version.dependencies or [])]:
            if dep_id not in ids:
                ids.append(dep_id)
    return ids


def _store(session: Session, item: _Item, deps: list[int], actor: User | None, comment: str,
           origin: str, dedupe: bool = False) -> tuple[DefinitionVersion, bool]:
    digest = sha256(item.source.xml)
    current = current_version(session, item.key)
    if current is not None and current.sha256 == digest and list(current.dependencies) == deps:
        return current, False
    if dedupe:  # a shipped file already deployed once is never deployed again
        known = session.scalar(select(DefinitionVersion).where(
            DefinitionVersion.key == item.key, DefinitionVersion.sha256 == digest,
            DefinitionVersion.origin == "shipped").limit(1))
        if known is not None:
            return known, False
    number = (session.scalar(select(func.max(DefinitionVersion.version))
                             .where(DefinitionVersion.key == item.key)) or 0) + 1
    version = DefinitionVersion(
        key=item.key, kind=item.kind, version=number, name=item.name or item.key,
        filename=item.source.filename, xml=item.source.xml.decode("utf-8"), sha256=digest,
        dependencies=deps, comment=comment[:500], deployed_by_id=actor.id if actor else None,
        origin=origin,
    )
    session.add(version)
    session.flush()
    return version, True


def _becomes_current(session: Session, key: str, origin: str) -> bool:
    if origin != "shipped":
        return True
    current = current_version(session, key)
    return current is None or current.origin == "shipped"


def _set_head(session: Session, version: DefinitionVersion, actor: User | None) -> None:
    head = session.get(DefinitionHead, version.key)
    if head is None:
        head = DefinitionHead(key=version.key, kind=version.kind)
        session.add(head)
    head.current_version_id = version.id
    head.changed_by_id = actor.id if actor else None
    head.changed_at = utcnow()
    session.flush()


def _repin_users_of(session: Session, table: DefinitionVersion, actor: User | None,
                    fresh: dict[str, DefinitionVersion]) -> list[DefinitionVersion]:
    """New versions of the current processes that use an older version of ``table``."""
    created = []
    for process in current_processes(session):
        if process.key in fresh:
            continue  # deployed in this batch, already pinned to the new table
        pinned = versions_by_id(session, process.dependencies)
        if not any(d.key == table.key and d.id != table.id for d in pinned):
            continue
        source = source_of(process)
        info = engine.inspect_file(source)
        item = _Item(process.key, "bpmn", process.name, source,
                     [*info.decision_refs, *info.called_processes])
        comment = f"{table.key} v{table.version}"
        version, made = _store(session, item, _closure(session, item.needs, fresh), actor,
                               comment, table.origin)
        if made:
            _set_head(session, version, actor)
            created.append(version)
    return created


def make_current(session: Session, actor: User, key: str, number: int) -> DefinitionVersion:
    """Rollback (or forward): new instances of ``key`` start on version ``number``."""
    if actor.role != "admin":
        raise Forbidden(_l("Only an administrator may change the current version."))
    with unit_of_work(session):
        version = get_version(session, key, number)
        previous = current_version(session, key)
        if previous is not None and previous.id == version.id:
            return version  # current already: the unit ends with nothing written
        if version.kind == "dmn":  # the processes re-pinned to it must run with it
            problems = _repin_problems(session, {key: source_of(version)}, set())
            if problems:
                raise refused(problems)
        _set_head(session, version, actor)
        repinned = _repin_users_of(session, version, actor, {}) if version.kind == "dmn" else []
        record_admin(session, "definition.made_current", actor,
                     {"key": key, "version": number,
                      "previous": previous.version if previous else None,
                      "repinned": [f"{v.key} v{v.version}" for v in repinned]})
    return version
