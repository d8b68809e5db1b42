"""Benchmark the inference layer at 1M rows against svy 0.35 and a plain statsmodels GLM (issue 12).

Workloads on the generated survey (``generate.py``):

* ``glm``: logistic regression of ``victim`` on sex, age group, income, unsafe, bribe, discrim
  (10 coefficients) on the raked design (three margins) -- surveykit ``d.glm`` (design-based SEs with
  calibration residuals), svy ``Sample.glm.fit``, and an unweighted statsmodels ``GLM`` fit (point
  estimates and model-based SEs: the floor a design-based fit is compared with);
* ``xtab``: the 14 x 5 table department x age group with the Rao-Scott F test -- surveykit
  ``d.crosstab`` + ``d.chisq``, svy ``Sample.categorical.tabulate`` (which computes both).

Each (tool, workload) runs in a fresh process: data, imports and design (raking included) first, then
one warm-up and the best of ``--repeat`` wall times. svy runs in its own venv (``svy_env.py``);
statsmodels must be importable by the running Python (``pip install statsmodels``; not a surveykit
dependency). Results go to ``benchmarks/results/inference.json``.

Usage: ``python benchmarks/inference.py [--repeat 3] [--rows 1000000]``
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import textwrap
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import generate  # noqa: E402
import svy_env  # noqa: E402

RESULTS = HERE / "results" / "inference.json"

LOAD = """
import glob, json, os, time, warnings
import numpy as np
folder = {folder!r}
cols = {{os.path.basename(f)[:-4]: np.load(f) for f in glob.glob(folder + "/*.npy")}}
meta = json.load(open(folder + "/meta.json"))
ctl = {{k: {{int(a): b for a, b in v.items()}} for k, v in meta["controls"].items()}}

def best(fn, repeat):
    fn()
    times = []
    for _ in range(repeat):
        t = time.perf_counter(); out = fn(); times.append(time.perf_counter() - t)
    return min(times), out
"""

CODE = {
    ("surveykit", "glm"): """
import pandas as pd, surveykit as sk
d = sk.SurveyDesign(pd.DataFrame(cols), weights="weight", strata="stratum", psu="psu").rake(ctl)
f = "victim ~ C(sex) + C(agegrp) + income + unsafe + bribe + discrim"
t, m = best(lambda: d.glm(f, family="binomial"), {repeat})
res = {{"seconds": t, "params": m.params.tolist(), "se": m.bse.tolist()}}
""",
    ("svy", "glm"): """
import polars as pl, svy
s = svy.Sample(pl.DataFrame(cols), svy.Design(stratum="stratum", psu="psu", wgt="weight"))
s = s.weighting.rake(controls=ctl, tol=1e-10, max_iter=100)
x = [svy.Cat("sex"), svy.Cat("agegrp"), "income", "unsafe", "bribe", "discrim"]
t, m = best(lambda: s.glm.fit("victim", x=x, family="binomial"), {repeat})
res = {{"seconds": t, "params": [float(c.est) for c in m.coefs], "se": [float(c.se) for c in m.coefs]}}
""",
    ("statsmodels", "glm"): """
import pandas as pd, statsmodels.api as smapi, statsmodels.formula.api as smf
df = pd.DataFrame(cols)
X = pd.get_dummies(df[["sex", "agegrp"]].astype("category"), drop_first=True).astype(float)
X = smapi.add_constant(pd.concat([X, df[["income", "unsafe", "bribe", "discrim"]].astype(float)], axis=1))
y = df["victim"].astype(float)
t, m = best(lambda: smapi.GLM(y, X, family=smapi.families.Binomial()).fit(), {repeat})
res = {{"seconds": t, "params": m.params.tolist(), "se": m.bse.tolist()}}
""",
    ("surveykit", "xtab"): """
import pandas as pd, surveykit as sk
d = sk.SurveyDesign(pd.DataFrame(cols), weights="weight", strata="stratum", psu="psu")
def run():
    return d.crosstab("dept", "agegrp"), d.chisq("dept", "agegrp")
t, (tab, test) = best(run, {repeat})
res = {{"seconds": t, "F": float(test["value"][0]), "ndf": float(test["ndf"][0]), "p": float(test["p_value"][0]),
        "cells": len(tab)}}
""",
    ("svy", "xtab"): """
import re, polars as pl, svy
s = svy.Sample(pl.DataFrame(cols), svy.Design(stratum="stratum", psu="psu", wgt="weight"))
t, tab = best(lambda: s.categorical.tabulate("dept", "agegrp"), {repeat})
m = re.search(r"Rao-Scott F\\(([0-9.]+), [0-9.]+\\) = ([0-9.]+), p = ([0-9.]+)", str(tab))
res = {{"seconds": t, "F": float(m.group(2)), "ndf": float(m.group(1)), "p": float(m.group(3))}}
""",
}


def run(tool: str, workload: str, folder: Path, repeat: int) -> dict:
    python = str(svy_env.ensure(quiet=True)) if tool == "svy" else sys.executable
    code = (
        LOAD.format(folder=str(folder))
        + textwrap.dedent(CODE[(tool, workload)]).format(repeat=repeat)
        + "\nprint('RESULT ' + json.dumps(res))\n"
    )
    out = subprocess.run([python, "-c", code], capture_output=True, text=True)
    lines = [line for line in out.stdout.splitlines() if line.startswith("RESULT ")]
    if out.returncode != 0 or not lines:
        return {"error": (out.stderr or out.stdout)[-2000:]}
    return json.loads(lines[-1][len("RESULT ") :])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--rows", type=int, default=1_000_000)
    args = ap.parse_args(argv)
    folder = generate.ensure(args.rows)
    results: dict = {}
    for workload, tools in (("glm", ["surveykit", "svy", "statsmodels"]), ("xtab", ["surveykit", "svy"])):
        for tool in tools:
            r = run(tool, workload, folder, args.repeat)
            results.setdefault(workload, {})[tool] = r
            print(
                f"{workload:5s} {tool:12s} " + (f"{r['seconds']:.3f} s" if "seconds" in r else r["error"][-300:]),
                flush=True,
            )
    g, x = results["glm"], results["xtab"]
    summary = {}
    if all("seconds" in g[t] for t in g):
        summary["glm_vs_svy"] = g["svy"]["seconds"] / g["surveykit"]["seconds"]
        summary["glm_vs_statsmodels"] = g["surveykit"]["seconds"] / g["statsmodels"]["seconds"]
    if all("seconds" in x[t] for t in x):
        summary["xtab_vs_svy"] = x["svy"]["seconds"] / x["surveykit"]["seconds"]
    results["summary"] = summary
    results["rows"] = args.rows
    print(json.dumps(summary, indent=1))
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
