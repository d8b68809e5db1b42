"""Weight adjustments that are not calibrations: trimming and nonresponse adjustment, as plans.

Like the calibration plans of :mod:`surveykit.weighting.methods`, nothing here knows a design:
:func:`trim_weights` and :func:`plan_nonresponse` work on the data and the weights, and
:func:`trim_replicates` / :func:`nonresponse_replicates` redo the step on replicate weights.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..errors import ColumnNotFoundError, WeightingError, format_rows
from ..variance.kernel import compact_codes, replicate_totals
from .diagnostics import WeightingReport

__all__ = ["trim_weights", "trim_replicates", "NonresponsePlan", "plan_nonresponse", "nonresponse_replicates"]


def trim_weights(
    w0: np.ndarray, upper: float | None = None, lower: float | None = None, strict: bool = False
) -> tuple[np.ndarray, WeightingReport]:
    """Trimmed weights and the report (see :meth:`surveykit.SurveyDesign.trim`)."""
    up = np.inf if upper is None else float(upper)
    lo = -np.inf if lower is None else float(lower)
    if not lo < up:
        raise WeightingError(f"trim bounds lower={lower} and upper={upper}: need lower < upper.")
    if lo <= 0 and np.isfinite(lo):
        raise WeightingError(f"lower={lower}: weights must stay positive; give a positive lower bound or none.")
    w, rounds = _trim_vector(w0, lo, up, strict)
    trimmed = int(((w0 < lo) | (w0 > up)).sum())
    report = WeightingReport(
        step="trim",
        method="redistribute equally (R trimWeights)",
        iterations=rounds,
        converged=True,
        margins=pd.DataFrame(columns=["margin", "level", "target", "achieved", "rel_gap"]),
        g=w / w0,
        weights=w,
        details=dict(upper=up, lower=lo, rows_trimmed=trimmed, strict=strict),
    )
    return w, report


def trim_replicates(w0: np.ndarray, w: np.ndarray, row_factors: np.ndarray, report: WeightingReport) -> np.ndarray:
    """Trim every replicate's weights as the full sample's; factors relative to the trimmed ``w``."""
    d = report.details
    Wr = w0[:, None] * row_factors
    Fnew = np.empty_like(row_factors)
    for r in range(row_factors.shape[1]):
        wr, _ = _trim_vector(Wr[:, r], d["lower"], d["upper"], d["strict"], keep_zero=True)
        Fnew[:, r] = wr / w
    return Fnew


@dataclass
class NonresponsePlan:
    """A weighting-class adjustment: respondent rows kept, their class and the class factors."""

    keep: np.ndarray
    cls: np.ndarray
    n_classes: int
    respondent: np.ndarray
    factor: np.ndarray
    weights: np.ndarray
    report: WeightingReport


def plan_nonresponse(
    data: pd.DataFrame, w: np.ndarray, responded: Any, by: Sequence[str], name: str
) -> NonresponsePlan:
    """Weighting-class nonresponse adjustment (see :meth:`surveykit.SurveyDesign.adjust_nonresponse`).

    ``responded`` is the response indicator as a Series aligned with ``data`` (named ``name``).
    """
    col = responded
    if col.isna().any():
        rows = list(data.index[col.isna().to_numpy()])
        raise WeightingError(
            f"response indicator '{name}' is missing in rows {format_rows(rows)}.", column=name, rows=rows
        )
    vals = col.to_numpy()
    if vals.dtype.kind not in "biuf" or not np.isin(vals, [0, 1]).all():
        raise WeightingError(f"response indicator '{name}' must be True/False or 1/0.", column=name)
    resp = vals.astype(bool)
    if not resp.any():
        raise WeightingError(f"no respondents in '{name}'.", column=name)
    by_cols = list(by)
    if by_cols:
        keys = []
        for c in by_cols:
            if c not in data.columns:
                raise ColumnNotFoundError(f"weighting-class column '{c}' is not in the data.", column=c)
            s = data[c]
            if s.isna().any():
                rows = list(data.index[s.isna().to_numpy()])
                raise WeightingError(
                    f"weighting-class column '{c}' is missing in rows {format_rows(rows)}.", column=c, rows=rows
                )
            keys.append(pd.factorize(s, sort=True)[0])
        cls = np.zeros(len(data), dtype=np.int64)
        for kk in keys:
            cls = cls * (kk.max() + 1) + kk
        cls, _ = compact_codes(cls, int(cls.max()) + 1)
    else:
        cls = np.zeros(len(data), dtype=np.int64)
    K = int(cls.max()) + 1
    tot = np.bincount(cls, weights=w, minlength=K)
    rtot = np.bincount(cls, weights=w * resp, minlength=K)
    empty = np.flatnonzero((rtot == 0) & (tot > 0))
    if len(empty):
        rows = list(data.index[np.isin(cls, empty)])
        raise WeightingError(
            f"{len(empty)} weighting class(es) of {by_cols} have no respondents (rows "
            f"{format_rows(rows)}); collapse them with a neighbouring class.",
            column=by_cols[0] if by_cols else name,
            rows=rows,
        )
    factor = tot / rtot
    keep = np.flatnonzero(resp)
    w_new = (w * factor[cls])[keep]
    details = dict(
        classes=K,
        respondents=int(resp.sum()),
        nonrespondents=int((~resp).sum()),
        response_rate_weighted=float(rtot.sum() / tot.sum()),
    )
    table = pd.DataFrame({"margin": "class", "level": np.arange(K), "before": rtot, "target": tot, "achieved": tot})
    table["rel_gap"] = 0.0
    report = WeightingReport(
        step="adjust_nonresponse",
        method="weighting class",
        iterations=1,
        converged=True,
        margins=table,
        g=factor[cls][keep],
        weights=w_new,
        details=details,
    )
    return NonresponsePlan(keep, cls, K, resp, factor, w_new, report)


def nonresponse_replicates(
    plan: NonresponsePlan, w: np.ndarray, factors: np.ndarray, unit: np.ndarray | None
) -> np.ndarray:
    """Redo the class adjustment in every replicate: row factors of the respondents."""
    T = replicate_totals(np.column_stack([w, w * plan.respondent]), plan.cls, plan.n_classes, factors, unit)
    with np.errstate(divide="ignore", invalid="ignore"):
        frep = T[:, :, 0] / T[:, :, 1]  # (R, K)
    frep = np.where(np.isfinite(frep), frep, 0.0)
    keep = plan.keep
    Frow = (factors if unit is None else factors[unit])[keep]
    return Frow * frep.T[plan.cls[keep]] / plan.factor[plan.cls[keep]][:, None]


def _trim_vector(w: np.ndarray, lo: float, up: float, strict: bool, keep_zero: bool = False):
    """Clip to [lo, up] and share the trimmed amount equally among the untrimmed (R's trimWeights)."""
    w = w.copy()
    rounds = 0
    while True:
        active = w > 0 if keep_zero else np.ones(len(w), dtype=bool)
        outside = active & ((w < lo) | (w > up))
        if not outside.any():
            break
        rounds += 1
        new = np.clip(w, lo, up)
        new[~active] = w[~active]
        trimmed = float(np.sum(w - new))
        inside = active & ~outside
        if not inside.any():
            raise WeightingError(f"every weight is outside [{lo}, {up}]; nothing can take the trimmed amount.")
        new[inside] += trimmed / inside.sum()
        w = new
        if not strict:
            break
        if rounds > 1000:
            raise WeightingError("trimming with strict=True did not settle after 1000 rounds; widen the bounds.")
    return w, rounds
