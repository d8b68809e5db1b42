"""Synthetic microdata from a questionnaire and a survey design: :func:`simulate`.

>>> import surveykit as sk
>>> q = sk.Questionnaire(id="mini", languages=["es"],
...     items=[sk.IntegerQuestion(name="edad", label={"es": "Edad"}, min=18, max=110)])
>>> sim = sk.simulate(q, seed=3)
>>> int(sim.data["edad"].min()) >= 18 and int(sim.data["edad"].max()) <= 110
True
"""

from .engine import CARRY, CONVENTION_DEFAULTS, Simulation, simulate
from .frame import EL_SALVADOR_DEPARTMENTS, allocate, el_salvador_frame
from .municipal import MunicipalSurvey, el_salvador_municipalities, simulate_municipal_survey
from .overrides import DISTRIBUTIONS

__all__ = [
    "simulate",
    "Simulation",
    "el_salvador_frame",
    "allocate",
    "EL_SALVADOR_DEPARTMENTS",
    "DISTRIBUTIONS",
    "CARRY",
    "CONVENTION_DEFAULTS",
    "el_salvador_municipalities",
    "simulate_municipal_survey",
    "MunicipalSurvey",
]
