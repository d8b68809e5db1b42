"""Reading worksheets: cells as text, headers normalised, and the problems and languages found on the way."""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ....xlsxfiles import sheet_parts
from ...problems import Location, Problem, SourceMap
from .aliases import _ALIASES, _FIELD_OF, _LANG_HEADER, _NAME_TO_CODE, _TRANSLATABLE, MAX_ROWS


def _sheet_parts(path: Path) -> dict[str, str]:
    with zipfile.ZipFile(path) as zf:
        return sheet_parts(zf)


def _column_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index)


def _cell_text(value: Any) -> str | None:
    """A cell as text (None when empty); integer-valued numbers without '.0'."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        text = str(int(value)) if value.is_integer() else repr(value)
    elif hasattr(value, "isoformat"):
        text = value.isoformat()
    else:
        text = str(value)
    text = text.strip()
    return text or None


def _code_value(value: Any) -> Any:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else repr(value)
    return _cell_text(value)


@dataclass
class _Column:
    index: int  # 1-based
    header: str  # as written
    base: str  # normalised base name ("label", "relevant", "sk_min", "region", ...)
    lang: str | None  # language code for translated columns


class _Sheet:
    """A worksheet's header and rows, with cell references for the source map."""

    def __init__(self, ws: Any, reader: _ReaderBase) -> None:
        self.ws = ws
        self.name = ws.title
        self.reader = reader
        self.columns: list[_Column] = []
        self.rows: list[tuple[int, dict[str, tuple[Any, _Column]]]] = []
        self.header_row = 0
        self._read()

    def _read(self) -> None:
        ws, reader = self.ws, self.reader
        if ws.max_row > MAX_ROWS:
            reader.fatal(
                f"sheet {self.name} has {ws.max_row} rows, more than the {MAX_ROWS} surveykit reads", self.name, None
            )
            return
        rows = ws.iter_rows(values_only=True)
        header: tuple[Any, ...] | None = None
        r = 0
        for r, values in enumerate(rows, start=1):
            if any(_cell_text(v) for v in values):
                header = values
                break
        if header is None:
            return
        self.header_row = r
        for rng in ws.merged_cells.ranges:
            if rng.min_row <= r <= rng.max_row:
                reader.problem(
                    "SK013",
                    f"merged header cells {rng.coord} on sheet {self.name}: unmerge them and "
                    "give each column its own header",
                    self.name,
                    r,
                    None,
                    rng.coord.split(":")[0],
                )
            elif rng.min_row > r:
                reader.problem(
                    "SK013",
                    f"merged cells {rng.coord} on sheet {self.name}: only the first cell keeps "
                    "its value; unmerge them and fill every cell",
                    self.name,
                    rng.min_row,
                    None,
                    rng.coord.split(":")[0],
                )
        for cell in reader.formulas.get(ws.title, []):
            reader.problem(
                "SK013",
                f"cell {cell} on sheet {self.name} holds a formula whose result was never saved, "
                "so it reads as empty; open and save the workbook in Excel or LibreOffice (this stores "
                "the results), or type the value",
                self.name,
                int(re.sub(r"\D", "", cell)),
                None,
                cell,
            )
        seen: dict[tuple[str, str | None], str] = {}
        for i, raw in enumerate(header, start=1):
            text = _cell_text(raw)
            if text is None:
                continue
            base, lang = self._parse_header(text, r, i)
            key = (base, lang)
            if key in seen:
                reader.problem(
                    "SK013",
                    f"the column {text!r} appears twice on sheet {self.name} (also {seen[key]!r}); keep one",
                    self.name,
                    r,
                    text,
                    f"{_column_letter(i)}{r}",
                )
                continue
            seen[key] = text
            self.columns.append(_Column(i, text, base, lang))
        for values in rows:
            r += 1
            cells: dict[str, tuple[Any, _Column]] = {}
            for col in self.columns:
                value = values[col.index - 1] if col.index - 1 < len(values) else None
                if value is None or (isinstance(value, str) and not value.strip()):
                    continue
                cell_key = col.base if col.lang is None else f"{col.base}::{col.lang}"
                cells[cell_key] = (value, col)
            if cells:
                self.rows.append((r, cells))

    def _parse_header(self, text: str, row: int, index: int) -> tuple[str, str | None]:
        base, sep, lang_spec = text.partition("::")
        base_norm = " ".join(base.strip().lower().split())
        base_norm = _ALIASES.get(base_norm, base_norm.replace(" ", "_"))
        if not sep:
            if base_norm in _TRANSLATABLE:
                self.reader.plain_text_columns.append((self.name, row, text, f"{_column_letter(index)}{row}"))
                return base_norm, None
            lowered = text.strip().lower()
            return _ALIASES.get(lowered, base_norm), None
        if base_norm not in _TRANSLATABLE:
            return text, None  # media::image, image::English (en), bind::odk:length...: kept verbatim
        return base_norm, self.reader.language(lang_spec.strip(), self.name, row, text, f"{_column_letter(index)}{row}")

    def cell(self, col: _Column, row: int) -> str:
        return f"{_column_letter(col.index)}{row}"

    def column(self, base: str, lang: str | None = None) -> _Column | None:
        for c in self.columns:
            if c.base == base and c.lang == lang:
                return c
        return None


class _ReaderBase:
    """What every part of reading a workbook shares: its problems, languages and source map."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.file = str(path)
        self.problems: list[Problem] = []
        self.fatal_error = False
        self.smap = SourceMap(self.file, "xlsform")
        self.languages: dict[str, str] = {}  # code -> display name, in order of appearance
        self.language_cells: dict[str, tuple[str, int, str, str]] = {}
        self._default: str | None = None
        self.plain_text_columns: list[tuple[str, int, str, str]] = []  # untranslated label/hint columns
        self._formulas: dict[str, list[str]] = {}

    @property
    def formulas(self) -> dict[str, list[str]]:
        """Sheet -> formula cells without a saved result (read as empty by openpyxl)."""
        return self._formulas

    # -- problems -----------------------------------------------------------------------------
    def problem(
        self, code: str, message: str, sheet: str | None, row: int | None, column: str | None, cell: str | None = None
    ) -> None:
        self.problems.append(
            Problem.of(code, message, Location(file=self.file, sheet=sheet, row=row, column=column, cell=cell))
        )

    def fatal(self, message: str, sheet: str | None, row: int | None) -> None:
        self.fatal_error = True
        self.problem("SK013", message, sheet, row, None)

    def language(self, spec: str, sheet: str, row: int, header: str, cell: str) -> str:
        m = _LANG_HEADER.match(spec)
        if m:
            name, code = m.group(1).strip(), m.group(2)
        else:
            name, code = spec, _NAME_TO_CODE.get(spec.strip().lower(), spec.strip())
        if code not in self.languages:
            self.languages[code] = name
            self.language_cells[code] = (sheet, row, header, cell)
        return code

    def _text_fields(
        self,
        cells: dict[str, tuple[Any, _Column]],
        sheet: _Sheet,
        row: int,
        ptr: str,
        target: dict[str, Any],
        bases: tuple[str, ...],
    ) -> None:
        """Collect translated text columns into {lang: text}; a plain column is the default language."""
        for base in bases:
            field = _FIELD_OF.get(base, base)
            texts: dict[str, str] = {}
            for col in sheet.columns:
                if col.base != base:
                    continue
                lang = col.lang if col.lang is not None else self.default_code
                self.smap.add(
                    f"{ptr}/{field}/{lang}", sheet=sheet.name, row=row, column=col.header, cell=sheet.cell(col, row)
                )
                key = base if col.lang is None else f"{base}::{col.lang}"
                if key in cells:
                    text = _cell_text(cells[key][0])
                    if text is not None:
                        texts[lang] = text
            if texts:
                target[field] = texts

    @property
    def default_code(self) -> str:
        return self._default or "und"
