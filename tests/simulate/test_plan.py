"""The simulator's plan: the draw order comes from the questionnaire's dependency graph plus the
simulator's own edges (override ``by`` variables, ``repeat_counts`` expressions); range questions draw."""

from __future__ import annotations

import pytest

import surveykit as sk
from surveykit.simulate import el_salvador_frame
from surveykit.simulate.plan import make_plan, resolve_overrides

LISTS = {"sino": sk.ChoiceList(choices=[sk.Choice(code=1), sk.Choice(code=2)])}


def _steps(q, overrides=None, repeat_counts=None, stratum_vars=()):
    ovs, _ = resolve_overrides(q, None, overrides, set(stratum_vars), [])
    return make_plan(q, ovs, list(stratum_vars), repeat_counts or {}, None).steps


def test_order_follows_relevance_calculation_and_repeats():
    q = sk.Questionnaire(
        id="o",
        languages=["es"],
        choice_lists=LISTS,
        items=[
            sk.CalculateQuestion(name="doble", calculation="${n} * 2"),
            sk.IntegerQuestion(name="k", min=0, max=3, relevant="${s} = 1"),
            sk.SelectOneQuestion(name="s", choices="sino"),
            sk.IntegerQuestion(name="n", min=0, max=3),
            sk.Repeat(name="r", count="${n}", children=[sk.IntegerQuestion(name="e", min=0, max=9)]),
        ],
    )
    assert _steps(q) == [
        ("question", "s"),
        ("question", "k"),
        ("question", "n"),
        ("question", "doble"),
        ("repeat", "r"),
        ("question", "e"),
    ]


def test_override_by_and_repeat_counts_expressions_order_what_they_read():
    q = sk.Questionnaire(
        id="o",
        languages=["es"],
        choice_lists=LISTS,
        items=[
            sk.SelectOneQuestion(name="x", choices="sino"),
            sk.Repeat(name="r", children=[sk.IntegerQuestion(name="e", min=0, max=9)]),
            sk.SelectOneQuestion(name="y", choices="sino"),
            sk.IntegerQuestion(name="m", min=0, max=2),
        ],
    )
    by = {"x": {"probabilities": {1: 0.5, 2: 0.5}, "by": {"y": {1: {"probabilities": {1: 0.9, 2: 0.1}}}}}}
    assert _steps(q, by, {"r": "${m}"}) == [
        ("question", "y"),
        ("question", "x"),
        ("question", "m"),
        ("repeat", "r"),
        ("question", "e"),
    ]
    s = sk.simulate(q, overrides=by, repeat_counts={"r": "${m}"}, seed=1, frame=el_salvador_frame(psus=60))
    assert len(s.repeats["r"]) == s.data["m"].sum()
    assert (s.data.loc[s.data["y"] == 1, "x"] == 1).mean() == pytest.approx(0.9, abs=0.05)


def test_frame_variables_depend_on_nothing():
    """A main-unit question the frame fills (here ``area``) comes first even if its relevance reads a later one."""
    q = sk.Questionnaire(
        id="o",
        languages=["es"],
        choice_lists=LISTS,
        items=[
            sk.SelectOneQuestion(name="x", choices="sino"),
            sk.SelectOneQuestion(name="area", choices="sino", relevant="${x} = 1"),
        ],
    )
    assert _steps(q, stratum_vars=["area"]) == [("question", "x"), ("question", "area")]
    q.items.reverse()
    assert _steps(q, stratum_vars=["area"]) == [("question", "area"), ("question", "x")]


def test_a_cycle_is_an_error_naming_it():
    q = sk.Questionnaire(
        id="c",
        languages=["es"],
        items=[sk.IntegerQuestion(name="a", relevant="${b} > 0"), sk.IntegerQuestion(name="b", relevant="${a} > 0")],
    )
    with pytest.raises(sk.QuestionnaireError, match=r"cycle.*a -> b -> a.*SK203"):
        sk.simulate(q, seed=1, frame=el_salvador_frame(psus=60))


def test_an_expression_that_does_not_parse_is_named():
    q = sk.Questionnaire(
        id="c",
        languages=["es"],
        items=[sk.IntegerQuestion(name="a", min=0, max=3), sk.IntegerQuestion(name="b", relevant="${a} >")],
    )
    with pytest.raises(sk.SimulationError, match=r"expression '\$\{a\} >' does not parse"):
        sk.simulate(q, seed=1, frame=el_salvador_frame(psus=60))


def test_range_questions_draw_between_start_and_end_and_meet_their_constraint():
    q = sk.Questionnaire(
        id="r",
        languages=["es"],
        missing_codes=[sk.MissingCode(kind="dont_know", code=98)],
        items=[
            sk.OtherQuestion(type="range", name="escala", parameters="start=1 end=5 step=1", constraint=". != 3"),
            sk.OtherQuestion(type="range", name="pct", parameters="start=0 end=1 step=0.25"),
        ],
    )
    d = sk.simulate(q, seed=1, frame=el_salvador_frame(psus=60)).data
    assert set(d["escala"].unique()) == {1, 2, 4, 5}  # whole numbers, never 3, never a missing code
    assert d["pct"].between(0, 1).all() and d["pct"].nunique() > 10
