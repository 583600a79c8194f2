"""Deploying diagrams as versions, and loading the parsed spec of a version (cached)."""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterable
from pathlib import Path

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from forms import FORMS

from .. import engine
from ..db import begin_write
from ..models import DefinitionVersion, Group, User
from .errors import InvalidInput, NotFound

SPEC_CACHE = engine.SpecCache()


def sha256(xml: bytes) -> str:
    return hashlib.sha256(xml).hexdigest()


def latest_version(session: Session, key: str) -> DefinitionVersion | None:
    """The version new instances of ``key`` start on."""
    return session.scalar(
        select(DefinitionVersion).where(DefinitionVersion.key == key)
        .order_by(DefinitionVersion.version.desc()).limit(1)
    )


def _source(version: DefinitionVersion) -> engine.SourceFile:
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
            _source(version), [_source(d) for d in deps if d is not None], process_id=version.key
        )

    # The hash is part of the key: a test database that reuses ids never gets a stale spec.
    return SPEC_CACHE.get(f"{version_id}:{sha}", load)


def deploy_shipped(session: Session, directory: Path, actor: User | None = None) -> list[str]:
    """Deploy every file in ``workflows/`` that changed since its last version (by hash)."""
    files = [engine.SourceFile(p.name, p.read_bytes())
             for p in sorted(directory.iterdir()) if p.suffix in (".bpmn", ".dmn")]
    return deploy_definitions(session, files, actor, comment="shipped with Simpul")


def deploy_definitions(session: Session, files: Collection[engine.SourceFile],
                       actor: User | None, comment: str = "") -> list[str]:
    """Validate then deploy a set of BPMN/DMN files; refuse everything if one is invalid."""
    begin_write(session)
    infos = {f.filename: engine.inspect_file(f) for f in files}
    groups = set(session.scalars(select(Group.name)))
    deployed: list[str] = []
    dmn_versions: dict[str, DefinitionVersion] = {}
    try:
        for source in (f for f in files if infos[f.filename].kind == "dmn"):
            for key in infos[source.filename].ids:
                version, created = _store(session, key, "dmn", source, infos[source.filename].name,
                                          [], actor, comment)
                dmn_versions[key] = version
                if created:
                    deployed.append(f"{key} v{version.version}")
        for source in (f for f in files if infos[f.filename].kind == "bpmn"):
            info = infos[source.filename]
            deps = _decision_versions(session, info.decision_refs, dmn_versions)
            for key in info.ids:
                engine.parse_definition(source, [_source(d) for d in deps], process_id=key,
                                        form_keys=FORMS.keys(), groups=groups)
                version, created = _store(session, key, "bpmn", source, info.name,
                                          [d.id for d in deps], actor, comment)
                if created:
                    deployed.append(f"{key} v{version.version}")
    except engine.DefinitionInvalid as err:
        session.rollback()
        raise InvalidInput(_l("The diagram was refused: %(reasons)s", reasons=str(err)),
                           problems=err.problems) from None
    session.commit()
    return deployed


def _decision_versions(session: Session, refs: Iterable[str],
                       fresh: dict[str, DefinitionVersion]) -> list[DefinitionVersion]:
    deps = []
    for ref in sorted(set(refs)):
        version = fresh.get(ref) or latest_version(session, ref)
        if version is None:
            raise engine.DefinitionInvalid(
                [engine.Problem(ref, "the decision table is not deployed")])
        deps.append(version)
    return deps


def _store(session: Session, key: str, kind: str, source: engine.SourceFile, name: str,
           deps: list[int], actor: User | None, comment: str) -> tuple[DefinitionVersion, bool]:
    digest = sha256(source.xml)
    current = latest_version(session, key)
    if current is not None and current.sha256 == digest and list(current.dependencies) == deps:
        return current, False
    number = (session.scalar(select(func.max(DefinitionVersion.version))
                             .where(DefinitionVersion.key == key)) or 0) + 1
    version = DefinitionVersion(
        key=key, kind=kind, version=number, name=name or key, filename=source.filename,
        xml=source.xml.decode("utf-8"), sha256=digest, dependencies=deps, comment=comment,
        deployed_by_id=actor.id if actor else None,
    )
    session.add(version)
    session.flush()
    return version, True


def startable_processes(session: Session) -> list[DefinitionVersion]:
    """The latest version of every deployed process."""
    newest = (select(DefinitionVersion.key, func.max(DefinitionVersion.version).label("v"))
              .where(DefinitionVersion.kind == "bpmn").group_by(DefinitionVersion.key).subquery())
    return list(session.scalars(
        select(DefinitionVersion).join(newest, (DefinitionVersion.key == newest.c.key)
                                       & (DefinitionVersion.version == newest.c.v))
        .order_by(DefinitionVersion.name)
    ))
