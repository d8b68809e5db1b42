"""The publication workbook: sheets, tables, flags, suppression, footnotes, formats, print setup."""

from __future__ import annotations

import openpyxl
import pandas as pd
import pytest

import surveykit as sk
from surveykit.report import FLAG_FILLS


def _rows(ws):
    return [list(r) for r in ws.iter_rows(values_only=True)]


def _find(ws, text):
    for row in ws.iter_rows():
        for c in row:
            if c.value == text:
                return c
    raise AssertionError(f"{text!r} not on sheet {ws.title}")


@pytest.fixture(scope="module")
def book(results, tmp_path_factory, questionnaire, indicators):
    path = tmp_path_factory.mktemp("wb") / "indicadores.xlsx"
    out = sk.report.write_workbook(
        results,
        path,
        title="Encuesta de prueba",
        subtitle="Datos simulados",
        questionnaire=questionnaire,
        indicators=indicators,
        not_computed={"T.X": "sin diseño"},
    )
    assert out == path
    return openpyxl.load_workbook(path)


def test_sheets_in_publication_order(book):
    assert book.sheetnames == ["Contenido", "Victimización", "Discriminación", "ODS 16", "Fuentes", "Datos"]


def test_indicator_tables_hold_the_estimates(book, results):
    ws = book["Victimización"]
    assert ws.freeze_panes == "C5"
    assert [c.value for c in ws[4]] == [
        "Desagregación",
        "Categoría",
        "Estimación",
        "IC 95% inferior",
        "IC 95% superior",
        "CV",
        "n (casos)",
        "Nota",
    ]
    title = _find(ws, "T.PREV. Prevalencia de victimización")
    r = title.row
    assert ws.cell(row=r + 1, column=1).value == "Unidad: % de la población de 18 años y más."
    total = results[(results["code"] == "T.PREV") & (results["breakdown"] == "total")].iloc[0]
    assert ws.cell(row=r + 2, column=1).value == "Total"
    assert ws.cell(row=r + 2, column=3).value == pytest.approx(total["estimate"])
    assert ws.cell(row=r + 2, column=4).value == pytest.approx(total["ci_low"])
    assert ws.cell(row=r + 2, column=6).value == pytest.approx(total["cv"])
    assert ws.cell(row=r + 2, column=7).value == total["n"]
    assert ws.cell(row=r + 2, column=3).number_format == "0.0"
    assert ws.cell(row=r + 2, column=6).number_format == "0.0%"
    # the breakdown's name once, its categories labelled from the questionnaire
    assert [ws.cell(row=r + 3 + i, column=c).value for i, c in ((0, 1), (0, 2), (1, 1), (1, 2))] == [
        "Sexo",
        "Hombre",
        None,
        "Mujer",
    ]
    women = results[(results["code"] == "T.PREV") & (results["category"] == "Mujer")].iloc[0]
    assert ws.cell(row=r + 4, column=3).value == pytest.approx(women["estimate"])
    rate = _find(ws, "T.RATE. Delitos por 100,000 habitantes")
    assert ws.cell(row=rate.row + 2, column=3).number_format == "#,##0"
    source = _find(ws, "Fuente: Test definition, after ENVIPE [S]")
    assert source.row > r


def test_flagged_cells_are_coloured_and_footnoted(book, results):
    ws = book["Victimización"]
    flagged = results[(results["family"] == "victimization") & (results["flag"] != "")]
    assert len(flagged)
    markers = {}
    moderate = 0
    for row in ws.iter_rows(min_row=5):
        note = row[7].value
        if note:
            markers.setdefault(note, 0)
            markers[note] += 1
            fill = row[2].fill.fgColor.rgb
            assert fill.endswith(FLAG_FILLS[1]) or fill.endswith(FLAG_FILLS[2])
            moderate += fill.endswith(FLAG_FILLS[1])
        elif isinstance(row[2].value, float):
            assert row[2].fill.fill_type is None
    assert sum(markers.values()) == len(flagged)
    assert moderate == (flagged["flag"] == "moderada").sum()
    texts = [r[0] for r in _rows(ws) if r[0]]
    assert "(a) moderada: CV entre 15% y 30%: precisión moderada (INEGI)" in texts
    assert any(t.startswith("(b) baja: CV de 30% o más") for t in texts)
    assert any(t.startswith("Criterio de calidad: INEGI (México)") for t in texts)
    assert any(t.startswith("Intervalos de confianza al 95%") for t in texts)


def test_suppressed_cells_show_the_symbol(results_statcan, tmp_path):
    path = sk.report.write_workbook(
        results_statcan, tmp_path / "statcan.xlsx", columns=("estimate", "se", "ci", "cv", "deff", "n")
    )
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["Contents", "Victimization", "Discrimination", "SDG 16", "Sources", "Data"]
    ws = wb["Discrimination"]
    suppressed = results_statcan[(results_statcan["code"] == "T.OLD") & ~results_statcan["publish"]]
    assert len(suppressed) == len(results_statcan[results_statcan["code"] == "T.OLD"])
    title = _find(ws, "T.OLD. Vehicle theft among people aged 90+")
    total_row = title.row + 2
    values = [ws.cell(row=total_row, column=j).value for j in range(3, 11)]
    n_total = int(suppressed.iloc[0]["n"])
    assert values[:7] == ["x", "x", "x", "x", "x", "x", n_total]
    marker = values[7]  # footnote letters are shared by the whole workbook
    assert marker in ("(a)", "(b)", "(c)")
    assert ws.cell(row=total_row, column=3).fill.fgColor.rgb.endswith(FLAG_FILLS["suppressed"])
    texts = [r[0] for r in _rows(ws) if r[0]]
    assert "x: estimate suppressed, not reliable enough to publish." in texts
    assert any(t.startswith(f"{marker} F: ") and "Statistics Canada" in t for t in texts)


def test_contents_sources_and_data_sheets(book, results):
    c = book["Contenido"]
    assert c["A1"].value == "Encuesta de prueba" and c["A2"].value == "Datos simulados"
    link = _find(c, "T.SAFE")
    target = link.hyperlink.target or link.hyperlink.location
    assert "ODS 16" in str(target)
    sheet, cell = str(target).lstrip("#").split("!")
    assert book[sheet.strip("'")][cell].value == "T.SAFE. Se siente seguro"
    assert _find(c, "T.X").offset(column=1).value == "sin diseño"
    s = book["Fuentes"]
    rows = _rows(s)
    assert rows[0][:6] == ["Código", "Indicador", "Familia", "Unidad", "Fuente", "Evidencia"]
    by_code = {r[0]: r for r in rows[1:] if r[0]}
    assert by_code["T.SAFE"][5] == "[V]" and by_code["T.PREV"][5] == "[S]"
    assert by_code["T.PREV"][6] == "Nota de prueba"
    d = book["Datos"]
    assert d.max_row == len(results) + 1
    assert [c.value for c in d[1]][:5] == list(results.columns[:5])


def test_print_setup(book):
    ws = book["Victimización"]
    assert ws.page_setup.orientation == "landscape"
    assert ws.print_title_rows == "$4:$4"
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.column_dimensions["B"].width == 26


def test_results_without_breakdowns_make_a_national_table(results, tmp_path):
    national = results[results["breakdown"] == "total"].drop(columns=["breakdown", "category"])
    wb = openpyxl.load_workbook(sk.report.write_workbook(national, tmp_path / "n.xlsx", language="en"))
    ws = wb["SDG 16"]
    title = _find(ws, "T.SAFE. Se siente seguro")
    assert ws.cell(row=title.row + 2, column=1).value == "Total"


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda t: t.drop(columns=["cv"]), r"lacks the columns \['cv'\]"),
        (lambda t: t.assign(family="health"), "unknown families"),
        (lambda t: t.iloc[0:0], "empty"),
    ],
)
def test_bad_results_are_explained(results, tmp_path, change, message):
    with pytest.raises(sk.ReportError, match=message):
        sk.report.write_workbook(change(results), tmp_path / "x.xlsx")


def test_bad_options(results, tmp_path):
    with pytest.raises(sk.ReportError, match="not table columns"):
        sk.report.write_workbook(results, tmp_path / "x.xlsx", columns=("estimate", "median"))
    with pytest.raises(sk.ReportError, match=r"must be an \.xlsx file"):
        sk.report.write_workbook(results, tmp_path / "x.xls")
    with pytest.raises(sk.ReportError, match="DataFrame"):
        sk.report.write_workbook(results.to_dict(), tmp_path / "x.xlsx")
    assert not (tmp_path / "x.xlsx").exists()


def test_missing_estimates_show_not_available(results, tmp_path):
    t = results.copy()
    t.loc[t.index[0], ["estimate", "se", "ci_low", "ci_high", "cv"]] = float("nan")
    t.loc[t.index[0], ["flag", "flag_reason"]] = ""
    wb = openpyxl.load_workbook(sk.report.write_workbook(t, tmp_path / "na.xlsx"))
    ws = wb["Victimización"]
    title = _find(ws, "T.PREV. Prevalencia de victimización")
    assert ws.cell(row=title.row + 2, column=3).value == ".."
    assert any(str(r[0]).startswith("..: ") for r in _rows(ws) if r[0])
    assert isinstance(pd.read_excel(tmp_path / "na.xlsx", sheet_name="Datos"), pd.DataFrame)


def test_footnotes_translate_quality_reasons_by_code_not_by_text(tmp_path):
    """A reason is translated through the quality-rule catalogue by its flag_code."""
    import openpyxl

    t = pd.DataFrame(
        {
            "code": "VIC.1",
            "name": "Prevalencia",
            "family": "victimization",
            "breakdown": ["total", "sexo"],
            "category": ["", "Mujer"],
            "estimate": [20.0, 18.0],
            "se": [1.0, 6.0],
            "ci_low": [18.0, 6.0],
            "ci_high": [22.0, 30.0],
            "cv": [0.05, 0.33],
            "n": [900, 500],
            "flag": ["", "baja"],
            "publish": True,
            # words that match no catalogue text: only the code can translate them
            "flag_reason": ["", "low precision"],
            "flag_code": ["", "INEGI-LOW"],
            "unit_label": "%",
            "source": "x [U]",
        }
    )
    p = sk.report.write_workbook(t, tmp_path / "r.xlsx", language="es")
    ws = openpyxl.load_workbook(p)["Victimización"]
    text = [str(c.value) for row in ws.iter_rows() for c in row if c.value]
    assert "(a) baja: CV de 30% o más, o no calculable: precisión baja (INEGI)" in text
