"""The one variance kernel: linearized scores in, variances out.

Every estimator (total, mean, proportion, ratio, quantile) and every domain reduces to *scores*
(influence values) ``z[i, g, j]``: row ``i``'s contribution to statistic ``j`` in domain ``g``. A row
belongs to one domain, so the scores are stored sparsely as an ``(n, k)`` matrix plus the row's domain
code; calibration adds dense corrections ``- C @ B`` (the residuals of the calibration regression).

* :func:`taylor_variance` sums scores within sampling units by segment sums (``np.bincount``) and adds
  the stratified between-unit variances of every stage, as R's ``svyrecvar`` does (full multistage
  recursion with fpc, R's lonely-PSU rules).
* :func:`replicate_totals` forms the replicate totals of weighted data for all variables and domains
  in one matrix product of replicate factors and unit totals; :func:`replicate_variance` turns
  replicate estimates into variances as R's ``svrVar``.

Calibration residuals (the corrections) are built in :mod:`surveykit.variance.calibration`.

No Python loop runs over rows, strata or units; the only loops are over stages and calibration steps.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from .structure import DesignStructure, Stage

__all__ = [
    "Scores",
    "segment_sums",
    "taylor_variance",
    "taylor_covariance",
    "replicate_totals",
    "replicate_variance",
    "replicate_covariance",
    "compact_codes",
    "cell_variance",
    "cached_cells",
    "cell_replicate_totals",
    "dense_unit_totals",
    "unit_covariance",
    "DENSE_UNIT_CELLS",
]

# Above this many (unit, domain) cells, cells are coded by sorting instead of a dense table.
_DENSE_CELLS = 1 << 22
# Elements per block of dense (unit x domain x statistic) totals when calibration corrections apply.
_DENSE_BLOCK = 1 << 23
# Largest dense (unit x domain x statistic) table of replicate totals; beyond it a sparse product.
DENSE_UNIT_CELLS = _DENSE_BLOCK * 2
# Largest dense (unit x estimate) table a covariance is formed from.
_MAX_DENSE_COV = 1 << 27


@dataclass
class Scores:
    """Linearized scores of ``k`` statistics in ``n_groups`` domains.

    Column ``j`` of domain ``g`` is ``values[:, j] * (group == g)`` minus, for every correction
    ``(X, rowscale, B)``, ``rowscale * (X @ B[:, g, j])``.

    Attributes
    ----------
    values : (n, k) float64
    group : (n,) int64 or None
        Domain code of each row (``None``: a single domain, the whole sample).
    n_groups : int
    present : (n, k) bool or None
        Rows that are part of (domain, statistic); only R's ``lonely_psu="average"`` needs it.
    cache : dict or None
        Where (unit, domain) cell codes of the same domains are kept between calls.
    corrections : list of Correction
        Calibration residual terms from :func:`calibration_corrections`.
    """

    values: np.ndarray
    group: np.ndarray | None = None
    n_groups: int = 1
    present: np.ndarray | None = None
    corrections: list = field(default_factory=list)
    cache: dict | None = None

    @property
    def k(self) -> int:
        return self.values.shape[1]


def compact_codes(key: np.ndarray, bound: int) -> tuple[np.ndarray, np.ndarray]:
    """Renumber non-negative integer keys below ``bound`` as 0..P-1; return codes and the keys used.

    >>> codes, used = compact_codes(np.array([5, 2, 5]), 10)
    >>> codes.tolist(), used.tolist()
    ([1, 0, 1], [2, 5])
    """
    if bound <= max(4 * len(key), _DENSE_CELLS):
        counts = np.bincount(key, minlength=bound)
        used = np.flatnonzero(counts)
        remap = np.empty(bound, dtype=np.int64)
        remap[used] = np.arange(len(used))
        return remap[key], used
    used, codes = np.unique(key, return_inverse=True)
    return codes.astype(np.int64, copy=False), used


def segment_sums(values: np.ndarray, codes: np.ndarray, size: int) -> np.ndarray:
    """Column sums of ``values`` (n, k) within the segments ``codes`` (n,) -> (size, k).

    >>> segment_sums(np.array([[1.0], [2.0], [3.0]]), np.array([0, 1, 0]), 2).ravel().tolist()
    [4.0, 2.0]
    """
    if values.ndim == 1:
        return np.bincount(codes, weights=values, minlength=size)
    out = np.empty((size, values.shape[1]), order="F")
    for j in range(values.shape[1]):
        out[:, j] = np.bincount(codes, weights=values[:, j], minlength=size)
    return out


# ------------------------------------------------------------------------------------------------
# Taylor linearization
# ------------------------------------------------------------------------------------------------
def taylor_variance(structure: DesignStructure, scores: Scores) -> np.ndarray:
    """Variance of every (domain, statistic) total of ``scores`` under the design: (n_groups, k).

    Implements R's ``svyrecvar``/``multistage``/``onestage``/``onestrat``: at each stage the unit
    totals are centred within strata and scaled by ``(1 - n/N) n/(n-1)``; later stages (only when
    the fpc is given) are added within their parent units, multiplied by the parent fractions ``n/N``.
    """
    out = np.zeros((scores.n_groups, scores.k))
    for s, stage in enumerate(structure.variance_stages):
        mult = structure.stratum_mult[s]
        for PT, cell_unit, cell_group in _unit_totals(stage, scores):
            out += _between_units(
                stage,
                mult,
                structure.lonely_psu,
                scores,
                PT,
                cell_unit,
                cell_group,
                domain_lonely=structure.adjust_domain_lonely and not scores.corrections,
            )
    return out


def taylor_covariance(structure: DesignStructure, blocks: list[Scores]) -> np.ndarray:
    """Covariance of every (domain, statistic) total of every block of scores: (m, m).

    Blocks may have different domains; block ``b`` contributes ``G_b * k_b`` estimates, domain-major.
    Per stage, unit totals are centred within strata and cross-multiplied with R's stratum scale
    (``svyrecvar`` applied to the matrix of influence values, as ``svyby(covmat=TRUE)`` does): the
    diagonal is the variance of :func:`taylor_variance`, except that ``lonely_psu="average"`` counts
    the strata of the whole design rather than those with rows in each domain.
    """
    m = sum(b.n_groups * b.k for b in blocks)
    out = np.zeros((m, m))
    for s, stage in enumerate(structure.variance_stages):
        D = np.hstack([dense_unit_totals(stage, b) for b in blocks])
        out += _between_units_cov(stage, structure.stratum_mult[s], structure.lonely_psu, D)
    return out


def _centred_unit_totals(
    stage: Stage, mult: np.ndarray, lonely_psu: str, D: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Unit totals ``D`` (units x m) centred within their strata, and each unit's variance weight.

    R's ``onestrat``: deviations from the stratum mean, weight ``(1 - f) n/(n - 1)`` times the stage
    multiplier (0 for fully sampled strata); lonely strata follow ``lonely_psu`` ("adjust" centres at
    zero, "average" scales each call up by strata / strata with more than one unit, others drop them).
    Both the covariance (``dev' W dev``) and the variance (its diagonal) are computed from these.
    """
    h = stage.cluster_stratum
    C = stage.n_clusters
    # strata x units indicator: stratum sums of every column in one sparse product
    M = sp.csr_matrix((np.ones(C), (h, np.arange(C))), shape=(stage.n_strata, C))
    dev = D - ((M @ D) / stage.stratum_n[:, None])[h]
    lonely = stage.lonely
    scale = np.where(stage.stratum_f < 1e-7, 0.0, stage.stratum_scale * mult)
    if lonely.any():
        if lonely_psu == "adjust":
            dev[lonely[h]] = D[lonely[h]]  # centred at zero, as in taylor_variance
        else:
            scale = np.where(lonely, 0.0, scale)
        if lonely_psu == "average":
            parent = stage.stratum_parent
            ncall = int(parent.max()) + 1
            nstrat = np.bincount(parent, minlength=ncall).astype(np.float64)
            nlonely = np.bincount(parent, weights=lonely.astype(np.float64), minlength=ncall)
            with np.errstate(divide="ignore", invalid="ignore"):
                factor = np.where(nstrat > nlonely, nstrat / (nstrat - nlonely), np.nan)
            scale = scale * factor[parent]
    return dev, scale[h]


def _between_units_cov(stage: Stage, mult: np.ndarray, lonely_psu: str, D: np.ndarray) -> np.ndarray:
    """Stratified between-unit covariance of the unit totals ``D`` (units x m)."""
    dev, wu = _centred_unit_totals(stage, mult, lonely_psu, D)
    return dev.T @ (dev * wu[:, None])


def unit_covariance(structure: DesignStructure, D: np.ndarray) -> np.ndarray:
    """Covariance from first-stage unit totals of the scores ``D`` (units x m): (m, m).

    For designs whose variance is the first stage's only (the cases of :func:`cell_variance`): the
    estimators' (unit x domain) cell totals laid out per unit, so no row-level score is formed.
    """
    stage = structure.stages[0]
    return _between_units_cov(stage, structure.stratum_mult[0], structure.lonely_psu, D)


def cell_variance(
    structure: DesignStructure, PT: np.ndarray, cell_unit: np.ndarray, cell_group: np.ndarray, G: int
) -> np.ndarray:
    """Variance from first-stage (unit x domain) cell totals of the scores: (G, k).

    For designs whose variance is the first stage's only (no later-stage fpc, no calibration): the
    estimators then sum weighted data into cells directly instead of forming row-level scores.
    """
    stage = structure.stages[0]
    scores = Scores(values=np.empty((0, PT.shape[1])), n_groups=G)
    return _between_units(stage, structure.stratum_mult[0], structure.lonely_psu, scores, PT, cell_unit, cell_group)


def _unit_totals(stage: Stage, scores: Scores):
    """Yield blocks ``(PT, cell_unit, cell_group)``: totals of scores per (unit, domain) cell."""
    U, g, G = scores.values, scores.group, scores.n_groups
    n = U.shape[0]
    if not scores.corrections:
        if g is None or G == 1:
            if stage.rows_are_units:
                yield U, stage.cluster, np.zeros(n, dtype=np.int64)
            else:
                PT = segment_sums(U, stage.cluster, stage.n_clusters)
                yield PT, np.arange(stage.n_clusters), np.zeros(stage.n_clusters, dtype=np.int64)
            return
        if stage.rows_are_units:
            yield U, stage.cluster, g
            return
        cell, used = cached_cells(scores.cache, stage.cluster, g, stage.n_clusters, G)
        PT = segment_sums(U, cell, len(used))
        yield PT, used // G, used % G
        return
    # calibration corrections make every unit non-zero in every domain: dense blocks of domains
    C = stage.n_clusters
    k = scores.k
    # rows that are their own units take the corrections row by row; clustered stages take them as
    # (unit x calibration column) sums times B, which never touches rows per domain
    per_row = stage.rows_are_units
    gb = max(1, min(G, _DENSE_BLOCK // max(1, (n if per_row else C) * k)))
    garr = np.zeros(n, dtype=np.int64) if g is None else g
    sums = [] if per_row else [corr.unit_sums(stage) for corr in scores.corrections]
    for g0 in range(0, G, gb):
        g1 = min(G, g0 + gb)
        width = g1 - g0
        T = np.zeros((C * width, k))
        inblock = (garr >= g0) & (garr < g1)
        if inblock.any():
            key = stage.cluster[inblock] * width + (garr[inblock] - g0)
            T += segment_sums(U[inblock], key, C * width)
        if per_row:
            corr = np.zeros((n, width, k))
            for c in scores.corrections:
                corr += c.rowscale[:, None, None] * c.X.times(c.B[:, g0:g1, :])
            T.reshape(C, width, k)[stage.cluster] -= corr  # rows are the units, in some order
        else:
            for c, A in zip(scores.corrections, sums):
                T -= (A @ c.B[:, g0:g1, :].reshape(c.B.shape[0], width * k)).reshape(C * width, k)
        yield T, np.repeat(np.arange(C), width), np.tile(np.arange(g0, g1), C)


def dense_unit_totals(stage: Stage, scores: Scores) -> np.ndarray:
    """Totals of the scores per unit of ``stage``, every (domain, statistic) a column: (units, G * k).

    Columns are ordered domain-major (``g * k + j``). Units without rows in a domain hold 0.
    """
    C, G, k = stage.n_clusters, scores.n_groups, scores.k
    if C * G * k > _MAX_DENSE_COV:
        from ..errors import EstimationError

        raise EstimationError(
            f"a covariance of {G * k} estimates over {C} sampling units needs "
            f"{C * G * k * 8 / 1e9:.1f} GB; ask for fewer domains or variables at once."
        )
    T = np.zeros((C, G, k))
    for PT, cu, cg in _unit_totals(stage, scores):
        T[cu, cg, :] += PT
    return T.reshape(C, G * k)


def cached_cells(cache: dict | None, unit: np.ndarray, g: np.ndarray, n_units: int, G: int):
    """(unit, domain) cell codes, kept in ``cache`` (the domains' own) for later calls."""
    key = ("cells", n_units, id(unit))
    if cache is not None and key in cache and cache[key][0] is unit:
        return cache[key][1]
    out = compact_codes(unit * G + g, n_units * G)
    if cache is not None:
        cache[key] = (unit, out)
    return out


def _between_units(
    stage: Stage,
    mult: np.ndarray,
    lonely_psu: str,
    scores: Scores,
    PT: np.ndarray,
    cell_unit: np.ndarray,
    cell_group: np.ndarray,
    domain_lonely: bool = False,
) -> np.ndarray:
    """Stratified between-unit variance of the cell totals ``PT``, summed per domain: (G, k).

    ``domain_lonely`` (R's ``options(survey.adjust.domain.lonely=TRUE)``): a stratum where a domain
    (and statistic) has rows in a single unit although the stratum has several is treated by the
    lonely-PSU rule: ``"adjust"`` centres that unit at zero, ``"average"`` leaves the stratum out and
    scales up the rest; other rules keep the usual centring. Needs row-level scores with ``present``.
    """
    G = scores.n_groups
    H = stage.n_strata
    cell_stratum = stage.cluster_stratum[cell_unit]
    sg, sg_used = compact_codes(cell_stratum * G + cell_group, H * G)
    S = len(sg_used)
    sg_stratum = sg_used // G
    sg_group = sg_used % G
    nh = stage.stratum_n[sg_stratum]
    sums = segment_sums(PT, sg, S)
    cells = np.bincount(sg, minlength=S).astype(np.float64)
    mean = sums / nh[:, None]
    dev = PT - mean[sg]
    # units of the stratum without rows in the domain have total 0: they add (0 - mean)^2 each
    ss = segment_sums(dev * dev, sg, S) + (nh - cells)[:, None] * mean * mean
    lonely = stage.lonely[sg_stratum]
    if lonely.any() and lonely_psu == "adjust":
        # R centres a lonely unit at zero (the population mean of a score) instead of its own value
        raw = segment_sums(PT * PT, sg, S)
        ss[lonely] = raw[lonely]
    dlon = None
    if domain_lonely and lonely_psu in ("adjust", "average") and scores.values.shape[0]:
        nsub = _units_present(stage, scores, sg_used)
        dlon = (nsub == 1) & (nh[:, None] > 1) & (stage.stratum_f[sg_stratum] >= 1e-7)[:, None]
        if dlon.any():
            _warn_domain_lonely(int(dlon.any(axis=1).sum()), lonely_psu)
            if lonely_psu == "adjust":
                ss = np.where(dlon, segment_sums(PT * PT, sg, S), ss)
        else:
            dlon = None
    scale = (stage.stratum_scale * mult)[sg_stratum]
    scale = np.where(stage.stratum_f[sg_stratum] < 1e-7, 0.0, scale)
    v = ss * scale[:, None]
    if lonely_psu == "average" and (stage.lonely.any() or dlon is not None):
        return _average_lonely(
            stage, scores, v, lonely, sg_stratum, sg_group, None if dlon is None else (sg_used, dlon)
        )
    if lonely.any():
        v[lonely] = 0.0 if lonely_psu != "adjust" else v[lonely]
    return segment_sums(v, sg_group, G)


def _units_present(stage: Stage, scores: Scores, sg_used: np.ndarray) -> np.ndarray:
    """Units with rows present, per (stratum-domain cell of ``sg_used``, statistic): (S, k)."""
    G, k = scores.n_groups, scores.k
    n = scores.values.shape[0]
    g = np.zeros(n, dtype=np.int64) if scores.group is None else scores.group
    present = np.ones((n, k)) if scores.present is None else scores.present.astype(np.float64)
    key, used = compact_codes(stage.cluster * G + g, stage.n_clusters * G)
    has = (segment_sums(present, key, len(used)) > 0).astype(np.float64)
    cell_sg = stage.cluster_stratum[used // G] * G + used % G
    return segment_sums(has, np.searchsorted(sg_used, cell_sg), len(sg_used))


def _warn_domain_lonely(count: int, rule: str) -> None:
    import warnings

    from ..errors import SurveykitWarning

    warnings.warn(
        f"{count} stratum-domain cell(s) have a single sampling unit with rows although the stratum has "
        f"several; adjust_domain_lonely=True treats them with lonely_psu={rule!r} (R's "
        "survey.adjust.domain.lonely).",
        SurveykitWarning,
        stacklevel=7,
    )


def _average_lonely(
    stage: Stage,
    scores: Scores,
    v: np.ndarray,
    lonely: np.ndarray,
    sg_stratum: np.ndarray,
    sg_group: np.ndarray,
    domain: tuple[np.ndarray, np.ndarray] | None = None,
) -> np.ndarray:
    """R's lonely_psu="average": drop lonely strata, scale each stage call by strata/ok strata.

    A "call" is R's ``onestage`` invocation: the whole sample at stage 1, one parent unit later on.
    Strata count only where the (domain, statistic) has rows, as in R's subset designs.
    """
    G, k = scores.n_groups, scores.k
    n = scores.values.shape[0]
    row_stratum = stage.cluster_stratum[stage.cluster]
    row_group = np.zeros(n, dtype=np.int64) if scores.group is None else scores.group
    present = np.ones((n, k)) if scores.present is None else scores.present.astype(np.float64)
    key, used = compact_codes(row_stratum * G + row_group, stage.n_strata * G)
    has_rows = (segment_sums(present, key, len(used)) > 0).astype(np.float64)  # (stratum, group) x k
    used_stratum = used // G
    ncall = int(stage.stratum_parent.max()) + 1
    call_cell = stage.stratum_parent[used_stratum] * G + used % G
    nstrat = segment_sums(has_rows, call_cell, ncall * G)
    out_of = np.broadcast_to(stage.lonely[used_stratum][:, None], has_rows.shape)
    drop = np.broadcast_to(lonely[:, None], v.shape)
    if domain is not None:
        # strata lonely within the domain (R's survey.adjust.domain.lonely): left out like lonely strata
        sg_used, dlon = domain
        out_of = out_of | dlon[np.searchsorted(sg_used, used)]
        drop = drop | dlon
    nlonely = segment_sums(has_rows * out_of, call_cell, ncall * G)
    v = np.where(drop, 0.0, v)
    vcall = segment_sums(v, stage.stratum_parent[sg_stratum] * G + sg_group, ncall * G)
    hopeless = (nstrat > 0) & (nstrat == nlonely)
    if hopeless.any():
        import warnings

        from ..errors import SurveykitWarning

        calls = np.unique(np.flatnonzero(hopeless.any(axis=1)) // G)
        where = "the first stage" if ncall == 1 else f"{len(calls)} sampling unit(s) of the previous stage"
        warnings.warn(
            f"lonely_psu='average': every stratum within {where} has a single sampled unit, so there "
            "is no variance to average and the SE is NaN (as in R). Use lonely_psu='adjust' or "
            "'certainty', or collapse strata.",
            SurveykitWarning,
            stacklevel=6,
        )
    with np.errstate(divide="ignore", invalid="ignore"):
        vcall = np.where(nstrat > 0, vcall * nstrat / (nstrat - nlonely), 0.0)
    return segment_sums(vcall, np.arange(ncall * G) % G, G)


# ------------------------------------------------------------------------------------------------
# Replicates
# ------------------------------------------------------------------------------------------------
def replicate_totals(
    values: np.ndarray,
    group: np.ndarray | None,
    n_groups: int,
    factors: np.ndarray,
    unit: np.ndarray | None,
    cache: dict | None = None,
) -> np.ndarray:
    """Replicate totals ``sum_i factors[unit[i], r] * values[i, j] * (group[i] == g)``: (R, G, k).

    ``factors`` is ``(n_units, R)``: the replicate weight of each unit divided by its full-sample
    weight (R's compressed replicate weights). ``unit`` maps rows to units (``None``: rows are units).
    Values are already multiplied by the full-sample weights.
    """
    n, k = values.shape
    G = n_groups
    R = factors.shape[1]
    garr = np.zeros(n, dtype=np.int64) if group is None else group
    n_units = factors.shape[0]
    if unit is not None and n_units * G * k <= DENSE_UNIT_CELLS:
        cell, used = cached_cells(cache, unit, garr, n_units, G)
        return cell_replicate_totals(factors, segment_sums(values, cell, len(used)), used, G)
    # rows (or cells) are too many for a dense unit table: one sparse-dense product
    rows = np.repeat(np.arange(n), k)
    cols = (garr[:, None] * k + np.arange(k)[None, :]).ravel()
    M = sp.csr_matrix((values.ravel(), (rows, cols)), shape=(n, G * k))
    F = factors if unit is None else factors[unit]
    out = (M.T @ F).T
    return np.asarray(out).reshape(R, G, k)


def cell_replicate_totals(factors: np.ndarray, PT: np.ndarray, used: np.ndarray, G: int) -> np.ndarray:
    """Replicate totals from (unit x domain) cell totals ``PT`` of cells ``used`` (unit * G + domain).

    One product of the (unit x replicate) factors with the dense (unit x domain x statistic) table:
    (R, G, k).
    """
    n_units, R = factors.shape
    k = PT.shape[1]
    D = np.zeros((n_units, G, k))
    D[used // G, used % G, :] = PT
    return (factors.T @ D.reshape(n_units, G * k)).reshape(R, G, k)


def replicate_covariance(
    thetas: np.ndarray, estimate: np.ndarray, scale: float, rscales: np.ndarray, mse: bool
) -> np.ndarray:
    """R's ``svrVar`` for a vector of statistics: (m, m) from replicate estimates ``thetas`` (R, m)."""
    centre = estimate if mse else thetas[rscales > 0].mean(axis=0)
    dev = thetas - centre
    return scale * (dev.T @ (dev * rscales[:, None]))


def replicate_variance(
    thetas: np.ndarray, estimate: np.ndarray, scale: float, rscales: np.ndarray, mse: bool
) -> np.ndarray:
    """R's ``svrVar``: ``scale * sum_r rscales[r] (theta_r - centre)^2`` per statistic.

    ``thetas`` is (R, ...); the centre is the mean of the replicates with ``rscales > 0``, or the
    full-sample ``estimate`` when ``mse``.
    """
    if mse:
        centre = estimate
    else:
        centre = thetas[rscales > 0].mean(axis=0)
    dev = thetas - centre
    return scale * np.tensordot(rscales, dev * dev, axes=(0, 0))
