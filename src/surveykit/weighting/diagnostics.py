"""Diagnostics of a weighting step: margins reached, g-weights, loss of precision from weighting."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

__all__ = ["WeightingReport", "kish_deff", "effective_n"]


def kish_deff(w: np.ndarray) -> float:
    """Kish's design effect from unequal weighting, ``n sum(w^2) / sum(w)^2``.

    >>> kish_deff(np.array([1.0, 1.0, 2.0, 2.0]))
    1.1111111111111112
    """
    w = np.asarray(w, dtype=np.float64)
    return float(len(w) * np.sum(w * w) / np.sum(w) ** 2)


def effective_n(w: np.ndarray) -> float:
    """Kish's effective sample size ``sum(w)^2 / sum(w^2)``.

    >>> effective_n(np.array([1.0, 1.0, 2.0, 2.0]))
    3.6
    """
    w = np.asarray(w, dtype=np.float64)
    return float(np.sum(w) ** 2 / np.sum(w * w))


@dataclass
class WeightingReport:
    """What a weighting step did.

    Attributes
    ----------
    step : str
        ``"calibrate"``, ``"poststratify"``, ``"rake"``, ``"trim"`` or ``"adjust_nonresponse"``.
    method : str
        Distance function or procedure.
    iterations : int
    converged : bool
    margins : DataFrame
        Per margin level: ``before`` (weighted total before the step), ``target``, ``achieved`` and the
        relative gap.
    g : ndarray
        Adjustment factors (new weight / old weight) per row.
    weights : ndarray
        The new weights.
    details : dict
        Step-specific facts (bounds, rows trimmed, replicates calibrated, ...).
    """

    step: str
    method: str
    iterations: int
    converged: bool
    margins: pd.DataFrame
    g: np.ndarray
    weights: np.ndarray
    details: dict = field(default_factory=dict)

    def g_summary(self) -> pd.Series:
        """Minimum, quartiles, maximum, mean and share of g-weights outside [0.5, 2]."""
        g = self.g
        q = np.quantile(g, [0, 0.25, 0.5, 0.75, 1])
        return pd.Series(
            {
                "min": q[0],
                "q1": q[1],
                "median": q[2],
                "q3": q[3],
                "max": q[4],
                "mean": float(np.mean(g)),
                "share_outside_0.5_2": float(np.mean((g < 0.5) | (g > 2))),
            }
        )

    def summary(self) -> pd.Series:
        """One line per fact: step, method, iterations, convergence, worst margin gap, Kish deff, n_eff."""
        gap = float(self.margins["rel_gap"].abs().max()) if len(self.margins) else 0.0
        return pd.Series(
            {
                "step": self.step,
                "method": self.method,
                "iterations": self.iterations,
                "converged": self.converged,
                "worst_rel_gap": gap,
                "n": len(self.weights),
                "sum_weights": float(np.sum(self.weights)),
                "kish_deff": kish_deff(self.weights),
                "effective_n": effective_n(self.weights),
                **{f"g_{k}": v for k, v in self.g_summary().items()},
            }
        )

    def __repr__(self) -> str:
        s = self.summary()
        return (
            f"WeightingReport({s['step']}, {s['method']}, iterations={s['iterations']}, "
            f"converged={s['converged']}, worst_rel_gap={s['worst_rel_gap']:.2e}, "
            f"kish_deff={s['kish_deff']:.4f}, effective_n={s['effective_n']:.1f})"
        )
