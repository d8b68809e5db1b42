"""Generate the benchmark survey: 1M persons in a stratified two-stage sample (deterministic, seeded).

The file imitates a national household survey: 20 strata, 20,000 primary sampling units (segments)
sampled within strata, households within segments and every person of a household interviewed.
Per row it has

* ``stratum`` (1..20), ``psu`` (unique across strata), ``hh`` (household, unique);
* ``weight``: a stratum base weight times segment and household nonresponse factors (~6.3M persons);
* ``dept``: one of El Salvador's 14 departments, a property of the segment (so domains cut across
  strata, as they do in the real survey);
* ``sex`` (2 levels), ``agegrp`` (5 levels): with ``dept`` the three raking margins;
* ``victim``, ``unsafe``, ``reported``, ``bribe``, ``discrim``: 0/1 indicators with segment random
  effects (so design effects are well above 1) and department effects;
* ``income``: a continuous, skewed variable.

Columns are written as one ``.npy`` file each under ``benchmarks/data/survey_<n>/`` (no extra
dependency; every tool builds its own frame from the arrays) with ``meta.json`` holding the seed
and the raking control totals. ``run.py`` calls this when the data are missing.

Usage: ``python benchmarks/generate.py [--rows 1000000] [--seed 20240611]``
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
VERSION = 1  # bump when the generated data change, so stale copies are regenerated

N_STRATA = 20
N_PSU = 20_000
# the 14 departments of El Salvador with rough population shares (San Salvador largest)
DEPARTMENTS = [
    "Ahuachapan",
    "Santa Ana",
    "Sonsonate",
    "Chalatenango",
    "La Libertad",
    "San Salvador",
    "Cuscatlan",
    "La Paz",
    "Cabanas",
    "San Vicente",
    "Usulutan",
    "San Miguel",
    "Morazan",
    "La Union",
]
DEPT_SHARE = np.array([5.8, 9.2, 7.8, 3.1, 12.6, 27.5, 4.3, 5.4, 2.6, 2.9, 5.9, 7.6, 3.2, 4.0])
BINARY = ["victim", "unsafe", "reported", "bribe", "discrim"]
BASE_RATE = np.array([0.15, 0.45, 0.30, 0.05, 0.12])
MARGINS = {"sex": [1, 2], "dept": list(range(1, 15)), "agegrp": [1, 2, 3, 4, 5]}


def data_dir(rows: int) -> Path:
    """Folder holding the generated survey of ``rows`` rows."""
    return DATA / f"survey_{rows}"


def _allocate(total: int, shares: np.ndarray, minimum: int) -> np.ndarray:
    """Integers >= ``minimum`` summing to ``total``, proportional to ``shares`` (largest remainder)."""
    free = total - minimum * len(shares)
    raw = free * shares / shares.sum()
    out = np.floor(raw).astype(np.int64)
    out[np.argsort(raw - out)[::-1][: free - out.sum()]] += 1
    return out + minimum


def generate(rows: int = 1_000_000, seed: int = 20240611) -> dict[str, np.ndarray]:
    """The survey as a dict of column arrays (vectorised; ~1 s for 1M rows)."""
    rng = np.random.default_rng(seed)
    n_psu = max(2 * N_STRATA, min(N_PSU, rows // 10))
    # stage 1: unequal numbers of segments per stratum
    n_h = _allocate(n_psu, rng.dirichlet(np.full(N_STRATA, 20.0)), 2)
    psu_stratum = np.repeat(np.arange(N_STRATA), n_h)
    # stage 2: segment sample sizes vary (at least 5 persons, ~50 on average)
    sizes = _allocate(rows, rng.gamma(4.0, 1.0, n_psu), 5)
    psu = np.repeat(np.arange(n_psu), sizes)  # rows sorted by segment, as survey files are
    stratum = psu_stratum[psu]
    psu_dept = rng.choice(14, size=n_psu, p=DEPT_SHARE / DEPT_SHARE.sum())
    dept = psu_dept[psu]
    # households: a new one starts at a segment's first row or with probability 0.27 (mean size ~3.7)
    first = np.r_[True, psu[1:] != psu[:-1]]
    hh = np.cumsum(first | (rng.random(rows) < 0.27))
    n_hh = int(hh[-1])
    # weights: stratum base x segment factor x household nonresponse factor, ~6.3M persons in all
    base = rng.uniform(3.0, 10.0, N_STRATA)
    w = base[stratum] * rng.lognormal(0.0, 0.25, n_psu)[psu] * rng.uniform(0.9, 1.3, n_hh + 1)[hh]
    w *= 6.3e6 / w.sum()
    sex = np.where(rng.random(rows) < 0.53, 2, 1)
    agegrp = rng.choice(5, size=rows, p=[0.22, 0.24, 0.20, 0.18, 0.16]) + 1
    cols: dict[str, np.ndarray] = {
        "stratum": (stratum + 1).astype(np.int32),
        # segment codes: stratum number x 100000 + number within the stratum (unique overall)
        "psu": ((stratum + 1) * 100_000 + psu - np.r_[0, np.cumsum(n_h)][stratum] + 1).astype(np.int64),
        "hh": hh.astype(np.int64),
        "weight": w,
        "dept": (dept + 1).astype(np.int32),
        "sex": sex.astype(np.int32),
        "agegrp": agegrp.astype(np.int32),
    }
    logit0 = np.log(BASE_RATE / (1 - BASE_RATE))
    for j, name in enumerate(BINARY):
        eta = (
            logit0[j]
            + rng.normal(0.0, 0.3, 14)[dept]
            + rng.normal(0.0, 0.6, n_psu)[psu]
            + 0.15 * (sex == 2)
            - 0.1 * (agegrp - 3)
        )
        cols[name] = (rng.random(rows) < 1.0 / (1.0 + np.exp(-eta))).astype(np.int8)
    cols["income"] = np.round(rng.lognormal(5.5, 0.8, rows) * rng.lognormal(0.0, 0.3, n_psu)[psu], 2)
    return cols


def raking_controls(cols: dict[str, np.ndarray], seed: int) -> dict[str, dict[int, float]]:
    """Population totals for the sex, dept and agegrp margins, consistent on one grand total.

    They are the weighted sample totals moved by up to +-8% (so raking has work to do), rounded to
    whole persons; every margin adds up to the same population.
    """
    rng = np.random.default_rng(seed + 1)
    w = cols["weight"]
    population = int(round(w.sum() * 1.02))
    out: dict[str, dict[int, float]] = {}
    for name, levels in MARGINS.items():
        sums = np.bincount(cols[name], weights=w, minlength=max(levels) + 1)[levels]
        target = sums * rng.uniform(0.92, 1.08, len(levels))
        counts = np.round(target / target.sum() * population)
        counts[np.argmax(counts)] += population - counts.sum()
        out[name] = {int(lv): float(c) for lv, c in zip(levels, counts)}
    return out


def write(rows: int = 1_000_000, seed: int = 20240611, folder: Path | None = None) -> Path:
    """Generate and write the survey (to ``data_dir(rows)`` by default); return its folder."""
    t0 = time.perf_counter()
    cols = generate(rows, seed)
    folder = data_dir(rows) if folder is None else Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for name, arr in cols.items():
        np.save(folder / f"{name}.npy", arr)
    meta = {
        "version": VERSION,
        "rows": rows,
        "seed": seed,
        "columns": list(cols),
        "binary": BINARY,
        "domain": "dept",
        "departments": DEPARTMENTS,
        "strata": int(np.unique(cols["stratum"]).size),
        "psus": int(np.unique(cols["psu"]).size),
        "households": int(cols["hh"][-1]),
        "controls": raking_controls(cols, seed),
    }
    (folder / "meta.json").write_text(json.dumps(meta, indent=1))
    print(
        f"wrote {rows} rows ({meta['strata']} strata, {meta['psus']} PSUs, {meta['households']} "
        f"households) to {folder} in {time.perf_counter() - t0:.1f} s"
    )
    return folder


def ensure(rows: int = 1_000_000, seed: int = 20240611) -> Path:
    """The data folder, generated first when missing or stale."""
    folder = data_dir(rows)
    meta = folder / "meta.json"
    if meta.exists():
        m = json.loads(meta.read_text())
        if m.get("version") == VERSION and m.get("seed") == seed and m.get("rows") == rows:
            return folder
    return write(rows, seed)


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=20240611)
    a = ap.parse_args()
    write(a.rows, a.seed)
