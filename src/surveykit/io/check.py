"""Checking microdata against its questionnaire: every row that breaks it, located, nothing changed.

Each rule is one vectorised pass over a column (or over the relevance/constraint expression,
evaluated by :mod:`surveykit.questionnaire.evaluate` on whole columns); problems are gathered as index arrays
and turned into one tidy DataFrame at the end.

Rules (the ``rule`` column; their codes, severities and English/Spanish messages are the catalogue
:data:`surveykit.io.CHECK_RULES`, in :mod:`surveykit.io.check_rules`):

``type``         a value of the wrong type: text in a numeric question, a decimal in an integer
                 question, a date that is not a date
``choice``       a code that is neither in the question's choice list nor one of its missing codes
                 (select_multiple: a code in the text column, or a 0/1 column holding something else)
``range``        a number below ``min`` or above ``max`` (missing codes excepted)
``constraint``   the question's constraint is false for the answer (missing codes excepted)
``relevance``    an answer where the question is not relevant (skip logic: it should not have been
                 asked); "not applicable"/"skipped" missing codes are the right filler and pass
``required``     no answer where the question is relevant and required (a missing code is an answer)
``duplicate_id`` two or more rows with the same id
``parent``       a roster row whose parent row (household, person...) does not exist
``count``        a parent whose number of roster rows differs from the repeat's count
``not_checked``  a rule that could not be checked (a column or table is absent, an expression cannot be
                 evaluated on this data); ``row`` is empty

The module is the driver; the rule passes are in :mod:`._check_passes`, the run's state and its
report in :mod:`._check_context`, the vectorised cell tests in :mod:`._check_cells`.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..errors import MicrodataError, SurveykitWarning
from ..metadata import get_metadata
from ._check_context import PROBLEM_COLUMNS, RULES, _Context
from ._check_passes import check_ids, check_parent, check_question
from ..rules import language_key
from ._progress import Progress, progress_wanted

if TYPE_CHECKING:
    from ..questionnaire import Questionnaire

__all__ = ["check_microdata", "PROBLEM_COLUMNS", "RULES"]


IdColumns = str | Sequence[str] | Mapping[str, str | Sequence[str]]


def check_microdata(
    data: pd.DataFrame | Mapping[str, pd.DataFrame],
    questionnaire: Questionnaire,
    *,
    ids: IdColumns | None = None,
    unit: str | None = None,
    progress: bool | None = None,
    language: str = "en",
    id: IdColumns | None = None,
) -> pd.DataFrame:
    """Every value and row of ``data`` that breaks ``questionnaire``; the data is not changed.

    Parameters
    ----------
    data : DataFrame or dict of DataFrames
        One table, or one table per unit: the main unit under ``questionnaire.unit`` (or ``"main"``)
        and each roster under its repeat's name (``{"hogar": hogares, "personas": personas}``).
        select_multiple answers may be 0/1 columns ``{question}_{code}`` or one text column of
        space-separated codes. Check data read with ``user_missing="keep"``: a missing code that was
        turned into NaN on reading looks unanswered (a warning says so).
    questionnaire : Questionnaire
        The spec (``sk.load_questionnaire(...)``).
    ids : str, list of str, or dict, optional
        Column(s) identifying a row; a dict gives them per unit (``{"hogar": "id_hogar", "personas":
        ["id_hogar", "linea"]}``). A roster's parent is found through the parent's id columns, which
        the roster table must also have. Without ids, rows are reported by their index label only and
        duplicates and parents are not checked.
    unit : str, optional
        When ``data`` is a single table of a roster, the repeat it holds.
    progress : bool, optional
        Questions checked so far on stderr; default: when stderr is a terminal or in a notebook.
    language : str, default "en"
        Language of the ``message`` column: ``"en"`` or ``"es"`` (``"es-SV"`` counts as ``"es"``;
        other languages get English). A question's own constraint message is taken in this language
        when the questionnaire has it, else in its main language.
    id : str, list of str, or dict, optional
        Deprecated: the old name of ``ids`` (it shadows Python's ``id``); still accepted for one
        release, with a ``DeprecationWarning``.

    Returns
    -------
    DataFrame
        One row per problem, columns ``unit, row, id, variable, rule, code, severity, value, message``:
        ``row`` is the row's index label in its table, ``id`` its id (``"101/2"`` for two id columns),
        ``rule`` the rule's name and ``code``/``severity`` its code (``"MD203"``) and severity
        (``"error"``, ``"warning"``) in :data:`surveykit.io.CHECK_RULES`, ``value`` the offending value
        as it is in the data, ``message`` what is wrong, in ``language``. Sorted by unit, row and
        question order.
        ``attrs["summary"]`` holds ``rows`` (rows checked per unit), ``problems`` (count),
        ``rows_with_problems``, ``by_rule`` and ``by_variable`` (counts), ``not_checked`` (what could
        not be checked: ``unit``, ``variable``, ``rule``, ``reason`` -- a variant of the catalogue's
        ``not_checked`` rule -- and ``why``, its text), ``columns_not_in_questionnaire``, ``questions``
        (per question: unit, rows checked, answers, problems and status ``checked``/``no column``/``no table``) and
        ``no_column`` (questions whose table was given without any of their columns).

    Examples
    --------
    >>> import pandas as pd, surveykit as sk
    >>> q = sk.Questionnaire(id="v", languages=["es"],
    ...     choice_lists={"sino": sk.ChoiceList(choices=[sk.Choice(code=1, label={"es": "Sí"}),
    ...                                                   sk.Choice(code=2, label={"es": "No"})],
    ...                    missing=[sk.MissingCode(kind="dont_know", code=98, label={"es": "No sabe"})])},
    ...     items=[sk.IntegerQuestion(name="edad", min=0, max=110, required=True),
    ...            sk.SelectOneQuestion(name="victima", choices="sino", relevant="${edad} >= 18"),
    ...            sk.SelectOneQuestion(name="denuncia", choices="sino", relevant="${victima} = 1",
    ...                                 required=True)])
    >>> df = pd.DataFrame({"folio": [1, 2, 3, 3], "edad": [30, 12, 130, 45],
    ...                    "victima": [1, 2, 98, 3], "denuncia": [None, None, None, 1]})
    >>> report = sk.check_microdata(df, q, ids="folio")
    >>> print(report[["id", "variable", "rule", "value"]].to_string(index=False))
    id variable         rule value
     1 denuncia     required  <NA>
     2  victima    relevance     2
     3    folio duplicate_id     3
     3     edad        range   130
     3    folio duplicate_id     3
     3  victima       choice     3
     3 denuncia    relevance   1.0
    >>> report.attrs["summary"]["by_rule"]
    {'choice': 1, 'duplicate_id': 2, 'range': 1, 'relevance': 2, 'required': 1}
    >>> print(report[["rule", "code", "severity"]].drop_duplicates().to_string(index=False))
            rule  code severity
        required MD302    error
       relevance MD301  warning
    duplicate_id MD101    error
           range MD203    error
          choice MD202    error
    >>> sk.check_microdata(df, q, ids="folio", language="es")["message"].iloc[3]
    "'edad' debe estar entre 0 y 110"
    """
    if id is not None:
        if ids is not None:
            raise MicrodataError("check_microdata got both ids= and its old name id=; give only ids=.")
        warnings.warn(
            "check_microdata(id=...) is deprecated and will be removed in the next release; "
            "use ids=... (the same value).",
            DeprecationWarning,
            stacklevel=2,
        )
        ids = id
    if not isinstance(language, str):
        raise MicrodataError(f"language= must be a language tag such as 'en' or 'es'; got {language!r:.60}.")
    tables, main = _tables(data, questionnaire, unit)
    id_columns = _id_columns(ids, tables, main)
    _warn_converted(tables)
    ctx = _Context(questionnaire, tables, id_columns, main, language=language_key(language))
    ctx.prepare()
    for name, df in tables.items():
        ctx.rows[name] = len(df)
        check_ids(ctx, name, df)
    for name in tables:
        check_parent(ctx, name)
    questions = questionnaire.questions()
    bar = Progress("check_microdata", len(questions), unit="questions") if progress_wanted(progress) else None
    for info in questions:
        check_question(ctx, info)
        if bar is not None:
            bar.update(1)
    if bar is not None:
        bar.close()
    ctx.unknown_columns()
    return ctx.report()


# ============================================================================================
# tables, ids
# ============================================================================================
def _tables(data: Any, q: Questionnaire, unit: str | None) -> tuple[dict[str, pd.DataFrame], str]:
    if not callable(getattr(q, "repeats", None)) or not callable(getattr(q, "questions", None)):
        hint = " Load it first: sk.load_questionnaire(path)." if isinstance(q, (str, os.PathLike)) else ""
        raise MicrodataError(
            f"check_microdata needs a Questionnaire as its second argument; got {type(q).__name__} {q!r:.80}.{hint}"
        )
    main = getattr(q, "unit", None) or "main"
    repeats = {r.name for r in q.repeats()}
    if isinstance(data, pd.DataFrame):
        name = unit or main
        if unit is not None and unit not in repeats and unit != main:
            raise MicrodataError(
                f"unit={unit!r} is not a repeat of questionnaire {q.id!r}; its units are {[main, *sorted(repeats)]}."
            )
        data = {name: data}
    if not isinstance(data, Mapping):
        raise MicrodataError(f"check_microdata needs a DataFrame or a dict of DataFrames; got {type(data).__name__}.")
    tables = {}
    for name, df in data.items():
        if name not in repeats and name != main:
            raise MicrodataError(
                f"table {name!r} is not a unit of questionnaire {q.id!r}: name the main table "
                f"{main!r} and each roster after its repeat ({sorted(repeats)})."
            )
        if not isinstance(df, pd.DataFrame):
            raise MicrodataError(f"table {name!r} must be a DataFrame; got {type(df).__name__}.")
        tables[name] = df
    for name, df in tables.items():
        dups = sorted({str(c) for c in df.columns[df.columns.duplicated()]})
        if dups:
            raise MicrodataError(
                f"table {name!r} has the column name(s) {dups} more than once, so its answers "
                "cannot be told apart; rename the duplicates.",
                column=dups[0],
            )
    return tables, main


def _id_columns(ids: Any, tables: dict[str, pd.DataFrame], main: str) -> dict[str, list[str]]:
    if ids is None:
        return {}
    if isinstance(ids, str) or (isinstance(ids, Sequence) and not isinstance(ids, Mapping)):
        spec = {name: ids for name in tables} if len(tables) == 1 else {main: ids}
    elif isinstance(ids, Mapping):
        spec = dict(ids)
    else:
        raise MicrodataError(f"ids must be a column name, a list of them or a dict by unit; got {ids!r}.")
    out = {}
    for name, cols in spec.items():
        cols = [cols] if isinstance(cols, str) else list(cols)
        if name not in tables:
            continue
        absent = [c for c in cols if c not in tables[name].columns]
        if absent:
            raise MicrodataError(
                f"id column(s) {absent} are not in table {name!r}; its columns start {list(tables[name].columns[:8])}.",
                column=absent[0],
            )
        out[name] = cols
    return out


def _warn_converted(tables: dict[str, pd.DataFrame]) -> None:
    for name, df in tables.items():
        converted = get_metadata(df).get("converted_missing") or {}
        total = sum(converted.values())
        if total:
            warnings.warn(
                f"{total} declared missing code(s) in table {name!r} were turned into NaN when the data was read "
                f"({', '.join(f'{c}: {n}' for c, n in list(converted.items())[:5])}); they count as unanswered "
                "here. Read the data with user_missing='keep' to check them as answers.",
                SurveykitWarning,
                stacklevel=3,
            )
