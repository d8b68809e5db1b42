"""Field-export benchmark: read_collection of 200,000 interviews with a 10-incident repeat.

    .venv/bin/python benchmarks/field_exports.py [--interviews 200000] [--incidents 10] [--chunk 50000]

Builds a KoboToolbox XLSX export (main sheet + a repeat sheet of interviews x incidents rows) and a
Survey Solutions tab export of the same synthetic interviews into benchmarks/data/ (not committed),
with the test suite's export writers (tests/io/collection/exports.py), then reads each in a fresh
process with a progress bar and reports time, peak RSS (VmHWM) and the size of the result. Memory is
bounded when the peak stays near the result plus one chunk (plus ~150 MB of imported libraries),
whatever the file size. Not a timed test: run it by hand and copy the figures to docs/performance.md.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DATA = HERE / "data"
sys.path.insert(0, str(ROOT / "tests" / "io" / "collection"))

SPEC = """
id: bench
languages: [es, en]
unit: person
missing_codes:
  - {kind: dont_know, code: 98, label: {es: No sabe, en: Don't know}}
choice_lists:
  sino:
    choices: [{code: 1, label: {es: Sí, en: "Yes"}}, {code: 2, label: {es: "No", en: "No"}}]
    missing: [{kind: dont_know, code: 8, label: {es: No sabe, en: Don't know}}]
  deptos:
    choices: [{code: 1, label: A}, {code: 2, label: B}, {code: 3, label: C}, {code: 4, label: D}]
  armas:
    choices: [{code: 1, label: Fuego}, {code: 2, label: Blanca}, {code: 3, label: Otra}]
items:
  - type: group
    name: id
    children:
      - {type: select_one, name: departamento, choices: deptos}
      - {type: integer, name: edad, min: 18, max: 110}
      - {type: select_one, name: victima, choices: sino}
      - {type: integer, name: n_inc, min: 0, max: 10}
  - type: repeat
    name: incidentes
    count: ${n_inc}
    children:
      - {type: integer, name: mes, min: 1, max: 12}
      - {type: select_one, name: denuncio, choices: sino}
      - {type: select_multiple, name: armas, choices: armas}
"""


def synthetic(n: int, k: int, seed: int = 7) -> SimpleNamespace:
    """A Simulation-like object (data, repeats, questionnaire) built with numpy, k incidents each."""
    import surveykit as sk

    rng = np.random.default_rng(seed)
    path = DATA / "bench_form.yaml"
    path.write_text(SPEC, encoding="utf-8")
    q = sk.load_questionnaire(path)
    main = pd.DataFrame(
        {
            "id_hogar": np.arange(1, n + 1),
            "departamento": rng.integers(1, 5, n).astype(float),
            "edad": rng.integers(18, 90, n).astype(float),
            "victima": rng.choice([1.0, 2.0, 8.0], n, p=[0.3, 0.68, 0.02]),
            "n_inc": float(k),
        }
    )
    m = n * k
    arms = np.array(["1", "2", "3", "1 2", "1 3", "2 3", None], dtype=object)
    text = arms[rng.integers(0, len(arms), m)]
    rep = pd.DataFrame(
        {
            "id_hogar": np.repeat(main["id_hogar"].to_numpy(), k),
            "id_incidentes": np.tile(np.arange(1, k + 1), n),
            "mes": rng.integers(1, 13, m).astype(float),
            "denuncio": rng.choice([1.0, 2.0], m),
            "armas": text,
        }
    )
    return SimpleNamespace(data=main, repeats={"incidentes": rep}, questionnaire=q)


def make(n: int, k: int) -> dict[str, Path]:
    import exports as ex

    DATA.mkdir(exist_ok=True)
    out = {"kobo_xlsx": DATA / f"kobo_{n}x{k}.xlsx", "suso_tab": DATA / f"suso_{n}x{k}.zip"}
    sim = None
    for key, path in out.items():
        if path.exists():
            continue
        sim = sim or synthetic(n, k)
        t = time.perf_counter()
        if key == "kobo_xlsx":
            ex.write_kobo_xlsx_fast(sim, path)
        else:
            ex.write_suso_zip(sim, path)
        print(
            f"wrote {path.name} ({path.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - t:.0f} s",
            file=sys.stderr,
        )
    (DATA / "bench_form.yaml").write_text(SPEC, encoding="utf-8")
    return out


def _vmhwm_mb() -> float:
    """Peak RSS of this process since exec (ru_maxrss would include the forking parent's pages)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:  # not Linux
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def read_one(path: str, chunk: int) -> dict:
    import surveykit as sk

    q = sk.load_questionnaire(DATA / "bench_form.yaml")
    t = time.perf_counter()
    units = sk.read_collection(path, q, chunk_rows=chunk, progress=True)
    seconds = time.perf_counter() - t
    peak_mb = _vmhwm_mb()
    return {
        "file": Path(path).name,
        "MB": round(Path(path).stat().st_size / 1e6),
        "rows": {u: len(df) for u, df in units.items()},
        "seconds": round(seconds, 1),
        "peak_rss_mb": round(peak_mb),
        "result_mb": round(sum(df.memory_usage(deep=True).sum() for df in units.values()) / 1e6),
        "problems": len(units.problems),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--interviews", type=int, default=200_000)
    ap.add_argument("--incidents", type=int, default=10)
    ap.add_argument("--chunk", type=int, default=50_000)
    ap.add_argument("--read", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.read:
        print(json.dumps(read_one(args.read, args.chunk)))
        return
    files = make(args.interviews, args.incidents)
    results = []
    for key, path in files.items():
        proc = subprocess.run(
            [sys.executable, __file__, "--read", str(path), "--chunk", str(args.chunk)],
            capture_output=False,
            stdout=subprocess.PIPE,
            text=True,
            check=True,
        )
        res = json.loads(proc.stdout.strip().splitlines()[-1])
        res["export"] = key
        results.append(res)
        print(json.dumps(res))
    print(
        pd.DataFrame(results)[["export", "MB", "rows", "seconds", "peak_rss_mb", "result_mb", "problems"]].to_string(
            index=False
        )
    )


if __name__ == "__main__":
    main()
