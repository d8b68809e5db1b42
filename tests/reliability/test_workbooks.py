"""Excel workbooks: the <dimension> tag, damaged deflate data, formulas without saved results and
huge XLSForms (issue 11, items 2, 9, 12 and the zlib.error class)."""

from __future__ import annotations

import re
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest

import surveykit as sk
from surveykit.questionnaire.formats.xlsform import MAX_ROWS


def rewrite(src: Path, dst: Path, edit) -> Path:
    """Copy a workbook, passing each worksheet part through ``edit(bytes) -> bytes``."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename.startswith("xl/worksheets/sheet"):
                data = edit(data)
            zout.writestr(item, data)
    return dst


def data_workbook(path: Path) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "data"
    ws.append(["id", "x", "y"])
    for i in range(1, 6):
        ws.append([i, i * 10, i * 100])
    wb.save(path)
    return path


def test_an_understated_dimension_tag_loses_nothing(tmp_path):
    src = data_workbook(tmp_path / "a.xlsx")
    bad = rewrite(
        src, tmp_path / "b.xlsx", lambda x: re.sub(rb'<dimension ref="[^"]*"\s*/>', b'<dimension ref="A1:B3"/>', x)
    )
    df = sk.read_microdata(bad)
    assert df.to_dict("list") == {"id": [1, 2, 3, 4, 5], "x": [10, 20, 30, 40, 50], "y": [100, 200, 300, 400, 500]}


def damage_deflate(src: Path, dst: Path) -> Path:
    """Overwrite the middle of the compressed sheet data (the zip directory stays intact)."""
    raw = bytearray(src.read_bytes())
    with zipfile.ZipFile(src) as zf:
        info = zf.getinfo("xl/worksheets/sheet1.xml")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    for i in range(start + 5, start + min(info.compress_size - 2, 60)):
        raw[i] = 0xFF
    dst.write_bytes(bytes(raw))
    return dst


def test_damaged_deflate_data_is_a_file_format_error(tmp_path):
    bad = damage_deflate(data_workbook(tmp_path / "a.xlsx"), tmp_path / "b.xlsx")
    with pytest.raises(sk.FileFormatError, match="b.xlsx"):
        sk.read_microdata(bad)


def xlsform(path: Path, rows: list[list], choices: list[list] | None = None) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "survey"
    ws.append(["type", "name", "label", "constraint"])
    for r in rows:
        ws.append(r)
    if choices:
        cs = wb.create_sheet("choices")
        cs.append(["list_name", "name", "label"])
        for r in choices:
            cs.append(r)
    wb.save(path)
    return path


def test_xlsform_damaged_deflate_is_a_spec_format_error(tmp_path):
    src = xlsform(tmp_path / "f.xlsx", [["integer", "edad", "Edad", ". < 120"]])
    bad = damage_deflate(src, tmp_path / "g.xlsx")
    with pytest.raises(sk.SpecFormatError, match="not a readable .xlsx"):
        sk.load_questionnaire(bad)


def test_xlsform_formula_without_saved_result_is_a_located_problem(tmp_path):
    # openpyxl saves formulas without results: the constraint cell would read as empty
    path = xlsform(tmp_path / "f.xlsx", [["integer", "edad", "Edad", '="."&" < 120"']])
    with pytest.raises(sk.SpecFormatError, match="cell D2 on sheet survey holds a formula") as exc:
        sk.load_questionnaire(path)
    problem = exc.value.context["problems"][0]
    assert (problem.location.sheet, problem.location.row, problem.location.cell) == ("survey", 2, "D2")
    from surveykit.questionnaire.cli import lint_file

    assert any(p.location.cell == "D2" for p in lint_file(path))


def test_xlsform_over_the_row_limit_is_refused_before_loading(tmp_path):
    src = xlsform(tmp_path / "f.xlsx", [["integer", "edad", "Edad", ""]])
    rows = b"".join(
        b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>note</t></is></c></row>' % (i, i) for i in range(2, MAX_ROWS + 3)
    )
    big = rewrite(src, tmp_path / "big.xlsx", lambda x: re.sub(rb"</sheetData>", rows + b"</sheetData>", x, count=1))
    start = time.perf_counter()
    with pytest.raises(sk.SpecFormatError, match=f"more than {MAX_ROWS:,} rows") as exc:
        sk.load_questionnaire(big)
    assert time.perf_counter() - start < 5  # counted on the XML, not by building 100,000 rows of cells
    assert exc.value.context["problems"][0].location.sheet == "survey"


def test_row_counter_sees_namespaced_rows_split_across_chunks():
    import io

    from surveykit.xlsxfiles import _ROW

    assert len(_ROW.findall(b'<row r="1"><x:row r="2"/><rows/><row>')) == 3
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("xl/workbook.xml", '<workbook><sheets><sheet name="s" r:id="rId1"/></sheets></workbook>')
        zf.writestr(
            "xl/_rels/workbook.xml.rels",
            '<Relationships><Relationship Id="rId1" Target="worksheets/sheet1.xml"/></Relationships>',
        )
        zf.writestr("xl/worksheets/sheet1.xml", "<sheetData>" + '<row r="1"></row>' * 300_000 + "</sheetData>")
    from surveykit.xlsxfiles import count_rows

    assert count_rows(buf, 10**6) == {"s": 300_000}
