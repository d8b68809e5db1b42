"""Survey Solutions exports: a zip (or folder) of tab-separated (``.tab``) or Stata (``.dta``) files.

Structure (docs/field-data.md cites the sources): one file per level -- the questionnaire level named
after the questionnaire variable, one per roster named after the roster variable -- each keyed by
``interview__key`` (``XX-XX-XX-XX``) and ``interview__id`` (a GUID); a roster file adds
``<roster>__id`` (the row code) and, for nested rosters, the ``__id`` of every enclosing roster.
Multi-select answers are ``q__<code>`` columns (``q__n1`` for code -1), 1 selected, 0 not (ordered
multi-selects hold the position). A question that was enabled but not answered holds ``-999999999``
(numeric) or ``##N/A##`` (text); a skipped (disabled) one is blank. The main file ends with
``sssys_irnd``, ``has__errors``, ``interview__status``, ``assignment__id``. System files
(``interview__diagnostics``, ``interview__actions``, ``interview__comments``, ``interview__errors``,
``assignment__actions``) are paradata, not units.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ...errors import MicrodataError
from .cells import Cells
from .common import FormMap, Problems
from .export import Export, Table
from .files import Files

__all__ = ["looks_like", "open_export", "SYSTEM_FILES", "UNANSWERED_NUMBER", "UNANSWERED_TEXT"]

SYSTEM_FILES = (
    "interview__diagnostics",
    "interview__actions",
    "interview__comments",
    "interview__errors",
    "assignment__actions",
)
UNANSWERED_NUMBER = -999999999.0
UNANSWERED_TEXT = "##N/A##"
#: interview__actions codes (Survey Solutions documentation): 3 = Completed
COMPLETED = 3
_MULTI = re.compile(r"^(.+)__(n?)(\d+)$")
_DATA = (".tab", ".dta")


def looks_like(path: Path) -> bool:
    """A Survey Solutions export: data files keyed by ``interview__key``, or its system files."""
    try:
        files = Files(path)
        try:
            stems = {Path(n).stem for n in files.names}
            if stems & set(SYSTEM_FILES):
                return True
            for name in files.names:
                if name.lower().endswith(".tab"):
                    headers, _ = files.header(name, "\t")
                    if "interview__key" in headers or "interview__id" in headers:
                        return True
                if name.lower().endswith(".dta") and files.zip is None:
                    import pyreadstat

                    _, meta = pyreadstat.read_dta(str(path if path.is_file() else path / name), metadataonly=True)
                    if "interview__key" in meta.column_names:
                        return True
        finally:
            files.close()
    except Exception:  # noqa: BLE001 - detection only
        return False
    return False


def _duration_minutes(s: pd.Series) -> pd.Series:
    """``interview__duration`` ``D.HH:MM:SS`` (or ``HH:MM:SS``) as minutes."""
    text = s.astype(object).where(s.notna(), None).astype("string")
    parts = text.str.extract(r"^(?:(\d+)\.)?(\d+):(\d+):(\d+)")
    days = pd.to_numeric(parts[0], errors="coerce").fillna(0)
    h, m, sec = (pd.to_numeric(parts[i], errors="coerce") for i in (1, 2, 3))
    return (days * 1440 + h * 60 + m + sec / 60).astype(float)


class _Reader:
    def __init__(self, path: Path, fm: FormMap, problems: Problems) -> None:
        self.path = path
        self.fm = fm
        self.files = Files(path)
        self.tmp: list[Any] = []
        self.paradata: dict[str, pd.DataFrame] = {}
        self.problems = problems

    def local(self, name: str) -> str:
        """A real file path for pyreadstat (members of a zip are copied to a temporary file)."""
        if self.files.zip is None:
            return str(self.path / name) if self.path.is_dir() else str(self.path)
        tmp = tempfile.NamedTemporaryFile(suffix=Path(name).suffix)
        with self.files.open(name) as fh:
            while True:
                block = fh.read(1 << 20)
                if not block:
                    break
                tmp.write(block)
        tmp.flush()
        self.tmp.append(tmp)
        return tmp.name

    def table(self, name: str) -> Any:

        where = self.files.where(name)
        if name.lower().endswith(".dta"):
            import pyreadstat

            local = self.local(name)
            _, meta = pyreadstat.read_dta(local, metadataonly=True)

            def chunks(size: int) -> Any:
                for df, _m in pyreadstat.read_file_in_chunks(pyreadstat.read_dta, local, chunksize=size):
                    yield df.reset_index(drop=True)

            return Table(Path(name).stem, where, list(meta.column_names), chunks, meta.number_rows, 2)
        headers, sep = self.files.header(name, "\t")
        return Table(Path(name).stem, where, headers, self.files.csv_chunks(name, "\t", as_text=False), None, 2)

    def close(self) -> None:
        for t in self.tmp:
            t.close()
        self.files.close()


def open_export(path: Path, fm: FormMap, problems: Problems, *, sheets: dict[str, str]) -> Any:
    """The tables of a Survey Solutions export (see the module docstring)."""

    r = _Reader(path, fm, problems)
    by_file = {v: k for k, v in sheets.items()}
    main, repeats, others = None, {}, []
    for name in r.files.names:
        stem = Path(name).stem
        if not name.lower().endswith(_DATA):
            continue
        if stem in SYSTEM_FILES:
            r.paradata[stem] = (
                r.files.read_all(name, "\t")
                if name.lower().endswith(".tab")
                else pd.read_stata(r.local(name), convert_categoricals=False)
            )
            continue
        unit = by_file.get(stem) or fm.match_unit(stem)
        if unit is not None and unit != fm.main:
            repeats[unit] = r.table(name)
        else:
            others.append(name)
    preferred = [n for n in others if by_file.get(Path(n).stem) == fm.main or Path(n).stem == fm.q.id]
    chosen: str | None = next(iter(preferred or others), None)
    if chosen is None:
        r.close()
        raise MicrodataError(
            f"{path}: no questionnaire-level data file (.tab or .dta keyed by interview__key).", file=str(path)
        )
    main = r.table(chosen)
    for n in others:
        if n != chosen:
            problems.add(
                Path(n).stem,
                "unmapped_table",
                f"{r.files.where(n)}: not a roster of questionnaire "
                f"{fm.q.id!r} (rosters are read from files named after the roster variable)",
            )
    repeat_names = set(fm.repeats)

    def classify(header: str, unit: str) -> Any:
        if header == "interview__key":
            return ("link", "interview")
        if header == "interview__id":
            return ("meta", "interview_guid")
        if header.endswith("__id") and header[:-4] in repeat_names:
            return ("link", f"id:{header[:-4]}")
        if header in ("sssys_irnd", "has__errors"):
            return ("ignore", header)
        if header == "interview__status":
            return ("meta", "interview_status")
        if header == "assignment__id":
            return ("meta", "assignment_id")
        m = _MULTI.match(header)
        if (
            m
            and m.group(1) in fm.infos
            and fm.infos[m.group(1)].model.type == "select_multiple"
            and (fm.infos[m.group(1)].repeat or fm.main) == unit
        ):
            code = -int(m.group(3)) if m.group(2) else int(m.group(3))
            return ("choice", m.group(1), code)
        return None

    def keys(unit: str, is_main: bool, links: pd.DataFrame) -> dict[str, np.ndarray]:
        if "interview" not in links:
            raise MicrodataError(f"the Survey Solutions table of {unit!r} has no interview__key column.")
        ikey = links["interview"].astype(object).to_numpy(dtype=object)  # the key texts, not copied
        chain = fm.chain(unit)
        ids = []
        for rep in chain:
            col = links.get(f"id:{rep}")
            if col is None:
                raise MicrodataError(f"the Survey Solutions file of roster {unit!r} has no {rep}__id column.")
            ids.append(pd.to_numeric(col, errors="coerce").to_numpy(dtype=float))

        def join(parts: list[np.ndarray]) -> np.ndarray:
            if not parts:
                return ikey
            out = pd.Series(ikey, dtype=object).astype(str)
            for p in parts:
                text = pd.Series(p).round().astype("Int64").astype("string").fillna("")
                out = out + "|" + text.astype(object)
            return out.to_numpy(dtype=object)

        # a roster's own row key is needed only by rosters nested in it (a string per row costs memory)
        has_children = any((r.parent or fm.main) == unit for r in fm.repeats.values())
        out = {"row_key": join(ids) if (has_children or is_main) else np.zeros(len(ikey))}
        if is_main:
            out["interview"] = ikey
        else:
            out["parent_ref"] = join(ids[:-1])
            out["instance"] = ids[-1]
        return out

    def main_meta(meta: pd.DataFrame, interview: pd.Series) -> pd.DataFrame:
        meta = meta.copy()
        diag = r.paradata.get("interview__diagnostics")
        if diag is not None and "interview__key" in diag and len(diag):
            d = diag.drop_duplicates("interview__key").set_index("interview__key")
            idx = pd.Index(d.index).get_indexer(interview.to_numpy(dtype=object))
            ok = idx >= 0
            if "responsible" in d:
                vals = d["responsible"].to_numpy(dtype=object)
                meta["enumerator"] = np.where(ok, vals[np.where(ok, idx, 0)], None)
            if "interview__duration" in d:
                mins = _duration_minutes(d["interview__duration"]).to_numpy(dtype=float)
                meta["duration_min"] = np.where(ok, mins[np.where(ok, idx, 0)], np.nan)
        acts = r.paradata.get("interview__actions")
        if acts is not None and len(acts) and {"interview__key", "action", "date", "time"} <= set(acts.columns):
            done = acts[pd.to_numeric(acts["action"], errors="coerce") == COMPLETED]
            when = pd.to_datetime(done["date"].astype(str) + " " + done["time"].astype(str), errors="coerce")
            last = pd.Series(when.to_numpy(), index=done["interview__key"].to_numpy()).groupby(level=0).max()
            meta["submission_time"] = last.reindex(interview.to_numpy(dtype=object)).to_numpy()
        return meta

    cells = Cells(unanswered_number=UNANSWERED_NUMBER, unanswered_text=UNANSWERED_TEXT, split_selected="positive")
    return Export(
        "surveysolutions",
        main,
        repeats,
        paradata=r.paradata,
        special={},
        classify=classify,
        cells=cells,
        keys=keys,
        main_meta=main_meta,
        close=r.close,
    )
