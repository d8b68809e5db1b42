"""Reading a field export into the questionnaire's units: :func:`read_collection` and :class:`Collection`."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ...errors import MicrodataError
from ...metadata import attach_metadata, empty_metadata, restrict
from .._progress import Progress, progress_wanted
from .._qlabels import questionnaire_dicts
from .cells import link_problem, unit_frame
from .common import META_COLUMNS, FormMap, Problems, display, make_plan
from .export import Export

if TYPE_CHECKING:
    from ...questionnaire import Questionnaire

__all__ = ["read_collection", "Collection", "detect_tool", "TOOLS"]

TOOLS = ("kobo", "odk", "surveysolutions")
#: link columns kept until the keys are built (others, e.g. Kobo's _submission__uuid, are dropped per chunk)
_KEY_ROLES = {"row_key", "parent_ref", "interview", "instance_id"}
_ALIASES = {
    "kobo": "kobo",
    "kobotoolbox": "kobo",
    "odk": "odk",
    "odk_central": "odk",
    "central": "odk",
    "surveysolutions": "surveysolutions",
    "suso": "surveysolutions",
    "survey_solutions": "surveysolutions",
}


class Collection(dict):
    """The units of a questionnaire read from a field export: ``{unit: DataFrame}``.

    A dict of tables the way :func:`surveykit.check_microdata` takes them (main unit under
    ``questionnaire.unit`` or ``"main"``, each repeat under its name), plus what was learnt reading:

    Attributes
    ----------
    questionnaire
        The questionnaire the export was read against.
    tool : str
        ``"kobo"``, ``"odk"`` or ``"surveysolutions"``.
    ids : dict
        Id columns per unit (``interview_id``, then ``id_<repeat>`` down the chain of repeats).
    problems : DataFrame
        Every problem met while reading (``unit, row, source_row, column, question, kind, value,
        message``); ``row`` is the row label in the unit's table, ``source_row`` the row/line in the
        export file.
    unmapped : dict
        Per unit, the export columns that are neither a question nor known collection metadata.
    paradata : dict
        System tables that are not units (Survey Solutions ``interview__diagnostics``,
        ``interview__actions``, ...), by name.
    """

    def __init__(
        self,
        tables: dict[str, pd.DataFrame],
        *,
        questionnaire: Questionnaire,
        tool: str,
        path: str,
        ids: dict[str, list[str]],
        problems: pd.DataFrame,
        unmapped: dict[str, list[str]],
        paradata: dict[str, pd.DataFrame],
    ) -> None:
        super().__init__(tables)
        self.questionnaire = questionnaire
        self.tool = tool
        self.path = path
        self.ids = ids
        self.problems = problems
        self.unmapped = unmapped
        self.paradata = paradata

    @property
    def main(self) -> pd.DataFrame:
        """The main unit's table."""
        return self[self.questionnaire.unit or "main"]

    def check(self) -> pd.DataFrame:
        """:func:`surveykit.check_microdata` of every unit, with the ids linking repeats to parents."""
        from ..check import check_microdata

        return check_microdata(dict(self), self.questionnaire, ids=self.ids)

    def paradata_summary(self, **kwargs: Any) -> dict[str, pd.DataFrame]:
        """:func:`surveykit.io.collection.paradata_summary` of this collection."""
        from .paradata import paradata_summary

        return paradata_summary(self, **kwargs)

    def __repr__(self) -> str:
        parts = ", ".join(f"{u}: {len(df):,} rows" for u, df in self.items())
        return (
            f"<Collection of {self.questionnaire.id!r} from {self.tool} ({Path(self.path).name}): {parts}; "
            f"{len(self.problems):,} problems>"
        )


def detect_tool(path: str | os.PathLike[str]) -> str | None:
    """The tool that made an export, from its files and headers; ``None`` for other data files.

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "f.csv"
    >>> _ = p.write_text("SubmissionDate,edad,meta-instanceID,KEY\\n2024-01-01T10:00:00Z,30,uuid:1,uuid:1\\n")
    >>> detect_tool(p)
    'odk'
    """
    from . import kobo, odk_central, surveysolutions

    p = Path(path)
    if not p.exists():
        raise MicrodataError(f"{p}: no such file or folder.", file=str(p))
    for module, tool in ((surveysolutions, "surveysolutions"), (odk_central, "odk"), (kobo, "kobo")):
        if module.looks_like(p):
            return tool
    return None


def read_collection(
    path: str | os.PathLike[str],
    questionnaire: Questionnaire,
    *,
    tool: str | None = None,
    language: str | None = "auto",
    sheets: dict[str, str] | None = None,
    unanswered: str = "no_answer",
    chunk_rows: int = 50_000,
    progress: bool | None = None,
) -> Collection:
    """Read a KoboToolbox, ODK Central or Survey Solutions export as the questionnaire's units.

    Parameters
    ----------
    path : path
        KoboToolbox: ``.xlsx`` (one sheet per repeat), ``.csv`` or a ``.zip``/folder of CSVs, with XML
        names or labels (any language of the form) as headers and values, group paths joined by ``/``,
        ``.`` or nothing, select_multiple as a text column of codes and/or split 0/1 columns.
        ODK Central: the ``.csv.zip`` (or its folder) with ``KEY``/``PARENT_KEY``, or the main ``.csv``.
        Survey Solutions: the export ``.zip`` or folder, tab-separated (``.tab``) or Stata (``.dta``).
    questionnaire : Questionnaire
        The questionnaire the form was built from.
    tool : {"kobo", "odk", "surveysolutions"}, optional
        Which tool made the export; ``None`` detects it from the files.
    language : str, optional
        ``"auto"`` (default) tells XML names from labels and finds the language per table;
        ``None`` forces XML names/values; a language code forces labels in that language.
    sheets : dict, optional
        Kobo XLSX: unit -> sheet name where a sheet is not named after its repeat.
    unanswered : str, default "no_answer"
        Survey Solutions: the missing-code kind a question asked but not answered (``-999999999`` /
        ``##N/A##``) takes; where the question has no missing code of that kind the cell is left empty
        and reported (``unanswered``). A blank cell (skipped by the questionnaire's logic) stays blank.
    chunk_rows : int, default 50000
        Rows converted at a time (memory stays bounded by the result plus one chunk).
    progress : bool, optional
        Progress on stderr; default: when stderr is a terminal or in a notebook.

    Returns
    -------
    Collection
        ``{unit: DataFrame}``: the main unit (``questionnaire.unit`` or ``"main"``) and one table per
        repeat. Each table has ``interview_id`` (and ``id_<repeat>`` down the chain: the instance number
        within its parent) first, then the questionnaire's questions with its names and codes
        (select_multiple as 0/1 columns ``{q}_{code}``), then collection metadata the export has
        (``submission_time`` as datetime in UTC, ``enumerator``, ``start_time``, ``end_time``,
        ``duration_min``, ``form_version``, ...), then any unmapped column under its own name. Labels
        and missing codes from the questionnaire are in ``attrs["surveykit"]``. ``problems``,
        ``unmapped``, ``ids`` and ``paradata`` are attributes.

    Raises
    ------
    MicrodataError
        The file is missing, of no known tool, or its main table cannot be found.

    Examples
    --------
    >>> import tempfile, pathlib, surveykit as sk
    >>> q = sk.Questionnaire(id="f", languages=["es"], items=[sk.Group(name="g", children=[
    ...     sk.IntegerQuestion(name="edad", min=0, max=110)])])
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "f.csv"
    >>> _ = p.write_text("SubmissionDate,g-edad,meta-instanceID,KEY,SubmitterName\\n"
    ...                  "2024-01-01T10:00:00.000Z,34,uuid:a1,uuid:a1,ana\\n")
    >>> units = sk.read_collection(p, q)
    >>> units["main"][["interview_id", "edad", "enumerator"]].values.tolist()
    [['a1', 34.0, 'ana']]
    >>> str(units["main"]["submission_time"].dtype).startswith("datetime64")
    True
    """
    from . import kobo, odk_central, surveysolutions

    p = Path(path)
    if tool is None:
        tool = detect_tool(p)
        if tool is None:
            raise MicrodataError(
                f"{p}: not an export of KoboToolbox, ODK Central or Survey Solutions (no _uuid/"
                "_index, KEY or interview__key column); give tool=... or read it with "
                "read_microdata.",
                file=str(p),
            )
    key = _ALIASES.get(str(tool).lower())
    if key is None:
        raise MicrodataError(f"tool={tool!r}: use one of {TOOLS} (or None to detect).")
    fm = FormMap(questionnaire)
    problems = Problems()
    module = {"kobo": kobo, "odk": odk_central, "surveysolutions": surveysolutions}[key]
    export = module.open_export(p, fm, problems, sheets=sheets or {})
    export.cells.unanswered_kind = unanswered
    show = progress_wanted(progress)
    try:
        tables, ids, unmapped = _read_units(export, fm, problems, language, chunk_rows, show, p)
    finally:
        if export.close:
            export.close()
    dicts = questionnaire_dicts(questionnaire)
    for unit, df in tables.items():
        meta = empty_metadata(str(p), key)
        meta.update({k: v for k, v in dicts.items() if k in ("variable_labels", "value_labels", "missing")})
        meta = restrict(meta, df.columns)
        meta["collection"] = {"tool": key, "unit": unit, "ids": ids[unit], "unmapped": unmapped.get(unit, [])}
        meta["n_rows"] = len(df)
        attach_metadata(df, meta)
    return Collection(
        tables,
        questionnaire=questionnaire,
        tool=key,
        path=str(p),
        ids=ids,
        problems=problems.frame(),
        unmapped=unmapped,
        paradata=export.paradata,
    )


# ================================================================================================
def _read_units(
    export: Export, fm: FormMap, problems: Problems, language: Any, chunk_rows: int, show: bool, path: Path
) -> tuple[dict[str, pd.DataFrame], dict[str, list[str]], dict[str, list[str]]]:
    order = [fm.main, *[r for r in fm.repeats if r in export.repeats]]
    for r in fm.repeats:
        if r not in export.repeats:
            problems.add(
                r,
                "no_column",
                f"{path.name}: no table for repeat {r!r} (its questions "
                f"{[i.model.name for i in fm.by_unit[r]][:5]}...) was found in the export",
                question="",
            )
    tables: dict[str, pd.DataFrame] = {}
    keyinfo: dict[str, np.ndarray] = {}
    ids: dict[str, list[str]] = {}
    unmapped: dict[str, list[str]] = {}
    for unit in order:
        table = export.main if unit == fm.main else export.repeats[unit]
        plan = make_plan(
            table.headers, fm, unit, export.special, problems, table.where, language=language, classify=export.classify
        )
        unmapped[unit] = [display(c) for c in plan.unmapped]
        is_main = unit == fm.main
        has_children = any((r.parent or fm.main) == unit for r in fm.repeats.values())
        parent = fm.parent(unit)
        lookup = None if parent is None else _parent_lookup(keyinfo[parent])
        parts, metas, extras = [], [], []
        got: dict[str, list[np.ndarray]] = {"interview": [], "row_key": [], "pos": [], "instance": []}
        bar = Progress(f"{path.name} [{table.name}]", table.n_rows) if show else None
        offset = 0
        for chunk in table.chunks(chunk_rows):
            n = len(chunk)
            labels = np.arange(offset, offset + n)
            parts.append(
                unit_frame(
                    chunk,
                    plan,
                    fm,
                    problems,
                    source_rows=labels + table.first_row,
                    row_labels=labels,
                    cells=export.cells,
                )
            )
            if is_main:  # collection metadata is kept on the main unit only
                metas.append(pd.DataFrame({role: chunk[h].to_numpy() for role, h in plan.meta.items()}, index=range(n)))
            # keys per chunk: each repeat row's parent position is found now, so no key text outlives its chunk
            link = pd.DataFrame(
                {
                    role: chunk[h].to_numpy()
                    for role, h in plan.links.items()
                    if role in _KEY_ROLES or role.startswith("id:")
                },
                index=range(n),
            )
            keys = export.keys(unit, is_main, link)
            if is_main:
                got["interview"].append(np.asarray(keys["interview"], dtype=object))
            else:
                ref = np.asarray(keys["parent_ref"])
                assert lookup is not None  # a repeat has a parent
                pos = lookup(ref)
                link_problem(
                    problems,
                    unit,
                    pos < 0,
                    labels,
                    labels + table.first_row,
                    ref,
                    plan.links.get("parent_ref", ""),
                    fm.parent(unit) or "",
                )
                got["pos"].append(pos)
                if "instance" in keys:
                    got["instance"].append(np.asarray(keys["instance"], dtype=float))
            if is_main or has_children:
                got["row_key"].append(np.asarray(keys["row_key"]))
            extras.append(
                chunk[plan.unmapped].reset_index(drop=True).set_axis([display(c) for c in plan.unmapped], axis=1)
            )
            offset += n
            if bar:
                bar.update(n)
        if bar:
            bar.close()
        body = _columns(parts)
        del parts
        meta = _concat(metas)
        extra = _concat(extras)
        joined = {k: (np.concatenate(v) if v else None) for k, v in got.items()}
        idcols = fm.id_columns(unit)
        if is_main:
            interview = joined["interview"] if joined["interview"] is not None else np.empty(0, dtype=object)
            idframe = {"interview_id": interview}
            if export.main_meta is not None:
                meta = export.main_meta(meta.reset_index(drop=True), pd.Series(interview, dtype=object))
            meta = _convert_meta(meta)
        else:
            pos = joined["pos"] if joined["pos"] is not None else np.empty(0, dtype=np.int64)
            assert parent is not None  # a repeat has a parent
            idframe = _link(unit, pos, joined["instance"], tables[parent], fm)
        if joined["row_key"] is not None:
            keyinfo[unit] = joined["row_key"]
        elif has_children or is_main:
            keyinfo[unit] = np.empty(0)
        cols: dict[str, Any] = dict(idframe)
        cols.update(body)
        for frame in ([meta] if unit == fm.main else []) + [extra]:
            cols.update({c: frame[c].to_numpy() for c in frame.columns if c not in cols})
        del body
        tables[unit] = pd.DataFrame(cols, index=pd.RangeIndex(len(idframe["interview_id"])), copy=False)
        ids[unit] = idcols
    return tables, ids, unmapped


def _columns(parts: list[pd.DataFrame]) -> dict[str, np.ndarray]:
    """The chunks' columns joined one at a time (the peak is the result plus one column, not two copies)."""
    if not parts:
        return {}
    out = {}
    for c in parts[0].columns:
        arrays = [p[c].to_numpy() for p in parts]
        if any(a.dtype == object for a in arrays) and not all(a.dtype == object for a in arrays):
            arrays = [a.astype(object) for a in arrays]
        out[c] = arrays[0] if len(arrays) == 1 else np.concatenate(arrays)
    return out


def _concat(parts: list[pd.DataFrame]) -> pd.DataFrame:
    if not parts:
        return pd.DataFrame()
    if len(parts) == 1:
        return parts[0]
    return pd.concat(parts, ignore_index=True)


def _parent_lookup(parent_keys: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
    """A function giving each child key's parent row (-1: none); a repeated parent key gives its first
    row (the duplicate is reported by check_microdata)."""
    pk = pd.Index(parent_keys)
    unique = pk.is_unique
    first = None if unique else np.flatnonzero(~pk.duplicated())
    keys = pk if unique else pk[first]

    def lookup(ref: np.ndarray) -> np.ndarray:
        idx = keys
        if (idx.dtype == object) != (ref.dtype == object):  # numbers against text: compare as objects
            idx, ref = pd.Index(idx.astype(object)), ref.astype(object)
        pos = idx.get_indexer(ref).astype(np.int64)
        if first is not None:
            pos = np.where(pos >= 0, first[np.maximum(pos, 0)], -1)
        return pos

    return lookup


def _link(
    unit: str, pos: np.ndarray, instance: np.ndarray | None, parent: pd.DataFrame, fm: FormMap
) -> dict[str, np.ndarray]:
    """Each repeat row's ids: its parent's, and its instance number within the parent."""
    orphan = pos < 0
    n = len(pos)
    out = {}
    for c in fm.id_columns(fm.parent(unit) or fm.main):
        vals = parent[c].to_numpy()
        col = np.empty(n, dtype=vals.dtype if vals.dtype != object else object)
        if orphan.any() and col.dtype.kind in "iu":
            col = col.astype(float)
        col[~orphan] = vals[pos[~orphan]]
        if orphan.any():
            col[orphan] = None if col.dtype == object else np.nan
        out[c] = col
    if instance is None or np.isnan(instance).all():
        # instance number = rank of the row among its parent's rows (file order), without a groupby
        grp = np.where(orphan, -1, pos)
        order = np.argsort(grp, kind="stable")
        sorted_grp = grp[order]
        starts = np.r_[0, np.flatnonzero(sorted_grp[1:] != sorted_grp[:-1]) + 1] if n else np.zeros(0, int)
        rank = np.arange(n) - np.repeat(starts, np.diff(np.r_[starts, n]))
        instance = np.empty(n, dtype=float)
        instance[order] = rank + 1
    out[f"id_{unit}"] = instance
    return out


def _to_utc_naive(s: pd.Series) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(s.dtype):
        return s.dt.tz_convert(None) if getattr(s.dt, "tz", None) is not None else s
    obj = s.astype(object)
    parsed = pd.to_datetime(obj.where(s.notna() & (obj != ""), None), errors="coerce", utc=True, format="mixed")
    return parsed.dt.tz_convert(None)


def _convert_meta(meta: pd.DataFrame) -> pd.DataFrame:
    """Metadata columns as analysts need them: times as UTC datetimes, duration in minutes, fixed order."""
    meta = meta.copy()
    for c in ("submission_time", "start_time", "end_time"):
        if c in meta.columns:
            meta[c] = _to_utc_naive(meta[c])
    if "duration_min" in meta.columns:
        meta["duration_min"] = pd.to_numeric(meta["duration_min"], errors="coerce")
    elif "start_time" in meta.columns and "end_time" in meta.columns:
        meta["duration_min"] = (meta["end_time"] - meta["start_time"]).dt.total_seconds() / 60.0
    for c in ("enumerator", "form_version", "device_id", "review_status", "interview_guid"):
        if c in meta.columns:
            obj = meta[c].astype(object)
            meta[c] = obj.where(meta[c].notna() & (obj != ""), None).map(
                lambda v: v if v is None or isinstance(v, str) else str(v)
            )
    return meta[[c for c in META_COLUMNS if c in meta.columns]]
