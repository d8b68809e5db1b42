"""Subcommands of the ``surveykit`` command line that drive several layers (above :mod:`surveykit.report`).

Each module provides ``register(subparsers)`` (see :mod:`surveykit.cli`). Subcommands that drive one
package live in it (``surveykit.questionnaire.cli``, ``surveykit.io.cli``, ``surveykit.sampling.cli``);
``surveykit indicators`` reads microdata, builds designs, computes indicators and writes the workbook,
so it sits above them all.
"""
