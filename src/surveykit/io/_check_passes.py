"""The rule passes of :func:`surveykit.check_microdata`: each is one vectorised pass over a column
(or over a relevance/constraint expression evaluated on whole columns) that records what it finds
in the run's :class:`._check_context._Context`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..errors import ExpressionError
from ..questionnaire import DecimalQuestion, IntegerQuestion
from ._check_cells import (
    _as_number,
    _code_text,
    _id_text,
    _isin_codes,
    _key_index,
    _lang_text,
    _missing_sets,
    _num,
    _parses_as_date,
    _present,
    _text_eq_any,
)
from ._check_context import _NUMERIC_TYPES, _SKIP_TYPES, _Context

if TYPE_CHECKING:
    from ..questionnaire import QuestionInfo


# == ids and rosters ------------------------------------------------------------------------
def check_ids(ctx: _Context, unit: str, df: pd.DataFrame) -> None:
    cols = ctx.ids.get(unit)
    if not cols:
        return
    blank = df[cols].isna().any(axis=1).to_numpy()
    dup = df.duplicated(subset=cols, keep=False).to_numpy() & ~blank
    label = "/".join(cols)
    if dup.any() or blank.any():
        idtext = ctx.id_text(unit)
        assert idtext is not None  # the unit has id columns
        ctx.add(
            unit,
            dup,
            label,
            "duplicate_id",
            idtext,
            lambda pos: ctx.row_text("duplicate_id", {"id": idtext[pos]}, unit=unit),
            order=-2,
        )
        ctx.add(
            unit,
            blank,
            label,
            "duplicate_id",
            idtext,
            ctx.text("duplicate_id", variant="empty", columns=label),
            order=-2,
        )


def check_parent(ctx: _Context, unit: str) -> None:
    parent = ctx.parent_of(unit)
    if parent is None:
        return
    df = ctx.tables[unit]
    pid = ctx.ids.get(parent)
    ptable = ctx.tables.get(parent)
    if ptable is None:
        ctx.skip(unit, "", "parent", "no_parent_table", parent=parent)
        return
    if not pid:
        ctx.skip(unit, "", "parent", "no_parent_ids", parent=parent)
        return
    absent = [c for c in pid if c not in df.columns]
    if absent:
        ctx.skip(unit, "", "parent", "no_parent_id_columns", unit=unit, columns=absent)
        return
    keys = _key_index(ptable, pid)
    mine = _key_index(df, pid)
    orphan = np.asarray(~mine.isin(keys))
    if orphan.any():
        idtext = _id_text(df, pid).to_numpy(dtype=object)
        ctx.add(
            unit,
            orphan,
            "/".join(pid),
            "parent",
            idtext,
            lambda pos: ctx.row_text("parent", {"id": idtext[pos]}, parent=parent, unit=unit),
            order=-1,
        )
    check_count(ctx, unit, parent, pid, mine)


def check_count(ctx: _Context, unit: str, parent: str, pid: list[str], child_keys: pd.Index) -> None:
    rep = next((r for r in ctx.q.repeats() if r.name == unit), None)
    if rep is None or rep.count is None:
        return
    ptable = ctx.eval_tables[parent]
    try:
        expected = rep.count.evaluate(ptable, questionnaire=ctx.q)
    except ExpressionError as exc:
        ctx.skip(parent, unit, "count", "count_error", repeat=unit, error=exc)
        return
    keys = _key_index(ptable, pid)
    counts = pd.Series(1, index=child_keys).groupby(level=list(range(child_keys.nlevels))).size()
    have = counts.reindex(keys).fillna(0).to_numpy(dtype=float)
    want = pd.to_numeric(expected, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    bad = np.isfinite(want) & (have != want)
    if bad.any():
        idtext = _id_text(ptable, pid).to_numpy(dtype=object)
        count_src = rep.count.src

        def msg(pos: np.ndarray) -> np.ndarray:
            return ctx.row_text(
                "count",
                {
                    "have": pd.Series(have[pos]).astype(int).astype(str).to_numpy(dtype=object),
                    "id": idtext[pos],
                    "want": _code_text(pd.Series(want[pos])).to_numpy(dtype=object),
                },
                unit=unit,
                count=count_src,
            )

        ctx.add(parent, bad, unit, "count", have.astype(object), msg, order=-1)


# == questions ------------------------------------------------------------------------------
def check_question(ctx: _Context, info: QuestionInfo) -> None:
    model = info.model
    if not model.stores_value or model.type in _SKIP_TYPES:
        return
    unit = info.repeat or ctx.main
    if unit not in ctx.tables:
        return  # a table that was not given: listed once in the summary
    df = ctx.tables[unit]
    name = model.name
    order = info.index
    if model.type == "select_multiple":
        select_multiple(ctx, info, unit, df, order)
        return
    if name not in df.columns:
        ctx.skip(unit, name, "all", "no_column", variable=name, unit=unit)
        return
    col = df[name]
    missing_codes = list(info.missing)
    miss_num, miss_text, letters, filler = _missing_sets(missing_codes)
    is_missing_code = _isin_codes(col, miss_num, miss_text) | (_text_eq_any(col, letters) if letters else False)
    is_missing_code = np.asarray(is_missing_code, dtype=bool)
    is_filler = np.asarray(
        _isin_codes(col, *filler[:2]) | (_text_eq_any(col, filler[2]) if filler[2] else False), dtype=bool
    )
    present = _present(col)
    value_present = present & ~is_missing_code
    vtype = info.value_type()
    numeric = None
    if model.type in _NUMERIC_TYPES or (model.type == "select_one" and vtype == "numeric"):
        numeric, bad_type = _as_number(col, value_present)
        if bad_type.any():
            ctx.add(unit, bad_type, name, "type", col, ctx.text("type", variable=name), order)
        value_present &= ~bad_type
        if model.type == "integer":
            with np.errstate(invalid="ignore"):
                frac = value_present & (numeric != np.round(numeric))
            ctx.add(unit, frac, name, "type", col, ctx.text("type", variant="integer", variable=name), order)
            value_present &= ~frac
    elif model.type in ("date", "datetime"):
        bad = value_present & ~_parses_as_date(col)
        ctx.add(unit, bad, name, "type", col, ctx.text("type", variant="date", variable=name), order)
        value_present &= ~bad
    if model.type == "select_one":
        codes = info.choice_codes()
        if numeric is not None:
            valid = np.isin(numeric, np.array([c for c in codes if isinstance(c, (int, float))], dtype=float))
        else:
            valid = np.asarray(_isin_codes(col, [], [str(c) for c in codes]), dtype=bool)
        bad = value_present & ~valid
        listed = ", ".join(str(c) for c in codes[:12]) + (" ..." if len(codes) > 12 else "")
        missing = ", ".join(str(m.code) for m in missing_codes)
        ctx.add(
            unit,
            bad,
            name,
            "choice",
            col,
            ctx.text(
                "choice", variant="or_missing" if missing_codes else None, variable=name, codes=listed, missing=missing
            ),
            order,
        )
        value_present &= ~bad
    if isinstance(model, (IntegerQuestion, DecimalQuestion)) and numeric is not None:
        lo, hi = model.min, model.max
        if lo is not None or hi is not None:
            with np.errstate(invalid="ignore"):
                out = value_present & (
                    ((numeric < lo) if lo is not None else False) | ((numeric > hi) if hi is not None else False)
                )
            ctx.add(
                unit,
                np.asarray(out, dtype=bool),
                name,
                "range",
                col,
                ctx.text(
                    "range",
                    variable=name,
                    min=_num(lo) if lo is not None else "-inf",
                    max=_num(hi) if hi is not None else "inf",
                ),
                order,
            )
            value_present &= ~np.asarray(out, dtype=bool)
    relevance_required(ctx, info, unit, df, name, present, is_filler, order, col)
    if model.constraint is not None:
        ok = evaluate(ctx, model.constraint, unit, name, "constraint", current=name)
        if ok is not None:
            bad = value_present & (ok.to_numpy(dtype=object, na_value=True) == False)  # noqa: E712
            own = _lang_text(model.constraint_message, ctx.q, ctx.language)
            ctx.add(
                unit,
                np.asarray(bad, dtype=bool),
                name,
                "constraint",
                col,
                ctx.text("constraint", variant="message", variable=name, message=own)
                if own
                else ctx.text("constraint", variable=name, constraint=model.constraint.src),
                order,
            )


def relevance_required(
    ctx: _Context,
    info: QuestionInfo,
    unit: str,
    df: pd.DataFrame,
    name: str,
    present: np.ndarray,
    is_filler: np.ndarray,
    order: int,
    values: Any,
) -> None:
    model = info.model
    conditions = [*info.inherited_relevant, *([model.relevant] if model.relevant is not None else [])]
    relevant_true = np.ones(len(df), dtype=bool)
    relevant_false = np.zeros(len(df), dtype=bool)
    for expr in conditions:
        r = evaluate(ctx, expr, unit, name, "relevance")
        if r is None:
            return
        arr = r.to_numpy(dtype=object, na_value=None)
        relevant_false |= np.asarray(arr == False, dtype=bool)  # noqa: E712
        relevant_true &= np.asarray(arr == True, dtype=bool)  # noqa: E712
    relevant_true &= ~relevant_false
    if conditions:
        src = " and ".join(f"({e.src})" if len(conditions) > 1 else e.src for e in conditions)
        ctx.add(
            unit,
            relevant_false & present & ~is_filler,
            name,
            "relevance",
            values,
            ctx.text("relevance", variable=name, condition=src),
            order,
        )
    req = model.required
    if req is True or (req is not False and req is not None):
        if req is True:
            need = relevant_true
        else:
            r = evaluate(ctx, req, unit, name, "required")
            if r is None:
                return
            need = relevant_true & np.asarray(r.to_numpy(dtype=object, na_value=None) == True, dtype=bool)  # noqa
        ctx.add(
            unit,
            need & ~present,
            name,
            "required",
            values,
            ctx.text("required", variant="here" if conditions else None, variable=name),
            order,
        )


def evaluate(ctx: _Context, expr: Any, unit: str, name: str, rule: str, current: str | None = None) -> pd.Series | None:
    try:
        refs = expr.references()
    except ExpressionError as exc:
        ctx.skip(unit, name, rule, "bad_expression", expression=expr.src, error=exc)
        return None
    frame = ctx.frame(unit, refs)
    # a select_multiple may be stored as 0/1 columns {name}_{code}, which evaluate() reads
    absent = [r for r in refs if r not in frame.columns and not frame.columns.astype(str).str.startswith(f"{r}_").any()]
    if absent:
        ctx.skip(unit, name, rule, "absent_references", expression=expr.src, columns=absent)
        return None
    try:
        result = expr.evaluate(frame, current=current, questionnaire=ctx.q)
    except ExpressionError as exc:
        ctx.skip(unit, name, rule, "cannot_evaluate", expression=expr.src, error=exc)
        return None
    if not pd.api.types.is_bool_dtype(result.dtype) and result.notna().any():
        # a number, text or date is no condition: checking it would pass every row silently
        kind = (
            "date"
            if pd.api.types.is_datetime64_any_dtype(result.dtype)
            else "number"
            if pd.api.types.is_numeric_dtype(result.dtype)
            else "text"
        )
        ctx.skip(unit, name, rule, f"gives_{kind}", expression=expr.src)
        return None
    return result


def select_multiple(ctx: _Context, info: QuestionInfo, unit: str, df: pd.DataFrame, order: int) -> None:
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
        ctx.add(
            unit,
            bad_rows,
            name,
            "choice",
            col,
            ctx.text("choice", variant="multiple", variable=name, codes=", ".join(str(c) for c in codes[:12])),
            order,
        )
        is_filler = np.asarray(text.isin([str(c) for c in filler[0]] + list(filler[1]) + list(filler[2])), dtype=bool)
        relevance_required(ctx, info, unit, df, name, present, is_filler, order, col)
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
            ctx.add(unit, bad, c, "choice", s, ctx.text("choice", variant="binary", column=c, variable=name), order)
            answered |= _present(s)
            is_filler &= np.asarray(np.isin(num, np.array(filler[0], dtype=float)) | ~_present(s), dtype=bool)
        is_filler &= answered
        relevance_required(ctx, info, unit, df, name, answered, is_filler, order, None)
        if len(have_binary) < len(binary):
            ctx.skip(
                unit, name, "choice", "some_binary_columns", columns=sorted(set(binary) - set(have_binary)), unit=unit
            )
    else:
        ctx.skip(unit, name, "all", "no_columns", variable=name, first=binary[0], unit=unit)
