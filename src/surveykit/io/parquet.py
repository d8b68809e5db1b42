"""Parquet files, with surveykit's labels in the file's key-value metadata."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pandas as pd

from ..errors import FileFormatError, MicrodataError
from ..metadata import empty_metadata, from_json, restrict, to_json
from ._reading import _check_header, _Options, _Source
from ._writing import WriteContext, _kind, _mixed_message, _plain


# --- Parquet ------------------------------------------------------------------------------------
class _ParquetSource(_Source):
    text_like = True

    def __init__(self, name: str, opts: _Options) -> None:
        self.name = name
        self.opts = opts
        try:
            import pyarrow.parquet as pq
        except ImportError as exc:
            raise MicrodataError(
                f"{name}: reading Parquet needs the pyarrow package. Install it with "
                "`pip install 'surveykit[parquet]'` (or `pip install pyarrow`).",
                file=name,
            ) from exc
        try:
            self._pf = pq.ParquetFile(name)
        except Exception as exc:  # pyarrow.ArrowInvalid, OSError
            raise FileFormatError(
                f"{name} is truncated or damaged ({exc}). Write or copy the Parquet file again.", file=name
            ) from exc
        names = list(self._pf.schema_arrow.names)
        _check_header(names, name, lambda i: f"column {i + 1}")
        self._names = names

    def metadata(self) -> dict[str, Any]:
        kv = self._pf.schema_arrow.metadata or {}
        raw = kv.get(b"surveykit")
        meta = empty_metadata()
        if raw:
            try:
                meta = from_json(json.loads(raw.decode("utf-8")))
            except (ValueError, UnicodeDecodeError, TypeError, RecursionError) as exc:
                raise FileFormatError(
                    f"{self.name}: its surveykit metadata (labels) is malformed ({exc}). Write "
                    "the file again with surveykit, or read it with pyarrow and attach labels "
                    "by hand.",
                    file=self.name,
                ) from exc
        meta["file"], meta["format"] = self.name, "parquet"
        meta["columns"] = list(self._names)
        meta["n_rows"] = int(self._pf.metadata.num_rows)
        return meta

    def _to_pandas(self, table: Any) -> pd.DataFrame:
        df = table.to_pandas()
        for col in df.columns:
            if df[col].dtype == object and pd.api.types.infer_dtype(df[col], skipna=True) == "string":
                df[col] = df[col].astype("str")
        return df

    def read(self, columns: list[str]) -> pd.DataFrame:
        try:
            table = self._pf.read(columns=columns)
        except Exception as exc:
            raise FileFormatError(
                f"{self.name} is truncated or damaged ({exc}). Write or copy it again.", file=self.name
            ) from exc
        return self._to_pandas(table)

    def chunks(self, columns: list[str], chunksize: int, state: dict[str, Any]) -> Iterator[pd.DataFrame]:
        import pyarrow as pa

        try:
            for batch in self._pf.iter_batches(batch_size=chunksize, columns=columns):
                yield self._to_pandas(pa.Table.from_batches([batch]))
        except (OSError, pa.ArrowException) as exc:
            raise FileFormatError(
                f"{self.name} is truncated or damaged ({exc}). Write or copy it again.", file=self.name
            ) from exc


def _write_parquet(df: pd.DataFrame, ctx: WriteContext) -> Callable[[str], None]:
    meta, problems, name = ctx.meta, ctx.problems, ctx.name
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError as exc:
        raise MicrodataError("writing Parquet needs pyarrow: pip install 'surveykit[parquet]'.", file=name) from exc
    data = pd.DataFrame({c: _plain(df[c]) for c in df.columns}, index=df.index)
    for col in data.columns:
        if _kind(data[col]) in ("letters", "mixed", "bytes"):
            problems.append(_mixed_message(data[col], col, ".parquet"))
    sk_meta = restrict(meta, list(df.columns))
    sk_meta.pop("file", None)
    payload = json.dumps(to_json(sk_meta), ensure_ascii=False).encode("utf-8")

    def job(tmp: str) -> None:
        table = pa.Table.from_pandas(data, preserve_index=False)
        table = table.replace_schema_metadata({**(table.schema.metadata or {}), b"surveykit": payload})
        pq.write_table(table, tmp)

    return job
