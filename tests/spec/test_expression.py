"""The expression language: parsing to an AST with spans, printing, bounded input, round trips."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import surveykit as sk
from surveykit.questionnaire.expression import (
    MAX_DEPTH,
    MAX_LENGTH,
    Binary,
    Call,
    Current,
    Name,
    Negate,
    Number,
    Parent,
    Ref,
    String,
    parse_expression,
    to_source,
)


def ast(text: str):
    return parse_expression(text).ast


def test_precedence_and_associativity_follow_xpath():
    # and binds tighter than or; comparison tighter than and; * tighter than +
    assert ast("${a} = 1 or ${b} = 2 and ${c} = 3") == Binary(
        "or",
        Binary("=", Ref("a"), Number(1)),
        Binary("and", Binary("=", Ref("b"), Number(2)), Binary("=", Ref("c"), Number(3))),
    )
    assert ast("1 + 2 * 3") == Binary("+", Number(1), Binary("*", Number(2), Number(3)))
    assert ast("10 - 4 - 3") == Binary("-", Binary("-", Number(10), Number(4)), Number(3))
    assert ast("${a} div 2 mod 3") == Binary("mod", Binary("div", Ref("a"), Number(2)), Number(3))
    assert ast("-${a} * 2") == Binary("*", Negate(Ref("a")), Number(2))
    assert ast(". >= 1 and . <= 9") == Binary(
        "and", Binary(">=", Current(), Number(1)), Binary("<=", Current(), Number(9))
    )


def test_literals_calls_names():
    assert ast("'sí'") == String("sí")
    assert ast('"it\'s"') == String("it's")
    assert ast("2.50") == Number(2.5)
    assert ast(".5") == Number(0.5)
    assert ast("count-selected(${p7})") == Call("count-selected", (Ref("p7"),))
    assert ast("jr:choice-name(${a}, '${a}')") == Call("jr:choice-name", (Ref("a"), String("${a}")))
    assert ast("true()") == Call("true", ())
    assert ast("region = ${region}") == Binary("=", Name("region"), Ref("region"))
    assert ast("position(..)") == Call("position", (Parent(),))


def test_spans_point_at_the_source():
    text = "${edad} >= 18 and selected(${p5}, '2')"
    tree = ast(text)
    assert tree.span == (0, len(text))
    comparison, call = tree.left, tree.right
    assert text[slice(*comparison.span)] == "${edad} >= 18"
    assert text[slice(*call.span)] == "selected(${p5}, '2')"
    assert text[slice(*call.args[0].span)] == "${p5}"
    assert text[slice(*call.args[1].span)] == "'2'"


def test_references_in_order_once():
    assert parse_expression("if(${b} > ${a}, ${b}, coalesce(${c}, ${a}))").references() == ["b", "a", "c"]


def test_printer_adds_only_needed_parentheses():
    cases = {
        "((${a}))": "${a}",
        "(${a} + 1) * 2": "(${a} + 1) * 2",
        "${a} + (1 * 2)": "${a} + 1 * 2",
        "${a} - (${b} - 1)": "${a} - (${b} - 1)",
        "(${a} or ${b}) and ${c}": "(${a} or ${b}) and ${c}",
        "-(${a} + 1)": "-(${a} + 1)",
        "not(${a}=1)": "not(${a} = 1)",
        "1.0": "1.0",
        "0.0000001": "0.0000001",
    }
    for text, printed in cases.items():
        assert to_source(ast(text)) == printed


def test_canonical_text_of_an_expr():
    assert sk.Expr("${a}='1'and${b}!=2").canonical() == "${a} = '1' and ${b} != 2"


@pytest.mark.parametrize(
    "text, offset, words",
    [
        (". > (0", 4, "never closed"),
        ("${a} = ", 6, "ends where a value was expected"),
        ("1 2", 2, "operator is missing"),
        ("${a} && ${b}", 5, "write 'and'"),
        ("${a} = = 1", 7, "operand is missing"),
        ("'abc", 0, "never closed"),
        ("${abc", 0, "never closed"),
        (")", 0, "no matching '('"),
        ("${a} AND ${b}", 5, "lower case"),
        ("f(1,,2)", 4, "expected a value"),
        ("", 0, "empty"),
        ("   ", 0, "empty"),
        ("${a} = 1,", 8, "outside a function call"),
        ("${a} = #", 7, "unexpected character '#'"),
    ],
)
def test_syntax_errors_are_located(text, offset, words):
    with pytest.raises(sk.ExpressionSyntaxError) as info:
        parse_expression(text)
    err = info.value
    assert isinstance(err, sk.ExpressionError) and isinstance(err, sk.SurveykitError)
    assert err.offset == offset
    assert err.expression == text
    assert words in str(err)


def test_hostile_inputs_are_bounded_without_recursion_errors():
    too_long = "1" + " " * MAX_LENGTH
    with pytest.raises(sk.ExpressionSyntaxError, match="characters, more than"):
        parse_expression(too_long)
    with pytest.raises(sk.ExpressionSyntaxError, match="nested more than"):
        parse_expression("(" * (MAX_DEPTH + 1) + "1" + ")" * (MAX_DEPTH + 1))
    with pytest.raises(sk.ExpressionSyntaxError, match="nested more than"):
        parse_expression("-" * 500 + "1")
    with pytest.raises(sk.ExpressionSyntaxError, match="nested more than"):
        parse_expression(" or ".join(["${a}"] * 300))
    with pytest.raises(sk.ExpressionSyntaxError, match="nested more than"):
        parse_expression("not(" * 150 + "1" + ")" * 150)
    # the deepest accepted still prints and evaluates
    ok = "(" * 40 + "${a}" + ")" * 40 + " + 1"
    assert parse_expression(ok).canonical() == "${a} + 1"


def test_expr_keeps_text_and_defers_errors():
    bad = sk.Expr("${a} >")
    assert bad.src == "${a} >"
    assert isinstance(bad.error, sk.ExpressionSyntaxError)
    with pytest.raises(sk.ExpressionSyntaxError):
        bad.references()
    assert sk.Expr("${a} > 1").error is None
    assert sk.Expr("x") == sk.Expr("x") and sk.Expr("x") != sk.Expr("x ")
    assert hash(sk.Expr("x")) == hash(sk.Expr("x"))


# --- hypothesis: random ASTs print and parse back to the same tree ------------------------------

names = st.from_regex(r"[a-z][a-z0-9_]{0,6}", fullmatch=True)
texts = st.text(alphabet="abcñ 12_-'", max_size=6).filter(lambda s: "'" not in s or '"' not in s)
numbers = st.one_of(
    st.integers(0, 10**6).map(Number),
    st.floats(0, 1e6, allow_nan=False, allow_infinity=False).map(lambda f: Number(float(f))),
)
bare = names.filter(lambda n: n not in ("and", "or", "div", "mod")).map(Name)
leaves = st.one_of(numbers, texts.map(String), names.map(Ref), st.just(Current()), bare)
ops = st.sampled_from(["or", "and", "=", "!=", "<", "<=", ">", ">=", "+", "-", "*", "div", "mod"])
functions = st.sampled_from(["selected", "count-selected", "if", "coalesce", "not", "concat", "jr:choice-name"])


def _trees(children):
    return st.one_of(
        st.builds(Binary, ops, children, children),
        st.builds(Negate, children),
        st.builds(Call, functions, st.lists(children, max_size=3).map(tuple)),
    )


trees = st.recursive(leaves, _trees, max_leaves=25)


@settings(max_examples=300, deadline=None)
@given(trees)
def test_random_expressions_print_and_parse_back(tree):
    text = to_source(tree)
    again = parse_expression(text).ast
    assert again == tree
    assert to_source(again) == text


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="${}().,'\" abc12=<>!-+*/andormodivselct", max_size=40))
def test_any_text_parses_or_gives_a_located_syntax_error(text):
    try:
        expr = parse_expression(text)
    except sk.ExpressionSyntaxError as exc:
        assert exc.offset is not None and 0 <= exc.offset <= len(text)
    else:
        assert parse_expression(expr.canonical()).ast == expr.ast
