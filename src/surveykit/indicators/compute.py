"""Computing indicators from a design: each one is exactly one estimator call.

For every indicator the expressions are evaluated on the design's data (vectorised, never ``eval``),
the universe becomes a subpopulation of the full design (``d.subset``), and the numerator and
denominator become derived variables of one estimator call — so an indicator's estimate and SE are
those of the estimator it stands for. Quality flags follow the chosen publication rules.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from ..design.base import BaseDesign
from ..errors import IndicatorError, SurveykitError
from ..estimation.quality import quality_flags
from ..metadata import label_values, value_labels
from .compare import COMPARE_COLUMNS, compare_columns, mean_of_means_difference, variable_labels
from .catalogue import catalog, get_indicator, load_catalog
from .model import Indicator

if TYPE_CHECKING:  # pragma: no cover
    from ..questionnaire import Questionnaire

__all__ = [
    "catalog",
    "load_catalog",
    "get_indicator",
    "compute",
    "compute_breakdowns",
    "evaluate_indicator",
    "COMPARE_COLUMNS",
]


# ------------------------------------------------------------------------------------------------
# evaluation
# ------------------------------------------------------------------------------------------------
def _eval(
    ind: Indicator, field: str, text: str | None, data: pd.DataFrame, questionnaire: Questionnaire | None
) -> pd.Series:
    from ..questionnaire.expression import parse_expression

    if text is None:  # the model requires it for this estimator; a hand-built Indicator may lack it
        raise IndicatorError(
            f"indicator {ind.code} ({ind.estimator}) needs a {field} expression.", indicator=ind.code, field=field
        )

    try:
        expr = parse_expression(text)
        kwargs = {"questionnaire": questionnaire} if questionnaire is not None else {}
        out = expr.evaluate(data, **kwargs)
    except SurveykitError as exc:
        raise IndicatorError(
            f"indicator {ind.code}, {field} `{text}`: {exc}", indicator=ind.code, field=field
        ) from None
    if not isinstance(out, pd.Series):  # a constant expression
        out = pd.Series(out, index=data.index)
    return out


def _as_mask(s: pd.Series) -> np.ndarray:
    """A boolean expression's value as a mask; missing counts as not satisfied."""
    if pd.api.types.is_bool_dtype(s.dtype):
        return s.fillna(False).to_numpy(dtype=bool)
    return (pd.to_numeric(s, errors="coerce").fillna(0) != 0).to_numpy()


def _as_number(s: pd.Series, name: str) -> pd.Series:
    """Booleans as 1/0 and numbers as floats; missing stays missing."""
    if pd.api.types.is_bool_dtype(s.dtype):
        return pd.Series(s.astype("Float64").to_numpy(dtype=np.float64, na_value=np.nan), index=s.index, name=name)
    return pd.Series(
        pd.to_numeric(s, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan), index=s.index, name=name
    )


def evaluate_indicator(
    design: BaseDesign,
    ind: Indicator,
    by: Any = None,
    *,
    ci: str = "t",
    level: float = 0.95,
    df: Any = None,
    questionnaire: Questionnaire | None = None,
    empty: str = "nan",
) -> pd.DataFrame:
    """The estimator call an indicator stands for, on ``design``; estimates on the published scale.

    Examples
    --------
    >>> import pandas as pd, surveykit as sk
    >>> from surveykit.indicators.model import Indicator
    >>> df = pd.DataFrame({"p1": [1, 2, 3, 1], "edad": [20, 30, 40, 15], "w": [1.0, 2, 1, 1]})
    >>> ind = Indicator(code="X", family="sdg16", name={"en": "safe"}, questionnaire="q",
    ...                 universe="${edad} >= 18", estimator="proportion", numerator="${p1} = 1",
    ...                 scale=100, source="example [U]")
    >>> float(evaluate_indicator(sk.SurveyDesign(df, weights="w"), ind)["estimate"][0])
    25.0
    """
    return _prepare(design, ind, questionnaire)(by, ci=ci, level=level, df=df, empty=empty)


def _prepare(design: BaseDesign, ind: Indicator, questionnaire: Questionnaire | None) -> _Prepared:
    """Evaluate an indicator's expressions once; return ``run(by, ...)`` doing the estimator call."""
    data = design.analysis_frame()  # without attrs: pandas would deep-copy the labels into every step
    universe = (
        np.ones(len(data), dtype=bool)
        if not ind.universe
        else _as_mask(_eval(ind, "universe", ind.universe, data, questionnaire))
    )
    code = ind.code
    e = ind.estimator
    if e == "mean_of_proportions":
        items = []
        for i, c in enumerate(ind.components):
            y = _as_number(_eval(ind, f"components[{i}].numerator", c.numerator, data, questionnaire), c.name)
            if c.denominator:
                base = _as_mask(_eval(ind, f"components[{i}].denominator", c.denominator, data, questionnaire))
                y = y.where(base)
            items.append(y)
        sub = _subset(design, universe, ind)

        def call(by, ci, level, df, empty):
            return sub.mean_of_means(items, by=by, name=code, ci=ci, level=level, df=df, empty=empty)
    else:
        num = _as_number(_eval(ind, "numerator", ind.numerator, data, questionnaire), code)
        if e == "proportion":
            base = universe
            if ind.denominator:
                base = base & _as_mask(_eval(ind, "denominator", ind.denominator, data, questionnaire))
            sub = _subset(design, base, ind)

            def call(by, ci, level, df, empty):
                return sub.mean(num, by=by, ci=ci, level=level, df=df, empty=empty)
        elif e in ("ratio", "rate"):
            den = _as_number(_eval(ind, "denominator", ind.denominator, data, questionnaire), f"{code}_den")
            sub = _subset(design, universe, ind)

            def call(by, ci, level, df, empty):
                return sub.ratio(num, den, by=by, ci=_plain(ci), level=level, df=df, empty=empty)
        else:
            sub = _subset(design, universe, ind)
            method = sub.mean if e == "mean" else sub.total

            def call(by, ci, level, df, empty):
                return method(num, by=by, ci=_plain(ci), level=level, df=df, empty=empty)

    def run(by: Any = None, *, ci: str = "t", level: float = 0.95, df: Any = None, empty: str = "nan"):
        out = call(by, ci, level, df, empty).copy()
        out["variable"] = code
        for col in ("estimate", "se", "ci_low", "ci_high"):
            out[col] = out[col] * ind.scale
        out.attrs["scale"] = ind.scale
        return out

    def difference(by_cols: list[str], reference: str | None) -> pd.DataFrame:
        """Each category of the last ``by`` column minus the total (``"total"``) or the first (None)."""
        if e == "mean_of_proportions":
            return mean_of_means_difference(sub, items, by_cols, reference)
        if e == "proportion":
            return sub.difference(num, by_cols, statistic="mean", reference=reference)
        if e in ("ratio", "rate"):
            return sub.difference(num, by_cols, statistic="ratio", denominator=den, reference=reference)
        return sub.difference(num, by_cols, statistic="mean" if e == "mean" else "total", reference=reference)

    return _Prepared(run, difference)


class _Prepared:
    """An indicator's expressions evaluated once: ``prepared(by, ...)`` estimates, ``.difference`` compares."""

    def __init__(self, run: Any, difference: Any) -> None:
        self._run = run
        self.difference = difference

    def __call__(self, by: Any = None, **options: Any) -> pd.DataFrame:
        return self._run(by, **options)


def _plain(ci: str) -> str:
    """Ratios, means and totals take t or normal intervals (the others are for proportions)."""
    return ci if ci in ("t", "normal") else "t"


def _subset(design: BaseDesign, mask: np.ndarray, ind: Indicator) -> BaseDesign:
    if mask.all():
        return design
    if not mask.any():
        raise IndicatorError(
            f"indicator {ind.code}: no row of the data is in its universe/base "
            f"({ind.universe or ''} {ind.denominator or ''}); check the data against the "
            f"questionnaire '{ind.questionnaire}'.",
            indicator=ind.code,
        )
    return design.subset(mask)


def _designs(design: BaseDesign | Mapping[str, BaseDesign]) -> Mapping[str, BaseDesign] | BaseDesign:
    if isinstance(design, BaseDesign):
        return design
    if isinstance(design, Mapping) and all(isinstance(d, BaseDesign) for d in design.values()):
        return design
    raise IndicatorError(
        "design must be a survey design, or a mapping of unit ('person', 'household', 'incident') to designs."
    )


def _design_for(designs, ind: Indicator) -> BaseDesign | None:
    if isinstance(designs, BaseDesign):
        return designs
    return designs.get(ind.unit)


def _labels(
    table: pd.DataFrame,
    cols: list[str],
    data: pd.DataFrame,
    questionnaire: Questionnaire | None,
    language: str,
    cache: dict | None = None,
) -> pd.DataFrame:
    key = ("labels", id(questionnaire), language)
    if cache is not None and key in cache:
        dicts = cache[key]
    else:
        dicts = None
        if questionnaire is not None:
            try:
                dicts = questionnaire.label_dictionaries(language).value_labels
            except Exception:  # noqa: BLE001 - a questionnaire without that language: fall back to the data
                dicts = None
        if cache is not None:
            cache[key] = dicts
    for c in cols:
        labs = (dicts or {}).get(c) or value_labels(data, c)
        table[c] = label_values(table[c], labs).to_numpy()
    return table


def compute(
    design: BaseDesign | Mapping[str, BaseDesign],
    codes: Sequence[str] | str | None = None,
    by: str | Sequence[str] | None = None,
    *,
    rule: str = "inegi",
    ci: str | None = None,
    level: float = 0.95,
    language: str | None = None,
    labels: bool = True,
    questionnaire: Questionnaire | None = None,
    indicators: Mapping[str, Indicator] | None = None,
    compare: str | None = None,
) -> pd.DataFrame:
    """Indicators with their SE, CI, CV, design effect, n and a quality flag, as a tidy table.

    Parameters
    ----------
    design : design or mapping of unit -> design
        The survey design (weights, strata, PSUs; calibrated or not), or one per unit of analysis
        (``{"person": dp, "household": dh, "incident": di}``); each indicator uses its unit's.
    codes : list of str, optional
        Indicator codes (default: every catalogue indicator whose unit has a design — and, given a
        ``questionnaire``, that is defined on it).
    by : str or list of str, optional
        Domain columns (cross-classified). See :func:`compute_breakdowns` for one breakdown at a time.
    rule : {"inegi", "statcan", "nchs", "nchs-counts"}
        Publication quality rules (see :func:`surveykit.quality_flags`). With ``"nchs"`` the degrees
        of freedom are the domain's, as NCHS asks.
    ci : {"t", "normal", "logit", "korn-graubard", "wilson"}, optional
        Interval for proportions (ratios, means and totals use t or normal); default: each
        indicator's own choice (its ``ci`` field), else t.
    language : str, optional
        Language of names, labels and flag reasons; default: the questionnaire's main language when a
        ``questionnaire`` is given, else English.
    labels : bool
        Label the domain values (from ``questionnaire`` or the data's value labels).
    questionnaire : Questionnaire, optional
        For select_multiple layouts and labels.
    indicators : mapping, optional
        A catalogue other than the shipped one (:func:`load_catalog`).
    compare : {None, "total", "reference"}
        Test each category of the (last) ``by`` column against the whole population's value
        (``"total"``; within each cell of earlier ``by`` columns) or against the first category
        (``"reference"``): the design's :meth:`~surveykit.SurveyDesign.difference` on the indicator's
        estimator call (its covariance counts that a category is part of the total), a design-based
        t test with the design's degrees of freedom. Averages of item proportions (SDG 16.6.2,
        16.7.2) are compared as the linear contrast ``±1/k`` of their item means. Adds
        ``difference`` and ``difference_se`` (on the published scale), ``difference_df``,
        ``p_value`` and ``compared_with`` ("total" or the reference category); the reference
        category's own row has NaN.

    Returns
    -------
    DataFrame: ``code``, ``name``, ``family``, the domain columns, ``estimate``, ``se``, ``ci_low``,
    ``ci_high``, ``cv``, ``deff``, ``n``, ``df``, ``flag``, ``publish``, ``flag_reason``, ``flag_code``,
    ``unit_label``, ``source`` (and the ``compare=`` columns).

    Examples
    --------
    >>> import pandas as pd, surveykit as sk
    >>> from surveykit.indicators.model import Indicator
    >>> df = pd.DataFrame({"p1": [1, 2, 3, 1, 1, 2], "sexo": [1, 1, 1, 2, 2, 2], "w": [1.0] * 6})
    >>> ind = Indicator(code="SAFE", family="sdg16", name={"en": "Feels safe"}, questionnaire="q",
    ...                 estimator="proportion", numerator="${p1} = 1", scale=100, source="example [U]")
    >>> t = sk.indicators.compute(sk.SurveyDesign(df, weights="w"), ["SAFE"], by="sexo",
    ...                           indicators={"SAFE": ind}, labels=False)
    >>> t["sexo"].tolist(), t["estimate"].round(2).tolist()
    ([1, 2], [33.33, 66.67])
    >>> c = sk.indicators.compute(sk.SurveyDesign(df, weights="w"), ["SAFE"], by="sexo",
    ...                           indicators={"SAFE": ind}, labels=False, compare="total")
    >>> c[["sexo", "difference", "compared_with"]].round(2).values.tolist()
    [[1, -16.67, 'total'], [2, 16.67, 'total']]
    """
    return _compute(
        design,
        codes,
        by,
        rule=rule,
        ci=ci,
        level=level,
        language=_language(language, questionnaire),
        labels=labels,
        questionnaire=questionnaire,
        indicators=indicators,
        prepared={},
        compare=compare,
    )


def _language(language: str | None, questionnaire: Questionnaire | None) -> str:
    """The call's language, else the questionnaire's main language, else English (no country default)."""
    if language is not None:
        return language
    return questionnaire.main_language if questionnaire is not None else "en"


def _compute(
    design: BaseDesign | Mapping[str, BaseDesign],
    codes: Sequence[str] | str | None,
    by: str | Sequence[str] | None,
    *,
    rule: str,
    ci: str | None,
    level: float,
    language: str,
    labels: bool,
    questionnaire: Questionnaire | None,
    indicators: Mapping[str, Indicator] | None,
    prepared: dict,
    compare: str | None = None,
) -> pd.DataFrame:
    designs = _designs(design)
    cat = load_catalog() if indicators is None else indicators
    if codes is None:
        qid = getattr(questionnaire, "id", None)
        chosen = [
            c
            for c, ind in cat.items()
            if _design_for(designs, ind) is not None and (qid is None or ind.questionnaire == qid)
        ]
    else:
        chosen = [codes] if isinstance(codes, str) else list(codes)
    by_cols = [] if by is None else ([by] if isinstance(by, str) else list(by))
    if compare not in (None, "total", "reference"):
        raise IndicatorError(
            f"compare={compare!r}: use 'total' (each category against the whole population), "
            "'reference' (against the first category) or None."
        )
    frames = []
    for code in chosen:
        ind = get_indicator(code, cat)
        d = _design_for(designs, ind)
        if d is None:
            raise IndicatorError(
                f"indicator {code} is about the unit '{ind.unit}' but no design for it was given; "
                f"pass compute({{'{ind.unit}': design, ...}}).",
                indicator=code,
            )
        if code not in prepared:
            prepared[code] = _prepare(d, ind, questionnaire)
        proportionish = ind.estimator in ("proportion", "mean_of_proportions")
        df_choice = "domain" if rule == "nchs" else None
        chosen_ci = (ci or ind.ci or "t") if proportionish else _plain(ci or "t")
        t = prepared[code](by_cols or None, ci=chosen_ci, level=level, df=df_choice)
        # reasons in the table's language (flags stay the agencies' codes)
        lang = "es" if str(language).lower().startswith("es") else "en"
        t = (
            quality_flags(t, rule, level=level, scale=ind.scale, language=lang)
            if (rule != "nchs" or proportionish)
            else quality_flags(t, "nchs-counts", level=level, language=lang)
        )
        if compare is not None and by_cols:
            t = compare_columns(prepared[code], t, by_cols, compare, ind.scale)
        elif compare is not None:  # the national row: nothing to compare it with
            t = t.assign(
                difference=np.nan, difference_se=np.nan, difference_df=np.nan, p_value=np.nan, compared_with=""
            )
        if labels and by_cols:
            raw = t[by_cols[-1]].to_numpy()
            t = _labels(t, by_cols, d.data, questionnaire, language, cache=prepared)
            if compare == "reference":  # the reference category in words, as its row
                words = dict(zip(map(str, raw), t[by_cols[-1]]))
                t["compared_with"] = [words.get(str(v), v) for v in t["compared_with"]]
        t.insert(0, "code", code)
        t.insert(1, "name", ind.text("name", language))
        t.insert(2, "family", ind.family)
        t["unit_label"] = ind.text("unit_label", language) if ind.unit_label else ""
        t["source"] = ind.source
        frames.append(t.drop(columns=["variable"]))
    if not frames:
        raise IndicatorError("no indicator to compute: give codes, or designs for the catalogue's units.")
    out = pd.concat(frames, ignore_index=True)
    out.attrs.update({"rule": rule, "ci": ci, "level": level, "language": language})
    if by_cols:  # for the report's titles: the breakdowns' labels, not their names
        out.attrs["variable_labels"] = variable_labels(by_cols, designs, questionnaire, language)
    if compare is not None:
        out.attrs["compare"] = compare
    return out


def compute_breakdowns(
    design: BaseDesign | Mapping[str, BaseDesign],
    codes: Sequence[str] | str | None = None,
    breakdowns: Sequence[str | None] = (None,),
    *,
    rule: str = "inegi",
    ci: str | None = None,
    level: float = 0.95,
    language: str | None = None,
    labels: bool = True,
    questionnaire: Questionnaire | None = None,
    indicators: Mapping[str, Indicator] | None = None,
    compare: str | None = None,
    progress: bool | None = None,
) -> pd.DataFrame:
    """Indicators for the whole population and by each breakdown in turn, in one long table.

    The result has ``breakdown`` (the variable, or "total") and ``category`` (its value) instead of
    one column per domain variable: the shape of a publication table. The options are those of
    :func:`compute` (``language`` defaults to the questionnaire's main language, else English);
    ``progress=True/False`` shows the breakdowns done on stderr (default: when stderr is a terminal
    or in a notebook).
    ``compare="total"`` (or ``"reference"``) tests each category against the national value (or the
    breakdown's first category) as in :func:`compute`; the workbook marks the significant ones.

    Examples
    --------
    >>> import pandas as pd, surveykit as sk
    >>> from surveykit.indicators.model import Indicator
    >>> df = pd.DataFrame({"p1": [1, 2, 3, 1], "sexo": [1, 1, 2, 2], "w": [1.0] * 4})
    >>> ind = Indicator(code="SAFE", family="sdg16", name={"en": "Feels safe"}, questionnaire="q",
    ...                 estimator="proportion", numerator="${p1} = 1", scale=100, source="example [U]")
    >>> t = compute_breakdowns(sk.SurveyDesign(df, weights="w"), ["SAFE"], [None, "sexo"],
    ...                        indicators={"SAFE": ind}, labels=False)
    >>> t[["breakdown", "category", "estimate"]].values.tolist()
    [['total', '', 50.0], ['sexo', 1, 50.0], ['sexo', 2, 50.0]]
    """
    from ..io import Progress, progress_wanted

    lang = _language(language, questionnaire)

    bar = Progress("compute_breakdowns", len(breakdowns), unit="breakdowns") if progress_wanted(progress) else None
    prepared: dict = {}  # expressions are evaluated once for all breakdowns
    frames = []
    for b in breakdowns:
        t = _compute(
            design,
            codes,
            b,
            rule=rule,
            ci=ci,
            level=level,
            language=lang,
            labels=labels,
            questionnaire=questionnaire,
            indicators=indicators,
            prepared=prepared,
            compare=compare,
        )
        if bar is not None:
            bar.update(1)
        if b is None:
            t.insert(3, "breakdown", "total")
            t.insert(4, "category", "")
        else:
            t.insert(3, "breakdown", b)
            t.insert(4, "category", t.pop(b))
        frames.append(t)
    if bar is not None:
        bar.close()
    out = pd.concat(frames, ignore_index=True)
    order = {c: i for i, c in enumerate(dict.fromkeys(out["code"]))}
    out = out.iloc[np.argsort(out["code"].map(order).to_numpy(), kind="stable")].reset_index(drop=True)
    out.attrs.update(frames[0].attrs)
    out.attrs["variable_labels"] = {k: v for f in frames for k, v in f.attrs.get("variable_labels", {}).items()}
    if compare is not None:
        out.attrs["compare"] = compare
    return out
