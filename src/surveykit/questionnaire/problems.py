"""Problems found in a questionnaire, and where they are.

A :class:`Problem` has a code (``SK101`` ...; the table is in ``docs/questionnaires.md``), a severity
(``error`` or ``warning``), a message that says what is wrong and how to fix it, and a
:class:`Location`: the JSON pointer of the offending value in the spec (``/items/3/relevant``) and,
when the questionnaire was loaded from a file, the place in that file -- the XLSForm sheet, row and
column, or the YAML/JSON line -- plus the character offset inside an expression.

>>> loc = Location(pointer="/items/2/relevant", file="form.xlsx", sheet="survey", row=5,
...                column="relevant", cell="E5", offset=7)
>>> str(loc)
'form.xlsx, sheet survey, row 5, column relevant (E5), character 8'
>>> p = Problem("SK201", "error", "${own_bik} is not a question; fix the name", loc)
>>> str(p)
'form.xlsx, sheet survey, row 5, column relevant (E5), character 8: SK201 error: ${own_bik} is not a question; fix the name'
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from ..rules import Severity

__all__ = ["Location", "Problem", "SourceMap", "pointer", "sort_problems"]


def pointer(*parts: Any) -> str:
    """A JSON pointer (RFC 6901) from path parts.

    >>> pointer("items", 3, "label", "es")
    '/items/3/label/es'
    >>> pointer("choice_lists", "a/b")
    '/choice_lists/a~1b'
    """
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def _split_pointer(ptr: str) -> list[str]:
    if not ptr:
        return []
    return [p.replace("~1", "/").replace("~0", "~") for p in ptr.split("/")[1:]]


@dataclass(frozen=True)
class Location:
    """Where something is in a questionnaire and in the file it came from.

    Attributes
    ----------
    pointer
        JSON pointer into the spec (as written by :meth:`Questionnaire.to_yaml`), e.g. ``/items/3/relevant``.
    file
        The file the questionnaire was loaded from, if any.
    sheet, row, column, cell
        XLSForm sheet name, 1-based row number as Excel shows it, column header and cell reference.
    line, col
        1-based line and column in a YAML or JSON file.
    offset
        0-based character offset inside an expression.
    """

    pointer: str = ""
    file: str | None = None
    sheet: str | None = None
    row: int | None = None
    column: str | None = None
    cell: str | None = None
    line: int | None = None
    col: int | None = None
    offset: int | None = None

    def __str__(self) -> str:
        parts: list[str] = []
        if self.sheet is not None:
            if self.file:
                parts.append(self.file)
            parts.append(f"sheet {self.sheet}")
            if self.row is not None:
                parts.append(f"row {self.row}")
            if self.column is not None:
                parts.append(f"column {self.column}" + (f" ({self.cell})" if self.cell else ""))
            text = ", ".join(parts)
        elif self.line is not None:
            text = f"{self.file or '<spec>'}:{self.line}" + (f":{self.col}" if self.col else "")
            if self.pointer:
                text += f" ({self.pointer})"
        else:
            text = (f"{self.file}: " if self.file else "") + (self.pointer or "/")
        if self.offset is not None:
            text += f", character {self.offset + 1}"
        return text

    def with_offset(self, offset: int | None) -> Location:
        """The same location, at character ``offset`` of its expression."""
        return replace(self, offset=offset)

    def to_dict(self) -> dict[str, Any]:
        """The non-empty fields as a dict (for JSON output)."""
        return {k: v for k, v in asdict(self).items() if v is not None and v != ""}


@dataclass(frozen=True)
class Problem:
    """One problem found by :meth:`surveykit.Questionnaire.lint` (or while loading a file).

    Attributes
    ----------
    code
        Stable rule code, e.g. ``"SK203"`` (see the table in ``docs/questionnaires.md``).
    severity
        ``"error"`` (the spec is wrong or cannot be written to SPSS/Stata/XLSForm) or ``"warning"``
        (probably a mistake).
    message
        What is wrong and how to fix it.
    location
        Where: JSON pointer, file position, character offset in the expression.
    expression
        The expression text, when the problem is inside one.
    variant, fields
        The catalogue's message template (a variant of rule ``code`` in
        :data:`~surveykit.questionnaire.lint_rules.LINT_RULES`) and the values it was filled with, when
        the message came from the catalogue: :meth:`in_language` rewords the problem from them.
    """

    code: str
    severity: str
    message: str
    location: Location = field(default_factory=Location)
    expression: str | None = None
    variant: str | None = field(default=None, compare=False, repr=False)
    fields: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def of(
        cls,
        code: str,
        message: str,
        location: Location | None = None,
        expression: str | None = None,
        *,
        severity: Severity | None = None,
    ) -> Problem:
        """A problem of lint rule ``code`` with the severity the catalogue gives it
        (:data:`~surveykit.questionnaire.lint_rules.LINT_RULES`; ``severity="warning"`` only for the
        rules that allow it).

        >>> Problem.of("SK604", "the questionnaire has no questions").severity
        'warning'
        """
        from .lint_rules import severity as rule_severity

        return cls(code, rule_severity(code, severity), message, location or Location(), expression)

    @classmethod
    def from_rule(
        cls,
        code: str,
        variant: str,
        location: Location | None = None,
        expression: str | None = None,
        /,
        *,
        language: str | None = "en",
        severity: Severity | None = None,
        **fields: Any,
    ) -> Problem:
        """A problem of lint rule ``code`` worded by the catalogue's message ``variant`` with ``fields``,
        in ``language`` (``"es"``/``"es-SV"``: Spanish; anything else: English).

        >>> p = Problem.from_rule("SK601", "min_max", language="es", min="18", max="5", name="edad")
        >>> p.message
        'el mínimo (18) es mayor que el máximo (5) en edad; intercambie los valores o corrija uno'
        >>> p.in_language("en").message
        'min (18) is greater than max (5) for edad; swap them or fix one'
        """
        from .lint_rules import lint_message
        from .lint_rules import severity as rule_severity

        return cls(
            code,
            rule_severity(code, severity),
            lint_message(code, variant, language, fields),
            location or Location(),
            expression,
            variant,
            dict(fields),
        )

    def in_language(self, language: str | None) -> Problem:
        """The same problem worded in ``language`` (itself when its message did not come from the catalogue).

        >>> Problem.of("SK604", "the questionnaire has no questions").in_language("es").message
        'the questionnaire has no questions'
        """
        if self.variant is None:
            return self
        from .lint_rules import lint_message

        return replace(self, message=lint_message(self.code, self.variant, language, self.fields))

    def __str__(self) -> str:
        return f"{self.location}: {self.code} {self.severity}: {self.message}"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-friendly dict."""
        out: dict[str, Any] = {
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
            "location": self.location.to_dict(),
        }
        if self.expression is not None:
            out["expression"] = self.expression
        return out

    def caret(self) -> str | None:
        """Two lines showing the expression and a caret under the offending character, or ``None``.

        >>> p = Problem("SK301", "error", "x", Location(offset=4), expression=". > (0")
        >>> print(p.caret())
            . > (0
                ^
        """
        if self.expression is None or self.location.offset is None or len(self.expression) > 200:
            return None
        text = self.expression.replace("\n", " ").replace("\t", " ")
        return f"    {text}\n    {' ' * self.location.offset}^"


_SHEET_RANK = {"survey": 0, "choices": 1, "settings": 2}


def _column_index(cell: str | None) -> int:
    """1-based column of a cell reference such as 'AB12' (0 when unknown)."""
    index = 0
    for ch in cell or "":
        if not ch.isalpha():
            break
        index = index * 26 + (ord(ch.upper()) - 64)
    return index


def _pointer_key(ptr: str) -> tuple:
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in _split_pointer(ptr))


def sort_problems(problems: list[Problem]) -> list[Problem]:
    """Problems in source order: file position when known, else the order of the spec.

    >>> a = Problem("SK1", "error", "a", Location(pointer="/items/10"))
    >>> b = Problem("SK2", "error", "b", Location(pointer="/items/9"))
    >>> [p.code for p in sort_problems([a, b])]
    ['SK2', 'SK1']
    """

    def key(p: Problem) -> tuple:
        loc = p.location
        sheet = (_SHEET_RANK.get(loc.sheet.lower(), 3), loc.sheet.lower()) if loc.sheet else (-1, "")
        position = loc.row if loc.row is not None else (loc.line if loc.line is not None else -1)
        column = loc.col if loc.col is not None else _column_index(loc.cell)
        return (loc.file or "", sheet, position, column, _pointer_key(loc.pointer), loc.offset or 0, p.code)

    return sorted(problems, key=key)


class SourceMap:
    """Where each part of a loaded questionnaire came from in its file.

    ``entries`` maps JSON pointers to :class:`Location` s (without pointer). :meth:`locate` finds the
    entry of a pointer, or of its nearest ancestor when the value itself has no place in the file
    (e.g. a label that is missing).
    """

    def __init__(self, file: str | None, kind: str) -> None:
        self.file = file
        self.kind = kind
        self.entries: dict[str, Location] = {}

    def add(self, ptr: str, **where: Any) -> None:
        """Record where ``ptr`` is (``sheet``/``row``/``column``/``cell`` or ``line``/``col``)."""
        self.entries[ptr] = Location(file=self.file, **where)

    def locate(self, ptr: str, offset: int | None = None) -> Location:
        """The location of ``ptr`` in the file (nearest recorded ancestor), with its pointer set."""
        parts = _split_pointer(ptr)
        for n in range(len(parts), -1, -1):
            found = self.entries.get(pointer(*parts[:n]))
            if found is not None:
                return replace(found, pointer=ptr, offset=offset)
        return Location(pointer=ptr, file=self.file, offset=offset)
