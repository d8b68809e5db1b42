"""The vocabulary of expression types: value types, what lint knows about a reference, the function
tables, and the regex() engine. :mod:`~surveykit.questionnaire.typecheck` checks expressions with them;
the evaluator and lint share them.

>>> code_key(1), VType.CODES.value
('1', 'codes')
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from ..rules import Severity

__all__ = [
    "VType",
    "RefInfo",
    "CheckContext",
    "TypeIssue",
    "EVALUATED_FUNCTIONS",
    "KNOWN_FUNCTIONS",
    "REPEAT_AGGREGATES",
    "code_key",
    "compile_regex",
    "regex_problem",
    "MAX_REGEX_LENGTH",
]


class VType(str, Enum):
    """The value type of an expression or a question."""

    BOOLEAN = "boolean"
    NUMBER = "number"
    TEXT = "text"
    DATE = "date"
    CODE = "code"  # a select_one answer
    CODES = "codes"  # a select_multiple answer
    ANY = "any"  # unknown: compatible with everything
    NONE = "none"  # a note: holds no value


@dataclass(frozen=True)
class RefInfo:
    """What the checker knows of a referenced question: its value type and, for selects, its codes
    (as text, missing codes included)."""

    vtype: VType
    codes: frozenset[str] | None = None
    label: str = ""


@dataclass
class CheckContext:
    """Where an expression sits.

    ``lookup(name)`` gives the :class:`RefInfo` of a question (``None`` if unknown); ``current`` the
    question ``.`` stands for (``None``: ``.`` is not allowed here); ``choice_columns`` the columns a
    bare name may name (``None``: not a choice filter); ``role`` one of ``relevant``, ``constraint``,
    ``calculation``, ``required``, ``choice_filter``, ``repeat_count``.
    """

    lookup: Callable[[str], RefInfo | None]
    role: str = "relevant"
    current: RefInfo | None = None
    choice_columns: frozenset[str] | None = None


@dataclass(frozen=True)
class TypeIssue:
    """A problem found by the checker: lint code, severity, message (English) and span in the source;
    ``detail`` words the message in any language (a :class:`~surveykit.questionnaire.lint_rules.Phrase`)."""

    code: str
    severity: Severity
    message: str
    span: tuple[int, int] = field(default=(0, 0))
    detail: Any = field(default=None, compare=False, repr=False)


# name -> (min args, max args or None for any number); evaluated by surveykit.questionnaire.evaluate
EVALUATED_FUNCTIONS: dict[str, tuple[int, int | None]] = {
    "not": (1, 1),
    "true": (0, 0),
    "false": (0, 0),
    "boolean": (1, 1),
    "selected": (2, 2),
    "count-selected": (1, 1),
    "if": (3, 3),
    "coalesce": (2, 2),
    "string-length": (1, 1),
    "concat": (1, None),
    "string": (1, 1),
    "number": (1, 1),
    "int": (1, 1),
    "round": (1, 2),
    "abs": (1, 1),
    "floor": (1, 1),
    "ceiling": (1, 1),
    "pow": (2, 2),
    "sqrt": (1, 1),
    "today": (0, 0),
    "now": (0, 0),
    "date": (1, 1),
    "regex": (2, 2),
    "contains": (2, 2),
    "starts-with": (2, 2),
    "ends-with": (2, 2),
    "substr": (2, 3),
}
# known to XLSForm / ODK, accepted by lint but not evaluated on data (a warning says so)
_NOT_EVALUATED = frozenset(
    {
        "count",
        "sum",
        "max",
        "min",
        "indexed-repeat",
        "join",
        "position",
        "jr:choice-name",
        "pulldata",
        "once",
        "uuid",
        "random",
        "selected-at",
        "format-date",
        "format-date-time",
        "decimal-date-time",
        "decimal-time",
        "date-time",
        "substring-before",
        "substring-after",
        "translate",
        "normalize-space",
        "log",
        "log10",
        "exp",
        "exp10",
        "sin",
        "cos",
        "tan",
        "asin",
        "acos",
        "atan",
        "atan2",
        "pi",
        "digest",
        "base64-decode",
        "checklist",
        "weighted-checklist",
        "boolean-from-string",
        "jr:itext",
        "area",
        "distance",
        "instance",
        "current",
        "last",
        "count-non-empty",
        "randomize",
        "geofence",
        "version",
        "property",
        "extract-signed",
        "lower-case",
        "upper-case",
    }
)
KNOWN_FUNCTIONS = frozenset(EVALUATED_FUNCTIONS) | _NOT_EVALUATED
# aggregates that may refer into a repeat from outside it
REPEAT_AGGREGATES = frozenset({"count", "sum", "max", "min", "indexed-repeat", "join", "count-non-empty"})

_NUMERIC_TEXT = re.compile(r"^\s*-?([0-9]+(\.[0-9]*)?|\.[0-9]+)\s*$")
_ARITH = frozenset({"+", "-", "*", "div", "mod"})
_ORDER = frozenset({"<", "<=", ">", ">="})


def code_key(code: object) -> str:
    """A choice code as text, the way XLSForm compares select answers (``1`` and ``'1'`` agree).

    >>> code_key(1), code_key("01"), code_key(2.0)
    ('1', '01', '2')
    """
    if isinstance(code, float) and code.is_integer():
        return str(int(code))
    return str(code)


#: Longest regex() pattern accepted (patterns run on every row).
MAX_REGEX_LENGTH = 500


def compile_regex(pattern: str) -> Any:
    """``pattern`` compiled with RE2, the linear-time engine: a user's pattern such as ``(a+)+$`` takes
    exponential time in Python's backtracking ``re`` (12 s on a 29-character answer, doubling per
    character), in RE2 microseconds. RE2 has no lookarounds or backreferences, and ``\\w`` means
    ``[0-9A-Za-z_]`` as in ODK (Java) regular expressions. Raises ``ValueError`` with RE2's reason."""
    import re2

    options = re2.Options()
    options.log_errors = False  # RE2 would print every bad pattern on stderr
    try:
        return re2.compile(pattern, options)
    except re2.error as exc:
        reason = exc.args[0].decode("utf-8", "replace") if exc.args and isinstance(exc.args[0], bytes) else exc
        raise ValueError(str(reason)) from None


def regex_problem(pattern: str) -> str | None:
    """Why a regex() pattern cannot be used, or ``None``.

    Patterns are run by RE2 (linear time, see :func:`compile_regex`), so lookaheads and
    backreferences are refused here, where the designer sees it.

    >>> regex_problem("^[0-9]{8}$") is None
    True
    >>> regex_problem("([a-z]")[:30]
    'the regex() pattern is invalid'
    >>> regex_problem("(?=a)b")
    'the regex() pattern is invalid: invalid perl operator: (?= (surveykit runs patterns with RE2, in time linear in the answer: no lookarounds (?=, (?!, (?<= or backreferences \\\\1)'
    """
    if len(pattern) > MAX_REGEX_LENGTH:
        return f"the regex() pattern has {len(pattern)} characters, more than {MAX_REGEX_LENGTH}"
    try:
        compile_regex(pattern)
    except ValueError as exc:
        hint = ""
        if any(t in pattern for t in ("(?=", "(?!", "(?<", "\\1", "\\2")):
            hint = (
                " (surveykit runs patterns with RE2, in time linear in the answer: no lookarounds (?=, (?!, "
                "(?<= or backreferences \\1)"
            )
        return f"the regex() pattern is invalid: {exc}{hint}"
    return None
