"""Export cells to the questionnaire's codes: select_one/numbers/dates/text, select_multiple as 0/1 columns.

Each conversion works on a whole column of a chunk: the distinct values are looked up once
(``pd.factorize``) and spread back, and every cell that does not fit is kept as found and reported
with its row (see :class:`~surveykit.io.collection.common.Problems`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .common import FormMap, Plan, Problems, _norm_label, text_key

if TYPE_CHECKING:
    from ...questionnaire import QuestionInfo

__all__ = ["Cells", "unit_frame", "link_problem"]


# ================================================================================================
# cells -> codes
# ================================================================================================
@dataclass
class Cells:
    """How a reader marks special cells: Survey Solutions' enabled-but-unanswered values."""

    unanswered_number: float | None = None
    unanswered_text: str | None = None
    split_selected: str = "binary"  # "positive": any value > 0 is selected (SuSo ordered multi-selects)
    unanswered_kind: str = "no_answer"  # the missing-code kind an enabled-but-unanswered question takes


def _factor(s: pd.Series) -> tuple[np.ndarray, list[str]]:
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    return codes, [text_key(u) for u in uniques]


def _take(codes: np.ndarray, mapped: list[Any], fill: Any = np.nan, dtype: Any = float) -> np.ndarray:
    arr = np.array(list(mapped) + [fill], dtype=dtype)
    return arr[codes]  # -1 (missing) takes the last element, the fill


def unit_frame(
    raw: pd.DataFrame,
    plan: Plan,
    fm: FormMap,
    problems: Problems,
    *,
    source_rows: np.ndarray,
    row_labels: np.ndarray,
    cells: Cells | None = None,
) -> pd.DataFrame:
    """The questionnaire's columns of one chunk of an export table (codes, 0/1 select_multiple)."""
    cells = cells or Cells()
    unit = plan.unit
    out: dict[str, Any] = {}
    for info in fm.by_unit.get(unit, []):
        name = info.model.name
        if info.model.type == "select_multiple":
            if name in plan.questions or name in plan.splits:
                out.update(_select_multiple(raw, info, plan, fm, problems, source_rows, row_labels, cells))
            continue
        if name not in plan.questions:
            continue
        out[name] = _single(raw[plan.questions[name]], info, plan, fm, problems, source_rows, row_labels, cells)
    return pd.DataFrame(out, index=pd.RangeIndex(len(raw)))


def _no_answer_code(info: QuestionInfo, kind: str = "no_answer") -> Any:
    for m in info.missing:
        if m.kind == kind:
            return m.code
    return None


def _unanswered(
    col: pd.Series,
    info: QuestionInfo,
    plan: Plan,
    problems: Problems,
    source_rows: np.ndarray,
    row_labels: np.ndarray,
    cells: Cells,
) -> tuple[pd.Series, np.ndarray]:
    """Survey Solutions' -999999999 / ##N/A## (asked, not answered) -> the question's no_answer code, or
    NaN with a reported problem (blank stays blank: skipped)."""
    mask = np.zeros(len(col), dtype=bool)
    if cells.unanswered_number is not None:
        num = pd.to_numeric(col, errors="coerce") if col.dtype == object else col
        if pd.api.types.is_numeric_dtype(num.dtype):
            mask |= (num == cells.unanswered_number).to_numpy(dtype=bool, na_value=False)
    if cells.unanswered_text is not None and not pd.api.types.is_numeric_dtype(col.dtype):
        mask |= (col.astype(object) == cells.unanswered_text).to_numpy(dtype=bool, na_value=False)
    if not mask.any():
        return col, mask
    code = _no_answer_code(info, cells.unanswered_kind)
    col = col.astype(object).copy()
    col[mask] = code if code is not None else None
    if code is None:
        problems.add(
            plan.unit,
            "unanswered",
            f"{info.model.name!r} was asked but not answered (Survey Solutions "
            f"-999999999 / ##N/A##); the questionnaire has no {cells.unanswered_kind!r} missing code for "
            "it, so the cell is left empty",
            column=plan.questions.get(info.model.name, ""),
            question=info.model.name,
            rows=row_labels[mask],
            source_rows=source_rows[mask],
        )
    return col, mask


def _single(
    col: pd.Series,
    info: QuestionInfo,
    plan: Plan,
    fm: FormMap,
    problems: Problems,
    source_rows: np.ndarray,
    row_labels: np.ndarray,
    cells: Cells,
) -> Any:
    name = info.model.name
    header = plan.questions[name]
    col, _ = _unanswered(col, info, plan, problems, source_rows, row_labels, cells)
    t = info.model.type
    vtype = info.value_type()
    if t == "select_one":
        codes, uniq = _factor(col)
        table = fm.codes(info, plan.language)
        mapped = [table.get(u, table.get(_norm_label(u))) for u in uniq]
        bad_u = [i for i, (u, m) in enumerate(zip(uniq, mapped)) if m is None and u != ""]
        if bad_u:
            bad = np.isin(codes, bad_u)
            problems.add(
                plan.unit,
                "unknown_code",
                f"{header!r}: not a code or label of the choice list of {name!r}",
                column=header,
                question=name,
                rows=row_labels[bad],
                source_rows=source_rows[bad],
                values=col.to_numpy(dtype=object)[bad],
            )
            raw = col.to_numpy(dtype=object)
            vals = _take(codes, [m if m is not None else None for m in mapped], None, object)
            vals[bad] = raw[bad]  # kept as found: check_microdata reports it as a choice problem too
            return vals
        if vtype == "numeric":
            return _take(codes, [np.nan if m is None else float(m) for m in mapped])
        return _take(codes, mapped, None, object)
    if vtype == "numeric":
        if pd.api.types.is_numeric_dtype(col.dtype) and not pd.api.types.is_bool_dtype(col.dtype):
            return col.to_numpy(dtype=float, na_value=np.nan)
        obj = col.astype(object)
        present = (col.notna() & (obj != "")).to_numpy(dtype=bool)
        vals = pd.to_numeric(obj.where(present, None), errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        bad = present & np.isnan(vals)
        if bad.any():
            problems.add(
                plan.unit,
                "not_a_number",
                f"{header!r}: {name!r} is a number; this is not",
                column=header,
                question=name,
                rows=row_labels[bad],
                source_rows=source_rows[bad],
                values=obj.to_numpy(dtype=object)[bad],
            )
            vals = vals.astype(object)
            vals[bad] = obj.to_numpy(dtype=object)[bad]
        return vals
    if vtype in ("date", "datetime"):
        if pd.api.types.is_datetime64_any_dtype(col.dtype):
            return col.to_numpy()
        obj = col.astype(object).where(col.notna() & (col.astype(object) != ""), None)
        parsed = pd.to_datetime(obj, errors="coerce", format="mixed")
        bad = (parsed.isna() & obj.notna()).to_numpy(dtype=bool)
        if bad.any():
            problems.add(
                plan.unit,
                "not_a_date",
                f"{header!r}: {name!r} is a date; this is not",
                column=header,
                question=name,
                rows=row_labels[bad],
                source_rows=source_rows[bad],
                values=obj.to_numpy(dtype=object)[bad],
            )
        return parsed.dt.normalize().to_numpy() if vtype == "date" else parsed.to_numpy()
    codes, uniq = _factor(col)
    return _take(codes, [u if u != "" else None for u in uniq], None, object)


def _split_block(
    raw: pd.DataFrame, headers: dict[Any, str], codes: list[Any], cells: Cells
) -> tuple[np.ndarray, np.ndarray, list[tuple[str, np.ndarray]]]:
    """0/1 matrix (NaN: empty), unanswered rows, and bad cells per header from split columns."""
    n = len(raw)
    block = np.full((n, len(codes)), np.nan)
    unanswered = np.zeros(n, dtype=bool)
    bad: list[tuple[str, np.ndarray]] = []
    for j, code in enumerate(codes):
        h = headers.get(code)
        if h is None:
            continue
        col = raw[h]
        num = (
            col.to_numpy(dtype=float, na_value=np.nan)
            if pd.api.types.is_numeric_dtype(col.dtype)
            else pd.to_numeric(
                col.astype(object).map(
                    lambda v: {"True": 1, "False": 0, "": None}.get(v, v) if isinstance(v, str) else v
                ),
                errors="coerce",
            ).to_numpy(float)
        )
        if cells.unanswered_number is not None:
            un = num == cells.unanswered_number
            unanswered |= un
            num = np.where(un, np.nan, num)
        present = col.notna().to_numpy(dtype=bool) & (col.astype(object) != "").to_numpy(dtype=bool)
        sel = np.where(np.isnan(num), np.nan, (num > 0).astype(float))
        wrong = present & ~np.isnan(num) & ~np.isin(num, [0.0, 1.0]) & (cells.split_selected != "positive")
        wrong |= present & np.isnan(num) & ~unanswered
        if wrong.any():
            bad.append((h, wrong))
        block[:, j] = sel
    return block, unanswered, bad


def _select_multiple(
    raw: pd.DataFrame,
    info: QuestionInfo,
    plan: Plan,
    fm: FormMap,
    problems: Problems,
    source_rows: np.ndarray,
    row_labels: np.ndarray,
    cells: Cells,
) -> dict[str, np.ndarray]:
    name = info.model.name
    subst = info.choice_codes()
    missing = [m.code for m in info.missing]
    allcodes = list(subst) + [c for c in missing if c not in subst]
    index = {text_key(c): j for j, c in enumerate(allcodes)}
    n = len(raw)
    text_block = None
    if name in plan.questions:
        header = plan.questions[name]
        col, _ = _unanswered(raw[header], info, plan, problems, source_rows, row_labels, cells)
        fcodes, uniq = _factor(col)
        table = fm.codes(info, plan.language)
        label_re = None
        rows_u = np.full((len(uniq) + 1, len(allcodes)), np.nan)
        bad_u = []
        for i, u in enumerate(uniq):
            if u == "":
                continue
            tokens = u.split()
            got = [table.get(t) for t in tokens]
            if any(g is None for g in got):  # labels joined by spaces: match whole labels, longest first
                if label_re is None:
                    labels = sorted((k for k in table if not k.isdigit()), key=len, reverse=True)
                    label_re = re.compile("|".join(re.escape(k) for k in labels)) if labels else None
                rest = _norm_label(u)
                found = label_re.findall(rest) if label_re else []
                leftover = label_re.sub("", rest).strip() if label_re else rest
                got = [table[f] for f in found] if found and not leftover else [None]
            if any(g is None for g in got):
                bad_u.append(i)
                continue
            rows_u[i] = 0.0
            for g in got:
                rows_u[i, index[text_key(g)]] = 1.0
        text_block = rows_u[np.where(fcodes < 0, len(uniq), fcodes)]
        text_bad = np.isin(fcodes, bad_u) if bad_u else np.zeros(n, dtype=bool)
        if bad_u:
            bad = np.isin(fcodes, bad_u)
            problems.add(
                plan.unit,
                "unknown_code",
                f"{header!r}: a choice not in the list of {name!r}",
                column=header,
                question=name,
                rows=row_labels[bad],
                source_rows=source_rows[bad],
                values=col.to_numpy(dtype=object)[bad],
            )
    split_block = None
    split_unanswered = np.zeros(n, dtype=bool)
    if name in plan.splits:
        split_block, split_unanswered, bad_cells = _split_block(raw, plan.splits[name], allcodes, cells)
        for h, wrong in bad_cells:
            problems.add(
                plan.unit,
                "split_value",
                f"{h!r}: a choice column of {name!r} holds something other than 0 or 1",
                column=h,
                question=name,
                rows=row_labels[wrong],
                source_rows=source_rows[wrong],
                values=raw[h].to_numpy(dtype=object)[wrong],
            )
        absent = [c for c in allcodes if c not in plan.splits[name] and c in subst]
        if absent and text_block is None:
            problems.add(
                plan.unit, "no_column", f"choices {absent} of {name!r} have no column in the export", question=name
            )
        if split_unanswered.any() and _no_answer_code(info, cells.unanswered_kind) is None:
            problems.add(
                plan.unit,
                "unanswered",
                f"{name!r} was asked but not answered (Survey Solutions "
                f"-999999999); the questionnaire has no {cells.unanswered_kind!r} missing code for it",
                question=name,
                rows=row_labels[split_unanswered],
                source_rows=source_rows[split_unanswered],
            )
    if text_block is not None and split_block is not None:
        have = [j for j, c in enumerate(allcodes) if c in plan.splits[name]]
        a, b = text_block[:, have], split_block[:, have]
        both_nan = np.isnan(a) & np.isnan(b)
        differ = ((a != b) & ~both_nan).any(axis=1) & ~text_bad  # a bad code is reported once, above
        if differ.any():
            header = plan.questions[name]
            problems.add(
                plan.unit,
                "select_multiple_disagree",
                f"{header!r} and its choice columns disagree on {name!r}; the text column is used",
                column=header,
                question=name,
                rows=row_labels[differ],
                source_rows=source_rows[differ],
                values=raw[header].to_numpy(dtype=object)[differ],
            )
    block = text_block if text_block is not None else split_block
    if block is None:
        block = np.full((n, len(allcodes)), np.nan)
    answered = ~np.isnan(block).all(axis=1)
    block = np.where(answered[:, None] & np.isnan(block), 0.0, block)
    out = {f"{name}_{text_key(c)}": block[:, j].copy() for j, c in enumerate(subst)}
    # a missing code ("don't know") is stored in every choice column, as in the SPSS/Stata layout
    miss_j = [j for j, c in enumerate(allcodes) if c in missing]
    if miss_j:
        chosen_miss = block[:, miss_j] == 1.0
        any_miss = chosen_miss.any(axis=1)
        if any_miss.any():
            subst_any = (block[:, : len(subst)] == 1.0).any(axis=1) if subst else np.zeros(n, dtype=bool)
            mixed = any_miss & (subst_any | (chosen_miss.sum(axis=1) > 1))
            if mixed.any():
                problems.add(
                    plan.unit,
                    "missing_code_mixed",
                    f"{name!r}: a missing code is selected together "
                    "with other choices; the choices are kept and the missing code dropped",
                    column=plan.questions.get(name, ""),
                    question=name,
                    rows=row_labels[mixed],
                    source_rows=source_rows[mixed],
                )
            only = any_miss & ~mixed
            if only.any():
                code = np.array(
                    [
                        float(allcodes[miss_j[k]]) if isinstance(allcodes[miss_j[k]], int) else np.nan
                        for k in np.argmax(chosen_miss[only], axis=1)
                    ]
                )
                for key in out:
                    out[key][only] = code
    no_code = _no_answer_code(info, cells.unanswered_kind)
    if no_code is not None and isinstance(no_code, int):
        un = split_unanswered & np.isnan(block).all(axis=1)
        for key in out:
            out[key][un] = float(no_code)
    return out


def link_problem(
    problems: Problems,
    unit: str,
    mask: np.ndarray,
    row_labels: np.ndarray,
    source_rows: np.ndarray,
    values: np.ndarray,
    column: str,
    parent: str,
) -> None:
    """Rows of a repeat whose parent row is not in the export."""
    if mask.any():
        problems.add(
            unit,
            "orphan",
            f"no row of {parent!r} matches {column!r}; the row is kept with an empty interview id",
            column=column,
            rows=row_labels[mask],
            source_rows=source_rows[mask],
            values=values[mask],
        )
