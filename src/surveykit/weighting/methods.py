"""Weighting steps as plans: what a step does to the weights, for any design to apply.

Nothing here knows a design. Each function takes the data and the current weights, solves the step
on the full sample and returns a plan; the design applies it in its own way (dispatched by class):

* a Taylor design keeps the plan's calibration step (its variables, weights before and g-weights), so
  that the variance kernel replaces scores by calibration residuals, exactly as R's ``calibrate()``
  and ``postStratify()`` do;
* a replicate design re-solves the plan on every replicate's weights (R's
  ``calibrate.svyrep.design``) with :meth:`CalibrationPlan.replicate_factors`,
  :func:`trim_replicates` and :func:`nonresponse_replicates`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..errors import ColumnNotFoundError, ControlTotalsError, WeightingError, format_rows
from ..variance.calmatrix import CalMatrix
from ..variance.calibration import CalibrationStep
from ..variance.kernel import compact_codes, replicate_totals

# trimming and nonresponse adjustment live in adjustments.py; importable from here as before
from .adjustments import NonresponsePlan, nonresponse_replicates, plan_nonresponse, trim_replicates, trim_weights
from .solvers import METHODS, CalibrationResult, _ginv, calibrate_g, check_result, linear_g, rake_g
from .margins import Margins, build_margins, cell_codes
from .diagnostics import WeightingReport

__all__ = [
    "CalibrationPlan",
    "plan_calibration",
    "plan_rake",
    "plan_poststratify",
    "trim_weights",
    "trim_replicates",
    "NonresponsePlan",
    "plan_nonresponse",
    "nonresponse_replicates",
]

Solver = Callable[[CalMatrix, np.ndarray, np.ndarray], CalibrationResult]


def _check_iterations(maxit: Any, epsilon: Any, step: str) -> None:
    if isinstance(maxit, bool) or not isinstance(maxit, (int, np.integer)) or maxit < 1:
        raise WeightingError(f"{step}(maxit={maxit!r}): give a whole number of iterations, at least 1.")
    if isinstance(epsilon, bool) or not isinstance(epsilon, (int, float, np.number)) or not (0 < epsilon < 1):
        raise WeightingError(
            f"{step}(epsilon={epsilon!r}): the convergence tolerance must be a number in (0, 1), e.g. 1e-7."
        )


def _margins_of(margins: Any) -> Mapping:
    # a Controls object (sk.load_controls) carries its margins
    return getattr(margins, "margins", margins)


@dataclass
class CalibrationPlan:
    """A calibration solved on the full sample: new weights ``w0 * g`` and how to redo it.

    Attributes
    ----------
    margins : Margins
        Calibration variables and targets.
    solver : callable
        ``(X, w, targets) -> CalibrationResult``.
    w0, g : ndarray
        Weights before and g-weights per row.
    result : CalibrationResult
    cells : (cell of each row, CalMatrix of cells) or None
        Categorical margins are solved on cells (all rows of a cell share their g).
    report : WeightingReport
    """

    margins: Margins
    solver: Solver
    w0: np.ndarray
    g: np.ndarray
    result: CalibrationResult
    cells: tuple[np.ndarray, CalMatrix] | None
    report: WeightingReport
    bounds: tuple[float, float]
    step: str
    method: str
    #: integrated weighting: group code of each row (g constant within a group, e.g. a household)
    aggregate: np.ndarray | None = None

    @property
    def weights(self) -> np.ndarray:
        return self.w0 * self.g

    @property
    def w_solve(self) -> np.ndarray:
        """The weights the calibration is solved with: ``w0``, or its group averages when aggregated."""
        return self.w0 if self.aggregate is None else group_average(self.w0, self.aggregate)

    def variance_step(self) -> CalibrationStep:
        """The step a Taylor design keeps for its calibration residuals (R keeps the same with
        ``aggregate.stage``: the averaged variables and weights)."""
        X, wx = self._gram_inputs()
        return CalibrationStep(X=self.margins.X, w0=self.w_solve, g=self.g, Minv=_ginv(X.gram(wx)), cells=self.cells)

    def _gram_inputs(self) -> tuple[CalMatrix, np.ndarray]:
        if self.cells is None:
            return self.margins.X, self.w_solve
        cell, Xc = self.cells
        return Xc, np.bincount(cell, weights=self.w0, minlength=Xc.n)

    def replicate_factors(self, factors: np.ndarray, unit: np.ndarray | None) -> tuple[np.ndarray, np.ndarray | None]:
        """Calibrate every replicate from its own weights; new (unit-or-row, replicate) factors.

        ``factors`` (units x R) are the replicate weights over the full-sample weights ``w0``;
        ``unit`` maps rows to units (``None``: rows). The new factors are relative to the
        calibrated full-sample weights; with categorical margins they live on (unit x cell) pairs.
        """
        m, w0 = self.margins, self.w0
        R = factors.shape[1]
        n = len(w0)
        negative = 0
        if self.cells is not None:
            cell, Xc = self.cells
            W = replicate_totals(w0[:, None], cell, Xc.n, factors, unit)[:, :, 0]  # (R, cells)
            grep = np.empty((R, Xc.n))
            for r in range(R):  # one small solve per replicate, on cells
                rr = self.solver(Xc, W[r], m.targets)
                negative += _check_replicate(rr, Xc, W[r], m, self.bounds, self.step, self.method, r)
                grep[r] = rr.g
            urow = np.arange(n) if unit is None else unit
            pair, used = compact_codes(urow * Xc.n + cell, factors.shape[0] * Xc.n)
            pu, pc = used // Xc.n, used % Xc.n
            Fnew = factors[pu] * grep.T[pc] / self.result.g[pc][:, None]
            new_unit: np.ndarray | None = pair
        else:
            Frow = factors if unit is None else factors[unit]
            Fnew = np.empty_like(Frow)
            for r in range(R):
                wr = w0 * Frow[:, r]
                if self.aggregate is not None:  # R's aggregate.index: replicate weights averaged too
                    wr = group_average(wr, self.aggregate)
                rr = self.solver(m.X, wr, m.targets)
                negative += _check_replicate(rr, m.X, wr, m, self.bounds, self.step, self.method, r)
                Fnew[:, r] = Frow[:, r] * rr.g / self.g
            new_unit = None
        if negative:
            import warnings

            from ..errors import SurveykitWarning

            warnings.warn(
                f"{self.step}({self.method}) gives zero or negative weights in {negative} of {R} replicates; "
                "they are kept, as R keeps them. Bounds (e.g. bounds=(0.1, 10)) or method='raking' avoid "
                "them.",
                SurveykitWarning,
                stacklevel=4,
            )
            self.report.details["replicates_with_nonpositive_weights"] = int(negative)
        self.report.details["replicates_calibrated"] = R
        return Fnew, new_unit


# ------------------------------------------------------------------------------------------------
def plan_calibration(
    data: pd.DataFrame,
    w0: np.ndarray,
    margins: Mapping[str, Any],
    *,
    method: str = "linear",
    bounds: tuple[float, float] | None = None,
    maxit: int = 50,
    epsilon: float = 1e-7,
    population_size: float | None = None,
    backend: str = "surveykit",
    aggregate: np.ndarray | None = None,
) -> CalibrationPlan:
    """Calibration to control totals (see :meth:`surveykit.SurveyDesign.calibrate`).

    ``aggregate`` (a group code per row) makes the g-weights constant within groups (integrated
    household-person weighting, R's ``aggregate.stage``/``aggregate.index``): the calibration
    variables and weights are replaced by their group averages before solving.
    """
    if method not in METHODS:
        raise WeightingError(f"method={method!r}: use one of {', '.join(METHODS)}.")
    _check_iterations(maxit, epsilon, "calibrate")
    lo, hi = (-np.inf, np.inf) if bounds is None else (float(bounds[0]), float(bounds[1]))
    if not lo < hi or (lo > 1 or hi < 1):
        raise WeightingError(f"bounds={bounds}: need lower < upper with 1 inside (bounds on g = new/old weight).")
    spec = _margins_of(margins)
    if population_size is None and not any(isinstance(v, Mapping) for v in spec.values()):
        # a Controls file with a population size but no categorical margin (e.g. households): use it
        population_size = getattr(margins, "population_size", None)
    m = build_margins(data, spec, population_size=population_size)
    solver: Solver
    if backend == "samplics":
        from .samplics_backend import samplics_solver

        solver = samplics_solver("calibrate", method, (lo, hi), m)
    elif backend != "surveykit":
        raise WeightingError(f"backend={backend!r}: use 'surveykit' or 'samplics'.")
    elif method == "linear" and not np.isfinite([lo, hi]).any():

        def solver(X, w, t):
            return _closed_form(linear_g(X, w, t), X, w, t, "linear")
    else:

        def solver(X, w, t):
            return calibrate_g(X, w, t, method, (lo, hi), maxit, epsilon)

    if aggregate is not None:
        if backend != "surveykit":
            raise WeightingError(
                "aggregate= (integrated weighting) is computed by surveykit's engine; leave backend='surveykit'."
            )
        m = _averaged_margins(m, aggregate)
    return _plan(w0, m, solver, "calibrate", method, dict(bounds=(lo, hi), backend=backend), (lo, hi), aggregate)


def plan_rake(
    data: pd.DataFrame,
    w0: np.ndarray,
    margins: Mapping[str, Mapping[Any, float]],
    *,
    maxit: int = 100,
    epsilon: float = 1e-10,
    backend: str = "surveykit",
) -> CalibrationPlan:
    """Raking by iterative proportional fitting (see :meth:`surveykit.SurveyDesign.rake`)."""
    _check_iterations(maxit, epsilon, "rake")
    margins = _margins_of(margins)
    for col, spec in margins.items():
        if not isinstance(spec, Mapping):
            raise ControlTotalsError(
                f"rake() margin '{col}' must map levels to counts; use calibrate() for numeric totals.", margin=col
            )
    m = build_margins(data, margins)
    solver: Solver
    if backend == "samplics":
        from .samplics_backend import samplics_solver

        solver = samplics_solver("rake", "raking", (-np.inf, np.inf), m, maxit=maxit, epsilon=epsilon)
    elif backend != "surveykit":
        raise WeightingError(f"backend={backend!r}: use 'surveykit' or 'samplics'.")
    else:

        def solver(X, w, t):
            return rake_g(X, w, t, maxit=maxit, epsilon=epsilon)

    return _plan(
        w0, m, solver, "rake", "raking", dict(maxit=maxit, epsilon=epsilon, backend=backend), (-np.inf, np.inf)
    )


def plan_poststratify(
    data: pd.DataFrame, w0: np.ndarray, variables: str | Sequence[str], totals: Any, *, backend: str = "surveykit"
) -> CalibrationPlan:
    """Post-stratification (see :meth:`surveykit.SurveyDesign.poststratify`)."""
    cols = [variables] if isinstance(variables, str) else list(variables)
    frame, spec, label = _poststrata(data, cols, totals)
    m = build_margins(frame, {label: spec})
    if "cells" in frame.attrs:  # report cells as tuples of levels, not their internal codes
        m.X.names = [(label, frame.attrs["cells"][lv]) for _, lv in m.X.names]
    solver: Solver
    if backend == "samplics":
        from .samplics_backend import samplics_solver

        solver = samplics_solver("poststratify", "linear", (-np.inf, np.inf), m)
    elif backend != "surveykit":
        raise WeightingError(f"backend={backend!r}: use 'surveykit' or 'samplics'.")
    else:

        def solver(X, w, t):
            # the cell ratio N_c / W_c, as R's postStratify computes it
            codes, L = X.blocks[0]
            with np.errstate(divide="ignore", invalid="ignore"):
                g = (t / np.bincount(codes, weights=w, minlength=L))[codes]
            return _closed_form(g, X, w, t, "poststratify")

    return _plan(w0, m, solver, "poststratify", "cell ratio", dict(variables=cols, backend=backend), (-np.inf, np.inf))


def _closed_form(
    g: np.ndarray, X: CalMatrix, w: np.ndarray, t: np.ndarray, method: str, tol: float = 1e-7
) -> CalibrationResult:
    """A closed-form solution, checked: every total reached (R's rule) with finite g-weights.

    A replicate without sample weight in a level cannot reach that level's total: its g-weights are
    infinite or the total is missed, and the result says so instead of passing it on silently.
    """
    g = np.where(w > 0, g, 1.0)  # rows without weight: any g; keep replicate factors finite
    with np.errstate(invalid="ignore"):
        achieved = X.tdot(w * g)[:, 0]
    gap = np.abs(achieved - t) / (1 + np.abs(t))
    worst = float(np.nanmax(np.where(np.isfinite(gap), gap, np.inf))) if len(gap) else 0.0
    ok = bool(np.all(np.isfinite(g)) and worst < tol)
    return CalibrationResult(g, 1, ok, worst, method)


def _no_duplicate_cells(keys: list, cols: list[str]) -> None:
    """A post-stratum given twice is refused: keeping one count would silently drop the other."""
    seen: set = set()
    dup = []
    for k in keys:
        if k in seen:
            dup.append(k)
        seen.add(k)
    if dup:
        raise ControlTotalsError(
            f"post-strata {format_rows([repr(k) for k in dup])} of {' x '.join(cols)} appear more "
            "than once in the totals; give each cell once (sum the counts first if they are "
            "parts of one cell).",
            margin=" x ".join(cols),
            level=dup[0],
        )


def _poststrata(data: pd.DataFrame, cols: list[str], totals: Any) -> tuple[pd.DataFrame, dict, str]:
    """One categorical column for the cells of ``cols`` and its totals as ``{cell: count}``."""
    for c in cols:
        if c not in data.columns:
            raise ColumnNotFoundError(f"post-stratification column '{c}' is not in the data.", column=c)
    if isinstance(totals, pd.DataFrame):
        count_col = [c for c in totals.columns if c not in cols]
        if len(count_col) != 1:
            raise ControlTotalsError(
                f"the totals table needs the columns {cols} and one count column; it has {list(totals.columns)}."
            )
        keys = [tuple(r) if len(cols) > 1 else r[0] for r in totals[cols].itertuples(index=False, name=None)]
        _no_duplicate_cells(keys, cols)
        spec = dict(zip(keys, totals[count_col[0]].tolist()))
    elif isinstance(totals, pd.Series):
        _no_duplicate_cells(list(totals.index), cols)
        spec = dict(totals.items())
    elif isinstance(totals, Mapping):
        spec = dict(totals)
    else:
        raise ControlTotalsError(
            "totals must map each post-stratum to its population count (dict, Series or DataFrame)."
        )
    if len(cols) == 1:
        return data, spec, cols[0]
    # cells of several columns: code them as one column of tuples' positions
    label = " x ".join(cols)
    for k in spec:
        if not isinstance(k, tuple) or len(k) != len(cols):
            raise ControlTotalsError(
                f"post-stratum {k!r}: with {len(cols)} variables every key is a tuple of "
                f"{len(cols)} levels ({', '.join(cols)}).",
                margin=label,
                level=k,
            )
    codes = []
    uniques = []
    for c in cols:
        s = data[c]
        if s.isna().any():
            rows = list(data.index[s.isna().to_numpy()])
            raise ControlTotalsError(
                f"post-stratification column '{c}' is missing in rows {format_rows(rows)}.",
                column=c,
                rows=rows,
                margin=c,
            )
        cc, uu = pd.factorize(s, sort=True)
        codes.append(cc)
        uniques.append(list(uu))
    key = np.zeros(len(data), dtype=np.int64)
    for cc, uu in zip(codes, uniques):
        key = key * len(uu) + cc

    def encode(t: tuple) -> Any:
        k = 0
        for v, uu in zip(t, uniques):
            if v not in uu:
                return ("absent",) + t
            k = k * len(uu) + uu.index(v)
        return k

    enc = {encode(k): v for k, v in spec.items()}
    decode = {encode(k): k for k in spec}
    frame = pd.DataFrame({label: key}, index=data.index)
    # unknown sample cells are reported by build_margins with their codes; map codes back to tuples there
    sample_cells = np.unique(key)
    orphans = [c for c in sample_cells if c not in enc]
    if orphans:
        rem = []
        for c in orphans[:8]:
            t, x = [], int(c)
            for uu in reversed(uniques):
                t.append(uu[x % len(uu)])
                x //= len(uu)
            rem.append(tuple(reversed(t)))
        raise ControlTotalsError(
            f"post-strata {format_rows([repr(t) for t in rem])} of {label} have sample rows but "
            "no population count; add them to the totals or collapse cells.",
            margin=label,
            level=rem[0],
        )
    absent = [decode[k] for k in enc if isinstance(k, tuple) and enc[k] > 0]
    if absent:
        raise ControlTotalsError(
            f"post-strata {format_rows([repr(t) for t in absent])} have a population count but "
            "no sample rows; collapse them with neighbouring cells.",
            margin=label,
            level=absent[0],
        )
    enc = {k: v for k, v in enc.items() if not isinstance(k, tuple)}
    frame.attrs["cells"] = decode
    return frame, enc, label


# ------------------------------------------------------------------------------------------------
def _solve(X: CalMatrix, w: np.ndarray, targets: np.ndarray, solver: Solver):
    """Solve on cells when all margins are categorical; returns row g, result, cells or None."""
    cells = cell_codes(X)
    if cells is None:
        res = solver(X, w, targets)
        return res.g, res, None
    cell, Xc = cells
    wc = np.bincount(cell, weights=w, minlength=Xc.n)
    res = solver(Xc, wc, targets)
    return res.g[cell], res, (cell, Xc)


def group_average(v: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """Each row's value replaced by the mean of its group (R's ``ave``).

    >>> group_average(np.array([1.0, 3.0, 5.0]), np.array([0, 0, 1])).tolist()
    [2.0, 2.0, 5.0]
    """
    size = np.bincount(groups)
    return (np.bincount(groups, weights=v, minlength=len(size)) / np.maximum(size, 1))[groups]


def _averaged_margins(m: Margins, groups: np.ndarray) -> Margins:
    """The calibration variables averaged within groups (numeric columns; their weighted totals are
    unchanged when weights are constant within groups)."""
    X = m.X.dense()
    avg = np.column_stack([group_average(X[:, j], groups) for j in range(X.shape[1])])
    return dataclasses.replace(m, X=CalMatrix(m.X.n, [], avg, list(m.X.names)))


def _plan(
    w0: np.ndarray,
    m: Margins,
    solver: Solver,
    step: str,
    method: str,
    details: dict,
    bounds: tuple[float, float],
    aggregate: np.ndarray | None = None,
) -> CalibrationPlan:
    w_solve = w0 if aggregate is None else group_average(w0, aggregate)
    if aggregate is not None:
        details = {**details, "aggregate_groups": int(aggregate.max()) + 1}
    g, res, cells = _solve(m.X, w_solve, m.targets, solver)
    # totals and cross-products of categorical margins are the same on cells, at a fraction of the cost
    X, wx = (
        (m.X, w_solve) if cells is None else (cells[1], np.bincount(cells[0], weights=w_solve, minlength=cells[1].n))
    )
    gx = g if cells is None else res.g
    achieved = X.tdot(wx * gx)[:, 0]
    check_result(res, m.X.names, m.targets, achieved, bounds, f"{step}({method})", weights=wx)
    report = WeightingReport(
        step=step,
        method=method,
        iterations=res.iterations,
        converged=res.converged,
        margins=m.table(achieved, before=X.tdot(wx)[:, 0]),
        g=g,
        weights=w0 * g,
        details=details,
    )
    return CalibrationPlan(m, solver, w0, g, res, cells, report, bounds, step, method, aggregate)


def _check_replicate(rr: CalibrationResult, X: CalMatrix, w: np.ndarray, m: Margins, bounds, step, method, r) -> bool:
    achieved = X.tdot(w * rr.g)[:, 0]
    try:
        return check_result(
            rr,
            m.X.names,
            m.targets,
            achieved,
            bounds,
            f"{step}({method}) of replicate {r + 1}",
            weights=w,
            nonpositive="ignore",
        )
    except WeightingError as exc:
        raise type(exc)(
            f"{exc} A replicate that drops every sample unit of a level cannot reach its control; "
            "collapse sparse levels.",
            **exc.context,
        ) from None
