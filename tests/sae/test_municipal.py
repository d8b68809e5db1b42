"""The illustrative municipal table and the municipal survey simulator."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from surveykit.simulate import el_salvador_municipalities, simulate_municipal_survey
from surveykit.simulate.municipal import MUNICIPALITIES_2024_PER_DEPARTMENT, MUNICIPALITIES_PER_DEPARTMENT

ROOT = Path(__file__).resolve().parents[2]


def test_table_counts_and_csv():
    t = el_salvador_municipalities()
    assert MUNICIPALITIES_PER_DEPARTMENT.sum() == 262 and MUNICIPALITIES_2024_PER_DEPARTMENT.sum() == 44
    np.testing.assert_array_equal(t.groupby("departamento").size(), MUNICIPALITIES_PER_DEPARTMENT)
    np.testing.assert_array_equal(
        t.groupby("departamento")["municipio_2024"].nunique(), MUNICIPALITIES_2024_PER_DEPARTMENT
    )
    assert t["households"].sum() == 1_920_668 and (t["households"] > 0).all()
    assert t[["urban_share", "poverty"]].stack().between(0, 1).all()
    csv = pd.read_csv(ROOT / "weights" / "el_salvador_municipalities_illustrative.csv", index_col="municipio")
    pd.testing.assert_frame_equal(csv, pd.DataFrame(t), check_exact=False, rtol=1e-9)


def test_survey_design_and_truth():
    a, b = simulate_municipal_survey(seed=1), simulate_municipal_survey(seed=2)
    pd.testing.assert_frame_equal(a.truth, b.truth)  # same population, different samples
    assert not a.data["psu"].equals(b.data["psu"])
    assert len(a.data) == 7000 and a.data.groupby("psu").size().eq(10).all()
    # weights add up to the households of the population in expectation (equal within segments)
    assert abs(a.data["weight"].sum() / 1_920_668 - 1) < 0.05
    assert a.truth.index.equals(a.municipalities.index)
    # the direct estimate of the national prevalence is close to the truth
    t = a.municipalities
    national = np.average(a.truth["victima"], weights=t["households"])
    est = np.average(a.data["victima"], weights=a.data["weight"])
    assert abs(est - national) < 0.02
