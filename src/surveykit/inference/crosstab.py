"""Two-way tables of weighted proportions or totals (R's ``svymean(~interaction(r, c))``, ``svyby``).

A cell of the table is a level of the interaction of the two variables, so a crosstab is the
proportion (or total) estimator on one derived categorical column: the estimates, SEs, intervals,
design effects and domains are exactly those of :meth:`proportion`. Row and column margins are
proportions of one variable within the domains of the other.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..errors import EstimationError
from ..estimation.ratios import estimate_ratios
from ..estimation.statistics import Statistics, as_list, proportion_statistics
from ..metadata import label_values

__all__ = ["crosstab", "interaction", "cell_codes"]


def cell_codes(design: Any, row: str, col: str) -> tuple[np.ndarray, list, np.ndarray, list]:
    """Integer codes (-1: missing) and sorted categories of the two variables."""
    out = []
    for name in (row, col):
        s = design.column(name)
        if isinstance(s.dtype, pd.CategoricalDtype):
            cats = list(s.cat.categories)
            codes = s.cat.codes.to_numpy().astype(np.int64)
        else:
            codes, uniq = pd.factorize(s, sort=True)
            cats = list(uniq)
            codes = codes.astype(np.int64)
        if not cats:
            raise EstimationError(f"column '{name}' has no non-missing values; there is nothing to tabulate.",
                                  column=name)
        out += [codes, cats]
    return out[0], out[1], out[2], out[3]


def interaction(design: Any, row: str, col: str) -> tuple[pd.Series, list, list]:
    """The cells of ``row`` x ``col`` as a categorical Series of cell numbers ``i * ncol + j`` (row-major);
    missing where either variable is."""
    rc, rcats, cc, ccats = cell_codes(design, row, col)
    nr, nc = len(rcats), len(ccats)
    code = np.where((rc >= 0) & (cc >= 0), rc * nc + cc, -1)
    cat = pd.Categorical.from_codes(code, categories=np.arange(nr * nc))
    return pd.Series(cat, index=design.data.index, name=f"{row}:{col}"), rcats, ccats


def crosstab(design: Any, row: str, col: str, *, by: Any = None, statistic: str = "proportion",
             margin: str = "cell", ci: str = "t", level: float = 0.95, labels: bool = False) -> pd.DataFrame:
    """See :meth:`surveykit.SurveyDesign.crosstab`."""
    if statistic not in ("proportion", "total"):
        raise EstimationError(f"statistic={statistic!r}: use 'proportion' or 'total'.")
    if margin not in ("cell", "row", "col"):
        raise EstimationError(f"margin={margin!r}: use 'cell', 'row' or 'col'.")
    if statistic == "total" and margin != "cell":
        raise EstimationError("totals do not depend on a margin: use statistic='total' with margin='cell', or "
                              "proportions of a row or column margin.")
    for c in (row, col):
        if not isinstance(c, str):
            raise EstimationError(f"crosstab() takes column names; got {c!r}.")
    if row == col:
        raise EstimationError(f"crosstab() needs two different columns; got '{row}' twice.", column=row)
    by_cols = as_list(by, "by")
    if margin == "cell":
        cells, rcats, ccats = interaction(design, row, col)
        stats = proportion_statistics(design, [cells])
        if statistic == "total":
            stats = Statistics(stats.variable, stats.level, stats.num, None, stats.present)
        table = estimate_ratios(design, stats, design.domains(by_cols or None), statistic, ci=ci if
                                statistic == "proportion" else ("t" if ci in ("logit", "korn-graubard", "wilson")
                                                                else ci),
                                level=level, df=None, labels=False, empty="nan", proportion=statistic == "proportion")
        nc = len(ccats)
        code = table.pop("level").to_numpy().astype(np.int64)
        table = table.drop(columns="variable")
        table.insert(len(by_cols), row, np.asarray(rcats, dtype=object)[code // nc])
        table.insert(len(by_cols) + 1, col, np.asarray(ccats, dtype=object)[code % nc])
    else:
        inner, outer = (col, row) if margin == "row" else (row, col)
        stats = proportion_statistics(design, [inner])
        table = estimate_ratios(design, stats, design.domains(by_cols + [outer]), "proportion", ci=ci, level=level,
                                df=None, labels=False, empty="nan", proportion=True)
        table = table.drop(columns="variable").rename(columns={"level": inner})
        keys = by_cols + [row, col]
        table = table[keys + [c for c in table.columns if c not in keys]]
    table["n"] = _cell_counts(design, table, by_cols, row, col)
    if labels:
        for c in by_cols + [row, col]:
            table[c] = label_values(table[c], design.labels_for(c)).to_numpy()
    table.attrs.update({"statistic": statistic, "margin": margin, "row": row, "col": col, "level": level, "ci": ci})
    return table.reset_index(drop=True)


def _cell_counts(design: Any, table: pd.DataFrame, by_cols: list, row: str, col: str) -> np.ndarray:
    """Sample rows of each (domain, row, col) cell of the table (within the subpopulation)."""
    keys = by_cols + [row, col]
    frame = pd.DataFrame({c: design.column(c).to_numpy() for c in keys})
    sub = design.subpopulation
    if sub is not None:
        frame = frame[sub]
    counts = frame.dropna().value_counts(sort=False)
    idx = pd.MultiIndex.from_frame(table[keys])
    return counts.reindex(idx, fill_value=0).to_numpy().astype(np.int64)
