"""Lint's messages come from the catalogue's templates, in English and Spanish."""

from __future__ import annotations

import ast
import json
import string
from pathlib import Path

import pytest

import surveykit as sk
from surveykit.cli import main
from surveykit.questionnaire.lint_messages import MESSAGES, PHRASES
from surveykit.questionnaire.lint_rules import LINT_RULES
from surveykit.questionnaire.questionnaire import Questionnaire

LINT_SOURCES = Path(sk.__file__).parent / "questionnaire" / "lint"
FIXTURE = Path(__file__).parent / "data" / "lint_messages.json"


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


def test_every_lint_rule_has_templates_in_both_languages_with_the_same_fields():
    lint_codes = {r.code for r in LINT_RULES if not r.code.startswith("SK0")}
    assert set(MESSAGES) == lint_codes
    n = 0
    for code, variants in MESSAGES.items():
        keys = [key for key, _, _ in variants]
        assert len(keys) == len(set(keys)), code
        for key, en, es in variants:
            assert en and es, (code, key)
            assert _fields(en) == _fields(es), (code, key)
            assert LINT_RULES[code].template("es", key) == es  # type: ignore[attr-defined]
            n += 1
    assert n == 64
    for key, (en, es) in PHRASES.items():
        assert _fields(en) == _fields(es), key


def test_spanish_templates_are_spanish():
    # whole messages (not the parser's/type checker's {detail} pass-through) differ between the languages
    for code, variants in MESSAGES.items():
        for key, en, es in variants:
            if en not in ("{detail}", "{field}: {detail}"):
                assert en != es, (code, key)


def _add_calls() -> list[tuple[str, ast.Call]]:
    calls = []
    for path in sorted(LINT_SOURCES.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                self_add = (
                    node.func.attr == "add" and isinstance(node.func.value, ast.Name) and node.func.value.id == "self"
                )
                if self_add or node.func.attr in ("of", "from_rule"):
                    calls.append((path.name, node))
    return calls


def test_lint_sources_hold_no_hand_written_message_text():
    calls = _add_calls()
    sites = 0
    for name, call in calls:
        if call.func.attr == "of":  # type: ignore[attr-defined]
            pytest.fail(f"{name}:{call.lineno}: Problem.of with a hand-written message")
        if call.func.attr == "from_rule":  # type: ignore[attr-defined]
            continue  # the one in context.add, which forwards the variant
        code, variant = call.args[0], call.args[1]
        if isinstance(code, ast.Constant) and isinstance(code.value, str) and code.value.startswith("SK"):
            sites += 1
            keys = {k for k, _, _ in MESSAGES[code.value]}
            # the variant is a key of the rule (a literal, or a choice between literals)
            literals = [n.value for n in ast.walk(variant) if isinstance(n, ast.Constant) and isinstance(n.value, str)]
            if not isinstance(variant, ast.Name):  # a variable holds one of the literal keys chosen above it
                assert literals and set(literals) <= keys, (
                    f"{name}:{call.lineno}: {literals} not variants of {code.value}"
                )
            assert not isinstance(variant, ast.JoinedStr), f"{name}:{call.lineno}"
        elif isinstance(code, ast.Attribute):  # the type checker's issues: issue.code with "type_check"
            assert isinstance(variant, ast.Constant) and variant.value == "type_check", f"{name}:{call.lineno}"
            sites += 1
        # no argument or field is an f-string or a string with words in it (pointers and keys only)
        for arg in [*call.args[2:], *(k.value for k in call.keywords)]:
            for n in ast.walk(arg):
                if isinstance(n, ast.Constant) and isinstance(n.value, str):
                    assert " " not in n.value.strip(), f"{name}:{call.lineno}: text {n.value!r}"
    assert sites >= 45  # 50 call sites when this was written


def test_english_output_is_unchanged_and_spanish_is_pinned():
    # questionnaires of the 3,473-form random/mutated corpus, the smallest for each message variant;
    # "en" was recorded before the messages came from the catalogue
    data = json.loads(FIXTURE.read_text(encoding="utf-8"))
    seen = set()
    for case in data["cases"]:
        q = Questionnaire.model_validate(case["spec"])
        en = q.lint()
        assert [str(p) for p in en] == case["en"]
        assert [str(p) for p in q.lint(language="es")] == case["es"]
        assert [str(p.in_language("es")) for p in en] == case["es"]
        seen |= {(p.code, p.variant) for p in en}
    assert len(seen) == 56


def _q(**kw):
    return sk.Questionnaire(id="x", languages=["es"], **kw)


def test_exact_spanish_messages():
    q = _q(
        items=[
            sk.IntegerQuestion(name="edad", label={"es": "Edad"}, min=18, max=5),
            sk.SelectOneQuestion(name="sexo", label={"es": "Sexo"}, choices="sexos"),
            sk.TextQuestion(name="obs", label={"es": "Obs."}, relevant="${edd} > 3"),
            sk.Group(name="vacio", label={"es": "Vacío"}, children=[]),
        ],
        choice_lists={"sexo": sk.ChoiceList(choices=[sk.Choice(code=1, label={"es": "Hombre"})])},
    )
    got = {p.code: p.message for p in q.lint(language="es-SV")}
    assert got["SK601"] == "el mínimo (18) es mayor que el máximo (5) en edad; intercambie los valores o corrija uno"
    assert got["SK401"] == (
        "'sexo' usa la lista de opciones 'sexos', que no existe; ¿quiso decir 'sexo'? agréguela a las opciones "
        "o corrija el nombre"
    )
    assert got["SK201"] == (
        "relevant: ${edd} no es una pregunta de este formulario; ¿quiso decir ${edad}? corrija el nombre o "
        "agregue la pregunta"
    )
    assert got["SK603"] == "el grupo 'vacio' está vacío; agregue elementos o elimínelo"
    assert got["SK410"] == "ninguna pregunta usa la lista de opciones 'sexo'; elimínela o úsela"
    # codes, severities and locations do not depend on the language
    en = q.lint()
    assert [(p.code, p.severity, p.location) for p in en] == [
        (p.code, p.severity, p.location) for p in q.lint(language="es")
    ]
    assert all(p.message != e.message for p, e in zip(q.lint(language="es"), en))
    assert q.lint(language="fr") == en  # other languages: English
    # the example in docs/questionnaires.md
    docs = (Path(__file__).parents[2] / "docs" / "questionnaires.md").read_text(encoding="utf-8")
    shown = docs.split("**Messages in Spanish.**")[1].split("```text\n")[1].split("```")[0].splitlines()
    assert len(shown) == 2 and set(shown) <= {str(p) for p in q.lint(language="es")}


def test_spanish_translations_and_missing_codes():
    q = sk.Questionnaire(
        id="x",
        languages=["es", "en"],
        title={"es": "Encuesta"},
        missing_codes=[sk.MissingCode(kind="ns", code=-8, label={"es": "NS", "en": "DK"})],
        items=[sk.IntegerQuestion(name="edad", label={"es": "Edad", "en": "Age"}, min=-10, max=99)],
    )
    got = {p.code: p.message for p in q.lint(language="es")}
    assert got["SK501"] == "el título no tiene texto en 'en' (el de 'es' es 'Encuesta'); escriba la traducción en 'en'"
    assert got["SK403"] == (
        "el código de no respuesta -8 (ns) cae dentro del rango válido -10..99 de 'edad'; una respuesta real -8 "
        "no se podría distinguir de él: use códigos fuera del rango (p. ej. -8/-9, 998/999) o defina missing en "
        "la pregunta"
    )
    assert got["SK412"] == (
        "el código de no respuesta -8 (ns) del cuestionario no tiene letra de Stata; asigne stata: '.a' ... '.z'"
    )


def test_the_command_line_speaks_spanish(tmp_path, capsys):
    path = tmp_path / "q.yaml"
    path.write_text("id: q\nlanguages: [es]\nitems:\n  - {type: integer, name: edad, label: Edad, min: 18, max: 5}\n")
    assert main(["lint", str(path), "--language", "es"]) == 1
    out = capsys.readouterr().out
    assert (
        "SK601 error: el mínimo (18) es mayor que el máximo (5) en edad; intercambie los valores o corrija uno" in out
    )
    assert main(["lint", str(path)]) == 1
    assert "SK601 error: min (18) is greater than max (5) for edad; swap them or fix one" in capsys.readouterr().out
    assert main(["lint", str(path), "--language", "es", "--format", "json"]) == 1
    problem = json.loads(capsys.readouterr().out)["problems"][0]
    assert problem["code"] == "SK601" and problem["message"].startswith("el mínimo (18)")


def test_type_checker_findings_in_spanish():
    q = _q(
        items=[
            sk.IntegerQuestion(name="edad", label={"es": "Edad"}),
            sk.SelectMultipleQuestion(name="p5", label={"es": "P5"}, choices="sino"),
            sk.TextQuestion(name="obs", label={"es": "Obs."}, relevant="${p5} = '1' and foo(${edad})"),
            sk.TextQuestion(name="obs2", label={"es": "Obs."}, relevant="${edad} + 1", required="quizas"),
        ],
        choice_lists={"sino": sk.ChoiceList(choices=[sk.Choice(code=1, label={"es": "Sí"})])},
    )
    got = [(p.code, p.message) for p in q.lint(language="es")]
    assert (
        "SK302",
        "relevant: ${p5} es una select_multiple: pruebe una respuesta con selected(${p5}, 'code') o "
        "cuéntelas con count-selected()",
    ) in got
    assert any(
        c == "SK303" and m.startswith("relevant: función desconocida foo(); surveykit conoce abs, ") for c, m in got
    )
    assert (
        "SK302",
        "relevant: una relevancia debe ser una condición (verdadero o falso) pero esto es de tipo "
        "número; compárelo, p. ej. ${edad} + 1 = ...",
    ) in got
    assert ("SK306", "required: required debe ser yes, no o una condición, no 'quizas'") in got


def test_type_issues_carry_their_wording():
    from surveykit.questionnaire.expression import parse_expression
    from surveykit.questionnaire.typecheck import CheckContext, RefInfo, VType, check

    ctx = CheckContext(lookup={"n": RefInfo(VType.NUMBER)}.get, role="relevant")
    _, issues = check(parse_expression("not(${n}) and -'a' > 1").ast, ctx)
    assert [i.message for i in issues] == [i.detail.render("en") for i in issues]
    assert [i.detail.render("es") for i in issues] == [
        "not() necesita un valor de tipo booleano aquí pero ${n} es de tipo número",
        "'-' necesita un número pero 'a' es de tipo texto",
    ]


def test_name_problems_in_spanish():
    q = _q(items=[sk.TextQuestion(name="with", label={"es": "W"}), sk.TextQuestion(name="a" * 40, label={"es": "A"})])
    got = [p.message for p in q.lint(language="es") if p.code == "SK102"]
    assert got == [
        "nombre 'with': 'with' es una palabra reservada en SPSS y Stata; cambie el nombre, p. ej. a with_",
        f"nombre '{'a' * 40}': tiene 40 caracteres; Stata admite como máximo 32; acórtelo, p. ej. a {'a' * 32}",
    ]


def test_syntax_errors_in_spanish():
    q = _q(items=[sk.IntegerQuestion(name="edad", label={"es": "Edad"}, relevant="${edad} > 3 AND 1 = 1")])
    [p] = q.lint(language="es")
    assert p.code == "SK301"
    assert p.message == "expresión '${edad} > 3 AND 1 = 1': 'AND' en el carácter 13 debe ir en minúsculas"
    assert p.in_language("en").message == "expression '${edad} > 3 AND 1 = 1': 'AND' at character 13 must be lower case"
    q = _q(items=[sk.IntegerQuestion(name="edad", label={"es": "Edad"}, relevant="1 ..")])
    assert q.lint(language="es")[0].message == (
        "expresión '1 ..': '..' inesperado en el carácter 3; se esperaba ')', '*', 'div' o 'mod', '+', ',', '-', "
        "'and', 'or', una comparación"
    )
