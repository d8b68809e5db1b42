"""Microdata reading and writing: silent data loss and raw tracebacks found by the hostile review."""

from __future__ import annotations

import datetime as dt
import errno
import time
import warnings

import numpy as np
import pandas as pd
import pyreadstat
import pytest

import surveykit as sk


# --- CSV: every line has as many fields as the header ----------------------------------------------
@pytest.mark.parametrize(
    "text, line, pattern",
    [
        ("id,ingreso,edad\n2,1,500,45\n3,4,5\n", 2, "4 fields but the header has 3: the value\\(s\\) \\['45'\\]"),
        ("id,ingreso,edad\n2,1,500\n3,4\n", 3, "only 2 field\\(s\\) but the header has 3"),
        ('id,obs,edad\n1,"a\nb",3\n2,x\n', 4, "only 2 field"),  # a quoted field spanning lines
    ],
)
@pytest.mark.parametrize("columns", [None, ["id", "edad"]])
def test_csv_lines_with_extra_or_missing_fields_are_errors_naming_the_line(tmp_path, text, line, pattern, columns):
    p = tmp_path / "d.csv"
    p.write_text(text)
    with pytest.raises(sk.FileFormatError, match=f"line {line} has {pattern}") as exc:
        sk.read_microdata(p, columns=columns)
    assert exc.value.rows[0] == line
    with pytest.raises(sk.FileFormatError, match=f"line {line}"):
        list(sk.read_microdata(p, chunksize=1, progress=False))


def test_csv_blank_lines_and_empty_fields_are_still_fine(tmp_path):
    p = tmp_path / "d.csv"
    p.write_text("id,edad\n1,\n\n3,40\n")
    df = sk.read_microdata(p)
    assert df["id"].tolist()[0] == 1 and df["edad"].tolist()[-1] == 40


def test_csv_twenty_digit_ids_stay_exact(tmp_path):
    p = tmp_path / "d.csv"
    p.write_text("id,x\n12345678901234567890,1\n12345678901234567891,2\n")
    with pytest.warns(sk.SurveykitWarning, match="too long for 64-bit.*read as text"):
        df = sk.read_microdata(p)
    assert df["id"].tolist() == ["12345678901234567890", "12345678901234567891"]
    assert df["x"].tolist() == [1, 2]
    p.write_text("id\n9007199254740993\n\n")  # beyond 2**53 with a missing value: Int64, exact
    assert sk.read_microdata(p)["id"].iloc[0] == 9007199254740993


@pytest.mark.parametrize("sep", ["ab", "", "\n", '"'])
def test_csv_separator_must_be_one_character(tmp_path, sep):
    p = tmp_path / "d.csv"
    p.write_text("a,b\n1,2\n")
    with pytest.raises(sk.MicrodataError, match="sep must be one character"):
        sk.read_microdata(p, sep=sep)


def test_csv_with_20000_columns_is_read_in_seconds(tmp_path):
    rng = np.random.default_rng(1)
    values = rng.integers(0, 9, size=(3, 20_000))
    df = pd.DataFrame(values, columns=[f"c{i}" for i in range(20_000)])
    df["t"] = ["a", "b", "c"]
    df["f"] = [0.5, None, 2.0]
    p = tmp_path / "wide.csv"
    df.to_csv(p, index=False)
    start = time.perf_counter()
    back = sk.read_microdata(p)
    took = time.perf_counter() - start
    assert took < 20, took  # 40 s before (per-column pandas calls); ~2 s on 2 busy cores
    assert back.shape == (3, 20_002)
    assert back["c17"].tolist() == values[:, 17].tolist() and back["c17"].dtype == np.int64
    assert back["t"].tolist() == ["a", "b", "c"] and back["f"].tolist()[::2] == [0.5, 2.0]


def test_long_text_fields_are_not_refused(tmp_path):
    p = tmp_path / "d.csv"
    long = "x" * 200_000
    p.write_text(f"id,obs\n1,{long}\n")
    assert sk.read_microdata(p)["obs"].iloc[0] == long


# --- dates ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("ext", ["sav", "dta", "csv", "xlsx", "parquet"])
def test_datetime64_seconds_round_trip(tmp_path, ext):
    days = np.array(["2020-01-02", "2021-03-04"], dtype="datetime64[D]")
    df = pd.DataFrame({"d": days.astype("datetime64[s]"), "x": [1, 2]})
    p = tmp_path / f"f.{ext}"
    sk.write_microdata(df, p)
    back = sk.read_microdata(p)["d"]
    assert list(back) == [pd.Timestamp("2020-01-02"), pd.Timestamp("2021-03-04")]


@pytest.mark.parametrize(
    "fmt, values, expected",
    [
        ("%td", [dt.date(2020, 1, 2), None], [pd.Timestamp("2020-01-02"), pd.NaT]),
        ("%tc", [pd.Timestamp("2020-01-02 10:11:12"), pd.NaT], [pd.Timestamp("2020-01-02 10:11:12"), pd.NaT]),
    ],
)
def test_stata_dates_read_as_dates_next_to_missing_letters(tmp_path, fmt, values, expected):
    p = tmp_path / "f.dta"
    pyreadstat.write_dta(pd.DataFrame({"f": values, "g": [1.0, np.nan]}), str(p), variable_format={"f": fmt})
    back = sk.read_microdata(p)
    assert back["f"].tolist()[0] == expected[0] and pd.isna(back["f"].iloc[1])
    assert pd.api.types.is_datetime64_any_dtype(back["f"].dtype)


# --- what formats cannot hold is refused, not cut ----------------------------------------------------
@pytest.mark.parametrize("ext", ["sav", "dta", "csv"])
def test_nul_in_text_is_refused_before_writing(tmp_path, ext):
    p = tmp_path / f"f.{ext}"
    with pytest.raises(sk.FormatCapacityError, match="'s' has text holding a NUL character.*row 1"):
        sk.write_microdata(pd.DataFrame({"s": ["ok", "a\x00b"]}), p)
    assert not p.exists()


@pytest.mark.parametrize("ids", [pd.Series([2**60 + 1, 2**60 + 2]), pd.Series([2**60 + 1, "x"], dtype=object)])
def test_integers_beyond_2_53_are_refused_in_xlsx(tmp_path, ids):
    with pytest.raises(sk.FormatCapacityError, match="beyond 2\\*\\*53"):
        sk.write_microdata(pd.DataFrame({"id": ids}), tmp_path / "f.xlsx")


def test_write_microdata_returns_the_path(tmp_path):
    p = tmp_path / "f.sav"
    assert sk.write_microdata(pd.DataFrame({"x": [1]}), p) == p


# --- full disk: nothing left behind, the old file untouched ------------------------------------------
@pytest.mark.parametrize(
    "ext, target",
    [
        ("csv", "pandas.DataFrame.to_csv"),
        ("parquet", "pyarrow.parquet.write_table"),
        ("xlsx", "openpyxl.Workbook.save"),
    ],
)
def test_disk_full_is_a_microdata_error_and_leaves_no_fragment(tmp_path, monkeypatch, ext, target):
    p = tmp_path / f"f.{ext}"
    p.write_bytes(b"old")

    module, _, attr = target.rpartition(".")
    owner = pytest.importorskip(module.split(".")[0])
    for part in module.split(".")[1:]:
        owner = getattr(owner, part)
    original = getattr(owner, attr)

    def full(self_or_data, path, *a, **k):
        original(self_or_data, path, *a, **k)  # write it all (openpyxl must finish its generators)
        with open(path, "r+b") as fh:  # then lose the end, as a full disk does
            fh.truncate(7)
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(owner, attr, full)
    with pytest.raises(sk.MicrodataError, match="disk is full"):
        sk.write_microdata(pd.DataFrame({"x": [1, 2]}), p)
    assert p.read_bytes() == b"old"
    assert [f.name for f in tmp_path.iterdir()] == [p.name]


def test_disk_full_in_pyreadstat_says_so(tmp_path, monkeypatch):
    def refuse(df, path, **kw):
        open(path, "wb").write(b"partial")
        raise pyreadstat.PyreadstatError("Unable to write to file")

    monkeypatch.setattr(pyreadstat, "write_sav", refuse)
    p = tmp_path / "f.sav"
    with pytest.raises(sk.FormatCapacityError, match="probably full"):
        sk.write_microdata(pd.DataFrame({"x": [1]}), p)
    assert list(tmp_path.iterdir()) == []


def test_missing_folder_is_an_error(tmp_path):
    with warnings.catch_warnings():
        with pytest.raises(sk.MicrodataError, match="does not exist"):
            sk.write_microdata(pd.DataFrame({"x": [1]}), tmp_path / "no" / "f.csv")


# --- malformed labels next to / inside the data ------------------------------------------------------
@pytest.mark.parametrize(
    "sidecar, pattern",
    [
        ('{"surveykit": {"value_labels": [1, 2]}}', "must map column names"),
        ('{"surveykit": {"value_labels": {"a": 5}}}', "list of \\[code, label\\] pairs"),
        ('{"surveykit": {"missing": {"a": {"values": 3}}}}', "'missing' of column 'a'"),
        ('{"surveykit": {"variable_labels": {"a": ["x"]}}}', "must be text, not list"),
        ('{"surveykit": "x"}', "JSON object"),
        ("[1]", "must hold a JSON object"),
        ("[" * 100_000 + "]" * 100_000, "not valid JSON"),
    ],
)
def test_malformed_csv_sidecar_is_a_file_format_error(tmp_path, sidecar, pattern):
    p = tmp_path / "s.csv"
    p.write_text("a\n1\n2\n")
    (tmp_path / "s.csv-metadata.json").write_text(sidecar)
    with pytest.raises(sk.FileFormatError, match=pattern):
        sk.read_microdata(p)


@pytest.mark.parametrize(
    "payload",
    [b"[1]", b'{"value_labels": 5}', b'{"missing": {"a": 3}}', b'{"variable_labels": {"a": {"b": 1}}}', b"\xff"],
)
def test_malformed_parquet_metadata_is_a_file_format_error(tmp_path, payload):
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    p = tmp_path / "m.parquet"
    pq.write_table(pa.table({"a": [1, 2]}).replace_schema_metadata({b"surveykit": payload}), p)
    with pytest.raises(sk.FileFormatError, match="m.parquet: its surveykit metadata"):
        sk.read_microdata(p)


def test_dates_written_to_csv_come_back_as_dates(tmp_path):
    df = pd.DataFrame(
        {"fecha": pd.to_datetime(["2024-03-01", None, "2024-12-31 10:30"], format="ISO8601"), "x": [1, 2, 3]}
    )
    p = tmp_path / "f.csv"
    sk.write_microdata(df, p)
    back = sk.read_microdata(p)
    assert pd.api.types.is_datetime64_any_dtype(back["fecha"].dtype)
    assert back["fecha"].iloc[2] == pd.Timestamp("2024-12-31 10:30") and pd.isna(back["fecha"].iloc[1])
