"""Replicate-weight designs: jackknife, BRR, Fay, bootstrap and successive differences.

A :class:`ReplicateDesign` holds the full-sample weights and, per replicate, a factor for every
sampling unit (R's compressed replicate weights); replicate weights are ``weight * factor``. Every
estimator of a Taylor design works unchanged: the replicate estimates of all variables and domains
come from one matrix product of the factors with the unit totals, and the variance is R's
``svrVar``: ``scale * sum_r rscales[r] * (theta_r - centre)^2``.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..errors import DesignError, EstimationError, WeightError, format_rows
from ..variance import Block, Linearization, Transform
from ..variance.kernel import (
    DENSE_UNIT_CELLS,
    cached_cells,
    cell_replicate_totals,
    replicate_covariance,
    replicate_totals,
    replicate_variance,
)
from ..variance.weights import check_weights
from ..weighting.methods import CalibrationPlan, NonresponsePlan, nonresponse_replicates, trim_replicates
from .base import BaseDesign

__all__ = ["ReplicateDesign", "REPLICATE_METHODS", "default_scales"]

REPLICATE_METHODS = ("jk1", "jkn", "brr", "fay", "bootstrap", "sdr", "other")


class ReplicateDesign(BaseDesign):
    """A design whose variance comes from replicate weights.

    Build it from the replicate weights a data producer ships, or with
    :meth:`SurveyDesign.to_replicate`.

    Parameters
    ----------
    df : DataFrame
        The survey data.
    weights : str
        Column of full-sample weights (> 0).
    replicate_weights : list of str or str
        Replicate weight columns (full weights, not factors: R's ``combined.weights=TRUE``), or a
        glob pattern such as ``"repw*"`` matching them in column order.
    method : {"jk1", "jkn", "brr", "fay", "bootstrap", "sdr", "other"}, default "other"
        How the replicates were formed; it fixes the default ``scale``/``rscales`` as R's
        ``svrepdesign``: jk1 ``(R-1)/R``; jkn needs ``rscales`` (``(n_h - 1)/n_h`` per replicate);
        brr ``1/R``; fay ``1/(R (1 - rho)^2)``; bootstrap ``1/(R-1)``; sdr ``4/R``; other 1.
    scale : float, optional
        Overall multiplier of the variance.
    rscales : sequence of float, optional
        Per-replicate multipliers.
    rho : float, optional
        Fay's coefficient (``method="fay"``).
    mse : bool, default False
        Centre replicate deviations at the full-sample estimate instead of the replicate mean.
    degf : float, optional
        Degrees of freedom for t intervals; default: rank of the replicate weights minus 1 (R).

    Examples
    --------
    >>> import pandas as pd, surveykit as sk
    >>> df = pd.DataFrame({"y": [1.0, 2.0, 3.0, 4.0], "w": [2.0] * 4,
    ...                    "r1": [0, 8/3, 8/3, 8/3], "r2": [8/3, 0, 8/3, 8/3],
    ...                    "r3": [8/3, 8/3, 0, 8/3], "r4": [8/3, 8/3, 8/3, 0]})
    >>> r = sk.ReplicateDesign(df, weights="w", replicate_weights="r*", method="jk1")
    >>> r.mean("y")[["estimate", "se"]].round(4).values.tolist()
    [[2.5, 0.6455]]
    """

    is_replicate = True

    def __init__(
        self,
        df: pd.DataFrame,
        weights: str,
        replicate_weights: Sequence[str] | str,
        method: str = "other",
        scale: float | None = None,
        rscales: Sequence[float] | None = None,
        rho: float | None = None,
        mse: bool = False,
        degf: float | None = None,
    ) -> None:
        self._check_frame(df, "ReplicateDesign")
        if degf is not None and not (isinstance(degf, (int, float, np.number)) and np.isfinite(degf) and degf > 0):
            raise DesignError(f"degf={degf!r}: the degrees of freedom must be a positive number.")
        if method not in REPLICATE_METHODS:
            raise DesignError(f"method={method!r}: use one of {', '.join(REPLICATE_METHODS)}.")
        self._data = df
        self._subset = None
        cols = _replicate_columns(df, replicate_weights)
        self._w = check_weights(df[self._require(weights)], weights, df.index)
        R = len(cols)
        columns = []
        for c in cols:
            s = df[c]
            if not pd.api.types.is_numeric_dtype(s.dtype):
                raise WeightError(f"replicate weight column '{c}' is not numeric.", column=c)
            v = s.to_numpy(dtype=np.float64, na_value=np.nan)
            bad = ~(v >= 0) | np.isinf(v)
            if bad.any():
                rows = list(df.index[bad])
                raise WeightError(
                    f"replicate weight column '{c}' has missing, negative or infinite values in "
                    f"rows {format_rows(rows)}.",
                    column=c,
                    rows=rows,
                )
            columns.append(v)
        factors, unit = _compress(columns, self._w)
        scale_, rscales_ = default_scales(method, R, scale, rscales, rho)
        self._set_replicates(factors, unit, scale_, rscales_, mse, method, rho, degf)
        self._replicate_columns: list[str] | None = cols

    # --- internal construction -----------------------------------------------------------------
    def _require(self, column: str) -> str:
        self.column(column)
        return column

    def _set_replicates(
        self,
        factors: np.ndarray,
        unit: np.ndarray | None,
        scale: float,
        rscales: np.ndarray,
        mse: bool,
        method: str,
        rho: float | None,
        degf: float | None,
    ) -> None:
        self._factors = factors
        self._unit = unit
        self._scale = float(scale)
        self._rscales = np.asarray(rscales, dtype=np.float64)
        self._mse = bool(mse)
        self._method = method
        self._rho = rho
        self._degf = degf

    @classmethod
    def from_factors(
        cls,
        data: pd.DataFrame,
        w: np.ndarray,
        factors: np.ndarray,
        unit: np.ndarray | None,
        scale: float,
        rscales: np.ndarray,
        mse: bool,
        method: str,
        rho: float | None = None,
        degf: float | None = None,
    ) -> ReplicateDesign:
        """A design from per-unit replicate factors (replicate weight / full-sample weight).

        ``factors`` is (units x R); ``unit`` maps rows to units (``None``: rows are units).
        """
        new = cls.__new__(cls)
        new._data = data
        new._subset = None
        new._w = w
        new._replicate_columns = None
        new._set_replicates(factors, unit, scale, rscales, mse, method, rho, degf)
        return new

    # --- properties ----------------------------------------------------------------------------
    @property
    def method(self) -> str:
        """How the replicates were formed."""
        return self._method

    @property
    def factors(self) -> np.ndarray:
        """Replicate factors per unit (units x replicates): replicate weight / full-sample weight.

        Rows with the same factors share a unit (R's compressed replicate weights); :attr:`units`
        maps each row to its unit. Read-only.
        """
        view = self._factors.view()
        view.flags.writeable = False
        return view

    @property
    def units(self) -> np.ndarray | None:
        """The unit (row of :attr:`factors`) of each data row, or None when every row is its own unit."""
        return None if self._unit is None else self._unit.copy()

    @property
    def replicates(self) -> int:
        """Number of replicates."""
        return self._factors.shape[1]

    @property
    def scale(self) -> float:
        return self._scale

    @property
    def rscales(self) -> np.ndarray:
        return self._rscales.copy()

    @property
    def mse(self) -> bool:
        return self._mse

    @property
    def replicate_weights(self) -> pd.DataFrame:
        """The replicate weights (full weights), one column per replicate."""
        f = self._factors if self._unit is None else self._factors[self._unit]
        return pd.DataFrame(
            self._w[:, None] * f, index=self._data.index, columns=[f"repw{j + 1}" for j in range(self.replicates)]
        )

    @property
    def degf(self) -> float:
        """Degrees of freedom: rank of the replicate weights minus one (R), unless given."""
        if self._degf is None:
            self._degf = float(_rank(self._factors) - 1)
        return self._degf

    # --- the design's variance: re-estimation on replicate weights -----------------------------
    def replicate_block(self, block: Block) -> np.ndarray:
        """Replicate estimates of a linearization block: (R, G, k).

        Totals-form statistics are re-evaluated on the replicate totals of their columns (one product
        of the unit factors with the (unit x domain) totals); influence-form statistics need their
        ``replicate`` function (R's ``withReplicates``).
        """
        if block.columns is not None:
            if block.cells is not None and block.cells[0] is self._cells_of(block):
                T = cell_replicate_totals(self._factors, block.cells[2], block.cells[1], block.n_groups)
            else:
                T = replicate_totals(
                    block.weighted_columns(self._w),
                    block.group,
                    block.n_groups,
                    self._factors,
                    self._unit,
                    cache=block.cache,
                )
            assert block.function is not None
            with np.errstate(divide="ignore", invalid="ignore"):
                return block.function(T)
        if block.replicate is not None:
            return np.asarray(block.replicate(self.replicate_weights.to_numpy()), dtype=np.float64)
        raise EstimationError(
            "this statistic gives influence values only; a replicate design re-estimates it on "
            "every replicate: pass replicate= (a function of the (n, R) replicate weights)."
        )

    def variance_cells(self, group: np.ndarray | None, n_groups: int, cache: dict | None = None):
        """(cell of each row, cells used as ``unit * G + domain``) when replicate factors are per unit and
        the (unit x domain) table is small enough to multiply densely; else None."""
        if self._unit is None or self._factors.shape[0] * n_groups * 8 > DENSE_UNIT_CELLS:
            return None
        g = np.zeros(self.n, dtype=np.int64) if group is None else group
        return cached_cells(cache, self._unit, g, self._factors.shape[0], n_groups)

    def _cells_of(self, block: Block):
        hit = self.variance_cells(block.group, block.n_groups, block.cache)
        return None if hit is None else hit[0]

    def replicate_estimates(self, lin: Linearization) -> np.ndarray:
        """Replicate estimates of every estimate of ``lin``, in its row order: (R, m)."""
        R = self.replicates
        flat = np.hstack([self.replicate_block(b).reshape(R, -1) for b in lin.blocks])
        return flat[:, lin.positions]

    def block_variance(self, block: Block, transform: Transform | None = None) -> tuple[np.ndarray, np.ndarray | None]:
        """Replicate variance of each (domain, statistic) of ``block`` (R's ``svrVar``): (G, k)."""
        thetas = self.replicate_block(block)
        var = replicate_variance(thetas, block.estimate, self._scale, self._rscales, self._mse)
        if transform is None:
            return var, None
        with np.errstate(divide="ignore", invalid="ignore"):
            vt = replicate_variance(
                transform.fn(thetas), transform.fn(block.estimate), self._scale, self._rscales, self._mse
            )
        return var, vt

    def covariance_matrix(self, lin: Linearization) -> np.ndarray:
        """Covariance of the estimates of ``lin`` from their replicate estimates (row order)."""
        return replicate_covariance(self.replicate_estimates(lin), lin.estimate, self._scale, self._rscales, self._mse)

    def function_covariance(self, lin: Linearization, fn, J: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Value and covariance of ``fn(estimates)``: ``fn`` applied to every replicate's estimates."""
        theta = lin.estimate
        value = np.asarray(fn(theta), dtype=np.float64).ravel()
        reps = self.replicate_estimates(lin)
        if J is not None:
            vals = reps @ J.T
        else:
            vals = np.array([np.asarray(fn(r), dtype=np.float64).ravel() for r in reps])
        return value, replicate_covariance(vals, value, self._scale, self._rscales, self._mse)

    def with_replicates(self, fn, *, names: Sequence[str] | None = None, level: float = 0.95) -> pd.DataFrame:
        """Any statistic of the data and weights, with its replicate SE (R's ``withReplicates``).

        Parameters
        ----------
        fn : callable
            ``fn(weights, data)`` -> a number or a vector, for one weight vector (numpy, one per row)
            and the design's data. It is called once with the full-sample weights and once per replicate.
        names : list of str, optional
            Labels of the statistics.

        Examples
        --------
        >>> import numpy as np, pandas as pd, surveykit as sk
        >>> df = pd.DataFrame({"y": [1.0, 2.0, 3.0, 4.0], "w": [2.0] * 4,
        ...                    "r1": [0, 8/3, 8/3, 8/3], "r2": [8/3, 0, 8/3, 8/3],
        ...                    "r3": [8/3, 8/3, 0, 8/3], "r4": [8/3, 8/3, 8/3, 0]})
        >>> r = sk.ReplicateDesign(df, weights="w", replicate_weights="r*", method="jk1")
        >>> t = r.with_replicates(lambda w, d: np.average(d["y"], weights=w), names=["mean"])
        >>> t[["estimate", "se"]].round(4).values.tolist()
        [[2.5, 0.6455]]
        """
        theta = np.atleast_1d(np.asarray(fn(self._w.copy(), self._data), dtype=np.float64)).ravel()
        W = self.replicate_weights.to_numpy()
        reps = np.array(
            [np.atleast_1d(np.asarray(fn(W[:, r], self._data), dtype=np.float64)).ravel() for r in range(W.shape[1])]
        )
        if reps.shape[1:] != theta.shape:
            raise EstimationError(
                f"fn gave {theta.size} value(s) on the full sample but {reps.shape[1]} on a "
                "replicate; it must give the same number each time."
            )
        # a statistic known only through its replicates: the design's own table of any linearization
        lin = self.linearization(theta, np.zeros((self.n, theta.size)), names=names, replicate=lambda _: reps)
        return self.estimate(lin, level=level)

    def domain_df(self, group: np.ndarray | None, n_groups: int, masks: list) -> np.ndarray:
        """Rank of the replicate factors of the units with rows in the domain, minus one (R)."""
        G = n_groups
        g = np.zeros(self.n, dtype=np.int64) if group is None else group
        unit = np.arange(self.n) if self._unit is None else self._unit
        n_units = self._factors.shape[0]
        out = np.empty((G, len(masks)))
        seen: dict = {}
        for j, m in enumerate(masks):
            key = id(m)
            if key not in seen:
                inside = np.ones(self.n) if m is None else m.astype(np.float64)
                has = np.bincount(unit * G + g, weights=inside, minlength=n_units * G).reshape(n_units, G) > 0
                seen[key] = np.array(
                    [_rank(self._factors[has[:, gg]]) - 1.0 if has[:, gg].any() else np.nan for gg in range(G)]
                )
            out[:, j] = seen[key]
        return out

    # --- weighting steps: redone in every replicate ---------------------------------------------
    def _rebuilt(
        self, data: pd.DataFrame, w: np.ndarray, factors: np.ndarray, unit: np.ndarray | None, report
    ) -> ReplicateDesign:
        new = ReplicateDesign.from_factors(
            data, w, factors, unit, self._scale, self._rscales, self._mse, self._method, self._rho, None
        )
        new.weighting_report = report
        return new

    def _with_calibration(self, plan: CalibrationPlan) -> ReplicateDesign:
        F, unit = plan.replicate_factors(self._factors, self._unit)
        return self._rebuilt(self._data, plan.weights, F, unit, plan.report)

    def _with_trim(self, w: np.ndarray, report) -> ReplicateDesign:
        Frow = self._factors if self._unit is None else self._factors[self._unit]
        return self._rebuilt(self._data, w, trim_replicates(self._w, w, Frow, report), None, report)

    def _with_nonresponse(self, plan: NonresponsePlan) -> ReplicateDesign:
        F = nonresponse_replicates(plan, self._w, self._factors, self._unit)
        return self._rebuilt(self._data.iloc[plan.keep], plan.weights, F, None, plan.report)

    def __repr__(self) -> str:
        extra = f", subpopulation of {int(self._subset.sum())} rows" if self._subset is not None else ""
        return (
            f"ReplicateDesign({self.n} rows, {self.replicates} {self._method} replicates, "
            f"scale={self._scale:.6g}{', mse' if self._mse else ''}{extra})"
        )


# ------------------------------------------------------------------------------------------------
def _replicate_columns(df: pd.DataFrame, spec: Sequence[str] | str) -> list[str]:
    if isinstance(spec, str):
        cols = [c for c in df.columns if isinstance(c, str) and fnmatch.fnmatchcase(c, spec)]
        if not cols:
            raise DesignError(f"no column matches the replicate weight pattern {spec!r}.")
        return cols
    cols = list(spec)
    if not cols:
        raise DesignError("replicate_weights is empty; give the replicate weight columns.")
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise DesignError(f"replicate weight columns {missing} are not in the data.", column=missing[0])
    return cols


def default_scales(method: str, R: int, scale: float | None, rscales, rho: float | None):
    """R's ``svrepdesign`` defaults for ``scale`` and ``rscales``."""
    if method == "fay" and rho is None:
        raise DesignError("method='fay' needs rho, Fay's coefficient (e.g. 0.5).")
    if method == "jkn" and rscales is None:
        raise DesignError(
            "method='jkn' needs rscales: (n_h - 1)/n_h for each replicate, n_h the number of "
            "PSUs in the replicate's stratum."
        )
    if scale is None:
        scale = {
            "jk1": (R - 1) / R,
            "jkn": 1.0,
            "brr": 1.0 / R,
            "fay": 1.0 / (R * (1 - (rho or 0.0)) ** 2),
            "bootstrap": 1.0 / (R - 1) if R > 1 else 1.0,
            "sdr": 4.0 / R,
            "other": 1.0,
        }[method]
    if rscales is not None and np.size(rscales) not in (1, R):
        raise DesignError(
            f"rscales has {np.size(rscales)} values for {R} replicates; give one per replicate "
            "(or a single value for all)."
        )
    try:
        rs = np.ones(R) if rscales is None else np.broadcast_to(np.asarray(rscales, dtype=np.float64), (R,)).copy()
        scale = float(scale)
    except (TypeError, ValueError):
        raise DesignError(f"scale={scale!r} and rscales must be numbers.") from None
    if not (np.isfinite(scale) and scale > 0):
        raise DesignError(f"scale={scale!r}: the variance multiplier must be a positive number.")
    if not (np.all(np.isfinite(rs)) and np.all(rs >= 0)):
        raise DesignError("rscales must be finite and non-negative (one multiplier per replicate).")
    return scale, rs


def _compress(columns: list[np.ndarray], w: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """Replicate factors (replicate weight / weight) per unit: rows with the same factors share a unit.

    Replicate weights shipped by a data producer are, for most methods, per-PSU multiples of the
    full-sample weight (R's ``compressWeights``): rows are grouped on two rounded random projections of
    their factors, column by column (no rows x replicates matrix), and the grouping is then checked to
    reproduce every factor to 1e-10. Otherwise the factors stay per row (same numbers, slower).
    """
    n, R = len(w), len(columns)
    if n == 0 or R == 0:
        return np.zeros((n, R)), None
    rng = np.random.default_rng(12345)
    u = rng.uniform(0.5, 1.5, (2, R))
    h = np.zeros((2, n))
    for r, c in enumerate(columns):
        f = c / w
        h += u[:, r, None] * f
    key = None
    for hh in h:
        top = float(np.max(np.abs(hh))) or 1.0
        codes, uniq = pd.factorize(np.round(hh / top, 9))
        key = codes if key is None else key * np.int64(len(uniq)) + codes
    codes, uniq = pd.factorize(key)
    if len(uniq) > n // 2:
        return np.column_stack([c / w for c in columns]), None
    first = np.zeros(len(uniq), dtype=np.int64)
    first[codes[::-1]] = np.arange(n)[::-1]
    F = np.empty((len(uniq), R))
    for r, c in enumerate(columns):
        f = c / w
        F[:, r] = f[first]
        if not np.allclose(F[codes, r], f, rtol=1e-10, atol=1e-12):
            return np.column_stack([c / w for c in columns]), None
    return F, codes.astype(np.int64)


def _rank(factors: np.ndarray) -> int:
    """Numerical rank of the replicate factors (R: ``qr(weights, tol = 1e-5)$rank``).

    The rank of the analysis weights equals that of the unit factors (rows scaled by positive
    weights). Computed from the eigenvalues of the smaller Gram matrix; a relative eigenvalue below
    1e-10 (a singular value below 1e-5 of the largest) counts as zero.
    """
    A = np.asarray(factors, dtype=np.float64)
    m, R = A.shape
    if min(m, R) > 4000:
        raise DesignError(f"the rank of {m} x {R} replicate factors is too costly to compute; pass degf=.")
    G = A.T @ A if R <= m else A @ A.T
    ev = np.linalg.eigvalsh(G)
    top = max(float(ev.max()), 0.0)
    return int((ev > 1e-10 * top).sum()) if top > 0 else 0
