"""``surveykit indicators DATA --questionnaire SPEC --design DESIGN.yaml --out report.xlsx``.

Reads the microdata (declared missing codes kept as codes: indicator definitions treat "don't know"
explicitly), builds the survey design(s) a design file describes, calibrates them if it asks,
computes every catalogue indicator of the questionnaire for the total and by each breakdown, and
writes the publication workbook (and PNG charts with ``--charts DIR``).

Repeat tables (an incident file) are given as ``REPEAT=FILE`` after the main file. Exit status: 0
every indicator computed; 1 the workbook was written but some indicators could not be computed (they
are listed on its contents sheet and on stderr); 2 a file or the design cannot be read.

The design file (YAML) is read and turned into designs by :func:`surveykit.load_design_file` and
:func:`surveykit.build_designs` (its format: :mod:`surveykit.design.files`); this module parses the
arguments and calls them, the indicators and the report.

>>> import tempfile, pathlib, surveykit as sk
>>> from surveykit.cli import main
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> q = sk.Questionnaire(id="mini", languages=["es"], items=[
...     sk.SelectOneQuestion(name="sexo", choices="sexo", label={"es": "Sexo"}),
...     sk.IntegerQuestion(name="edad", label={"es": "Edad"}, min=18, max=99)],
...     choice_lists={"sexo": sk.ChoiceList(choices=[sk.Choice(code=1, label={"es": "Hombre"}),
...                                                    sk.Choice(code=2, label={"es": "Mujer"})])})
>>> _ = q.to_yaml(d / "mini.yaml")
>>> from surveykit.simulate import el_salvador_frame
>>> sim = sk.simulate(q, seed=1, frame=el_salvador_frame(psus=60))
>>> _ = sk.write_microdata(sim.data, d / "mini.sav", questionnaire=q)
>>> _ = (d / "design.yaml").write_text("weights: fexp\\nstrata: estrato\\npsu: upm\\n")
>>> _ = (d / "cat.yaml").write_text(
...     "indicators:\\n  - {code: EDAD, family: sdg16, name: {es: Edad media}, questionnaire: mini,\\n"
...     "     estimator: mean, numerator: '${edad}', source: 'example [U]', unit_label: {es: años}}\\n")
>>> main(["indicators", str(d / "mini.sav"), "-q", str(d / "mini.yaml"), "--design", str(d / "design.yaml"),
...       "--catalog", str(d / "cat.yaml"), "--by", "sexo", "--out", str(d / "r.xlsx")])  # doctest: +ELLIPSIS
computed 1 indicator (total, sexo) from 595 rows of 'mini'
wrote .../r.xlsx
0
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, cast

import pandas as pd

from ..design import build_designs, load_design_file
from ..errors import DesignError, IndicatorError, SurveykitError

__all__ = ["register"]


def register(subparsers: Any) -> None:
    """Add the ``indicators`` subcommand."""
    from ..estimation.quality import QUALITY_RULES

    p = subparsers.add_parser(
        "indicators",
        help="compute the catalogue's indicators and write the publication workbook",
        description="Compute every catalogue indicator of a questionnaire from microdata and a design file, for "
        "the total and by each breakdown, and write the Excel workbook a statistics office publishes "
        "(and PNG charts). Exit status: 0 all computed, 1 some indicators could not be computed, "
        "2 a file cannot be read.",
    )
    p.add_argument(
        "data",
        nargs="+",
        metavar="DATA",
        help="the main data file (.sav .dta .csv .xlsx ...); repeat tables as REPEAT=FILE",
    )
    p.add_argument("--questionnaire", "-q", required=True, help="questionnaire spec (.yaml .json .xlsx)")
    p.add_argument("--design", "-d", required=True, help="design file (YAML): weights, strata, psu, calibration")
    p.add_argument("--out", "-o", required=True, help="the workbook to write (.xlsx)")
    p.add_argument("--charts", metavar="DIR", help="also write a PNG chart per indicator to DIR")
    p.add_argument("--rule", default="inegi", choices=QUALITY_RULES, help="quality flag rules (default inegi)")
    p.add_argument(
        "--by",
        nargs="*",
        default=None,
        metavar="VAR",
        help="breakdown variables (default: the design file's breakdowns)",
    )
    p.add_argument("--language", default=None, help="language of names and labels (default: the questionnaire's)")
    p.add_argument("--codes", nargs="*", default=None, metavar="CODE", help="only these indicators")
    p.add_argument(
        "--catalog",
        action="append",
        default=None,
        metavar="FILE",
        help="indicator definitions (YAML) instead of the shipped catalogue; repeat for several",
    )
    p.add_argument(
        "--ci",
        default="t",
        choices=("t", "normal", "logit", "korn-graubard", "wilson"),
        help="confidence interval of proportions (default t)",
    )
    p.add_argument(
        "--compare",
        default=None,
        choices=("total", "reference"),
        help="test each category against the national value (total) or the first category (reference)",
    )
    p.add_argument("--title", help="title on the contents sheet")
    p.add_argument("--subtitle", help="subtitle on the contents sheet (survey, year)")
    p.set_defaults(func=_run)


# ------------------------------------------------------------------------------------------------
# the command
# ------------------------------------------------------------------------------------------------
def _parse_tables(items: list[str]) -> tuple[str, dict[str, str]]:
    main, tables = None, {}
    for item in items:
        name, sep, path = item.partition("=")
        if sep and not Path(item).exists():
            if name in tables:
                raise DesignError(f"two data files for table {name!r}; give each table once, as REPEAT=FILE.")
            tables[name] = path
        elif main is None:
            main = item
        else:
            raise DesignError(f"two main data files ({main} and {item}); give repeat tables as REPEAT=FILE.")
    if main is None:
        raise DesignError("no main data file was given (only REPEAT=FILE tables).")
    return main, tables


def _run(args: argparse.Namespace) -> int:
    import warnings

    from ..errors import SurveykitWarning

    # surveykit's warnings (illustrative control totals, lonely PSUs) become one plain line each on stderr
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", SurveykitWarning)
        try:
            return _indicators(args)
        finally:
            seen = set()
            for w in caught:
                text = str(w.message)
                if not issubclass(w.category, SurveykitWarning):
                    warnings.showwarning(w.message, w.category, w.filename, w.lineno)
                elif text not in seen:
                    seen.add(text)
                    print(f"surveykit indicators: warning: {text}", file=sys.stderr)


def _indicators(args: argparse.Namespace) -> int:
    from ..io import read_microdata
    from ..report import write_charts, write_workbook
    from ..questionnaire import load_questionnaire
    from ..indicators import compute_breakdowns, load_catalog

    q = load_questionnaire(args.questionnaire)
    lang = args.language or q.main_language
    spec = load_design_file(args.design)
    main_path, table_paths = _parse_tables(args.data)
    repeats = {r.name for r in q.repeats()}
    unknown = [t for t in table_paths if t not in repeats]
    if unknown:
        raise DesignError(
            f"table {unknown[0]!r} is not a repeat of questionnaire {q.id!r} "
            f"({', '.join(sorted(repeats)) or 'it has none'})."
        )
    # without chunksize= read_microdata returns a DataFrame
    data = cast(pd.DataFrame, read_microdata(main_path, user_missing="keep", questionnaire=q))
    tables = {
        t: cast(pd.DataFrame, read_microdata(p, user_missing="keep", questionnaire=q)) for t, p in table_paths.items()
    }
    no_table: dict[str, str] = {}
    designs = build_designs(spec, data, tables, no_table)
    catalog = load_catalog(args.catalog) if args.catalog else load_catalog()
    mine = {c: ind for c, ind in catalog.items() if ind.questionnaire == q.id}
    if args.codes:
        absent = [c for c in args.codes if c not in mine]
        if absent:
            raise IndicatorError(
                f"indicators {absent} are not in the catalogue for questionnaire {q.id!r}.", indicator=absent[0]
            )
        mine = {c: mine[c] for c in args.codes}
    if not mine:
        raise IndicatorError(
            f"the catalogue has no indicator for questionnaire {q.id!r}; give --catalog FILE with "
            "indicators whose questionnaire is that id."
        )
    # the survey says what it publishes by (the design file's breakdowns); no country default here
    by = args.by if args.by is not None else list(spec.get("breakdowns", []))
    absent = [b for b in by if b not in data.columns]
    if absent:
        raise DesignError(f"breakdown {absent[0]!r} is not a column of {main_path}.", column=absent[0])
    not_computed: dict[str, str] = {}
    frames = []
    for code, ind in mine.items():
        if ind.unit not in designs:
            not_computed[code] = (
                f"unit '{ind.unit}': {no_table[ind.unit]}"
                if ind.unit in no_table
                else f"unit '{ind.unit}' has no design: add units.{ind.unit} to {args.design}"
            )
            continue
        usable = [b for b in by if b in designs[ind.unit].data.columns]
        try:
            frames.append(
                compute_breakdowns(
                    designs,
                    [code],
                    breakdowns=[None, *usable],
                    rule=args.rule,
                    ci=args.ci,
                    language=lang,
                    questionnaire=q,
                    indicators=mine,
                    compare=args.compare,
                )
            )
        except SurveykitError as exc:
            not_computed[code] = str(exc)
    if not frames:
        raise IndicatorError(
            "no indicator could be computed:\n  " + "\n  ".join(f"{c}: {w}" for c, w in not_computed.items())
        )
    results = pd.concat(frames, ignore_index=True)
    results.attrs.update(frames[0].attrs)
    n_ok = results["code"].nunique()
    print(
        f"computed {n_ok:,} indicator{'' if n_ok == 1 else 's'} ({', '.join(['total', *by])}) from "
        f"{len(data):,} rows of {q.id!r}"
    )
    for code, why in not_computed.items():
        print(f"  not computed: {code}: {why}", file=sys.stderr)
    path = write_workbook(
        results,
        args.out,
        language=lang,
        title=args.title,
        subtitle=args.subtitle,
        questionnaire=q,
        indicators=mine,
        not_computed=not_computed,
    )
    print(f"wrote {path}")
    if args.charts:
        paths = write_charts(results, args.charts, breakdowns=list(by), language=lang)
        print(f"wrote {len(paths)} chart{'' if len(paths) == 1 else 's'} to {args.charts}")
    return 1 if not_computed else 0
