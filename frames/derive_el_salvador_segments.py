"""Derive the ILLUSTRATIVE El Salvador census-segment frame shipped with surveykit (run from the repo root).

    .venv/bin/python frames/derive_el_salvador_segments.py

writes ``src/surveykit/sampling/data/el_salvador_segments_illustrative.csv.gz``: one row per census
segment (segmento censal, the usual PSU) with its department, area (1 urbano, 2 rural), stratum
(``departamento × 10 + area``, as ``sk.simulate``) and household count.

What is sourced and what is not
-------------------------------
* Sourced: the national household count, 1,920,668 private households (VII Censo de Población y VI de
  Vivienda 2024, first results, BCR/ONEC, 29 Oct 2024, as reported by the press; see weights/README.md).
* ILLUSTRATIVE: everything else. Households per department × area are those of
  ``surveykit.simulate.el_salvador_frame()`` (department shares of
  ``weights/el_salvador_2024_adults_illustrative.yaml``, invented urban shares). The segment structure
  is invented: segments average about 100 households in urban areas and 90 in rural ones, with sizes
  drawn from a gamma distribution (shape 6, at least 15 households), seed 2024. The real segment
  frame is ONEC's cartography; replace this file with it for any real sample.

The households of each stratum add up exactly to the stratum total (largest-remainder rounding), so
the frame's households add up to the census total. ``tests/sampling/test_frame.py`` checks that the
shipped file is what this script writes.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from surveykit.simulate import el_salvador_frame

OUT = Path(__file__).resolve().parents[1] / "src/surveykit/sampling/data/el_salvador_segments_illustrative.csv.gz"
MEAN_SIZE = {1: 100.0, 2: 90.0}          # households per segment, urban / rural (invented)
SHAPE = 6.0                              # gamma shape: sizes vary with CV 1/sqrt(6) ≈ 0.41 (invented)
MIN_SIZE = 15


def build(seed: int = 2024) -> pd.DataFrame:
    strata = el_salvador_frame()[["estrato", "departamento", "area", "households"]]
    rng = np.random.default_rng(seed)
    parts = []
    for row in strata.itertuples(index=False):     # 28 strata: a loop over them is clearer here
        total = int(row.households)
        mean = MEAN_SIZE[int(row.area)]
        k = max(2, int(round(total / mean)))
        raw = np.maximum(rng.gamma(SHAPE, mean / SHAPE, k), MIN_SIZE)
        exact = raw / raw.sum() * total
        size = np.floor(exact).astype(np.int64)
        short = total - int(size.sum())
        size[np.argsort(-(exact - size), kind="stable")[:short]] += 1
        parts.append(pd.DataFrame({
            "segmento": row.estrato * 10_000 + np.arange(1, k + 1),
            "estrato": row.estrato, "departamento": row.departamento, "area": row.area, "hogares": size}))
    return pd.concat(parts, ignore_index=True)


def main() -> None:
    frame = build()
    OUT.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(OUT, index=False, compression={"method": "gzip", "mtime": 0})
    print(f"{OUT}: {len(frame)} segments, {int(frame['hogares'].sum())} households")


if __name__ == "__main__":
    main()
