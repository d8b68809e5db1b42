"""A questionnaire's labels, missing codes and Stata letters as surveykit metadata (plain dicts),
for the readers (labels a file lacks) and the writers (labels a file gets)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..metadata import missing_entry, norm_code

if TYPE_CHECKING:
    from ..questionnaire import Questionnaire

__all__ = ["questionnaire_dicts"]


def questionnaire_dicts(q: Questionnaire, language: str | None = None) -> dict[str, Any]:
    """The questionnaire's label dictionaries as surveykit metadata (plain dicts).

    Missing declarations become ``{"values", "ranges", "stata": [letters]}`` and the code -> Stata
    letter map of each variable is returned under ``"stata_codes"``.
    """
    d = q.label_dictionaries(language=language)
    get = (lambda k: getattr(d, k, None)) if not isinstance(d, Mapping) else d.get
    out: dict[str, Any] = {
        "variable_labels": {c: v for c, v in (get("variable_labels") or {}).items() if v},
        "value_labels": {
            c: {norm_code(k): str(v) for k, v in labels.items()}
            for c, labels in (get("value_labels") or {}).items()
            if labels
        },
        "measure": dict(get("measure") or {}),
        "types": dict(get("types") or {}),
        "missing": {},
        "stata_codes": {},
    }
    for col, e in (get("missing") or {}).items():
        stata = e.get("stata") or {}
        if isinstance(stata, Mapping):
            codes = {norm_code(k): "." + str(v).lstrip(".") for k, v in stata.items()}
        else:
            codes = {}
        out["missing"][col] = missing_entry(e.get("values") or [], e.get("ranges") or [], sorted(set(codes.values())))
        if codes:
            out["stata_codes"][col] = codes
    return out
