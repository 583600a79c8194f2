"""Personal data: NIK and No. KK numbers are shown masked (first 4 and last 4 digits).

A number is recognised however it was typed: 3507011203850001, 3507 0112 0385 0001,
3507-01-120385-0001 or 3507.01.120385.0001 (in a URL, also with %20 or + between groups).
Sixteen digits in a row inside a longer number (an account number, an amount) are left alone.
"""

from __future__ import annotations

import logging
import re
from typing import Any

_SEPARATOR = r"(?:[ .\-\u00a0+]|%20)?"
# 16 digits with at most one separator between any two, not inside a longer run of digits
NIK_PATTERN = re.compile(r"(?<![\d])(\d" + (_SEPARATOR + r"\d") * 15 + r")(?![\d])")


def _mask_match(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group(1).replace("%20", ""))
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
