from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

REF = Path(__file__).resolve().parents[1] / "reference" / "sae"


@pytest.fixture(scope="session")
def milk():
    """sae's milk data: direct, variance, covariates (MajorArea as a factor)."""
    df = pd.read_csv(REF / "data" / "milk.csv")
    df.index = df["SmallArea"].astype(str)
    return df["yi"], df["vardir"], df[["MajorArea"]].astype(str)


@pytest.fixture(scope="session")
def synthetic():
    df = pd.read_csv(REF / "data" / "synthetic.csv")
    df.index = df["area"]
    return df["y"], df["vardir"], df[["x1", "x2", "x3"]]
