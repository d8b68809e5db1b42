"""What an estimator hands a design: point estimates and their linearization.

An estimator computes estimates and nothing about variance. Its :class:`Linearization` says how each
estimate depends on the data, in one of two forms per block of estimates:

* **totals form** (totals, means, proportions, ratios, and functions of them): estimate ``j`` in
  domain ``g`` is a smooth function ``f_j`` of the domain totals of a few data columns ``c_t``
  weighted by the design's weights. ``terms`` give its derivative: the influence value of row ``i``
  is ``w_i * sum_t coef_t[g_i] * c_t[i]``. ``function`` evaluates ``f`` on any totals, so a
  replicate design re-estimates on its replicate totals (R's ``svrVar`` on re-estimated statistics)
  and a Taylor design sums influence values of the same columns (R's ``svyrecvar``).
* **influence form** (any statistic): the influence values themselves, row by row, and optionally a
  function of replicate weights that re-estimates the statistic (R's ``withReplicates``).

A design turns a linearization into variances and covariances; nothing here knows the design.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..errors import EstimationError

__all__ = ["Block", "Linearization", "Transform", "LOGIT", "ratio_block", "column_registry"]


@dataclass(frozen=True)
class Transform:
    """An elementwise function of estimates with its derivative (for intervals on another scale)."""

    name: str
    fn: Callable[[np.ndarray], np.ndarray]
    deriv: Callable[[np.ndarray], np.ndarray]


LOGIT = Transform("logit", lambda p: np.log(p / (1 - p)), lambda p: 1.0 / (p * (1 - p)))


@dataclass
class Block:
    """``k`` statistics in ``n_groups`` domains sharing one domain coding.

    Attributes
    ----------
    estimate : (G, k) array
        Point estimates.
    group : (n,) int64 or None
        Domain code of each row (``None``: one domain, the whole sample).
    n_groups : int
    masks : list of (n,) bool or None
        Rows that count for each statistic (domain and non-missing); ``None``: every row.
    columns : list of (n,) arrays or None, optional
        Totals form: data columns whose weighted domain totals the statistics are functions of; an
        entry ``None`` is the constant 1 (the weights themselves). Already 0 outside the masks.
    terms : list of list of (t, coef), optional
        Totals form: for statistic ``j``, the derivative ``coef`` (G,) with respect to the total of
        column ``t``, per domain.
    function : callable, optional
        Totals form: ``(R, G, t)`` totals -> ``(R, G, k)`` statistics.
    influence : (n, k) array, optional
        Influence form: weighted influence values; row ``i`` counts for domain ``group[i]`` only.
    replicate : callable, optional
        Influence form: ``(n, R)`` replicate weights -> ``(R, G, k)`` statistics.
    cache : dict
        Where designs keep (unit, domain) cell codes of this domain coding between calls.
    """

    estimate: np.ndarray
    group: np.ndarray | None
    n_groups: int
    masks: list
    columns: list | None = None
    terms: list | None = None
    function: Callable[[np.ndarray], np.ndarray] | None = None
    influence: np.ndarray | None = None
    replicate: Callable[[np.ndarray], np.ndarray] | None = None
    cache: dict = field(default_factory=dict)
    #: totals-form columns already summed into the design's (unit x domain) cells: (cell, used, totals)
    cells: tuple | None = None

    @property
    def k(self) -> int:
        return self.estimate.shape[1]

    @property
    def size(self) -> int:
        return self.estimate.size

    def _form(self) -> tuple[list, list]:
        """The totals-form columns and terms (an influence-form block has none)."""
        if self.columns is None or self.terms is None:
            raise EstimationError("this block gives influence values, not totals of columns.")
        return self.columns, self.terms

    def scores(self, w: np.ndarray) -> np.ndarray:
        """Row-level weighted influence values (n, k)."""
        if self.influence is not None:
            return self.influence
        columns, all_terms = self._form()
        n = len(w)
        g = np.zeros(n, dtype=np.int64) if self.group is None else self.group
        U = np.zeros((n, self.k), order="F")
        wc: dict[int, np.ndarray] = {}
        for j, terms in enumerate(all_terms):
            for t, coef in terms:
                if t not in wc:
                    c = columns[t]
                    wc[t] = w if c is None else w * c
                U[:, j] += coef[g] * wc[t]
        return U

    def cell_scores(self, w: np.ndarray, cell: np.ndarray, ncell: int, cell_group: np.ndarray) -> np.ndarray:
        """Totals of the influence values in cells of rows (each cell within one domain): (ncell, k).

        Totals form only: one segment sum per column (unless the estimator already summed them into
        these cells), then the derivatives per cell's domain.
        """
        columns, all_terms = self._form()
        PT = np.zeros((ncell, self.k), order="F")
        sums: dict = {}
        if self.cells is not None and self.cells[0] is cell:
            sums = dict(enumerate(self.cells[2].T))
        for j, terms in enumerate(all_terms):
            for t, coef in terms:
                if t not in sums:
                    c = columns[t]
                    sums[t] = np.bincount(cell, weights=w if c is None else w * c, minlength=ncell)
                PT[:, j] += coef[cell_group] * sums[t]
        return PT

    def weighted_columns(self, w: np.ndarray) -> np.ndarray:
        """The totals-form columns times the weights, as an (n, t) matrix."""
        columns, _ = self._form()
        out = np.empty((len(w), len(columns)), order="F")
        for t, c in enumerate(columns):
            out[:, t] = w if c is None else w * c
        return out

    def combined(self, C: np.ndarray) -> Block:
        """The ``m`` linear combinations ``estimate @ C`` (C is k x m), with their linearization."""
        C = np.asarray(C, dtype=np.float64)
        k, m = C.shape
        masks = []
        for i in range(m):
            used = [self.masks[j] for j in np.flatnonzero(C[:, i])]
            masks.append(None if any(u is None for u in used) or not used else np.logical_or.reduce(used))
        est = self.estimate @ C
        if self.influence is not None:
            rep = self.replicate
            return Block(
                est,
                self.group,
                self.n_groups,
                masks,
                influence=np.asfortranarray(self.influence @ C),
                replicate=None if rep is None else (lambda W: rep(W) @ C),
                cache=self.cache,
            )
        columns, all_terms = self._form()
        terms = [[(t, coef * C[j, i]) for j in np.flatnonzero(C[:, i]) for t, coef in all_terms[j]] for i in range(m)]
        f = self.function
        assert f is not None
        return Block(
            est,
            self.group,
            self.n_groups,
            masks,
            columns=columns,
            terms=terms,
            function=lambda T: f(T) @ C,
            cache=self.cache,
            cells=self.cells,
        )


def ratio_block(
    estimate: np.ndarray,
    group: np.ndarray | None,
    n_groups: int,
    masks: list,
    num: list[np.ndarray],
    den: list[np.ndarray | None] | None,
    tx: np.ndarray | None,
    cache: dict | None = None,
    column_index: Callable[[Any], int] | None = None,
    columns: list | None = None,
) -> Block:
    """The block of ratios ``T(num_j) / T(den_j)`` (totals when ``den`` is None).

    ``num`` and ``den`` columns are already 0 outside each statistic's mask; an entry ``None`` in
    ``den`` is the constant 1 within the mask. ``tx`` (G, k) are the denominator totals. Columns
    that are the same array are used once (shared denominators).
    """
    if column_index is None or columns is None:
        columns, column_index = column_registry()
    col = column_index

    k = len(num)
    ni = [col(y) for y in num]
    if den is None:
        terms = [[(ni[j], np.ones(n_groups))] for j in range(k)]

        def function(T: np.ndarray) -> np.ndarray:
            return T[..., ni]
    else:
        assert tx is not None
        di = [col(x) for x in den]
        theta = estimate
        with np.errstate(divide="ignore", invalid="ignore"):
            terms = [[(ni[j], 1.0 / tx[:, j]), (di[j], -theta[:, j] / tx[:, j])] for j in range(k)]

        def function(T: np.ndarray) -> np.ndarray:
            with np.errstate(divide="ignore", invalid="ignore"):
                return T[..., ni] / T[..., di]

    return Block(
        estimate,
        group,
        n_groups,
        masks,
        columns=columns,
        terms=terms,
        function=function,
        cache={} if cache is None else cache,
    )


def column_registry() -> tuple[list, Callable[[Any], int]]:
    """A list of distinct columns and a function giving a column's position (added once, by identity)."""
    columns: list = []
    index: dict = {}

    def col(a: Any) -> int:
        key = id(a)
        if key not in index:
            index[key] = len(columns)
            columns.append(a)
        return index[key]

    return columns, col


@dataclass
class Linearization:
    """Estimates of one design with what its variance needs, and a label for every estimate.

    ``rows`` has one row per estimate, in the order of the flattened blocks (domain-major within a
    block): the key columns of the estimator's result table (``variable``, domain columns,
    ``level``). Estimates of several calls stack with :meth:`stack` into one joint linearization, so
    that a mean and a proportion get their covariance.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> b = Block(np.array([[2.0]]), None, 1, [None], influence=np.array([[1.0], [-1.0]]))
    >>> lin = Linearization([b], pd.DataFrame({"variable": ["y"]}))
    >>> lin.estimate.tolist(), lin.size
    ([2.0], 1)
    """

    blocks: list[Block]
    rows: pd.DataFrame
    statistic: str = "custom"
    #: position in the flattened blocks of each row (``None``: the same order)
    order: np.ndarray | None = None

    def __post_init__(self) -> None:
        if len(self.rows) != self.size:
            raise EstimationError(f"{len(self.rows)} row labels for {self.size} estimates.")

    @property
    def positions(self) -> np.ndarray:
        """Index of each row's estimate among the flattened blocks."""
        return np.arange(self.size) if self.order is None else np.asarray(self.order)

    @property
    def estimate(self) -> np.ndarray:
        """The estimates in row order."""
        return np.concatenate([b.estimate.ravel() for b in self.blocks])[self.positions]

    @property
    def size(self) -> int:
        return sum(b.size for b in self.blocks)

    def index(self) -> pd.Index:
        """The estimates' keys: the key columns that vary (all of them if none does), as an index (a
        MultiIndex when several vary). Contrasts and covariance tables are labelled by it."""
        rows = self.rows
        keep = [c for c in rows.columns if rows[c].astype(str).nunique(dropna=False) > 1] or list(rows.columns[:1])
        if len(keep) == 1:
            return pd.Index(rows[keep[0]].to_list(), name=keep[0])
        return pd.MultiIndex.from_frame(rows[keep].astype(object))

    @classmethod
    def stack(cls, parts: Sequence[Linearization]) -> Linearization:
        """One linearization of the estimates of several calls on the same design."""
        if not parts:
            raise EstimationError("nothing to stack: give at least one linearization.")
        rows = pd.concat([p.rows for p in parts], ignore_index=True)
        stats = {p.statistic for p in parts}
        offsets = np.cumsum([0] + [p.size for p in parts])[:-1]
        order = np.concatenate([p.positions + o for p, o in zip(parts, offsets)])
        return cls([b for p in parts for b in p.blocks], rows, stats.pop() if len(stats) == 1 else "mixed", order=order)
