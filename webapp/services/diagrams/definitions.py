"""Deployed diagrams as people read them: the version new programs start on, the parsed spec of
a version (parsed once per process, cached), the lists of the admin pages, and a diagram's
problems worded for the reader. Deploying lives in ``deployment``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from ... import engine
from ...models import DefinitionHead, DefinitionVersion, Instance
from ..caches import Slot
from ..errors import InvalidInput, NotFound

MAX_DIAGRAM_BYTES = engine.MAX_DIAGRAM_BYTES


def source_file(filename: str, data: bytes) -> engine.SourceFile:
    """A diagram file as the checks and the deploy take it."""
    return engine.SourceFile(filename, data)


def problem_dicts(problems: list[engine.Problem]) -> list[dict[str, str]]:
    """Problems as the editor shows them (JSON): where, what, in the reader's language."""
    return [{"element_id": p.element_id, "element_name": p.element_name, "file": p.file,
             "where": where(p), "message": problem_text(p)} for p in problems]


SPEC_CACHE = Slot("diagrams.specs", engine.SpecCache)


def current_version(session: Session, key: str) -> DefinitionVersion | None:
    """The version new instances of ``key`` start on (its head)."""
    return session.scalar(
        select(DefinitionVersion)
        .join(DefinitionHead, DefinitionHead.current_version_id == DefinitionVersion.id)
        .where(DefinitionHead.key == key)
    )


@dataclass(frozen=True)
class Head:
    """The version new programs of a definition start on, as a start needs it."""

    id: int
    key: str
    kind: str
    version: int
    sha256: str


_HEAD = (
    select(DefinitionVersion.id, DefinitionVersion.key, DefinitionVersion.kind,
           DefinitionVersion.version, DefinitionVersion.sha256)
    .join(DefinitionHead, DefinitionHead.current_version_id == DefinitionVersion.id)
    .where(DefinitionHead.key == bindparam("key"))
)


def current_head(session: Session, key: str) -> Head | None:
    """``current_version`` in one prebuilt statement, without loading the version."""
    row = session.connection().execute(_HEAD, {"key": key}).first()
    return Head(*row) if row is not None else None


def get_version(session: Session, key: str, number: int) -> DefinitionVersion:
    version = session.scalar(select(DefinitionVersion).where(
        DefinitionVersion.key == key, DefinitionVersion.version == number))
    if version is None:
        raise NotFound()
    return version


def source_of(version: DefinitionVersion) -> engine.SourceFile:
    return engine.SourceFile(version.filename or f"{version.key}.{version.kind}",
                             version.xml.encode("utf-8"))


def parsed_definition(session: Session, version: DefinitionVersion) -> engine.ParsedDefinition:
    """The parsed process of a deployed version, parsed once per process."""
    return parsed_version(session, version.id, version.sha256)


def parsed_version(session: Session, version_id: int, sha: str) -> engine.ParsedDefinition:
    """The parsed process of a version known by id and hash; reads the XML only on a miss."""

    def load() -> engine.ParsedDefinition:
        version = session.get(DefinitionVersion, version_id)
        if version is None:
            raise NotFound()
        deps = [session.get(DefinitionVersion, dep_id) for dep_id in version.dependencies or []]
        return engine.parse_definition(
            source_of(version), [source_of(d) for d in deps if d is not None],
            process_id=version.key
        )

    # The hash is part of the key: a test database that reuses ids never gets a stale spec.
    return SPEC_CACHE.of(session).get(f"{version_id}:{sha}", load)


def problem_text(problem: engine.Problem) -> str:
    """A diagram problem in the reader's language."""
    return problem.text(gettext)


def where(problem: engine.Problem) -> str:
    """The element a problem concerns, as a person reads it: "Name (id)"."""
    if problem.element_name and problem.element_id:
        return f"{problem.element_name} ({problem.element_id})"
    return problem.element_name or problem.element_id or problem.file


def message_text(message: engine.Message) -> str:
    """An engine message in the reader's language."""
    return message.translate(gettext)


def compare_versions(old: DefinitionVersion, new: DefinitionVersion) -> list[engine.Change]:
    """What changed from one version of a definition to another."""
    return engine.compare(old.xml, new.xml)


def refused(problems: list[engine.Problem]) -> InvalidInput:
    """The error for a refused diagram: every problem, translated, each naming its element."""
    reasons = "; ".join(f"{where(p)}: {problem_text(p)}" if where(p) else problem_text(p)
                        for p in problems)
    return InvalidInput(_l("The diagram was refused: %(reasons)s", reasons=reasons),
                        problems=problems)


def versions_by_id(session: Session, ids: Iterable[int]) -> list[DefinitionVersion]:
    return [v for v in (session.get(DefinitionVersion, i) for i in ids or []) if v is not None]


def current_processes(session: Session) -> list[DefinitionVersion]:
    return list(session.scalars(
        select(DefinitionVersion)
        .join(DefinitionHead, DefinitionHead.current_version_id == DefinitionVersion.id)
        .where(DefinitionHead.kind == "bpmn")
    ))


@dataclass(frozen=True)
class ProcessName:
    """A deployed process as a list of choices shows it."""

    key: str
    name: str


_PROCESS_NAMES = (
    select(DefinitionVersion.key, DefinitionVersion.name)
    .join(DefinitionHead, DefinitionHead.current_version_id == DefinitionVersion.id)
    .where(DefinitionHead.kind == "bpmn")
)


def startable_processes(session: Session) -> list[ProcessName]:
    """Key and name of every deployed process, by name (the inbox filter and the start form
    ask on every request: two columns, no version objects)."""
    return sorted((ProcessName(row.key, row.name)
                   for row in session.connection().execute(_PROCESS_NAMES)),
                  key=lambda p: p.name)


@dataclass(frozen=True)
class DefinitionSummary:
    key: str
    kind: str
    name: str
    current: DefinitionVersion
    newest: int
    running: int


def list_definitions(session: Session) -> list[DefinitionSummary]:
    """Every definition with its current version, newest version number and running count."""
    newest = dict(session.execute(select(DefinitionVersion.key, func.max(
        DefinitionVersion.version)).group_by(DefinitionVersion.key)).all())
    running = dict(session.execute(
        select(DefinitionVersion.key, func.count(Instance.id))
        .join(Instance, Instance.definition_version_id == DefinitionVersion.id)
        .where(Instance.status == "running").group_by(DefinitionVersion.key)).all())
    heads = session.execute(
        select(DefinitionHead, DefinitionVersion)
        .join(DefinitionVersion, DefinitionHead.current_version_id == DefinitionVersion.id)
    ).all()
    return sorted(
        (DefinitionSummary(h.key, h.kind, v.name, v, int(newest.get(h.key, v.version)),
                           int(running.get(h.key, 0))) for h, v in heads),
        key=lambda s: (s.kind, s.name.lower()))


def list_versions(session: Session, key: str) -> list[tuple[DefinitionVersion, int]]:
    """Every version of a definition, newest first, with its count of running instances."""
    versions = list(session.scalars(select(DefinitionVersion).where(
        DefinitionVersion.key == key).order_by(DefinitionVersion.version.desc())))
    if not versions:
        raise NotFound()
    running = dict(session.execute(
        select(Instance.definition_version_id, func.count(Instance.id))
        .where(Instance.definition_version_id.in_([v.id for v in versions]),
               Instance.status == "running").group_by(Instance.definition_version_id)).all())
    return [(v, int(running.get(v.id, 0))) for v in versions]


def pinned_versions(session: Session, version: DefinitionVersion) -> list[DefinitionVersion]:
    """The decision tables and called processes a version was deployed with."""
    return versions_by_id(session, version.dependencies)
