"""Answers within the rules: don't know / refused codes at the missing rate, and draws again where a
constraint is false."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..errors import ExpressionError, SimulationError, format_rows
from .overrides import Override, _key, categorical
from .units import _truth, _Unit

_FILLER_KINDS = {"not_applicable", "skipped"}
_MAX_REDRAWS = 100
_RANDOM_ROUNDS = 20      # then choose among the answers the constraint accepts
_MAX_CANDIDATES = 1000   # integer ranges up to this size are searched that way


class _Constraints:
    def _missing_codes(self, info: Any) -> list[Any]:
        model = info.model
        out = []
        for m in info.missing:
            if m.kind in _FILLER_KINDS:
                continue
            code = _key(m.code)
            if isinstance(code, (int, float)) and model.type in ("integer", "decimal") and \
                    (model.min is None or code >= model.min) and (model.max is None or code <= model.max):
                self.notes.append(f"{model.name}: missing code {code} is inside the valid range "
                                  f"[{model.min}, {model.max}], so it is not used as don't know/refused")
                continue
            out.append(code)
        return out

    def _apply_missing(self, unit: _Unit, info: Any, ov: Override | None, rel: np.ndarray) -> np.ndarray:
        """Rows (among the relevant) answered with a missing code; the code chosen for each."""
        codes = self._missing_codes(info)
        rate = ov.get("missing_rate", self.missing_rate) if ov is not None else self.missing_rate
        if info.model.name == self.eligible or info.model.name in self.count_drivers:
            rate = 0.0  # a don't-know code (98) would become 98 eligible persons or 98 repeat instances
        if not codes or rate <= 0:
            return np.zeros(unit.n, dtype=bool), np.array([], dtype=object)
        rng = self.rng(info.model.name, 4)
        dk = rel & (rng.random(unit.n) < rate)
        chosen = np.asarray(codes, dtype=object)[rng.integers(0, len(codes), unit.n)]
        return dk, chosen

    def _constraint_loop(self, unit: _Unit, info: Any, values: np.ndarray, check_rows: np.ndarray,
                         redraw: Any, as_current: Any, candidates: Any = None) -> np.ndarray:
        """Draw again where the constraint is false. With ``candidates`` (a function of the failing rows
        giving the possible answers and their weights), rows still failing after a few rounds choose
        among the answers the constraint accepts for them (one evaluation per candidate answer).

        A constraint that cannot tell (missing, e.g. it reads a question that was skipped) passes, as
        in check_microdata; answers that make it true are preferred while drawing again."""
        model = info.model
        if model.constraint is None:
            return values
        where = f"constraint of {model.name!r} ({model.constraint.src})"
        rng = self.rng(model.name, 5)
        rounds = _RANDOM_ROUNDS if candidates is not None else _MAX_REDRAWS
        for _round in range(rounds + 1):
            current = as_current(values)
            ok = self.evaluate(unit, model.constraint, where, current=current).to_numpy(dtype=object, na_value=None)
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
            frame = self.context(unit, self._refs([model.constraint]), where).iloc[idx]
            true_ = np.zeros((len(idx), len(cand)), dtype=bool)
            maybe = np.zeros((len(idx), len(cand)), dtype=bool)
            for j, v in enumerate(cand):  # one evaluation per possible answer, over the failing rows at once
                cur = pd.Series(np.full(len(idx), v, dtype=values.dtype), index=frame.index, name=model.name)
                try:
                    r = model.constraint.evaluate(frame, current=cur, questionnaire=self.q)
                except ExpressionError as exc:
                    raise SimulationError(f"{where}: {exc}", expression=model.constraint.src) from None
                true_[:, j] = _truth(r)
                maybe[:, j] = _truth_na(r)
            w_true = weights * true_
            w = np.where((w_true.sum(axis=1) > 0)[:, None], w_true, weights * maybe)
            solvable = w.sum(axis=1) > 0
            if solvable.all():
                values = values.copy()
                values[idx] = np.asarray(cand, dtype=values.dtype)[categorical(rng.random(len(idx)), w)]
                return values
            idx = idx[~solvable]
            raise SimulationError(f"{where} is false for every possible answer in {len(idx)} row(s) (rows "
                                  f"{format_rows(idx.tolist(), 5)} of {unit.name!r}); check the constraint against the "
                                  "questions it refers to.", question=model.name)
        raise SimulationError(
            f"{where} is still false in {len(idx)} row(s) after {_MAX_REDRAWS} draws (rows "
            f"{format_rows(idx.tolist(), 5)} of {unit.name!r}); set overrides[{model.name!r}] so that "
            "valid answers are likely, or check the constraint.",
            question=model.name,
        )


def _truth_na(s: pd.Series) -> np.ndarray:
    """A constraint's result as a mask; missing (cannot tell) passes, as check_microdata reads it."""
    if pd.api.types.is_bool_dtype(s.dtype):
        return s.to_numpy(dtype=bool, na_value=True)
    num = pd.to_numeric(s, errors="coerce")
    return (num.isna() | (num != 0)).to_numpy()
