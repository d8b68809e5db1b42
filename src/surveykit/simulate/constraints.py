"""Answers within the rules: don't know / refused codes at the missing rate, and draws again where a
constraint is false."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from ..errors import ExpressionError, SimulationError, format_rows
from ..questionnaire import QuestionInfo
from .overrides import _key, categorical
from .plan import references
from .units import Rows, Unit, truth

_FILLER_KINDS = {"not_applicable", "skipped"}
_MAX_REDRAWS = 100
_RANDOM_ROUNDS = 20  # then choose among the answers the constraint accepts
MAX_CANDIDATES = 1000  # integer ranges up to this size are searched that way
#: ``redraw(values, rows, uniforms)``: the values with those rows drawn again from the uniforms.
Redraw = Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]
#: ``candidates(rows, values)``: the possible answers and each row's weights for them (rows x answers).
Candidates = Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]


def missing_codes(info: QuestionInfo, notes: list[str]) -> list[Any]:
    """The don't know / refused codes a question's answers may take (not-applicable kinds never; a code
    inside an integer or decimal question's valid range neither, with a note)."""
    model = info.model
    out = []
    for m in info.missing:
        if m.kind in _FILLER_KINDS:
            continue
        code = _key(m.code)
        if (
            isinstance(code, (int, float))
            and model.type in ("integer", "decimal")
            and (info.min is None or code >= info.min)
            and (info.max is None or code <= info.max)
        ):
            notes.append(
                f"{model.name}: missing code {code} is inside the valid range "
                f"[{info.min}, {info.max}], so it is not used as don't know/refused"
            )
            continue
        out.append(code)
    return out


def draw_missing(
    rows: Rows, unit: Unit, name: str, codes: list[Any], rate: float, rel: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Rows (among the relevant) answered with a missing code, at ``rate``; the code chosen for each."""
    if not codes or rate <= 0:
        return np.zeros(unit.n, dtype=bool), np.array([], dtype=object)
    rng = rows.rng(name, 4)
    dk = rel & (rng.random(unit.n) < rate)
    chosen = np.asarray(codes, dtype=object)[rng.integers(0, len(codes), unit.n)]
    return dk, chosen


def constraint_loop(
    rows: Rows,
    unit: Unit,
    info: QuestionInfo,
    values: np.ndarray,
    check_rows: np.ndarray,
    redraw: Redraw,
    as_current: Callable[[np.ndarray], pd.Series],
    candidates: Candidates | None = None,
) -> np.ndarray:
    """Draw again where the constraint is false. With ``candidates`` (a function of the failing rows
    giving the possible answers and their weights), rows still failing after a few rounds choose
    among the answers the constraint accepts for them (one evaluation per candidate answer).

    A constraint that cannot tell (missing, e.g. it reads a question that was skipped) passes, as
    in check_microdata; answers that make it true are preferred while drawing again.

    ``redraw(values, rows, uniforms)`` gives the values with those rows drawn again; ``as_current``
    turns values into the series the constraint's ``.`` reads."""
    model = info.model
    if model.constraint is None:
        return values
    where = f"constraint of {model.name!r} ({model.constraint.src})"
    rng = rows.rng(model.name, 5)
    rounds = _RANDOM_ROUNDS if candidates is not None else _MAX_REDRAWS
    for _round in range(rounds + 1):
        current = as_current(values)
        ok = rows.evaluate(unit, model.constraint, where, current=current).to_numpy(dtype=object, na_value=None)
        false = check_rows & np.asarray(ok == False, dtype=bool)  # noqa: E712
        unsure = check_rows & np.asarray([v is None for v in ok], dtype=bool)
        if not (false | unsure).any():
            return values
        if _round == rounds:
            break
        idx = np.flatnonzero(false | unsure)
        values = redraw(values, idx, rng.random(len(idx)))
    if not false.any():
        return values  # the rest cannot be told either way: they pass, as check_microdata reads them
    idx = np.flatnonzero(false | unsure) if candidates is not None else np.flatnonzero(false)
    if candidates is not None:
        cand, weights = candidates(idx, values)
        frame = rows.context(unit, references([model.constraint]), where).iloc[idx]
        true_ = np.zeros((len(idx), len(cand)), dtype=bool)
        maybe = np.zeros((len(idx), len(cand)), dtype=bool)
        for j, v in enumerate(cand):  # one evaluation per possible answer, over the failing rows at once
            cur = pd.Series(np.full(len(idx), v, dtype=values.dtype), index=frame.index, name=model.name)
            try:
                r = model.constraint.evaluate(frame, current=cur, questionnaire=rows.q)
            except ExpressionError as exc:
                raise SimulationError(f"{where}: {exc}", expression=model.constraint.src) from None
            true_[:, j] = truth(r)
            maybe[:, j] = truth_na(r)
        w_true = weights * true_
        w = np.where((w_true.sum(axis=1) > 0)[:, None], w_true, weights * maybe)
        solvable = w.sum(axis=1) > 0
        if solvable.all():
            values = values.copy()
            values[idx] = np.asarray(cand, dtype=values.dtype)[categorical(rng.random(len(idx)), w)]
            return values
        idx = idx[~solvable]
        raise SimulationError(
            f"{where} is false for every possible answer in {len(idx)} row(s) (rows "
            f"{format_rows(idx.tolist(), 5)} of {unit.name!r}); check the constraint against the "
            "questions it refers to.",
            question=model.name,
        )
    raise SimulationError(
        f"{where} is still false in {len(idx)} row(s) after {_MAX_REDRAWS} draws (rows "
        f"{format_rows(idx.tolist(), 5)} of {unit.name!r}); set overrides[{model.name!r}] so that "
        "valid answers are likely, or check the constraint.",
        question=model.name,
    )


def truth_na(s: pd.Series) -> np.ndarray:
    """A constraint's result as a mask; missing (cannot tell) passes, as check_microdata reads it."""
    if pd.api.types.is_bool_dtype(s.dtype):
        return s.to_numpy(dtype=bool, na_value=True)
    num = pd.to_numeric(s, errors="coerce")
    return (num.isna() | (num != 0)).to_numpy()
