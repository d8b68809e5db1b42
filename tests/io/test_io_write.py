"""Labelled write-back: what a format cannot hold is an error naming it (or an explicit, warned
choice), and a failed write leaves no file behind."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pyreadstat
import pytest

import surveykit as sk

from io_samples import VALUE_LABELS, VARIABLE_LABELS


def nan_list(s):
    return [None if (isinstance(v, float) and math.isnan(v)) else v for v in s.tolist()]


def test_sav_written_file_read_by_pyreadstat(tmp_path, victims):
    path = tmp_path / "v.sav"
    sk.write_microdata(victims, path)
    df, meta = pyreadstat.read_sav(str(path), user_missing=True)
    assert meta.column_names_to_labels == {**VARIABLE_LABELS, "nombre": None}
    assert meta.variable_value_labels["depto"] == {
        1.0: "Ahuachapán",
        2.0: "Santa Ana",
        3.0: "Cuscatlán",
        4.0: "La Unión",
    }
    assert meta.missing_ranges["edad"] == [{"lo": 98.0, "hi": 99.0}]
    assert meta.missing_ranges["p10"] == [{"lo": 98.0, "hi": 98.0}, {"lo": 99.0, "hi": 99.0}]
    assert meta.variable_measure["sexo"] == "nominal" and meta.variable_measure["edad"] == "scale"
    assert meta.original_variable_types["sexo"] == "F1.0"  # codes show as 1, not 1.00
    assert df["nombre"].tolist()[4] == "Begoña"


def test_questionnaire_style_metadata_from_attrs_round_trip(tmp_path, victims):
    path = tmp_path / "v.sav"
    sk.write_microdata(victims, path)
    back = sk.read_microdata(path, user_missing="keep")
    pd.testing.assert_frame_equal(back, victims, check_dtype=False)
    meta = back.attrs["surveykit"]
    assert meta["value_labels"] == VALUE_LABELS
    assert meta["missing"]["edad"]["ranges"] == [[98, 99]]


def test_dta_needs_letters_for_missing_codes_present(tmp_path, victims):
    path = tmp_path / "v.dta"
    data = victims.drop(columns=["nombre"])
    with pytest.raises(sk.FormatCapacityError) as info:
        sk.write_microdata(data, path)
    msg = str(info.value)
    assert "'sexo' holds the missing codes [9]" in msg and "'p10' holds the missing codes [98]" in msg
    assert "stata_missing=" in msg
    assert not path.exists()
    sk.write_microdata(data, path, stata_missing={9: ".n", 98: ".d", 99: ".r"})
    back = sk.read_microdata(path, user_missing="keep")
    assert nan_list(back["p11"]) == [1, None, 2, None, None, ".r"]
    assert nan_list(back["edad"]) == [34, 51, 19, ".r", 45, ".d"]
    assert nan_list(sk.read_microdata(path)["p10"]) == [1, 2, 1, None, 2, 1]


def test_dta_text_value_labels_are_an_error(tmp_path):
    df = pd.DataFrame({"ocupacion": ["A1", "B2"]})
    df.attrs["surveykit"] = {"value_labels": {"ocupacion": {"A1": "Agricultor", "B2": "Bombero"}}}
    with pytest.raises(
        sk.FormatCapacityError,
        match="'ocupacion' is a text variable with value labels, which Stata cannot hold.*write .sav",
    ):
        sk.write_microdata(df, tmp_path / "o.dta")
    # SPSS can hold them
    sk.write_microdata(df, tmp_path / "o.sav")
    assert sk.read_metadata(tmp_path / "o.sav")["value_labels"]["ocupacion"] == {"A1": "Agricultor", "B2": "Bombero"}


def test_failed_stata_write_leaves_no_file_and_keeps_old_one(tmp_path):
    path = tmp_path / "v.dta"
    good = pd.DataFrame({"x": [1.0, 2.0]})
    sk.write_microdata(good, path)
    before = path.read_bytes()
    bad = pd.DataFrame({"x": [1.0]})
    bad.attrs["surveykit"] = {"variable_labels": {"x": "é" * 81}}
    with pytest.raises(sk.FormatCapacityError, match="variable label of 'x' is 81 chars; .dta allows 80"):
        sk.write_microdata(bad, path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["v.dta"]  # no temp file left


def test_writer_refusal_leaves_no_zero_byte_file(tmp_path, monkeypatch):
    # whatever pyreadstat refuses after our checks, the 0-byte file it leaves is never the target
    path = tmp_path / "z.dta"

    def refuse(df, dst, **kw):
        open(dst, "wb").close()
        raise pyreadstat.ReadstatError("A provided value was incompatible with the variable's declared type")

    monkeypatch.setattr(pyreadstat, "write_dta", refuse)
    with pytest.raises(sk.FormatCapacityError, match="the writer refused the data.*Nothing was written"):
        sk.write_microdata(pd.DataFrame({"x": [1.0]}), path)
    assert list(tmp_path.iterdir()) == []


def test_long_labels_error_or_explicit_truncation(tmp_path):
    df = pd.DataFrame({"p": [1.0, 2.0]})
    long_var = "¿" + "Durante los últimos doce meses, " * 9
    long_val = "Sí, " + "ñ" * 130
    df.attrs["surveykit"] = {"variable_labels": {"p": long_var}, "value_labels": {"p": {1: long_val, 2: "No"}}}
    with pytest.raises(sk.FormatCapacityError) as info:
        sk.write_microdata(df, tmp_path / "l.sav")
    assert "variable label of 'p' is 299 bytes; .sav allows 256" in str(info.value)
    assert "value label of code 1 of 'p' is 265 bytes; .sav allows 120" in str(info.value)
    with pytest.warns(sk.SurveykitWarning, match=r"labels cut to fit.*variable label of 'p' \(299 bytes -> 256\)"):
        sk.write_microdata(df, tmp_path / "l.sav", long_labels="truncate")
    meta = sk.read_metadata(tmp_path / "l.sav")
    assert meta["variable_labels"]["p"] == long_var.encode()[:256].decode("utf-8", "ignore")
    assert len(meta["value_labels"]["p"][1].encode()) == 119  # cut on a character boundary
    assert meta["value_labels"]["p"][1].startswith("Sí, ñ")


def test_spss_missing_slots(tmp_path):
    df = pd.DataFrame({"p": [1.0, 96, 97, 98, 99]})
    df.attrs["surveykit"] = {"missing": {"p": {"values": [96, 97, 98, 99]}}}
    with pytest.raises(sk.FormatCapacityError, match="'p' declares 4 missing value.*up to 3 values, or 1 range"):
        sk.write_microdata(df, tmp_path / "m.sav")
    df.attrs["surveykit"] = {"missing": {"p": {"values": [1], "ranges": [[96, 99]]}}}
    sk.write_microdata(df, tmp_path / "m.sav")
    assert nan_list(sk.read_microdata(tmp_path / "m.sav")["p"]) == [None] * 5


def test_names_the_format_rejects_are_listed_together(tmp_path):
    df = pd.DataFrame({"edad en años": [1.0], "1p": [2.0], "x" * 33: [3.0], "ALL": [4.0]})
    with pytest.raises(sk.FormatCapacityError) as info:
        sk.write_microdata(df, tmp_path / "n.dta")
    msg = str(info.value)
    assert "'edad en años'" in msg and "'1p'" in msg and "is 33 characters; .dta allows 32" in msg
    with pytest.raises(sk.FormatCapacityError, match="'ALL' is an SPSS reserved word"):
        sk.write_microdata(df[["ALL"]], tmp_path / "n.sav")


def test_huge_integers_are_not_rounded(tmp_path):
    df = pd.DataFrame({"folio": np.array([2**53 + 1, 7], dtype=np.int64)})
    with pytest.raises(sk.FormatCapacityError, match="beyond 2\\*\\*53.*astype\\(str\\)"):
        sk.write_microdata(df, tmp_path / "f.sav")
    sk.write_microdata(df.astype({"folio": str}), tmp_path / "f.sav")
    assert sk.read_microdata(tmp_path / "f.sav")["folio"].tolist() == [str(2**53 + 1), "7"]


def test_mixed_column_is_an_error(tmp_path):
    df = pd.DataFrame({"edad": pd.Series([30, "treinta", 40], dtype=object)})
    with pytest.raises(sk.FormatCapacityError, match="'edad' mixes numbers and text \\(e.g. 'treinta' at row 1\\)"):
        sk.write_microdata(df, tmp_path / "x.sav")


def test_sav_letters_need_codes(tmp_path, stata_file):
    df = sk.read_microdata(stata_file, user_missing="keep")
    with pytest.raises(sk.FormatCapacityError, match="'p10' holds Stata missing values \\['.a', '.b'\\]"):
        sk.write_microdata(df, tmp_path / "s.sav")
    sk.write_microdata(df, tmp_path / "s.sav", stata_missing={"p10": {98: ".a", 99: ".b"}, "ingreso": {-1: ".a"}})
    back = sk.read_microdata(tmp_path / "s.sav", user_missing="keep")
    assert nan_list(back["p10"]) == [1, 2, 98, 99, None, 0]
    assert nan_list(back["ingreso"]) == [150.5, 0.0, -1, None, 400.25, 99.0]
    assert back.attrs["surveykit"]["missing"]["p10"]["values"] == [98, 99]
    assert nan_list(sk.read_microdata(tmp_path / "s.sav")["p10"]) == [1, 2, None, None, None, 0]


def test_undeclarable_stata_missing_warns(tmp_path, victims):
    data = victims.drop(columns=["nombre"]).copy()
    data.loc[[3, 4, 5], ["sexo", "edad", "p10", "p11"]] = np.nan
    with pytest.warns(sk.SurveykitWarning, match="Stata has no user-missing declarations.*sexo, edad"):
        sk.write_microdata(data, tmp_path / "w.dta")
    assert nan_list(sk.read_microdata(tmp_path / "w.dta")["p11"]) == [1, None, 2, None, None, None]


def test_xlsx_and_csv_labels_in_cells(tmp_path, victims):
    for ext in ("xlsx", "csv"):
        path = tmp_path / f"l.{ext}"
        sk.write_microdata(victims, path, cells="labels")
        raw = sk.read_microdata(path, cells="codes")
        assert raw["depto"].tolist()[:2] == ["Ahuachapán", "Santa Ana"]
        back = sk.read_microdata(path, user_missing="keep")
        pd.testing.assert_frame_equal(
            back[["sexo", "p10", "p11", "depto"]], victims[["sexo", "p10", "p11", "depto"]], check_dtype=False
        )


def test_labels_in_cells_need_distinct_labels(tmp_path):
    df = pd.DataFrame({"p": [1.0, 2.0]})
    df.attrs["surveykit"] = {"value_labels": {"p": {1: "Sí", 2: "Sí"}}}
    with pytest.raises(sk.FormatCapacityError, match="gives the label 'Sí' to several codes"):
        sk.write_microdata(df, tmp_path / "d.xlsx", cells="labels")


def test_xlsx_control_characters_and_too_many_rows(tmp_path):
    df = pd.DataFrame({"t": ["ok", "bell\x07"]})
    with pytest.raises(sk.FormatCapacityError, match="'t' has control characters Excel cannot store \\(row 1\\)"):
        sk.write_microdata(df, tmp_path / "c.xlsx")


def test_overwrite_false_and_missing_folder(tmp_path):
    df = pd.DataFrame({"x": [1]})
    sk.write_microdata(df, tmp_path / "a.csv")
    with pytest.raises(sk.MicrodataError, match="exists; pass overwrite=True"):
        sk.write_microdata(df, tmp_path / "a.csv", overwrite=False)
    with pytest.raises(sk.MicrodataError, match="the folder .* does not exist"):
        sk.write_microdata(df, tmp_path / "no" / "a.csv")
    with pytest.raises(sk.MicrodataError, match="not a format surveykit writes"):
        sk.write_microdata(df, tmp_path / "a.json")


def test_input_frame_not_modified(tmp_path, victims):
    before = victims.copy()
    attrs = {k: (dict(v) if isinstance(v, dict) else v) for k, v in victims.attrs["surveykit"].items()}
    for ext in ("sav", "xlsx", "csv"):
        sk.write_microdata(victims, tmp_path / f"v.{ext}", cells="labels" if ext != "sav" else "codes")
    pd.testing.assert_frame_equal(victims, before)
    assert victims.attrs["surveykit"] == attrs


def test_categorical_written_as_values(tmp_path):
    df = pd.DataFrame({"zona": pd.Categorical(["Urbana", "Rural", "Urbana"])})
    sk.write_microdata(df, tmp_path / "z.sav")
    assert sk.read_microdata(tmp_path / "z.sav")["zona"].tolist() == ["Urbana", "Rural", "Urbana"]


def test_no_warning_for_plain_frames(tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for ext in ("sav", "dta", "xlsx", "csv"):
            sk.write_microdata(pd.DataFrame({"x": [1, 2], "s": ["a", "b"]}), tmp_path / f"p.{ext}")
