"""Bad files raise a SurveykitError that names the file and says what to do."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pyreadstat
import pytest

import surveykit as sk

DATA = Path(__file__).parent / "data"


@pytest.fixture
def good_files(tmp_path, victims):
    out = {}
    for ext in ("sav", "zsav", "dta", "xlsx", "csv", "parquet"):
        if ext == "parquet":
            pytest.importorskip("pyarrow")
        p = tmp_path / f"good.{ext}"
        sk.write_microdata(
            victims.drop(columns=["nombre"]) if ext == "dta" else victims,
            p,
            stata_missing={98: ".d", 99: ".r", 9: ".n"},
        )
        out[ext] = p
    return out


@pytest.mark.parametrize("ext", ["sav", "zsav", "dta", "xlsx", "parquet"])
def test_truncated_file(tmp_path, good_files, ext):
    data = good_files[ext].read_bytes()
    bad = tmp_path / f"cortado.{ext}"
    bad.write_bytes(data[: len(data) // 2])
    with pytest.raises(sk.FileFormatError) as info:
        sk.read_microdata(bad)
    msg = str(info.value)
    assert str(bad) in msg
    assert "truncated" in msg or "damaged" in msg
    assert info.value.file == str(bad)


@pytest.mark.parametrize("ext", ["sav", "dta", "xlsx", "parquet", "por"])
def test_random_bytes(tmp_path, ext):
    bad = tmp_path / f"ruido.{ext}"
    bad.write_bytes(os.urandom(4096).replace(b"\x00", b"\x01") + b"\x00")
    with pytest.raises(sk.FileFormatError, match="ruido") as info:
        sk.read_microdata(bad)
    assert "copy it again" in str(info.value) or "export" in str(info.value).lower()


@pytest.mark.parametrize("ext", ["sav", "dta", "xlsx", "csv", "parquet"])
def test_empty_file(tmp_path, ext):
    bad = tmp_path / f"vacio.{ext}"
    bad.write_bytes(b"")
    with pytest.raises(sk.FileFormatError, match=r"vacio\.\w+ is empty \(0 bytes\).*again"):
        sk.read_microdata(bad)


def test_missing_file(tmp_path):
    with pytest.raises(sk.FileFormatError, match="does not exist"):
        sk.read_microdata(tmp_path / "nada.sav")


@pytest.mark.parametrize(
    "src,dst,kind",
    [
        ("dta", "sav", "Stata .dta"),
        ("sav", "dta", "SPSS .sav"),
        ("xlsx", "csv", "Excel .xlsx"),
        ("csv", "xlsx", "text (CSV)"),
        ("sav", "xlsx", "SPSS .sav"),
    ],
)
def test_wrong_extension_names_real_format(tmp_path, good_files, src, dst, kind):
    bad = tmp_path / f"renombrado.{dst}"
    shutil.copy(good_files[src], bad)
    with pytest.raises(sk.FileFormatError, match=rf"contains an? {re.escape(kind)}.*format='{src}'"):
        sk.read_microdata(bad)
    # the hint works
    df = sk.read_microdata(bad, format=src)
    assert len(df) == 6


def test_unknown_extension(tmp_path, good_files):
    bad = tmp_path / "datos.dat"
    shutil.copy(good_files["sav"], bad)
    with pytest.raises(sk.FileFormatError, match="'.dat' is not a microdata format.*format='sav'"):
        sk.read_microdata(bad)


def test_password_protected_xlsx():
    # a real workbook encrypted with a password (see data/make_encrypted_xlsx.py)
    with pytest.raises(sk.FileFormatError, match="encrypted.xlsx is password-protected.*remove the password"):
        sk.read_microdata(DATA / "encrypted.xlsx")


def test_old_xls_named_xlsx(tmp_path):
    # an old .xls is a compound file with a "Workbook" stream; the header and name are enough to tell
    bad = tmp_path / "viejo.xlsx"
    bad.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504 + "Workbook".encode("utf-16-le") + b"\x00" * 64)
    with pytest.raises(sk.FileFormatError, match="old-style Excel .xls.*save it as .xlsx"):
        sk.read_microdata(bad)


def test_formula_only_xlsx(tmp_path):
    # openpyxl writes formulas without calculating them: there is no value to read
    path = tmp_path / "formulas.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["a", "b"])
    ws.append([1, "=A2*2"])
    ws.append([2, "=A3*2"])
    wb.save(path)
    with pytest.raises(sk.FileFormatError, match=r"2 cell\(s\) hold formulas without saved results \(B2, B3\)"):
        sk.read_microdata(path)


def test_formula_with_saved_value_is_read(tmp_path):
    # a formula cell whose result was saved (as Excel does) reads as its value
    path = tmp_path / "calculado.xlsx"
    wb = openpyxl.Workbook()
    wb.active.append(["a", "b"])
    wb.active.append([1, 2])
    wb.save(path)
    import zipfile

    src = zipfile.ZipFile(path)
    out = tmp_path / "calc2.xlsx"
    with zipfile.ZipFile(out, "w") as z:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b'<c r="B2" t="n"><v>2</v></c>', b'<c r="B2"><f>A2*2</f><v>2</v></c>')
                assert b"<f>A2*2</f>" in data
            z.writestr(item, data)
    df = sk.read_microdata(out)
    assert df["b"].tolist() == [2]


def test_duplicate_column_names_csv(tmp_path):
    path = tmp_path / "dup.csv"
    path.write_text("id,edad,edad\n1,30,31\n", encoding="utf-8")
    with pytest.raises(sk.FileFormatError, match="'edad' appears twice \\(field 2 of the header line and field 3"):
        sk.read_microdata(path)


def test_duplicate_column_names_xlsx(tmp_path):
    path = tmp_path / "dup.xlsx"
    wb = openpyxl.Workbook()
    wb.active.append(["id", "sexo", "sexo"])
    wb.active.append([1, 1, 2])
    wb.save(path)
    with pytest.raises(sk.FileFormatError, match="'sexo' appears twice \\(cell B1 of sheet 'Sheet' and cell C1"):
        sk.read_microdata(path)


def test_empty_header_cell_xlsx(tmp_path):
    path = tmp_path / "sin_nombre.xlsx"
    wb = openpyxl.Workbook()
    wb.active.append(["id", None, "edad"])
    wb.active.append([1, 5, 30])
    wb.save(path)
    with pytest.raises(sk.FileFormatError, match="cell B1 of sheet 'Sheet' has no column name"):
        sk.read_microdata(path)


def test_unknown_encoding_csv(tmp_path):
    path = tmp_path / "latin.csv"
    path.write_bytes("id,nombre\n1,Jos\xe9\n2,Ana\n3,Mu\xf1oz\n".encode("latin-1"))
    with pytest.raises(sk.FileEncodingError, match=r"line 2, byte 6 cannot be decoded as utf-8.*encoding='cp1252'"):
        sk.read_microdata(path)
    assert sk.read_microdata(path, encoding="cp1252")["nombre"].tolist() == ["José", "Ana", "Muñoz"]
    with pytest.raises(sk.FileEncodingError, match="encoding 'klingon' is unknown"):
        sk.read_microdata(path, encoding="klingon")


def test_sav_undecodable_with_given_encoding(tmp_path):
    path = tmp_path / "e.sav"
    sk.write_microdata(pd.DataFrame({"n": ["Ñusta"]}), path)
    with pytest.raises(sk.FileEncodingError, match="cannot be decoded \\(tried 'ascii'\\).*encoding="):
        sk.read_microdata(path, encoding="ascii")
    with pytest.raises(sk.FileEncodingError, match="e.sav"):
        sk.read_microdata(path, encoding="klingon")


def test_binary_named_csv(tmp_path):
    path = tmp_path / "bin.csv"
    path.write_bytes(b"\x00\x01\x02" * 100)
    with pytest.raises(sk.FileFormatError, match="bin.csv is not a text \\(CSV\\) file"):
        sk.read_microdata(path)


def test_pyreadstat_error_never_leaks(tmp_path):
    # pyreadstat would say only "Invalid file, or file has unsupported features"
    path = tmp_path / "x.sav"
    path.write_bytes(b"$FL2" + os.urandom(300))
    with pytest.raises(sk.FileFormatError, match="x.sav is damaged"):
        sk.read_microdata(path)
    with pytest.raises(pyreadstat.ReadstatError):
        pyreadstat.read_sav(str(path))
