"""Bad designs and estimator calls raise the right SurveykitError, naming the column and rows.

The data have a non-default index (row labels 101...) so that a message naming rows is seen to use
the labels the user knows, not positions.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

import surveykit as sk


@pytest.fixture
def df() -> pd.DataFrame:
    """Two strata, two PSUs each, three elements per PSU."""
    return pd.DataFrame(
        {
            "stratum": [1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2],
            "psu": [1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4],
            "w": [10.0, 10, 10, 12, 12, 12, 20, 20, 20, 25, 25, 25],
            "N": [40.0] * 6 + [30.0] * 6,
            "api00": [600.0, 650, 700, 640, 590, 720, 510, 560, np.nan, 700, 610, 580],
            "name": ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l"],
            "dom": ["x", "x", "y", "x", "y", "y", "x", "x", "y", "x", "y", "x"],
        },
        index=pd.RangeIndex(101, 113),
    )


def raised(exc_type, func, *args, **kwargs):
    with pytest.raises(exc_type) as info:
        func(*args, **kwargs)
    return info.value


def assert_names(err: sk.SurveykitError, column: str | None = None, rows=()):
    msg = str(err)
    if column is not None:
        assert f"'{column}'" in msg, msg
        assert err.column == column
    for r in rows:
        assert re.search(rf"\b{r}\b", msg), f"row {r} not in: {msg}"
    if rows:
        assert set(rows) <= set(err.rows or []), err.rows


# --- weights --------------------------------------------------------------------------------------
@pytest.mark.parametrize("bad, what", [(np.nan, "missing"), (-3.0, "negative"), (0.0, "zero"), (np.inf, "infinite")])
def test_bad_weights(df, bad, what):
    df.loc[[104, 110], "w"] = bad
    err = raised(sk.WeightError, sk.SurveyDesign, df, weights="w", strata="stratum", psu="psu")
    assert_names(err, "w", [104, 110])
    assert what in str(err)


def test_text_weights(df):
    df["w"] = df["w"].astype(object)
    df.loc[107, "w"] = "ten"
    err = raised(sk.WeightError, sk.SurveyDesign, df, weights="w", strata="stratum", psu="psu")
    assert_names(err, "w", [107])
    assert "'ten'" in str(err)


def test_replicate_weights_negative_or_missing(df):
    df["r1"] = df["w"] * 2
    df["r2"] = df["w"] * 0.5
    df.loc[103, "r2"] = -1.0
    df.loc[105, "r2"] = np.nan
    err = raised(sk.WeightError, sk.ReplicateDesign, df, weights="w", replicate_weights=["r1", "r2"], method="other")
    assert_names(err, "r2", [103, 105])


# --- sampling structure ---------------------------------------------------------------------------
@pytest.mark.parametrize("col", ["stratum", "psu"])
def test_missing_stratum_or_psu_ids(df, col):
    df[col] = df[col].astype(float)
    df.loc[[102, 111], col] = np.nan
    err = raised(sk.DesignError, sk.SurveyDesign, df, weights="w", strata="stratum", psu="psu")
    assert_names(err, col, [102, 111])


def test_lonely_psu_error_names_stratum_and_rows(df):
    df.loc[[110, 111, 112], "psu"] = 3  # stratum 2 now has a single PSU
    err = raised(sk.LonelyPSUError, sk.SurveyDesign, df, weights="w", strata="stratum", psu="psu")
    assert_names(err, "stratum", [107, 112])
    assert "lonely_psu=" in str(err)  # says what to do
    # every other option builds the design
    for option in ("adjust", "average", "remove", "certainty"):
        se = sk.SurveyDesign(df, weights="w", strata="stratum", psu="psu", lonely_psu=option).mean("api00")["se"]
        assert np.isfinite(se[0]) and se[0] > 0


def test_lonely_psu_at_stage_two(df):
    df["ssu"] = [1, 2, 2, 1, 1, 2, 1, 1, 1, 1, 2, 2]  # PSU 3 has a single SSU
    df["N2"] = 5.0
    err = raised(
        sk.LonelyPSUError, sk.SurveyDesign, df, weights="w", strata="stratum", psu=["psu", "ssu"], fpc=["N", "N2"]
    )
    assert_names(err, rows=[107, 108, 109])
    assert "stage 2" in str(err)


def test_unknown_lonely_psu_option(df):
    err = raised(sk.DesignError, sk.SurveyDesign, df, weights="w", strata="stratum", psu="psu", lonely_psu="collapse")
    assert "'collapse'" in str(err) and "adjust" in str(err)


def test_psus_not_nested_in_strata(df):
    df["psu"] = [1, 1, 1, 2, 2, 2, 1, 1, 1, 2, 2, 2]  # ids restart in every stratum
    err = raised(sk.DesignError, sk.SurveyDesign, df, weights="w", strata="stratum", psu="psu")
    assert_names(err, "psu")
    assert "nest=True" in str(err) and "'stratum'" in str(err)
    d = sk.SurveyDesign(df, weights="w", strata="stratum", psu="psu", nest=True)
    assert d.degf == 2


def test_fpc_varying_within_stratum(df):
    df.loc[103, "N"] = 41.0
    err = raised(sk.DesignError, sk.SurveyDesign, df, weights="w", strata="stratum", psu="psu", fpc="N")
    assert_names(err, "N", [101, 106])
    assert "varies within a stratum" in str(err)


def test_fpc_for_fewer_stages_than_psu(df):
    df["ssu"] = np.arange(12)
    err = raised(sk.DesignError, sk.SurveyDesign, df, weights="w", strata="stratum", psu=["psu", "ssu"], fpc="N")
    assert "1 fpc column(s) for 2 sampling stage(s)" in str(err)
    assert err.column == "N"


def test_fpc_mixing_counts_and_fractions(df):
    df["f"] = [40.0] * 6 + [0.5] * 6
    err = raised(sk.DesignError, sk.SurveyDesign, df, weights="w", strata="stratum", psu="psu", fpc="f")
    assert_names(err, "f", [107, 112])
    assert "counts" in str(err) and "fractions" in str(err)


def test_fpc_below_sample_size_and_non_positive(df):
    df["N"] = [1.0] * 6 + [30.0] * 6  # one PSU in the population, two sampled
    err = raised(sk.DesignError, sk.SurveyDesign, df, weights="w", strata="stratum", psu="psu", fpc="N")
    assert_names(err, "N", [101, 106])
    df["N"] = [40.0] * 6 + [0.0] * 6
    err = raised(sk.DesignError, sk.SurveyDesign, df, weights="w", strata="stratum", psu="psu", fpc="N")
    assert_names(err, "N", [107, 112])


def test_text_fpc(df):
    df["N"] = "forty"
    err = raised(sk.DesignError, sk.SurveyDesign, df, weights="w", strata="stratum", psu="psu", fpc="N")
    assert_names(err, "N")


def test_unknown_design_column_suggests_close_names(df):
    err = raised(sk.ColumnNotFoundError, sk.SurveyDesign, df, weights="weight", strata="stratum", psu="psu")
    assert err.column == "weight"
    err = raised(sk.ColumnNotFoundError, sk.SurveyDesign, df, weights="w", strata="strata", psu="psu")
    assert "Did you mean 'stratum'" in str(err)
    assert isinstance(err, sk.DesignError) and isinstance(err, KeyError)


def test_not_a_dataframe_and_empty():
    raised(sk.DesignError, sk.SurveyDesign, {"w": [1.0]}, weights="w")
    raised(sk.DesignError, sk.SurveyDesign, pd.DataFrame({"w": []}), weights="w")


# --- estimator calls ------------------------------------------------------------------------------
@pytest.fixture
def design(df):
    return sk.SurveyDesign(df, weights="w", strata="stratum", psu="psu")


def test_unknown_variable_suggests_close_names(design):
    err = raised(sk.ColumnNotFoundError, design.mean, "api0")
    assert "'api0'" in str(err) and "Did you mean 'api00'" in str(err)
    err = raised(sk.ColumnNotFoundError, design.mean, "api00", by="domm")
    assert "Did you mean 'dom'" in str(err)


@pytest.mark.parametrize("method", ["mean", "total", "quantile"])
def test_text_variable(design, method):
    err = raised(sk.VariableTypeError, getattr(design, method), "name")
    assert_names(err, "name", [101, 110])
    assert "(and 2 more)" in str(err) and 112 in err.rows
    assert "proportion('name')" in str(err)  # says what to do


def test_text_among_numbers_names_only_those_rows(df):
    df["income"] = ["1200", "950", "n/a", "700", "1100", "800", "600", "no sabe", "900", "1000", "750", "640"]
    d = sk.SurveyDesign(df, weights="w", strata="stratum", psu="psu")
    err = raised(sk.VariableTypeError, d.mean, "income")
    assert_names(err, "income", [103, 108])
    assert err.rows == [103, 108]
    assert "'n/a'" in str(err)


def test_text_in_ratio(design):
    err = raised(sk.VariableTypeError, design.ratio, "api00", "name")
    assert_names(err, "name")


def test_categorical_variable_in_mean(df):
    df["cat"] = pd.Categorical(df["dom"])
    d = sk.SurveyDesign(df, weights="w", strata="stratum", psu="psu")
    err = raised(sk.VariableTypeError, d.mean, "cat")
    assert_names(err, "cat")


def test_domain_without_observations(df):
    df.loc[df["dom"] == "y", "api00"] = np.nan
    d = sk.SurveyDesign(df, weights="w", strata="stratum", psu="psu")
    err = raised(sk.EmptyDomainError, d.mean, "api00", by="dom")
    assert "'api00'" in str(err) and "dom='y'" in str(err) and "empty='nan'" in str(err)
    r = d.mean("api00", by="dom", empty="nan")
    assert r["dom"].tolist() == ["x", "y"]
    assert np.isfinite(r["estimate"][0]) and r["n"][0] == 7
    assert np.isnan(r.loc[1, ["estimate", "se", "ci_low", "ci_high"]].astype(float)).all()
    assert r["n"][1] == 0


def test_empty_subpopulation(design, df):
    err = raised(sk.EmptyDomainError, design.subset, df["api00"] > 10_000)
    assert "selects no rows" in str(err)
    sub = design.subset(df["dom"] == "x")
    raised(sk.EmptyDomainError, sub.subset, df["dom"] == "y")


def test_mask_of_wrong_length(design):
    err = raised(sk.EstimationError, design.subset, np.ones(5, dtype=bool))
    assert "5 values" in str(err) and "12 rows" in str(err)


@pytest.mark.parametrize(
    "kwargs, text",
    [
        (dict(ci="wald"), "ci='wald'"),
        (dict(ci="logit"), "for proportions"),
        (dict(level=95), "level=95"),
        (dict(empty="zero"), "empty='zero'"),
    ],
)
def test_bad_interval_options(design, kwargs, text):
    err = raised(sk.EstimationError, design.mean, "api00", **kwargs)
    assert text in str(err)


def test_quantile_probability_outside_unit_interval(design):
    err = raised(sk.EstimationError, design.quantile, "api00", [0.5, 1.5])
    assert "1.5" in str(err)


def test_ratio_lengths(design):
    err = raised(sk.EstimationError, design.ratio, ["api00", "w", "N"], ["w", "N"])
    assert "3 numerators and 2 denominators" in str(err)


def test_brr_needs_two_psus_per_stratum(df):
    df.loc[[111, 112], "psu"] = 5  # stratum 2: PSUs 3, 4 and 5
    d = sk.SurveyDesign(df, weights="w", strata="stratum", psu="psu")
    err = raised(sk.DesignError, d.to_replicate, "brr")
    assert "exactly 2 PSUs" in str(err) and "'jkn'" in str(err)
    assert err.column == "stratum"


def test_unknown_replicate_method(df):
    df["r1"] = df["w"]
    err = raised(sk.DesignError, sk.ReplicateDesign, df, weights="w", replicate_weights=["r1"], method="jk2")
    assert "'jk2'" in str(err)


def test_every_error_is_a_surveykit_error():
    for name in (
        "DesignError",
        "ColumnNotFoundError",
        "WeightError",
        "LonelyPSUError",
        "EstimationError",
        "VariableTypeError",
        "EmptyDomainError",
    ):
        assert issubclass(getattr(sk, name), sk.SurveykitError)


def test_empty_domain_in_proportion_is_named_once(df):
    """One (variable, domain) cell is one problem, however many levels the variable has."""
    df.loc[df["dom"] == "y", "name"] = None
    d = sk.SurveyDesign(df, weights="w", strata="stratum", psu="psu")
    err = raised(sk.EmptyDomainError, d.proportion, "name", by="dom")
    assert str(err).count("dom='y'") == 1, str(err)
    r = d.proportion("name", by="dom", empty="nan")
    assert r.loc[r["dom"] == "y", "estimate"].isna().all()
    assert np.isclose(r.loc[r["dom"] == "x", "estimate"].sum(), 1.0)


def test_average_with_nothing_to_average_warns(df):
    """R gives a NaN SE when a PSU's only sampled SSU is lonely under "average"; say so (R is silent)."""
    df["ssu"] = [1, 2, 2, 1, 1, 2, 1, 1, 1, 1, 2, 2]  # PSU 3 has a single SSU
    df["N2"] = 5.0
    d = sk.SurveyDesign(df, weights="w", strata="stratum", psu=["psu", "ssu"], fpc=["N", "N2"], lonely_psu="average")
    with pytest.warns(sk.SurveykitWarning, match="lonely_psu='average'"):
        r = d.mean("api00")
    assert np.isnan(r["se"][0]) and np.isfinite(r["estimate"][0])
