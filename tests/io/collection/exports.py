"""Field exports made the way each tool makes them, FROM simulated interviews (test and benchmark helper).

The layouts follow docs/field-data.md (KoboToolbox formpack XLSX/CSV, ODK Central CSV zip, Survey
Solutions tab/Stata zip). Each writer takes the simulation's tables (``sk.simulate(q, layout="both")``:
select_multiple as both the text column and the 0/1 columns) and writes what the tool would export
for the same interviews, so reading it back must give the same data as the direct SPSS path.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

KOBO_MAIN_TAIL = [
    "_id",
    "_uuid",
    "_submission_time",
    "_validation_status",
    "_notes",
    "_status",
    "_submitted_by",
    "__version__",
    "_tags",
    "_index",
]
KOBO_REPEAT_TAIL = [
    "_index",
    "_parent_table_name",
    "_parent_index",
    "_submission__id",
    "_submission__uuid",
    "_submission__submission_time",
    "_submission__validation_status",
    "_submission__notes",
    "_submission__status",
    "_submission__submitted_by",
    "_submission___version__",
    "_submission__tags",
]
CENTRAL_TAIL = [
    "KEY",
    "SubmitterID",
    "SubmitterName",
    "AttachmentsPresent",
    "AttachmentsExpected",
    "Status",
    "ReviewState",
    "DeviceID",
    "Edits",
    "FormVersion",
]
ENUMERATORS = ["ana", "beto", "carla", "dora", "eli"]


def uuid_of(ids: Any) -> np.ndarray:
    """A deterministic instance uuid per household id."""
    return np.array([f"5b3c{int(i):012d}-0000-4000-8000-{int(i) % 997:012d}" for i in ids], dtype=object)


def suso_key(ids: Any) -> np.ndarray:
    """A deterministic Survey Solutions interview__key (XX-XX-XX-XX) per household id."""
    out = []
    for i in ids:
        d = f"{int(i):08d}"[-8:]
        out.append(f"{d[0:2]}-{d[2:4]}-{d[4:6]}-{d[6:8]}")
    return np.array(out, dtype=object)


def fieldwork(main: pd.DataFrame, seed: int = 5) -> pd.DataFrame:
    """Enumerator, start/end and submission time per interview (durations 20-60 min)."""
    rng = np.random.default_rng(seed)
    n = len(main)
    start = pd.Timestamp("2024-03-04 08:00") + pd.to_timedelta(rng.integers(0, 20 * 24 * 60, n), unit="min")
    dur = rng.uniform(20, 60, n).round(2)
    end = start + pd.to_timedelta(dur, unit="min")
    return pd.DataFrame(
        {
            "enumerator": np.array(ENUMERATORS, dtype=object)[np.arange(n) % len(ENUMERATORS)],
            "start": start,
            "end": end,
            "duration_min": dur,
            "submitted": end + pd.to_timedelta(5, unit="min"),
        }
    )


class Cols(dict):
    """Columns in order; a repeated header gets a hidden suffix, removed when the file is written."""

    def __setitem__(self, key: str, value: Any) -> None:
        k, i = key, 1
        while k in self:
            k, i = f"{key}\x00{i}", i + 1
        super().__setitem__(k, value)


def _frame(cols: dict[str, Any]) -> pd.DataFrame:
    df = pd.DataFrame(dict(cols))
    df.columns = [c.split("\x00", 1)[0] for c in df.columns]
    return df


class Form:
    """The questionnaire's columns per unit, in form order, and how a tool names/values them."""

    def __init__(self, q: Any) -> None:
        self.q = q
        self.main = q.unit or "main"
        self.units: dict[str, list[Any]] = {self.main: [], **{r.name: [] for r in q.repeats()}}
        for info in q.questions():
            if info.model.stores_value and info.model.type not in ("note",):
                self.units[info.repeat or self.main].append(info)

    def header(self, info: Any, sep: str | None, labels: str | None, inside_repeat: bool = True) -> str:
        if labels:
            return info.model.label.get(labels) or info.model.name
        if sep is None:
            return info.model.name
        path = list(info.group_path)
        if not inside_repeat and info.repeat:  # ODK: groups above the repeat are left out
            path = path[path.index(info.repeat) + 1 :]
        return sep.join([*path, info.model.name])

    @staticmethod
    def entries(info: Any) -> list[tuple[Any, dict]]:
        lst = info.choice_list
        return [(c.code, c.label) for c in (lst.choices if lst else [])] + [(m.code, m.label) for m in info.missing]

    def value(self, info: Any, v: Any, labels: str | None) -> Any:
        if v is None or pd.isna(v):
            return None
        t = info.model.type
        if t == "select_one":
            code = int(v) if isinstance(v, float) and v.is_integer() else v
            if labels:
                return dict(self.entries(info)).get(code, {}).get(labels, str(code))
            return str(code)
        if isinstance(v, float) and v.is_integer():
            return int(v)
        return v

    def multi_text(self, info: Any, text: Any, labels: str | None) -> Any:
        if text is None or pd.isna(text) or text == "":
            return None
        codes = [int(t) if t.lstrip("-").isdigit() else t for t in str(text).split()]
        if not labels:
            return " ".join(str(c) for c in codes)
        table = dict(self.entries(info))
        return " ".join(table[c][labels] for c in codes)

    def columns(
        self,
        unit: str,
        df: pd.DataFrame,
        *,
        sep: str | None,
        labels: str | None,
        multi: str,
        split_sep: str = "/",
        inside_repeat: bool = True,
    ) -> "Cols":
        """Export columns of one unit: {header: values} (a header may repeat in a labels export)."""
        out = Cols()
        for info in self.units[unit]:
            name = info.model.name
            h = self.header(info, sep, labels, inside_repeat)
            if info.model.type == "select_multiple":
                text = df[name].to_numpy(dtype=object)
                if multi in ("both", "summary"):
                    out[h] = [self.multi_text(info, t, labels) for t in text]
                if multi in ("both", "details"):
                    for code, label in self.entries(info):
                        ch = f"{h}{split_sep}{label.get(labels, code) if labels else code}"
                        sel = [
                            None if self.multi_text(info, t, None) is None else int(str(code) in str(t).split())
                            for t in text
                        ]
                        out[ch] = sel
                continue
            out[h] = [self.value(info, v, labels) for v in df[name].to_numpy(dtype=object)]
        return out


def _repeat_rows(sim: Any, form: Form) -> dict[str, pd.DataFrame]:
    return {r: sim.repeats[r] for r in form.units if r != form.main}


# ----------------------------------------------------------------------------------------------------------
def kobo_tables(
    sim: Any,
    *,
    sep: str | None = "/",
    labels: str | None = None,
    multi: str = "both",
) -> dict[str, pd.DataFrame]:
    """The sheets of a Kobo export (main sheet named after the form title, one per repeat)."""
    form = Form(sim.questionnaire)
    main = sim.data
    fw = fieldwork(main)
    uuids = uuid_of(main["id_hogar"])
    cols = {
        "start": fw["start"].dt.strftime("%Y-%m-%dT%H:%M:%S.000-06:00"),
        "end": fw["end"].dt.strftime("%Y-%m-%dT%H:%M:%S.000-06:00"),
    }
    cols = Cols(cols)
    for k, v in form.columns(form.main, main, sep=sep, labels=labels, multi=multi).items():
        cols[k] = v
    n = len(main)
    tail = {
        "_id": np.arange(1000, 1000 + n),
        "_uuid": uuids,
        "_submission_time": (fw["submitted"] + pd.Timedelta(hours=6)).dt.strftime("%Y-%m-%dT%H:%M:%S"),
        "_validation_status": None,
        "_notes": None,
        "_status": "submitted_via_web",
        "_submitted_by": fw["enumerator"],
        "__version__": "vQ2024",
        "_tags": None,
        "_index": np.arange(1, n + 1),
    }
    sheets = {"main": _frame({**cols, **tail})}
    pos_of_main = pd.Index(main["id_hogar"])
    for r, table in _repeat_rows(sim, form).items():
        rc = form.columns(r, table, sep=sep, labels=labels, multi=multi)
        ppos = pos_of_main.get_indexer(table["id_hogar"])
        m = len(table)
        rtail = {
            "_index": np.arange(1, m + 1),
            "_parent_table_name": sim.questionnaire.title.get(sim.questionnaire.main_language, "main")[:31]
            if form.units
            else "main",
            "_parent_index": ppos + 1,
            "_submission__id": 1000 + ppos,
            "_submission__uuid": uuids[ppos],
            "_submission__submission_time": tail["_submission_time"].to_numpy()[ppos],
            "_submission__validation_status": None,
            "_submission__notes": None,
            "_submission__status": "submitted_via_web",
            "_submission__submitted_by": fw["enumerator"].to_numpy()[ppos],
            "_submission___version__": "vQ2024",
            "_submission__tags": None,
        }
        sheets[r] = _frame({**rc, **rtail})
    return sheets


def write_kobo_xlsx(sim: Any, path: Path, **kw: Any) -> Path:
    """A Kobo XLSX export (write-only openpyxl, as large exports need)."""
    from openpyxl import Workbook

    sheets = kobo_tables(sim, **kw)
    wb = Workbook(write_only=True)
    import re

    # Excel sheet names: at most 31 characters, none of []:*?/\
    title = re.sub(
        r"[\[\]:*?/\\]", "", sim.questionnaire.title.get(sim.questionnaire.main_language, sim.questionnaire.id)
    )[:31]
    for name, df in sheets.items():
        ws = wb.create_sheet(title if name == "main" else name[:31])
        ws.append(list(df.columns))
        for row in _rows(df):
            ws.append(row)
    wb.save(path)
    return path


_XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'


def _cells(values: pd.Series) -> list[str]:
    """One column as SpreadsheetML cells: numbers, inline strings, ``<c/>`` for empty."""
    if pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(values.dtype):
        v = values.to_numpy(dtype=float)
        text = pd.Series(v).map(lambda x: repr(int(x)) if x.is_integer() else repr(x)).to_numpy(dtype=object)
        return np.where(np.isnan(v), "<c/>", "<c><v>" + text.astype(str) + "</v></c>").tolist()
    obj = values.astype(object)
    present = obj.notna().to_numpy()
    txt = (
        obj.where(present, "")
        .astype(str)
        .str.replace("&", "&amp;")
        .str.replace("<", "&lt;")
        .str.replace(">", "&gt;")
        .to_numpy(dtype=object)
    )
    return np.where(present, '<c t="inlineStr"><is><t>' + txt + "</t></is></c>", "<c/>").tolist()


def write_xlsx_fast(sheets: dict[str, pd.DataFrame], path: Path, chunk: int = 100_000) -> Path:
    """A minimal valid XLSX (inline strings, no styles) written column-wise: for exports of millions of
    rows, where openpyxl's cell-by-cell writer takes many minutes. Headers may repeat."""
    names = list(sheets)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as z:
        z.writestr(
            "[Content_Types].xml",
            _XML_HEAD
            + (
                '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                '<Default Extension="xml" ContentType="application/xml"/>'
                '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.'
                'spreadsheetml.sheet.main+xml"/>'
                + "".join(
                    f'<Override PartName="/xl/worksheets/sheet{i + 1}.xml" ContentType="application/vnd.'
                    'openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
                    for i in range(len(names))
                )
                + "</Types>"
            ),
        )
        z.writestr(
            "_rels/.rels",
            _XML_HEAD
            + (
                '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
                'officeDocument" Target="xl/workbook.xml"/></Relationships>'
            ),
        )
        z.writestr(
            "xl/workbook.xml",
            _XML_HEAD
            + (
                f'<workbook {_NS} xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
                "<sheets>"
                + "".join(f'<sheet name="{n}" sheetId="{i + 1}" r:id="rId{i + 1}"/>' for i, n in enumerate(names))
                + "</sheets></workbook>"
            ),
        )
        z.writestr(
            "xl/_rels/workbook.xml.rels",
            _XML_HEAD
            + (
                '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                + "".join(
                    f'<Relationship Id="rId{i + 1}" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                    f'relationships/worksheet" Target="worksheets/sheet{i + 1}.xml"/>'
                    for i in range(len(names))
                )
                + "</Relationships>"
            ),
        )
        for i, name in enumerate(names):
            df = sheets[name]
            with z.open(f"xl/worksheets/sheet{i + 1}.xml", "w", force_zip64=True) as fh:
                from openpyxl.utils import get_column_letter

                last = f"{get_column_letter(max(df.shape[1], 1))}{len(df) + 1}"
                fh.write((_XML_HEAD + f'<worksheet {_NS}><dimension ref="A1:{last}"/><sheetData>').encode())
                head = pd.Series([str(c) for c in df.columns], dtype=object)
                fh.write(("<row>" + "".join(_cells(head)) + "</row>").encode())
                for start in range(0, len(df), chunk):
                    part = df.iloc[start : start + chunk]
                    cols = [_cells(part.iloc[:, j]) for j in range(part.shape[1])]
                    fh.write("".join("<row>" + "".join(r) + "</row>" for r in zip(*cols)).encode())
                fh.write(b"</sheetData></worksheet>")
    return path


def write_kobo_xlsx_fast(sim: Any, path: Path, **kw: Any) -> Path:
    """:func:`write_kobo_xlsx` with the column-wise writer (benchmarks)."""
    import re

    sheets = kobo_tables(sim, **kw)
    title = (
        re.sub(r"[\[\]:*?/\\]", "", sim.questionnaire.title.get(sim.questionnaire.main_language, sim.questionnaire.id))[
            :31
        ]
        or "main"
    )
    return write_xlsx_fast({(title if k == "main" else k[:31]): v for k, v in sheets.items()}, path)


def _rows(df: pd.DataFrame) -> Iterator[list[Any]]:
    cols = [df.iloc[:, j].to_numpy(dtype=object) for j in range(df.shape[1])]
    for i in range(len(df)):
        yield [
            None
            if (isinstance(c[i], float) and np.isnan(c[i]))
            else (int(c[i]) if isinstance(c[i], np.integer) else c[i])
            for c in cols
        ]


def write_kobo_csv_zip(sim: Any, path: Path, **kw: Any) -> Path:
    """Kobo CSVs (``;``-separated, one per sheet) in a zip."""
    sheets = kobo_tables(sim, **kw)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, df in sheets.items():
            stem = sim.questionnaire.id if name == "main" else f"{sim.questionnaire.id}-{name}"
            z.writestr(f"{stem}.csv", df.to_csv(sep=";", index=False))
    return path


def write_central_zip(sim: Any, path: Path, *, split: bool = False) -> Path:
    """An ODK Central ``submissions.csv.zip``."""
    q = sim.questionnaire
    form = Form(q)
    main = sim.data
    fw = fieldwork(main)
    keys = np.array(["uuid:" + u for u in uuid_of(main["id_hogar"])], dtype=object)
    cols: dict[str, Any] = {
        "SubmissionDate": (fw["submitted"] + pd.Timedelta(hours=6)).dt.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    }
    cols["start"] = fw["start"].dt.strftime("%Y-%m-%dT%H:%M:%S.000-06:00")
    cols["end"] = fw["end"].dt.strftime("%Y-%m-%dT%H:%M:%S.000-06:00")
    cols.update(form.columns(form.main, main, sep="-", labels=None, multi="both" if split else "summary"))
    cols["meta-instanceID"] = keys
    cols.update(
        {
            "KEY": keys,
            "SubmitterID": 5,
            "SubmitterName": fw["enumerator"],
            "AttachmentsPresent": 0,
            "AttachmentsExpected": 0,
            "Status": None,
            "ReviewState": None,
            "DeviceID": None,
            "Edits": 0,
            "FormVersion": "2024.1",
        }
    )
    for r in form.units:
        if r != form.main:
            cols[f"SET-OF-{r}"] = keys + f"/{r}"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(f"{q.id}.csv", pd.DataFrame(cols).to_csv(index=False))
        pos_of_main = pd.Index(main["id_hogar"])
        for r, table in _repeat_rows(sim, form).items():
            rc = form.columns(r, table, sep="-", labels=None, multi="both" if split else "summary", inside_repeat=False)
            ppos = pos_of_main.get_indexer(table["id_hogar"])
            pkey = keys[ppos]
            inst = table[f"id_{r}"].to_numpy().astype(int)
            rc.update(
                {
                    "PARENT_KEY": pkey,
                    "KEY": [f"{p}/{r}[{i}]" for p, i in zip(pkey, inst)],
                    f"SET-OF-{r}": pkey + f"/{r}",
                }
            )
            z.writestr(f"{q.id}-{r}.csv", pd.DataFrame(rc).to_csv(index=False))
    return path


def suso_tables(sim: Any) -> dict[str, pd.DataFrame]:
    """The files of a Survey Solutions export (data, rosters and system files) as DataFrames."""
    q = sim.questionnaire
    form = Form(q)
    main = sim.data
    fw = fieldwork(main)
    ikey = suso_key(main["id_hogar"])
    iid = np.array([u.replace("-", "") for u in uuid_of(main["id_hogar"])], dtype=object)

    def body(unit: str, df: pd.DataFrame) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for info in form.units[unit]:
            name = info.model.name
            if info.model.type == "select_multiple":
                text = df[name].to_numpy(dtype=object)
                for code, _label in form.entries(info):
                    cname = f"{name}__n{-code}" if isinstance(code, int) and code < 0 else f"{name}__{code}"
                    out[cname] = [
                        np.nan if form.multi_text(info, t, None) is None else float(str(code) in str(t).split())
                        for t in text
                    ]
                continue
            vals = df[name]
            out[name] = (
                vals.to_numpy()
                if info.value_type() == "numeric"
                else vals.astype(object).where(vals.notna(), None).to_numpy(dtype=object)
            )
        return out

    n = len(main)
    files = {
        q.id: pd.DataFrame(
            {
                "interview__key": ikey,
                "interview__id": iid,
                **body(form.main, main),
                "sssys_irnd": np.linspace(0, 1, n),
                "has__errors": 0,
                "interview__status": 100,
                "assignment__id": np.arange(1, n + 1),
            }
        )
    }
    pos_of_main = pd.Index(main["id_hogar"])
    for r, table in _repeat_rows(sim, form).items():
        ppos = pos_of_main.get_indexer(table["id_hogar"])
        files[r] = pd.DataFrame(
            {
                f"{r}__id": table[f"id_{r}"].to_numpy(dtype=float),
                **body(r, table),
                "interview__key": ikey[ppos],
                "interview__id": iid[ppos],
            }
        )
    dur = fw["duration_min"].to_numpy()
    files["interview__diagnostics"] = pd.DataFrame(
        {
            "interview__key": ikey,
            "interview__id": iid,
            "interview__status": 100,
            "responsible": fw["enumerator"],
            "interviewers": 1,
            "rejections__sup": 0,
            "rejections__hq": 0,
            "entities__errors": 0,
            "questions__comments": 0,
            "interview__duration": [
                f"{int(d // 1440):02d}.{int(d // 60) % 24:02d}:{int(d) % 60:02d}:{int(round((d % 1) * 60)):02d}"
                for d in dur
            ],
        }
    )
    files["interview__actions"] = pd.DataFrame(
        {
            "interview__key": np.repeat(ikey, 2),
            "interview__id": np.repeat(iid, 2),
            "date": np.ravel(
                np.column_stack([fw["start"].dt.strftime("%Y-%m-%d"), fw["submitted"].dt.strftime("%Y-%m-%d")])
            ),
            "time": np.ravel(
                np.column_stack([fw["start"].dt.strftime("%H:%M:%S"), fw["submitted"].dt.strftime("%H:%M:%S")])
            ),
            "action": np.tile([2, 3], n),
            "originator": np.repeat(fw["enumerator"].to_numpy(dtype=object), 2),
            "role": 1,
            "responsible__name": np.repeat(fw["enumerator"].to_numpy(dtype=object), 2),
            "responsible__role": 1,
        }
    )
    return files


def write_suso_zip(sim: Any, path: Path, *, format: str = "tab") -> Path:
    """A Survey Solutions export zip, tab-separated (``tab``) or Stata (``dta``)."""
    import tempfile

    import pyreadstat

    files = suso_tables(sim)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, df in files.items():
            if format == "tab":
                z.writestr(f"{name}.tab", df.to_csv(sep="\t", index=False))
            else:
                with tempfile.TemporaryDirectory() as d:
                    p = Path(d) / f"{name}.dta"
                    clean = df.copy()
                    for c in clean.columns:
                        if clean[c].dtype == object:
                            clean[c] = clean[c].where(clean[c].notna(), "").astype(str)
                    pyreadstat.write_dta(clean, str(p), version=15)
                    z.write(p, f"{name}.dta")
        z.writestr("export__readme.txt", "Exported from Survey Solutions (generated for tests)\n")
    return path
