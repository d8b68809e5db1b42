"""Design-based tests of independence and goodness of fit (R's ``svychisq``, ``svygofchisq``).

Rao-Scott: Pearson's X^2 of the weighted table (rescaled to the sample size ``N``) is referred to
the distribution it has under the design, ``sum_k delta_k chi2_1``, where ``delta_k`` are the
eigenvalues of the design-effect matrix ``Delta = (C' D^-1 C / N)^-1 C' D^-1 V D^-1 C`` of the
interaction contrasts ``C`` (``D``: diagonal of the cell proportions, ``V``: their design covariance,
from the design). The F form divides X^2 by ``tr(Delta)`` with ``d0 = tr(Delta)^2 / tr(Delta^2)`` and
``d0 * nu`` degrees of freedom; "lincom" integrates the exact distribution (Ruben's chi-square
mixture, with an F denominator for Taylor designs), "saddlepoint" approximates it. The Wald tests
use the covariance of the cell totals' interaction residuals ``T_ij - T_i. T_.j / T``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy import special

from ..errors import EstimationError
from ..estimation.contrasts import jacobian
from ..estimation.ratios import ratio_linearization
from ..estimation.statistics import Statistics, proportion_statistics
from ..variance import Block, Linearization
from .crosstab import interaction

__all__ = ["chisq", "gof_chisq", "STATISTICS", "pchisqsum_ruben", "saddle"]

STATISTICS = ("F", "Chisq", "Wald", "adjWald", "lincom", "saddlepoint")
_METHODS = {
    "F": "Pearson's X^2: Rao & Scott adjustment",
    "Chisq": "Pearson's X^2: Rao & Scott adjustment",
    "Wald": "Design-based Wald test of association",
    "adjWald": "Design-based Wald test of association",
    "lincom": "Pearson's X^2: asymptotic exact distribution",
    "saddlepoint": "Pearson's X^2: saddlepoint approximation",
}


def _row(statistic: str, value: float, ndf: float | None, ddf: float | None, p: float) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "statistic": [statistic],
            "value": [float(value)],
            "ndf": [np.nan if ndf is None else float(ndf)],
            "ddf": [np.nan if ddf is None else float(ddf)],
            "p_value": [float(p)],
            "method": [_METHODS[statistic]],
        }
    )


def chisq(design: Any, row: str, col: str, *, statistic: str = "F", sizes: tuple[int, float]) -> pd.DataFrame:
    """See :meth:`surveykit.SurveyDesign.chisq`; ``sizes`` = R's (N, nu) for the design."""
    if statistic not in STATISTICS:
        raise EstimationError(f"statistic={statistic!r}: use one of {', '.join(STATISTICS)}.")
    N, nu = sizes
    cells, rcats, ccats = interaction(design, row, col)
    cells, nr, nc = _drop_empty(design, cells, len(rcats), len(ccats), row, col)
    if statistic in ("Wald", "adjWald"):
        # the Wald tests work on the cell totals
        stats = proportion_statistics(design, [cells])
        dom = design.domains(None)
        tot_stats = Statistics(stats.variable, stats.level, stats.num, None, stats.present)
        lin_tot = ratio_linearization(design, tot_stats, dom, "total", empty="nan")
        return _wald(design, lin_tot, lin_tot.estimate.reshape(nr, nc), nr, nc, nu, statistic)
    lin_p = cell_proportions(design, cells, nr * nc)
    p = lin_p.estimate
    V = design.covariance_matrix(lin_p)
    X2 = _pearson(p.reshape(nr, nc) * N)  # the weighted table rescaled to N rows (R's svytable(Ntotal=N))
    C = _interaction_contrasts(nr, nc)
    ip = np.where(p == 0, 0.0, 1.0 / np.where(p == 0, 1.0, p))
    denom = (C.T * (ip / N)) @ C
    numr = (C.T * ip) @ V @ (ip[:, None] * C)
    Delta = np.linalg.solve(denom, numr)
    tr = float(np.trace(Delta))
    d0 = tr**2 / float(np.trace(Delta @ Delta))
    if statistic == "F":
        F = X2 / tr
        return _row("F", F, d0, d0 * nu, special.fdtrc(d0, d0 * nu, F))
    if statistic == "Chisq":
        df = (nr - 1) * (nc - 1)
        return _row("Chisq", X2, df, None, special.chdtrc(df, X2 / np.mean(np.diag(Delta))))
    delta = np.sort(np.linalg.eigvals(Delta).real)[::-1]
    replicate = hasattr(design, "replicates")
    if statistic == "lincom":
        if replicate:
            pval = pchisqsum_ruben(X2, delta)
        else:
            # R: P(sum delta chi2_1 - X2/ddf chi2_h > 0) by CompQuadForm::davies, whose degrees of freedom
            # are integers (h = trunc(ddf), the weight keeps ddf)
            ddf = d0 * nu
            h = float(np.floor(ddf))
            pval = pchisqsum_ruben(X2 * h / ddf, delta, h)
        return _row("lincom", X2, None, None, pval)
    pval = _saddlepoint_p(X2, delta, None if replicate else d0 * nu)
    return _row("saddlepoint", X2, None, None, pval)


def cell_proportions(design: Any, cells: pd.Series, K: int) -> Linearization:
    """The linearization of the K cell proportions of a categorical Series (missing: left out as a domain).

    The proportion estimator's totals form (cell indicators over the non-missing rows), built with one
    ``bincount`` over (variance cell x category) instead of one pass per category: a 14 x 5 table on a
    million rows needs one pass, not seventy.
    """
    codes = cells.cat.codes.to_numpy().astype(np.int64)
    sub = design.subpopulation
    ok = codes >= 0 if sub is None else (codes >= 0) & sub
    w = design.weight_array
    wk = np.where(ok, w, 0.0)
    code0 = np.where(ok, codes, 0)
    T = np.bincount(code0, weights=wk, minlength=K)
    W = float(T.sum())
    if W <= 0:
        raise EstimationError(f"no rows with both variables of '{cells.name}' observed.")
    p = T / W
    mask = None if ok.all() else ok
    columns = [((code0 == j) & ok).view(np.int8) for j in range(K)] + [ok.view(np.int8)]
    terms = [[(j, np.array([1.0 / W])), (K, np.array([-p[j] / W]))] for j in range(K)]

    def function(tot: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            return tot[..., :K] / tot[..., K : K + 1]

    dom = design.domains(None)
    block = Block(p[None, :], None, 1, [mask] * K, columns=columns, terms=terms, function=function, cache=dom.cache)
    vc = design.variance_cells(None, 1, dom.cache)
    if vc is not None:
        cell, used = vc
        S = np.bincount(cell * K + code0, weights=wk, minlength=len(used) * K).reshape(len(used), K)
        block.cells = (cell, used, np.column_stack([S, S.sum(axis=1)]))
    rows = pd.DataFrame({"variable": [str(cells.name)] * K, "level": np.arange(K)})
    return Linearization([block], rows, "proportion")


def _drop_empty(design: Any, cells: pd.Series, nr: int, nc: int, row: str, col: str):
    """Levels without rows in the subpopulation are not part of the table (R tabulates the rows it has)."""
    codes = cells.cat.codes.to_numpy()
    sub = design.subpopulation
    ok = codes >= 0 if sub is None else (codes >= 0) & sub
    cnt = np.bincount(codes[ok], minlength=nr * nc).reshape(nr, nc)
    keep_r, keep_c = cnt.sum(axis=1) > 0, cnt.sum(axis=0) > 0
    if keep_r.sum() < 2 or keep_c.sum() < 2:
        raise EstimationError(
            f"a test of independence needs at least two observed categories of '{row}' and of '{col}'.",
            column=row if keep_r.sum() < 2 else col,
        )
    if keep_r.all() and keep_c.all():
        return cells, nr, nc
    rmap = np.cumsum(keep_r) - 1
    cmap = np.cumsum(keep_c) - 1
    r, c = codes // nc, codes % nc
    nnc = int(keep_c.sum())
    good = (codes >= 0) & keep_r[np.clip(r, 0, None)] & keep_c[np.clip(c, 0, None)]
    new = np.where(good, rmap[np.clip(r, 0, None)] * nnc + cmap[np.clip(c, 0, None)], -1)
    K = int(keep_r.sum()) * nnc
    return (
        pd.Series(pd.Categorical.from_codes(new, categories=np.arange(K)), index=cells.index, name=cells.name),
        int(keep_r.sum()),
        nnc,
    )


def _pearson(obs: np.ndarray) -> float:
    exp = np.outer(obs.sum(axis=1), obs.sum(axis=0)) / obs.sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(np.sum((obs - exp) ** 2 / exp))


def _interaction_contrasts(nr: int, nc: int) -> np.ndarray:
    """Interaction columns of the saturated two-way model on the cells (row-major), residualised on the
    main effects: a basis of the contrasts that are zero under independence (K x (nr-1)(nc-1))."""
    r = np.repeat(np.arange(nr), nc)
    c = np.tile(np.arange(nc), nr)
    R = (r[:, None] == np.arange(1, nr)).astype(float)
    Cc = (c[:, None] == np.arange(1, nc)).astype(float)
    X1 = np.column_stack([np.ones(nr * nc), R, Cc])
    X12 = np.column_stack([R[:, i] * Cc[:, j] for i in range(nr - 1) for j in range(nc - 1)])
    beta, *_ = np.linalg.lstsq(X1, X12, rcond=None)
    return X12 - X1 @ beta


def _wald(design: Any, lin_tot: Any, T: np.ndarray, nr: int, nc: int, nu: float, statistic: str) -> pd.DataFrame:
    rs, cs, tot = T.sum(axis=1), T.sum(axis=0), T.sum()
    K = nr * nc
    # Y_ij = T_ij - T_i. T_.j / T and its Jacobian in the cell totals (row-major)
    r = np.repeat(np.arange(nr), nc)
    c = np.tile(np.arange(nc), nr)
    J = (
        np.eye(K)
        - ((r[:, None] == r[None, :]) * cs[c][:, None] + (c[:, None] == c[None, :]) * rs[r][:, None]) / tot
        + (rs[r] * cs[c])[:, None] / tot**2
    )
    Y = (T - np.outer(rs, cs) / tot).ravel()
    use = (r > 0) & (c > 0)
    A = J[use]
    _, V = design.function_covariance(lin_tot, lambda t: A @ t, A)
    try:
        W = float(Y[use] @ np.linalg.solve(V, Y[use]))
    except np.linalg.LinAlgError:
        raise EstimationError(
            "the covariance of the table's interaction terms is singular (empty cells?); use statistic='F'."
        ) from None
    ndf = (nr - 1) * (nc - 1)
    if statistic == "Wald":
        F, ddf = W / ndf, nu
    else:
        ddf = nu - ndf + 1
        F = W * ddf / (ndf * nu)
    return _row(statistic, F, ndf, ddf, special.fdtrc(ndf, ddf, F) if ddf > 0 else np.nan)


# --- the distribution of sum_k lambda_k chi2_1 ---------------------------------------------------------------
def pchisqsum_ruben(
    x: float, lam: np.ndarray, ddf: float | None = None, tol: float = 1e-12, max_terms: int = 200000
) -> float:
    """``P(sum_k lam_k chi2_1 > x)`` (``ddf``: ``> x * chi2_ddf / ddf``) for positive ``lam``.

    Ruben's expansion as a mixture of chi-squares ``sum_j a_j P(chi2_{k+2j} > x / beta)``; with an F
    denominator each term becomes ``P(F_{k+2j, ddf} > x / (beta (k+2j)))``. Exact up to ``tol`` in the
    mixing weights (R's ``CompQuadForm::farebrother`` / ``davies``).

    >>> round(pchisqsum_ruben(3.84145882, np.array([1.0])), 6)
    0.05
    """
    lam = np.asarray(lam, dtype=np.float64)
    lam = lam[lam > 1e-12 * lam.max()]
    k = len(lam)
    if x <= 0:
        return 1.0
    beta = lam.min()
    gam = 1.0 - beta / lam
    a = np.zeros(1024)
    g = np.zeros(1024)
    a[0] = float(np.prod(np.sqrt(beta / lam)))
    total = a[0]
    j = 0
    powers = np.ones(k)
    while 1.0 - total > tol and j < max_terms:
        j += 1
        if j >= len(a):
            a = np.concatenate([a, np.zeros(len(a))])
            g = np.concatenate([g, np.zeros(len(g))])
        powers = powers * gam
        g[j] = 0.5 * float(powers.sum())
        a[j] = float(np.dot(g[j:0:-1], a[:j])) / j
        total += a[j]
    a_arr = a[: j + 1]
    m = k + 2 * np.arange(len(a_arr))
    if ddf is None or not np.isfinite(ddf):
        tails = special.chdtrc(m, x / beta)
    else:
        tails = special.fdtrc(m, ddf, x / (beta * m))
    return float(np.sum(a_arr * tails))


def saddle(x: float, lam: np.ndarray) -> float:
    """Saddlepoint approximation to ``P(sum lam_k chi2_1 > x)`` (R survey's ``saddle``; NaN near the mean)."""
    lam = np.asarray(lam, dtype=np.float64)
    d = lam.max()
    lam = lam / d
    x = x / d

    def k0(z):
        return -np.sum(np.log(1 - 2 * z * lam)) / 2

    def k1(z):
        return np.sum(lam / (1 - 2 * z * lam))

    def k2(z):
        return 2 * np.sum(lam**2 / (1 - 2 * z * lam) ** 2)

    lmin: float
    if (lam < 0).any():
        lmin = float(np.max(1 / (2 * lam[lam < 0]))) * 0.99999
    elif x > lam.sum():
        lmin = -0.01
    else:
        lmin = -len(lam) / (2 * x)
    lmax = np.min(1 / (2 * lam[lam > 0])) * 0.99999
    from scipy import optimize  # imported here: scipy.optimize adds a sixth of a second to `import surveykit`

    z = optimize.brentq(lambda t: k1(t) - x, lmin, lmax, xtol=1e-14, rtol=1e-15, maxiter=500)
    if abs(z) < 1e-4:
        return np.nan
    w = np.sign(z) * np.sqrt(2 * (z * x - k0(z)))
    v = z * np.sqrt(k2(z))
    return float(special.ndtr(-(w + np.log(v / w) / w)))


def _saddlepoint_p(X2: float, delta: np.ndarray, ddf: float | None) -> float:
    """R's ``pFsum(method="saddlepoint")`` (Taylor) or ``pchisqsum`` (replicate), Satterthwaite if NaN."""
    tr = delta.mean()
    tr2 = np.mean(delta**2) / tr**2
    scale, ndf = tr * tr2, len(delta) / tr2
    if ddf is None:
        s = saddle(X2, delta)
        return float(special.chdtrc(ndf, X2 / scale)) if np.isnan(s) else s
    lam = np.concatenate([delta, np.full(int(ddf), -X2 / ddf)])  # R: rep(-x/ddf, ddf) truncates ddf
    s = saddle(0.0, lam)
    return float(special.fdtrc(ndf, ddf, X2 / ndf / scale)) if np.isnan(s) else s


# --- goodness of fit -------------------------------------------------------------------------------------------
def gof_chisq(design: Any, variable: str, p: Any) -> pd.DataFrame:
    """See :meth:`surveykit.SurveyDesign.gof_chisq`."""
    stats = proportion_statistics(design, [variable])
    levels = list(stats.level or [])  # proportion statistics always carry their levels
    k = len(levels)
    if isinstance(p, dict):
        unknown = [c for c in p if c not in levels and str(c) not in map(str, levels)]
        if unknown:
            raise EstimationError(
                f"gof_chisq: {unknown} are not categories of '{variable}' ({levels}).", column=variable
            )
        lookup = {str(c): v for c, v in p.items()}
        missing = [c for c in levels if str(c) not in lookup]
        if missing:
            raise EstimationError(
                f"gof_chisq: give a probability for every category of '{variable}'; missing {missing}.", column=variable
            )
        pv = np.array([float(lookup[str(c)]) for c in levels])
    else:
        pv = np.asarray(p, dtype=np.float64).ravel()
        if pv.size != k:
            raise EstimationError(
                f"gof_chisq: {pv.size} probabilities for the {k} categories {levels} of '{variable}'.", column=variable
            )
    if (pv <= 0).any():
        raise EstimationError("gof_chisq: probabilities must be positive.", column=variable)
    pv = pv / pv.sum()
    tot = Statistics(stats.variable, stats.level, stats.num, None, stats.present)
    lin = ratio_linearization(design, tot, design.domains(None), "total", empty="nan")
    T = lin.estimate
    Nh = T.sum()
    X2 = float(np.sum((T - Nh * pv) ** 2 / (Nh * pv)))

    def fn(t):
        n = t.sum()
        return (t - pv * n) / np.sqrt(pv * n)

    J = jacobian(fn, T)
    _, V = design.function_covariance(lin, fn, J)
    lam = np.sort(np.linalg.eigvalsh(V))[::-1]
    tr = lam.mean()
    tr2 = np.mean(lam**2) / tr**2
    scale, df = tr * tr2, k / tr2
    pval = float(special.chdtrc(df, X2 / scale))
    return pd.DataFrame(
        {
            "statistic": ["Chisq"],
            "value": [X2],
            "scale": [scale],
            "df": [df],
            "p_value": [pval],
            "method": ["Design-based chi-squared test for given probabilities"],
        }
    )
