"""Quantile options against R survey 4.1-1 (tests/reference/options/fixtures/quantile_options.json).

Every R quantile rule (``qrule=``), Woodruff intervals with each proportion interval, the score
(Francisco-Fuller) interval on Taylor designs and the replicate-quantile interval on JK1, bootstrap
and Fay designs: estimates, SEs and interval limits match R to 1e-6 relative.

``python tests/estimation/test_quantile_options.py`` prints the maximum relative error per rule and
interval type (the table in docs/parity.md).
"""

from __future__ import annotations

import json
import warnings
from collections import defaultdict
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import surveykit as sk
from surveykit.errors import EstimationError

REF = Path(__file__).resolve().parents[1] / "reference"
FIXTURE = json.loads((REF / "options" / "fixtures" / "quantile_options.json").read_text())
RTOL = 1e-6
QUANTITIES = ("estimate", "se", "ci_low", "ci_high")
RULES = ("math", "school", "shahvaish", "hf1", "hf2", "hf3", "hf4", "hf5", "hf6", "hf7", "hf8", "hf9")


def _margins(ms: list[dict]) -> dict:
    return {m["name"]: m["total"] if "total" in m else dict(zip(m["levels"], m["counts"])) for m in ms}


@lru_cache(maxsize=None)
def design(name: str):
    spec = FIXTURE["designs"][name]
    df = pd.read_csv(REF / spec["data"])
    if spec.get("replicate_data"):
        df = pd.concat([df, pd.read_csv(REF / spec["replicate_data"])], axis=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if spec["kind"] == "replicate":
            d = sk.ReplicateDesign(df, **spec["replicate"])
        else:
            d = sk.SurveyDesign(df, **spec["design"])
            if spec["kind"] == "to_replicate":
                d = d.to_replicate(**spec["replicate"])
        for step in spec.get("steps") or []:
            assert step["kind"] == "rake"
            d = d.rake(_margins(step["margins"]))
    return d


def _subset(d, sub: dict | None):
    if not sub:
        return d
    assert sub["op"] == ">"
    return d.subset(d.data[sub["column"]] > sub["value"])


def _fmt(v) -> str:
    if isinstance(v, (float, np.floating)) and float(v).is_integer():
        return str(int(v))
    return str(v)


def run_case(case: dict) -> pd.DataFrame:
    call = case["call"]
    d = _subset(design(case["design"]), case.get("subset"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sk.SurveykitWarning)     # R's jackknife caveat, repeated
        return d.quantile(call["variables"], call["quantiles"], call.get("by"), ci=call["ci"], level=call["level"],
                          qrule=call["qrule"], interval_type=call["interval_type"])


def case_errors(case: dict) -> dict[str, float]:
    """Max relative error per quantity of one case (R's NaN must be NaN here too)."""
    got = run_case(case)
    by = case["call"].get("by") or []
    index = {}
    for i, r in got.iterrows():
        index[(r["variable"], *[_fmt(r[b]) for b in by], round(float(r["quantile"]), 12))] = i
    assert len(index) == len(case["expected"]), (case["id"], len(index), len(case["expected"]))
    errs = dict.fromkeys(QUANTITIES, 0.0)
    for exp in case["expected"]:
        dom = exp.get("domain") or {}
        key = (exp["variable"], *[str(dom[b]) for b in by], round(float(exp["quantile"]), 12))
        row = got.loc[index[key]]
        for q in QUANTITIES:
            want = exp[q]
            have = float(row[q])
            if want is None or (isinstance(want, float) and np.isnan(want)):
                assert np.isnan(have), (case["id"], key, q, have)
                continue
            err = abs(have - want) / (abs(want) if want != 0 else 1.0)
            errs[q] = max(errs[q], err if np.isfinite(err) else np.inf)
    return errs


@pytest.mark.parametrize("case", FIXTURE["cases"], ids=[c["id"] for c in FIXTURE["cases"]])
def test_matches_r(case):
    errs = case_errors(case)
    assert max(errs.values()) <= RTOL, (case["id"], case["r_code"], errs)


def test_fixture_covers_every_rule_and_interval():
    seen = {(c["call"]["qrule"], c["call"]["interval_type"]) for c in FIXTURE["cases"]}
    for r in RULES:
        for it in ("woodruff", "score", "quantile"):
            assert (r, it) in seen, (r, it)
    assert {c["call"]["ci"] for c in FIXTURE["cases"] if c["call"]["interval_type"] == "woodruff"} == \
        {"t", "normal", "logit", "korn-graubard"}


# --- options: errors name the option and its choices ---------------------------------------------
def _small():
    df = pd.DataFrame({"y": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0], "s": [1, 1, 1, 1, 2, 2, 2, 2],
                       "w": [1.0, 2.0, 1.0, 2.0, 1.0, 2.0, 1.0, 2.0]})
    return sk.SurveyDesign(df, weights="w", strata="s")


def test_bad_qrule_names_choices():
    with pytest.raises(EstimationError, match=r"qrule='hf10'.*math, school, shahvaish, hf1"):
        _small().quantile("y", qrule="hf10")


def test_bad_interval_type_names_choices():
    with pytest.raises(EstimationError, match=r"interval_type='wald'.*woodruff, score, quantile"):
        _small().quantile("y", interval_type="wald")


def test_quantile_interval_needs_replicates():
    with pytest.raises(EstimationError, match="needs a replicate design"):
        _small().quantile("y", interval_type="quantile")


def test_score_interval_needs_taylor():
    r = design("paired_fay")
    with pytest.raises(EstimationError, match="needs a Taylor design"):
        r.quantile("x", interval_type="score")


def test_proportion_ci_only_with_woodruff():
    with pytest.raises(EstimationError, match="with interval_type='score' use ci='t' or 'normal'"):
        _small().quantile("y", interval_type="score", ci="logit")


def test_hf1_hf2_are_math_school():
    d = design("api_strat")
    for a, b in (("hf1", "math"), ("hf2", "school")):
        x = d.quantile("api00", [0.1, 0.5, 0.9], "stype", qrule=a)
        y = d.quantile("api00", [0.1, 0.5, 0.9], "stype", qrule=b)
        pd.testing.assert_frame_equal(x, y, check_like=True)


def test_jackknife_quantile_interval_warns():
    with pytest.warns(sk.SurveykitWarning, match="jackknife"):
        design("apiclus1_jk1").quantile("api00", interval_type="quantile")


def error_table() -> dict:
    """Max relative error per (interval type, rule) over every quantity."""
    table: dict = defaultdict(lambda: dict.fromkeys(QUANTITIES, 0.0))
    for case in FIXTURE["cases"]:
        call = case["call"]
        key = (call["interval_type"] + ("" if call["interval_type"] != "woodruff" else f"/{call['ci']}"),
               call["qrule"])
        for q, e in case_errors(case).items():
            table[key][q] = max(table[key][q], e)
    return table


if __name__ == "__main__":  # pragma: no cover
    for (it, rule), errs in sorted(error_table().items()):
        print(f"| {it} | {rule} | " + " / ".join(f"{errs[q]:.0e}" for q in QUANTITIES) + " |")
