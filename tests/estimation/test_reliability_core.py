"""Issue 11, the estimation core's share: every bad argument is a named SurveykitError, and inputs that
used to be misread (numbers stored as objects, nullable-boolean masks, duplicated post-strata) are read
as documented."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import surveykit as sk


@pytest.fixture()
def df():
    return pd.DataFrame(
        {
            "y": [1.0, 2, 3, 4],
            "w": [1.0, 1, 2, 2],
            "s": [1, 1, 2, 2],
            "p": [1, 2, 3, 4],
            "o": pd.Series([1, None, 3, 4], dtype=object),
            "t": pd.to_datetime(["2020-01-01"] * 4),
            "r1": [1.0, 1, 2, 2],
            "r2": [1.0, 1, 2, 2],
        }
    )


@pytest.fixture()
def d(df):
    return sk.SurveyDesign(df, weights="w", strata="s", psu="p")


@pytest.mark.parametrize(
    "call, error, words",
    [
        (lambda d, df: d.quantile("y", "a"), sk.EstimationError, "not a number"),
        (lambda d, df: d.quantile("y", []), sk.EstimationError, "at least one"),
        (lambda d, df: d.quantile("y", [0.5, 1.5]), sk.EstimationError, "1.5"),
        (lambda d, df: sk.SurveyDesign(df, weights="w", psu=3), sk.DesignError, "psu"),
        (lambda d, df: sk.SurveyDesign(df, weights=3), sk.DesignError, "one weight per row"),
        (lambda d, df: d.to_replicate("sdr", replicates=1), sk.DesignError, "at least 2"),
        (lambda d, df: d.to_replicate("bootstrap", seed=-1), sk.DesignError, "non-negative"),
        (lambda d, df: d.to_replicate("bootstrap", replicates=2.5), sk.DesignError, "whole number"),
        (
            lambda d, df: sk.ReplicateDesign(df, weights="w", replicate_weights=["r1", "r2"], rscales=[1, 2, 3]),
            sk.DesignError,
            "3 values for 2",
        ),
        (
            lambda d, df: sk.ReplicateDesign(df, weights="w", replicate_weights=["r1", "r2"], rscales=[1, np.nan]),
            sk.DesignError,
            "finite",
        ),
        (
            lambda d, df: sk.ReplicateDesign(df, weights="w", replicate_weights=["r1", "r2"], scale=-1),
            sk.DesignError,
            "positive",
        ),
        (
            lambda d, df: sk.ReplicateDesign(df, weights="w", replicate_weights=["r1", "r2"], degf=0),
            sk.DesignError,
            "positive",
        ),
        (lambda d, df: d.mean("y", df=0), sk.EstimationError, "positive"),
        (lambda d, df: d.mean("y", df=-3), sk.EstimationError, "positive"),
        (lambda d, df: d.rake({"s": {1: 2, 2: 4}}, epsilon=0), sk.WeightingError, "epsilon"),
        (lambda d, df: d.rake({"s": {1: 2, 2: 4}}, maxit=-1), sk.WeightingError, "maxit"),
        (lambda d, df: d.calibrate({"s": {1: 2, 2: 4}}, maxit=0), sk.WeightingError, "maxit"),
        (lambda d, df: d.mean("t"), sk.VariableTypeError, "dates"),
        (
            lambda d, df: d.poststratify("s", pd.DataFrame({"s": [1, 1, 2], "N": [100, 150, 200]})),
            sk.ControlTotalsError,
            "more than once",
        ),
        (
            lambda d, df: d.poststratify("s", pd.Series([100, 150, 200], index=[1, 1, 2])),
            sk.ControlTotalsError,
            "more than once",
        ),
    ],
)
def test_bad_arguments_are_named_errors(d, df, call, error, words):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(error, match=words):
            call(d, df)


def test_numbers_stored_as_objects_are_numbers(d, df):
    got = d.mean("o")
    ref = sk.SurveyDesign(df.assign(o=df["o"].astype(float)), weights="w", strata="s", psu="p").mean("o")
    np.testing.assert_allclose(got[["estimate", "se"]], ref[["estimate", "se"]], rtol=1e-14)
    assert got["n"][0] == 3


def test_nullable_boolean_mask_counts_na_as_false(d):
    mask = pd.Series([True, pd.NA, False, True], dtype="boolean")
    got = d.subset(mask).mean("y")
    ref = d.subset(np.array([True, False, False, True])).mean("y")
    np.testing.assert_allclose(got[["estimate", "se"]], ref[["estimate", "se"]], rtol=1e-14)
    with pytest.raises(sk.EstimationError, match="boolean"):
        d.subset(pd.Series(["a", "b", "c", "d"], dtype=object))


def test_labelled_results_are_ordered_categories_with_variable_labels():
    df = pd.DataFrame({"y": [1.0, 2, 3, 4, 5, 6], "g": [3, 1, 2, 3, 1, 2], "c": [1, 2, 2, 1, 3, 3], "w": [1.0] * 6})
    df.attrs["surveykit"] = {
        "value_labels": {"g": {1: "Ninguna", 2: "Poca", 3: "Mucha"}, "c": {1: "Sí", 2: "No", 3: "NS"}},
        "variable_labels": {"y": "Ingreso", "c": "Confía"},
    }
    d = sk.SurveyDesign(df, weights="w")
    t = d.mean("y", by="g", labels=True)
    assert list(t["g"].cat.categories) == ["Ninguna", "Poca", "Mucha"] and t["g"].cat.ordered
    assert t["variable_label"].tolist() == ["Ingreso"] * 3 and t.attrs["variable_labels"] == {"y": "Ingreso"}
    p = d.proportion("c", by="g", labels=True)
    wide = p.pivot(index="g", columns="level", values="estimate")
    assert list(wide.index) == ["Ninguna", "Poca", "Mucha"] and list(wide.columns) == ["Sí", "No", "NS"]
    assert list(d.quantile("y", 0.5, by="g", labels=True).sort_values("g")["g"]) == ["Ninguna", "Poca", "Mucha"]
    assert "variable_label" not in d.mean("y", by="g").columns  # codes unless labels=True
