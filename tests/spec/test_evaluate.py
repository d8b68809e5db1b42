"""Vectorised evaluation of expressions over DataFrames."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import surveykit as sk

from .helpers import small_questionnaire

NA = None  # how ev() shows a missing result


def ev(text, df, **kw):
    """The result as a list, with pandas' NA shown as None (NA == NA is itself NA)."""
    return [None if v is pd.NA else v for v in sk.Expr(text).evaluate(df, **kw).tolist()]


@pytest.fixture
def people():
    return pd.DataFrame(
        {
            "edad": [15, 40, np.nan, 70, 18],
            "sexo": [1, 2, 2, np.nan, 1],
            "nombre": ["ana", "", "x", None, "luis"],
            # select_multiple stored both ways: text codes and 0/1 columns
            "medidas": ["1 3", "", None, "2", "1 2 3"],
            "medidas_1": [1, 0, np.nan, 0, 1],
            "medidas_2": [0, 0, np.nan, 1, 1],
            "medidas_3": [1, 0, np.nan, 0, 1],
        }
    )


def test_comparisons_and_three_valued_logic(people):
    assert ev("${edad} >= 18", people) == [False, True, NA, True, True]
    # NA and False is False; NA or True is True; otherwise NA
    assert ev("${edad} >= 18 and ${sexo} = 1", people) == [False, False, False, NA, True]
    assert ev("${edad} >= 18 or ${sexo} = 2", people) == [False, True, True, True, True]
    assert ev("not(${edad} >= 18)", people) == [True, False, NA, False, False]
    assert ev("${edad} >= 18 and false()", people) == [False] * 5
    assert ev("${edad} < 18 or true()", people) == [True] * 5


def test_select_codes_compare_as_text_or_number(people):
    assert ev("${sexo} = '2'", people) == [False, True, True, NA, False]
    assert ev("${sexo} = 2", people) == [False, True, True, NA, False]
    assert ev("${sexo} != '1'", people) == [False, True, True, NA, False]


def test_empty_tests_follow_odk(people):
    assert ev("${edad} = ''", people) == [False, False, True, False, False]
    assert ev("${nombre} = ''", people) == [False, True, False, True, False]
    assert ev("${nombre} != ''", people) == [True, False, True, False, True]


def test_select_multiple_in_both_layouts_gives_the_same_answers(people):
    text_layout = people.drop(columns=["medidas_1", "medidas_2", "medidas_3"])
    binary_layout = people.drop(columns=["medidas"])
    for df in (text_layout, binary_layout):
        assert ev("selected(${medidas}, '3')", df) == [True, False, NA, False, True]
        assert ev("selected(${medidas}, 2)", df) == [False, False, NA, True, True]
        assert ev("count-selected(${medidas})", df) == [2.0, 0.0, NA, 1.0, 3.0]


def test_count_selected_uses_the_questionnaires_codes():
    q = small_questionnaire()
    df = pd.DataFrame(
        {"medidas_1": [1, 0], "medidas_2": [1, 1], "medidas_3": [0, 0], "medidas_otro": [1, 1]}
    )  # a 0/1 column that is not a choice of the list
    assert ev("count-selected(${medidas})", df, questionnaire=q) == [2.0, 1.0]
    assert ev("count-selected(${medidas})", df) == [3.0, 2.0]  # without it: every 0/1 column medidas_*


def test_arithmetic_and_functions(people):
    assert ev("${edad} + 1", people) == [16.0, 41.0, NA, 71.0, 19.0]
    assert ev("${edad} div 4", people) == [3.75, 10.0, NA, 17.5, 4.5]
    assert ev("${edad} mod 7", people) == [1.0, 5.0, NA, 0.0, 4.0]
    assert ev("-7 mod 3", people.head(1)) == [-1.0]  # XPath: sign of the dividend
    assert ev("int(${edad} div 7)", people) == [2.0, 5.0, NA, 10.0, 2.0]
    assert ev("round(2.5)", people.head(1)) == [3.0]  # halves go up, as in XPath
    assert ev("round(${edad} div 7, 1)", people) == [2.1, 5.7, NA, 10.0, 2.6]
    assert ev("if(${edad} >= 18, 'adulto', 'menor')", people) == ["menor", "adulto", NA, "adulto", "adulto"]
    assert ev("coalesce(${edad}, 0)", people) == [15.0, 40.0, 0.0, 70.0, 18.0]
    assert ev("coalesce(${nombre}, 'sin nombre')", people) == ["ana", "sin nombre", "x", "sin nombre", "luis"]
    assert ev("string-length(${nombre})", people) == [3.0, 0.0, 1.0, NA, 4.0]
    assert ev("concat(${nombre}, '-', ${edad})", people) == ["ana-15", "-40", "x-", "-70", "luis-18"]
    assert ev("regex(${nombre}, '[a-z]{3,}')", people) == [True, False, False, NA, True]
    assert ev("${edad} div 0", people.head(1)) == [np.inf]


def test_dates():
    df = pd.DataFrame(
        {
            "fecha": pd.to_datetime(["2020-01-01", None, "2021-05-01"]),
            "nac": pd.to_datetime(["2019-12-01", "2000-01-01", None]),
        }
    )
    assert ev("${fecha} < date('2020-06-01')", df) == [True, NA, False]
    assert ev("${fecha} - ${nac}", df) == [31.0, NA, NA]
    assert ev("${fecha} <= today()", df) == [True, NA, True]


def test_current_answer(people):
    assert ev(". >= 18 and . <= 65", people, current="edad") == [False, True, NA, False, True]
    assert ev(". = ''", people, current=people["nombre"]) == [False, True, False, True, False]
    with pytest.raises(sk.ExpressionEvaluationError, match="needs the current column"):
        ev(". > 1", people)


def test_errors_name_expression_offset_and_column(people):
    with pytest.raises(sk.ExpressionEvaluationError) as info:
        ev("${edad} > 1 and ${ingreso} > 0", people)
    err = info.value
    assert err.column == "ingreso" and err.offset == 16 and err.expression == "${edad} > 1 and ${ingreso} > 0"
    assert "column 'ingreso'" in str(err) and "character 17" in str(err)
    with pytest.raises(sk.ExpressionEvaluationError, match=r"holds the text 'ana' \(row 0\), not a number"):
        ev("${nombre} + 1", people)
    with pytest.raises(sk.ExpressionEvaluationError, match="cannot be evaluated"):
        ev("pulldata('x', 'y', 'z', 'w')", people)
    with pytest.raises(sk.ExpressionEvaluationError, match="is compared with a date"):
        ev("${fecha} = 3", pd.DataFrame({"fecha": pd.to_datetime(["2020-01-01"])}))
    with pytest.raises(sk.ExpressionEvaluationError, match="0/1 columns"):
        ev("${medidas} = '1'", people.drop(columns=["medidas"]))
    with pytest.raises(sk.ExpressionSyntaxError):
        ev("${edad} >", people)


def test_result_is_aligned_with_the_index():
    df = pd.DataFrame({"a": [1, 2, 3]}, index=[10, 20, 30])
    out = sk.Expr("${a} > 1").evaluate(df)
    assert list(out.index) == [10, 20, 30] and str(out.dtype) == "boolean"
    assert list(sk.Expr("1 = 1").evaluate(df)) == [True, True, True]  # a constant is broadcast
