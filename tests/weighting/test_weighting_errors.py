"""Weighting errors: each a SurveykitError that names the margin and level and says what to do."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import surveykit as sk


@pytest.fixture
def d():
    rng = np.random.default_rng(1)
    n = 60
    df = pd.DataFrame(
        {
            "sex": np.tile([1, 2], n // 2),
            "area": np.where(np.arange(n) % 3 == 0, "R", "U"),
            "age": rng.uniform(18, 80, n),
            "w": rng.uniform(5, 15, n),
            "psu": np.arange(n) % 10,
            "y": rng.normal(size=n),
        }
    )
    return sk.SurveyDesign(df, weights="w", psu="psu")


SEX = {1: 330, 2: 370}
AREA = {"R": 230, "U": 470}


def context(exc_info) -> tuple:
    e = exc_info.value
    return e.context.get("margin"), e.context.get("level")


def test_non_convergence_names_the_worst_margin_and_its_gap(d):
    with pytest.raises(sk.ConvergenceError) as exc:
        d.rake({"sex": SEX, "area": AREA}, maxit=1, epsilon=1e-12)
    msg = str(exc.value)
    assert "did not converge in 1 iterations" in msg and "relative gap" in msg and "Raise maxit" in msg
    margin, level = context(exc)
    assert margin in ("sex", "area") and level in (1, 2, "R", "U")
    assert f"margin '{margin}', level {level!r} (target" in msg
    with pytest.raises(
        sk.ConvergenceError,
        match=r"calibrate\(raking\) did not converge in 2 iterations; worst: "
        r"margin '(sex|area|age)'",
    ):
        d.calibrate({"sex": SEX, "area": AREA, "age": 40000.0}, method="raking", maxit=1)


def test_infeasible_bounds_names_the_margin(d):
    with pytest.raises(sk.InfeasibleBoundsError) as exc:
        d.calibrate({"sex": {1: 600, 2: 100}}, bounds=(0.8, 1.25))
    assert "within bounds (0.8, 1.25)" in str(exc.value) and "Widen the bounds" in str(exc.value)
    assert context(exc)[0] == "sex" and context(exc)[1] in (1, 2)
    with pytest.raises(sk.InfeasibleBoundsError, match="margin 'sex'"):
        d.calibrate({"sex": {1: 600, 2: 100}}, method="logit", bounds=(0.8, 1.25))


@pytest.mark.parametrize("bounds, pattern", [((1.2, 2.0), "1 inside"), ((2.0, 0.5), "lower < upper")])
def test_bounds_must_contain_one(d, bounds, pattern):
    with pytest.raises(sk.WeightingError, match=pattern):
        d.calibrate({"sex": SEX}, bounds=bounds)


def test_logit_needs_bounds_and_methods_are_checked(d):
    with pytest.raises(sk.WeightingError, match="logit calibration needs finite bounds"):
        d.calibrate({"sex": SEX}, method="logit")
    with pytest.raises(sk.WeightingError, match="method='ratio'"):
        d.calibrate({"sex": SEX}, method="ratio")


@pytest.mark.parametrize("step", ["calibrate", "rake", "poststratify"])
def test_control_level_absent_from_sample(d, step):
    spec = {**SEX, 3: 10}
    with pytest.raises(sk.ControlTotalsError) as exc:
        if step == "poststratify":
            d.poststratify("sex", spec)
        else:
            getattr(d, step)({"sex": spec})
    assert context(exc) == ("sex", 3)
    assert "control level(s) 3 have no sample rows" in str(exc.value) and "Collapse" in str(exc.value)


@pytest.mark.parametrize("step", ["calibrate", "rake", "poststratify"])
def test_sample_level_absent_from_controls(d, step):
    with pytest.raises(sk.ControlTotalsError) as exc:
        if step == "poststratify":
            d.poststratify("area", {"U": 470})
        else:
            getattr(d, step)({"area": {"U": 470}})
    assert context(exc) == ("area", "R")
    assert "sample level(s) 'R' have no control total" in str(exc.value)


def test_codes_of_another_type_are_named(d):
    with pytest.raises(sk.ControlTotalsError, match=r"1 vs '1'") as exc:
        d.calibrate({"sex": {"1": 330, "2": 370}})
    assert context(exc)[0] == "sex"


def test_margins_that_disagree_on_the_population_total(d):
    with pytest.raises(sk.ControlTotalsError, match=r"'sex' sums to 700, 'area' sums to 701") as exc:
        d.rake({"sex": SEX, "area": {"R": 230, "U": 471}})
    assert context(exc)[0] == "area"
    with pytest.raises(sk.ControlTotalsError, match="different population sizes"):
        d.calibrate({"sex": SEX, "age": 35000.0}, population_size=710)


@pytest.mark.parametrize(
    "value, pattern",
    [(-5, "negative"), (float("nan"), "finite number"), (float("inf"), "finite number"), ("many", "not a number")],
)
def test_negative_nan_or_text_totals_name_margin_and_level(d, value, pattern):
    with pytest.raises(sk.ControlTotalsError, match=f"margin 'sex', level 2: .*{pattern}") as exc:
        d.calibrate({"sex": {1: 330, 2: value}})
    assert context(exc) == ("sex", 2)
    with pytest.raises(sk.ControlTotalsError, match=f"margin 'age': .*{pattern}"):
        d.calibrate({"sex": SEX, "age": value})


def test_zero_total_for_a_level_with_sample_rows(d):
    with pytest.raises(sk.ControlTotalsError, match="control total of 0") as exc:
        d.calibrate({"sex": {1: 700, 2: 0}})
    assert context(exc) == ("sex", 2)


def test_missing_values_in_a_margin_column(d):
    df = d.data.copy()
    df.loc[[3, 7], "area"] = None
    d2 = sk.SurveyDesign(df, weights="w", psu="psu")
    for call in (
        lambda: d2.rake({"area": AREA}),
        lambda: d2.calibrate({"sex": SEX, "area": AREA}),
        lambda: d2.poststratify("area", AREA),
    ):
        with pytest.raises(sk.ControlTotalsError, match=r"'area' is missing in rows 3, 7") as exc:
            call()
        assert exc.value.rows == [3, 7] and exc.value.column == "area"


def test_unknown_margin_column_and_text_column_with_a_numeric_total(d):
    with pytest.raises(sk.ColumnNotFoundError, match="margin 'region'"):
        d.calibrate({"region": {1: 700}})
    with pytest.raises(sk.ControlTotalsError, match="margin 'area' has a single total") as exc:
        d.calibrate({"area": 700.0})
    assert context(exc)[0] == "area"
    with pytest.raises(sk.ControlTotalsError, match="must map levels to counts"):
        d.rake({"age": 40000.0})


def test_poststratification_cells_name_the_cell(d):
    cells = {(s, a): 100.0 for s in (1, 2) for a in ("R", "U")}
    with pytest.raises(
        sk.ControlTotalsError,
        match=r"post-strata \(1, 'R'\) of sex x area have sample rows but no "
        r"population count",
    ) as exc:
        d.poststratify(["sex", "area"], {k: v for k, v in cells.items() if k != (1, "R")})
    assert context(exc) == ("sex x area", (1, "R"))
    with pytest.raises(
        sk.ControlTotalsError,
        match=r"post-strata \(3, 'U'\) have a population count but no "
        r"sample rows",
    ) as exc:
        d.poststratify(["sex", "area"], {**cells, (3, "U"): 5.0})
    assert context(exc)[1] == (3, "U")
    with pytest.raises(sk.ControlTotalsError, match="every key is a tuple of 2 levels"):
        d.poststratify(["sex", "area"], {1: 5.0})


def test_weighting_a_subset_is_refused(d):
    sub = d.subset(d.data["sex"] == 1)
    with pytest.raises(sk.WeightingError, match="call it before subset"):
        sub.calibrate({"area": AREA})


# --------------------------------------------------------------------------------------------------
# replicate designs: a replicate that drops every unit of a level cannot reach its control
# --------------------------------------------------------------------------------------------------
@pytest.fixture
def rep():
    df = pd.DataFrame(
        {
            "psu": np.repeat(np.arange(5), 4),
            "w": 10.0,
            "y": np.arange(20.0),
            "sex": [1, 2] * 10,
            "area": ["R"] + ["U"] * 19,
        }
    )  # 'R' only in PSU 0
    return sk.SurveyDesign(df, weights="w", psu="psu").to_replicate("jk1")


MARGINS = {"sex": {1: 100, 2: 120}, "area": {"U": 200, "R": 20}}


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(lambda r: r.calibrate(MARGINS, method="raking"), id="calibrate-raking"),
        pytest.param(lambda r: r.rake(MARGINS), id="rake"),
        pytest.param(lambda r: r.calibrate(MARGINS, method="logit", bounds=(0.1, 10)), id="calibrate-logit"),
        pytest.param(lambda r: r.calibrate(MARGINS), id="calibrate-linear"),
        pytest.param(lambda r: r.poststratify("area", MARGINS["area"]), id="poststratify"),
    ],
)
def test_replicate_without_a_level_is_an_error_naming_it(rep, call):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sk.SurveykitWarning)
        with pytest.raises(sk.WeightingError) as exc:
            call(rep).mean("y")
    assert "replicate 1" in str(exc.value) and context(exc) == ("area", "R")
