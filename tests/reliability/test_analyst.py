"""Things an analyst ran into (issue 11, 'Found by an analyst')."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

import surveykit as sk
from surveykit.metadata import attach_metadata, get_metadata


def labelled() -> pd.DataFrame:
    df = pd.DataFrame({"sexo": [1, 2, 1, 2], "y": [1.0, 2, 3, 4], "w": 1.0, "id": [1, 2, 3, 4]})
    return attach_metadata(df, {"value_labels": {"sexo": {1: "Hombre", 2: "Mujer"}}})


def test_labels_lost_by_merge_are_warned_not_silent():
    df = labelled()
    merged = df.merge(pd.DataFrame({"id": [1, 2, 3, 4], "z": 1}), on="id")
    with pytest.warns(sk.SurveykitWarning, match="carries no surveykit labels.*merge"):
        out = sk.SurveyDesign(merged, weights="w").mean("y", by="sexo", labels=True)
    assert out["sexo"].tolist() == [1, 2]
    attach_metadata(merged, get_metadata(df))  # the fix the warning gives
    with warnings.catch_warnings():
        warnings.simplefilter("error", sk.SurveykitWarning)
        out = sk.SurveyDesign(merged, weights="w").mean("y", by="sexo", labels=True)
    assert out["sexo"].tolist() == ["Hombre", "Mujer"]


def test_categorical_columns_need_no_metadata():
    df = pd.DataFrame({"g": pd.Categorical(["a", "b", "a"]), "y": [1.0, 2, 3], "w": 1.0})
    with warnings.catch_warnings():
        warnings.simplefilter("error", sk.SurveykitWarning)
        sk.SurveyDesign(df, weights="w").mean("y", by="g", labels=True)


def test_quality_reasons_follow_the_language_flags_stay_codes():
    t = pd.DataFrame({"estimate": [0.2, 0.02, 0.3], "se": [0.01, 0.009, 0.06], "n": [900, 300, 5], "df": [60, 60, 60]})
    t["cv"] = t["se"] / t["estimate"]
    es = sk.quality_flags(t, "inegi", language="es")
    assert es["flag"].tolist() == ["", "baja", "moderada"]
    assert es["flag_reason"].tolist()[1:] == [
        "CV de 30% o más, o no calculable: precisión baja (INEGI)",
        "CV entre 15% y 30%: precisión moderada (INEGI)",
    ]
    en = sk.quality_flags(t, "statcan", language="en")
    assert en["flag_reason"].iloc[2] == "fewer than 10 observations: too unreliable to publish (Statistics Canada)"
    es = sk.quality_flags(t, "statcan", language="es")
    assert es["flag"].tolist() == en["flag"].tolist()
    assert es["flag_reason"].iloc[2].startswith("menos de 10 observaciones")
    with pytest.raises(sk.EstimationError, match="'en' or 'es'"):
        sk.quality_flags(t, "inegi", language="fr")


def test_design_file_errors_speak_yaml(tmp_path):
    from surveykit.design.files import _design

    df = pd.DataFrame({"s": [1, 1, 2, 2], "u": [1, 2, 1, 2], "w": 1.0, "y": [1.0, 2, 3, 4]})
    spec = {"weights": "w", "strata": "s", "psu": "u", "fpc": None, "nest": False, "lonely_psu": "error"}
    try:
        _design(df, spec, "design.yaml", "main unit")
    except sk.DesignError as exc:
        assert "nest=True" not in str(exc)
        assert "`nest: true` in the design file" in str(exc)
    else:  # ids repeating across strata are accepted: nothing to word
        pytest.skip("the design accepts repeated PSU ids here")
