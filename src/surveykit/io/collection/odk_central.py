"""ODK Central (and Briefcase) CSV exports: ``{form}.csv`` plus ``{form}-{repeat}.csv`` per repeat.

Structure (docs/field-data.md cites the sources): comma-separated, header row; group paths joined by
``-`` (``g1-q2``), split select_multiple columns ``q/code``; the main file has ``SubmissionDate``,
the form's columns (``meta-instanceID`` among them), then ``KEY``, ``SubmitterID``, ``SubmitterName``,
``AttachmentsPresent``, ``AttachmentsExpected``, ``Status``, ``ReviewState``, ``DeviceID``, ``Edits``,
``FormVersion``. A repeat's file has its columns, ``PARENT_KEY`` (the parent row's ``KEY``), ``KEY``
(``{parent key}/{repeat}[n]``, n counting from 1) and ``SET-OF-{repeat}``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pandas as pd

from ...errors import MicrodataError
from .common import FormMap, Problems
from .export import Export, Table
from .files import Files

__all__ = ["looks_like", "open_export", "SPECIAL"]

SPECIAL: dict[str, tuple[str, str]] = {
    "KEY": ("link", "row_key"),
    "PARENT_KEY": ("link", "parent_ref"),
    "instanceID": ("link", "instance_id"),
    "SubmissionDate": ("meta", "submission_time"),
    "SubmitterName": ("meta", "enumerator"),
    "start": ("meta", "start_time"),
    "end": ("meta", "end_time"),
    "FormVersion": ("meta", "form_version"),
    "DeviceID": ("meta", "device_id"),
    "deviceid": ("meta", "device_id"),
    "ReviewState": ("meta", "review_status"),
    "username": ("meta", "enumerator"),
    **{
        k: ("ignore", k)
        for k in (
            "SubmitterID",
            "AttachmentsPresent",
            "AttachmentsExpected",
            "Status",
            "Edits",
            "instanceName",
            "isValidated",
            "today",
            "audit",
        )
    },
}
_INSTANCE = re.compile(r"\[(\d+)\]$")


def _classify(header: str, unit: str) -> tuple[str, str] | None:
    return ("ignore", header) if header.startswith("SET-OF-") else None


def looks_like(path: Path) -> bool:
    """An ODK export: CSV(s) with ``KEY`` and ``SubmissionDate`` (main) or ``PARENT_KEY`` (repeats)."""
    try:
        if path.suffix.lower() in (".xlsx", ".xlsm", ".sav", ".dta", ".tab"):
            return False
        files = Files(path)
        try:
            for name in files.names:
                if name.lower().endswith(".csv"):
                    headers, _ = files.header(name)
                    if "KEY" in headers and ("SubmissionDate" in headers or "PARENT_KEY" in headers):
                        return True
        finally:
            files.close()
    except Exception:  # noqa: BLE001 - detection only
        return False
    return False


def _strip_uuid(v: Any) -> Any:
    return v[5:] if isinstance(v, str) and v.startswith("uuid:") else v


def _keys(unit: str, is_main: bool, links: pd.DataFrame) -> dict[str, Any]:
    if "row_key" not in links:
        raise MicrodataError(f"the ODK table of {unit!r} has no KEY column; export it from Central as CSV.")
    key = links["row_key"].astype(object)
    out = {"row_key": key.to_numpy(dtype=object)}
    if is_main:
        out["interview"] = key.map(_strip_uuid).to_numpy(dtype=object)
    else:
        if "parent_ref" not in links:
            raise MicrodataError(f"the ODK table of repeat {unit!r} has no PARENT_KEY column.")
        out["parent_ref"] = links["parent_ref"].astype(object).to_numpy(dtype=object)
        inst = key.str.extract(_INSTANCE, expand=False)
        out["instance"] = pd.to_numeric(inst, errors="coerce").to_numpy(dtype=float)
    return out


def open_export(path: Path, fm: FormMap, problems: Problems, *, sheets: dict[str, str]) -> Any:
    """The tables of an ODK Central CSV zip, its folder, or a lone main CSV."""

    files = Files(path)
    main, repeats = None, {}
    by_file = {v: k for k, v in sheets.items()}
    for name in files.names:
        if not name.lower().endswith(".csv") or name.startswith(("media/", "__MACOSX")):
            continue
        stem = Path(name).stem
        headers, sep = files.header(name)
        unit = by_file.get(stem) or (fm.match_unit(stem.rsplit("-", 1)[-1]) if "PARENT_KEY" in headers else None)
        t = Table(stem, files.where(name), headers, files.csv_chunks(name, sep, as_text=True), None, 2)
        if unit is not None and unit != fm.main:
            repeats[unit] = t
        elif main is None and "PARENT_KEY" not in headers:
            main = t
        else:
            problems.add(stem, "unmapped_table", f"{files.where(name)}: not a repeat of questionnaire {fm.q.id!r}")
    if main is None:
        files.close()
        raise MicrodataError(f"{path}: no main ODK table (a CSV with KEY and without PARENT_KEY).", file=str(path))
    return Export("odk", main, repeats, special=SPECIAL, classify=_classify, keys=_keys, close=files.close)
