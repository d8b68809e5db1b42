"""Fixtures of the questionnaire spec tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from .helpers import CHOICES, SETTINGS, clean_survey, write_form


@pytest.fixture
def form(tmp_path: Path):
    """``form(survey_rows, choices_rows, settings_rows, ...)`` -> path of a new .xlsx."""
    counter = iter(range(1000))

    def make(
        survey: list[list[Any]],
        choices: list[list[Any]] | None = None,
        settings: list[list[Any]] | None = None,
        **kw: Any,
    ) -> Path:
        return write_form(tmp_path / f"form{next(counter)}.xlsx", survey, choices, settings, **kw)

    return make


@pytest.fixture
def clean_form(form) -> Path:
    return form(clean_survey(), CHOICES, SETTINGS)
