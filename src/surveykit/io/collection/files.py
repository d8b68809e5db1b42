"""The members of an export -- a zip archive, a folder or one file -- and their CSV/tab tables."""

from __future__ import annotations

from typing import Any

import pandas as pd

from .common import unique_headers

__all__ = ["Files", "sniff_sep"]


def sniff_sep(first_line: str) -> str:
    """The field separator of a CSV header line (Kobo writes ``;``, ODK ``,``, Survey Solutions tab).

    >>> sniff_sep("a;b;c"), sniff_sep("a,b"), sniff_sep("a" + chr(9) + "b") == chr(9)
    (';', ',', True)
    """
    counts = {sep: first_line.count(sep) for sep in ("\t", ";", ",")}
    return max(counts, key=lambda k: counts[k]) if any(counts.values()) else ","


class Files:
    """The members of an export: a zip archive, a folder, or one file."""

    def __init__(self, path: Any) -> None:
        import zipfile
        from pathlib import Path

        self.path = Path(path)
        self.zip = None
        if self.path.is_dir():
            self.names = sorted(str(p.relative_to(self.path)) for p in self.path.rglob("*") if p.is_file())
        elif zipfile.is_zipfile(self.path):
            self.zip = zipfile.ZipFile(self.path)
            self.names = sorted(n for n in self.zip.namelist() if not n.endswith("/"))
        else:
            self.names = [self.path.name]

    def open(self, name: str) -> Any:
        if self.zip is not None:
            return self.zip.open(name)
        if self.path.is_dir():
            return open(self.path / name, "rb")
        return open(self.path, "rb")

    def where(self, name: str) -> str:
        return f"{self.path.name}" + (f" [{name}]" if name != self.path.name else "")

    def header(self, name: str, sep: str | None = None, encoding: str = "utf-8-sig") -> tuple[list[str], str]:
        import csv
        import io

        with self.open(name) as fh:
            text = io.TextIOWrapper(fh, encoding=encoding, newline="")
            first = text.readline()
        sep = sep or sniff_sep(first)
        row = next(csv.reader([first], delimiter=sep), [])
        return unique_headers(row), sep

    def csv_chunks(self, name: str, sep: str, as_text: bool, encoding: str = "utf-8-sig") -> Any:
        headers, _ = self.header(name, sep, encoding)

        def chunks(size: int) -> Any:
            with self.open(name) as fh:
                kw: dict[str, Any] = {"dtype": object} if as_text else {}
                reader = pd.read_csv(
                    fh,
                    sep=sep,
                    chunksize=size,
                    keep_default_na=False,
                    na_values=[""],
                    encoding=encoding,
                    low_memory=False,
                    header=0,
                    names=headers,
                    **kw,
                )
                for chunk in reader:
                    yield chunk.reset_index(drop=True)

        return chunks

    def read_all(self, name: str, sep: str | None = None) -> pd.DataFrame:
        if name.lower().endswith(".dta"):
            import tempfile

            import pyreadstat

            with self.open(name) as fh, tempfile.NamedTemporaryFile(suffix=".dta") as tmp:
                tmp.write(fh.read())
                tmp.flush()
                df, _ = pyreadstat.read_dta(tmp.name)
            return df
        headers, sep = self.header(name, sep)
        with self.open(name) as fh:
            return pd.read_csv(
                fh, sep=sep, keep_default_na=False, na_values=[""], encoding="utf-8-sig", low_memory=False
            )

    def close(self) -> None:
        if self.zip is not None:
            self.zip.close()
