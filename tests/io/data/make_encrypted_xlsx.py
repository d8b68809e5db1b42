"""Regenerate ``encrypted.xlsx``: a real password-protected workbook (password ``secreto``).

Not run by the tests (they use the committed file). Needs msoffcrypto-tool, which surveykit does not
depend on: ``python -m venv /tmp/enc && /tmp/enc/bin/pip install msoffcrypto-tool openpyxl``, then
``/tmp/enc/bin/python tests/io/data/make_encrypted_xlsx.py``.
"""

import io
from pathlib import Path


def main() -> None:
    import msoffcrypto.format.ooxml
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "datos"
    ws.append(["id", "sexo", "edad"])
    ws.append([1, 1, 34])
    ws.append([2, 2, 51])
    plain = io.BytesIO()
    wb.save(plain)
    plain.seek(0)
    out = Path(__file__).with_name("encrypted.xlsx")
    with open(out, "wb") as fh:
        msoffcrypto.format.ooxml.OOXMLFile(plain).encrypt("secreto", fh)
    print(out, out.stat().st_size, "bytes")


if __name__ == "__main__":
    main()
