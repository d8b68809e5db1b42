"""The state of one :func:`surveykit.check_microdata` run: the tables, their ids, the problems found
so far, and the report they become."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..questionnaire.items import METADATA_TYPES
from ._check_cells import _as_number, _id_text, _key_frame, _present
from .check_rules import CHECK_RULES, check_rule

if TYPE_CHECKING:
    from ..questionnaire import Questionnaire

PROBLEM_COLUMNS = ["unit", "row", "id", "variable", "rule", "code", "severity", "value", "message"]
#: the rule names in the order the report lists a row's problems (the catalogue's order)
RULES = tuple(rule.name for rule in CHECK_RULES)
_ROW_FIELD = re.compile("\x00(\\d+)\x00")
_NUMERIC_TYPES = {"integer", "decimal"}
_SKIP_TYPES = {"note", "calculate"} | METADATA_TYPES


@dataclass
class _Found:
    unit: str
    positions: np.ndarray
    variable: str
    rule: str
    values: Any  # array-like aligned with positions, or None (take from the column)
    message: Any  # str, or array of str aligned with positions
    order: int


@dataclass
class _Context:
    q: Questionnaire
    tables: dict[str, pd.DataFrame]
    ids: dict[str, list[str]]
    main: str
    #: language of the messages (``"en"`` or ``"es"``; see :mod:`.check_rules`)
    language: str = "en"
    rows: dict[str, int] = field(default_factory=dict)
    found: list[_Found] = field(default_factory=list)
    not_checked: list[dict[str, Any]] = field(default_factory=list)
    _frames: dict[tuple[str, tuple[str, ...]], pd.DataFrame] = field(default_factory=dict)
    #: the tables as expressions see them (numeric questions as numbers; see ``prepare``)
    eval_tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    _id_cache: dict[str, np.ndarray] = field(default_factory=dict)
    #: per table, its columns that are neither a question's nor an id
    extra: dict[str, list[str]] = field(default_factory=dict)

    def prepare(self) -> None:
        """Expressions compare numbers: a numeric question's column holding text (a typing error,
        a Stata letter kept as '.d') is read as numbers with NaN there, in a shallow copy used only
        for evaluating expressions. The bad values themselves are reported by the ``type`` rule."""
        by_unit: dict[str, dict[str, pd.Series]] = {}
        for info in self.q.questions():
            unit = info.repeat or self.main
            df = self.tables.get(unit)
            name = info.model.name
            if df is None or name not in df.columns or info.value_type() != "numeric":
                continue
            col = df[name]
            if not pd.api.types.is_numeric_dtype(col.dtype) or pd.api.types.is_bool_dtype(col.dtype):
                by_unit.setdefault(unit, {})[name] = pd.Series(_as_number(col, _present(col))[0], index=df.index)
        for unit, df in self.tables.items():
            self.eval_tables[unit] = df.assign(**by_unit[unit]) if unit in by_unit else df

    # -- helpers --------------------------------------------------------------------------------
    def add(self, unit: str, mask: np.ndarray, variable: str, rule: str, values: Any, message: Any, order: int) -> None:
        """Record the rows where ``mask`` holds. ``values``: a Series or array aligned with the table
        (or None); ``message``: a text, or a function of the positions giving one text per row --
        only the flagged rows are ever converted or formatted."""
        pos = np.flatnonzero(mask)
        if len(pos) == 0:
            return
        if isinstance(values, pd.Series):
            values = values.iloc[pos].to_numpy(dtype=object)
        elif values is not None:
            values = np.asarray(values, dtype=object)[pos]
        if callable(message):
            message = np.asarray(message(pos), dtype=object)
        self.found.append(_Found(unit, pos, variable, rule, values, message, order))

    def id_text(self, unit: str) -> np.ndarray | None:
        """The id of every row of ``unit`` as text (computed once)."""
        cols = self.ids.get(unit)
        if not cols:
            return None
        if unit not in self._id_cache:
            self._id_cache[unit] = _id_text(self.tables[unit], cols).to_numpy(dtype=object)
        return self._id_cache[unit]

    def text(self, rule: str, /, variant: str | None = None, **fields: Any) -> str:
        """Rule ``rule``'s message (or its ``variant``) in the run's language, from the catalogue."""
        return check_rule(rule).text(self.language, variant=variant, **fields)

    def row_text(
        self, rule: str, rows: Mapping[str, np.ndarray], variant: str | None = None, **fields: Any
    ) -> np.ndarray:
        """One message per flagged row: the template is filled once, the per-row ``rows`` fields (text
        arrays of equal length) are then joined in as whole arrays, never row by row."""
        marks = {key: f"\x00{i}\x00" for i, key in enumerate(rows)}
        pieces = _ROW_FIELD.split(check_rule(rule).template(self.language, variant).format(**fields, **marks))
        arrays = list(rows.values())
        n = len(arrays[0]) if arrays else 1
        out = np.full(n, pieces[0], dtype=object)
        for j in range(1, len(pieces), 2):
            out = out + np.asarray(arrays[int(pieces[j])], dtype=object) + pieces[j + 1]
        return out

    def skip(self, unit: str, variable: str, rule: str, reason: str, /, **fields: Any) -> None:
        """Record that ``rule`` could not be checked for ``variable``; ``reason`` is a variant of the
        catalogue's ``not_checked`` rule, ``fields`` fill it."""
        self.not_checked.append(
            {
                "unit": unit,
                "variable": variable,
                "rule": rule,
                "reason": reason,
                "why": self.text("not_checked", variant=reason, **fields),
            }
        )

    def parent_of(self, unit: str) -> str | None:
        if unit == self.main:
            return None
        for r in self.q.repeats():
            if r.name == unit:
                return r.parent or self.main
        return None

    def frame(self, unit: str, refs: Sequence[str]) -> pd.DataFrame:
        """The table of ``unit`` with the referenced columns of enclosing units joined in (by the
        parent's id columns), so expressions can read answers of the household from a person's row."""
        df = self.eval_tables[unit]
        missing = [r for r in refs if r not in df.columns]
        if not missing:
            return df
        key = (unit, tuple(sorted(missing)))
        if key in self._frames:
            return self._frames[key]
        out = df
        parent = self.parent_of(unit)
        needed = list(missing)
        while parent is not None and needed:
            ptable = self.eval_tables.get(parent)
            pid = self.ids.get(parent)
            if ptable is None or not pid or not all(c in out.columns for c in pid):
                break
            take = [c for c in needed if c in ptable.columns and c not in pid]
            if take:
                # one parent row per id (duplicates are reported by their own rule)
                # ids compared as written (1, 1.0 and "1" are the same household)
                right = pd.concat([_key_frame(ptable, pid), ptable[take]], axis=1)
                right = right.drop_duplicates(subset=pid, keep="first")
                merged = _key_frame(out, pid).merge(right, on=pid, how="left", validate="many_to_one")
                merged.index = out.index
                out = pd.concat([out, merged[take]], axis=1)
                needed = [c for c in needed if c not in take]
            parent = self.parent_of(parent)
        self._frames[key] = out
        return out

    def unknown_columns(self) -> None:
        known: set[str] = set()
        for info in self.q.questions():
            known.update(info.columns("both"))
        for cols in self.ids.values():
            known.update(cols)
        self.extra = {u: [c for c in df.columns if c not in known] for u, df in self.tables.items()}
        given = set(self.tables)
        for r in self.q.repeats():
            if r.name not in given and any(u in given for u in (r.parent or self.main,)) and len(self.tables) > 1:
                self.skip(r.name, "", "all", "no_table", repeat=r.name)

    # -- report ----------------------------------------------------------------------------------
    def report(self) -> pd.DataFrame:
        # gathered as numpy arrays and sorted with one lexsort; what is constant within a part (unit,
        # variable, rule...) is stored once per part and spread by the part number at the end: pandas
        # would infer, sort and convert back a string dtype for every text column of every part
        unit_order = {u: i for i, u in enumerate(self.tables)}
        per_row: dict[str, list[np.ndarray]] = {c: [] for c in ("row", "id", "value", "message", "_pos")}
        per_part: dict[str, list[Any]] = {c: [] for c in ("unit", "variable", "rule", "_u", "_q")}
        sizes: list[int] = []

        def put(n: int, rows: dict[str, Any], part: dict[str, Any]) -> None:
            for c, v in rows.items():
                per_row[c].append(
                    v
                    if isinstance(v, np.ndarray) and v.shape == (n,)
                    else np.full(n, v, dtype=np.int64 if c == "_pos" else object)
                )
            for c, v in part.items():
                per_part[c].append(v)
            sizes.append(n)

        for f in self.found:
            df = self.tables[f.unit]
            n = len(f.positions)
            ids = self.id_text(f.unit)
            values = f.values if f.values is not None else np.full(n, pd.NA, dtype=object)
            values = np.asarray(values, dtype=object)
            put(
                n,
                {
                    "row": np.asarray(df.index, dtype=object)[f.positions],
                    "id": np.asarray(ids[f.positions], dtype=object) if ids is not None else pd.NA,
                    "value": np.where(pd.isna(values), pd.NA, values) if n else values,
                    "message": np.array(np.broadcast_to(np.asarray(f.message, dtype=object), (n,))),
                    "_pos": np.asarray(f.positions, dtype=np.int64),
                },
                {"unit": f.unit, "variable": f.variable, "rule": f.rule, "_u": unit_order[f.unit], "_q": f.order},
            )
        nc = check_rule("not_checked")
        for item in self.not_checked:
            put(
                1,
                {
                    "row": pd.NA,
                    "id": pd.NA,
                    "value": pd.NA,
                    "message": nc.text(self.language, rule=item["rule"], why=item["why"]),
                    "_pos": np.iinfo(np.int64).max,
                },
                {
                    "unit": item["unit"],
                    "variable": item["variable"],
                    "rule": nc.name,
                    "_u": unit_order.get(item["unit"], len(unit_order)),
                    "_q": 0,
                },
            )
        part = np.repeat(np.arange(len(sizes)), sizes)
        rules = [check_rule(r) for r in per_part["rule"]]
        by_part = {c: np.asarray(v, dtype=object) for c, v in per_part.items() if c[0] != "_"}
        by_part["code"] = np.asarray([r.code for r in rules], dtype=object)
        by_part["severity"] = np.asarray([r.severity for r in rules], dtype=object)
        rank = np.asarray([RULES.index(r.name) for r in rules], dtype=np.int64)
        pos = np.concatenate(per_row["_pos"]) if sizes else np.empty(0, dtype=np.int64)
        order = np.lexsort(
            (
                rank[part],
                np.asarray(per_part["_q"], dtype=np.int64)[part],
                pos,
                np.asarray(per_part["_u"], dtype=np.int64)[part],
            )
        )  # stable
        part = part[order]
        data: dict[str, pd.Series] = {}
        for c in PROBLEM_COLUMNS:
            if c in by_part:
                arr = by_part[c][part] if sizes else np.empty(0, dtype=object)
            else:
                arr = np.concatenate(per_row[c])[order] if sizes else np.empty(0, dtype=object)
            data[c] = pd.Series(arr, dtype=object)
        if len(data["id"]) and pd.api.types.infer_dtype(data["id"], skipna=False) == "string":
            data["id"] = data["id"].astype("str")  # text ids keep pandas' text dtype
        out = pd.DataFrame(data, columns=PROBLEM_COLUMNS)
        real = out[out["rule"] != "not_checked"]
        rows_with = sum(int(g["row"].nunique()) for _u, g in real.groupby("unit", sort=False)) if len(real) else 0
        out.attrs["summary"] = {
            "rows": dict(self.rows),
            "problems": int(len(real)),
            "rows_with_problems": rows_with,
            "by_rule": {k: int(v) for k, v in sorted(real["rule"].value_counts().items())},
            "by_variable": {k: int(v) for k, v in sorted(real["variable"].value_counts().items())},
            "not_checked": list(self.not_checked),
            "columns_not_in_questionnaire": self.extra,
            "questions": _question_counts(self),
        }
        s = out.attrs["summary"]
        s["no_column"] = [x["variable"] for x in s["questions"] if x["status"] == "no column"]
        return out


def _question_counts(ctx: _Context) -> list[dict[str, Any]]:
    """Per question: its unit, rows checked, answers found, problems, and ``status`` -- ``checked``,
    ``no column`` (the table has none of its columns) or ``no table`` (its unit was not given)."""
    problems: dict[str, int] = {}
    for f in ctx.found:
        problems[f.variable] = problems.get(f.variable, 0) + len(f.positions)
    out = []
    for info in ctx.q.questions():
        model = info.model
        if not model.stores_value or model.type in _SKIP_TYPES:
            continue
        unit = info.repeat or ctx.main
        df = ctx.tables.get(unit)
        cols = [] if df is None else [c for c in info.columns("both") if c in df.columns]
        if df is None:
            status, rows, answered = "no table", 0, 0
        elif not cols:
            status, rows, answered = "no column", 0, 0
        else:
            status, rows = "checked", len(df)
            answered = int(np.any([_present(df[c]) for c in cols], axis=0).sum()) if len(df) else 0
        n_prob = problems.get(model.name, 0) + sum(problems.get(c, 0) for c in cols if c != model.name)
        out.append(
            {
                "unit": unit,
                "variable": model.name,
                "rows": rows,
                "answered": answered,
                "problems": n_prob,
                "status": status,
            }
        )
    return out
