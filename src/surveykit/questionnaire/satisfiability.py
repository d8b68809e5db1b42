"""Conditions that can never be true: unreachable questions and unsatisfiable constraints.

Each question has a *domain* of possible answers: the codes of its choice list (missing codes
included), or the interval ``[min, max]`` of a number (plus its missing codes). A condition is
*never true* when, after intersecting the domains that its conjunctions demand, some question has no
value left -- e.g. ``${edad} < 18 and ${edad} >= 65``, ``${sexo} = '3'`` with codes 1/2, or ``. >= 10
and . <= 5``. The analysis is sound: it reports only conditions that are false for every possible
answer; it does not try to prove anything about ``not()``, ``!=`` combinations or arithmetic.

A reference to a question that is itself never asked is empty, so ``${q} = ...`` and
``selected(${q}, ...)`` are false.

>>> from surveykit.questionnaire.expression import parse_expression
>>> env = {"edad": Domain.interval(0, 120, integer=True)}
>>> never_true(parse_expression("${edad} < 18 and ${edad} >= 65").ast, env)
True
>>> never_true(parse_expression("${edad} < 18 or ${edad} >= 65").ast, env)
False
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from .expression import Binary, Call, Current, Node, Number, Ref, String
from .typecheck import code_key

__all__ = ["Domain", "never_true", "CURRENT"]

#: Key of the current answer ('.') in an environment.
CURRENT = "."
_NUMERIC = re.compile(r"^\s*-?([0-9]+(\.[0-9]*)?|\.[0-9]+)\s*$")
_FLIP = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "=": "=", "!=": "!="}
_NEGATE = {"<": ">=", "<=": ">", ">": "<=", ">=": "<", "=": "!=", "!=": "="}

Interval = tuple[float, bool, float, bool]  # lo, lo closed, hi, hi closed


def _nonempty(iv: Interval, integer: bool) -> bool:
    lo, lo_c, hi, hi_c = iv
    if not integer:
        return lo < hi or (lo == hi and lo_c and hi_c)
    first = lo if math.isinf(lo) else (lo if lo_c else lo + 1) if float(lo).is_integer() else math.ceil(lo)
    last = hi if math.isinf(hi) else (hi if hi_c else hi - 1) if float(hi).is_integer() else math.floor(hi)
    return first <= last


def _intersect(a: Interval, b: Interval) -> Interval:
    if a[0] > b[0] or (a[0] == b[0] and not a[1]):
        lo, lo_c = a[0], a[1]
    else:
        lo, lo_c = b[0], b[1]
    if a[2] < b[2] or (a[2] == b[2] and not a[3]):
        hi, hi_c = a[2], a[3]
    else:
        hi, hi_c = b[2], b[3]
    return (lo, lo_c, hi, hi_c)


@dataclass(frozen=True)
class Domain:
    """The possible values of an answer: numeric intervals, a set of text codes, or unknown.

    ``empty_only`` marks a question that is never asked (its value is always empty).
    """

    intervals: tuple[Interval, ...] | None = None
    texts: frozenset[str] | None = None
    integer: bool = False
    empty_only: bool = False

    @classmethod
    def interval(
        cls, lo: float | None, hi: float | None, integer: bool = False, points: tuple[float, ...] = ()
    ) -> Domain:
        """``[lo, hi]`` (unbounded where ``None``) plus extra points (missing codes)."""
        ivs: list[Interval] = [
            (
                -math.inf if lo is None else float(lo),
                lo is not None,
                math.inf if hi is None else float(hi),
                hi is not None,
            )
        ]
        ivs += [(float(p), True, float(p), True) for p in points]
        return cls(intervals=tuple(ivs), integer=integer)

    @classmethod
    def codes(cls, codes: list[object]) -> Domain:
        """The codes of a choice list: numeric points when all are numbers, else text codes."""
        keys = [code_key(c) for c in codes]
        if keys and all(_NUMERIC.match(k) for k in keys):
            return cls(intervals=tuple((float(k), True, float(k), True) for k in keys), integer=True)
        return cls(texts=frozenset(keys))

    def is_empty(self) -> bool:
        if self.intervals is not None:
            return not any(_nonempty(iv, self.integer) for iv in self.intervals)
        if self.texts is not None:
            return not self.texts
        return False

    def restrict(self, op: str, value: object) -> Domain:
        """The values that satisfy ``answer op value``."""
        if self.empty_only:
            return self if op == "!=" else Domain(intervals=(), integer=True)
        text = code_key(value) if not isinstance(value, str) else value
        if self.intervals is not None:
            if not _NUMERIC.match(text):
                # a number never equals a non-numeric text; other comparisons: unknown
                return Domain(intervals=(), integer=True) if op == "=" else self
            x = float(text)
            if op == "!=":
                return self
            wanted: list[Interval] = {
                "=": [(x, True, x, True)],
                "<": [(-math.inf, False, x, False)],
                "<=": [(-math.inf, False, x, True)],
                ">": [(x, False, math.inf, False)],
                ">=": [(x, True, math.inf, False)],
            }[op]
            return Domain(
                intervals=tuple(_intersect(a, b) for a in self.intervals for b in wanted), integer=self.integer
            )
        if self.texts is not None:
            if op == "=":
                return Domain(texts=self.texts & {text})
            if op == "!=":
                return Domain(texts=self.texts - {text})
        return self


_Env = dict[str, Domain]


def _literal(node: Node) -> object | None:
    if isinstance(node, Number):
        return node.value
    if isinstance(node, String):
        return node.value
    return None


def _var(node: Node) -> str | None:
    if isinstance(node, Ref):
        return node.name
    if isinstance(node, Current):
        return CURRENT
    return None


def _restrict(node: Node, env: _Env, negated: bool = False) -> _Env | None:
    """The environment narrowed by assuming ``node`` true (or false when ``negated``); ``None`` when
    that is impossible."""
    if isinstance(node, Binary) and node.op in ("and", "or"):
        conj = (node.op == "and") != negated  # De Morgan
        if conj:
            left = _restrict(node.left, env, negated)
            return None if left is None else _restrict(node.right, left, negated)
        left = _restrict(node.left, env, negated)
        right = _restrict(node.right, env, negated)
        if left is None and right is None:
            return None
        return env
    if isinstance(node, Call):
        if node.name in ("true", "false") and not node.args:
            holds = (node.name == "true") != negated
            return env if holds else None
        if node.name == "not" and len(node.args) == 1:
            return _restrict(node.args[0], env, not negated)
        if node.name == "selected" and len(node.args) == 2 and not negated:
            name, code = _var(node.args[0]), _literal(node.args[1])
            dom = env.get(name) if name else None
            if dom is None or code is None:
                return env
            if dom.empty_only:
                return None
            narrowed = dom.restrict("=", code)
            return None if narrowed.is_empty() else env  # several answers: only the code's existence
        return env
    if isinstance(node, Binary) and node.op in _FLIP:
        op = _NEGATE[node.op] if negated else node.op
        a, b = node.left, node.right
        name, value = _var(a), _literal(b)
        if name is None or value is None:
            name, value, op = _var(b), _literal(a), _FLIP[op]
        if name is None or value is None:
            la, lb = _literal(a), _literal(b)
            if la is not None and lb is not None and isinstance(la, (int, float)) and isinstance(lb, (int, float)):
                truth = {"=": la == lb, "!=": la != lb, "<": la < lb, "<=": la <= lb, ">": la > lb, ">=": la >= lb}[op]
                return env if truth else None
            return env
        dom = env.get(name)
        if dom is None:
            return env
        if value == "" and op in ("=", "!="):
            # '${q} = ""' tests emptiness: possible unless the question is never asked and op is '!='
            return None if (dom.empty_only and op == "!=") else env
        narrowed = dom.restrict(op, value)
        if narrowed.is_empty():
            return None
        return {**env, name: narrowed}
    if isinstance(node, (Number, String)) and not negated:
        truthy = bool(node.value) if isinstance(node, Number) else node.value != ""
        return env if truthy else None
    return env


def never_true(node: Node, env: _Env) -> bool:
    """Whether the condition ``node`` is false for every possible answer in ``env`` (name -> Domain;
    ``"."`` for the current answer; questions not in ``env`` may take any value).

    >>> from surveykit.questionnaire.expression import parse_expression
    >>> never_true(parse_expression("${sexo} = '3'").ast, {"sexo": Domain.codes([1, 2])})
    True
    >>> never_true(parse_expression(". >= 10 and . <= 5").ast, {".": Domain.interval(None, None)})
    True
    """
    return _restrict(node, env) is None
