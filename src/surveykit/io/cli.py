"""``surveykit check DATA --questionnaire SPEC --out problems.csv``.

Reads the data with its declared missing codes kept (so "don't know" counts as an answer), checks it
against the questionnaire with :func:`surveykit.check_microdata`, prints a summary and writes every
problem to ``--out`` (``.csv`` or ``.xlsx``). Exit status: 0 no problem, 1 problems found, 2 the data
or questionnaire cannot be read.

Several tables (a household file and its person roster) are given as ``UNIT=FILE``; ``--id`` names
each table's id columns (``--id id_hogar --id personas=id_hogar,linea``).

>>> import tempfile, pathlib, pandas as pd, surveykit as sk
>>> from surveykit.cli import main
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> _ = (d / "q.yaml").write_text("id: q\\nlanguages: [es]\\nitems:\\n  - {type: integer, name: edad, min: 0, max: 110}\\n")
>>> pd.DataFrame({"folio": [1, 2], "edad": [34, 130]}).to_csv(d / "datos.csv", index=False)
>>> main(["check", str(d / "datos.csv"), "--questionnaire", str(d / "q.yaml"), "--id", "folio",
...       "--out", str(d / "problemas.csv")])  # doctest: +ELLIPSIS
checked 2 rows in 'main' against questionnaire 'q': 1 problem in 1 row
  range: 1
problems written to .../problemas.csv
1
>>> pd.read_csv(d / "problemas.csv")[["id", "variable", "rule", "value"]].values.tolist()
[[2, 'edad', 'range', 130]]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from ..errors import MicrodataError

__all__ = ["register"]


def register(subparsers: Any) -> None:
    """Add the ``check`` subcommand."""
    p = subparsers.add_parser(
        "check", help="check microdata against its questionnaire and list every problem",
        description="Check a data file (.sav .zsav .por .dta .xlsx .csv .parquet) against a questionnaire and "
                    "write every problem (row, id, variable, rule, value, message). Exit status: 0 no problem, "
                    "1 problems found, 2 a file cannot be read.")
    p.add_argument("data", nargs="+", metavar="DATA",
                   help="data file; for several tables give UNIT=FILE (the main table, and rosters by repeat name)")
    p.add_argument("--questionnaire", "-q", required=True, help="questionnaire: .yaml, .yml, .json or .xlsx (XLSForm)")
    p.add_argument("--out", "-o", help="write the problems to this .csv or .xlsx file")
    p.add_argument("--id", action="append", default=[], metavar="[UNIT=]COLS",
                   help="id column(s) of a table, comma-separated; repeat for each table")
    p.add_argument("--sheet", help="Excel sheet of the data (default: the first, or 'data')")
    p.add_argument("--encoding", help="text encoding of CSV or old SPSS/Stata files (e.g. cp1252)")
    p.add_argument("--language", help="questionnaire language for labels in the data cells")
    p.add_argument("--max-print", type=int, default=0,
                   help="also print the first N problems (default 0: summary only)")
    p.set_defaults(func=_check)


def _parse_tables(items: list[str], main: str) -> dict[str, str]:
    tables: dict[str, str] = {}
    for item in items:
        unit, sep, path = item.partition("=")
        if not sep or Path(item).exists():
            unit, path = main, item
        if unit in tables:
            raise MicrodataError(f"two data files for table {unit!r} ({tables[unit]} and {path}); give each table "
                                 "once, as UNIT=FILE.")
        tables[unit] = path
    return tables


def _parse_ids(items: list[str], units: list[str], main: str) -> dict[str, list[str]] | None:
    if not items:
        return None
    out: dict[str, list[str]] = {}
    for item in items:
        unit, sep, cols = item.partition("=")
        if not sep:
            unit, cols = main, item
        out[unit] = [c.strip() for c in cols.split(",") if c.strip()]
    if len(units) == 1 and units[0] not in out and main in out:
        out[units[0]] = out.pop(main)
    return out


def _check(args: argparse.Namespace) -> int:
    from ..spec import load_questionnaire
    from .check import check_microdata
    from .read import read_microdata

    if args.out:
        out = Path(args.out)
        if out.suffix.lower() not in (".csv", ".xlsx"):
            raise MicrodataError(f"--out {out}: write the problems to a .csv or .xlsx file.", file=str(out))
        if not out.parent.exists():   # before the (long) check: the documented exit 2, not a traceback
            raise MicrodataError(f"--out {out}: the folder {out.parent} does not exist. Create it first.",
                                 file=str(out))
    q = load_questionnaire(args.questionnaire)
    main = getattr(q, "unit", None) or "main"
    paths = _parse_tables(args.data, main)
    tables = {}
    for unit, path in paths.items():
        tables[unit] = read_microdata(path, user_missing="keep", questionnaire=q, language=args.language,
                                      sheet=args.sheet, encoding=args.encoding)
    ids = _parse_ids(args.id, list(tables), main)
    report = check_microdata(tables if len(tables) > 1 else next(iter(tables.values())), q, id=ids,
                             unit=next(iter(tables)) if len(tables) == 1 else None)
    s = report.attrs["summary"]
    units = ", ".join(f"{n:,} rows in {u!r}" for u, n in s["rows"].items())
    plural = "" if s["problems"] == 1 else "s"
    print(f"checked {units} against questionnaire {q.id!r}: {s['problems']:,} problem{plural} in "
          f"{s['rows_with_problems']:,} row{'' if s['rows_with_problems'] == 1 else 's'}")
    for rule, n in s["by_rule"].items():
        print(f"  {rule}: {n:,}")
    for item in s["not_checked"]:
        print(f"  not checked: {item['variable'] or item['unit']} ({item['rule']}): {item['why']}")
    if args.max_print:
        print(report.head(args.max_print).to_string(index=False))
    if args.out:
        out = Path(args.out)
        if out.suffix.lower() == ".xlsx":
            from .write import write_microdata

            import pandas as pd

            as_text = {c: report[c].map(lambda v: "" if pd.isna(v) else str(v)) for c in ("row", "id", "value")}
            write_microdata(report.assign(**as_text), out)
        else:
            from .._files import atomic_write

            atomic_write(out, lambda tmp: report.to_csv(tmp, index=False), MicrodataError)
        print(f"problems written to {out}")
    sys.stdout.flush()
    return 1 if s["problems"] else 0
