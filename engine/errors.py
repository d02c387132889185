"""The three kinds of error mlwa distinguishes.

* :class:`InputError`: something the user gave us is wrong (file, option, query). It
  carries a location and a message a person understands; the CLI prints one line per
  problem and exits 2.
* Findings are not errors: they are results (see ``engine.validate.report``).
* Anything else escaping the engine is a bug: the CLI prints a traceback and says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Location:
    """Where in an input a problem or a finding sits. Lines and columns count from 1."""

    file: str | None = None
    line: int | None = None
    column: int | None = None
    pointer: str | None = None  # path inside the document, e.g. "endpoints[0].instances"

    def __str__(self) -> str:
        parts = [self.file or "<input>"]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        text = ":".join(parts)
        if self.pointer:
            text += f": {self.pointer}"
        return text


@dataclass(frozen=True)
class Problem:
    location: Location
    message: str

    def __str__(self) -> str:
        if self.location == Location():
            return self.message
        return f"{self.location}: {self.message}"


class MlwaError(Exception):
    """Base class of every error mlwa raises on purpose."""


class InputError(MlwaError):
    """Bad input from the user: exit code 2, one clear line per problem."""

    def __init__(self, message: str, location: Location | None = None,
                 problems: list[Problem] | None = None) -> None:
        self.location = location or Location()
        self.message = message
        self.problems: list[Problem] = problems or [Problem(self.location, message)]
        super().__init__(str(self.problems[0]) if len(self.problems) == 1 else message)

    def lines(self) -> list[str]:
        return [str(p) for p in self.problems]


class UsageError(InputError):
    """A command-line option or argument is wrong."""


class QueryRefused(InputError):
    """A SPARQL query was refused by the vetting step (updates, SERVICE, FROM, ...)."""


class PolicyError(InputError):
    """A policy or pack is malformed or unsafe."""


@dataclass
class ErrorList:
    """Collects problems so a loader can report all of them at once."""

    problems: list[Problem] = field(default_factory=list)

    def add(self, location: Location, message: str) -> None:
        self.problems.append(Problem(location, message))

    def raise_if_any(self, summary: str) -> None:
        if self.problems:
            raise InputError(summary, self.problems[0].location, list(self.problems))
