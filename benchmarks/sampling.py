"""Sample selection benchmark: 300 PSUs from the ~20,000-segment El Salvador frame, then 12 households in
each selected segment from the 1.9M-row household listing.

    .venv/bin/python benchmarks/sampling.py [--repeat 7]

The frame is the shipped ILLUSTRATIVE segment frame (19,999 segments, 28 strata, 1,920,668 households);
the listing has one row per household (``sks.list_units``). PSUs are allocated to strata by square-root
allocation (at least 2 each). Each timing is the best of ``--repeat`` runs (wall clock) of one
``sks.select(...)`` call with the listing already in memory, i.e. stratified PPS selection of the
segments, matching of 1.9M household rows to the selected segments and the second-stage draw.
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path

import numpy as np

import surveykit.sampling as sks

HERE = Path(__file__).resolve().parent


def best(fn, repeat: int) -> float:
    fn()  # warm-up
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=7)
    args = ap.parse_args()
    frame = sks.el_salvador_segments()
    t = time.perf_counter()
    listing = sks.list_units(frame, "segmento", "hogares", "hogar")
    t_list = time.perf_counter() - t
    n = sks.allocate(frame.groupby("estrato")["hogares"].sum(), 300, method="power", power=0.5, minimum=2)
    results = {
        "segments": len(frame),
        "households": len(listing),
        "psus": int(n.sum()),
        "take": 12,
        "listing_s": round(t_list, 4),
        "select_s": {},
    }
    for method in ("pps_systematic", "sampford", "brewer"):
        for unit_method in ("srs", "systematic"):

            def run(method=method, unit_method=unit_method, seed=iter(range(10_000))):
                s = sks.select(
                    frame,
                    n,
                    method=method,
                    size="hogares",
                    strata="estrato",
                    seed=next(seed),
                    units=listing,
                    psu="segmento",
                    take=12,
                    unit_method=unit_method,
                )
                assert len(s) == 3600 and np.isclose(s["design_weight"].sum(), 1_920_668)

            results["select_s"][f"{method}+{unit_method}"] = round(best(run, args.repeat), 4)
    results["machine"] = f"{platform.processor() or platform.machine()}, Python {platform.python_version()}"
    print(
        f"frame: {results['segments']} segments, listing: {results['households']} households "
        f"(made in {t_list:.3f} s); select {results['psus']} PSUs x 12 households:"
    )
    for k, v in results["select_s"].items():
        print(f"  {k:28s} {v:.3f} s")
    out = HERE / "results" / "sampling.json"
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
