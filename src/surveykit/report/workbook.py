"""The publication workbook: indicators as a statistics office publishes them, in Excel (openpyxl)."""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..errors import ReportError
from .estimates import estimate_results, is_estimate_table
from .styles import (FLAG_FILLS, HEADER_FILL, SEVERITY, TITLE_FILL, alignment, bottom_border, column_letter,
                     fill, font)
from .texts import BREAKDOWN_LABELS, FAMILY_ORDER, RULE_DESCRIPTIONS, count_text, lang_key, reason_text, text

__all__ = ["write_workbook", "REQUIRED_COLUMNS", "FLAG_FILLS", "prepare_results"]

#: Columns a results table must have (the output of ``sk.indicators.compute_breakdowns``).
REQUIRED_COLUMNS = ("code", "name", "family", "estimate", "se", "ci_low", "ci_high", "cv", "n", "flag", "publish",
                    "flag_reason", "unit_label", "source")
_COLUMNS = ("estimate", "se", "ci", "cv", "deff", "n")
_SEVERITY = SEVERITY
_NOT_AVAILABLE = ".."

if TYPE_CHECKING:  # pragma: no cover
    from openpyxl import Workbook
    from openpyxl.worksheet.worksheet import Worksheet


def prepare_results(results: pd.DataFrame) -> pd.DataFrame:
    """Check a results table and give it ``breakdown``/``category`` when it has none (a national table).

    Raises :class:`~surveykit.ReportError` naming the columns that are missing.

    >>> import pandas as pd
    >>> t = pd.DataFrame({c: [1.0] for c in REQUIRED_COLUMNS}).assign(family="sdg16")
    >>> prepare_results(t)[["breakdown", "category"]].values.tolist()
    [['total', '']]
    """
    if not isinstance(results, pd.DataFrame):
        raise ReportError(f"results must be the DataFrame of sk.indicators.compute_breakdowns(...), not "
                          f"{type(results).__name__}.")
    if results.empty:
        raise ReportError("results is empty: there is no indicator to publish.")
    if is_estimate_table(results):
        # a plain estimator or crosstab table (d.proportion(...), d.mean(..., by=...)): one indicator per
        # variable and level, flagged by the INEGI rule; estimate_results() gives names, units, scale
        results = estimate_results(results, row=results.attrs.get("row"))
    missing = [c for c in REQUIRED_COLUMNS if c not in results.columns]
    if missing:
        raise ReportError(f"results lacks the columns {missing}; pass the table of "
                          "sk.indicators.compute_breakdowns(...) (or compute(...)).", column=missing[0])
    out = results.copy()
    if "breakdown" not in out.columns:
        extra = [c for c in out.columns if c not in REQUIRED_COLUMNS and c not in ("deff", "df", "level", "variable",
                                                                                  "ci_low_kg", "ci_high_kg",
                                                                                  "effective_n", "flag_code")]
        if extra:
            raise ReportError(f"results has domain columns {extra} but no 'breakdown'/'category'; use "
                              "sk.indicators.compute_breakdowns(...) for tables by domain.", column=extra[0])
        out["breakdown"] = "total"
        out["category"] = ""
    bad_family = sorted(set(out["family"]) - set(FAMILY_ORDER))
    if bad_family:
        raise ReportError(f"results has unknown families {bad_family}; families are {list(FAMILY_ORDER)}.",
                          column="family")
    out.attrs = dict(results.attrs)
    return out


def _category_text(v: Any, total: str) -> str:
    if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA or v == "":
        return total
    if isinstance(v, (float, np.floating)) and float(v).is_integer():
        return str(int(v))
    return str(v)


def _number_format(values: np.ndarray, unit_label: str) -> str:
    finite = np.abs(values[np.isfinite(values)])
    top = finite.max() if finite.size else 0.0
    if top >= 1000:
        return "#,##0"
    if "%" in unit_label or top >= 10:
        return "0.0"
    return "0.00"


def _flag_key(flag: Any, reason: Any, code: Any) -> tuple[str, str]:
    """(flag, the reason's catalogue code, or its words when it has none): what a footnote letter stands for."""
    code = "" if code is None or (isinstance(code, float) and np.isnan(code)) else str(code)
    return str(flag or ""), code or str(reason or "")


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


def _evidence(source: str) -> str:
    tags = sorted(set(re.findall(r"\[(V|S|U)\]", source or "")), key="VSU".index)
    return " ".join(f"[{t}]" for t in tags)


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
    questionnaire: Any = None,
    indicators: Mapping[str, Any] | None = None,
    not_computed: Mapping[str, str] | None = None,
    data_sheet: bool = True,
    paper: str = "letter",
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
        conventions' names: Sexo, Área, Departamento, Grupo de edad).
    questionnaire : Questionnaire, optional
        For the breakdown variables' labels.
    indicators : mapping of code to Indicator, optional
        Definitions whose ``notes`` go to the sources sheet (default: the shipped catalogue).
    not_computed : mapping of code to reason, optional
        Indicators left out, listed on the contents sheet.
    data_sheet : bool, default True
        Add the tidy data sheet.
    paper : {"letter", "a4"}

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
    lang = lang_key(language or table.attrs.get("language") or "es")
    unknown = [c for c in columns if c not in _COLUMNS]
    if unknown or not columns:
        raise ReportError(f"columns {unknown or list(columns)} are not table columns; use some of {list(_COLUMNS)}.")
    if paper not in ("letter", "a4"):
        raise ReportError(f"paper must be 'letter' or 'a4', not {paper!r}.")
    target = Path(path)
    if target.suffix.lower() != ".xlsx":
        raise ReportError(f"the workbook must be an .xlsx file, not {target.name!r}.", file=str(target))
    level = float(table.attrs.get("level", 0.95))
    rule = table.attrs.get("rule")
    ci = table.attrs.get("ci", "t")
    markers = _markers(table)
    labels = _breakdown_labels(table, lang, breakdown_labels, questionnaire)
    defs = _definitions(indicators)

    from openpyxl import Workbook
    from openpyxl.utils.exceptions import IllegalCharacterError

    try:
        wb = _build(table, lang, title, subtitle, rule, ci, level, markers, not_computed, defs, data_sheet,
                    _Ctx(lang, level, columns, suppressed_symbol, markers, labels, paper), Workbook)
    except IllegalCharacterError as exc:
        # a control character in a name, label or title (pasted from another program): Excel cannot store it
        raise ReportError(f"cannot write {target}: a name, label or title holds a control character Excel cannot "
                          f"store ({exc}); remove it (e.g. re.sub(r'[\\x00-\\x1f]', '', text)).",
                          file=str(target)) from None
    _atomic_save(wb, target)
    return target


def _build(table, lang, title, subtitle, rule, ci, level, markers, not_computed, defs, data_sheet, ctx,
           Workbook) -> Any:
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
    _contents_sheet(contents, table, families, anchors, lang, title, subtitle, rule, ci, level, markers,
                    not_computed, ctx, wb.sheetnames)
    return wb


class _Ctx:
    def __init__(self, lang, level, columns, symbol, markers, labels, paper) -> None:
        self.lang = lang
        self.level = level
        self.columns = list(columns)
        self.symbol = symbol
        self.markers = markers
        self.labels = labels
        self.paper = paper
        pct = f"{level * 100:g}"
        head = []
        for c in self.columns:
            if c == "ci":
                head += [text(lang, "ci_low").format(level=pct), text(lang, "ci_high").format(level=pct)]
            elif c == "cv":
                head.append("CV")
            else:
                head.append(text(lang, c))
        self.value_headers = head
        self.headers = [text(lang, "breakdown"), text(lang, "category"), *head, text(lang, "note")]
        self.width = len(self.headers)


def _breakdown_labels(table: pd.DataFrame, lang: str, given: Mapping[str, str] | None, q: Any) -> dict[str, str]:
    out = dict(BREAKDOWN_LABELS[lang])
    if q is not None:
        try:
            out.update({k: v for k, v in q.label_dictionaries(lang if lang in q.languages else None)
                        .variable_labels.items() if v})
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


def _page_setup(ws: Worksheet, ctx: _Ctx, landscape: bool, title_rows: str | None) -> None:
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.paperSize = ws.PAPERSIZE_LETTER if ctx.paper == "letter" else ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.5
    if title_rows:
        ws.print_title_rows = title_rows
    ws.oddFooter.center.text = text(ctx.lang, "page")
    ws.oddFooter.center.size = 8


def _family_sheet(ws: Worksheet, rows: pd.DataFrame, family: str, ctx: _Ctx, rule: str | None,
                  ci: str) -> dict[str, tuple[str, int]]:
    lang = ctx.lang
    ws["A1"] = text(lang, "family_titles")[family]
    ws["A1"].font = font(bold=True, size=14, color="1F4E78")
    ws["A2"] = count_text(lang, rows["code"].nunique())
    ws["A2"].font = font(italic=True, size=9, color="595959")
    header_row = 4
    for j, h in enumerate(ctx.headers, start=1):
        cell = ws.cell(row=header_row, column=j, value=h)
        cell.font = font(bold=True, color="FFFFFF")
        cell.fill = fill(HEADER_FILL)
        cell.alignment = alignment(horizontal="center", vertical="center", wrap_text=True)
    ws.row_dimensions[header_row].height = 30
    r = header_row + 1
    anchors: dict[str, tuple[str, int]] = {}
    used: dict[tuple[str, str], str] = {}
    any_suppressed = any_na = False
    for code, ind in rows.groupby("code", sort=False):
        r += 1
        first = ind.iloc[0]
        anchors[code] = (ws.title, r)
        cell = ws.cell(row=r, column=1, value=f"{code}. {first['name']}")
        cell.font = font(bold=True, size=11)
        cell.alignment = alignment(wrap_text=True, vertical="center")
        for j in range(1, ctx.width + 1):
            ws.cell(row=r, column=j).fill = fill(TITLE_FILL)
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=ctx.width)
        ws.row_dimensions[r].height = 15 * max(1, int(np.ceil(len(str(cell.value)) / 110)))
        unit = str(first["unit_label"] or "")
        if unit:
            r += 1
            u = ws.cell(row=r, column=1, value=text(lang, "unit_line").format(unit=unit))
            u.font = font(italic=True, size=9)
        fmt = _number_format(ind["estimate"].to_numpy(dtype=float), unit)
        previous = None
        for _i, row in ind.iterrows():
            r += 1
            b = str(row["breakdown"])
            if b != previous:
                ws.cell(row=r, column=1, value=ctx.labels.get(b, b)).font = font(bold=b == "total")
                previous = b
            if b != "total":
                ws.cell(row=r, column=2, value=_category_text(row["category"], text(lang, "total")))
            flags = _write_values(ws, r, row, ctx, fmt)
            any_suppressed |= flags["suppressed"]
            any_na |= flags["na"]
            if flags["marker"]:
                used[flags["key"]] = flags["marker"]
            for j in range(1, ctx.width + 1):
                ws.cell(row=r, column=j).border = bottom_border()
        r += 1
        s = ws.cell(row=r, column=1, value=text(lang, "source_line").format(source=first["source"]))
        s.font = font(italic=True, size=8, color="595959")
        s.alignment = alignment(wrap_text=True, vertical="top")
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=ctx.width)
        ws.row_dimensions[r].height = 12 * max(1, int(np.ceil(len(str(s.value)) / 130)))
        r += 1
    # footnotes
    r += 1
    ws.cell(row=r, column=1, value=text(lang, "footnotes")).font = font(bold=True)
    notes = []
    for (flag, reason), letter in sorted(used.items(), key=lambda kv: (len(kv[1]), kv[1])):
        notes.append(f"({letter}) {flag}: {reason_text(reason, lang)}")
    if any_suppressed:
        notes.append(text(lang, "suppressed").format(symbol=ctx.symbol))
    if any_na:
        notes.append(f"{_NOT_AVAILABLE}: " + ("no hay casos en la muestra o no se puede calcular."
                                             if lang == "es" else "no sample cases, or it cannot be computed."))
    if used:
        notes.append(text(lang, "marked"))
    if rule:
        notes.append(text(lang, "rule_line").format(rule=RULE_DESCRIPTIONS[lang].get(rule, rule)))
    notes.append(text(lang, "ci_line").format(level=f"{ctx.level * 100:g}",
                                              method=text(lang, "ci_methods").get(ci, ci)))
    notes.append(text(lang, "see_sources"))
    for line in notes:
        r += 1
        c = ws.cell(row=r, column=1, value=line)
        c.font = font(size=9)
        c.alignment = alignment(wrap_text=True, vertical="top")
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=ctx.width)
        ws.row_dimensions[r].height = 12 * max(1, int(np.ceil(len(line) / 120)))
    ws.freeze_panes = ws.cell(row=header_row + 1, column=3)
    ws.column_dimensions["A"].width = 22
    ws.column_dimensions["B"].width = 26
    for j in range(3, ctx.width):
        ws.column_dimensions[column_letter(j)].width = 13
    ws.column_dimensions[column_letter(ctx.width)].width = 7
    _page_setup(ws, ctx, landscape=True, title_rows=f"{header_row}:{header_row}")
    return anchors


def _write_values(ws: Worksheet, r: int, row: pd.Series, ctx: _Ctx, fmt: str) -> dict[str, Any]:
    flag = str(row["flag"] or "")
    publish = bool(row["publish"]) if not pd.isna(row["publish"]) else True
    key = _flag_key(flag, row["flag_reason"], row.get("flag_code"))
    marker = ctx.markers.get(key, "") if flag else ""
    shade = None
    if not publish:
        shade = fill(FLAG_FILLS["suppressed"])
    elif flag:
        shade = fill(FLAG_FILLS[_SEVERITY.get(flag, 1)])
    values: list[tuple[Any, str | None]] = []
    for c in ctx.columns:
        if c == "ci":
            values += [(row["ci_low"], fmt), (row["ci_high"], fmt)]
        elif c == "cv":
            values.append((row["cv"], "0.0%"))
        elif c == "n":
            values.append((row["n"], "#,##0"))
        elif c == "deff":
            values.append((row.get("deff", np.nan), "0.00"))
        else:
            values.append((row[c], fmt))
    na = False
    for j, (v, f) in enumerate(values, start=3):
        cell = ws.cell(row=r, column=j)
        is_count = ctx.value_headers[j - 3] == text(ctx.lang, "n")
        if not publish and not is_count:
            cell.value = ctx.symbol
            cell.alignment = alignment(horizontal="right")
        elif v is None or pd.isna(v) or not np.isfinite(float(v)):
            cell.value = _NOT_AVAILABLE
            cell.alignment = alignment(horizontal="right")
            na = True
        else:
            cell.value = int(v) if is_count else float(v)
            cell.number_format = f
        if shade is not None and not is_count:
            cell.fill = shade
    if marker:
        m = ws.cell(row=r, column=ctx.width, value=f"({marker})")
        m.font = font(size=9, bold=True)
        m.alignment = alignment(horizontal="center")
    return {"suppressed": not publish, "na": na, "marker": marker, "key": key}


def _sources_sheet(ws: Worksheet, table: pd.DataFrame, lang: str, defs: Mapping[str, Any], ctx: _Ctx) -> None:
    heads = [text(lang, k) for k in ("code", "indicator", "family", "unit", "source", "evidence", "notes")]
    for j, h in enumerate(heads, start=1):
        c = ws.cell(row=1, column=j, value=h)
        c.font = font(bold=True, color="FFFFFF")
        c.fill = fill(HEADER_FILL)
    first = table.drop_duplicates("code")
    r = 1
    for _i, row in first.iterrows():
        r += 1
        ind = defs.get(row["code"]) if defs else None
        notes = ind.text("notes", lang) if ind is not None and getattr(ind, "notes", None) else ""
        vals = [row["code"], row["name"], text(lang, "families")[row["family"]], row["unit_label"], row["source"],
                _evidence(str(row["source"])), notes]
        for j, v in enumerate(vals, start=1):
            c = ws.cell(row=r, column=j, value=v)
            c.alignment = alignment(wrap_text=True, vertical="top")
    r += 2
    ws.cell(row=r, column=1, value=text(lang, "evidence_legend")).font = font(italic=True, size=9)
    for col, w in zip("ABCDEFG", (18, 50, 16, 18, 60, 10, 50)):
        ws.column_dimensions[col].width = w
    ws.freeze_panes = "B2"
    ws.auto_filter.ref = f"A1:G{max(2, len(first) + 1)}"
    _page_setup(ws, ctx, landscape=True, title_rows="1:1")


def _data_sheet(ws: Worksheet, table: pd.DataFrame, ctx: _Ctx) -> None:
    cols = [c for c in table.columns]
    for j, h in enumerate(cols, start=1):
        c = ws.cell(row=1, column=j, value=h)
        c.font = font(bold=True)
    formats = {"estimate": "0.000", "se": "0.000", "ci_low": "0.000", "ci_high": "0.000", "cv": "0.0000",
               "deff": "0.00", "n": "0", "df": "0"}
    frame = table[cols].astype(object).where(table[cols].notna(), None)
    for i, values in enumerate(frame.itertuples(index=False, name=None), start=2):
        for j, v in enumerate(values, start=1):
            if isinstance(v, (np.floating, float)):
                v = float(v) if np.isfinite(v) else None
            elif isinstance(v, (np.integer,)):
                v = int(v)
            elif isinstance(v, (np.bool_, bool)):
                v = bool(v)
            elif v is not None and not isinstance(v, (int, str)):
                v = str(v)
            c = ws.cell(row=i, column=j, value=v)
            f = formats.get(cols[j - 1])
            if f and isinstance(v, (int, float)) and not isinstance(v, bool):
                c.number_format = f
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{column_letter(len(cols))}{len(table) + 1}"
    for j, c in enumerate(cols, start=1):
        ws.column_dimensions[column_letter(j)].width = {"name": 40, "source": 40, "flag_reason": 40}.get(c, 12)
    _page_setup(ws, ctx, landscape=True, title_rows="1:1")


def _contents_sheet(ws: Worksheet, table: pd.DataFrame, families: list[str], anchors: dict[str, tuple[str, int]],
                    lang: str, title: str | None, subtitle: str | None, rule: str | None, ci: str, level: float,
                    markers: dict[tuple[str, str], str], not_computed: Mapping[str, str] | None, ctx: _Ctx,
                    sheetnames: list[str]) -> None:
    from ..version import __version__

    ws["A1"] = title or text(lang, "title")
    ws["A1"].font = font(bold=True, size=16, color="1F4E78")
    r = 2
    if subtitle:
        ws.cell(row=r, column=1, value=subtitle).font = font(size=12)
        r += 1
    ws.cell(row=r, column=1, value=text(lang, "generated").format(
        date=_dt.date.today().isoformat(), version=__version__)).font = font(italic=True, size=9, color="595959")
    r += 2
    ws.cell(row=r, column=1, value=text(lang, "contents")).font = font(bold=True, size=12)
    for name in sheetnames[1:]:
        r += 1
        c = ws.cell(row=r, column=1, value=name)
        c.hyperlink = f"#'{name}'!A1"
        c.font = font(color="0563C1", underline="single")
        fam = next((f for f in families if text(lang, "families")[f] == name), None)
        if fam:
            ws.cell(row=r, column=2, value=text(lang, "family_titles")[fam] + " — " +
                    count_text(lang, table.loc[table["family"] == fam, "code"].nunique()))
    r += 2
    ws.cell(row=r, column=1, value=text(lang, "indicators")).font = font(bold=True, size=12)
    r += 1
    for j, h in enumerate([text(lang, "code"), text(lang, "indicator"), text(lang, "sheet"), text(lang, "unit")],
                          start=1):
        c = ws.cell(row=r, column=j, value=h)
        c.font = font(bold=True, color="FFFFFF")
        c.fill = fill(HEADER_FILL)
    for _i, row in table.drop_duplicates("code").iterrows():
        r += 1
        sheet, at = anchors[row["code"]]
        code = ws.cell(row=r, column=1, value=row["code"])
        code.hyperlink = f"#'{sheet}'!A{at}"
        code.font = font(color="0563C1", underline="single")
        ws.cell(row=r, column=2, value=row["name"]).alignment = alignment(wrap_text=True, vertical="top")
        ws.cell(row=r, column=3, value=sheet)
        ws.cell(row=r, column=4, value=row["unit_label"])
    if not_computed:
        r += 2
        ws.cell(row=r, column=1, value=text(lang, "not_computed")).font = font(bold=True, size=12)
        for code, why in not_computed.items():
            r += 1
            ws.cell(row=r, column=1, value=code)
            ws.cell(row=r, column=2, value=why).alignment = alignment(wrap_text=True, vertical="top")
    r += 2
    ws.cell(row=r, column=1, value=text(lang, "quality")).font = font(bold=True, size=12)
    lines = []
    if rule:
        lines.append(text(lang, "rule_line").format(rule=RULE_DESCRIPTIONS[lang].get(rule, rule)))
    lines.append(text(lang, "ci_line").format(level=f"{level * 100:g}", method=text(lang, "ci_methods").get(ci, ci)))
    lines.append(text(lang, "suppressed").format(symbol=ctx.symbol))
    lines.append(text(lang, "marked"))
    lines += [f"({letter}) {flag}: {reason_text(reason, lang)}" for (flag, reason), letter in markers.items()]
    lines.append(text(lang, "evidence_legend"))
    for line in lines:
        r += 1
        c = ws.cell(row=r, column=1, value=line)
        c.alignment = alignment(wrap_text=True, vertical="top")
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=4)
        ws.row_dimensions[r].height = 13 * max(1, int(np.ceil(len(line) / 110)))
    r += 2
    legend = [(FLAG_FILLS[1], "moderada / E / review"), (FLAG_FILLS[2], "baja"),
              (FLAG_FILLS["suppressed"], ctx.symbol)]
    ws.cell(row=r, column=1, value=text(lang, "legend")).font = font(bold=True)
    for colour, what in legend:
        r += 1
        ws.cell(row=r, column=1).fill = fill(colour)
        ws.cell(row=r, column=2, value=what)
    ws.column_dimensions["A"].width = 22
    ws.column_dimensions["B"].width = 80
    ws.column_dimensions["C"].width = 18
    ws.column_dimensions["D"].width = 24
    _page_setup(ws, ctx, landscape=False, title_rows=None)
