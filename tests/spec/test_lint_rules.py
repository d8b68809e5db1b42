"""The lint rule catalogue: one rule per code, and the tables in the docstring and docs equal to it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import surveykit as sk
from surveykit.questionnaire import lint as lint_module
from surveykit.questionnaire.lint_rules import LINT_RULES, WARNING_WHERE_SUSPICIOUS, severity

DOCS = Path(__file__).parents[2] / "docs" / "questionnaires.md"


def _docstring_table(doc: str) -> dict[str, tuple[str, str]]:
    rows: dict[str, tuple[str, str]] = {}
    last = None
    for line in doc.splitlines():
        m = re.match(r"^(SK\d{3})\s+(error|warning)\s+(.*)$", line)
        if m:
            last = m.group(1)
            rows[last] = (m.group(2), m.group(3).strip())
        elif last and line.startswith(" " * 18) and line.strip():
            rows[last] = (rows[last][0], rows[last][1] + " " + line.strip())
        else:
            last = None
    return rows


def test_the_catalogue_is_exported_and_complete():
    assert sk.LINT_RULES is LINT_RULES is sk.questionnaire.LINT_RULES
    assert len(LINT_RULES) == 46
    for rule in LINT_RULES:
        assert re.fullmatch(r"SK\d{3}", rule.code)
        assert re.fullmatch(r"[a-z][a-z0-9_]*", rule.name), rule.name
        assert rule.severity in ("error", "warning")
        assert rule.en and rule.es and rule.en != rule.es
    assert WARNING_WHERE_SUSPICIOUS <= {r.code for r in LINT_RULES if r.severity == "error"}


def test_the_lint_docstring_table_is_the_catalogue():
    table = _docstring_table(lint_module.__doc__ or "")
    assert table == {r.code: (r.severity, r.en) for r in LINT_RULES}
    assert lint_module.RULES == {r.code: r.en for r in LINT_RULES}


def test_the_docs_table_has_every_rule_with_its_severity():
    rows = re.findall(r"^\| (SK\d{3}) \| (error|warning) \|", DOCS.read_text(encoding="utf-8"), flags=re.M)
    assert dict(rows) == {r.code: r.severity for r in LINT_RULES}
    assert len(rows) == len(LINT_RULES)


def test_severity_follows_the_catalogue_and_allows_only_the_documented_overrides():
    assert severity("SK604") == "warning" and severity("SK601") == "error"
    assert severity("SK302", "warning") == "warning"
    with pytest.raises(ValueError, match="SK304 is always warning"):
        severity("SK304", "error")
    with pytest.raises(KeyError, match="no rule 'SK999'"):
        severity("SK999")


def test_reported_problems_carry_catalogue_severities():
    from surveykit.questionnaire.formats.yamljson import loads_yaml

    q = loads_yaml(
        "id: t\nlanguages: [es, en]\ntitle: {es: T}\nitems:\n"
        "  - {type: integer, name: a, label: A, min: 9, max: 1}\n"
        "  - {type: calculate, name: c, calculation: '${d} + 1'}\n"
        "  - {type: integer, name: d, relevant: \"${a} < 'x'\"}\n",
        "t.yaml",
    )
    found = {(p.code, p.severity) for p in q.lint()}
    assert {
        ("SK601", "error"),
        ("SK202", "warning"),
        ("SK501", "warning"),
        ("SK501", "error"),
        ("SK505", "warning"),
    } <= found
    for code, sev in found:
        assert sev == LINT_RULES[code].severity or (code in WARNING_WHERE_SUSPICIOUS and sev == "warning")
