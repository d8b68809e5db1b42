"""Run one benchmark workload with one tool, in this (fresh) process, and write a JSON record.

``run.py`` starts one process per (tool, workload) so that each peak memory figure is that
workload's alone. The process

1. imports the tool, loads the survey arrays and builds the tool's frame and design
   (surveykit: pandas + ``SurveyDesign``; svy: polars + ``svy.Sample``; numpy: integer codes);
2. records the resident memory of that baseline, resets the kernel's high-water mark
   (``/proc/self/clear_refs``) and runs the workload once to warm up (the high-water mark after it
   is the peak of one call), then ``repeat`` times, keeping each step's wall time;
3. times ``repeat`` "cold" runs that also build the design from the frame (what a first call costs);
4. writes the timings, memory and the numbers (estimates and SEs, or the raked weights to a
   ``.npy`` file) for ``run.py`` to compare across tools.

It imports only numpy at the top, so the svy venv (polars, no pandas) runs it too.
Usage: ``python worker.py TOOL WORKLOAD DATA_DIR OUT_JSON [--repeat 5]``
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import sys
import time
from pathlib import Path
from typing import Any, Callable

import numpy as np

YS = ["victim", "unsafe", "reported", "bribe", "discrim"]
DOMAIN = "dept"
MARGINS = ["sex", "dept", "agegrp"]
REPLICATES = 100
SEED = 1
# raking stops when every margin is met to this relative error (svy's criterion), for every tool
RAKE_TOL = 1e-6
RAKE_MAX_ITER = 200


# ------------------------------------------------------------------------------------------------
# memory
# ------------------------------------------------------------------------------------------------
def _status_mb(key: str) -> float | None:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return None


def rss_mb() -> float:
    """Current resident memory (MB); the high-water mark where /proc is missing."""
    v = _status_mb("VmRSS")
    return v if v is not None else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def reset_peak() -> bool:
    """Reset the resident-memory high-water mark (Linux >= 4.0); False when unsupported."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def peak_mb() -> float:
    """Peak resident memory since start (or since ``reset_peak``), MB."""
    v = _status_mb("VmHWM")
    return v if v is not None else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


# ------------------------------------------------------------------------------------------------
# tools: each gives frame(arrays), design(frame) and steps[workload] = [(name, fn(prev) -> out)]
# ------------------------------------------------------------------------------------------------
class Tool:
    name = ""
    uses_frame = True
    workload = ""
    meta: dict = {}

    def version(self) -> str:
        raise NotImplementedError

    def frame(self, cols: dict[str, np.ndarray]) -> Any:
        return cols

    def design(self, frame: Any) -> Any:
        raise NotImplementedError

    def steps(self, workload: str, meta: dict) -> list[tuple[str, Callable[[Any], Any]]]:
        raise NotImplementedError

    def numbers(self, workload: str, out: Any) -> dict:
        raise NotImplementedError


def replicate_columns() -> list[str]:
    return [f"bw{r + 1}" for r in range(REPLICATES)]


def add_replicate_weights(cols: dict[str, np.ndarray]) -> None:
    """Rao-Wu bootstrap replicate weights as a data producer ships them: weight x factor of the PSU."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import numpy_loop as nl

    d = nl.design(cols["weight"], cols["stratum"], cols["psu"])
    F = nl.bootstrap_factors(d, REPLICATES, SEED)  # (R, PSUs)
    for r, name in enumerate(replicate_columns()):
        cols[name] = cols["weight"] * F[r][d.psu]


def _controls(meta: dict) -> dict[str, dict[int, float]]:
    return {m: {int(k): float(v) for k, v in meta["controls"][m].items()} for m in MARGINS}


class Surveykit(Tool):
    name = "surveykit"

    def version(self) -> str:
        import surveykit

        return surveykit.__version__

    def frame(self, cols):
        import pandas as pd

        return pd.DataFrame(cols)

    def design(self, frame):
        import surveykit as sk

        if self.workload == "e":  # the replicate weights a data producer ships
            return sk.ReplicateDesign(
                frame, weights="weight", replicate_weights=replicate_columns(), method="bootstrap"
            )
        d = sk.SurveyDesign(frame, weights="weight", strata="stratum", psu="psu")
        if self.workload == "d":
            d = d.rake(_controls(self.meta), maxit=RAKE_MAX_ITER, epsilon=1e-10)
        return d

    def steps(self, workload, meta):
        if workload == "a":
            return [("estimate", lambda d: d.mean(YS))]
        if workload in ("b", "d", "e"):
            return [("estimate", lambda d: d.mean(YS, by=DOMAIN))]
        if workload == "c":
            return [
                ("replicates", lambda d: d.to_replicate("bootstrap", replicates=REPLICATES, seed=SEED)),
                ("estimate", lambda r: r.mean(YS, by=DOMAIN)),
            ]
        if workload == "rake":
            ctl = _controls(meta)
            if not hasattr(self._design_type(), "rake"):
                raise NotImplementedError("surveykit has no SurveyDesign.rake yet")
            return [("rake", lambda d: d.rake(ctl, **self._rake_options(d)).weights.to_numpy())]
        raise ValueError(workload)

    @staticmethod
    def _design_type():
        import surveykit as sk

        return sk.SurveyDesign

    @staticmethod
    def _rake_options(d) -> dict:
        import inspect

        params = inspect.signature(d.rake).parameters
        opts = {}
        # the same stopping rule as the other tools where surveykit exposes one
        for name in ("tol", "epsilon", "tolerance"):
            if name in params:
                opts[name] = RAKE_TOL
                break
        for name in ("max_iter", "maxit"):
            if name in params:
                opts[name] = RAKE_MAX_ITER
                break
        return opts

    def numbers(self, workload, out):
        if workload == "rake":
            return {"weights": out}
        est, se = [], []
        for v in YS:  # rows: one per (variable, domain)
            sub = out[out["variable"] == v]
            if workload != "a":
                sub = sub.sort_values(DOMAIN)
            est.append(sub["estimate"].to_numpy())
            se.append(sub["se"].to_numpy())
        return {"estimate": np.column_stack(est).tolist(), "se": np.column_stack(se).tolist()}


class Svy(Tool):
    name = "svy"

    def version(self) -> str:
        from importlib.metadata import version

        return version("svy")

    def frame(self, cols):
        import polars as pl

        return pl.DataFrame(cols)

    def design(self, frame):
        import svy

        if self.workload == "e":
            from svy.core.repwgts import BootstrapWgts

            reps = BootstrapWgts(prefix="bw", n_reps=REPLICATES, scale=1.0 / (REPLICATES - 1))
            return svy.Sample(frame, svy.Design(stratum="stratum", psu="psu", wgt="weight", rep_wgts=reps))
        s = svy.Sample(frame, svy.Design(stratum="stratum", psu="psu", wgt="weight"))
        if self.workload == "d":
            s = s.weighting.rake(controls=_controls(self.meta), tol=RAKE_TOL, max_iter=RAKE_MAX_ITER)
        return s

    def steps(self, workload, meta):
        if workload == "a":
            return [("estimate", lambda s: s.estimation.mean(YS))]
        if workload in ("b", "d"):
            return [("estimate", lambda s: s.estimation.mean(YS, by=DOMAIN))]
        if workload == "e":
            return [("estimate", lambda s: s.estimation.mean(YS, by=DOMAIN, method="replication"))]
        if workload == "c":
            return [
                ("replicates", lambda s: s.weighting.create_bs_wgts(n_reps=REPLICATES, rstate=SEED)),
                ("estimate", lambda r: r.estimation.mean(YS, by=DOMAIN, method="replication")),
            ]
        if workload == "rake":
            ctl = _controls(meta)

            def rake(s):
                r = s.weighting.rake(controls=ctl, tol=RAKE_TOL, max_iter=RAKE_MAX_ITER)
                return r.data[r.design.wgt].to_numpy()

            return [("rake", rake)]
        raise ValueError(workload)

    def numbers(self, workload, out):
        if workload == "rake":
            return {"weights": out}
        est, se = [], []
        for res in out:  # one result per variable, in YS order
            t = res.to_polars()
            if workload != "a":
                t = t.sort(DOMAIN)
            est.append(t["est"].to_numpy())
            se.append(t["se"].to_numpy())
        return {"estimate": np.column_stack(est).tolist(), "se": np.column_stack(se).tolist()}


class NumpyLoop(Tool):
    name = "numpy"

    def version(self) -> str:
        return np.__version__

    def design(self, frame):
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        import numpy_loop as nl

        d = nl.design(frame["weight"], frame["stratum"], frame["psu"])
        dom, levels = nl.domain_codes(frame[DOMAIN])
        return {"design": d, "dom": dom, "G": len(levels), "ys": [frame[v] for v in YS]}

    def steps(self, workload, meta):
        import numpy_loop as nl

        if workload == "a":
            return [("estimate", lambda x: nl.taylor_means(x["design"], x["ys"]))]
        if workload == "b":
            return [("estimate", lambda x: nl.taylor_means(x["design"], x["ys"], x["dom"], x["G"]))]
        if workload == "c":
            return [
                ("replicates", lambda x: {**x, "f": nl.bootstrap_factors(x["design"], REPLICATES, SEED)}),
                ("estimate", lambda x: nl.bootstrap_means(x["design"], x["ys"], x["f"], x["dom"], x["G"])),
            ]
        raise NotImplementedError("the numpy loop does not rake or read replicate weights")

    def numbers(self, workload, out):
        est, se = out
        return {"estimate": est.tolist(), "se": se.tolist()}


class Samplics(Tool):
    name = "samplics"

    def version(self) -> str:
        from importlib.metadata import version

        return version("samplics")

    def design(self, frame):
        import warnings

        warnings.filterwarnings("ignore", category=FutureWarning)
        from samplics.weighting import SampleWeight  # noqa: F401

        return frame

    def steps(self, workload, meta):
        if workload != "rake":
            raise NotImplementedError("samplics is benchmarked for raking only")
        from samplics.weighting import SampleWeight

        ctl = _controls(meta)

        def rake(cols):
            return SampleWeight().rake(
                samp_weight=cols["weight"],
                margins={m: cols[m] for m in MARGINS},
                control=ctl,
                tol=RAKE_TOL,
                ctrl_tol=RAKE_TOL,
                max_iter=RAKE_MAX_ITER,
            )

        return [("rake", rake)]

    def numbers(self, workload, out):
        return {"weights": np.asarray(out)}


TOOLS = {t.name: t for t in (Surveykit, Svy, NumpyLoop, Samplics)}


# ------------------------------------------------------------------------------------------------
def load(folder: Path) -> tuple[dict[str, np.ndarray], dict]:
    meta = json.loads((folder / "meta.json").read_text())
    return {c: np.load(folder / f"{c}.npy") for c in meta["columns"]}, meta


def run_steps(steps, design) -> tuple[list[float], Any]:
    times = []
    x = design
    for _, fn in steps:
        t0 = time.perf_counter()
        x = fn(x)
        times.append(time.perf_counter() - t0)
    return times, x


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("tool", choices=sorted(TOOLS))
    ap.add_argument("workload", choices=["a", "b", "c", "d", "e", "rake"])
    ap.add_argument("data", type=Path)
    ap.add_argument("out", type=Path)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--cold", type=int, default=3, help="cold runs (design built each time)")
    a = ap.parse_args(argv)
    record: dict[str, Any] = {
        "tool": a.tool,
        "workload": a.workload,
        "python": sys.version.split()[0],
        "pid": os.getpid(),
    }
    rss_start = rss_mb()
    tool = TOOLS[a.tool]()
    try:
        record["version"] = tool.version()
        cols, meta = load(a.data)
        tool.workload, tool.meta = a.workload, meta
        if a.workload == "e":
            add_replicate_weights(cols)
        t0 = time.perf_counter()
        frame = tool.frame(cols)
        record["frame_s"] = time.perf_counter() - t0
        del cols
        t0 = time.perf_counter()
        design = tool.design(frame)
        record["design_s"] = time.perf_counter() - t0
        steps = tool.steps(a.workload, meta)
    except NotImplementedError as e:
        record["unavailable"] = str(e)
        a.out.write_text(json.dumps(record))
        return 0
    gc.collect()
    record["rss_python_mb"] = rss_start
    record["rss_baseline_mb"] = rss_mb()  # imports + data frame + design
    record["peak_reset"] = reset_peak()
    warm_times, out = run_steps(steps, design)
    record["warmup_s"] = sum(warm_times)
    # the peak of one call: repeated calls can only add the allocator's retained memory to it
    record["peak_mb"] = peak_mb()
    del out
    gc.collect()
    runs = []
    out = None
    for _ in range(a.repeat):
        out = None  # the previous result must not count in this run's peak
        times, out = run_steps(steps, design)
        runs.append(times)
    record["peak_all_runs_mb"] = peak_mb()
    record["steps"] = [name for name, _ in steps]
    record["runs_s"] = runs
    record["best_s"] = min(sum(r) for r in runs)
    record["best_step_s"] = [min(r[i] for r in runs) for i in range(len(steps))]
    nums = tool.numbers(a.workload, out)
    del out
    gc.collect()
    cold = []
    for _ in range(a.cold):
        t0 = time.perf_counter()
        run_steps(steps, tool.design(frame))
        cold.append(time.perf_counter() - t0)
    record["cold_best_s"] = min(cold) if cold else None
    if "weights" in nums:
        path = a.out.with_suffix(".weights.npy")
        np.save(path, np.asarray(nums.pop("weights"), dtype=np.float64))
        record["weights_file"] = str(path)
    record.update(nums)
    a.out.write_text(json.dumps(record))
    return 0


if __name__ == "__main__":
    sys.exit(main())
