"""Significance in the publication workbook: ▲/▼ on categories that differ from the national value."""

from __future__ import annotations

import numpy as np
import openpyxl
import pandas as pd
import pytest

import surveykit as sk
from surveykit.indicators.model import Indicator

SAFE = Indicator(
    code="SAFE",
    family="sdg16",
    name={"es": "Se siente inseguro", "en": "Feels unsafe"},
    questionnaire="q",
    universe="${edad} >= 18",
    estimator="proportion",
    numerator="${inseguro} = 1",
    scale=100,
    unit_label={"es": "%", "en": "%"},
    source="test [U]",
)


@pytest.fixture(scope="module")
def results():
    rng = np.random.default_rng(11)
    n = 3000
    region = rng.choice(["norte", "centro", "sur"], n, p=[0.15, 0.45, 0.40])
    # the north is clearly less safe, centre and south close to each other
    p = np.select([region == "norte", region == "centro"], [0.55, 0.39], 0.36)
    df = pd.DataFrame(
        {
            "estrato": rng.integers(1, 6, n),
            "w": rng.uniform(50, 150, n),
            "region": region,
            "edad": rng.integers(15, 90, n),
            "inseguro": (rng.uniform(size=n) < p).astype(int),
        }
    )
    df["upm"] = df["estrato"] * 100 + rng.integers(0, 20, n)
    d = sk.SurveyDesign(df, weights="w", strata="estrato", psu="upm")
    out = sk.indicators.compute_breakdowns(
        d, ["SAFE"], [None, "region"], indicators={"SAFE": SAFE}, labels=False, compare="total"
    )
    sub = d.subset((df["edad"] >= 18).to_numpy())
    diff = sub.difference(df["inseguro"].eq(1).astype(float).rename("v"), "region", reference="total")
    return d, out, diff


def _cells(ws) -> list[list]:
    return [[c.value for c in row] for row in ws.iter_rows()]


def test_p_values_are_those_of_difference(results):
    d, out, diff = results
    rows = out[out["breakdown"] == "region"].set_index("category")
    for _, r in diff.iterrows():
        assert rows.loc[r["group"], "p_value"] == pytest.approx(r["p_value"], rel=1e-12)
        assert rows.loc[r["group"], "difference_df"] == d.degf
    # the data make one category significant and one not, so both sides of the marker are tested
    p = rows["p_value"]
    assert p["norte"] < 0.05 and p["centro"] > 0.05


@pytest.mark.parametrize(
    "language, header, footnote",
    [
        (
            "es",
            "Dif. sig.",
            "▲ / ▼: significativamente mayor / menor que el valor nacional (diferencia con el valor "
            "nacional, prueba t basada en el diseño con {df} grados de libertad, α = 0.05); sin marca: "
            "la diferencia no es significativa.",
        ),
        (
            "en",
            "Sig. diff.",
            "▲ / ▼: significantly higher / lower than the national value (difference from the national "
            "value, design-based t test with {df} degrees of freedom, α = 0.05); no mark: the "
            "difference is not significant.",
        ),
    ],
)
def test_workbook_marks_significant_categories_with_a_footnote(results, tmp_path, language, header, footnote):
    d, out, _ = results
    path = sk.report.write_workbook(out, tmp_path / f"sig_{language}.xlsx", language=language)
    wb = openpyxl.load_workbook(path)
    ws = wb[wb.sheetnames[1]]
    cells = _cells(ws)
    head = next(r for r in cells if r[0] in ("Desagregación", "Breakdown"))
    col = head.index(header)
    marks = {r[1]: r[col] for r in cells if r[1] in ("norte", "centro", "sur")}
    rows = out[out["breakdown"] == "region"].set_index("category")
    for cat, mark in marks.items():
        p, diff = rows.loc[cat, "p_value"], rows.loc[cat, "difference"]
        expected = ("▲" if diff > 0 else "▼") if p < 0.05 else None
        assert mark == expected, (cat, p, mark)
    assert marks["norte"] == "▲" and marks["centro"] is None
    text = [v for r in cells for v in r if isinstance(v, str)]
    assert footnote.format(df=f"{d.degf:g}") in text
    # the contents sheet states it too, and the data sheet has the numbers
    contents = [v for r in _cells(wb[wb.sheetnames[0]]) for v in r if isinstance(v, str)]
    assert footnote.format(df=f"{d.degf:g}") in contents
    data = _cells(wb[wb.sheetnames[-1]])
    assert {"p_value", "difference", "difference_se", "compared_with"} <= set(data[0])


def test_alpha_changes_the_markers(results, tmp_path):
    _, out, _ = results
    rows = out[out["breakdown"] == "region"]
    alpha = float(rows["p_value"].max()) * 1.01  # every category is significant at this alpha
    path = sk.report.write_workbook(out, tmp_path / "a.xlsx", language="en", alpha=alpha)
    ws = openpyxl.load_workbook(path)["SDG 16"]
    cells = _cells(ws)
    col = next(r for r in cells if r[0] == "Breakdown").index("Sig. diff.")
    assert all(r[col] in ("▲", "▼") for r in cells if r[1] in ("norte", "centro", "sur"))
    with pytest.raises(sk.ReportError, match="alpha"):
        sk.report.write_workbook(out, tmp_path / "b.xlsx", alpha=5)


def test_no_p_values_no_column(results, tmp_path):
    _, out, _ = results
    plain = out.drop(columns=["difference", "difference_se", "difference_df", "p_value", "compared_with"])
    ws = openpyxl.load_workbook(sk.report.write_workbook(plain, tmp_path / "p.xlsx", language="en"))["SDG 16"]
    values = [v for r in _cells(ws) for v in r if isinstance(v, str)]
    assert "Sig. diff." not in values and not any(v.startswith("▲") for v in values)
