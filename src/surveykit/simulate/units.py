"""The rows being drawn: the main unit and the repeat instances (:class:`Unit`), their random streams,
and expressions evaluated over their columns (:class:`Rows`)."""

from __future__ import annotations

import dataclasses
import zlib
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import ndtr

from ..errors import ExpressionError, SimulationError
from ..questionnaire import Expr, QuestionInfo
from .overrides import NumberBounds, numeric_values, parse_count
from .plan import Plan, references


@dataclasses.dataclass
class Unit:
    """The rows of one unit: the main unit (one per responding household) or a repeat's instances.

    ``cols`` holds every column drawn so far (select_multiple as ``{q}_{code}`` 0/1 columns plus a
    ``__text__{q}`` column of its codes); ``parent_pos`` maps each row to its parent unit's row,
    ``psu_pos`` to its PSU; ``instance`` numbers a repeat's rows within their parent (1, 2, ...).
    """

    name: str
    n: int
    parent: Unit | None
    parent_pos: np.ndarray | None
    psu_pos: np.ndarray
    cols: dict[str, Any] = dataclasses.field(default_factory=dict)
    questions: list[str] = dataclasses.field(default_factory=list)
    instance: np.ndarray | None = None

    def ancestors(self) -> list[tuple[Unit, np.ndarray]]:
        """This unit and each enclosing unit with the positions mapping rows of this unit to it."""
        out = [(self, np.arange(self.n))]
        unit: Unit = self
        pos = np.arange(self.n)
        while unit.parent is not None and unit.parent_pos is not None:
            pos = unit.parent_pos[pos]
            unit = unit.parent
            out.append((unit, pos))
        return out


def main_unit(
    name: str, frame: pd.DataFrame, sample: dict[str, np.ndarray], households_per_psu: int, stratum_vars: list[str]
) -> Unit:
    """The responding households of the sample with their design columns: ``id_hogar`` (the PSU's id
    then the household's number in it), ``estrato``, ``upm`` (the stratum then the PSU's number) and
    the frame's stratum variables."""
    main = Unit(name, len(sample["stratum_pos"]), None, None, sample["psu_pos"])
    estrato = frame["estrato"].to_numpy()[sample["stratum_pos"]]
    psu_digits = _digits(frame["psus"].max(), 3)
    hh_digits = _digits(households_per_psu, 2)
    upm_of_psu = frame["estrato"].to_numpy()[sample["psu_stratum_pos"]] * 10**psu_digits + sample["psu_number"]
    upm = upm_of_psu[sample["psu_pos"]]
    main.cols.update({"id_hogar": upm * 10**hh_digits + sample["hh_in_psu"], "estrato": estrato, "upm": upm})
    for v in stratum_vars:
        main.cols[v] = frame[v].to_numpy()[sample["stratum_pos"]]
    return main


def _digits(n: int, at_least: int) -> int:
    return max(at_least, len(str(int(n))))


class Rows:
    """Every unit of one simulation, its random streams and expressions over its columns.

    Parameters
    ----------
    plan : Plan
    entropy : int
        The simulation's seed: each question's streams derive from it and the question's name.
    n_psu : int
        Sampled PSUs (answers of a PSU share a random effect).
    """

    def __init__(self, plan: Plan, entropy: int, n_psu: int) -> None:
        self.plan = plan
        self.q = plan.questionnaire
        self.by_name = plan.by_name
        self.entropy = entropy
        self.n_psu = n_psu
        self.units: dict[str, Unit] = {}

    # -- random numbers -------------------------------------------------------------------------
    def rng(self, name: str, stream: int = 1) -> np.random.Generator:
        """A generator of its own per question: adding a question does not change the others' answers."""
        return np.random.default_rng([self.entropy, stream, zlib.crc32(name.encode("utf-8"))])

    def uniforms(self, unit: Unit, name: str, icc: float, width: int = 1) -> np.ndarray:
        """Uniforms whose latent normals share a PSU effect of intra-cluster correlation ``icc``."""
        rng = self.rng(name)
        u_psu = rng.standard_normal((self.n_psu, width))
        e = rng.standard_normal((unit.n, width))
        z = np.sqrt(icc) * u_psu[unit.psu_pos] + np.sqrt(1 - icc) * e
        out = ndtr(z)
        return out[:, 0] if width == 1 else out

    # -- evaluation context ---------------------------------------------------------------------
    def _owner(self, unit: Unit, name: str) -> tuple[Unit, np.ndarray] | None:
        for u, pos in unit.ancestors():
            if name in u.cols:
                return u, pos
        return None

    def columns_of(self, name: str) -> list[str]:
        """The columns a question's values are kept in (one per choice for a select_multiple)."""
        info = self.by_name.get(name)
        if info is not None and info.model.type == "select_multiple":
            return [f"{name}_{code_text(c)}" for c in info.choice_codes()]
        return [name]

    def context(self, unit: Unit, refs: list[str], where: str) -> pd.DataFrame:
        """The columns named by ``refs`` for the rows of ``unit`` (read from enclosing units as needed)."""
        cols: dict[str, Any] = {}
        for r in refs:
            for c in self.columns_of(r):
                found = self._owner(unit, c)
                if found is None:
                    info = self.by_name.get(r)
                    if info is not None and info.repeat and info.repeat != unit.name:
                        raise SimulationError(
                            f"{where} refers to {r!r}, a question of repeat {info.repeat!r}, which cannot be read "
                            f"from {unit.name!r}; simulate cannot evaluate it.",
                            question=r,
                        )
                    raise SimulationError(
                        f"{where} refers to {r!r}, which is neither a question of {self.q.id!r} nor a frame column.",
                        question=r,
                    )
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

    def evaluate(self, unit: Unit, expr: Expr | str, where: str, current: pd.Series | None = None) -> pd.Series:
        """An expression over the rows of ``unit``; ``where`` says whose expression it is in errors."""
        expr = expr if isinstance(expr, Expr) else Expr(str(expr))
        df = self.context(unit, references([expr]), where)
        try:
            return expr.evaluate(df, current=current, questionnaire=self.q)
        except ExpressionError as exc:
            raise SimulationError(f"{where}: {exc}", expression=expr.src) from None

    def relevant(self, unit: Unit, info: QuestionInfo) -> np.ndarray:
        """Rows where the question is asked (its relevance and its groups' all hold)."""
        mask = np.ones(unit.n, dtype=bool)
        model = info.model
        for e in [*info.inherited_relevant, *([model.relevant] if model.relevant is not None else [])]:
            r = self.evaluate(unit, e, f"relevance of {model.name!r} ({e.src})")
            mask &= truth(r)  # missing (cannot tell) counts as not relevant, as ODK does
        return mask

    # -- repeats --------------------------------------------------------------------------------
    def make_repeat(self, name: str) -> None:
        """The instances of a repeat: as many rows per parent row as its count, where it is relevant."""
        plan = self.plan
        rep = plan.repeats[name]
        parent = self.units[rep.parent or plan.main]
        where = f"repeat {name!r}"
        spec = plan.repeat_counts.get(name)
        if spec is None and rep.count is not None:
            spec = rep.count.src
        if spec is None:
            counts = 1 + np.floor(self.rng(name, 2).random(parent.n) * 3)
        elif isinstance(spec, (bool, np.bool_)):
            raise SimulationError(f"repeat_counts[{name!r}] must be a number, an expression or a distribution.")
        elif isinstance(spec, (int, np.integer)):
            counts = np.full(parent.n, float(spec))
        elif isinstance(spec, str):
            counts = numbers(self.evaluate(parent, spec, f"count of {where} ({spec})"))
        elif isinstance(spec, Mapping):
            bounds = NumberBounds(f"repeat_counts[{name}]", "integer", 0, None)
            counts = numeric_values(self.rng(name, 2).random(parent.n), parse_count(bounds, spec), bounds)
        else:
            raise SimulationError(f"repeat_counts[{name!r}] must be a number, an expression or a distribution.")
        counts = np.where(np.isnan(counts), 0.0, counts)
        bad = (counts < 0) | (counts != np.round(counts))
        if bad.any():
            raise SimulationError(
                f"the count of {where} is negative or not a whole number in "
                f"{int(bad.sum())} row(s) of {parent.name!r} (e.g. {counts[bad][:3].tolist()}); fix "
                "the count expression or repeat_counts.",
                rows=list(np.flatnonzero(bad)[:10]),
            )
        for e in plan.repeat_conditions[name]:
            counts = np.where(truth(self.evaluate(parent, e, f"relevance of {where} ({e.src})")), counts, 0)
        counts = counts.astype(np.int64)
        total = int(counts.sum())
        ppos = np.repeat(np.arange(parent.n), counts)
        starts = np.repeat(np.cumsum(counts) - counts, counts)
        child = Unit(name, total, parent, ppos, parent.psu_pos[ppos])
        child.instance = np.arange(total) - starts + 1
        self.units[name] = child


def truth(s: pd.Series) -> np.ndarray:
    """An expression's result as a mask; missing (cannot tell) is false."""
    if pd.api.types.is_bool_dtype(s.dtype):
        return s.to_numpy(dtype=bool, na_value=False)
    return (pd.to_numeric(s, errors="coerce").fillna(0) != 0).to_numpy()


def numbers(s: pd.Series) -> np.ndarray:
    """An expression's result as floats (NaN where missing or not a number)."""
    if pd.api.types.is_bool_dtype(s.dtype):
        s = s.astype("Float64")
    return pd.to_numeric(s, errors="coerce").to_numpy(dtype=float, na_value=np.nan)


def code_text(code: Any) -> str:
    """A choice code as it appears in column names and in select_multiple text."""
    from ..questionnaire.typecheck import code_key

    return code_key(code)
