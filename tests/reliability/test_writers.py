"""Every writer is atomic and every CLI output problem exits 2 (issue 11, item 4 and the CLI class)."""

from __future__ import annotations

import errno
import os

import pandas as pd
import pytest

import surveykit as sk
from surveykit.cli import main

SPEC = "id: q\nlanguages: [es]\nitems:\n  - {type: integer, name: edad, label: Edad, min: 0, max: 110}\n"


@pytest.fixture
def q(tmp_path):
    p = tmp_path / "q.yaml"
    p.write_text(SPEC)
    return sk.load_questionnaire(p)


WRITERS = {
    "yaml": lambda q, p: q.to_yaml(p),
    "json": lambda q, p: q.to_json(p),
    "xlsx": lambda q, p: q.to_xlsform(p),
    "md": lambda q, p: q.to_codebook(p, format="markdown"),
    "xml": lambda q, p: q.to_ddi(p),
}


@pytest.mark.parametrize("ext", sorted(WRITERS))
def test_questionnaire_writers_leave_the_old_file_on_a_full_disk(tmp_path, monkeypatch, q, ext):
    target = tmp_path / "out" / f"spec.{ext}"
    target.parent.mkdir()
    target.write_bytes(b"old content")
    real_replace = os.replace

    def full(src, dst):  # the write got this far; the disk filled before it completed
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "replace", full)
    with pytest.raises(sk.SurveykitError, match="disk is full"):
        WRITERS[ext](q, target)
    monkeypatch.setattr(os, "replace", real_replace)
    assert target.read_bytes() == b"old content"
    assert [f.name for f in target.parent.iterdir()] == [target.name]


def test_unencodable_text_leaves_no_empty_file(tmp_path, q):
    q2 = q.model_copy(update={"title": {"es": "bad \udc80 surrogate"}})
    target = tmp_path / "spec.json"
    with pytest.raises(sk.SurveykitError, match="cannot be encoded"):
        q2.to_json(target)
    assert not target.exists() and list(tmp_path.iterdir()) == [tmp_path / "q.yaml"]


@pytest.mark.parametrize(
    "args",
    [
        ["convert", "{q}", "{missing}/out.json"],
        ["convert", "{q}", "{missing}/out.schema.json"],
        ["check", "{data}", "--questionnaire", "{q}", "--out", "{missing}/problems.csv"],
        ["check", "{data}", "--questionnaire", "{q}", "--out", "{missing}/problems.xlsx"],
    ],
)
def test_cli_output_into_a_missing_folder_exits_2(tmp_path, capsys, args):
    (tmp_path / "q.yaml").write_text(SPEC)
    pd.DataFrame({"edad": [3, 200]}).to_csv(tmp_path / "d.csv", index=False)
    fill = {"q": str(tmp_path / "q.yaml"), "data": str(tmp_path / "d.csv"), "missing": str(tmp_path / "nope")}
    assert main([a.format(**fill) for a in args]) == 2
    err = capsys.readouterr().err
    assert "does not exist" in err and "Traceback" not in err


def test_cli_check_writes_its_csv_atomically(tmp_path):
    (tmp_path / "q.yaml").write_text(SPEC)
    pd.DataFrame({"edad": [3, 200]}).to_csv(tmp_path / "d.csv", index=False)
    out = tmp_path / "p.csv"
    assert main(["check", str(tmp_path / "d.csv"), "-q", str(tmp_path / "q.yaml"), "--out", str(out)]) == 1
    assert pd.read_csv(out)["value"].tolist() == [200]
