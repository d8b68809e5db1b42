"""Excel workbooks (.xlsx): the data on one sheet, the labels on the sheets described in :mod:`._excel`."""

from __future__ import annotations

import datetime as dt
import difflib
import re
import warnings
from collections.abc import Callable, Iterator
from typing import IO, Any

import numpy as np
import pandas as pd

from ..errors import FileFormatError, MicrodataError, format_rows
from ..metadata import empty_metadata, restrict
from ..xlsxfiles import DAMAGED as DAMAGED_XLSX
from ._reading import _apply_dtype, _check_header, _Options, _Source
from ._writing import WriteContext, LIMITS, _big_ints, _prepare_plain

_EXCEL_META_SHEETS = ("variables", "value_labels", "missing", "file")
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


# --- Excel ----------------------------------------------------------------------------------------
class _ExcelSource(_Source):
    text_like = True

    def __init__(self, name: str, sheet: str | int | None, opts: _Options) -> None:
        self.name = name
        self.opts = opts
        self._wb: Any = None
        self._fh: IO[bytes] | None = None
        self._sheet_arg = sheet
        self._cache: pd.DataFrame | None = None
        self._header: list[str] | None = None
        self._meta_cache: dict[str, Any] | None = None

    def _open(self) -> Any:
        import zipfile
        import zlib

        import openpyxl
        from openpyxl.utils.exceptions import InvalidFileException

        if self._wb is None:
            try:
                # from a file object, so that format='xlsx' works whatever the file is called
                self._fh = open(self.name, "rb")
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", UserWarning)  # openpyxl's "no default style" noise
                    self._wb = openpyxl.load_workbook(self._fh, read_only=True, data_only=True)
            except (zipfile.BadZipFile, EOFError, zlib.error) as exc:
                raise FileFormatError(
                    f"{self.name} is truncated or damaged (not a complete .xlsx workbook: {exc}). Save it again "
                    "from Excel/LibreOffice, or copy it again.",
                    file=self.name,
                ) from exc
            except (InvalidFileException, KeyError, OSError, ValueError, NotImplementedError) as exc:
                raise FileFormatError(
                    f"{self.name} cannot be opened as an .xlsx workbook ({exc}). Save it again from "
                    "Excel/LibreOffice as 'Excel Workbook (.xlsx)'.",
                    file=self.name,
                ) from exc
        return self._wb

    def _sheet_name(self) -> str:
        wb = self._open()
        names = wb.sheetnames
        arg = self._sheet_arg
        if arg is None:
            if "data" in names and any(s in names for s in _EXCEL_META_SHEETS):
                return "data"
            return names[0]
        if isinstance(arg, (int, np.integer)) and not isinstance(arg, bool):
            if not 0 <= arg < len(names):
                raise MicrodataError(
                    f"{self.name} has {len(names)} sheet(s) ({', '.join(names)}); sheet={arg} "
                    "does not exist (positions start at 0).",
                    file=self.name,
                )
            return names[arg]
        if arg not in names:
            close = difflib.get_close_matches(str(arg), names, n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            raise MicrodataError(
                f"{self.name} has no sheet {arg!r}; its sheets are {', '.join(names)}.{hint}", file=self.name
            )
        return str(arg)

    def _rows(self, sheet: str) -> list[tuple[Any, ...]]:
        ws = self._open()[sheet]
        try:
            # the <dimension> tag may understate the used range (some exporters write A1:B3 for a
            # bigger sheet); read-only openpyxl would stop there and lose the rest: read the cells
            ws.reset_dimensions()
            rows = list(ws.iter_rows(values_only=True))
        except DAMAGED_XLSX as exc:
            raise FileFormatError(
                f"{self.name}, sheet {sheet!r}, cannot be read ({exc}). Save the workbook "
                "again from Excel/LibreOffice.",
                file=self.name,
            ) from exc
        # trailing empty rows are formatting, not data
        while rows and all(v is None for v in rows[-1]):
            rows.pop()
        return rows

    def _load(self, n_rows: int | None = None) -> pd.DataFrame:
        if self._cache is not None:
            return self._cache
        from openpyxl.utils import get_column_letter

        sheet = self._sheet_name()
        self.sheet = sheet
        rows = self._rows(sheet)
        if n_rows is not None and rows and len(rows) - 1 < n_rows:
            # rows left entirely empty at the end, which the workbook's 'file' sheet counts as data
            rows += [()] * (n_rows - (len(rows) - 1))
        if not rows:
            raise FileFormatError(
                f"{self.name}: sheet {sheet!r} is empty. Choose the sheet with the data "
                f"(sheet=...); the workbook has {', '.join(self._open().sheetnames)}.",
                file=self.name,
            )
        width = max(len(r) for r in rows)
        header = list(rows[0]) + [None] * (width - len(rows[0]))
        body = [tuple(r) + (None,) * (width - len(r)) for r in rows[1:]]
        columns = list(zip(*body)) if body else [()] * width
        # drop columns with neither a name nor a value (formatting left in the sheet)
        keep = [i for i in range(width) if header[i] is not None or any(v is not None for v in columns[i])]
        header = [header[i] for i in keep]
        columns = [columns[i] for i in keep]
        letters = [get_column_letter(i + 1) for i in keep]
        names = [_header_name(h) for h in header]
        _check_header(names, self.name, lambda i: f"cell {letters[i]}1 of sheet {sheet!r}")
        data = {}
        for name, letter, values in zip(names, letters, columns):
            data[name] = _excel_column(values, name, self, letter)
        df = pd.DataFrame(data, index=pd.RangeIndex(len(body)))
        self._check_formulas(sheet, df, names, letters)
        self._header = names
        self._cache = df
        return df

    def _check_formulas(self, sheet: str, df: pd.DataFrame, names: list[str], letters: list[str]) -> None:
        """A workbook saved by a program that does not calculate (openpyxl, some exporters) has
        formulas without saved results: every such cell would read as empty. Find them in the XML."""
        if not df.isna().to_numpy().any():
            return
        try:
            cells = _formula_cells_without_value(self.name, self._open()[sheet])
        except DAMAGED_XLSX as exc:
            raise FileFormatError(
                f"{self.name}, sheet {sheet!r}, is damaged ({exc}). Save the workbook again from Excel/LibreOffice.",
                file=self.name,
            ) from exc
        if cells:
            raise FileFormatError(
                f"{self.name}, sheet {sheet!r}: {len(cells)} cell(s) hold formulas without saved results "
                f"({format_rows(cells)}), so their values cannot be read. Open the workbook in Excel or "
                "LibreOffice and save it (this stores the results), or paste the values instead of formulas.",
                file=self.name,
                rows=cells,
            )

    def row_numbers(self, index: Any) -> list[Any]:
        return [int(i) + 2 for i in index]

    def metadata(self) -> dict[str, Any]:
        if self._meta_cache is None:
            try:
                self.sheet = self._sheet_name()
                meta = self._labels_sheets() or empty_metadata()
                df = self._load(meta.get("n_rows"))
            finally:
                self._close()
            meta["file"], meta["format"] = self.name, "xlsx"
            meta["sheet"] = self.sheet
            meta["columns"] = list(df.columns)
            meta["n_rows"] = len(df)
            self._meta_cache = meta
        return restrict(self._meta_cache, self._meta_cache["columns"])

    def _close(self) -> None:
        # a read-only workbook keeps its file open until closed
        if self._wb is not None:
            self._wb.close()
        if self._fh is not None:
            self._fh.close()
            self._fh = None

    def _labels_sheets(self) -> dict[str, Any] | None:
        from ._excel import read_label_sheets

        wb = self._open()
        if self.sheet in _EXCEL_META_SHEETS or not any(s in wb.sheetnames for s in _EXCEL_META_SHEETS):
            return None
        return read_label_sheets(wb, self.name)

    def read(self, columns: list[str]) -> pd.DataFrame:
        self.metadata()  # loads the sheet once, then closes the file
        df = self._load()[columns].copy()
        for col, want in self.opts.dtype.items():
            if col in df.columns:
                df[col] = _apply_dtype(df[col], want, self, col)
        return df

    def chunks(self, columns: list[str], chunksize: int, state: dict[str, Any]) -> Iterator[pd.DataFrame]:
        # an .xlsx sheet is at most 1,048,576 rows and openpyxl parses it whole; chunks are slices
        df = self.read(columns)
        for start in range(0, max(len(df), 1), chunksize):
            part = df.iloc[start : start + chunksize]
            if len(part) or start == 0:
                yield part.copy()


def _header_name(h: Any) -> Any:
    if isinstance(h, float) and h.is_integer():
        return str(int(h))
    if h is None:
        return None
    return str(h)


def _excel_column(values: tuple[Any, ...], name: str, source: _ExcelSource, letter: str) -> pd.Series:
    arr = np.array(values, dtype=object)
    s = pd.Series(arr, dtype=object)
    na = source.opts.na_values
    if len(na) > 1 or na != [""]:
        s = s.mask(s.isin(na))
    s = s.mask((s == "").to_numpy(dtype=bool))  # an empty text cell is an empty cell
    kind = pd.api.types.infer_dtype(s, skipna=True)
    if kind == "empty":
        return pd.Series(np.nan, index=s.index, dtype="float64")
    if kind == "integer":
        if s.notna().all():
            return s.astype("int64")
        ints = s.dropna().astype("int64")
        if ints.abs().max() < 2**53:
            return s.astype("float64")
        return s.astype("Int64")
    if kind in ("floating", "mixed-integer-float", "decimal"):
        return s.astype("float64")
    if kind == "string":
        return s.astype("str")
    if kind in ("datetime", "datetime64", "date"):
        return pd.to_datetime(s)
    if kind == "boolean":
        return s.astype("boolean") if s.isna().any() else s.astype(bool)
    return s  # mixed numbers and text, times...: kept as they are for the checks to report


def _formula_cells_without_value(path: str, ws: Any) -> list[str]:
    from ..xlsxfiles import formula_cells_without_value

    return formula_cells_without_value(path, getattr(ws, "_worksheet_path", None))


def _write_xlsx(df: pd.DataFrame, ctx: WriteContext) -> Callable[[str], None]:
    meta, problems = ctx.meta, ctx.problems
    from openpyxl import Workbook

    from ._excel import label_sheet_rows

    lim = LIMITS["xlsx"]
    if len(df) > lim["rows"]:
        problems.append(
            f"{len(df):,} rows do not fit in an Excel sheet ({lim['rows']:,} data rows at most); "
            "write .sav, .dta, .csv or .parquet"
        )
    if df.shape[1] > lim["columns"]:
        problems.append(f"{df.shape[1]:,} columns do not fit in an Excel sheet ({lim['columns']:,} at most)")
    data = _prepare_plain(df, meta, ctx.cells, problems, ".xlsx")
    columns = {}
    for col in data.columns:
        s = data[col]
        _big_ints(s, col, ".xlsx", problems)
        if pd.api.types.is_datetime64_any_dtype(s.dtype) and getattr(s.dtype, "tz", None) is not None:
            problems.append(
                f"{col!r} has time-zone-aware dates, which Excel cannot hold; convert them (s.dt.tz_convert(None))"
            )
        if s.dtype == object or pd.api.types.is_string_dtype(s.dtype):
            txt = s[s.map(type).eq(str)]
            if len(txt):
                lens = txt.str.len()
                if (lens > lim["cell_chars"]).any():
                    problems.append(
                        f"{col!r} has text longer than {lim['cell_chars']} characters (row "
                        f"{lens.idxmax()!r}), the Excel cell limit"
                    )
                bad = txt[txt.str.contains(_ILLEGAL_XML)]
                if len(bad):
                    problems.append(
                        f"{col!r} has control characters Excel cannot store (row {bad.index[0]!r}); remove them"
                    )
        # NaN/NaT/None -> empty cell; numpy scalars -> Python
        obj = s.astype(object)
        columns[col] = obj.where(s.notna(), None)
    rows_df = pd.DataFrame(columns, index=df.index)
    sheets = label_sheet_rows(meta, list(df.columns), len(df))

    def job(tmp: str) -> None:
        wb = Workbook(write_only=True)
        ws = wb.create_sheet("data")
        ws.append(list(df.columns))
        for row in rows_df.itertuples(index=False, name=None):
            ws.append([_py(v) for v in row])
        for sheet, rows in sheets.items():
            sh = wb.create_sheet(sheet)
            for r in rows:
                sh.append([_py(v) for v in r])
        wb.save(tmp)

    return job


def _py(v: Any) -> Any:
    if v is None:
        return None
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float) and np.isnan(v):
        return None
    if isinstance(v, pd.Timestamp):
        return v.to_pydatetime()
    if v is pd.NaT:
        return None
    if isinstance(v, (dt.datetime, dt.date, dt.time, int, float, str, bool)):
        return v
    return v
