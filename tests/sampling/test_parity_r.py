"""surveykit.sampling against R: PracTools (sizes, allocations) and R `sampling` (inclusion and joint
inclusion probabilities), fixtures from tests/reference/sampling/make_sampling_reference.R, to 1e-9."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

import surveykit.sampling as sks

REF = json.loads((Path(__file__).resolve().parents[1] / "reference/sampling/sampling.json").read_text())
TOL = 1e-9


def _N(v):
    return None if v == "Inf" else float(v)


def _ours(fun: str, a: dict) -> float:
    conf = 1 - a.get("alpha", 0.05)
    N = _N(a.get("N", "Inf"))
    if fun == "nPropMoe":
        key = "moe" if a["moe.sw"] == 1 else "rel_moe"
        return sks.sample_size(a["pU"], **{key: a["e"]}, confidence=conf, N=N).n_srs
    if fun == "nLogOdds":
        key = "moe" if a["moe.sw"] == 1 else "rel_moe"
        return sks.sample_size(a["pU"], **{key: a["e"]}, confidence=conf, N=N, scale="logodds").n_srs
    if fun == "nProp":
        if "CV0" in a:
            return sks.sample_size(a["pU"], cv=a["CV0"], N=N).n_srs
        return sks.sample_size(a["pU"], se=math.sqrt(a["V0"]), N=N).n_srs
    if fun == "nCont":
        target = {"cv": a["CV0"]} if "CV0" in a else {"se": math.sqrt(a["V0"])}
        pop = (
            {"cv_pop": a["CVpop"]}
            if "CVpop" in a
            else {"sd": math.sqrt(a["S2"]), **({"mean": a["ybarU"]} if "ybarU" in a else {})}
        )
        return sks.sample_size(**target, **pop, N=N).n_srs
    if fun == "nContMoe":
        if a["moe.sw"] == 1:
            return sks.sample_size(moe=a["e"], sd=math.sqrt(a["S2"]), confidence=conf, N=N).n_srs
        return sks.sample_size(rel_moe=a["e"], cv_pop=a["CVpop"], confidence=conf, N=N).n_srs
    raise AssertionError(fun)


@pytest.mark.parametrize("case", REF["sample_size"], ids=lambda c: f"{c['fun']}-{sorted(c['args'].items())}")
def test_sample_size_matches_practools(case):
    ours = _ours(case["fun"], case["args"])
    assert ours == pytest.approx(case["n"], rel=TOL)


def test_sample_size_count_of_cases():
    assert len(REF["sample_size"]) >= 80


@pytest.mark.parametrize("case", REF["two_sample"], ids=lambda c: c["fun"])
def test_two_sample_matches_practools(case):
    a = case["args"]
    alt = "one-sided" if a["alt"] == "one.sided" else "two-sided"
    if case["fun"] == "nProp2sam":
        r = sks.two_sample_size(
            a["px"], a["py"], p12=a["pxy"], overlap=a["g"], ratio=a["r"], alternative=alt, power=a.get("pow", 0.8)
        )
    else:
        r = sks.two_sample_size(
            mean_difference=a["del"],
            sd1=math.sqrt(a["S2x"]),
            sd2=math.sqrt(a["S2y"]),
            rho=a["rho"],
            overlap=a["g"],
            ratio=a["r"],
            alternative=alt,
        )
    assert (r.n1, r.n2) == (case["n1"], case["n2"])


@pytest.mark.parametrize("case", REF["allocation"]["cases"], ids=lambda c: c["alloc"] + str(list(c["args"])))
def test_allocation_matches_strAlloc(case):
    al = REF["allocation"]
    nh, sh, ch = al["Nh"], al["Sh"], al["ch"]
    a = case["args"]
    if case["alloc"] == "prop":
        ours = sks.allocate(nh, a["n.tot"], integer=False)
    elif case["alloc"] == "neyman":
        ours = sks.allocate(nh, a["n.tot"], method="neyman", sd=sh, integer=False)
    elif case["alloc"] == "totcost":
        ours = sks.allocate(nh, method="optimal", sd=sh, cost=ch, budget=a["cost"], integer=False)
    elif "CV0" in a:
        ours = sks.allocate(nh, method="optimal", sd=sh, cost=ch, cv=a["CV0"], mean=a["ybarU"], integer=False)
    else:
        ours = sks.allocate(nh, method="optimal", sd=sh, cost=ch, variance=a["V0"], integer=False)
    np.testing.assert_allclose(ours, case["nh"], rtol=TOL)


@pytest.mark.parametrize("case", REF["inclusion"], ids=lambda c: f"N{len(c['a'])}-n{c['n']}")
def test_inclusion_probabilities_match_sampling(case):
    ours = sks.inclusion_probabilities(case["a"], case["n"])
    np.testing.assert_allclose(ours, case["pik"], rtol=TOL, atol=1e-15)
    assert ours.sum() == pytest.approx(case["n"])


def test_inclusion_cases_have_certainty_units_in_several_rounds():
    rounds = [sum(1 for p in c["pik"] if p >= 1) for c in REF["inclusion"]]
    assert max(rounds) >= 3 and min(rounds) >= 1


@pytest.mark.parametrize("case", REF["joint"], ids=lambda c: f"{c['method']}-N{len(c['pik'])}")
def test_joint_probabilities_match_sampling(case):
    ours = sks.joint_inclusion_probabilities(case["pik"], case["method"])
    np.testing.assert_allclose(ours, np.array(case["pi2"]), rtol=TOL, atol=1e-12)
