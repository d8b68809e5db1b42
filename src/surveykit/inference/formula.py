"""Model formulas: R-style formulas to design matrices through formulaic.

``y ~ C(sex) + age + C(area, Treatment(reference="urban")) + sex:area`` is parsed by formulaic (a
maintained library; formulas are parsed, never ``eval``'d as Python). Every row of the design is
kept: a row with a missing value in any variable of the model gets the flag ``missing`` (R drops it
from the fit and, as a domain, from the variance), so that influence values line up with the
design's rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..errors import EstimationError

__all__ = ["ModelFrame", "model_frame", "new_matrix"]


@dataclass
class ModelFrame:
    """Response, model matrix and what is needed to rebuild the matrix on new data."""

    y: np.ndarray | None
    X: np.ndarray
    names: list[str]
    terms: dict[str, slice]
    missing: np.ndarray
    spec: Any
    response: str | None
    y_frame: pd.DataFrame | None = None


def _parse(formula: str):
    from formulaic import Formula
    from formulaic.errors import FormulaicError

    if not isinstance(formula, str) or not formula.strip():
        raise EstimationError(f"a model formula is a string such as 'y ~ x1 + C(x2)'; got {formula!r}.")
    try:
        return Formula(formula)
    except (FormulaicError, SyntaxError, ValueError) as exc:
        raise EstimationError(f"cannot read the formula {formula!r}: {exc}") from None


def model_frame(data: pd.DataFrame, formula: str, *, response: bool = True) -> ModelFrame:
    """The model matrix of ``formula`` on every row of ``data``.

    Parameters
    ----------
    data : DataFrame
    formula : str
        ``"y ~ terms"`` (R and patsy syntax: ``C(x)``, ``C(x, Treatment(reference=...))``, ``a:b``,
        ``a*b``, ``- 1``, ``np.log(x)``...).
    response : bool
        Whether the formula must have a response (left-hand side).

    Examples
    --------
    >>> import pandas as pd
    >>> mf = model_frame(pd.DataFrame({"y": [1.0, 2, None], "g": ["a", "b", "a"]}), "y ~ C(g)")
    >>> mf.names, mf.missing.tolist()
    (['Intercept', 'C(g)[T.b]'], [False, False, True])
    """
    from formulaic import model_matrix
    from formulaic.errors import FormulaicError

    f = _parse(formula)
    has_lhs = hasattr(f, "lhs")
    if response and not has_lhs:
        raise EstimationError(f"the formula {formula!r} has no response: write 'y ~ x1 + x2'.")
    try:
        mm = model_matrix(f, data, na_action="ignore")
    except (FormulaicError, KeyError, NameError, ValueError, TypeError) as exc:
        unknown = _unknown(formula, data)
        if unknown:
            raise EstimationError(
                f"the formula {formula!r} names {unknown}, which are not columns of the data.", column=unknown[0]
            ) from None
        raise EstimationError(f"cannot build the model matrix of {formula!r}: {exc}") from None
    rhs = mm.rhs if has_lhs else mm
    spec = rhs.model_spec
    variables = sorted(spec.required_variables | (mm.lhs.model_spec.required_variables if has_lhs else set()))
    used = [v for v in variables if v in data.columns]
    missing: np.ndarray = data[used].isna().to_numpy().any(axis=1) if used else np.zeros(len(data), dtype=bool)
    X = np.asarray(rhs, dtype=np.float64)  # formulaic's frame is column-major: no copy
    missing |= ~np.isfinite(X).all(axis=1)
    y = None
    y_frame = None
    name = None
    if has_lhs:
        lhs = mm.lhs
        y_frame = pd.DataFrame(lhs)
        name = str(f.lhs)
        if y_frame.shape[1] == 1:
            y = np.asarray(y_frame.iloc[:, 0].to_numpy(dtype=np.float64, na_value=np.nan), dtype=np.float64)
            missing |= ~np.isfinite(y)
    if missing.any():
        X = np.array(X, dtype=np.float64, order="F")
        X[missing] = 0.0
    if y is not None:
        y = np.where(missing, 0.0, y)
    terms = {str(t): s for t, s in spec.term_slices.items()}
    return ModelFrame(
        y=y,
        X=np.asfortranarray(X),
        names=[str(c) for c in rhs.columns],
        terms=terms,
        missing=missing,
        spec=spec,
        response=name,
        y_frame=y_frame,
    )


def new_matrix(mf: ModelFrame, newdata: pd.DataFrame) -> np.ndarray:
    """The model matrix of the fitted model's terms on new data (the fit's factor levels kept)."""
    if not isinstance(newdata, pd.DataFrame):
        raise EstimationError("newdata must be a DataFrame with the model's explanatory variables.")
    absent = [v for v in sorted(mf.spec.required_variables) if v not in newdata.columns]
    if absent:
        raise EstimationError(f"newdata lacks the model's variables {absent}.", column=absent[0])
    _check_levels(mf, newdata)
    try:
        out = mf.spec.get_model_matrix(newdata, na_action="ignore")
    except Exception as exc:  # formulaic raises several types for unseen levels
        raise EstimationError(
            f"cannot build the model matrix on newdata: {exc} (are its categories among "
            "those of the data the model was fitted on?)"
        ) from None
    return np.asarray(out.to_numpy() if hasattr(out, "to_numpy") else out, dtype=np.float64)


def _check_levels(mf: ModelFrame, newdata: pd.DataFrame) -> None:
    """Categories of newdata that the fit did not see would silently become the reference: refuse them."""
    import re

    for expr, (kind, state) in getattr(mf.spec, "encoder_state", {}).items():
        if str(getattr(kind, "value", kind)) != "categorical" or "categories" not in state:
            continue
        m = re.match(r"^\s*C\(\s*([A-Za-z_][\w.]*)", str(expr))
        var = m.group(1) if m else str(expr)
        if var not in newdata.columns:
            continue
        cats = list(state["categories"])
        known = set(cats) | {str(c) for c in cats}
        vals = newdata[var].dropna()
        bad = [v for v in pd.unique(vals) if v not in known and str(v) not in known]
        if bad:
            raise EstimationError(
                f"newdata column '{var}' has categories {bad[:10]} the model was not fitted on "
                f"(its categories: {cats}).",
                column=var,
            )


def _unknown(formula: str, data: pd.DataFrame) -> list[str]:
    import re

    words = re.findall(r"[A-Za-z_][A-Za-z0-9_.]*", formula)
    skip = {
        "C",
        "Treatment",
        "Sum",
        "Poly",
        "Helmert",
        "Diff",
        "reference",
        "np",
        "log",
        "exp",
        "sqrt",
        "I",
        "center",
        "scale",
        "bs",
        "contr",
        "levels",
        "base",
    }
    return [
        w
        for w in dict.fromkeys(words)
        if w not in data.columns and w not in skip and not formula.split(w)[0].rstrip().endswith(".")
    ]
