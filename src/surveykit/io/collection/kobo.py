"""KoboToolbox exports: XLSX (a sheet per repeat), CSV, or a zip/folder of CSVs.

Structure (docs/field-data.md cites the sources): the main sheet has the form's columns, then
``_id``, ``_uuid``, ``_submission_time``, ``_validation_status``, ``_notes``, ``_status``,
``_submitted_by``, ``__version__``, ``_tags``, ``_index``; a repeat's sheet (named after the repeat,
cut to Excel's 31 characters) has its columns, then ``_index`` (row number in that sheet),
``_parent_table_name``, ``_parent_index`` (the parent sheet's ``_index``) and ``_submission__uuid``,
``_submission__submission_time``... Headers are XML names (with the group path joined by ``/`` or
``.``, or without it) or labels in one of the form's languages; values are XML values or labels.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ...errors import FileFormatError, MicrodataError
from .common import FormMap, Problems, unique_headers
from .export import Export, Table
from .files import Files

__all__ = ["looks_like", "open_export", "SPECIAL"]

#: Kobo's own columns and what they become (meta: kept as metadata; link: used to link rows; ignore: dropped).
SPECIAL: dict[str, tuple[str, str]] = {
    "_uuid": ("link", "interview"),
    "_index": ("link", "row_key"),
    "_parent_index": ("link", "parent_ref"),
    "_parent_table_name": ("link", "parent_table"),
    "_submission__uuid": ("link", "submission_uuid"),
    "instanceID": ("link", "instance_id"),
    "_submission_time": ("meta", "submission_time"),
    "_submitted_by": ("meta", "enumerator"),
    "username": ("meta", "enumerator"),
    "start": ("meta", "start_time"),
    "end": ("meta", "end_time"),
    "__version__": ("meta", "form_version"),
    "deviceid": ("meta", "device_id"),
    "_validation_status": ("meta", "review_status"),
    **{
        k: ("ignore", k)
        for k in (
            "_id",
            "_status",
            "_notes",
            "_tags",
            "_geolocation",
            "_attachments",
            "instanceName",
            "today",
            "audit",
            "formhub/uuid",
            "formhub.uuid",
            "_xform_id_string",
            "_duration",
            "_media_all_received",
            "_total_media",
            "_submission__id",
            "_submission__submission_time",
            "_submission__validation_status",
            "_submission__notes",
            "_submission__status",
            "_submission__submitted_by",
            "_submission___version__",
            "_submission__tags",
            "meta/rootUuid",
            "rootUuid",
            "meta/deprecatedID",
            "deprecatedID",
        )
    },
}
_MARKERS = ("_uuid", "_index", "_submission_time", "_submission__uuid", "_parent_index")


def looks_like(path: Path) -> bool:
    """A Kobo export: an .xlsx/.csv (or zip/folder of CSVs) with Kobo's ``_uuid``/``_index`` columns."""
    try:
        if path.suffix.lower() in (".xlsx", ".xlsm"):
            from .xlsx import SheetReader

            book = SheetReader(path)
            try:
                first = next(book.rows(book.sheet_names[0], 1), [()])
            finally:
                book.close()
            return any(str(h) in _MARKERS for h in (first[0] if first else ()) if h is not None)
        files = Files(path)
        try:
            for name in files.names:
                if name.lower().endswith(".csv"):
                    headers, _ = files.header(name)
                    if any(h in _MARKERS for h in headers):
                        return True
        finally:
            files.close()
    except Exception:  # noqa: BLE001 - detection only: any unreadable file is "not Kobo"
        return False
    return False


def _keys(unit: str, is_main: bool, links: pd.DataFrame) -> dict[str, np.ndarray]:
    n = len(links)
    out: dict[str, np.ndarray] = {}
    if "row_key" in links:
        out["row_key"] = pd.to_numeric(links["row_key"], errors="coerce").to_numpy()
    else:
        out["row_key"] = np.arange(1, n + 1, dtype=float)
    if is_main:
        uid = links["interview"] if "interview" in links else links.get("instance_id")
        if uid is None:
            raise MicrodataError(
                "the main table of the Kobo export has no _uuid (or meta/instanceID) column; "
                "export with the submission metadata included."
            )
        out["interview"] = (
            uid.astype(object)
            .map(lambda v: v[5:] if isinstance(v, str) and v.startswith("uuid:") else v)
            .to_numpy(dtype=object)
        )  # noqa: E501
    else:
        if "parent_ref" not in links:
            raise MicrodataError(
                f"the sheet of repeat {unit!r} has no _parent_index column; export with the "
                "submission metadata included."
            )
        out["parent_ref"] = pd.to_numeric(links["parent_ref"], errors="coerce").to_numpy()
    return out


def _xlsx(path: Path, fm: FormMap, problems: Problems, sheets: dict[str, str]) -> tuple[Any, dict, Any]:
    from .xlsx import SheetReader

    try:
        book = SheetReader(path)
    except Exception as exc:  # noqa: BLE001 - openpyxl/zipfile raise many kinds on a damaged file
        raise FileFormatError(f"{path}: cannot be read as an Excel workbook ({exc}).", file=str(path)) from None
    by_sheet = {v: k for k, v in sheets.items()}

    def table(title: str) -> Table:
        first = next(book.rows(title, 1), [()])
        raw = [("" if h is None else str(h).strip()) for h in (first[0] if first else ())]
        while raw and raw[-1] == "":
            raw.pop()
        headers = unique_headers(raw)
        width = len(headers)

        def chunks(size: int) -> Any:
            skip = True
            for rows in book.rows(title, size):
                if skip:  # the header row
                    rows, skip = rows[1:], False
                if not rows:
                    continue
                fixed = [r if len(r) == width else tuple(r[:width]) + (None,) * (width - len(r)) for r in rows]
                yield pd.DataFrame.from_records(fixed, columns=headers)

        n = book.max_row(title)
        return Table(title, f"{path.name}, sheet {title!r}", headers, chunks, (n - 1) if n else None, 2)

    main = None
    repeats: dict[str, Any] = {}
    for i, title in enumerate(book.sheet_names):
        unit = by_sheet.get(title) or fm.match_unit(title)
        if unit is not None and unit != fm.main:
            repeats[unit] = table(title)
        elif (i == 0 and by_sheet.get(title) in (None, fm.main)) or by_sheet.get(title) == fm.main:
            main = table(title)
        else:
            problems.add(
                title,
                "unmapped_table",
                f"{path.name}: sheet {title!r} is not a repeat of "
                f"questionnaire {fm.q.id!r}; name it after its repeat or give sheets={{repeat: sheet}}",
            )
    if main is None:
        book.close()
        raise MicrodataError(
            f"{path}: no main sheet found (the first sheet, or sheets={{{fm.main!r}: ...}}).", file=str(path)
        )
    return main, repeats, book.close


def _csvs(path: Path, fm: FormMap, problems: Problems, sheets: dict[str, str]) -> tuple[Any, dict, Any]:

    files = Files(path)
    csvs = [n for n in files.names if n.lower().endswith((".csv", ".tsv", ".txt"))]
    by_file = {v: k for k, v in sheets.items()}
    main, repeats = None, {}
    for name in csvs:
        stem = Path(name).stem
        unit = (
            by_file.get(name)
            or by_file.get(stem)
            or fm.match_unit(stem)
            or next((r for r in fm.repeats if stem.endswith((f"-{r}", f"_{r}"))), None)
        )
        headers, sep = files.header(name)
        t = Table(stem, files.where(name), headers, files.csv_chunks(name, sep, as_text=True), None, 2)
        if unit is not None and unit != fm.main:
            repeats[unit] = t
        elif main is None and "_parent_index" not in headers:
            main = t
        else:
            problems.add(stem, "unmapped_table", f"{files.where(name)}: not a repeat of questionnaire {fm.q.id!r}")
    if main is None:
        files.close()
        raise MicrodataError(f"{path}: no main CSV table found.", file=str(path))
    return main, repeats, files.close


def open_export(path: Path, fm: FormMap, problems: Problems, *, sheets: dict[str, str]) -> Any:
    """The tables of a Kobo export (see the module docstring)."""

    if path.suffix.lower() in (".xlsx", ".xlsm"):
        main, repeats, close = _xlsx(path, fm, problems, sheets)
    else:
        main, repeats, close = _csvs(path, fm, problems, sheets)
    return Export("kobo", main, repeats, special=SPECIAL, keys=_keys, close=close)
