"""Microdata benchmark: read time and peak memory of a 1M-row x 20-column .sav, whole and chunked,
and check_microdata time for 1M rows x 20 questions.

    .venv/bin/python benchmarks/io_microdata.py [--rows 1000000] [--chunksize 100000]

The .sav is generated into benchmarks/data/ (not committed). Each read runs in a fresh process so
its peak RSS (VmHWM) is its own; the figure includes the ~110 MB of imported libraries.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"


def make_frame(n: int, seed: int = 2024) -> pd.DataFrame:
    """20 variables of a victimization survey: codes with 98/99 missing, ages, amounts, text."""
    rng = np.random.default_rng(seed)
    cols: dict[str, np.ndarray] = {"folio": np.arange(1, n + 1, dtype=float)}
    cols["depto"] = rng.integers(1, 15, n).astype(float)
    cols["area"] = rng.integers(1, 3, n).astype(float)
    cols["sexo"] = rng.integers(1, 3, n).astype(float)
    cols["edad"] = rng.integers(0, 100, n).astype(float)
    cols["victima"] = rng.choice([1.0, 2.0, 98.0, 99.0], n, p=[0.2, 0.75, 0.03, 0.02])
    cols["denuncia"] = np.where(cols["victima"] == 1, rng.choice([1.0, 2.0, 98.0], n), np.nan)
    for i in range(1, 9):
        cols[f"p{i:02d}"] = rng.choice([1.0, 2.0, 3.0, 4.0, 5.0, 98.0], n)
    cols["perdida"] = np.where(cols["victima"] == 1, np.round(rng.gamma(2.0, 80.0, n), 2), np.nan)
    cols["ingreso"] = np.round(rng.lognormal(6, 1, n), 2)
    cols["miembros"] = rng.integers(1, 12, n).astype(float)
    cols["confianza"] = rng.choice([1.0, 2.0, 3.0, 4.0, 99.0], n)
    df = pd.DataFrame(cols)
    df["municipio"] = pd.Series(rng.integers(1, 263, n)).map(lambda v: f"{v:04d}").astype("str")
    return df


def questionnaire():
    import surveykit as sk

    sino = sk.ChoiceList(
        choices=[sk.Choice(code=1, label={"es": "Sí"}), sk.Choice(code=2, label={"es": "No"})],
        missing=[
            sk.MissingCode(kind="dont_know", code=98, label={"es": "No sabe"}),
            sk.MissingCode(kind="refused", code=99, label={"es": "No responde"}),
        ],
    )
    escala = sk.ChoiceList(
        choices=[sk.Choice(code=c, label={"es": str(c)}) for c in range(1, 6)],
        missing=[sk.MissingCode(kind="dont_know", code=98, label={"es": "No sabe"})],
    )
    conf = sk.ChoiceList(
        choices=[sk.Choice(code=c, label={"es": str(c)}) for c in range(1, 5)],
        missing=[sk.MissingCode(kind="refused", code=99, label={"es": "No responde"})],
    )
    items = [
        sk.SelectOneQuestion(name="depto", choices="depto", required=True),
        sk.SelectOneQuestion(name="area", choices="area", required=True),
        sk.SelectOneQuestion(name="sexo", choices="sexo", required=True),
        sk.IntegerQuestion(name="edad", min=0, max=110, required=True),
        sk.SelectOneQuestion(name="victima", choices="sino", required=True, relevant="${edad} >= 12"),
        sk.SelectOneQuestion(name="denuncia", choices="sino", relevant="${victima} = 1", required=True),
        *[sk.SelectOneQuestion(name=f"p{i:02d}", choices="escala", relevant="${edad} >= 18") for i in range(1, 9)],
        sk.DecimalQuestion(name="perdida", min=0, relevant="${victima} = 1", constraint=". < 5000"),
        sk.DecimalQuestion(name="ingreso", min=0, constraint=". < 100000"),
        sk.IntegerQuestion(name="miembros", min=1, max=30, required=True),
        sk.SelectOneQuestion(name="confianza", choices="conf"),
        sk.TextQuestion(name="municipio", required=True),
        sk.IntegerQuestion(name="folio", required=True),
    ]
    lists = {
        "sino": sino,
        "escala": escala,
        "conf": conf,
        "depto": sk.ChoiceList(choices=[sk.Choice(code=c) for c in range(1, 15)]),
        "area": sk.ChoiceList(choices=[sk.Choice(code=c) for c in (1, 2)]),
        "sexo": sk.ChoiceList(choices=[sk.Choice(code=c) for c in (1, 2)]),
    }
    return sk.Questionnaire(id="bench", languages=["es"], choice_lists=lists, items=items)


def ensure_file(n: int) -> Path:
    import surveykit as sk

    path = DATA / f"victimizacion_{n}.sav"
    if path.exists():
        return path
    DATA.mkdir(exist_ok=True)
    df = make_frame(n)
    df.attrs["surveykit"] = {
        "missing": {
            c: {"values": [98, 99]} for c in ["victima", "denuncia", "confianza", *[f"p{i:02d}" for i in range(1, 9)]]
        },
        "value_labels": {"victima": {1: "Sí", 2: "No", 98: "No sabe", 99: "No responde"}},
        "variable_labels": {"edad": "Edad en años cumplidos"},
    }
    sk.write_microdata(df, path)
    return path


def _peak_rss_mb() -> float:
    # VmHWM is the peak of this process image (reset by exec, unlike ru_maxrss, which a child
    # inherits from the parent it was forked from)
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _child(mode: str, path: str, chunksize: int) -> None:
    import surveykit as sk

    t = time.perf_counter()
    if mode == "whole":
        df = sk.read_microdata(path)
        rows = len(df)
    elif mode == "keep":
        df = sk.read_microdata(path, user_missing="keep")
        rows = len(df)
    elif mode == "columns":
        df = sk.read_microdata(path, columns=["edad", "victima"])
        rows = len(df)
    else:
        rows = 0
        for chunk in sk.read_microdata(path, chunksize=chunksize, progress=False):
            rows += len(chunk)
    seconds = time.perf_counter() - t
    rss = _peak_rss_mb()
    print(json.dumps({"mode": mode, "rows": rows, "seconds": round(seconds, 2), "peak_rss_mb": round(rss)}))


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--chunksize", type=int, default=100_000)
    ap.add_argument("--child", nargs=2)
    args = ap.parse_args(argv)
    if args.child:
        _child(args.child[0], args.child[1], args.chunksize)
        return
    path = ensure_file(args.rows)
    print(f"file: {path.name}, {path.stat().st_size / 1e6:.0f} MB, {args.rows:,} rows x 20 columns")
    for mode in ("whole", "keep", "chunks", "columns"):
        out = subprocess.run(
            [sys.executable, __file__, "--child", mode, str(path), "--chunksize", str(args.chunksize)],
            capture_output=True,
            text=True,
            check=True,
        )
        print(out.stdout.strip())
    import surveykit as sk

    df = sk.read_microdata(path, user_missing="keep")
    q = questionnaire()
    t = time.perf_counter()
    report = sk.check_microdata(df, q, ids="folio")
    seconds = time.perf_counter() - t
    print(
        json.dumps(
            {
                "mode": "check",
                "rows": len(df),
                "questions": len(q.questions()),
                "problems": len(report),
                "seconds": round(seconds, 2),
            }
        )
    )


if __name__ == "__main__":
    main()
