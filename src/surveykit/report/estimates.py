"""Plain estimator tables (``d.proportion``, ``d.mean``, ``d.crosstab``) as publication results.

:func:`estimate_results` turns the tidy table of any estimator into the results table the workbook
writes (one indicator per variable and level, a breakdown per domain column), with the quality
flags of :func:`surveykit.estimation.quality.quality_flags`. A ``p_value`` column (from
``d.difference`` merged in, or a test) is kept: the workbook's data sheet shows it, and a category
whose p-value is below ``alpha`` gets a marker in ``flag_reason``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..errors import ReportError
from ..estimation.quality import quality_flags

__all__ = ["estimate_results", "is_estimate_table"]

_ESTIMATE_COLUMNS = ("estimate", "se", "ci_low", "ci_high")
_NOT_DOMAINS = {"variable", "level", "estimate", "se", "ci_low", "ci_high", "cv", "deff", "n", "df", "t",
                "p_value", "quantile", "flag", "publish", "flag_reason", "flag_code"}


def is_estimate_table(table: Any) -> bool:
    """A plain estimator table: estimates with SEs and intervals, no indicator code."""
    return isinstance(table, pd.DataFrame) and all(c in table.columns for c in _ESTIMATE_COLUMNS) \
        and "code" not in table.columns


def estimate_results(table: pd.DataFrame, *, name: str | None = None, family: str = "sdg16",
                     unit_label: str = "", source: str = "", scale: float = 1.0, rule: str = "inegi",
                     alpha: float = 0.05, row: str | None = None) -> pd.DataFrame:
    """The results table of :func:`~surveykit.report.write_workbook` from an estimator's table.

    Parameters
    ----------
    table : DataFrame
        The output of an estimator (``variable``, domain columns, ``level``, ``estimate``, ``se``,
        ``ci_low``, ``ci_high``, ``cv``, ``n``) or of ``d.crosstab`` (``row`` names its row column,
        which becomes the breakdown; the column variable's categories become the indicators).
    name : str, optional
        Indicator name (default: the variable, with the level for proportions).
    family : {"victimization", "discrimination", "sdg16"}
        The workbook sheet the tables go to.
    unit_label, source : str
        Shown with each table (``"%"`` with ``scale=100`` for percentages).
    scale : float
        Multiplier of estimates, SEs and interval limits (100 for percentages).
    rule : str
        Quality rule (:func:`~surveykit.estimation.quality.quality_flags`).
    alpha : float
        Categories with ``p_value < alpha`` (if the table has p-values) get a marker in ``flag_reason``.

    Returns
    -------
    DataFrame with the workbook's columns; one indicator (``code``) per variable and level, one
    breakdown per domain column.

    Examples
    --------
    >>> import pandas as pd, surveykit as sk
    >>> df = pd.DataFrame({"y": [0, 1, 1, 0, 1, 1], "sex": ["F", "M"] * 3, "w": [1.0] * 6, "s": [1, 1, 2, 2, 3, 3]})
    >>> t = sk.SurveyDesign(df, weights="w", strata="s").mean("y", by="sex")
    >>> r = estimate_results(t, name="Share", unit_label="%", scale=100)
    >>> r[["code", "breakdown", "category", "estimate"]].values.tolist()
    [['y', 'sex', 'F', 66.66666666666666], ['y', 'sex', 'M', 66.66666666666666]]
    """
    if not is_estimate_table(table):
        raise ReportError("estimate_results() takes the table of an estimator (estimate, se, ci_low, ci_high).")
    if table.empty:
        raise ReportError("the estimate table is empty: there is nothing to publish.")
    t = table.reset_index(drop=True).copy()
    if row is not None:                         # a crosstab: the row variable is the breakdown
        col = t.attrs.get("col")
        if col is None or row not in t.columns:
            raise ReportError(f"row={row!r} is not a column of the crosstab.", column=row)
        t = t.rename(columns={col: "level"})
        t.insert(0, "variable", col)
    if "variable" not in t.columns:
        t.insert(0, "variable", name or "estimate")
    domains = [c for c in t.columns if c not in _NOT_DOMAINS]
    if len(domains) > 1:
        raise ReportError(f"the table has several domain columns {domains}; estimate by one breakdown at a time "
                          "(or by=None for the total) and concatenate the results.", column=domains[1])
    if "cv" not in t.columns:
        with np.errstate(divide="ignore", invalid="ignore"):
            t["cv"] = t["se"] / t["estimate"].abs()
    if "n" not in t.columns:
        raise ReportError("the table has no 'n' column (sample count); the quality flags need it.", column="n")
    flagged = quality_flags(t.assign(df=t["df"] if "df" in t.columns else np.inf), rule)
    lv = t["level"].astype(str) if "level" in t.columns else None
    code = t["variable"].astype(str) if lv is None else t["variable"].astype(str) + "=" + lv
    label = (name or "") if lv is None else ((name + ": ") if name else "") + lv
    out = pd.DataFrame({
        "code": code,
        "name": (label if lv is not None else (name or t["variable"].astype(str))),
        "family": family,
        "breakdown": domains[0] if domains else "total",
        "category": t[domains[0]].to_numpy() if domains else "",
    })
    if lv is not None and not name:
        out["name"] = t["variable"].astype(str) + ": " + lv
    for c in ("estimate", "se", "ci_low", "ci_high"):
        out[c] = t[c].to_numpy() * scale
    for c in ("cv", "n"):
        out[c] = t[c].to_numpy()
    if "deff" in t.columns:
        out["deff"] = t["deff"].to_numpy()
    for c in ("flag", "publish", "flag_reason", "flag_code"):
        out[c] = flagged[c].to_numpy()
    if "p_value" in t.columns:
        out["p_value"] = t["p_value"].to_numpy()
        sig = out["p_value"] < alpha
        note = f"differs significantly from the reference (p < {alpha:g}, design-based t test)"
        out.loc[sig, "flag_reason"] = np.where(out.loc[sig, "flag_reason"].astype(str) != "",
                                               out.loc[sig, "flag_reason"].astype(str) + "; " + note, note)
        out.loc[sig & (out["flag"].astype(str) == ""), "flag"] = "*"
    out["unit_label"] = unit_label
    out["source"] = source
    out.attrs.update({k: v for k, v in table.attrs.items() if k in ("level", "ci")})
    out.attrs["rule"] = rule
    return out
