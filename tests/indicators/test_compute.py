"""The indicator engine: every indicator is exactly the estimator call it stands for."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import surveykit as sk
from surveykit.indicators import load_catalog

CATALOG = """
indicators:
  - code: T.SAFE
    family: sdg16
    name: {es: Se siente seguro, en: Feels safe}
    questionnaire: t
    universe: "${edad} >= 18"
    estimator: proportion
    numerator: "${p1} = 1 or ${p1} = 2"
    scale: 100
    unit_label: {es: "%", en: "%"}
    disaggregations: [sexo]
    source: "test [U]"
  - code: T.TRUST
    family: victimization
    name: {en: Trusts the police}
    questionnaire: t
    estimator: proportion
    numerator: "${p2} <= 2"
    denominator: "${ident} = 1 and ${p2} != 9"
    scale: 100
    source: "test [U]"
  - code: T.RATE
    family: victimization
    name: {en: "Crimes per 100,000"}
    questionnaire: t
    universe: "${edad} >= 18"
    estimator: rate
    numerator: "${ndel}"
    denominator: "1"
    scale: 100000
    source: "test [U]"
  - code: T.CONC
    family: victimization
    name: {en: Crimes per victim}
    questionnaire: t
    estimator: ratio
    numerator: "${ndel}"
    denominator: "${ndel} > 0"
    source: "test [U]"
  - code: T.MEAN
    family: discrimination
    name: {en: Mean age}
    questionnaire: t
    estimator: mean
    numerator: "${edad}"
    source: "test [U]"
  - code: T.TOTAL
    family: discrimination
    name: {en: Crimes}
    questionnaire: t
    estimator: total
    numerator: "${ndel}"
    source: "test [U]"
  - code: T.EFFICACY
    family: sdg16
    name: {en: Say and influence}
    questionnaire: t
    estimator: mean_of_proportions
    components:
      - {name: say, numerator: "${q1} >= 3", denominator: "${q1} != 98"}
      - {name: influence, numerator: "${q2} >= 3", denominator: "${q2} != 98"}
    scale: 100
    source: "test [U]"
"""


@pytest.fixture(scope="module")
def setting(tmp_path_factory):
    path = tmp_path_factory.mktemp("cat") / "t.yaml"
    path.write_text(CATALOG, encoding="utf-8")
    cat = load_catalog(path)
    rng = np.random.default_rng(7)
    n = 600
    df = pd.DataFrame(
        {
            "estrato": rng.integers(1, 5, n),
            "w": rng.uniform(50, 150, n),
            "edad": rng.integers(15, 80, n),
            "sexo": rng.integers(1, 3, n),
            "p1": rng.choice([1, 2, 3, 4, 5, 99], n),
            "ident": rng.integers(1, 3, n),
            "p2": rng.choice([1, 2, 3, 4, 9], n),
            "ndel": rng.poisson(0.3, n),
            "q1": rng.choice([1, 2, 3, 4, 5, 98], n),
            "q2": rng.choice([1, 2, 3, 4, 5, 98], n),
        }
    )
    df["upm"] = df["estrato"] * 1000 + rng.integers(0, 30, n)
    d = sk.SurveyDesign(df, weights="w", strata="estrato", psu="upm")
    return cat, df, d


def test_catalog_table(setting):
    cat, _, _ = setting
    t = sk.indicators.catalog("es", cat)
    assert list(t["code"]) == list(cat)
    assert t.loc[t.code == "T.SAFE", "name"].item() == "Se siente seguro"
    assert t.loc[t.code == "T.TRUST", "name"].item() == "Trusts the police"  # falls back to English


def test_each_estimator_is_its_direct_call(setting):
    cat, df, d = setting
    out = sk.indicators.compute(d, list(cat), indicators=cat, labels=False)
    got = out.set_index("code")
    adult = (df.edad >= 18).to_numpy()
    safe = df.p1.isin([1, 2]).astype(float).rename("x")
    direct = {
        "T.SAFE": (d.subset(adult).mean(safe), 100),
        "T.TRUST": (
            d.subset(((df.ident == 1) & (df.p2 != 9)).to_numpy()).mean((df.p2 <= 2).astype(float).rename("x")),
            100,
        ),
        "T.RATE": (
            d.subset(adult).ratio(df.ndel.astype(float).rename("a"), pd.Series(1.0, index=df.index, name="b")),
            100000,
        ),
        "T.CONC": (d.ratio(df.ndel.astype(float).rename("a"), (df.ndel > 0).astype(float).rename("b")), 1),
        "T.MEAN": (d.mean("edad"), 1),
        "T.TOTAL": (d.total("ndel"), 1),
        "T.EFFICACY": (
            d.mean_of_means(
                [
                    (df.q1 >= 3).astype(float).where(df.q1 != 98).rename("a"),
                    (df.q2 >= 3).astype(float).where(df.q2 != 98).rename("b"),
                ]
            ),
            100,
        ),
    }
    for code, (ref, scale) in direct.items():
        row = got.loc[code]
        for col in ("estimate", "se", "ci_low", "ci_high"):
            assert row[col] == pytest.approx(scale * ref[col][0], rel=1e-12), (code, col)
        assert row["n"] == ref["n"][0]
        assert row["df"] == ref["df"][0]
        assert row["source"] == "test [U]"


def test_by_domain_and_labels(setting):
    cat, df, d = setting
    df2 = df.copy()
    df2.attrs["surveykit"] = {"value_labels": {"sexo": {1: "Hombre", 2: "Mujer"}}}
    d2 = sk.SurveyDesign(df2, weights="w", strata="estrato", psu="upm")
    out = sk.indicators.compute(d2, ["T.SAFE"], by="sexo", indicators=cat)
    assert out["sexo"].tolist() == ["Hombre", "Mujer"]
    adult = (df.edad >= 18).to_numpy()
    ref = d.subset(adult).mean(df.p1.isin([1, 2]).astype(float).rename("x"), by="sexo")
    np.testing.assert_allclose(out["estimate"], 100 * ref["estimate"], rtol=1e-12)
    np.testing.assert_allclose(out["se"], 100 * ref["se"], rtol=1e-12)


def test_breakdowns_table_shape(setting):
    cat, _, d = setting
    out = sk.indicators.compute_breakdowns(d, ["T.SAFE", "T.MEAN"], [None, "sexo"], indicators=cat, labels=False)
    assert out["code"].tolist() == ["T.SAFE"] * 3 + ["T.MEAN"] * 3
    assert out["breakdown"].tolist() == ["total", "sexo", "sexo"] * 2
    assert {"flag", "publish", "flag_reason", "unit_label", "source"} <= set(out.columns)


def test_language_comes_from_the_call_or_the_questionnaire(setting):
    cat, _, d = setting
    edad = sk.IntegerQuestion(name="edad", label={"es": "Edad", "en": "Age"})
    q_es = sk.Questionnaire(id="t", languages=["es", "en"], items=[edad])
    q_en = q_es.model_copy(update={"default_language": "en"})

    def name(**kw):
        out = sk.indicators.compute_breakdowns(d, ["T.SAFE"], [None], indicators=cat, labels=False, **kw)
        return out["name"].iloc[0], out.attrs["language"]

    assert name() == ("Feels safe", "en")  # no questionnaire: English
    assert name(questionnaire=q_es) == ("Se siente seguro", "es")  # the questionnaire's main language
    assert name(questionnaire=q_en) == ("Feels safe", "en")
    assert name(questionnaire=q_es, language="en") == ("Feels safe", "en")  # the call wins
    t = sk.indicators.compute(d, ["T.SAFE"], indicators=cat, labels=False, questionnaire=q_es)
    assert t["name"].iloc[0] == "Se siente seguro"
    with pytest.raises(TypeError, match="unexpected keyword argument 'rules'"):
        sk.indicators.compute_breakdowns(d, ["T.SAFE"], indicators=cat, rules="inegi")


def test_rules_and_intervals(setting):
    cat, _, d = setting
    nchs = sk.indicators.compute(
        d, ["T.SAFE", "T.RATE"], rule="nchs", ci="korn-graubard", indicators=cat, labels=False
    ).set_index("code")
    assert "ci_low_kg" in nchs.columns
    # proportions get the domain's degrees of freedom under NCHS
    adult = (d.data.edad >= 18).to_numpy()
    ref = d.subset(adult).mean(d.data.p1.isin([1, 2]).astype(float).rename("x"), df="domain", ci="korn-graubard")
    assert nchs.loc["T.SAFE", "df"] == ref["df"][0] < d.degf
    assert nchs.loc["T.SAFE", "ci_low"] == pytest.approx(100 * ref["ci_low"][0], rel=1e-12)
    statcan = sk.indicators.compute(d, ["T.SAFE"], rule="statcan", indicators=cat, labels=False)
    assert statcan["flag"][0] in ("", "E", "F")


def test_errors_name_the_indicator(setting, tmp_path):
    cat, df, d = setting
    with pytest.raises(sk.IndicatorError, match="T.SAF"):
        sk.indicators.compute(d, ["T.SAF"], indicators=cat)
    bad = dict(cat)
    bad["T.BAD"] = cat["T.SAFE"].model_copy(update={"code": "T.BAD", "numerator": "${nope} = 1"})
    with pytest.raises(sk.IndicatorError, match="T.BAD.*numerator.*nope"):
        sk.indicators.compute(d, ["T.BAD"], indicators=bad)
    empty = cat["T.SAFE"].model_copy(update={"code": "T.EMPTY", "universe": "${edad} > 500"})
    with pytest.raises(sk.IndicatorError, match="T.EMPTY.*universe"):
        sk.indicators.compute(d, ["T.EMPTY"], indicators={"T.EMPTY": empty})
    f = tmp_path / "dup.yaml"
    f.write_text(CATALOG + CATALOG.split("indicators:\n", 1)[1][:400], encoding="utf-8")
    with pytest.raises(sk.IndicatorError, match="defined twice|not valid"):
        load_catalog(f)
    g = tmp_path / "nosource.yaml"
    g.write_text(
        "indicators:\n  - {code: X, family: sdg16, name: {en: x}, questionnaire: q, estimator: mean, "
        "numerator: '${a}', source: ' '}\n",
        encoding="utf-8",
    )
    with pytest.raises(sk.IndicatorError, match="X"):
        load_catalog(g)
    h = tmp_path / "broken.yaml"
    h.write_text("indicators: [", encoding="utf-8")
    with pytest.raises(sk.IndicatorError, match="YAML"):
        load_catalog(h)


def test_designs_by_unit(setting):
    cat, df, d = setting
    hh = cat["T.MEAN"].model_copy(update={"code": "T.HH", "unit": "household"})
    with pytest.raises(sk.IndicatorError, match="household"):
        sk.indicators.compute({"person": d}, ["T.HH"], indicators={"T.HH": hh})
    out = sk.indicators.compute({"household": d}, ["T.HH"], indicators={"T.HH": hh})
    assert out["estimate"][0] == pytest.approx(d.mean("edad")["estimate"][0])


def test_indicator_model_validation():
    from pydantic import ValidationError

    from surveykit.indicators import Indicator

    with pytest.raises(ValidationError, match="denominator"):
        Indicator(
            code="R",
            family="sdg16",
            name={"en": "r"},
            questionnaire="q",
            estimator="rate",
            numerator="${a}",
            source="s [U]",
        )
    with pytest.raises(ValidationError, match="components"):
        Indicator(
            code="M",
            family="sdg16",
            name={"en": "m"},
            questionnaire="q",
            estimator="mean_of_proportions",
            source="s [U]",
        )
    with pytest.raises(ValidationError):
        Indicator(
            code="bad code",
            family="sdg16",
            name={"en": "m"},
            questionnaire="q",
            estimator="mean",
            numerator="${a}",
            source="s [U]",
        )
