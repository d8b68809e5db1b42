"""XLSForms written as designers write them (Spanish and English): import, located defects, export."""

from __future__ import annotations

import pytest
from pyxform.xls2xform import convert

import surveykit as sk
from surveykit.cli import main
from surveykit.questionnaire.cli import lint_file

from .helpers import CHOICES, EN, ES, HEADER, SETTINGS, clean_survey, small_questionnaire

SETTINGS_EN = [SETTINGS[0] + ["sk_title::English (en)"], SETTINGS[1] + ["Victimization survey"]]


def test_a_designers_bilingual_form_loads_with_its_structure(form):
    q = sk.load_questionnaire(form(clean_survey(), CHOICES, SETTINGS_EN))
    assert (q.id, q.version, q.languages, q.default_language) == ("victimizacion", "2024010101", ["es", "en"], "es")
    assert q.title == {"es": "Encuesta de victimización", "en": "Victimization survey"}
    assert q.language_names == {}  # 'Español' and 'English' are the default display names
    assert [(r.name, r.questions) for r in q.repeats()] == [
        ("personas", ["nombre", "sexo", "edad"]),
        ("delitos", ["tipo", "denuncio"]),
    ]
    seguridad = q.question("seguridad")
    assert seguridad.label == {
        "es": "¿Qué tan seguro se siente caminando solo de noche?",
        "en": "How safe do you feel walking alone after dark?",
    }
    assert seguridad.group_path == ("adulto",) and seguridad.repeat is None
    assert q.question("n_delitos").relevant == sk.Expr("${victima} = '1'")
    assert q.question("edad").required is True
    assert q.choice_lists["seguro"].codes() == [1, 2, 3, 4]
    assert q.lint() == []


def test_title_without_translation_is_a_warning_naming_the_xlsform_column(clean_form):
    [p] = sk.load_questionnaire(clean_form).lint()
    assert (p.code, p.severity, p.location.sheet, p.location.row, p.location.column) == (
        "SK501",
        "warning",
        "settings",
        2,
        "form_title",
    )
    assert "sk_title::<Language> (<code>)" in p.message


def test_each_defect_is_found_at_its_row_and_column(form):
    survey = [
        HEADER,  # row 1
        ["integer", "edad", "Edad", "Age", "yes", None, ". >= 18 and . <= 5", None],  # 2: SK310
        ["select_one sino", "own_bike", "¿Tiene bicicleta?", "Own a bike?", "yes", None, None, None],
        ["select_one sino", "repara", "¿La repara?", "Repairs it?", "maybe", "${own_bik} = '1'", None, None],
        ["integer", "edad", "Edad otra vez", "Age again", None, None, None, None],  # 5: SK101
        ["calculate", "total", None, None, None, None, None, "${total} + 1"],  # 6: SK203
        ["integer", "horas", None, "Hours", None, None, ". > (0", None],  # 7: SK501, SK301
        ["integer", "_uuid", "Id", "Id", None, None, None, None],  # 8: SK102
        ["select_one regions", "region", "Región", "Region", None, None, None, None],  # 9: SK401
        ["calculate", "vacio", None, None, None, None, None, None],  # 10: SK602
        ["integer", "antes", "Antes", "Before", None, "${despues} > 1", None, None],  # 11: SK202
        ["integer", "despues", "Después", "After", None, None, None, None],
        ["integer", "nunca", "Nunca", "Never", None, "${own_bike} = '3'", None, None],  # 13: SK307
        ["integer", "edad_de_la_persona_seleccionada_en_el_hogar", "E", "E", None, None, None, None],  # 14: SK102
    ]
    choices = [
        ["list_name", "name", ES, EN],
        ["sino", 1, "Sí", "Yes"],
        ["sino", 2, "No", None],  # 3: SK501
        ["sino", 2, "No sabe", "Don't know"],
    ]  # 4: SK402
    problems = sk.load_questionnaire(form(survey, choices, SETTINGS_EN)).lint()
    found = {(p.code, p.location.sheet, p.location.row, p.location.column) for p in problems}
    expected = {
        ("SK310", "survey", 2, "constraint"),
        ("SK306", "survey", 4, "required"),
        ("SK201", "survey", 4, "relevant"),
        ("SK101", "survey", 5, "name"),
        ("SK203", "survey", 6, "calculation"),
        ("SK501", "survey", 7, ES),
        ("SK301", "survey", 7, "constraint"),
        ("SK102", "survey", 8, "name"),
        ("SK401", "survey", 9, "type"),
        ("SK602", "survey", 10, None),
        ("SK202", "survey", 11, "relevant"),
        ("SK307", "survey", 13, "relevant"),
        ("SK308", "survey", 13, "relevant"),
        ("SK102", "survey", 14, "name"),
        ("SK501", "choices", 3, EN),
        ("SK402", "choices", 4, "name"),
    }
    assert found == expected
    by_code = {p.code: p for p in problems}
    assert by_code["SK201"].location.offset == 0 and "did you mean ${own_bike}" in by_code["SK201"].message
    assert by_code["SK301"].location.offset == 4 and by_code["SK301"].location.cell == "G7"
    assert "total -> total" in by_code["SK203"].message
    assert str(by_code["SK101"].location).endswith("sheet survey, row 5, column name (B5)")
    # every problem in sheet/row order
    rows = [(p.location.sheet != "survey", p.location.row) for p in problems]
    assert rows == sorted(rows)


def test_workbook_problems_are_collected_and_located(form):
    survey = [
        ["type", "name", ES, EN],
        ["integr", "a", "A", "A"],  # 2: unknown type
        ["select_one_yn", "b", "B", "B"],  # 3: unknown type
        ["begin_group", "g", "G", "G"],
        ["text", None, "Sin nombre", "No name"],  # 5: no name
        ["end_repeat", None, None, None],  # 6: wrong end
        ["select_one sino or_other", "c", "C", "C"],  # 7: unsupported
        ["integer", "ok", "OK", "OK"],
    ]
    path = form(survey, [["list_name", "name", ES, EN], ["sino", 1, "Sí", "Yes"]], SETTINGS_EN)
    with pytest.raises(sk.SpecFormatError) as info:
        sk.load_questionnaire(path)
    problems = info.value.context["problems"]
    assert [(p.code, p.location.row) for p in problems] == [
        ("SK010", 2),
        ("SK010", 3),
        ("SK011", 4),
        ("SK012", 5),
        ("SK011", 6),
        ("SK010", 7),
    ]
    assert "did you mean 'integer'" in problems[0].message
    assert "did you mean 'select_one'" in problems[1].message
    assert "never closed" in problems[2].message
    assert "row 2" in str(info.value) and "row 7" in str(info.value)
    # lint shows the workbook's problems together with the questionnaire's
    codes = [p.code for p in lint_file(path)]
    assert codes[:6] == ["SK010", "SK010", "SK011", "SK012", "SK011", "SK010"] and "SK410" in codes


def test_merged_header_cells_are_an_error_with_location(form):
    survey = [["type", "name", ES, None], ["integer", "a", "A", "A"]]
    path = form(survey, settings=SETTINGS, merge=[("survey", "C1:D1")])
    with pytest.raises(sk.SpecFormatError) as info:
        sk.Questionnaire.from_xlsform(path)
    [p] = info.value.context["problems"]
    assert (p.code, p.location.sheet, p.location.row, p.location.cell) == ("SK013", "survey", 1, "C1")
    assert "unmerge" in p.message


def test_missing_survey_sheet_and_unreadable_files(form, tmp_path):
    path = form([["nothing"]])
    import openpyxl

    wb = openpyxl.load_workbook(path)
    wb["survey"].title = "preguntas"
    wb.save(path)
    with pytest.raises(sk.SpecFormatError, match="no 'survey' sheet.*'preguntas'"):
        sk.load_questionnaire(path)
    fake = tmp_path / "fake.xlsx"
    fake.write_text("not a workbook")
    with pytest.raises(sk.SpecFormatError, match="not a readable .xlsx workbook"):
        sk.load_questionnaire(fake)
    old = tmp_path / "old.xls"
    old.write_bytes(b"\xd0\xcf\x11\xe0")
    with pytest.raises(sk.SpecFormatError, match="save it as .xlsx"):
        sk.load_questionnaire(old)
    assert main(["lint", str(fake)]) == 2  # located message, no traceback


def test_header_aliases_and_language_names(form):
    survey = [
        ["Type", "Name", "Label::Spanish", "label::English", "Relevance", "calculate", "Constraint Message::Spanish"],
        ["integer", "n", "Número", "Number", None, None, "Debe ser positivo"],
        ["begin repeat", "r", "R", "R", "${n} > 0", None, None],
        ["calculate", "c", None, None, None, "${n} * 2", None],
        ["end repeat", None, None, None, None, None, None],
    ]
    path = form(survey, settings=[["form_id", "jr:count"], ["f", "x"]])
    q = sk.load_questionnaire(path)
    assert q.languages == ["es", "en"] and q.language_names == {"es": "Spanish"}  # 'English' is en's default name
    assert q.items[1].relevant == sk.Expr("${n} > 0") and q.question("c").calculation == sk.Expr("${n} * 2")
    assert q.question("n").constraint_message == {"es": "Debe ser positivo"}
    assert q.settings == {"jr:count": "x"}


def test_untranslated_label_column_is_the_default_language(form):
    survey = [["type", "name", "label", "hint"], ["integer", "edad", "Edad", "En años"]]
    q = sk.load_questionnaire(form(survey, settings=[["form_id", "default_language"], ["f", "Español (es)"]]))
    assert q.languages == ["es"] and q.question("edad").hint == {"es": "En años"}
    q = sk.load_questionnaire(form(survey))
    assert q.languages == ["und"] and q.id.startswith("form") and q.question("edad").label == {"und": "Edad"}


def test_choice_names_become_codes(form):
    survey = [["type", "name", "label"], ["select_one l", "a", "A"]]
    choices = [
        ["list_name", "name", "label", "departamento"],
        ["l", 1, "uno", "1"],
        ["l", "2", "dos", None],
        ["l", 3.0, "tres", None],
        ["l", "01", "cero uno", None],
    ]
    q = sk.load_questionnaire(form(survey, choices))
    lst = q.choice_lists["l"]
    assert lst.codes() == [1, 2, 3, "01"]
    assert lst.choices[0].filters == {"departamento": "1"} and lst.choices[1].filters == {}


def test_export_converts_with_pyxform_and_reads_back_equal(clean_form, tmp_path):
    q = sk.load_questionnaire(clean_form)
    out = q.to_xlsform(tmp_path / "out.xlsx")
    warnings: list[str] = []
    xform = convert(xlsform=str(out), warnings=warnings).xform
    assert "<h:title>Encuesta de victimización</h:title>" in xform and 'jr:count="' not in xform
    back = sk.Questionnaire.from_xlsform(out)
    assert back == q

    def where(problems):
        return [(p.code, p.location.pointer, p.location.sheet, p.location.row, p.location.column) for p in problems]

    assert where(back.lint()) == where(q.lint())


def test_surveykit_fields_survive_xlsform_and_odk_enforces_min_max(tmp_path):
    q = small_questionnaire()
    q.items[0].constraint = sk.Expr(". != 50")
    q.items[0].universe = {"es": "Todas las personas", "en": "Everyone"}
    q.items[0].concept = "age"
    q.items[0].short_label = {"es": "Edad", "en": "Age"}
    q.items[1].missing = ["dont_know", "refused"]
    q.items[1].measure = "ordinal"
    q.choice_lists["sino"].ordered = True
    q.choice_lists["sino"].choices[0].label["es"] = "=Sí"  # looks like an Excel formula: stays text
    out = q.to_xlsform(tmp_path / "mini.xlsx")
    xform = convert(xlsform=str(out)).xform
    assert 'constraint=". &gt;= 0 and . &lt;= 110 and (. != 50)"' in xform
    back = sk.Questionnaire.from_xlsform(out)
    assert back == q
    assert back.items[0].constraint == sk.Expr(". != 50") and back.items[0].min == 0


def test_lint_cli_on_an_xlsform(form, capsys):
    survey = [HEADER, ["integer", "a", "A", "A", "maybe", None, ". > (0", None]]
    path = form(survey, settings=SETTINGS_EN)
    assert main(["lint", str(path)]) == 1
    out = capsys.readouterr().out
    assert "sheet survey, row 2, column required (E2), character 1: SK306 error" in out
    assert "sheet survey, row 2, column constraint (G2), character 5: SK301 error" in out
    assert "    . > (0\n        ^" in out
    assert out.strip().endswith("2 errors, 0 warnings")
