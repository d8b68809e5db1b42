"""The expression language of relevance, constraints, calculations and choice filters.

It is the XLSForm (XPath 1.0 + ODK) subset survey designers write: ``${q}`` references, ``.`` (the
current answer), number and text literals, ``= != < <= > >=``, ``and``/``or``/``not()``,
``+ - * div mod``, and function calls such as ``selected()``, ``count-selected()``, ``if()`` and
``coalesce()``. A lark LALR grammar (``expression.lark``) parses the text into an immutable AST whose
nodes carry their character span in the source; :func:`to_source` prints an AST back as canonical text.
Nothing is ever passed to ``eval``: evaluation walks the AST (:mod:`surveykit.questionnaire.evaluate`).

Inputs are bounded: at most :data:`MAX_LENGTH` characters and :data:`MAX_DEPTH` levels of nesting, so a
hostile expression gives an :class:`~surveykit.ExpressionSyntaxError`, never a ``RecursionError``.

>>> e = parse_expression("${edad} >= 18 and selected(${p5}, '2')")
>>> e.references()
['edad', 'p5']
>>> to_source(e.ast)
"${edad} >= 18 and selected(${p5}, '2')"
>>> parse_expression(". > (0")
Traceback (most recent call last):
...
surveykit.errors.ExpressionSyntaxError: expression '. > (0': the '(' at character 5 is never closed; add ')'
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic_core import core_schema

from ..errors import ExpressionSyntaxError
from .services import service
from .parser import (
    MAX_DEPTH,
    MAX_LENGTH,
    MAX_NUMBER_DIGITS,  # noqa: F401  (re-exported: it was defined here)
    _NotText,
    _parse_cached,
)
from .syntax import (  # noqa: F401  (re-exported: they were defined here)
    PRECEDENCE,
    Binary,
    Call,
    Current,
    Name,
    Negate,
    Node,
    Number,
    Parent,
    Ref,
    String,
    _format_number,
    to_source,
)

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from .questionnaire import Questionnaire

__all__ = [
    "MAX_LENGTH",
    "MAX_DEPTH",
    "Node",
    "Number",
    "String",
    "Ref",
    "Current",
    "Parent",
    "Name",
    "Negate",
    "Binary",
    "Call",
    "Expr",
    "parse_expression",
    "to_source",
]


class Expr:
    """An expression of a questionnaire: its source text, parsed on first use.

    An ``Expr`` keeps the text exactly as written (that is what it compares and serialises by), so a
    spec with a syntax error still loads and :meth:`surveykit.Questionnaire.lint` can report it with
    the others. Use :func:`parse_expression` to parse at once.

    Parameters
    ----------
    src
        The expression text, e.g. ``"${edad} >= 18"``.

    Examples
    --------
    >>> import pandas as pd
    >>> e = Expr("${edad} >= 18")
    >>> e.references()
    ['edad']
    >>> e.evaluate(pd.DataFrame({"edad": [17, 30, None]})).tolist()
    [False, True, <NA>]
    >>> Expr("${a} >").error is not None
    True
    """

    __slots__ = ("src",)
    _JSON_DESCRIPTION: ClassVar[str] = (
        "An XLSForm-style expression: ${name} references, '.', literals, = != < <= > >=, and/or/not(), "
        "+ - * div mod, selected(), count-selected(), if(), coalesce(), ..."
    )

    def __init__(self, src: str) -> None:
        if isinstance(src, Expr):
            src = src.src
        if not isinstance(src, str):
            raise _NotText(
                f"an expression is text (e.g. '${{edad}} >= 18'), got {type(src).__name__} {src!r:.60}",
                expression=None,
                offset=0,
            )
        self.src = src

    # -- parsing ---------------------------------------------------------------------------
    @property
    def ast(self) -> Node:
        """The syntax tree; raises :class:`~surveykit.ExpressionSyntaxError` if the text does not parse."""
        return _parse_cached(self.src)

    @property
    def error(self) -> ExpressionSyntaxError | None:
        """The syntax error of the text, or ``None`` when it parses."""
        try:
            _parse_cached(self.src)
        except ExpressionSyntaxError as exc:
            return exc
        return None

    def references(self) -> list[str]:
        """Names of the questions the expression refers to with ``${name}``, in order, each once.

        >>> Expr("if(${a} > 0, ${b}, ${a})").references()
        ['a', 'b']
        """
        seen: dict[str, None] = {}
        for node in self.ast.walk():
            if isinstance(node, Ref):
                seen.setdefault(node.name)
        return list(seen)

    def canonical(self) -> str:
        """The expression printed canonically (see :func:`to_source`).

        >>> Expr("(${a})=1").canonical()
        '${a} = 1'
        """
        return to_source(self.ast)

    def evaluate(
        self, df: pd.DataFrame, current: str | pd.Series | None = None, *, questionnaire: Questionnaire | None = None
    ) -> pd.Series:
        """Evaluate over every row of ``df`` at once; see :func:`surveykit.questionnaire.evaluate.evaluate`.

        >>> import pandas as pd
        >>> Expr(". <= ${b}").evaluate(pd.DataFrame({"a": [1, 5], "b": [2, 2]}), current="a").tolist()
        [True, False]
        """
        return service("evaluate")(self, df, current=current, questionnaire=questionnaire)

    # -- value semantics ---------------------------------------------------------------------
    def __str__(self) -> str:
        return self.src

    def __repr__(self) -> str:
        return f"Expr({self.src!r})"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Expr):
            return self.src == other.src
        return NotImplemented

    def __hash__(self) -> int:
        return hash(("Expr", self.src))

    # -- pydantic integration ----------------------------------------------------------------
    @classmethod
    def _validate(cls, value: Any) -> Expr:
        if isinstance(value, Expr):
            return value
        if isinstance(value, str):
            return cls(value)
        if isinstance(value, bool):
            raise ValueError("an expression must be text, not true/false")
        if isinstance(value, (int, float)):
            return cls(str(value))  # e.g. a repeat count of 3 typed as a number
        raise ValueError(f"an expression must be text, got {type(value).__name__}")

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        return core_schema.no_info_plain_validator_function(
            cls._validate,
            serialization=core_schema.plain_serializer_function_ser_schema(
                lambda e: e.src, return_schema=core_schema.str_schema()
            ),
        )

    @classmethod
    def __get_pydantic_json_schema__(cls, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler) -> dict:
        return {"type": "string", "minLength": 1, "maxLength": MAX_LENGTH, "description": cls._JSON_DESCRIPTION}


def parse_expression(text: str) -> Expr:
    """Parse ``text`` now and return it as an :class:`Expr`.

    Raises :class:`~surveykit.ExpressionSyntaxError` (a :class:`~surveykit.ExpressionError`) naming the
    expression and the character where it fails.

    >>> import surveykit as sk
    >>> sk.parse_expression("count-selected(${p7}) >= 2").references()
    ['p7']
    >>> sk.parse_expression("${a} = = 1")
    Traceback (most recent call last):
    ...
    surveykit.errors.ExpressionSyntaxError: expression '${a} = = 1': expected a value at character 8 but found '='; an operand is missing
    """
    expr = Expr(text)
    expr.ast  # noqa: B018  (parse now: raise on bad syntax)
    return expr
