"""The check_microdata rule catalogue (CHECK_RULES): every rule and message the checker can emit is in
it with English and Spanish text; the problems table carries each rule's code and severity; messages
come in the language asked for; ids= is the id columns' name and id= its deprecated alias."""

from __future__ import annotations

import ast
import string
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from test_io_check import hogares, personas, victim_questionnaire

import surveykit as sk
from surveykit.io.check import PROBLEM_COLUMNS, RULES
from surveykit.io.check_rules import CHECK_RULES, CheckRule, check_rule

IO = Path(sk.io.__file__).parent
CHECK_SOURCES = [IO / "_check_passes.py", IO / "_check_context.py", IO / "check.py"]


def _calls() -> list[tuple[str, str | None, set[str]]]:
    """(rule name, variant, field names) of every message the checker's source builds: ``ctx.text`` /
    ``ctx.row_text`` calls and ``ctx.skip`` calls (whose reason is a variant of ``not_checked``)."""
    out: list[tuple[str, str | None, set[str]]] = []
    for path in CHECK_SOURCES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
                continue
            kw = {k.arg: k.value for k in node.keywords if k.arg is not None}
            if node.func.attr in ("text", "row_text") and node.args and isinstance(node.args[0], ast.Constant):
                fields = {k for k in kw if k != "variant"}
                if node.func.attr == "row_text":
                    assert isinstance(node.args[1], ast.Dict)
                    fields |= {k.value for k in node.args[1].keys if isinstance(k, ast.Constant)}
                variants: list[str | None] = [None]
                v = kw.get("variant")
                if isinstance(v, ast.Constant):
                    variants = [v.value]
                elif isinstance(v, ast.IfExp):
                    variants = [getattr(v.body, "value", None), getattr(v.orelse, "value", None)]
                elif v is not None:
                    continue  # skip()'s own call with the reason it was given: its callers are scanned below
                out += [(node.args[0].value, var, fields) for var in variants]
            elif node.func.attr == "skip" and len(node.args) >= 4:
                reason = node.args[3]
                reasons = (
                    [reason.value]
                    if isinstance(reason, ast.Constant)
                    else [f"gives_{k}" for k in ("number", "date", "text")]
                )  # f"gives_{kind}"
                out += [("not_checked", r, set(kw)) for r in reasons]
    return out


def test_every_rule_the_checker_reports_is_in_the_catalogue_in_both_languages():
    assert [r.name for r in CHECK_RULES] == list(RULES)
    assert sk.CHECK_RULES is CHECK_RULES and sk.io.CHECK_RULES is CHECK_RULES
    codes = [r.code for r in CHECK_RULES]
    assert len(set(codes)) == len(codes) == 10 and all(c.startswith("MD") for c in codes)
    for rule in CHECK_RULES:
        assert isinstance(rule, CheckRule) and rule.severity in ("error", "warning", "info")
        for key, en, es in [(None, rule.en, rule.es), *rule.variants]:
            assert en.strip() and es.strip(), (rule.code, key)
            # the same fields in both languages, so either fills from what the checker passes
            fields_en = {f for _, f, _, _ in string.Formatter().parse(en) if f}
            fields_es = {f for _, f, _, _ in string.Formatter().parse(es) if f}
            assert fields_en == fields_es, (rule.code, key)
    assert CHECK_RULES.by_name("relevance").severity == "warning"
    assert CHECK_RULES.by_name("range").severity == "error"


def test_every_message_built_in_the_source_exists_and_fills():
    calls = _calls()
    assert len(calls) >= 25  # the scan sees the checker's messages (not an empty list passing vacuously)
    # the report fills not_checked's main template from each skip's rule and reason text
    used = {("not_checked", None)}
    assert check_rule("not_checked").text("es", rule="relevance", why="X") == "relevance no verificada: X"
    for name, variant, fields in calls:
        rule = check_rule(name)
        used.add((name, variant))
        for lang in ("en", "es"):
            text = rule.text(lang, variant=variant, **{f: "X" for f in fields})
            assert "{" not in text and text, (name, variant, lang)
    # and every variant of the catalogue is used somewhere (no dead text)
    defined = {(r.name, None) for r in CHECK_RULES} | {(r.name, v[0]) for r in CHECK_RULES for v in r.variants}
    assert defined - used == set()


def test_problems_carry_code_and_severity_after_rule():
    q = victim_questionnaire()
    report = sk.check_microdata(
        {"hogar": hogares(), "personas": personas()}, q, ids={"hogar": "id_hogar", "personas": ["id_hogar", "linea"]}
    )
    assert list(report.columns) == PROBLEM_COLUMNS
    assert PROBLEM_COLUMNS[PROBLEM_COLUMNS.index("rule") + 1 :][:2] == ["code", "severity"]
    for rule, code, severity in report[["rule", "code", "severity"]].drop_duplicates().itertuples(index=False):
        assert CHECK_RULES[code].name == rule and CHECK_RULES[code].severity == severity
    assert set(report["rule"]) >= {
        "duplicate_id",
        "parent",
        "count",
        "type",
        "choice",
        "range",
        "relevance",
        "required",
        "constraint",
    }
    empty = sk.check_microdata(
        pd.DataFrame({"depto": [1]}),
        sk.Questionnaire(id="x", languages=["es"], items=[sk.IntegerQuestion(name="depto")]),
    )
    assert list(empty.columns) == PROBLEM_COLUMNS and len(empty) == 0


def test_spanish_messages_for_real_problems():
    q = victim_questionnaire()
    tables = {"hogar": hogares(), "personas": personas()}
    ids = {"hogar": "id_hogar", "personas": ["id_hogar", "linea"]}
    en = sk.check_microdata(tables, q, ids=ids)
    es = sk.check_microdata(tables, q, ids=ids, language="es")
    assert es[["unit", "row", "variable", "rule", "code"]].equals(en[["unit", "row", "variable", "rule", "code"]])

    def msg(report: pd.DataFrame, unit: str, variable: str, rule: str) -> str:
        hit = report[(report["unit"] == unit) & (report["variable"] == variable) & (report["rule"] == rule)]
        return hit["message"].iloc[0]

    assert msg(es, "hogar", "id_hogar", "duplicate_id") == (
        "el id 5 aparece más de una vez en la tabla 'hogar'; dé a cada fila su propio id o elimine la fila repetida"
    )
    assert msg(en, "hogar", "id_hogar", "duplicate_id") == (
        "id 5 appears more than once in table 'hogar'; give each row its own id or remove the repeated row"
    )
    assert msg(es, "hogar", "depto", "choice") == "código fuera de la lista de opciones de 'depto' (1, 2, 3)"
    assert msg(es, "hogar", "denuncia", "required") == "'denuncia' es obligatoria aquí pero no tiene respuesta"
    assert msg(es, "personas", "edad", "type") == "'edad' debe ser un número; este valor no lo es"
    assert msg(es, "personas", "id_hogar", "parent") == (
        "ninguna fila de la tabla 'hogar' tiene el id 9; la fila de 'personas' pertenece a una fila de 'hogar' que "
        "falta"
    )
    assert msg(es, "hogar", "perdida", "range") == "'perdida' debe estar entre 0 y inf"
    # the questionnaire's own constraint message (Spanish only) in either language
    assert (
        msg(es, "hogar", "perdida", "constraint")
        == msg(en, "hogar", "perdida", "constraint")
        == "'perdida': Pérdida demasiado alta"
    )
    # a regional tag counts as its language; an unknown language falls back to English
    assert sk.check_microdata(tables, q, ids=ids, language="es-SV")["message"].tolist() == es["message"].tolist()
    assert sk.check_microdata(tables, q, ids=ids, language="fr")["message"].tolist() == en["message"].tolist()


def test_not_checked_reasons_in_spanish():
    q = victim_questionnaire()
    h = hogares().drop(columns=["perdida"])
    report = sk.check_microdata(h, q, ids="id_hogar", language="es")
    nc = report[report["rule"] == "not_checked"]
    assert "all no verificada: la columna 'perdida' no está en la tabla 'hogar'" in nc["message"].tolist()
    assert set(nc["code"]) == {"MD901"} and set(nc["severity"]) == {"warning"}
    why = {(s["variable"], s["reason"]): s["why"] for s in report.attrs["summary"]["not_checked"]}
    assert why[("perdida", "no_column")] == "la columna 'perdida' no está en la tabla 'hogar'"


def test_constraint_message_in_the_language_asked_for():
    q = sk.Questionnaire(
        id="c",
        languages=["es", "en"],
        items=[
            sk.IntegerQuestion(
                name="edad", constraint=". < 120", constraint_message={"es": "Edad imposible", "en": "Impossible age"}
            )
        ],
    )
    df = pd.DataFrame({"edad": [30, 150]})
    assert sk.check_microdata(df, q)["message"].tolist() == ["'edad': Impossible age"]
    assert sk.check_microdata(df, q, language="es")["message"].tolist() == ["'edad': Edad imposible"]


def test_ids_and_the_deprecated_id():
    q = victim_questionnaire()
    h = hogares()
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        new = sk.check_microdata(h, q, ids="id_hogar")
    with pytest.warns(DeprecationWarning, match=r"ids="):
        old = sk.check_microdata(h, q, id="id_hogar")
    pd.testing.assert_frame_equal(new, old)
    assert (new["rule"] == "duplicate_id").sum() == 2
    with pytest.raises(sk.MicrodataError, match="both ids= and its old name id="):
        sk.check_microdata(h, q, ids="id_hogar", id="id_hogar")
    with pytest.raises(sk.MicrodataError, match="ids must be a column name"):
        sk.check_microdata(h, q, ids=3)


def test_row_messages_are_built_per_row():
    """Per-row fields (ids, counts) are joined in as whole arrays: each row gets its own id."""
    q = sk.Questionnaire(id="d", languages=["es"], items=[sk.IntegerQuestion(name="x")])
    df = pd.DataFrame({"folio": ["a", "a", "b", "b", "c"], "x": np.arange(5)})
    report = sk.check_microdata(df, q, ids="folio", language="es")
    assert report["message"].str.slice(0, 8).tolist() == ["el id a ", "el id a ", "el id b ", "el id b "]
