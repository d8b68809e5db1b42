"""Every ```python example of the README and of docs/*.md runs as written (issue 11: two examples of
docs/estimation.md did not). Pages whose examples are doctests (``>>>``) are run by their own tests;
here each page's python blocks run in order, in one namespace, from a scratch folder that sees the
repository's questionnaires/, weights/ and tests/ (so files the examples write land there)."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)


def _kobo_export(folder: Path) -> None:
    """docs/field-data.md reads a KoboToolbox export: make one from simulated interviews, the way the
    collection tests do (tests/io/collection/exports.py)."""
    import sys

    import surveykit as sk
    from surveykit.simulate import el_salvador_frame

    sys.path.insert(0, str(ROOT / "tests" / "io" / "collection"))
    try:
        import exports
    finally:
        sys.path.pop(0)
    q = sk.load_questionnaire(ROOT / "questionnaires" / "victimization.yaml")
    sim = sk.simulate(q, seed=11, frame=el_salvador_frame(psus=60), households_per_psu=4, layout="both")
    exports.write_kobo_xlsx(sim, folder / "victimization_2024_03_15.xlsx")


# files a page's examples read, made before its blocks run
PAGE_FILES = {"field-data.md": _kobo_export}


def _pages_with_code() -> list[Path]:
    return [p for p in PAGES if BLOCK.search(p.read_text(encoding="utf-8"))]


@pytest.mark.parametrize("page", _pages_with_code(), ids=lambda p: p.name)
def test_python_examples_run(page, tmp_path, monkeypatch):
    for name in ("questionnaires", "weights", "tests"):
        (tmp_path / name).symlink_to(ROOT / name)
    monkeypatch.chdir(tmp_path)
    if page.name in PAGE_FILES:
        PAGE_FILES[page.name](tmp_path)
    blocks = BLOCK.findall(page.read_text(encoding="utf-8"))
    namespace: dict = {"__name__": "__docs__"}
    for i, code in enumerate(blocks, start=1):
        if re.search(r"^>>> ", code, re.M):
            continue  # a doctest block: the page's own doctest test runs it
        if page.name == "README.md":
            code = code.replace("replicates=500", "replicates=20")  # the same calls, a quicker run
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                exec(compile(code, f"{page.name} block {i}", "exec"), namespace)  # noqa: S102 - our own docs
            except Exception as exc:  # pragma: no cover - the failure message is the point
                pytest.fail(f"{page.name}, python block {i} fails: {type(exc).__name__}: {exc}\n{code}")


def _doctested_pages() -> set[str]:
    """Pages a test runs with doctest: named in a test module next to ``doctest.testfile``."""
    names = set()
    for test in (ROOT / "tests").rglob("test_*.py"):
        text = test.read_text(encoding="utf-8")
        if "doctest" in text:
            names |= {p.name for p in PAGES if p.name in text}
    return names


def test_every_page_with_examples_is_run_somewhere():
    doctested = _doctested_pages()
    assert {"worked-example.md", "weighting.md"} <= doctested
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        if re.search(r"^>>> ", text, re.M):
            assert page.name in doctested, f"{page.name} has >>> examples no test runs"
