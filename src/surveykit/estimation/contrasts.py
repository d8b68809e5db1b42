"""Covariances, contrasts and differences of estimates of one design, and user-defined statistics.

Everything here works on a :class:`~surveykit.variance.Linearization` and asks the design for the
covariance of its estimates, or of a function of them (:meth:`function_covariance` of a design):
Taylor designs use the delta method on the covariance of the linearized estimates (R's
``svycontrast``), replicate designs apply the function to every replicate's estimates.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import special

from ..errors import EstimationError
from ..variance import Block, Linearization
from .ci import critical_value
from .ratios import ratio_linearization
from .statistics import as_list, label_of, statistics_for

__all__ = [
    "linearize",
    "covariance_table",
    "contrast_table",
    "difference_table",
    "estimate_table",
    "influence_linearization",
    "jacobian",
    "inference_columns",
]


def linearize(
    design: Any,
    statistic: str,
    variables: Any,
    by: Any = None,
    *,
    denominator: Any = None,
    labels: bool = False,
    empty: str = "error",
) -> Linearization:
    """The linearization of ``design.<statistic>(variables, by)``, rows in the estimator's order."""
    stats = statistics_for(design, statistic, variables, denominator)
    return ratio_linearization(design, stats, design.domains(by), statistic, labels=labels, empty=empty)


def covariance_table(design: Any, lin: Linearization) -> pd.DataFrame:
    """The covariance matrix as a DataFrame labelled by the estimates' keys (rows and columns)."""
    V = design.covariance_matrix(lin)
    idx = lin.index()
    return pd.DataFrame(V, index=idx, columns=idx)


def jacobian(fn: Callable[[np.ndarray], np.ndarray], theta: np.ndarray) -> np.ndarray:
    """Derivative of a vector function at ``theta``: (q, m).

    Complex-step differentiation (exact to rounding) when ``fn`` accepts complex input — numpy
    arithmetic, ``log``, ``exp``, powers do; central differences otherwise.

    >>> jacobian(lambda t: np.array([t[0] / t[1]]), np.array([1.0, 2.0])).round(12).tolist()
    [[0.5, -0.25]]
    """
    theta = np.asarray(theta, dtype=np.float64)
    m = len(theta)
    h = 1e-30
    try:
        rows = []
        for i in range(m):
            z = theta.astype(np.complex128)
            z[i] += 1j * h
            v = np.asarray(fn(z))
            if not np.iscomplexobj(v):
                raise TypeError
            rows.append(v.imag.ravel() / h)
        J = np.array(rows).T
        if np.all(np.isfinite(J)):
            return J
    except (TypeError, ValueError, AttributeError):
        pass
    rows = []
    for i in range(m):
        step = 1e-6 * max(abs(theta[i]), 1e-3)
        up, dn = theta.copy(), theta.copy()
        up[i] += step
        dn[i] -= step
        rows.append(
            (np.asarray(fn(up), dtype=np.float64).ravel() - np.asarray(fn(dn), dtype=np.float64).ravel()) / (2 * step)
        )
    return np.array(rows).T


def _as_function(spec: Any, lin: Linearization, idx: pd.Index) -> tuple[Callable, np.ndarray | None]:
    """A contrast as (function of the estimate vector, its constant Jacobian row or None)."""
    m = lin.size
    if callable(spec):

        def fn(theta):
            out = spec(pd.Series(theta, index=idx))
            return np.atleast_1d(np.asarray(out))

        return fn, None
    if isinstance(spec, Mapping):
        a = np.zeros(m)
        for key, coef in spec.items():
            try:
                pos = idx.get_loc(key)
            except KeyError:
                raise EstimationError(
                    f"contrast names {key!r}, which is not one of the estimates {list(idx)[:12]}."
                ) from None
            if not isinstance(pos, (int, np.integer)):
                raise EstimationError(f"contrast key {key!r} matches several estimates; give the full key.")
            a[pos] = float(coef)
    else:
        a = np.asarray(spec, dtype=np.float64).ravel()
        if a.shape != (m,):
            raise EstimationError(f"a contrast vector needs {m} coefficients (one per estimate), not {a.size}.")
    return (lambda theta: np.atleast_1d(a @ theta)), a[None, :]


def inference_columns(
    est: np.ndarray, se: np.ndarray, df: float | np.ndarray, level: float, null: float = 0.0
) -> dict[str, np.ndarray]:
    """estimate, se, CI (t with ``df``), t statistic and two-sided p-value against ``null``."""
    crit = critical_value(level, df, "t")
    with np.errstate(divide="ignore", invalid="ignore"):
        t = (est - null) / se
        dfa = np.broadcast_to(np.asarray(df, dtype=np.float64), np.shape(t))
        p = np.where(
            np.isinf(dfa),
            2 * special.ndtr(-np.abs(t)),
            2 * special.stdtr(np.where(np.isinf(dfa), 1.0, dfa), -np.abs(t)),
        )
    return {
        "estimate": est,
        "se": se,
        "ci_low": est - crit * se,
        "ci_high": est + crit * se,
        "t": t,
        "df": np.broadcast_to(np.asarray(df, dtype=np.float64), np.shape(est)).copy(),
        "p_value": p,
    }


def contrast_table(
    design: Any,
    lin: Linearization,
    contrasts: Mapping[str, Any] | Sequence[Any],
    *,
    level: float = 0.95,
    df: float | None = None,
) -> pd.DataFrame:
    """Linear or nonlinear functions of the estimates with SEs, intervals, t and p-values."""
    if not isinstance(contrasts, Mapping):
        contrasts = {f"contrast{i + 1}": c for i, c in enumerate(contrasts)}
    if not contrasts:
        raise EstimationError("no contrasts given: pass {name: coefficients or function}.")
    idx = lin.index()
    names, ests, ses = [], [], []
    for name, spec in contrasts.items():
        fn, J = _as_function(spec, lin, idx)
        value, V = design.function_covariance(lin, fn, J)
        if value.size != 1:
            raise EstimationError(f"contrast {name!r} gives {value.size} values; a contrast gives one number.")
        names.append(str(name))
        ests.append(float(value[0]))
        ses.append(float(np.sqrt(V[0, 0])))
    cols = inference_columns(np.array(ests), np.array(ses), design.degf if df is None else df, level)
    return pd.DataFrame({"contrast": names, **cols})


def difference_table(
    design: Any,
    variable: Any,
    by: Any,
    *,
    statistic: str = "mean",
    reference: Any = None,
    pairs: str = "reference",
    denominator: Any = None,
    level: float = 0.95,
    labels: bool = False,
    df: float | None = None,
) -> pd.DataFrame:
    """Differences between the categories of the last ``by`` column (within cells of the others)."""
    by_cols = as_list(by, "by")
    if not by_cols:
        raise EstimationError("difference() needs by=: the column whose categories are compared.")
    if pairs not in ("reference", "all"):
        raise EstimationError(f"pairs={pairs!r}: use 'reference' (each category against one) or 'all'.")
    if pairs == "all" and reference is not None:
        raise EstimationError("pairs='all' compares every pair; leave reference=None.")
    outer, comp = by_cols[:-1], label_of(by_cols[-1])
    lin = linearize(design, statistic, variable, by_cols, denominator=denominator, labels=labels)
    rows = lin.rows
    inner_keys = [c for c in rows.columns if c != comp]
    parts = [lin]
    total_rows = pd.DataFrame()
    if reference == "total":
        tot = linearize(design, statistic, variable, outer or None, denominator=denominator, labels=labels)
        parts.append(tot)
        total_rows = tot.rows
    joint = Linearization.stack(parts)
    m = joint.size
    specs: list[tuple[dict, Any, Any, np.ndarray]] = []
    groups = (
        rows.groupby([rows[c].astype(str) for c in inner_keys], sort=False, dropna=False)
        if inner_keys
        else [((), rows)]
    )
    for _, cell in groups:
        pos = cell.index.to_numpy()
        cats = cell[comp].to_list()
        key = {c: cell[c].iloc[0] for c in inner_keys}
        if reference == "total":
            match = np.ones(len(total_rows), dtype=np.bool_)
            for c in inner_keys:
                match = match & (total_rows[c].astype(str).to_numpy() == str(key[c]))
            tpos = lin.size + np.flatnonzero(match)
            if len(tpos) != 1:
                continue
            for p, cat in zip(pos, cats):
                a = np.zeros(m)
                a[p], a[tpos[0]] = 1.0, -1.0
                specs.append((key, cat, "total", a))
            continue
        if pairs == "all":
            for i in range(len(cats)):
                for j in range(i + 1, len(cats)):
                    a = np.zeros(m)
                    a[pos[j]], a[pos[i]] = 1.0, -1.0
                    specs.append((key, cats[j], cats[i], a))
            continue
        ref = cats[0] if reference is None else reference
        hit = [i for i, c in enumerate(cats) if c == ref or str(c) == str(ref)]
        if not hit:
            raise EstimationError(
                f"reference={reference!r} is not a category of '{comp}' (categories: {cats[:12]}).", column=comp
            )
        r = hit[0]
        for i, cat in enumerate(cats):
            if i == r:
                continue
            a = np.zeros(m)
            a[pos[i]], a[pos[r]] = 1.0, -1.0
            specs.append((key, cat, cats[r], a))
    if not specs:
        raise EstimationError(f"nothing to compare: '{comp}' has a single category in every domain.", column=comp)
    A = np.array([s[3] for s in specs])
    value, V = design.function_covariance(joint, lambda t: A @ t, A)
    se = np.sqrt(np.clip(np.diag(V), 0.0, None))
    out: dict[str, Any] = {c: [s[0][c] for s in specs] for c in inner_keys}
    out = {
        "variable": out.pop("variable"),
        **{c: out[c] for c in outer if c in out},
        "by": comp,
        "group": [s[1] for s in specs],
        "reference": [s[2] for s in specs],
        **{c: out[c] for c in out if c not in outer},
    }
    table = pd.DataFrame(out)
    for k, v in inference_columns(value, se, design.degf if df is None else df, level).items():
        table[k] = v
    table.attrs.update({"statistic": statistic, "level": level})
    return table


def influence_linearization(
    design: Any,
    estimate: Any,
    influence: Any,
    *,
    names: Sequence[str] | None = None,
    replicate: Callable[[np.ndarray], np.ndarray] | None = None,
) -> Linearization:
    """A user statistic given by its estimates and influence values (see ``SurveyDesign.linearization``)."""
    est = np.atleast_1d(np.asarray(estimate, dtype=np.float64))
    k = est.size
    if isinstance(influence, pd.DataFrame):
        names = names or [str(c) for c in influence.columns]
        influence = influence.to_numpy(dtype=np.float64)
    elif isinstance(influence, pd.Series):
        names = names or [str(influence.name or "statistic")]
        influence = influence.to_numpy(dtype=np.float64)
    U = np.asarray(influence, dtype=np.float64)
    if U.ndim == 1:
        U = U[:, None]
    if U.shape != (design.n, k):
        raise EstimationError(
            f"influence values have shape {U.shape}; the design has {design.n} rows and "
            f"{k} estimate(s): give one column per estimate, one row per data row."
        )
    if not np.all(np.isfinite(U)):
        bad = np.flatnonzero(~np.isfinite(U).all(axis=1))
        raise EstimationError(
            f"influence values are missing or infinite in rows {bad[:10].tolist()}; use 0 for "
            "rows that do not contribute."
        )
    names = list(names) if names is not None else [f"statistic{j + 1}" for j in range(k)]
    if len(names) != k:
        raise EstimationError(f"{len(names)} names for {k} estimates.")
    rep = None
    if replicate is not None:

        def rep(W: np.ndarray) -> np.ndarray:
            return np.asarray(replicate(W), dtype=np.float64).reshape(W.shape[1], 1, k)

    block = Block(est.reshape(1, k), None, 1, [None] * k, influence=np.asfortranarray(U), replicate=rep)
    return Linearization([block], pd.DataFrame({"variable": names}), "custom")


def estimate_table(design: Any, lin: Linearization, *, level: float = 0.95, df: float | None = None) -> pd.DataFrame:
    """The result table of any linearization: keys, estimate, se, CI, cv, t, df, p-value (against 0)."""
    V = design.covariance_matrix(lin)
    est = lin.estimate
    se = np.sqrt(np.clip(np.diag(V), 0.0, None))
    out = lin.rows.reset_index(drop=True).copy()
    cols = inference_columns(est, se, design.degf if df is None else df, level)
    for k in ("estimate", "se", "ci_low", "ci_high"):
        out[k] = cols[k]
    with np.errstate(divide="ignore", invalid="ignore"):
        out["cv"] = se / np.abs(est)
    out["df"] = cols["df"]
    out.attrs.update({"statistic": lin.statistic, "level": level})
    return out
