"""``surveykit lint FILE`` and ``surveykit convert IN OUT``.

``lint`` reads a YAML, JSON or XLSForm questionnaire and prints every problem with its location
(file, sheet/row/column or line, character in the expression); it exits 0 when there is none, 1 when
there are problems (``--warnings-ok``: only errors count). ``convert`` writes the questionnaire in the
format the output name says: ``.yaml``/``.yml``/``.json`` spec, ``.xlsx`` XLSForm, ``.md``/``.html``
codebook, ``.xml`` DDI-Codebook 2.5, or ``.schema.json`` (the JSON Schema of the spec format).

>>> import tempfile, pathlib
>>> from surveykit.cli import main
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> _ = (d / "q.yaml").write_text("id: q\\nlanguages: [es]\\nitems:\\n  - {type: integer, name: edad, label: Edad, min: 18, max: 5}\\n")
>>> main(["lint", str(d / "q.yaml")])  # doctest: +ELLIPSIS
/...q.yaml:4:51 (/items/0/min): SK601 error: min (18) is greater than max (5) for edad; swap them or fix one
1 error, 0 warnings
1
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from ..fileio import write_text_atomic
from ..errors import SpecFormatError, SurveykitError
from .problems import Problem, sort_problems

__all__ = ["register", "lint_file"]

_OUTPUTS = ".yaml .yml .json .xlsx .md .html .xml .schema.json"


def register(subparsers: Any) -> None:
    """Add the ``lint`` and ``convert`` subcommands."""
    p = subparsers.add_parser(
        "lint",
        help="check a questionnaire (YAML, JSON or XLSForm) and list every problem",
        description="Check a questionnaire and list every problem with its location. Exit status: 0 clean, "
        "1 problems found, 2 the file cannot be read.",
    )
    p.add_argument("file", help="questionnaire: .yaml, .yml, .json or .xlsx (XLSForm)")
    p.add_argument("--format", choices=["text", "json"], default="text", help="output format (default text)")
    p.add_argument("--warnings-ok", action="store_true", help="exit 0 when there are only warnings")
    p.add_argument(
        "--language",
        default="en",
        help="language of the messages: es (or es-SV ...) for Spanish, en for English (default en)",
    )
    p.set_defaults(func=_lint)
    c = subparsers.add_parser(
        "convert",
        help="convert a questionnaire between YAML, JSON and XLSForm, or write its codebook/DDI",
        description=f"Convert a questionnaire; the output format follows its name: {_OUTPUTS}",
    )
    c.add_argument("input", help="questionnaire: .yaml, .yml, .json or .xlsx (XLSForm)")
    c.add_argument("output", help=f"output file ({_OUTPUTS})")
    c.add_argument("--language", help="language of the codebook (default: the default language)")
    c.set_defaults(func=_convert)


def lint_file(path: str | Path, language: str | None = "en") -> list[Problem]:
    """Every problem of the questionnaire file ``path``: those of the file itself (malformed YAML, an
    XLSForm row that cannot be read) and, when it loads, those of :meth:`Questionnaire.lint`, whose
    messages are in ``language`` (``"es"``: Spanish; the reader's own problems are in English).

    Raises :class:`~surveykit.SpecFormatError` only when the file cannot be read at all.

    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "q.yaml"
    >>> _ = path.write_text("id: q\\nlanguages: [es]\\nitems: [{type: text, name: a, label: [A}\\n")
    >>> [(p.code, p.location.line) for p in lint_file(path)]
    [('SK001', 3)]
    """
    from .formats import load_questionnaire
    from .formats.xlsform import read_xlsform_lenient

    p = Path(path)
    if p.suffix.lower() in (".xlsx", ".xlsm") and p.is_file():
        q, problems = read_xlsform_lenient(p)
        if q is not None:
            problems = problems + q.lint(language)
        return sort_problems(problems)
    try:
        q = load_questionnaire(p)
    except SpecFormatError as exc:
        found = exc.context.get("problems")
        if found:
            return sort_problems(list(found))
        raise
    return q.lint(language)


def _lint(args: argparse.Namespace) -> int:
    problems = lint_file(args.file, args.language)
    errors = sum(p.severity == "error" for p in problems)
    warnings = len(problems) - errors
    if args.format == "json":
        print(
            json.dumps(
                {
                    "file": args.file,
                    "errors": errors,
                    "warnings": warnings,
                    "problems": [p.to_dict() for p in problems],
                },
                ensure_ascii=False,
                indent=2,
            )
        )
    else:
        for p in problems:
            print(p)
            caret = p.caret()
            if caret:
                print(caret)
        print(f"{errors} error{'s' if errors != 1 else ''}, {warnings} warning{'s' if warnings != 1 else ''}")
    if errors or (warnings and not args.warnings_ok):
        return 1
    return 0


def _convert(args: argparse.Namespace) -> int:
    from .formats import load_questionnaire
    from .questionnaire import Questionnaire

    out = Path(args.output)
    name = out.name.lower()
    if name.endswith(".schema.json"):
        write_text_atomic(
            out, json.dumps(Questionnaire.json_schema(), ensure_ascii=False, indent=2) + "\n", SpecFormatError
        )
        print(f"wrote {out}")
        return 0
    suffix = out.suffix.lower()
    if suffix not in (".yaml", ".yml", ".json", ".xlsx", ".md", ".html", ".htm", ".xml"):
        raise SurveykitError(f"cannot write {out}: the output name must end in one of {_OUTPUTS}")
    if not out.parent.exists():  # before loading: the documented exit 2, not a traceback after the work
        raise SpecFormatError(
            f"cannot write {out}: the folder {out.parent} does not exist. Create it first.", file=str(out)
        )
    q = load_questionnaire(args.input)
    if suffix in (".yaml", ".yml"):
        q.to_yaml(out)
    elif suffix == ".json":
        q.to_json(out)
    elif suffix == ".xlsx":
        q.to_xlsform(out)
    elif suffix == ".md":
        q.to_codebook(out, format="markdown", language=args.language)
    elif suffix in (".html", ".htm"):
        q.to_codebook(out, format="html", language=args.language)
    else:
        q.to_ddi(out)
    print(f"wrote {out}")
    return 0
