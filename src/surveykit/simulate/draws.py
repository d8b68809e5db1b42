"""The answers of one question for every row at once, by question type (:class:`Draws`)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from ..errors import SimulationError
from ..questionnaire import Expr, QuestionInfo
from ..questionnaire.expression import Binary, Call, Name, Negate, Node, String, to_source
from .constraints import MAX_CANDIDATES, constraint_loop, draw_missing, missing_codes
from .overrides import NumberBounds, Override, _key, categorical, numeric_values
from .units import Rows, Unit, code_text, truth


class Draws:
    """Draws the answers of each question for every row of its unit at once, into ``rows``.

    Parameters
    ----------
    rows : Rows
        The units drawn so far (answers are added to their columns).
    ovs : dict of Override
        The validated overrides, by question.
    icc, missing_rate, reference_date
        As :func:`surveykit.simulate` takes them.
    notes : list of str
        Where departures from the questionnaire are recorded.
    """

    def __init__(
        self,
        rows: Rows,
        ovs: Mapping[str, Override],
        icc: float,
        missing_rate: float,
        reference_date: pd.Timestamp,
        notes: list[str],
    ) -> None:
        self.rows = rows
        self.plan = rows.plan
        self.ovs = ovs
        self.icc = icc
        self.missing_rate = missing_rate
        self.reference_date = reference_date
        self.notes = notes

    # -- questions ------------------------------------------------------------------------------
    def question(self, info: QuestionInfo) -> None:
        """Answers of one question for every row of its unit (its columns in the unit)."""
        model = info.model
        name = model.name
        unit = self.rows.units[info.repeat or self.plan.main]
        if info.repeat is None and name in self.plan.stratum_vars:
            self._from_frame(unit, info)
            return
        rel = self.rows.relevant(unit, info)
        t = model.type
        if t == "calculate":
            self._calculate(unit, info, rel)
        elif t == "select_one":
            self._select_one(unit, info, rel)
        elif t == "select_multiple":
            self._select_multiple(unit, info, rel)
        elif t in ("integer", "decimal", "range"):
            self._numeric(unit, info, rel)
        elif t in ("date", "datetime", "start", "end", "today", "time"):
            self._dates(unit, info, rel)
        else:
            self._text(unit, info, rel)
        unit.questions.append(name)

    def _from_frame(self, unit: Unit, info: QuestionInfo) -> None:
        name = info.model.name
        values = unit.cols[name]
        if info.model.type == "select_one":
            codes = {_key(c) for c in info.choice_codes()}
            bad = sorted({_key(v) for v in np.unique(values)} - codes)
            if bad:
                raise SimulationError(
                    f"frame column {name!r} holds {bad[:5]}, not codes of the question's choice "
                    "list; recode the frame.",
                    question=name,
                    column=name,
                )
        unit.cols[name] = values.astype(float) if values.dtype.kind in "iub" else values
        unit.questions.append(name)

    def _apply_missing(
        self, unit: Unit, info: QuestionInfo, ov: Override | None, rel: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Rows (among the relevant) answered with a missing code; the code chosen for each."""
        # a range question (a position on a scale) takes no don't know / refused
        codes = missing_codes(info, self.notes) if info.model.type != "range" else []
        rate = ov.get("missing_rate", self.missing_rate) if ov is not None else self.missing_rate
        if info.model.name == self.plan.eligible or info.model.name in self.plan.count_drivers:
            rate = 0.0  # a don't-know code (98) would become 98 eligible persons or 98 repeat instances
        return draw_missing(self.rows, unit, info.model.name, codes, rate, rel)

    def _icc(self, ov: Override | None) -> float:
        return ov.get("icc", self.icc) if ov is not None else self.icc

    def _groups(
        self, unit: Unit, ov: Override | None, base_mask: np.ndarray
    ) -> list[tuple[np.ndarray, Override | None]]:
        """Rows and the override that applies to them (``by`` entries carve out their categories)."""
        if ov is None or not ov.by:
            return [(base_mask, ov)]
        assigned = np.zeros(unit.n, dtype=bool)
        groups: list[tuple[np.ndarray, Override | None]] = []
        for var, table in ov.by:
            col = self.rows.context(unit, [var], f"overrides[{ov.question!r}].by").iloc[:, 0]
            keys = col.map(_key) if col.dtype == object else col
            for code, sub in table.items():
                mask = base_mask & ~assigned & (keys == code).to_numpy(dtype=bool, na_value=False)
                if mask.any():
                    groups.append((mask, sub))
                    assigned |= mask
        groups.append((base_mask & ~assigned, Override(ov.question, ov.qtype, {k: v for k, v in ov.spec.items()})))
        return groups

    def _calculate(self, unit: Unit, info: QuestionInfo, rel: np.ndarray) -> None:
        model = info.model
        calculation: Expr | None = info.calculation
        if calculation is None:
            unit.cols[model.name] = np.full(unit.n, np.nan)
            self.notes.append(f"{model.name}: a calculate without a calculation is left empty")
            return
        r = self.rows.evaluate(unit, calculation, f"calculation of {model.name!r} ({calculation.src})")
        rt = info.result_type
        if (
            pd.api.types.is_bool_dtype(r.dtype)
            or pd.api.types.is_numeric_dtype(r.dtype)
            or rt in ("integer", "decimal", "boolean")
        ):
            if pd.api.types.is_bool_dtype(r.dtype):
                r = r.astype("Float64")
            values = pd.to_numeric(r, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
            values = np.where(rel, values, np.nan)
        elif pd.api.types.is_datetime64_any_dtype(r.dtype):
            values = r.to_numpy().copy()
            values[~rel] = np.datetime64("NaT")
        else:
            values = r.astype(object).where(r.notna(), None).to_numpy(dtype=object)
            values = np.where(rel, values, None)
        unit.cols[model.name] = values

    # select_one --------------------------------------------------------------------------------
    def _allowed(self, unit: Unit, info: QuestionInfo) -> np.ndarray | None:
        """For a choice filter: which choices each row may take (rows x choices), else None."""
        model = info.model
        cf: Expr | None = info.choice_filter
        lst = info.choice_list
        if cf is None or lst is None:
            return None
        where = f"choice_filter of {model.name!r} ({cf.src})"
        out = np.zeros((unit.n, len(lst.choices)), dtype=bool)
        cache: dict[tuple[tuple[str, str], ...], np.ndarray] = {}
        for j, choice in enumerate(lst.choices):
            key = tuple(sorted(choice.filters.items()))
            if key not in cache:
                ast = _substitute(cf.ast, dict(choice.filters))
                cache[key] = truth(self.rows.evaluate(unit, Expr(to_source(ast)), where))
            out[:, j] = cache[key]
        return out

    def _select_one(self, unit: Unit, info: QuestionInfo, rel: np.ndarray) -> None:
        model = info.model
        name = model.name
        codes = [_key(c) for c in info.choice_codes()]
        if not codes:
            raise SimulationError(
                f"{name!r} has no choices (list {info.choices!r}); fix the questionnaire.", question=name
            )
        ov = self.ovs.get(name)
        numeric = all(isinstance(c, int) for c in codes + [_key(m.code) for m in info.missing])
        code_arr = np.asarray(codes, dtype=float if numeric else object)
        allowed = self._allowed(unit, info)
        u = self.rows.uniforms(unit, name, self._icc(ov))
        values = np.full(unit.n, np.nan) if numeric else np.full(unit.n, None, dtype=object)
        prob_rows = np.zeros((unit.n, len(codes)))
        const = np.full(unit.n, -1)
        for mask, o in self._groups(unit, ov, rel):
            if o is not None and "value" in o.spec:
                const[mask] = codes.index(o.spec["value"])
            p = (
                np.asarray([o.spec["probabilities"][c] for c in codes])
                if o is not None and "probabilities" in o.spec
                else np.full(len(codes), 1 / len(codes))
            )
            prob_rows[mask] = p
        if allowed is not None:
            prob_rows = prob_rows * allowed
            const = np.where((const >= 0) & ~allowed[np.arange(unit.n), np.maximum(const, 0)], -1, const)
        empty = rel & (prob_rows.sum(axis=1) <= 0) & (const < 0)
        if empty.any():
            self.notes.append(
                f"{name}: {int(empty.sum())} relevant row(s) in {unit.name!r} have no allowed choice "
                "(choice filter or zero probabilities); left empty"
            )
        answer = rel & ~empty

        def draw(idx: np.ndarray, uu: np.ndarray) -> np.ndarray:
            pr = prob_rows[idx]
            k = categorical(uu, pr) if len(idx) else np.array([], dtype=int)
            k = np.where(const[idx] >= 0, const[idx], k)
            return code_arr[k]

        idx = np.flatnonzero(answer)
        values[idx] = draw(idx, u[idx])
        dk, chosen = self._apply_missing(unit, info, ov, answer)
        values = constraint_loop(
            self.rows,
            unit,
            info,
            values,
            answer & ~dk,
            lambda v, i, uu: _put_rows(v, i, draw(i, uu)),
            lambda v: pd.Series(v, index=pd.RangeIndex(unit.n), name=name),
            candidates=lambda i, _v: (
                code_arr,
                np.where(const[i, None] >= 0, np.arange(len(codes)) == const[i, None], prob_rows[i]),
            ),
        )
        if dk.any():
            values = values.copy()
            values[dk] = chosen[dk].astype(values.dtype) if numeric else chosen[dk]
        unit.cols[name] = values

    # select_multiple ---------------------------------------------------------------------------
    def _select_multiple(self, unit: Unit, info: QuestionInfo, rel: np.ndarray) -> None:
        model = info.model
        name = model.name
        codes = [_key(c) for c in info.choice_codes()]
        k = len(codes)
        if not k:
            raise SimulationError(f"{name!r} has no choices (list {info.choices!r}).", question=name)
        ov = self.ovs.get(name)
        allowed = self._allowed(unit, info)
        u = self.rows.uniforms(unit, name, self._icc(ov), width=k)
        p_rows = np.zeros((unit.n, k))
        at_least = np.ones(unit.n, dtype=bool)
        for mask, o in self._groups(unit, ov, rel):
            probs = o.spec.get("probabilities", {}) if o is not None else {}
            p_rows[mask] = [probs.get(c, 0.3) for c in codes]
            at_least[mask] = o.spec.get("at_least_one", True) if o is not None else True
        if allowed is not None:
            p_rows = p_rows * allowed
        rng = self.rows.rng(name, 6)

        def draw(idx: np.ndarray, uu: np.ndarray) -> np.ndarray:
            pr = p_rows[idx]
            chosen = (uu < pr).astype(float)
            none = at_least[idx] & (chosen.sum(axis=1) == 0) & (pr.sum(axis=1) > 0)
            if none.any():
                pick = categorical(rng.random(int(none.sum())), pr[none])
                chosen[np.flatnonzero(none), pick] = 1.0
            return chosen

        block = np.full((unit.n, k), np.nan)
        idx = np.flatnonzero(rel)
        block[idx] = draw(idx, u[idx])
        dk, chosen_code = self._apply_missing(unit, info, ov, rel)

        def text(b: np.ndarray) -> pd.Series:
            return _codes_text(b, codes, pd.RangeIndex(unit.n))

        block = constraint_loop(
            self.rows,
            unit,
            info,
            block,
            rel & ~dk,
            lambda b, i, uu: _put_rows(b, i, draw(i, rng.random((len(i), k)))),
            text,
        )
        texts = text(block).to_numpy(dtype=object)
        if dk.any():
            block[dk] = np.asarray(chosen_code[dk], dtype=float)[:, None]
            texts[dk] = [str(c) for c in chosen_code[dk]]
        for j, c in enumerate(codes):
            unit.cols[f"{name}_{code_text(c)}"] = block[:, j]
        unit.cols[f"__text__{name}"] = texts

    # numbers -----------------------------------------------------------------------------------
    def _numeric(self, unit: Unit, info: QuestionInfo, rel: np.ndarray) -> None:
        model = info.model
        name = model.name
        ov = self.ovs.get(name)
        bounds = _bounds(info)
        u = self.rows.uniforms(unit, name, self._icc(ov))
        values = np.full(unit.n, np.nan)
        groups = self._groups(unit, ov, rel)
        for mask, o in groups:
            idx = np.flatnonzero(mask)
            if len(idx):
                values[idx] = numeric_values(u[idx], o, bounds)
        group_of = np.full(unit.n, -1)
        for gi, (mask, _o) in enumerate(groups):
            group_of[mask] = gi

        def redraw(v: np.ndarray, idx: np.ndarray, uu: np.ndarray) -> np.ndarray:
            v = v.copy()
            for gi, (_mask, o) in enumerate(groups):
                sel = group_of[idx] == gi
                if sel.any():
                    v[idx[sel]] = numeric_values(uu[sel], o, bounds)
            return v

        dk, chosen = self._apply_missing(unit, info, ov, rel)
        candidates = None
        lo, hi = bounds.min, bounds.max
        if bounds.type == "integer" and lo is not None and hi is not None and hi - lo < MAX_CANDIDATES:
            cand = np.arange(lo, hi + 1, dtype=float)

            def candidates(i: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
                # weights: how often each value was drawn where the constraint holds (keeps the shape)
                good = v[rel & ~dk]
                good = good[np.isfinite(good)]
                freq = np.bincount((good - lo).astype(int), minlength=len(cand))[: len(cand)] + 0.5
                return cand, np.broadcast_to(freq, (len(i), len(cand)))

        values = constraint_loop(
            self.rows,
            unit,
            info,
            values,
            rel & ~dk,
            redraw,
            lambda v: pd.Series(v, index=pd.RangeIndex(unit.n), name=name),
            candidates,
        )
        if dk.any():
            values[dk] = chosen[dk].astype(float)
        unit.cols[name] = values

    # dates and text ----------------------------------------------------------------------------
    def _dates(self, unit: Unit, info: QuestionInfo, rel: np.ndarray) -> None:
        model = info.model
        name = model.name
        ov = self.ovs.get(name)
        t = model.type
        u = self.rows.uniforms(unit, name, self._icc(ov))
        ref = self.reference_date
        if t in ("start", "end", "today"):
            # interview dates: in the 30 days before the reference date, the same for a PSU's households
            psu_day = self.rows.rng("__interview__", 8).integers(0, 30, self.rows.n_psu)
            day = ref.normalize() - pd.to_timedelta(psu_day[unit.psu_pos], unit="D")
            minutes = np.floor(u * 600) + 8 * 60 if t != "today" else np.zeros(unit.n)
            if t == "end":
                minutes = minutes + 25 + np.floor(self.rows.rng(name, 9).random(unit.n) * 40)
            values = (day + pd.to_timedelta(minutes, unit="m")) if t != "today" else day
            values = pd.DatetimeIndex(values).to_numpy().copy()
        elif t == "time":
            minutes = np.floor(u * 24 * 60).astype(int)
            values = np.array([f"{m // 60:02d}:{m % 60:02d}" for m in range(24 * 60)], dtype=object)[minutes]
        else:
            spec = ov.spec if ov is not None else {}
            lo = spec.get("low", ref - pd.Timedelta(days=364))
            hi = spec.get("high", ref)
            span = (hi.normalize() - lo.normalize()).days
            if span < 0:
                raise SimulationError(f"overrides[{name!r}]: low is after high.", question=name)
            days = np.floor(u * (span + 1))
            values = pd.DatetimeIndex(lo.normalize() + pd.to_timedelta(days, unit="D"))
            if t == "datetime":
                values = values + pd.to_timedelta(np.floor(self.rows.rng(name, 9).random(unit.n) * 1440), unit="m")
            values = values.to_numpy().copy()

            def redraw(v: np.ndarray, idx: np.ndarray, uu: np.ndarray) -> np.ndarray:
                v = v.copy()
                v[idx] = (lo.normalize() + pd.to_timedelta(np.floor(uu * (span + 1)), unit="D")).to_numpy()
                return v

            values = constraint_loop(
                self.rows,
                unit,
                info,
                values,
                rel,
                redraw,
                lambda v: pd.Series(v, index=pd.RangeIndex(unit.n), name=name),
            )
        if values.dtype == object:
            values = np.where(rel, values, None)
        else:
            values[~rel] = np.datetime64("NaT")
        unit.cols[name] = values

    def _text(self, unit: Unit, info: QuestionInfo, rel: np.ndarray) -> None:
        model = info.model
        name = model.name
        t = model.type
        ov = self.ovs.get(name)
        u = self.rows.uniforms(unit, name, self._icc(ov))
        rng = self.rows.rng(name, 10)
        n = unit.n
        if ov is not None and "value" in ov.spec:
            values = np.full(n, str(ov.spec["value"]), dtype=object)
        elif ov is not None and "values" in ov.spec:
            vals = np.asarray([str(v) for v in ov.spec["values"]], dtype=object)
            values = vals[categorical(u, np.asarray(ov.spec["weights"], dtype=float))]
        elif t in ("geopoint", "start-geopoint", "geotrace", "geoshape"):
            lat = 13.2 + rng.random(n) * 1.2  # El Salvador's bounding box
            lon = -90.1 + rng.random(n) * 2.3
            point = pd.Series(lat.round(6).astype(str)) + " " + pd.Series(lon.round(6).astype(str)) + " 0 10"
            values = point.to_numpy(dtype=object)
            if t in ("geotrace", "geoshape"):
                values = (point + ";" + point).to_numpy(dtype=object)
        elif t in ("image", "audio", "video", "file", "background-audio"):
            ext = {"image": "jpg", "audio": "m4a", "video": "mp4", "background-audio": "m4a"}.get(t, "bin")
            values = (pd.Series(np.arange(n)).astype(str).radd(f"{name}_") + f".{ext}").to_numpy(dtype=object)
        elif t == "barcode":
            values = pd.Series(rng.integers(10**11, 10**12, n)).astype(str).to_numpy(dtype=object)
        elif t == "acknowledge":
            values = np.full(n, "OK", dtype=object)
        else:
            vocab = np.asarray([f"{name} {i}" for i in range(1, 6)], dtype=object)
            values = vocab[np.minimum((u * 5).astype(int), 4)]
        values = values.copy()  # an object array in every branch: not asked is None
        values[~rel] = None
        unit.cols[name] = values


def _bounds(info: QuestionInfo) -> NumberBounds:
    """An integer or decimal question's range; an XLSForm range question's from its start/end/step."""
    model = info.model
    if model.type != "range":
        return NumberBounds(model.name, model.type, info.min, info.max)
    params = dict(p.split("=", 1) for p in (info.parameters or "").split() if "=" in p)
    start, end = float(params.get("start", 1)), float(params.get("end", 10))
    step = float(params.get("step", 1))
    kind = "integer" if step == int(step) and start == int(start) else "decimal"
    return NumberBounds(model.name, kind, min(start, end), max(start, end))


def _codes_text(block: np.ndarray, codes: list[Any], index: pd.Index) -> pd.Series:
    """The space-separated codes of each row of a 0/1 block (NaN rows give missing)."""
    texts = np.asarray([code_text(c) for c in codes], dtype=object)
    out = np.full(len(block), "", dtype=object)
    for j in range(len(codes)):
        hit = block[:, j] == 1
        out[hit] = np.where(out[hit] == "", texts[j], out[hit] + " " + texts[j])
    absent = np.isnan(block).all(axis=1) if block.size else np.ones(len(block), dtype=bool)
    s = pd.Series(out, index=index, dtype="string")
    return s.mask(absent)


def _put_rows(block: np.ndarray, idx: np.ndarray, new: np.ndarray) -> np.ndarray:
    block = block.copy()
    block[idx] = new
    return block


def _substitute(node: Node, filters: dict[str, str]) -> Node:
    """A choice filter with each bare name replaced by the choice's value of that column ('' if none)."""
    if isinstance(node, Name):
        return String(str(filters.get(node.name, "")), span=node.span)
    if isinstance(node, Binary):
        return dataclasses.replace(node, left=_substitute(node.left, filters), right=_substitute(node.right, filters))
    if isinstance(node, Negate):
        return dataclasses.replace(node, operand=_substitute(node.operand, filters))
    if isinstance(node, Call):
        return dataclasses.replace(node, args=tuple(_substitute(a, filters) for a in node.args))
    return node
