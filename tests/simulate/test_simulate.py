"""sk.simulate: obeys the questionnaire (codes, ranges, constraints, skip logic, calculations, choice
filters, repeats), has the design of the conventions, is reproducible, and clusters (deff > 1)."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest

import surveykit as sk
from surveykit.simulate import allocate, el_salvador_frame

from .conftest import OVERRIDES


def _codes(q, name):
    info = q.question(name)
    return set(info.choice_codes()) | {m.code for m in info.missing}


# -- the questionnaire is obeyed ---------------------------------------------------------------
def test_check_microdata_finds_no_problem(sim):
    report = sim.check()
    assert len(report) == 0, report.head(10).to_string()
    summary = report.attrs["summary"]
    assert summary["not_checked"] == []
    assert summary["rows"] == {"person": len(sim.data), "incidentes": len(sim.repeats["incidentes"])}
    assert sim.notes == []


def test_codes_come_from_choice_lists_and_missing_codes(sim, questionnaire):
    d, inc = sim.data, sim.repeats["incidentes"]
    for name in ("departamento", "area", "sexo", "vehiculo", "seguridad", "victima"):
        assert set(d[name].dropna().unique()) <= _codes(questionnaire, name), name
    for name in ("tipo", "denuncia", "motivo"):
        assert set(inc[name].dropna().unique()) <= _codes(questionnaire, name), name
    # don't know / refused at about the default 2% of relevant answers, never a not-applicable code
    share = d["victima"].isin([8, 9]).mean()
    assert 0.01 < share < 0.03
    assert set(d["seguridad"].dropna().unique()) == {1, 2, 3, 4, 5, 98}


def test_ranges_and_whole_numbers(sim):
    d = sim.data
    assert d["edad"].between(18, 110).all() and (d["edad"] % 1 == 0).all()
    n = d["n_delitos"].dropna()
    substantive = n[~n.isin([98, 99])]
    assert substantive.between(1, 5).all() and (substantive % 1 == 0).all()  # high: 5 in the override
    assert d["perdida"].dropna().between(0, 100000).all()
    assert (d["perdida"].dropna().round(2) == d["perdida"].dropna()).all()


def test_constraints_hold(sim):
    d, inc = sim.data, sim.repeats["incidentes"]
    assert (d["n_adultos"] <= d["n_personas"]).all()
    edad = inc["id_hogar"].map(d.set_index("id_hogar")["edad"])
    agresor = inc["edad_agresor"]
    ok = agresor.isin([98, 99]) | (agresor < edad + 40)
    assert ok.all()
    assert (d["fecha"].dropna() <= pd.Timestamp("2024-06-30")).all()


def test_skip_logic_not_relevant_is_missing_and_relevant_is_answered(sim):
    d = sim.data
    victim = d["victima"] == 1
    for name in ("n_delitos", "perdida", "fecha", "comentario"):
        assert d.loc[~victim, name].isna().all(), name
        assert d.loc[victim, name].notna().all(), name
    assert d.loc[d["vehiculo"] != 1, "robo_vehiculo"].isna().all()
    assert d.loc[d["vehiculo"] == 1, "robo_vehiculo"].notna().all()
    unsafe = d["seguridad"].isin([3, 4])
    block = d[[f"lugares_{c}" for c in (1, 2, 3, 4)]]
    assert block[~unsafe].isna().all().all()
    assert block[unsafe].isin([0, 1]).all().all()
    # at least one place selected (the default) where the question is asked
    assert (block[unsafe].sum(axis=1) >= 1).all()
    # the override's selection probabilities p = (0.6, 0.4, 0.2, 0.1), plus the at-least-one top-up: a row
    # with nothing selected (probability prod(1 - p) = 0.1728) gets choice j with probability p_j / sum(p)
    p = np.array([0.6, 0.4, 0.2, 0.1])
    expected = p + np.prod(1 - p) * p / p.sum()
    assert block[unsafe].mean().to_numpy() == pytest.approx(expected, abs=0.03)


def test_calculation_is_computed_with_the_evaluator(sim):
    d = sim.data
    expected = np.select([d["edad"] < 30, d["edad"] < 45, d["edad"] < 60], [2, 3, 4], 5)
    assert (d["grupo_edad"].to_numpy() == expected).all()


def test_choice_filter(sim):
    inc = sim.repeats["incidentes"]
    fear = inc["grupo_motivo"] == 1
    assert set(inc.loc[fear, "motivo"].unique()) == {1, 4}
    other = inc["denuncia"] == 2
    assert set(inc.loc[other & ~fear, "motivo"].unique()) == {2, 3}
    assert inc.loc[inc["denuncia"] != 2, "motivo"].isna().all()


def test_repeat_rows_follow_the_count_and_carry_the_parent(sim):
    d, inc = sim.data, sim.repeats["incidentes"]
    counts = inc.groupby("id_hogar").size()
    per_household = d.set_index("id_hogar")["n_delitos"]
    victims = per_household[(d.set_index("id_hogar")["victima"] == 1)]
    assert not victims.isin([98, 99]).any()  # a question a repeat count reads is never don't know
    assert counts.reindex(victims.index).fillna(0).astype(int).tolist() == victims.astype(int).tolist()
    assert set(counts.index) <= set(victims.index)  # no incidents where the repeat is not relevant
    assert not inc.duplicated(["id_hogar", "id_incidentes"]).any()
    first = inc.groupby("id_hogar")["id_incidentes"].agg(["min", "max", "size"])
    assert (first["min"] == 1).all() and (first["max"] == first["size"]).all()
    parent = d.set_index("id_hogar")
    for c in ("estrato", "upm", "fexp", "departamento", "area", "sexo", "grupo_edad"):
        assert (inc[c].to_numpy() == parent.loc[inc["id_hogar"], c].to_numpy()).all(), c
    assert list(inc.columns[:9]) == [
        "id_hogar",
        "id_incidentes",
        "estrato",
        "upm",
        "fexp",
        "departamento",
        "area",
        "sexo",
        "grupo_edad",
    ]


# -- design ------------------------------------------------------------------------------------
def test_design_columns_follow_the_conventions(sim):
    d = sim.data
    assert list(d.columns[:5]) == ["id_hogar", "estrato", "upm", "fexp_hogar", "fexp"]
    assert (d["estrato"] == d["departamento"] * 10 + d["area"]).all()
    assert d["estrato"].nunique() == 28
    assert d["id_hogar"].is_unique
    assert d.groupby("upm")["estrato"].nunique().max() == 1  # PSU ids unique across strata
    assert d["upm"].nunique() == 700
    # the selected person's weight is the household weight times the eligible adults
    assert np.allclose(d["fexp"], d["fexp_hogar"] * d["n_adultos"])
    # a PSU's households share a weight (PPS selection, nonresponse adjusted within the stratum)
    assert d.groupby("upm")["fexp_hogar"].nunique().max() == 1
    # weighted households estimate the frame's (1,920,668) within sampling error
    assert d["fexp_hogar"].sum() == pytest.approx(1_920_668, rel=0.04)
    f = sim.frame
    assert f["responding"].sum() == len(d) and f["sampled"].sum() == 700 * 12
    assert 0.8 < len(d) / (700 * 12) < 0.9


def test_probabilities_and_by_overrides_are_met(sim):
    d = sim.data
    urban = d["area"] == 1
    # victimization 20% urban, 10% rural, times the 98% not given as don't know/refused
    assert (d.loc[urban, "victima"] == 1).mean() == pytest.approx(0.2 * 0.98, abs=0.02)
    assert (d.loc[~urban, "victima"] == 1).mean() == pytest.approx(0.1 * 0.98, abs=0.02)
    # built-in El Salvador shares of the conventions' variables: 52.8% women, 29.3% aged 18-29
    assert (d["sexo"] == 2).mean() == pytest.approx(0.528, abs=0.02)
    assert (d["grupo_edad"] == 2).mean() == pytest.approx(0.293, abs=0.02)


def test_icc_gives_design_effects_above_one(questionnaire):
    deffs, kish = {}, {}
    for icc in (0.0, 0.3):
        s = sk.simulate(questionnaire, overrides=OVERRIDES, icc=icc, seed=7, frame=el_salvador_frame(psus=300))
        d = s.designs()["household"]
        # the average over six indicator variables: one design effect is a noisy estimate
        ys = [
            (s.data[v] == c).astype(float).rename(f"{v}_{c}")
            for v in ("vehiculo", "seguridad", "n_personas")
            for c in (1, 2)
        ]
        deffs[icc] = float(d.mean(ys)["deff"].mean())
        w = s.data["fexp_hogar"]
        kish[icc] = 1 + w.var(ddof=0) / w.mean() ** 2  # the unequal weights' share of the design effect
    # without clustering only the disproportionate allocation and nonresponse weighting remain (Kish)
    assert deffs[0.0] == pytest.approx(kish[0.0], abs=0.15)
    # with icc = 0.3 on the latent scale and ~10 households per PSU, clustering adds well over 1
    assert deffs[0.3] > kish[0.3] + 1.0


def test_designs_by_unit(sim):
    ds = sim.designs()
    assert set(ds) == {"person", "household", "incident"}
    assert ds["person"].weights.sum() == pytest.approx(sim.data["fexp"].sum())
    assert ds["incident"].n == len(sim.repeats["incidentes"])


# -- reproducibility ---------------------------------------------------------------------------
def test_same_seed_same_data_other_seed_other_data(questionnaire):
    frame = el_salvador_frame(psus=120)
    a = sk.simulate(questionnaire, overrides=OVERRIDES, seed=11, frame=frame)
    b = sk.simulate(questionnaire, overrides=OVERRIDES, seed=11, frame=frame)
    c = sk.simulate(questionnaire, overrides=OVERRIDES, seed=12, frame=frame)
    pd.testing.assert_frame_equal(a.data, b.data)
    pd.testing.assert_frame_equal(a.repeats["incidentes"], b.repeats["incidentes"])
    assert not a.data["edad"].equals(c.data["edad"])
    none = sk.simulate(questionnaire, overrides=OVERRIDES, frame=frame)
    again = sk.simulate(questionnaire, overrides=OVERRIDES, frame=frame, seed=none.seed)
    pd.testing.assert_frame_equal(none.data, again.data)


def test_each_question_has_its_own_random_stream(questionnaire):
    """Overriding one question leaves the answers of unrelated questions unchanged."""
    frame = el_salvador_frame(psus=120)
    a = sk.simulate(questionnaire, overrides=OVERRIDES, seed=5, frame=frame)
    b = sk.simulate(
        questionnaire, overrides={**OVERRIDES, "vehiculo": {"probabilities": {1: 0.9, 2: 0.1}}}, seed=5, frame=frame
    )
    assert not a.data["vehiculo"].equals(b.data["vehiculo"])
    for name in ("edad", "seguridad", "victima", "n_personas"):
        pd.testing.assert_series_equal(a.data[name], b.data[name])


# -- labels, files -----------------------------------------------------------------------------
def test_metadata_labels_in_the_chosen_language(questionnaire, tmp_path):
    s = sk.simulate(questionnaire, overrides=OVERRIDES, seed=3, frame=el_salvador_frame(psus=60), language="en")
    meta = s.data.attrs["surveykit"]
    assert meta["value_labels"]["seguridad"][4] == "Very unsafe"
    assert meta["value_labels"]["victima"][8] == "Don't know"
    assert meta["variable_labels"]["fexp"] == "Selected person's weight"
    assert meta["missing"]["victima"]["values"] == [8, 9]
    assert s.repeats["incidentes"].attrs["surveykit"]["variable_labels"]["id_incidentes"].startswith("Number of")
    paths = s.write(tmp_path, "sav")
    back = sk.read_microdata(paths["person"], user_missing="keep")
    assert sk.read_metadata(paths["person"])["value_labels"]["seguridad"][4] == "Very unsafe"
    assert back["victima"].tolist() == s.data["victima"].tolist()
    assert np.allclose(back["fexp"], s.data["fexp"])
    inc = sk.read_microdata(paths["incidentes"], user_missing="keep")
    assert len(inc) == len(s.repeats["incidentes"])


def test_text_layout_matches_the_binary_columns(questionnaire):
    s = sk.simulate(questionnaire, overrides=OVERRIDES, seed=3, frame=el_salvador_frame(psus=60), layout="both")
    d = s.data
    asked = d["lugares"].notna()
    rebuilt = d.loc[asked, [f"lugares_{c}" for c in (1, 2, 3, 4)]].apply(
        lambda r: " ".join(str(c) for c, v in zip((1, 2, 3, 4), r) if v == 1) or None, axis=1
    )
    dk = d.loc[asked, "lugares"].isin(["98", "99"])
    assert (rebuilt[~dk] == d.loc[asked, "lugares"][~dk]).all()
    assert len(s.check()) == 0


def test_speed_fifteen_thousand_rows_three_hundred_questions():
    lists = {
        "sino": sk.ChoiceList(
            choices=[sk.Choice(code=1), sk.Choice(code=2)], missing=[sk.MissingCode(kind="dont_know", code=8)]
        ),
        "esc": sk.ChoiceList(choices=[sk.Choice(code=i) for i in range(1, 6)]),
    }
    items = []
    for i in range(100):
        items += [
            sk.SelectOneQuestion(name=f"s{i}", choices="sino"),
            sk.SelectOneQuestion(name=f"t{i}", choices="esc", relevant=f"${{s{i}}} = 1"),
            sk.IntegerQuestion(name=f"n{i}", min=1, max=30, relevant=f"${{s{i}}} = 1"),
        ]
    q = sk.Questionnaire(id="big", languages=["es"], choice_lists=lists, items=items)
    t = time.perf_counter()
    s = sk.simulate(q, frame=el_salvador_frame(psus=1500), seed=1)
    elapsed = time.perf_counter() - t
    assert 14000 < len(s.data) < 16500
    assert elapsed < 10, elapsed


# -- frames and allocation ---------------------------------------------------------------------
def test_el_salvador_frame_and_allocation():
    f = el_salvador_frame()
    assert len(f) == 28 and f["households"].sum() == 1_920_668 and f["psus"].sum() == 700
    assert (f["psus"] >= 6).all()
    urban = f.loc[f["area"] == 1, "households"].sum() / f["households"].sum()
    assert urban == pytest.approx(0.62, abs=0.02)
    a = allocate([1, 1, 1, 97], 20, power=1, minimum=2)
    assert a.tolist() == [2, 2, 2, 14]
    assert allocate([4, 9, 25], 20, power=0.5).tolist() == [4, 6, 10]


def test_custom_frame_with_stratum_variables(questionnaire):
    frame = pd.DataFrame(
        {
            "estrato": [1, 2, 3],
            "area": [1, 2, 1],
            "departamento": [6, 6, 5],
            "households": [50000, 20000, 30000],
            "psus": [10, 6, 8],
            "psu_size": [100, 80, 100],
            "response_rate": [1.0, 1.0, 1.0],
        }
    )
    s = sk.simulate(questionnaire, overrides=OVERRIDES, frame=frame, households_per_psu=5, seed=2)
    assert len(s.data) == 24 * 5  # everyone responds
    assert set(zip(s.data["estrato"], s.data["area"], s.data["departamento"])) == {(1, 1, 6), (2, 2, 6), (3, 1, 5)}
    # without nonresponse or listing change the weights are N_h / (n_h m), up to the listing factor
    w = s.data.groupby("estrato")["fexp_hogar"].sum()
    assert w.to_numpy() == pytest.approx([50000, 20000, 30000], rel=0.1)


@pytest.mark.parametrize(
    "frame, message",
    [
        (pd.DataFrame({"estrato": [1], "households": [100]}), "'psus' is missing"),
        (pd.DataFrame({"estrato": [1, 2], "households": [5000, 5000], "psus": [1, 3]}), "fewer than 2 PSUs"),
        (pd.DataFrame({"estrato": [1, 1], "households": [5000, 5000], "psus": [2, 3]}), "more than once"),
        (pd.DataFrame({"estrato": [1], "households": [500], "psus": [9]}), "only"),
        (
            pd.DataFrame({"estrato": [1, 2], "households": [5000, 5000], "psus": [2, 2], "area": [1, 3]}),
            "not codes of the question's choice list",
        ),
    ],
)
def test_bad_frames_are_located(questionnaire, frame, message):
    with pytest.raises(sk.SimulationError, match=message):
        sk.simulate(questionnaire, frame=frame, households_per_psu=5, seed=1)


# -- overrides ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"victim": {"probabilities": {1: 0.2}}}, "not a question.*Did you mean victima"),
        ({"victima": {"probabilities": {1: 0.7, 2: 0.6}}}, "add up to 1.3"),
        ({"victima": {"probabilities": {3: 0.2}}}, "code 3 is not in the choice list"),
        ({"victima": {"probabilities": {8: 0.2}}}, "missing code: set missing_rate"),
        ({"victima": {"probabilty": {1: 0.2}}}, "unknown setting 'probabilty'.*probabilities"),
        ({"edad": {"distribution": "gaussian", "mean": 40}}, "unknown distribution 'gaussian'"),
        ({"edad": {"distribution": "normal", "mean": 40}}, "needs mean, sd"),
        ({"edad": {"values": [10, 20]}}, "outside the question's range"),
        ({"edad": {"distribution": "normal", "mean": 500, "sd": 1}}, "no probability between"),
        ({"grupo_edad": {"value": 2}}, "computed from its calculation"),
        ({"victima": {"by": {"zona": {1: {"probabilities": {1: 0.5, 2: 0.5}}}}}}, "'zona' is neither"),
        ({"victima": {"missing_rate": 1.5}}, "between 0 and 1"),
    ],
)
def test_bad_overrides_name_the_question(questionnaire, overrides, message):
    with pytest.raises(sk.SimulationError, match=message):
        sk.simulate(questionnaire, overrides=overrides, frame=el_salvador_frame(psus=60), seed=1)


def test_unsatisfiable_constraint_is_an_error():
    q = sk.Questionnaire(
        id="c",
        languages=["es"],
        items=[
            sk.IntegerQuestion(name="x", min=1, max=10, constraint=". > 10"),
            sk.DecimalQuestion(name="y", min=0, max=1, constraint=". > 2"),
        ],
    )
    with pytest.raises(sk.SimulationError, match=r"constraint of 'x' \(. > 10\) is false for every possible answer"):
        sk.simulate(q, frame=el_salvador_frame(psus=60), seed=1)
    q.items.pop(0)
    with pytest.raises(sk.SimulationError, match=r"constraint of 'y' \(. > 2\) is still false .* after 100 draws"):
        sk.simulate(q, frame=el_salvador_frame(psus=60), seed=1)


def test_narrow_constraints_are_met_by_choosing_among_valid_answers():
    """A constraint that random draws rarely meet (. <= ${n} with n mostly 1) is met for every row."""
    lists = {"t": sk.ChoiceList(choices=[sk.Choice(code=i) for i in range(1, 11)])}
    q = sk.Questionnaire(
        id="c",
        languages=["es"],
        choice_lists=lists,
        items=[
            sk.IntegerQuestion(name="n", min=1, max=200),
            sk.IntegerQuestion(name="k", min=1, max=200, constraint=". <= ${n}"),
            sk.SelectOneQuestion(name="tipo", choices="t", constraint=". = ${n} or . = 10"),
        ],
    )
    s = sk.simulate(
        q, frame=el_salvador_frame(psus=100), seed=3, overrides={"n": {"distribution": "poisson", "mean": 1.3}}
    )
    d = s.data
    assert (d["k"] <= d["n"]).all()
    assert ((d["tipo"] == d["n"]) | (d["tipo"] == 10)).all()
    assert len(s.check()) == 0


def test_repeat_counts_and_distributions(questionnaire):
    frame = el_salvador_frame(psus=120)
    s = sk.simulate(questionnaire, overrides=OVERRIDES, frame=frame, seed=4, repeat_counts={"incidentes": 2})
    victims = (s.data["victima"] == 1).sum()
    assert len(s.repeats["incidentes"]) == 2 * victims
    s = sk.simulate(
        questionnaire,
        overrides=OVERRIDES,
        frame=frame,
        seed=4,
        repeat_counts={"incidentes": {"distribution": "poisson", "mean": 2, "high": 4}},
    )
    per = s.repeats["incidentes"].groupby("id_hogar").size()
    assert per.max() <= 4
    with pytest.raises(sk.SimulationError, match="not a repeat"):
        sk.simulate(questionnaire, repeat_counts={"incidents": 1}, frame=frame, seed=1)


def test_numeric_distributions_have_the_asked_moments():
    q = sk.Questionnaire(
        id="n",
        languages=["es"],
        items=[
            sk.IntegerQuestion(name="pois", min=0, max=50),
            sk.DecimalQuestion(name="norm", min=-100, max=100),
            sk.IntegerQuestion(name="hist", min=0, max=99),
            sk.DecimalQuestion(name="lnorm", min=0),
            sk.IntegerQuestion(name="vals", min=0, max=9),
        ],
    )
    s = sk.simulate(
        q,
        seed=9,
        icc=0.0,
        overrides={
            "pois": {"distribution": "poisson", "mean": 3},
            "norm": {"distribution": "normal", "mean": 10, "sd": 5, "decimals": 1},
            "hist": {"distribution": "histogram", "edges": [0, 50, 100], "weights": [3, 1]},
            "lnorm": {"distribution": "lognormal", "median": 200, "sigma": 0.5},
            "vals": {"values": [1, 5], "weights": [1, 3]},
        },
    )
    d = s.data
    assert d["pois"].mean() == pytest.approx(3, abs=0.1) and d["pois"].var() == pytest.approx(3, abs=0.3)
    assert d["norm"].mean() == pytest.approx(10, abs=0.2) and d["norm"].std() == pytest.approx(5, abs=0.2)
    assert (d["norm"].round(1) == d["norm"]).all()
    assert (d["hist"] < 50).mean() == pytest.approx(0.75, abs=0.02)
    assert d["lnorm"].median() == pytest.approx(200, rel=0.05)
    assert set(d["vals"].unique()) == {1, 5} and (d["vals"] == 5).mean() == pytest.approx(0.75, abs=0.02)


def test_select_multiple_read_as_text_in_expressions():
    """${q} != '' (ODK's emptiness test) works on a select_multiple while simulating."""
    lists = {"l": sk.ChoiceList(choices=[sk.Choice(code=c) for c in (1, 2, 3)])}
    q = sk.Questionnaire(
        id="m",
        languages=["es"],
        choice_lists=lists,
        items=[
            sk.SelectOneQuestion(name="asked", choices="l"),
            sk.SelectMultipleQuestion(name="p", choices="l", relevant="${asked} = 1"),
            sk.IntegerQuestion(name="k", min=0, max=5, relevant="${p} != ''"),
            sk.IntegerQuestion(name="two", min=0, max=5, relevant="count-selected(${p}) >= 2"),
        ],
    )
    d = sk.simulate(q, seed=1, frame=el_salvador_frame(psus=60)).data
    asked = d["asked"] == 1
    assert d.loc[asked, "k"].notna().all() and d.loc[~asked, "k"].isna().all()
    two = d[["p_1", "p_2", "p_3"]].sum(axis=1) >= 2
    assert d.loc[two, "two"].notna().all() and d.loc[~two, "two"].isna().all()


def test_bad_reference_date(questionnaire):
    with pytest.raises(sk.SimulationError, match="reference_date='2024-13-01' is not a date"):
        sk.simulate(questionnaire, reference_date="2024-13-01")
