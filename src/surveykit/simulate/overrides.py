"""Per-question overrides of simulated answers: choice probabilities and numeric distributions.

An override is a mapping for one question (``overrides={"p1": {...}}``); keys by question type:

select_one
    ``probabilities: {code: p}``; codes left out share what is left equally (the given ones must
    then add up to less than 1; with every code given they add up to 1).
select_multiple
    ``probabilities: {code: p}``: the chance each choice is selected (default 0.3);
    ``at_least_one`` (default true): a row with nothing selected gets one choice.
integer, decimal
    ``distribution``: ``uniform`` (between ``low``/``high`` or the question's min/max), ``normal``
    (``mean``, ``sd``), ``lognormal`` (``median``, ``sigma``), ``poisson`` (``mean``: the mean of the
    answer, counted from the question's min), ``negative_binomial`` (``mean``, ``dispersion``),
    ``histogram`` (``edges``, ``weights``: uniform within each bin ``[edge_i, edge_i+1)``);
    or ``values`` with ``weights``; or ``value`` (a constant). Draws are truncated to the question's
    min/max (and ``low``/``high``) through the inverse CDF, so nothing piles up at a bound.
    ``decimals`` (decimal questions, default 2).
text
    ``values`` (with optional ``weights``) or ``value``.
date, datetime
    ``low``, ``high`` (``YYYY-MM-DD``).
every type
    ``missing_rate`` (share of relevant answers given as don't know / refused when the question has
    such missing codes), ``icc`` (intra-cluster correlation of the latent propensity), and
    ``by: {variable: {code: {...}}}``: a different override where an earlier answer (or a frame
    variable) has a code, e.g. a higher victimization probability in urban areas.

Answers come from a latent Gaussian propensity ``z = sqrt(icc) u_psu + sqrt(1 - icc) e``: ``Phi(z)``
is uniform, and each answer is its inverse CDF, so the marginal distribution is exactly the one asked
for while answers of the same PSU are correlated (design effects above 1).
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
import pandas as pd

from ..errors import SimulationError

if TYPE_CHECKING:
    from ..questionnaire import MissingCode, Questionnaire

__all__ = ["Override", "parse_overrides", "DISTRIBUTIONS", "NumberBounds", "numeric_values", "parse_count"]

DISTRIBUTIONS = ("uniform", "normal", "lognormal", "poisson", "negative_binomial", "histogram")
_COMMON = {"missing_rate", "icc", "by"}
_KEYS = {
    "select_one": _COMMON | {"probabilities", "value"},
    "select_multiple": _COMMON | {"probabilities", "at_least_one"},
    "integer": _COMMON
    | {
        "distribution",
        "mean",
        "sd",
        "median",
        "sigma",
        "dispersion",
        "low",
        "high",
        "edges",
        "weights",
        "values",
        "value",
    },
    "decimal": _COMMON
    | {
        "distribution",
        "mean",
        "sd",
        "median",
        "sigma",
        "dispersion",
        "low",
        "high",
        "edges",
        "weights",
        "values",
        "value",
        "decimals",
    },
    "text": _COMMON | {"values", "weights", "value"},
    "date": _COMMON | {"low", "high"},
    "datetime": _COMMON | {"low", "high"},
}
_PARAMS = {
    "uniform": (),
    "normal": ("mean", "sd"),
    "lognormal": ("median", "sigma"),
    "poisson": ("mean",),
    "negative_binomial": ("mean", "dispersion"),
    "histogram": ("edges", "weights"),
}
_EPS = 1e-12


def _key(code: Any) -> Any:
    """Codes compare as values: 1, 1.0 and '1' are the same code; '01' stays text."""
    if isinstance(code, (bool, np.bool_)):
        return int(code)
    if isinstance(code, (int, np.integer)):
        return int(code)
    if isinstance(code, (float, np.floating)) and float(code).is_integer():
        return int(code)
    if isinstance(code, str):
        t = code.strip()
        if t.lstrip("-").isdigit() and (t in ("0", "-0") or not t.lstrip("-").startswith("0")):
            return int(t)
    return code


@dataclass
class Override:
    """A validated override of one question (see the module notes for the keys)."""

    question: str
    qtype: str
    spec: dict[str, Any]
    by: list[tuple[str, dict[Any, Override]]] = field(default_factory=list)

    def get(self, key: str, default: Any = None) -> Any:
        return self.spec.get(key, default)

    def merged(self, other: dict[str, Any]) -> Override:
        """This override with the keys of a ``by`` entry replacing its own."""
        spec = dict(self.spec)
        if "distribution" in other or "values" in other or "value" in other:
            for k in (
                "distribution",
                "values",
                "weights",
                "value",
                "edges",
                "mean",
                "sd",
                "median",
                "sigma",
                "dispersion",
            ):
                spec.pop(k, None)
        spec.update(other)
        return Override(self.question, self.qtype, spec)


@dataclass(frozen=True)
class NumberBounds:
    """What :func:`numeric_values` needs of an integer or decimal answer: its name (in errors), whether
    it is whole (``type`` ``"integer"`` or ``"decimal"``) and its range (``None``: unbounded).
    A question's, an XLSForm range question's (from its parameters) or a repeat count's."""

    name: str
    type: str
    min: float | None
    max: float | None


class _Question(Protocol):
    """What overrides read of a question: :class:`surveykit.questionnaire.QuestionInfo` or a stand-in."""

    @property
    def model(self) -> Any: ...

    @property
    def missing(self) -> list[MissingCode]: ...

    def choice_codes(self) -> list[Any]: ...


@dataclass
class _CountQuestion:
    """Stands in for an integer question when a repeat count is drawn from a distribution."""

    model: NumberBounds
    missing: list[MissingCode] = field(default_factory=list)

    def choice_codes(self) -> list[Any]:
        return []


def _fail(question: str, what: str) -> SimulationError:
    return SimulationError(f"overrides[{question!r}]: {what}", question=question)


def _number(question: str, key: str, v: Any, lo: float | None = None, hi: float | None = None) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float, np.integer, np.floating)) or not np.isfinite(v):
        raise _fail(question, f"{key} must be a number, not {v!r}.")
    if (lo is not None and v < lo) or (hi is not None and v > hi):
        raise _fail(question, f"{key}={v!r} must be between {lo} and {hi}.")
    return float(v)


def parse_overrides(
    overrides: Mapping[str, Any] | None, questionnaire: Questionnaire, frame_columns: set[str]
) -> dict[str, Override]:
    """Validate ``overrides`` against the questionnaire; every problem names the question and key.

    Examples
    --------
    >>> import surveykit as sk
    >>> q = sk.Questionnaire(id="x", languages=["es"], items=[sk.SelectOneQuestion(name="p", choices="l")],
    ...     choice_lists={"l": sk.ChoiceList(choices=[sk.Choice(code=c) for c in (1, 2, 3)])})
    >>> parse_overrides({"p": {"probabilities": {1: 0.5}}}, q, set())["p"].spec["probabilities"]
    {1: 0.5, 2: 0.25, 3: 0.25}
    """
    if overrides is None:
        return {}
    if not isinstance(overrides, Mapping):
        raise SimulationError(
            f"overrides must be a mapping of question name to settings, not {type(overrides).__name__}."
        )
    infos = {i.model.name: i for i in questionnaire.questions()}
    out: dict[str, Override] = {}
    for name, spec in overrides.items():
        if name not in infos:
            close = difflib.get_close_matches(str(name), list(infos), n=3)
            hint = f" Did you mean {', '.join(close)}?" if close else ""
            raise SimulationError(
                f"overrides: {name!r} is not a question of {questionnaire.id!r}.{hint}", question=str(name)
            )
        out[name] = _parse_one(infos[name], spec, infos, frame_columns, nested=False)
    return out


def parse_count(bounds: NumberBounds, spec: Mapping[str, Any]) -> Override:
    """A repeat count's distribution (``repeat_counts={repeat: {...}}``), validated as an integer question's
    override without ``by``.

    >>> ov = parse_count(NumberBounds("repeat_counts[r]", "integer", 0, None), {"distribution": "poisson", "mean": 2})
    >>> ov.spec["mean"]
    2
    """
    return _parse_one(_CountQuestion(bounds), spec, {}, set(), nested=True)


def _qtype(info: _Question) -> str:
    t = info.model.type
    return {"start": "datetime", "end": "datetime", "today": "date"}.get(t, t)


def _parse_one(info: _Question, spec: Any, infos: Mapping[str, Any], frame_columns: set[str], nested: bool) -> Override:
    name = info.model.name
    qtype = _qtype(info)
    if not isinstance(spec, Mapping):
        raise _fail(name, f"give a mapping of settings (e.g. {{probabilities: {{1: 0.2, 2: 0.8}}}}), not {spec!r}.")
    if qtype not in _KEYS:
        raise _fail(
            name,
            f"questions of type {info.model.type} cannot be overridden"
            + (" (a calculate is computed from its calculation)" if qtype == "calculate" else "")
            + ".",
        )
    allowed = _KEYS[qtype] - ({"by"} if nested else set())
    unknown = [k for k in spec if k not in allowed]
    if unknown:
        close = difflib.get_close_matches(str(unknown[0]), sorted(allowed), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise _fail(
            name,
            f"unknown setting {unknown[0]!r}{hint} for a {info.model.type} question; use {', '.join(sorted(allowed))}.",
        )
    clean: dict[str, Any] = {k: v for k, v in spec.items() if k != "by"}
    if "missing_rate" in clean:
        clean["missing_rate"] = _number(name, "missing_rate", clean["missing_rate"], 0, 1)
    if "icc" in clean:
        clean["icc"] = _number(name, "icc", clean["icc"], 0, 0.99)
    codes = [_key(c) for c in info.choice_codes()]
    missing = {_key(m.code) for m in info.missing}
    if "probabilities" in clean:
        probs = clean["probabilities"]
        if not isinstance(probs, Mapping) or not probs:
            raise _fail(name, "probabilities must be a non-empty mapping of code to probability.")
        parsed = {}
        for c, p in probs.items():
            k = _key(c)
            if k not in codes:
                extra = " (a missing code: set missing_rate instead)" if k in missing else ""
                raise _fail(
                    name,
                    f"probabilities: code {c!r} is not in the choice list of {name!r} "
                    f"({', '.join(map(str, codes[:12]))}){extra}.",
                )
            parsed[k] = _number(name, f"probabilities[{c!r}]", p, 0, 1)
        if qtype == "select_one":
            total = sum(parsed.values())
            rest = [c for c in codes if c not in parsed]
            if total > 1 + 1e-9 or (not rest and abs(total - 1) > 1e-6):
                raise _fail(
                    name,
                    f"probabilities add up to {total:.6g}; they must add up to 1, or to less than 1 "
                    "with some codes left out to share the rest.",
                )
            share = max(0.0, 1 - total) / len(rest) if rest else 0.0
            parsed = {c: parsed.get(c, share) for c in codes}
        clean["probabilities"] = parsed
    if "value" in clean and qtype == "select_one":
        v = _key(clean["value"])
        if v not in codes:
            raise _fail(name, f"value {clean['value']!r} is not in the choice list of {name!r}.")
        clean["value"] = v
    dist = clean.get("distribution")
    if dist is not None:
        if dist not in DISTRIBUTIONS:
            close = difflib.get_close_matches(str(dist), DISTRIBUTIONS, n=1)
            raise _fail(
                name,
                f"unknown distribution {dist!r}"
                + (f" (did you mean {close[0]!r}?)" if close else "")
                + f"; use one of {', '.join(DISTRIBUTIONS)}.",
            )
        for p in _PARAMS[dist]:
            if p not in clean:
                raise _fail(name, f"distribution {dist!r} needs {', '.join(_PARAMS[dist])}.")
        for p in ("mean", "sd", "median", "sigma", "dispersion"):
            if p in clean:
                _number(name, p, clean[p])
        if (
            dist in ("normal",)
            and clean["sd"] <= 0
            or dist == "lognormal"
            and (clean["sigma"] <= 0 or clean["median"] <= 0)
        ):
            raise _fail(name, f"the {dist} distribution needs a positive spread (sd / sigma, median).")
        if dist == "negative_binomial" and clean["dispersion"] <= 0:
            raise _fail(name, "dispersion must be positive.")
        if dist == "histogram":
            edges = np.asarray(clean["edges"], dtype=float)
            weights = np.asarray(clean["weights"], dtype=float)
            if (
                edges.ndim != 1
                or len(edges) < 2
                or np.any(np.diff(edges) <= 0)
                or len(weights) != len(edges) - 1
                or np.any(weights < 0)
                or weights.sum() <= 0
            ):
                raise _fail(
                    name,
                    "histogram needs increasing edges and one non-negative weight per bin "
                    "(len(weights) == len(edges) - 1).",
                )
    elif any(k in clean for k in ("mean", "sd", "median", "sigma", "dispersion", "edges")):
        raise _fail(name, "parameters are given without a distribution; add distribution: normal (or another).")
    if "values" in clean:
        values = clean["values"]
        if not isinstance(values, (list, tuple)) or not values:
            raise _fail(name, "values must be a non-empty list.")
        if qtype in ("integer", "decimal"):
            for v in values:
                _number(name, "values", v)
            if qtype == "integer" and any(float(v) != round(float(v)) for v in values):
                raise _fail(name, "values of an integer question must be whole numbers.")
            lo, hi = info.model.min, info.model.max
            out = [v for v in values if (lo is not None and v < lo) or (hi is not None and v > hi)]
            if out:
                raise _fail(name, f"values {out[:5]} are outside the question's range [{lo}, {hi}].")
        given = clean.get("weights")
        if given is None:
            clean["weights"] = [1.0] * len(values)
        elif len(given) != len(values) or any(_number(name, "weights", w, 0) < 0 for w in given) or sum(given) <= 0:
            raise _fail(name, "weights must give one non-negative number per value, not all zero.")
    elif "weights" in clean and dist != "histogram":
        raise _fail(name, "weights are given without values (or a histogram distribution).")
    if "value" in clean and qtype in ("integer", "decimal"):
        _number(name, "value", clean["value"], info.model.min, info.model.max)
    for k in ("low", "high"):
        if k in clean:
            if qtype in ("date", "datetime"):
                try:
                    clean[k] = pd.Timestamp(clean[k])
                except (ValueError, TypeError):
                    raise _fail(name, f"{k}={clean[k]!r} is not a date (write YYYY-MM-DD).") from None
            else:
                clean[k] = _number(name, k, clean[k])
    if "decimals" in clean:
        d = clean["decimals"]
        if isinstance(d, bool) or not isinstance(d, int) or not 0 <= d <= 10:
            raise _fail(name, "decimals must be a whole number from 0 to 10.")
    if "at_least_one" in clean and not isinstance(clean["at_least_one"], bool):
        raise _fail(name, "at_least_one must be true or false.")
    ov = Override(name, qtype, clean)
    by = spec.get("by")
    if by is not None:
        if not isinstance(by, Mapping) or not by:
            raise _fail(name, "by must map a variable to {code: settings}.")
        for var, table in by.items():
            if var not in infos and var not in frame_columns:
                raise _fail(name, f"by: {var!r} is neither a question nor a frame column.")
            if var == name:
                raise _fail(name, "by cannot refer to the question itself.")
            if not isinstance(table, Mapping) or not table:
                raise _fail(name, f"by[{var!r}] must map codes of {var!r} to settings.")
            subs = {}
            for code, sub in table.items():
                if isinstance(sub, Mapping) and "by" in sub:
                    raise _fail(name, f"by[{var!r}][{code!r}]: a by inside a by is not supported.")
                sub_ov = _parse_one(info, sub, infos, frame_columns, nested=True)
                subs[_key(code)] = ov.merged(sub_ov.spec)
                # validate the merged result too (e.g. probabilities replaced as a whole)
            ov.by.append((var, subs))
    return ov


# ------------------------------------------------------------------------------------------------
# drawing
# ------------------------------------------------------------------------------------------------
def categorical(u: np.ndarray, probs: np.ndarray) -> np.ndarray:
    """Index of the category of each uniform ``u`` under probabilities ``probs`` (k,) or (n, k).

    >>> categorical(np.array([0.1, 0.5, 0.95]), np.array([0.2, 0.5, 0.3])).tolist()
    [0, 1, 2]
    """
    p = np.asarray(probs, dtype=float)
    cum = np.cumsum(p, axis=-1)
    cum = cum / cum[..., -1:]
    if cum.ndim == 1:
        idx = np.searchsorted(cum, u, side="right")
    else:
        idx = (u[:, None] >= cum).sum(axis=1)
    return np.minimum(idx, p.shape[-1] - 1)


def _trunc_continuous(u: np.ndarray, dist: Any, lo: float, hi: float, question: str) -> np.ndarray:
    a = dist.cdf(lo) if np.isfinite(lo) else 0.0
    b = dist.cdf(hi) if np.isfinite(hi) else 1.0
    if not b > a:
        raise _fail(
            question,
            f"the distribution puts no probability between {lo:g} and {hi:g} (the question's "
            "range); change its parameters.",
        )
    return dist.ppf(a + np.clip(u, _EPS, 1 - _EPS) * (b - a))


def numeric_values(u: np.ndarray, ov: Override | None, model: NumberBounds) -> np.ndarray:
    """Answers of an integer or decimal question for uniforms ``u`` (see the module notes).

    >>> numeric_values(np.array([0.0, 0.5, 0.99]), None, NumberBounds("n", "integer", 1, 4)).tolist()
    [1.0, 3.0, 4.0]
    """
    from scipy import stats  # imported here: scipy.stats costs half a second at import

    name = model.name
    integer = model.type == "integer"
    spec = ov.spec if ov is not None else {}
    lo = max(x for x in (model.min, spec.get("low"), -np.inf) if x is not None)
    hi = min(x for x in (model.max, spec.get("high"), np.inf) if x is not None)
    if lo > hi:
        raise _fail(name, f"low/high leave no values inside the question's range [{model.min}, {model.max}].")
    if "value" in spec:
        return np.full(len(u), float(spec["value"]))
    if "values" in spec:
        vals = np.asarray(spec["values"], dtype=float)
        w = np.asarray(spec["weights"], dtype=float)
        inside = (vals >= lo) & (vals <= hi)
        if not (w * inside).sum() > 0:
            raise _fail(name, "no value with positive weight lies between low and high.")
        return vals[categorical(u, w * inside)]
    dist = spec.get("distribution")
    if dist is None:
        # defaults: uniform over a bounded range; counts (Poisson, mean 2 above the minimum) otherwise
        if np.isfinite(lo) and np.isfinite(hi):
            dist = "uniform"
        elif integer:
            spec = {**spec, "distribution": "poisson", "mean": (lo if np.isfinite(lo) else 0) + 2}
            dist = "poisson"
        else:
            spec = {
                **spec,
                "distribution": "lognormal",
                "median": max(lo, 0) + 100 if np.isfinite(lo) else 100,
                "sigma": 1.0,
            }
            dist = "lognormal"
    if dist == "uniform":
        if not (np.isfinite(lo) and np.isfinite(hi)):
            raise _fail(name, "a uniform distribution needs min and max (on the question) or low and high.")
        if integer:
            lo_i, hi_i = np.ceil(lo), np.floor(hi)
            return lo_i + np.minimum(np.floor(u * (hi_i - lo_i + 1)), hi_i - lo_i)
        x = lo + u * (hi - lo)
    elif dist in ("poisson", "negative_binomial"):
        shift = np.ceil(lo) if np.isfinite(lo) else 0.0
        lam = float(spec["mean"]) - shift
        if lam <= 0:
            raise _fail(name, f"mean={spec['mean']} must be above the question's minimum ({shift:g}).")
        if dist == "poisson":
            d = stats.poisson(lam, loc=shift)
        else:
            k = float(spec["dispersion"])
            d = stats.nbinom(k, k / (k + lam), loc=shift)
        top = np.floor(hi) if np.isfinite(hi) else np.inf
        a = d.cdf(shift - 1)
        b = d.cdf(top) if np.isfinite(top) else 1.0
        x = d.ppf(a + np.clip(u, _EPS, 1 - _EPS) * (b - a))
        return np.clip(x, shift, top)  # only float rounding at the ends can step outside
    elif dist == "histogram":
        edges = np.asarray(spec["edges"], dtype=float)
        w = np.asarray(spec["weights"], dtype=float)
        cum = np.concatenate([[0.0], np.cumsum(w) / w.sum()])
        top = hi + 1 if integer and np.isfinite(hi) else hi
        a = np.interp(lo, edges, cum) if np.isfinite(lo) else 0.0
        b = np.interp(top, edges, cum) if np.isfinite(top) else 1.0
        if not b > a:
            raise _fail(name, "the histogram has no weight inside the question's range.")
        x = np.interp(a + np.clip(u, _EPS, 1 - _EPS) * (b - a), cum, edges)
        if integer:
            return np.clip(np.floor(x), np.ceil(lo), np.floor(hi))
    else:
        if dist == "normal":
            d = stats.norm(float(spec["mean"]), float(spec["sd"]))
        else:
            d = stats.lognorm(float(spec["sigma"]), scale=float(spec["median"]))
        if integer:
            x = _trunc_continuous(u, d, lo - 0.5, hi + 0.5, name)
            return np.clip(np.floor(x + 0.5), np.ceil(lo), np.floor(hi))
        x = _trunc_continuous(u, d, lo, hi, name)
    if integer:
        return np.clip(np.floor(x), np.ceil(lo), np.floor(hi))
    decimals = int(spec.get("decimals", 2))
    return np.clip(np.round(x, decimals), lo, hi)
