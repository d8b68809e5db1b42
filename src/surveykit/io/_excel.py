"""The labels sheets of an Excel workbook written by surveykit (and readable when typed by hand).

A workbook holds the data on the sheet ``data`` and its metadata on three more sheets:

``variables``
    ``name | label | measure | format`` — one row per variable (label, measure, format optional).
``value_labels``
    ``variable | code | label`` — one row per labelled code; a code typed as a number is a numeric
    code, typed as text (``'01``) a text code.
``missing``
    ``variable | kind | value | high`` — ``kind`` is ``value`` (a discrete missing code), ``range``
    (``value`` to ``high``) or ``stata`` (``value`` is a Stata letter such as ``.a``).

A ``file`` sheet (``key | value``) keeps the number of data rows (``rows``: data rows left entirely
empty at the end of the sheet are data, not formatting), the file label and notes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..errors import FileFormatError
from ..metadata import empty_metadata, norm_code
from ..xlsxfiles import DAMAGED

__all__ = ["read_label_sheets", "label_sheet_rows"]

_SHEETS = {
    "variables": ("name", "label", "measure", "format"),
    "value_labels": ("variable", "code", "label"),
    "missing": ("variable", "kind", "value", "high"),
    "file": ("key", "value"),
}


def _records(wb: Any, sheet: str, path: str) -> list[dict[str, Any]]:
    if sheet not in wb.sheetnames:
        return []
    ws = wb[sheet]
    try:
        if hasattr(ws, "reset_dimensions"):
            ws.reset_dimensions()  # read every cell, whatever the <dimension> tag claims
        rows = [r for r in ws.iter_rows(values_only=True) if any(v is not None for v in r)]
    except DAMAGED as exc:
        raise FileFormatError(
            f"{path}, sheet {sheet!r}, is damaged ({exc}). Save the workbook again from Excel/LibreOffice.", file=path
        ) from exc
    if not rows:
        return []
    header = [str(h).strip().lower() if h is not None else "" for h in rows[0]]
    required = _SHEETS[sheet][:2] if sheet != "value_labels" else _SHEETS[sheet]
    missing = [c for c in required if c not in header]
    if missing:
        raise FileFormatError(
            f"{path}: the labels sheet {sheet!r} needs the columns {', '.join(_SHEETS[sheet])} in its first row; "
            f"{', '.join(missing)} is missing. Fix the header or rename the sheet if it is data.",
            file=path,
        )
    pos = {c: header.index(c) for c in _SHEETS[sheet] if c in header}
    out = []
    for i, r in enumerate(rows[1:], start=2):
        rec = {c: (r[j] if j < len(r) else None) for c, j in pos.items()}
        rec["_row"] = i
        out.append(rec)
    return out


def read_label_sheets(wb: Any, path: str) -> dict[str, Any]:
    """Metadata from the ``variables``/``value_labels``/``missing``/``file`` sheets of ``wb``."""
    meta = empty_metadata(path, "xlsx")
    for rec in _records(wb, "variables", path):
        name = rec.get("name")
        if name is None:
            continue
        name = str(name)
        if rec.get("label") not in (None, ""):
            meta["variable_labels"][name] = str(rec["label"])
        if rec.get("measure") not in (None, ""):
            meta["measure"][name] = str(rec["measure"])
        if rec.get("format") not in (None, ""):
            meta["formats"][name] = str(rec["format"])
    for rec in _records(wb, "value_labels", path):
        var, code, label = rec.get("variable"), rec.get("code"), rec.get("label")
        if var is None and code is None:
            continue
        if var is None or code is None or label is None:
            raise FileFormatError(
                f"{path}, sheet 'value_labels', row {rec['_row']}: variable, code and label must all be filled in.",
                file=path,
            )
        labels = meta["value_labels"].setdefault(str(var), {})
        code = norm_code(code)
        if code in labels and labels[code] != str(label):
            raise FileFormatError(
                f"{path}, sheet 'value_labels', row {rec['_row']}: code {code!r} of {var!r} "
                f"has two labels ({labels[code]!r} and {str(label)!r}). Keep one.",
                file=path,
            )
        labels[code] = str(label)
    for rec in _records(wb, "missing", path):
        var, kind, value, high = rec.get("variable"), rec.get("kind"), rec.get("value"), rec.get("high")
        if var is None:
            continue
        entry = meta["missing"].setdefault(str(var), {"values": [], "ranges": [], "stata": []})
        kind = str(kind or ("range" if high is not None else "value")).strip().lower()
        if value is None or kind not in ("value", "range", "stata") or (kind == "range" and high is None):
            raise FileFormatError(
                f"{path}, sheet 'missing', row {rec['_row']}: give kind value/range/stata and a value (and high "
                "for a range).",
                file=path,
            )
        if kind == "value":
            entry["values"].append(norm_code(value))
        elif kind == "range":
            entry["ranges"].append([norm_code(value), norm_code(high)])
        else:
            entry["stata"] = sorted(set(entry["stata"]) | {"." + str(value).strip().lstrip(".")})
    for rec in _records(wb, "file", path):
        key, value = rec.get("key"), rec.get("value")
        if key == "file_label" and value not in (None, ""):
            meta["file_label"] = str(value)
        elif key == "note" and value not in (None, ""):
            meta["notes"].append(str(value))
        elif key == "rows" and isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            meta["n_rows"] = value
    return meta


def label_sheet_rows(meta: Mapping[str, Any], columns: list[str], n_rows: int) -> dict[str, list[list[Any]]]:
    """Rows (header first) of each labels sheet for the variables ``columns``; empty sheets left out.
    ``n_rows`` is recorded so that data rows left entirely empty at the end are not lost."""
    vl = meta.get("variable_labels") or {}
    ms = meta.get("measure") or {}
    fm = meta.get("formats") or {}
    out: dict[str, list[list[Any]]] = {
        "variables": [list(_SHEETS["variables"])] + [[c, vl.get(c), ms.get(c), fm.get(c)] for c in columns]
    }
    vals: list[list[Any]] = [list(_SHEETS["value_labels"])]
    for c in columns:
        for code, label in (meta.get("value_labels") or {}).get(c, {}).items():
            vals.append([c, norm_code(code), label])
    if len(vals) > 1:
        out["value_labels"] = vals
    miss: list[list[Any]] = [list(_SHEETS["missing"])]
    for c in columns:
        e = (meta.get("missing") or {}).get(c) or {}
        miss += [[c, "value", v, None] for v in e.get("values", [])]
        miss += [[c, "range", lo, hi] for lo, hi in e.get("ranges", [])]
        miss += [[c, "stata", x, None] for x in e.get("stata", [])]
    if len(miss) > 1:
        out["missing"] = miss
    info: list[list[Any]] = [list(_SHEETS["file"]), ["rows", int(n_rows)]]
    if meta.get("file_label"):
        info.append(["file_label", meta["file_label"]])
    info += [["note", n] for n in meta.get("notes") or []]
    out["file"] = info
    return out
