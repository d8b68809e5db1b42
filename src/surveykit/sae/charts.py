"""Charts of small area estimates: direct vs EBLUP with intervals, and the priority ranking.

Made with matplotlib's object API (``matplotlib.figure.Figure``, Agg canvas) like
:mod:`surveykit.report.charts`, so no screen is needed and pyplot's global state is never touched.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from ..errors import SmallAreaError

__all__ = ["plot_direct_vs_eblup", "plot_ranking"]

_DIRECT = "#A6A6A6"
_EBLUP = "#1F4E78"
_TRUTH = "#C00000"


def _figure(width: float, height: float) -> Any:
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained")


def plot_direct_vs_eblup(
    table: pd.DataFrame,
    *,
    truth: pd.Series | None = None,
    level: float = 0.95,
    sort_by: str = "n",
    max_areas: int | None = 60,
    title: str | None = None,
    path: str | Path | None = None,
) -> Any:
    """Direct estimates and EBLUPs by area with their intervals (one row per area, sorted by ``sort_by``).

    Direct intervals are ``direct +- z * direct_se``; EBLUP intervals are the table's ``ci_low, ci_high``.
    Areas without sample show only the (synthetic) EBLUP.

    Parameters
    ----------
    table : DataFrame
        ``fit.table``.
    truth : Series, optional
        True values by area (simulations), drawn as red ticks.
    level : float
        Level of the direct intervals.
    sort_by : str
        Column to order areas by (default sample size, so the small areas are together).
    max_areas : int, optional
        Show at most this many areas (evenly spaced in the sort order); None for all.
    title : str, optional
    path : str or Path, optional
        Write a PNG there.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"area": ["a", "b"], "n": [10, 0], "direct": [0.3, float("nan")],
    ...                   "direct_se": [0.1, float("nan")], "eblup": [0.25, 0.2], "ci_low": [0.15, 0.05],
    ...                   "ci_high": [0.35, 0.35]})
    >>> fig = plot_direct_vs_eblup(t)
    >>> len(fig.axes)
    1
    """
    need = {"area", "direct", "direct_se", "eblup", "ci_low", "ci_high", sort_by}
    if need - set(table.columns):
        raise SmallAreaError(f"the table lacks columns {sorted(need - set(table.columns))}; pass fit.table.")
    t = table.sort_values(sort_by, kind="stable").reset_index(drop=True)
    if max_areas is not None and len(t) > max_areas:
        t = t.iloc[np.unique(np.linspace(0, len(t) - 1, max_areas).round().astype(int))].reset_index(drop=True)
    z = stats.norm.ppf(0.5 + level / 2)
    y = np.arange(len(t))
    fig = _figure(7.5, max(3.0, 0.16 * len(t) + 1.2))
    ax = fig.add_subplot()
    d = t["direct"].to_numpy(float)
    se = t["direct_se"].to_numpy(float)
    ax.errorbar(d, y - 0.18, xerr=z * se, fmt="o", ms=3, color=_DIRECT, elinewidth=1, label="direct")
    e = t["eblup"].to_numpy(float)
    ax.errorbar(
        e,
        y + 0.18,
        xerr=[e - t["ci_low"].to_numpy(float), t["ci_high"].to_numpy(float) - e],
        fmt="s",
        ms=3,
        color=_EBLUP,
        elinewidth=1.2,
        label="EBLUP (Fay-Herriot)",
    )
    if truth is not None:
        tv = truth.reindex(t["area"]).to_numpy(float)
        ax.plot(tv, y, "|", color=_TRUTH, ms=9, mew=2, label="true value")
    labels = [f"{a} (n={int(n)})" if np.isfinite(n) else str(a) for a, n in zip(t["area"], t.get("n", np.nan))]
    ax.set_yticks(y, labels, fontsize=6)
    ax.invert_yaxis()
    ax.grid(axis="x", alpha=0.3)
    ax.legend(fontsize=7, loc="lower right")
    ax.set_title(title or f"Direct estimates and EBLUPs with {level:.0%} intervals", fontsize=9)
    if path is not None:
        fig.savefig(path, dpi=130)
    return fig


def plot_ranking(
    ranking: pd.DataFrame,
    *,
    top: int = 30,
    k: int | None = None,
    title: str | None = None,
    path: str | Path | None = None,
) -> Any:
    """The ``top`` areas of :func:`surveykit.sae.priority_ranking`: rank intervals and P(top k).

    Examples
    --------
    >>> import pandas as pd
    >>> r = pd.DataFrame({"area": ["a", "b"], "rank": [1, 2], "rank_low": [1, 1], "rank_high": [2, 2],
    ...                   "p_top_k": [0.8, 0.4]})
    >>> len(plot_ranking(r).axes)
    2
    """
    r = ranking.sort_values("rank").head(top).reset_index(drop=True)
    y = np.arange(len(r))
    fig = _figure(7.5, max(3.0, 0.2 * len(r) + 1.2))
    ax, ax2 = fig.subplots(1, 2, sharey=True, width_ratios=[2, 1])
    ax.hlines(y, r["rank_low"], r["rank_high"], color=_EBLUP, lw=2)
    ax.plot(r["rank"], y, "o", color=_EBLUP, ms=4)
    ax.set_yticks(y, [str(a) for a in r["area"]], fontsize=7)
    ax.invert_yaxis()
    ax.set_xlabel("rank (1 = highest priority) and 95% interval", fontsize=8)
    ax.grid(axis="x", alpha=0.3)
    ax2.barh(y, r["p_top_k"], color=_EBLUP)
    ax2.set_xlim(0, 1)
    ax2.set_xlabel(f"P(among the top {k})" if k else "P(top k)", fontsize=8)
    fig.suptitle(title or "Territorial priority ranking with uncertainty", fontsize=9)
    if path is not None:
        fig.savefig(path, dpi=130)
    return fig
