"""Messages the engine reports, kept as English templates with values so the web layer can
translate them (the engine itself knows nothing of Flask or the user's language).

``Message("the name '%(name)s' is not allowed", name="x")``: pybabel extracts the template
(keyword ``Message``); ``translate`` formats it in the reader's language, nested messages too.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class Message:
    """An English template and its values."""

    __slots__ = ("template", "params")

    def __init__(self, template: str, **params: Any):
        self.template = template
        self.params = params

    def translate(self, gettext: Callable[[str], str]) -> str:
        values = {k: v.translate(gettext) if isinstance(v, Message) else v
                  for k, v in self.params.items()}
        return gettext(self.template) % values if values else gettext(self.template)

    def __str__(self) -> str:
        return self.translate(lambda text: text)

    def __repr__(self) -> str:
        return f"Message({str(self)!r})"


class MessageError(ValueError):
    """An error whose text is a translatable Message."""

    def __init__(self, template: str | Message, **params: Any):
        self.message = template if isinstance(template, Message) else Message(template, **params)
        super().__init__(str(self.message))
