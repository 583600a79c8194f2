"""Full page for a navigation, just the block for an htmx request that asks for a fragment."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import flask
from flask import Response, abort, make_response, render_template
from jinja2_fragments.flask import render_block

from ..extensions import db, htmx
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


def or_abort(action: Callable[..., Any], *args: Any) -> Any:
    """A service read for a page: its result, or its refusal as the HTTP error (404, 403)."""
    try:
        return action(*args)
    except ServiceError as err:
        abort(err.status)


def attempt(action: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Run a service action for a form post. On a refusal: roll back, let a 404 stay a 404,
    flash the reason, and return None (the caller redirects either way)."""
    try:
        return action(*args, **kwargs)
    except ServiceError as err:
        db().rollback()
        if err.status == 404:
            abort(404)
        flash(err.message, "error")
        return None
