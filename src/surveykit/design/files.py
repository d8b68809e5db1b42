"""The design file: a YAML description of a survey's designs by unit of analysis.

``load_design_file`` reads and validates it (every problem raises :class:`~surveykit.DesignError`
naming the file and the key); ``build_designs`` makes the designs from microdata. The format::

    weights: fexp                 # the main unit's (person) weights
    strata: estrato
    psu: upm
    fpc: null                     # optional: column of population counts or fractions
    nest: false                   # true when PSU ids repeat across strata (upm 1 in every estrato)
    lonely_psu: adjust            # error | adjust | average | remove | certainty
    calibration:                  # optional
      controls: ../weights/el_salvador_2024_adults_illustrative.yaml
      method: raking              # linear | raking | logit
      bounds: [0.2, 5.0]          # optional bounds on the g-weights
      margins: [sexo, departamento, area, grupo_edad]   # optional: a subset of the controls
    breakdowns: [sexo, area, departamento]   # optional: the variables estimates are published by
    units:                        # optional: other units of analysis
      household: {weights: fexp_hogar}
      incident:
        table: incidentes         # a repeat of the questionnaire, given as incidentes=FILE
        weights: fexp
        key: id_hogar             # links its rows to the main table ...
        inherit_calibration: true # ... to carry the person calibration's g-weights over (SEs treat
                                  # it as fixed; `calibrated` carries its residuals)

Paths in it are relative to the file.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal, cast

import pandas as pd

from ..errors import DesignError, SurveykitError
from .inherited import inherit_calibration
from .survey_design import SurveyDesign

__all__ = ["load_design_file", "build_designs"]

_TOP_KEYS = {"weights", "strata", "psu", "fpc", "nest", "lonely_psu", "calibration", "units", "unit", "breakdowns"}
_UNIT_KEYS = {
    "table",
    "weights",
    "strata",
    "psu",
    "fpc",
    "nest",
    "lonely_psu",
    "calibration",
    "key",
    "inherit_calibration",
}
_CAL_KEYS = {"controls", "method", "bounds", "margins"}
_LONELY = ("error", "adjust", "average", "remove", "certainty")
_METHODS = ("linear", "raking", "logit")


# ------------------------------------------------------------------------------------------------
# the design file
# ------------------------------------------------------------------------------------------------
def _fail(file: str, key: str, message: str) -> DesignError:
    return DesignError(f"design file {file}, {key}: {message}", file=file, key=key)


def _columns(value: Any, file: str, key: str, optional: bool = True) -> str | list[str] | None:
    if value is None:
        if optional:
            return None
        raise _fail(file, key, "is required (a column name).")
    if isinstance(value, str) and value.strip():
        return value
    if isinstance(value, list) and value and all(isinstance(v, str) and v.strip() for v in value):
        return value
    raise _fail(file, key, f"must be a column name or a list of them, not {value!r}.")


def _unknown(given: Mapping, allowed: set[str], file: str, where: str) -> None:
    import difflib

    for k in given:
        if k not in allowed:
            close = difflib.get_close_matches(str(k), sorted(allowed), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise _fail(file, f"{where}{k}", f"unknown key{hint}; the keys are {', '.join(sorted(allowed))}.")


def _calibration(spec: Any, file: str, where: str, base: Path) -> dict[str, Any] | None:
    if spec is None:
        return None
    if not isinstance(spec, Mapping):
        raise _fail(file, where, "must be a mapping with controls, method, bounds, margins.")
    _unknown(spec, _CAL_KEYS, file, f"{where}.")
    controls = spec.get("controls")
    if not isinstance(controls, str) or not controls.strip():
        raise _fail(file, f"{where}.controls", "is required: the control-totals file (see weights/).")
    path = Path(controls)
    path = path if path.is_absolute() else (base / path)
    if not path.is_file():
        raise _fail(file, f"{where}.controls", f"the file {path} does not exist.")
    method = spec.get("method", "linear")
    if method not in _METHODS:
        raise _fail(file, f"{where}.method", f"{method!r} is not one of {', '.join(_METHODS)}.")
    bounds = spec.get("bounds")
    if bounds is not None:
        if not (
            isinstance(bounds, list)
            and len(bounds) == 2
            and all(isinstance(b, (int, float)) and not isinstance(b, bool) for b in bounds)
            and 0 <= bounds[0] < 1 < bounds[1]
        ):
            raise _fail(file, f"{where}.bounds", f"must be [lower, upper] with 0 <= lower < 1 < upper, not {bounds!r}.")
        bounds = (float(bounds[0]), float(bounds[1]))
    if method == "logit" and bounds is None:
        raise _fail(file, f"{where}.bounds", "logit calibration needs bounds, e.g. [0.3, 3].")
    margins = spec.get("margins")
    if margins is not None and not (isinstance(margins, list) and all(isinstance(m, str) for m in margins)):
        raise _fail(file, f"{where}.margins", f"must be a list of margin names, not {margins!r}.")
    return {"controls": path, "method": method, "bounds": bounds, "margins": margins}


def _design_spec(spec: Mapping, file: str, where: str, base: Path, table: bool) -> dict[str, Any]:
    out: dict[str, Any] = {"weights": _columns(spec.get("weights"), file, f"{where}weights", optional=False)}
    if isinstance(out["weights"], list):
        raise _fail(file, f"{where}weights", "must be one column name.")
    for k in ("strata", "psu", "fpc"):
        out[k] = _columns(spec.get(k), file, f"{where}{k}")
    nest = spec.get("nest", False)
    if not isinstance(nest, bool):
        raise _fail(file, f"{where}nest", f"must be true or false, not {nest!r}.")
    out["nest"] = nest
    lonely = spec.get("lonely_psu", "error")
    if lonely not in _LONELY:
        raise _fail(file, f"{where}lonely_psu", f"{lonely!r} is not one of {', '.join(_LONELY)}.")
    out["lonely_psu"] = lonely
    out["calibration"] = _calibration(spec.get("calibration"), file, f"{where}calibration", base)
    if table:
        t = spec.get("table")
        out["table"] = t if isinstance(t, str) and t.strip() else None
        key = spec.get("key")
        if key is not None and not isinstance(key, str):
            raise _fail(file, f"{where}key", "must be a column name.")
        out["key"] = key
        inherit = spec.get("inherit_calibration", key is not None)
        if not isinstance(inherit, bool) and inherit not in ("fixed", "calibrated"):
            raise _fail(
                file,
                f"{where}inherit_calibration",
                f"must be true (the same as fixed), false, fixed or calibrated, not {inherit!r}.",
            )
        if inherit and key is None:
            raise _fail(file, f"{where}inherit_calibration", "needs key: the column linking rows to the main table.")
        out["inherit_calibration"] = inherit
    return out


def load_design_file(path: str | Path) -> dict[str, Any]:
    """Read and validate a design file; every problem raises :class:`~surveykit.DesignError` naming the key.

    Returns ``{"unit": main unit name, "main": spec, "units": {unit: spec}}``; specs have ``weights``,
    ``strata``, ``psu``, ``fpc``, ``nest``, ``lonely_psu``, ``calibration`` (controls path resolved,
    method, bounds, margins) and, for other units, ``table``, ``key``, ``inherit_calibration``.

    Examples
    --------
    >>> import tempfile, os
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     p = os.path.join(tmp, "d.yaml")
    ...     _ = open(p, "w").write("weights: fexp\\nstrata: estrato\\npsu: upm\\n"
    ...                            "units: {household: {weights: fexp_hogar}}\\n")
    ...     spec = load_design_file(p)
    >>> spec["main"]["weights"], spec["units"]["household"]["weights"]
    ('fexp', 'fexp_hogar')
    """
    from ..fileio import load_yaml_file

    p = Path(path)
    file = str(path)
    doc = load_yaml_file(p, "design", DesignError)
    if not isinstance(doc, Mapping):
        raise DesignError(f"design file {file} must hold a mapping (weights: ..., strata: ..., psu: ...).", file=file)
    _unknown(doc, _TOP_KEYS, file, "")
    unit = doc.get("unit", "person")
    if not isinstance(unit, str):
        raise _fail(file, "unit", "must be the name of the main unit of analysis (default person).")
    main = _design_spec(doc, file, "", p.parent, table=False)
    breakdowns = doc.get("breakdowns") or []
    if not isinstance(breakdowns, list) or not all(isinstance(b, str) and b for b in breakdowns):
        raise _fail(file, "breakdowns", "must be a list of column names, e.g. [sexo, area, departamento].")
    units: dict[str, dict[str, Any]] = {}
    given = doc.get("units") or {}
    if not isinstance(given, Mapping):
        raise _fail(file, "units", "must map a unit name (household, incident) to its design.")
    for name, spec in given.items():
        if not isinstance(spec, Mapping):
            raise _fail(file, f"units.{name}", "must be a mapping (weights, table, ...).")
        _unknown(spec, _UNIT_KEYS, file, f"units.{name}.")
        merged = {k: v for k, v in doc.items() if k in ("strata", "psu", "fpc", "nest", "lonely_psu")}
        merged.update(spec)
        units[str(name)] = _design_spec(merged, file, f"units.{name}.", p.parent, table=True)
    return {"unit": unit, "main": main, "units": units, "breakdowns": list(breakdowns), "file": file}


def _yaml_wording(message: str) -> str:
    """The design's advice in the design file's terms: "pass nest=True" reads "write nest: true".

    >>> _yaml_wording("ids repeat across strata; pass nest=True; otherwise fix the ids.")
    'ids repeat across strata; write `nest: true` in the design file; otherwise fix the ids.'
    """

    def key(m: re.Match) -> str:
        value = {"True": "true", "False": "false", "None": "null"}.get(m.group(2), m.group(2).strip("'\""))
        return f"write `{m.group(1)}: {value}` in the design file"

    return re.sub(r"\bpass (\w+)=(True|False|None|'[^']*'|\"[^\"]*\"|[\w.]+)", key, message)


def _design(df: pd.DataFrame, spec: dict[str, Any], file: str, where: str) -> SurveyDesign:
    """The (calibrated) design a design file's spec describes for one table."""
    try:
        d = SurveyDesign(
            df,
            weights=spec["weights"],
            strata=spec["strata"],
            psu=spec["psu"],
            fpc=spec["fpc"],
            nest=spec["nest"],
            lonely_psu=spec["lonely_psu"],
        )
    except SurveykitError as exc:
        raise DesignError(f"design file {file}, {where}: {_yaml_wording(str(exc))}", file=file) from None
    return _calibrated(d, spec.get("calibration"), file, where)


def _calibrated(d: SurveyDesign, cal: dict[str, Any] | None, file: str, where: str) -> SurveyDesign:
    if not cal:
        return d
    from ..weighting import load_controls

    ctl = load_controls(cal["controls"])
    if cal["margins"]:
        ctl = ctl.select(*cal["margins"])
    # calibrating a SurveyDesign gives a SurveyDesign (the weighting mixin is typed with the base class)
    if ctl.margins:
        # as calibrate(controls): the population size joins only numeric margins (categorical ones imply it)
        size = None if any(isinstance(v, Mapping) for v in ctl.margins.values()) else ctl.population_size
        return cast(
            SurveyDesign, d.calibrate(ctl.margins, method=cal["method"], bounds=cal["bounds"], population_size=size)
        )
    if ctl.population_size:
        # a file with only the population size (e.g. the census count of households): an intercept
        return cast(
            SurveyDesign,
            d.calibrate({}, method=cal["method"], bounds=cal["bounds"], population_size=float(ctl.population_size)),
        )
    raise DesignError(
        f"design file {file}, {where}.calibration.controls: {cal['controls']} has neither margins "
        "nor a population size.",
        file=file,
    )


def build_designs(
    spec: dict[str, Any], data: pd.DataFrame, tables: Mapping[str, pd.DataFrame], absent: dict[str, str] | None = None
) -> dict[str, SurveyDesign]:
    """The designs by unit of analysis from a loaded design file (see :func:`load_design_file`).

    A unit whose table was not given has no design; why is written to ``absent`` (by unit). A unit
    with ``key`` and ``inherit_calibration: true`` (the default when ``key`` is given) on another
    table is built by :meth:`~surveykit.SurveyDesign.inherit_calibration` from the main design when
    that is calibrated: its rows take their parent row's g-weights, strata and PSUs, and its
    standard errors treat the calibration as fixed (``true`` or ``fixed``) or carry its residuals
    (``calibrated``; see that method).

    Examples
    --------
    >>> import pandas as pd, tempfile, os
    >>> df = pd.DataFrame({"w": [10.0, 20.0, 30.0, 40.0], "s": [1, 1, 2, 2], "u": [1, 2, 3, 4]})
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     p = os.path.join(tmp, "d.yaml")
    ...     _ = open(p, "w").write("weights: w\\nstrata: s\\npsu: u\\nunits: {incident: {table: inc, weights: w}}\\n")
    ...     absent = {}
    ...     designs = build_designs(load_design_file(p), df, {}, absent)
    >>> sorted(designs), absent
    (['person'], {'incident': "no data file was given for table 'inc' (add inc=FILE)"})
    """
    file = spec["file"]
    main = _design(data, spec["main"], file, "main design")
    out = {spec["unit"]: main}
    calibrated = bool(spec["main"].get("calibration"))
    for name, u in spec["units"].items():
        if u["table"] is None:
            df = data
        elif u["table"] in tables:
            df = tables[u["table"]]
        else:
            if absent is not None:
                absent[name] = f"no data file was given for table {u['table']!r} (add {u['table']}=FILE)"
            continue
        if u.get("inherit_calibration") and calibrated and df is not data:
            out[name] = _inherited(main, df, u, spec["main"], file, f"units.{name}")
        else:
            out[name] = _design(df, u, file, f"units.{name}")
    return out


def _inherited(
    main: SurveyDesign, df: pd.DataFrame, u: dict[str, Any], parent: dict[str, Any], file: str, where: str
) -> SurveyDesign:
    """A child table's design carrying the main design's calibration (its strata and PSUs are its parents')."""
    for k in ("strata", "psu", "fpc", "nest"):
        if u[k] != parent[k]:
            raise _fail(
                file,
                f"{where}.{k}",
                f"a unit that inherits the calibration is in the main design's strata "
                f"and PSUs: remove {k} here or write inherit_calibration: false.",
            )
    if u["weights"] not in df.columns:
        raise DesignError(
            f"design file {file}, {where}.weights: column {u['weights']!r} is not in table {u['table']!r}.",
            file=file,
            column=u["weights"],
        )
    variance: Literal["fixed", "calibrated"] = "calibrated" if u["inherit_calibration"] == "calibrated" else "fixed"
    if variance == "calibrated" and u.get("calibration"):
        raise _fail(
            file,
            f"{where}.calibration",
            "a unit with inherit_calibration: calibrated takes the main "
            "design's calibration only; remove this calibration.",
        )
    try:
        d = inherit_calibration(main, df, u["key"], weights=u["weights"], lonely_psu=u["lonely_psu"], variance=variance)
    except SurveykitError as exc:
        raise DesignError(
            f"design file {file}, {where} (table {u['table']!r}, key {u['key']!r}): {_yaml_wording(str(exc))}",
            file=file,
        ) from None
    return _calibrated(d, u.get("calibration"), file, where)
