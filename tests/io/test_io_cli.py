"""``surveykit check``: summary on stdout, problems file, exit status 0/1/2."""

from __future__ import annotations

import pandas as pd
import pytest

import surveykit as sk
from surveykit.cli import main

from test_io_check import hogares, personas, victim_questionnaire


@pytest.fixture
def spec(tmp_path):
    path = tmp_path / "enpv.yaml"
    victim_questionnaire().to_yaml(path)
    return path


def test_check_two_tables_writes_problems(tmp_path, spec, capsys):
    sk.write_microdata(hogares(), tmp_path / "hogares.sav")
    personas().astype({"edad": str}).to_csv(tmp_path / "personas.csv", index=False)
    out = tmp_path / "problemas.csv"
    code = main(
        [
            "check",
            f"hogar={tmp_path / 'hogares.sav'}",
            f"personas={tmp_path / 'personas.csv'}",
            "-q",
            str(spec),
            "--id",
            "hogar=id_hogar",
            "--id",
            "personas=id_hogar,linea",
            "--out",
            str(out),
        ]
    )
    assert code == 1
    text = capsys.readouterr().out
    assert "checked 6 rows in 'hogar', 5 rows in 'personas' against questionnaire 'enpv': 15 problems in" in text
    assert "  parent: 1\n" in text
    problems = pd.read_csv(out, dtype=str)
    assert len(problems) == 15
    assert problems.loc[problems["rule"] == "type", ["id", "value"]].values.tolist() == [["3/1", "treinta"]]


def test_check_clean_data_exits_0_and_xlsx_output(tmp_path, spec, capsys):
    h = hogares().iloc[[0]].copy()
    h["perdida"] = 10.0
    h["n_personas"] = 1
    path = tmp_path / "h.csv"
    h.to_csv(path, index=False)
    assert main(["check", str(path), "-q", str(spec), "--out", str(tmp_path / "p.xlsx")]) == 0
    assert "0 problems in 0 rows" in capsys.readouterr().out
    assert len(sk.read_microdata(tmp_path / "p.xlsx")) == 0


def test_check_bad_file_exits_2(tmp_path, spec, capsys):
    bad = tmp_path / "h.sav"
    bad.write_bytes(b"")
    assert main(["check", str(bad), "-q", str(spec)]) == 2
    assert "h.sav is empty (0 bytes)" in capsys.readouterr().err


def test_check_sheet_per_unit(tmp_path, spec, capsys):
    """One workbook, a sheet per table: --sheet UNIT=SHEET reads each table from its own sheet."""
    book = tmp_path / "encuesta.xlsx"
    with pd.ExcelWriter(book) as xw:
        pd.DataFrame({"nota": ["not the data"]}).to_excel(xw, sheet_name="portada", index=False)
        hogares().to_excel(xw, sheet_name="hogares", index=False)
        personas().to_excel(xw, sheet_name="personas", index=False)
    args = [
        "check",
        f"hogar={book}",
        f"personas={book}",
        "-q",
        str(spec),
        "--id",
        "hogar=id_hogar",
        "--id",
        "personas=id_hogar,linea",
    ]
    code = main([*args, "--sheet", "hogar=hogares", "--sheet", "personas=personas"])
    text = capsys.readouterr().out
    assert "checked 6 rows in 'hogar', 5 rows in 'personas'" in text and code == 1
    # one sheet for the main table only: the roster's sheet must be named, not taken from the first sheet
    assert main([*args, "--sheet", "hogares"]) == 2
    assert "--sheet names no sheet for table 'personas'" in capsys.readouterr().err
