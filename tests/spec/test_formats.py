"""YAML/JSON specs, round trips (hypothesis), malformed input, codebook and DDI."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest
from hypothesis import HealthCheck, given, settings
from pyxform.xls2xform import convert

import surveykit as sk
from surveykit.questionnaire.formats.yamljson import loads_json, loads_yaml

from .helpers import small_questionnaire
from .strategies import questionnaires

ROUND_TRIP = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)


@ROUND_TRIP
@given(questionnaires())
def test_random_valid_questionnaires_lint_clean_and_round_trip_yaml_and_json(q):
    assert q.lint() == []
    text = q.to_yaml()
    back = loads_yaml(text)
    assert back == q
    assert back.to_yaml() == text  # saving is deterministic
    assert loads_json(q.to_json()) == q


@ROUND_TRIP
@given(q=questionnaires(clean=False))
def test_random_questionnaires_round_trip_through_xlsform(q, tmp_path_factory):
    path = q.to_xlsform(tmp_path_factory.mktemp("x") / "form.xlsx")
    back = sk.Questionnaire.from_xlsform(path)
    assert back == q
    assert loads_yaml(back.to_yaml()) == q


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(q=questionnaires())
def test_exported_random_forms_convert_with_pyxform(q, tmp_path_factory):
    path = q.to_xlsform(tmp_path_factory.mktemp("x") / "form.xlsx")
    assert "<h:html" in convert(xlsform=str(path)).xform


def test_yaml_file_round_trip_is_exact(tmp_path):
    q = small_questionnaire()
    path = tmp_path / "mini.yaml"
    q.to_yaml(path)
    first = path.read_bytes()
    again = sk.load_questionnaire(path)
    assert again == q and again.source.file == str(path)
    again.to_yaml(path)
    assert path.read_bytes() == first
    q.to_json(tmp_path / "mini.json")
    assert sk.load_questionnaire(tmp_path / "mini.json") == q


def test_json_specs_keep_line_numbers():
    text = (
        '{\n  "id": "x",\n  "languages": ["es"],\n  "items": [\n    {"type": "integer", "name": "a",\n'
        '     "label": "A", "min": 5, "max": 1}\n  ]\n}\n'
    )
    [p] = loads_json(text, "q.json").lint()
    assert (p.code, p.location.line, p.location.pointer) == ("SK601", 6, "/items/0/min")


@pytest.mark.parametrize(
    "text, words, line",
    [
        ("id: x\nlanguages: [es\nitems: []\n", "malformed YAML", 3),
        ("id: x\nlanguages: [es]\nitems:\n\t- {type: text, name: a}\n", "tabs", 4),
        ("- a\n- b\n", "must be a mapping", 1),
        ("id: !!python/object:os.system x\nlanguages: [es]\n", "malformed YAML", 1),
        ("id: x\nlanguages: [es]\nitems: [{type: text, name: a, relevnt: '1'}]\n", "unknown key 'relevnt'", 3),
        ("id: x\nlanguages: [es]\nitems: [{type: integer, name: a, min: ten}]\n", "valid integer", 3),
        ("id: x\nlanguages: [es]\nitems: [{name: a}]\n", "needs a 'type'", 3),
    ],
)
def test_malformed_yaml_gives_located_errors(text, words, line):
    with pytest.raises(sk.SpecFormatError) as info:
        loads_yaml(text, "bad.yaml")
    assert words in str(info.value)
    problems = info.value.context["problems"]
    assert problems and problems[0].location.line == line


def test_hostile_yaml_is_bounded(tmp_path):
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, "
        f"*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
        for i in range(8)
    )
    with pytest.raises(sk.SpecFormatError, match="aliases"):
        loads_yaml(bomb)
    with pytest.raises(sk.SpecFormatError, match="nested"):
        loads_yaml("a: " + "[" * 5000 + "]" * 5000)
    raw = tmp_path / "latin1.yaml"
    raw.write_bytes("id: x\ntitle: Encuesta de poblaci\xf3n\n".encode("latin-1"))
    with pytest.raises(sk.SpecFormatError, match=r"latin1.yaml:2: the file is not UTF-8"):
        sk.load_questionnaire(raw)
    with pytest.raises(sk.SpecFormatError, match="no such file"):
        sk.load_questionnaire(tmp_path / "missing.yaml")


def test_codebook_markdown_and_html():
    q = small_questionnaire()
    q.choice_lists["sino"].choices[0].label["es"] = "Sí <de verdad> | claro"
    md = q.to_codebook(language="es")
    assert md.startswith("# Mini\n")
    assert "### victima: ¿Víctima?" not in md and "## victima: ¿Víctima?" in md
    assert "| Se pregunta si | ${edad} >= 18 |" in md
    assert "| 1 | Sí <de verdad> \\| claro |  |" in md
    assert "| 9 | NS/NR | perdido (.d) |" in md
    assert "una columna 0/1 por opción: medidas_1, medidas_2, medidas_3" in md
    assert "| Unidad | personas |" in md
    html = q.to_codebook(format="html", language="en")
    assert "<td>Sí &lt;de verdad&gt; | claro</td>" not in html  # English labels in the English codebook
    assert "<td>Yes</td>" in html and "<td>missing (.d)</td>" in html and html.startswith("<!DOCTYPE html>")
    with pytest.raises(sk.QuestionnaireError):
        q.to_codebook(format="pdf")


def test_ddi_codebook_structure(tmp_path):
    q = small_questionnaire()
    q.items[0].universe = {"es": "Todas las personas", "en": "Everyone"}
    q.items[0].concept = "edad"
    path = tmp_path / "mini.xml"
    q.to_ddi(path)
    ns = {"d": "ddi:codebook:2_5"}
    root = ET.parse(path).getroot()
    assert root.tag == "{ddi:codebook:2_5}codeBook" and root.get("version") == "2.5"
    assert [child.tag.split("}")[1] for child in root] == ["docDscr", "stdyDscr", "fileDscr", "fileDscr", "dataDscr"]
    assert root.find("d:stdyDscr/d:citation/d:titlStmt/d:IDNo", ns).text == "mini"
    names = [v.get("name") for v in root.iterfind("d:dataDscr/d:var", ns)]
    assert names == ["edad", "victima", "medidas_1", "medidas_2", "medidas_3", "nombre"]
    nombre = root.find("d:dataDscr/d:var[@name='nombre']", ns)
    assert (
        nombre.get("files") == "F2"
        and root.find("d:fileDscr[@ID='F2']/d:fileTxt/d:fileName", ns).text == "mini_personas"
    )
    victima = root.find("d:dataDscr/d:var[@name='victima']", ns)
    cats = [(c.find("d:catValu", ns).text, c.get("missing")) for c in victima.iterfind("d:catgry", ns)]
    assert cats == [("1", None), ("2", None), ("9", "Y")]
    assert victima.find("d:universe", ns).text == "Asked if: ${edad} >= 18"
    assert [q.text for q in victima.iterfind("d:qstn/d:qstnLit", ns)] == ["¿Víctima?", "Victim?"]
    # children in the order the DDI-Codebook 2.5 schema requires
    order = ["labl", "qstn", "valrng", "universe", "catgry", "concept", "derivation", "varFormat"]
    for var in root.iterfind("d:dataDscr/d:var", ns):
        tags = [c.tag.split("}")[1] for c in var]
        assert tags == sorted(tags, key=order.index)
    edad = root.find("d:dataDscr/d:var[@name='edad']", ns)
    assert edad.find("d:valrng/d:range", ns).attrib == {"min": "0", "max": "110"}
    assert [c.find("d:catValu", ns).text for c in edad.iterfind("d:catgry[@missing='Y']", ns)] == ["-8", "-9"]
    assert edad.find("d:concept", ns).text == "edad"


def test_json_schema_is_json():
    assert json.loads(json.dumps(sk.Questionnaire.json_schema()))["title"] == "Questionnaire"


def test_the_example_in_the_docs_loads_and_lints_clean():
    from pathlib import Path

    docs = (Path(__file__).parents[2] / "docs" / "questionnaires.md").read_text(encoding="utf-8")
    example = docs.split("```yaml\n", 1)[1].split("```", 1)[0]
    q = loads_yaml(example, "questionnaires.md")
    assert q.lint() == []
    assert [(r.name, r.unit) for r in q.repeats()] == [("personas", "person"), ("delitos", "incident")]
    assert q.question("p_noche").group_path == ("adulto",) and q.question("edad").repeat == "personas"
    assert [m.code for m in q.question("edad").missing] == [-8, -9]
    assert q.question("n_personas").missing == [] and [m.code for m in q.question("victima").missing] == [9]
