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
from refdesigns import build_design
from surveykit.errors import EstimationError

REF = Path(__file__).resolve().parents[1] / "reference"
FIXTURE = json.loads((REF / "options" / "fixtures" / "quantile_options.json").read_text())
RTOL = 1e-6
QUANTITIES = ("estimate", "se", "ci_low", "ci_high")
RULES = ("math", "school", "shahvaish", "hf1", "hf2", "hf3", "hf4", "hf5", "hf6", "hf7", "hf8", "hf9")


@lru_cache(maxsize=None)
def design(name: str):
    return build_design(FIXTURE["designs"][name])


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
        warnings.simplefilter("ignore", sk.SurveykitWarning)  # R's jackknife caveat, repeated
        return d.quantile(
            call["variables"],
            call["quantiles"],
            call.get("by"),
            ci=call["ci"],
            level=call["level"],
            qrule=call["qrule"],
            interval_type=call["interval_type"],
        )


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
    assert {c["call"]["ci"] for c in FIXTURE["cases"] if c["call"]["interval_type"] == "woodruff"} == {
        "t",
        "normal",
        "logit",
        "korn-graubard",
    }


# --- options: errors name the option and its choices ---------------------------------------------
def _small():
    df = pd.DataFrame(
        {
            "y": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0],
            "s": [1, 1, 1, 1, 2, 2, 2, 2],
            "w": [1.0, 2.0, 1.0, 2.0, 1.0, 2.0, 1.0, 2.0],
        }
    )
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
        key = (call["interval_type"] + ("" if call["interval_type"] != "woodruff" else f"/{call['ci']}"), call["qrule"])
        for q, e in case_errors(case).items():
            table[key][q] = max(table[key][q], e)
    return table


if __name__ == "__main__":  # pragma: no cover
    for (it, rule), errs in sorted(error_table().items()):
        print(f"| {it} | {rule} | " + " / ".join(f"{errs[q]:.0e}" for q in QUANTITIES) + " |")


# --- properties: with equal weights R's rules are Hyndman and Fan's sample quantiles ---------------
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from surveykit.estimation.qrules import domain_quantiles, qrule_value  # noqa: E402
from surveykit.estimation.quantile_intervals import zeroin  # noqa: E402

NUMPY_METHOD = {
    "hf4": "interpolated_inverted_cdf",
    "hf5": "hazen",
    "hf6": "weibull",
    "hf7": "linear",
    "hf8": "median_unbiased",
    "hf9": "normal_unbiased",
    "math": "inverted_cdf",
    "school": "averaged_inverted_cdf",
}


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.integers(-1000, 1000), min_size=2, max_size=40, unique=True),
    st.floats(0.0, 1.0),
    st.sampled_from([0.5, 1.0, 4.0]),
)
def test_equal_weights_give_sample_quantile_types(xs, p, w):
    x = np.sort(np.array(xs, dtype=np.float64))
    n = len(x)
    p = max(p, 1.0 / n)  # R's "math"/"hf4" step to the second value below 1/n (R's qs default)
    for rule, method in NUMPY_METHOD.items():
        got = qrule_value(rule, x, np.full(n, w), p)
        if rule == "hf4" and p == 1.0:
            assert np.isnan(got)  # R: gamma = 0/0 at the top
            continue
        want = float(np.quantile(x, p, method=method))
        assert got == pytest.approx(want, rel=1e-9, abs=1e-9), (rule, p)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 30), st.integers(1, 9), st.integers(0, 2)), min_size=3, max_size=40),
    st.floats(0.0, 1.0),
    st.sampled_from(RULES),
)
def test_domains_equal_each_domain_alone_and_scale_free(rows, p, rule):
    x = np.array([r[0] for r in rows], dtype=np.float64)
    w = np.array([r[1] for r in rows], dtype=np.float64)
    g = np.array([r[2] for r in rows])
    all_rows = np.ones(len(x), dtype=bool)
    got = domain_quantiles(rule, x, w, all_rows, g, 3, np.full((3, 1), p))[:, 0]
    for d in range(3):
        m = g == d
        o = np.argsort(x[m], kind="stable")
        alone = qrule_value(rule, x[m][o], w[m][o], p) if m.any() else np.nan
        assert (np.isnan(got[d]) and np.isnan(alone)) or got[d] == pytest.approx(alone, rel=1e-12)
    # weights times a power of two: the same cumulative shares, the same quantiles (not Shah-Vaish:
    # R subtracts the unscaled weight from the scaled cumulative weight)
    if rule == "shahvaish":
        return
    twice = domain_quantiles(rule, x, 4 * w, all_rows, g, 3, np.full((3, 1), p))[:, 0]
    np.testing.assert_allclose(twice, got, rtol=1e-12)


def test_zero_weights_are_left_out():
    x = np.array([1.0, 2.0, 3.0, 4.0])
    w = np.array([1.0, 0.0, 1.0, 1.0])
    rows = np.ones(4, dtype=bool)
    g = np.zeros(4, dtype=np.int64)
    for rule in RULES:
        with_zero = domain_quantiles(rule, x, w, rows, g, 1, np.array([[0.5]]))
        without = domain_quantiles(rule, x[w > 0], w[w > 0], rows[:3], g[:3], 1, np.array([[0.5]]))
        assert with_zero[0, 0] == without[0, 0], rule


def test_zeroin_smooth_and_step_functions():
    # smooth: converges to the tolerance; several problems at once, one without a sign change
    r = zeroin(
        lambda b: np.cos(b) - b,
        np.array([0.0, 0.0]),
        np.array([1.0, 0.5]),
        np.array([1.0, 1.0]),
        np.array([np.cos(1.0) - 1.0, np.cos(0.5) - 0.5]),
        np.array([1e-12, 1e-12]),
    )
    assert r[0] == pytest.approx(0.7390851332151607, abs=1e-11)
    assert np.isnan(r[1])

    # a step function: the root is within the tolerance of the jump
    def step(b):
        return np.where(b < 2.5, 1.0, -1.0)

    r = zeroin(step, np.array([0.0]), np.array([10.0]), np.array([1.0]), np.array([-1.0]), np.array([1e-3]))
    assert abs(r[0] - 2.5) <= 1e-3


def test_score_interval_contains_the_estimate_and_replicate_se_is_the_replicate_sd():
    d = design("api_clus1")
    t = d.quantile("api00", [0.25, 0.5, 0.75], interval_type="score")
    assert (t["ci_low"] <= t["estimate"]).all() and (t["estimate"] <= t["ci_high"]).all()
    r = design("apiclus1_bootstrap")
    q = r.quantile("api00", 0.5, interval_type="quantile")
    W = r.replicate_weights.to_numpy()
    x = r.data["api00"].to_numpy(dtype=float)
    reps = []
    for j in range(W.shape[1]):
        keep = W[:, j] > 0
        o = np.argsort(x[keep], kind="stable")
        reps.append(qrule_value("math", x[keep][o], W[keep, j][o], 0.5))
    reps = np.array(reps)
    se = np.sqrt(r.scale * np.sum(np.asarray(r.rscales) * (reps - reps.mean()) ** 2))
    assert float(q["se"][0]) == pytest.approx(se, rel=1e-12)
