"""Benchmarking: municipal estimates that add up to the department or national direct estimate.

With population shares ``s_d = N_d / N_g`` of the areas of a group ``g`` (a department, or the whole
country) and a benchmark ``T_g`` (typically the group's direct estimate, reliable at that level):

    ratio:       bench_d = eblup_d * T_g / sum_{d in g} s_d eblup_d
    difference:  bench_d = eblup_d + (T_g - sum_{d in g} s_d eblup_d)

so that ``sum_{d in g} s_d bench_d = T_g`` (Datta, Ghosh, Steorts & Maples 2011; emdi's
``benchmark(type="ratio" | "raking")``, where "raking" is the difference adjustment). Only the point
estimates are adjusted; the MSE column is left as it is (as emdi), so it does not include the
benchmarking adjustment.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import SmallAreaError, format_rows

__all__ = ["benchmark"]


def benchmark(
    table: pd.DataFrame,
    target: float | pd.Series,
    shares: pd.Series,
    *,
    by: pd.Series | None = None,
    method: str = "ratio",
) -> pd.DataFrame:
    """Benchmark the ``eblup`` column of a Fay-Herriot table to group totals.

    Parameters
    ----------
    table : DataFrame
        ``fit.table`` (columns ``area`` and ``eblup``).
    target : float or Series
        The benchmark: one number (national), or a Series indexed by group (``by`` values).
    shares : Series
        Population share of each area within its group (``N_d / N_g``), indexed by area; each group's
        shares should add up to 1.
    by : Series, optional
        Group of each area (e.g. department), indexed by area; None for a single national group.
    method : {"ratio", "difference"}

    Returns
    -------
    DataFrame
        ``table`` with a column ``eblup_bench``.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"area": ["a", "b", "c"], "eblup": [0.2, 0.3, 0.5]})
    >>> s = pd.Series([0.5, 0.3, 0.2], index=["a", "b", "c"])
    >>> benchmark(t, 0.33, s, method="ratio")["eblup_bench"].round(4).tolist()
    [0.2276, 0.3414, 0.569]
    >>> benchmark(t, 0.33, s, method="difference")["eblup_bench"].round(4).tolist()
    [0.24, 0.34, 0.54]
    """
    if method not in ("ratio", "difference"):
        raise SmallAreaError(f"method={method!r}: use 'ratio' or 'difference'.")
    areas = pd.Index(table["area"])
    s = pd.to_numeric(shares.reindex(areas), errors="coerce").to_numpy(float)
    if not np.isfinite(s).all():
        rows = list(areas[~np.isfinite(s)])
        raise SmallAreaError(f"no population share for areas {format_rows(rows)}.", rows=rows, column="shares")
    est = table["eblup"].to_numpy(float)
    if by is None:
        codes = np.zeros(len(areas), dtype=int)
        t = np.array([float(target)])
    else:
        g = by.reindex(areas)
        if g.isna().any():
            rows = list(areas[g.isna().to_numpy()])
            raise SmallAreaError(f"no group for areas {format_rows(rows)}.", rows=rows)
        codes, uniq = pd.factorize(g)
        tt = pd.Series(target).reindex(uniq)
        if tt.isna().any():
            raise SmallAreaError(f"no benchmark for groups {format_rows(list(uniq[tt.isna().to_numpy()]))}.")
        t = tt.to_numpy(float)
    weighted = np.bincount(codes, weights=s * est, minlength=len(t))
    if method == "ratio":
        if (weighted == 0).any():
            raise SmallAreaError(
                "a group's weighted estimate is 0: ratio benchmarking is undefined; use method='difference'."
            )
        bench = est * (t / weighted)[codes]
    else:
        bench = est + (t - weighted)[codes]
    out = table.copy()
    out["eblup_bench"] = bench
    return out
