"""The sheets of the publication workbook: contents, a sheet per family, sources and data."""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .significance import significance_marks, significance_notes
from .styles import FLAG_FILLS, HEADER_FILL, SEVERITY, TITLE_FILL, alignment, bottom_border, column_letter, fill, font
from .texts import RULE_DESCRIPTIONS, count_text, reason_text, text

if TYPE_CHECKING:  # pragma: no cover
    from openpyxl.worksheet.worksheet import Worksheet

_SEVERITY = SEVERITY
_NOT_AVAILABLE = ".."


def _flag_key(flag: Any, reason: Any, code: Any) -> tuple[str, str]:
    """(flag, the reason's catalogue code, or its words when it has none): what a footnote letter stands for."""
    code = "" if code is None or (isinstance(code, float) and np.isnan(code)) else str(code)
    return str(flag or ""), code or str(reason or "")


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


def _evidence(source: str) -> str:
    tags = sorted(set(re.findall(r"\[(V|S|U)\]", source or "")), key="VSU".index)
    return " ".join(f"[{t}]" for t in tags)


class _Ctx:
    def __init__(
        self, lang, level, columns, symbol, markers, labels, paper, alpha: float = 0.05, significance: bool = False
    ) -> None:
        self.lang = lang
        self.alpha = alpha
        self.significance = significance  # a column of ▲/▼ markers (the table has p-values)
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
        sig = [text(lang, "sig_header")] if significance else []
        self.headers = [text(lang, "breakdown"), text(lang, "category"), *head, *sig, text(lang, "note")]
        self.width = len(self.headers)


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


def _family_sheet(
    ws: Worksheet, rows: pd.DataFrame, family: str, ctx: _Ctx, rule: str | None, ci: str
) -> dict[str, tuple[str, int]]:
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
    marks = significance_marks(rows, ctx.alpha)
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
            if ctx.significance and marks[_i]:
                m = ws.cell(row=r, column=ctx.width - 1, value=marks[_i])
                m.font = font(bold=True, color="1F4E78")
                m.alignment = alignment(horizontal="center")
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
        notes.append(
            f"{_NOT_AVAILABLE}: "
            + (
                "no hay casos en la muestra o no se puede calcular."
                if lang == "es"
                else "no sample cases, or it cannot be computed."
            )
        )
    if used:
        notes.append(text(lang, "marked"))
    if rule:
        notes.append(text(lang, "rule_line").format(rule=RULE_DESCRIPTIONS[lang].get(rule, rule)))
    notes.append(
        text(lang, "ci_line").format(level=f"{ctx.level * 100:g}", method=text(lang, "ci_methods").get(ci, ci))
    )
    notes += significance_notes(rows, lang, ctx.alpha)
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
    if ctx.significance:
        ws.column_dimensions[column_letter(ctx.width - 1)].width = 9
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
        vals = [
            row["code"],
            row["name"],
            text(lang, "families")[row["family"]],
            row["unit_label"],
            row["source"],
            _evidence(str(row["source"])),
            notes,
        ]
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
    formats = {
        "estimate": "0.000",
        "se": "0.000",
        "ci_low": "0.000",
        "ci_high": "0.000",
        "cv": "0.0000",
        "deff": "0.00",
        "n": "0",
        "df": "0",
    }
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


def _contents_sheet(
    ws: Worksheet,
    table: pd.DataFrame,
    families: list[str],
    anchors: dict[str, tuple[str, int]],
    lang: str,
    title: str | None,
    subtitle: str | None,
    rule: str | None,
    ci: str,
    level: float,
    markers: dict[tuple[str, str], str],
    not_computed: Mapping[str, str] | None,
    ctx: _Ctx,
    sheetnames: list[str],
) -> None:
    from ..version import __version__

    ws["A1"] = title or text(lang, "title")
    ws["A1"].font = font(bold=True, size=16, color="1F4E78")
    r = 2
    if subtitle:
        ws.cell(row=r, column=1, value=subtitle).font = font(size=12)
        r += 1
    ws.cell(
        row=r, column=1, value=text(lang, "generated").format(date=_dt.date.today().isoformat(), version=__version__)
    ).font = font(italic=True, size=9, color="595959")
    r += 2
    ws.cell(row=r, column=1, value=text(lang, "contents")).font = font(bold=True, size=12)
    for name in sheetnames[1:]:
        r += 1
        c = ws.cell(row=r, column=1, value=name)
        c.hyperlink = f"#'{name}'!A1"
        c.font = font(color="0563C1", underline="single")
        fam = next((f for f in families if text(lang, "families")[f] == name), None)
        if fam:
            ws.cell(
                row=r,
                column=2,
                value=text(lang, "family_titles")[fam]
                + " — "
                + count_text(lang, table.loc[table["family"] == fam, "code"].nunique()),
            )
    r += 2
    ws.cell(row=r, column=1, value=text(lang, "indicators")).font = font(bold=True, size=12)
    r += 1
    for j, h in enumerate(
        [text(lang, "code"), text(lang, "indicator"), text(lang, "sheet"), text(lang, "unit")], start=1
    ):
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
    lines += significance_notes(table, lang, ctx.alpha)
    lines.append(text(lang, "evidence_legend"))
    for line in lines:
        r += 1
        c = ws.cell(row=r, column=1, value=line)
        c.alignment = alignment(wrap_text=True, vertical="top")
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=4)
        ws.row_dimensions[r].height = 13 * max(1, int(np.ceil(len(line) / 110)))
    r += 2
    legend = [(FLAG_FILLS[1], "moderada / E / review"), (FLAG_FILLS[2], "baja"), (FLAG_FILLS["suppressed"], ctx.symbol)]
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
