"""The design file (surveykit.design.files) and SurveyDesign.inherit_calibration: numbers and located errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import surveykit as sk

CONTROLS = """
metadata: {source: test, year: 2024, universe: households, unit: households, status: official}
population_size: 1000
margins: {}
"""


@pytest.fixture()
def persons():
    rng = np.random.default_rng(7)
    n = 40
    return pd.DataFrame(
        {
            "id": np.arange(1, n + 1),
            "estrato": np.repeat([1, 2], n // 2),
            "upm": np.repeat(np.arange(1, 9), n // 8),
            "sexo": rng.integers(1, 3, n),
            "fexp": rng.uniform(5, 15, n).round(2),
            "y": rng.normal(10, 3, n).round(2),
        }
    )


@pytest.fixture()
def incidents(persons):
    rng = np.random.default_rng(8)
    owner = rng.choice(persons["id"].to_numpy(), 25)
    return pd.DataFrame({"id": owner, "denuncia": rng.integers(0, 2, 25)})


def _calibrated(persons):
    return sk.SurveyDesign(persons, weights="fexp", strata="estrato", psu="upm").calibrate({"sexo": {1: 200, 2: 220}})


def _with_replacement_se(t_unit: pd.Series, stratum: pd.Series) -> float:
    """sqrt(sum_h n_h/(n_h-1) sum_i (t_hi - mean_h)^2): the ultimate-cluster variance, written out."""
    var = 0.0
    for _, t in t_unit.groupby(stratum):
        var += len(t) / (len(t) - 1) * float(((t - t.mean()) ** 2).sum())
    return var**0.5


def test_inherited_weights_are_the_child_weights_times_g(persons, incidents):
    cal = _calibrated(persons)
    g = cal.weights.to_numpy() / persons["fexp"].to_numpy()
    # g of a linear calibration to sexo alone: the cell's target over its weighted count
    cell = persons.groupby("sexo")["fexp"].sum()
    assert np.allclose(g, persons["sexo"].map({1: 200 / cell[1], 2: 220 / cell[2]}))
    inc = sk.inherit_calibration(cal, incidents.assign(w=2.5), "id", weights="w")
    g_of = dict(zip(persons["id"], g))
    assert np.allclose(inc.weights.to_numpy(), 2.5 * incidents["id"].map(g_of).to_numpy())
    # by default the child takes its parent's weight before calibration
    inc = sk.inherit_calibration(cal, incidents, "id")
    fexp_of = dict(zip(persons["id"], persons["fexp"]))
    assert np.allclose(
        inc.weights.to_numpy(), incidents["id"].map(fexp_of).to_numpy() * incidents["id"].map(g_of).to_numpy()
    )


def test_inherited_se_treats_the_calibration_as_fixed(persons, incidents):
    cal = _calibrated(persons)
    inc = sk.inherit_calibration(cal, incidents, "id")
    got = inc.total("denuncia")
    parent = persons.set_index("id")
    w = inc.weights.to_numpy()
    z = w * incidents["denuncia"].to_numpy()
    assert got["estimate"].iloc[0] == pytest.approx(z.sum(), rel=1e-12)
    upm = incidents["id"].map(parent["upm"])
    t = pd.Series(z).groupby(upm.to_numpy()).sum()
    stratum = pd.Series(t.index.map(parent.groupby("upm")["estrato"].first()), index=t.index)
    assert got["se"].iloc[0] == pytest.approx(_with_replacement_se(t, stratum), rel=1e-10)
    # the calibrated variance of the same total: the child variable summed to its parent rows and
    # estimated on the calibrated parent design (same estimate; SE with the calibration residuals)
    per_person = incidents.groupby("id")["denuncia"].sum().reindex(persons["id"], fill_value=0).to_numpy()
    proper = cal.total(pd.Series(per_person, index=persons.index, name="denuncia"))
    assert proper["estimate"].iloc[0] == pytest.approx(got["estimate"].iloc[0], rel=1e-12)
    assert abs(proper["se"].iloc[0] / got["se"].iloc[0] - 1) > 1e-3


def test_child_takes_the_parents_strata_and_psus(persons, incidents):
    inc = sk.inherit_calibration(_calibrated(persons), incidents, "id")
    assert inc.data["upm"].tolist() == incidents["id"].map(dict(zip(persons["id"], persons["upm"]))).tolist()
    moved = incidents.assign(upm=incidents["id"].map(dict(zip(persons["id"], persons["upm"]))))
    moved.loc[3, "upm"] = 99
    with pytest.raises(sk.DesignError, match=r"column 'upm' of the child table differs .* rows 3"):
        sk.inherit_calibration(_calibrated(persons), moved, "id")


@pytest.mark.parametrize(
    "case, error, message",
    [
        ("orphan", sk.DesignError, r"1 child row\(s\) have no parent row with the same 'id' \(rows 0\)"),
        ("repeated", sk.DesignError, r"key 'id' does not identify the design's rows: it repeats in rows 0, 1"),
        ("no key", sk.ColumnNotFoundError, r"column 'hogar' \(key\) is not in the child table"),
        ("no weights", sk.ColumnNotFoundError, r"column 'peso' \(weights\) is not in the child table"),
        ("uncalibrated", sk.WeightingError, "not calibrated"),
        ("replicate", sk.WeightingError, "replicate designs"),
    ],
)
def test_inherit_errors(persons, incidents, case, error, message):
    cal = _calibrated(persons)
    kwargs: dict = {}
    key = "id"
    child = incidents
    if case == "orphan":
        child = incidents.copy()
        child.loc[0, "id"] = 999
    elif case == "repeated":
        p = persons.copy()
        p.loc[1, "id"] = p.loc[0, "id"]
        cal = _calibrated(p)
    elif case == "no key":
        key = "hogar"
    elif case == "no weights":
        kwargs["weights"] = "peso"
    elif case == "uncalibrated":
        cal = sk.SurveyDesign(persons, weights="fexp", strata="estrato", psu="upm")
    elif case == "replicate":
        cal = (
            sk.SurveyDesign(persons, weights="fexp", strata="estrato", psu="upm")
            .to_replicate("jkn")
            .calibrate({"sexo": {1: 200, 2: 220}})
        )
    with pytest.raises(error, match=message):
        sk.inherit_calibration(cal, child, key, **kwargs)


def test_population_size_calibration_is_the_single_level_margin(persons, tmp_path):
    # the design file used to calibrate a population-size-only controls file through a constant column
    # as a one-level margin; calibrate(population_size=) gives the same weights and SEs
    (tmp_path / "controls.yaml").write_text(CONTROLS, encoding="utf-8")
    (tmp_path / "design.yaml").write_text(
        "weights: fexp\nstrata: estrato\npsu: upm\ncalibration: {controls: controls.yaml, method: linear}\n",
        encoding="utf-8",
    )
    got = sk.build_designs(sk.load_design_file(tmp_path / "design.yaml"), persons, {})["person"]
    old = sk.SurveyDesign(persons.assign(one=1), weights="fexp", strata="estrato", psu="upm").calibrate(
        {"one": {1: 1000.0}}
    )
    assert got.weights.sum() == pytest.approx(1000.0, rel=1e-12)
    assert np.allclose(got.weights.to_numpy(), old.weights.to_numpy(), rtol=1e-12)
    a, b = got.mean("y"), old.mean("y")
    assert a["se"].iloc[0] == pytest.approx(b["se"].iloc[0], rel=1e-10)
    t, u = got.total("y"), old.total("y")
    assert t["se"].iloc[0] == pytest.approx(u["se"].iloc[0], rel=1e-10)
    # calibrated to N alone, the total is N times the weighted mean of the uncalibrated design, SE too
    plain = sk.SurveyDesign(persons, weights="fexp", strata="estrato", psu="upm").mean("y")
    assert t["estimate"].iloc[0] == pytest.approx(1000 * plain["estimate"].iloc[0], rel=1e-12)
    assert t["se"].iloc[0] == pytest.approx(1000 * plain["se"].iloc[0], rel=1e-10)


def test_design_file_inherits_and_names_keys(persons, incidents, tmp_path):
    (tmp_path / "controls.yaml").write_text(
        "metadata: {source: test, year: 2024, universe: adults, unit: persons, status: official}\n"
        "margins: {sexo: {1: 200, 2: 220}}\n",
        encoding="utf-8",
    )
    body = (
        "weights: fexp\nstrata: estrato\npsu: upm\ncalibration: {controls: controls.yaml}\n"
        "units:\n  incident: {table: inc, weights: fexp, key: id%s}\n"
    )
    (tmp_path / "design.yaml").write_text(body % "", encoding="utf-8")
    child = incidents.assign(fexp=incidents["id"].map(dict(zip(persons["id"], persons["fexp"]))))
    designs = sk.build_designs(sk.load_design_file(tmp_path / "design.yaml"), persons, {"inc": child})
    want = sk.inherit_calibration(_calibrated(persons), child, "id", weights="fexp")
    assert np.allclose(designs["incident"].weights.to_numpy(), want.weights.to_numpy(), rtol=1e-12)
    assert designs["incident"].total("denuncia")["se"].iloc[0] == pytest.approx(
        want.total("denuncia")["se"].iloc[0], rel=1e-12
    )
    (tmp_path / "design.yaml").write_text(body % ", psu: otra", encoding="utf-8")
    with pytest.raises(sk.DesignError, match=r"design\.yaml, units\.incident\.psu: a unit that inherits"):
        sk.build_designs(sk.load_design_file(tmp_path / "design.yaml"), persons, {"inc": child})
    bad = child.copy()
    bad.loc[2, "id"] = 999
    (tmp_path / "design.yaml").write_text(body % "", encoding="utf-8")
    with pytest.raises(sk.DesignError, match=r"units\.incident \(table 'inc', key 'id'\): 1 child row"):
        sk.build_designs(sk.load_design_file(tmp_path / "design.yaml"), persons, {"inc": bad})


# --- variance="calibrated": the child's statistics on the parent's calibrated design ---------------------------
def _summed(persons, incidents, column):
    """A child column summed to the parent rows (0 for parents without child rows)."""
    return incidents.groupby("id")[column].sum().reindex(persons["id"], fill_value=0).to_numpy(dtype=float)


def test_calibrated_child_total_and_mean_are_the_parents_of_summed_variables(persons, incidents):
    inc = incidents.assign(uno=1)
    aggregated = persons.assign(den=_summed(persons, inc, "denuncia"), cnt=_summed(persons, inc, "uno"))
    parent = _calibrated(aggregated)
    child = sk.inherit_calibration(_calibrated(persons), inc, "id", variance="calibrated")
    fixed = sk.inherit_calibration(_calibrated(persons), inc, "id")
    got, want = child.total("denuncia"), parent.total("den")
    assert got["estimate"].iloc[0] == pytest.approx(want["estimate"].iloc[0], rel=1e-12)
    assert got["se"].iloc[0] == pytest.approx(want["se"].iloc[0], rel=1e-10)
    assert got["se"].iloc[0] != pytest.approx(fixed.total("denuncia")["se"].iloc[0], rel=1e-3)
    got, want = child.mean("denuncia"), parent.ratio("den", "cnt")
    assert got["estimate"].iloc[0] == pytest.approx(want["estimate"].iloc[0], rel=1e-12)
    assert got["se"].iloc[0] == pytest.approx(want["se"].iloc[0], rel=1e-10)
    assert child.degf == parent.degf == 6.0


def test_calibrated_child_domains_and_covariance(persons, incidents):
    rng = np.random.default_rng(3)
    inc = incidents.assign(
        tipo=rng.integers(1, 3, len(incidents)), sexo=incidents["id"].map(dict(zip(persons["id"], persons["sexo"])))
    )
    for t in (1, 2):
        inc[f"den{t}"] = inc["denuncia"] * (inc["tipo"] == t)
    aggregated = persons.assign(
        den1=_summed(persons, inc, "den1"), den2=_summed(persons, inc, "den2"), den=_summed(persons, inc, "denuncia")
    )
    parent = _calibrated(aggregated)
    child = sk.inherit_calibration(_calibrated(persons), inc, "id", variance="calibrated")
    # a domain of the child's own (incident type): the parent's totals of the per-type sums
    got = child.total("denuncia", by="tipo")
    want = parent.total(["den1", "den2"])
    assert np.allclose(got["estimate"], want["estimate"], rtol=1e-12)
    assert np.allclose(got["se"], want["se"], rtol=1e-10)
    # a domain of the parent (sexo): the parent's domain totals
    got = child.total("denuncia", by="sexo")
    want = parent.total("den", by="sexo")
    assert np.allclose(got["se"], want["se"], rtol=1e-10)
    # covariances go through the same path
    cov = child.covariance("total", ["denuncia"], by="tipo").to_numpy()
    ref = parent.covariance("total", ["den1", "den2"]).to_numpy()
    assert np.allclose(cov, ref, rtol=1e-10)
    assert abs(ref[0, 1]) > 0


def test_calibrated_child_refuses_weighting(persons, incidents):
    child = sk.inherit_calibration(_calibrated(persons), incidents, "id", variance="calibrated")
    with pytest.raises(sk.WeightingError, match="weight the parent design first"):
        child.trim(upper=12)
    with pytest.raises(sk.WeightingError, match="convert the parent design to replicates"):
        child.to_replicate("jkn")
    with pytest.raises(sk.WeightingError, match="variance='exact'"):
        sk.inherit_calibration(_calibrated(persons), incidents, "id", variance="exact")


def test_design_file_inherit_calibration_calibrated(persons, incidents, tmp_path):
    (tmp_path / "controls.yaml").write_text(
        "metadata: {source: test, year: 2024, universe: adults, unit: persons, status: official}\n"
        "margins: {sexo: {1: 200, 2: 220}}\n",
        encoding="utf-8",
    )
    body = (
        "weights: fexp\nstrata: estrato\npsu: upm\ncalibration: {controls: controls.yaml}\n"
        "units:\n  incident: {table: inc, weights: fexp, key: id, inherit_calibration: %s}\n"
    )
    child = incidents.assign(fexp=incidents["id"].map(dict(zip(persons["id"], persons["fexp"]))))
    (tmp_path / "design.yaml").write_text(body % "calibrated", encoding="utf-8")
    got = sk.build_designs(sk.load_design_file(tmp_path / "design.yaml"), persons, {"inc": child})["incident"]
    want = sk.inherit_calibration(_calibrated(persons), child, "id", weights="fexp", variance="calibrated")
    assert got.total("denuncia")["se"].iloc[0] == pytest.approx(want.total("denuncia")["se"].iloc[0], rel=1e-12)
    (tmp_path / "design.yaml").write_text(body % "exact", encoding="utf-8")
    with pytest.raises(sk.DesignError, match=r"units\.incident\.inherit_calibration: must be true .* not 'exact'"):
        sk.load_design_file(tmp_path / "design.yaml")
