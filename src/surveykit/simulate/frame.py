"""Sampling frames, allocation and the two-stage sample behind simulated microdata.

A frame is a DataFrame with one row per stratum:

``estrato``      stratum id (integer)
``households``   households in the stratum's population
``psus``         PSUs to select (optional: :func:`allocate` fills it from a total)
``psu_size``     average households per PSU in the population (optional, default 120)
``response_rate`` expected household response rate (optional, default 0.85)

Any other column is a **stratum variable** (e.g. ``departamento``, ``area``): every household of the
stratum takes its value, and a question of the same name is filled from it instead of being drawn.

The sample is the classic household survey design: PSUs selected with probability proportional to
size within strata, a fixed number of households listed and selected in each, one eligible adult
selected at random per household. The design weight of a household is
``N_h / (n_h m) * L_i / S_i``, where the listing count ``L_i`` differs from the frame's measure of
size ``S_i`` (new buildings, demolitions) by a lognormal factor; nonresponse is adjusted within
strata (weighting classes); the selected person's weight multiplies the household weight by the
number of eligible persons.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..errors import SimulationError

__all__ = ["el_salvador_frame", "allocate", "EL_SALVADOR_DEPARTMENTS"]

#: DIGESTYC/ONEC department codes and names (the conventions' ``departamento`` list).
EL_SALVADOR_DEPARTMENTS = {
    1: "Ahuachapán",
    2: "Santa Ana",
    3: "Sonsonate",
    4: "Chalatenango",
    5: "La Libertad",
    6: "San Salvador",
    7: "Cuscatlán",
    8: "La Paz",
    9: "Cabañas",
    10: "San Vicente",
    11: "Usulután",
    12: "San Miguel",
    13: "Morazán",
    14: "La Unión",
}

# Adults per department in weights/el_salvador_2024_adults_illustrative.yaml (ILLUSTRATIVE shares anchored
# on census 2024 first results); households follow the same shares.
_DEPARTMENT_ADULTS = np.array(
    [240596, 396772, 329237, 135071, 544507, 1114339, 185723, 227933, 101304, 101304, 236375, 337679, 101304, 168839],
    dtype=float,
)
# Urban share of households by department: invented to be plausible (San Salvador mostly urban,
# Morazán mostly rural); about 62% urban overall, as the illustrative control totals.
_URBAN_SHARE = np.array([0.45, 0.62, 0.58, 0.38, 0.68, 0.90, 0.50, 0.50, 0.36, 0.45, 0.45, 0.58, 0.30, 0.38])
#: Private households, census 2024 first results (weights/el_salvador_2024_households.yaml).
EL_SALVADOR_HOUSEHOLDS = 1_920_668


def allocate(sizes: Sequence[float] | np.ndarray, total: int, power: float = 0.5, minimum: int = 2) -> np.ndarray:
    """Allocate ``total`` sample units to strata in proportion to ``size ** power``, at least ``minimum`` each.

    ``power=1`` is proportional allocation, ``0`` equal allocation; ``0.5`` (square-root, Kish's
    compromise) gives small domains enough sample for their own estimates while keeping national
    estimates efficient. Rounded by largest remainder, so the allocation adds up to ``total``.

    Parameters
    ----------
    sizes : array of float
        Stratum sizes (households, population), all > 0.
    total : int
        Units to allocate; at least ``minimum * len(sizes)``.
    power : float, default 0.5
        Exponent of the sizes.
    minimum : int, default 2
        Smallest allocation of a stratum (2 PSUs are needed for a variance).

    Returns
    -------
    numpy.ndarray of int

    Examples
    --------
    >>> allocate([100, 400, 1600], 14).tolist()
    [2, 4, 8]
    >>> allocate([100, 400, 1600], 14, power=1).tolist()
    [2, 2, 10]
    """
    s = np.asarray(sizes, dtype=float)
    if s.ndim != 1 or len(s) == 0 or not np.all(np.isfinite(s)) or np.any(s <= 0):
        raise SimulationError("allocate: stratum sizes must be a non-empty list of positive numbers.")
    total = int(total)
    if total < minimum * len(s):
        raise SimulationError(
            f"allocate: {total} units cannot give {len(s)} strata at least {minimum} each; "
            f"allocate at least {minimum * len(s)}."
        )
    share = s**power / np.sum(s**power)
    # strata whose proportional share is below the minimum get the minimum; the others share the rest
    fixed = np.zeros(len(s), dtype=bool)
    while True:
        left = total - minimum * int(fixed.sum())
        ideal = np.where(fixed, float(minimum), left * share / np.sum(share[~fixed]))
        newly = ~fixed & (ideal < minimum)
        if not newly.any():
            break
        fixed |= newly
    alloc = np.floor(ideal).astype(np.int64)
    short = total - int(alloc.sum())
    alloc[np.argsort(-(ideal - alloc), kind="stable")[:short]] += 1  # largest remainders
    return alloc


def el_salvador_frame(
    psus: int = 700, power: float = 0.5, minimum: int = 6, households: int = EL_SALVADOR_HOUSEHOLDS
) -> pd.DataFrame:
    """The default frame: El Salvador's 14 departments × urban/rural, 28 strata (ILLUSTRATIVE sizes).

    Households by stratum spread the census 2024 household count (1,920,668) over departments with
    the shares of ``weights/el_salvador_2024_adults_illustrative.yaml`` and over areas with invented
    urban shares (about 62% urban overall). PSUs are allocated by ``size ** power`` with at least
    ``minimum`` per stratum. Urban PSUs average 150 households and respond at 80%; rural ones
    average 100 and respond at 90% (plausible, not measured).

    Parameters
    ----------
    psus : int, default 700
        Sampled PSUs in all.
    power : float, default 0.5
        Allocation exponent (see :func:`allocate`).
    minimum : int, default 6
        Fewest PSUs in a stratum (lowered, down to 2, when ``psus`` is too small to give each of the
        28 strata that many).
    households : int
        Households in the population.

    Returns
    -------
    DataFrame
        ``estrato`` (departamento × 10 + area), ``departamento``, ``area``, ``households``, ``psus``,
        ``psu_size``, ``response_rate``.

    Examples
    --------
    >>> f = el_salvador_frame()
    >>> len(f), int(f["psus"].sum()), int(f["households"].sum())
    (28, 700, 1920668)
    >>> f.loc[f["estrato"] == 61, ["departamento", "area", "psus"]].values.tolist()
    [[6, 1, 70]]
    """
    dep = np.repeat(np.arange(1, 15), 2)
    area = np.tile([1, 2], 14)
    share = _DEPARTMENT_ADULTS / _DEPARTMENT_ADULTS.sum()
    urban = np.repeat(_URBAN_SHARE, 2)
    stratum_share = np.repeat(share, 2) * np.where(area == 1, urban, 1 - urban)
    hh = _largest_remainder(stratum_share, households)
    frame = pd.DataFrame(
        {
            "estrato": dep * 10 + area,
            "departamento": dep,
            "area": area,
            "households": hh,
            "psu_size": np.where(area == 1, 150, 100),
            "response_rate": np.where(area == 1, 0.80, 0.90),
        }
    )
    minimum = max(2, min(minimum, psus // len(hh)))
    frame.insert(4, "psus", allocate(hh, psus, power=power, minimum=minimum))
    return frame


def _largest_remainder(share: np.ndarray, total: int) -> np.ndarray:
    ideal = share / share.sum() * total
    out = np.floor(ideal).astype(np.int64)
    short = total - int(out.sum())
    out[np.argsort(-(ideal - out), kind="stable")[:short]] += 1
    return out


def check_frame(frame: pd.DataFrame, households_per_psu: int) -> pd.DataFrame:
    """Validate a frame and fill its optional columns; errors name the stratum and column."""
    if not isinstance(frame, pd.DataFrame) or frame.empty:
        raise SimulationError(
            "frame must be a non-empty DataFrame with one row per stratum (see "
            "sk.simulate's documentation and el_salvador_frame())."
        )
    f = frame.copy()
    for col in ("estrato", "households", "psus"):
        if col not in f.columns:
            raise SimulationError(
                f"frame: the column {col!r} is missing; a frame needs estrato, households "
                "and psus (use allocate() to set psus from a total).",
                column=col,
            )
    f = f.reset_index(drop=True)
    if "psu_size" not in f.columns:
        f["psu_size"] = 120.0
    if "response_rate" not in f.columns:
        f["response_rate"] = 0.85
    for col, lo in (("households", 1), ("psus", 1), ("psu_size", 1)):
        values = pd.to_numeric(f[col], errors="coerce").to_numpy(dtype=float)
        bad = ~np.isfinite(values) | (values < lo)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise SimulationError(
                f"frame: {col} of stratum {f['estrato'].iloc[i]!r} is {f[col].iloc[i]!r}; it "
                f"must be a number of at least {lo}.",
                column=col,
                rows=list(np.flatnonzero(bad)),
            )
    rr = pd.to_numeric(f["response_rate"], errors="coerce").to_numpy(dtype=float)
    bad = ~(rr > 0) | ~(rr <= 1)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise SimulationError(
            f"frame: response_rate of stratum {f['estrato'].iloc[i]!r} is {rr[i]!r}; give a share in (0, 1].",
            column="response_rate",
        )
    if f["estrato"].duplicated().any():
        dup = f.loc[f["estrato"].duplicated(), "estrato"].tolist()
        raise SimulationError(f"frame: strata {dup} appear more than once; give one row per stratum.", column="estrato")
    est = pd.to_numeric(f["estrato"], errors="coerce")
    if est.isna().any() or not np.all(est == np.round(est)):
        raise SimulationError("frame: estrato must hold whole numbers (stratum ids).", column="estrato")
    f["estrato"] = est.astype(np.int64)
    psus = f["psus"].to_numpy(dtype=float)
    if not np.all(psus == np.round(psus)):
        raise SimulationError("frame: psus must be whole numbers.", column="psus")
    f["psus"] = f["psus"].astype(np.int64)
    if (f["psus"] < 2).any():
        lone = f.loc[f["psus"] < 2, "estrato"].tolist()
        raise SimulationError(
            f"frame: strata {lone} get fewer than 2 PSUs, so their variance cannot be "
            "estimated; give every stratum at least 2.",
            column="psus",
        )
    capacity = f["households"].to_numpy(dtype=float) / f["psu_size"].to_numpy(dtype=float)
    over = f["psus"].to_numpy() > np.maximum(capacity, 1)
    if over.any():
        i = int(np.flatnonzero(over)[0])
        raise SimulationError(
            f"frame: stratum {f['estrato'].iloc[i]} selects {f['psus'].iloc[i]} PSUs but has only "
            f"about {capacity[i]:.0f} (households / psu_size); select fewer.",
            column="psus",
        )
    if households_per_psu < 1 or households_per_psu > f["psu_size"].min():
        raise SimulationError(
            f"households_per_psu={households_per_psu} must be between 1 and the smallest "
            f"psu_size ({f['psu_size'].min():g})."
        )
    return f


def draw_sample(
    frame: pd.DataFrame,
    households_per_psu: int,
    rng: np.random.Generator,
    listing_sd: float = 0.15,
    response_sd: float = 0.5,
) -> dict[str, np.ndarray]:
    """Select PSUs and households, simulate household response, and compute household weights.

    Returns arrays over the *responding* households (``stratum_pos``, ``psu_pos``, ``hh_in_psu``,
    ``base_weight``, ``weight``) and over PSUs (``psu_stratum_pos``, ``psu_number``), plus per-stratum
    counts (``sampled``, ``responding``).
    """
    n_h = frame["psus"].to_numpy(dtype=np.int64)
    m = int(households_per_psu)
    n_psu = int(n_h.sum())
    psu_stratum = np.repeat(np.arange(len(frame)), n_h)
    psu_number = np.arange(n_psu) - np.repeat(np.cumsum(n_h) - n_h, n_h) + 1
    # listing count / measure of size: households built or gone since the frame was made
    listing_ratio = np.exp(rng.normal(0.0, listing_sd, n_psu) - listing_sd**2 / 2)
    big_n = frame["households"].to_numpy(dtype=float)
    base_psu = big_n[psu_stratum] / (n_h[psu_stratum] * m) * listing_ratio
    # response: the stratum's expected rate, varying between PSUs (logit scale)
    rr = frame["response_rate"].to_numpy(dtype=float)[psu_stratum]
    with np.errstate(divide="ignore"):
        logit = np.log(rr) - np.log1p(-rr)
    p_psu = 1.0 / (1.0 + np.exp(-(logit + rng.normal(0.0, response_sd, n_psu))))
    p_psu = np.where(rr >= 1, 1.0, p_psu)
    hh_psu = np.repeat(np.arange(n_psu), m)
    responded = rng.random(n_psu * m) < p_psu[hh_psu]
    # every PSU keeps at least one responding household, so every stratum keeps its PSUs
    first = np.arange(n_psu) * m
    none = np.bincount(hh_psu, weights=responded, minlength=n_psu) == 0
    responded[first[none]] = True
    base = base_psu[hh_psu]
    stratum_of_hh = psu_stratum[hh_psu]
    sampled_w = np.bincount(stratum_of_hh, weights=base, minlength=len(frame))
    resp_w = np.bincount(stratum_of_hh, weights=base * responded, minlength=len(frame))
    adjust = sampled_w / resp_w  # weighting-class nonresponse adjustment
    keep = np.flatnonzero(responded)
    return {
        "stratum_pos": stratum_of_hh[keep],
        "psu_pos": hh_psu[keep],
        "hh_in_psu": (keep % m) + 1,
        "base_weight": base[keep],
        "weight": base[keep] * adjust[stratum_of_hh[keep]],
        "psu_stratum_pos": psu_stratum,
        "psu_number": psu_number,
        "sampled": np.bincount(stratum_of_hh, minlength=len(frame)),
        "responding": np.bincount(stratum_of_hh[keep], minlength=len(frame)),
    }
