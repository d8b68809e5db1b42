"""The shipped indicator catalogue: complete, sourced, consistent with the shipped questionnaires, and
each indicator exactly the direct estimator call it stands for."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

import surveykit as sk
from surveykit.indicators import load_catalog
from surveykit.questionnaire.expression import parse_expression
from surveykit.questionnaire.typecheck import CheckContext, RefInfo, VType, check, code_key

ROOT = Path(__file__).resolve().parents[2]
QDIR = ROOT / "questionnaires"
CATALOG_DIR = ROOT / "src" / "surveykit" / "indicators" / "catalog"
# columns of the conventions that are not questions: the design, and on incident rows the parent's
# design and domain columns
DESIGN_COLUMNS = {"estrato", "upm", "id_hogar", "fexp", "fexp_hogar"}
INCIDENT_COLUMNS = {"id_hogar", "id_incidentes", "estrato", "upm", "fexp", "departamento", "area", "sexo", "grupo_edad"}
TAG = re.compile(r"\[(V|S|U)\b")
SOURCE_IDS = (
    "M-1613",
    "M-1614",
    "M-1631",
    "M-1633",
    "M-1651",
    "M-1662",
    "M-1672",
    "M-16b1",
    "M-1172",
    "ENVIPE",
    "ENADIS",
    "LACSI",
    "NCVS",
    "SDG16S",
)
# victimization: fewer adults than members (the questionnaire's constraint) and plausible crime rates
# (uniform answers would make nearly every household a victim)
VICTIMIZATION_OVERRIDES = {
    "tam_hogar": {"distribution": "poisson", "mean": 3.0},
    "n_adultos": {"distribution": "poisson", "mean": 1.2},
    **{
        v: {"probabilities": {1: 0.06}}
        for v in (
            "h_robo_veh",
            "h_robo_partes",
            "h_vandalismo",
            "h_robo_casa",
            "h_otro_vict",
            "v_robo",
            "v_hurto",
            "v_fraude_banc",
            "v_fraude_cons",
            "v_extorsion",
            "v_amenazas",
            "v_lesiones",
            "v_secuestro",
            "v_hostig_sex",
            "v_violacion",
            "v_otro",
        )
    },
}


@pytest.fixture(scope="module")
def questionnaires():
    return {name: sk.load_questionnaire(QDIR / f"{name}.yaml") for name in ("sdg16", "victimization", "discrimination")}


@pytest.fixture(scope="module")
def cat():
    return load_catalog()


# ------------------------------------------------------------------------------------------------
# the catalogue as data
# ------------------------------------------------------------------------------------------------
def test_catalogue_has_the_three_families(cat):
    families = Counter(ind.family for ind in cat.values())
    assert len(cat) >= 25
    assert set(families) == {"sdg16", "victimization", "discrimination"}
    assert min(families.values()) >= 10
    table = sk.indicators.catalog()
    assert len(table) == len(cat) and table["code"].is_unique
    # every estimator of the model is used at least once
    assert {ind.estimator for ind in cat.values()} == {
        "proportion",
        "ratio",
        "rate",
        "mean",
        "total",
        "mean_of_proportions",
    }
    assert {ind.unit for ind in cat.values()} == {"person", "household", "incident"}


def test_codes_are_unique_across_files(cat):
    codes = []
    for f in sorted(CATALOG_DIR.glob("*.yaml")):
        codes += [item["code"] for item in yaml.safe_load(f.read_text(encoding="utf-8"))["indicators"]]
    assert len(codes) == len(set(codes)) == len(cat)
    for required in (
        "SDG16.1.3.a",
        "SDG16.1.3.b",
        "SDG16.1.3.c",
        "SDG16.1.3",
        "SDG16.1.4",
        "SDG16.1.4.NS",
        "SDG16.3.1.PHY",
        "SDG16.3.1.SEX",
        "SDG16.3.1.PSY",
        "SDG16.3.3",
        "SDG16.5.1",
        "SDG16.5.1.PAID",
        "SDG16.6.2.HEALTH",
        "SDG16.6.2.GOV.OVERALL",
        "SDG16.7.2",
        "SDG16.b.1",
        "SDG11.7.2",
        "VIC.PREV.HOUSEHOLD",
        "VIC.PREV.PERSON",
        "VIC.INC.PERSON",
        "VIC.CONC",
        "VIC.REP.RATE",
        "VIC.DARK",
        "VIC.SEC.DEPTO",
        "VIC.SEC.MUNI",
        "VIC.SEC.BARRIO",
        "VIC.TRUST.PNC",
        "VIC.HAB.NIGHT",
        "DIS.1",
        "DIS.2A.SEX",
        "DIS.3B.WORK",
        "DIS.5",
    ):
        assert required in cat, required


def test_every_indicator_cites_its_source_with_an_evidence_tag(cat):
    for code, ind in cat.items():
        assert TAG.search(ind.source), f"{code}: source without an evidence tag: {ind.source}"
        assert any(s in ind.source for s in SOURCE_IDS) or "UN series" in ind.source, (
            f"{code}: the source names none of the reference's source IDs: {ind.source}"
        )


def test_texts_are_bilingual(cat):
    for code, ind in cat.items():
        for field in ("name", "description", "unit_label"):
            texts = getattr(ind, field)
            assert set(texts) == {"es", "en"} and all(t.strip() for t in texts.values()), f"{code}.{field}"
        if ind.notes:
            assert set(ind.notes) == {"es", "en"}, f"{code}.notes"


def test_the_documentation_lists_every_indicator(cat):
    doc = (ROOT / "docs" / "indicators.md").read_text(encoding="utf-8")
    tables = doc.split("## The catalogue")[1].split("\n## ")[0]
    listed = re.findall(r"^\| `([^`]+)` \|", tables, flags=re.M)
    assert sorted(listed) == sorted(cat)
    assert f"**{len(cat)} survey-based indicators**" in doc


def test_scale_and_unit_match_the_estimator(cat):
    for code, ind in cat.items():
        if ind.estimator in ("proportion", "mean_of_proportions"):
            assert ind.scale == 100 and "%" in ind.unit_label["es"] and "%" in ind.unit_label["en"], code
        elif ind.estimator == "rate":
            assert ind.scale in (1000, 100000) and ind.denominator == "1", code
            assert ("100 000" if ind.scale == 100000 else "1000") in ind.unit_label["es"], code
        else:
            assert ind.scale == 1, code


# ------------------------------------------------------------------------------------------------
# expressions against the questionnaires
# ------------------------------------------------------------------------------------------------
def _ref_info(info) -> RefInfo:
    t = info.type
    if t in ("integer", "decimal"):
        return RefInfo(VType.NUMBER)
    if t in ("select_one", "select_multiple"):
        codes = frozenset(code_key(c) for c in [*info.choice_codes(), *(m.code for m in info.missing)])
        return RefInfo(VType.CODE if t == "select_one" else VType.CODES, codes)
    if t == "calculate":
        return RefInfo(
            {"integer": VType.NUMBER, "decimal": VType.NUMBER, "boolean": VType.BOOLEAN}.get(
                info.result_type, VType.TEXT
            )
        )
    return RefInfo(VType.TEXT)


def unit_variables(q, unit: str) -> dict[str, RefInfo]:
    """What an expression of an indicator of ``unit`` may refer to, with its type."""
    main = {x.name: _ref_info(x) for x in q.questions() if x.repeat is None and x.stores_value}
    if unit in ("person", "household"):
        return {**main, **{c: RefInfo(VType.NUMBER) for c in DESIGN_COLUMNS}}
    (rep,) = [r for r in q.repeats() if r.unit == unit]
    own = {x.name: _ref_info(x) for x in q.questions() if x.repeat == rep.name and x.stores_value}
    copied = {c: main.get(c, RefInfo(VType.NUMBER)) for c in INCIDENT_COLUMNS}
    return {**own, **copied}


def _indicator_params():
    return [pytest.param(code, id=code) for code in load_catalog()]


@pytest.mark.parametrize("code", _indicator_params())
def test_expressions_type_check_against_the_unit(code, cat, questionnaires):
    ind = cat[code]
    assert ind.questionnaire in questionnaires, f"{code}: no shipped questionnaire {ind.questionnaire!r}"
    q = questionnaires[ind.questionnaire]
    allowed = unit_variables(q, ind.unit)
    boolean_fields = {"universe"} | ({"numerator", "denominator"} if ind.estimator == "proportion" else set())
    for field, text in ind.expressions().items():
        expr = parse_expression(text)
        unknown = set(expr.references()) - set(allowed)
        assert not unknown, f"{code}.{field} refers to {unknown}, not variables of its {ind.unit} unit"
        needs_bool = field in boolean_fields or field.startswith("components")
        t, issues = check(expr.ast, CheckContext(lookup=allowed.get, role="relevant" if needs_bool else "calculation"))
        assert not issues, f"{code}.{field}: {[i.message for i in issues]}"
        if needs_bool:
            assert t is VType.BOOLEAN, f"{code}.{field} is {t}, not a condition"
        else:
            assert t in (VType.NUMBER, VType.BOOLEAN), f"{code}.{field} is {t}, not a number"
    assert ind.disaggregations and set(ind.disaggregations) <= set(allowed), code


# ------------------------------------------------------------------------------------------------
# computed: on simulated surveys (sk.simulate), raw field codes and after an SPSS round trip
# ------------------------------------------------------------------------------------------------
def _designs(main: pd.DataFrame, incidents: pd.DataFrame | None = None) -> dict[str, sk.SurveyDesign]:
    out = {
        "person": sk.SurveyDesign(main, weights="fexp", strata="estrato", psu="upm"),
        "household": sk.SurveyDesign(main, weights="fexp_hogar", strata="estrato", psu="upm"),
    }
    if incidents is not None:
        out["incident"] = sk.SurveyDesign(incidents, weights="fexp", strata="estrato", psu="upm")
    return out


@pytest.fixture(scope="module")
def surveys(questionnaires, tmp_path_factory):
    """Per questionnaire: (designs on the field data, designs on the data read back from .sav)."""
    from surveykit.simulate.frame import el_salvador_frame

    tmp = tmp_path_factory.mktemp("sav")
    out = {}
    for name, q in questionnaires.items():
        sim = sk.simulate(
            q,
            frame=el_salvador_frame(psus=200),
            households_per_psu=8,
            missing_rate=0.08,
            overrides=VICTIMIZATION_OVERRIDES if name == "victimization" else None,
            seed=6,
        )
        incidents = sim.repeats.get("incidentes")
        sk.write_microdata(sim.data, tmp / f"{name}.sav", questionnaire=q)
        back = sk.read_microdata(tmp / f"{name}.sav")
        back_inc = None
        if incidents is not None:
            sk.write_microdata(incidents, tmp / f"{name}_incidentes.sav", questionnaire=q)
            back_inc = sk.read_microdata(tmp / f"{name}_incidentes.sav")
        out[name] = (_designs(sim.data, incidents), _designs(back, back_inc))
    return out


def test_missing_codes_give_the_same_indicators_as_missing_values(surveys, questionnaires, cat):
    """Field data keep don't-know/refused codes (8/9, 98/99); SPSS files read back turn them into NaN.
    Every indicator must treat both alike: the expressions' missing-code conventions at work."""
    for name, (raw, back) in surveys.items():
        codes = [c for c, ind in cat.items() if ind.questionnaire == name]
        # the comparison is not vacuous: reading back did turn codes into missing values
        assert back["person"].data.isna().to_numpy().sum() > raw["person"].data.isna().to_numpy().sum()
        a = sk.indicators.compute(raw, codes, questionnaire=questionnaires[name], labels=False)
        b = sk.indicators.compute(back, codes, questionnaire=questionnaires[name], labels=False)
        assert a["code"].tolist() == b["code"].tolist() == codes
        for col in ("estimate", "se", "n"):
            np.testing.assert_allclose(
                b[col].to_numpy(float), a[col].to_numpy(float), rtol=1e-9, err_msg=f"{name}: {col}"
            )
        assert np.isfinite(a["estimate"]).all() and (a["se"] > 0).all()


def _codes(s: pd.Series, *codes: int) -> pd.Series:
    return s.isin(codes).astype(float)


def _direct(code: str, d: dict[str, sk.SurveyDesign]) -> tuple[pd.DataFrame, float, str | None]:
    """The estimator call an indicator stands for, written out by hand with pandas: (result, scale, by)."""
    p, h = d["person"], d["person"].data
    if code == "SDG16.1.4":  # don't know and 'never goes out' stay in the denominator
        return p.mean(_codes(h.seg_noche, 1, 2).rename("y")), 100, None
    if code == "SDG16.1.4.NS":
        return p.subset(h.seg_noche.between(1, 4)).mean(_codes(h.seg_noche, 1, 2).rename("y")), 100, None
    if code == "SDG16.3.3":
        base = (h.disp_alguna == 1) & ((h.disp_uso == 1) | ((h.disp_uso == 2) & h.disp_motivo.between(3, 10)))
        return p.subset(base).mean(_codes(h.disp_uso, 1).rename("y"), by="sexo"), 100, "sexo"
    if code == "SDG16.5.1":
        return p.subset(h.cor_contacto == 1).mean(_codes(h.cor_soborno, 1).rename("y"), by="area"), 100, "area"
    if code == "SDG16.6.2.HEALTH":
        items = [
            ((h[v] <= 2).astype(float)).where(h[v].between(1, 4)).rename(v)
            for v in ("sal_acceso", "sal_costo", "sal_instal", "sal_igual", "sal_trato")
        ]
        return p.subset(h.sal_uso == 1).mean_of_means(items), 100, None
    if code == "SDG16.7.2":
        items = [((h[v] >= 3).astype(float)).where(h[v].between(1, 5)).rename(v) for v in ("efi_opinar", "efi_influir")]
        return p.mean_of_means(items, by="departamento"), 100, "departamento"
    if code == "SDG16.b.1":
        return p.mean(_codes(h.dis12_alguno, 1).rename("y")), 100, None
    if code == "DIS.3B.WORK":
        return p.subset(h.dis12_alguno == 1).mean(h.dis_ambito_1.astype(float).rename("y")), 100, None
    if code == "VIC.PREV.PERSON":
        one = pd.Series(1.0, index=h.index, name="one")
        return p.ratio(h.victima_pers.astype(float).rename("y"), one), 100000, None
    if code == "VIC.INC.HOUSEHOLD":
        one = pd.Series(1.0, index=h.index, name="one")
        return d["household"].ratio(h.n_del_hogar.astype(float).rename("y"), one, by="area"), 1000, "area"
    if code == "VIC.CONC":
        return p.ratio(h.n_del_pers.astype(float).rename("y"), h.victima_pers.astype(float).rename("x")), 1, None
    if code == "VIC.CRIMES.TOTAL":
        return p.total(h.n_del_pers.astype(float).rename("y"), by="sexo"), 1, "sexo"
    if code == "VIC.PROT.SPEND.MEAN":
        return d["household"].subset(h.gasto_conoce == 1).mean(h.gasto_proteccion.rename("y")), 1, None
    if code == "VIC.PREV.HOUSEHOLD":
        return d["household"].mean(_codes(h.victima_hogar, 1).rename("y")), 100, None
    if code == "VIC.TRUST.PNC":
        base = (h.ide_pnc == 1) & h.conf_pnc.between(1, 4)
        return p.subset(base).mean(_codes(h.conf_pnc, 1, 2).rename("y")), 100, None
    i, di = d["incident"].data, d["incident"]
    if code == "VIC.REP.RATE":  # don't know counts as not reported
        return di.mean(_codes(i.inc_denuncio, 1).rename("y"), by="tipo_delito"), 100, "tipo_delito"
    if code == "VIC.DARK":
        reported_investigated = (i.inc_denuncio == 1) & (i.inc_investigacion == 1)
        return di.mean((~reported_investigated).astype(float).rename("y")), 100, None
    if code == "VIC.NR.AUTHORITY":
        base = (i.inc_denuncio == 2) & i.inc_motivo_nd.between(1, 9)
        return di.subset(base).mean(_codes(i.inc_motivo_nd, 4, 5, 6, 8).rename("y")), 100, None
    raise KeyError(code)


DIRECT = {
    "sdg16": ["SDG16.1.4", "SDG16.1.4.NS", "SDG16.3.3", "SDG16.5.1", "SDG16.6.2.HEALTH", "SDG16.7.2", "SDG16.b.1"],
    "victimization": [
        "VIC.PREV.PERSON",
        "VIC.INC.HOUSEHOLD",
        "VIC.CONC",
        "VIC.CRIMES.TOTAL",
        "VIC.PROT.SPEND.MEAN",
        "VIC.PREV.HOUSEHOLD",
        "VIC.TRUST.PNC",
        "VIC.REP.RATE",
        "VIC.DARK",
        "VIC.NR.AUTHORITY",
    ],
    "discrimination": ["DIS.3B.WORK"],
}


@pytest.mark.parametrize("name,code", [(n, c) for n, codes in DIRECT.items() for c in codes])
def test_indicator_is_its_direct_estimator_call(name, code, surveys, cat):
    """The acceptance test of issue 6: estimate and SE equal the direct call, scale included, for every
    estimator type and unit (on the field data: codes are codes)."""
    raw, _ = surveys[name]
    expected, scale, by = _direct(code, raw)
    got = sk.indicators.compute(raw, [code], by=by, labels=False)
    assert cat[code].scale == scale
    assert len(got) == len(expected) >= 1
    if by:
        assert got[by].tolist() == expected[by].tolist()
    for col in ("estimate", "se", "ci_low", "ci_high"):
        np.testing.assert_allclose(
            got[col].to_numpy(float), expected[col].to_numpy(float) * scale, rtol=1e-12, err_msg=f"{code} {col}"
        )
    np.testing.assert_array_equal(got["n"].to_numpy(), expected["n"].to_numpy())
    if cat[code].estimator != "mean_of_proportions":
        np.testing.assert_allclose(got["deff"].to_numpy(float), expected["deff"].to_numpy(float), rtol=1e-12)


def test_every_estimator_type_and_unit_is_checked_directly(cat):
    checked = [cat[c] for codes in DIRECT.values() for c in codes]
    assert {i.estimator for i in checked} == {i.estimator for i in cat.values()}
    assert {i.unit for i in checked} == {"person", "household", "incident"}


def test_sdg_16_1_4_by_hand():
    """Weighted share and its linearized SE (with-replacement PSUs within strata), computed by hand."""
    df = pd.DataFrame(
        {
            "estrato": [1, 1, 1, 1, 2, 2, 2, 2, 2, 2],
            "upm": [11, 11, 12, 12, 21, 21, 22, 22, 23, 23],
            "fexp": [10.0, 10, 20, 20, 5, 5, 8, 8, 12, 12],
            "seg_noche": [1, 3, 2, 99, 5, 2, 4, 1, np.nan, 3],
        }
    )
    got = sk.indicators.compute(
        sk.SurveyDesign(df, weights="fexp", strata="estrato", psu="upm"), ["SDG16.1.4"], labels=False
    )
    y = df.seg_noche.isin([1, 2]).to_numpy(float)  # 99, 5 and missing count as not safe
    w = df.fexp.to_numpy()
    r = (w * y).sum() / w.sum()
    z = pd.Series(w * (y - r) / w.sum()).groupby([df.estrato, df.upm]).sum()
    var = sum(len(g) / (len(g) - 1) * ((g - g.mean()) ** 2).sum() for _, g in z.groupby(level=0))
    assert got["estimate"][0] == pytest.approx(100 * (10 + 20 + 5 + 8) / 110, rel=1e-12)
    assert got["estimate"][0] == pytest.approx(100 * r, rel=1e-12)
    assert got["se"][0] == pytest.approx(100 * np.sqrt(var), rel=1e-10)
    assert got["n"][0] == 10
