"""The evaluator's core: data columns as nullable Series, coercions, operators, comparisons and function dispatch.

:mod:`surveykit.questionnaire.functions` adds the XLSForm functions; :func:`surveykit.questionnaire.evaluate.evaluate`
is the entry point and states the semantics.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from pandas.api import types as ptypes

from ..errors import ExpressionEvaluationError
from .expression import (
    Binary,
    Call,
    Current,
    Expr,
    Name,
    Negate,
    Node,
    Number,
    Parent,
    Ref,
    String,
    to_source,
)
from .typecheck import EVALUATED_FUNCTIONS

if TYPE_CHECKING:  # pragma: no cover
    from .questionnaire import Questionnaire

_NUMERIC_TEXT = re.compile(r"^\s*-?([0-9]+(\.[0-9]*)?|\.[0-9]+)\s*$")
_COMPARE = {
    "=": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}


def _is_na_scalar(v: Any) -> bool:
    return not isinstance(v, pd.Series) and v is not None and pd.api.types.is_scalar(v) and pd.isna(v) or v is None


def _kind(v: Any) -> str:
    """'num', 'str', 'bool', 'date' or 'na' for a Series or a scalar."""
    if isinstance(v, pd.Series):
        dt = v.dtype
        if ptypes.is_bool_dtype(dt):
            return "bool"
        if ptypes.is_numeric_dtype(dt):
            return "num"
        if ptypes.is_datetime64_any_dtype(dt):
            return "date"
        return "str"
    if _is_na_scalar(v):
        return "na"
    if isinstance(v, (bool, np.bool_)):
        return "bool"
    if isinstance(v, (int, float, np.number)):
        return "num"
    if isinstance(v, pd.Timestamp):
        return "date"
    return "str"


def _normalise(s: pd.Series) -> pd.Series:
    """A data column as a nullable Float64 / string / boolean / datetime64 Series."""
    if isinstance(s.dtype, pd.CategoricalDtype):
        s = s.astype(object)
    dt = s.dtype
    if ptypes.is_bool_dtype(dt):
        return s.astype("boolean")
    if ptypes.is_numeric_dtype(dt):
        return s.astype("Float64")
    if ptypes.is_datetime64_any_dtype(dt):
        return s
    inferred = ptypes.infer_dtype(s, skipna=True)
    if inferred in ("integer", "floating", "mixed-integer-float", "decimal"):
        return pd.to_numeric(s).astype("Float64")
    if inferred == "boolean":
        return s.astype("boolean")
    if inferred in ("datetime", "datetime64", "date"):
        return pd.to_datetime(s)
    return s.astype("string")


class _EvaluatorCore:
    def __init__(self, expr: Expr, df: pd.DataFrame, current: Any, questionnaire: Questionnaire | None) -> None:
        self.expr = expr
        self.src = expr.src
        self.df = df
        self.index = df.index
        self.questionnaire = questionnaire
        self.current_name: str | None = None
        self.current: pd.Series | None = None
        if isinstance(current, str):
            if current not in df.columns:
                raise self.error(
                    None,
                    f"the current column {current!r} ('.') is not in the data; pass current= the name of a column",
                    column=current,
                )
            self.current_name = current
            self.current = _normalise(df[current])
        elif isinstance(current, pd.Series):
            if not current.index.equals(df.index):
                raise self.error(None, "the current Series ('.') must have the same index as the data")
            self.current_name = str(current.name) if current.name is not None else None
            self.current = _normalise(current)

    # -- errors ----------------------------------------------------------------------------------
    def error(self, node: Node | None, what: str, column: str | None = None) -> ExpressionEvaluationError:
        offset = node.span[0] if node is not None else 0
        where = f" (at character {offset + 1})" if node is not None else ""
        return ExpressionEvaluationError(
            f"expression {self.src!r}{where}: {what}", expression=self.src, offset=offset, column=column
        )

    def _column_of(self, node: Node) -> str | None:
        if isinstance(node, Ref):
            return node.name
        if isinstance(node, Current):
            return self.current_name
        return None

    # -- helpers ---------------------------------------------------------------------------------
    def series(self, v: Any, dtype: str | None = None) -> pd.Series:
        if isinstance(v, pd.Series):
            return v
        if _is_na_scalar(v):
            return pd.Series(pd.NA, index=self.index, dtype=dtype or "boolean")
        if dtype is None:
            kind = _kind(v)
            dtype = {"num": "Float64", "bool": "boolean", "str": "string"}.get(kind)
        if dtype is None:
            return pd.Series([v] * len(self.index), index=self.index)
        return pd.Series(v, index=self.index, dtype=dtype)

    def to_number(self, v: Any, node: Node) -> Any:
        kind = _kind(v)
        if kind in ("num", "na"):
            return v
        if kind == "bool":
            return v.astype("Float64") if isinstance(v, pd.Series) else float(v)
        if kind == "date":
            raise self.error(
                node, f"{self._what(node)} is a date where a number is needed", column=self._column_of(node)
            )
        if not isinstance(v, pd.Series):
            if v == "":
                return pd.NA
            if not _NUMERIC_TEXT.match(v):
                raise self.error(node, f"the text {v!r} is not a number", column=self._column_of(node))
            return float(v)
        stripped = v.str.strip()
        converted = pd.to_numeric(stripped.mask(stripped == ""), errors="coerce").astype("Float64")
        bad = converted.isna() & stripped.notna() & (stripped != "")
        if bad.any():
            first = bad.idxmax()
            raise self.error(
                node,
                f"{self._what(node)} holds the text {v[first]!r} (row {first!r}), not a "
                "number; fix the data or compare it with text",
                column=self._column_of(node),
            )
        return converted

    def to_bool(self, v: Any, node: Node) -> Any:
        kind = _kind(v)
        if kind == "bool":
            return v.astype("boolean") if isinstance(v, pd.Series) else bool(v)
        if kind == "na":
            return pd.NA
        if kind == "num":
            return (v != 0).astype("boolean") if isinstance(v, pd.Series) else v != 0
        if kind == "str":
            return (v.str.len() > 0).astype("boolean") if isinstance(v, pd.Series) else len(v) > 0
        if isinstance(v, pd.Series):
            return v.notna().astype("boolean")  # a date: true where present (XPath boolean of a node)
        return not pd.isna(v)

    def _what(self, node: Node) -> str:
        col = self._column_of(node)
        if isinstance(node, Current) and col:
            return f"'.' (column {col!r})"
        return to_source(node)

    @staticmethod
    def _na_mask(v: Any) -> Any:
        if isinstance(v, pd.Series):
            return v.isna()
        return _is_na_scalar(v)

    # -- nodes -----------------------------------------------------------------------------------
    def visit(self, node: Node) -> Any:
        if isinstance(node, Number):
            return node.value
        if isinstance(node, String):
            return node.value
        if isinstance(node, Ref):
            return self.column(node)
        if isinstance(node, Current):
            if self.current is None:
                raise self.error(node, "'.' needs the current column: pass current='column name'")
            return self.current
        if isinstance(node, (Parent, Name)):
            raise self.error(
                node,
                f"{'..' if isinstance(node, Parent) else node.name!r} cannot be "
                "evaluated on a table (bare names only work in choice filters)",
            )
        if isinstance(node, Negate):
            v = self.to_number(self.visit(node.operand), node.operand)
            return -v
        if isinstance(node, Binary):
            return self.binary(node)
        if isinstance(node, Call):
            return self.call(node)
        raise TypeError(node)  # pragma: no cover

    def column(self, node: Ref) -> pd.Series:
        name = node.name
        if name in self.df.columns:
            return _normalise(self.df[name])
        binary = [c for c in self.df.columns if isinstance(c, str) and c.startswith(name + "_")]
        if binary and self._is_select_multiple(name):
            raise self.error(
                node,
                f"${{{name}}} is stored as 0/1 columns ({', '.join(binary[:3])}, ...): "
                "use selected() or count-selected()",
                column=name,
            )
        raise self.error(
            node, f"column {name!r} (${{{name}}}) is not in the data; check the name or add the column", column=name
        )

    def _is_select_multiple(self, name: str) -> bool:
        q = self.questionnaire
        if q is None:
            return True
        try:
            return q.question(name).type == "select_multiple"
        except Exception:  # noqa: BLE001  (unknown to the questionnaire: not a select_multiple)
            return False

    def binary(self, node: Binary) -> Any:
        op = node.op
        if op in ("and", "or"):
            a = self.series(self.to_bool(self.visit(node.left), node.left), "boolean")
            b = self.series(self.to_bool(self.visit(node.right), node.right), "boolean")
            return (a & b) if op == "and" else (a | b)
        a = self.visit(node.left)
        b = self.visit(node.right)
        if op in _COMPARE:
            return self.compare(op, a, b, node)
        a = self.to_number(a, node.left) if _kind(a) != "date" else a
        b = self.to_number(b, node.right) if _kind(b) != "date" else b
        ka, kb = _kind(a), _kind(b)
        if "date" in (ka, kb):
            if op == "-" and ka == kb == "date":
                diff = self.series(a) - self.series(b)
                return (diff.dt.total_seconds() / 86400.0).astype("Float64")
            raise self.error(node, f"'{op}' is not defined for dates here; subtract two dates to get days")
        if ka == "na" or kb == "na":
            return pd.Series(pd.NA, index=self.index, dtype="Float64")
        if op == "+":
            return a + b
        if op == "-":
            return a - b
        if op == "*":
            return a * b
        if op == "div":
            with np.errstate(divide="ignore", invalid="ignore"):
                return self.series(a, "Float64") / b
        with np.errstate(divide="ignore", invalid="ignore"):  # mod: sign of the dividend, as XPath
            return (
                pd.Series(
                    np.fmod(self.series(a, "Float64").astype("float64"), self.series(b, "Float64").astype("float64")),
                    index=self.index,
                )
                .astype("Float64")
                .mask(self._either_na(a, b))
            )

    def _either_na(self, a: Any, b: Any) -> pd.Series:
        return self.series(self._na_mask(a), "boolean").fillna(True).astype(bool) | self.series(
            self._na_mask(b), "boolean"
        ).fillna(True).astype(bool)

    def _empty_test(self, op: str, value: Any) -> pd.Series:
        s = self.series(value)
        empty = s.isna()
        if _kind(s) == "str":
            empty = empty | (s == "").fillna(False).astype(bool)
        empty = empty.astype("boolean")
        return empty if op == "=" else ~empty

    def compare(self, op: str, a: Any, b: Any, node: Binary) -> pd.Series:
        # ${q} = '' tests emptiness, as in ODK
        if op in ("=", "!=") and isinstance(node.right, String) and node.right.value == "":
            return self._empty_test(op, a)
        if op in ("=", "!=") and isinstance(node.left, String) and node.left.value == "":
            return self._empty_test(op, b)
        ka, kb = _kind(a), _kind(b)
        if ka == "na" or kb == "na":
            return pd.Series(pd.NA, index=self.index, dtype="boolean")
        if ka != kb:
            if "date" in (ka, kb):
                a, b = self._as_dates(a, node.left), self._as_dates(b, node.right)
            elif "num" in (ka, kb) or "bool" in (ka, kb) and op not in ("=", "!="):
                a, b = self.to_number(a, node.left), self.to_number(b, node.right)
            elif "bool" in (ka, kb):
                a, b = self.to_bool(a, node.left), self.to_bool(b, node.right)
        elif ka == "str" and op not in ("=", "!="):
            a, b = self.to_number(a, node.left), self.to_number(b, node.right)  # XPath: '<' on numbers
        if _kind(a) == "na" or _kind(b) == "na":
            return pd.Series(pd.NA, index=self.index, dtype="boolean")
        result = self.series(_COMPARE[op](a, b))
        result = result.astype("boolean")
        if _kind(a) == "date" or _kind(b) == "date":  # NaT compares False in numpy: make it NA
            result = result.mask(self._either_na(a, b))
        return result

    def _as_dates(self, v: Any, node: Node) -> Any:
        if _kind(v) == "date":
            return v
        if _kind(v) == "str":
            try:
                return pd.to_datetime(v) if isinstance(v, pd.Series) else pd.Timestamp(v)
            except (ValueError, TypeError):
                raise self.error(
                    node, f"{self._what(node)} is not a date (write 'YYYY-MM-DD')", column=self._column_of(node)
                ) from None
        raise self.error(
            node, f"{self._what(node)} is compared with a date; compare dates with dates", column=self._column_of(node)
        )

    # -- functions -------------------------------------------------------------------------------
    def call(self, node: Call) -> Any:
        name = node.name
        if name not in EVALUATED_FUNCTIONS:
            raise self.error(node, f"{name}() cannot be evaluated by surveykit on a table")
        lo, hi = EVALUATED_FUNCTIONS[name]
        if len(node.args) < lo or (hi is not None and len(node.args) > hi):
            raise self.error(node, f"{name}() takes {lo}{'' if hi == lo else '+'} arguments")
        method = getattr(self, "fn_" + name.replace("-", "_"))
        return method(node, *node.args)
