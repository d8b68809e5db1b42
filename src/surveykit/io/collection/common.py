"""What every field-export reader shares: the questionnaire's columns, header resolution, cell conversion.

A tool's reader (:mod:`.kobo`, :mod:`.odk_central`, :mod:`.surveysolutions`) yields, per unit, raw
chunks of rows with the export's own headers plus how each row links to its parent. This module turns
those into the questionnaire's units: headers resolved to questions (group paths with ``/``, ``.``
or ``-``, labels in any language of the form), cells to codes, select_multiple answers to the 0/1
columns ``{q}_{code}``, and everything that does not fit recorded as a located problem.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd


__all__ = ["FormMap", "Plan", "Problems", "PROBLEM_KINDS", "META_COLUMNS", "unit_frame", "text_key", "make_plan",
           "unique_headers", "display", "Files", "sniff_sep", "Cells"]

#: Collection metadata kept in every main table (those the export has), in this order.
META_COLUMNS = ("submission_time", "enumerator", "start_time", "end_time", "duration_min", "form_version",
                "device_id", "review_status", "interview_status", "assignment_id", "interview_guid")
#: The kinds of problem :func:`surveykit.read_collection` reports.
PROBLEM_KINDS = ("unmapped_table", "unmapped_column", "no_column", "duplicate_column", "unknown_code", "not_a_number",
                 "not_a_date",
                 "split_value", "select_multiple_disagree", "missing_code_mixed", "unanswered", "orphan")
_SEP = re.compile(r"[/.\-]")
_SPACE = re.compile(r"\s+")
_NUMERIC_Q = {"integer", "decimal"}


def text_key(value: Any) -> str:
    """A cell as the text a code is compared with: ``1``, ``1.0`` and ``"1"`` are all ``"1"``.

    >>> text_key(2.0), text_key(" 01 "), text_key(None), text_key(True)
    ('2', '01', '', '1')
    """
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA or value is pd.NaT:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        return str(int(value)) if float(value).is_integer() else repr(float(value))
    return str(value).strip()


def unique_headers(headers: list[Any]) -> list[str]:
    """Headers made unique by position (a label shared by two questions repeats in a labels export);
    ``display`` gives the header back.

    >>> h = unique_headers(["a", "b", "a"])
    >>> len(set(h)), [display(x) for x in h]
    (3, ['a', 'b', 'a'])
    """
    seen: dict[str, int] = {}
    out = []
    for h in headers:
        h = "" if h is None else str(h).strip()
        k = seen.get(h, 0)
        seen[h] = k + 1
        out.append(h if k == 0 else f"{h}\x00{k}")
    return out


def display(header: str) -> str:
    """An export header as written in the file (see :func:`unique_headers`)."""
    return header.split("\x00", 1)[0]


def _norm_label(text: str) -> str:
    return _SPACE.sub(" ", str(text)).strip().casefold()


class Problems:
    """Located problems gathered while reading (turned into one DataFrame at the end)."""

    columns = ["unit", "row", "source_row", "column", "question", "kind", "value", "message"]

    def __init__(self) -> None:
        self.parts: list[pd.DataFrame] = []

    def add(self, unit: str, kind: str, message: str, *, column: str = "", question: str = "",
            rows: Any = None, source_rows: Any = None, values: Any = None) -> None:
        n = 1 if rows is None else len(rows)
        if n == 0:
            return
        self.parts.append(pd.DataFrame({
            "unit": unit, "row": pd.NA if rows is None else np.asarray(rows, dtype=object),
            "source_row": pd.NA if source_rows is None else np.asarray(source_rows, dtype=object),
            "column": column, "question": question, "kind": kind,
            "value": pd.NA if values is None else np.asarray(values, dtype=object), "message": message},
            index=range(n)))

    def frame(self) -> pd.DataFrame:
        if not self.parts:
            return pd.DataFrame({c: pd.Series(dtype=object) for c in self.columns})
        return pd.concat(self.parts, ignore_index=True)[self.columns]


@dataclass
class Plan:
    """How one export table's headers map to a unit of the questionnaire."""

    unit: str
    questions: dict[str, str] = field(default_factory=dict)          # question -> header
    splits: dict[str, dict[Any, str]] = field(default_factory=dict)  # select_multiple -> {code: header}
    meta: dict[str, str] = field(default_factory=dict)                # metadata column -> header
    links: dict[str, str] = field(default_factory=dict)               # link role -> header
    ignored: list[str] = field(default_factory=list)
    unmapped: list[str] = field(default_factory=list)
    language: str | None = None                                      # None: XML names/values


class FormMap:
    """The questionnaire as an export sees it: units, their questions, codes and labels.

    >>> import surveykit as sk
    >>> q = sk.Questionnaire(id="f", languages=["es", "en"],
    ...     choice_lists={"sino": sk.ChoiceList(choices=[sk.Choice(code=1, label={"es": "Sí", "en": "Yes"}),
    ...                                                   sk.Choice(code=2, label={"es": "No", "en": "No"})])},
    ...     items=[sk.Group(name="g", children=[sk.SelectOneQuestion(name="p1", choices="sino",
    ...                                         label={"es": "¿Votó?", "en": "Did you vote?"})])])
    >>> fm = FormMap(q)
    >>> fm.resolve("g/p1", "main", None), fm.resolve("Did you vote?", "main", "en")
    (('question', 'p1'), ('question', 'p1'))
    """

    def __init__(self, questionnaire: Any) -> None:
        self.q = questionnaire
        self.main = questionnaire.unit or "main"
        self.repeats = {r.name: r for r in questionnaire.repeats()}
        self.infos = {i.model.name: i for i in questionnaire.questions()}
        self.by_unit: dict[str, list[Any]] = {self.main: [], **{r: [] for r in self.repeats}}
        for info in self.infos.values():
            if info.model.stores_value:
                self.by_unit[info.repeat or self.main].append(info)
        self.languages = list(questionnaire.languages)
        self._labels: dict[str, dict[str, dict[str, Any]]] = {}
        self._codes: dict[str, dict[str, Any]] = {}

    # -- units --------------------------------------------------------------------------------
    def chain(self, unit: str) -> list[str]:
        """The repeats from the outermost down to ``unit`` (``[]`` for the main unit)."""
        out: list[str] = []
        while unit != self.main and unit in self.repeats:
            out.insert(0, unit)
            unit = self.repeats[unit].parent or self.main
        return out

    def parent(self, unit: str) -> str | None:
        if unit == self.main:
            return None
        return self.repeats[unit].parent or self.main

    def id_columns(self, unit: str) -> list[str]:
        """``["interview_id"]`` for the main unit, plus ``id_<repeat>`` down the chain of repeats."""
        return ["interview_id", *[f"id_{r}" for r in self.chain(unit)]]

    def match_unit(self, name: str) -> str | None:
        """The repeat an export table/sheet/file is named after (Excel truncates names to 31 chars)."""
        if name in self.repeats:
            return name
        for r in self.repeats:
            if len(name) >= 31 and r.startswith(name[:31]):
                return r
        return None

    # -- codes and labels ------------------------------------------------------------------------
    def codes(self, info: Any, language: str | None) -> dict[str, Any]:
        """Text of a cell -> code, for a select question: codes, missing codes, then labels (the export's
        language first, then the others)."""
        key = f"{info.model.name}\x00{language}"
        if key in self._codes:
            return self._codes[key]
        out: dict[str, Any] = {}
        lst = info.choice_list
        entries = [(c.code, c.label) for c in (lst.choices if lst else [])] + [(m.code, m.label) for m in info.missing]
        langs = ([language] if language else []) + [lang for lang in self.languages if lang != language]
        for lang in reversed(langs):  # the preferred language is written last and wins
            for code, label in entries:
                if label.get(lang):
                    out[_norm_label(label[lang])] = code
        for code, _label in entries:
            out[text_key(code)] = code
        self._codes[key] = out
        return out

    def labels(self, unit: str, language: str) -> dict[str, Any]:
        """Normalised label header -> ("question", name) or ("choice", name, code), in one language."""
        key = f"{unit}\x00{language}"
        if key not in self._labels:
            out: dict[str, Any] = {}
            for info in self.by_unit.get(unit, []):
                text = info.model.label.get(language) or info.model.short_label.get(language)
                if not text:
                    continue
                out.setdefault(_norm_label(text), []).append(("question", info.model.name))
                if info.model.type == "select_multiple":
                    lst = info.choice_list
                    entries = [(c.code, c.label) for c in (lst.choices if lst else [])] + \
                              [(m.code, m.label) for m in info.missing]
                    for code, label in entries:
                        if label.get(language):
                            out.setdefault(_norm_label(f"{text}/{label[language]}"), []).append(
                                ("choice", info.model.name, code))
            self._labels[key] = out
        return self._labels[key]

    def resolve(self, header: str, unit: str, language: str | None,
                taken: Any = ()) -> tuple[Any, ...] | None:
        """``("question", name)``, ``("choice", name, code)`` or ``None`` for one export header; a label
        shared by several questions goes to the first of them (in form order) not in ``taken``."""
        names = {i.model.name: i for i in self.by_unit.get(unit, [])}
        if language is None:
            segs = [s for s in _SEP.split(str(header)) if s != ""]
            if not segs:
                return None
            if segs[-1] in names:
                return ("question", segs[-1])
            if len(segs) >= 2 and segs[-2] in names and names[segs[-2]].model.type == "select_multiple":
                code = self.codes(names[segs[-2]], None).get(segs[-1])
                if code is not None and text_key(code) == segs[-1]:
                    return ("choice", segs[-2], code)
            return None
        table = self.labels(unit, language)
        text = _norm_label(header)
        candidates = [text] + [text[m.end():].strip() for m in re.finditer("/", text)]  # group labels in front
        for c in candidates:
            if c in table:
                targets = table[c]
                return next((t for t in targets if t not in taken), targets[0])
        return None


def choose_language(headers: Iterable[str], fm: FormMap, unit: str) -> str | None:
    """``None`` when the headers are XML names, else the form language whose labels match most."""
    headers = [str(h) for h in headers]
    best, score = None, sum(fm.resolve(h, unit, None) is not None for h in headers)
    for lang in fm.languages:
        s = sum(fm.resolve(h, unit, lang) is not None for h in headers)
        if s > score:
            best, score = lang, s
    return best


def make_plan(headers: list[str], fm: FormMap, unit: str, special: Mapping[str, tuple[str, str]],
              problems: Problems, where: str, language: str | None = "auto",
              classify: Any = None) -> Plan:
    """Resolve every header of one export table. ``special``: exact header (or its last path segment)
    -> (``"meta"``/``"link"``/``"ignore"``, role)."""
    lang = choose_language([h for h in headers if str(h) not in special], fm, unit) if language == "auto" \
        else language
    plan = Plan(unit=unit, language=lang)
    seen: dict[Any, str] = {}
    for h in headers:
        key = str(h)
        hs = display(key)
        last = _SEP.split(hs)[-1] if hs else hs
        sp = (classify(hs, unit) if classify else None) or special.get(hs) or \
            (special.get(last) if last and last not in fm.infos else None)
        if sp and sp[0] in ("question", "choice"):
            target, sp = sp, None
        else:
            target = None
        target = target if (sp or target) else (fm.resolve(hs, unit, lang, seen) or
                                                 (fm.resolve(hs, unit, None) if lang else None))
        if sp:
            kind, role = sp
            if kind == "meta" and role not in plan.meta:
                plan.meta[role] = key
            elif kind == "link" and role not in plan.links:
                plan.links[role] = key
            else:
                plan.ignored.append(key)
            continue
        if target is None:
            plan.unmapped.append(key)
            problems.add(unit, "unmapped_column", f"{where}: column {hs!r} is not a question of unit {unit!r} of "
                         f"questionnaire {fm.q.id!r} nor known collection metadata; it is kept under its own name",
                         column=hs)
            continue
        if target in seen:
            problems.add(unit, "duplicate_column", f"{where}: columns {seen[target]!r} and {hs!r} are both "
                         f"{target[1]!r}; the first is used", column=hs, question=target[1])
            plan.ignored.append(key)
            continue
        seen[target] = hs
        if target[0] == "question":
            plan.questions[target[1]] = key
        else:
            plan.splits.setdefault(target[1], {})[target[2]] = key
    for info in fm.by_unit.get(unit, []):
        name = info.model.name
        if name not in plan.questions and name not in plan.splits:
            problems.add(unit, "no_column", f"{where}: question {name!r} has no column in the export",
                         question=name)
    return plan


# ================================================================================================
# cells -> codes
# ================================================================================================
@dataclass
class Cells:
    """How a reader marks special cells: Survey Solutions' enabled-but-unanswered values."""

    unanswered_number: float | None = None
    unanswered_text: str | None = None
    split_selected: str = "binary"   # "positive": any value > 0 is selected (SuSo ordered multi-selects)


def _factor(s: pd.Series) -> tuple[np.ndarray, list[str]]:
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    return codes, [text_key(u) for u in uniques]


def _take(codes: np.ndarray, mapped: list[Any], fill: Any = np.nan, dtype: Any = float) -> np.ndarray:
    arr = np.array(list(mapped) + [fill], dtype=dtype)
    return arr[codes]  # -1 (missing) takes the last element, the fill


def unit_frame(raw: pd.DataFrame, plan: Plan, fm: FormMap, problems: Problems, *, source_rows: np.ndarray,
               row_labels: np.ndarray, cells: Cells | None = None, no_answer: bool = True) -> pd.DataFrame:
    """The questionnaire's columns of one chunk of an export table (codes, 0/1 select_multiple)."""
    cells = cells or Cells()
    unit = plan.unit
    out: dict[str, Any] = {}
    for info in fm.by_unit.get(unit, []):
        name = info.model.name
        if info.model.type == "select_multiple":
            if name in plan.questions or name in plan.splits:
                out.update(_select_multiple(raw, info, plan, fm, problems, source_rows, row_labels, cells))
            continue
        if name not in plan.questions:
            continue
        out[name] = _single(raw[plan.questions[name]], info, plan, fm, problems, source_rows, row_labels, cells)
    return pd.DataFrame(out, index=pd.RangeIndex(len(raw)))


def _no_answer_code(info: Any) -> Any:
    for m in info.missing:
        if m.kind == "no_answer":
            return m.code
    return None


def _unanswered(col: pd.Series, info: Any, plan: Plan, problems: Problems, source_rows: np.ndarray,
                row_labels: np.ndarray, cells: Cells) -> tuple[pd.Series, np.ndarray]:
    """Survey Solutions' -999999999 / ##N/A## (asked, not answered) -> the question's no_answer code, or
    NaN with a reported problem (blank stays blank: skipped)."""
    mask = np.zeros(len(col), dtype=bool)
    if cells.unanswered_number is not None:
        num = pd.to_numeric(col, errors="coerce") if col.dtype == object else col
        if pd.api.types.is_numeric_dtype(num.dtype):
            mask |= (num == cells.unanswered_number).to_numpy(dtype=bool, na_value=False)
    if cells.unanswered_text is not None and not pd.api.types.is_numeric_dtype(col.dtype):
        mask |= (col.astype(object) == cells.unanswered_text).to_numpy(dtype=bool, na_value=False)
    if not mask.any():
        return col, mask
    code = _no_answer_code(info)
    col = col.astype(object).copy()
    col[mask] = code if code is not None else None
    if code is None:
        problems.add(plan.unit, "unanswered", f"{info.model.name!r} was asked but not answered (Survey Solutions "
                     "-999999999 / ##N/A##); the questionnaire has no 'no_answer' missing code for it, so the cell "
                     "is left empty", column=plan.questions.get(info.model.name, ""), question=info.model.name,
                     rows=row_labels[mask], source_rows=source_rows[mask])
    return col, mask


def _single(col: pd.Series, info: Any, plan: Plan, fm: FormMap, problems: Problems, source_rows: np.ndarray,
            row_labels: np.ndarray, cells: Cells) -> Any:
    name = info.model.name
    header = plan.questions[name]
    col, _ = _unanswered(col, info, plan, problems, source_rows, row_labels, cells)
    t = info.model.type
    vtype = info.value_type()
    if t == "select_one":
        codes, uniq = _factor(col)
        table = fm.codes(info, plan.language)
        mapped = [table.get(u, table.get(_norm_label(u))) for u in uniq]
        bad_u = [i for i, (u, m) in enumerate(zip(uniq, mapped)) if m is None and u != ""]
        if bad_u:
            bad = np.isin(codes, bad_u)
            problems.add(plan.unit, "unknown_code", f"{header!r}: not a code or label of the choice list of "
                         f"{name!r}", column=header, question=name, rows=row_labels[bad],
                         source_rows=source_rows[bad], values=col.to_numpy(dtype=object)[bad])
            raw = col.to_numpy(dtype=object)
            vals = _take(codes, [m if m is not None else None for m in mapped], None, object)
            vals[bad] = raw[bad]  # kept as found: check_microdata reports it as a choice problem too
            return vals
        if vtype == "numeric":
            return _take(codes, [np.nan if m is None else float(m) for m in mapped])
        return _take(codes, mapped, None, object)
    if vtype == "numeric":
        if pd.api.types.is_numeric_dtype(col.dtype) and not pd.api.types.is_bool_dtype(col.dtype):
            return col.to_numpy(dtype=float, na_value=np.nan)
        obj = col.astype(object)
        present = (col.notna() & (obj != "")).to_numpy(dtype=bool)
        vals = pd.to_numeric(obj.where(present, None), errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        bad = present & np.isnan(vals)
        if bad.any():
            problems.add(plan.unit, "not_a_number", f"{header!r}: {name!r} is a number; this is not",
                         column=header, question=name, rows=row_labels[bad], source_rows=source_rows[bad],
                         values=obj.to_numpy(dtype=object)[bad])
            vals = vals.astype(object)
            vals[bad] = obj.to_numpy(dtype=object)[bad]
        return vals
    if vtype in ("date", "datetime"):
        if pd.api.types.is_datetime64_any_dtype(col.dtype):
            return col.to_numpy()
        obj = col.astype(object).where(col.notna() & (col.astype(object) != ""), None)
        parsed = pd.to_datetime(obj, errors="coerce", format="mixed")
        bad = (parsed.isna() & obj.notna()).to_numpy(dtype=bool)
        if bad.any():
            problems.add(plan.unit, "not_a_date", f"{header!r}: {name!r} is a date; this is not", column=header,
                         question=name, rows=row_labels[bad], source_rows=source_rows[bad],
                         values=obj.to_numpy(dtype=object)[bad])
        return parsed.dt.normalize().to_numpy() if vtype == "date" else parsed.to_numpy()
    codes, uniq = _factor(col)
    return _take(codes, [u if u != "" else None for u in uniq], None, object)


def _split_block(raw: pd.DataFrame, headers: dict[Any, str], codes: list[Any], cells: Cells
                 ) -> tuple[np.ndarray, np.ndarray, list[tuple[str, np.ndarray]]]:
    """0/1 matrix (NaN: empty), unanswered rows, and bad cells per header from split columns."""
    n = len(raw)
    block = np.full((n, len(codes)), np.nan)
    unanswered = np.zeros(n, dtype=bool)
    bad: list[tuple[str, np.ndarray]] = []
    for j, code in enumerate(codes):
        h = headers.get(code)
        if h is None:
            continue
        col = raw[h]
        num = col.to_numpy(dtype=float, na_value=np.nan) if pd.api.types.is_numeric_dtype(col.dtype) else \
            pd.to_numeric(col.astype(object).map(lambda v: {"True": 1, "False": 0, "": None}.get(v, v)
                                                 if isinstance(v, str) else v), errors="coerce").to_numpy(float)
        if cells.unanswered_number is not None:
            un = num == cells.unanswered_number
            unanswered |= un
            num = np.where(un, np.nan, num)
        present = col.notna().to_numpy(dtype=bool) & (col.astype(object) != "").to_numpy(dtype=bool)
        sel = np.where(np.isnan(num), np.nan, (num > 0).astype(float))
        wrong = present & ~np.isnan(num) & ~np.isin(num, [0.0, 1.0]) & (cells.split_selected != "positive")
        wrong |= present & np.isnan(num) & ~unanswered
        if wrong.any():
            bad.append((h, wrong))
        block[:, j] = sel
    return block, unanswered, bad


def _select_multiple(raw: pd.DataFrame, info: Any, plan: Plan, fm: FormMap, problems: Problems,
                     source_rows: np.ndarray, row_labels: np.ndarray, cells: Cells) -> dict[str, np.ndarray]:
    name = info.model.name
    subst = info.choice_codes()
    missing = [m.code for m in info.missing]
    allcodes = list(subst) + [c for c in missing if c not in subst]
    index = {text_key(c): j for j, c in enumerate(allcodes)}
    n = len(raw)
    text_block = None
    if name in plan.questions:
        header = plan.questions[name]
        col, _ = _unanswered(raw[header], info, plan, problems, source_rows, row_labels, cells)
        fcodes, uniq = _factor(col)
        table = fm.codes(info, plan.language)
        label_re = None
        rows_u = np.full((len(uniq) + 1, len(allcodes)), np.nan)
        bad_u = []
        for i, u in enumerate(uniq):
            if u == "":
                continue
            tokens = u.split()
            got = [table.get(t) for t in tokens]
            if any(g is None for g in got):  # labels joined by spaces: match whole labels, longest first
                if label_re is None:
                    labels = sorted((k for k in table if not k.isdigit()), key=len, reverse=True)
                    label_re = re.compile("|".join(re.escape(k) for k in labels)) if labels else None
                rest = _norm_label(u)
                found = label_re.findall(rest) if label_re else []
                leftover = label_re.sub("", rest).strip() if label_re else rest
                got = [table[f] for f in found] if found and not leftover else [None]
            if any(g is None for g in got):
                bad_u.append(i)
                continue
            rows_u[i] = 0.0
            for g in got:
                rows_u[i, index[text_key(g)]] = 1.0
        text_block = rows_u[np.where(fcodes < 0, len(uniq), fcodes)]
        text_bad = np.isin(fcodes, bad_u) if bad_u else np.zeros(n, dtype=bool)
        if bad_u:
            bad = np.isin(fcodes, bad_u)
            problems.add(plan.unit, "unknown_code", f"{header!r}: a choice not in the list of {name!r}",
                         column=header, question=name, rows=row_labels[bad], source_rows=source_rows[bad],
                         values=col.to_numpy(dtype=object)[bad])
    split_block = None
    split_unanswered = np.zeros(n, dtype=bool)
    if name in plan.splits:
        split_block, split_unanswered, bad_cells = _split_block(raw, plan.splits[name], allcodes, cells)
        for h, wrong in bad_cells:
            problems.add(plan.unit, "split_value", f"{h!r}: a choice column of {name!r} holds something other "
                         "than 0 or 1", column=h, question=name, rows=row_labels[wrong],
                         source_rows=source_rows[wrong], values=raw[h].to_numpy(dtype=object)[wrong])
        absent = [c for c in allcodes if c not in plan.splits[name] and c in subst]
        if absent and text_block is None:
            problems.add(plan.unit, "no_column", f"choices {absent} of {name!r} have no column in the export",
                         question=name)
        if split_unanswered.any() and _no_answer_code(info) is None:
            problems.add(plan.unit, "unanswered", f"{name!r} was asked but not answered (Survey Solutions "
                         "-999999999); the questionnaire has no 'no_answer' missing code for it",
                         question=name, rows=row_labels[split_unanswered],
                         source_rows=source_rows[split_unanswered])
    if text_block is not None and split_block is not None:
        have = [j for j, c in enumerate(allcodes) if c in plan.splits[name]]
        a, b = text_block[:, have], split_block[:, have]
        both_nan = np.isnan(a) & np.isnan(b)
        differ = ((a != b) & ~both_nan).any(axis=1) & ~text_bad  # a bad code is reported once, above
        if differ.any():
            header = plan.questions[name]
            problems.add(plan.unit, "select_multiple_disagree",
                         f"{header!r} and its choice columns disagree on {name!r}; the text column is used",
                         column=header, question=name, rows=row_labels[differ], source_rows=source_rows[differ],
                         values=raw[header].to_numpy(dtype=object)[differ])
    block = text_block if text_block is not None else split_block
    if block is None:
        block = np.full((n, len(allcodes)), np.nan)
    answered = ~np.isnan(block).all(axis=1)
    block = np.where(answered[:, None] & np.isnan(block), 0.0, block)
    out = {f"{name}_{text_key(c)}": block[:, j].copy() for j, c in enumerate(subst)}
    # a missing code ("don't know") is stored in every choice column, as in the SPSS/Stata layout
    miss_j = [j for j, c in enumerate(allcodes) if c in missing]
    if miss_j:
        chosen_miss = block[:, miss_j] == 1.0
        any_miss = chosen_miss.any(axis=1)
        if any_miss.any():
            subst_any = (block[:, :len(subst)] == 1.0).any(axis=1) if subst else np.zeros(n, dtype=bool)
            mixed = any_miss & (subst_any | (chosen_miss.sum(axis=1) > 1))
            if mixed.any():
                problems.add(plan.unit, "missing_code_mixed", f"{name!r}: a missing code is selected together "
                             "with other choices; the choices are kept and the missing code dropped",
                             column=plan.questions.get(name, ""), question=name, rows=row_labels[mixed],
                             source_rows=source_rows[mixed])
            only = any_miss & ~mixed
            if only.any():
                code = np.array([float(allcodes[miss_j[k]]) if isinstance(allcodes[miss_j[k]], int) else np.nan
                                 for k in np.argmax(chosen_miss[only], axis=1)])
                for key in out:
                    out[key][only] = code
    no_code = _no_answer_code(info)
    if no_code is not None and isinstance(no_code, int):
        un = split_unanswered & np.isnan(block).all(axis=1)
        for key in out:
            out[key][un] = float(no_code)
    return out


def link_problem(problems: Problems, unit: str, mask: np.ndarray, row_labels: np.ndarray, source_rows: np.ndarray,
                 values: np.ndarray, column: str, parent: str) -> None:
    """Rows of a repeat whose parent row is not in the export."""
    if mask.any():
        problems.add(unit, "orphan", f"no row of {parent!r} matches {column!r}; the row is kept with an empty "
                     "interview id", column=column, rows=row_labels[mask], source_rows=source_rows[mask],
                     values=values[mask])


# ================================================================================================
# files: CSV/tab tables, inside a folder or a zip
# ================================================================================================
def sniff_sep(first_line: str) -> str:
    """The field separator of a CSV header line (Kobo writes ``;``, ODK ``,``, Survey Solutions tab).

    >>> sniff_sep("a;b;c"), sniff_sep("a,b"), sniff_sep("a" + chr(9) + "b") == chr(9)
    (';', ',', True)
    """
    counts = {sep: first_line.count(sep) for sep in ("\t", ";", ",")}
    return max(counts, key=lambda k: counts[k]) if any(counts.values()) else ","


class Files:
    """The members of an export: a zip archive, a folder, or one file."""

    def __init__(self, path: Any) -> None:
        import zipfile
        from pathlib import Path

        self.path = Path(path)
        self.zip = None
        if self.path.is_dir():
            self.names = sorted(str(p.relative_to(self.path)) for p in self.path.rglob("*") if p.is_file())
        elif zipfile.is_zipfile(self.path):
            self.zip = zipfile.ZipFile(self.path)
            self.names = sorted(n for n in self.zip.namelist() if not n.endswith("/"))
        else:
            self.names = [self.path.name]

    def open(self, name: str) -> Any:
        if self.zip is not None:
            return self.zip.open(name)
        if self.path.is_dir():
            return open(self.path / name, "rb")
        return open(self.path, "rb")

    def where(self, name: str) -> str:
        return f"{self.path.name}" + (f" [{name}]" if name != self.path.name else "")

    def header(self, name: str, sep: str | None = None, encoding: str = "utf-8-sig") -> tuple[list[str], str]:
        import csv
        import io

        with self.open(name) as fh:
            text = io.TextIOWrapper(fh, encoding=encoding, newline="")
            first = text.readline()
        sep = sep or sniff_sep(first)
        row = next(csv.reader([first], delimiter=sep), [])
        return unique_headers(row), sep

    def csv_chunks(self, name: str, sep: str, as_text: bool, encoding: str = "utf-8-sig") -> Any:
        headers, _ = self.header(name, sep, encoding)

        def chunks(size: int) -> Any:
            with self.open(name) as fh:
                kw: dict[str, Any] = {"dtype": object} if as_text else {}
                reader = pd.read_csv(fh, sep=sep, chunksize=size, keep_default_na=False, na_values=[""],
                                     encoding=encoding, low_memory=False, header=0, names=headers, **kw)
                for chunk in reader:
                    yield chunk.reset_index(drop=True)
        return chunks

    def read_all(self, name: str, sep: str | None = None) -> pd.DataFrame:
        if name.lower().endswith(".dta"):
            import tempfile

            import pyreadstat

            with self.open(name) as fh, tempfile.NamedTemporaryFile(suffix=".dta") as tmp:
                tmp.write(fh.read())
                tmp.flush()
                df, _ = pyreadstat.read_dta(tmp.name)
            return df
        headers, sep = self.header(name, sep)
        with self.open(name) as fh:
            return pd.read_csv(fh, sep=sep, keep_default_na=False, na_values=[""], encoding="utf-8-sig",
                               low_memory=False)

    def close(self) -> None:
        if self.zip is not None:
            self.zip.close()
