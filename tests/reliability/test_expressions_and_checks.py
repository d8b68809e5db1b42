"""Expressions and check_microdata: raw tracebacks and silent passes found by the hostile review."""

from __future__ import annotations

import pandas as pd
import pytest

import surveykit as sk
from surveykit.questionnaire.evaluate import evaluate
from surveykit.questionnaire.expression import MAX_NUMBER_DIGITS, parse_expression
from surveykit.questionnaire.formats.yamljson import loads_yaml


@pytest.mark.parametrize("text", ["1" * 5000, "1" * 400, "${a} * " + "9" * 400, "-" + "9" * 309 + ".5"])
def test_huge_number_literals_are_syntax_errors(text):
    with pytest.raises(sk.ExpressionSyntaxError, match=f"at most {MAX_NUMBER_DIGITS}"):
        parse_expression(text)


def test_largest_number_literal_still_parses():
    assert parse_expression("9" * MAX_NUMBER_DIGITS).evaluate(pd.DataFrame({"a": [1]})).iloc[0] > 1e307


def test_dates_as_conditions_are_true_where_present():
    df = pd.DataFrame({"a": [1, 2]})
    assert evaluate("not(today())", df).tolist() == [False, False]
    assert evaluate("if(today(), 1, 2)", df).tolist() == [1.0, 1.0]
    assert evaluate("coalesce(${a}, 5) * 2", pd.DataFrame({"a": [1.0, None]})).tolist() == [2.0, 10.0]


def questionnaire(constraint: str) -> sk.Questionnaire:
    return loads_yaml(
        "id: x\nlanguages: [es]\nitems:\n - {type: integer, name: b, label: B}\n"
        f' - {{type: integer, name: a, label: A, constraint: "{constraint}", '
        f'relevant: "{constraint}"}}\n'
    )


@pytest.mark.parametrize(
    "expr, kind",
    [
        ("coalesce(${b}, 5) * 2", "a number"),
        ("'abc'", "text"),
        ("today()", "a date"),
        ("if(today(), 1, 2)", "a number"),
    ],
)
def test_a_condition_that_is_no_condition_is_reported_not_passed(expr, kind):
    q = questionnaire(expr)
    report = sk.check_microdata(pd.DataFrame({"b": [1, None, 3], "a": [1, 2, 3]}), q)
    skipped = report.attrs["summary"]["not_checked"]
    assert {s["rule"] for s in skipped} == {"constraint", "relevance"}
    assert all(f"gives {kind}, not true/false" in s["why"] for s in skipped)


def test_check_microdata_refuses_a_path_and_duplicate_columns():
    q = questionnaire("${b} > 0")
    with pytest.raises(sk.MicrodataError, match="needs a Questionnaire.*sk.load_questionnaire"):
        sk.check_microdata(pd.DataFrame({"b": [1]}), "questionnaires/sdg16.yaml")
    with pytest.raises(sk.MicrodataError, match=r"\['b'\] more than once"):
        sk.check_microdata(pd.DataFrame([[1, 2]], columns=["b", "b"]), q)


def test_int_household_ids_match_text_person_ids():
    q = loads_yaml(
        "id: x\nlanguages: [es]\nunit: hogar\nitems:\n"
        " - {type: integer, name: n, label: N}\n"
        " - type: repeat\n   name: personas\n   count: ${n}\n   children:\n"
        "    - {type: integer, name: edad, label: Edad, constraint: '. <= ${n} * 100'}\n"
    )
    hogar = pd.DataFrame({"id": [1, 2], "n": [1, 2]})
    personas = pd.DataFrame({"id": ["1", "2", "2", "3"], "edad": [30, 40, 500, 20]})
    report = sk.check_microdata({"hogar": hogar, "personas": personas}, q, ids={"hogar": "id", "personas": ["id"]})
    got = sorted(zip(report["rule"], report["id"].astype(str)))
    # "3" has no household; edad 500 > 2 * 100 in household 2 (the household answer was joined by id)
    assert ("parent", "3") in got
    assert ("constraint", "2") in got
    assert not any(rule == "count" for rule, _ in got)


@pytest.mark.parametrize("pattern", ["(a+)+$", "(a|a)*b", "(a|aa)+$", "([a-z]+)*[0-9]"])
def test_regex_with_nested_quantifiers_runs_in_linear_time(pattern):
    import time

    df = pd.DataFrame({"x": ["a" * 5000 + "!", "a" * 29 + "!", "aaa", None]})
    start = time.perf_counter()
    got = evaluate(f"regex(${{x}}, '{pattern}')", df)
    assert time.perf_counter() - start < 1.0  # Python's re: 12 s at 29 characters, doubling
    assert got.iloc[3] is pd.NA
    assert got.iloc[0] == False  # noqa: E712


def test_regex_engine_limits_are_lint_problems():
    q = loads_yaml(
        "id: x\nlanguages: [es]\nitems:\n - {type: text, name: a, label: A, constraint: \"regex(., '(?=a)b')\"}\n"
    )
    msgs = [p.message for p in q.lint()]
    assert any("RE2" in m and "lookarounds" in m for m in msgs), msgs
    assert evaluate("regex(${a}, '[a-z]{3,}')", pd.DataFrame({"a": ["abc", "ab", "ñandú"]})).tolist() == [
        True,
        False,
        False,
    ]  # \w, [a-z]: ASCII, as in ODK


@pytest.mark.parametrize("field", ["min: " + "9" * 400, "max: -" + "9" * 30])
def test_integer_bounds_beyond_2_53_are_spec_errors(field):
    with pytest.raises(sk.SpecFormatError, match="9007199254740992"):
        loads_yaml(f"id: x\nlanguages: [es]\nitems:\n - {{type: integer, name: a, label: A, {field}}}\n")


def test_huge_choice_codes_are_refused_or_kept_as_text():
    spec = (
        "id: x\nlanguages: [es]\nchoice_lists:\n  l:\n    choices:\n      - {{code: {code}, label: X}}\n"
        "items:\n - {{type: select_one, name: a, label: A, choices: l}}\n"
    )
    with pytest.raises(sk.SpecFormatError, match="beyond 2\\*\\*53"):
        loads_yaml(spec.format(code="9" * 400))
    q = loads_yaml(spec.format(code="'12345678901234567890'"))  # written as text: a text code
    assert q.choice_lists["l"].choices[0].code == "12345678901234567890"
    assert loads_yaml(spec.format(code="'17'")).choice_lists["l"].choices[0].code == 17
    report = sk.check_microdata(pd.DataFrame({"a": ["12345678901234567890", "1"]}), q)
    assert report["value"].tolist() == ["1"]
