"""Suite-wide settings: a fixed Hypothesis profile for CI, and `slow` marks on the end-to-end tests.

They are the ones that simulate a whole survey round, write workbooks and charts, or run a docs page
that does; ``make test`` (and CI) runs everything.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import settings

# CI (.ci/run sets SURVEYKIT_CI) draws the same property examples on every run, so a red build is
# always reproducible from its log; local runs keep exploring new examples.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("SURVEYKIT_CI"):
    settings.load_profile("ci")

# test modules (relative to tests/) that run the whole chain
SLOW_MODULES = (
    "demo/",
    "docs/test_worked_example.py",
    "simulate/test_docs_simulation.py",
    "report/test_docs_reporting.py",
    "report/test_cli.py",
    "docs/test_sampling_docs.py",
    "docs/test_sae_docs.py",
    "sae/test_simulation.py",
    "packaging/",
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        path = item.nodeid.replace("\\", "/")
        if path.startswith("tests/"):
            path = path[len("tests/") :]
        if path.startswith(SLOW_MODULES):
            item.add_marker(pytest.mark.slow)
