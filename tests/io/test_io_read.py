"""Reading SPSS, Stata, Excel, CSV and Parquet: codes stay codes, labels and missing declarations
travel in df.attrs["surveykit"], declared missing becomes NaN unless user_missing="keep"."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pyreadstat
import pytest

import surveykit as sk

from io_samples import VALUE_LABELS, VARIABLE_LABELS, victim_frame


def nan_list(s):
    return [None if (isinstance(v, float) and math.isnan(v)) else v for v in s.tolist()]


# --- SPSS ------------------------------------------------------------------------------------
def test_sav_user_missing_become_nan_by_default(spss_file):
    df = sk.read_microdata(spss_file)
    assert nan_list(df["sexo"]) == [1, 2, 2, 1, None, 2]
    assert nan_list(df["edad"]) == [34, 51, 19, None, 45, None]  # range 98-99
    assert nan_list(df["p10"]) == [1, 2, 1, None, 2, 1]
    assert nan_list(df["p11"]) == [1, None, 2, None, None, None]
    meta = df.attrs["surveykit"]
    assert meta["converted_missing"] == {"sexo": 1, "edad": 2, "p10": 1, "p11": 1}
    assert meta["user_missing"] == "nan"


def test_sav_keep_user_missing(spss_file):
    df = sk.read_microdata(spss_file, user_missing="keep")
    assert nan_list(df["sexo"]) == [1, 2, 2, 1, 9, 2]
    assert nan_list(df["edad"]) == [34, 51, 19, 99, 45, 98]
    assert nan_list(df["p11"]) == [1, None, 2, None, None, 99]
    assert "converted_missing" not in df.attrs["surveykit"]


def test_sav_metadata_spanish_labels_int_keys(spss_file):
    meta = sk.read_microdata(spss_file).attrs["surveykit"]
    assert meta["format"] == "sav"
    assert meta["variable_labels"] == VARIABLE_LABELS
    assert meta["value_labels"] == VALUE_LABELS
    # keys are ints, not pyreadstat's floats
    assert all(type(k) is int for d in meta["value_labels"].values() for k in d)
    assert meta["missing"]["sexo"] == {"values": [9], "ranges": [], "stata": []}
    assert meta["missing"]["edad"] == {"values": [], "ranges": [[98, 99]], "stata": []}
    assert meta["missing"]["p10"]["values"] == [98, 99]
    assert meta["measure"]["sexo"] == "nominal"
    assert meta["file_label"] == "ENPV 2024"
    assert meta["n_rows"] == 6
    assert meta["columns"] == ["id", "sexo", "edad", "p10", "p11", "depto", "nombre"]


def test_read_metadata_without_data(spss_file):
    meta = sk.read_metadata(spss_file)
    assert meta["missing"]["p11"]["values"] == [98, 99]  # seen although no data is read
    assert meta["value_labels"]["depto"][4] == "La Unión"
    assert meta["n_rows"] == 6


def test_columns_subset_in_requested_order(spss_file):
    df = sk.read_microdata(spss_file, columns=["p10", "id"])
    assert list(df.columns) == ["p10", "id"]
    assert df["id"].tolist() == [101, 102, 103, 104, 105, 106]
    meta = df.attrs["surveykit"]
    assert set(meta["value_labels"]) == {"p10"}
    assert set(meta["variable_labels"]) == {"p10", "id"}


def test_unknown_column_is_named_with_suggestion(spss_file):
    with pytest.raises(sk.MicrodataError, match=r"no column 'p1O' \(did you mean 'p11' or 'p10'"):
        sk.read_microdata(spss_file, columns=["p1O"])


def test_zsav_and_por(tmp_path, victims):
    z = tmp_path / "v.zsav"
    sk.write_microdata(victims, z)
    assert z.read_bytes()[:4] == b"$FL3"
    df = sk.read_microdata(z)
    assert nan_list(df["p10"]) == [1, 2, 1, None, 2, 1]
    por = tmp_path / "v.por"
    pyreadstat.write_por(pd.DataFrame({"x": [1.0, 2.0, 3.0], "s": ["a", "b", "c"]}), str(por))
    p = sk.read_microdata(por)  # portable files store names in upper case
    assert p["X"].tolist() == [1.0, 2.0, 3.0]
    assert p["S"].tolist() == ["a", "b", "c"]
    assert p.attrs["surveykit"]["format"] == "por"


def test_sav_explicit_encoding(spss_file):
    df = sk.read_microdata(spss_file, encoding="utf-8")
    assert df["nombre"].tolist()[1] == "Ñusta"


# --- Stata -----------------------------------------------------------------------------------
def test_dta_extended_missing_nan_and_int_system_missing(stata_file):
    df = sk.read_microdata(stata_file)
    # pyreadstat with user_missing=True returns the system missing of row 5 as 0 or garbage;
    # surveykit gives NaN there and keeps the real 0 of row 6
    assert nan_list(df["p10"]) == [1, 2, None, None, None, 0]
    assert df["p10"].dtype == np.float64
    assert nan_list(df["ingreso"]) == [150.5, 0.0, None, None, 400.25, 99.0]
    meta = df.attrs["surveykit"]
    assert meta["missing"]["p10"]["stata"] == [".a", ".b"]
    assert meta["missing"]["ingreso"]["stata"] == [".a"]
    assert meta["converted_missing"] == {"p10": 2, "ingreso": 1}
    assert meta["value_labels"]["p10"] == {0: "Ninguno", 1: "Sí", 2: "No"}


def test_dta_keep_extended_missing_as_letters(stata_file):
    df = sk.read_microdata(stata_file, user_missing="keep")
    assert nan_list(df["p10"]) == [1, 2, ".a", ".b", None, 0]
    assert nan_list(df["ingreso"]) == [150.5, 0.0, ".a", None, 400.25, 99.0]
    assert df["depto"].tolist() == [1, 2, 3, 4, 4, 1]


def test_dta_chunks_keep_fix_per_window(stata_file):
    parts = list(sk.read_microdata(stata_file, chunksize=4, progress=False, user_missing="keep"))
    assert [len(p) for p in parts] == [4, 2]
    assert list(parts[1].index) == [4, 5]
    joined = pd.concat(parts)
    assert nan_list(joined["p10"]) == [1, 2, ".a", ".b", None, 0]


# --- Excel -----------------------------------------------------------------------------------
def _plain_workbook(path, rows, title="Hoja1", extra_sheets=None):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = title
    for r in rows:
        ws.append(r)
    for name, srows in (extra_sheets or {}).items():
        sh = wb.create_sheet(name)
        for r in srows:
            sh.append(r)
    wb.save(path)


def test_xlsx_plain_types_and_sheet_choice(tmp_path):
    path = tmp_path / "captura.xlsx"
    _plain_workbook(
        path,
        [
            ["id", "depto", "codigo", "monto", "nota"],
            [1, 1, "01", 10.5, "ñ"],
            [2, 2, "02", None, None],
            [3, 4, "10", 7, "x"],
        ],
        extra_sheets={"otra": [["a"], [5]]},
    )
    df = sk.read_microdata(path)
    assert df["id"].dtype == np.int64 and df["id"].tolist() == [1, 2, 3]
    assert df["codigo"].tolist() == ["01", "02", "10"]  # text codes keep their zeros
    assert nan_list(df["monto"]) == [10.5, None, 7.0]
    assert nan_list(df["nota"]) == ["ñ", None, "x"]
    assert df.attrs["surveykit"]["sheet"] == "Hoja1"
    assert sk.read_microdata(path, sheet="otra")["a"].tolist() == [5]
    assert sk.read_microdata(path, sheet=1)["a"].tolist() == [5]
    with pytest.raises(sk.MicrodataError, match="no sheet 'Otra'.*Did you mean 'otra'"):
        sk.read_microdata(path, sheet="Otra")


def test_xlsx_labels_in_cells_mapped_back_with_labels_sheet(tmp_path):
    path = tmp_path / "etiquetas.xlsx"
    _plain_workbook(
        path,
        [["id", "sexo", "p10"], [1, "Hombre", "Sí"], [2, "Mujer", "No sabe"], [3, 2, None]],
        title="data",
        extra_sheets={
            "value_labels": [
                ["variable", "code", "label"],
                ["sexo", 1, "Hombre"],
                ["sexo", 2, "Mujer"],
                ["p10", 1, "Sí"],
                ["p10", 2, "No"],
                ["p10", 98, "No sabe"],
            ],
            "missing": [["variable", "kind", "value", "high"], ["p10", "value", 98, None]],
        },
    )
    keep = sk.read_microdata(path, user_missing="keep")
    assert keep["sexo"].tolist() == [1, 2, 2]  # the code 2 typed as a number too
    assert nan_list(keep["p10"]) == [1, 98, None]
    df = sk.read_microdata(path)
    assert nan_list(df["p10"]) == [1, None, None]
    codes = sk.read_microdata(path, cells="codes")
    assert codes["sexo"].tolist() == ["Hombre", "Mujer", 2]


def test_xlsx_unknown_label_is_an_error_with_rows(tmp_path):
    path = tmp_path / "mal.xlsx"
    _plain_workbook(
        path,
        [["sexo"], ["Hombre"], ["Mujer"], ["Hombr"]],
        title="data",
        extra_sheets={"value_labels": [["variable", "code", "label"], ["sexo", 1, "Hombre"], ["sexo", 2, "Mujer"]]},
    )
    with pytest.raises(sk.MicrodataError, match=r"'Hombr' \(rows 4\) is neither a label nor a code"):
        sk.read_microdata(path)


# --- CSV -------------------------------------------------------------------------------------
def test_csv_inference_keeps_text_codes_and_na_text(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("id,muni,pais,monto,big\n1,0101,NA,1.5,9007199254740993\n2,0210,SV,,12\n", encoding="utf-8")
    df = sk.read_microdata(path)
    assert df["id"].tolist() == [1, 2] and df["id"].dtype == np.int64
    assert df["muni"].tolist() == ["0101", "0210"]
    assert df["pais"].tolist() == ["NA", "SV"]  # Namibia is not missing
    assert nan_list(df["monto"]) == [1.5, None]
    assert df["big"].tolist() == [9007199254740993, 12]  # exact, not rounded via float
    nas = sk.read_microdata(path, na_values=["NA"])
    assert nan_list(nas["pais"]) == [None, "SV"]


def test_csv_sidecar_labels_and_missing(tmp_path, victims):
    path = tmp_path / "v.csv"
    sk.write_microdata(victims, path)
    assert (tmp_path / "v.csv-metadata.json").exists()
    df = sk.read_microdata(path)
    assert nan_list(df["p10"]) == [1, 2, 1, None, 2, 1]
    assert df.attrs["surveykit"]["value_labels"]["depto"][2] == "Santa Ana"
    assert df["nombre"].tolist()[1] == "Ñusta"


def test_csv_chunks_continue_row_labels_and_types(tmp_path):
    path = tmp_path / "c.csv"
    pd.DataFrame({"x": range(10), "y": [0.5] * 10}).to_csv(path, index=False)
    chunks = sk.read_microdata(path, chunksize=4, progress=False)
    parts = list(chunks)
    assert [len(p) for p in parts] == [4, 4, 2]
    assert list(parts[2].index) == [8, 9]
    assert all(p["x"].dtype == np.int64 for p in parts)


def test_csv_chunk_with_text_after_numbers_is_an_error(tmp_path):
    path = tmp_path / "c.csv"
    path.write_text("x\n1\n2\n3\nabc\n", encoding="utf-8")
    with pytest.raises(sk.MicrodataError, match=r"'abc' at line\(s\) 5.*dtype=\{'x': 'str'\}"):
        list(sk.read_microdata(path, chunksize=2, progress=False))
    assert sk.read_microdata(path, chunksize=2, progress=False, dtype={"x": "str"}) is not None
    assert [v for p in sk.read_microdata(path, chunksize=2, progress=False, dtype={"x": "str"}) for v in p["x"]] == [
        "1",
        "2",
        "3",
        "abc",
    ]


# --- Parquet ---------------------------------------------------------------------------------
def test_parquet_round_trip_with_labels(tmp_path, victims):
    pytest.importorskip("pyarrow")
    path = tmp_path / "v.parquet"
    sk.write_microdata(victims, path)
    df = sk.read_microdata(path, user_missing="keep")
    assert df["p11"].tolist()[5] == 99
    meta = df.attrs["surveykit"]
    assert meta["value_labels"]["p10"] == VALUE_LABELS["p10"]
    assert meta["missing"]["edad"]["ranges"] == [[98, 99]]
    assert nan_list(sk.read_microdata(path)["edad"]) == [34, 51, 19, None, 45, None]
    assert [len(c) for c in sk.read_microdata(path, chunksize=4, progress=False)] == [4, 2]


# --- progress bar ------------------------------------------------------------------------------
def test_progress_bar_reports_rows(tmp_path, capsys):
    path = tmp_path / "p.sav"
    sk.write_microdata(pd.DataFrame({"x": np.arange(25.0)}), path)
    total = sum(len(c) for c in sk.read_microdata(path, chunksize=10, progress=True))
    assert total == 25
    err = capsys.readouterr().err
    assert "25/25 rows (100%)" in err


def test_estimators_use_read_labels(spss_file):
    df = sk.read_microdata(spss_file)
    df["w"] = 1.0
    d = sk.SurveyDesign(df, weights="w")
    out = d.proportion("depto", labels=True)
    assert sorted(out["level"].tolist()) == sorted(VALUE_LABELS["depto"].values())
    assert victim_frame().shape == (6, 7)
