"""The ``surveykit`` command line.

Each subcommand lives next to the code it drives and registers itself here through a
``register(subparsers)`` function that adds its parser and sets ``func`` (called with the parsed
arguments, returning the exit code). Errors the user can cause are printed as one located message
(never a traceback) with exit code 2; a subcommand returns 1 when it found problems in the input.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from .errors import SurveykitError

# modules that provide `register(subparsers)`; a module that does not exist yet is skipped
_SUBCOMMAND_MODULES = (
    "surveykit.questionnaire.cli",
    "surveykit.io.cli",
    "surveykit.commands.indicators",
    "surveykit.sampling.cli",
)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every available subcommand."""
    parser = argparse.ArgumentParser(
        prog="surveykit", description="Questionnaires, microdata checks, weighting and survey estimates."
    )
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in _SUBCOMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name and name.startswith(exc.name):
                continue
            raise
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the process exit code.

    >>> main(["--version"])
    surveykit 0.1.0
    0
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.version:
        from .version import __version__

        print(f"surveykit {__version__}")
        return 0
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except SurveykitError as exc:
        print(f"surveykit {args.command}: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
