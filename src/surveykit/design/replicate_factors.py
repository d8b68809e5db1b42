"""Replicate factors formed from a Taylor design (:meth:`SurveyDesign.to_replicate`).

Jackknife (JK1, JKn), BRR and Fay, Rao-Wu bootstrap and successive differences, per first-stage unit,
as R's ``as.svrepdesign``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..errors import DesignError
from .hadamard import hadamard
from .replicate import REPLICATE_METHODS, ReplicateDesign

if TYPE_CHECKING:  # pragma: no cover
    from .survey_design import SurveyDesign

__all__ = ["make_replicates"]


def make_replicates(
    design: SurveyDesign,
    method: str,
    replicates: int | None = None,
    rho: float | None = None,
    seed: int | None = None,
    mse: bool = False,
) -> ReplicateDesign:
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
    lonely = design.lonely_psu
    if method in ("brr", "fay") and st.has_fpc:
        import warnings

        from ..errors import SurveykitWarning

        warnings.warn(
            "BRR/Fay replicates cannot carry the finite population correction; it is dropped (as in R).",
            SurveykitWarning,
            stacklevel=3,
        )
    if method == "jk1":
        if st.has_strata and stage.n_strata > 1:
            raise DesignError("JK1 is for unstratified designs; use 'jkn' (delete one PSU within its stratum).")
        n = float(C)
        _check_size(C, C, "jk1")
        F = np.full((C, C), n / (n - 1))
        np.fill_diagonal(F, 0.0)
        fpc = f[0]
        scale, rscales = fpc * (n - 1) / n, np.ones(C)
        degf = C - 1.0  # the C x C delete-one factors have full rank
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
        raise DesignError(
            f"{method} replicates are determined by the design ({F.shape[1]} here); leave replicates=None."
        )
    return ReplicateDesign.from_factors(
        design.data,
        design.weight_array.copy(),
        F,
        stage.cluster,
        scale,
        rscales,
        mse,
        method,
        rho=rho if method == "fay" else None,
        degf=degf,
    )


def _jkn(strat: np.ndarray, nh: np.ndarray, f: np.ndarray, lonely: str, C: int):
    """Delete-one-unit jackknife within strata (R's ``jknweights``)."""
    H = len(nh)
    n_of_unit = nh[strat]
    keep_stratum = (nh > 1) & (f != 0)  # fully sampled strata have no replicates
    lonely_strata = (nh == 1) & (f != 0)
    if lonely_strata.any() and lonely == "error":
        raise DesignError(
            f"{int(lonely_strata.sum())} strata have a single PSU; the jackknife needs a "
            "lonely_psu choice other than 'error' (adjust, average, remove, certainty)."
        )
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
        raise DesignError(
            f"{method} would need {R} replicates for {C} PSUs ({C * R * 8 / 1e9:.1f} GB of "
            "factors); use the bootstrap or BRR for designs with this many PSUs."
        )


def _pairs(strat: np.ndarray, nh: np.ndarray, design) -> np.ndarray:
    if not (nh == 2).all():
        bad = np.flatnonzero(nh != 2)
        raise DesignError(
            f"BRR needs exactly 2 PSUs in every stratum; {len(bad)} strata have "
            f"{sorted(set(nh[bad].astype(int).tolist()))[:5]} PSUs. Pair PSUs into variance strata first, "
            "or use 'jkn' or 'bootstrap'.",
            column=(design.strata_columns or [None])[0],
        )
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
    signs = Hm[1 + strat, :]  # (C, R): +1 keeps the first unit of the stratum
    inside = np.where(is_first[:, None], signs == 1, signs == -1)
    return np.where(inside, 2.0 - rho, rho)


def _bootstrap(
    strat: np.ndarray, nh: np.ndarray, f: np.ndarray, R: int, seed: int | None, lonely: str, design
) -> np.ndarray:
    """Rao-Wu rescaled bootstrap: n_h - 1 units drawn with replacement within each stratum.

    With a first-stage fpc the factors are shrunk towards 1 by ``sqrt(1 - n_h/N_h)`` (Rao, Wu and Yue
    1992), so the finite population correction is kept.
    """
    if R < 2:
        raise DesignError("the bootstrap needs at least 2 replicates.")
    C = len(strat)
    single = nh[strat] < 2
    if single.any() and lonely not in ("certainty", "remove"):
        raise DesignError(
            "strata with a single PSU cannot be resampled; choose lonely_psu='certainty' or "
            "'remove' (no variance from them) or collapse them with a neighbour."
        )
    rng = np.random.default_rng(seed)
    order = np.lexsort((np.arange(C), strat))
    s_sorted = strat[order]
    starts = np.searchsorted(s_sorted, np.arange(len(nh)))
    m = np.maximum(nh - 1, 0).astype(np.int64)  # draws per stratum
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
        F = boot  # no fpc: the Rao-Wu factors themselves
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
    rows = Hm[1:]  # the all-ones row is not used
    a = rows[pos % (R - 1)]
    b = rows[(pos + 1) % (R - 1)]
    return 1.0 + 2**-1.5 * (a - b), R
