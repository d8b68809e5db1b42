"""Lint: one test per rule, each finding its defect at its place; a valid spec lints clean."""

from __future__ import annotations

import time

import pytest

import surveykit as sk
from surveykit.questionnaire.formats.yamljson import loads_yaml
from surveykit.questionnaire.lint import RULES

from .helpers import small_questionnaire

HEAD = "id: t\nlanguages: [es]\nitems:\n"
SINO = """\
id: t
languages: [es]
choice_lists:
  sino:
    choices:
      - {code: 1, label: Sí}
      - {code: 2, label: 'No'}
items:
"""


def lint_yaml(items: str, head: str = HEAD) -> list[sk.Problem]:
    return loads_yaml(head + items, "t.yaml").lint()


def only(problems: list[sk.Problem], code: str) -> list[sk.Problem]:
    return [p for p in problems if p.code == code]


def test_a_valid_spec_lints_clean():
    assert small_questionnaire().lint() == []
    assert lint_yaml("  - {type: select_one, name: a, label: A, choices: sino}\n", SINO) == []


def test_rules_table_lists_every_code_used():
    assert len(RULES) >= 38 and all(code.startswith("SK") for code in RULES)
    assert "cycle" in RULES["SK203"]


def test_sk101_duplicate_names_at_the_second_one():
    problems = lint_yaml(
        "  - {type: integer, name: a, label: A}\n"
        "  - {type: group, name: g, children: [{type: text, name: a, label: A}]}\n"
    )
    [p] = only(problems, "SK101")
    assert p.location.pointer == "/items/1/children/0/name" and p.location.line == 5
    assert "line 4" in p.message


def test_sk102_names_spss_and_stata_cannot_hold():
    problems = lint_yaml(
        "  - {type: integer, name: _uuid, label: A}\n"
        "  - {type: integer, name: edad_de_la_persona_seleccionada_x, label: A}\n"
        "  - {type: integer, name: año, label: A}\n"
        "  - {type: integer, name: with, label: A}\n"
    )
    found = {p.location.pointer: p.message for p in only(problems, "SK102")}
    assert set(found) == {f"/items/{i}/name" for i in range(4)}
    assert "start with a letter" in found["/items/0/name"]
    assert "33 characters" in found["/items/1/name"]
    assert "ASCII" in found["/items/2/name"]
    assert "reserved word" in found["/items/3/name"]


def test_sk103_case_only_collision():
    problems = lint_yaml("  - {type: integer, name: Edad, label: A}\n  - {type: integer, name: edad, label: B}\n")
    [p] = only(problems, "SK103")
    assert p.location.pointer == "/items/1/name"


def test_sk104_select_multiple_columns():
    head = SINO.replace("items:\n", "  m:\n    choices: [{code: 1, label: x}, {code: 'a b', label: y}]\nitems:\n")
    problems = lint_yaml(
        "  - {type: integer, name: p5_1, label: A}\n"
        "  - {type: select_multiple, name: p5, label: B, choices: m}\n"
        "  - {type: select_multiple, name: medidas_de_proteccion_del_hogar, label: C, choices: sino}\n",
        head,
    )
    messages = [p.message for p in only(problems, "SK104")]
    assert any("'p5_1'" in m and "collides" in m for m in messages)
    assert any("'p5_a b'" in m for m in messages)
    assert any("medidas_de_proteccion_del_hogar_1" in m and "33 characters" in m for m in messages)


def test_sk201_unresolved_reference_with_offset_and_suggestion():
    problems = lint_yaml(
        "  - {type: select_one, name: own_bike, label: A, choices: sino}\n"
        "  - {type: integer, name: b, label: B, relevant: \"${own_bike} = '1' or ${own_bik} = '1'\"}\n",
        SINO,
    )
    [p] = only(problems, "SK201")
    assert p.location.pointer == "/items/1/relevant" and p.location.offset == 21
    assert "did you mean ${own_bike}" in p.message
    assert p.caret().splitlines()[1].index("^") - 4 == 21


def test_sk202_reference_to_a_later_question():
    problems = lint_yaml(
        "  - {type: integer, name: a, label: A, relevant: '${b} > 1'}\n"
        "  - {type: integer, name: b, label: B}\n"
        "  - {type: calculate, name: c, calculation: '${d} + 1'}\n"
        "  - {type: integer, name: d, label: D}\n"
    )
    found = [(p.location.pointer, p.severity) for p in only(problems, "SK202")]
    assert found == [("/items/0/relevant", "error"), ("/items/2/calculation", "warning")]


def test_sk203_cycles_name_their_path():
    problems = lint_yaml(
        "  - {type: calculate, name: a, calculation: '${c} + 1'}\n"
        "  - {type: calculate, name: b, calculation: '${a} * 2'}\n"
        "  - {type: calculate, name: c, calculation: '${b} - 1'}\n"
        "  - {type: calculate, name: s, calculation: '${s} + 1'}\n"
        "  - {type: integer, name: r, label: R, relevant: '${r} > 1'}\n"
    )
    cycles = [p.message.split(" (")[0] for p in only(problems, "SK203")]
    assert cycles == ["cycle: a -> c -> b -> a", "cycle: s -> s", "cycle: r -> r"]
    first = only(problems, "SK203")[0]
    assert first.location.pointer == "/items/0/calculation" and "a.calculation refers to c" in first.message


def test_sk203_cycle_through_a_duplicated_name_is_reported_not_a_crash():
    # the first "a" is a repeat; the cycle comes from the calculation of the second "a" (SK101)
    problems = lint_yaml(
        "  - {type: repeat, name: a, children: [{type: integer, name: b, label: B}]}\n"
        "  - {type: calculate, name: a, calculation: '${a} + 1'}\n"
    )
    cycle = only(problems, "SK203")[0]
    assert (cycle.location.pointer, cycle.location.offset, cycle.expression) == ("/items/1/calculation", 0, "${a} + 1")
    assert [p.code for p in problems] == ["SK101", "SK203", "SK204"]  # ${a} is also the repeat


def test_sk203_constraint_on_itself_is_not_a_cycle():
    assert lint_yaml("  - {type: integer, name: a, label: A, constraint: '${a} > 0 and . < 9'}\n") == []


def test_sk204_reference_into_a_repeat_needs_an_aggregate():
    problems = lint_yaml(
        "  - type: repeat\n    name: personas\n    children:\n"
        "      - {type: integer, name: edad, label: Edad}\n"
        "  - {type: integer, name: b, label: B, relevant: '${edad} > 17'}\n"
        "  - {type: calculate, name: total, calculation: 'sum(${edad})'}\n"
        "  - {type: calculate, name: n, calculation: 'count(${personas})'}\n"
        "  - {type: calculate, name: n2, calculation: '${personas} + 1'}\n"
    )
    found = [p.location.pointer for p in only(problems, "SK204")]
    assert found == ["/items/1/relevant", "/items/4/calculation"]


def test_sk301_syntax_error_located_in_the_expression():
    [p] = lint_yaml("  - {type: integer, name: a, label: A, constraint: '. > (0'}\n")
    assert (p.code, p.location.pointer, p.location.offset, p.location.line) == ("SK301", "/items/0/constraint", 4, 4)
    assert "never closed" in p.message


def test_sk302_constraints_that_do_not_type_check():
    problems = lint_yaml(
        "  - {type: text, name: t, label: T}\n"
        "  - {type: select_multiple, name: m, label: M, choices: sino}\n"
        "  - {type: integer, name: a, label: A, constraint: '. + ${t} > 1'}\n"
        "  - {type: integer, name: b, label: B, relevant: \"${m} = '1'\"}\n"
        "  - {type: integer, name: c, label: C, relevant: '${a} + 1'}\n"
        "  - {type: integer, name: d, label: D, relevant: \"${a} > 'abc'\"}\n",
        SINO,
    )
    found = {(p.location.pointer, p.location.offset) for p in only(problems, "SK302")}
    assert found == {
        ("/items/2/constraint", 4),
        ("/items/3/relevant", 0),
        ("/items/4/relevant", 0),
        ("/items/5/relevant", 7),
    }


def test_sk303_sk304_functions():
    problems = lint_yaml(
        "  - {type: integer, name: a, label: A, relevant: 'foo(1) = 1'}\n"
        "  - {type: integer, name: b, label: B, relevant: \"pulldata('x', 'y', 'z', ${a}) = 1\"}\n"
    )
    assert [(p.code, p.severity) for p in problems] == [("SK303", "error"), ("SK304", "warning")]


def test_sk305_current_outside_a_constraint():
    [p] = lint_yaml("  - {type: integer, name: a, label: A, relevant: '. > 1'}\n")
    assert p.code == "SK305"


def test_sk306_required_must_be_yes_no_or_a_condition():
    problems = lint_yaml(
        "  - {type: integer, name: a, label: A, required: maybe}\n"
        "  - {type: integer, name: b, label: B, required: '${a} + 1'}\n"
    )
    assert [(p.code, p.location.pointer) for p in problems] == [
        ("SK306", "/items/0/required"),
        ("SK306", "/items/1/required"),
    ]


def test_sk307_unreachable_questions_and_groups():
    problems = lint_yaml(
        "  - {type: integer, name: edad, label: Edad, min: 0, max: 110}\n"
        "  - {type: select_one, name: s, label: S, choices: sino}\n"
        "  - {type: integer, name: a, label: A, relevant: '${edad} < 18 and ${edad} >= 65'}\n"
        "  - {type: integer, name: b, label: B, relevant: \"${s} = '3'\"}\n"
        "  - {type: integer, name: c, label: C, relevant: '${edad} > 120'}\n"
        "  - {type: group, name: g, relevant: 'false()', children: [{type: integer, name: d, label: D}]}\n"
        "  - {type: integer, name: e, label: E, relevant: '${a} > 1'}\n"
        "  - {type: integer, name: ok, label: OK, relevant: '${edad} < 18 or ${edad} >= 65'}\n",
        SINO,
    )
    unreachable = [p.location.pointer for p in only(problems, "SK307")]
    assert unreachable == [
        "/items/2/relevant",
        "/items/3/relevant",
        "/items/4/relevant",
        "/items/5/relevant",
        "/items/6/relevant",
    ]
    assert "1 questions inside it" in only(problems, "SK307")[3].message


def test_sk308_literal_that_is_not_a_code():
    [p] = [
        p
        for p in lint_yaml(
            "  - {type: select_one, name: s, label: S, choices: sino}\n"
            "  - {type: integer, name: a, label: A, relevant: \"${s} = '1' or ${s} = '7'\"}\n",
            SINO,
        )
        if p.code == "SK308"
    ]
    assert p.severity == "warning" and p.location.offset == 21 and "codes: 1, 2" in p.message


def test_sk309_bare_name_outside_a_choice_filter():
    [p] = lint_yaml(
        "  - {type: integer, name: edad, label: A}\n  - {type: integer, name: a, label: A, relevant: 'edad > 1'}\n"
    )
    assert p.code == "SK309" and "${edad}" in p.message


def test_sk310_constraint_no_answer_satisfies():
    problems = lint_yaml(
        "  - {type: integer, name: a, label: A, constraint: '. >= 18 and . <= 5'}\n"
        "  - {type: integer, name: b, label: B, min: 0, max: 10, constraint: '. > 20'}\n"
    )
    assert [p.location.pointer for p in only(problems, "SK310")] == ["/items/0/constraint", "/items/1/constraint"]


def test_sk401_unknown_choice_list():
    [p] = lint_yaml("  - {type: select_one, name: r, label: R, choices: regions}\n")
    assert p.code == "SK401" and p.location.pointer == "/items/0/choices"


def test_sk402_sk403_duplicate_and_colliding_codes():
    head = SINO.replace(
        "items:\n",
        "  dup:\n    choices: [{code: 1, label: a}, {code: '1', label: b}]\n"
        "    missing: [{kind: dont_know, code: 1, label: NS}]\nitems:\n",
    )
    problems = lint_yaml(
        "  - {type: select_one, name: x, label: X, choices: dup}\n"
        "  - {type: select_one, name: y, label: Y, choices: sino}\n",
        head,
    )
    assert [p.location.pointer for p in only(problems, "SK402")] == [
        "/choice_lists/dup/choices/1/code",
        "/choice_lists/dup/missing/0/code",
    ]
    assert [p.location.pointer for p in only(problems, "SK403")] == ["/choice_lists/dup/missing/0/code"]


def test_sk403_missing_code_inside_the_valid_range():
    head = "id: t\nlanguages: [es]\nmissing_codes: [{kind: dont_know, code: 98, label: NS}]\nitems:\n"
    problems = lint_yaml(
        "  - {type: integer, name: edad, label: Edad, min: 0, max: 120}\n"
        "  - {type: integer, name: n, label: N, min: 0, max: 20}\n",
        head,
    )
    [p] = only(problems, "SK403")
    assert p.location.pointer == "/items/0/max" and "0..120" in p.message


def test_sk404_sk405_sk406_sk407_sk410_sk413_choice_lists():
    head = SINO.replace(
        "items:\n",
        "  same:\n    choices: [{code: 1, label: a}, {code: 2, label: a}]\n"
        "  empty: {}\n"
        "  texts:\n    choices: [{code: x y, label: a}, {code: '01', label: b}]\n"
        "  big:\n    choices: [{code: 3000000000, label: a}]\nitems:\n",
    )
    problems = lint_yaml(
        "  - {type: select_one, name: a, label: A, choices: same}\n"
        "  - {type: select_one, name: b, label: B, choices: empty}\n"
        "  - {type: select_one, name: c, label: C, choices: texts}\n"
        "  - {type: select_one, name: d, label: D, choices: big}\n",
        head,
    )
    codes = {(p.code, p.location.pointer) for p in problems}
    assert ("SK404", "/choice_lists/same/choices/1/label/es") in codes
    assert ("SK405", "/choice_lists/empty") in codes
    assert ("SK406", "/choice_lists/texts") in codes
    assert ("SK407", "/choice_lists/texts/choices/0/code") in codes
    assert ("SK410", "/choice_lists/sino") in codes
    assert ("SK413", "/choice_lists/big/choices/0/code") in codes


def test_sk408_sk409_sk412_missing_codes():
    head = (
        "id: t\nlanguages: [es]\nmissing_codes:\n"
        "  - {kind: dont_know, code: 97, label: a}\n  - {kind: refused, code: 98, label: b}\n"
        "  - {kind: no_answer, code: 99, label: c}\n  - {kind: skipped, code: -1, label: d}\n"
        "  - {kind: inconsistente, code: -2, label: e}\n  - {kind: refused, code: -3, label: f}\nitems:\n"
    )
    problems = lint_yaml(
        "  - {type: integer, name: a, label: A, missing: [dont_knw]}\n"
        "  - {type: integer, name: b, label: B, min: 0, max: 200}\n",
        head,
    )
    [unknown] = only(problems, "SK408")
    assert unknown.location.pointer == "/items/0/missing/0" and "did you mean 'dont_know'" in unknown.message
    assert [p.location.pointer for p in only(problems, "SK409")] == ["/items/1"]
    letters = [p.message for p in only(problems, "SK412")]
    assert any("(inconsistente)" in m and "no Stata letter" in m for m in letters)
    assert any("kind 'refused' is defined twice" in m for m in letters)


def test_sk411_choice_filter_column():
    head = SINO.replace(
        "items:\n",
        "  muni:\n    choices:\n      - {code: 1, label: a, filters: {dep: '1'}}\n"
        "      - {code: 2, label: b, filters: {dep: '2'}}\nitems:\n",
    )
    problems = lint_yaml(
        "  - {type: select_one, name: d, label: D, choices: sino}\n"
        "  - {type: select_one, name: m, label: M, choices: muni, choice_filter: 'dep = ${d}'}\n"
        "  - {type: select_one, name: m2, label: M, choices: muni, choice_filter: 'depto = ${d}'}\n",
        head,
    )
    assert [p.location.pointer for p in only(problems, "SK411")] == ["/items/2/choice_filter"]


def test_sk501_sk502_languages_and_translations():
    head = "id: t\nlanguages: [es, en, Spanish]\ndefault_language: fr\nitems:\n"
    problems = lint_yaml(
        "  - {type: integer, name: a, label: {es: Edad, en: Age, Spanish: Edad}}\n"
        "  - {type: integer, name: b, label: {es: Sexo, Spanish: S}, hint: {es: h, en: h, Spanish: h}}\n"
        "  - {type: integer, name: c, label: {es: x, en: y, Spanish: z, de: w}}\n",
        head,
    )
    assert [p.location.pointer for p in only(problems, "SK501")] == ["/items/1/label/en"]
    assert only(problems, "SK501")[0].location.line == 6
    assert [p.location.pointer for p in only(problems, "SK502")] == [
        "/languages/2",
        "/default_language",
        "/items/2/label/de",
    ]


def test_sk503_sk504_sk505_label_lengths_and_missing_labels():
    long_q = "¿" + "á" * 130 + "?"
    head = SINO.replace("- {code: 2, label: 'No'}", f"- {{code: 2, label: '{'ñ' * 61}'}}")
    problems = lint_yaml(
        f"  - {{type: select_one, name: a, label: '{long_q}', choices: sino}}\n"
        f"  - {{type: integer, name: b, label: x, short_label: '{'b' * 81}'}}\n"
        "  - {type: integer, name: c}\n"
        "  - {type: calculate, name: d, calculation: '1'}\n",
        head,
    )
    assert [p.location.pointer for p in only(problems, "SK503")] == ["/items/0/label/es", "/items/1/short_label/es"]
    assert [p.location.pointer for p in only(problems, "SK504")] == ["/choice_lists/sino/choices/1/label/es"]
    assert [p.location.pointer for p in only(problems, "SK505")] == ["/items/2/label"]


def test_sk601_sk602_sk603_sk604_structure():
    problems = lint_yaml(
        "  - {type: decimal, name: a, label: A, min: 10.5, max: 2}\n"
        "  - {type: calculate, name: c}\n"
        "  - {type: group, name: g, children: []}\n"
    )
    assert [(p.code, p.location.pointer) for p in problems if p.code.startswith("SK6")] == [
        ("SK601", "/items/0/min"),
        ("SK602", "/items/1/calculation"),
        ("SK603", "/items/2"),
    ]
    assert [p.code for p in loads_yaml("id: t\nlanguages: [es]\n").lint()] == ["SK604"]


def test_every_problem_at_once_sorted_by_line():
    problems = lint_yaml(
        "  - {type: integer, name: a, label: A, relevant: '${zz} = 1'}\n"
        "  - {type: integer, name: a, label: B, constraint: '. > (0'}\n"
        "  - {type: calculate, name: c}\n"
    )
    assert [p.code for p in problems] == ["SK201", "SK101", "SK301", "SK602"]
    assert [p.location.line for p in problems] == sorted(p.location.line for p in problems)


def _big_form(n: int) -> sk.Questionnaire:
    """A realistic form: sections of select/integer/multiple questions with skips, roster, incidents."""
    es_en = lambda es, en: {"es": es, "en": en}  # noqa: E731
    lists = {
        "sino": sk.ChoiceList(
            choices=[sk.Choice(code=1, label=es_en("Sí", "Yes")), sk.Choice(code=2, label=es_en("No", "No"))],
            missing=[
                sk.MissingCode(kind="dont_know", code=8, label=es_en("NS", "DK")),
                sk.MissingCode(kind="refused", code=9, label=es_en("NR", "Ref")),
            ],
        ),
        "escala": sk.ChoiceList(
            ordered=True, choices=[sk.Choice(code=i, label=es_en(f"Nivel {i}", f"Level {i}")) for i in range(1, 6)]
        ),
        "lugares": sk.ChoiceList(
            choices=[sk.Choice(code=i, label=es_en(f"Lugar {i}", f"Place {i}")) for i in range(1, 12)]
        ),
    }
    sections = []
    count = 0
    while count < n:
        s = len(sections)
        children = []
        for j in range(10):
            name = f"s{s}_p{j}"
            label = es_en(f"Pregunta {s}.{j} sobre seguridad y delitos en su barrio", f"Question {s}.{j}")
            if j % 4 == 0:
                children.append(sk.SelectOneQuestion(name=name, label=label, choices="sino", required=True))
            elif j % 4 == 1:
                children.append(
                    sk.IntegerQuestion(
                        name=name,
                        label=label,
                        min=0,
                        max=50,
                        relevant=f"${{s{s}_p{j - 1}}} = '1'",
                        constraint=". <= 30 or . = 50",
                    )
                )
            elif j % 4 == 2:
                children.append(
                    sk.SelectMultipleQuestion(
                        name=name,
                        label=label,
                        choices="lugares",
                        relevant=f"${{s{s}_p{j - 1}}} > 0",
                        constraint=". != '' and count-selected(.) <= 5",
                    )
                )
            else:
                children.append(
                    sk.SelectOneQuestion(
                        name=name,
                        label=label,
                        choices="escala",
                        relevant=f"selected(${{s{s}_p{j - 1}}}, '3') or ${{s{s}_p{j - 3}}} = '2'",
                    )
                )
            count += 1
        children.append(
            sk.CalculateQuestion(
                name=f"s{s}_score", calculation=f"if(${{s{s}_p3}} >= 3, 1, 0) + coalesce(${{s{s}_p1}}, 0)"
            )
        )
        count += 1
        group_cls = sk.Repeat if s % 5 == 4 else sk.Group
        extra = {"count": f"${{s{s - 1}_score}}"} if group_cls is sk.Repeat else {}
        sections.append(
            group_cls(name=f"sec{s}", label=es_en(f"Sección {s}", f"Section {s}"), **extra, children=children)
        )
    return sk.Questionnaire(
        id="big", title=es_en("Grande", "Big"), languages=["es", "en"], choice_lists=lists, items=sections
    )


def test_a_300_question_form_lints_in_under_a_second():
    q = _big_form(300)
    assert len(q.questions()) >= 300
    q.lint()  # warm up: grammar compiled once per process
    sk.questionnaire.expression._parse_cached.cache_clear()  # time the parsing too
    start = time.perf_counter()
    problems = q.lint()
    elapsed = time.perf_counter() - start
    assert problems == []
    assert elapsed < 1.0, f"lint took {elapsed:.2f} s"


@pytest.mark.parametrize("code", sorted(RULES))
def test_every_rule_is_documented(code):
    from pathlib import Path

    docs = Path(__file__).parents[2] / "docs" / "questionnaires.md"
    assert code in docs.read_text(encoding="utf-8")
