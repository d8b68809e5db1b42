"""Publication quality rules: thresholds as the offices state them, decisions as CDC's surveytable."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import surveykit as sk


def _table(**cols):
    t = pd.DataFrame(cols)
    if "cv" not in t:
        t["cv"] = t["se"] / t["estimate"]
    return t


def test_inegi_bands():
    t = _table(estimate=[1.0, 1.0, 1.0, 1.0, 1.0], se=[0.0, 0.1499, 0.15, 0.2999, 0.30], n=[50] * 5, df=[20] * 5)
    q = sk.quality_flags(t, "inegi")
    assert q["flag"].tolist() == ["", "", "moderada", "moderada", "baja"]
    assert q["publish"].all()  # INEGI flags, it does not suppress
    assert "15%" in q["flag_reason"][2]


def test_inegi_flags_an_uncomputable_cv_as_low():
    t = _table(estimate=[0.0], se=[0.0], n=[10], df=[5])
    assert sk.quality_flags(t, "inegi")["flag"][0] == "baja"


def test_statcan_release_caution_suppress():
    t = _table(estimate=[1.0] * 4, se=[0.165, 0.166, 0.333, 0.334], n=[100, 100, 100, 100], df=[30] * 4)
    q = sk.quality_flags(t, "statcan")
    assert q["flag"].tolist() == ["", "E", "E", "F"]
    assert q["publish"].tolist() == [True, True, True, False]
    few = sk.quality_flags(_table(estimate=[1.0], se=[0.01], n=[9], df=[30]), "statcan")
    assert few["flag"][0] == "F" and "10 observations" in few["flag_reason"][0]


def test_nchs_proportions_decision_path():
    # p, se, n, df chosen to fall on each branch of the NCHS standard
    t = _table(
        estimate=[0.30, 0.30, 0.50, 0.05, 0.40, 0.0, 0.30],
        se=[0.005, 0.20, 0.09, 0.02, 0.04, 0.0, 0.01],
        n=[4000, 900, 200, 600, 500, 300, 2000],
        df=[60, 60, 60, 60, 60, 60, 5],
    )
    q = sk.quality_flags(t, "nchs")
    ess = q["effective_n"].to_numpy()
    width = (q["ci_high_kg"] - q["ci_low_kg"]).to_numpy()
    # 0: narrow interval -> present
    assert width[0] <= 0.05 and q["flag"][0] == "" and q["publish"][0]
    # 1: effective n = 0.21/0.04 = 5.25 < 30 -> suppress
    assert ess[1] == pytest.approx(0.21 / 0.04) and not q["publish"][1]
    assert "effective sample size" in q["flag_reason"][1]
    # 2: width >= 0.30 -> suppress
    assert width[2] >= 0.30 and not q["publish"][2] and "0.30" in q["flag_reason"][2]
    # 3: relative width above 130% of p -> suppress
    assert width[3] / 0.05 > 1.30 and not q["publish"][3]
    # 4: present (0.05 < width < 0.30, relative width fine)
    assert 0.05 < width[4] < 0.30 and q["publish"][4] and q["flag"][4] == ""
    # 5: p = 0 -> width 0, effective n = n, presented but flagged for review
    assert ess[5] == 300 and q["publish"][5] and q["flag"][5] == "review"
    # 6: df < 8 -> review
    assert q["flag"][6] == "review" and "degrees of freedom" in q["flag_reason"][6]


def test_nchs_works_on_the_percent_scale():
    t = _table(estimate=[30.0], se=[0.5], n=[4000], df=[60])
    q = sk.quality_flags(t, "nchs", scale=100)
    assert q["publish"][0] and q["ci_low_kg"][0] == pytest.approx(
        100 * sk.quality_flags(_table(estimate=[0.30], se=[0.005], n=[4000], df=[60]), "nchs")["ci_low_kg"][0]
    )


def test_nchs_counts():
    t = pd.DataFrame(
        {
            "estimate": [100.0, 100.0, 100.0],
            "ci_low": [80.0, 10.0, 80.0],
            "ci_high": [120.0, 180.0, 120.0],
            "n": [50, 50, 9],
            "df": [20, 20, 20],
        }
    )
    q = sk.quality_flags(t, "nchs-counts")
    assert q["publish"].tolist() == [True, False, False]


def test_unknown_rule_and_missing_columns():
    t = _table(estimate=[1.0], se=[0.1], n=[10], df=[5])
    with pytest.raises(sk.EstimationError, match="rule"):
        sk.quality_flags(t, "who")
    with pytest.raises(sk.EstimationError, match="columns"):
        sk.quality_flags(t.drop(columns=["n"]), "statcan")


def test_flags_on_a_real_estimate_table():
    rng = np.random.default_rng(0)
    df = pd.DataFrame(
        {
            "s": rng.integers(0, 4, 800),
            "w": rng.uniform(1, 5, 800),
            "y": rng.integers(0, 2, 800),
            "dom": rng.integers(0, 6, 800),
        }
    )
    d = sk.SurveyDesign(df, weights="w", strata="s")
    t = d.mean("y", by="dom", df="domain")
    q = sk.quality_flags(t, "nchs")
    assert len(q) == len(t) and set(q["flag"]) <= {"", "review", "suppress"}
    assert (q["df"] == t["df"]).all()


def test_every_flag_carries_its_catalogue_code_and_the_words_come_from_it():
    from surveykit.estimation.quality import QUALITY_REASONS

    t = pd.DataFrame(
        {
            "estimate": [0.2, 0.2, 0.2, 0.01],
            "se": [0.01, 0.04, 0.08, 0.02],
            "n": [900, 300, 300, 5],
            "df": [60, 60, 60, 3],
        }
    )
    t["cv"] = t["se"] / t["estimate"]
    t["ci_low"], t["ci_high"] = t["estimate"] - 2 * t["se"], t["estimate"] + 2 * t["se"]
    got = {}
    for rule in sk.QUALITY_RULES:
        for lang in ("en", "es"):
            out = sk.quality_flags(t, rule, language=lang)
            flagged = out["flag"] != ""
            # a flag has a code and no code without a flag
            assert ((out["flag_code"] != "") == flagged).all()
            for code, reason in zip(out["flag_code"][flagged], out["flag_reason"][flagged]):
                assert reason == QUALITY_REASONS[code].text(lang)
                got[code] = out
    assert {"INEGI-MODERATE", "INEGI-LOW", "STATCAN-CAUTION", "STATCAN-HIGH-CV", "STATCAN-FEW-OBS"} <= set(got)
    inegi = sk.quality_flags(t, "inegi")
    assert inegi["flag_code"].tolist() == ["", "INEGI-MODERATE", "INEGI-LOW", "INEGI-LOW"]
    # suppression rules are errors, warnings publish
    assert {r.code for r in QUALITY_REASONS if r.severity == "error"} >= {"STATCAN-FEW-OBS", "NCHS-ESS"}
    assert all(r.severity in ("error", "warning") for r in QUALITY_REASONS)
