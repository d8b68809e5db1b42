"""Plain estimator tables (``d.proportion``, ``d.mean``, ``d.crosstab``) as publication results.

:func:`estimate_results` turns the tidy table of any estimator into the results table the workbook
writes (one indicator per variable and level, a breakdown per domain column), with the quality
flags of :func:`surveykit.estimation.quality.quality_flags`. Given the ``design`` and ``compare=``,
each category is tested against the whole population or the first category with the design's
``difference`` (a design-based t test); a ``p_value`` column merged in by the user is kept too. The
workbook marks categories with a p-value below its ``alpha`` (▲ higher, ▼ lower) with a footnote.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..errors import ReportError, SurveykitError
from ..estimation.quality import quality_flags

if TYPE_CHECKING:
    from ..design.base import BaseDesign

__all__ = ["estimate_results", "is_estimate_table"]

_ESTIMATE_COLUMNS = ("estimate", "se", "ci_low", "ci_high")
_NOT_DOMAINS = {
    "variable",
    "level",
    "estimate",
    "se",
    "ci_low",
    "ci_high",
    "cv",
    "deff",
    "n",
    "df",
    "t",
    "p_value",
    "quantile",
    "flag",
    "publish",
    "flag_reason",
    "flag_code",
    "difference",
    "difference_se",
    "difference_df",
    "compared_with",
}


def is_estimate_table(table: Any) -> bool:
    """A plain estimator table: estimates with SEs and intervals, no indicator code."""
    return (
        isinstance(table, pd.DataFrame)
        and all(c in table.columns for c in _ESTIMATE_COLUMNS)
        and "code" not in table.columns
    )


def estimate_results(
    table: pd.DataFrame,
    *,
    name: str | None = None,
    family: str = "sdg16",
    unit_label: str = "",
    source: str = "",
    scale: float = 1.0,
    rule: str = "inegi",
    alpha: float = 0.05,
    row: str | None = None,
    design: BaseDesign | None = None,
    compare: str | None = None,
    denominator: str | None = None,
) -> pd.DataFrame:
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
        Kept for compatibility: the workbook's ``alpha=`` decides which categories get a marker.
    design : design, optional
        The design the table was estimated on (the same subpopulation), for ``compare=``.
    compare : {None, "total", "reference"}
        Test each category of the domain column against the whole population (``"total"``) or the
        first category (``"reference"``) with ``design.difference(...)`` — the covariance of the two
        estimates included, a design-based t test with the design's degrees of freedom — adding
        ``difference``, ``difference_se`` (scaled), ``difference_df``, ``p_value`` and
        ``compared_with``. Means, proportions and totals; ratios need ``denominator=``.
    denominator : str, optional
        The denominator column of a ratio table (for ``compare=``).

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
    >>> d = sk.SurveyDesign(df, weights="w", strata="s")
    >>> c = estimate_results(d.mean("y", by="sex"), scale=100, design=d, compare="reference")
    >>> c[["category", "difference", "compared_with"]].values.tolist()
    [['F', nan, 'F'], ['M', 0.0, 'F']]
    """
    if not is_estimate_table(table):
        raise ReportError("estimate_results() takes the table of an estimator (estimate, se, ci_low, ci_high).")
    if table.empty:
        raise ReportError("the estimate table is empty: there is nothing to publish.")
    t = table.reset_index(drop=True).copy()
    if row is not None:  # a crosstab: the row variable is the breakdown
        col = t.attrs.get("col")
        if col is None or row not in t.columns:
            raise ReportError(f"row={row!r} is not a column of the crosstab.", column=row)
        t = t.rename(columns={col: "level"})
        t.insert(0, "variable", col)
    if "variable" not in t.columns:
        t.insert(0, "variable", name or "estimate")
    domains = [c for c in t.columns if c not in _NOT_DOMAINS]
    if len(domains) > 1:
        raise ReportError(
            f"the table has several domain columns {domains}; estimate by one breakdown at a time "
            "(or by=None for the total) and concatenate the results.",
            column=domains[1],
        )
    if "cv" not in t.columns:
        with np.errstate(divide="ignore", invalid="ignore"):
            t["cv"] = t["se"] / t["estimate"].abs()
    if "n" not in t.columns:
        raise ReportError("the table has no 'n' column (sample count); the quality flags need it.", column="n")
    flagged = quality_flags(t.assign(df=t["df"] if "df" in t.columns else np.inf), rule)
    lv = t["level"].astype(str) if "level" in t.columns else None
    code = t["variable"].astype(str) if lv is None else t["variable"].astype(str) + "=" + lv
    label = (name or "") if lv is None else ((name + ": ") if name else "") + lv
    out = pd.DataFrame(
        {
            "code": code,
            "name": (label if lv is not None else (name or t["variable"].astype(str))),
            "family": family,
            "breakdown": domains[0] if domains else "total",
            "category": t[domains[0]].to_numpy() if domains else "",
        }
    )
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
    if compare is not None:
        if design is None:
            raise ReportError(
                "compare= needs the design the table was estimated on: estimate_results(table, "
                "design=d, compare='total')."
            )
        if row is not None or not domains:
            raise ReportError(
                "compare= tests the categories of an estimator table by one domain column "
                "(d.mean(..., by='sexo')); this table has none."
            )
        t = _compare(t, design, compare, domains[0], denominator)
        for c in ("difference", "difference_se"):
            out[c] = t[c].to_numpy() * scale
        out["difference_df"] = t["difference_df"].to_numpy()
        out["p_value"] = t["p_value"].to_numpy()
        out["compared_with"] = t["compared_with"].to_numpy()
    elif "p_value" in t.columns:  # given by the user (a test of their own)
        for c in ("difference", "difference_df", "compared_with", "p_value"):
            if c in t.columns:
                out[c] = t[c].to_numpy()
    out["unit_label"] = unit_label
    out["source"] = source
    out.attrs.update({k: v for k, v in table.attrs.items() if k in ("level", "ci")})
    out.attrs["rule"] = rule
    return out


def _compare(t: pd.DataFrame, design: BaseDesign, compare: str, domain: str, denominator: str | None) -> pd.DataFrame:
    """The estimator table ``t`` with each category's difference from the total or the first category."""
    if compare not in ("total", "reference"):
        raise ReportError(
            f"compare={compare!r}: use 'total' (against the whole population) or 'reference' "
            "(against the first category)."
        )
    statistic = str(t.attrs.get("statistic", "proportion" if "level" in t.columns else "mean"))
    if statistic not in ("mean", "proportion", "total", "ratio"):
        raise ReportError(f"compare= works on means, proportions, totals and ratios, not on {statistic} tables.")
    if statistic == "ratio" and denominator is None:
        raise ReportError("compare= on a ratio table needs denominator= (the ratio's denominator column).")
    variables = list(dict.fromkeys(t["variable"].astype(str)))
    if statistic == "ratio":
        variables = [v.split("/")[0] for v in variables]
    keys = ["variable", domain, "level"] if "level" in t.columns else ["variable", domain]

    def key_of(frame: pd.DataFrame, cols: list[str]) -> pd.Index:
        return pd.MultiIndex.from_arrays([frame[c].astype(str).to_numpy() for c in cols])

    mine = key_of(t, keys)
    reference = "total" if compare == "total" else None
    at = np.full(len(t), -1)
    d = pd.DataFrame()
    for labels in (False, True):  # the table's categories as codes, or labelled
        try:
            d = design.difference(
                variables, domain, statistic=statistic, reference=reference, denominator=denominator, labels=labels
            )
        except SurveykitError as exc:
            raise ReportError(f"cannot compare the categories of '{domain}': {exc}", column=domain) from None
        if statistic == "ratio":
            d["variable"] = d["variable"].astype(str)
        d = d.rename(columns={"group": domain})
        if statistic == "ratio":  # the difference names the ratio as the table does
            d["variable"] = [v if "/" in v else f"{v}/{denominator}" for v in d["variable"].astype(str)]
        at = key_of(d, keys).get_indexer(mine)
        if (at >= 0).any():
            break
    hit = at >= 0
    take = np.where(hit, at, 0)
    out = t.copy()
    for src, dst in (
        ("estimate", "difference"),
        ("se", "difference_se"),
        ("df", "difference_df"),
        ("p_value", "p_value"),
    ):
        out[dst] = np.where(hit, d[src].to_numpy(dtype=np.float64)[take], np.nan) if len(d) else np.nan
    if compare == "total":
        out["compared_with"] = "total"
    else:
        out["compared_with"] = (
            pd.Series(d["reference"].to_numpy()[take], index=out.index, dtype=object) if len(d) else ""
        )
        first = ~hit  # the reference category names itself
        out.loc[first, "compared_with"] = out.loc[first, domain].to_numpy()
    return out
