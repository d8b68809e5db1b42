"""Every kind of mismatch between an export and its questionnaire is reported with its row and column."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

import surveykit as sk
from surveykit.cli import main as cli

Q = sk.Questionnaire(
    id="mini",
    languages=["es", "en"],
    unit="persona",
    missing_codes=[sk.MissingCode(kind="dont_know", code=98, label={"es": "No sabe", "en": "Don't know"})],
    choice_lists={
        "sino": sk.ChoiceList(
            choices=[
                sk.Choice(code=1, label={"es": "Sí", "en": "Yes"}),
                sk.Choice(code=2, label={"es": "No", "en": "No"}),
            ],
            missing=[sk.MissingCode(kind="dont_know", code=8, label={"es": "No sabe", "en": "Don't know"})],
        ),
        "armas": sk.ChoiceList(
            choices=[
                sk.Choice(code=1, label={"es": "Fuego", "en": "Gun"}),
                sk.Choice(code=2, label={"es": "Blanca", "en": "Knife"}),
            ],
            missing=[sk.MissingCode(kind="dont_know", code=8, label={"es": "No sabe", "en": "Don't know"})],
        ),
    },
    items=[
        sk.Group(
            name="g",
            children=[
                sk.IntegerQuestion(name="edad", min=18, max=99),
                sk.SelectOneQuestion(name="victima", choices="sino"),
                sk.DateQuestion(name="fecha"),
            ],
        ),
        sk.Repeat(name="inc", children=[sk.SelectMultipleQuestion(name="arma", choices="armas")]),
    ],
)


def kobo(tmp_path: Path, main: dict, rep: dict) -> Path:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "mini"
    ws.append(list(main))
    for row in zip(*main.values()):
        ws.append(list(row))
    ws2 = wb.create_sheet("inc")
    ws2.append(list(rep))
    for row in zip(*rep.values()):
        ws2.append(list(row))
    path = tmp_path / "k.xlsx"
    wb.save(path)
    return path


MAIN = {
    "g/edad": [30, "treinta", 98],
    "g/victima": ["1", "7", "8"],
    "g/fecha": ["2024-03-01", "ayer", None],
    "extra_col": ["a", "b", "c"],
    "_uuid": ["u1", "u2", "u3"],
    "_submission_time": ["2024-03-02T10:00:00"] * 3,
    "_submitted_by": ["ana", "ana", "beto"],
    "_index": [1, 2, 3],
}
REP = {
    "g/inc/arma": ["1 2", "1", "8 1", "3", "2"],
    "g/inc/arma/1": [1, 0, 1, 0, 0],
    "g/inc/arma/2": [1, 0, 0, 0, 5],
    "g/inc/arma/8": [0, 0, 1, 0, 0],
    "_index": [1, 2, 3, 4, 5],
    "_parent_table_name": ["mini"] * 5,
    "_parent_index": [1, 1, 2, 3, 9],
}


def test_every_mismatch_kind_located(tmp_path):
    units = sk.read_collection(kobo(tmp_path, MAIN, REP), Q, progress=False)
    p = units.problems
    got = {(r.kind, r.unit, r.column, None if pd.isna(r.source_row) else int(r.source_row)) for r in p.itertuples()}
    assert got == {
        ("unmapped_column", "persona", "extra_col", None),
        ("not_a_number", "persona", "g/edad", 3),
        ("unknown_code", "persona", "g/victima", 3),
        ("not_a_date", "persona", "g/fecha", 3),
        ("select_multiple_disagree", "inc", "g/inc/arma", 3),  # text "1" but 0/1 columns say none
        ("missing_code_mixed", "inc", "g/inc/arma", 4),  # "8 1": don't know with a choice
        ("unknown_code", "inc", "g/inc/arma", 5),  # code 3 is not in the list
        ("split_value", "inc", "g/inc/arma/2", 6),  # 5 in a 0/1 column
        ("orphan", "inc", "_parent_index", 6),  # _parent_index 9: no such row
    }
    m = units["persona"]
    assert m["edad"].tolist() == [30, "treinta", 98]  # kept as found, reported
    assert m["victima"].tolist() == [1, "7", 8]
    assert units.unmapped == {"persona": ["extra_col"], "inc": []}
    inc = units["inc"]
    assert inc["interview_id"].tolist()[:4] == ["u1", "u1", "u2", "u3"] and inc["interview_id"].isna().tolist()[4]
    assert inc["id_inc"].tolist() == [1.0, 2.0, 1.0, 1.0, 1.0]
    np.testing.assert_array_equal(inc["arma_1"], [1.0, 1.0, 1.0, np.nan, 0.0])  # the bad "3": reported, empty
    # the check of the units reports the kept values too
    report = units.check()
    assert set(report["rule"]) >= {"type", "choice", "parent"}


def test_problems_carry_their_rule_code_and_severity(tmp_path):
    from surveykit.io.collection import COLLECTION_RULES, PROBLEM_KINDS

    p = sk.read_collection(kobo(tmp_path, MAIN, REP), Q, progress=False).problems
    assert list(p.columns[5:8]) == ["kind", "code", "severity"]
    assert dict(zip(p["kind"], p["code"]))["missing_code_mixed"] == "RC306"
    assert set(p.loc[p["kind"] == "unmapped_column", "severity"]) == {"warning"}
    assert set(p.loc[p["kind"] == "not_a_number", "severity"]) == {"error"}
    for kind, code, severity in zip(p["kind"], p["code"], p["severity"]):
        rule = COLLECTION_RULES[code]
        assert (rule.name, rule.severity) == (kind, severity) and rule.es and rule.en
    assert set(PROBLEM_KINDS) == {r.name for r in COLLECTION_RULES}


def test_no_column_and_cli_exit(tmp_path, capsys):
    main = {k: v for k, v in MAIN.items() if k != "g/fecha"}
    path = kobo(tmp_path, main, REP)
    units = sk.read_collection(path, Q, progress=False)
    assert ("no_column", "fecha") in set(zip(units.problems["kind"], units.problems["question"]))
    code = cli(["check", str(path), "-q", str(_spec(tmp_path))])
    out = capsys.readouterr().out
    assert code == 1
    assert "unmapped: 1 column(s) of 'persona' are no question of 'mini' nor collection metadata: extra_col" in out
    assert "not checked: 1 question(s) have no column in the data: fecha" in out


def _spec(tmp_path: Path) -> Path:
    p = tmp_path / "mini.yaml"
    Q.to_yaml(p)
    return p


def test_clean_export_cli_exit_0(tmp_path, capsys):
    main = {k: v for k, v in MAIN.items() if k != "extra_col"}
    main.update({"g/edad": [30, 40, 98], "g/victima": ["1", "2", "8"], "g/fecha": ["2024-03-01"] * 3})
    rep = dict(
        REP,
        **{
            "g/inc/arma": ["1 2", "1", "8", "1", "2"],
            "g/inc/arma/1": [1, 1, 0, 1, 0],
            "g/inc/arma/2": [1, 0, 0, 0, 1],
            "g/inc/arma/8": [0, 0, 1, 0, 0],
            "_parent_index": [1, 1, 2, 3, 3],
        },
    )
    path = kobo(tmp_path, main, rep)
    assert cli(["check", str(path), "-q", str(_spec(tmp_path)), "--questions"]) == 0
    out = capsys.readouterr().out
    assert "read a kobo export: persona (3 rows), inc (5 rows); 0 reading problems" in out
    assert "questions: 4 of 4 checked" in out
    units = sk.read_collection(path, Q, progress=False)
    assert units["inc"]["arma_1"].tolist() == [1.0, 1.0, 8.0, 1.0, 0.0]  # don't know in every 0/1 column


def test_survey_solutions_unanswered_and_skipped(tmp_path):
    q = Q.model_copy(update={"missing_codes": [*Q.missing_codes, sk.MissingCode(kind="no_answer", code=-9)]})
    files = {
        "mini": pd.DataFrame(
            {
                "interview__key": ["01-02-03-04", "05-06-07-08", "09-10-11-12"],
                "interview__id": ["a" * 32, "b" * 32, "c" * 32],
                "edad": [30, -999999999, np.nan],
                "victima": [1, -999999999, np.nan],
                "fecha": ["2024-03-01", "##N/A##", None],
                "interview__status": 100,
            }
        ),
        "inc": pd.DataFrame(
            {
                "inc__id": [1, 2, 1],
                "arma__1": [1, 0, -999999999],
                "arma__2": [1, 1, -999999999],
                "arma__8": [0, 0, -999999999],
                "interview__key": ["01-02-03-04"] * 2 + ["05-06-07-08"],
                "interview__id": ["a" * 32] * 2 + ["b" * 32],
            }
        ),
    }
    path = tmp_path / "s.zip"
    with zipfile.ZipFile(path, "w") as z:
        for name, df in files.items():
            z.writestr(f"{name}.tab", df.to_csv(sep="\t", index=False))
    units = sk.read_collection(path, q, progress=False)
    m = units["persona"]
    assert m["edad"].tolist()[:2] == [30.0, -9.0] and np.isnan(m["edad"].iloc[2])  # unanswered -> no_answer code
    un = units.problems[units.problems["kind"] == "unanswered"]
    # victima's list (sino) has no no_answer code; fecha (a date) has no missing codes; arma's list neither
    assert sorted(zip(un["question"], un["source_row"])) == [("arma", 4), ("fecha", 3), ("victima", 3)]
    assert np.isnan(m["victima"].iloc[1]) and np.isnan(m["victima"].iloc[2])
    assert units["inc"]["arma_2"].tolist()[:2] == [1.0, 1.0] and np.isnan(units["inc"]["arma_2"].iloc[2])
    assert units["inc"]["id_inc"].tolist() == [1.0, 2.0, 1.0]
    # another kind for "asked, not answered": the sino and armas lists' don't know (8)
    units = sk.read_collection(path, q, unanswered="dont_know", progress=False)
    assert units["persona"]["victima"].tolist()[1] == 8.0 and units["inc"]["arma_1"].tolist()[2] == 8.0
    assert units["persona"]["edad"].tolist()[1] == 98.0


def test_convert_sav_with_only_missing_labels(tmp_path):
    df = pd.DataFrame({"edad": [34.0, 51, 99], "p1": [1.0, 2, 98]})
    df.attrs["surveykit"] = {
        "value_labels": {"edad": {98: "No sabe", 99: "No responde"}, "p1": {1: "Sí", 2: "No", 98: "No sabe"}},
        "missing": {"edad": {"values": [98, 99]}, "p1": {"values": [98]}},
    }
    sk.write_microdata(df, tmp_path / "x.sav")
    assert cli(["convert", str(tmp_path / "x.sav"), str(tmp_path / "q.yaml")]) == 0
    q = sk.load_questionnaire(tmp_path / "q.yaml")
    assert [(i.model.name, i.model.type) for i in q.questions()] == [("edad", "integer"), ("p1", "select_one")]
    assert [m.code for m in q.question("edad").missing] == [98, 99]
    assert [p.code for p in q.lint() if p.severity == "error" or p.code == "SK405"] == []
    assert len(sk.check_microdata(sk.read_microdata(tmp_path / "x.sav", user_missing="keep"), q)) == 0


NESTED = sk.Questionnaire(
    id="hog",
    languages=["es"],
    unit="hogar",
    items=[
        sk.IntegerQuestion(name="n_personas", min=1, max=20),
        sk.Repeat(
            name="personas",
            count="${n_personas}",
            children=[
                sk.IntegerQuestion(name="edad", min=0, max=110),
                sk.Repeat(name="trabajos", children=[sk.IntegerQuestion(name="horas", min=0, max=99)]),
            ],
        ),
    ],
)
# two households: 2 persons (jobs: 1, 2) and 1 person (no job)
WANT = {
    "hogar": [["k1", 2.0], ["k2", 1.0]],
    "personas": [["k1", 1.0, 30.0], ["k1", 2.0, 12.0], ["k2", 1.0, 70.0]],
    "trabajos": [["k1", 1.0, 1.0, 40.0], ["k1", 2.0, 1.0, 20.0], ["k1", 2.0, 2.0, 8.0]],
}


def _nested_values(units):
    cols = {
        "hogar": ["interview_id", "n_personas"],
        "personas": ["interview_id", "id_personas", "edad"],
        "trabajos": ["interview_id", "id_personas", "id_trabajos", "horas"],
    }
    return {u: units[u][c].values.tolist() for u, c in cols.items()}


def test_nested_repeats_kobo_odk_suso(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "hog"
    for row in [["n_personas", "_uuid", "_index"], [2, "k1", 1], [1, "k2", 2]]:
        ws.append(row)
    ws = wb.create_sheet("personas")
    for row in [
        ["personas/edad", "_index", "_parent_table_name", "_parent_index"],
        [30, 1, "hog", 1],
        [12, 2, "hog", 1],
        [70, 3, "hog", 2],
    ]:
        ws.append(row)
    ws = wb.create_sheet("trabajos")
    for row in [
        ["personas/trabajos/horas", "_index", "_parent_table_name", "_parent_index"],
        [40, 1, "personas", 1],
        [20, 2, "personas", 2],
        [8, 3, "personas", 2],
    ]:
        ws.append(row)
    wb.save(tmp_path / "k.xlsx")
    odk = {
        "hog.csv": "SubmissionDate,n_personas,KEY\n2024-03-01T10:00:00Z,2,uuid:k1\n2024-03-01T11:00:00Z,1,uuid:k2\n",
        "hog-personas.csv": "edad,PARENT_KEY,KEY\n30,uuid:k1,uuid:k1/personas[1]\n12,uuid:k1,uuid:k1/personas[2]\n"
        "70,uuid:k2,uuid:k2/personas[1]\n",
        "hog-trabajos.csv": "horas,PARENT_KEY,KEY\n40,uuid:k1/personas[1],uuid:k1/personas[1]/trabajos[1]\n"
        "20,uuid:k1/personas[2],uuid:k1/personas[2]/trabajos[1]\n"
        "8,uuid:k1/personas[2],uuid:k1/personas[2]/trabajos[2]\n",
    }
    with zipfile.ZipFile(tmp_path / "c.zip", "w") as z:
        for name, text in odk.items():
            z.writestr(name, text)
    suso = {
        "hog.tab": "interview__key\tinterview__id\tn_personas\nk1\taa\t2\nk2\tbb\t1\n",
        "personas.tab": "personas__id\tedad\tinterview__key\tinterview__id\n1\t30\tk1\taa\n2\t12\tk1\taa\n"
        "1\t70\tk2\tbb\n",
        "trabajos.tab": "trabajos__id\thoras\tpersonas__id\tinterview__key\tinterview__id\n1\t40\t1\tk1\taa\n"
        "1\t20\t2\tk1\taa\n2\t8\t2\tk1\taa\n",
    }
    with zipfile.ZipFile(tmp_path / "s.zip", "w") as z:
        for name, text in suso.items():
            z.writestr(name, text)
    for path, tool in (
        (tmp_path / "k.xlsx", "kobo"),
        (tmp_path / "c.zip", "odk"),
        (tmp_path / "s.zip", "surveysolutions"),
    ):
        units = sk.read_collection(path, NESTED, progress=False)
        assert units.tool == tool
        assert units.problems.empty, units.problems.to_string()
        assert _nested_values(units) == WANT, tool
        assert units.ids["trabajos"] == ["interview_id", "id_personas", "id_trabajos"]
        assert len(units.check()) == 0


def test_kobo_lone_csv_main_table_only(tmp_path):
    """KPI's CSV export holds the main table only (;-separated); the missing repeat is reported."""
    path = tmp_path / "hog.csv"
    path.write_text(
        '"n_personas";"_uuid";"_submission_time";"_index"\n"2";"k1";"2024-03-01T10:00:00";"1"\n', encoding="utf-8"
    )
    units = sk.read_collection(path, NESTED, progress=False)
    assert units.tool == "kobo"
    assert units["hogar"][["interview_id", "n_personas"]].values.tolist() == [["k1", 2.0]]
    assert str(units["hogar"]["submission_time"].iloc[0]) == "2024-03-01 10:00:00"
    missing = units.problems[units.problems["kind"] == "no_column"]
    assert sorted(missing["unit"]) == ["personas", "trabajos"]
    assert set(units) == {"hogar"}
