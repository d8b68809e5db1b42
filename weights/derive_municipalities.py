"""Write weights/el_salvador_municipalities_illustrative.csv: the ILLUSTRATIVE municipal covariate table.

    .venv/bin/python weights/derive_municipalities.py

The table is surveykit.simulate.el_salvador_municipalities(seed=2024); its docstring says what is real
(municipalities per department before and after the 2024 reform, census 2024 household total) and what
is invented (codes, grouping into new municipalities, households within departments, urban share,
poverty, crime rate). Not data about El Salvador: for trying small area methods only.
"""

from pathlib import Path

from surveykit.simulate import el_salvador_municipalities

if __name__ == "__main__":
    out = Path(__file__).with_name("el_salvador_municipalities_illustrative.csv")
    el_salvador_municipalities(seed=2024).to_csv(out, float_format="%.10g")
    print(f"wrote {out}")
