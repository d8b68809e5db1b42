"""The question dependency graph: edges and their kinds, a stable topological order, cycles."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import surveykit as sk
from surveykit.questionnaire.formats.yamljson import loads_yaml

HEAD = (
    "id: t\nlanguages: [es]\n"
    "choice_lists:\n  l:\n    choices:\n      - {code: 1, label: A, filters: {region: '1'}}\n"
    "items:\n"
)


def graph(items: str) -> sk.DependencyGraph:
    return loads_yaml(HEAD + items, "t.yaml").dependencies()


def test_every_kind_of_edge_is_found_with_its_place():
    g = graph(
        "  - {type: integer, name: n}\n"
        "  - {type: integer, name: x, relevant: '${n} > 0', constraint: '${x} < ${n}', required: '${n} = 1'}\n"
        "  - type: repeat\n    name: p\n    count: ${n}\n    relevant: ${x} > 1\n    children:\n"
        "      - {type: calculate, name: c, calculation: '${x} * 2'}\n"
        "      - {type: select_one, name: t, choices: l, choice_filter: 'region = ${c}'}\n"
    )
    found = {(d.source, d.target, d.kind) for d in g.edges}
    assert found == {
        ("x", "n", "relevant"),
        ("x", "n", "constraint"),
        ("x", "n", "required"),
        ("p", "x", "relevant"),
        ("p", "n", "count"),
        ("c", "x", "calculation"),
        ("t", "c", "choice_filter"),
        ("c", "p", "inside"),
        ("t", "p", "inside"),
    }
    # a constraint on the question itself is about its answer, not a dependency
    assert ("x", "x", "constraint") not in found
    edge = next(d for d in g.edges if d.kind == "count")
    assert (edge.pointer, edge.offset) == ("/items/2/count", 0)
    assert g.parents("x") == ["n"] and g.children("n") == ["x", "p"]
    assert g.parents("t") == ["p", "c"]
    assert g.order == ["n", "x", "p", "c", "t"]
    assert g.cycles == []


def test_order_moves_only_what_an_edge_forces():
    g = graph(
        "  - {type: integer, name: a, relevant: '${d} = 1'}\n"
        "  - {type: integer, name: b}\n"
        "  - {type: calculate, name: c, calculation: '${a} + 1'}\n"
        "  - {type: integer, name: d}\n"
        "  - {type: integer, name: e}\n"
    )
    assert g.order == ["b", "d", "a", "c", "e"]
    assert g.without("relevant").order == ["a", "b", "c", "d", "e"]


def test_a_cycle_is_found_and_has_no_order():
    g = graph(
        "  - {type: calculate, name: a, calculation: '${c} + 1'}\n"
        "  - {type: calculate, name: b, calculation: '${a} * 2'}\n"
        "  - {type: calculate, name: c, calculation: '${b} - 1'}\n"
        "  - {type: integer, name: r, relevant: '${r} > 1'}\n"
        "  - {type: integer, name: free}\n"
    )
    assert g.cycles == [["a", "c", "b"], ["r"]]
    with pytest.raises(sk.QuestionnaireError, match=r"a -> c -> b -> a; r -> r; run q.lint\(\) \(SK203\)"):
        g.order
    assert g.filter(lambda d: d.source not in ("a", "r")).order == ["a", "b", "c", "r", "free"]


def test_a_repeat_counted_by_its_own_question_is_a_cycle():
    g = graph("  - type: repeat\n    name: p\n    count: ${k}\n    children:\n      - {type: integer, name: k}\n")
    assert g.cycles == [["p", "k"]]
    assert g.without("inside").order == ["k", "p"]


def test_unparsed_expressions_and_unknown_names_give_no_edge():
    g = graph("  - {type: integer, name: a, relevant: '${b} >'}\n  - {type: integer, name: b, relevant: '${zz} = 1'}\n")
    assert g.edges == () and g.unparsed == (("a", "relevant"),)
    with pytest.raises(KeyError, match="'zz' is not an item"):
        g.parents("zz")


def test_lint_cycles_are_the_graph_cycles_without_constraints():
    q = loads_yaml(
        HEAD + "  - {type: integer, name: a, label: A, constraint: '. < ${b}'}\n"
        "  - {type: integer, name: b, label: B, relevant: '${a} > 1'}\n",
        "t.yaml",
    )
    assert q.dependencies().cycles == [["a", "b"]]
    assert [p.code for p in q.lint() if p.code.startswith("SK2")] == ["SK202"]  # forward, not a cycle


@st.composite
def acyclic(draw: st.DrawFn) -> tuple[sk.Questionnaire, list[tuple[int, int]]]:
    """Calculates q0..q{n-1} in form order; each refers to items of lower rank in a hidden random
    order, so references go backwards and forwards but never round."""
    n = draw(st.integers(1, 12))
    rank = draw(st.permutations(range(n)))
    edges = []
    for i in range(n):
        lower = [j for j in range(n) if rank[j] < rank[i]]
        if lower:
            edges += [(i, j) for j in draw(st.lists(st.sampled_from(lower), max_size=3, unique=True))]
    items = []
    for i in range(n):
        refs = [f"${{q{j}}}" for s, j in edges if s == i]
        items.append(sk.CalculateQuestion(name=f"q{i}", calculation=" + ".join(refs) or "1"))
    return sk.Questionnaire(id="x", languages=["es"], items=items), edges


@settings(max_examples=60, deadline=None)
@given(acyclic())
def test_order_respects_every_edge_and_is_form_order_where_free(case):
    q, edges = case
    g = q.dependencies()
    order = g.order
    n = len(q.items)
    assert g.cycles == []
    assert sorted(order) == sorted(f"q{i}" for i in range(n))
    pos = {name: k for k, name in enumerate(order)}
    assert {(d.source, d.target) for d in g.edges} == {(f"q{s}", f"q{t}") for s, t in edges}
    assert all(pos[f"q{t}"] < pos[f"q{s}"] for s, t in edges)
    # stable: each step takes the earliest item (in form order) whose dependencies are all placed
    placed: set[str] = set()
    for name in order:
        ready = [i for i in range(n) if f"q{i}" not in placed and set(g.parents(f"q{i}")) <= placed]
        assert name == f"q{min(ready)}"
        placed.add(name)
