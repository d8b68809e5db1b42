"""What both the XLSForm reader and the microdata reader need to know about an .xlsx file before and
after openpyxl reads it (one place, below both layers).

* :func:`count_rows`: rows of every sheet, by streaming the sheet XML (no cells are built), so a
  workbook over a row limit is refused in a second instead of after minutes and gigabytes.
* :func:`formula_cells_without_value`: formula cells whose result was never saved (a workbook written
  by a program that does not calculate): openpyxl reads them as empty, which would silently lose them.
* :func:`damaged`: whether an exception means the workbook's bytes are damaged (zip/zlib/XML errors).
"""

from __future__ import annotations

import re
import zipfile
import zlib
from pathlib import PurePosixPath
from typing import Any

__all__ = ["count_rows", "formula_cells_without_value", "sheet_parts", "DAMAGED"]

#: exceptions that mean "the bytes of this workbook are damaged"
DAMAGED: tuple[type[BaseException], ...] = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    KeyError,
    ValueError,
    OSError,
    NotImplementedError,
)

_ROW = re.compile(rb"<(?:\w+:)?row[\s>/]")
_FORMULA_WITHOUT_VALUE = re.compile(
    r'<(?:\w+:)?c\b[^>]*\br="([A-Z]+\d+)"[^>]*>\s*'
    r"(?:<(?:\w+:)?f\b[^>]*/>|<(?:\w+:)?f\b[^>]*>[^<]*</(?:\w+:)?f>)\s*"
    r"(?:<(?:\w+:)?v\s*/>|<(?:\w+:)?v>\s*</(?:\w+:)?v>)?\s*</(?:\w+:)?c>"
)


def sheet_parts(zf: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> its XML part inside the workbook (from workbook.xml and its relationships)."""
    try:
        wb = zf.read("xl/workbook.xml").decode("utf-8", errors="replace")
        rels = zf.read("xl/_rels/workbook.xml.rels").decode("utf-8", errors="replace")
    except KeyError:
        return {}
    targets = {
        m.group(1): m.group(2)
        for m in re.finditer(r'<(?:\w+:)?Relationship\b[^>]*\bId="([^"]+)"[^>]*\bTarget="([^"]+)"', rels)
    }
    targets.update(
        {
            m.group(2): m.group(1)
            for m in re.finditer(r'<(?:\w+:)?Relationship\b[^>]*\bTarget="([^"]+)"[^>]*\bId="([^"]+)"', rels)
        }
    )
    out = {}
    for m in re.finditer(r"<(?:\w+:)?sheet\b([^>]*)/?>", wb):
        attrs = m.group(1)
        name = re.search(r'\bname="([^"]*)"', attrs)
        rid = re.search(r'\br:id="([^"]*)"|\bid="([^"]*)"', attrs)
        if not name or not rid:
            continue
        target = targets.get(rid.group(1) or rid.group(2))
        if target:
            part = target.lstrip("/") if target.startswith("/") else str(PurePosixPath("xl") / target)
            out[_unescape(name.group(1))] = part
    return out


def _unescape(text: str) -> str:
    import html

    return html.unescape(text)


def count_rows(path: Any, limit: int) -> dict[str, int]:
    """Rows (``<row>`` elements) of each sheet, counting stops a little past ``limit``.

    Streams the compressed XML in chunks: memory stays bounded whatever the sheet size. Raises the
    usual zip/zlib errors on a damaged file (callers turn them into their own SurveykitError).
    """
    out: dict[str, int] = {}
    with zipfile.ZipFile(path) as zf:
        for sheet, part in sheet_parts(zf).items():
            n = 0
            tail = b""
            try:
                fh = zf.open(part)
            except KeyError:
                continue
            with fh:
                while n <= limit:
                    chunk = fh.read(1 << 20)
                    if not chunk:
                        break
                    data = tail + chunk
                    n += len(_ROW.findall(data))
                    # a tag cut between chunks is counted in the next one; never twice
                    cut = data.rfind(b"<")
                    tail = data[cut:] if cut >= 0 and b">" not in data[cut:] else b""
                    if tail:
                        n -= len(_ROW.findall(tail))
            out[sheet] = n
    return out


def formula_cells_without_value(path: Any, part: str | None) -> list[str]:
    """Cell references (``B2``) of formulas without a saved result in the sheet XML ``part``."""
    if not part:
        return []
    with zipfile.ZipFile(path) as zf:
        try:
            xml = zf.read(part.lstrip("/")).decode("utf-8", errors="replace")
        except KeyError:
            return []
    # <c r="B2"><f>A2*2</f></c> or <f .../> with no (or an empty) <v>: a formula never calculated
    return [m.group(1) for m in _FORMULA_WITHOUT_VALUE.finditer(xml)]
