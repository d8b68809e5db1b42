"""Bad input to the inference methods raises a SurveykitError that says what to do."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import surveykit as sk
from surveykit.errors import EstimationError, SurveykitError


@pytest.fixture(scope="module")
def d():
    rng = np.random.default_rng(1)
    n = 120
    df = pd.DataFrame(
        {
            "s": np.repeat([1, 2, 3], 40),
            "p": np.repeat(np.arange(12), 10),
            "w": rng.uniform(1, 3, n),
            "y": rng.normal(size=n),
            "b": rng.integers(0, 2, n).astype(float),
            "g": rng.choice(["a", "b", "c"], n),
            "k": rng.poisson(2, n),
            "o": rng.choice(["1 low", "2 mid", "3 high"], n),
        }
    )
    return sk.SurveyDesign(df, weights="w", strata="s", psu="p")


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda d: d.crosstab("g", "b", statistic="mean"), "statistic='mean'"),
        (lambda d: d.crosstab("g", "b", margin="diag"), "margin='diag'"),
        (lambda d: d.crosstab("g", "g"), "two different columns"),
        (lambda d: d.crosstab("g", "nope"), "not in the data"),
        (lambda d: d.crosstab("g", "b", statistic="total", margin="row"), "margin"),
        (lambda d: d.chisq("g", "b", statistic="G2"), "statistic='G2'"),
        (
            lambda d: d.chisq("g", "s", statistic="F").pipe(lambda _: d.subset(d.data["s"] == 1).chisq("g", "s")),
            "at least two observed categories",
        ),
        (lambda d: d.gof_chisq("g", [0.5, 0.5]), "2 probabilities for the 3 categories"),
        (lambda d: d.gof_chisq("g", {"a": 0.5, "b": 0.5}), "missing"),
        (lambda d: d.ttest("y", "g"), "exactly two groups"),
        (lambda d: d.ttest("g"), "holds text"),
        (lambda d: d.glm("y ~ x"), "not columns"),
        (lambda d: d.glm("y ~ g", family="gamma"), "family='gamma'"),
        (lambda d: d.glm("y ~ C(g) + C(g, Treatment('b'))"), "rank-deficient"),
        (lambda d: d.glm("k ~ C(g)", family="binomial"), "between 0 and 1"),
        (lambda d: d.glm("~ C(g)"), "no response"),
        (lambda d: d.glm("y ~ C(g)").wald_test("C(h)"), "not a term"),
        (lambda d: d.glm("y ~ C(g)").predict(pd.DataFrame({"g": ["zz"]})), "categories"),
        (lambda d: d.glm("y ~ C(g)").predict(pd.DataFrame({"h": [1]})), "lacks"),
        (lambda d: d.glm("y ~ C(g)").odds_ratios(), "gaussian"),
        (lambda d: d.olr("b ~ y"), "at least 3"),
        (lambda d: d.olr("o ~ y", levels=["1 low", "2 mid"]), "not in levels"),
        (lambda d: d.svyvar([]), "at least one"),
    ],
)
def test_bad_input_is_explained(d, call, match):
    with pytest.raises(SurveykitError, match=match):
        call(d)


def test_separation_is_reported(d):
    df = d.data.assign(sep=(d.data["y"] > 0).astype(float))
    dd = sk.SurveyDesign(df, weights="w", strata="s", psu="p")
    with pytest.raises(EstimationError, match="separation|singular|converge"):
        dd.glm("sep ~ y", family="binomial")
