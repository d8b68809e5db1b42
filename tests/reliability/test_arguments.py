"""Arguments of the wrong kind and column types no format stores: SurveykitErrors, not TypeErrors or
silently changed data ('other inputs of the same classes will be tried')."""

from __future__ import annotations

import pandas as pd
import pytest

import surveykit as sk


@pytest.fixture
def csv_file(tmp_path):
    p = tmp_path / "a.csv"
    p.write_text("a,b\n1,x\n2,y\n")
    return p


@pytest.mark.parametrize(
    "kwargs, pattern",
    [
        ({"columns": 5}, "columns= must be a list"),
        ({"na_values": 5}, "na_values= must be a list"),
        ({"encoding": 5}, "encoding= must be text"),
        ({"format": 3}, "format= must be text"),
        ({"questionnaire": "q.yaml"}, "questionnaire= must be a Questionnaire"),
        ({"dtype": ["a"]}, "dtype= must map columns"),
    ],
)
def test_read_microdata_argument_kinds(csv_file, kwargs, pattern):
    with pytest.raises(sk.MicrodataError, match=pattern):
        sk.read_microdata(csv_file, **kwargs)


def test_na_values_may_be_one_text(csv_file):
    assert sk.read_microdata(csv_file, na_values="x")["b"].isna().tolist() == [True, False]


@pytest.mark.parametrize(
    "call, error",
    [
        (lambda: sk.read_microdata(None), sk.MicrodataError),
        (lambda: sk.read_metadata(5), sk.MicrodataError),
        (lambda: sk.load_questionnaire(5), sk.SpecFormatError),
        (lambda: sk.load_controls(5), sk.ControlTotalsError),
        (lambda: sk.parse_expression(5), sk.ExpressionSyntaxError),
    ],
)
def test_paths_and_texts_of_the_wrong_kind(call, error):
    with pytest.raises(error):
        call()
    with pytest.raises(TypeError if error is sk.ExpressionSyntaxError else error):
        call()  # parse_expression's error is still the TypeError it was


@pytest.mark.parametrize(
    "kwargs, pattern",
    [
        ({"format": 3}, "format= must be text"),
        ({"file_label": 5}, "file_label= must be text"),
        ({"encoding": "nope"}, "encoding 'nope' is unknown"),
        ({"stata_missing": 5}, "stata_missing= must map"),
        ({"questionnaire": "q.yaml"}, "questionnaire= must be a Questionnaire"),
    ],
)
def test_write_microdata_argument_kinds(tmp_path, kwargs, pattern):
    with pytest.raises(sk.MicrodataError, match=pattern):
        sk.write_microdata(pd.DataFrame({"a": [1]}), tmp_path / "x.csv", **kwargs)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "values, pattern",
    [
        ([1 + 2j, 3], "complex numbers"),
        (pd.to_timedelta([1, 2], unit="s"), "durations"),
        (pd.period_range("2020", periods=2, freq="M"), "periods"),
    ],
)
@pytest.mark.parametrize("ext", ["sav", "dta", "csv", "xlsx", "parquet"])
def test_types_no_format_stores_are_refused_not_changed(tmp_path, values, pattern, ext):
    # before: .sav kept the real part of 1+2j, .dta and .csv wrote the text '(1+2j)'
    with pytest.raises(sk.FormatCapacityError, match=f"'a' holds {pattern}"):
        sk.write_microdata(pd.DataFrame({"a": values}), tmp_path / f"x.{ext}")


def test_malformed_labels_in_attrs_are_a_microdata_error(tmp_path):
    df = pd.DataFrame({"a": [1]})
    df.attrs["surveykit"] = {"value_labels": 5}
    with pytest.raises(sk.MicrodataError, match="labels in df.attrs\\['surveykit'\\] are malformed"):
        sk.write_microdata(df, tmp_path / "x.sav")
