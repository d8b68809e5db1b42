"""Which format a data file really is, from its first bytes, checked against its name.

Readers of SPSS/Stata files answer a wrong or damaged file with messages such as "Invalid file, or
file has unsupported features"; sniffing the content first lets surveykit say what the file really
is (an Excel workbook named ``.sav``, a password-protected workbook, an empty download) and what to do.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..errors import FileFormatError

__all__ = ["FORMATS", "EXTENSIONS", "detect_format", "describe", "resolve_format"]

#: file extension -> format name (the name is also what ``format=`` accepts)
EXTENSIONS: dict[str, str] = {
    ".sav": "sav",
    ".zsav": "zsav",
    ".por": "por",
    ".dta": "dta",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".csv": "csv",
    ".tsv": "csv",
    ".txt": "csv",
    ".parquet": "parquet",
    ".pq": "parquet",
}
FORMATS = ("sav", "zsav", "por", "dta", "xlsx", "csv", "parquet")

_DESCRIPTIONS = {
    "sav": "an SPSS .sav file",
    "zsav": "a compressed SPSS .zsav file",
    "por": "an SPSS portable .por file",
    "dta": "a Stata .dta file",
    "xlsx": "an Excel .xlsx workbook",
    "parquet": "a Parquet file",
    "csv": "a text (CSV) file",
    "zip": "a ZIP archive (not an Excel workbook)",
    "xls": "an old-style Excel .xls workbook",
    "encrypted": "a password-protected (encrypted) Office file",
    "ole": "an Office compound file (not a workbook surveykit reads)",
    "empty": "an empty file (0 bytes)",
    "binary": "binary data of no format surveykit knows",
    "pdf": "a PDF document",
    "gzip": "a gzip-compressed file",
    "html": "an HTML page",
}

_CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def describe(kind: str) -> str:
    """Human description of a detected content kind (e.g. ``"a Stata .dta file"``)."""
    return _DESCRIPTIONS.get(kind, kind)


def _is_old_dta(head: bytes) -> bool:
    # Stata 102-116 (pre-XML) headers: release byte, byte order 1/2, filetype 1, padding 0
    return len(head) >= 4 and 102 <= head[0] <= 116 and head[1] in (1, 2) and head[2] == 1 and head[3] == 0


def detect_format(path: str | os.PathLike[str]) -> str:
    """The kind of content in ``path``: a format name from :data:`FORMATS` or a kind such as
    ``"empty"``, ``"encrypted"``, ``"xls"``, ``"zip"``, ``"binary"``.

    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "x.csv")
    >>> _ = open(p, "w").write("a,b\\n1,2\\n")
    >>> detect_format(p)
    'csv'
    """
    p = Path(path)
    size = p.stat().st_size
    if size == 0:
        return "empty"
    with open(p, "rb") as fh:
        head = fh.read(8192)
        if size >= 8:
            fh.seek(-4, os.SEEK_END)
            tail = fh.read(4)
        else:
            tail = b""
    if head.startswith(b"$FL2"):
        return "sav"
    if head.startswith(b"$FL3"):
        return "zsav"
    if head.startswith(b"<stata_dta>") or _is_old_dta(head):
        return "dta"
    if head.startswith(b"PAR1") and tail == b"PAR1":
        return "parquet"
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return _zip_kind(p)
    if head.startswith(_CFB_MAGIC):
        return _cfb_kind(p)
    if head.startswith(b"%PDF"):
        return "pdf"
    if head.startswith(b"\x1f\x8b"):
        return "gzip"
    if b"SPSSPORT" in head[:2048].replace(b"\r", b"").replace(b"\n", b""):
        return "por"
    if b"\x00" in head:
        # UTF-16 text has NUL bytes too; it is text, in an encoding the caller must name
        if head.startswith((b"\xff\xfe", b"\xfe\xff")):
            return "csv"
        return "binary"
    stripped = head.lstrip().lower()
    if stripped.startswith((b"<!doctype html", b"<html")):
        return "html"
    return "csv"


def _zip_kind(p: Path) -> str:
    import zipfile

    try:
        with zipfile.ZipFile(p) as zf:
            names = set(zf.namelist())
    except (zipfile.BadZipFile, OSError, NotImplementedError, ValueError, EOFError):
        # a ZIP that cannot be opened is most often a workbook cut short in a download or copy
        return "xlsx"
    if "xl/workbook.xml" in names or any(n.startswith("xl/") for n in names):
        return "xlsx"
    return "zip"


def _cfb_kind(p: Path) -> str:
    # OOXML encrypted with a password is stored as a compound file holding an "EncryptedPackage"
    # stream; directory entry names are UTF-16LE. Old .xls workbooks hold a "Workbook" stream.
    with open(p, "rb") as fh:
        data = fh.read(2 * 1024 * 1024)
    if "EncryptedPackage".encode("utf-16-le") in data or "EncryptionInfo".encode("utf-16-le") in data:
        return "encrypted"
    if "Workbook".encode("utf-16-le") in data or "Book".encode("utf-16-le") in data:
        return "xls"
    return "ole"


def resolve_format(path: str | os.PathLike[str], format: str | None = None) -> str:
    """Check that ``path`` exists and holds the format its extension (or ``format``) says; return it.

    Raises :class:`~surveykit.errors.FileFormatError` naming the file, what it really contains and
    what to do.

    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "datos.sav")
    >>> _ = open(p, "w").write("a,b\\n1,2\\n")
    >>> resolve_format(p)
    Traceback (most recent call last):
    ...
    surveykit.errors.FileFormatError: datos.sav is named as an SPSS .sav file but contains a text (CSV) file. Rename it to the right extension (.csv) or pass format='csv'.
    """
    p = Path(path)
    name = str(path)
    if not p.exists():
        raise FileFormatError(
            f"{name} does not exist. Check the path (the working directory is {os.getcwd()}).", file=name
        )
    if p.is_dir():
        raise FileFormatError(
            f"{name} is a directory, not a data file. Give the path of the file inside it.", file=name
        )
    if format is not None:
        expected = format.lower().lstrip(".")
        if expected not in FORMATS:
            raise FileFormatError(
                f"format={format!r} is not one surveykit reads; use one of {', '.join(FORMATS)}.", file=name
            )
    else:
        ext = p.suffix.lower()
        if ext not in EXTENSIONS:
            kind = detect_format(p)
            hint = (
                f" Its content looks like {describe(kind)}; pass format={kind!r}."
                if kind in FORMATS
                else f" Its content looks like {describe(kind)}."
            )
            raise FileFormatError(
                f"{name}: the extension {ext or '(none)'!r} is not a microdata format surveykit reads "
                f"({', '.join(sorted(EXTENSIONS))}).{hint}",
                file=name,
            )
        expected = EXTENSIONS[ext]
    kind = detect_format(p)
    if kind == expected or (expected == "sav" and kind == "zsav") or (expected == "zsav" and kind == "sav"):
        return kind if expected in ("sav", "zsav") else expected
    if kind == "empty":
        raise FileFormatError(
            f"{name} is empty (0 bytes): the export or copy did not complete. Export or copy the file again.", file=name
        )
    if kind == "encrypted":
        raise FileFormatError(
            f"{name} is password-protected (encrypted), so its data cannot be read. Open it in Excel or "
            "LibreOffice with the password, remove the password (File > Info > Protect Workbook > Encrypt "
            "with Password, clear it) and save it again.",
            file=name,
        )
    if kind == "xls" and expected == "xlsx":
        raise FileFormatError(
            f"{name} is an old-style Excel .xls workbook saved with an .xlsx name. Open it in Excel or "
            "LibreOffice and save it as .xlsx (Excel Workbook).",
            file=name,
        )
    if kind == "xls":
        raise FileFormatError(
            f"{name} is an old-style Excel .xls workbook, which surveykit does not read. Open it in Excel or "
            "LibreOffice and save it as .xlsx.",
            file=name,
        )
    if kind in FORMATS:
        right_ext = {
            "sav": ".sav",
            "zsav": ".zsav",
            "por": ".por",
            "dta": ".dta",
            "xlsx": ".xlsx",
            "csv": ".csv",
            "parquet": ".parquet",
        }[kind]
        raise FileFormatError(
            f"{p.name} is named as {describe(expected)} but contains {describe(kind)}. Rename it to the right "
            f"extension ({right_ext}) or pass format={kind!r}.",
            file=name,
        )
    raise FileFormatError(
        f"{name} is not {describe(expected)}: its content is {describe(kind)}. The file is damaged or is "
        "not the data file; export or copy it again from its source.",
        file=name,
    )
