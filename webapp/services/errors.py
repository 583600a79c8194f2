"""Errors a service raises for the person in front of the screen, already worded for them."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l


class ServiceError(Exception):
    """Base: carries a translatable message and an HTTP-ish status for views."""

    status = 400

    def __init__(self, message: Any, **details: Any):
        self.message = message
        self.details = details
        super().__init__(str(message))


class NotFound(ServiceError):
    status = 404

    def __init__(self, what: Any = None):
        super().__init__(what or _l("Not found, or outside your scope."))


class Forbidden(ServiceError):
    status = 403


class Conflict(ServiceError):
    status = 409


class AlreadyCompleted(Conflict):
    def __init__(self, by: str | None):
        if by:
            super().__init__(_l("This task was already completed by %(name)s.", name=by), by=by)
        else:
            super().__init__(_l("This task is no longer open."))


class InvalidInput(ServiceError):
    status = 422


class StepFailed(ServiceError):
    """The engine refused to run the step; nothing was saved."""

    status = 422


class LeaseLost(Exception):
    """A worker's lease on its job ran out and another worker holds the job now: whatever the
    job was doing stops, and its work so far is rolled back."""
