"""The wheel carries everything the demo needs: installed outside the checkout, `python -m surveykit.demo` runs.

Builds the wheel (pip, build isolation), installs it without dependencies into a folder that comes
first on ``PYTHONPATH`` (the dependencies are the test environment's), and runs the demo from a
folder outside the checkout, so neither the source tree nor the repository's ``questionnaires/`` and
``weights/`` folders can be reached.
"""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_wheel_installed_outside_the_checkout_runs_the_demo(tmp_path):
    wheels = tmp_path / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(wheels), str(ROOT)],
        check=True,
        capture_output=True,
        cwd=tmp_path,
    )
    wheel = next(wheels.glob("surveykit-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    for shipped in (
        "surveykit/data/questionnaires/sdg16.yaml",
        "surveykit/data/weights/el_salvador_2024.yaml",
        "surveykit/indicators/catalog/sdg16.yaml",
        "surveykit/py.typed",
    ):
        assert shipped in names
    assert not any(n.endswith("derive_illustrative.py") for n in names)
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target), str(wheel)],
        check=True,
        capture_output=True,
        cwd=tmp_path,
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**os.environ, "PYTHONPATH": str(target)}
    where = subprocess.run(
        [sys.executable, "-c", "import surveykit; print(surveykit.__file__)"],
        env=env,
        cwd=elsewhere,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    assert where.startswith(str(target))
    run = subprocess.run(
        [sys.executable, "-m", "surveykit.demo", "--out", str(elsewhere / "out")],
        env=env,
        cwd=elsewhere,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert (elsewhere / "out").is_dir() and any((elsewhere / "out").rglob("*.xlsx"))
