"""Sampling weights as the variance core takes them: float64, positive, finite, one per row."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..errors import WeightError, format_rows

__all__ = ["check_weights"]


def check_weights(values: Any, column: str, index: pd.Index) -> np.ndarray:
    """Weights as float64, rejecting missing, non-numeric, negative and zero values (rows named)."""
    s = values if isinstance(values, pd.Series) else pd.Series(values, index=index)
    if not (pd.api.types.is_numeric_dtype(s.dtype) or pd.api.types.is_bool_dtype(s.dtype)):
        conv = pd.to_numeric(s, errors="coerce")
        bad = conv.isna() & s.notna()
        if bad.any():
            rows = list(index[bad.to_numpy()])
            raise WeightError(
                f"weights column '{column}' is not numeric (e.g. {s[bad].iloc[0]!r} in rows {format_rows(rows)}).",
                column=column,
                rows=rows,
            )
        s = conv
    w = s.to_numpy(dtype=np.float64, na_value=np.nan)
    for cond, what in ((np.isnan(w), "missing"), (np.isinf(w), "infinite"), (w < 0, "negative"), (w == 0, "zero")):
        if cond.any():
            rows = list(index[cond])
            raise WeightError(
                f"weights column '{column}' has {what} values in rows {format_rows(rows)}. Every sampled "
                "row needs a positive weight: fix or drop these rows (a zero-weight row is not part of "
                "the sample), or compute weights with the weighting functions.",
                column=column,
                rows=rows,
            )
    return w
