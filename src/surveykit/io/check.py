"""Checking microdata against its questionnaire: every row that breaks it, located, nothing changed.

Each rule is one vectorised pass over a column (or over the relevance/constraint expression,
evaluated by :mod:`surveykit.questionnaire.evaluate` on whole columns); problems are gathered as index arrays
and turned into one tidy DataFrame at the end.

Rules (the ``rule`` column):

``type``         a value of the wrong type: text in a numeric question, a decimal in an integer
                 question, a date that is not a date
``choice``       a code that is neither in the question's choice list nor one of its missing codes
                 (select_multiple: a code in the text column, or a 0/1 column holding something else)
``range``        a number below ``min`` or above ``max`` (missing codes excepted)
``constraint``   the question's constraint is false for the answer (missing codes excepted)
``relevance``    an answer where the question is not relevant (skip logic: it should not have been
                 asked); "not applicable"/"skipped" missing codes are the right filler and pass
``required``     no answer where the question is relevant and required (a missing code is an answer)
``duplicate_id`` two or more rows with the same id
``parent``       a roster row whose parent row (household, person...) does not exist
``count``        a parent whose number of roster rows differs from the repeat's count
``not_checked``  a rule that could not be checked (a column or table is absent, an expression cannot be
                 evaluated on this data); ``row`` is empty
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..errors import ExpressionError, MicrodataError, SurveykitWarning
from ..metadata import get_metadata
from ._progress import Progress, progress_wanted

__all__ = ["check_microdata", "PROBLEM_COLUMNS", "RULES"]

PROBLEM_COLUMNS = ["unit", "row", "id", "variable", "rule", "value", "message"]
RULES = ("duplicate_id", "parent", "count", "type", "choice", "range", "relevance", "required", "constraint",
         "not_checked")
_FILLER_KINDS = {"not_applicable", "skipped"}
_NUMERIC_TYPES = {"integer", "decimal"}
_SKIP_TYPES = {"note", "calculate", "start", "end", "today", "deviceid", "username", "phonenumber",
               "simserial", "subscriberid", "email", "audit"}


def check_microdata(
    data: pd.DataFrame | Mapping[str, pd.DataFrame],
    questionnaire: Any,
    *,
    id: str | Sequence[str] | Mapping[str, str | Sequence[str]] | None = None,
    unit: str | None = None,
    progress: bool | None = None,
) -> pd.DataFrame:
    """Every value and row of ``data`` that breaks ``questionnaire``; the data is not changed.

    Parameters
    ----------
    data : DataFrame or dict of DataFrames
        One table, or one table per unit: the main unit under ``questionnaire.unit`` (or ``"main"``)
        and each roster under its repeat's name (``{"hogar": hogares, "personas": personas}``).
        select_multiple answers may be 0/1 columns ``{question}_{code}`` or one text column of
        space-separated codes. Check data read with ``user_missing="keep"``: a missing code that was
        turned into NaN on reading looks unanswered (a warning says so).
    questionnaire : Questionnaire
        The spec (``sk.load_questionnaire(...)``).
    id : str, list of str, or dict, optional
        Column(s) identifying a row; a dict gives them per unit (``{"hogar": "id_hogar", "personas":
        ["id_hogar", "linea"]}``). A roster's parent is found through the parent's id columns, which
        the roster table must also have. Without ids, rows are reported by their index label only and
        duplicates and parents are not checked.
    unit : str, optional
        When ``data`` is a single table of a roster, the repeat it holds.
    progress : bool, optional
        Questions checked so far on stderr; default: when stderr is a terminal or in a notebook.

    Returns
    -------
    DataFrame
        One row per problem, columns ``unit, row, id, variable, rule, value, message``: ``row`` is the
        row's index label in its table, ``id`` its id (``"101/2"`` for two id columns), ``value`` the
        offending value as it is in the data. Sorted by unit, row and question order.
        ``attrs["summary"]`` holds ``rows`` (rows checked per unit), ``problems`` (count),
        ``rows_with_problems``, ``by_rule`` and ``by_variable`` (counts), ``not_checked`` (what could
        not be checked and why), ``columns_not_in_questionnaire``, ``questions`` (per question: unit,
        rows checked, answers, problems and status ``checked``/``no column``/``no table``) and
        ``no_column`` (questions whose table was given without any of their columns).

    Examples
    --------
    >>> import pandas as pd, surveykit as sk
    >>> q = sk.Questionnaire(id="v", languages=["es"],
    ...     choice_lists={"sino": sk.ChoiceList(choices=[sk.Choice(code=1, label={"es": "Sí"}),
    ...                                                   sk.Choice(code=2, label={"es": "No"})],
    ...                    missing=[sk.MissingCode(kind="dont_know", code=98, label={"es": "No sabe"})])},
    ...     items=[sk.IntegerQuestion(name="edad", min=0, max=110, required=True),
    ...            sk.SelectOneQuestion(name="victima", choices="sino", relevant="${edad} >= 18"),
    ...            sk.SelectOneQuestion(name="denuncia", choices="sino", relevant="${victima} = 1",
    ...                                 required=True)])
    >>> df = pd.DataFrame({"folio": [1, 2, 3, 3], "edad": [30, 12, 130, 45],
    ...                    "victima": [1, 2, 98, 3], "denuncia": [None, None, None, 1]})
    >>> report = sk.check_microdata(df, q, id="folio")
    >>> print(report[["id", "variable", "rule", "value"]].to_string(index=False))
    id variable         rule value
     1 denuncia     required  <NA>
     2  victima    relevance     2
     3    folio duplicate_id     3
     3     edad        range   130
     3    folio duplicate_id     3
     3  victima       choice     3
     3 denuncia    relevance   1.0
    >>> report.attrs["summary"]["by_rule"]
    {'choice': 1, 'duplicate_id': 2, 'range': 1, 'relevance': 2, 'required': 1}
    """
    tables, main = _tables(data, questionnaire, unit)
    ids = _id_columns(id, tables, main)
    _warn_converted(tables)
    ctx = _Context(questionnaire, tables, ids, main)
    ctx.prepare()
    for name, df in tables.items():
        ctx.rows[name] = len(df)
        ctx.check_ids(name, df)
    for name in tables:
        ctx.check_parent(name)
    questions = questionnaire.questions()
    bar = Progress("check_microdata", len(questions), unit="questions") if progress_wanted(progress) else None
    for info in questions:
        ctx.check_question(info)
        if bar is not None:
            bar.update(1)
    if bar is not None:
        bar.close()
    ctx.unknown_columns()
    return ctx.report()


# ============================================================================================
# tables, ids
# ============================================================================================
def _tables(data: Any, q: Any, unit: str | None) -> tuple[dict[str, pd.DataFrame], str]:
    if not callable(getattr(q, "repeats", None)) or not callable(getattr(q, "questions", None)):
        hint = (" Load it first: sk.load_questionnaire(path)." if isinstance(q, (str, os.PathLike)) else "")
        raise MicrodataError(f"check_microdata needs a Questionnaire as its second argument; got "
                             f"{type(q).__name__} {q!r:.80}.{hint}")
    main = getattr(q, "unit", None) or "main"
    repeats = {r.name for r in q.repeats()}
    if isinstance(data, pd.DataFrame):
        name = unit or main
        if unit is not None and unit not in repeats and unit != main:
            raise MicrodataError(f"unit={unit!r} is not a repeat of questionnaire {q.id!r}; its units are "
                                 f"{[main, *sorted(repeats)]}.")
        data = {name: data}
    if not isinstance(data, Mapping):
        raise MicrodataError(f"check_microdata needs a DataFrame or a dict of DataFrames; got {type(data).__name__}.")
    tables = {}
    for name, df in data.items():
        if name not in repeats and name != main:
            raise MicrodataError(f"table {name!r} is not a unit of questionnaire {q.id!r}: name the main table "
                                 f"{main!r} and each roster after its repeat ({sorted(repeats)}).")
        if not isinstance(df, pd.DataFrame):
            raise MicrodataError(f"table {name!r} must be a DataFrame; got {type(df).__name__}.")
        tables[name] = df
    for name, df in tables.items():
        dups = sorted({str(c) for c in df.columns[df.columns.duplicated()]})
        if dups:
            raise MicrodataError(f"table {name!r} has the column name(s) {dups} more than once, so its answers "
                                 "cannot be told apart; rename the duplicates.", column=dups[0])
    return tables, main


def _id_columns(id: Any, tables: dict[str, pd.DataFrame], main: str) -> dict[str, list[str]]:
    if id is None:
        return {}
    if isinstance(id, str) or (isinstance(id, Sequence) and not isinstance(id, Mapping)):
        spec = {name: id for name in tables} if len(tables) == 1 else {main: id}
    elif isinstance(id, Mapping):
        spec = dict(id)
    else:
        raise MicrodataError(f"id must be a column name, a list of them or a dict by unit; got {id!r}.")
    out = {}
    for name, cols in spec.items():
        cols = [cols] if isinstance(cols, str) else list(cols)
        if name not in tables:
            continue
        absent = [c for c in cols if c not in tables[name].columns]
        if absent:
            raise MicrodataError(f"id column(s) {absent} are not in table {name!r}; its columns start "
                                 f"{list(tables[name].columns[:8])}.", column=absent[0])
        out[name] = cols
    return out


def _warn_converted(tables: dict[str, pd.DataFrame]) -> None:
    for name, df in tables.items():
        converted = get_metadata(df).get("converted_missing") or {}
        total = sum(converted.values())
        if total:
            warnings.warn(
                f"{total} declared missing code(s) in table {name!r} were turned into NaN when the data was read "
                f"({', '.join(f'{c}: {n}' for c, n in list(converted.items())[:5])}); they count as unanswered "
                "here. Read the data with user_missing='keep' to check them as answers.", SurveykitWarning,
                stacklevel=3)


def _id_text(df: pd.DataFrame, cols: list[str]) -> pd.Series:
    if not cols:
        return pd.Series(pd.NA, index=df.index, dtype="object")
    parts = [_code_text(df[c]) for c in cols]
    out = parts[0]
    for p in parts[1:]:
        out = out + "/" + p
    return out


def _key_frame(df: pd.DataFrame, cols: list[str]) -> pd.DataFrame:
    """Id columns as text the way people write them, so an int household id matches a text one."""
    return pd.DataFrame({c: _code_text(df[c]) for c in cols}, index=df.index)


def _key_index(df: pd.DataFrame, cols: list[str]) -> pd.Index:
    keys = _key_frame(df, cols)
    return pd.MultiIndex.from_frame(keys) if len(cols) > 1 else pd.Index(keys[cols[0]])


def _code_text(s: pd.Series) -> pd.Series:
    """Codes as text the way people write them: 3.0 -> '3', NaN -> ''."""
    if pd.api.types.is_float_dtype(s.dtype):
        vals = s.to_numpy(dtype=float, na_value=np.nan)
        integral = np.isfinite(vals) & (vals == np.round(vals)) & (np.abs(vals) < 2**53)
        out = s.astype(object).astype(str)
        out[integral] = pd.Series(vals[integral].astype(np.int64), index=s.index[integral]).astype(str)
        out[~np.isfinite(vals)] = ""
        return out.astype(object)
    return s.astype(object).where(s.notna(), "").astype(str)


# ============================================================================================
# the checks
# ============================================================================================
@dataclass
class _Found:
    unit: str
    positions: np.ndarray
    variable: str
    rule: str
    values: Any            # array-like aligned with positions, or None (take from the column)
    message: Any           # str, or array of str aligned with positions
    order: int


@dataclass
class _Context:
    q: Any
    tables: dict[str, pd.DataFrame]
    ids: dict[str, list[str]]
    main: str
    rows: dict[str, int] = field(default_factory=dict)
    found: list[_Found] = field(default_factory=list)
    not_checked: list[dict[str, Any]] = field(default_factory=list)
    _frames: dict[tuple[str, tuple[str, ...]], pd.DataFrame] = field(default_factory=dict)
    #: the tables as expressions see them (numeric questions as numbers; see ``prepare``)
    eval_tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    _id_cache: dict[str, np.ndarray] = field(default_factory=dict)

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
    def add(self, unit: str, mask: np.ndarray, variable: str, rule: str, values: Any, message: Any,
            order: int) -> None:
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

    def skip(self, unit: str, variable: str, rule: str, why: str) -> None:
        self.not_checked.append({"unit": unit, "variable": variable, "rule": rule, "why": why})

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

    # -- ids and rosters ------------------------------------------------------------------------
    def check_ids(self, unit: str, df: pd.DataFrame) -> None:
        cols = self.ids.get(unit)
        if not cols:
            return
        blank = df[cols].isna().any(axis=1).to_numpy()
        dup = df.duplicated(subset=cols, keep=False).to_numpy() & ~blank
        label = "/".join(cols)
        if dup.any() or blank.any():
            idtext = self.id_text(unit)
            self.add(unit, dup, label, "duplicate_id", idtext,
                     lambda pos: "id " + idtext[pos] + f" appears more than once in table {unit!r}; give each "
                     "row its own id or remove the repeated row", order=-2)
            self.add(unit, blank, label, "duplicate_id", idtext,
                     f"the id ({label}) is empty; every row needs an id", order=-2)

    def check_parent(self, unit: str) -> None:
        parent = self.parent_of(unit)
        if parent is None:
            return
        df = self.tables[unit]
        pid = self.ids.get(parent)
        ptable = self.tables.get(parent)
        if ptable is None:
            self.skip(unit, "", "parent", f"the parent table {parent!r} was not given")
            return
        if not pid:
            self.skip(unit, "", "parent", f"no id columns given for the parent table {parent!r} (id=...)")
            return
        absent = [c for c in pid if c not in df.columns]
        if absent:
            self.skip(unit, "", "parent", f"table {unit!r} lacks the parent id column(s) {absent}")
            return
        keys = _key_index(ptable, pid)
        mine = _key_index(df, pid)
        orphan = np.asarray(~mine.isin(keys))
        if orphan.any():
            idtext = _id_text(df, pid).to_numpy(dtype=object)
            self.add(unit, orphan, "/".join(pid), "parent", idtext,
                     lambda pos: "no row of table " + repr(parent) + " has id " + idtext[pos] + "; the " +
                     repr(unit) + " row belongs to a missing " + repr(parent) + " row", order=-1)
        self.check_count(unit, parent, pid, mine)

    def check_count(self, unit: str, parent: str, pid: list[str], child_keys: pd.Index) -> None:
        rep = next((r for r in self.q.repeats() if r.name == unit), None)
        if rep is None or rep.count is None:
            return
        ptable = self.eval_tables[parent]
        try:
            expected = rep.count.evaluate(ptable, questionnaire=self.q)
        except ExpressionError as exc:
            self.skip(parent, unit, "count", f"the count of repeat {unit!r} cannot be evaluated: {exc}")
            return
        keys = _key_index(ptable, pid)
        counts = pd.Series(1, index=child_keys).groupby(level=list(range(child_keys.nlevels))).size()
        have = counts.reindex(keys).fillna(0).to_numpy(dtype=float)
        want = pd.to_numeric(expected, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        bad = np.isfinite(want) & (have != want)
        if bad.any():
            idtext = _id_text(ptable, pid).to_numpy(dtype=object)

            def msg(pos: np.ndarray) -> np.ndarray:
                return (f"{unit!r} has " + pd.Series(have[pos]).astype(int).astype(str).to_numpy(dtype=object)
                        + " row(s) for id " + idtext[pos] + f" but {rep.count.src} is "
                        + _code_text(pd.Series(want[pos])).to_numpy(dtype=object))

            self.add(parent, bad, unit, "count", have.astype(object), msg, order=-1)

    # -- questions ------------------------------------------------------------------------------
    def check_question(self, info: Any) -> None:
        model = info.model
        if not model.stores_value or model.type in _SKIP_TYPES:
            return
        unit = info.repeat or self.main
        if unit not in self.tables:
            return  # a table that was not given: listed once in the summary
        df = self.tables[unit]
        name = model.name
        order = info.index
        if model.type == "select_multiple":
            self._select_multiple(info, unit, df, order)
            return
        if name not in df.columns:
            self.skip(unit, name, "all", f"column {name!r} is not in table {unit!r}")
            return
        col = df[name]
        missing_codes = list(info.missing)
        miss_num, miss_text, letters, filler = _missing_sets(missing_codes)
        is_missing_code = _isin_codes(col, miss_num, miss_text) | (_text_eq_any(col, letters) if letters else False)
        is_missing_code = np.asarray(is_missing_code, dtype=bool)
        is_filler = np.asarray(_isin_codes(col, *filler[:2]) | (_text_eq_any(col, filler[2]) if filler[2] else False),
                               dtype=bool)
        present = _present(col)
        value_present = present & ~is_missing_code
        vtype = info.value_type()
        numeric = None
        if model.type in _NUMERIC_TYPES or (model.type == "select_one" and vtype == "numeric"):
            numeric, bad_type = _as_number(col, value_present)
            if bad_type.any():
                self.add(unit, bad_type, name, "type", col,
                         f"{name!r} must be a number; this value is not", order)
            value_present &= ~bad_type
            if model.type == "integer":
                with np.errstate(invalid="ignore"):
                    frac = value_present & (numeric != np.round(numeric))
                self.add(unit, frac, name, "type", col,
                         f"{name!r} must be a whole number", order)
                value_present &= ~frac
        elif model.type in ("date", "datetime"):
            bad = value_present & ~_parses_as_date(col)
            self.add(unit, bad, name, "type", col, f"{name!r} must be a date", order)
            value_present &= ~bad
        if model.type == "select_one":
            codes = info.choice_codes()
            if numeric is not None:
                valid = np.isin(numeric, np.array([c for c in codes if isinstance(c, (int, float))], dtype=float))
            else:
                valid = np.asarray(_isin_codes(col, [], [str(c) for c in codes]), dtype=bool)
            bad = value_present & ~valid
            listed = ", ".join(str(c) for c in codes[:12]) + (" ..." if len(codes) > 12 else "")
            extra = (", or a missing code " + ", ".join(str(m.code) for m in missing_codes)) if missing_codes else ""
            self.add(unit, bad, name, "choice", col,
                     f"code not in the choice list of {name!r} ({listed}{extra})", order)
            value_present &= ~bad
        if model.type in _NUMERIC_TYPES and numeric is not None:
            lo, hi = model.min, model.max
            if lo is not None or hi is not None:
                with np.errstate(invalid="ignore"):
                    out = value_present & (((numeric < lo) if lo is not None else False) |
                                           ((numeric > hi) if hi is not None else False))
                self.add(unit, np.asarray(out, dtype=bool), name, "range", col,
                         f"{name!r} must be between {_num(lo) if lo is not None else '-inf'} and "
                         f"{_num(hi) if hi is not None else 'inf'}", order)
                value_present &= ~np.asarray(out, dtype=bool)
        self._relevance_required(info, unit, df, name, present, is_filler, order, col)
        if model.constraint is not None:
            ok = self._evaluate(model.constraint, unit, name, "constraint", current=name)
            if ok is not None:
                bad = value_present & (ok.to_numpy(dtype=object, na_value=True) == False)  # noqa: E712
                msg = _lang_text(model.constraint_message, self.q) or f"constraint {model.constraint.src} is false"
                self.add(unit, np.asarray(bad, dtype=bool), name, "constraint", col,
                         f"{name!r}: {msg}", order)

    def _relevance_required(self, info: Any, unit: str, df: pd.DataFrame, name: str, present: np.ndarray,
                            is_filler: np.ndarray, order: int, values: Any) -> None:
        model = info.model
        conditions = [*info.inherited_relevant, *([model.relevant] if model.relevant is not None else [])]
        relevant_true = np.ones(len(df), dtype=bool)
        relevant_false = np.zeros(len(df), dtype=bool)
        for expr in conditions:
            r = self._evaluate(expr, unit, name, "relevance")
            if r is None:
                return
            arr = r.to_numpy(dtype=object, na_value=None)
            relevant_false |= np.asarray(arr == False, dtype=bool)  # noqa: E712
            relevant_true &= np.asarray(arr == True, dtype=bool)  # noqa: E712
        relevant_true &= ~relevant_false
        if conditions:
            src = " and ".join(f"({e.src})" if len(conditions) > 1 else e.src for e in conditions)
            self.add(unit, relevant_false & present & ~is_filler, name, "relevance", values,
                     f"{name!r} is answered but should have been skipped: {src} is false", order)
        req = model.required
        if req is True or (req is not False and req is not None):
            if req is True:
                need = relevant_true
            else:
                r = self._evaluate(req, unit, name, "required")
                if r is None:
                    return
                need = relevant_true & np.asarray(r.to_numpy(dtype=object, na_value=None) == True, dtype=bool)  # noqa
            self.add(unit, need & ~present, name, "required", values,
                     f"{name!r} is required" + (" here" if conditions else "") + " but has no answer", order)

    def _evaluate(self, expr: Any, unit: str, name: str, rule: str, current: str | None = None) -> pd.Series | None:
        try:
            refs = expr.references()
        except ExpressionError as exc:
            self.skip(unit, name, rule, f"{expr.src}: {exc}")
            return None
        frame = self.frame(unit, refs)
        # a select_multiple may be stored as 0/1 columns {name}_{code}, which evaluate() reads
        absent = [r for r in refs if r not in frame.columns
                  and not frame.columns.astype(str).str.startswith(f"{r}_").any()]
        if absent:
            self.skip(unit, name, rule, f"{expr.src} refers to {absent}, not in the data given")
            return None
        try:
            result = expr.evaluate(frame, current=current, questionnaire=self.q)
        except ExpressionError as exc:
            self.skip(unit, name, rule, f"{expr.src} cannot be evaluated on this data: {exc}")
            return None
        if not pd.api.types.is_bool_dtype(result.dtype) and result.notna().any():
            # a number, text or date is no condition: checking it would pass every row silently
            kind = "a date" if pd.api.types.is_datetime64_any_dtype(result.dtype) else \
                "a number" if pd.api.types.is_numeric_dtype(result.dtype) else "text"
            self.skip(unit, name, rule, f"{expr.src} gives {kind}, not true/false; write a condition "
                                        "(e.g. compare it with '=' or '>'), as lint says")
            return None
        return result

    def _select_multiple(self, info: Any, unit: str, df: pd.DataFrame, order: int) -> None:
        name = info.model.name
        codes = info.choice_codes()
        miss_num, miss_text, letters, filler = _missing_sets(list(info.missing))
        binary = [f"{name}_{c}" for c in codes]
        have_binary = [c for c in binary if c in df.columns]
        if name in df.columns:
            col = df[name]
            present = _present(col)
            text = col.astype(object).where(col.notna(), "").astype(str).str.strip()
            tokens = text.str.split().explode()
            tokens = tokens[tokens.notna() & (tokens != "")]
            allowed = {str(c) for c in codes} | {str(c) for c in miss_num} | set(miss_text) | set(letters)
            bad_rows = np.zeros(len(df), dtype=bool)
            if len(tokens):
                bad_idx = tokens.index[~tokens.isin(allowed)]
                bad_rows = df.index.isin(bad_idx)
            self.add(unit, bad_rows, name, "choice", col,
                     f"{name!r} holds a code not in its choice list ({', '.join(str(c) for c in codes[:12])})", order)
            is_filler = np.asarray(
                text.isin([str(c) for c in filler[0]] + list(filler[1]) + list(filler[2])), dtype=bool
            )
            self._relevance_required(info, unit, df, name, present, is_filler, order, col)
        elif have_binary:
            block = df[have_binary]
            answered = np.zeros(len(df), dtype=bool)
            is_filler = np.ones(len(df), dtype=bool)
            for c in have_binary:
                s = block[c]
                num, bad_type = _as_number(s, _present(s))
                ok = np.isin(num, [0.0, 1.0]) | np.isin(
                    num, np.array([m for m in miss_num if isinstance(m, (int, float))], dtype=float)
                )
                bad = _present(s) & (~ok | bad_type)
                self.add(unit, bad, c, "choice", s,
                         f"{c!r} (a choice of {name!r}) must be 0 or 1", order)
                answered |= _present(s)
                is_filler &= np.asarray(np.isin(num, np.array(filler[0], dtype=float)) | ~_present(s), dtype=bool)
            is_filler &= answered
            self._relevance_required(info, unit, df, name, answered, is_filler, order, None)
            if len(have_binary) < len(binary):
                self.skip(unit, name, "choice", f"0/1 columns {sorted(set(binary) - set(have_binary))} are not in "
                          f"table {unit!r}")
        else:
            self.skip(unit, name, "all", f"neither column {name!r} nor its 0/1 columns ({binary[0]}, ...) are in "
                      f"table {unit!r}")

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
                self.skip(r.name, "", "all", f"no table was given for repeat {r.name!r}")

    # -- report ----------------------------------------------------------------------------------
    def report(self) -> pd.DataFrame:
        parts = []
        unit_order = {u: i for i, u in enumerate(self.tables)}
        for f in self.found:
            df = self.tables[f.unit]
            n = len(f.positions)
            ids = self.id_text(f.unit)
            idtext = ids[f.positions] if ids is not None else np.full(n, pd.NA, dtype=object)
            values = f.values if f.values is not None else np.full(n, pd.NA, dtype=object)
            values = np.asarray(values, dtype=object)
            values = np.where(pd.isna(values), pd.NA, values) if n else values
            parts.append(pd.DataFrame({
                "unit": f.unit, "row": np.asarray(df.index, dtype=object)[f.positions], "id": idtext,
                "variable": f.variable, "rule": f.rule, "value": values,
                "message": np.broadcast_to(np.asarray(f.message, dtype=object), (n,)),
                "_u": unit_order[f.unit], "_pos": f.positions, "_q": f.order,
                "_r": RULES.index(f.rule)}))
        for item in self.not_checked:
            parts.append(pd.DataFrame({
                "unit": [item["unit"]], "row": [pd.NA], "id": [pd.NA], "variable": [item["variable"]],
                "rule": ["not_checked"], "value": [pd.NA], "message": [f"{item['rule']} not checked: {item['why']}"],
                "_u": [unit_order.get(item["unit"], len(unit_order))], "_pos": [np.iinfo(np.int64).max],
                "_q": [0], "_r": [RULES.index("not_checked")]}))
        if parts:
            out = pd.concat(parts, ignore_index=True)
            out = out.sort_values(["_u", "_pos", "_q", "_r"], kind="stable").drop(columns=["_u", "_pos", "_q", "_r"])
            out = out.reset_index(drop=True)
        else:
            out = pd.DataFrame({c: pd.Series(dtype=object) for c in PROBLEM_COLUMNS})
        out = out.astype({"unit": object, "variable": object, "rule": object, "message": object})
        real = out[out["rule"] != "not_checked"]
        rows_with = sum(int(g["row"].nunique()) for _u, g in real.groupby("unit", sort=False)) if len(real) else 0
        out.attrs["summary"] = {
            "rows": dict(self.rows),
            "problems": int(len(real)),
            "rows_with_problems": rows_with,
            "by_rule": {k: int(v) for k, v in sorted(real["rule"].value_counts().items())},
            "by_variable": {k: int(v) for k, v in sorted(real["variable"].value_counts().items())},
            "not_checked": list(self.not_checked),
            "columns_not_in_questionnaire": getattr(self, "extra", {}),
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
        out.append({"unit": unit, "variable": model.name, "rows": rows, "answered": answered,
                    "problems": n_prob, "status": status})
    return out


# ============================================================================================
# vectorised cell tests
# ============================================================================================
def _missing_sets(codes: list[Any]) -> tuple[list[Any], list[str], list[str], tuple[list, list, list]]:
    num = [m.code for m in codes if isinstance(m.code, (int, float)) and not isinstance(m.code, bool)]
    text = [m.code for m in codes if isinstance(m.code, str)]
    letters = sorted({m.stata_letter for m in codes if m.stata_letter})
    f = [m for m in codes if m.kind in _FILLER_KINDS]
    filler = ([m.code for m in f if isinstance(m.code, (int, float))], [m.code for m in f if isinstance(m.code, str)],
              sorted({m.stata_letter for m in f if m.stata_letter}))
    return num, text, letters, filler


def _isin_codes(col: pd.Series, numbers: list[Any], texts: list[str]) -> np.ndarray:
    out = np.zeros(len(col), dtype=bool)
    if numbers:
        if pd.api.types.is_numeric_dtype(col.dtype) and not pd.api.types.is_bool_dtype(col.dtype):
            out |= col.isin(numbers).to_numpy(dtype=bool, na_value=False)
        else:
            out |= pd.to_numeric(col, errors="coerce").isin(numbers).to_numpy(dtype=bool, na_value=False)
    if texts:
        out |= _text_eq_any(col, texts)
    return out


def _text_eq_any(col: pd.Series, texts: list[str]) -> np.ndarray:
    if pd.api.types.is_numeric_dtype(col.dtype) or not texts:
        return np.zeros(len(col), dtype=bool)
    return col.astype(object).isin(texts).to_numpy(dtype=bool, na_value=False)


def _present(col: pd.Series) -> np.ndarray:
    """An answer is there: not missing and not empty text."""
    present = col.notna().to_numpy(dtype=bool, copy=True)
    if not pd.api.types.is_numeric_dtype(col.dtype) and not pd.api.types.is_datetime64_any_dtype(col.dtype):
        blank = col.astype(object).isin(["", " "]).to_numpy(dtype=bool, na_value=False)
        present &= ~blank
    return present


def _as_number(col: pd.Series, present: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Numeric values (NaN where not a number) and the present cells that are not numbers."""
    if pd.api.types.is_bool_dtype(col.dtype):
        return col.astype(float).to_numpy(), np.zeros(len(col), dtype=bool)
    if pd.api.types.is_numeric_dtype(col.dtype):
        return col.to_numpy(dtype=float, na_value=np.nan), np.zeros(len(col), dtype=bool)
    num = pd.to_numeric(col.astype(object).where(_present(col), None), errors="coerce").to_numpy(dtype=float,
                                                                                               na_value=np.nan)
    return num, present & np.isnan(num)


def _parses_as_date(col: pd.Series) -> np.ndarray:
    if pd.api.types.is_datetime64_any_dtype(col.dtype):
        return np.ones(len(col), dtype=bool)
    parsed = pd.to_datetime(col.astype(object).where(_present(col), None), errors="coerce", format="mixed")
    return parsed.notna().to_numpy(dtype=bool)


def _num(x: Any) -> str:
    return str(int(x)) if isinstance(x, float) and x.is_integer() else str(x)


def _lang_text(texts: Any, q: Any) -> str:
    if not texts:
        return ""
    lang = getattr(q, "main_language", None)
    return texts.get(lang) or next(iter(texts.values()), "")
