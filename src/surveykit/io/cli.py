"""``surveykit check DATA --questionnaire SPEC --out problems.csv``.

Reads the data with its declared missing codes kept (so "don't know" counts as an answer), checks it
against the questionnaire with :func:`surveykit.check_microdata`, prints a summary and writes every
problem to ``--out`` (``.csv`` or ``.xlsx``). Exit status: 0 no problem, 1 problems found (or a
question has no column in the data, or an export has columns that map to no question), 2 the data or
questionnaire cannot be read. A KoboToolbox, ODK Central or Survey Solutions export is detected and
read with :func:`surveykit.read_collection` (``--tool`` to force or disable it).

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
questions: 1 of 1 checked (2 answers)
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
        "check",
        help="check microdata against its questionnaire and list every problem",
        description="Check a data file (.sav .zsav .por .dta .xlsx .csv .parquet) against a questionnaire and "
        "write every problem (row, id, variable, rule, value, message). Exit status: 0 no problem, "
        "1 problems found, 2 a file cannot be read.",
    )
    p.add_argument(
        "data",
        nargs="+",
        metavar="DATA",
        help="data file; for several tables give UNIT=FILE (the main table, and rosters by repeat name)",
    )
    p.add_argument("--questionnaire", "-q", required=True, help="questionnaire: .yaml, .yml, .json or .xlsx (XLSForm)")
    p.add_argument("--out", "-o", help="write the problems to this .csv or .xlsx file")
    p.add_argument(
        "--id",
        action="append",
        default=[],
        metavar="[UNIT=]COLS",
        help="id column(s) of a table, comma-separated; repeat for each table",
    )
    p.add_argument(
        "--sheet",
        action="append",
        default=[],
        metavar="[UNIT=]SHEET",
        help="Excel sheet of a table (default: the first, or 'data'); UNIT=SHEET for a repeat's "
        "sheet, repeat the option per table",
    )
    p.add_argument(
        "--tool",
        default="auto",
        choices=["auto", "kobo", "odk", "surveysolutions", "none"],
        help="the data is a field export of this tool (default auto: detected from the file; none: "
        "read it as a plain data file)",
    )
    p.add_argument(
        "--questions", action="store_true", help="print how many rows and answers of each question were checked"
    )
    p.add_argument("--encoding", help="text encoding of CSV or old SPSS/Stata files (e.g. cp1252)")
    p.add_argument("--language", help="questionnaire language for labels in the data cells")
    p.add_argument("--max-print", type=int, default=0, help="also print the first N problems (default 0: summary only)")
    p.set_defaults(func=_check)
    f = subparsers.add_parser(
        "paradata",
        help="fieldwork monitoring from a KoboToolbox, ODK Central or Survey Solutions export",
        description="Interviews per enumerator and day, median durations, don't know/refused shares per question "
        "and enumerator, and enumerators who stand out (robust z-score). Exit status: 0, or 1 when an "
        "enumerator is flagged; 2 the export cannot be read.",
    )
    f.add_argument("export", help="the export: .xlsx, .csv, .zip or a folder")
    f.add_argument("--questionnaire", "-q", required=True, help="questionnaire: .yaml, .yml, .json or .xlsx")
    f.add_argument("--tool", choices=["kobo", "odk", "surveysolutions"], help="default: detected")
    f.add_argument("--out", "-o", help="write every table to this .xlsx (one sheet each)")
    f.add_argument("--threshold", type=float, default=3.5, help="robust z-score that flags an enumerator (3.5)")
    f.set_defaults(func=_paradata)
    convert = subparsers.choices.get("convert")
    if convert is not None:  # ``surveykit convert survey.sav draft.yaml``: a draft from a data file's labels
        questionnaire_convert = convert.get_default("func")
        convert.set_defaults(func=lambda args: _convert_data(args, questionnaire_convert))


def _paradata(args: argparse.Namespace) -> int:
    from ..questionnaire import load_questionnaire
    from .collection import paradata_summary, read_collection

    q = load_questionnaire(args.questionnaire)
    units = read_collection(args.export, q, tool=args.tool)
    s = paradata_summary(units, threshold=args.threshold)
    e = s["enumerators"]
    print(f"{len(units.main):,} interviews by {len(e):,} enumerators over {s['per_day']['day'].nunique():,} days")
    print(e.round(3).to_string(index=False))
    flagged = s["outliers"]
    if len(flagged):
        print("flagged (robust z beyond " + f"{args.threshold:g}):")
        print(flagged.round(3).to_string(index=False))
    if args.out:
        out = Path(args.out)
        if out.suffix.lower() != ".xlsx":
            raise MicrodataError(f"--out {out}: write the paradata tables to an .xlsx file.", file=str(out))
        import pandas as pd

        with pd.ExcelWriter(out) as xw:
            for name, table in s.items():
                table.to_excel(xw, sheet_name=name, index=False)
        print(f"paradata written to {out}")
    return 1 if len(flagged) else 0


_DATA_SUFFIXES = (".sav", ".zsav", ".por", ".dta", ".csv", ".tsv", ".parquet")


def _convert_data(args: argparse.Namespace, fallback: Any) -> int:
    """A labelled data file in: draft its questionnaire (questionnaire_from_metadata), then write it."""
    if not str(args.input).lower().endswith(_DATA_SUFFIXES):
        return fallback(args)
    import tempfile

    from .draft import questionnaire_from_metadata

    q = questionnaire_from_metadata(args.input)
    with tempfile.TemporaryDirectory() as d:
        spec = Path(d) / f"{q.id}.yaml"
        q.to_yaml(spec)
        return fallback(argparse.Namespace(**{**vars(args), "input": str(spec)}))


def _parse_tables(items: list[str], main: str) -> dict[str, str]:
    tables: dict[str, str] = {}
    for item in items:
        unit, sep, path = item.partition("=")
        if not sep or Path(item).exists():
            unit, path = main, item
        if unit in tables:
            raise MicrodataError(
                f"two data files for table {unit!r} ({tables[unit]} and {path}); give each table once, as UNIT=FILE."
            )
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


def _parse_sheets(items: list[str], units: list[str], main: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in items:
        unit, sep, sheet = item.partition("=")
        if not sep:
            unit, sheet = (units[0] if len(units) == 1 else main), item
        if unit in out:
            raise MicrodataError(f"--sheet given twice for table {unit!r}; give each table's sheet once.")
        out[unit] = sheet
    return out


def _check(args: argparse.Namespace) -> int:
    from ..questionnaire import load_questionnaire
    from .check import check_microdata
    from .collection import detect_tool, read_collection
    from .read import read_microdata

    if args.out:
        out = Path(args.out)
        if out.suffix.lower() not in (".csv", ".xlsx"):
            raise MicrodataError(f"--out {out}: write the problems to a .csv or .xlsx file.", file=str(out))
        if not out.parent.exists():  # before the (long) check: the documented exit 2, not a traceback
            raise MicrodataError(
                f"--out {out}: the folder {out.parent} does not exist. Create it first.", file=str(out)
            )
    q = load_questionnaire(args.questionnaire)
    main = getattr(q, "unit", None) or "main"
    paths = _parse_tables(args.data, main)
    sheets = _parse_sheets(args.sheet, list(paths), main)
    tool = None
    if args.tool != "none" and len(paths) == 1:
        only = next(iter(paths.values()))
        tool = detect_tool(only) if args.tool == "auto" else args.tool
    unmapped: dict[str, list[str]] = {}
    if tool is not None:
        units = read_collection(
            next(iter(paths.values())), q, tool=tool, sheets=sheets, language=args.language or "auto"
        )
        report = units.check()
        unmapped = {u: cols for u, cols in units.unmapped.items() if cols}
        tables = dict(units)
        print(
            f"read a {tool} export: "
            + ", ".join(f"{u} ({len(df):,} rows)" for u, df in units.items())
            + f"; {len(units.problems):,} reading problem{'s' if len(units.problems) != 1 else ''}"
        )
        for kind, n in units.problems["kind"].value_counts().sort_index().items():
            print(f"  {kind}: {n:,}")
    else:
        tables = {}
        for unit, path in paths.items():
            if len(paths) > 1 and unit not in sheets and args.sheet and path.lower().endswith((".xlsx", ".xlsm")):
                raise MicrodataError(
                    f"--sheet names no sheet for table {unit!r} ({path}); give UNIT=SHEET for "
                    "each table read from a workbook."
                )
            tables[unit] = read_microdata(
                path,
                user_missing="keep",
                questionnaire=q,
                language=args.language,
                sheet=sheets.get(unit),
                encoding=args.encoding,
            )
        ids = _parse_ids(args.id, list(tables), main)
        report = check_microdata(
            tables if len(tables) > 1 else next(iter(tables.values())),
            q,
            ids=ids,
            unit=next(iter(tables)) if len(tables) == 1 else None,
        )
    s = report.attrs["summary"]
    counted = ", ".join(f"{n:,} rows in {u!r}" for u, n in s["rows"].items())
    plural = "" if s["problems"] == 1 else "s"
    print(
        f"checked {counted} against questionnaire {q.id!r}: {s['problems']:,} problem{plural} in "
        f"{s['rows_with_problems']:,} row{'' if s['rows_with_problems'] == 1 else 's'}"
    )
    for rule, n in s["by_rule"].items():
        print(f"  {rule}: {n:,}")
    for item in s["not_checked"]:
        print(f"  not checked: {item['variable'] or item['unit']} ({item['rule']}): {item['why']}")
    checked = [x for x in s["questions"] if x["status"] == "checked"]
    print(
        f"questions: {len(checked):,} of {len(s['questions']):,} checked "
        f"({sum(x['answered'] for x in checked):,} answers)"
    )
    if args.questions:
        import pandas as pd

        print(pd.DataFrame(s["questions"]).to_string(index=False))
    if s["no_column"]:
        print(
            f"not checked: {len(s['no_column'])} question(s) have no column in the data: "
            f"{', '.join(s['no_column'][:20])}{' ...' if len(s['no_column']) > 20 else ''}"
        )
    for unit, cols in unmapped.items():
        print(
            f"unmapped: {len(cols)} column(s) of {unit!r} are no question of {q.id!r} nor collection metadata: "
            f"{', '.join(cols[:20])}{' ...' if len(cols) > 20 else ''}"
        )
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
            from ..fileio import atomic_write

            atomic_write(out, lambda tmp: report.to_csv(tmp, index=False), MicrodataError)
        print(f"problems written to {out}")
    sys.stdout.flush()
    return 1 if (s["problems"] or s["no_column"] or unmapped) else 0
