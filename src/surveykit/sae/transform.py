"""The arcsine transformation for proportions and its bias-corrected back-transformation.

A direct proportion ``p_d`` with effective sample size ``n_d`` (sample size over design effect) is
modelled on the scale ``asin(sqrt(p_d))``, where its sampling variance is ``1 / (4 n_d)`` whatever
``p_d`` is (variance stabilisation; Jiang, Lahiri, Wan & Wu 2001; Casas-Cordero, Encina & Lahiri
2016; Schmid, Bruckschen, Salvati & Zbiranski 2017, JRSS A 180(4)). This is the approach of R's
``emdi::fh(transformation="arcsin")`` (Kreutzmann et al. 2019, J. Stat. Softw. 91(7); Harmening et
al. 2023, The R Journal 15(1)).

Back-transformation: the naive ``sin(eta)^2`` of the EBLUP ``eta`` is biased because ``sin^2`` is not
linear. The bias-corrected estimate is the expectation of ``sin(theta)^2`` when ``theta`` follows the
predictive distribution ``N(eta, sigma2_u (1 - gamma))`` (Slud & Maiti 2006 for the log case; emdi's
``arcsin_bc``). ``theta`` is truncated to [0, pi/2] (the range of ``asin(sqrt(p))``):

    E[sin^2(theta)] = int_0^{pi/2} sin^2(x) phi(x; eta, s) dx + P(theta > pi/2)

emdi integrates the first term numerically and leaves out the second (the mass above pi/2, where
``sin^2 = 1``); it matters only for proportions close to 1. The integral has a closed form through the
normal CDF of a complex argument: with ``a = -eta/s``, ``b = (pi/2 - eta)/s``,

    int_0^{pi/2} sin^2 phi = [Phi(b) - Phi(a)] / 2 - Re{ exp(2i eta - 2 s^2) [Phi(b - 2is) - Phi(a - 2is)] } / 2

which is vectorised over areas and bootstrap replicates (emdi loops over areas with ``integrate``).
"""

from __future__ import annotations

import numpy as np
from scipy import special

__all__ = ["arcsin", "arcsin_variance", "arcsin_integral", "arcsin_back"]

HALF_PI = np.pi / 2


def arcsin(p: np.ndarray) -> np.ndarray:
    """``asin(sqrt(p))``.

    >>> float(arcsin(np.array([0.25]))[0].round(6))
    0.523599
    """
    return np.arcsin(np.sqrt(p))


def arcsin_variance(n_eff: np.ndarray) -> np.ndarray:
    """Sampling variance on the arcsine scale: ``1 / (4 n_eff)``.

    >>> arcsin_variance(np.array([25.0])).tolist()
    [0.01]
    """
    return 1.0 / (4.0 * np.asarray(n_eff, dtype=float))


def _phi_complex(z: np.ndarray) -> np.ndarray:
    return 0.5 * special.erfc(-z / np.sqrt(2))


def arcsin_integral(mu: np.ndarray, var: np.ndarray) -> np.ndarray:
    """``int_0^{pi/2} sin(x)^2 phi(x; mu, sqrt(var)) dx`` in closed form (emdi's integrand).

    ``var = 0`` gives ``sin(mu)^2`` inside [0, pi/2] and 0 outside.

    >>> float(arcsin_integral(np.array([0.6]), np.array([0.03]))[0].round(10))
    0.3293711809
    """
    mu, var = np.broadcast_arrays(np.asarray(mu, float), np.asarray(var, float))
    s = np.sqrt(np.maximum(var, 0.0))
    safe = np.where(s > 0, s, 1.0)
    a = -mu / safe
    b = (HALF_PI - mu) / safe
    mass = special.ndtr(b) - special.ndtr(a)
    shift = 2j * safe
    osc = np.exp(2j * mu - 2 * safe**2) * (_phi_complex(b - shift) - _phi_complex(a - shift))
    out = 0.5 * mass - 0.5 * osc.real
    point = np.where((mu >= 0) & (mu <= HALF_PI), np.sin(mu) ** 2, 0.0)
    return np.where(s > 0, out, point)


def arcsin_back(mu: np.ndarray, var: np.ndarray) -> np.ndarray:
    """Bias-corrected back-transformation ``E[sin^2(clip(theta, 0, pi/2))]``, ``theta ~ N(mu, var)``.

    >>> bool(np.isclose(arcsin_back(np.array([0.6]), np.array([0.0]))[0], np.sin(0.6) ** 2))
    True
    >>> arcsin_back(np.array([1.5]), np.array([0.04])).round(4).tolist()   # mass above pi/2 counts as 1
    [0.9676]
    """
    mu, var = np.broadcast_arrays(np.asarray(mu, float), np.asarray(var, float))
    s = np.sqrt(np.maximum(var, 0.0))
    upper = np.where(s > 0, special.ndtr((mu - HALF_PI) / np.where(s > 0, s, 1.0)), (mu > HALF_PI) * 1.0)
    return arcsin_integral(mu, var) + upper
