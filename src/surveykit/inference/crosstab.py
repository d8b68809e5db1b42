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
from ..estimation.ci import check_ci, confidence_interval
from ..estimation.ratios import resolve_df, result_table, rows_in_domain
from ..estimation.statistics import Statistics, as_list
from ..metadata import label_values
from ..variance import LOGIT, Block

__all__ = ["crosstab", "interaction", "cell_codes", "shares"]


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
            raise EstimationError(
                f"column '{name}' has no non-missing values; there is nothing to tabulate.", column=name
            )
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


def crosstab(
    design: Any,
    row: str,
    col: str,
    *,
    by: Any = None,
    statistic: str = "proportion",
    margin: str = "cell",
    ci: str = "t",
    level: float = 0.95,
    labels: bool = False,
) -> pd.DataFrame:
    """See :meth:`surveykit.SurveyDesign.crosstab`."""
    if statistic not in ("proportion", "total"):
        raise EstimationError(f"statistic={statistic!r}: use 'proportion' or 'total'.")
    if margin not in ("cell", "row", "col"):
        raise EstimationError(f"margin={margin!r}: use 'cell', 'row' or 'col'.")
    if statistic == "total" and margin != "cell":
        raise EstimationError(
            "totals do not depend on a margin: use statistic='total' with margin='cell', or "
            "proportions of a row or column margin."
        )
    for c in (row, col):
        if not isinstance(c, str):
            raise EstimationError(f"crosstab() takes column names; got {c!r}.")
    if row == col:
        raise EstimationError(f"crosstab() needs two different columns; got '{row}' twice.", column=row)
    by_cols = as_list(by, "by")
    check_ci(ci, level, statistic == "proportion")
    if margin == "cell":
        cells, rcats, ccats = interaction(design, row, col)
        nc = len(ccats)
        table = shares(
            design,
            cells.cat.codes.to_numpy().astype(np.int64),
            len(rcats) * nc,
            design.domains(by_cols or None),
            statistic,
            ci,
            level,
            f"{row}:{col}",
        )
        code = table.pop("level").to_numpy().astype(np.int64)
        table = table.drop(columns="variable")
        table.insert(len(by_cols), row, np.asarray(rcats, dtype=object)[code // nc])
        table.insert(len(by_cols) + 1, col, np.asarray(ccats, dtype=object)[code % nc])
    else:
        inner, outer = (col, row) if margin == "row" else (row, col)
        rc, rcats, cc, ccats = cell_codes(design, inner, outer)
        table = shares(design, rc, len(rcats), design.domains(by_cols + [outer]), "proportion", ci, level, inner)
        lv = table.pop("level").to_numpy().astype(np.int64)
        table = table.drop(columns="variable")
        table[inner] = np.asarray(rcats, dtype=object)[lv]
        keys = by_cols + [row, col]
        table = table[keys + [c for c in table.columns if c not in keys]]
    table["n"] = _cell_counts(design, table, by_cols, row, col)
    if labels:
        for c in by_cols + [row, col]:
            table[c] = label_values(table[c], design.labels_for(c)).to_numpy()
    table.attrs.update({"statistic": statistic, "margin": margin, "row": row, "col": col, "level": level, "ci": ci})
    return table.reset_index(drop=True)


def shares(
    design: Any, codes: np.ndarray, K: int, dom: Any, statistic: str, ci: str, level: float, name: str
) -> pd.DataFrame:
    """Proportions (or totals) of the K categories of ``codes`` (-1: missing) in every domain, as the
    proportion estimator's table, with one ``bincount`` over (domain x category) and one over (variance
    cell x category) instead of a pass per category."""
    w = design.weight_array
    n = len(w)
    G = dom.n_groups
    g = np.zeros(n, dtype=np.int64) if dom.group is None else dom.group
    ok = codes >= 0 if dom.inside is None else (codes >= 0) & dom.inside
    code0 = np.where(ok, codes, 0)
    wk = np.where(ok, w, 0.0)
    Ty = np.bincount(g * K + code0, weights=wk, minlength=G * K).reshape(G, K)
    W = Ty.sum(axis=1)
    n_dom = np.bincount(g, weights=ok, minlength=G)
    mask = None if ok.all() else ok
    columns = [((code0 == j) & ok).view(np.int8) for j in range(K)] + [None if mask is None else ok.view(np.int8)]
    with np.errstate(divide="ignore", invalid="ignore"):
        if statistic == "proportion":
            theta = Ty / W[:, None]
            terms = [[(j, 1.0 / W), (K, -theta[:, j] / W)] for j in range(K)]
            S = Ty * (1 - theta) / (W * W)[:, None]

            def function(T: np.ndarray) -> np.ndarray:
                with np.errstate(divide="ignore", invalid="ignore"):
                    return T[..., :K] / T[..., K : K + 1]
        else:
            theta = Ty
            terms = [[(j, np.ones(G))] for j in range(K)]
            S = Ty * (1 - Ty / W[:, None])

            def function(T: np.ndarray) -> np.ndarray:
                return T[..., :K]

    block = Block(theta, dom.group, G, [mask] * K, columns=columns, terms=terms, function=function, cache=dom.cache)
    vc = design.variance_cells(dom.group, G, dom.cache)
    if vc is not None:
        cell, used = vc
        C = np.bincount(cell * K + code0, weights=wk, minlength=len(used) * K).reshape(len(used), K)
        block.cells = (cell, used, np.column_stack([C, C.sum(axis=1)]))
    with np.errstate(divide="ignore", invalid="ignore"):
        var, var_logit = design.block_variance(block, LOGIT if ci == "logit" else None)
        se = np.sqrt(var)
        n_obs = np.repeat(n_dom[:, None], K, axis=1)
        vsrs = np.where(W[:, None] < n_obs, np.nan, S * (W[:, None] - n_obs) / (n_obs - 1))
        deff = var / vsrs
    masks = block.masks
    dfv = resolve_df(design, None, "design", dom, masks)
    n_rows = kg_df = None
    if ci == "korn-graubard":
        n_rows = rows_in_domain(dom, n)[:, None] * np.ones_like(n_obs)
        kg_df = resolve_df(design, None, "domain", dom, masks)
    lo, hi = confidence_interval(
        theta,
        se,
        dfv,
        level,
        ci,
        n_rows=n_rows,
        kg_df=kg_df,
        se_logit=None if var_logit is None else np.sqrt(var_logit),
    )
    # the table needs the statistics' names and levels only: no values
    stats = Statistics([name] * K, list(range(K)), [np.empty(0)] * K, None, [mask] * K)
    return result_table(
        design, stats, dom, statistic, theta, se, lo, hi, deff, n_obs, False, dict(ci=ci, level=level), dfv
    )


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
