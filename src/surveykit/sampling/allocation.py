"""Allocation of a sample to strata: proportional, equal, Neyman, cost-optimal, power, compromise.

The continuous allocations are PracTools' ``strAlloc`` (Valliant, Dever & Kreuter 2018, ch. 3) to 1e-9
(fixtures in ``tests/reference/sampling/``). Bounds (``minimum``, ``maximum``, and never more than the
stratum holds) are met exactly: the allocation is ``clip(t·wₕ, lowₕ, highₕ)`` with the one ``t`` that
keeps the total, found from the breakpoints of that piecewise-linear function. Integer rounding keeps
the total (largest remainders, never crossing a bound).

The **compromise** allocation meets CV targets for several domain sets at once (departments *and*
areas, say) at least cost. In ``xₕ = 1/nₕ`` the variance of a domain mean,
``V_d = Σ_{h∈d} (Nₕ/N_d)² deffₕ Sₕ² (xₕ − 1/Nₕ)``, is linear, so each target ``V_d ≤ (cv_d Ȳ_d)²`` is a
linear constraint and the cost ``Σ cₕ/xₕ`` is convex: a convex program, solved with SciPy's SLSQP
(analytic gradients) and checked; the sizes are then rounded **up**, so every target still holds.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InfeasibleTargetError, MissingCostError, SampleTooLargeError, SamplingError
from .probabilities import _sizes

__all__ = ["allocate", "anticipated_cv", "METHODS"]

METHODS = ("proportional", "equal", "neyman", "optimal", "power", "compromise")


def _per_stratum(value: Any, name: str, index: pd.Index | None, h: int, error: type = SamplingError) -> np.ndarray:
    """A per-stratum parameter as an array aligned with the strata (Mapping/Series by stratum label)."""
    if isinstance(value, (Mapping, pd.Series)) and index is not None:
        m = dict(value)
        missing = [k for k in index.tolist() if k not in m]
        if missing:
            raise error(f"{name} is missing for strata {missing[:10]}; give it for every stratum.", strata=missing)
        value = [m[k] for k in index]
    arr = np.asarray(value, dtype=float)
    if arr.ndim == 0:
        arr = np.full(h, float(arr))
    if arr.shape != (h,):
        raise SamplingError(f"{name} has {arr.size} values for {h} strata; give one per stratum.")
    bad = ~np.isfinite(arr)
    if bad.any():
        where = [index.tolist()[i] for i in np.flatnonzero(bad)] if index is not None else np.flatnonzero(bad).tolist()
        raise error(f"{name} is missing for strata {where[:10]}; give it for every stratum.", strata=where)
    return arr


def _bounded(weights: np.ndarray, total: float, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """``clip(t·w, low, high)`` summing to ``total`` (exact: ``t`` from the breakpoints)."""
    if total < low.sum() - 1e-9 or total > high.sum() + 1e-9:
        raise InfeasibleTargetError(
            f"a total of {total:g} cannot be allocated within the bounds ({low.sum():g} to {high.sum():g} in all)."
        )
    w = np.maximum(weights, 0.0)
    unbounded = total * w / w.sum()
    if np.all((unbounded >= low) & (unbounded <= high)):
        return unbounded  # the plain formula, bit for bit
    with np.errstate(divide="ignore"):
        ts = np.unique(np.concatenate([low / w, high / w]))
    ts = ts[np.isfinite(ts)]
    f = np.clip(ts[:, None] * w[None, :], low, high).sum(axis=1)
    k = np.searchsorted(f, total)  # f is non-decreasing in t
    if k == 0:
        return np.clip(ts[0] * w, low, high)
    if k >= len(ts):
        return high.astype(float)
    t0, t1, f0, f1 = ts[k - 1], ts[k], f[k - 1], f[k]
    t = t0 if f1 == f0 else t0 + (total - f0) * (t1 - t0) / (f1 - f0)
    out = np.clip(t * w, low, high)
    return out


def _round(x: np.ndarray, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """Integers adding up to round(Σx): floors plus one for the largest remainders, within the bounds."""
    total = int(round(x.sum()))
    out = np.floor(x + 1e-9).astype(np.int64)
    room = out < high
    rem = np.where(room, x - out, -np.inf)
    short = total - int(out.sum())
    if short > 0:
        out[np.argsort(-rem, kind="stable")[:short]] += 1
    return np.maximum(out, low.astype(np.int64))


def anticipated_cv(n: Any, sizes: Any, sd: Any, mean: Any, domains: Any = None, deff: Any = 1.0) -> pd.Series:
    """Anticipated CV of the estimated mean of each domain under a stratified allocation ``n``.

    ``CV_d = √(Σ_{h∈d} (Nₕ/N_d)² deffₕ Sₕ² (1/nₕ − 1/Nₕ)) / Ȳ_d`` with ``Ȳ_d = Σ_{h∈d} Nₕ Ȳₕ / N_d``.

    Parameters
    ----------
    n, sizes, sd, mean : arrays, one value per stratum
        Allocation, stratum population sizes, unit standard deviations and means.
    domains : array, optional
        Domain of each stratum (a domain is a union of strata); ``None``: the whole population.
    deff : float or array, default 1

    Returns
    -------
    pandas.Series indexed by domain

    Examples
    --------
    >>> anticipated_cv([100, 100], [1000, 3000], [0.4, 0.3], [0.2, 0.1], domains=["a", "b"]).round(4).tolist()
    [0.1897, 0.295]
    """
    big_n = _sizes(sizes)
    h = len(big_n)
    nn = _per_stratum(n, "n", None, h)
    s = _per_stratum(sd, "sd", None, h)
    y = _per_stratum(mean, "mean", None, h)
    d = _per_stratum(deff, "deff", None, h)
    dom: np.ndarray
    labels: pd.Index
    if domains is None:
        dom, labels = np.zeros(h, dtype=np.int64), pd.Index(["all"])
    else:
        dom, labels = pd.factorize(pd.Series(np.asarray(domains).ravel()), sort=True)
    nd = np.bincount(dom, weights=big_n, minlength=len(labels))
    with np.errstate(divide="ignore"):
        terms = (big_n / nd[dom]) ** 2 * d * s**2 * (1 / nn - 1 / big_n)
        var = np.bincount(dom, weights=terms, minlength=len(labels))
    ybar = np.bincount(dom, weights=big_n * y, minlength=len(labels)) / nd
    return pd.Series(np.sqrt(np.maximum(var, 0)) / ybar, index=labels, name="cv")


def allocate(
    sizes: Any,
    n: int | None = None,
    *,
    method: str = "proportional",
    sd: Any = None,
    mean: Any = None,
    cost: Any = None,
    budget: float | None = None,
    cv: Any = None,
    variance: float | None = None,
    power: float = 0.5,
    measure: Any = None,
    domains: Mapping[str, Any] | None = None,
    deff: Any = 1.0,
    minimum: Any = None,
    maximum: Any = None,
    integer: bool = True,
) -> np.ndarray | pd.Series:
    r"""Allocate a sample to strata.

    With ``Wₕ = Nₕ/N`` (``sizes``), unit standard deviations ``Sₕ`` (``sd``) and unit costs ``cₕ``:

    ============================  =====================================================================
    method                        ``nₕ``
    ============================  =====================================================================
    ``"proportional"``            ``n Wₕ`` (PracTools ``strAlloc(alloc="prop")``)
    ``"equal"``                   ``n / H``
    ``"neyman"``                  ``n WₕSₕ / Σ WₖSₖ`` (``alloc="neyman"``)
    ``"optimal"``, ``n``          ``n (WₕSₕ/√cₕ) / Σ WₖSₖ/√cₖ`` (fixed sample size)
    ``"optimal"``, ``budget`` C   ``C (WₕSₕ/√cₕ) / Σ WₖSₖ√cₖ`` (fixed cost, ``alloc="totcost"``)
    ``"optimal"``, ``cv`` or      ``(WₕSₕ/√cₕ) Σ WₖSₖ√cₖ / (V₀ + Σ WₖSₖ²/N)``, ``V₀ = (cv·Ȳ)²`` or
    ``variance``                  ``variance`` (fixed variance of the mean at least cost, ``alloc="totvar"``)
    ``"power"``                   ``n ∝ CVₕ Xₕ^q`` (Bankier 1988): ``Xₕ`` = ``measure`` (default the
                                  sizes), ``q`` = ``power``, ``CVₕ = Sₕ/Ȳₕ`` when given (else 1); ``q = 1``
                                  is proportional to X, ``q = 0`` equal (for equal CVs)
    ``"compromise"``              least cost ``Σ cₕnₕ`` with ``CV_d ≤ cv`` in every domain of every set
                                  in ``domains`` (see the module notes; :func:`anticipated_cv`)
    ============================  =====================================================================

    Then the allocation is bounded by ``minimum`` and ``maximum`` (and by ``Nₕ``) keeping the total, the
    extra or missing units going to the other strata in proportion; ``integer=True`` rounds keeping the
    total (fixed-cost: rounded down, within budget; fixed-variance and compromise: rounded up, meeting
    the target).

    Parameters
    ----------
    sizes : array or Series
        Stratum population sizes ``Nₕ`` (> 0). A Series gives stratum labels to the result, and
        Mapping/Series arguments below are then matched by label.
    n : int, optional
        Total sample (all methods except optimal with ``budget``/``cv``/``variance`` and compromise).
    sd, mean, cost, measure, deff, minimum, maximum : float, array, Mapping or Series, optional
        Per stratum: unit standard deviation, mean, unit cost, power measure, design effect, bounds.
    budget : float, optional
        Total variable cost (optimal, fixed cost).
    cv : float or Mapping, optional
        Target CV of the mean (optimal, fixed variance); for ``"compromise"`` a number for every domain
        or a Mapping domain set → number (or → Mapping domain → number; domains left out have no target).
    variance : float, optional
        Target variance of the mean (optimal, fixed variance).
    power : float, default 0.5
        Exponent ``q`` of the power allocation.
    domains : Mapping of name → array, optional
        For ``"compromise"``: domain sets, each giving every stratum's domain (e.g. ``{"departamento":
        [...], "area": [...]}``); ``{"all": None}`` adds the whole population.
    integer : bool, default True
        Round to whole units.

    Returns
    -------
    numpy.ndarray, or Series (with ``sizes`` a Series) named ``n``

    Raises
    ------
    MissingCostError
        ``cost`` is needed and missing, or lacks a stratum.
    InfeasibleTargetError
        Bounds that cannot hold the total, or a CV target not met even taking every unit.
    SampleTooLargeError
        ``n`` exceeds the population.

    Examples
    --------
    >>> sizes = [1000, 3000, 6000]
    >>> allocate(sizes, 100).tolist()
    [10, 30, 60]
    >>> allocate(sizes, 100, method="neyman", sd=[10, 2, 1]).tolist()
    [46, 27, 27]
    >>> allocate(sizes, 100, method="neyman", sd=[10, 2, 1], maximum=35).tolist()
    [35, 33, 32]
    >>> allocate(sizes, method="optimal", sd=[10, 2, 1], cost=[4, 1, 1], budget=500, integer=False).round(2).tolist()
    [78.12, 93.75, 93.75]
    >>> allocate(sizes, 120, method="power", power=0.5).tolist()
    [23, 40, 57]
    """
    if method not in METHODS:
        raise SamplingError(f"method={method!r}: use one of {', '.join(METHODS)}.")
    index = pd.Index(sizes.index.tolist(), tupleize_cols=False) if isinstance(sizes, pd.Series) else None
    big_n = _sizes(sizes, "sizes")
    h = len(big_n)
    w = big_n / big_n.sum()
    low = np.zeros(h) if minimum is None else _per_stratum(minimum, "minimum", index, h)
    high = big_n.copy() if maximum is None else np.minimum(_per_stratum(maximum, "maximum", index, h), big_n)
    if np.any(low > high):
        i = int(np.flatnonzero(low > high)[0])
        label = index.tolist()[i] if index is not None else i
        raise InfeasibleTargetError(
            f"stratum {label}: minimum {low[i]:g} exceeds its maximum or its {big_n[i]:g} units."
        )
    if integer and (np.any(low != np.round(low)) or np.any(high != np.floor(high))):
        low, high = np.ceil(low), np.floor(high)
    s = None if sd is None else _per_stratum(sd, "sd", index, h)
    if s is not None and np.any(s <= 0):
        raise SamplingError("sd must be positive in every stratum.")
    c = None
    if cost is not None:
        c = _per_stratum(cost, "cost", index, h, MissingCostError)
        if np.any(c <= 0):
            raise MissingCostError("cost must be positive in every stratum.")
    needs_total = method in ("proportional", "equal", "neyman", "power") or (
        method == "optimal" and budget is None and cv is None and variance is None
    )
    if needs_total:
        if n is None:
            raise SamplingError(f"method={method!r} needs the total sample n.")
        if n > big_n.sum():
            raise SampleTooLargeError(f"n={n} is more than the {big_n.sum():g} units of the population.")
    elif n is not None:
        raise SamplingError(f"method={method!r} with a budget or precision target sets the total itself; drop n.")
    if method in ("neyman", "optimal") and s is None:
        raise SamplingError(f"method={method!r} needs sd (unit standard deviation per stratum).")

    if method == "proportional":
        shares = w
    elif method == "equal":
        shares = np.ones(h)
    elif method == "neyman":
        shares = w * s
    elif method == "power":
        x = big_n if measure is None else _per_stratum(measure, "measure", index, h)
        cvh = np.ones(h)
        if s is not None:
            if mean is None:
                raise SamplingError("power allocation with sd needs mean (it uses CVₕ = sd/mean).")
            cvh = s / _per_stratum(mean, "mean", index, h)
        shares = cvh * x**power
    elif method == "optimal":
        if c is None:
            raise MissingCostError("method='optimal' needs cost (unit cost per stratum).")
        shares = w * s / np.sqrt(c)
        if budget is not None or cv is not None or variance is not None:
            return _optimal_total(shares, w, s, c, big_n, budget, cv, variance, mean, index, h, low, high, integer)
    else:
        return _compromise(big_n, s, mean, c, domains, cv, deff, index, h, low, high, integer)
    assert n is not None  # every method that reaches here needs the total (checked above)
    alloc = _bounded(shares, float(n), low, high)
    return _finish(_round(alloc, low, high) if integer else alloc, index)


def _finish(alloc: np.ndarray, index: pd.Index | None) -> np.ndarray | pd.Series:
    return pd.Series(alloc, index=index, name="n") if index is not None else alloc


def _optimal_total(shares, w, s, c, big_n, budget, cv, variance, mean, index, h, low, high, integer):
    if sum(v is not None for v in (budget, cv, variance)) != 1:
        raise SamplingError("give one of budget, cv or variance for the optimal allocation.")
    d1 = shares.sum()
    if budget is not None:
        if budget < c.sum():
            raise InfeasibleTargetError(f"budget={budget:g} is less than one unit per stratum costs ({c.sum():g}).")
        total_n = budget * d1 / np.sum(w * s * np.sqrt(c))
    else:
        if variance is None:
            if mean is None:
                raise SamplingError("a cv target needs mean (the population mean, or one per stratum).")
            ybar = np.asarray(mean, dtype=float)
            ybar = float(ybar) if ybar.ndim == 0 else float(np.sum(w * _per_stratum(mean, "mean", index, h)))
            variance = (cv * ybar) ** 2
        if not variance > 0:
            raise InfeasibleTargetError("the target cv/variance must be positive.")
        total_n = d1 * np.sum(w * s * np.sqrt(c)) / (variance + np.sum(w * s**2) / big_n.sum())
    alloc = total_n * shares / d1
    if np.any(alloc > high) or np.any(alloc < low):
        # the optimal shares within the bounds, keeping the unbounded total sample size
        alloc = _bounded(shares, float(min(total_n, high.sum())), low, high)
    if not integer:
        return _finish(alloc, index)
    if budget is not None:
        out = np.maximum(np.floor(alloc + 1e-9), low)
    else:
        out = np.minimum(np.ceil(alloc - 1e-9), high)
    return _finish(out.astype(np.int64), index)


def _compromise(big_n, s, mean, c, domains, cv, deff, index, h, low, high, integer):
    if s is None or mean is None:
        raise SamplingError("method='compromise' needs sd and mean per stratum.")
    if not domains:
        raise SamplingError("method='compromise' needs domains: {name: domain of each stratum}.")
    if cv is None:
        raise SamplingError("method='compromise' needs cv targets.")
    y = _per_stratum(mean, "mean", index, h)
    dd = _per_stratum(deff, "deff", index, h)
    c = np.ones(h) if c is None else c
    low = np.maximum(low, 1.0)  # 1/n needs n ≥ 1
    rows, bounds, names = [], [], []
    for set_name, labels in domains.items():
        dom, levels = (
            (np.zeros(h, dtype=np.int64), pd.Index(["all"]))
            if labels is None
            else pd.factorize(pd.Series(np.asarray(labels).ravel()), sort=True)
        )
        if len(dom) != h:
            raise SamplingError(f"domains[{set_name!r}] has {len(dom)} values for {h} strata.")
        target = cv.get(set_name) if isinstance(cv, Mapping) else cv
        if target is None:
            raise SamplingError(f"cv gives no target for the domain set {set_name!r}.")
        nd = np.bincount(dom, weights=big_n, minlength=len(levels))
        ybar = np.bincount(dom, weights=big_n * y, minlength=len(levels)) / nd
        for k, level in enumerate(levels):
            t = target.get(level) if isinstance(target, Mapping) else target
            if t is None:
                continue
            if not t > 0:
                raise InfeasibleTargetError(f"the cv target of {set_name}={level!r} must be positive.")
            inside = dom == k
            coef = np.where(inside, (big_n / nd[k]) ** 2 * dd * s**2, 0.0)
            # Σ coef·x ≤ (cv·Ȳ)² + Σ coef/N  (the fpc part moved to the right)
            rows.append(coef)
            bounds.append((t * ybar[k]) ** 2 + np.sum(coef / big_n))
            names.append(f"{set_name}={level!r} (cv {t:g})")
    a_mat, b = np.array(rows), np.array(bounds)
    x_lo = 1.0 / high  # the largest allowed sample
    slack = b - a_mat @ x_lo
    if np.any(slack < -1e-12 * np.abs(b)):
        bad = [names[i] for i in np.flatnonzero(slack < -1e-12 * np.abs(b))]
        raise InfeasibleTargetError(
            f"CV targets cannot be met even with the largest allowed sample in every "
            f"stratum: {', '.join(bad[:10])}. Relax the targets or raise the maxima."
        )
    # in sampling fractions y = n/N the cost is linear and each CV constraint convex (Σ a/(yN) ≤ b):
    # well scaled for SLSQP, started from the largest allowed sample (feasible, checked above)
    weight = c * big_n / np.sum(c * big_n)
    norm_ = np.where(b > 0, b, 1.0)

    def cons(y):
        return 1.0 - (a_mat @ (1.0 / (y * big_n))) / norm_

    def cons_jac(y):
        return a_mat / (y**2 * big_n)[None, :] / norm_[:, None]

    from scipy.optimize import minimize  # only here: keeps `import surveykit.sampling` light

    res = minimize(
        lambda y: float(weight @ y),
        high / big_n,
        jac=lambda y: weight,
        method="SLSQP",
        bounds=list(zip(low / big_n, high / big_n)),
        constraints=[{"type": "ineq", "fun": cons, "jac": cons_jac}],
        options={"ftol": 1e-15, "maxiter": 2000},
    )
    x = 1.0 / np.clip(res.x * big_n, low, high)
    alloc = 1.0 / x
    if np.any(a_mat @ x > b * (1 + 1e-6)):
        raise InfeasibleTargetError(f"the compromise allocation did not converge ({res.message}).")
    if integer:
        alloc = np.clip(np.ceil(alloc - 1e-6), low, high).astype(np.int64)
    return _finish(alloc, index)
