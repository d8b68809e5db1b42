"""Stratified multistage designs with Taylor-linearization variance (R's ``svydesign``)."""

from __future__ import annotations

import copy
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..errors import DesignError, SurveykitWarning, WeightingError, format_rows
from ..estimation.contrasts import jacobian
from ..variance.structure import LonelyPSU
from ..variance import LONELY_PSU_OPTIONS, Block, DesignStructure, Linearization, Scores, Transform
from ..variance.calibration import calibrated_cell_variance, calibrated_unit_totals, calibration_corrections
from ..variance.kernel import (
    cached_cells,
    cell_variance,
    segment_sums,
    taylor_covariance,
    taylor_variance,
    unit_covariance,
)
from ..variance.weights import check_weights
from ..weighting.methods import CalibrationPlan, NonresponsePlan
from .base import BaseDesign
from .replicate_factors import make_replicates

__all__ = ["SurveyDesign"]


def _names(value: str | Sequence[str] | None, what: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if not isinstance(value, Sequence):
        raise DesignError(f"{what} must be a column name or a list of column names; got {value!r}.")
    out = list(value)
    if not all(isinstance(v, str) for v in out):
        raise DesignError(f"{what} must be a column name or a list of column names; got {value!r}.")
    return out


class SurveyDesign(BaseDesign):
    """A probability sample: weights, strata, sampling units per stage and finite population corrections.

    Variances are Taylor linearization with R's full multistage formula (``svyrecvar``): stage-1
    units are compared within strata, and, when every stage has an fpc, the variance of later stages
    is added within their parent units. Without fpc the design is "with replacement" at stage 1
    (ultimate clusters), as in R.

    Parameters
    ----------
    df : DataFrame
        One row per sampled element (person, household).
    weights : str or array, optional
        Column of sampling weights (> 0), or the weights themselves (one per row). ``None``: derived
        from the fpc as the inverse of the product of stage sampling fractions (equal weights 1 when
        there is no fpc either).
    strata : str or list of str, optional
        First-stage strata column (a list gives strata per stage).
    psu : str or list of str, optional
        Sampling-unit column, or one column per stage; ``None``: elements are sampled directly.
    fpc : str or list of str, optional
        Per stage, population counts of units in the stratum (all > 1) or sampling fractions (all <= 1).
        Give one per stage of ``psu`` or none.
    nest : bool, default False
        PSU ids repeat across strata and identify a PSU only within its stratum.
    lonely_psu : {"error", "adjust", "average", "remove", "certainty"}, default "error"
        What a stratum with a single sampled unit does (R's ``survey.lonely.psu``): raise; centre it at
        the grand mean; give it the average variance of the other strata; contribute nothing (drop it,
        or treat it as sampled with certainty).
    probs : str or list of str, optional
        Inclusion probabilities instead of weights: one column, or one per stage (conditional on the
        previous stages); the design weight is the inverse of their product (R's ``probs=``).
    adjust_domain_lonely : bool, default False
        R's ``options(survey.adjust.domain.lonely=TRUE)``: a domain (or subpopulation) with rows in a
        single unit of a stratum that has several is treated by ``lonely_psu`` ("adjust": that unit
        is centred at zero; "average": the stratum is left out and the others scaled up). Without
        it the domain's unit is compared with the stratum's zero-total units, as R does by default.
        Calibrated designs keep every row in their domains, as R's do, so it does not apply to them.

    Examples
    --------
    >>> import pandas as pd, surveykit as sk
    >>> df = pd.DataFrame({"stratum": [1, 1, 1, 1, 2, 2, 2, 2], "psu": [1, 1, 2, 2, 3, 3, 4, 4],
    ...                    "w": [10.0] * 4 + [20.0] * 4, "y": [1.0, 2, 3, 4, 5, 6, 7, 9]})
    >>> d = sk.SurveyDesign(df, weights="w", strata="stratum", psu="psu")
    >>> d.mean("y")[["estimate", "se"]].round(4).values.tolist()
    [[5.3333, 0.8975]]
    """

    def __init__(
        self,
        df: pd.DataFrame,
        weights: str | pd.Series | np.ndarray | None = None,
        strata: str | Sequence[str] | None = None,
        psu: str | Sequence[str] | None = None,
        fpc: str | Sequence[str] | None = None,
        nest: bool = False,
        lonely_psu: LonelyPSU = "error",
        probs: str | Sequence[str] | None = None,
        adjust_domain_lonely: bool = False,
    ) -> None:
        self._check_frame(df, "SurveyDesign")
        if lonely_psu not in LONELY_PSU_OPTIONS:
            raise DesignError(f"lonely_psu={lonely_psu!r}: use one of {', '.join(LONELY_PSU_OPTIONS)}.")
        self._data = df
        self._subset = None
        self._calibrations: list = []
        psu_cols = _names(psu, "psu")
        strata_cols = _names(strata, "strata")
        fpc_cols = _names(fpc, "fpc")
        self._spec: dict[str, Any] = dict(
            adjust_domain_lonely=adjust_domain_lonely,
            weights=weights,
            strata=strata_cols,
            psu=psu_cols,
            fpc=fpc_cols,
            nest=nest,
            lonely_psu=lonely_psu,
        )
        weight_col = weights if isinstance(weights, str) else None
        prob_cols = _names(probs, "probs")
        if prob_cols and weights is not None:
            raise DesignError("give weights or probs (inclusion probabilities), not both.")
        for c in [weight_col] * (weight_col is not None) + psu_cols + strata_cols + fpc_cols + prob_cols:
            self.column(c)
        n_stages = max(1, len(psu_cols))
        if fpc_cols and len(fpc_cols) != n_stages:
            raise DesignError(
                f"{len(fpc_cols)} fpc column(s) for {n_stages} sampling stage(s): give one fpc per stage of "
                "psu, or none (with-replacement variance at the first stage). For a first-stage fpc "
                "only, list only the first-stage psu column.",
                column=fpc_cols[0],
            )
        if len(strata_cols) > n_stages:
            raise DesignError(
                f"{len(strata_cols)} strata columns for {n_stages} stage(s); give at most one per stage.",
                column=strata_cols[-1],
            )
        index = df.index
        psu_values = [self._id_values(c, "psu") for c in psu_cols] or None
        strata_values = [self._id_values(c, "strata") for c in strata_cols] or None
        fpc_values = [self._fpc_values(c) for c in fpc_cols] or None
        self._structure = DesignStructure.build(
            psu_values,
            strata_values,
            fpc_values,
            len(df),
            nest,
            lonely_psu,
            dict(psu=psu_cols, strata=strata_cols, fpc=fpc_cols),
            index,
        )
        if not isinstance(adjust_domain_lonely, (bool, np.bool_)):
            raise DesignError(f"adjust_domain_lonely={adjust_domain_lonely!r}: give True or False.")
        self._structure.adjust_domain_lonely = bool(adjust_domain_lonely)
        if self._structure.stages[0].n_clusters == 1 and not strata_cols:
            raise DesignError(
                "the design has a single primary sampling unit; a variance needs at least two (check the psu column).",
                column=psu_cols[0] if psu_cols else None,
            )
        if weight_col is not None:
            self._w = check_weights(df[weight_col], weight_col, index)
        elif weights is not None:
            arr = weights.reindex(index) if isinstance(weights, pd.Series) else np.asarray(weights)
            if arr.ndim != 1:
                raise DesignError(f"weights={weights!r}: give the weights column's name or one weight per row.")
            if len(arr) != len(df):
                raise DesignError(f"{len(arr)} weights for {len(df)} rows.")
            self._w = check_weights(arr, "weights", index)
        elif prob_cols:
            self._w = 1.0 / self._stage_probs(prob_cols)
        elif fpc_cols:
            self._w = 1.0 / self._structure.prob()
        else:
            warnings.warn(
                "no weights and no fpc: every row gets weight 1 (equal probability).", SurveykitWarning, stacklevel=2
            )
            self._w = np.ones(len(df))

    # --- construction helpers ------------------------------------------------------------------
    def _stage_probs(self, cols: list[str]) -> np.ndarray:
        """Product of per-stage inclusion probabilities, each checked to lie in (0, 1]."""
        p = np.ones(len(self._data))
        for c in cols:
            s = self.column(c)
            v = pd.to_numeric(s, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
            bad = ~((v > 0) & (v <= 1))
            if bad.any():
                rows = list(s.index[bad])
                raise DesignError(
                    f"inclusion probability column '{c}' has values outside (0, 1] (or missing) in "
                    f"rows {format_rows(rows)}.",
                    column=c,
                    rows=rows,
                )
            p *= v
        return p

    def _id_values(self, col: str, role: str) -> np.ndarray:
        s = self.column(col)
        miss = s.isna().to_numpy()
        if miss.any():
            rows = list(s.index[miss])
            raise DesignError(
                f"{role} column '{col}' is missing in rows {format_rows(rows)}; every row needs its {role} id.",
                column=col,
                rows=rows,
            )
        return s.to_numpy()

    def _fpc_values(self, col: str) -> np.ndarray:
        s = self.column(col)
        if not pd.api.types.is_numeric_dtype(s.dtype):
            raise DesignError(f"fpc column '{col}' is not numeric.", column=col)
        v = s.to_numpy(dtype=np.float64, na_value=np.nan)
        if np.isnan(v).any():
            rows = list(s.index[np.isnan(v)])
            raise DesignError(f"fpc column '{col}' is missing in rows {format_rows(rows)}.", column=col, rows=rows)
        return v

    # --- variance ------------------------------------------------------------------------------
    @property
    def degf(self) -> float:
        """Degrees of freedom: first-stage sampling units minus first-stage strata (R's ``degf``)."""
        return float(self._structure.degf)

    @property
    def structure(self) -> DesignStructure:
        """The integer-coded sampling structure (stages, strata, units)."""
        return self._structure

    # --- the design's variance of a linearization ---------------------------------------------
    def block_variance(self, block: Block, transform: Transform | None = None) -> tuple[np.ndarray, np.ndarray | None]:
        """Taylor variance of each (domain, statistic) of ``block``: (G, k) (R's ``svyrecvar``).

        When the variance needs only first-stage cell totals (:meth:`variance_cells`), the influence
        values are summed straight into those cells; otherwise row-level influence values go through the
        kernel with calibration residuals.
        """
        cells = self.variance_cells(block.group, block.n_groups, block.cache)
        if cells is not None:
            cell, used = cells
            G = block.n_groups
            PT = self._cell_scores(block, cell, used)
            if self._calibrations:
                var = calibrated_cell_variance(self._structure, self._calibrations[0], PT, used, G)
            else:
                var = cell_variance(self._structure, PT, used // G, used % G, G)
        else:
            var = taylor_variance(self._structure, self._scores(block))
        if transform is None:
            return var, None
        return var, var * transform.deriv(block.estimate) ** 2

    def covariance_matrix(self, lin: Linearization) -> np.ndarray:
        """Covariance of the estimates of ``lin`` (row order): the kernel on all influence values at once.

        When the variance needs only first-stage cell totals (:meth:`variance_cells`), every block's cell
        totals are laid out per unit (with calibration residuals) and no row-level influence value is
        formed (a 14 x 5 table's 70 proportions, or a glm's coefficients on a raked survey, on a million
        rows)."""
        return self._covariance(lin, self._lin_unit_totals(lin))

    def _covariance(self, lin: Linearization, D: np.ndarray | None) -> np.ndarray:
        """:meth:`covariance_matrix` given ``lin``'s unit totals ``D`` (None: from row-level scores)."""
        if D is not None:
            return unit_covariance(self._structure, D)
        V = taylor_covariance(self._structure, [self._scores(b) for b in lin.blocks])
        pos = lin.positions
        return V[np.ix_(pos, pos)]

    def _lin_unit_totals(self, lin: Linearization) -> np.ndarray | None:
        """First-stage unit totals of every estimate of ``lin`` in row order (units x estimates), when the
        variance needs nothing else (:meth:`variance_cells`); else None."""
        cells = [self.variance_cells(b.group, b.n_groups, b.cache) for b in lin.blocks]
        if not lin.blocks or any(c is None for c in cells):
            return None
        D = np.hstack([self._cell_unit_totals(b, cell, used) for b, (cell, used) in zip(lin.blocks, cells)])
        return D[:, lin.positions]

    def _cell_scores(self, block: Block, cell: np.ndarray, used: np.ndarray) -> np.ndarray:
        """Totals of the block's influence values in the cells of :meth:`variance_cells`: (cells, k)."""
        if block.influence is not None:
            return segment_sums(block.influence, cell, len(used))
        return block.cell_scores(self._w, cell, len(used), used % block.n_groups)

    def _cell_unit_totals(self, block: Block, cell: np.ndarray, used: np.ndarray) -> np.ndarray:
        """First-stage unit totals of the block's influence values (residuals if calibrated): (units, G * k)."""
        G, k = block.n_groups, block.k
        PT = self._cell_scores(block, cell, used)
        if self._calibrations:
            return calibrated_unit_totals(self._structure, self._calibrations[0], PT, used, G)
        D = np.zeros((self._structure.stages[0].n_clusters, G * k))
        D[(used // G)[:, None], (used % G)[:, None] * k + np.arange(k)[None, :]] = PT
        return D

    def function_covariance(self, lin: Linearization, fn, J: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Value and covariance of ``fn(estimates)`` by the delta method (``J``: its Jacobian, if known)."""
        theta = lin.estimate
        value = np.asarray(fn(theta), dtype=np.float64).ravel()
        if J is None:
            J = jacobian(fn, theta)
        D = self._lin_unit_totals(lin)
        if D is not None:
            # the covariance is bilinear in the unit totals: J V J' is the covariance of the totals of J's
            # combinations, formed without the (estimates x estimates) matrix
            return value, unit_covariance(self._structure, D @ J.T)
        V = self._covariance(lin, None)
        return value, J @ V @ J.T

    def _scores(self, block: Block) -> Scores:
        present = None
        if self._needs_present():
            present = np.column_stack([np.ones(self.n, dtype=bool) if m is None else m for m in block.masks])
        scores = Scores(
            values=block.scores(self._w), group=block.group, n_groups=block.n_groups, present=present, cache=block.cache
        )
        if self._calibrations:
            scores.corrections = calibration_corrections(self._calibrations, scores)
        return scores

    def variance_cells(self, group: np.ndarray | None, n_groups: int, cache: dict | None = None):
        """(cell of each row, cells used as ``unit * G + domain``) when the variance needs only the
        first-stage (unit x domain) totals of influence values -- no calibration, no later-stage fpc,
        no lonely-PSU averaging -- else None. Estimators sum their columns into these cells once."""
        st = self._structure
        stage = st.stages[0]
        if len(st.variance_stages) > 1 or stage.rows_are_units or self._needs_present():
            return None
        if group is None:
            # the whole population's cells depend on the design alone (models, own statistics): keep them
            cache = self.__dict__.setdefault("_domain_cache", {})
        g = np.zeros(self.n, dtype=np.int64) if group is None else group
        if not self._calibrations:
            return cached_cells(cache, stage.cluster, g, stage.n_clusters, n_groups)
        # one calibration on categorical margins: (unit, calibration cell, domain) cells
        step = self._calibrations[0]
        if len(self._calibrations) > 1 or step.cells is None:
            return None
        return cached_cells(cache, step.unit_cells(stage), g, stage.n_clusters * step.cells[1].n, n_groups)

    def domain_df(self, group: np.ndarray | None, n_groups: int, masks: list) -> np.ndarray:
        """First-stage units minus strata with rows in each (domain, statistic) (R's ``degf`` of a subset)."""
        stage = self._structure.stages[0]
        G = n_groups
        g = np.zeros(self.n, dtype=np.int64) if group is None else group
        row_stratum = stage.cluster_stratum[stage.cluster]
        out = np.empty((G, len(masks)))
        seen: dict = {}
        for j, m in enumerate(masks):
            key = id(m)
            if key not in seen and group is None and (m is None or m.all()):
                # every row: every unit and stratum has rows (the design's own df, no pass over the rows)
                seen[key] = np.array([stage.n_clusters - stage.n_strata])
            if key not in seen:
                inside = np.ones(self.n) if m is None else m.astype(np.float64)
                units = (
                    np.bincount(stage.cluster * G + g, weights=inside, minlength=stage.n_clusters * G).reshape(
                        stage.n_clusters, G
                    )
                    > 0
                )
                strata = (
                    np.bincount(row_stratum * G + g, weights=inside, minlength=stage.n_strata * G).reshape(
                        stage.n_strata, G
                    )
                    > 0
                )
                seen[key] = units.sum(axis=0) - strata.sum(axis=0)
            out[:, j] = seen[key]
        return out

    def _needs_present(self) -> bool:
        st = self._structure
        if st.adjust_domain_lonely and st.lonely_psu in ("adjust", "average") and not self._calibrations:
            return True
        return st.lonely_psu == "average" and any(s.lonely.any() for s in st.variance_stages)

    # --- weighting steps: a Taylor design keeps each calibration for its residuals ---------------
    def _with_calibration(self, plan: CalibrationPlan) -> SurveyDesign:
        new = self._copy()
        new._w = plan.weights
        new._calibrations = list(self._calibrations) + [plan.variance_step()]
        new.weighting_report = plan.report
        return new

    def _with_trim(self, w: np.ndarray, report) -> SurveyDesign:
        new = self._copy()
        new._w = w
        new.weighting_report = report
        return new

    def _with_nonresponse(self, plan: NonresponsePlan) -> SurveyDesign:
        if self._calibrations:
            raise WeightingError(
                "adjust for nonresponse before calibrating: adjust_nonresponse() first, then "
                "poststratify/rake/calibrate."
            )
        sub = self._data.iloc[plan.keep]
        spec = self._spec
        new = SurveyDesign(
            sub,
            weights=pd.Series(plan.weights, index=sub.index),
            strata=spec["strata"] or None,
            psu=spec["psu"] or None,
            fpc=spec["fpc"] or None,
            nest=spec["nest"],
            lonely_psu=spec["lonely_psu"],
            adjust_domain_lonely=spec["adjust_domain_lonely"],
        )
        new.weighting_report = plan.report
        return new

    def _copy(self) -> SurveyDesign:
        new = copy.copy(self)
        new.__dict__.pop("_domain_cache", None)
        return new

    @property
    def lonely_psu(self) -> str:
        """The design's lonely-PSU rule."""
        return str(self._spec["lonely_psu"])

    @property
    def strata_columns(self) -> list[str]:
        """The strata column(s), one per stage given."""
        return list(self._spec["strata"])

    def __repr__(self) -> str:
        s = self._structure
        st = s.stages[0]
        parts = [
            f"{self.n} rows",
            f"{s.stages.__len__()} stage(s)",
            f"{st.n_strata} strata" if s.has_strata else "no strata",
            f"{st.n_clusters} first-stage units",
            "fpc" if s.has_fpc else "no fpc",
        ]
        if self._calibrations:
            parts.append(f"{len(self._calibrations)} calibration step(s)")
        if self._subset is not None:
            parts.append(f"subpopulation of {int(self._subset.sum())} rows")
        return f"SurveyDesign({', '.join(parts)})"

    # --- replicate weights ---------------------------------------------------------------------
    def to_replicate(
        self,
        method: str = "jkn",
        replicates: int | None = None,
        rho: float | None = None,
        seed: int | None = None,
        mse: bool = False,
    ):
        """Replicate weights for this design: a :class:`~surveykit.ReplicateDesign`.

        Replicates are formed from first-stage units within first-stage strata, as R's
        ``as.svrepdesign``; the first-stage fpc is kept for the jackknives and the bootstrap.

        Parameters
        ----------
        method : {"jk1", "jkn", "brr", "fay", "bootstrap", "sdr"}, default "jkn"
            ``jk1``: delete one PSU (unstratified designs). ``jkn``: delete one PSU within its stratum,
            ``rscales = (1 - f_h)(n_h - 1)/n_h``. ``brr``/``fay``: balanced half-samples from a Hadamard
            matrix (exactly 2 PSUs per stratum); Fay keeps ``rho`` of the dropped half (default 0.5).
            ``bootstrap``: Rao-Wu rescaled bootstrap (``n_h - 1`` PSUs drawn with replacement), shrunk
            by ``sqrt(1 - f_h)`` with an fpc; ``scale = 1/(R-1)``. ``sdr``: successive differences
            over PSUs in stratum and id order (Fay-Train), ``scale = 4/R``.
        replicates : int, optional
            Number of replicates (bootstrap: default 50; sdr: default 80, or fewer for small designs).
            Fixed by the design for the jackknives and BRR.
        rho : float, optional
            Fay coefficient.
        seed : int, optional
            Seed of the bootstrap draws.
        mse : bool, default False
            Centre at the full-sample estimate.

        Examples
        --------
        >>> import pandas as pd, surveykit as sk
        >>> df = pd.DataFrame({"s": [1, 1, 2, 2], "p": [1, 2, 3, 4], "y": [1.0, 3.0, 2.0, 6.0], "w": [1.0] * 4})
        >>> r = sk.SurveyDesign(df, weights="w", strata="s", psu="p").to_replicate("brr")
        >>> r.replicates, r.total("y")[["estimate", "se"]].values.tolist()
        (4, [[12.0, 4.47213595499958]])
        """
        if replicates is not None and (
            isinstance(replicates, bool) or not isinstance(replicates, (int, np.integer)) or replicates < 2
        ):
            raise DesignError(f"replicates={replicates!r}: give a whole number of replicates, at least 2.")
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0):
            raise DesignError(f"seed={seed!r}: give a non-negative whole number (or None for a fresh draw).")
        if self._calibrations:
            raise DesignError(
                "form replicates before calibrating (d.to_replicate(...).calibrate(...)), so "
                "that every replicate is calibrated too."
            )
        if self._subset is not None:
            raise DesignError("form replicates from the whole design, then take the subpopulation with subset().")
        return make_replicates(self, method, replicates=replicates, rho=rho, seed=seed, mse=mse)
