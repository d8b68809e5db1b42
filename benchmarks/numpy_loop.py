"""The hand-written numpy baseline: weighted means with Taylor and bootstrap SEs by ``np.bincount``.

This is what a competent analyst would write by hand for one fixed design (stratified, PSUs sampled
with replacement at stage 1, no fpc): integer codes, segment sums and a few array operations per
variable. It has no input checks, no labels, no CIs or design effects: the floor a library's
overhead is measured against. It computes the same statistics as R's ``svyby(~y, ~dom, design,
svymean)``: the domain mean ``sum(w y) / sum(w)`` with the linearized score
``z = w (y - mean) / sum(w)`` of the domain's rows (0 elsewhere), summed per PSU, centred within
strata and scaled by ``n_h / (n_h - 1)``.

The bootstrap is Rao-Wu's rescaling bootstrap (R's ``subbootweights``): in each stratum ``n_h - 1``
PSUs are drawn with replacement, a PSU's weight factor is ``(times drawn) n_h / (n_h - 1)``, and the
variance is ``sum_r (theta_r - mean_r theta_r)^2 / (R - 1)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class Design:
    w: np.ndarray  # (n,) weights
    psu: np.ndarray  # (n,) PSU code 0..C-1
    psu_stratum: np.ndarray  # (C,) stratum code of each PSU
    n_h: np.ndarray  # (H,) PSUs per stratum


def design(weight: np.ndarray, stratum: np.ndarray, psu: np.ndarray) -> Design:
    """Integer codes of the design columns (PSU ids are unique across strata)."""
    _, psu_code = np.unique(psu, return_inverse=True)
    _, stratum_code = np.unique(stratum, return_inverse=True)
    C = int(psu_code.max()) + 1
    psu_stratum = np.zeros(C, dtype=np.int64)
    psu_stratum[psu_code] = stratum_code
    n_h = np.bincount(psu_stratum).astype(np.float64)
    return Design(np.asarray(weight, dtype=np.float64), psu_code, psu_stratum, n_h)


def domain_codes(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Domain code of each row and the domain values (sorted)."""
    levels, code = np.unique(values, return_inverse=True)
    return code, levels


def taylor_means(
    d: Design, ys: list[np.ndarray], dom: np.ndarray | None = None, n_dom: int = 1
) -> tuple[np.ndarray, np.ndarray]:
    """Means and Taylor SEs of each variable in each domain: two (n_dom, k) arrays."""
    n = len(d.w)
    g = np.zeros(n, dtype=np.int64) if dom is None else dom
    G = n_dom
    C, H = len(d.psu_stratum), len(d.n_h)
    W = np.bincount(g, weights=d.w, minlength=G)
    cell = d.psu * G + g  # (PSU, domain) of each row
    hcell = (d.psu_stratum[:, None] * G + np.arange(G)).ravel()  # (stratum, domain) of each cell
    scale = d.n_h / (d.n_h - 1.0)
    est = np.empty((G, len(ys)))
    se = np.empty((G, len(ys)))
    for j, y in enumerate(ys):
        wy = d.w * y.astype(np.float64)
        theta = np.bincount(g, weights=wy, minlength=G) / W
        z = (wy - d.w * theta[g]) / W[g]
        t = np.bincount(cell, weights=z, minlength=C * G)  # PSU totals per domain
        tbar = np.bincount(hcell, weights=t, minlength=H * G).reshape(H, G) / d.n_h[:, None]
        dev = t.reshape(C, G) - tbar[d.psu_stratum]
        ss = np.bincount(hcell, weights=(dev * dev).ravel(), minlength=H * G).reshape(H, G)
        est[:, j] = theta
        se[:, j] = np.sqrt((ss * scale[:, None]).sum(axis=0))
    return est, se


def bootstrap_factors(d: Design, replicates: int, seed: int) -> np.ndarray:
    """Rao-Wu factors, one per (replicate, PSU): (R, C)."""
    rng = np.random.default_rng(seed)
    C = len(d.psu_stratum)
    order = np.argsort(d.psu_stratum, kind="stable")  # PSUs grouped by stratum
    start = np.r_[0, np.cumsum(d.n_h)[:-1]].astype(np.int64)
    m = (d.n_h - 1).astype(np.int64)  # draws per stratum
    draw_stratum = np.repeat(np.arange(len(d.n_h)), m)
    u = rng.random((replicates, len(draw_stratum)))
    picked = order[start[draw_stratum] + (u * d.n_h[draw_stratum]).astype(np.int64)]
    counts = np.bincount((np.arange(replicates)[:, None] * C + picked).ravel(), minlength=replicates * C).reshape(
        replicates, C
    )
    return counts * (d.n_h / (d.n_h - 1.0))[d.psu_stratum]


def bootstrap_means(
    d: Design, ys: list[np.ndarray], factors: np.ndarray, dom: np.ndarray | None = None, n_dom: int = 1
) -> tuple[np.ndarray, np.ndarray]:
    """Means and bootstrap SEs of each variable in each domain: two (n_dom, k) arrays."""
    n = len(d.w)
    g = np.zeros(n, dtype=np.int64) if dom is None else dom
    G = n_dom
    C = len(d.psu_stratum)
    R = factors.shape[0]
    cell = d.psu * G + g
    Aw = np.bincount(cell, weights=d.w, minlength=C * G).reshape(C, G)
    Wr = factors @ Aw  # (R, G) replicate domain weights
    W = Aw.sum(axis=0)
    est = np.empty((G, len(ys)))
    se = np.empty((G, len(ys)))
    for j, y in enumerate(ys):
        Ay = np.bincount(cell, weights=d.w * y.astype(np.float64), minlength=C * G).reshape(C, G)
        theta_r = (factors @ Ay) / Wr
        dev = theta_r - theta_r.mean(axis=0)
        est[:, j] = Ay.sum(axis=0) / W
        se[:, j] = np.sqrt((dev * dev).sum(axis=0) / (R - 1))
    return est, se


if __name__ == "__main__":  # self-check against R: svyby(~y, ~g, svydesign(~p, strata=~s, weights=~w), svymean)
    w = np.array([10.0, 10, 10, 10, 20, 20, 20, 20])
    dsg = design(w, np.array([1, 1, 1, 1, 2, 2, 2, 2]), np.array([1, 1, 2, 2, 3, 3, 4, 4]))
    y = np.array([1.0, 2, 3, 4, 5, 6, 7, 9])
    g, _ = domain_codes(np.array([1, 2, 1, 2, 1, 1, 2, 2]))
    e, s = taylor_means(dsg, [y], g, 2)
    assert np.allclose(e.ravel(), [4.333333333, 6.333333333]), e
    assert np.allclose(s.ravel(), [0.8461970118, 1.1600340565], rtol=1e-9), s
    e, s = taylor_means(dsg, [y])
    assert np.allclose([e[0, 0], s[0, 0]], [5.333333333, 0.8975274679], rtol=1e-9), (e, s)
    print("numpy loop matches R")
