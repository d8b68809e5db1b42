"""``surveykit sample FRAME --plan PLAN.yaml --out sample.csv``: select a sample as a plan file says.

The plan (YAML, safe-loaded; paths relative to it)::

    method: pps_systematic        # srs | systematic | pps_systematic | sampford | brewer
    size: hogares                 # measure of size (PPS methods)
    strata: estrato               # optional
    sort: [area]                  # optional: implicit stratification for systematic methods
    seed: 2025
    n: 300                        # a total, allocated to strata as `allocation` says; or {stratum: n}
    allocation:                   # optional (default proportional to the strata's total size)
      method: power               # proportional | equal | power
      power: 0.5
      minimum: 2
    households:                   # optional second stage
      count: hogares              # a listing made from this frame column (1..count in each PSU), or
      file: listing.csv           # a listing file with the PSU id column
      psu: segmento
      take: 12
      method: systematic          # srs | systematic

The output has the selected rows with ``pi_1`` (``pi_2``), ``certainty`` and ``design_weight``.

>>> import tempfile, pathlib, pandas as pd
>>> from surveykit.cli import main
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> pd.DataFrame({"seg": range(1, 21), "estrato": [1] * 10 + [2] * 10,
...               "hog": [30 + 7 * i for i in range(20)]}).to_csv(d / "frame.csv", index=False)
>>> _ = (d / "plan.yaml").write_text("method: pps_systematic\\nsize: hog\\nstrata: estrato\\nseed: 1\\nn: 6\\n"
...                                  "households: {count: hog, psu: seg, take: 5}\\n")
>>> main(["sample", str(d / "frame.csv"), "--plan", str(d / "plan.yaml"), "--out", str(d / "s.csv")])
... # doctest: +ELLIPSIS
selected 6 PSUs in 2 strata (1: 2, 2: 4) and 30 households
wrote .../s.csv
0
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from ..fileio import load_yaml_file
from ..errors import SamplingError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

_KEYS = {"method", "size", "strata", "sort", "seed", "n", "allocation", "households"}
_ALLOC_KEYS = {"method", "power", "minimum", "maximum"}
_HH_KEYS = {"count", "file", "psu", "take", "method", "sort"}


def register(sub: Any) -> None:
    """Add the ``sample`` subcommand."""
    p = sub.add_parser(
        "sample",
        help="select a sample from a frame as a plan file says",
        description="Select a stratified one- or two-stage sample from a frame (CSV, Excel, SPSS, "
        "Stata) as PLAN.yaml says; write the selected rows with inclusion "
        "probabilities and design weights.",
    )
    p.add_argument("frame", help="the frame: one row per PSU (or element)")
    p.add_argument("--plan", required=True, help="the sampling plan (YAML)")
    p.add_argument("--out", required=True, help="output file (.csv, or any format sk.write_microdata writes)")
    p.set_defaults(func=run)


def _check_keys(d: Any, allowed: set[str], where: str, file: str) -> dict:
    if not isinstance(d, Mapping):
        raise SamplingError(f"plan {file}: {where} must be a mapping of settings.", file=file)
    extra = sorted(set(d) - allowed)
    if extra:
        raise SamplingError(
            f"plan {file}: unknown setting(s) {extra} in {where}; allowed: {sorted(allowed)}.", file=file
        )
    return dict(d)


def run(args: argparse.Namespace) -> int:
    from ..io import read_microdata, write_microdata
    from .allocation import allocate
    from .frame import list_units
    from .selection import select

    plan_path = Path(args.plan)
    plan = _check_keys(load_yaml_file(plan_path, "sampling plan", SamplingError), _KEYS, "the plan", str(plan_path))
    frame = cast("pd.DataFrame", read_microdata(args.frame))  # without chunksize=: a DataFrame
    method = plan.get("method", "srs")
    strata = plan.get("strata")
    size = plan.get("size")
    n = plan.get("n")
    if n is None:
        raise SamplingError(f"plan {plan_path}: give n (a total, or a mapping stratum: n).", file=str(plan_path))
    if isinstance(n, int) and strata:
        alloc = _check_keys(plan.get("allocation") or {}, _ALLOC_KEYS, "allocation", str(plan_path))
        if strata not in frame.columns:
            raise SamplingError(
                f"plan {plan_path}: strata column {strata!r} is not in {args.frame}.",
                file=str(plan_path),
                column=strata,
            )
        totals = frame.groupby(strata)[size].sum() if size else frame.groupby(strata).size()
        # sizes given as a Series: the allocation is a Series by stratum
        counts = cast(
            "pd.Series", allocate(totals.astype(float), n, method=alloc.pop("method", "proportional"), **alloc)
        )
        n = {k: int(v) for k, v in counts.items()}
    units = None
    hh = plan.get("households")
    kw: dict[str, Any] = {}
    if hh is not None:
        hh = _check_keys(hh, _HH_KEYS, "households", str(plan_path))
        if ("file" in hh) == ("count" in hh):
            raise SamplingError(
                f"plan {plan_path}: households needs either file (a listing) or count (a frame "
                "column of household counts).",
                file=str(plan_path),
            )
        psu = hh.get("psu")
        if psu is None or "take" not in hh:
            raise SamplingError(f"plan {plan_path}: households needs psu and take.", file=str(plan_path))
        if "file" in hh:
            units = cast("pd.DataFrame", read_microdata(plan_path.parent / hh["file"]))
        else:
            units = list_units(frame, psu, hh["count"], "hogar")
        kw = dict(units=units, psu=psu, take=hh["take"], unit_method=hh.get("method", "srs"), unit_sort=hh.get("sort"))
    sample = select(
        frame, n, method=method, size=size, strata=strata, sort=plan.get("sort"), seed=plan.get("seed"), **kw
    )
    psus = sample.drop_duplicates(kw["psu"]) if units is not None else sample
    per = psus.groupby(strata).size() if strata else None
    where = f" in {len(per)} strata ({', '.join(f'{k}: {v}' for k, v in per.items())})" if per is not None else ""
    more = f" and {len(sample)} households" if units is not None else ""
    print(f"selected {len(psus)} {'PSUs' if units is not None else 'units'}{where}{more}")
    out = Path(args.out)
    if out.suffix.lower() == ".csv":
        sample.to_csv(out, index=False)
    else:
        write_microdata(sample.reset_index(drop=True), out)
    print(f"wrote {out}")
    return 0
