"""`make demo` end to end: questionnaire -> simulated .sav -> checks -> raking -> indicators -> workbook."""

from __future__ import annotations

import warnings

import openpyxl
import pandas as pd
import pytest

import surveykit as sk
from surveykit import demo


@pytest.fixture(scope="module")
def outputs(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sk.SurveykitWarning)
        written = demo.run(out, seed=7)
    return out, written


def test_microdata_round_trip_and_checks(outputs):
    out, written = outputs
    for name in demo.SURVEYS:
        sav = written[f"{name}:person"]
        assert sav.suffix == ".sav" and sav.exists()
        meta = sk.read_metadata(sav)
        assert meta["value_labels"]["sexo"] == {1: "Hombre", 2: "Mujer"}
        # the simulated data obey their questionnaire (rules that cannot be evaluated on data are listed apart)
        problems = pd.read_csv(written[f"{name}:problems"])
        problems = problems[problems["rule"] != "not_checked"]
        assert len(problems) == 0, problems.head()
    assert written["victimization:incidentes"].exists()


def test_every_catalogue_indicator_is_published_by_sex_area_department(outputs):
    _, written = outputs
    table = pd.read_csv(written["table"])
    cat = sk.indicators.load_catalog()
    expected = {c for c, ind in cat.items() if ind.questionnaire in demo.SURVEYS}
    assert set(table["code"]) == expected
    assert set(table["breakdown"]) == {"total", "sexo", "area", "departamento"}
    # 14 departments, 2 sexes, 2 areas for a person-level indicator
    one = table[table["code"] == "SDG16.1.4"]
    assert one["breakdown"].value_counts().to_dict() == {"departamento": 14, "sexo": 2, "area": 2, "total": 1}
    assert {"Hombre", "Mujer", "Urbano", "Rural", "San Salvador"} <= set(one["category"])
    assert table["se"].notna().all() and (table.loc[table["estimate"] > 0, "se"] > 0).all()


def test_raked_weights_reach_the_controls(outputs):
    out, written = outputs
    df = sk.read_microdata(written["sdg16:person"], user_missing="keep")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sk.SurveykitWarning)
        ctl = sk.load_controls(sk.shipped.controls_file(demo.CONTROLS))
    d = sk.SurveyDesign(df, weights="fexp", strata="estrato", psu="upm").rake(ctl)
    for margin, levels in ctl.margins.items():
        got = d.weights.groupby(df[margin]).sum()
        for level, total in levels.items():
            assert got[level] == pytest.approx(total, rel=1e-9)


def test_workbook_and_charts(outputs):
    _, written = outputs
    wb = openpyxl.load_workbook(written["workbook"])
    assert wb.sheetnames == ["Contenido", "Victimización", "Discriminación", "ODS 16", "Fuentes", "Datos"]
    pngs = sorted(written["charts"].glob("*.png"))
    assert [p.stem for p in pngs] == sorted(demo.KEY_INDICATORS)
    for p in pngs:
        assert p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and p.stat().st_size > 10_000


def test_command_line(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(
        demo,
        "run",
        lambda out, **k: {"workbook": out / "w.xlsx", "table": _table(out), "sdg16:problems": out / "p.csv"},
    )
    assert demo.main(["--out", str(tmp_path), "--no-charts"]) == 0
    printed = capsys.readouterr().out
    assert "w.xlsx" in printed and "SDG16.1.4" in printed


def _table(out):
    path = out / "t.csv"
    pd.DataFrame(
        {
            "code": ["SDG16.1.4"],
            "breakdown": ["total"],
            "estimate": [52.9],
            "ci_low": [50.7],
            "ci_high": [55.0],
            "cv": [0.02],
            "unit_label": ["%"],
        }
    ).to_csv(path, index=False)
    return path
