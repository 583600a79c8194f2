"""Personal data: NIK and No. KK numbers are shown masked (first 4 and last 4 digits).

A number is recognised however it was typed: 3507011203850001, 3507 0112 0385 0001 (with
several spaces too), 3507-01-120385-0001 or 3507.01.120385.0001 (in a URL, also with %20 or +
between groups, or a %20 before it).
Sixteen digits in a row inside a longer number (an account number, an amount) are left alone.
"""

from __future__ import annotations

import logging
import re
from typing import Any

# Between two digits: up to three spaces, dots, dashes, slashes or underscores (a number typed
# "3507  0112 ..."), or their URL escapes (%20, +, %2D, %2E, %2F)
_SEPARATOR = r"(?:[\s.\-\u00a0+/_]|%20|%2[DdEeFf]|%C2%A0){0,3}"
_ESCAPE = re.compile(r"%(?:C2%A0|[0-9A-Fa-f]{2})")
# 16 digits not inside a longer run of digits (a %20 before it is a space, not digits)
NIK_PATTERN = re.compile(r"(?:(?<![\d])|(?<=%[0-9A-Fa-f]{2}))(\d" + (_SEPARATOR + r"\d") * 15
                         + r")(?![\d])")


def _mask_match(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", _ESCAPE.sub("", match.group(1)))
    if len(digits) != 16:
        return match.group(1)
    return f"{digits[:4]}{'*' * 8}{digits[12:]}"


def mask_nik(value: Any, numbers: bool = True) -> Any:
    """NIK and KK numbers in a value (text, number, list or mapping) masked: 3507********0001.

    ``numbers=False`` leaves whole numbers alone (task data: 16 digits there is an amount)."""
    if numbers and isinstance(value, int) and not isinstance(value, bool) \
            and len(str(value)) == 16:
        value = str(value)
    if isinstance(value, str):
        return NIK_PATTERN.sub(_mask_match, value) if len(value) >= 16 else value
    if isinstance(value, list | tuple):
        return [mask_nik(v, numbers) for v in value]
    if isinstance(value, dict):
        return {k: mask_nik(v, numbers) for k, v in value.items()}
    return value


class MaskedLog(logging.Filter):
    """A log filter that masks NIK and KK numbers in every record (request lines included:
    a search for a NIK puts it in the URL)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_nik(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


def mask_logs(*names: str) -> None:
    """Mask NIK numbers in the named loggers (once each)."""
    for name in names:
        logger = logging.getLogger(name)
        if not any(isinstance(f, MaskedLog) for f in logger.filters):
            logger.addFilter(MaskedLog())


def log_audit(name: str = "simpul") -> None:
    """Simpul's own records (a full number shown, an import that failed) reach the server's
    log: at INFO, masked, on standard error (gunicorn's error log) unless the host already
    configured logging (then they go where its root logger sends them)."""
    logger = logging.getLogger(name)
    logger.setLevel(logging.INFO)
    if logging.getLogger().handlers or any(isinstance(h, _AuditHandler)
                                           for h in logger.handlers):
        return
    handler = _AuditHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(MaskedLog())
    logger.addHandler(handler)
    logger.propagate = False


class _AuditHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Standard error, masked (a filter on the handler sees every logger below ``simpul``)."""
