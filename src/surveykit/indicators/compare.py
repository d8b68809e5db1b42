"""Comparisons of indicator estimates: each category against the national value or the first category.

``compute(..., compare=)`` adds each category's difference from the whole population (or from its
breakdown's first category), its SE and the design-based t test, through the design's
``difference`` (the covariance between a category and the total it belongs to included). Averages
of item proportions (SDG 16.6.2, 16.7.2) are a linear contrast of their item means.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..design.base import BaseDesign

if TYPE_CHECKING:
    from ..questionnaire import Questionnaire
    from .compute import _Prepared

__all__ = ["COMPARE_COLUMNS", "compare_columns", "mean_of_means_difference", "variable_labels"]


#: Columns ``compare=`` adds.
COMPARE_COLUMNS = ("difference", "difference_se", "difference_df", "p_value", "compared_with")


def compare_columns(
    prepared: _Prepared, t: pd.DataFrame, by_cols: list[str], compare: str, scale: float
) -> pd.DataFrame:
    """``t`` (an estimator table by ``by_cols``) with each category's difference and p-value."""
    d = prepared.difference(by_cols, "total" if compare == "total" else None)
    outer, comp = by_cols[:-1], by_cols[-1]
    found = (
        {tuple(str(v) for v in k): i for i, k in enumerate(zip(*[d[c] for c in outer], d["group"]))} if len(d) else {}
    )
    keys = zip(*[t[c] for c in outer], t[comp])
    at = np.array([found.get(tuple(str(v) for v in k), -1) for k in keys], dtype=np.int64)
    hit = at >= 0
    take = np.where(hit, at, 0)

    def column(name: str, factor: float = 1.0) -> np.ndarray:
        if not len(d):
            return np.full(len(t), np.nan)
        return np.where(hit, d[name].to_numpy(dtype=np.float64)[take] * factor, np.nan)

    t = t.copy()
    t["difference"] = column("estimate", scale)
    t["difference_se"] = column("se", scale)
    t["difference_df"] = column("df")
    t["p_value"] = column("p_value")
    if compare == "total":
        t["compared_with"] = "total"
    else:
        # every row of a cell names its reference category (the reference's own row too, with NaN)
        first = (
            t.groupby([t[c].astype(str) for c in outer], sort=False)[comp].transform("first")
            if outer
            else pd.Series(t[comp].iloc[0] if len(t) else None, index=t.index)
        )
        t["compared_with"] = pd.Series(first.to_numpy(), index=t.index, dtype=object)
    return t


def variable_labels(
    cols: list[str], designs: Any, questionnaire: Questionnaire | None, language: str
) -> dict[str, str]:
    """Each breakdown column's label: the questionnaire's, else the data's (SPSS/Stata variable labels)."""
    from ..metadata import variable_label

    found: dict[str, str] = {}
    if questionnaire is not None:
        try:
            found = dict(questionnaire.label_dictionaries(language).variable_labels)
        except Exception:  # noqa: BLE001 - a questionnaire without that language: the data's labels
            found = {}
    frames = [designs.data] if isinstance(designs, BaseDesign) else [d.data for d in designs.values()]
    out = {}
    for c in cols:
        label = found.get(c) or next((lab for f in frames if c in f.columns and (lab := variable_label(f, c))), None)
        if label:
            out[c] = str(label)
    return out


def mean_of_means_difference(
    sub: BaseDesign, items: list[pd.Series], by_cols: list[str], reference: str | None
) -> pd.DataFrame:
    """Differences of an average of item means (SDG 16.6.2, 16.7.2): a linear contrast of the item means.

    The average of k item means in a domain is ``sum(mean_j) / k``, so its difference from the total's
    (or the reference category's) average has coefficients ``±1/k`` on the item means of the two; the
    covariance of all of them (the domain is part of the total) comes from one stacked linearization.
    """
    from ..variance import Linearization

    outer, comp = by_cols[:-1], by_cols[-1]
    lin = sub.linearize("mean", items, by_cols)
    rows = lin.rows.reset_index(drop=True)
    parts = [lin]
    trows = pd.DataFrame()
    if reference == "total":
        tot = sub.linearize("mean", items, outer or None)
        parts.append(tot)
        trows = tot.rows.reset_index(drop=True)
    joint = Linearization.stack(parts)
    k = len(items)

    def where(table: pd.DataFrame, values: dict[str, Any]) -> np.ndarray:
        hit = np.ones(len(table), dtype=bool)
        for c, v in values.items():
            hit &= (table[c] == v).to_numpy()
        return np.flatnonzero(hit)

    specs: list[tuple[dict[str, Any], Any, Any, np.ndarray]] = []
    cells = rows[outer + [comp]].drop_duplicates()
    for _, cell in cells.groupby(outer, sort=False) if outer else [((), cells)]:
        key = {c: cell[c].iloc[0] for c in outer}
        cats = cell[comp].tolist()
        if reference == "total":
            base = lin.size + where(trows, key)
            ref_label: Any = "total"
        else:
            ref_label = cats[0]
            base = where(rows, {**key, comp: ref_label})
        for g in cats if reference == "total" else cats[1:]:
            pos = where(rows, {**key, comp: g})
            if len(pos) != k or len(base) != k:  # an item with no answer in the domain: no average
                continue
            a = np.zeros(joint.size)
            a[pos], a[base] = 1.0 / k, -1.0 / k
            specs.append((key, g, ref_label, a))
    if not specs:
        return pd.DataFrame(columns=[*outer, "group", "reference", "estimate", "se", "df", "p_value"])
    c = sub.contrast(joint, {str(i): s[3] for i, s in enumerate(specs)})
    out = pd.DataFrame({col: [s[0][col] for s in specs] for col in outer})
    out["group"] = [s[1] for s in specs]
    out["reference"] = [s[2] for s in specs]
    for col in ("estimate", "se", "df", "p_value"):
        out[col] = c[col].to_numpy()
    return out
