"""``surveykit sample FRAME --plan PLAN.yaml --out sample.csv``."""

from __future__ import annotations

import numpy as np
import pandas as pd

import surveykit as sk
from surveykit.cli import main


def _frame(tmp_path):
    f = pd.DataFrame({"seg": range(1, 41), "estrato": np.repeat([1, 2], 20), "hog": np.arange(40) * 3 + 20})
    f.to_csv(tmp_path / "frame.csv", index=False)
    return f


def test_sample_two_stages_from_plan(tmp_path, capsys):
    f = _frame(tmp_path)
    (tmp_path / "plan.yaml").write_text(
        "method: sampford\nsize: hog\nstrata: estrato\nseed: 5\nn: {1: 3, 2: 4}\n"
        "households: {count: hog, psu: seg, take: 4, method: systematic}\n"
    )
    assert (
        main(
            [
                "sample",
                str(tmp_path / "frame.csv"),
                "--plan",
                str(tmp_path / "plan.yaml"),
                "--out",
                str(tmp_path / "s.csv"),
            ]
        )
        == 0
    )
    s = pd.read_csv(tmp_path / "s.csv")
    assert len(s) == 28 and s.groupby("estrato")["seg"].nunique().tolist() == [3, 4]
    np.testing.assert_allclose(s.groupby("estrato")["design_weight"].sum(), f.groupby("estrato")["hog"].sum())
    # the same plan and seed reproduce the file
    main(
        ["sample", str(tmp_path / "frame.csv"), "--plan", str(tmp_path / "plan.yaml"), "--out", str(tmp_path / "t.csv")]
    )
    assert (tmp_path / "s.csv").read_text() == (tmp_path / "t.csv").read_text()
    d = sk.SurveyDesign(s, strata="estrato", psu=["seg", "hogar"], probs=["pi_1", "pi_2"])
    assert d.total("hog")["estimate"].iloc[0] > 0


def test_sample_plan_errors_are_located(tmp_path, capsys):
    _frame(tmp_path)
    (tmp_path / "plan.yaml").write_text("method: srs\nn: 5\nstrata: estrato\nsede: 3\n")
    assert (
        main(
            [
                "sample",
                str(tmp_path / "frame.csv"),
                "--plan",
                str(tmp_path / "plan.yaml"),
                "--out",
                str(tmp_path / "s.csv"),
            ]
        )
        == 2
    )
    err = capsys.readouterr().err
    assert "plan.yaml" in err and "sede" in err
    (tmp_path / "plan.yaml").write_text("method: srs\nn: {1: 30, 2: 2}\nstrata: estrato\n")
    assert (
        main(
            [
                "sample",
                str(tmp_path / "frame.csv"),
                "--plan",
                str(tmp_path / "plan.yaml"),
                "--out",
                str(tmp_path / "s.csv"),
            ]
        )
        == 2
    )
    assert "stratum 1: 30 of 20" in capsys.readouterr().err
