"""write_workbook accepts plain estimator and crosstab tables (issue 12, item 5)."""

from __future__ import annotations

import numpy as np
import openpyxl
import pandas as pd
import pytest

import surveykit as sk
from surveykit.errors import ReportError


@pytest.fixture(scope="module")
def design():
    rng = np.random.default_rng(3)
    n = 400
    df = pd.DataFrame(
        {
            "s": np.repeat(np.arange(4), n // 4),
            "p": np.repeat(np.arange(40), n // 40),
            "w": rng.uniform(1, 4, n),
            "sexo": rng.choice(["Hombre", "Mujer"], n),
            "inseguro": rng.integers(0, 2, n).astype(float),
            "seg": rng.choice(["a", "b", "c"], n),
        }
    )
    return sk.SurveyDesign(df, weights="w", strata="s", psu="p")


def test_plain_estimator_table_is_written(design, tmp_path):
    t = design.mean("inseguro", by="sexo")
    path = sk.report.write_workbook(t, tmp_path / "plain.xlsx", language="en")
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["Contents", "SDG 16", "Sources", "Data"]
    data = pd.DataFrame(wb["Data"].values)
    header = list(data.iloc[0])
    body = data.iloc[1:]
    est = body[header.index("estimate")].astype(float).to_numpy()
    np.testing.assert_allclose(np.sort(est), np.sort(t["estimate"].to_numpy()))


def test_results_with_names_percent_and_significance(design):
    t = design.proportion("seg", by="sexo")
    r = sk.report.estimate_results(t, name="Safety", unit_label="%", scale=100)
    assert set(r["code"]) == {"seg=a", "seg=b", "seg=c"}
    assert (r["breakdown"] == "sexo").all()
    np.testing.assert_allclose(r["estimate"].to_numpy(), 100 * t["estimate"].to_numpy())
    diff = design.difference("inseguro", by="sexo")
    m = (
        design.mean("inseguro", by="sexo")
        .merge(diff[["group", "p_value"]], left_on="sexo", right_on="group", how="left")
        .drop(columns="group")
    )
    m.loc[0, "p_value"] = 0.001  # a user's own p-value is kept; significance is not a quality flag
    r = sk.report.estimate_results(m)
    assert r["p_value"].tolist() == [0.001, diff["p_value"].item()]
    assert r["flag"].tolist() == sk.quality_flags(m, "inegi")["flag"].tolist()


@pytest.mark.parametrize("compare, reference", [("total", "total"), ("reference", None)])
def test_estimate_results_compare_is_the_designs_difference(design, compare, reference):
    d = design
    cases = [
        (d.mean("inseguro", by="seg"), d.difference("inseguro", "seg", reference=reference), {}),
        (d.proportion("sexo", by="seg"), d.difference("sexo", "seg", statistic="proportion", reference=reference), {}),
        (
            d.ratio("inseguro", "w", by="seg"),
            d.difference("inseguro", "seg", statistic="ratio", denominator="w", reference=reference),
            {"denominator": "w"},
        ),
    ]
    for table, diff, extra in cases:
        r = sk.report.estimate_results(table, scale=100, design=d, compare=compare, **extra)
        level = diff["level"].astype(str) if "level" in diff.columns else None
        for i, row in diff.iterrows():
            hit = r[
                (r["category"] == row["group"])
                & (r["code"].str.endswith("=" + level[i]) if level is not None else True)
            ]
            assert len(hit) == 1
            assert hit["p_value"].item() == pytest.approx(row["p_value"], rel=1e-12)
            assert hit["difference"].item() == pytest.approx(100 * row["estimate"], rel=1e-12)
            assert hit["difference_se"].item() == pytest.approx(100 * row["se"], rel=1e-12)
            assert hit["difference_df"].item() == row["df"]
            assert hit["compared_with"].item() == ("total" if compare == "total" else "a")
        if compare == "reference":
            assert np.isnan(r.loc[r["category"] == "a", "p_value"]).all()


def test_estimate_results_compare_needs_the_design_and_a_domain(design):
    with pytest.raises(ReportError, match="design"):
        sk.report.estimate_results(design.mean("inseguro", by="seg"), compare="total")
    with pytest.raises(ReportError, match="domain"):
        sk.report.estimate_results(design.mean("inseguro"), design=design, compare="total")
    with pytest.raises(ReportError, match="denominator"):
        sk.report.estimate_results(design.ratio("inseguro", "w", by="seg"), design=design, compare="total")


def test_crosstab_is_written_by_row(design, tmp_path):
    x = design.crosstab("sexo", "seg", margin="row")
    r = sk.report.estimate_results(x, row="sexo")
    assert set(r["breakdown"]) == {"sexo"} and set(r["code"]) == {"seg=a", "seg=b", "seg=c"}
    sk.report.write_workbook(x, tmp_path / "x.xlsx")


def test_several_domain_columns_are_refused(design):
    t = design.mean("inseguro", by=["sexo", "seg"])
    with pytest.raises(ReportError, match="several domain columns"):
        sk.report.estimate_results(t)


def test_chart_panels_are_titled_with_the_questionnaire_labels():
    q = sk.load_questionnaire("questionnaires/sdg16.yaml")
    t = pd.DataFrame(
        {
            "code": "X",
            "name": "Seguridad",
            "family": "sdg16",
            "breakdown": ["total", "grupo_edad", "grupo_edad"],
            "category": ["", "18-29", "30-44"],
            "estimate": [50.0, 55, 45],
            "se": 2.0,
            "ci_low": [46.0, 51, 41],
            "ci_high": [54.0, 59, 49],
            "cv": 0.04,
            "n": 500,
            "flag": "",
            "publish": True,
            "flag_reason": "",
            "unit_label": "%",
            "source": "x [U]",
        }
    )
    label = q.label_dictionaries("es").variable_labels["grupo_edad"]
    fig = sk.report.plot_breakdowns(t, "X", ["grupo_edad"], questionnaire=q)
    assert [ax.get_title(loc="left") for ax in fig.axes][:1] == [label]
    fig = sk.report.plot_breakdowns(t, "X", ["grupo_edad"], breakdown_labels={"grupo_edad": "Edad"})
    assert fig.axes[0].get_title(loc="left") == "Edad"


def test_estimate_results_compare_on_labelled_categories(design):
    data = design.data.copy()
    data["g"] = data["seg"].map({"a": 1, "b": 2, "c": 3})
    data.attrs["surveykit"] = {"value_labels": {"g": {1: "Uno", 2: "Dos", 3: "Tres"}}}
    d = sk.SurveyDesign(data, weights="w", strata="s", psu="p")
    t = d.mean("inseguro", by="g", labels=True)
    r = sk.report.estimate_results(t, design=d, compare="reference")
    ref = d.difference("inseguro", "g")
    assert r["category"].tolist() == ["Uno", "Dos", "Tres"]
    assert r["compared_with"].tolist() == ["Uno", "Uno", "Uno"]
    np.testing.assert_allclose(r["p_value"][1:], ref["p_value"], rtol=1e-12)
