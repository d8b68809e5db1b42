"""Fieldwork monitoring from collected data: interviews per enumerator and day, durations, don't
know/refused shares, and enumerators who stand out."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ...errors import MicrodataError

if TYPE_CHECKING:
    from ...questionnaire import Questionnaire

__all__ = ["paradata_summary"]

_KINDS = ("dont_know", "refused")


def _robust_z(x: np.ndarray) -> np.ndarray:
    """(x - median) / (1.4826 MAD); 0 where the spread is 0 (nobody differs)."""
    ok = np.isfinite(x)
    if ok.sum() < 2:
        return np.zeros_like(x)
    med = np.median(x[ok])
    mad = 1.4826 * np.median(np.abs(x[ok] - med))
    if mad == 0:
        mad = np.mean(np.abs(x[ok] - med)) * 1.2533 or np.inf
    return np.where(ok, (x - med) / mad, np.nan)


def paradata_summary(
    units: Mapping[str, pd.DataFrame],
    questionnaire: Questionnaire | None = None,
    *,
    threshold: float = 3.5,
    min_interviews: int = 5,
) -> dict[str, pd.DataFrame]:
    """What a statistics office monitors during fieldwork, from a :func:`read_collection` result.

    Parameters
    ----------
    units : Collection or dict of DataFrames
        The main table needs ``interview_id`` and ``enumerator`` (and ``submission_time`` or
        ``start_time`` for days, ``duration_min`` for durations); repeat tables are joined to their
        enumerator through ``interview_id``.
    questionnaire : Questionnaire, optional
        Default: ``units.questionnaire``.
    threshold : float, default 3.5
        An enumerator is flagged when a metric's robust z-score (median and MAD across enumerators)
        exceeds this in absolute value.
    min_interviews : int, default 5
        Enumerators with fewer interviews are not flagged (too few to judge).

    Returns
    -------
    dict of DataFrame
        ``"per_day"`` (enumerator, day, interviews), ``"enumerators"`` (interviews, days,
        interviews_per_day, median_duration_min, share_dont_know, share_refused),
        ``"questions"`` (unit, question, enumerator, answered, dont_know, refused, share_dont_know,
        share_refused) and ``"outliers"`` (enumerator, metric, value, median, z).

    Examples
    --------
    >>> import pandas as pd, surveykit as sk
    >>> q = sk.Questionnaire(id="p", languages=["es"],
    ...     missing_codes=[sk.MissingCode(kind="dont_know", code=98)], items=[sk.IntegerQuestion(name="ingreso")])
    >>> main = pd.DataFrame({"interview_id": list("abcdef"), "enumerator": ["ana"] * 3 + ["luis"] * 3,
    ...     "submission_time": pd.to_datetime(["2024-03-01", "2024-03-01", "2024-03-02"] * 2),
    ...     "duration_min": [30.0, 34, 32, 12, 11, 13], "ingreso": [100, 98, 200, 98, 98, 300]})
    >>> s = sk.paradata_summary({"main": main}, q)
    >>> cols = ["enumerator", "interviews", "median_duration_min", "share_dont_know"]
    >>> s["enumerators"][cols].round(3).values.tolist()
    [['ana', 3, 32.0, 0.333], ['luis', 3, 12.0, 0.667]]
    >>> s["per_day"].values.tolist()[:2]
    [['ana', datetime.date(2024, 3, 1), 2], ['ana', datetime.date(2024, 3, 2), 1]]
    """
    q = questionnaire if questionnaire is not None else getattr(units, "questionnaire", None)
    if q is None:
        raise MicrodataError("paradata_summary needs the questionnaire (a Collection carries it).")
    main_name = q.unit or "main"
    main = units.get(main_name)
    if main is None:
        raise MicrodataError(f"no main table {main_name!r} among {list(units)}.")
    for c in ("interview_id", "enumerator"):
        if c not in main.columns:
            raise MicrodataError(
                f"the main table has no {c!r} column; paradata needs the enumerator of each "
                "interview (read the export with read_collection).",
                column=c,
            )
    enum = main["enumerator"].astype(object).where(main["enumerator"].notna(), "(unknown)")
    codes, names = pd.factorize(enum, sort=True)
    k = len(names)
    when = main["submission_time"] if "submission_time" in main.columns else main.get("start_time")
    per_day = pd.DataFrame(
        {"enumerator": enum.to_numpy(dtype=object), "day": pd.to_datetime(when).dt.date if when is not None else pd.NaT}
    )
    per_day = per_day.groupby(["enumerator", "day"], dropna=False).size().rename("interviews").reset_index()
    interviews = np.bincount(codes, minlength=k)
    days = per_day.groupby("enumerator")["day"].nunique().reindex(names).to_numpy(dtype=float)
    dur = pd.to_numeric(main["duration_min"], errors="coerce") if "duration_min" in main.columns else None
    med_dur = (
        dur.groupby(codes).median().reindex(range(k)).to_numpy(dtype=float) if dur is not None else np.full(k, np.nan)
    )
    id_to_code = pd.Series(codes, index=main["interview_id"].to_numpy(dtype=object))
    id_to_code = id_to_code[~id_to_code.index.duplicated()]
    rows = []
    totals = {kind: np.zeros(k) for kind in _KINDS}
    answered_all = np.zeros(k)
    for info in q.questions():
        kinds = {m.kind: m.code for m in info.missing if m.kind in _KINDS}
        if not kinds or not info.model.stores_value:
            continue
        unit = info.repeat or main_name
        df = units.get(unit)
        if df is None:
            continue
        col = (
            info.model.name
            if info.model.type != "select_multiple"
            else next((c for c in info.columns("binary") if c in df.columns), None)
        )
        if col is None or col not in df.columns:
            continue
        ecode = (
            codes
            if unit == main_name
            else id_to_code.reindex(df["interview_id"].to_numpy(dtype=object)).fillna(-1).to_numpy(dtype=int)
        )
        ok = ecode >= 0
        vals = df[col]
        answered = (vals.notna() & (vals.astype(object) != "")).to_numpy(dtype=bool) & ok
        n_ans = np.bincount(ecode[answered], minlength=k)
        counts = {}
        for kind, code in kinds.items():
            hit = answered & vals.astype(object).isin(
                [code, float(code) if isinstance(code, int) else code, str(code)]
            ).to_numpy(dtype=bool)
            counts[kind] = np.bincount(ecode[hit], minlength=k)
            totals[kind] += counts[kind]
        answered_all += n_ans
        with np.errstate(invalid="ignore", divide="ignore"):
            rows.append(
                pd.DataFrame(
                    {
                        "unit": unit,
                        "question": info.model.name,
                        "enumerator": names.to_numpy(dtype=object),
                        "answered": n_ans,
                        "dont_know": counts.get("dont_know", np.zeros(k, int)),
                        "refused": counts.get("refused", np.zeros(k, int)),
                        "share_dont_know": counts.get("dont_know", np.zeros(k)) / n_ans,
                        "share_refused": counts.get("refused", np.zeros(k)) / n_ans,
                    }
                )
            )
    questions = (
        pd.concat(rows, ignore_index=True)
        if rows
        else pd.DataFrame(
            columns=[
                "unit",
                "question",
                "enumerator",
                "answered",
                "dont_know",
                "refused",
                "share_dont_know",
                "share_refused",
            ]
        )
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        enumerators = pd.DataFrame(
            {
                "enumerator": names.to_numpy(dtype=object),
                "interviews": interviews,
                "days": days,
                "interviews_per_day": interviews / days,
                "median_duration_min": med_dur,
                "share_dont_know": totals["dont_know"] / answered_all,
                "share_refused": totals["refused"] / answered_all,
            }
        )
    judged = interviews >= min_interviews
    out = []
    for metric in ("interviews_per_day", "median_duration_min", "share_dont_know", "share_refused"):
        x = enumerators[metric].to_numpy(dtype=float)
        x = np.where(judged, x, np.nan)
        z = _robust_z(x)
        flag = np.abs(np.nan_to_num(z)) > threshold
        if flag.any():
            out.append(
                pd.DataFrame(
                    {
                        "enumerator": names.to_numpy(dtype=object)[flag],
                        "metric": metric,
                        "value": x[flag],
                        "median": np.nanmedian(x),
                        "z": z[flag],
                    }
                )
            )
    outliers = (
        pd.concat(out, ignore_index=True)
        if out
        else pd.DataFrame(columns=["enumerator", "metric", "value", "median", "z"])
    )
    return {"per_day": per_day, "enumerators": enumerators, "questions": questions, "outliers": outliers}
