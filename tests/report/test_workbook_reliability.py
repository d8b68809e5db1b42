"""write_workbook: a control character in a title or label is a ReportError, and nothing is written."""

from __future__ import annotations

import pytest

import surveykit as sk


@pytest.mark.parametrize("field", ["title", "subtitle"])
def test_control_character_is_a_report_error(results, tmp_path, field):
    path = tmp_path / "w.xlsx"
    with pytest.raises(sk.ReportError, match="control character"):
        sk.report.write_workbook(results, path, **{field: "Encuesta\x01 2024"})
    assert list(tmp_path.iterdir()) == []


def test_control_character_in_a_breakdown_label(results, tmp_path):
    with pytest.raises(sk.ReportError, match="control character"):
        sk.report.write_workbook(results, tmp_path / "w.xlsx", breakdown_labels={"sexo": "Se\x02xo"})
