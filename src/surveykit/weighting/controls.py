"""Population control totals with their provenance, and how they match a sample.

:class:`Controls` holds the totals a sample is weighted to (``margins``), where they come from
(``metadata``: source, year, universe, unit, status) and the universe's size; :meth:`Controls.check`
matches them against a sample. The file format (YAML, JSON, CSV) and :func:`load_controls` are in
:mod:`surveykit.weighting.control_files`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..errors import ColumnNotFoundError, ControlTotalsError, format_rows

__all__ = ["Controls", "STATUSES", "UNITS"]

UNITS = ("persons", "households", "dwellings")
STATUSES = ("official", "illustrative")
# margins describing the same universe may differ by rounding in published tables (as build_margins)
_TOTAL_RTOL = 1e-6


# ------------------------------------------------------------------------------------------------
@dataclass
class Controls:
    """Population control totals with their provenance.

    Attributes
    ----------
    margins : dict
        ``{column: {level: total}}`` for categorical margins and ``{column: total}`` for numeric ones:
        what ``d.calibrate`` / ``d.rake`` take (they accept the ``Controls`` object itself too).
    metadata : dict
        ``source``, ``citation``, ``year``, ``universe``, ``unit``, ``status`` (``"official"`` or
        ``"illustrative"``), ``notes``, ...
    population_size : float or None
        The universe's total when the file states it (every categorical margin adds up to it).
    labels : dict
        ``{column: {level: label}}`` where the file labels levels.
    margin_info : dict
        Per margin: ``label``, ``status``, ``source``, ``notes`` as given in the file.
    path : str or None
        The file the controls were read from.

    Examples
    --------
    >>> import pandas as pd
    >>> ctl = Controls({"sex": {1: 60, 2: 40}}, {"source": "example", "year": 2024, "universe": "persons",
    ...                                          "unit": "persons", "status": "illustrative"})
    >>> df = pd.DataFrame({"sex": [1, 1, 2], "w": [10.0, 20.0, 30.0]})
    >>> ctl.check(df, weights="w")[["margin", "level", "target", "n", "weighted", "status"]]
      margin level  target  n  weighted status
    0    sex     1    60.0  2      30.0     ok
    1    sex     2    40.0  1      30.0     ok
    """

    margins: dict[str, Any]
    metadata: dict[str, Any] = field(default_factory=dict)
    population_size: float | None = None
    labels: dict[str, dict[Any, str]] = field(default_factory=dict)
    margin_info: dict[str, dict[str, Any]] = field(default_factory=dict)
    path: str | None = None

    def __post_init__(self) -> None:
        # a hand-built Controls gets the same checks on its numbers as a file
        if not isinstance(self.margins, Mapping):
            raise ControlTotalsError("Controls margins must map each margin to {level: total} or a total.")
        for m, spec in self.margins.items():
            items = spec.items() if isinstance(spec, Mapping) else [(None, spec)]
            for lv, v in items:
                where = f"margin '{m}'" + (f", level {lv!r}" if lv is not None else "")
                ok = isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)
                if not ok or not math.isfinite(float(v)) or (float(v) < 0 and isinstance(spec, Mapping)):
                    raise ControlTotalsError(
                        f"{where}: the total {v!r} must be a finite number"
                        f"{' >= 0' if isinstance(spec, Mapping) else ''}.",
                        file=self.path,
                        margin=m,
                        level=lv,
                    )

    # --- facts -----------------------------------------------------------------------------------
    @property
    def is_illustrative(self) -> bool:
        """True when the file (or any of its margins) is not an official, verified figure."""
        return self.metadata.get("status") == "illustrative" or any(
            i.get("status") == "illustrative" for i in self.margin_info.values()
        )

    @property
    def categorical(self) -> list[str]:
        """Names of the categorical margins."""
        return [k for k, v in self.margins.items() if isinstance(v, Mapping)]

    @property
    def numeric(self) -> list[str]:
        """Names of the numeric margins."""
        return [k for k, v in self.margins.items() if not isinstance(v, Mapping)]

    def select(self, *names: str) -> Controls:
        """The same controls restricted to some margins (e.g. to calibrate on fewer variables).

        >>> ctl = Controls({"a": {1: 5, 2: 5}, "b": {"x": 10}})
        >>> list(ctl.select("b").margins)
        ['b']
        """
        unknown = [n for n in names if n not in self.margins]
        if unknown:
            raise ControlTotalsError(
                f"{self._where()}: no margin {', '.join(map(repr, unknown))}; the margins are "
                f"{', '.join(map(repr, self.margins))}.",
                file=self.path,
                margin=unknown[0],
            )
        return Controls(
            {n: self.margins[n] for n in names},
            dict(self.metadata),
            self.population_size,
            {n: self.labels[n] for n in names if n in self.labels},
            {n: self.margin_info[n] for n in names if n in self.margin_info},
            self.path,
        )

    def table(self) -> pd.DataFrame:
        """The controls as a tidy table: margin, level, label, total and share of the margin's total.

        >>> Controls({"sex": {1: 60, 2: 40}}, labels={"sex": {1: "M", 2: "F"}}).table()
          margin  level label  total  share
        0    sex      1     M   60.0    0.6
        1    sex      2     F   40.0    0.4
        """
        rows = []
        for m, spec in self.margins.items():
            if isinstance(spec, Mapping):
                tot = float(sum(spec.values()))
                labels = self.labels.get(m, {})
                for lv, v in spec.items():
                    rows.append((m, lv, labels.get(lv), float(v), float(v) / tot if tot else np.nan))
            else:
                rows.append((m, None, None, float(spec), np.nan))
        return pd.DataFrame(rows, columns=["margin", "level", "label", "total", "share"])

    def __repr__(self) -> str:
        md = self.metadata
        status = "ILLUSTRATIVE" if self.is_illustrative else md.get("status", "?")
        size = f", population_size={self.population_size:,.0f}" if self.population_size is not None else ""
        return (
            f"Controls({md.get('title') or self.path or 'control totals'}: {status}, year {md.get('year', '?')}, "
            f"unit {md.get('unit', '?')}, margins {list(self.margins)}{size})"
        )

    def _where(self) -> str:
        return f"control file {self.path}" if self.path else "controls"

    # --- matching against a sample ---------------------------------------------------------------
    def check(
        self, data: Any, weights: str | Sequence[float] | np.ndarray | pd.Series | None = None, errors: str = "raise"
    ) -> pd.DataFrame:
        """Match the controls against a sample: every level present, nothing missing, one population size.

        Parameters
        ----------
        data : SurveyDesign, ReplicateDesign or DataFrame
            The sample. A design brings its current weights.
        weights : str or array, optional
            With a DataFrame: a weight column (or values) to report weighted totals against targets.
        errors : {"raise", "report"}
            ``"raise"`` (default) raises :class:`~surveykit.ControlTotalsError` listing every problem
            (naming margin and level; the table is kept as ``exc.context["report"]``); ``"report"``
            returns the table with the problems in its ``status`` column.

        Returns
        -------
        DataFrame
            One row per margin level (and per problem): ``margin``, ``level``, ``label``, ``target``,
            ``n`` (sample rows), ``weighted`` (weighted sample total, when weights are known),
            ``ratio`` (target / weighted) and ``status`` (``"ok"`` or what is wrong).

        Examples
        --------
        >>> import pandas as pd
        >>> ctl = Controls({"area": {1: 70, 2: 30}})
        >>> try:
        ...     ctl.check(pd.DataFrame({"area": [1, 1, 3]}))
        ... except Exception as e:
        ...     print(type(e).__name__, e.context["margin"], e.context["level"])
        ControlTotalsError area 2
        """
        if errors not in ("raise", "report"):
            raise ControlTotalsError(f"errors={errors!r}: use 'raise' or 'report'.")
        df, w = _sample_of(data, weights)
        rows: list[dict] = []
        if self.population_size is not None:
            rows.append(
                _row(
                    "(population_size)",
                    None,
                    None,
                    float(self.population_size),
                    len(df),
                    float(np.sum(w)) if w is not None else None,
                    "ok",
                )
            )
        for m, spec in self.margins.items():
            rows += _check_margin(m, spec, df, w, self.labels.get(m, {}))
        rows += self._check_sizes()
        table = pd.DataFrame(rows, columns=["margin", "level", "label", "target", "n", "weighted", "ratio", "status"])
        # levels keep their codes (1 stays 1, not 1.0 next to a None)
        table["level"] = pd.Series([r["level"] for r in rows], index=table.index, dtype=object)
        if w is None:
            table = table.drop(columns=["weighted", "ratio"])
        bad = table[table["status"] != "ok"]
        if errors == "raise" and len(bad):
            lines = [
                f"margin '{r.margin}'" + (f", level {r.level!r}" if r.level is not None else "") + f": {r.status}"
                for r in bad.itertuples()
            ]
            more = f" (and {len(lines) - 20} more)" if len(lines) > 20 else ""
            first = bad.iloc[0]
            raise ControlTotalsError(
                f"{self._where()} does not match the sample ({len(lines)} problem(s)): "
                + "; ".join(lines[:20])
                + f"{more}. Recode the data or the controls so every level has both sample rows and a total; "
                "see check(..., errors='report') for the full table.",
                file=self.path,
                margin=first["margin"],
                level=first["level"],
                report=table,
            )
        return table

    def _check_sizes(self) -> list[dict]:
        sizes = {m: float(sum(v.values())) for m, v in self.margins.items() if isinstance(v, Mapping)}
        if self.population_size is not None:
            sizes = {"population_size": float(self.population_size), **sizes}
        if len(sizes) < 2:
            return []
        ref_name, ref = next(iter(sizes.items()))
        out = []
        for m, v in sizes.items():
            if abs(v - ref) > _TOTAL_RTOL * max(abs(ref), 1.0):
                out.append(
                    dict(
                        margin=m,
                        level=None,
                        label=None,
                        target=v,
                        n=None,
                        weighted=None,
                        ratio=None,
                        status=f"adds up to {v:,.6g} but '{ref_name}' to {ref:,.6g}: the margins disagree on "
                        "the population total",
                    )
                )
        return out


def _sample_of(data: Any, weights) -> tuple[pd.DataFrame, np.ndarray | None]:
    if isinstance(data, pd.DataFrame):
        df = data
        if weights is None:
            return df, None
        from ..variance.weights import check_weights

        if isinstance(weights, str):
            if weights not in df.columns:
                raise ColumnNotFoundError(f"weights column '{weights}' is not in the data.", column=weights)
            return df, check_weights(df[weights], weights, df.index)
        if np.shape(weights) != (len(df),):
            raise ControlTotalsError(f"weights have {np.size(weights)} values; the data has {len(df)} rows.")
        return df, check_weights(weights, "weights", df.index)
    if hasattr(data, "data") and hasattr(data, "weights"):
        if weights is not None:
            raise ControlTotalsError("a design brings its own weights; leave weights=None.")
        return data.data, data.weights.to_numpy(dtype=np.float64)
    raise ControlTotalsError(f"check() needs a design or a DataFrame, not {type(data).__name__}.")


def _row(margin, level, label, target, n, weighted, status) -> dict:
    ratio = target / weighted if (weighted not in (None, 0) and target is not None and np.isfinite(weighted)) else None
    return dict(
        margin=margin, level=level, label=label, target=target, n=n, weighted=weighted, ratio=ratio, status=status
    )


def _check_margin(m: str, spec: Any, df: pd.DataFrame, w: np.ndarray | None, labels: dict) -> list[dict]:
    if m not in df.columns:
        return [_row(m, None, None, None, 0, None, f"column '{m}' is not in the data")]
    s = df[m]
    miss = s.isna().to_numpy()
    out = []
    if miss.any():
        rows = list(df.index[miss])
        out.append(
            _row(
                m,
                None,
                None,
                None,
                int(miss.sum()),
                None,
                f"missing in {int(miss.sum())} sample row(s) ({format_rows(rows, 5)}); impute or give them "
                "a level with its own control",
            )
        )
    if not isinstance(spec, Mapping):
        if not (pd.api.types.is_numeric_dtype(s.dtype) or pd.api.types.is_bool_dtype(s.dtype)):
            return out + [
                _row(
                    m,
                    None,
                    None,
                    float(spec),
                    int((~miss).sum()),
                    None,
                    f"has a numeric total but the column is {s.dtype}, not numeric",
                )
            ]
        x = s.to_numpy(dtype=np.float64, na_value=np.nan)
        weighted = float(np.nansum(x * w)) if w is not None else None
        return out + [_row(m, None, None, float(spec), int((~miss).sum()), weighted, "ok")]
    ok = ~miss
    codes, uniq = pd.factorize(s[ok], sort=True)
    counts = np.bincount(codes, minlength=len(uniq))
    wsum = np.bincount(codes, weights=w[ok], minlength=len(uniq)) if w is not None else None
    index: dict[Any, int] = {}
    for pos, v in enumerate(uniq):
        index.setdefault(v, pos)
    matched = set()
    sample_text = {str(v) for v in uniq}
    for lv, target in spec.items():
        i = index.get(lv)
        label = labels.get(lv)
        if i is None:
            if target > 0:
                hint = (
                    f" (the sample has {str(lv)!r} as another type: check that codes match, e.g. 1 vs '1')"
                    if str(lv) in sample_text
                    else ""
                )
                out.append(
                    _row(
                        m,
                        lv,
                        label,
                        float(target),
                        0,
                        0.0 if w is not None else None,
                        "absent from the sample: collapse it with a neighbouring level in both the "
                        f"controls and the data{hint}",
                    )
                )
            else:
                out.append(_row(m, lv, label, float(target), 0, 0.0 if w is not None else None, "ok"))
            continue
        matched.add(i)
        weighted = float(wsum[i]) if wsum is not None else None
        status = "ok" if target > 0 else "has sample rows but a control total of 0"
        out.append(_row(m, lv, label, float(target), int(counts[i]), weighted, status))
    for i, v in enumerate(uniq):
        if i not in matched:
            out.append(
                _row(
                    m,
                    v,
                    None,
                    None,
                    int(counts[i]),
                    float(wsum[i]) if wsum is not None else None,
                    "in the sample but not in the controls: add its total or recode it",
                )
            )
    return out
