"""What is wrong with a diagram: problems, each naming the element it concerns."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .messages import Message


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a diagram, named by the element it concerns.

    ``message`` is a Message (a translatable template) or, for the engine library's own
    wording, plain English text.
    """

    element_id: str
    message: Message | str
    element_name: str = ""
    file: str = ""

    def text(self, gettext: Callable[[str], str] = lambda text: text) -> str:
        """The problem's message alone, in the reader's language."""
        if isinstance(self.message, Message):
            return self.message.translate(gettext)
        return self.message

    def __str__(self) -> str:
        where = f"{self.element_name} ({self.element_id})" if self.element_name else self.element_id
        return f"{where}: {self.text()}" if where else self.text()


class DefinitionInvalid(ValueError):
    """A diagram was refused; ``problems`` lists every reason found."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("; ".join(str(p) for p in problems))
