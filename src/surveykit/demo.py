"""The end-to-end example behind ``make demo``: from questionnaire to published indicators.

It runs the whole chain on the shipped defaults, as a statistics office would with real data:

1. load the shipped SDG 16 and victimization questionnaires (:mod:`surveykit.shipped`);
2. simulate an El Salvador survey for each (14 departments x urban/rural strata, clustered PSUs,
   households, one selected adult each, an incident table for the victimization survey);
3. write the microdata to SPSS ``.sav`` files with their labels, and read them back;
4. check the data against the questionnaires;
5. rake the respondent weights to the (illustrative) 2024 control totals by sex, department, area
   and age group in ``weights/``, and carry the raked weights to the incident table;
6. compute every catalogue indicator of both surveys, overall and by sex, area and department, with
   SEs, CIs, CVs, design effects and INEGI quality flags;
7. write the publication workbook and the PNG charts, and print where everything is.

Run it with ``make demo`` or ``python -m surveykit.demo [--out DIR] [--seed N] [--language en]``.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from typing import cast
from pathlib import Path

import pandas as pd

import surveykit as sk

from . import shipped
from .errors import SurveykitError, SurveykitWarning

SURVEYS = ("sdg16", "victimization")
BREAKDOWNS = (None, "sexo", "area", "departamento")
# the charts show the key indicator of each topic (the workbook has them all)
KEY_INDICATORS = (
    "SDG16.1.3",
    "SDG16.1.4",
    "SDG16.3.1.PHY",
    "SDG16.5.1",
    "SDG16.6.2.HEALTH",
    "SDG16.7.2",
    "SDG16.b.1",
    "VIC.PREV.PERSON",
    "VIC.INC.PERSON",
    "VIC.PREV.HOUSEHOLD",
    "VIC.REP.RATE",
    "VIC.DARK",
    "VIC.SEC.BARRIO",
    "VIC.TRUST.PNC",
)
CONTROLS = "el_salvador_2024_adults_illustrative.yaml"


class _Clock:
    def __init__(self) -> None:
        self.start = time.perf_counter()
        self.last = self.start

    def step(self, text: str) -> None:
        now = time.perf_counter()
        print(f"  [{now - self.start:5.1f} s] {text} ({now - self.last:.1f} s)")
        self.last = now


def run(out: Path, seed: int = 2024, language: str = "es", charts: bool = True) -> dict[str, Path]:
    """Run the demo, writing into ``out``; returns the paths of what it wrote."""
    clock = _Clock()
    out.mkdir(parents=True, exist_ok=True)
    data_dir = out / "data"
    written: dict[str, Path] = {}
    controls = sk.load_controls(shipped.controls_file(CONTROLS))
    clock.step(f"control totals: {controls.metadata.get('title', CONTROLS)} [{controls.metadata.get('status')}]")
    results = []
    for i, name in enumerate(SURVEYS):
        q = sk.load_questionnaire(shipped.questionnaire_file(name))
        problems = [p for p in q.lint() if p.severity == "error"]
        if problems:
            raise SurveykitError(f"questionnaires/{name}.yaml does not lint clean: {problems[0]}")
        sim = sk.simulate(q, seed=seed + i, language=language)
        clock.step(f"{name}: simulated {sim!r}")
        files = sim.write(data_dir, format="sav", language=language)
        written.update({f"{name}:{unit}": path for unit, path in files.items()})
        # codes stay codes: the questionnaire's don't-know/refused codes are answers to check, and the
        # indicator definitions say where they count (e.g. 16.1.4 keeps "don't know" in its base)
        # without chunksize= read_microdata returns a DataFrame
        tables = {
            unit: cast(pd.DataFrame, sk.read_microdata(path, user_missing="keep")) for unit, path in files.items()
        }
        clock.step(f"{name}: wrote and read back {', '.join(p.name for p in files.values())}")
        report = sk.check_microdata(tables, q, ids=sim.ids())
        summary = report.attrs["summary"]
        problems_file = out / f"{name}_problems.csv"
        report.to_csv(problems_file, index=False)
        written[f"{name}:problems"] = problems_file
        skipped = len(summary.get("not_checked", []))
        clock.step(
            f"{name}: checked against the questionnaire: {summary['problems']} problem(s)"
            + (f", {skipped} rule(s) that cannot be checked on data" if skipped else "")
            + (f" (see {problems_file.name})" if summary["problems"] or skipped else "")
        )
        main = tables[sim.main_unit]
        person = sk.SurveyDesign(main, weights="fexp", strata="estrato", psu="upm")
        raked = person.rake(controls.margins)
        rep = raked.weighting_report
        assert rep is not None  # every weighting step reports
        clock.step(
            f"{name}: raked to {', '.join(controls.margins)} in {rep.iterations} passes "
            f"(worst gap {rep.summary()['worst_rel_gap']:.1e}, Kish deff {rep.summary()['kish_deff']:.2f})"
        )
        designs = {
            "person": raked,
            "household": sk.SurveyDesign(main, weights="fexp_hogar", strata="estrato", psu="upm"),
        }
        # incidents carry their respondent's raked weight (the raking treated as fixed in their SEs)
        for r in q.repeats():
            table = tables.get(r.name)
            if table is None or not len(table):
                continue
            designs[r.unit or r.name] = sk.inherit_calibration(raked, table, "id_hogar", lonely_psu="adjust")
        cat = sk.indicators.load_catalog()
        codes = [c for c, ind in cat.items() if ind.questionnaire == q.id and ind.unit in designs]
        # each category is tested against the national value: the workbook marks the significant ones
        res = sk.indicators.compute_breakdowns(
            designs, codes, BREAKDOWNS, questionnaire=q, language=language, rule="inegi", compare="total"
        )
        results.append(res)
        flagged = int((res["flag"] != "").sum())
        differ = int((res["p_value"] < 0.05).sum())
        clock.step(
            f"{name}: {len(codes)} indicators x {len(BREAKDOWNS)} breakdowns = {len(res)} estimates "
            f"({flagged} flagged under INEGI's CV bands; {differ} categories differ from the national value "
            "at 5%)"
        )
    table = pd.concat(results, ignore_index=True)
    table.attrs.update(results[0].attrs)
    csv = out / "indicators.csv"
    table.to_csv(csv, index=False)
    written["table"] = csv
    wb = sk.report.write_workbook(
        table,
        out / "indicadores_el_salvador.xlsx" if language == "es" else out / "indicators_el_salvador.xlsx",
        language=language,
        subtitle="Datos simulados; totales de control ilustrativos"
        if language == "es"
        else "Simulated data; illustrative control totals",
    )
    written["workbook"] = wb
    clock.step(f"workbook: {wb.name}")
    if charts:
        keys = [c for c in KEY_INDICATORS if c in set(table["code"])]
        pngs = sk.report.write_charts(table, out / "charts", codes=keys, language=language)
        written["charts"] = out / "charts"
        clock.step(f"charts: {len(pngs)} PNG files")
    return written


def _headline(table: pd.DataFrame) -> str:
    tot = table[(table["breakdown"] == "total") & table["code"].isin(KEY_INDICATORS)]
    lines = []
    for _, r in tot.iterrows():
        unit = r["unit_label"] if isinstance(r["unit_label"], str) else ""
        lines.append(
            f"    {r['code']:<19} {r['estimate']:>9,.1f}  [{r['ci_low']:>9,.1f}, {r['ci_high']:>9,.1f}]  "
            f"CV {100 * r['cv']:4.1f}%  {unit}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Command line of the demo (``make demo``)."""
    parser = argparse.ArgumentParser(prog="python -m surveykit.demo", description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="demo-output", help="output folder (default: demo-output)")
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--language", default="es", choices=["es", "en"])
    parser.add_argument("--no-charts", action="store_true")
    args = parser.parse_args(argv)
    out = Path(args.out).resolve()
    print(f"surveykit {sk.__version__} demo: SDG 16 and victimization surveys of El Salvador (simulated)")
    t0 = time.perf_counter()
    try:
        with warnings.catch_warnings():
            # the demo's own data are simulated and its controls illustrative: say so once, not per step
            warnings.simplefilter("ignore", SurveykitWarning)
            written = run(out, seed=args.seed, language=args.language, charts=not args.no_charts)
    except SurveykitError as exc:
        print(f"demo failed: {exc}", file=sys.stderr)
        return 2
    table = pd.read_csv(written["table"])
    print("\nHeadline estimates (whole population, 95% CI):")
    print(_headline(table))
    print(f"\nDone in {time.perf_counter() - t0:.1f} s. Outputs:")
    print(f"  workbook        {written['workbook']}")
    if "charts" in written:
        print(f"  charts          {written['charts']}/")
    print(f"  tidy table      {written['table']}")
    print(f"  microdata       {out / 'data'}/ (SPSS .sav with labels)")
    print(f"  data checks     {', '.join(str(p.name) for k, p in written.items() if k.endswith(':problems'))}")
    print("Note: simulated data and illustrative control totals; not official statistics.")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
