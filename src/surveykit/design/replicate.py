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
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..errors import DesignError, WeightError, format_rows
from ..estimation.domains import Domains
from ..estimation.kernel import (DENSE_UNIT_CELLS, cached_cells, cell_replicate_totals, replicate_totals,
                                 replicate_variance)
from .base import BaseDesign, check_weights
from .hadamard import hadamard

if TYPE_CHECKING:  # pragma: no cover
    from .survey_design import SurveyDesign

__all__ = ["ReplicateDesign", "REPLICATE_METHODS", "make_replicates"]

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
        if method not in REPLICATE_METHODS:
            raise DesignError(f"method={method!r}: use one of {', '.join(REPLICATE_METHODS)}.")
        self._data = df
        self._subset = None
        cols = _replicate_columns(df, replicate_weights)
        self._w = check_weights(df[self._require(weights)], weights, df.index)
        R = len(cols)
        repw = np.empty((len(df), R))
        for j, c in enumerate(cols):
            s = df[c]
            if not pd.api.types.is_numeric_dtype(s.dtype):
                raise WeightError(f"replicate weight column '{c}' is not numeric.", column=c)
            v = s.to_numpy(dtype=np.float64, na_value=np.nan)
            bad = np.isnan(v) | (v < 0) | np.isinf(v)
            if bad.any():
                rows = list(df.index[bad])
                raise WeightError(f"replicate weight column '{c}' has missing, negative or infinite values in "
                                  f"rows {format_rows(rows)}.", column=c, rows=rows)
            repw[:, j] = v
        factors, unit = _compress(repw / self._w[:, None])
        scale, rscales = default_scales(method, R, scale, rscales, rho)
        self._set_replicates(factors, unit, scale, rscales, mse, method, rho, degf)
        self._replicate_columns = cols

    # --- internal construction -----------------------------------------------------------------
    def _require(self, column: str) -> str:
        self._column(column)
        return column

    def _set_replicates(self, factors: np.ndarray, unit: np.ndarray | None, scale: float,
                        rscales: np.ndarray, mse: bool, method: str, rho: float | None,
                        degf: float | None) -> None:
        self._factors = factors
        self._unit = unit
        self._scale = float(scale)
        self._rscales = np.asarray(rscales, dtype=np.float64)
        self._mse = bool(mse)
        self._method = method
        self._rho = rho
        self._degf = degf

    @classmethod
    def _from_factors(cls, data: pd.DataFrame, w: np.ndarray, factors: np.ndarray, unit: np.ndarray | None,
                      scale: float, rscales: np.ndarray, mse: bool, method: str, rho: float | None = None,
                      degf: float | None = None) -> ReplicateDesign:
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
        return pd.DataFrame(self._w[:, None] * f, index=self._data.index,
                            columns=[f"repw{j + 1}" for j in range(self.replicates)])

    @property
    def degf(self) -> float:
        """Degrees of freedom: rank of the replicate weights minus one (R), unless given."""
        if self._degf is None:
            self._degf = float(_rank(self._factors) - 1)
        return self._degf

    _variance_input = "totals"

    def _domain_df(self, dom: Domains, masks: list) -> np.ndarray:
        """Rank of the replicate factors of the units with rows in the domain, minus one (R)."""
        G = dom.n_groups
        g = np.zeros(self.n, dtype=np.int64) if dom.group is None else dom.group
        unit = np.arange(self.n) if self._unit is None else self._unit
        n_units = self._factors.shape[0]
        out = np.empty((G, len(masks)))
        seen: dict = {}
        for j, m in enumerate(masks):
            key = id(m)
            if key not in seen:
                inside = np.ones(self.n) if m is None else m.astype(np.float64)
                has = np.bincount(unit * G + g, weights=inside, minlength=n_units * G).reshape(n_units, G) > 0
                seen[key] = np.array([_rank(self._factors[has[:, gg]]) - 1.0 if has[:, gg].any() else np.nan
                                      for gg in range(G)])
            out[:, j] = seen[key]
        return out

    def _score_cells(self, dom: Domains):
        # replicate factors are per unit: (unit x domain) cells carry everything the replicates need
        G = dom.n_groups
        # (room for about 8 statistics; more columns than that take the row path, same numbers)
        if self._unit is None or self._factors.shape[0] * G * 8 > DENSE_UNIT_CELLS:
            return None
        g = np.zeros(self.n, dtype=np.int64) if dom.group is None else dom.group
        cell, used = cached_cells(dom.cache, self._unit, g, self._factors.shape[0], G)
        return cell, len(used), used % G

    def _variance_totals(self, nums, dens, den_of, dom: Domains, theta: np.ndarray, total: bool,
                         logit: bool = False, combine: np.ndarray | None = None, in_cells: bool = False):
        k = len(nums)
        cols = nums if total else nums + dens
        if in_cells:
            G = dom.n_groups
            g = np.zeros(self.n, dtype=np.int64) if dom.group is None else dom.group
            _, used = cached_cells(dom.cache, self._unit, g, self._factors.shape[0], G)
            T = cell_replicate_totals(self._factors, np.column_stack(cols), used, G)
        else:
            vals = np.empty((len(self._w), len(cols)), order="F")
            for j, c in enumerate(cols):
                vals[:, j] = c
            T = replicate_totals(vals, dom.group, dom.n_groups, self._factors, self._unit, cache=dom.cache)
        with np.errstate(divide="ignore", invalid="ignore"):
            thetas = T if total else T[..., :k] / T[..., k + den_of]
        if combine is not None:
            thetas, theta = thetas @ combine, theta @ combine
        var = replicate_variance(thetas, theta, self._scale, self._rscales, self._mse)
        if not logit:
            return var
        with np.errstate(divide="ignore", invalid="ignore"):
            lt = np.log(thetas / (1 - thetas))
            var_logit = replicate_variance(lt, np.log(theta / (1 - theta)), self._scale, self._rscales, self._mse)
        return var, var_logit

    def __repr__(self) -> str:
        extra = f", subpopulation of {int(self._subset.sum())} rows" if self._subset is not None else ""
        return (f"ReplicateDesign({self.n} rows, {self.replicates} {self._method} replicates, "
                f"scale={self._scale:.6g}{', mse' if self._mse else ''}{extra})")


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
        raise DesignError("method='jkn' needs rscales: (n_h - 1)/n_h for each replicate, n_h the number of "
                          "PSUs in the replicate's stratum.")
    if scale is None:
        scale = {"jk1": (R - 1) / R, "jkn": 1.0, "brr": 1.0 / R,
                 "fay": 1.0 / (R * (1 - (rho or 0.0)) ** 2),
                 "bootstrap": 1.0 / (R - 1) if R > 1 else 1.0, "sdr": 4.0 / R, "other": 1.0}[method]
    rs = np.ones(R) if rscales is None else np.broadcast_to(np.asarray(rscales, dtype=np.float64), (R,)).copy()
    if rscales is not None and np.size(rscales) not in (1, R):
        raise DesignError(f"rscales has {np.size(rscales)} values for {R} replicates.")
    return float(scale), rs


def _compress(factors: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """Rows with the same replicate factors share one unit (R's compressWeights), found by hashing.

    Factors computed as replicate weight / weight differ in the last bits between rows of one PSU,
    so rows are grouped on a rounded random projection and then checked to agree to 1e-10.
    """
    n = factors.shape[0]
    if n == 0:
        return factors, None
    rng = np.random.default_rng(12345)
    h = factors @ rng.uniform(0.5, 1.5, factors.shape[1])
    top = float(np.max(np.abs(h))) or 1.0
    codes, uniq = pd.factorize(np.round(h / top, 9))
    if len(uniq) > n // 2:
        return factors, None
    first = np.zeros(len(uniq), dtype=np.int64)
    first[codes[::-1]] = np.arange(n)[::-1]
    unit_factors = factors[first]
    if not np.allclose(unit_factors[codes], factors, rtol=1e-10, atol=1e-12):
        return factors, None
    return unit_factors, codes.astype(np.int64)


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


# ------------------------------------------------------------------------------------------------
# Replicate factors from a design (SurveyDesign.to_replicate)
# ------------------------------------------------------------------------------------------------
def make_replicates(design: SurveyDesign, method: str, replicates: int | None = None, rho: float | None = None,
                    seed: int | None = None, mse: bool = False) -> ReplicateDesign:
    """Replicate factors per first-stage unit for ``design`` (see :meth:`SurveyDesign.to_replicate`)."""
    if method not in REPLICATE_METHODS or method == "other":
        raise DesignError(f"method={method!r}: use one of jk1, jkn, brr, fay, bootstrap, sdr.")
    st = design.structure
    stage = st.stages[0]
    degf = None
    C = stage.n_clusters
    strat = stage.cluster_stratum
    nh = stage.stratum_n
    # first-stage fpc kept as R's as.svrepdesign does (jackknives and bootstrap)
    f = stage.stratum_f if st.has_fpc else np.ones(stage.n_strata)
    lonely = design._spec["lonely_psu"]
    if method in ("brr", "fay") and st.has_fpc:
        import warnings

        from ..errors import SurveykitWarning
        warnings.warn("BRR/Fay replicates cannot carry the finite population correction; it is dropped "
                      "(as in R).", SurveykitWarning, stacklevel=3)
    if method == "jk1":
        if st.has_strata and stage.n_strata > 1:
            raise DesignError("JK1 is for unstratified designs; use 'jkn' (delete one PSU within its stratum).")
        n = float(C)
        _check_size(C, C, "jk1")
        F = np.full((C, C), n / (n - 1))
        np.fill_diagonal(F, 0.0)
        fpc = f[0]
        scale, rscales = fpc * (n - 1) / n, np.ones(C)
        degf = C - 1.0                     # the C x C delete-one factors have full rank
        if fpc == 0:
            F, rscales, scale = np.zeros((C, 0)), np.zeros(0), 0.0
    elif method == "jkn":
        F, rscales, scale = _jkn(strat, nh, f, lonely, C)
        # each stratum's replicates average to 1: rank = PSUs - strata + 1 (when no lonely adjustments)
        degf = float(C - stage.n_strata) if F.shape[1] == C else None
    elif method in ("brr", "fay"):
        if method == "fay":
            rho = 0.5 if rho is None else float(rho)
            if not 0.0 <= rho < 1.0:
                raise DesignError(f"rho={rho} must be in [0, 1).")
        else:
            rho = 0.0
        F = _brr(strat, nh, rho, design)
        scale, rscales = 1.0 / (F.shape[1] * (1 - rho) ** 2), np.ones(F.shape[1])
    elif method == "bootstrap":
        R = 50 if replicates is None else int(replicates)
        F = _bootstrap(strat, nh, f, R, seed, lonely, design)
        scale, rscales = 1.0 / (R - 1), np.ones(R)
    else:  # sdr
        F, R = _sdr(strat, C, replicates)
        scale, rscales = 4.0 / R, np.ones(R)
    if replicates is not None and method in ("jk1", "jkn", "brr", "fay") and replicates != F.shape[1]:
        raise DesignError(f"{method} replicates are determined by the design ({F.shape[1]} here); "
                          "leave replicates=None.")
    return ReplicateDesign._from_factors(design._data, design._w, F, stage.cluster, scale, rscales, mse,
                                         method, rho=rho if method == "fay" else None, degf=degf)


def _jkn(strat: np.ndarray, nh: np.ndarray, f: np.ndarray, lonely: str, C: int):
    """Delete-one-unit jackknife within strata (R's ``jknweights``)."""
    H = len(nh)
    n_of_unit = nh[strat]
    keep_stratum = (nh > 1) & (f != 0)           # fully sampled strata have no replicates
    lonely_strata = (nh == 1) & (f != 0)
    if lonely_strata.any() and lonely == "error":
        raise DesignError(f"{int(lonely_strata.sum())} strata have a single PSU; the jackknife needs a "
                          "lonely_psu choice other than 'error' (adjust, average, remove, certainty).")
    units = np.flatnonzero(keep_stratum[strat])
    R = len(units)
    _check_size(C, R, "jkn")
    # within the deleted unit's stratum the other units get n_h/(n_h-1); elsewhere 1
    same = strat[:, None] == strat[units][None, :]
    F = np.where(same, (n_of_unit / (n_of_unit - 1.0))[:, None], 1.0)
    F[units, np.arange(R)] = 0.0
    rscales = (f * (nh - 1) / np.where(nh > 0, nh, 1))[strat[units]]
    scale = 1.0
    if lonely_strata.any() and lonely == "adjust":
        ls = np.flatnonzero(lonely_strata)
        extra = np.where(np.isin(strat, ls)[:, None] & (strat[:, None] == ls[None, :]), 0.0, H / (H - 1.0))
        F = np.hstack([F, extra])
        rscales = np.concatenate([rscales, np.full(len(ls), (H - 1.0) / H)])
    elif lonely_strata.any() and lonely == "average":
        scale = C / R
    if F.shape[1] == 0:
        raise DesignError("every stratum is fully sampled (fpc = sample size): there is no sampling variance.")
    return F, rscales, scale


def _check_size(C: int, R: int, method: str) -> None:
    if C * R > 150_000_000:
        raise DesignError(f"{method} would need {R} replicates for {C} PSUs ({C * R * 8 / 1e9:.1f} GB of "
                          "factors); use the bootstrap or BRR for designs with this many PSUs.")


def _pairs(strat: np.ndarray, nh: np.ndarray, design) -> np.ndarray:
    if not (nh == 2).all():
        bad = np.flatnonzero(nh != 2)
        raise DesignError(
            f"BRR needs exactly 2 PSUs in every stratum; {len(bad)} strata have "
            f"{sorted(set(nh[bad].astype(int).tolist()))[:5]} PSUs. Pair PSUs into variance strata first, "
            "or use 'jkn' or 'bootstrap'.", column=(design._spec["strata"] or [None])[0])
    # first unit of each stratum (in unit order) is "A", the other "B"
    C = len(strat)
    order = np.lexsort((np.arange(C), strat))
    is_first = np.zeros(C, dtype=bool)
    is_first[order[::2]] = True
    return is_first


def _brr(strat: np.ndarray, nh: np.ndarray, rho: float, design) -> np.ndarray:
    """Balanced half-samples from a Hadamard matrix (rows 2.. for strata: full orthogonal balance)."""
    is_first = _pairs(strat, nh, design)
    H = len(nh)
    Hm = hadamard(H + 1)
    signs = Hm[1 + strat, :]                       # (C, R): +1 keeps the first unit of the stratum
    inside = np.where(is_first[:, None], signs == 1, signs == -1)
    return np.where(inside, 2.0 - rho, rho)


def _bootstrap(strat: np.ndarray, nh: np.ndarray, f: np.ndarray, R: int, seed: int | None, lonely: str,
               design) -> np.ndarray:
    """Rao-Wu rescaled bootstrap: n_h - 1 units drawn with replacement within each stratum.

    With a first-stage fpc the factors are shrunk towards 1 by ``sqrt(1 - n_h/N_h)`` (Rao, Wu and Yue
    1992), so the finite population correction is kept.
    """
    if R < 2:
        raise DesignError("the bootstrap needs at least 2 replicates.")
    C = len(strat)
    single = nh[strat] < 2
    if single.any() and lonely not in ("certainty", "remove"):
        raise DesignError("strata with a single PSU cannot be resampled; choose lonely_psu='certainty' or "
                          "'remove' (no variance from them) or collapse them with a neighbour.")
    rng = np.random.default_rng(seed)
    order = np.lexsort((np.arange(C), strat))
    s_sorted = strat[order]
    starts = np.searchsorted(s_sorted, np.arange(len(nh)))
    m = np.maximum(nh - 1, 0).astype(np.int64)   # draws per stratum
    # all draws for all strata and replicates at once: a stratum's draws pick a unit uniformly in it
    draw_stratum = np.repeat(np.arange(len(nh)), m)
    counts = np.zeros((C, R))
    if len(draw_stratum):
        u = rng.random((len(draw_stratum), R))
        pick = starts[draw_stratum][:, None] + np.floor(u * nh[draw_stratum][:, None]).astype(np.int64)
        cell = order[pick] * R + np.arange(R)[None, :]
        counts = np.bincount(cell.ravel(), minlength=C * R).reshape(C, R).astype(np.float64)
    n_u = nh[strat]
    with np.errstate(divide="ignore", invalid="ignore"):
        boot = counts * (n_u / (n_u - 1.0))[:, None]
    if np.all(f == 1.0):
        F = boot                                 # no fpc: the Rao-Wu factors themselves
    else:
        shrink = np.sqrt(f[strat])[:, None]
        F = 1.0 - shrink + shrink * boot
    F[single] = 1.0
    return F


def _sdr(strat: np.ndarray, C: int, replicates: int | None) -> tuple[np.ndarray, int]:
    """Successive-difference replication (Fay and Train 1995) over units in stratum, then id, order."""
    if replicates is None:
        R = hadamard(min(C + 1, 80)).shape[0] if C + 1 <= 80 else 80
    else:
        R = int(replicates)
    Hm = hadamard(R)
    if Hm.shape[0] != R:
        raise DesignError(f"no Hadamard matrix of order {R}; use replicates={Hm.shape[0]}.")
    order = np.lexsort((np.arange(C), strat))
    pos = np.empty(C, dtype=np.int64)
    pos[order] = np.arange(C)
    rows = Hm[1:]                                  # the all-ones row is not used
    a = rows[pos % (R - 1)]
    b = rows[(pos + 1) % (R - 1)]
    return 1.0 + 2 ** -1.5 * (a - b), R

