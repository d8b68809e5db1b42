"""compute(..., compare=): each category against the national value or the first category.

The p-values are those of the design's ``difference`` (and, for averages of item proportions, of a
linear contrast of the item means), checked against R survey (tests/reference/report) on a Taylor
and a raked design, for indicators on a subpopulation (their universe).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import surveykit as sk
from surveykit.indicators.model import Indicator

REF = Path(__file__).parents[1] / "reference"
FIXTURE = json.loads((REF / "report" / "fixtures" / "compare.json").read_text(encoding="utf-8"))
RTOL = 1e-6


def _ind(code: str, **fields) -> Indicator:
    return Indicator(
        code=code,
        family="sdg16",
        name={"en": code, "es": code},
        questionnaire="q",
        universe="${agegrp} >= 2",
        scale=1,
        source="test [U]",
        **fields,
    )


INDICATORS = {
    "prop": _ind("prop", estimator="proportion", numerator="${a} = 1"),
    "mean": _ind("mean", estimator="mean", numerator="${y}"),
    "ratio": _ind("ratio", estimator="ratio", numerator="${y}", denominator="${x}"),
    "avg": _ind(
        "avg",
        estimator="mean_of_proportions",
        components=[
            {"name": "a", "numerator": "${a} = 1"},
            {"name": "b", "numerator": "${y} > 40", "denominator": "${x} >= 1.5"},
        ],
    ),
}


@pytest.fixture(scope="module")
def designs():
    df = pd.read_csv(REF / "weighting" / "data" / "synth.csv")
    df["a"] = (df["z"] == "yes").astype(int)
    d = sk.SurveyDesign(df, weights="w", strata="stratum", psu="psu", fpc="fpc")
    raked = d.rake(
        {
            "sex": {1: 13440, 2: 14560},
            "agegrp": {1: 6720, 2: 8400, 3: 7000, 4: 5880},
            "region": {"east": 8400, "north": 11760, "south": 7840},
        }
    )
    return {"taylor": d, "rake": raked}


@pytest.mark.parametrize("case", FIXTURE["cases"], ids=[c["id"] for c in FIXTURE["cases"]])
def test_compare_matches_r(designs, case):
    t = sk.indicators.compute(
        designs[case["design"]],
        [case["indicator"]],
        by="region",
        indicators=INDICATORS,
        labels=False,
        compare=case["compare"],
    )
    got = t.set_index("region")
    for e in case["expected"]:
        row = got.loc[e["group"]]
        assert row["compared_with"] == e["reference"]
        assert row["difference"] == pytest.approx(e["estimate"], rel=RTOL, abs=RTOL * e["se"])
        assert row["difference_se"] == pytest.approx(e["se"], rel=RTOL)
        assert row["difference_df"] == e["df"]
        assert row["p_value"] == pytest.approx(e["p_value"], rel=RTOL)
    if case["compare"] == "reference":  # the reference category itself has no test
        first = got.loc[sorted(got.index)[0]]
        assert np.isnan(first["p_value"]) and np.isnan(first["difference"])
    assert len(case["expected"]) == int(np.isfinite(t["p_value"]).sum())


@pytest.mark.parametrize("compare, reference", [("total", "total"), ("reference", None)])
def test_p_values_are_the_designs_difference(designs, compare, reference):
    """Proportion, mean and ratio indicators: exactly d.difference on the universe, scaled."""
    d = designs["rake"]
    data = d.data
    sub = d.subset((data["agegrp"] >= 2).to_numpy())
    inds = {k: v.model_copy(update={"scale": 100.0}) for k, v in INDICATORS.items() if k != "avg"}
    t = sk.indicators.compute(d, list(inds), by="sex", indicators=inds, labels=False, compare=compare)
    direct = {
        "prop": sub.difference((data["a"] == 1).astype(float).rename("v"), "sex", reference=reference),
        "mean": sub.difference(data["y"].rename("v"), "sex", reference=reference),
        "ratio": sub.difference(
            data["y"].rename("v"), "sex", statistic="ratio", denominator=data["x"].rename("u"), reference=reference
        ),
    }
    for code, ref in direct.items():
        rows = t[t["code"] == code].set_index("sex")
        for _, r in ref.iterrows():
            row = rows.loc[r["group"]]
            assert row["p_value"] == pytest.approx(r["p_value"], rel=1e-12)
            assert row["difference"] == pytest.approx(100 * r["estimate"], rel=1e-12)
            assert row["difference_se"] == pytest.approx(100 * r["se"], rel=1e-12)


def test_cells_of_two_breakdowns_and_labels(designs):
    d = designs["taylor"]
    t = sk.indicators.compute(
        d, ["prop"], by=["sex", "region"], indicators=INDICATORS, labels=False, compare="reference"
    )
    sub = d.subset((d.data["agegrp"] >= 2).to_numpy())
    ref = sub.difference((d.data["a"] == 1).astype(float).rename("v"), ["sex", "region"])
    for _, r in ref.iterrows():
        row = t[(t["sex"] == r["sex"]) & (t["region"] == r["group"])].iloc[0]
        assert row["p_value"] == pytest.approx(r["p_value"], rel=1e-12)
        assert row["compared_with"] == "east"
    # labelled breakdowns name their reference category in words
    data = d.data.copy()
    data.attrs["surveykit"] = {"value_labels": {"sex": {1: "Man", 2: "Woman"}}}
    d2 = sk.SurveyDesign(data, weights="w", strata="stratum", psu="psu", fpc="fpc")
    b = sk.indicators.compute_breakdowns(d2, ["prop"], [None, "sex"], indicators=INDICATORS, compare="reference")
    assert b["category"].tolist() == ["", "Man", "Woman"]
    assert b["compared_with"].tolist() == ["", "Man", "Man"]
    assert np.isnan(b["p_value"][:2]).all() and 0 < b["p_value"][2] < 1
    assert b.attrs["compare"] == "reference"


def test_bad_compare(designs):
    with pytest.raises(sk.IndicatorError, match="compare"):
        sk.indicators.compute(designs["taylor"], ["prop"], by="sex", indicators=INDICATORS, compare="national")


def test_replicate_design(designs):
    """A replicate design's comparisons are its difference() too (replicate covariance)."""
    r = designs["taylor"].to_replicate("jkn")
    t = sk.indicators.compute(r, ["mean", "avg"], by="region", indicators=INDICATORS, labels=False, compare="total")
    sub = r.subset((r.data["agegrp"] >= 2).to_numpy())
    ref = sub.difference(r.data["y"].rename("v"), "region", reference="total").set_index("group")
    got = t[t["code"] == "mean"].set_index("region")
    np.testing.assert_allclose(got.loc[ref.index, "p_value"], ref["p_value"], rtol=1e-12)
    avg = t[t["code"] == "avg"]
    assert np.isfinite(avg["p_value"]).all() and (avg["difference_df"] == r.degf).all()
