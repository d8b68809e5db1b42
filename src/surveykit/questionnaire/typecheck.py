"""Static type checking of expressions against the questions they refer to.

Each question has a value type (:class:`VType`): a number, text, a date, a select-one code, a set of
select-multiple codes, a boolean (a calculate declared boolean) or unknown. :func:`check` walks the
syntax tree and returns the type of the expression and every problem found, each with its span, so
lint can point at the exact characters. Unknown references are not reported here (lint does, with
their own code); they are typed as unknown.

>>> from surveykit.questionnaire.expression import parse_expression
>>> ctx = CheckContext(lookup={"edad": RefInfo(VType.NUMBER)}.get, role="relevant")
>>> t, issues = check(parse_expression("${edad} + 'x' > 1").ast, ctx)
>>> t, [i.message for i in issues]
(<VType.BOOLEAN: 'boolean'>, ["'+' needs numbers but 'x' is text"])
"""

from __future__ import annotations

import re
from typing import Any

from ..rules import Severity
from .expression import (
    Binary,
    Call,
    Current,
    Name,
    Negate,
    Node,
    Number,
    Parent,
    Ref,
    String,
    to_source,
)
from .exprtypes import (
    _ARITH,
    _NUMERIC_TEXT,
    _ORDER,
    EVALUATED_FUNCTIONS,
    KNOWN_FUNCTIONS,
    MAX_REGEX_LENGTH,
    REPEAT_AGGREGATES,
    CheckContext,
    RefInfo,
    TypeIssue,
    VType,
    code_key,
    compile_regex,
    regex_problem,
)
from .lint_rules import Phrase, phrase
from .lint_rules import severity as rule_severity

__all__ = [
    "VType",
    "RefInfo",
    "CheckContext",
    "TypeIssue",
    "check",
    "EVALUATED_FUNCTIONS",
    "KNOWN_FUNCTIONS",
    "code_key",
    "REPEAT_AGGREGATES",
    "compile_regex",
    "regex_problem",
    "MAX_REGEX_LENGTH",
]


def _type(t: VType) -> Phrase:
    """The name of value type ``t``, worded per language."""
    return phrase(f"type.{t.value}")


def _describe(node: Node, t: VType) -> str:
    text = to_source(node) if not isinstance(node, String) else repr(node.value)
    if len(text) > 40:
        text = text[:37] + "..."
    return text


class _Checker:
    def __init__(self, ctx: CheckContext) -> None:
        self.ctx = ctx
        self.issues: list[TypeIssue] = []

    def issue(
        self, node: Node, key: str, /, code: str = "SK302", severity: Severity | None = None, **fields: Any
    ) -> None:
        """Report ``code`` worded by the phrase ``key`` with ``fields``, with the catalogue's severity
        (``severity="warning"`` where only suspicious)."""
        detail = phrase(key, **fields)
        self.issues.append(TypeIssue(code, rule_severity(code, severity), detail.render("en"), node.span, detail))

    # -- literals and references -----------------------------------------------------------
    def visit(self, node: Node) -> VType:
        if isinstance(node, Number):
            return VType.NUMBER
        if isinstance(node, String):
            return VType.TEXT
        if isinstance(node, Ref):
            info = self.ctx.lookup(node.name)
            if info is None:
                return VType.ANY
            if info.vtype is VType.NONE:
                self.issue(node, "tc.note", name=node.name)
                return VType.ANY
            return info.vtype
        if isinstance(node, Current):
            if self.ctx.current is None:
                self.issue(node, "tc.current", code="SK305", role=phrase(f"in.{self.ctx.role}"))
                return VType.ANY
            return self.ctx.current.vtype
        if isinstance(node, Parent):
            self.issue(node, "tc.parent", code="SK305")
            return VType.ANY
        if isinstance(node, Name):
            return self.visit_name(node)
        if isinstance(node, Negate):
            t = self.visit(node.operand)
            if t not in (VType.NUMBER, VType.ANY, VType.CODE):
                self.issue(node, "tc.negate", expr=_describe(node.operand, t), type=_type(t))
            return VType.NUMBER
        if isinstance(node, Binary):
            return self.visit_binary(node)
        if isinstance(node, Call):
            return self.visit_call(node)
        raise TypeError(node)  # pragma: no cover

    def visit_name(self, node: Name) -> VType:
        columns = self.ctx.choice_columns
        if columns is None:
            if self.ctx.role == "required":
                self.issue(node, "tc.required", code="SK306", name=node.name)
            else:
                self.issue(node, "tc.bare_name", code="SK309", name=node.name)
            return VType.ANY
        if node.name not in columns and node.name not in ("name", "label"):
            self.issue(node, "tc.filter_column", code="SK411", name=node.name)
        return VType.TEXT

    # -- operators ---------------------------------------------------------------------------
    def _codes_of(self, node: Node) -> frozenset[str] | None:
        if isinstance(node, Ref):
            info = self.ctx.lookup(node.name)
            return info.codes if info else None
        if isinstance(node, Current) and self.ctx.current is not None:
            return self.ctx.current.codes
        return None

    def _check_code_literal(self, select: Node, literal: Node) -> None:
        codes = self._codes_of(select)
        if codes is None or not isinstance(literal, (String, Number)):
            return
        value = literal.value if isinstance(literal, String) else code_key(literal.value)
        if value == "":
            return
        if value not in codes:
            listed = ", ".join(sorted(codes, key=lambda c: (len(c), c))[:12])
            self.issue(literal, "tc.unknown_code", code="SK308", value=value, select=to_source(select), codes=listed)

    def visit_binary(self, node: Binary) -> VType:
        lt = self.visit(node.left)
        rt = self.visit(node.right)
        op = node.op
        if op in ("and", "or"):
            for side, t in ((node.left, lt), (node.right, rt)):
                if t not in (VType.BOOLEAN, VType.ANY):
                    self.issue(side, "tc.joins", op=op, expr=_describe(side, t), type=phrase(f"type_a.{t.value}"))
            return VType.BOOLEAN
        if op in _ARITH:
            for side, t in ((node.left, lt), (node.right, rt)):
                if t in (VType.TEXT, VType.BOOLEAN, VType.CODES):
                    hint = phrase("tc.hint_count_selected") if t is VType.CODES else phrase("hint.none")
                    self.issue(side, "tc.arithmetic", op=op, expr=_describe(side, t), type=_type(t), hint=hint)
            return VType.NUMBER
        # comparisons; "= ''" tests whether any answer is empty
        if op in ("=", "!=") and any(isinstance(x, String) and x.value == "" for x in (node.left, node.right)):
            return VType.BOOLEAN
        for select, st, other in ((node.left, lt, node.right), (node.right, rt, node.left)):
            if st is VType.CODES and not (isinstance(other, String) and other.value == ""):
                self.issue(node, "tc.compare_multiple", select=to_source(select))
                return VType.BOOLEAN
            if st is VType.CODE:
                self._check_code_literal(select, other)
        pair = {lt, rt}
        if VType.ANY in pair or lt == rt or pair <= {VType.CODE, VType.NUMBER, VType.TEXT}:
            if op in _ORDER and (lt is VType.BOOLEAN or rt is VType.BOOLEAN):
                self.issue(node, "tc.order_conditions", op=op)
            elif (
                op in _ORDER
                and pair == {VType.TEXT}
                and not (_is_numeric_literal(node.left) or _is_numeric_literal(node.right))
            ):
                self.issue(node, "tc.order_text", severity="warning", op=op)
            elif VType.TEXT in pair and VType.NUMBER in pair:
                self._number_vs_text(node)
            return VType.BOOLEAN
        if pair == {VType.DATE, VType.TEXT}:
            return VType.BOOLEAN  # a date against a literal 'YYYY-MM-DD' (checked at evaluation)
        if pair == {VType.DATE, VType.NUMBER} and op in _ORDER:
            return VType.BOOLEAN  # ODK dates are numbers of days
        self.issue(
            node,
            "tc.compare_types",
            op=op,
            left=_describe(node.left, lt),
            left_type=_type(lt),
            right=_describe(node.right, rt),
            right_type=_type(rt),
        )
        return VType.BOOLEAN

    def _number_vs_text(self, node: Binary) -> None:
        for side in (node.left, node.right):
            if isinstance(side, String) and side.value != "" and not _NUMERIC_TEXT.match(side.value):
                self.issue(side, "tc.number_vs_text", text=side.value)
            elif not isinstance(side, (String, Number)):
                continue

    # -- functions ---------------------------------------------------------------------------
    def visit_call(self, node: Call) -> VType:
        name = node.name
        if name not in KNOWN_FUNCTIONS:
            self.issue(
                node, "tc.unknown_function", code="SK303", name=name, known=", ".join(sorted(EVALUATED_FUNCTIONS))
            )
            for a in node.args:
                self.visit(a)
            return VType.ANY
        if name == "position" and len(node.args) == 1 and isinstance(node.args[0], Parent):
            self.issue(node, "tc.position", code="SK304")
            return VType.NUMBER
        if name not in EVALUATED_FUNCTIONS:
            self.issue(node, "tc.not_evaluated", code="SK304", name=name)
            for a in node.args:
                self.visit(a)  # for the problems inside the arguments
            return VType.NUMBER if name in ("count", "sum", "max", "min", "count-non-empty") else VType.ANY
        lo, hi = EVALUATED_FUNCTIONS[name]
        n = len(node.args)
        if n < lo or (hi is not None and n > hi):
            one = "_one" if hi == 1 else ""  # 'argument' in the singular
            want = (
                phrase(f"tc.args_exact{one}", lo=lo)
                if lo == hi
                else phrase("tc.args_more", lo=lo)
                if hi is None
                else phrase(f"tc.args_range{one}", lo=lo, hi=hi)
            )
            self.issue(node, "tc.arguments", name=name, want=want, n=n)
            for a in node.args:
                self.visit(a)
            return VType.ANY
        method = getattr(self, "fn_" + name.replace("-", "_"), None)
        if method is not None:
            return method(node)
        types = [self.visit(a) for a in node.args]
        return self._simple(node, types)

    def _expect(self, node: Node, t: VType, allowed: tuple[VType, ...], fn: str) -> None:
        if t not in allowed and t is not VType.ANY:
            want = _type(allowed[0])
            for other in allowed[1:]:
                want = phrase("tc.either", a=want, b=_type(other))
            self.issue(node, "tc.expect", fn=fn, want=want, expr=_describe(node, t), type=_type(t))

    def _simple(self, node: Call, types: list[VType]) -> VType:
        name, args = node.name, node.args
        num = (VType.NUMBER, VType.CODE)
        if name in ("true", "false", "boolean"):
            return VType.BOOLEAN
        if name == "not":
            self._expect(args[0], types[0], (VType.BOOLEAN,), name)
            return VType.BOOLEAN
        if name in ("string-length",):
            self._expect(args[0], types[0], (VType.TEXT, VType.CODE), name)
            return VType.NUMBER
        if name in ("int", "abs", "floor", "ceiling", "sqrt", "round", "pow"):
            for a, t in zip(args, types):
                self._expect(a, t, num, name)
            return VType.NUMBER
        if name == "number":
            return VType.NUMBER
        if name in ("string", "concat"):
            return VType.TEXT
        if name in ("today", "now"):
            return VType.DATE
        if name == "date":
            self._expect(args[0], types[0], (VType.TEXT,), name)
            return VType.DATE
        if name in ("contains", "starts-with", "ends-with"):
            for a, t in zip(args, types):
                self._expect(a, t, (VType.TEXT, VType.CODE), name)
            return VType.BOOLEAN
        if name == "substr":
            self._expect(args[0], types[0], (VType.TEXT, VType.CODE), name)
            for a, t in zip(args[1:], types[1:]):
                self._expect(a, t, num, name)
            return VType.TEXT
        return VType.ANY  # pragma: no cover

    def fn_selected(self, node: Call) -> VType:
        target, code = node.args
        t = self.visit(target)
        self.visit(code)
        if not isinstance(target, (Ref, Current)):
            self.issue(target, "tc.selected_question")
        elif t is VType.CODE:
            self.issue(node, "tc.selected_one", severity="warning", target=to_source(target), value=to_source(code))
        elif t not in (VType.CODES, VType.ANY):
            self.issue(target, "tc.selected_type", target=to_source(target), type=_type(t))
        if not isinstance(code, (String, Number)):
            self.issue(code, "tc.selected_literal", severity="warning")
        elif t in (VType.CODES, VType.CODE):
            self._check_code_literal(target, code)
        return VType.BOOLEAN

    def fn_count_selected(self, node: Call) -> VType:
        target = node.args[0]
        t = self.visit(target)
        if not isinstance(target, (Ref, Current)) or t not in (VType.CODES, VType.ANY):
            self.issue(target, "tc.count_selected", target=to_source(target), type=_type(t))
        return VType.NUMBER

    def _unify(self, node: Call, a: Node, at: VType, b: Node, bt: VType) -> VType:
        if at is VType.ANY:
            return bt
        if bt is VType.ANY or at == bt:
            return at
        if {at, bt} <= {VType.CODE, VType.NUMBER, VType.TEXT}:
            return VType.CODE if VType.CODE in (at, bt) else VType.ANY
        self.issue(
            node, "tc.mixes", name=node.name, a_type=_type(at), a=_describe(a, at), b_type=_type(bt), b=_describe(b, bt)
        )
        return VType.ANY

    def fn_if(self, node: Call) -> VType:
        cond, yes, no = node.args
        ct = self.visit(cond)
        if ct not in (VType.BOOLEAN, VType.ANY):
            self.issue(cond, "tc.if_condition", expr=_describe(cond, ct), type=_type(ct))
        return self._unify(node, yes, self.visit(yes), no, self.visit(no))

    def fn_coalesce(self, node: Call) -> VType:
        a, b = node.args
        return self._unify(node, a, self.visit(a), b, self.visit(b))

    def fn_regex(self, node: Call) -> VType:
        text, pattern = node.args
        self._expect(text, self.visit(text), (VType.TEXT, VType.CODE), "regex")
        self.visit(pattern)
        if not isinstance(pattern, String):
            self.issue(pattern, "tc.regex_literal")
        else:
            problem = regex_problem(pattern.value)
            if problem:
                self.issue(pattern, "tc.regex_problem", problem=problem)
        return VType.BOOLEAN

    def fn_date(self, node: Call) -> VType:
        arg = node.args[0]
        self._expect(arg, self.visit(arg), (VType.TEXT,), "date")
        if isinstance(arg, String) and not re.match(r"^\d{4}-\d{2}-\d{2}$", arg.value):
            self.issue(arg, "tc.date_format", value=arg.value)
        return VType.DATE


def _is_numeric_literal(node: Node) -> bool:
    return isinstance(node, Number) or (isinstance(node, String) and bool(_NUMERIC_TEXT.match(node.value)))


_ROLE_NEEDS = ("relevant", "constraint", "required", "choice_filter")


def check(node: Node, ctx: CheckContext) -> tuple[VType, list[TypeIssue]]:
    """Type-check ``node`` in its context; returns its type and the problems found.

    Relevance, constraints, required and choice filters must be conditions; a repeat count a number.

    >>> from surveykit.questionnaire.expression import parse_expression
    >>> ctx = CheckContext(lookup={"p5": RefInfo(VType.CODES, frozenset({"1", "2"}))}.get)
    >>> [i.message for i in check(parse_expression("${p5} = '1'").ast, ctx)[1]]
    ["${p5} is a select_multiple: test one answer with selected(${p5}, 'code') or count them with count-selected()"]
    """
    checker = _Checker(ctx)
    t = checker.visit(node)
    if ctx.role in _ROLE_NEEDS and t not in (VType.BOOLEAN, VType.ANY):
        checker.issue(
            node,
            "tc.condition",
            code="SK306" if ctx.role == "required" else "SK302",
            what=phrase(f"role.{ctx.role}"),
            type=_type(t),
            expr=_describe(node, t),
        )
    elif ctx.role == "repeat_count" and t not in (VType.NUMBER, VType.CODE, VType.ANY):
        checker.issue(node, "tc.repeat_count", type=_type(t))
    return t, checker.issues
