"""Structural rules: one module family talks to SpiffWorkflow; nothing evaluates Python text."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCES = [p for folder in ("webapp", "forms") for p in (ROOT / folder).rglob("*.py")]


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_only_the_engine_facade_imports_spiffworkflow() -> None:
    offenders = [str(p.relative_to(ROOT)) for p in SOURCES
                 if any(n.startswith("SpiffWorkflow") for n in _imports(p))
                 and "webapp/engine" not in p.as_posix()]
    assert SOURCES and offenders == []


def test_no_eval_or_exec_anywhere() -> None:
    calls = []
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
                    and node.func.id in ("eval", "exec", "compile"):
                calls.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert calls == []


def test_forms_never_import_the_web_app() -> None:
    forms = [p for p in SOURCES if p.parts[-2] == "forms" or "forms/" in p.as_posix()]
    assert forms
    assert not [p for p in forms if any(n.startswith("webapp") for n in _imports(p))]


def test_forms_are_defined_in_forms_only() -> None:
    """A form class (a subclass of a WTForms form) lives in a module of forms/, never in a view
    or a service: the pages make and fill forms, they do not declare them."""
    declared = []
    for path in SOURCES:
        if "forms" in path.relative_to(ROOT).parts[:1]:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ClassDef) and any(
                    ast.unparse(base).split(".")[-1].endswith("Form") for base in node.bases):
                declared.append(f"{path.relative_to(ROOT)}:{node.name}")
    assert declared == []


def test_views_never_commit_or_roll_back() -> None:
    """A service commits its own work and rolls back its refusals; what a request leaves open
    its end rolls back (the teardown, the error pages): a view never ends a transaction."""
    calls = []
    for path in SOURCES:
        if "webapp/views" not in path.as_posix():
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                    and node.func.attr in ("commit", "rollback"):
                calls.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert calls == []


def test_the_people_epoch_watches_the_table_of_people() -> None:
    """changes.py sits below the models and names their table: it must be User's."""
    from webapp import changes
    from webapp.models import User

    assert changes.PEOPLE_TABLE == User.__tablename__


def test_no_two_modules_share_a_name_across_layers() -> None:
    """One name, one meaning: ``runtime`` or ``migration`` in two layers misled readers."""
    seen: dict[str, list[str]] = {}
    for path in SOURCES:
        if path.name != "__init__.py":
            seen.setdefault(path.stem, []).append(str(path.relative_to(ROOT)))
        else:  # a package's name counts too
            seen.setdefault(path.parent.name, []).append(str(path.parent.relative_to(ROOT)))
    shared = {name: paths for name, paths in seen.items() if len(paths) > 1}
    assert shared == {}


def test_each_app_keeps_its_own_caches(database_url: str) -> None:
    """Caches live on the app (built in create_app): a new app starts with none of the last
    one's, so nothing has to be cleared by hand between apps or tests."""
    from tests.conftest import make_test_app
    from webapp.services.workflow.steps import HANDLES

    first, second = make_test_app(database_url), make_test_app(database_url)
    try:
        one = first.extensions["simpul_sessions"]()
        two = second.extensions["simpul_sessions"]()
        assert HANDLES.of(one) is HANDLES.of(one)
        assert HANDLES.of(one) is not HANDLES.of(two)
        assert first.extensions["simpul_caches"].names() == ["workflow.handles"]
        assert second.extensions["simpul_caches"].names() == ["workflow.handles"]
        one.close()
        two.close()
    finally:
        first.extensions["simpul_engine"].dispose()
        second.extensions["simpul_engine"].dispose()


def test_modules_and_functions_stay_small_enough_to_read() -> None:
    """No module over 400 lines and no function over 60: past that, split by what it does."""
    long_modules, long_functions = [], []
    for path in SOURCES:
        text = path.read_text()
        if len(text.splitlines()) > 400:
            long_modules.append(str(path.relative_to(ROOT)))
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) \
                    and (node.end_lineno or node.lineno) - node.lineno + 1 > 60:
                long_functions.append(f"{path.relative_to(ROOT)}:{node.name}")
    assert long_modules == [] and long_functions == []
