"""Municipalities with true values, and surveys of them: data to show and test small area estimation.

:func:`el_salvador_municipalities` is an **ILLUSTRATIVE** covariate table of El Salvador's 262
municipalities (the 262 of the 1990s-2024 division, which the 2024 territorial reform, Decreto
Legislativo 762 of June 2023, grouped into 44 new municipalities whose former municipalities are now
*distritos*). Only these facts are real:

* the number of municipalities per department (262 in all) and of new municipalities per department
  (44 in all) after the 2024 reform -- from public knowledge of the territorial division, not checked
  against an official table offline (verify before any real use);
* department household totals: census 2024 first results (1,920,668 private households, BCR/ONEC, as
  reported by the press) split by the illustrative department shares of
  ``weights/el_salvador_2024_adults_illustrative.yaml``.

Everything else -- the codes (department code x 100 + order, not DIGESTYC's), which former
municipalities make up each new one (consecutive blocks), household counts within departments
(lognormal, the department head 4 times larger), urban share, poverty share, police-recorded crime
rate -- is **invented**, drawn from a fixed seed so that the table is the same on every machine. Use
it to try methods, never as data about El Salvador. ``weights/el_salvador_municipalities_illustrative.csv``
is this table as written by ``weights/derive_municipalities.py``.

:func:`simulate_municipal_survey` draws a national household survey of it: strata = departments,
PSUs = census segments of about ``psu_size`` households selected by simple random sampling within
department (allocation proportional to segments), ``take`` households per PSU, and 0/1 indicators
whose segment-level prevalence varies around a municipal truth (beta-distributed, intra-class
correlation ``1/(1+concentration)``). The municipal truth of an indicator follows a logistic model
of the standardised covariates plus a normal municipal effect, and is returned as the finite-population
mean of the segment prevalences -- what a census would measure in expectation.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import SimulationError
from .frame import _DEPARTMENT_ADULTS, _URBAN_SHARE, EL_SALVADOR_DEPARTMENTS, EL_SALVADOR_HOUSEHOLDS, allocate

__all__ = [
    "el_salvador_municipalities",
    "simulate_municipal_survey",
    "MunicipalSurvey",
    "MUNICIPALITIES_PER_DEPARTMENT",
    "MUNICIPALITIES_2024_PER_DEPARTMENT",
    "DEFAULT_INDICATORS",
]

#: Municipalities per department before the 2024 reform (262 in all), departments 1-14.
MUNICIPALITIES_PER_DEPARTMENT = np.array([12, 13, 16, 33, 22, 19, 16, 22, 9, 13, 23, 20, 26, 18])
#: New municipalities per department after the 2024 reform (44 in all).
MUNICIPALITIES_2024_PER_DEPARTMENT = np.array([3, 4, 4, 3, 6, 5, 2, 3, 2, 2, 3, 3, 2, 2])

#: Indicators of :func:`simulate_municipal_survey`: logistic intercept, slopes on the standardised
#: covariates, and the standard deviation of the municipal effect (illustrative).
DEFAULT_INDICATORS: dict[str, dict] = {
    "victima": dict(intercept=-1.6, slopes={"urban_share": 0.25, "crime_rate": 0.35, "poverty": 0.10}, sd_u=0.30),
    "inseguro": dict(intercept=-0.3, slopes={"urban_share": 0.30, "crime_rate": 0.45, "poverty": -0.15}, sd_u=0.35),
}
COVARIATES = ["urban_share", "poverty", "crime_rate", "log_households"]


def el_salvador_municipalities(seed: int = 2024) -> pd.DataFrame:
    """The ILLUSTRATIVE municipal covariate table (262 rows), indexed by ``municipio``.

    Columns: ``departamento`` (1-14), ``departamento_nombre``, ``municipio_2024`` (the new municipality,
    ``departamento * 100 + k``), ``households``, ``urban_share``, ``poverty`` (share of households in
    poverty), ``crime_rate`` (police-recorded crimes per 10,000 inhabitants), ``log_households``.
    See the module docstring for what is real and what is invented.

    Examples
    --------
    >>> t = el_salvador_municipalities()
    >>> len(t), t["municipio_2024"].nunique(), int(t["households"].sum())
    (262, 44, 1920668)
    >>> t.attrs["status"]
    'illustrative'
    """
    rng = np.random.default_rng(seed)
    counts = MUNICIPALITIES_PER_DEPARTMENT
    dept = np.repeat(np.arange(1, 15), counts)
    order = np.arange(dept.size) - np.repeat(np.cumsum(counts) - counts, counts) + 1  # 1.. within department
    code = dept * 100 + order
    # new municipality: consecutive blocks of the department's old ones (invented grouping)
    c, k = counts[dept - 1], MUNICIPALITIES_2024_PER_DEPARTMENT[dept - 1]
    new_k = np.minimum((order - 1) * k // c, k - 1) + 1
    size = np.exp(rng.normal(0.0, 0.8, dept.size)) * np.where(order == 1, 4.0, 1.0)
    dept_hh = EL_SALVADOR_HOUSEHOLDS * _DEPARTMENT_ADULTS / _DEPARTMENT_ADULTS.sum()
    share = size / np.bincount(dept - 1, weights=size)[dept - 1]
    households = _round_to_total(share * dept_hh[dept - 1], dept, np.round(dept_hh).astype(np.int64))
    households = _round_to_total(households.astype(float), np.ones_like(dept), np.array([EL_SALVADOR_HOUSEHOLDS]))
    rel = np.log(households) - np.log(households).mean()
    urban_logit = (
        np.log(_URBAN_SHARE[dept - 1] / (1 - _URBAN_SHARE[dept - 1])) + 0.6 * rel + rng.normal(0, 0.5, dept.size)
    )
    urban = 1 / (1 + np.exp(-urban_logit))
    poverty = 1 / (1 + np.exp(-(-0.6 - 1.5 * (urban - 0.5) + rng.normal(0, 0.35, dept.size))))
    crime = np.exp(np.log(35.0) + 0.9 * (urban - 0.5) + 0.15 * rel + rng.normal(0, 0.45, dept.size))
    t = pd.DataFrame(
        {
            "departamento": dept,
            "departamento_nombre": np.array(list(EL_SALVADOR_DEPARTMENTS.values()))[dept - 1],
            "municipio_2024": dept * 100 + new_k,
            "households": households,
            "urban_share": urban.round(4),
            "poverty": poverty.round(4),
            "crime_rate": crime.round(2),
            "log_households": np.log(households).round(6),
        },
        index=pd.Index(code, name="municipio"),
    )
    t.attrs.update(
        status="illustrative",
        source="surveykit.simulate.el_salvador_municipalities(seed=%d): invented "
        "covariates; real only the municipality counts and census 2024 household total" % seed,
    )
    return t


def _round_to_total(x: np.ndarray, group: np.ndarray, totals: np.ndarray) -> np.ndarray:
    """Round ``x`` to integers adding up to ``totals`` within each group (largest remainder, vectorised)."""
    g = group - group.min()
    base = np.floor(x).astype(np.int64)
    short = totals - np.bincount(g, weights=base, minlength=len(totals)).astype(np.int64)
    frac = x - base
    order = np.lexsort((-frac, g))  # by group, largest remainder first
    start = np.concatenate([[0], np.cumsum(np.bincount(g, minlength=len(totals)))[:-1]])
    pos = np.empty_like(order)
    pos[order] = np.arange(len(order)) - start[g[order]]
    return base + (pos < short[g])


@dataclass(frozen=True)
class MunicipalSurvey:
    """A simulated survey of municipalities.

    Attributes
    ----------
    data : DataFrame
        One row per sampled household: ``departamento, municipio, municipio_2024, psu, segments``
        (PSUs in the stratum, the first-stage fpc), ``weight`` and each indicator (0/1).
    truth : DataFrame
        True municipal values of the indicators, indexed by ``municipio`` (all 262).
    municipalities : DataFrame
        The covariate table the survey was drawn from.
    """

    data: pd.DataFrame
    truth: pd.DataFrame
    municipalities: pd.DataFrame


def simulate_municipal_survey(
    municipalities: pd.DataFrame | None = None,
    *,
    households: int = 7000,
    take: int = 10,
    psu_size: int = 120,
    concentration: float = 30.0,
    indicators: Mapping[str, Mapping] | None = None,
    seed: int | None = None,
    truth_seed: int = 15,
) -> MunicipalSurvey:
    """Simulate a two-stage household survey of municipalities with known true values.

    Parameters
    ----------
    municipalities : DataFrame, optional
        A covariate table like :func:`el_salvador_municipalities` (the default), with ``departamento``,
        ``households`` and the covariates the indicators use.
    households : int, default 7000
        Sampled households (``households / take`` PSUs, allocated to departments by their segments).
    take : int, default 10
        Households per PSU.
    psu_size : int, default 120
        Households per census segment (PSU).
    concentration : float, default 30
        Beta concentration of segment prevalences around the municipal one (ICC = 1/(1+concentration)).
    indicators : mapping, optional
        Name -> ``dict(intercept, slopes={covariate: slope}, sd_u)``; default :data:`DEFAULT_INDICATORS`.
    seed : int, optional
        Seed of the sample (PSUs and households).
    truth_seed : int, default 15
        Seed of the population (municipal effects and segment prevalences): fixed, so that repeated
        samples with different ``seed`` come from the same population.

    Returns
    -------
    MunicipalSurvey

    Examples
    --------
    >>> s = simulate_municipal_survey(seed=1)
    >>> len(s.data), s.data["municipio"].nunique() < 262, sorted(s.truth.columns)
    (7000, True, ['inseguro', 'victima'])
    >>> bool(0.1 < s.truth["victima"].mean() < 0.3)
    True
    """
    t = el_salvador_municipalities() if municipalities is None else municipalities
    indicators = dict(DEFAULT_INDICATORS if indicators is None else indicators)
    for name, spec in indicators.items():
        missing = [c for c in spec.get("slopes", {}) if c not in t.columns]
        if missing:
            raise SimulationError(f"indicator {name!r} uses covariates {missing} that the municipality table lacks.")
    if households % take:
        raise SimulationError(f"households={households} is not a multiple of take={take}.")
    pop_rng = np.random.default_rng(truth_seed)
    rng = np.random.default_rng(seed)
    M = len(t)
    dept_codes, dept = np.unique(t["departamento"].to_numpy(), return_inverse=True)
    seg_per_mun = np.maximum(np.round(t["households"].to_numpy(float) / psu_size).astype(int), 1)
    seg_mun = np.repeat(np.arange(M), seg_per_mun)
    seg_dept = dept[seg_mun]
    S_h = np.bincount(seg_dept)
    n_h = allocate(S_h, households // take, power=1.0, minimum=2)
    # municipal and segment prevalences (the population; fixed by truth_seed)
    p_seg, truth = {}, {}
    for name, spec in indicators.items():
        eta = spec["intercept"] + sum(b * _standardise(t[c]) for c, b in spec.get("slopes", {}).items())
        p_mun = 1 / (1 + np.exp(-(eta + pop_rng.normal(0, spec.get("sd_u", 0.3), M))))
        ps = pop_rng.beta(p_mun[seg_mun] * concentration, (1 - p_mun[seg_mun]) * concentration)
        p_seg[name] = ps
        truth[name] = np.bincount(seg_mun, weights=ps) / seg_per_mun
    # first stage: SRS of n_h segments in each department (random keys, ranked within department)
    order = np.lexsort((rng.random(seg_mun.size), seg_dept))
    start = np.concatenate([[0], np.cumsum(S_h)[:-1]])
    rank = np.empty(seg_mun.size, dtype=int)
    rank[order] = np.arange(seg_mun.size) - start[seg_dept[order]]
    chosen = np.flatnonzero(rank < n_h[seg_dept])
    hh_seg = np.repeat(chosen, take)
    mun = seg_mun[hh_seg]
    seg_households = t["households"].to_numpy(float)[mun] / seg_per_mun[mun]
    weight = S_h[seg_dept[hh_seg]] / n_h[seg_dept[hh_seg]] * seg_households / take
    data = pd.DataFrame(
        {
            "departamento": dept_codes[dept[mun]],
            "municipio": t.index.to_numpy()[mun],
            "municipio_2024": t["municipio_2024"].to_numpy()[mun] if "municipio_2024" in t else mun,
            "psu": hh_seg,
            "segments": S_h[seg_dept[hh_seg]].astype(float),
            "weight": weight,
        }
    )
    u = rng.random((len(indicators), hh_seg.size))
    for i, name in enumerate(indicators):
        data[name] = (u[i] < p_seg[name][hh_seg]).astype(int)
    truth_df = pd.DataFrame(truth, index=t.index)
    return MunicipalSurvey(data=data, truth=truth_df, municipalities=t)


def _standardise(x: pd.Series) -> np.ndarray:
    v = x.to_numpy(float)
    sd = v.std()
    return (v - v.mean()) / sd if sd > 0 else v * 0.0
