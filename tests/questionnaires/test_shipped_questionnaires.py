"""The shipped questionnaires: lint-clean, convertible, round-tripping, and following the conventions of
issue 6 (common first section, missing codes, the SDG items' exact codes, skip logic)."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import surveykit as sk
from surveykit.questionnaire.formats.yamljson import loads_json, loads_yaml

QDIR = Path(__file__).resolve().parents[2] / "questionnaires"
NAMES = ("sdg16", "victimization", "discrimination")
DEPARTMENTS = [
    "Ahuachapán",
    "Santa Ana",
    "Sonsonate",
    "Chalatenango",
    "La Libertad",
    "San Salvador",
    "Cuscatlán",
    "La Paz",
    "Cabañas",
    "San Vicente",
    "Usulután",
    "San Miguel",
    "Morazán",
    "La Unión",
]


@pytest.fixture(scope="module")
def qs():
    return {name: sk.load_questionnaire(QDIR / f"{name}.yaml") for name in NAMES}


@pytest.mark.parametrize("name", NAMES)
def test_lint_clean(name, qs):
    problems = qs[name].lint()
    assert problems == [], "\n".join(str(p) for p in problems)


@pytest.mark.parametrize("name", NAMES)
def test_xlsform_converts_with_pyxform_and_reads_back(name, qs, tmp_path):
    from pyxform.xls2xform import convert

    q = qs[name]
    path = q.to_xlsform(tmp_path / f"{name}.xlsx")
    warnings: list[str] = []
    xform = convert(xlsform=str(path), warnings=warnings).xform
    assert warnings == []
    assert f'id="{name}"' in xform and "<h:title>" in xform
    # every question and both languages reach the XForm
    for x in q.questions():
        assert f'/{x.name}"' in xform or f"/{x.name}'" in xform or f"/{x.name}/" in xform, x.name
    assert 'lang="Español (es)"' in xform and 'lang="English (en)"' in xform
    assert sk.Questionnaire.from_xlsform(path) == q


@pytest.mark.parametrize("name", NAMES)
def test_shipped_xlsform_matches_the_yaml(name, qs):
    """questionnaires/xlsform/*.xlsx are for ODK/Kobo users; the YAML is the source."""
    shipped = sk.Questionnaire.from_xlsform(QDIR / "xlsform" / f"{name}.xlsx")
    assert shipped == qs[name], (
        f"questionnaires/xlsform/{name}.xlsx is out of date: run surveykit convert "
        f"questionnaires/{name}.yaml questionnaires/xlsform/{name}.xlsx"
    )


@pytest.mark.parametrize("name", NAMES)
def test_yaml_and_json_round_trip(name, qs):
    q = qs[name]
    assert loads_yaml(q.to_yaml()) == q
    assert loads_json(q.to_json()) == q
    assert loads_yaml(loads_yaml(q.to_yaml()).to_yaml()).to_yaml() == q.to_yaml()


def test_ids_languages_units(qs):
    for name, q in qs.items():
        assert q.id == name and q.languages == ["es", "en"] and q.main_language == "es"
        assert q.unit == "person"
        assert [(m.kind, m.code, m.stata_letter) for m in q.missing_codes] == [
            ("dont_know", 98, ".d"),
            ("refused", 99, ".r"),
        ]
    assert [(r.name, r.unit, r.count.src) for r in qs["victimization"].repeats()] == [
        ("incidentes", "incident", "${n_tipos}")
    ]
    assert qs["sdg16"].repeats() == [] and qs["discrimination"].repeats() == []


def test_common_first_section(qs):
    first = {}
    for name, q in qs.items():
        group = q.items[0]
        names = [c.name for c in group.children]
        assert names[:5] == ["departamento", "area", "sexo", "edad", "grupo_edad"], name
        first[name] = {v: q.question(v) for v in names[:5]}
    for name, f in first.items():
        dep = f["departamento"].choice_list
        assert dep.codes() == list(range(1, 15))
        assert [c.label["es"] for c in dep.choices] == DEPARTMENTS
        assert [(c.code, c.label["es"]) for c in f["area"].choice_list.choices] == [(1, "Urbano"), (2, "Rural")]
        assert [(c.code, c.label["es"]) for c in f["sexo"].choice_list.choices] == [(1, "Hombre"), (2, "Mujer")]
        assert (f["edad"].min, f["edad"].max, f["edad"].missing) == (18, 110, [])
        assert all(f[v].required is True for v in ("departamento", "area", "sexo", "edad"))
        # same text everywhere, so the three files label the domains alike
        assert f["grupo_edad"].calculation.src == first["sdg16"]["grupo_edad"].calculation.src


def test_grupo_edad_codes_of_the_control_totals(qs):
    ages = pd.DataFrame({"edad": [18, 29, 30, 44, 45, 59, 60, 110]})
    calc = qs["victimization"].question("grupo_edad").calculation
    assert calc.evaluate(ages).tolist() == [2, 2, 3, 3, 4, 4, 5, 5]


def test_missing_codes_by_list(qs):
    """One-digit lists use 8/9, two-digit lists 98/99 (don't know, refused as .d/.r); SDG 16.1.4's lists
    keep the metadata's 99 = don't know; select_multiple lists have none (0/1 columns)."""
    for name, q in qs.items():
        multiple = {x.choices for x in q.questions() if x.type == "select_multiple"}
        for lname, lst in q.choice_lists.items():
            got = [(m.kind, m.code, m.stata_letter) for m in lst.missing]
            if lname in multiple or lname in ("departamentos", "areas", "sexos", "delitos"):
                assert got == [], (name, lname)
            elif lname.startswith("seguridad"):
                assert got == [("dont_know", 99, ".d")], (name, lname)
            elif max(lst.codes()) < 8:
                assert got == [("dont_know", 8, ".d"), ("refused", 9, ".r")], (name, lname)
            else:
                assert got == [("dont_know", 98, ".d"), ("refused", 99, ".r")], (name, lname)


def test_sdg_16_1_4_exact_codes(qs):
    for name in ("sdg16", "victimization"):
        x = qs[name].question("seg_noche")
        assert x.choice_codes() == [1, 2, 3, 4, 5] and [m.code for m in x.missing] == [99]
        assert "M-1614" in x.concept and "[V" in x.concept
    probe = qs["sdg16"].question("seg_noche_hip")
    assert probe.relevant.src == "${seg_noche} = 5" and probe.choice_codes() == [1, 2, 3, 4]


def test_sdg_16_6_2_areas_attributes_and_scales(qs):
    q = qs["sdg16"]
    areas = {
        "sal": ["acceso", "costo", "instal", "igual", "trato"],
        "pri": ["acceso", "costo", "instal", "igual", "ensen"],
        "sec": ["acceso", "costo", "instal", "igual", "ensen"],
        "doc": ["acceso", "costo", "igual", "simple", "tiempo"],
    }
    for area, attributes in areas.items():
        for a in attributes:
            x = q.question(f"{area}_{a}")
            assert x.choices == "acuerdo" and x.relevant.src == f"${{{area}_uso}} = 1"
        overall = q.question(f"{area}_satis")
        assert overall.choices == "satisfaccion" and overall.relevant.src == f"${{{area}_uso}} = 1"
    assert q.choice_lists["acuerdo"].codes() == [1, 2, 3, 4] and q.choice_lists["acuerdo"].ordered
    assert q.choice_lists["eficacia"].codes() == [1, 2, 3, 4, 5]
    assert [c.label["en"] for c in q.choice_lists["eficacia"].choices] == [
        "Not at all",
        "Very little",
        "Some",
        "A lot",
        "A great deal",
    ]


GROUNDS = ("sexo", "edad", "discap", "etnia", "migra", "socio", "resid", "relig", "civil", "orient", "polit", "otro")


@pytest.mark.parametrize("name", ["sdg16", "discrimination"])
def test_two_step_discrimination_screen(name, qs):
    """OHCHR flow: a 5-year screen by ground, then the 12 months only for the grounds answered yes."""
    q = qs[name]
    order = [x.name for x in q.questions()]
    for g in GROUNDS:
        assert q.question(f"dis5_{g}").relevant is None
        assert q.question(f"dis12_{g}").relevant.src == f"${{dis5_{g}}} = 1"
        assert order.index(f"dis12_{g}") > max(order.index(f"dis5_{h}") for h in GROUNDS)
    flag = q.question("dis12_alguno").calculation
    data = pd.DataFrame({f"dis12_{g}": [np.nan] * 4 for g in GROUNDS})
    data.loc[1, "dis12_relig"] = 1
    data.loc[2, "dis12_sexo"] = 2
    data.loc[3, "dis12_otro"] = 8
    assert flag.evaluate(data).tolist() == [0, 1, 0, 0]


def test_victimization_counts(qs):
    """The derived counts behind prevalence, incidence and the incident records: a 'yes' with an unknown
    number of times counts once; don't know is not a crime; skipped items count zero."""
    q = qs["victimization"]
    crimes = [
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
    ]
    rows = pd.DataFrame({c: [2, 2, 2] for c in crimes} | {f"{c}_n": [np.nan] * 3 for c in crimes})
    rows.loc[0, ["v_robo", "v_robo_n", "v_hurto", "v_hurto_n"]] = [1, 3, 1, 98]  # 3 + 1 (times unknown)
    rows.loc[1, ["v_extorsion", "v_lesiones", "v_lesiones_n"]] = [8, 1, 2]  # DK + 2
    household = {
        "h_robo_veh": [np.nan, 1, 2],
        "h_robo_veh_n": [np.nan, 2, np.nan],
        "h_robo_partes": [np.nan, 2, 2],
        "h_robo_partes_n": [np.nan] * 3,
        "h_vandalismo": [2, 2, 1],
        "h_vandalismo_n": [np.nan, np.nan, 5],
        "h_robo_casa": [2, 2, 2],
        "h_robo_casa_n": [np.nan] * 3,
        "h_otro_vict": [np.nan, 2, 1],
    }
    rows = rows.assign(**household)
    for calc in ("n_del_pers", "n_del_hogar"):
        rows[calc] = q.question(calc).calculation.evaluate(rows)
    rows["victima_pers"] = q.question("victima_pers").calculation.evaluate(rows)
    assert rows.n_del_pers.tolist() == [4, 2, 0]
    assert rows.n_del_hogar.tolist() == [0, 2, 5]
    assert rows.victima_pers.tolist() == [1, 1, 0]
    assert q.question("victima_hogar").calculation.evaluate(rows).tolist() == [1, 1, 1]
    assert q.question("n_tipos").calculation.evaluate(rows).tolist() == [2, 2, 1]


def test_incident_type_must_have_been_screened(qs):
    q = qs["victimization"]
    constraint = q.question("tipo_delito").constraint
    screened = {
        x: [2, 2]
        for x in (
            "h_robo_veh",
            "h_robo_partes",
            "h_vandalismo",
            "h_robo_casa",
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
    }
    screened["v_extorsion"] = [1, 1]
    df = pd.DataFrame(screened | {"tipo_delito": [9, 5]})
    assert constraint.evaluate(df, current="tipo_delito").tolist() == [True, False]


def test_sources_are_tagged(qs):
    """Each thematic section names its source with an evidence tag, and every tag is [V], [S] or [U]."""
    for name, q in qs.items():
        for group in q.items[1:]:
            assert group.concept and re.search(r"\[(V|S|U)\b", group.concept), (name, group.name)
        for _, item, _ in q.walk():
            for tag in re.findall(r"\[([^\]]*)\]", item.concept or ""):
                assert tag.split()[0].rstrip(",:;") in ("V", "S", "U"), (name, item.name, tag)


def test_every_text_in_both_languages(qs):
    for name, q in qs.items():
        for x in q.questions():
            if x.type != "calculate":
                assert set(x.label) == {"es", "en"} and all(x.label.values()), (name, x.name)
        for lname, lst in q.choice_lists.items():
            for c in [*lst.choices, *lst.missing]:
                assert set(c.label) == {"es", "en"} and all(c.label.values()), (name, lname, c.code)


@pytest.mark.parametrize("name", NAMES)
def test_simulated_data_pass_the_checks(name, qs):
    """The specs are consistent enough for the simulator to obey them and the data checks to pass."""
    from surveykit.simulate.frame import el_salvador_frame

    q = qs[name]
    overrides = (
        {"tam_hogar": {"distribution": "poisson", "mean": 3.0}, "n_adultos": {"distribution": "poisson", "mean": 1.2}}
        if name == "victimization"
        else None
    )
    sim = sk.simulate(q, frame=el_salvador_frame(psus=120), households_per_psu=6, overrides=overrides, seed=2)
    tables = {"person": sim.data, **sim.repeats}
    ids = {"person": "id_hogar", **{r: ["id_hogar", f"id_{r}"] for r in sim.repeats}}
    report = sk.check_microdata(tables, q, ids=ids)
    assert report.empty, report.head(10).to_string()
    if name == "victimization":
        inc = sim.repeats["incidentes"]
        assert len(inc) == sim.data["n_tipos"].sum() > 0
        for col in (
            "id_hogar",
            "id_incidentes",
            "estrato",
            "upm",
            "fexp",
            "departamento",
            "area",
            "sexo",
            "grupo_edad",
        ):
            assert col in inc.columns, col
