"""The publication workbook: indicators as a statistics office publishes them, in Excel (openpyxl)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..errors import ReportError
from ..indicators.compare import COMPARE_COLUMNS
from .estimates import estimate_results, is_estimate_table
from .sheets import _contents_sheet, _Ctx, _data_sheet, _family_sheet, _flag_key, _sources_sheet
from .significance import has_significance
from .styles import FLAG_FILLS
from ..rules import language_key
from .texts import BREAKDOWN_LABELS, FAMILY_ORDER, text

__all__ = ["write_workbook", "REQUIRED_COLUMNS", "FLAG_FILLS", "prepare_results"]

#: Columns a results table must have (the output of ``sk.indicators.compute_breakdowns``).
REQUIRED_COLUMNS = (
    "code",
    "name",
    "family",
    "estimate",
    "se",
    "ci_low",
    "ci_high",
    "cv",
    "n",
    "flag",
    "publish",
    "flag_reason",
    "unit_label",
    "source",
)
_COLUMNS = ("estimate", "se", "ci", "cv", "deff", "n")

if TYPE_CHECKING:  # pragma: no cover
    from openpyxl import Workbook

    from ..questionnaire import Questionnaire


def prepare_results(results: pd.DataFrame) -> pd.DataFrame:
    """Check a results table and give it ``breakdown``/``category`` when it has none (a national table).

    Raises :class:`~surveykit.ReportError` naming the columns that are missing.

    >>> import pandas as pd
    >>> t = pd.DataFrame({c: [1.0] for c in REQUIRED_COLUMNS}).assign(family="sdg16")
    >>> prepare_results(t)[["breakdown", "category"]].values.tolist()
    [['total', '']]
    """
    if not isinstance(results, pd.DataFrame):
        raise ReportError(
            f"results must be the DataFrame of sk.indicators.compute_breakdowns(...), not {type(results).__name__}."
        )
    if results.empty:
        raise ReportError("results is empty: there is no indicator to publish.")
    if is_estimate_table(results):
        # a plain estimator or crosstab table (d.proportion(...), d.mean(..., by=...)): one indicator per
        # variable and level, flagged by the INEGI rule; estimate_results() gives names, units, scale
        results = estimate_results(results, row=results.attrs.get("row"))
    missing = [c for c in REQUIRED_COLUMNS if c not in results.columns]
    if missing:
        raise ReportError(
            f"results lacks the columns {missing}; pass the table of "
            "sk.indicators.compute_breakdowns(...) (or compute(...)).",
            column=missing[0],
        )
    out = results.copy()
    if "breakdown" not in out.columns:
        known = {
            "deff",
            "df",
            "level",
            "variable",
            "ci_low_kg",
            "ci_high_kg",
            "effective_n",
            "flag_code",
            *COMPARE_COLUMNS,
        }
        extra = [c for c in out.columns if c not in REQUIRED_COLUMNS and c not in known]
        if extra:
            raise ReportError(
                f"results has domain columns {extra} but no 'breakdown'/'category'; use "
                "sk.indicators.compute_breakdowns(...) for tables by domain.",
                column=extra[0],
            )
        out["breakdown"] = "total"
        out["category"] = ""
    bad_family = sorted(set(out["family"]) - set(FAMILY_ORDER))
    if bad_family:
        raise ReportError(
            f"results has unknown families {bad_family}; families are {list(FAMILY_ORDER)}.", column="family"
        )
    out.attrs = dict(results.attrs)
    return out


def _markers(table: pd.DataFrame) -> dict[tuple[str, str], str]:
    """A footnote letter for each distinct (flag, reason code), in order of appearance."""
    out: dict[tuple[str, str], str] = {}
    flagged = table[table["flag"].astype(str) != ""]
    codes = flagged["flag_code"] if "flag_code" in flagged.columns else pd.Series("", index=flagged.index)
    for flag, reason, code in zip(flagged["flag"].astype(str), flagged["flag_reason"].astype(str), codes):
        key = _flag_key(flag, reason, code)
        if key not in out:
            i = len(out)
            out[key] = _letters(i)
    return out


def _letters(i: int) -> str:
    s = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(97 + r) + s
    return s


def _atomic_save(wb: Workbook, path: Path) -> None:
    from ..fileio import atomic_write

    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, wb.save, ReportError)


def write_workbook(
    results: pd.DataFrame,
    path: str | Path,
    language: str | None = None,
    *,
    title: str | None = None,
    subtitle: str | None = None,
    columns: Sequence[str] = ("estimate", "ci", "cv", "n"),
    suppressed_symbol: str = "x",
    breakdown_labels: Mapping[str, str] | None = None,
    questionnaire: Questionnaire | None = None,
    indicators: Mapping[str, Any] | None = None,
    not_computed: Mapping[str, str] | None = None,
    data_sheet: bool = True,
    paper: str = "letter",
    alpha: float = 0.05,
) -> Path:
    """Write indicators to an Excel workbook a statistics office would publish.

    Sheets: a contents sheet (title, sheets, every indicator linked to its table, the quality rule and
    legend), one sheet per family (victimization, discrimination, SDG 16) with a table per indicator
    (title, unit, a row for the total and for each category of each breakdown, and the chosen
    columns), a sources sheet (each indicator's source and evidence tags) and a data sheet (the tidy
    table, for machines). Suppressed estimates show ``suppressed_symbol`` instead of numbers; flagged
    and suppressed cells are coloured and carry a footnote letter explained at the foot of the sheet.
    Number formats, frozen panes, column widths and print setup (landscape, fit to width, repeated
    header row, page numbers) are set.

    Parameters
    ----------
    results : DataFrame
        The table of :func:`surveykit.indicators.compute_breakdowns` (or of ``compute`` without ``by``),
        or a plain estimator or crosstab table (converted by :func:`estimate_results` with its
        defaults; call it yourself for names, units and percentages).
    path : str or Path
        The ``.xlsx`` file to write (replaced atomically).
    language : {"es", "en"}, optional
        Language of the workbook's words; default ``results.attrs["language"]`` or Spanish. Indicator
        names and category labels are those of ``results`` (compute them in the same language).
    title, subtitle : str, optional
        Shown on the contents sheet (e.g. the survey and year).
    columns : sequence of {"estimate", "se", "ci", "cv", "deff", "n"}
        Columns of each indicator table, in order.
    suppressed_symbol : str, default "x"
        What a suppressed cell shows.
    breakdown_labels : mapping, optional
        Display names of breakdown variables (default: the questionnaire's variable labels, then the
        labels ``compute_breakdowns`` recorded from the questionnaire or the data, then common names).
    questionnaire : Questionnaire, optional
        For the breakdown variables' labels.
    indicators : mapping of code to Indicator, optional
        Definitions whose ``notes`` go to the sources sheet (default: the shipped catalogue).
    not_computed : mapping of code to reason, optional
        Indicators left out, listed on the contents sheet.
    data_sheet : bool, default True
        Add the tidy data sheet.
    paper : {"letter", "a4"}
    alpha : float, default 0.05
        When the results have p-values (``compute_breakdowns(..., compare="total")``, or
        :func:`estimate_results` with ``design=`` and ``compare=``), categories with ``p_value < alpha``
        get ▲ (higher) or ▼ (lower) in a column of their own, and a footnote states the comparison, the
        test and its degrees of freedom.

    Returns
    -------
    Path
        The file written.

    Examples
    --------
    >>> import pandas as pd, tempfile, os, openpyxl
    >>> t = pd.DataFrame({"code": "VIC.1", "name": "Prevalencia", "family": "victimization",
    ...     "breakdown": ["total", "sexo", "sexo"], "category": ["", "Hombre", "Mujer"],
    ...     "estimate": [20.0, 22.0, 18.0], "se": [1.0, 1.5, 6.0], "ci_low": [18.0, 19.0, 6.0],
    ...     "ci_high": [22.0, 25.0, 30.0], "cv": [0.05, 0.068, 0.33], "deff": 1.8, "n": [900, 400, 500],
    ...     "df": 60, "flag": ["", "", "baja"], "publish": True,
    ...     "flag_reason": ["", "", "CV of 30% or more: low precision (INEGI)"], "unit_label": "%",
    ...     "source": "Example [U]"})
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     p = write_workbook(t, os.path.join(tmp, "r.xlsx"), language="es")
    ...     wb = openpyxl.load_workbook(p)
    ...     wb.sheetnames
    ['Contenido', 'Victimización', 'Fuentes', 'Datos']
    """
    table = prepare_results(results)
    lang = language_key(language or table.attrs.get("language") or "es")
    unknown = [c for c in columns if c not in _COLUMNS]
    if unknown or not columns:
        raise ReportError(f"columns {unknown or list(columns)} are not table columns; use some of {list(_COLUMNS)}.")
    if not 0 < alpha < 1:
        raise ReportError(f"alpha must be between 0 and 1 (e.g. 0.05), not {alpha!r}.")
    if paper not in ("letter", "a4"):
        raise ReportError(f"paper must be 'letter' or 'a4', not {paper!r}.")
    target = Path(path)
    if target.suffix.lower() != ".xlsx":
        raise ReportError(f"the workbook must be an .xlsx file, not {target.name!r}.", file=str(target))
    level = float(table.attrs.get("level", 0.95))
    rule = table.attrs.get("rule")
    ci = table.attrs.get("ci") or "t"  # compute(ci=None): each indicator its own, t unless it says
    markers = _markers(table)
    labels = _breakdown_labels(table, lang, breakdown_labels, questionnaire)
    defs = _definitions(indicators)

    from openpyxl import Workbook
    from openpyxl.utils.exceptions import IllegalCharacterError

    try:
        wb = _build(
            table,
            lang,
            title,
            subtitle,
            rule,
            ci,
            level,
            markers,
            not_computed,
            defs,
            data_sheet,
            _Ctx(lang, level, columns, suppressed_symbol, markers, labels, paper, alpha, has_significance(table)),
            Workbook,
        )
    except IllegalCharacterError as exc:
        # a control character in a name, label or title (pasted from another program): Excel cannot store it
        raise ReportError(
            f"cannot write {target}: a name, label or title holds a control character Excel cannot "
            f"store ({exc}); remove it (e.g. re.sub(r'[\\x00-\\x1f]', '', text)).",
            file=str(target),
        ) from None
    _atomic_save(wb, target)
    return target


def _build(
    table, lang, title, subtitle, rule, ci, level, markers, not_computed, defs, data_sheet, ctx, Workbook
) -> Any:
    wb = Workbook()
    contents = wb.active
    contents.title = text(lang, "contents")
    families = [f for f in FAMILY_ORDER if (table["family"] == f).any()]
    anchors: dict[str, tuple[str, int]] = {}
    for fam in families:
        ws = wb.create_sheet(text(lang, "families")[fam])
        anchors.update(_family_sheet(ws, table[table["family"] == fam], fam, ctx, rule, ci))
    src = wb.create_sheet(text(lang, "sources"))
    _sources_sheet(src, table, lang, defs, ctx)
    if data_sheet:
        _data_sheet(wb.create_sheet(text(lang, "data")), table, ctx)
    _contents_sheet(
        contents,
        table,
        families,
        anchors,
        lang,
        title,
        subtitle,
        rule,
        ci,
        level,
        markers,
        not_computed,
        ctx,
        wb.sheetnames,
    )
    return wb


def _breakdown_labels(
    table: pd.DataFrame, lang: str, given: Mapping[str, str] | None, q: Questionnaire | None
) -> dict[str, str]:
    """Display names of breakdown variables: ``given``, else the questionnaire's variable labels, else the
    labels ``compute_breakdowns`` recorded (``results.attrs["variable_labels"]``), else common names."""
    out = dict(BREAKDOWN_LABELS[lang])
    out.update({k: str(v) for k, v in (table.attrs.get("variable_labels") or {}).items() if v})
    if q is not None:
        try:
            out.update(
                {
                    k: v
                    for k, v in q.label_dictionaries(lang if lang in q.languages else None).variable_labels.items()
                    if v
                }
            )
        except Exception:  # noqa: BLE001 - labels are a nicety; the names stay
            pass
    out.update(dict(given or {}))
    out["total"] = text(lang, "total")
    return out


def _definitions(indicators: Mapping[str, Any] | None) -> Mapping[str, Any]:
    if indicators is not None:
        return indicators
    try:
        from ..indicators import load_catalog

        return load_catalog()
    except Exception:  # noqa: BLE001 - no catalogue: the sources sheet has no notes column values
        return {}
