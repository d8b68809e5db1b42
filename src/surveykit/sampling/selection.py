"""Selection of a (stratified, multistage) sample from a frame: :func:`select`.

The first stage selects rows of ``frame`` (PSUs, or elements for a one-stage design) within strata, by
simple random sampling, systematic sampling in a sorted order (implicit stratification), systematic
PPS, Sampford's πps method or Brewer's. Inclusion probabilities come from
:func:`inclusion_probabilities` (certainty units taken, the rest re-scaled). A second stage selects a
fixed ``take`` of ``units`` (households) in each selected PSU by SRS or systematic sampling, with
probability ``take / Mᵢ`` (``Mᵢ`` the units listed in the PSU).

Everything is vectorised over strata and PSUs (group codes, one lexsort), except Sampford's and
Brewer's methods, which draw stratum by stratum.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..errors import ColumnNotFoundError, FrameError, SampleTooLargeError, SamplingError
from .draws import draw_samples
from .probabilities import inclusion_probabilities, stratum_sizes

__all__ = ["select", "SELECT_METHODS"]

SELECT_METHODS = ("srs", "systematic", "pps_systematic", "sampford", "brewer")
_OUTPUT = ("pi_1", "pi_2", "design_weight", "certainty")


def _columns(df: pd.DataFrame, cols: Any, what: str, role: str) -> list[str]:
    names = [] if cols is None else ([cols] if isinstance(cols, str) else list(cols))
    for c in names:
        if c not in df.columns:
            raise ColumnNotFoundError(
                f"{role} column {c!r} is not in the {what}; its columns are {list(df.columns)[:20]}.", column=c
            )
    return names


def _codes(df: pd.DataFrame, strata: list[str], what: str) -> tuple[np.ndarray, pd.Index]:
    if not strata:
        return np.zeros(len(df), dtype=np.int64), pd.Index([None])
    key = df[strata[0]] if len(strata) == 1 else pd.MultiIndex.from_frame(df[strata]).to_flat_index()
    codes, labels = pd.factorize(pd.Series(key, index=df.index), sort=True)
    labels = pd.Index(labels.tolist(), tupleize_cols=False)  # plain Python labels for messages
    if (codes < 0).any():
        rows = list(df.index[codes < 0])
        raise FrameError(f"the {what} has no stratum ({', '.join(strata)}) in rows {rows[:10]}.", rows=rows)
    return codes.astype(np.int64), pd.Index(labels)


def _order(df: pd.DataFrame, codes: np.ndarray, sort: list[str]) -> np.ndarray:
    """Row positions sorted by stratum, then the sort columns, then frame order (stable)."""
    keys = [np.arange(len(df))]
    for c in reversed(sort):
        keys.append(pd.factorize(df[c], sort=True)[0])
    keys.append(codes)
    return np.lexsort(keys)


def _systematic_within(pi: np.ndarray, codes: np.ndarray, n_groups: int, rng: np.random.Generator) -> np.ndarray:
    """Systematic selection in the given (sorted) order, one random start per group (rows sorted by group)."""
    certain = pi >= 1
    p = np.where(certain, 0.0, pi)
    v = np.cumsum(p)
    start = np.concatenate([[0.0], v])[np.searchsorted(codes, np.arange(n_groups))]
    prev = np.concatenate([[0.0], v[:-1]])
    u = rng.random(n_groups)[codes] + start[codes]  # cumulated π within the group, minus the start
    # consecutive differences of one array telescope: exactly n per group, whatever the rounding
    hit = np.floor(v - u) - np.floor(prev - u) >= 1
    return hit | certain


def _srs_within(codes: np.ndarray, n_h: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    order = np.lexsort([rng.random(len(codes)), codes])
    sorted_codes = codes[order]
    first = np.searchsorted(sorted_codes, sorted_codes)  # position of the group's first row
    rank = np.arange(len(codes)) - first
    chosen = np.zeros(len(codes), dtype=bool)
    chosen[order] = rank < n_h[sorted_codes]
    return chosen


def select(
    frame: pd.DataFrame,
    n: int | Mapping | pd.Series | Sequence[int],
    *,
    method: str = "srs",
    size: str | None = None,
    strata: str | Sequence[str] | None = None,
    sort: str | Sequence[str] | None = None,
    seed: Any = None,
    units: pd.DataFrame | None = None,
    psu: str | None = None,
    take: int | None = None,
    unit_method: str = "srs",
    unit_sort: str | Sequence[str] | None = None,
) -> pd.DataFrame:
    """Select a stratified one- or two-stage sample from a frame, with inclusion probabilities and weights.

    Parameters
    ----------
    frame : DataFrame
        One row per first-stage unit (PSU, or element in a one-stage design).
    n : int, Mapping stratum → int, Series, or sequence aligned with the sorted strata
        Units to select (per stratum).
    method : {"srs", "systematic", "pps_systematic", "sampford", "brewer"}
        ``"srs"`` and ``"systematic"`` (equal probabilities ``nₕ/Nₕ``; systematic in the ``sort`` order,
        fractional interval, so exactly ``nₕ``); ``"pps_systematic"``, ``"sampford"`` (exact joint
        probabilities, :func:`joint_inclusion_probabilities`) and ``"brewer"`` select with probability
        proportional to ``size`` (certainty units taken).
    size : str, optional
        Column of the measure of size (PPS methods).
    strata : str or list of str, optional
        Stratum column(s).
    sort : str or list of str, optional
        Columns to sort the frame by within strata before a systematic selection (implicit
        stratification; ties keep frame order).
    seed : int or numpy Generator, optional
        The same seed gives the same sample. The two stages draw from separate streams, so changing
        ``take`` does not change the PSUs.
    units : DataFrame, optional
        Second stage: one row per unit (household) with the PSU id in column ``psu``.
    psu : str, optional
        PSU id column, in both ``frame`` and ``units`` (unique in ``frame``).
    take : int, optional
        Units to select in each selected PSU (fixed take).
    unit_method : {"srs", "systematic"}
        Second-stage method (systematic in the ``unit_sort`` order, else listing order).
    unit_sort : str or list of str, optional

    Returns
    -------
    DataFrame
        The selected rows of ``frame`` (one stage) or of ``units`` with their PSU's frame columns (two
        stages), in stratum and frame order, with ``pi_1`` (first-stage inclusion probability),
        ``pi_2`` (second stage, conditional on the PSU), ``certainty`` (PPS methods: taken with probability 1)
        and ``design_weight = 1/(pi_1·pi_2)``; pass ``probs=["pi_1", "pi_2"]`` to
        :class:`~surveykit.SurveyDesign`. The original row labels are kept as the index.

    Raises
    ------
    SampleTooLargeError
        ``n`` exceeds a stratum's units, or ``take`` a selected PSU's.
    FrameError
        Non-positive or missing sizes, missing strata, duplicate PSU ids, units of unknown PSUs.

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"seg": range(1, 9), "estrato": [1, 1, 1, 1, 2, 2, 2, 2],
    ...                       "viviendas": [50, 80, 120, 400, 60, 60, 90, 150]})
    >>> s = select(frame, {1: 2, 2: 2}, method="pps_systematic", size="viviendas", strata="estrato", seed=3)
    >>> s[["seg", "pi_1", "certainty", "design_weight"]].round(3)
       seg   pi_1  certainty  design_weight
    2    3  0.480      False          2.083
    3    4  1.000       True          1.000
    5    6  0.333      False          3.000
    7    8  0.833      False          1.200
    """
    if not isinstance(frame, pd.DataFrame) or frame.empty:
        raise FrameError("frame must be a non-empty DataFrame with one row per sampling unit.")
    if method not in SELECT_METHODS:
        raise SamplingError(f"method={method!r}: use one of {', '.join(SELECT_METHODS)}.")
    clash = [c for c in _OUTPUT if c in frame.columns or (units is not None and c in units.columns)]
    if clash:
        raise SamplingError(f"the input already has columns {clash}, which select() writes; rename them.")
    strata_cols = _columns(frame, strata, "frame", "strata")
    sort_cols = _columns(frame, sort, "frame", "sort")
    pps = method in ("pps_systematic", "sampford", "brewer")
    if pps and size is None:
        raise SamplingError(f"method={method!r} needs size= (the column of the measure of size).")
    if size is not None and not pps:
        raise SamplingError(f"size= is for the PPS methods; method={method!r} selects with equal probabilities.")
    _columns(frame, size, "frame", "size")
    seq = np.random.SeedSequence(seed) if not isinstance(seed, np.random.Generator) else None
    rng1, rng2 = (np.random.default_rng(s) for s in seq.spawn(2)) if seq is not None else (seed, seed)

    codes, labels = _codes(frame, strata_cols, "frame")
    if not strata_cols and isinstance(n, (Mapping, pd.Series)):
        raise SamplingError("n per stratum needs strata=.")
    n_h = stratum_sizes(n, labels)
    if np.any(n_h != np.round(n_h)) or np.any(n_h < 0):
        raise SamplingError(f"n={n!r}: sample sizes must be whole numbers ≥ 0.")
    counts = np.bincount(codes, minlength=len(labels))
    over = n_h > counts
    if over.any():
        bad = [(labels.tolist()[h], int(n_h[h]), int(counts[h])) for h in np.flatnonzero(over)]
        where = (
            ", ".join(f"stratum {lab!r}: {a} of {b}" for lab, a, b in bad[:10])
            if strata_cols
            else f"{bad[0][1]} of {bad[0][2]}"
        )
        raise SampleTooLargeError(
            f"more units asked for than the frame holds ({where}); lower n or merge strata.", strata=[b[0] for b in bad]
        )
    order = _order(frame, codes, sort_cols)
    codes_o = codes[order]
    if pps:
        pi = inclusion_probabilities(frame[size].to_numpy()[order], n_h, strata=codes_o)
    else:
        pi = (n_h / counts)[codes_o]
    if method == "srs":
        chosen = _srs_within(codes_o, n_h.astype(np.int64), rng1)
    elif method in ("systematic", "pps_systematic"):
        chosen = _systematic_within(pi, codes_o, len(labels), rng1)
    else:
        chosen = np.zeros(len(pi), dtype=bool)
        bounds = np.searchsorted(codes_o, np.arange(len(labels) + 1))
        for h in np.flatnonzero(n_h > 0):  # rejective / draw-by-draw: one stratum at a time
            lo, hi = bounds[h], bounds[h + 1]
            chosen[lo + draw_samples(pi[lo:hi], method, 1, rng1)[0]] = True
    got = np.bincount(codes_o[chosen], minlength=len(labels))
    if not np.array_equal(got, n_h.astype(np.int64)):
        raise SamplingError("internal: the selection does not have n units per stratum; please report this.")
    rows = order[chosen]
    out = frame.iloc[rows].copy()
    out["pi_1"] = pi[chosen]
    if pps:
        out["certainty"] = pi[chosen] >= 1
    if units is None:
        if take is not None or psu is not None:
            raise SamplingError("take= and psu= are for a second stage: give units= (one row per household).")
        out["design_weight"] = 1.0 / out["pi_1"].to_numpy()
        return out
    return _second_stage(out, units, psu, take, unit_method, unit_sort, rng2)


def _second_stage(
    psus: pd.DataFrame,
    units: pd.DataFrame,
    psu: str | None,
    take: int | None,
    method: str,
    sort: Any,
    rng: np.random.Generator,
) -> pd.DataFrame:
    if psu is None or take is None:
        raise SamplingError("a second stage needs psu= (the PSU id column) and take= (units per PSU).")
    if method not in ("srs", "systematic"):
        raise SamplingError(f"unit_method={method!r}: use 'srs' or 'systematic'.")
    if int(take) != take or take < 1:
        raise SamplingError(f"take={take!r} must be a whole number ≥ 1.")
    if psu not in psus.columns:
        raise ColumnNotFoundError(f"psu column {psu!r} is not in the frame.", column=psu)
    if psu not in units.columns:
        raise ColumnNotFoundError(f"psu column {psu!r} is not in the units.", column=psu)
    sort_cols = _columns(units, sort, "units", "unit_sort")
    ids = pd.Index(psus[psu].to_numpy())
    if ids.has_duplicates:
        raise FrameError(
            f"PSU ids in column {psu!r} repeat in the frame: {ids[ids.duplicated()][:10].tolist()}.", column=psu
        )
    code = ids.get_indexer(units[psu].to_numpy())  # −1: a PSU not selected
    inside = np.flatnonzero(code >= 0)
    c = code[inside]
    listed = np.bincount(c, minlength=len(ids))
    short = listed < take
    if short.any():
        bad = ids[short][:10].tolist()
        raise SampleTooLargeError(
            f"selected PSUs {bad} list fewer than take={take} units "
            f"({listed[short][:10].tolist()}); lower take, or merge small PSUs in the frame.",
            psus=bad,
        )
    sub = units.iloc[inside]
    if method == "srs":
        order = np.lexsort([rng.random(len(c)), c])
        sc = c[order]
        rank = np.arange(len(sc)) - np.searchsorted(sc, sc)
        pick = order[rank < take]
        pick = pick[np.lexsort([pick, c[pick]])]  # back to PSU, then listing order
    else:
        order = _order(sub, c, sort_cols)
        sc = c[order]
        p2 = take / listed[sc]
        pick = order[_systematic_within(p2, sc, len(ids), rng)]
    out = sub.iloc[pick].copy()
    pc = c[pick]
    extra = [col for col in psus.columns if col not in out.columns or col in ("pi_1", "certainty")]
    for col in extra:
        out[col] = psus[col].to_numpy()[pc]
    out["pi_2"] = take / listed[pc]
    out["design_weight"] = 1.0 / (out["pi_1"].to_numpy() * out["pi_2"].to_numpy())
    return out
