"""Vectorised evaluation of expressions over a pandas DataFrame (one value per row).

The data checks and the synthetic data evaluate relevance, constraints and calculations on whole
tables at once: each syntax node becomes one pandas operation over all rows, never a Python loop over
rows and never ``eval``.

Semantics
---------
* ``${q}`` is the column ``q``; ``.`` is the ``current`` column. Numbers become nullable ``Float64``,
  text nullable ``string``, booleans nullable ``boolean``; dates stay ``datetime64``.
* **Missing values** (NaN, None, NA, NaT) propagate as NA with three-valued (Kleene) logic: ``NA and
  False`` is False, ``NA or True`` is True, any other operation on NA is NA. So a relevance that is NA
  means "cannot tell" (an answer it depends on is missing), not "not relevant".
* ``${q} = ''`` and ``${q} != ''`` test whether ``q`` is empty (NA or the empty text), as in ODK.
* Select answers compare as codes: ``${sexo} = '1'`` is true where the numeric column holds 1.
  Text compared with a number is read as a number; a value that is not a number raises
  :class:`~surveykit.ExpressionEvaluationError` naming the column and a row (nothing is silently coerced).
* select_multiple answers may be stored either as one text column ``q`` of space-separated codes (ODK
  CSV) or as 0/1 columns ``q_<code>`` (SPSS/Stata convention); ``selected()`` and ``count-selected()``
  work on both. With 0/1 columns, ``count-selected()`` uses the codes of the question's choice list
  when a ``questionnaire`` is given, otherwise every numeric 0/1 column named ``q_*``.
* ``div`` by zero gives ±inf (as XPath); ``mod`` keeps the sign of the dividend (XPath).
* ``concat()`` treats a missing value as empty text; ``coalesce(a, b)`` takes ``b`` where ``a`` is
  missing or empty.

>>> import pandas as pd
>>> from surveykit.questionnaire.expression import Expr
>>> df = pd.DataFrame({"edad": [15, 40, None], "p5": ["1 3", "", None]})
>>> Expr("${edad} >= 18 and selected(${p5}, '3')").evaluate(df).tolist()
[False, False, <NA>]
>>> Expr("count-selected(${p5})").evaluate(df).tolist()
[2.0, 0.0, <NA>]
"""

from __future__ import annotations

import re
from typing import Any

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
from .typecheck import EVALUATED_FUNCTIONS, code_key, compile_regex, regex_problem

__all__ = ["evaluate"]

_NUMERIC_TEXT = re.compile(r"^\s*-?([0-9]+(\.[0-9]*)?|\.[0-9]+)\s*$")
_COMPARE = {
    "=": lambda a, b: a == b, "!=": lambda a, b: a != b, "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b, ">": lambda a, b: a > b, ">=": lambda a, b: a >= b,
}


def _is_na_scalar(v: Any) -> bool:
    return not isinstance(v, pd.Series) and v is not None and pd.api.types.is_scalar(v) and pd.isna(v) \
        or v is None


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


class _Evaluator:
    def __init__(self, expr: Expr, df: pd.DataFrame, current: Any, questionnaire: Any) -> None:
        self.expr = expr
        self.src = expr.src
        self.df = df
        self.index = df.index
        self.questionnaire = questionnaire
        self.current_name: str | None = None
        self.current: pd.Series | None = None
        if isinstance(current, str):
            if current not in df.columns:
                raise self.error(None, f"the current column {current!r} ('.') is not in the data; pass "
                                 "current= the name of a column", column=current)
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
        return ExpressionEvaluationError(f"expression {self.src!r}{where}: {what}", expression=self.src,
                                         offset=offset, column=column)

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
            raise self.error(node, f"{self._what(node)} is a date where a number is needed",
                             column=self._column_of(node))
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
            raise self.error(node, f"{self._what(node)} holds the text {v[first]!r} (row {first!r}), not a "
                             "number; fix the data or compare it with text", column=self._column_of(node))
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
            raise self.error(node, f"{'..' if isinstance(node, Parent) else node.name!r} cannot be "
                             "evaluated on a table (bare names only work in choice filters)")
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
            raise self.error(node, f"${{{name}}} is stored as 0/1 columns ({', '.join(binary[:3])}, ...): "
                             "use selected() or count-selected()", column=name)
        raise self.error(node, f"column {name!r} (${{{name}}}) is not in the data; check the name or add "
                         "the column", column=name)

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
            return pd.Series(np.fmod(self.series(a, "Float64").astype("float64"),
                                     self.series(b, "Float64").astype("float64")),
                             index=self.index).astype("Float64").mask(self._either_na(a, b))

    def _either_na(self, a: Any, b: Any) -> pd.Series:
        return self.series(self._na_mask(a), "boolean").fillna(True).astype(bool) | \
            self.series(self._na_mask(b), "boolean").fillna(True).astype(bool)

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
                raise self.error(node, f"{self._what(node)} is not a date (write 'YYYY-MM-DD')",
                                 column=self._column_of(node)) from None
        raise self.error(node, f"{self._what(node)} is compared with a date; compare dates with dates",
                         column=self._column_of(node))

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

    def fn_true(self, node: Call) -> bool:
        return True

    def fn_false(self, node: Call) -> bool:
        return False

    def fn_not(self, node: Call, x: Node) -> Any:
        v = self.to_bool(self.visit(x), x)
        if isinstance(v, pd.Series):
            return ~v
        return pd.NA if _is_na_scalar(v) else not v

    def fn_boolean(self, node: Call, x: Node) -> Any:
        return self.to_bool(self.visit(x), x)

    def _select_column(self, target: Node) -> tuple[str | None, pd.Series | None]:
        if isinstance(target, Current):
            if self.current is None:
                raise self.error(target, "'.' needs the current column: pass current='column name'")
            return self.current_name, self.current
        if not isinstance(target, Ref):
            raise self.error(target, "selected() and count-selected() take a question, e.g. ${q}")
        if target.name in self.df.columns:
            return target.name, _normalise(self.df[target.name])
        return target.name, None

    def fn_selected(self, node: Call, target: Node, code_node: Node) -> pd.Series:
        name, s = self._select_column(target)
        code = self.visit(code_node)
        if isinstance(code, pd.Series):
            raise self.error(code_node, "the code in selected() must be a literal, e.g. '1'")
        key = code_key(code)
        if s is not None:
            if _kind(s) == "num":  # a select_one stored as numeric codes
                if not _NUMERIC_TEXT.match(key):
                    return pd.Series(False, index=self.index, dtype="boolean").mask(s.isna())
                return (s == float(key)).astype("boolean")
            s = s.astype("string")
            return s.str.contains(rf"(?:^|\s){re.escape(key)}(?:\s|$)", regex=True).astype("boolean")
        column = f"{name}_{key}"
        if column in self.df.columns:
            b = self.to_number(_normalise(self.df[column]), target)
            return (b == 1).astype("boolean")
        raise self.error(target, f"neither the column {name!r} (codes separated by spaces) nor the 0/1 "
                         f"column {column!r} is in the data", column=name)

    def _binary_columns(self, name: str) -> list[str]:
        q = self.questionnaire
        if q is not None:
            try:
                question = q.question(name)
                codes = [code_key(c) for c in question.choice_codes()]
                return [f"{name}_{c}" for c in codes if f"{name}_{c}" in self.df.columns]
            except Exception:  # noqa: BLE001  (fall back to the column names)
                pass
        prefix = name + "_"
        found = []
        for c in self.df.columns:
            if isinstance(c, str) and c.startswith(prefix) and ptypes.is_numeric_dtype(self.df[c].dtype):
                values = self.df[c].dropna()
                if values.isin([0, 1]).all():
                    found.append(c)
        return found

    def fn_count_selected(self, node: Call, target: Node) -> pd.Series:
        name, s = self._select_column(target)
        if s is not None:
            s = s.astype("string")
            return s.str.split().str.len().astype("Float64")
        columns = self._binary_columns(name or "")
        if not columns:
            raise self.error(target, f"neither the column {name!r} (codes separated by spaces) nor 0/1 "
                             f"columns {name}_<code> are in the data", column=name)
        block = self.df[columns].astype("Float64")
        return block.sum(axis=1, skipna=False).astype("Float64")

    def fn_if(self, node: Call, cond: Node, yes: Node, no: Node) -> pd.Series:
        c = self.series(self.to_bool(self.visit(cond), cond), "boolean")
        a, b = self.visit(yes), self.visit(no)
        ka, kb = _kind(a), _kind(b)
        if ka != kb and "na" not in (ka, kb) and {ka, kb} != {"num", "bool"}:
            a, b = self.series(a).astype(object), self.series(b).astype(object)
        sa, sb = self.series(a), self.series(b)
        if ka == "na":
            sa = sa.astype(sb.dtype)
        if kb == "na":
            sb = sb.astype(sa.dtype)
        chosen = sa.where(c.fillna(False).astype(bool), sb)
        return chosen.mask(c.isna().astype(bool))

    def fn_coalesce(self, node: Call, first: Node, second: Node) -> pd.Series:
        a = self.series(self.visit(first))
        b = self.visit(second)
        empty = a.isna()
        if _kind(a) == "str":
            empty = empty | (a == "").fillna(False).astype(bool)
        if _kind(a) != _kind(b) and _kind(b) != "na":
            a = a.astype(object)
            b = self.series(b).astype(object)
        return a.mask(empty.astype(bool), b)

    def _as_text(self, v: Any, node: Node) -> Any:
        kind = _kind(v)
        if kind == "str":
            return v
        if kind == "na":
            return pd.NA
        if kind == "num":
            if not isinstance(v, pd.Series):
                return code_key(float(v)) if float(v).is_integer() else repr(float(v))
            f = v.astype("Float64")
            whole = (f % 1 == 0).fillna(False).astype(bool)
            out = f.astype("string")
            return out.mask(whole, f.where(whole).astype("Int64").astype("string"))
        if kind == "bool":
            return v.map({True: "true", False: "false"}).astype("string") if isinstance(v, pd.Series) \
                else ("true" if v else "false")
        return v.dt.strftime("%Y-%m-%d").astype("string") if isinstance(v, pd.Series) else v.strftime("%Y-%m-%d")

    def fn_string(self, node: Call, x: Node) -> Any:
        return self._as_text(self.visit(x), x)

    def fn_concat(self, node: Call, *args: Node) -> pd.Series:
        out = pd.Series("", index=self.index, dtype="string")
        for a in args:
            out = out + self.series(self._as_text(self.visit(a), a), "string").fillna("")
        return out

    def fn_string_length(self, node: Call, x: Node) -> pd.Series:
        s = self.series(self._as_text(self.visit(x), x), "string")
        return s.str.len().astype("Float64")

    def fn_number(self, node: Call, x: Node) -> Any:
        v = self.visit(x)
        if _kind(v) == "str":
            if isinstance(v, pd.Series):  # an explicit conversion: non-numbers become NA (XPath NaN)
                return pd.to_numeric(v.str.strip(), errors="coerce").astype("Float64")
            return float(v) if _NUMERIC_TEXT.match(v) else pd.NA
        return self.to_number(v, x)

    def _num(self, x: Node) -> pd.Series:
        return self.series(self.to_number(self.visit(x), x), "Float64").astype("Float64")

    def _ufunc(self, fn: Any, s: pd.Series) -> pd.Series:
        values = s.astype("float64")
        with np.errstate(invalid="ignore"):
            out = pd.Series(fn(values.to_numpy()), index=self.index).astype("Float64")
        return out.mask(s.isna())

    def fn_int(self, node: Call, x: Node) -> pd.Series:
        return self._ufunc(np.trunc, self._num(x))

    def fn_abs(self, node: Call, x: Node) -> pd.Series:
        return self._ufunc(np.abs, self._num(x))

    def fn_floor(self, node: Call, x: Node) -> pd.Series:
        return self._ufunc(np.floor, self._num(x))

    def fn_ceiling(self, node: Call, x: Node) -> pd.Series:
        return self._ufunc(np.ceil, self._num(x))

    def fn_sqrt(self, node: Call, x: Node) -> pd.Series:
        return self._ufunc(np.sqrt, self._num(x))

    def fn_pow(self, node: Call, x: Node, y: Node) -> pd.Series:
        a, b = self._num(x), self._num(y)
        with np.errstate(all="ignore"):
            out = pd.Series(np.power(a.astype("float64").to_numpy(), b.astype("float64").to_numpy()),
                            index=self.index).astype("Float64")
        return out.mask(a.isna() | b.isna())

    def fn_round(self, node: Call, x: Node, places: Node | None = None) -> pd.Series:
        s = self._num(x)
        digits = 0.0
        if places is not None:
            d = self.visit(places)
            if isinstance(d, pd.Series) or _kind(d) != "num":
                raise self.error(places, "the number of decimals in round() must be a number literal")
            digits = float(d)
        factor = 10.0 ** digits
        # XPath rounds halves up (towards +infinity), unlike Python's round-half-even
        return self._ufunc(lambda v: np.floor(v * factor + 0.5) / factor, s)

    def fn_today(self, node: Call) -> pd.Timestamp:
        return pd.Timestamp.today().normalize()

    def fn_now(self, node: Call) -> pd.Timestamp:
        return pd.Timestamp.now()

    def fn_date(self, node: Call, x: Node) -> Any:
        return self._as_dates(self.visit(x), x)

    def _literal_text(self, node: Node, fn: str) -> str:
        v = self.visit(node)
        if isinstance(v, pd.Series) or _kind(v) not in ("str", "num"):
            raise self.error(node, f"the second argument of {fn}() must be a literal text")
        return code_key(v) if _kind(v) == "num" else v

    def fn_regex(self, node: Call, x: Node, pattern: Node) -> pd.Series:
        p = self._literal_text(pattern, "regex")
        problem = regex_problem(p)
        if problem:
            raise self.error(pattern, problem)
        s = self.series(self._as_text(self.visit(x), x), "string")
        rx = compile_regex(p)   # RE2: linear time whatever the pattern (no catastrophic backtracking)
        values = s.dropna().unique()
        hits = {v: rx.fullmatch(v) is not None for v in values}   # once per distinct answer
        return s.map(hits, na_action="ignore").astype("boolean")

    def fn_contains(self, node: Call, x: Node, part: Node) -> pd.Series:
        s = self.series(self._as_text(self.visit(x), x), "string")
        return s.str.contains(self._literal_text(part, "contains"), regex=False).astype("boolean")

    def fn_starts_with(self, node: Call, x: Node, part: Node) -> pd.Series:
        s = self.series(self._as_text(self.visit(x), x), "string")
        return s.str.startswith(self._literal_text(part, "starts-with")).astype("boolean")

    def fn_ends_with(self, node: Call, x: Node, part: Node) -> pd.Series:
        s = self.series(self._as_text(self.visit(x), x), "string")
        return s.str.endswith(self._literal_text(part, "ends-with")).astype("boolean")

    def fn_substr(self, node: Call, x: Node, start: Node, end: Node | None = None) -> pd.Series:
        s = self.series(self._as_text(self.visit(x), x), "string")
        bounds = []
        for b in (start, end):
            if b is None:
                bounds.append(None)
                continue
            v = self.visit(b)
            if isinstance(v, pd.Series) or _kind(v) != "num" or not float(v).is_integer():
                raise self.error(b, "substr() positions must be whole-number literals")
            bounds.append(int(v))
        return s.str.slice(bounds[0], bounds[1])


def evaluate(expr: Expr | str, df: pd.DataFrame, current: str | pd.Series | None = None, *,
             questionnaire: Any = None) -> pd.Series:
    """Evaluate ``expr`` on every row of ``df`` at once (see the module notes for the semantics).

    Parameters
    ----------
    expr
        An :class:`~surveykit.questionnaire.expression.Expr` or expression text.
    df
        The data: one column per question.
    current
        The column (name or Series) that ``.`` stands for, e.g. the question a constraint belongs to.
    questionnaire
        Optional :class:`surveykit.Questionnaire`, to find the 0/1 columns of select_multiple questions.

    Returns
    -------
    pandas.Series
        One value per row, aligned with ``df.index``; conditions are nullable ``boolean``.

    Raises
    ------
    ExpressionSyntaxError
        The text does not parse.
    ExpressionEvaluationError
        A column is missing or holds values of the wrong type; the message names the expression, the
        character offset and the column.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"sexo": [1, 2, 2], "p7_1": [1, 0, None], "p7_2": [1, 1, None]})
    >>> evaluate("${sexo} = '2' and count-selected(${p7}) >= 1", df).tolist()
    [False, True, <NA>]
    >>> evaluate(". < 3", df, current="sexo").tolist()
    [True, True, True]
    """
    if not isinstance(expr, Expr):
        expr = Expr(expr)
    node = expr.ast
    ev = _Evaluator(expr, df, current, questionnaire)
    try:
        result = ev.visit(node)
    except (TypeError, ValueError, OverflowError) as exc:  # a pandas operation refused the types
        raise ev.error(node, f"cannot be evaluated on this data: {exc}") from None
    out = ev.series(result)
    if len(out) != len(df.index):  # pragma: no cover  (defensive: every op is aligned)
        raise ev.error(node, "internal: result does not align with the data")
    out.name = None
    return out

