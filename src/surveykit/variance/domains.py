"""Domains: the cells of one or several ``by`` columns, within an optional subpopulation.

A domain is never a subset file: every row stays in the design and a row outside the domain simply
contributes zero to the domain's scores. Here the ``by`` columns become one integer code per row.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .structure import factorize
from ..errors import SurveykitWarning
from .kernel import compact_codes

__all__ = ["Domains", "make_domains"]


@dataclass
class Domains:
    """Domain codes of the rows and the table of domain values.

    Attributes
    ----------
    group : (n,) int64
        Domain code of each row (0 for rows outside every domain; see ``inside``).
    n_groups : int
    inside : (n,) bool or None
        Rows that belong to some domain (``None``: all rows).
    table : DataFrame
        One row per domain code, one column per ``by`` column (empty columns without ``by``).
    by : list of str
    """

    group: np.ndarray | None
    n_groups: int
    inside: np.ndarray | None
    table: pd.DataFrame
    by: list[str]
    cache: dict = field(default_factory=dict)


def make_domains(columns: list[pd.Series], by: list[str], subset: np.ndarray | None, index: pd.Index) -> Domains:
    """Code the domain ``columns`` (named ``by``), restricted to ``subset``.

    Rows with a missing ``by`` value belong to no domain (as in R's ``svyby``); a
    :class:`~surveykit.SurveykitWarning` says how many there are.
    """
    n = len(index)
    inside = None if subset is None else subset.copy()
    if not by:
        return Domains(group=None, n_groups=1, inside=inside, table=pd.DataFrame(index=[0]), by=[])
    codes_list = []
    uniques_list = []
    missing = np.zeros(n, dtype=bool)
    for series in columns:
        if isinstance(series.dtype, pd.CategoricalDtype):
            codes = series.cat.codes.to_numpy().astype(np.int64)
            uniq = np.asarray(series.cat.categories)
        else:
            codes, uniq = factorize(series, sort=True)
        miss = codes < 0
        if miss.any():
            missing |= miss
        codes_list.append(np.where(miss, 0, codes))
        uniques_list.append(uniq)
    if missing.any():
        counted = missing if inside is None else (missing & inside)
        if counted.any():
            idx = index[np.flatnonzero(counted)]
            warnings.warn(
                f"{int(counted.sum())} rows have a missing value in the domain column(s) {by} and belong "
                f"to no domain (rows {', '.join(map(str, idx[:5]))}{' ...' if len(idx) > 5 else ''}); "
                "recode them to a level of their own to estimate for them.",
                SurveykitWarning,
                stacklevel=4,
            )
        inside = ~missing if inside is None else (inside & ~missing)
    key = codes_list[0]
    k = len(uniques_list[0])
    for codes, uniq in zip(codes_list[1:], uniques_list[1:]):
        key = key * np.int64(len(uniq)) + codes
        k *= len(uniq)
    # only the cells that have rows are domains (R's drop.empty.groups=TRUE); numbered in sorted order
    live = key if inside is None else key[inside]
    codes_live, cells = compact_codes(live, k)
    if inside is None:
        group = codes_live
    else:
        group = np.zeros(n, dtype=np.int64)
        group[inside] = codes_live
    # domain values of each cell, decoded from the mixed-radix key
    values_of = {}
    rem = cells.copy()
    for col, uniq in reversed(list(zip(by, uniques_list))):
        size = len(uniq)
        values_of[col] = np.asarray(uniq, dtype=object)[rem % size]
        rem = rem // size
    table = pd.DataFrame({col: values_of[col] for col in by})
    for col, src in zip(by, columns):
        if not isinstance(src.dtype, pd.CategoricalDtype) and src.dtype != object:
            try:
                table[col] = table[col].astype(src.dtype)
            except (TypeError, ValueError):
                pass
    return Domains(group=group, n_groups=len(cells), inside=inside, table=table, by=list(by))
