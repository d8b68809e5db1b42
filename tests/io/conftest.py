"""Fixtures for the microdata tests (data builders live in io_samples.py)."""

from io_samples import spss_file, stata_file, victims  # noqa: F401  (pytest fixtures)
