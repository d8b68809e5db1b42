"""check_microdata: codes, ranges, types, skip logic, required answers, constraints, duplicate ids,
roster rows without a parent and roster sizes; nothing is dropped or changed."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import surveykit as sk


def victim_questionnaire() -> sk.Questionnaire:
    sino = sk.ChoiceList(
        choices=[sk.Choice(code=1, label={"es": "Sí"}), sk.Choice(code=2, label={"es": "No"})],
        missing=[
            sk.MissingCode(kind="dont_know", code=98, label={"es": "No sabe"}),
            sk.MissingCode(kind="refused", code=99, label={"es": "No responde"}),
            sk.MissingCode(kind="not_applicable", code=96, label={"es": "No aplica"}),
        ],
    )
    return sk.Questionnaire(
        id="enpv",
        languages=["es"],
        unit="hogar",
        missing_codes=[sk.MissingCode(kind="refused", code=-9, label={"es": "No responde"})],
        choice_lists={
            "sino": sino,
            "depto": sk.ChoiceList(
                choices=[
                    sk.Choice(code=c, label={"es": t})
                    for c, t in [(1, "Ahuachapán"), (2, "Santa Ana"), (3, "Cuscatlán")]
                ]
            ),
            "medios": sk.ChoiceList(
                choices=[
                    sk.Choice(code=c, label={"es": t}) for c, t in [(1, "Policía"), (2, "Fiscalía"), (3, "Juzgado")]
                ]
            ),
        },
        items=[
            sk.SelectOneQuestion(name="depto", label={"es": "Departamento"}, choices="depto", required=True),
            sk.IntegerQuestion(name="n_personas", label={"es": "Número de personas"}, min=1, max=20, required=True),
            sk.SelectOneQuestion(name="victima", label={"es": "¿Fue víctima?"}, choices="sino", required=True),
            sk.SelectOneQuestion(
                name="denuncia", label={"es": "¿Denunció?"}, choices="sino", relevant="${victima} = 1", required=True
            ),
            sk.SelectMultipleQuestion(
                name="donde", label={"es": "¿Dónde denunció?"}, choices="medios", relevant="${denuncia} = 1"
            ),
            sk.DecimalQuestion(
                name="perdida",
                label={"es": "Pérdida en dólares"},
                min=0,
                relevant="${victima} = 1",
                constraint=". < 100000",
                constraint_message={"es": "Pérdida demasiado alta"},
            ),
            sk.TextQuestion(name="obs", label={"es": "Observaciones"}),
            sk.Repeat(
                name="personas",
                unit="persona",
                count="${n_personas}",
                children=[
                    sk.IntegerQuestion(name="edad", label={"es": "Edad"}, min=0, max=110, required=True),
                    sk.SelectOneQuestion(
                        name="trabaja",
                        label={"es": "¿Trabaja?"},
                        choices="sino",
                        relevant="${edad} >= 15",
                        required=True,
                    ),
                ],
            ),
        ],
    )


def hogares() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "id_hogar": [1, 2, 3, 4, 5, 5],
            "depto": [1, 2, 7, 3, 1, 2],  # 7 is no department
            "n_personas": [2, 1, 1, 1, 1, 1],
            "victima": [1, 2, 1, 98, 1, 2],
            "denuncia": [1, 1, np.nan, np.nan, 2, 96],  # row 1 answered though not victim; row 2 missing
            "donde": ["1 3", None, None, None, "2", None],  # row 4 answered though denuncia = 2
            "perdida": [150.0, np.nan, 250000.0, np.nan, -5.0, np.nan],
            "obs": ["Sin novedad", "", None, "ñandú", None, None],
        }
    )


def personas() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "id_hogar": [1, 1, 2, 3, 9],
            "linea": [1, 2, 1, 1, 1],
            "edad": [40, 12, 35, "treinta", 20],
            "trabaja": [1, 2, np.nan, 1, 1],  # row 1: 12 years old and answered
        }
    )


def test_every_rule_on_a_household_survey():
    q = victim_questionnaire()
    h, p = hogares(), personas()
    before_h, before_p = h.copy(), p.copy()
    report = sk.check_microdata(
        {"hogar": h, "personas": p}, q, ids={"hogar": "id_hogar", "personas": ["id_hogar", "linea"]}
    )
    got = set(zip(report["unit"], report["id"], report["variable"], report["rule"]))
    expected = {
        ("hogar", "3", "depto", "choice"),
        ("hogar", "2", "denuncia", "relevance"),
        ("hogar", "3", "denuncia", "required"),
        ("hogar", "5", "donde", "relevance"),
        ("hogar", "3", "perdida", "constraint"),
        ("hogar", "5", "perdida", "range"),
        ("hogar", "5", "id_hogar", "duplicate_id"),
        ("personas", "1/2", "trabaja", "relevance"),
        ("personas", "2/1", "trabaja", "required"),
        ("personas", "3/1", "edad", "type"),
        ("personas", "9/1", "id_hogar", "parent"),
        ("hogar", "5", "personas", "count"),  # two rows with id 5; none has a person
        ("hogar", "4", "personas", "count"),
    }
    assert got == expected, got ^ expected
    # the 96 (not applicable) filler is accepted where denuncia is not asked; 98 is an answer
    assert not ((report["id"] == "4") & (report["variable"] == "victima")).any()
    pd.testing.assert_frame_equal(h, before_h)
    pd.testing.assert_frame_equal(p, before_p)
    summary = report.attrs["summary"]
    assert summary["rows"] == {"hogar": 6, "personas": 5}
    assert summary["problems"] == len(report) == 15  # both rows with id 5: duplicate_id and count
    assert summary["by_rule"]["duplicate_id"] == 2
    msg = report.loc[report["rule"] == "constraint", "message"].iloc[0]
    assert msg == "'perdida': Pérdida demasiado alta"
    row = report[(report["rule"] == "type")].iloc[0]
    assert (row["row"], row["value"]) == (3, "treinta")


def test_expressions_across_units_use_parent_answers():
    q = sk.Questionnaire(
        id="x",
        languages=["es"],
        items=[
            sk.IntegerQuestion(name="area"),
            sk.Repeat(name="personas", children=[sk.IntegerQuestion(name="bus", relevant="${area} = 1")]),
        ],
    )
    h = pd.DataFrame({"hid": [1, 2], "area": [1, 2]})
    p = pd.DataFrame({"hid": [1, 2, 2], "bus": [3, 4, np.nan]})
    report = sk.check_microdata({"main": h, "personas": p}, q, ids={"main": "hid", "personas": "hid"})
    rel = report[report["rule"] == "relevance"]
    assert rel["row"].tolist() == [1] and rel["value"].tolist() == [4.0]


def test_select_multiple_binary_columns():
    q = sk.Questionnaire(
        id="x",
        languages=["es"],
        choice_lists={"m": sk.ChoiceList(choices=[sk.Choice(code=1), sk.Choice(code=2)])},
        items=[
            sk.IntegerQuestion(name="a"),
            sk.SelectMultipleQuestion(name="s", choices="m", relevant="${a} > 0", required=True),
        ],
    )
    df = pd.DataFrame({"a": [1, 1, 0, 1], "s_1": [1, 0, 1, 2], "s_2": [0, 1, np.nan, 0]})
    report = sk.check_microdata(df, q)
    assert sorted(zip(report["row"], report["variable"], report["rule"])) == [
        (2, "s", "relevance"),
        (3, "s_1", "choice"),
    ]
    df2 = pd.DataFrame({"a": [1, 1], "s_1": [np.nan, 1], "s_2": [np.nan, 0]})
    assert sk.check_microdata(df2, q)[["row", "rule"]].values.tolist() == [[0, "required"]]


def test_not_checked_is_reported_not_raised():
    q = victim_questionnaire()
    report = sk.check_microdata(hogares().drop(columns=["perdida"]), q)
    nc = report[report["rule"] == "not_checked"]
    assert "column 'perdida' is not in table 'hogar'" in " ".join(nc["message"])
    assert report.attrs["summary"]["not_checked"][0]["variable"] == "perdida"


def test_warning_when_missing_codes_were_converted(tmp_path):
    q = victim_questionnaire()
    h = hogares()[["id_hogar", "depto", "n_personas", "victima"]]
    h.attrs["surveykit"] = {"converted_missing": {"victima": 1}}
    with pytest.warns(sk.SurveykitWarning, match="user_missing='keep'"):
        sk.check_microdata(h, q)


def test_bad_arguments():
    q = victim_questionnaire()
    with pytest.raises(sk.MicrodataError, match="table 'hogares' is not a unit"):
        sk.check_microdata({"hogares": hogares()}, q)
    with pytest.raises(sk.MicrodataError, match="id column\\(s\\) \\['folio'\\] are not in table"):
        sk.check_microdata(hogares(), q, ids="folio")


def test_write_with_questionnaire_labels_and_stata_letters(tmp_path):
    q = victim_questionnaire()
    h = hogares().iloc[[0, 1, 2, 3, 5]]  # one row per household
    sk.write_microdata(h, tmp_path / "h.sav", questionnaire=q)
    meta = sk.read_metadata(tmp_path / "h.sav")
    assert meta["variable_labels"]["victima"] == "¿Fue víctima?"
    assert meta["value_labels"]["victima"] == {1: "Sí", 2: "No", 98: "No sabe", 99: "No responde", 96: "No aplica"}
    assert meta["missing"]["victima"] == {"values": [96, 98, 99], "ranges": [], "stata": []}
    assert meta["variable_labels"]["donde"] == "¿Dónde denunció?"  # select_multiple as a text column
    # Stata: the questionnaire's missing codes carry letters (.d don't know, .r refused, .n not applicable)
    sk.write_microdata(h.drop(columns=["obs", "donde"]), tmp_path / "h.dta", questionnaire=q)
    raw = sk.read_microdata(tmp_path / "h.dta", user_missing="keep")
    assert raw["victima"].tolist()[3] == ".d" and raw["denuncia"].tolist()[4] == ".n"
    # read back with the questionnaire: the letters become its codes again
    back = sk.read_microdata(tmp_path / "h.dta", user_missing="keep", questionnaire=q)
    assert back["victima"].tolist() == [1, 2, 1, 98, 2] and back["denuncia"].tolist()[4] == 96
    report = sk.check_microdata(back, q, ids="id_hogar")
    assert ("4", "victima") not in set(zip(report["id"], report["variable"]))


def test_labels_in_cells_mapped_with_the_questionnaire(tmp_path):
    q = victim_questionnaire()
    path = tmp_path / "captura.csv"
    pd.DataFrame(
        {"id_hogar": [1, 2, 3], "victima": ["Sí", "No sabe", "2"], "depto": ["Santa Ana", "Cuscatlán", "Ahuachapán"]}
    ).to_csv(path, index=False)
    df = sk.read_microdata(path, questionnaire=q, user_missing="keep")
    assert df["victima"].tolist() == [1, 98, 2] and df["depto"].tolist() == [2, 3, 1]
    assert df.attrs["surveykit"]["value_labels"]["depto"][3] == "Cuscatlán"
    assert sk.read_microdata(path, questionnaire=q)["victima"].isna().tolist() == [False, True, False]
