"""Publication quality flags for survey estimates.

Each rule set reads an estimate table (``estimate``, ``se``, ``cv``, ``n``, ``df``) and adds
``flag`` (a short code or empty), ``publish`` (``True``, ``False`` for suppression) and ``flag_reason``
(why, in words). Rule sets and their sources:

``"inegi"``
    INEGI (Mexico) household surveys, agreement CAC-007/01/2018: CV below 15% high precision; 15% to
    30% moderate (flag "moderada"); 30% or more low (flag "baja"). A flag, never a suppression.
``"statcan"``
    Statistics Canada (GSS victimization, CCHS): CV up to 16.5% release; 16.6% to 33.3% release with
    caution ("E"); above 33.3% suppress ("F"); fewer than 10 observations suppress.
``"nchs"``
    NCHS Data Presentation Standards for Proportions (Parker et al. 2017, Vital Health Stat 2(175)):
    effective sample size ``p(1-p)/SE^2`` capped at the sample size (the sample size when p is 0 or
    1); suppress when it is below 30; present when the Korn-Graubard interval is at most 0.05 wide
    (0 when p is 0 or 1); otherwise suppress when it is 0.30 wide or wider, or when its width
    relative to p exceeds 130%; among the presented, flag for review a width above 130% of 1-p (when
    the interval is wider than 0.05), df < 8, or p equal to 0 or 1. The same decisions as CDC's
    ``surveytable``. ``df`` should be the domain's (``df="domain"`` in the estimator).
``"nchs-counts"``
    NCHS counts (Series 2 No. 200): present when n >= 10 and the relative CI width is at most 160%;
    flag when df < 8.

Examples
--------
>>> import pandas as pd
>>> t = pd.DataFrame({"estimate": [0.2, 0.02], "se": [0.01, 0.009], "n": [900, 300], "df": [60, 60]})
>>> t["cv"] = t["se"] / t["estimate"]
>>> quality_flags(t, "inegi")[["flag", "publish"]].values.tolist()
[['', True], ['baja', True]]
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import EstimationError
from .ci import confidence_interval

__all__ = ["QUALITY_RULES", "quality_flags", "REASONS_ES"]

QUALITY_RULES = ("inegi", "statcan", "nchs", "nchs-counts")

#: Every reason :func:`quality_flags` gives, in Spanish (``language="es"``).
REASONS_ES = {
    "CV between 15% and 30%: moderate precision (INEGI)": "CV entre 15% y 30%: precisión moderada (INEGI)",
    "CV of 30% or more, or not computable: low precision (INEGI)":
        "CV de 30% o más, o no calculable: precisión baja (INEGI)",
    "CV between 16.6% and 33.3%: use with caution (Statistics Canada)":
        "CV entre 16.6% y 33.3%: usar con cautela (Statistics Canada)",
    "fewer than 10 observations: too unreliable to publish (Statistics Canada)":
        "menos de 10 observaciones: demasiado inestable para publicarse (Statistics Canada)",
    "CV above 33.3%: too unreliable to publish (Statistics Canada)":
        "CV mayor que 33.3%: demasiado inestable para publicarse (Statistics Canada)",
    "effective sample size below 30 (NCHS)": "tamaño de muestra efectivo menor que 30 (NCHS)",
    "Korn-Graubard CI width of 0.30 or more (NCHS)": "amplitud del IC de Korn-Graubard de 0.30 o más (NCHS)",
    "Korn-Graubard CI width above 130% of the estimate (NCHS)":
        "amplitud del IC de Korn-Graubard mayor que 130% de la estimación (NCHS)",
    "estimate is 0 or 1: review (NCHS)": "la estimación es 0 o 1: revisar (NCHS)",
    "fewer than 8 degrees of freedom: review (NCHS)": "menos de 8 grados de libertad: revisar (NCHS)",
    "CI width above 130% of the complement: review (NCHS)":
        "amplitud del IC mayor que 130% del complemento: revisar (NCHS)",
    "fewer than 10 observations (NCHS counts)": "menos de 10 observaciones (NCHS, conteos)",
    "CI width above 160% of the estimate (NCHS counts)": "amplitud del IC mayor que 160% de la estimación (NCHS, conteos)",
    "fewer than 8 degrees of freedom: review (NCHS counts)": "menos de 8 grados de libertad: revisar (NCHS, conteos)",
}


def _need(table: pd.DataFrame, cols: list[str], rule: str) -> None:
    missing = [c for c in cols if c not in table.columns]
    if missing:
        raise EstimationError(f"quality rule '{rule}' needs the columns {missing}; pass an estimate table "
                              "from a surveykit estimator.")


def quality_flags(table: pd.DataFrame, rule: str = "inegi", level: float = 0.95,
                  scale: float | pd.Series = 1.0, language: str = "en") -> pd.DataFrame:
    """A copy of ``table`` with ``flag``, ``publish`` and ``flag_reason`` columns under ``rule``.

    Parameters
    ----------
    table : DataFrame
        Output of an estimator (``estimate``, ``se``, ``cv``, ``n``, ``df`` columns).
    rule : {"inegi", "statcan", "nchs", "nchs-counts"}
        See the module documentation for thresholds and sources.
    level : float
        Confidence level of the Korn-Graubard interval (NCHS rules).
    scale : float or Series
        What the estimates were multiplied by (100 for percentages): NCHS proportion rules work on
        the 0-1 scale.
    language : {"en", "es"}
        Language of ``flag_reason``. ``flag`` is always the agency's own published code (INEGI's
        "moderada"/"baja", Statistics Canada's "E"/"F", NCHS's "suppress"/"review"), never translated,
        so tables can be filtered on it whatever the language; the reason is the explanation in words.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"estimate": [0.30], "se": [0.02], "n": [1000], "df": [50], "cv": [0.0667]})
    >>> quality_flags(t, "nchs")[["flag", "publish"]].values.tolist()
    [['', True]]
    >>> t["cv"] = 0.2
    >>> quality_flags(t, "inegi", language="es")[["flag", "flag_reason"]].values.tolist()
    [['moderada', 'CV entre 15% y 30%: precisión moderada (INEGI)']]
    """
    if rule not in QUALITY_RULES:
        raise EstimationError(f"rule={rule!r}: use one of {', '.join(QUALITY_RULES)}.")
    lang = str(language).split("-")[0].lower()
    if lang not in ("en", "es"):
        raise EstimationError(f"language={language!r}: quality reasons are given in 'en' or 'es'.")
    out = table.copy()
    flag = np.full(len(out), "", dtype=object)
    reason = np.full(len(out), "", dtype=object)
    publish = np.ones(len(out), dtype=bool)
    if rule == "inegi":
        _need(out, ["cv"], rule)
        cv = out["cv"].to_numpy(dtype=float)
        mod = (cv >= 0.15) & (cv < 0.30)
        low = ~(cv < 0.30)
        flag[mod], reason[mod] = "moderada", "CV between 15% and 30%: moderate precision (INEGI)"
        flag[low], reason[low] = "baja", "CV of 30% or more, or not computable: low precision (INEGI)"
    elif rule == "statcan":
        _need(out, ["cv", "n"], rule)
        cv = out["cv"].to_numpy(dtype=float)
        n = out["n"].to_numpy(dtype=float)
        caution = (cv > 0.165) & (cv <= 0.333)
        suppress = ~(cv <= 0.333) | (n < 10)
        flag[caution], reason[caution] = "E", "CV between 16.6% and 33.3%: use with caution (Statistics Canada)"
        flag[suppress] = "F"
        reason[suppress] = np.where(n[suppress] < 10, "fewer than 10 observations: too unreliable to publish "
                                    "(Statistics Canada)", "CV above 33.3%: too unreliable to publish (Statistics Canada)")
        publish[suppress] = False
    elif rule == "nchs":
        _need(out, ["estimate", "se", "n", "df"], rule)
        sc = np.asarray(scale, dtype=float) if np.ndim(scale) else float(scale)
        p = out["estimate"].to_numpy(dtype=float) / sc
        se = out["se"].to_numpy(dtype=float) / sc
        n = out["n"].to_numpy(dtype=float)
        df = out["df"].to_numpy(dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            edge = (p <= 0) | (p >= 1)
            ess = np.where(edge, n, np.minimum(p * (1 - p) / (se * se), n))
            lo, hi = confidence_interval(p, se, df, level, "korn-graubard", n_rows=n, kg_df=df)
            width = np.where(edge, 0.0, hi - lo)
            rel = width / p
            rel_c = width / (1 - p)
        small = ess < 30
        narrow = ~small & (width <= 0.05)
        wide = ~small & ~narrow & (width >= 0.30)
        relwide = ~small & ~narrow & ~wide & (rel > 1.30)
        suppress = small | wide | relwide
        flag[suppress] = "suppress"
        reason[small] = "effective sample size below 30 (NCHS)"
        reason[wide] = "Korn-Graubard CI width of 0.30 or more (NCHS)"
        reason[relwide] = "Korn-Graubard CI width above 130% of the estimate (NCHS)"
        publish[suppress] = False
        complement = ~suppress & ~narrow & (rel_c > 1.30)
        review = complement | (~suppress & ((df < 8) | edge))
        flag[review] = "review"
        reason[review] = np.where(edge[review], "estimate is 0 or 1: review (NCHS)",
                                  np.where(df[review] < 8, "fewer than 8 degrees of freedom: review (NCHS)",
                                           "CI width above 130% of the complement: review (NCHS)"))
        out["ci_low_kg"] = lo * sc
        out["ci_high_kg"] = hi * sc
        out["effective_n"] = ess
    else:  # nchs-counts
        _need(out, ["estimate", "ci_low", "ci_high", "n", "df"], rule)
        est = out["estimate"].to_numpy(dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            relw = (out["ci_high"].to_numpy(dtype=float) - out["ci_low"].to_numpy(dtype=float)) / est
        n = out["n"].to_numpy(dtype=float)
        df = out["df"].to_numpy(dtype=float)
        suppress = (n < 10) | ~(relw <= 1.60)
        flag[suppress] = "suppress"
        reason[suppress] = np.where(n[suppress] < 10, "fewer than 10 observations (NCHS counts)",
                                    "CI width above 160% of the estimate (NCHS counts)")
        publish[suppress] = False
        review = ~suppress & (df < 8)
        flag[review], reason[review] = "review", "fewer than 8 degrees of freedom: review (NCHS counts)"
    if lang == "es":
        reason = np.array([REASONS_ES.get(r, r) for r in reason], dtype=object)
    out["flag"] = flag
    out["publish"] = publish
    out["flag_reason"] = reason
    out.attrs.update(table.attrs)
    out.attrs["quality_rule"] = rule
    return out
