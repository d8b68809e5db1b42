"""PNG charts of indicators by domain, with confidence intervals and flagged estimates marked.

Figures are made with matplotlib's object API (``matplotlib.figure.Figure``) and its Agg canvas, so
no screen is needed and the global pyplot state (a notebook's backend) is never touched.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..errors import ReportError
from ..rules import language_key
from .texts import text
from .sheets import _SEVERITY, _category_text, _number_format
from .workbook import _breakdown_labels, prepare_results

if TYPE_CHECKING:
    from ..questionnaire import Questionnaire

__all__ = ["plot_indicator", "plot_breakdowns", "write_charts"]

_BAR = "#1F4E78"
_FLAGGED = {1: ("#F8CBAD", "///"), 2: ("#E59866", "xxx")}  # by severity, as the workbook's fills
_TOTAL = "#C00000"


def _figure(width: float, height: float) -> Any:
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained")


def _breakdowns_of(table: pd.DataFrame, code: str) -> list[str]:
    """The breakdowns an indicator has in the results, in their order (the total aside)."""
    ind = table[table["code"] == code]
    if ind.empty:
        close = sorted(set(table["code"]))[:10]
        raise ReportError(
            f"indicator {code!r} is not in the results (they hold {', '.join(close)}...).", indicator=code
        )
    return [b for b in dict.fromkeys(ind["breakdown"].astype(str)) if b != "total"]


def _rows(table: pd.DataFrame, code: str, breakdown: str) -> pd.DataFrame:
    _breakdowns_of(table, code)
    ind = table[table["code"] == code]
    rows = ind[ind["breakdown"] == breakdown]
    if rows.empty:
        have = sorted(set(ind["breakdown"]))
        raise ReportError(
            f"indicator {code!r} has no breakdown {breakdown!r} in the results (it has {have}); compute "
            f"it with compute_breakdowns(..., breakdowns=[None, {breakdown!r}]).",
            indicator=code,
        )
    return rows


def _fmt(v: float, pattern: str = "0.0") -> str:
    """A number as the workbook's format ``pattern`` shows it (#,##0 / 0.0 / 0.00)."""
    if not np.isfinite(v):
        return ".."
    return {"#,##0": f"{v:,.0f}", "0.0": f"{v:.1f}"}.get(pattern, f"{v:.2f}")


def plot_indicator(
    results: pd.DataFrame,
    code: str,
    breakdown: str | None = None,
    *,
    language: str | None = None,
    ax: Any = None,
    title: str | None = None,
    suppressed_symbol: str = "x",
    breakdown_label: str | None = None,
    questionnaire: Questionnaire | None = None,
) -> Any:
    """A horizontal bar chart of one indicator by the categories of one breakdown.

    Bars are the estimates, whiskers their confidence intervals, the dashed line the total; estimates
    published with a precision flag are hatched and lighter, with the flag after the category name;
    suppressed estimates have no bar, only ``suppressed_symbol``.

    Parameters
    ----------
    results : DataFrame
        The table of :func:`surveykit.indicators.compute_breakdowns`.
    code : str
        The indicator.
    breakdown : str, optional
        A breakdown variable in ``results`` (default: the indicator's first breakdown there).
    language : {"es", "en"}, optional
        Language of the chart's words (default ``results.attrs["language"]``).
    ax : matplotlib Axes, optional
        Where to draw; a new figure is made when absent.
    title : str, optional
        Default: ``"{code}. {name}"`` (on a new figure) or the breakdown's label (on a given ``ax``).
    suppressed_symbol : str
    breakdown_label : str, optional
        Name of the breakdown shown in the chart (default: its variable label, from ``questionnaire``
        or the labels ``compute_breakdowns`` recorded, else the column name).
    questionnaire : Questionnaire, optional
        For the breakdown's variable label.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"code": "VIC.1", "name": "Prevalencia", "family": "victimization",
    ...     "breakdown": ["total", "sexo", "sexo"], "category": ["", "Hombre", "Mujer"],
    ...     "estimate": [20.0, 22.0, 18.0], "se": [1.0, 1.5, 6.0], "ci_low": [18.0, 19.0, 6.0],
    ...     "ci_high": [22.0, 25.0, 30.0], "cv": [0.05, 0.068, 0.33], "n": [900, 400, 500],
    ...     "flag": ["", "", "baja"], "publish": True, "flag_reason": "", "unit_label": "%", "source": "x [U]"})
    >>> fig = plot_indicator(t, "VIC.1", "sexo", language="es")
    >>> [tick.get_text() for tick in fig.axes[0].get_yticklabels()]
    ['Hombre', 'Mujer (baja)']
    """
    table = prepare_results(results)
    lang = language_key(language or table.attrs.get("language") or "es")
    if breakdown is None:
        present = _breakdowns_of(table, code)
        if not present:
            raise ReportError(f"indicator {code!r} has no breakdown in the results, only the total.", indicator=code)
        breakdown = present[0]
    rows = _rows(table, code, breakdown)
    first = rows.iloc[0]
    level = float(table.attrs.get("level", 0.95))
    if ax is None:
        fig = _figure(8, max(2.4, 0.42 * len(rows) + 1.6))
        ax = fig.add_subplot()
        own = True
    else:
        fig = ax.figure
        own = False
    est = rows["estimate"].to_numpy(dtype=float)
    lo = rows["ci_low"].to_numpy(dtype=float)
    hi = rows["ci_high"].to_numpy(dtype=float)
    publish = rows["publish"].fillna(True).to_numpy(dtype=bool)
    flags = rows["flag"].fillna("").astype(str).to_numpy()
    shown = publish & np.isfinite(est)
    flagged = shown & (flags != "")
    y = np.arange(len(rows))[::-1]
    names = [_category_text(c, text(lang, "total")) for c in rows["category"]]
    ticks = [f"{n} ({f})" if fl else n for n, f, fl in zip(names, flags, flagged)]
    ax.barh(y[shown & ~flagged], est[shown & ~flagged], color=_BAR, height=0.65)
    severity = np.array([_SEVERITY.get(f, 1) for f in flags])
    for level_, (colour, hatch) in _FLAGGED.items():
        sel = flagged & (severity == level_)
        if sel.any():
            ax.barh(y[sel], est[sel], color=colour, hatch=hatch, edgecolor="#7F3F00", height=0.65, linewidth=0.5)
    ok = shown & np.isfinite(lo) & np.isfinite(hi)
    if ok.any():
        ax.errorbar(
            est[ok],
            y[ok],
            xerr=[np.maximum(est[ok] - lo[ok], 0), np.maximum(hi[ok] - est[ok], 0)],
            fmt="none",
            ecolor="black",
            elinewidth=1,
            capsize=3,
        )
    top = np.nanmax(np.where(ok, hi, np.where(shown, est, np.nan))) if shown.any() else 1.0
    top = top if np.isfinite(top) and top > 0 else 1.0
    pattern = _number_format(
        table.loc[table["code"] == code, "estimate"].to_numpy(dtype=float), str(first["unit_label"] or "")
    )
    for yi, e, h, s in zip(y, est, np.where(ok, hi, est), shown):
        if s:
            ax.text(h + top * 0.01, yi, _fmt(e, pattern), va="center", fontsize=8)
        else:
            ax.text(top * 0.01, yi, suppressed_symbol, va="center", fontsize=9, color="#595959", style="italic")
    total = table[(table["code"] == code) & (table["breakdown"] == "total")]
    if len(total) and bool(total["publish"].fillna(True).iloc[0]) and np.isfinite(float(total["estimate"].iloc[0])):
        tv = float(total["estimate"].iloc[0])
        ax.axvline(
            tv,
            color=_TOTAL,
            linestyle="--",
            linewidth=1.2,
            label=text(lang, "chart_total").format(value=_fmt(tv, pattern)),
        )
    ax.set_yticks(y, ticks, fontsize=9)
    ax.set_xlim(min(0.0, float(np.nanmin(np.where(ok, lo, 0)))), top * 1.15)
    ax.set_xlabel(str(first["unit_label"] or ""), fontsize=9)
    ax.grid(axis="x", color="#D9D9D9", linewidth=0.6)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    label = breakdown_label or _breakdown_labels(table, lang, None, questionnaire).get(breakdown, breakdown)
    if own:
        ax.set_title(title or "\n".join(textwrap.wrap(f"{code}. {first['name']}", 70)), fontsize=11, loc="left")
        ax.set_ylabel(label, fontsize=9)
        _legend(ax, lang, level, flags[flagged], (~publish).any(), suppressed_symbol)
    else:
        ax.set_title(title or label, fontsize=10, loc="left")
    return fig


def _legend(ax: Any, lang: str, level: float, flags: np.ndarray, suppressed: bool, symbol: str) -> None:
    """The legend, under the figure (it would hide bars inside the axes)."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    handles = [
        Patch(color=_BAR, label=text(lang, "estimate")),
        Line2D(
            [],
            [],
            color="black",
            marker="|",
            linestyle="-",
            label=text(lang, "chart_ci").format(level=f"{level * 100:g}"),
        ),
    ]
    labels_seen = [h.get_label() for h in handles]
    for h in ax.get_legend_handles_labels()[0]:
        handles.append(h)
        labels_seen.append(h.get_label())
    for level_, (colour, hatch) in _FLAGGED.items():
        these = sorted({f for f in flags if _SEVERITY.get(f, 1) == level_})
        if these:
            handles.append(
                Patch(
                    facecolor=colour,
                    hatch=hatch,
                    edgecolor="#7F3F00",
                    label=text(lang, "chart_flagged").format(flags=", ".join(these)),
                )
            )
    if suppressed:
        handles.append(Patch(color="none", label=text(lang, "chart_legend_suppressed").format(symbol=symbol)))
    ax.figure.legend(handles=handles, fontsize=8, loc="outside lower center", ncols=min(len(handles), 5), frameon=False)


def plot_breakdowns(
    results: pd.DataFrame,
    code: str,
    breakdowns: Sequence[str] | None = None,
    *,
    language: str | None = None,
    suppressed_symbol: str = "x",
    breakdown_labels: dict[str, str] | None = None,
    questionnaire: Questionnaire | None = None,
) -> Any:
    """One figure of an indicator with a panel per breakdown (a long one on the left, short ones stacked).

    ``breakdowns`` defaults to every breakdown the indicator has in the results, in their order;
    those the results do not have are left out; with none, :class:`~surveykit.ReportError`. Panels
    are titled with the breakdown variable's label: ``breakdown_labels``, else the questionnaire's
    (``questionnaire=``), else the one ``compute_breakdowns`` recorded from the questionnaire or the
    data, else common names, else the column.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"code": "X", "name": "Seguridad", "family": "sdg16",
    ...     "breakdown": ["total", "sexo", "sexo", "area", "area"],
    ...     "category": ["", "Hombre", "Mujer", "Urbano", "Rural"], "estimate": [50.0, 55, 45, 48, 53],
    ...     "se": 2.0, "ci_low": [46.0, 51, 41, 44, 49], "ci_high": [54.0, 59, 49, 52, 57], "cv": 0.04,
    ...     "n": 500, "flag": "", "publish": True, "flag_reason": "", "unit_label": "%", "source": "x [U]"})
    >>> [ax.get_title(loc="left") for ax in plot_breakdowns(t, "X").axes]
    ['Sexo', 'Área']
    >>> t.attrs["variable_labels"] = {"sexo": "Sexo de la persona entrevistada"}
    >>> [ax.get_title(loc="left") for ax in plot_breakdowns(t, "X", ["sexo"]).axes]
    ['Sexo de la persona entrevistada']
    """
    table = prepare_results(results)
    lang = language_key(language or table.attrs.get("language") or "es")
    own = _breakdowns_of(table, code)
    ind = table[table["code"] == code]
    wanted = own if breakdowns is None else list(breakdowns)
    present = [b for b in wanted if b in own]
    if not present:
        raise ReportError(f"indicator {code!r} has none of the breakdowns {wanted} in the results.", indicator=code)
    first = ind.iloc[0]
    labels = _breakdown_labels(table, lang, breakdown_labels, questionnaire)
    sizes = {b: int((ind["breakdown"] == b).sum()) for b in present}
    big = [b for b in present if sizes[b] > 4]
    small = [b for b in present if b not in big]
    if len(big) == 1 and small:
        # the long breakdown (e.g. the regions) on the left, the short ones stacked on the right
        height = max(3.2, 0.36 * sizes[big[0]] + 1.8, sum(0.5 * sizes[b] + 1.3 for b in small))
        fig = _figure(11, height)
        grid = fig.add_gridspec(len(small), 2, width_ratios=[1.25, 1])
        axes = [fig.add_subplot(grid[:, 0])] + [fig.add_subplot(grid[i, 1]) for i in range(len(small))]
        order = big + small
    else:
        # one column, each panel as tall as its categories need
        order = present
        fig = _figure(8, max(3.2, sum(0.36 * sizes[b] + 1.0 for b in order) + 0.8))
        grid = fig.add_gridspec(len(order), 1, height_ratios=[sizes[b] + 2 for b in order])
        axes = [fig.add_subplot(grid[i, 0]) for i in range(len(order))]
    for b, ax in zip(order, axes):
        plot_indicator(
            table, code, b, language=lang, ax=ax, suppressed_symbol=suppressed_symbol, breakdown_label=labels.get(b, b)
        )
    fig.suptitle(
        "\n".join(textwrap.wrap(f"{code}. {first['name']}", 95)), fontsize=11, x=0.01, horizontalalignment="left"
    )
    flags = ind.loc[ind["publish"].fillna(True).astype(bool) & (ind["flag"].fillna("") != ""), "flag"].to_numpy()
    _legend(
        axes[0],
        lang,
        float(table.attrs.get("level", 0.95)),
        flags,
        (~ind["publish"].fillna(True).astype(bool)).any(),
        suppressed_symbol,
    )
    return fig


def write_charts(
    results: pd.DataFrame,
    folder: str | Path,
    codes: Sequence[str] | None = None,
    breakdowns: Sequence[str] | None = None,
    *,
    language: str | None = None,
    dpi: int = 100,
    suppressed_symbol: str = "x",
    breakdown_labels: dict[str, str] | None = None,
    questionnaire: Questionnaire | None = None,
) -> list[Path]:
    """Write a PNG per indicator (a panel per breakdown, see :func:`plot_breakdowns`) to ``folder``.

    Parameters
    ----------
    results : DataFrame
        The table of :func:`surveykit.indicators.compute_breakdowns`.
    folder : str or Path
        Created if needed; files are ``{code}.png`` (characters other than letters, digits, ``.``,
        ``-`` and ``_`` become ``_``).
    codes : list of str, optional
        The key indicators to chart (default: every indicator in ``results`` with at least one of the
        breakdowns).
    breakdowns : list of str, optional
        Breakdown variables to show (default: each indicator's breakdowns in the results).
    language : {"es", "en"}, optional
    dpi : int, default 100
    breakdown_labels, questionnaire : optional
        Panel titles (see :func:`plot_breakdowns`).

    Returns
    -------
    list of Path

    Examples
    --------
    >>> import pandas as pd, tempfile
    >>> t = pd.DataFrame({"code": "VIC.1", "name": "Prevalencia", "family": "victimization",
    ...     "breakdown": ["total", "area", "area"], "category": ["", "Urbano", "Rural"],
    ...     "estimate": [20.0, 22.0, 18.0], "se": [1.0, 1.5, 6.0], "ci_low": [18.0, 19.0, 6.0],
    ...     "ci_high": [22.0, 25.0, 30.0], "cv": [0.05, 0.068, 0.33], "n": [900, 400, 500],
    ...     "flag": "", "publish": True, "flag_reason": "", "unit_label": "%", "source": "x [U]"})
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     paths = write_charts(t, tmp)
    ...     [p.name for p in paths], paths[0].read_bytes()[:4]
    (['VIC.1.png'], b'\\x89PNG')
    """
    table = prepare_results(results)
    out_dir = Path(folder)
    out_dir.mkdir(parents=True, exist_ok=True)
    if codes is None:
        has = (
            table[table["breakdown"] != "total"]
            if breakdowns is None
            else table[table["breakdown"].isin(list(breakdowns))]
        )
        chosen = list(dict.fromkeys(has["code"]))
        if not chosen:
            wanted = "any breakdown" if breakdowns is None else f"the breakdowns {list(breakdowns)}"
            raise ReportError(
                f"no indicator in the results has {wanted}; compute them with "
                "compute_breakdowns(..., breakdowns=[None, '<variable>', ...])."
            )
    else:
        chosen = list(codes)
    paths = []
    for code in chosen:
        fig = plot_breakdowns(
            table,
            code,
            breakdowns,
            language=language,
            suppressed_symbol=suppressed_symbol,
            breakdown_labels=breakdown_labels,
            questionnaire=questionnaire,
        )
        path = out_dir / (re.sub(r"[^A-Za-z0-9._-]", "_", code) + ".png")
        fig.savefig(path, dpi=dpi)
        paths.append(path)
    return paths
