"""The statistics an estimator call asks for: analysis columns, their missing values and domains.

Totals, means, proportions and ratios are all ratios of weighted totals ``T(y) / T(x)`` (a total has
no denominator, a mean has ``x = 1``, a proportion ``y = 1(level)``). :class:`Statistics` holds the
columns of one call; the helpers here read and check them from the design's data.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..errors import EmptyDomainError, EstimationError, VariableTypeError, format_rows
from ..variance import Domains

__all__ = [
    "Statistics",
    "as_list",
    "label_of",
    "numeric_column",
    "is_binary",
    "check_empty",
    "proportion_statistics",
    "numeric_statistics",
    "ratio_statistics",
    "statistics_for",
    "STATISTICS",
]


def as_list(value: Any, what: str) -> list:
    """Column names (or named Series aligned with the data) as a list (``None`` -> empty)."""
    if value is None:
        return []
    if isinstance(value, (str, pd.Series)):
        return [value]
    try:
        out = list(value)
    except TypeError:
        raise EstimationError(f"{what} must be a column name or a list of column names, not {value!r}.")
    for v in out:
        if not isinstance(v, (str, pd.Series)):
            raise EstimationError(f"{what} must name columns by their (string) names; got {v!r}.")
    return out


def label_of(column: str | pd.Series) -> str:
    """The name a column (or Series) goes by in result tables."""
    if isinstance(column, pd.Series):
        return str(column.name) if column.name is not None else "value"
    return column


@dataclass
class Statistics:
    """The statistics of one estimator call, one column ``j`` each: ``T(num_j) / T(den_j)``.

    Columns are 1-D arrays (one per statistic) so that no (rows x statistics) matrix is built for the
    inputs. ``den`` is ``None`` for totals; an entry ``None`` in ``den`` means 1 (a mean).
    ``present[j]`` marks the rows that count for column ``j`` (``None``: every row); values elsewhere
    are ignored (they may be NaN). ``variable`` and ``level`` label the columns.
    """

    variable: list[str]
    level: list[Any] | None
    num: list[np.ndarray]
    den: list[np.ndarray | None] | None
    present: list[np.ndarray | None]
    binary: list[bool] | None = None

    @property
    def k(self) -> int:
        return len(self.num)


def numeric_column(design: Any, column: str | pd.Series, estimator: str) -> tuple[np.ndarray, np.ndarray | None]:
    """The values of a numeric analysis column as float64 and its non-missing mask (``None``: complete).

    Text and categorical columns raise :class:`VariableTypeError` naming the column and rows.
    """
    s = design.column(column)
    if isinstance(s.dtype, pd.CategoricalDtype):
        raise VariableTypeError(
            f"column '{column}' is categorical; {estimator}() needs numbers. Use proportion('{column}') "
            "for the share of each category.",
            column=column,
        )
    if (
        pd.api.types.is_datetime64_any_dtype(s.dtype)
        or isinstance(s.dtype, pd.PeriodDtype)
        or pd.api.types.is_timedelta64_dtype(s.dtype)
    ):
        raise VariableTypeError(
            f"column '{column}' holds dates or times ({s.dtype}); {estimator}() needs numbers. Derive a number "
            f"first, e.g. the year (df['{column}'].dt.year) or days since a reference date.",
            column=column,
        )
    if not pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype):
        conv = pd.to_numeric(s, errors="coerce")
        bad = conv.isna() & s.notna()
        if not bad.any() and pd.api.types.is_numeric_dtype(conv.dtype):
            # numbers stored as objects (e.g. ints with None): read as numbers, None as missing
            s = conv
            values = s.to_numpy(dtype=np.float64, na_value=np.nan)
            notna = ~np.isnan(values)
            return values, (None if notna.all() else notna)
        rows = list(s.index[bad.to_numpy()])
        example = s[bad].iloc[0] if bad.any() else None
        raise VariableTypeError(
            f"column '{column}' holds text (e.g. {example!r} in rows {format_rows(rows)}); {estimator}() "
            f"needs numbers. Convert the column, or use proportion('{column}') for shares of categories.",
            column=column,
            rows=rows,
        )
    if isinstance(s.dtype, np.dtype) and s.dtype.kind in "iub":
        # plain integer and boolean columns cannot be missing; arithmetic upcasts them without a copy
        values = s.to_numpy()
        return (values.view(np.int8) if values.dtype == bool else values), None
    values = s.to_numpy(dtype=np.float64, na_value=np.nan)
    notna = ~np.isnan(values)
    if np.isinf(values).any():
        rows = list(s.index[np.isinf(values)])
        raise VariableTypeError(
            f"column '{column}' has infinite values in rows {format_rows(rows)}.", column=column, rows=rows
        )
    return values, (None if notna.all() else notna)


def is_binary(values: np.ndarray) -> bool:
    """A 0/1 column, missing values aside (its weighted sum of squares is its weighted sum)."""
    if values.size == 0:
        return False
    if values.dtype.kind in "iu":
        return bool(values.min() >= 0 and values.max() <= 1)
    if values.dtype.kind == "f":
        with np.errstate(invalid="ignore"):
            if np.isnan(values).all() or np.nanmin(values) < 0 or np.nanmax(values) > 1:
                return False
            return not bool(((values > 0) & (values < 1)).any())
    return False


def check_empty(design: Any, stats: Statistics, dom: Domains, n_obs: np.ndarray, empty: str) -> None:
    """Raise :class:`EmptyDomainError` naming the (variable, domain) cells without observations."""
    if empty not in ("error", "nan"):
        raise EstimationError(f"empty={empty!r}: use 'error' (default) or 'nan'.")
    if empty == "nan":
        return
    gi, ji = np.nonzero(n_obs == 0)
    if len(gi) == 0:
        return
    # one message per (variable, domain): a proportion has a column per level of the same variable
    pairs = list(dict.fromkeys((stats.variable[j], g) for g, j in zip(gi, ji)))
    cells = []
    for v, g in pairs[:10]:
        where = ", ".join(f"{c}={dom.table.iloc[g][c]!r}" for c in dom.by) or "the whole sample"
        cells.append(f"'{v}' in {where}")
    more = f" (and {len(pairs) - 10} more)" if len(pairs) > 10 else ""
    raise EmptyDomainError(
        f"no observations for {'; '.join(cells)}{more}: every row there is missing or outside the domain. "
        "Check the domain definition, or pass empty='nan' to report these cells as NaN.",
        column=stats.variable[ji[0]],
    )


def proportion_statistics(design: Any, variables: list[str]) -> Statistics:
    """Indicator columns ``1(y == level)`` for every level of every variable (means of indicators)."""
    names: list[str] = []
    levels: list[Any] = []
    nums: list[np.ndarray] = []
    presents: list[np.ndarray | None] = []
    for col in variables:
        s = design.column(col)
        v = label_of(col)
        if isinstance(s.dtype, pd.CategoricalDtype):
            cats = list(s.cat.categories)
            codes = s.cat.codes.to_numpy().astype(np.int64)
            lv_code = np.arange(len(cats))
        else:
            codes, uniq = pd.factorize(s, sort=False)
            cats = sorted(uniq.tolist() if hasattr(uniq, "tolist") else list(uniq), key=_sort_key)
            pos = {u: i for i, u in enumerate(uniq)}
            lv_code = np.array([pos[c] for c in cats], dtype=np.int64)
        if not cats:
            raise EmptyDomainError(f"column '{v}' has no non-missing values; there is nothing to tabulate.", column=v)
        notna = codes >= 0
        present = None if notna.all() else notna
        names += [v] * len(cats)
        levels += cats
        nums += [(codes == c).view(np.int8) for c in lv_code]
        presents += [present] * len(cats)
    return Statistics(names, levels, nums, [None] * len(nums), presents, binary=[True] * len(nums))


def _sort_key(v: Any):
    return (0, v) if isinstance(v, (int, float, np.integer, np.floating)) else (1, str(v))


def numeric_statistics(design: Any, variables: Any, estimator: str, ratio: bool) -> Statistics:
    """The numeric columns of a mean (``ratio=True``: denominator 1) or a total."""
    names = as_list(variables, "variables")
    if not names:
        raise EstimationError(f"{estimator}() needs at least one variable.")
    cols, oks = [], []
    for v in names:
        y, ok = numeric_column(design, v, estimator)
        cols.append(y)
        oks.append(ok)
    return Statistics(
        [label_of(v) for v in names],
        None,
        cols,
        [None] * len(cols) if ratio else None,
        oks,
        binary=[is_binary(c) for c in cols],
    )


def ratio_statistics(design: Any, numerator: Any, denominator: Any) -> Statistics:
    """Ratios ``T(num) / T(den)``: several numerators or denominators pair up, a single one repeats."""
    nums = as_list(numerator, "numerator")
    dens = as_list(denominator, "denominator")
    if not nums or not dens:
        raise EstimationError("ratio() needs a numerator and a denominator.")
    if len(nums) != len(dens) and 1 not in (len(nums), len(dens)):
        raise EstimationError(
            f"{len(nums)} numerators and {len(dens)} denominators: give one of "
            "each, lists of equal length, or a single one to pair with all."
        )
    m = max(len(nums), len(dens))
    nums = nums * m if len(nums) == 1 else nums
    dens = dens * m if len(dens) == 1 else dens
    names: list[str] = []
    ys: list[np.ndarray] = []
    xs: list[np.ndarray | None] = []
    ps: list[np.ndarray | None] = []
    for a, b in zip(nums, dens):
        y, oky = numeric_column(design, a, "ratio")
        x, okx = numeric_column(design, b, "ratio")
        names.append(f"{label_of(a)}/{label_of(b)}")
        ys.append(y)
        xs.append(x)
        ps.append(oky if okx is None else (okx if oky is None else oky & okx))
    return Statistics(names, None, ys, xs, ps)


STATISTICS = ("mean", "total", "proportion", "ratio")


def statistics_for(design: Any, statistic: str, variables: Any, denominator: Any = None) -> Statistics:
    """The :class:`Statistics` of an estimator named ``statistic`` on ``variables``."""
    if statistic == "mean":
        return numeric_statistics(design, variables, "mean", ratio=True)
    if statistic == "total":
        return numeric_statistics(design, variables, "total", ratio=False)
    if statistic == "proportion":
        return proportion_statistics(design, as_list(variables, "variables"))
    if statistic == "ratio":
        if denominator is None:
            raise EstimationError("statistic='ratio' needs denominator= (the column(s) to divide by).")
        return ratio_statistics(design, variables, denominator)
    raise EstimationError(
        f"statistic={statistic!r}: use one of {', '.join(STATISTICS)} (quantiles have no "
        "smooth linearization to combine)."
    )
