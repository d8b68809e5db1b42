"""Population control totals as data files that state their source, year and universe.

A control file (YAML, JSON or CSV; the shipped ones are in the repository's ``weights/``) holds the
totals a sample is weighted to, and says where they come from::

    surveykit_controls: 1
    metadata:
      title: El Salvador, census 2024, persons by sex
      source: VII Censo de Población y VI de Vivienda 2024, first results (BCR/ONEC)
      citation: ...
      year: 2024
      universe: total resident population of El Salvador
      unit: persons                  # persons | households | dwellings
      status: official               # official | illustrative (no official figure verified)
      notes: ...
    population_size: 6029976         # optional: the universe's total
    margins:
      sexo:                          # a categorical margin: level -> total ...
        label: Sexo
        levels:
          1: {label: Hombre, total: 2848533}
          2: {label: Mujer, total: 3181443}
      ingreso: 1.2e9                 # ... or a numeric margin: the column's population total

The short forms ``sexo: {1: 2848533, 2: 3181443}`` and ``ingreso: {total: 1.2e9}`` work too. A CSV file
has the same metadata as ``# key: value`` lines before a table with columns ``margin, level, total``
and optionally ``label`` (empty level for a numeric margin).

:func:`load_controls` reads and validates a file (every problem names the file and the key);
:meth:`Controls.check` matches the controls against a sample; ``Controls`` goes straight into
``d.calibrate``, ``d.rake`` (which read its ``.margins``).
"""

from __future__ import annotations

import io
import math
import os
import re
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from ..fileio import FileSyntaxError, StrictLoader, parse_json, parse_yaml
from ..errors import ControlTotalsError, SurveykitWarning

from .controls import STATUSES, UNITS, Controls

__all__ = ["load_controls", "FORMAT_VERSION"]

FORMAT_VERSION = 1
_METADATA_REQUIRED = ("source", "year", "universe", "unit", "status")
_METADATA_KEYS = (
    "title",
    "source",
    "citation",
    "year",
    "universe",
    "unit",
    "status",
    "notes",
    "url",
    "derivation",
    "date",
)
_TOP_KEYS = ("surveykit_controls", "metadata", "population_size", "margins")
_MARGIN_KEYS = ("label", "status", "source", "notes", "derivation", "levels", "total", "level_type")
_LEVEL_KEYS = ("label", "total")
_INT_TEXT = re.compile(r"^-?(0|[1-9][0-9]*)$")


# ------------------------------------------------------------------------------------------------
# YAML without surprises: "yes"/"no"/"on" stay text (levels such as Yes/No), dates stay text,
# 1e9 is a number, and a key given twice is an error instead of a silent overwrite.
# ------------------------------------------------------------------------------------------------
class _ControlsLoader(StrictLoader):
    pass


_DROP = {"tag:yaml.org,2002:bool", "tag:yaml.org,2002:timestamp"}
_ControlsLoader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag not in _DROP] for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_ControlsLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float", re.compile(r"^[-+]?[0-9][0-9_]*(\.[0-9_]*)?[eE][-+]?[0-9]+$"), list("-+0123456789")
)


# ------------------------------------------------------------------------------------------------
# Reading files
# ------------------------------------------------------------------------------------------------
def load_controls(path: str | Path) -> Controls:
    """Read a control-totals file (``.yaml``/``.yml``, ``.json`` or ``.csv``) and validate it.

    Every problem raises :class:`~surveykit.ControlTotalsError` naming the file and the key (or CSV
    line): unknown or missing keys, totals that are not finite non-negative numbers, a level given
    twice, categorical margins (and ``population_size``) that add up to different totals, a margin
    marked ``illustrative`` in a file marked ``official``. Illustrative controls load with a
    :class:`~surveykit.SurveykitWarning`.

    Level codes: YAML keeps its types (``1`` is a number, ``"01"`` text; ``yes``/``no`` stay text).
    JSON object keys and CSV cells are text, so canonical integers (``"1"``, ``"14"``, not ``"01"``)
    become numbers; ``level_type: str`` on a margin keeps them as text.

    Parameters
    ----------
    path : str or Path

    Returns
    -------
    Controls

    Examples
    --------
    >>> import tempfile, os
    >>> text = '''
    ... metadata: {source: example, year: 2024, universe: adults, unit: persons, status: official}
    ... margins:
    ...   sex: {1: 40, 2: 60}
    ...   income: 1.5e6
    ... '''
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     p = os.path.join(tmp, "c.yaml")
    ...     _ = open(p, "w").write(text)
    ...     ctl = load_controls(p)
    >>> ctl.margins
    {'sex': {1: 40.0, 2: 60.0}, 'income': 1500000.0}
    """
    if not isinstance(path, (str, os.PathLike)):
        raise ControlTotalsError(
            f"load_controls needs the path of a control file; got {type(path).__name__} {path!r:.60}."
        )
    p = Path(path)
    where = str(path)
    if not p.is_file():
        raise ControlTotalsError(f"control file {where} does not exist (or is not a file).", file=where)
    ext = p.suffix.lower()
    try:
        text = p.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ControlTotalsError(
            f"control file {where} is not UTF-8 text ({exc.reason} at byte {exc.start}); save it as UTF-8.", file=where
        ) from None
    if ext in (".yaml", ".yml"):
        ctl = _build(_read_yaml(text, where), where, text_keys=False)
    elif ext == ".json":
        ctl = _build(_read_json(text, where), where, text_keys=True)
    elif ext == ".csv":
        ctl = _read_csv(text, where)
    else:
        raise ControlTotalsError(
            f"control file {where}: use .yaml, .yml, .json or .csv (not '{ext or 'no extension'}').", file=where
        )
    if ctl.is_illustrative:
        warnings.warn(
            f"control totals in {where} are illustrative (not verified official figures); estimates "
            "weighted to them are for demonstration only.",
            SurveykitWarning,
            stacklevel=2,
        )
    return ctl


def _read_yaml(text: str, where: str) -> Any:
    try:
        return parse_yaml(text, _ControlsLoader)
    except FileSyntaxError as exc:
        raise _syntax(exc, where, "YAML") from None


def _read_json(text: str, where: str) -> Any:
    try:
        return parse_json(text)
    except FileSyntaxError as exc:
        raise _syntax(exc, where, "JSON") from None


def _syntax(exc: FileSyntaxError, where: str, kind: str) -> ControlTotalsError:
    if exc.key is not None:
        line = f", line {exc.line}:" if exc.line else ":"
        return ControlTotalsError(f"control file {where}{line} {exc.message}.", file=where, key=exc.key, line=exc.line)
    loc = f", line {exc.line}" + (f", column {exc.column}" if exc.column else "") if exc.line else ""
    return ControlTotalsError(
        f"control file {where}{loc} is not valid {kind}: {exc.message}.", file=where, line=exc.line
    )


def _fail(where: str, key: str, msg: str, **ctx) -> ControlTotalsError:
    return ControlTotalsError(f"control file {where}, key '{key}': {msg}", file=where, key=key, **ctx)


def _unknown_keys(where: str, key: str, given: Mapping, allowed: Sequence[str]) -> None:
    unknown = [k for k in given if k not in allowed]
    if unknown:
        at = f"{key}.{unknown[0]}" if key else str(unknown[0])
        raise _fail(where, at, f"unknown key {unknown[0]!r}; allowed here: {', '.join(allowed)}.")


def _number(where: str, key: str, value: Any, margin: str | None = None, level: Any = None) -> float:
    ctx = dict(margin=margin, level=level)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        hint = " (write numbers without thousands separators, e.g. 6029976)" if isinstance(value, str) else ""
        raise _fail(where, key, f"the total {value!r} is not a number{hint}.", **ctx)
    v = float(value)
    if math.isnan(v) or math.isinf(v):
        raise _fail(where, key, f"the total is {value!r}; give a finite number.", **ctx)
    if v < 0:
        raise _fail(where, key, f"the total {value!r} is negative.", **ctx)
    return v


def _int_code(where: str, key: str, text: str) -> int:
    """A level written as digits, as an integer code (a code longer than 30 digits is refused, not parsed)."""
    digits = text.strip()
    if len(digits.lstrip("+-")) > 30:
        raise _fail(where, key, f"level {digits[:20]}... has {len(digits)} digits; a code has at most 30.")
    return int(digits)


def _level_key(where: str, key: str, lv: Any, level_type: str | None, text_keys: bool) -> Any:
    if level_type == "str":
        return str(lv)
    if level_type == "int":
        if isinstance(lv, int) and not isinstance(lv, bool):
            return lv
        if isinstance(lv, str) and _INT_TEXT.match(lv.strip()):
            return _int_code(where, key, lv)
        raise _fail(where, key, f"level {lv!r} is not an integer code (level_type: int).")
    if text_keys and isinstance(lv, str) and _INT_TEXT.match(lv):
        return _int_code(where, key, lv)
    if lv is None:
        raise _fail(where, key, "a level is empty (null); name it.")
    return lv


def _build(doc: Any, where: str, text_keys: bool) -> Controls:
    if not isinstance(doc, Mapping):
        raise ControlTotalsError(
            f"control file {where}: the top level must be a mapping with 'metadata' and 'margins'.", file=where
        )
    _unknown_keys(where, "", doc, _TOP_KEYS)
    version = doc.get("surveykit_controls", FORMAT_VERSION)
    if version != FORMAT_VERSION:
        raise _fail(
            where, "surveykit_controls", f"format version {version!r}; this surveykit reads version {FORMAT_VERSION}."
        )
    metadata = _metadata(doc.get("metadata"), where)
    population_size = None
    if doc.get("population_size") is not None:
        population_size = _number(where, "population_size", doc["population_size"])
    raw = doc.get("margins")
    if raw is None:
        raw = {}
    if not isinstance(raw, Mapping):
        raise _fail(where, "margins", "must map each margin (a column of the data) to its totals.")
    if not raw and population_size is None:
        raise _fail(where, "margins", "no margins and no population_size: nothing to calibrate to.")
    margins: dict[str, Any] = {}
    labels: dict[str, dict] = {}
    info: dict[str, dict] = {}
    for name, spec in raw.items():
        if not isinstance(name, str) or not name:
            raise _fail(where, f"margins.{name}", "margin names are column names (text).")
        margins[name], lab, inf = _margin(where, name, spec, text_keys)
        if lab:
            labels[name] = lab
        if inf:
            info[name] = inf
    ctl = Controls(margins, metadata, population_size, labels, info, where)
    _validate(ctl, where)
    return ctl


def _metadata(md: Any, where: str) -> dict:
    if not isinstance(md, Mapping):
        raise _fail(where, "metadata", f"missing or not a mapping; state at least {', '.join(_METADATA_REQUIRED)}.")
    _unknown_keys(where, "metadata", md, _METADATA_KEYS)
    missing = [k for k in _METADATA_REQUIRED if md.get(k) in (None, "")]
    if missing:
        raise _fail(where, f"metadata.{missing[0]}", f"missing; a control file states {', '.join(_METADATA_REQUIRED)}.")
    out = {k: md[k] for k in _METADATA_KEYS if k in md}
    year = out["year"]
    if isinstance(year, str) and _INT_TEXT.match(year.strip()):
        year = int(year)
    if isinstance(year, bool) or not isinstance(year, int) or not 1800 <= year <= 2200:
        raise _fail(where, "metadata.year", f"{out['year']!r} is not a year (e.g. 2024).")
    out["year"] = year
    if out["unit"] not in UNITS:
        raise _fail(where, "metadata.unit", f"{out['unit']!r}; use one of {', '.join(UNITS)}.")
    if out["status"] not in STATUSES:
        raise _fail(
            where,
            "metadata.status",
            f"{out['status']!r}; use 'official' (a verified published figure) or 'illustrative' (anything else).",
        )
    for k, v in out.items():
        if not isinstance(v, (str, int)):
            raise _fail(where, f"metadata.{k}", f"{v!r} should be text.")
    return out


def _margin(where: str, name: str, spec: Any, text_keys: bool) -> tuple[Any, dict, dict]:
    key = f"margins.{name}"
    if isinstance(spec, (int, float)) and not isinstance(spec, bool):
        return _number(where, key, spec, margin=name), {}, {}
    if not isinstance(spec, Mapping) or not spec:
        raise _fail(
            where, key, "give level -> total for a categorical margin, or a number for a numeric one.", margin=name
        )
    if "levels" not in spec and "total" not in spec:  # short form {level: total}
        return _levels(where, key, name, spec, None, text_keys), {}, {}
    _unknown_keys(where, key, spec, _MARGIN_KEYS)
    info = {k: spec[k] for k in ("label", "status", "source", "notes", "derivation") if k in spec}
    if "status" in info and info["status"] not in STATUSES:
        raise _fail(where, f"{key}.status", f"{info['status']!r}; use 'official' or 'illustrative'.", margin=name)
    level_type = spec.get("level_type")
    if level_type not in (None, "str", "int"):
        raise _fail(where, f"{key}.level_type", f"{level_type!r}; use 'str' or 'int'.", margin=name)
    if ("levels" in spec) == ("total" in spec):
        raise _fail(
            where, key, "give either 'levels' (categorical) or 'total' (numeric), not both or neither.", margin=name
        )
    if "total" in spec:
        return _number(where, f"{key}.total", spec["total"], margin=name), {}, info
    levels = spec["levels"]
    if not isinstance(levels, Mapping) or not levels:
        raise _fail(where, f"{key}.levels", "must map each level to its total.", margin=name)
    labels: dict = {}
    totals: dict = {}
    for lv, entry in levels.items():
        lkey = f"{key}.levels.{lv}"
        if isinstance(entry, Mapping):
            _unknown_keys(where, lkey, entry, _LEVEL_KEYS)
            if "total" not in entry:
                raise _fail(where, f"{lkey}.total", "missing.", margin=name, level=lv)
            totals[lv] = entry["total"]
            if entry.get("label") is not None:
                labels[lv] = str(entry["label"])
        else:
            totals[lv] = entry
    out = _levels(where, key + ".levels", name, totals, level_type, text_keys)
    keymap = dict(zip(totals, out))
    return out, {keymap[k]: v for k, v in labels.items()}, info


def _levels(where: str, key: str, name: str, spec: Mapping, level_type, text_keys: bool) -> dict:
    out: dict = {}
    for lv, v in spec.items():
        code = _level_key(where, f"{key}.{lv}", lv, level_type, text_keys)
        if code in out:
            raise _fail(
                where,
                f"{key}.{lv}",
                f"level {code!r} is given twice (as {lv!r} and another spelling).",
                margin=name,
                level=code,
            )
        out[code] = _number(where, f"{key}.{lv}", v, margin=name, level=code)
    return out


def _validate(ctl: Controls, where: str) -> None:
    problems = ctl._check_sizes()
    if problems:
        listing = "; ".join(f"'{p['margin']}' {p['status'].split(':')[0]}" for p in problems)
        raise ControlTotalsError(
            f"control file {where}: the margins disagree on the population total ({listing}). "
            "Every categorical margin (and population_size) describes the same universe.",
            file=where,
            key=f"margins.{problems[0]['margin']}",
            margin=problems[0]["margin"],
        )
    if ctl.metadata.get("status") == "official":
        ill = [m for m, i in ctl.margin_info.items() if i.get("status") == "illustrative"]
        if ill:
            raise _fail(
                where,
                "metadata.status",
                f"'official' but margin(s) {', '.join(map(repr, ill))} are illustrative; mark the file illustrative.",
                margin=ill[0],
            )


def _read_csv(text: str, where: str) -> Controls:
    lines = text.splitlines(keepends=True)
    header, start = [], 0
    for i, raw in enumerate(lines):
        if raw.startswith("#"):
            header.append(raw[1:].removeprefix(" "))
            start = i + 1
        elif raw.strip():
            break
        else:
            start = i + 1
    meta = _read_yaml("".join(header), where) if header else None
    if meta is None:
        meta = {}
    if not isinstance(meta, Mapping):
        raise ControlTotalsError(
            f"control file {where}: the '# key: value' lines before the table must be "
            "metadata (source, year, universe, unit, status, ...).",
            file=where,
        )
    top = {k: meta[k] for k in ("surveykit_controls", "population_size") if k in meta}
    level_types = meta.get("level_type") or {}
    if not isinstance(level_types, Mapping):
        raise _fail(where, "level_type", "must map margins to 'str' or 'int'.")
    md = {k: v for k, v in meta.items() if k not in ("surveykit_controls", "population_size", "level_type")}
    try:
        table = pd.read_csv(io.StringIO("".join(lines[start:])), dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise ControlTotalsError(f"control file {where}: the table cannot be read ({exc}).", file=where) from None
    table.columns = [c.strip() for c in table.columns]
    need = ["margin", "level", "total"]
    missing = [c for c in need if c not in table.columns]
    if missing:
        raise _fail(
            where,
            missing[0],
            f"the table needs columns margin, level, total (and optionally label); it has {', '.join(table.columns)}.",
        )
    extra = [c for c in table.columns if c not in need + ["label"]]
    if extra:
        raise _fail(where, extra[0], "unknown column; the table has margin, level, total and optionally label.")
    unknown = [m for m in level_types if m not in set(table["margin"].str.strip())]
    if unknown:
        raise _fail(where, f"level_type.{unknown[0]}", "no such margin in the table.", margin=unknown[0])
    margins: dict[str, Any] = {}
    first_line = start + 2  # 1-based line of the first data row (after the column names)
    for i, r in enumerate(table.itertuples(index=False)):
        line = first_line + i
        name = r.margin.strip()
        total_text = r.total.strip()
        try:
            total = float(total_text)
        except ValueError:
            raise _fail(
                where,
                f"line {line}, total",
                f"{total_text!r} is not a number (write it without thousands separators).",
                margin=name,
            ) from None
        if not name:
            raise _fail(where, f"line {line}, margin", "empty; name the margin (a column of the data).")
        level = r.level.strip()
        if level == "":
            if name in margins:
                raise _fail(
                    where, f"line {line}", f"margin '{name}' has a row without level besides other rows.", margin=name
                )
            margins[name] = total
            continue
        entry = margins.setdefault(
            name, {"levels": {}, **({"level_type": level_types[name]} if name in level_types else {})}
        )
        if not isinstance(entry, Mapping):
            raise _fail(where, f"line {line}", f"margin '{name}' has a numeric total and levels.", margin=name)
        if level in entry["levels"]:
            raise _fail(
                where,
                f"line {line}, level",
                f"level {level!r} of margin '{name}' appears twice.",
                margin=name,
                level=level,
            )
        label = getattr(r, "label", "").strip() if "label" in table.columns else ""
        entry["levels"][level] = {"total": total, **({"label": label} if label else {})}
    doc = {**top, "metadata": md, "margins": margins}
    return _build(doc, where, text_keys=True)
