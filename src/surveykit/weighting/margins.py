"""Control totals (margins) matched against the sample, as calibration variables.

A margin is a categorical column with a population count per level (``{"sexo": {1: 2848533, 2:
3181443}}``) or a numeric column with its population total (``{"ingreso": 1.2e9}``). Every mismatch
between controls and sample is an error naming the margin and level: a level in the controls but not in
the sample (or the reverse), margins whose counts add up to different population sizes, negative or
missing totals, missing values in a margin column.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..errors import ColumnNotFoundError, ControlTotalsError, format_rows
from ..variance.calmatrix import CalMatrix
from ..variance.kernel import compact_codes

__all__ = ["Margins", "build_margins", "cell_codes"]

# margins that describe the same population may differ by rounding in published tables
_TOTAL_RTOL = 1e-6


@dataclass
class Margins:
    """Calibration variables and their targets, in matching column order."""

    X: CalMatrix
    targets: np.ndarray
    categorical: list[str]
    numeric: list[str]

    def table(self, achieved: np.ndarray, before: np.ndarray | None = None) -> pd.DataFrame:
        """Targets against achieved (and pre-weighting) totals, one row per margin level."""
        names = self.X.names
        out = pd.DataFrame(
            {
                "margin": [m for m, _ in names],
                "level": [lv for _, lv in names],
                "target": self.targets,
                "achieved": achieved,
            }
        )
        if before is not None:
            out.insert(2, "before", before)
        with np.errstate(divide="ignore", invalid="ignore"):
            out["rel_gap"] = (out["achieved"] - out["target"]) / np.where(
                out["target"] != 0, np.abs(out["target"]), 1.0
            )
        return out


def _same_level(a: Any, b: Any) -> bool:
    try:
        return bool(a == b)
    except Exception:  # noqa: BLE001 - incomparable types are different levels
        return False


def _level_text(values) -> str:
    return format_rows([repr(v) for v in values], limit=8)


def build_margins(
    data: pd.DataFrame, margins: Mapping[str, Any], population_size: float | None = None, check_total: bool = True
) -> Margins:
    """Calibration matrix and targets for ``margins`` on ``data``.

    Parameters
    ----------
    data : DataFrame
    margins : mapping
        ``column -> {level: count}`` (categorical) or ``column -> total`` (numeric).
    population_size : float, optional
        Adds an intercept with this target (useful with numeric margins only).
    check_total : bool, default True
        Categorical margins must add up to the same population size.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"sex": [1, 2, 2], "age": [30.0, 40.0, 50.0]})
    >>> m = build_margins(df, {"sex": {1: 10, 2: 20}, "age": 1200.0})
    >>> m.targets.tolist(), m.X.names
    ([10.0, 20.0, 1200.0], [('sex', 1), ('sex', 2), ('age', None)])
    """
    if not isinstance(margins, Mapping) or (not margins and population_size is None):
        raise ControlTotalsError(
            "give the control totals as a mapping: {column: {level: count}} for a "
            "categorical margin or {column: total} for a numeric one (or only "
            "population_size, to scale the weights to a known total)."
        )
    n = len(data)
    blocks: list[tuple[np.ndarray, int]] = []
    names: list[tuple[str, Any]] = []
    targets: list[float] = []
    numeric_cols: list[np.ndarray] = []
    numeric_names: list[tuple[str, Any]] = []
    numeric_targets: list[float] = []
    categorical: list[str] = []
    numeric: list[str] = []
    sizes: dict[str, float] = {}
    for col, spec in margins.items():
        if col not in data.columns:
            raise ColumnNotFoundError(f"margin '{col}' is not a column of the data.", column=col)
        s = data[col]
        miss = s.isna().to_numpy()
        if miss.any():
            rows = list(data.index[miss])
            raise ControlTotalsError(
                f"margin column '{col}' is missing in rows {format_rows(rows)}; those rows could not be "
                "weighted. Impute or recode them (e.g. a 'not stated' level with its own control) first.",
                column=col,
                rows=rows,
                margin=col,
            )
        if isinstance(spec, Mapping):
            codes, levels, tgt = _categorical(col, s, spec)
            blocks.append((codes, len(levels)))
            names += [(col, lv) for lv in levels]
            targets += tgt
            categorical.append(col)
            sizes[col] = float(sum(tgt))
        else:
            total = _number(col, None, spec)
            if not pd.api.types.is_numeric_dtype(s.dtype) or pd.api.types.is_bool_dtype(s.dtype):
                if not pd.api.types.is_bool_dtype(s.dtype):
                    raise ControlTotalsError(
                        f"margin '{col}' has a single total ({spec!r}) but the column is not numeric; give "
                        f"a count per level instead: {{'{col}': {{level: count, ...}}}}.",
                        column=col,
                        margin=col,
                    )
            numeric_cols.append(s.to_numpy(dtype=np.float64))
            numeric_names.append((col, None))
            numeric_targets.append(total)
            numeric.append(col)
    if population_size is not None:
        numeric_cols.insert(0, np.ones(n))
        numeric_names.insert(0, ("(population)", None))
        numeric_targets.insert(0, _number("population_size", None, population_size))
        sizes.setdefault("population_size", float(population_size))
    if check_total and len(sizes) > 1:
        vals = list(sizes.values())
        ref = vals[0]
        bad = {k: v for k, v in sizes.items() if abs(v - ref) > _TOTAL_RTOL * max(abs(ref), 1.0)}
        if bad:
            listing = ", ".join(f"'{k}' sums to {v:,.6g}" for k, v in sizes.items())
            raise ControlTotalsError(
                f"the margins describe different population sizes ({listing}); every categorical margin "
                "must add up to the same total. Check the control table (year, universe).",
                margin=next(iter(bad)),
            )
    X = CalMatrix(n, blocks, np.column_stack(numeric_cols) if numeric_cols else None, names + numeric_names)
    return Margins(X, np.array(targets + numeric_targets, dtype=np.float64), categorical, numeric)


def _number(margin: str, level: Any, value: Any) -> float:
    where = f"margin '{margin}'" + (f", level {level!r}" if level is not None else "")
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ControlTotalsError(f"{where}: the control total {value!r} is not a number.", margin=margin, level=level)
    if math.isnan(v) or math.isinf(v):
        raise ControlTotalsError(
            f"{where}: the control total is {value!r}; give a finite number.", margin=margin, level=level
        )
    if v < 0:
        raise ControlTotalsError(f"{where}: the control total {v:g} is negative.", margin=margin, level=level)
    return v


def _categorical(col: str, s: pd.Series, spec: Mapping) -> tuple[np.ndarray, list, list[float]]:
    """Codes 0..L-1 of the sample levels of ``col`` (sorted) and their control totals."""
    values = {lv: _number(col, lv, v) for lv, v in spec.items()}
    if isinstance(s.dtype, pd.CategoricalDtype):
        codes, uniq = s.cat.codes.to_numpy().astype(np.int64), list(s.cat.categories)
    else:
        c, u = pd.factorize(s, sort=True)
        codes, uniq = c.astype(np.int64), list(u)
    present = np.flatnonzero(np.bincount(codes, minlength=len(uniq)))
    exact: dict[Any, int] = {v: i for i, v in enumerate(uniq) if _hashable(v)}
    code_of: dict[Any, int] = {}
    for lv in values:
        hit = exact.get(lv) if _hashable(lv) else None
        if hit is None:
            hit = next((int(i) for i in present if _same_level(uniq[i], lv)), None)
        if hit is not None and hit in code_of.values():
            other = next(k for k, v in code_of.items() if v == hit)
            raise ControlTotalsError(
                f"margin '{col}': control levels {other!r} and {lv!r} both match the sample "
                f"level {uniq[hit]!r}; keep one.",
                column=col,
                margin=col,
                level=lv,
            )
        if hit is not None and hit in set(present.tolist()):
            code_of[lv] = hit
    unmatched = [lv for lv in values if lv not in code_of and values[lv] > 0]
    if unmatched:
        raise ControlTotalsError(
            f"margin '{col}': control level(s) {_level_text(unmatched)} have no sample rows (sample levels: "
            f"{_level_text([uniq[i] for i in present])}). Collapse them with a neighbouring level in both the "
            "controls and the data, or check that the codes match (e.g. 1 vs '1').",
            column=col,
            margin=col,
            level=unmatched[0],
        )
    zero = [lv for lv in code_of if values[lv] == 0]
    if zero:
        raise ControlTotalsError(
            f"margin '{col}': level(s) {_level_text(zero)} have sample rows but a control total of 0; weights "
            "cannot be positive there. Check the controls or recode those rows.",
            column=col,
            margin=col,
            level=zero[0],
        )
    level_of = {v: k for k, v in code_of.items()}
    orphans = [uniq[i] for i in present if i not in level_of]
    if orphans:
        raise ControlTotalsError(
            f"margin '{col}': sample level(s) {_level_text(orphans)} have no control total; add them to the "
            "controls or recode them in the data.",
            column=col,
            margin=col,
            level=orphans[0],
        )
    remap = np.full(len(uniq), -1, dtype=np.int64)
    remap[present] = np.arange(len(present))
    levels = [level_of[int(i)] for i in present]
    return remap[codes], levels, [values[lv] for lv in levels]


def _hashable(v: Any) -> bool:
    try:
        hash(v)
    except TypeError:
        return False
    return True


def cell_codes(X: CalMatrix) -> tuple[np.ndarray, CalMatrix] | None:
    """Rows that share every categorical level share their g-weight: code them as cells.

    Returns ``(cell_of_row, X_on_cells)``, or ``None`` when there are numeric margins.
    """
    if X.numeric is not None or not X.blocks:
        return None
    key = np.zeros(X.n, dtype=np.int64)
    bound = 1
    for codes, L in X.blocks:
        if bound * L > 2**62:
            return None
        key = key * L + codes
        bound *= L
    cell, used = compact_codes(key, bound)
    blocks = []
    rem = used.copy()
    for codes, L in reversed(X.blocks):
        blocks.append((rem % L, L))
        rem //= L
    blocks.reverse()
    return cell, CalMatrix(len(used), blocks, None, list(X.names))
