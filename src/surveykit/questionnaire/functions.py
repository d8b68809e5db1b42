"""XLSForm functions evaluated over whole columns (``selected()``, ``count-selected()``, ``if()``, ``regex()``, ...).

Each ``fn_<name>`` method evaluates one function of
:data:`~surveykit.questionnaire.typecheck.EVALUATED_FUNCTIONS` (``-`` in a name becomes ``_``).
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd
from pandas.api import types as ptypes

from .evaluator import _NUMERIC_TEXT, _EvaluatorCore, _is_na_scalar, _kind, _normalise
from .expression import (
    Call,
    Current,
    Node,
    Ref,
)
from .typecheck import code_key, compile_regex, regex_problem


class _Evaluator(_EvaluatorCore):
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
        raise self.error(
            target,
            f"neither the column {name!r} (codes separated by spaces) nor the 0/1 column {column!r} is in the data",
            column=name,
        )

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
            raise self.error(
                target,
                f"neither the column {name!r} (codes separated by spaces) nor 0/1 "
                f"columns {name}_<code> are in the data",
                column=name,
            )
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
            return (
                v.map({True: "true", False: "false"}).astype("string")
                if isinstance(v, pd.Series)
                else ("true" if v else "false")
            )
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
            out = pd.Series(
                np.power(a.astype("float64").to_numpy(), b.astype("float64").to_numpy()), index=self.index
            ).astype("Float64")
        return out.mask(a.isna() | b.isna())

    def fn_round(self, node: Call, x: Node, places: Node | None = None) -> pd.Series:
        s = self._num(x)
        digits = 0.0
        if places is not None:
            d = self.visit(places)
            if isinstance(d, pd.Series) or _kind(d) != "num":
                raise self.error(places, "the number of decimals in round() must be a number literal")
            digits = float(d)
        factor = 10.0**digits
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
        rx = compile_regex(p)  # RE2: linear time whatever the pattern (no catastrophic backtracking)
        values = s.dropna().unique()
        hits = {v: rx.fullmatch(v) is not None for v in values}  # once per distinct answer
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
        bounds: list[int | None] = []
        for b in (start, end):
            if b is None:
                bounds.append(None)
                continue
            v = self.visit(b)
            if isinstance(v, pd.Series) or _kind(v) != "num" or not float(v).is_integer():
                raise self.error(b, "substr() positions must be whole-number literals")
            bounds.append(int(v))
        return s.str.slice(bounds[0], bounds[1])
