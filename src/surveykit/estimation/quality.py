"""Publication quality flags for survey estimates.

Each rule set reads an estimate table (``estimate``, ``se``, ``cv``, ``n``, ``df``) and adds
``flag`` (the agency's short code or empty), ``publish`` (``True``, ``False`` for suppression),
``flag_reason`` (why, in words) and ``flag_code`` (the reason's code in :data:`QUALITY_REASONS`, the
rule catalogue other layers match and translate on). Rule sets and their sources:

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
from ..rules import Rule, RuleCatalogue
from .ci import confidence_interval

__all__ = ["QUALITY_RULES", "QUALITY_REASONS", "quality_flags", "REASONS_ES"]

#: The rule sets :func:`quality_flags` applies.
QUALITY_RULES = ("inegi", "statcan", "nchs", "nchs-counts")

#: Every reason :func:`quality_flags` gives, by code (the ``flag_code`` column), in English and Spanish.
#: Severity: ``"error"`` suppresses the estimate, ``"warning"`` publishes it with a warning.
QUALITY_REASONS = RuleCatalogue(
    "quality flags",
    [
        Rule(
            "INEGI-MODERATE",
            "inegi_moderate",
            "warning",
            en="CV between 15% and 30%: moderate precision (INEGI)",
            es="CV entre 15% y 30%: precisión moderada (INEGI)",
        ),
        Rule(
            "INEGI-LOW",
            "inegi_low",
            "warning",
            en="CV of 30% or more, or not computable: low precision (INEGI)",
            es="CV de 30% o más, o no calculable: precisión baja (INEGI)",
        ),
        Rule(
            "STATCAN-CAUTION",
            "statcan_caution",
            "warning",
            en="CV between 16.6% and 33.3%: use with caution (Statistics Canada)",
            es="CV entre 16.6% y 33.3%: usar con cautela (Statistics Canada)",
        ),
        Rule(
            "STATCAN-FEW-OBS",
            "statcan_few_observations",
            "error",
            en="fewer than 10 observations: too unreliable to publish (Statistics Canada)",
            es="menos de 10 observaciones: demasiado inestable para publicarse (Statistics Canada)",
        ),
        Rule(
            "STATCAN-HIGH-CV",
            "statcan_high_cv",
            "error",
            en="CV above 33.3%: too unreliable to publish (Statistics Canada)",
            es="CV mayor que 33.3%: demasiado inestable para publicarse (Statistics Canada)",
        ),
        Rule(
            "NCHS-ESS",
            "nchs_effective_size",
            "error",
            en="effective sample size below 30 (NCHS)",
            es="tamaño de muestra efectivo menor que 30 (NCHS)",
        ),
        Rule(
            "NCHS-WIDTH",
            "nchs_ci_width",
            "error",
            en="Korn-Graubard CI width of 0.30 or more (NCHS)",
            es="amplitud del IC de Korn-Graubard de 0.30 o más (NCHS)",
        ),
        Rule(
            "NCHS-REL-WIDTH",
            "nchs_relative_ci_width",
            "error",
            en="Korn-Graubard CI width above 130% of the estimate (NCHS)",
            es="amplitud del IC de Korn-Graubard mayor que 130% de la estimación (NCHS)",
        ),
        Rule(
            "NCHS-EDGE",
            "nchs_zero_or_one",
            "warning",
            en="estimate is 0 or 1: review (NCHS)",
            es="la estimación es 0 o 1: revisar (NCHS)",
        ),
        Rule(
            "NCHS-DF",
            "nchs_few_df",
            "warning",
            en="fewer than 8 degrees of freedom: review (NCHS)",
            es="menos de 8 grados de libertad: revisar (NCHS)",
        ),
        Rule(
            "NCHS-COMPLEMENT",
            "nchs_complement_width",
            "warning",
            en="CI width above 130% of the complement: review (NCHS)",
            es="amplitud del IC mayor que 130% del complemento: revisar (NCHS)",
        ),
        Rule(
            "NCHS-COUNTS-FEW-OBS",
            "nchs_counts_few_observations",
            "error",
            en="fewer than 10 observations (NCHS counts)",
            es="menos de 10 observaciones (NCHS, conteos)",
        ),
        Rule(
            "NCHS-COUNTS-REL-WIDTH",
            "nchs_counts_relative_ci_width",
            "error",
            en="CI width above 160% of the estimate (NCHS counts)",
            es="amplitud del IC mayor que 160% de la estimación (NCHS, conteos)",
        ),
        Rule(
            "NCHS-COUNTS-DF",
            "nchs_counts_few_df",
            "warning",
            en="fewer than 8 degrees of freedom: review (NCHS counts)",
            es="menos de 8 grados de libertad: revisar (NCHS, conteos)",
        ),
    ],
)

#: Every reason :func:`quality_flags` gives, English text to Spanish (kept for older callers; match on
#: ``flag_code`` and translate through :data:`QUALITY_REASONS` instead).
REASONS_ES = {r.en: r.es for r in QUALITY_REASONS}


def _need(table: pd.DataFrame, cols: list[str], rule: str) -> None:
    missing = [c for c in cols if c not in table.columns]
    if missing:
        raise EstimationError(
            f"quality rule '{rule}' needs the columns {missing}; pass an estimate table from a surveykit estimator."
        )


def quality_flags(
    table: pd.DataFrame, rule: str = "inegi", level: float = 0.95, scale: float | pd.Series = 1.0, language: str = "en"
) -> pd.DataFrame:
    """A copy of ``table`` with ``flag``, ``publish``, ``flag_reason`` and ``flag_code`` columns under ``rule``.

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
    >>> quality_flags(t, "inegi", language="es")[["flag", "flag_code", "flag_reason"]].values.tolist()
    [['moderada', 'INEGI-MODERATE', 'CV entre 15% y 30%: precisión moderada (INEGI)']]
    >>> QUALITY_REASONS["INEGI-MODERATE"].text("en")
    'CV between 15% and 30%: moderate precision (INEGI)'
    """
    if rule not in QUALITY_RULES:
        raise EstimationError(f"rule={rule!r}: use one of {', '.join(QUALITY_RULES)}.")
    lang = str(language).split("-")[0].lower()
    if lang not in ("en", "es"):
        raise EstimationError(f"language={language!r}: quality reasons are given in 'en' or 'es'.")
    out = table.copy()
    flag = np.full(len(out), "", dtype=object)
    code = np.full(len(out), "", dtype=object)  # QUALITY_REASONS codes
    publish = np.ones(len(out), dtype=bool)
    if rule == "inegi":
        _need(out, ["cv"], rule)
        cv = out["cv"].to_numpy(dtype=float)
        mod = (cv >= 0.15) & (cv < 0.30)
        low = ~(cv < 0.30)
        flag[mod], code[mod] = "moderada", "INEGI-MODERATE"
        flag[low], code[low] = "baja", "INEGI-LOW"
    elif rule == "statcan":
        _need(out, ["cv", "n"], rule)
        cv = out["cv"].to_numpy(dtype=float)
        n = out["n"].to_numpy(dtype=float)
        caution = (cv > 0.165) & (cv <= 0.333)
        suppress = ~(cv <= 0.333) | (n < 10)
        flag[caution], code[caution] = "E", "STATCAN-CAUTION"
        flag[suppress] = "F"
        code[suppress] = np.where(n[suppress] < 10, "STATCAN-FEW-OBS", "STATCAN-HIGH-CV")
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
        code[small] = "NCHS-ESS"
        code[wide] = "NCHS-WIDTH"
        code[relwide] = "NCHS-REL-WIDTH"
        publish[suppress] = False
        complement = ~suppress & ~narrow & (rel_c > 1.30)
        review = complement | (~suppress & ((df < 8) | edge))
        flag[review] = "review"
        code[review] = np.where(edge[review], "NCHS-EDGE", np.where(df[review] < 8, "NCHS-DF", "NCHS-COMPLEMENT"))
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
        code[suppress] = np.where(n[suppress] < 10, "NCHS-COUNTS-FEW-OBS", "NCHS-COUNTS-REL-WIDTH")
        publish[suppress] = False
        review = ~suppress & (df < 8)
        flag[review], code[review] = "review", "NCHS-COUNTS-DF"
    # the words come from the catalogue, by code, in the table's language
    words = {r.code: r.text(lang) for r in QUALITY_REASONS}
    words[""] = ""
    reason = pd.Series(code, dtype=object).map(words).to_numpy(dtype=object)
    out["flag"] = flag
    out["publish"] = publish
    out["flag_reason"] = reason
    out["flag_code"] = code
    out.attrs.update(table.attrs)
    out.attrs["quality_rule"] = rule
    return out
