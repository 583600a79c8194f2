"""Full page for a navigation, just the block for an htmx request that asks for a fragment."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NoReturn

import flask
from flask import Response, abort, make_response, render_template
from jinja2_fragments.flask import render_block
from werkzeug.exceptions import Forbidden

from ..extensions import htmx
from ..services.errors import ServiceError


def wants_fragment() -> bool:
    """An htmx request aimed at one element of the page (it names its target).

    Boosted links, history restores and HX-Location navigations (which target <body>, so
    send no HX-Target) get the full page.
    """
    return bool(htmx) and bool(htmx.target) and not htmx.boosted \
        and not htmx.history_restore_request


def render(template: str, block: str, status: int = 200, **context: Any) -> Response:
    body = render_block(template, block, **context) if wants_fragment() \
        else render_template(template, **context)
    response = make_response(body, status)
    response.headers["Vary"] = "HX-Request"
    return response


def download(name: str, content: bytes, fmt: str) -> Response:
    """A file of rows (CSV or XLSX) to save, never kept by a cache."""
    kind = "text/csv; charset=utf-8" if fmt == "csv" else \
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    response = Response(content, mimetype=kind)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "no-store"
    return response


def htmx_location(url: str) -> Response:
    """After a successful htmx POST: let htmx navigate (as a boosted link would)."""
    response = make_response("", 200)
    response.headers["HX-Location"] = url
    return response


def flash(message: Any, category: str = "message") -> None:
    """Flash a message as plain text.

    Flask-Babel's lazy strings carry ``__html__``: flashed as they are, the session stores them
    as Markup and a name inside (a task, a program, a person) would reach the page unescaped.
    """
    flask.flash(str(message), category)


class Refused(Forbidden):
    """403: the person's role or duties do not allow this; the error page says why."""

    def __init__(self, reason: Any):
        super().__init__()
        self.reason = reason


def refuse(err: ServiceError) -> NoReturn:
    """A service's refusal as its HTTP error: 403 with the reason, 404 saying nothing."""
    if err.status == 403:
        raise Refused(err.message)
    abort(err.status)


def or_abort(action: Callable[..., Any], *args: Any) -> Any:
    """A service read for a page: its result, or its refusal as the HTTP error (404, 403)."""
    try:
        return action(*args)
    except ServiceError as err:
        refuse(err)


def attempt(action: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Run a service action for a form post. On a refusal (the service kept nothing of it): a
    404 stays a 404 and a refusal of the person's rights is a 403 page; anything else is
    flashed and None returned (the caller redirects either way)."""
    try:
        return action(*args, **kwargs)
    except ServiceError as err:
        if err.status in (403, 404):
            refuse(err)
        flash(err.message, "error")
        return None
