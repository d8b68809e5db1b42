"""Vectorised evaluation of expressions over a pandas DataFrame (one value per row).

The data checks and the synthetic data evaluate relevance, constraints and calculations on whole
tables at once: each syntax node becomes one pandas operation over all rows, never a Python loop over
rows and never ``eval``.

Semantics
---------
* ``${q}`` is the column ``q``; ``.`` is the ``current`` column. Numbers become nullable ``Float64``,
  text nullable ``string``, booleans nullable ``boolean``; dates stay ``datetime64``.
* **Missing values** (NaN, None, NA, NaT) propagate as NA with three-valued (Kleene) logic: ``NA and
  False`` is False, ``NA or True`` is True, any other operation on NA is NA. So a relevance that is NA
  means "cannot tell" (an answer it depends on is missing), not "not relevant".
* ``${q} = ''`` and ``${q} != ''`` test whether ``q`` is empty (NA or the empty text), as in ODK.
* Select answers compare as codes: ``${sexo} = '1'`` is true where the numeric column holds 1.
  Text compared with a number is read as a number; a value that is not a number raises
  :class:`~surveykit.ExpressionEvaluationError` naming the column and a row (nothing is silently coerced).
* select_multiple answers may be stored either as one text column ``q`` of space-separated codes (ODK
  CSV) or as 0/1 columns ``q_<code>`` (SPSS/Stata convention); ``selected()`` and ``count-selected()``
  work on both. With 0/1 columns, ``count-selected()`` uses the codes of the question's choice list
  when a ``questionnaire`` is given, otherwise every numeric 0/1 column named ``q_*``.
* ``div`` by zero gives ±inf (as XPath); ``mod`` keeps the sign of the dividend (XPath).
* ``concat()`` treats a missing value as empty text; ``coalesce(a, b)`` takes ``b`` where ``a`` is
  missing or empty.

>>> import pandas as pd
>>> from surveykit.questionnaire.expression import Expr
>>> df = pd.DataFrame({"edad": [15, 40, None], "p5": ["1 3", "", None]})
>>> Expr("${edad} >= 18 and selected(${p5}, '3')").evaluate(df).tolist()
[False, False, <NA>]
>>> Expr("count-selected(${p5})").evaluate(df).tolist()
[2.0, 0.0, <NA>]
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from .expression import Expr
from .functions import _Evaluator
from .services import provides

if TYPE_CHECKING:  # pragma: no cover
    from .questionnaire import Questionnaire

__all__ = ["evaluate"]


@provides("evaluate")
def evaluate(
    expr: Expr | str,
    df: pd.DataFrame,
    current: str | pd.Series | None = None,
    *,
    questionnaire: Questionnaire | None = None,
) -> pd.Series:
    """Evaluate ``expr`` on every row of ``df`` at once (see the module notes for the semantics).

    Parameters
    ----------
    expr
        An :class:`~surveykit.questionnaire.expression.Expr` or expression text.
    df
        The data: one column per question.
    current
        The column (name or Series) that ``.`` stands for, e.g. the question a constraint belongs to.
    questionnaire
        Optional :class:`surveykit.Questionnaire`, to find the 0/1 columns of select_multiple questions.

    Returns
    -------
    pandas.Series
        One value per row, aligned with ``df.index``; conditions are nullable ``boolean``.

    Raises
    ------
    ExpressionSyntaxError
        The text does not parse.
    ExpressionEvaluationError
        A column is missing or holds values of the wrong type; the message names the expression, the
        character offset and the column.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"sexo": [1, 2, 2], "p7_1": [1, 0, None], "p7_2": [1, 1, None]})
    >>> evaluate("${sexo} = '2' and count-selected(${p7}) >= 1", df).tolist()
    [False, True, <NA>]
    >>> evaluate(". < 3", df, current="sexo").tolist()
    [True, True, True]
    """
    if not isinstance(expr, Expr):
        expr = Expr(expr)
    node = expr.ast
    ev = _Evaluator(expr, df, current, questionnaire)
    try:
        result = ev.visit(node)
    except (TypeError, ValueError, OverflowError) as exc:  # a pandas operation refused the types
        raise ev.error(node, f"cannot be evaluated on this data: {exc}") from None
    out = ev.series(result)
    if len(out) != len(df.index):  # pragma: no cover  (defensive: every op is aligned)
        raise ev.error(node, "internal: result does not align with the data")
    out.name = None
    return out
