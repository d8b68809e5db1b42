"""What every lint rule family shares: the form's entries, how a problem is reported and located."""

from __future__ import annotations

import re
from typing import Any

from ...rules import Severity
from ..expression import Expr, Node
from ..items import Group, MissingCode, Repeat, _QuestionBase
from ..lint_rules import LINT_RULES, Phrase, phrase
from ..problems import Location, Problem
from ..questionnaire import Questionnaire
from ..typecheck import RefInfo, VType, code_key

#: Well-formed BCP-47 tags of the usual shapes: language[-Script][-REGION][-variant...].
BCP47_PATTERN = r"^[A-Za-z]{2,3}(-[A-Za-z]{4})?(-([A-Za-z]{2}|[0-9]{3}))?(-([A-Za-z0-9]{5,8}|[0-9][A-Za-z0-9]{3}))*$"
_BCP47 = re.compile(BCP47_PATTERN)
_XML_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]*$")
_STATA_MAX_INT = 2_147_483_620
_SPSS_VAR_LABEL_BYTES = 256
_STATA_VAR_LABEL_CHARS = 80
_SPSS_VALUE_LABEL_BYTES = 120

#: Lint codes and what each checks (the English text of :data:`~surveykit.questionnaire.lint_rules.LINT_RULES`).
RULES: dict[str, str] = {rule.code: rule.en for rule in LINT_RULES}


def _ref_info(question: _QuestionBase, q: Questionnaire, missing: list[MissingCode]) -> RefInfo:
    t = question.type
    label = next(iter(question.label.values()), "")
    if t in ("integer", "decimal") or (t == "range"):
        return RefInfo(VType.NUMBER, label=label)
    if t in ("select_one", "select_multiple"):
        lst = q.choice_lists.get(question.choices)  # type: ignore[attr-defined]
        codes = None
        if lst is not None:
            codes = frozenset(code_key(c) for c in [*lst.codes(), *(m.code for m in missing)])
        return RefInfo(VType.CODE if t == "select_one" else VType.CODES, codes, label)
    if t in ("date", "datetime", "time", "today", "start", "end"):
        return RefInfo(VType.DATE, label=label)
    if t == "calculate":
        rt = question.result_type  # type: ignore[attr-defined]
        return RefInfo(
            {
                "integer": VType.NUMBER,
                "decimal": VType.NUMBER,
                "text": VType.TEXT,
                "boolean": VType.BOOLEAN,
                "date": VType.DATE,
            }.get(rt or "", VType.ANY),
            label=label,
        )
    if t == "note":
        return RefInfo(VType.NONE, label=label)
    if t in ("text", "deviceid", "username", "phonenumber", "simserial", "subscriberid", "email", "barcode"):
        return RefInfo(VType.TEXT, label=label)
    return RefInfo(VType.ANY, label=label)


class _Entry:
    """An item of the form with what lint needs to know about it."""

    __slots__ = ("ptr", "item", "parents", "order", "repeat_path", "is_question", "missing")

    def __init__(self, ptr: str, item: Any, parents: tuple, order: int) -> None:
        self.ptr = ptr
        self.item = item
        self.parents = parents
        self.order = order
        self.is_question = not isinstance(item, (Group, Repeat))
        # enclosing repeats: a repeat's own relevance and count are evaluated outside it
        self.repeat_path = tuple(p.name for p in parents if isinstance(p, Repeat))
        self.missing: list[MissingCode] = []


class LintContext:
    """The questionnaire being linted, its items in form order, and the problems found so far."""

    def __init__(self, q: Questionnaire, language: str | None = "en") -> None:
        self.q = q
        self.language = language
        self.problems: list[Problem] = []
        self.entries = [_Entry(p, item, parents, i) for i, (p, item, parents) in enumerate(q.walk())]
        self.first: dict[str, _Entry] = {}
        self.by_pointer = {e.ptr: e for e in self.entries}
        for e in self.entries:
            self.first.setdefault(e.item.name, e)
            if e.is_question:
                e.missing = q.missing_codes_for(e.item)
        self.infos: dict[str, RefInfo] = {
            name: _ref_info(e.item, q, e.missing) for name, e in self.first.items() if e.is_question
        }
        self.parsed: dict[tuple[str, str], Node] = {}  # (ptr, field) -> AST
        self.unreachable: set[str] = set()
        # (entry, field, role, expression, AST, pointer) of every expression that parses
        self.expressions: list[tuple[_Entry, str, str, Expr, Node, str]] = []

    # -- reporting -----------------------------------------------------------------------------
    def loc(self, ptr: str, offset: int | None = None) -> Location:
        if self.q.source is not None:
            return self.q.source.locate(ptr, offset)
        return Location(pointer=ptr, offset=offset)

    def add(
        self,
        code: str,
        variant: str,
        ptr: str,
        offset: int | None = None,
        expression: str | None = None,
        /,
        *,
        severity: Severity | None = None,
        **fields: Any,
    ) -> None:
        """Report rule ``code`` worded by its message ``variant`` with ``fields``, in the lint's language,
        with the catalogue's severity (``severity`` only where the rule allows it)."""
        loc = self.loc(ptr, offset)
        self.problems.append(
            Problem.from_rule(code, variant, loc, expression, language=self.language, severity=severity, **fields)
        )

    def where(self, entry: _Entry) -> Phrase:
        loc = self.loc(entry.ptr)
        if loc.row is not None:
            return phrase("where.row", sheet=loc.sheet, row=loc.row)
        if loc.line is not None:
            return phrase("where.line", line=loc.line)
        return phrase("where.pointer", pointer=entry.ptr)


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


def _range_text(lo: float | None, hi: float | None) -> str:
    return f"{'-inf' if lo is None else _num(lo)}..{'inf' if hi is None else _num(hi)}"


def _clip(text: str, n: int = 40) -> str:
    return text if len(text) <= n else text[: n - 3] + "..."
