"""Small area estimation: reliable estimates for areas (municipalities) the survey samples thinly.

>>> import pandas as pd, surveykit.sae as sae
>>> cov = pd.DataFrame({"x": [1.0, 2, 3, 4, 5, 6]}, index=list("abcdef"))
>>> fit = sae.fay_herriot(pd.Series([1.9, 1.1, 3.9, 3.2, 6.4, 5.1], index=cov.index),
...                       pd.Series(0.2, index=cov.index), cov, method="REML")
>>> list(fit.table.columns[:10])
['area', 'n', 'direct', 'direct_se', 'eblup', 'mse', 'rmse', 'cv', 'gamma', 'method']
"""

from .benchmark import benchmark
from .bootstrap import BootstrapResult, parametric_bootstrap
from .charts import plot_direct_vs_eblup, plot_ranking
from .fayherriot import FayHerriotFit, fay_herriot
from .inputs import GVF, direct_estimates, gvf
from .ranking import priority_ranking

__all__ = [
    "fay_herriot",
    "FayHerriotFit",
    "parametric_bootstrap",
    "BootstrapResult",
    "benchmark",
    "direct_estimates",
    "gvf",
    "GVF",
    "priority_ranking",
    "plot_direct_vs_eblup",
    "plot_ranking",
]
