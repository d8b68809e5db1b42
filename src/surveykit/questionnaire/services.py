"""What the :class:`~surveykit.Questionnaire` methods that read, write, lint or evaluate delegate to.

``questionnaire.py`` and ``expression.py`` define the models; lint, the file formats and the evaluator
read and build those models, so they import them. The convenience methods (``q.lint()``,
``q.to_yaml()``, ``Questionnaire.from_xlsform()``, ``Expr.evaluate()`` ...) call the function that the
providing module registered here with :func:`provides`, so imports run one way (no cycle). The
package's ``__init__`` imports every provider, and Python runs it before any of its modules, so a
method never finds its provider missing.

>>> service("lint").__module__
'surveykit.questionnaire.lint.driver'
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["provides", "service"]

F = TypeVar("F", bound=Callable[..., Any])

_PROVIDERS: dict[str, Callable[..., Any]] = {}


def provides(name: str) -> Callable[[F], F]:
    """Register the decorated function as the provider of ``name``."""

    def register(fn: F) -> F:
        if _PROVIDERS.get(name, fn) is not fn:
            raise RuntimeError(f"two providers of questionnaire service {name!r}")
        _PROVIDERS[name] = fn
        return fn

    return register


def service(name: str) -> Callable[..., Any]:
    """The function registered for ``name``."""
    try:
        return _PROVIDERS[name]
    except KeyError:
        raise RuntimeError(
            f"no provider of questionnaire service {name!r}: surveykit.questionnaire "
            "imports them all; import the package, not a module file on its own"
        ) from None
