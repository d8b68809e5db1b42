"""CSV files (.csv, .tsv, .txt) with their labels in a JSON sidecar named as in W3C "CSV on the Web"."""

from __future__ import annotations

import csv
import json
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import FileEncodingError, FileFormatError, FormatCapacityError, MicrodataError, format_rows
from ..metadata import empty_metadata, from_json, restrict, to_json
from ._reading import _apply_dtype, _check_header, _convert_text, _infer_frame, _Options, _Source
from ._writing import WriteContext, _MAX_EXACT, _atomic_write, _nul, _prepare_plain

#: CSV files keep their labels in a JSON file next to them, named as in W3C "CSV on the Web"
SIDECAR_SUFFIX = "-metadata.json"


# --- CSV -----------------------------------------------------------------------------------------
class _CsvSource(_Source):
    text_like = True

    def __init__(self, name: str, encoding: str | None, sep: str | None, opts: _Options) -> None:
        self.name = name
        self.opts = opts
        if sep is None:
            sep = "\t" if Path(name).suffix.lower() == ".tsv" else ","
        if not isinstance(sep, str) or len(sep) != 1 or sep in '\r\n"':
            raise MicrodataError(
                f"{name}: sep must be one character that separates the fields (',', ';', '\\t' or '|'); got {sep!r}.",
                file=name,
            )
        self.sep = sep
        self._fields_checked = False
        self._datetimes: set[str] = set()
        self.encoding = encoding or "utf-8-sig"
        try:
            import codecs

            codecs.lookup(self.encoding)
        except LookupError as exc:
            raise FileEncodingError(
                f"{name}: encoding {encoding!r} is unknown. Use a Python codec name such as 'utf-8', "
                "'cp1252' (Excel on Windows) or 'latin1'.",
                file=name,
            ) from exc
        self._header = self._read_header()
        self._types: dict[str, str] = {}

    def _read_header(self) -> list[str]:
        _allow_long_fields()
        try:
            with open(self.name, encoding=self.encoding, newline="") as fh:
                header = next(csv.reader(fh, delimiter=self.sep), None)
        except UnicodeDecodeError as exc:
            raise self._decode_error(exc) from exc
        except csv.Error as exc:
            raise FileFormatError(
                f"{self.name}: the header line cannot be read as CSV ({exc}).", file=self.name
            ) from exc
        if not header or all(h.strip() == "" for h in header):
            raise FileFormatError(
                f"{self.name} has no header line (the first line is empty). The first line must name the columns.",
                file=self.name,
            )
        _check_header(header, self.name, lambda i: f"field {i + 1} of the header line")
        return header

    def _check_fields(self) -> None:
        """Every line must have as many fields as the header: pandas silently drops extra fields when
        columns are chosen and pads short lines, which would shift or lose values. One pass with the
        csv module's C reader counts them (the lines are only located when some are wrong)."""
        if self._fields_checked:
            return
        n = len(self._header)
        try:
            with open(self.name, encoding=self.encoding, newline="") as fh:
                counts = Counter(map(len, csv.reader(fh, delimiter=self.sep)))
        except UnicodeDecodeError as exc:
            raise self._decode_error(exc) from exc
        except csv.Error as exc:
            raise FileFormatError(
                f"{self.name} is not a well-formed CSV file ({exc}). Check the separator "
                f"(sep={self.sep!r}) and the quotes.",
                file=self.name,
            ) from exc
        if any(k not in (n, 0) for k in counts):  # 0: a blank line, read as an empty row
            bad = []
            with open(self.name, encoding=self.encoding, newline="") as fh:
                reader = csv.reader(fh, delimiter=self.sep)
                start = 1
                for fields in reader:
                    if len(fields) not in (n, 0):
                        bad.append((start, len(fields), fields))
                    start = reader.line_num + 1
            line, k, fields = bad[0]
            what = (
                f"{k} fields but the header has {n}: the value(s) {fields[n:][:3]} have no column and would be lost"
                if k > n
                else f"only {k} field(s) but the header has {n}: a value is missing (a truncated file, or a "
                "separator missing)"
            )
            more = f" ({len(bad)} such lines: {format_rows([b[0] for b in bad])})" if len(bad) > 1 else ""
            raise FileFormatError(
                f"{self.name}: line {line} has {what}{more}. Fix those lines; check the separator "
                f"(sep={self.sep!r}) and that values holding it are in quotes.",
                file=self.name,
                rows=[b[0] for b in bad],
            )
        self._fields_checked = True

    def _decode_error(self, exc: UnicodeDecodeError) -> FileEncodingError:
        line_no, col = _locate_bad_bytes(self.name, self.encoding)
        where = f"line {line_no}, byte {col}" if line_no else f"byte {exc.start}"
        bad = exc.object[exc.start : exc.start + 4] if isinstance(exc.object, bytes) else b""
        guess = "cp1252" if self.encoding.replace("-", "").lower() in ("utf8", "utf8sig") else "utf-8"
        return FileEncodingError(
            f"{self.name}: {where} cannot be decoded as {self.encoding} (bytes {bad!r}). The file was probably "
            f"saved in another encoding; files saved by Excel on Windows are usually cp1252. Pass "
            f"encoding={guess!r} (or the file's real encoding) to read_microdata.",
            file=self.name,
        )

    def _sidecar(self) -> dict[str, Any] | None:
        side = Path(self.name + SIDECAR_SUFFIX)
        if not side.exists():
            return None
        try:
            obj = json.loads(side.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError, RecursionError) as exc:
            raise FileFormatError(
                f"{side}: the metadata file next to {self.name} is not valid JSON ({exc}). Fix or delete it.",
                file=str(side),
            ) from exc
        if not isinstance(obj, dict):
            raise FileFormatError(
                f"{side}: the metadata file next to {self.name} must hold a JSON object. Fix or delete it.",
                file=str(side),
            )
        schema = obj.get("tableSchema")
        columns = schema.get("columns") if isinstance(schema, dict) else None
        if isinstance(columns, list):
            # the writer records dates; without this they would come back as text
            self._datetimes = {
                str(c["name"])
                for c in columns
                if isinstance(c, dict)
                and c.get("name") is not None
                and c.get("datatype") in ("datetime", "date", "dateTime")
            }
        sk_meta = obj.get("surveykit")
        if sk_meta is None:
            return None
        try:
            return from_json(sk_meta)
        except (TypeError, ValueError, KeyError, AttributeError) as exc:
            raise FileFormatError(
                f"{side}: the surveykit labels in the metadata file next to {self.name} are "
                f"malformed ({exc}). Fix or delete it.",
                file=str(side),
            ) from exc

    def metadata(self) -> dict[str, Any]:
        meta = self._sidecar() or empty_metadata()
        meta["file"], meta["format"] = self.name, "csv"
        meta["columns"] = list(self._header)
        meta["file_encoding"] = self.encoding
        meta["n_rows"] = None
        return meta

    def _reader(self, columns: list[str], chunksize: int | None) -> Any:
        # arrow-backed text is fast per column but costs ~0.1 ms of set-up per column: wide files as objects
        kind = object if len(self._header) > 1000 else str
        kw: dict[str, Any] = dict(
            sep=self.sep,
            dtype=kind,
            keep_default_na=False,
            na_values=self.opts.na_values,
            encoding=self.encoding,
            chunksize=chunksize,
            usecols=None if columns == self._header else columns,
            skip_blank_lines=False,
        )
        # the header was checked for duplicates; the names are the ones the csv module read (pandas
        # strips a second byte-order mark, say, which would make them differ)
        kw.update(header=0, names=self._header)
        return pd.read_csv(self.name, **kw)

    def _convert(self, df: pd.DataFrame, first: bool) -> pd.DataFrame:
        out: dict[str, pd.Series] = {}  # built whole: assigning 20,000 columns one by one is quadratic
        for col in df.columns:
            want = self.opts.dtype.get(col)
            if want is None and col in self._datetimes:
                want = "datetime"
            if want is not None:
                out[col] = _apply_dtype(df[col], want, self, col)
                continue
            if first or col not in self._types:
                continue  # typed below, all columns at once
            else:
                out[col] = _convert_text(df[col], self._types[col], self, col)
        todo = [c for c in df.columns if c not in out]
        if not todo:
            return pd.DataFrame(out, index=df.index, columns=df.columns)
        kinds, typed = _infer_frame(df[todo] if out else df, self)
        self._types.update(kinds)
        if not out:
            return typed
        for col, values in out.items():  # the few columns with a dtype= of their own
            typed[col] = values
        return typed[list(df.columns)]

    def read(self, columns: list[str]) -> pd.DataFrame:
        self._check_fields()
        try:
            df = self._reader(columns, None)
        except UnicodeDecodeError as exc:
            raise self._decode_error(exc) from exc
        except pd.errors.ParserError as exc:
            raise FileFormatError(
                f"{self.name} is not a well-formed CSV file: {exc}. Check the separator "
                f"(sep={self.sep!r}) and quoting around that line.",
                file=self.name,
            ) from exc
        if list(df.columns) != columns:
            df = df[columns]
        return self._convert(df, first=True)

    def chunks(self, columns: list[str], chunksize: int, state: dict[str, Any]) -> Iterator[pd.DataFrame]:
        self._check_fields()
        try:
            with self._reader(columns, chunksize) as reader:
                first = True
                for chunk in reader:
                    yield self._convert(chunk[columns], first)
                    first = False
        except UnicodeDecodeError as exc:
            raise self._decode_error(exc) from exc
        except pd.errors.ParserError as exc:
            raise FileFormatError(
                f"{self.name} is not a well-formed CSV file: {exc}. Check the separator "
                f"(sep={self.sep!r}) and quoting around that line.",
                file=self.name,
            ) from exc


def _allow_long_fields() -> None:
    # the csv module refuses fields over 128 KiB by default; long open answers are data, not damage
    if csv.field_size_limit() < 2**30:
        csv.field_size_limit(2**30)


def _locate_bad_bytes(path: str, encoding: str) -> tuple[int | None, int | None]:
    """1-based line and byte of the first undecodable byte (only run when decoding failed)."""
    import codecs

    decoder = codecs.getincrementaldecoder(encoding)()
    with open(path, "rb") as fh:
        for i, line in enumerate(fh, start=1):
            try:
                decoder.decode(line)
            except UnicodeDecodeError as exc:
                return i, exc.start + 1
    return None, None


def _sidecar_json(meta: dict[str, Any], columns: list[str], data: pd.DataFrame, file_name: str) -> dict[str, Any]:
    sk_meta = restrict(meta, columns)
    sk_meta.pop("file", None)
    sk_meta["format"] = "csv"
    types = []
    for c in columns:
        s = data[c]
        if pd.api.types.is_integer_dtype(s.dtype):
            t = "integer"
        elif pd.api.types.is_numeric_dtype(s.dtype):
            t = "number"
        elif pd.api.types.is_datetime64_any_dtype(s.dtype):
            t = "datetime"
        else:
            t = "string"
        col = {"name": c, "datatype": t}
        if c in meta["variable_labels"]:
            col["titles"] = meta["variable_labels"][c]
        types.append(col)
    return {
        "@context": "http://www.w3.org/ns/csvw",
        "url": file_name,
        "tableSchema": {"columns": types},
        "surveykit": to_json(sk_meta),
    }


def _write_csv(df: pd.DataFrame, ctx: WriteContext) -> Callable[[str], None]:
    meta, problems, name = ctx.meta, ctx.problems, ctx.name
    data = _prepare_plain(df, meta, ctx.cells, problems, ".csv")
    # integral float columns are codes or counts: write 1, not 1.0
    for col in data.columns:
        s = data[col]
        if pd.api.types.is_float_dtype(s.dtype):
            vals = s.dropna().to_numpy()
            if (
                len(vals)
                and np.all(np.isfinite(vals))
                and np.all(vals == np.round(vals))
                and np.all(np.abs(vals) < _MAX_EXACT)
            ):
                data[col] = s.astype("Int64")
    for col in data.columns:
        if data[col].dtype == object or pd.api.types.is_string_dtype(data[col].dtype):
            _nul(data[col], col, ".csv", problems)
    # dates need the sidecar too: without it they come back as text
    has_meta = any(meta.get(k) for k in ("variable_labels", "value_labels", "missing", "measure")) or any(
        pd.api.types.is_datetime64_any_dtype(df[c].dtype) for c in df.columns
    )
    sidecar = _sidecar_json(meta, list(df.columns), df, Path(name).name) if has_meta else None
    side_path = Path(name + SIDECAR_SUFFIX)

    def job(tmp: str) -> None:
        try:
            data.to_csv(tmp, index=False, encoding=ctx.encoding)
        except UnicodeEncodeError as exc:
            raise FormatCapacityError(
                f"cannot write {name}: text cannot be encoded as {ctx.encoding} ({exc}); use encoding='utf-8'.",
                file=name,
            ) from exc
        if sidecar is not None:
            text = json.dumps(sidecar, ensure_ascii=False, indent=1)

            def write_sidecar(t: str) -> None:
                Path(t).write_text(text, encoding="utf-8")

            _atomic_write(side_path, write_sidecar)
        elif side_path.exists():
            side_path.unlink()  # an old sidecar would attach stale labels to the new data

    return job
