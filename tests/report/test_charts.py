"""PNG charts: valid files of a sensible size, estimates and intervals drawn, flags and suppression marked."""

from __future__ import annotations

import struct

import numpy as np
import pandas as pd
import pytest

import surveykit as sk


def _png_size(path):
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height, len(data)


def test_write_charts_one_png_per_indicator(results, tmp_path):
    paths = sk.report.write_charts(results, tmp_path / "charts", codes=["T.PREV", "T.RATE", "T.OLD"])
    assert [p.name for p in paths] == ["T.PREV.png", "T.RATE.png", "T.OLD.png"]
    for p in paths:
        width, height, size = _png_size(p)
        assert width == 1100 and 300 <= height <= 1200  # 11 in wide at 100 dpi (departments + two panels)
        assert size > 20_000  # a drawn chart, not an empty canvas


def test_all_indicators_by_default(results, tmp_path):
    paths = sk.report.write_charts(results, tmp_path, breakdowns=("sexo",), dpi=50)
    assert {p.stem for p in paths} == set(results["code"])
    width, _h, _s = _png_size(paths[0])
    assert width == 400  # one panel: 8 in at 50 dpi


def test_bars_are_the_estimates_with_their_intervals(results):
    fig = sk.report.plot_indicator(results, "T.PREV", "area", language="es")
    ax = fig.axes[0]
    rows = results[(results["code"] == "T.PREV") & (results["breakdown"] == "area")]
    widths = sorted(round(p.get_width(), 9) for p in ax.patches)
    assert widths == sorted(round(v, 9) for v in rows["estimate"])
    total = results[(results["code"] == "T.PREV") & (results["breakdown"] == "total")]["estimate"].iloc[0]
    assert any(np.allclose(line.get_xdata(), total) for line in ax.get_lines())
    segments = [c for c in ax.collections if hasattr(c, "get_segments")]
    ends = sorted(round(x, 9) for seg in segments[0].get_segments() for x in (seg[0][0], seg[1][0]))
    assert ends == sorted(round(v, 9) for v in [*rows["ci_low"], *rows["ci_high"]])
    assert "Urbano" in [t.get_text() for t in ax.get_yticklabels()]
    assert ax.get_xlabel() == "% de la población de 18 años y más"


def test_flagged_and_suppressed_estimates_are_marked(results_statcan):
    rows = results_statcan[(results_statcan["code"] == "T.RATE") & (results_statcan["breakdown"] == "departamento")]
    assert (~rows["publish"]).any() and (rows["flag"] == "E").any()
    fig = sk.report.plot_indicator(results_statcan, "T.RATE", "departamento", language="en")
    ax = fig.axes[0]
    ticks = [t.get_text() for t in ax.get_yticklabels()]
    caution = rows.loc[rows["publish"] & (rows["flag"] == "E"), "category"]
    assert all(f"{c} (E)" in ticks for c in caution)
    assert len(ax.patches) == rows["publish"].sum()  # no bar for a suppressed estimate
    assert sum(t.get_text() == "x" for t in ax.texts) == (~rows["publish"]).sum()
    hatched = [p for p in ax.patches if p.get_hatch()]
    assert len(hatched) == len(caution)
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert "Flagged (E)" in legend and "x = suppressed" in legend


def test_unknown_indicator_or_breakdown(results):
    with pytest.raises(sk.ReportError, match="'T.NONE' is not in the results"):
        sk.report.plot_indicator(results, "T.NONE")
    with pytest.raises(sk.ReportError, match="no breakdown 'grupo_edad'"):
        sk.report.plot_indicator(results, "T.PREV", "grupo_edad")
    with pytest.raises(sk.ReportError, match="has none of the breakdowns"):
        sk.report.write_charts(results, "unused", codes=["T.PREV"], breakdowns=("grupo_edad",))


def test_every_breakdown_gets_a_panel(results):
    """Two long breakdowns: one column of panels, none left out."""
    extra = results[results["breakdown"] == "departamento"].assign(breakdown="region")
    table = pd.concat([results, extra], ignore_index=True)
    table.attrs.update(results.attrs)
    fig = sk.report.plot_breakdowns(table, "T.PREV", ("departamento", "region", "sexo"))
    assert [ax.get_title(loc="left") for ax in fig.axes] == ["Departamento", "region", "Sexo"]
    fig = sk.report.plot_breakdowns(results, "T.PREV")
    assert [ax.get_title(loc="left") for ax in fig.axes] == ["Departamento", "Sexo", "Área"]


def test_panels_are_titled_with_the_variables_label_not_its_name():
    """No country default: the breakdowns are the results' own, titled with the data's variable labels."""
    from surveykit.indicators.model import Indicator

    rng = np.random.default_rng(5)
    n = 400
    df = pd.DataFrame(
        {
            "w": rng.uniform(1, 3, n),
            "zona": rng.choice(["A", "B", "C", "D", "E", "F"], n),
            "genero": rng.choice(["F", "M"], n),
            "y": rng.integers(0, 2, n),
        }
    )
    df.attrs["surveykit"] = {"variable_labels": {"zona": "Zona de planificación", "genero": "Género"}}
    ind = Indicator(
        code="Y",
        family="sdg16",
        name={"es": "Y"},
        questionnaire="q",
        estimator="proportion",
        numerator="${y} = 1",
        scale=100,
        source="x [U]",
    )
    res = sk.indicators.compute_breakdowns(
        sk.SurveyDesign(df, weights="w"), ["Y"], [None, "zona", "genero"], indicators={"Y": ind}
    )
    assert res.attrs["variable_labels"] == {"zona": "Zona de planificación", "genero": "Género"}
    fig = sk.report.plot_breakdowns(res, "Y")
    assert [ax.get_title(loc="left") for ax in fig.axes] == ["Zona de planificación", "Género"]
    fig = sk.report.plot_indicator(res, "Y")  # the first breakdown of the results
    assert fig.axes[0].get_ylabel() == "Zona de planificación"
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == ["A", "B", "C", "D", "E", "F"]
    assert sk.report.plot_indicator(res, "Y", "genero", breakdown_label="Sexo").axes[0].get_ylabel() == "Sexo"
