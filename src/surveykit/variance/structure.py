"""The sampling structure of a design, reduced to integer codes.

A :class:`DesignStructure` holds, for every sampling stage, the code of each row's sampling unit
(cluster) and of each unit's stratum, with the per-stratum sample and population counts. It is built
once per design from the data columns; the variance kernel only ever sees these integer arrays.

The coding follows R's ``svydesign`` exactly, because the variance depends on it:

* stage ``s`` units are the interaction of the unit ids of stages ``1..s`` (so a school number that
  repeats in two districts is two schools);
* with ``nest=True`` the stage units are also interacted with the stage's strata;
* the strata of stage ``s >= 2`` are the interaction of the stage's stratum column (or the last one
  given) with the stage ``s-1`` unit, i.e. later stages are stratified within their parent unit;
* ``fpc`` per stage is a population count (all values > 1) or a sampling fraction (all <= 1).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from ..errors import DesignError, LonelyPSUError, format_rows

__all__ = ["Stage", "DesignStructure", "LONELY_PSU_OPTIONS", "LonelyPSU", "factorize", "combine_codes"]

LONELY_PSU_OPTIONS = ("error", "adjust", "average", "remove", "certainty")
#: what a stratum with a single sampled unit does (``lonely_psu=``)
LonelyPSU = Literal["error", "adjust", "average", "remove", "certainty"]

# R's onestrat treats a stratum with sampling fraction f = 1 - n/N below this as fully sampled.
_CERTAINTY_TOL = 1e-7


def factorize(values: np.ndarray | pd.Series, sort: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes 0..K-1 of ``values`` and the K distinct values (sorted when ``sort``).

    >>> codes, uniques = factorize(np.array(["b", "a", "b"]))
    >>> codes.tolist(), uniques.tolist()
    ([1, 0, 1], ['a', 'b'])
    """
    codes, uniques = pd.factorize(
        pd.Series(values) if not isinstance(values, pd.Series) else values, sort=sort, use_na_sentinel=True
    )
    return codes.astype(np.int64, copy=False), np.asarray(uniques)


def combine_codes(a: np.ndarray, b: np.ndarray, nb: int) -> tuple[np.ndarray, int]:
    """Codes of the interaction of two code arrays (``b`` has ``nb`` levels), renumbered densely.

    >>> codes, k = combine_codes(np.array([0, 0, 1]), np.array([0, 1, 0]), 2)
    >>> codes.tolist(), k
    ([0, 1, 2], 3)
    """
    key = a.astype(np.int64) * np.int64(nb) + b
    codes, uniques = pd.factorize(key, sort=True)
    return codes.astype(np.int64, copy=False), len(uniques)


@dataclass(frozen=True)
class Stage:
    """One sampling stage: units (clusters) within strata.

    Attributes
    ----------
    cluster : (n,) int64
        Code of each row's unit at this stage, unique across the whole design.
    n_clusters : int
    cluster_stratum : (n_clusters,) int64
        Stratum code of each unit.
    n_strata : int
    stratum_n : (n_strata,) float
        Sampled units per stratum (R's ``fpc$sampsize``).
    stratum_N : (n_strata,) float
        Population units per stratum (``inf`` without fpc).
    stratum_parent : (n_strata,) int64
        Code of the previous stage's unit containing the stratum (all 0 at stage 1).
    rows_are_units : bool
        True when every row is its own unit at this stage (element sampling).
    """

    cluster: np.ndarray
    n_clusters: int
    cluster_stratum: np.ndarray
    n_strata: int
    stratum_n: np.ndarray
    stratum_N: np.ndarray
    stratum_parent: np.ndarray
    rows_are_units: bool

    @property
    def stratum_f(self) -> np.ndarray:
        """Finite population correction factor ``1 - n/N`` per stratum (1 without fpc)."""
        with np.errstate(invalid="ignore", divide="ignore"):
            f = np.where(np.isinf(self.stratum_N), 1.0, (self.stratum_N - self.stratum_n) / self.stratum_N)
        return f

    @property
    def stratum_scale(self) -> np.ndarray:
        """R's ``f * n / (n - 1)`` (``f`` for a single-unit stratum)."""
        n = self.stratum_n
        f = self.stratum_f
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(n > 1, f * n / (n - 1.0), f)

    @property
    def lonely(self) -> np.ndarray:
        """Strata with one sampled unit that are not fully sampled (bool per stratum)."""
        return (self.stratum_n == 1) & (self.stratum_f >= _CERTAINTY_TOL)


@dataclass
class DesignStructure:
    """Every stage of a design as integer codes, plus the per-stratum variance multipliers."""

    n: int
    stages: list[Stage]
    has_strata: bool
    has_fpc: bool
    lonely_psu: str
    # multiplier of each stage's stratum variance: product of ancestor sampling fractions n/N
    stratum_mult: list[np.ndarray] = field(default_factory=list)
    # R's survey.adjust.domain.lonely: a domain with one unit in a stratum follows lonely_psu
    adjust_domain_lonely: bool = False

    @property
    def variance_stages(self) -> list[Stage]:
        """Stages whose variance R adds up: all with fpc (full multistage), only the first without."""
        return self.stages if self.has_fpc else self.stages[:1]

    @property
    def degf(self) -> int:
        """Design degrees of freedom: first-stage units minus first-stage strata."""
        s = self.stages[0]
        return int(s.n_clusters - s.n_strata)

    @classmethod
    def build(
        cls,
        psu_values: list[np.ndarray] | None,
        strata_values: list[np.ndarray] | None,
        fpc_values: list[np.ndarray] | None,
        n: int,
        nest: bool,
        lonely_psu: str,
        names: dict[str, list[str]],
        index: pd.Index,
    ) -> DesignStructure:
        """Code the design columns (already checked for missing values) as R's svydesign does."""
        n_stages = len(psu_values) if psu_values else 1
        # stage unit codes: interaction of ids of stages 1..s
        if psu_values:
            raw = [factorize(v, sort=True) for v in psu_values]
        else:
            raw = [(np.arange(n, dtype=np.int64), np.arange(n))]
        ids: list[np.ndarray] = []
        nids: list[int] = []
        for s, (codes, uniq) in enumerate(raw):
            if s == 0:
                ids.append(codes)
                nids.append(len(uniq))
            else:
                c, k = combine_codes(ids[-1], codes, len(uniq))
                ids.append(c)
                nids.append(k)
        has_strata = bool(strata_values)
        if strata_values:
            strat_raw = [factorize(v, sort=True) for v in strata_values]
        else:
            strat_raw = [(np.zeros(n, dtype=np.int64), np.array([0]))]
        n_strat_cols = len(strat_raw)
        if nest and has_strata:
            # R relabels stage-s ids within strata columns 1..min(s, NS)
            for s in range(n_stages):
                ids[s], nids[s] = combine_codes(_strata_prefix(strat_raw, s), ids[s], nids[s])
        elif has_strata and psu_values:
            # clusters must be nested in strata at the top level (R's check.strata)
            first_strat = strat_raw[0][0]
            per_psu = pd.Series(first_strat).groupby(ids[0]).nunique()
            bad = per_psu[per_psu > 1]
            if len(bad):
                uniq = raw[0][1]
                labels = [uniq[i] for i in bad.index[:10]]
                raise DesignError(
                    f"PSU ids {format_rows(labels)} of column '{names['psu'][0]}' appear in more than one "
                    f"stratum of '{names['strata'][0]}'. If PSU ids are only unique within strata, "
                    "pass nest=True; otherwise fix the ids.",
                    column=names["psu"][0],
                )
        # strata per stage: stage 1 its own column, later stages within the previous stage's unit
        strata_codes: list[np.ndarray] = []
        nstrata: list[int] = []
        for s in range(n_stages):
            sc, su = strat_raw[min(s, n_strat_cols - 1)]
            if s == 0:
                strata_codes.append(sc)
                nstrata.append(len(su))
            else:
                c, k = combine_codes(ids[s - 1], sc, len(su))
                strata_codes.append(c)
                nstrata.append(k)
        stages: list[Stage] = []
        has_fpc = bool(fpc_values)
        for s in range(n_stages):
            cluster = ids[s]
            C = nids[s]
            # stratum of each unit (units never straddle strata after the checks above)
            cluster_stratum = np.zeros(C, dtype=np.int64)
            cluster_stratum[cluster] = strata_codes[s]
            H = nstrata[s]
            stratum_n = np.bincount(cluster_stratum, minlength=H).astype(np.float64)
            if s == 0:
                parent = np.zeros(H, dtype=np.int64)
            else:
                parent = np.zeros(H, dtype=np.int64)
                parent[strata_codes[s]] = ids[s - 1]
            if fpc_values:
                stratum_N = _popsize(fpc_values[s], strata_codes[s], H, stratum_n, names["fpc"][s], index)
            else:
                stratum_N = np.full(H, np.inf)
            stages.append(
                Stage(
                    cluster=cluster,
                    n_clusters=C,
                    cluster_stratum=cluster_stratum,
                    n_strata=H,
                    stratum_n=stratum_n,
                    stratum_N=stratum_N,
                    stratum_parent=parent,
                    rows_are_units=(C == n),
                )
            )
        st = cls(n=n, stages=stages, has_strata=has_strata, has_fpc=has_fpc, lonely_psu=lonely_psu)
        st.stratum_mult = _multipliers(stages)
        st._check_lonely(names, strata_values, psu_values, index)
        return st

    def prob(self) -> np.ndarray:
        """Inclusion probability of each row implied by the fpc (product of stage fractions n/N)."""
        p = np.ones(self.n)
        for s, st in enumerate(self.stages):
            frac = st.stratum_n / st.stratum_N
            p *= frac[st.cluster_stratum[st.cluster]]
        return p

    def _check_lonely(self, names, strata_values, psu_values, index) -> None:
        if self.lonely_psu != "error":
            return
        for s, st in enumerate(self.variance_stages):
            lonely = st.lonely
            if not lonely.any():
                continue
            bad = np.flatnonzero(lonely)
            row_stratum = st.cluster_stratum[st.cluster]
            rows = index[np.isin(row_stratum, bad)]
            if s == 0 and strata_values:
                col = names["strata"][0]
                first = pd.Series(strata_values[0]).iloc[np.flatnonzero(np.isin(row_stratum, bad))]
                which = f"strata {format_rows(list(pd.unique(first)))} of column '{col}'"
            elif s == 0:
                col = None
                which = "the design (a single PSU)"
            else:
                col = names["psu"][s] if psu_values and s < len(names["psu"]) else None
                which = f"{len(bad)} stage-{s + 1} strata (within first-stage units)"
            raise LonelyPSUError(
                f"{which} {'has' if len(bad) == 1 else 'have'} only one sampled unit at stage {s + 1} "
                f"(rows {format_rows(list(rows))}). Choose lonely_psu='adjust', 'average', 'remove' or "
                "'certainty', or collapse the stratum with a neighbour.",
                column=col,
                rows=list(rows),
            )


def _strata_prefix(strat_raw, s):
    """Codes of the interaction of strata columns 1..min(s+1, NS) (R's nest=TRUE relabelling)."""
    upto = min(s + 1, len(strat_raw))
    codes, k = strat_raw[0][0], len(strat_raw[0][1])
    for t in range(1, upto):
        codes, k = combine_codes(codes, strat_raw[t][0], len(strat_raw[t][1]))
    return codes


def _popsize(
    fpc: np.ndarray, strata: np.ndarray, H: int, stratum_n: np.ndarray, col: str, index: pd.Index
) -> np.ndarray:
    fpc = np.asarray(fpc, dtype=np.float64)
    if (fpc <= 0).any():
        rows = index[np.flatnonzero(fpc <= 0)]
        raise DesignError(
            f"fpc column '{col}' has values <= 0 in rows {format_rows(list(rows))}; "
            "give population counts (> 1) or sampling fractions in (0, 1].",
            column=col,
            rows=list(rows),
        )
    # constant within stratum
    lo = np.full(H, np.inf)
    hi = np.full(H, -np.inf)
    np.minimum.at(lo, strata, fpc)
    np.maximum.at(hi, strata, fpc)
    varying = np.flatnonzero(hi - lo > 1e-9 * np.maximum(1.0, np.abs(hi)))
    if len(varying):
        rows = index[np.flatnonzero(np.isin(strata, varying))]
        raise DesignError(
            f"fpc column '{col}' varies within a stratum (rows {format_rows(list(rows))}); "
            "the fpc must be the stratum's population count or sampling fraction.",
            column=col,
            rows=list(rows),
        )
    value = lo
    is_count = (fpc > 1).any()
    if is_count and (fpc < 1).any():
        rows = index[np.flatnonzero(fpc < 1)]
        raise DesignError(
            f"fpc column '{col}' mixes population counts (> 1) and sampling fractions "
            f"(< 1), e.g. rows {format_rows(list(rows))}; use one kind for the whole column.",
            column=col,
            rows=list(rows),
        )
    N = value if is_count else stratum_n / value
    too_big = N < stratum_n - 1e-9
    if too_big.any():
        rows = index[np.flatnonzero(np.isin(strata, np.flatnonzero(too_big)))]
        raise DesignError(
            f"fpc column '{col}' implies more than 100% sampling (population count "
            f"below the number of sampled units) in rows {format_rows(list(rows))}.",
            column=col,
            rows=list(rows),
        )
    return N


def _multipliers(stages: list[Stage]) -> list[np.ndarray]:
    """Per stage, the factor R's multistage recursion applies to each stratum's variance."""
    mults = [np.ones(stages[0].n_strata)]
    for s in range(1, len(stages)):
        prev = stages[s - 1]
        frac_prev = prev.stratum_n / prev.stratum_N  # sampling fraction of the parent stratum
        parent_unit = stages[s].stratum_parent  # unit of stage s-1 containing the stratum
        parent_stratum = prev.cluster_stratum[parent_unit]
        mults.append(mults[s - 1][parent_stratum] * frac_prev[parent_stratum])
    return mults
