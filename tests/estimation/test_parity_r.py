"""Parity with R's ``survey`` package: every case of tests/reference/fixtures/*.json.

A case names a design (surveykit arguments, built once per fixture file), an optional subpopulation,
one estimator call and R's rows. Estimates, standard errors, interval limits and design effects must
agree with R to 1e-6 relative (absolute where R's value is 0). The fixtures are written by
tests/reference/make_reference.R; the test never needs R.

``python tests/estimation/test_parity_r.py`` prints the maximum relative error per fixture file and
quantity (the table in docs/parity.md).
"""

from __future__ import annotations

import json
import math
import operator
import re
import warnings
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import surveykit as sk

REFERENCE = Path(__file__).resolve().parents[1] / "reference"
DATA = REFERENCE / "data"
FIXTURES = sorted((REFERENCE / "fixtures").glob("*.json"))
RTOL = 1e-6
QUANTITIES = ("estimate", "se", "ci_low", "ci_high", "deff")


# --------------------------------------------------------------------------------------------------
# loading
# --------------------------------------------------------------------------------------------------
@lru_cache(maxsize=None)
def fixture(path: Path) -> dict:
    return json.loads(path.read_text())


@lru_cache(maxsize=None)
def dataset(name: str) -> pd.DataFrame:
    return pd.read_csv(DATA / name)


def as_list(v: Any) -> list | None:
    if v is None:
        return None
    return list(v) if isinstance(v, list) else [v]


@lru_cache(maxsize=None)
def design_for(path: Path, name: str):
    """The surveykit design of a fixture's design entry (built once per fixture file)."""
    entry = fixture(path)["designs"][name]
    df = dataset(entry["data"])
    kind = entry["kind"]
    if kind in ("taylor", "to_replicate"):
        args = dict(entry["design"])
        d = sk.SurveyDesign(df, **args)
        if kind == "to_replicate":
            rep = entry["replicate"]
            d = d.to_replicate(
                rep["method"], replicates=rep.get("replicates"), rho=rep.get("rho"), mse=bool(rep.get("mse"))
            )
        return d
    rep = entry["replicate"]
    return sk.ReplicateDesign(
        df,
        weights=rep["weights"],
        replicate_weights=as_list(rep["replicate_weights"]),
        method=rep["method"],
        scale=rep.get("scale"),
        rscales=as_list(rep.get("rscales")),
        rho=rep.get("rho"),
        mse=bool(rep.get("mse")),
    )


_OPS = {"==": operator.eq, "!=": operator.ne, ">": operator.gt, ">=": operator.ge, "<": operator.lt, "<=": operator.le}


def subset_mask(df: pd.DataFrame, spec: dict) -> pd.Series:
    """R's ``subset(design, column op value)``; a missing value selects nothing (as R)."""
    col = df[spec["column"]]
    if spec["op"] == "in":
        return col.isin(as_list(spec["value"]))
    return _OPS[spec["op"]](col, spec["value"]).fillna(False).astype(bool)


def run_call(d, call: dict) -> pd.DataFrame:
    kw = dict(by=as_list(call.get("by")), ci=call["ci"], level=call["level"])
    variables = as_list(call["variables"])
    est = call["estimator"]
    if est == "ratio":
        return d.ratio(variables, as_list(call["denominator"]), **kw)
    if est == "quantile":
        return d.quantile(variables, as_list(call["quantiles"]), **kw)
    return getattr(d, est)(variables, **kw)


# --------------------------------------------------------------------------------------------------
# matching rows and measuring errors
# --------------------------------------------------------------------------------------------------
def norm(v: Any) -> str:
    """One text form for a domain value or level, whether it came from R (text) or pandas."""
    if isinstance(v, (bool, np.bool_)):
        return str(bool(v)).upper()
    if isinstance(v, (int, float, np.integer, np.floating)):
        f = float(v)
        return str(int(f)) if f.is_integer() else repr(f)
    return str(v)


def row_key(variable, domain: tuple, level, quantile) -> tuple:
    return (
        variable,
        tuple(norm(x) for x in domain),
        None if level is None else norm(level),
        None if quantile is None else round(float(quantile), 12),
    )


def rel_error(actual: float, expected: float | None) -> float:
    """Relative error (absolute when R gives 0); 0 when both are NaN, inf when only one is."""
    e = math.nan if expected is None else float(expected)
    a = float(actual)
    if math.isnan(e) or math.isnan(a):
        return 0.0 if (math.isnan(e) and math.isnan(a)) else math.inf
    if e == a:
        return 0.0
    return abs(a - e) / abs(e) if e != 0 else abs(a)


def compare_case(path: Path, case: dict) -> tuple[dict[str, float], list[str]]:
    """Run one case; return the maximum relative error per quantity and the problems found."""
    entry = fixture(path)["designs"][case["design"]]
    d = design_for(path, case["design"])
    problems: list[str] = []
    if abs(d.degf - entry["degf"]) > 1e-9:
        problems.append(f"degf: surveykit {d.degf}, R {entry['degf']}")
    if case.get("subset"):
        d = d.subset(subset_mask(d.data, case["subset"]))
    call = case["call"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sk.SurveykitWarning)
        result = run_call(d, call)
    by = as_list(call.get("by")) or []
    got = {}
    for rec in result.to_dict("records"):
        key = row_key(rec.get("variable"), tuple(rec[b] for b in by), rec.get("level"), rec.get("quantile"))
        got[key] = rec
    worst = {q: 0.0 for q in QUANTITIES}
    seen = set()
    for exp in case["expected"]:
        dom = exp.get("domain") or {}
        key = row_key(exp["variable"], tuple(dom[b] for b in by), exp.get("level"), exp.get("quantile"))
        seen.add(key)
        rec = got.get(key)
        if rec is None:
            problems.append(f"row {key} missing from surveykit's result (rows: {list(got)})")
            continue
        for q in QUANTITIES:
            if q not in exp:
                continue
            err = rel_error(rec[q], exp[q])
            worst[q] = max(worst[q], err)
            if err > RTOL:
                problems.append(f"row {key} {q}: surveykit {rec[q]!r}, R {exp[q]!r} (rel. error {err:.2e})")
    extra = set(got) - seen
    if extra:
        problems.append(f"surveykit gives rows R does not: {sorted(extra, key=str)}")
    return worst, problems


def all_cases():
    for path in FIXTURES:
        for case in fixture(path)["cases"]:
            yield pytest.param(path, case, id=case["id"])


# --------------------------------------------------------------------------------------------------
# tests
# --------------------------------------------------------------------------------------------------
def test_fixtures_present():
    names = {p.stem for p in FIXTURES}
    assert {"taylor_api", "taylor_synthetic", "lonely_psu", "proportion_ci", "replicate"} <= names
    assert sum(len(fixture(p)["cases"]) for p in FIXTURES) > 300


@pytest.mark.parametrize("path, case", list(all_cases()))
def test_parity_with_r(path: Path, case: dict):
    if "error" in case:
        err = getattr(sk, case["error"])
        with pytest.raises(err):
            d = design_for.__wrapped__(path, case["design"])  # uncached: construction may raise
            run_call(d, case["call"])
        return
    worst, problems = compare_case(path, case)
    if problems:
        summary = ", ".join(f"{q} {worst[q]:.1e}" for q in QUANTITIES)
        pytest.fail(
            f"{case['id']} ({case['r_code']}; design {fixture(path)['designs'][case['design']]['r_design']})\n"
            f"max relative error: {summary}\n  " + "\n  ".join(problems[:12]),
            pytrace=False,
        )


# --- the user's reference (/work/shared/reference/r-survey/expected.json, copied) ----------------
USER = REFERENCE / "user" / "expected.json"


def user_cases():
    for case in json.loads(USER.read_text())["cases"]:
        yield pytest.param(case, id=case["id"])


@lru_cache(maxsize=None)
def user_design(dataset_name: str):
    case = next(c for c in json.loads(USER.read_text())["cases"] if c["dataset"] == dataset_name)
    spec = case["design"]
    df = dataset(spec["csv"])  # byte-identical to the user's CSV (see tests/reference/README.md)
    weights = spec["weights"] if spec["weights"] in df.columns else None  # else derived from fpc
    return sk.SurveyDesign(df, weights=weights, strata=spec["strata"], psu=spec["ids"] or None, fpc=spec["fpc"])


def test_user_reference_has_30_cases():
    assert len(list(user_cases())) == 30


def user_checks(case: dict) -> list[tuple[str, float, float]]:
    """(quantity, surveykit, R) for one of the user's cases."""
    d = user_design(case["dataset"])
    kind = case["id"].split("/")[1]
    var = case["variable"]
    level = case.get("level")

    def call(ci: str) -> dict:
        if kind == "ratio":
            num, den = (s.strip() for s in var.split("/"))
            r = d.ratio(num, den, ci=ci)
        elif kind in ("prop", "ciprop_logit"):
            r = d.proportion(var, ci=ci)
            r = r[r["level"] == level]
        elif kind == "domain_mean":
            r = d.mean(var, by=case["domain"]["variable"], ci=ci)
            r = r[r[case["domain"]["variable"]] == case["domain"]["level"]]
        elif kind == "median":
            r = d.quantile(var, 0.5, ci=ci)
        else:
            r = getattr(d, kind)(var, ci=ci)
        assert len(r) == 1, r
        return r.iloc[0].to_dict()

    checks = [("degf", d.degf, case["df"])]
    if kind == "ciprop_logit":
        row = call("logit")
        checks += [(q, row[q], case[q]) for q in ("estimate", "se", "ci_low", "ci_high")]
    elif kind == "median":
        row = call("t")  # R's svyquantile uses t with degf(design) by default
        checks += [(q, row[q], case[q]) for q in ("estimate", "se", "ci_low", "ci_high")]
    else:
        row = call("normal")
        checks += [(q, row[q], case[q]) for q in ("estimate", "se", "ci_low", "ci_high", "deff") if q in case]
        if "ci_low_t" in case:
            row_t = call("t")
            checks += [
                ("ci_low_t", row_t["ci_low"], case["ci_low_t"]),
                ("ci_high_t", row_t["ci_high"], case["ci_high_t"]),
            ]
    return checks


@pytest.mark.parametrize("case", list(user_cases()))
def test_user_reference(case: dict):
    bad = [
        f"{q}: surveykit {a!r}, R {e!r} (rel. error {rel_error(a, e):.2e})"
        for q, a, e in user_checks(case)
        if rel_error(a, e) > RTOL
    ]
    assert not bad, f"{case['id']} ({case['r_code']}): " + "; ".join(bad)


# --------------------------------------------------------------------------------------------------
# the measured table of docs/parity.md
# --------------------------------------------------------------------------------------------------
def report() -> str:
    """Maximum relative error per fixture and quantity over the passing cases; failing cases listed."""
    lines = ["| fixture | cases | rows | estimate | SE | CI limits | deff |", "|---|---|---|---|---|---|---|"]
    failures = []
    for path in FIXTURES:
        worst = {q: 0.0 for q in QUANTITIES}
        n_rows = 0
        cases = fixture(path)["cases"]
        for case in cases:
            if "error" in case:
                continue
            n_rows += len(case["expected"])
            try:
                w, problems = compare_case(path, case)
            except Exception as e:  # noqa: BLE001 - a report lists failures, it does not stop on them
                failures.append(f"{case['id']}: {type(e).__name__}: {e}")
                continue
            if problems:
                failures.append(f"{case['id']}: " + ", ".join(f"{q} {w[q]:.1e}" for q in QUANTITIES if w[q] > RTOL))
                continue
            for q in QUANTITIES:
                worst[q] = max(worst[q], w[q])
        ci = max(worst["ci_low"], worst["ci_high"])
        lines.append(
            f"| {path.stem} | {len(cases)} | {n_rows} | {worst['estimate']:.1e} | {worst['se']:.1e} | "
            f"{ci:.1e} | {worst['deff']:.1e} |"
        )
    worst = {q: 0.0 for q in QUANTITIES}
    ucases = [p.values[0] for p in user_cases()]
    for case in ucases:
        for q, a, e in user_checks(case):
            key = "ci_low" if q.startswith("ci_") else q
            if key in worst:
                worst[key] = max(worst[key], rel_error(a, e))
    lines.append(
        f"| user/expected.json | {len(ucases)} | {len(ucases)} | {worst['estimate']:.1e} | "
        f"{worst['se']:.1e} | "
        f"{worst['ci_low']:.1e} | {worst['deff']:.1e} |"
    )
    if failures:
        lines += ["", "Failing cases (not in the maxima above):", ""] + [f"* {f}" for f in failures]
    return "\n".join(lines)


def case_table() -> str:
    """One line per design: the R design call, the estimators exercised, cases and worst errors."""
    lines = ["| design (R) | estimators (ci) | cases | max rel. error est / SE / CI / deff |", "|---|---|---|---|"]
    for path in FIXTURES:
        fx = fixture(path)
        groups: dict[str, list[dict]] = {}
        for case in fx["cases"]:
            groups.setdefault(case["design"], []).append(case)
        for name, cases in groups.items():
            entry = fx["designs"][name]
            r = entry["r_design"].replace("data = data", "data").replace("|", "\\|")
            r = re.sub(r'data\[c\("(\w+?)_1".*?"\w+?_(\d+)"\)\]', r"data[\1_1..\1_\2]", r)
            if entry["r_lonely_psu"] != "fail":
                r += f" [lonely.psu={entry['r_lonely_psu']}]"
            ests = sorted(
                {
                    c["call"]["estimator"]
                    + ("" if c["call"]["ci"] == "t" else f" ({c['call']['ci']})")
                    + (" by" if c["call"].get("by") else "")
                    + (" subset" if c.get("subset") else "")
                    for c in cases
                }
            )
            worst = {q: 0.0 for q in QUANTITIES}
            for c in cases:
                if "error" in c:
                    ests = sorted(set(ests) | {"LonelyPSUError"})
                    continue
                try:
                    w, _ = compare_case(path, c)
                except Exception:  # noqa: BLE001
                    w = {q: math.inf for q in QUANTITIES}
                for q in QUANTITIES:
                    worst[q] = max(worst[q], w[q])
            ci = max(worst["ci_low"], worst["ci_high"])
            lines.append(
                f"| `{r}` ({entry['data']}) | {', '.join(ests)} | {len(cases)} | "
                f"{worst['estimate']:.0e} / {worst['se']:.0e} / {ci:.0e} / {worst['deff']:.0e} |"
            )
    return "\n".join(lines)


if __name__ == "__main__":
    import sys

    print(case_table() if "--cases" in sys.argv else report())
