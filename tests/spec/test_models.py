"""The questionnaire model and the contract other modules build on (questions(), repeats(), labels)."""

from __future__ import annotations

import pytest

import surveykit as sk

from .helpers import small_questionnaire


def test_questions_flatten_groups_and_repeats_in_form_order():
    q = sk.Questionnaire(
        id="hh",
        languages=["es"],
        items=[
            sk.IntegerQuestion(name="n", label={"es": "N"}),
            sk.Group(
                name="sec_a",
                relevant="${n} > 0",
                children=[
                    sk.Repeat(
                        name="personas",
                        count="${n}",
                        unit="person",
                        children=[
                            sk.IntegerQuestion(name="edad", label={"es": "Edad"}),
                            sk.Group(
                                name="sub",
                                relevant="${edad} >= 18",
                                children=[sk.TextQuestion(name="ocup", label={"es": "Ocupación"})],
                            ),
                            sk.Repeat(
                                name="delitos",
                                unit="incident",
                                children=[sk.TextQuestion(name="tipo", label={"es": "Tipo"})],
                            ),
                        ],
                    )
                ],
            ),
            sk.NoteQuestion(name="fin", label={"es": "Fin"}),
        ],
    )
    rows = [(x.name, x.type, x.group_path, x.repeat, x.repeat_path, x.index) for x in q.questions()]
    assert rows == [
        ("n", "integer", (), None, (), 0),
        ("edad", "integer", ("sec_a", "personas"), "personas", ("personas",), 1),
        ("ocup", "text", ("sec_a", "personas", "sub"), "personas", ("personas",), 2),
        ("tipo", "text", ("sec_a", "personas", "delitos"), "delitos", ("personas", "delitos"), 3),
        ("fin", "note", (), None, (), 4),
    ]
    ocup = q.question("ocup")
    assert [e.src for e in ocup.inherited_relevant] == ["${n} > 0", "${edad} >= 18"]
    assert ocup.pointer == "/items/1/children/0/children/1/children/0"
    assert [(r.name, r.unit, r.parent, r.questions) for r in q.repeats()] == [
        ("personas", "person", None, ["edad", "ocup"]),
        ("delitos", "incident", "personas", ["tipo"]),
    ]
    assert q.repeats()[0].count == sk.Expr("${n}")
    assert not q.question("fin").stores_value and q.question("fin").columns() == []


def test_question_view_has_every_contract_field():
    q = small_questionnaire()
    edad, victima, medidas = (q.question(n) for n in ("edad", "victima", "medidas"))
    assert (edad.min, edad.max, edad.choices, edad.calculation, edad.required) == (0, 110, None, None, False)
    assert victima.relevant == sk.Expr("${edad} >= 18") and victima.constraint is None
    assert victima.choices == "sino" and victima.choice_list is q.choice_lists["sino"]
    assert victima.label == {"es": "¿Víctima?", "en": "Victim?"}
    assert victima.universe == {} and victima.concept is None
    with pytest.raises(AttributeError, match="no attribute"):
        edad.no_such_field  # noqa: B018
    assert medidas.columns() == ["medidas_1", "medidas_2", "medidas_3"]
    assert medidas.columns("text") == ["medidas"] and medidas.columns("both")[0] == "medidas"
    assert (edad.value_type(), victima.value_type(), medidas.measure_level()) == ("numeric", "numeric", "nominal")
    with pytest.raises(sk.QuestionnaireError, match="did you mean victima"):
        q.question("victim")


def test_missing_codes_resolution():
    q = small_questionnaire()
    # integer questions get the questionnaire's codes, selects their list's own, text none
    assert [(m.kind, m.code, m.stata_letter) for m in q.question("edad").missing] == [
        ("dont_know", -8, ".d"),
        ("refused", -9, ".r"),
    ]
    assert [(m.kind, m.code) for m in q.question("victima").missing] == [("dont_know", 9)]
    assert q.question("nombre").missing == []
    assert q.question("medidas").missing == []
    # explicit kinds: the list's code wins over the questionnaire's for the same kind
    q.items[1].missing = ["dont_know", "refused"]
    assert [m.code for m in q.question("victima").missing] == [9, -9]
    q.items[0].missing = []
    assert q.question("edad").missing == []


def test_codes_that_look_like_integers_are_integers():
    lst = sk.ChoiceList(
        choices=[
            sk.Choice(code="1"),
            sk.Choice(code=2.0),
            sk.Choice(code="01"),
            sk.Choice(code="-9"),
            sk.Choice(code="a"),
        ]
    )
    assert lst.codes() == [1, 2, "01", -9, "a"]
    with pytest.raises(sk.SpecFormatError):
        sk.Choice(code=True)


def test_plain_string_labels_in_data_are_the_default_language():
    q = sk.Questionnaire.model_validate(
        {
            "id": "x",
            "languages": ["es", "en"],
            "title": "Encuesta",
            "choice_lists": {"sino": {"choices": [{"code": 1, "label": "Sí"}]}},
            "items": [
                {
                    "type": "group",
                    "name": "g",
                    "label": "Sección",
                    "children": [{"type": "integer", "name": "a", "label": "A", "hint": {"en": "h"}}],
                }
            ],
        }
    )
    assert q.title == {"es": "Encuesta"}
    assert q.choice_lists["sino"].choices[0].label == {"es": "Sí"}
    assert q.items[0].label == {"es": "Sección"}
    assert q.question("a").label == {"es": "A"} and q.question("a").hint == {"en": "h"}


def test_bad_python_construction_raises_located_spec_format_error():
    with pytest.raises(sk.SpecFormatError) as info:
        sk.Questionnaire(
            id="x",
            languages=["es"],
            items=[
                {"type": "integer", "name": "a", "min": "ten"},
                {"type": "integr", "name": "b"},
                {"type": "text", "name": "c", "relevnt": "1"},
            ],
        )
    problems = info.value.context["problems"]
    assert [p.location.pointer for p in problems] == ["/items/0/min", "/items/1", "/items/2/relevnt"]
    assert "unknown type 'integr'" in problems[1].message
    assert "unknown key 'relevnt'" in problems[2].message
    with pytest.raises(sk.SpecFormatError, match="languages"):
        sk.Questionnaire(id="x", languages=[])


def test_required_accepts_xlsform_spellings():
    assert sk.TextQuestion(name="a", required="yes").required is True
    assert sk.TextQuestion(name="a", required="false()").required is False
    assert sk.TextQuestion(name="a", required="${b} = 1").required == sk.Expr("${b} = 1")


def test_type_is_always_serialised_and_defaults_are_left_out():
    data = sk.Questionnaire(id="x", languages=["es"], items=[sk.TextQuestion(name="t")]).to_dict()
    assert data == {"id": "x", "languages": ["es"], "items": [{"type": "text", "name": "t"}]}


def test_json_schema_describes_the_spec():
    schema = sk.Questionnaire.json_schema()
    assert set(schema["required"]) == {"id", "languages"}
    defs = schema["$defs"]
    assert defs["IntegerQuestion"]["properties"]["type"]["const"] == "integer"
    assert defs["IntegerQuestion"]["additionalProperties"] is False
    relevant = defs["IntegerQuestion"]["properties"]["relevant"]["anyOf"][0]
    assert relevant["type"] == "string" and "selected()" in relevant["description"]
    assert defs["IntegerQuestion"]["properties"]["name"]["pattern"] == "^[A-Za-z][A-Za-z0-9_]{0,31}$"
    item_types = {ref["$ref"].split("/")[-1] for ref in schema["properties"]["items"]["items"]["oneOf"]}
    assert {"Group", "Repeat", "SelectOneQuestion", "CalculateQuestion", "NoteQuestion"} <= item_types


def test_label_dictionaries_for_spss_and_stata():
    q = small_questionnaire()
    d = q.label_dictionaries("es")
    assert d.variable_labels["edad"] == "Edad"
    assert d.value_labels["victima"] == {1: "Sí", 2: "No", 9: "NS/NR"}
    assert d.missing["victima"] == {"values": [9], "ranges": [], "stata": {9: ".d"}}
    assert d.missing["edad"] == {"values": [-9, -8], "ranges": [], "stata": {-8: ".d", -9: ".r"}}
    assert d.value_labels["edad"] == {-8: "No sabe", -9: "No responde"}
    # select_multiple: text column and 0/1 columns
    assert d.types["medidas"] == "string" and "medidas" not in d.value_labels
    assert d.variable_labels["medidas_2"] == "Medidas: Alarma"
    assert d.value_labels["medidas_2"] == {0: "No seleccionado", 1: "Seleccionado"}
    assert d.measure == {
        "edad": "scale",
        "victima": "nominal",
        "medidas": "nominal",
        "medidas_1": "nominal",
        "medidas_2": "nominal",
        "medidas_3": "nominal",
        "nombre": "nominal",
    }
    assert d.units["nombre"] == "personas" and d.units["edad"] is None
    assert d["types"]["nombre"] == "string" and d.fallbacks == []
    en = q.label_dictionaries("en", layout="binary")
    assert "medidas" not in en.variable_labels and en.value_labels["medidas_1"][1] == "Selected"
    with pytest.raises(sk.QuestionnaireError, match="no language 'fr'"):
        q.label_dictionaries("fr")


def test_label_dictionaries_declare_a_range_when_spss_needs_one():
    q = sk.Questionnaire(
        id="x",
        languages=["es"],
        missing_codes=[
            sk.MissingCode(kind=k, code=c, label={"es": k})
            for k, c in (("no_answer", -1), ("not_applicable", 97), ("dont_know", 98), ("refused", 99))
        ],
        items=[sk.IntegerQuestion(name="edad", label={"es": "Edad"}, min=0, max=96)],
    )
    d = q.label_dictionaries()
    assert d.missing["edad"]["values"] == [-1] and d.missing["edad"]["ranges"] == [(97, 99)]
    assert d.missing["edad"]["stata"] == {-1: ".a", 97: ".n", 98: ".d", 99: ".r"}
    q.items[0].max = 120  # now 97..99 are valid ages: no declaration fits
    with pytest.raises(sk.QuestionnaireError, match="SK409"):
        q.label_dictionaries()
    assert [p.code for p in q.lint() if p.code == "SK409"] == ["SK409"]


def test_label_dictionaries_fall_back_visibly():
    q = sk.Questionnaire(id="x", languages=["es", "en"], items=[sk.TextQuestion(name="a", label={"es": "A"})])
    d = q.label_dictionaries("en")
    assert d.variable_labels["a"] == "A" and d.fallbacks == [("a", "es")]
