"""The rows being drawn: the main unit and the repeat instances, their random streams, and the
evaluation of expressions over their columns."""

from __future__ import annotations

import dataclasses
import zlib
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import ndtr

from ..errors import ExpressionError, SimulationError
from ..questionnaire.expression import Expr
from .overrides import numeric_values


@dataclasses.dataclass
class _Unit:
    name: str
    n: int
    parent: _Unit | None
    parent_pos: np.ndarray | None
    psu_pos: np.ndarray
    cols: dict[str, Any] = dataclasses.field(default_factory=dict)
    questions: list[str] = dataclasses.field(default_factory=list)
    instance: np.ndarray | None = None

    def ancestors(self) -> list[tuple[_Unit, np.ndarray]]:
        """This unit and each enclosing unit with the positions mapping rows of this unit to it."""
        out = [(self, np.arange(self.n))]
        unit, pos = self, np.arange(self.n)
        while unit.parent is not None:
            pos = unit.parent_pos[pos]
            unit = unit.parent
            out.append((unit, pos))
        return out



def _digits(n: int, at_least: int) -> int:
    return max(at_least, len(str(int(n))))



class _Rows:
    # -- random numbers -------------------------------------------------------------------------
    def rng(self, name: str, stream: int = 1) -> np.random.Generator:
        """A generator of its own per question: adding a question does not change the others' answers."""
        return np.random.default_rng([self.entropy, stream, zlib.crc32(name.encode("utf-8"))])

    def uniforms(self, unit: _Unit, name: str, icc: float, width: int = 1) -> np.ndarray:
        rng = self.rng(name)
        u_psu = rng.standard_normal((self.n_psu, width))
        e = rng.standard_normal((unit.n, width))
        z = np.sqrt(icc) * u_psu[unit.psu_pos] + np.sqrt(1 - icc) * e
        out = ndtr(z)
        return out[:, 0] if width == 1 else out

    # -- evaluation context ---------------------------------------------------------------------
    def _owner(self, unit: _Unit, name: str) -> tuple[_Unit, np.ndarray] | None:
        for u, pos in unit.ancestors():
            if name in u.cols:
                return u, pos
        return None

    def _columns_of(self, name: str) -> list[str]:
        info = self.by_name.get(name)
        if info is not None and info.model.type == "select_multiple":
            return [f"{name}_{_code_text(c)}" for c in info.choice_codes()]
        return [name]

    def context(self, unit: _Unit, refs: list[str], where: str) -> pd.DataFrame:
        cols: dict[str, Any] = {}
        for r in refs:
            for c in self._columns_of(r):
                found = self._owner(unit, c)
                if found is None:
                    info = self.by_name.get(r)
                    if info is not None and info.repeat and info.repeat != unit.name:
                        raise SimulationError(
                            f"{where} refers to {r!r}, a question of repeat {info.repeat!r}, which cannot be read "
                            f"from {unit.name!r}; simulate cannot evaluate it.", question=r)
                    raise SimulationError(f"{where} refers to {r!r}, which is neither a question of {self.q.id!r} nor "
                                          "a frame column.", question=r)
                owner, pos = found
                values = owner.cols[c]
                cols[c] = values if owner is unit else values[pos]
            info = self.by_name.get(r)
            if info is not None and info.model.type == "select_multiple":
                # the text column too, so ${q} = '' and the like work as in ODK (selected() reads either)
                found = self._owner(unit, f"__text__{r}")
                if found is not None:
                    owner, pos = found
                    values = owner.cols[f"__text__{r}"]
                    cols[r] = pd.array(values if owner is unit else values[pos], dtype="string")
        return pd.DataFrame(cols, index=pd.RangeIndex(unit.n), copy=False)

    def evaluate(self, unit: _Unit, expr: Any, where: str, current: pd.Series | None = None) -> pd.Series:
        expr = expr if isinstance(expr, Expr) else Expr(str(expr))
        df = self.context(unit, self._refs([expr]), where)
        try:
            return expr.evaluate(df, current=current, questionnaire=self.q)
        except ExpressionError as exc:
            raise SimulationError(f"{where}: {exc}", expression=expr.src) from None

    def relevant(self, unit: _Unit, info: Any) -> np.ndarray:
        mask = np.ones(unit.n, dtype=bool)
        model = info.model
        for e in [*info.inherited_relevant, *([model.relevant] if model.relevant is not None else [])]:
            r = self.evaluate(unit, e, f"relevance of {model.name!r} ({e.src})")
            mask &= _truth(r)  # missing (cannot tell) counts as not relevant, as ODK does
        return mask

    # -- repeats --------------------------------------------------------------------------------
    def _make_repeat(self, name: str) -> None:
        rep = self.repeat_infos[name]
        parent = self.units[rep.parent or self.main]
        where = f"repeat {name!r}"
        spec = self.repeat_counts.get(name)
        if spec is None and rep.count is not None:
            spec = rep.count.src
        if spec is None:
            counts = 1 + np.floor(self.rng(name, 2).random(parent.n) * 3)
        elif isinstance(spec, (bool, np.bool_)):
            raise SimulationError(f"repeat_counts[{name!r}] must be a number, an expression or a distribution.")
        elif isinstance(spec, (int, np.integer)):
            counts = np.full(parent.n, float(spec))
        elif isinstance(spec, str):
            counts = _numbers(self.evaluate(parent, spec, f"count of {where} ({spec})"))
        elif isinstance(spec, Mapping):
            from .overrides import _parse_one

            info = _CountInfo(name)
            ov = _parse_one(info, spec, {}, set(), nested=True)
            counts = numeric_values(self.rng(name, 2).random(parent.n), ov, info)
        else:
            raise SimulationError(f"repeat_counts[{name!r}] must be a number, an expression or a distribution.")
        counts = np.where(np.isnan(counts), 0.0, counts)
        bad = (counts < 0) | (counts != np.round(counts))
        if bad.any():
            raise SimulationError(f"the count of {where} is negative or not a whole number in "
                                  f"{int(bad.sum())} row(s) of {parent.name!r} (e.g. {counts[bad][:3].tolist()}); fix "
                                  "the count expression or repeat_counts.", rows=list(np.flatnonzero(bad)[:10]))
        for e in self._repeat_relevance[name]:
            counts = np.where(_truth(self.evaluate(parent, e, f"relevance of {where} ({e.src})")), counts, 0)
        counts = counts.astype(np.int64)
        total = int(counts.sum())
        ppos = np.repeat(np.arange(parent.n), counts)
        starts = np.repeat(np.cumsum(counts) - counts, counts)
        child = _Unit(name, total, parent, ppos, parent.psu_pos[ppos])
        child.instance = np.arange(total) - starts + 1
        self.units[name] = child


class _CountInfo:
    """Stands in for an integer question when a repeat count is drawn from a distribution."""

    def __init__(self, repeat: str) -> None:
        self.model = dataclasses.make_dataclass("M", ["name", "type", "min", "max"])(
            f"repeat_counts[{repeat}]", "integer", 0, None)
        self.missing = []

    def choice_codes(self) -> list:
        return []


def _truth(s: pd.Series) -> np.ndarray:
    if pd.api.types.is_bool_dtype(s.dtype):
        return s.to_numpy(dtype=bool, na_value=False)
    return (pd.to_numeric(s, errors="coerce").fillna(0) != 0).to_numpy()



def _numbers(s: pd.Series) -> np.ndarray:
    if pd.api.types.is_bool_dtype(s.dtype):
        s = s.astype("Float64")
    return pd.to_numeric(s, errors="coerce").to_numpy(dtype=float, na_value=np.nan)


def _code_text(code: Any) -> str:
    from ..questionnaire.typecheck import code_key

    return code_key(code)
