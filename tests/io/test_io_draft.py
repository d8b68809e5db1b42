"""questionnaire_from_metadata: a draft spec from a labelled legacy file."""

from __future__ import annotations

import pandas as pd

import surveykit as sk


def test_draft_from_spss_file(spss_file):
    q = sk.questionnaire_from_metadata(spss_file, id="enpv2019")
    assert q.id == "enpv2019"
    assert q.title == {"es": "ENPV 2024"}
    types = {x.name: x.type for x in q.questions()}
    assert types == {
        "id": "integer",
        "sexo": "select_one",
        "edad": "integer",
        "p10": "select_one",
        "p11": "select_one",
        "depto": "select_one",
        "nombre": "text",
    }
    # p10 and p11 share one list: same labels, same missing codes
    assert q.question("p10").choices == q.question("p11").choices == "p10"
    lst = q.choice_lists["p10"]
    assert [(c.code, c.label["es"]) for c in lst.choices] == [(1, "Sí"), (2, "No")]
    assert [(mc.kind, mc.code) for mc in lst.missing] == [("dont_know", 98), ("refused", 99)]
    assert [(mc.kind, mc.code) for mc in q.choice_lists["sexo"].missing] == [("refused", 9)]
    # edad: a range 98-99 without labels -> question-level missing codes 98 and 99
    edad = q.question("edad")
    assert sorted(m.code for m in edad.missing) == [98, 99]
    assert [m.code for m in q.question("id").missing] == []
    assert q.question("depto").label == {"es": "Departamento"}
    assert "inferred from victimizacion.sav" in q.settings["provenance"]


def test_draft_checks_its_own_file_cleanly(spss_file):
    q = sk.questionnaire_from_metadata(spss_file)
    df = sk.read_microdata(spss_file, user_missing="keep")
    report = sk.check_microdata(df, q)
    assert report.empty, report
    # the draft writes the same labels back
    d = q.label_dictionaries()
    assert d.value_labels["depto"][4] == "La Unión"
    assert d.missing["p10"]["values"] == [98, 99]


def test_draft_from_stata_letters(stata_file):
    df = sk.read_microdata(stata_file, user_missing="keep")
    q = sk.questionnaire_from_metadata(df, language="es")
    lst = q.choice_lists["p10"]
    assert [(m.kind, m.code, m.stata) for m in lst.missing] == [("no_answer", ".a", ".a"), ("missing_b", ".b", ".b")]
    assert q.question("ingreso").type == "decimal"


def test_draft_from_metadata_dict_and_yaml_round_trip(tmp_path):
    meta = {
        "columns": ["p1", "monto"],
        "variable_labels": {"p1": "Confianza"},
        "value_labels": {"p1": {1: "Mucha", 2: "Poca", 3: "Ninguna"}},
        "measure": {"p1": "ordinal"},
        "formats": {"monto": "F8.2"},
    }
    q = sk.questionnaire_from_metadata(meta, id="x")
    assert q.choice_lists["p1"].ordered is True
    assert q.question("monto").type == "decimal"
    q.to_yaml(tmp_path / "x.yaml")
    assert sk.load_questionnaire(tmp_path / "x.yaml") == q
    assert pd.isna(pd.NA)
