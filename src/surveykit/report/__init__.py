"""Publication outputs: the Excel workbook a statistics office publishes and PNG charts by domain.

>>> import surveykit as sk
>>> sorted(n for n in sk.report.__all__ if not n.isupper())
['estimate_results', 'plot_breakdowns', 'plot_indicator', 'write_charts', 'write_workbook']
"""

from .charts import plot_breakdowns, plot_indicator, write_charts
from .estimates import estimate_results
from .workbook import FLAG_FILLS, REQUIRED_COLUMNS, write_workbook

__all__ = [
    "write_workbook",
    "estimate_results",
    "plot_indicator",
    "plot_breakdowns",
    "write_charts",
    "REQUIRED_COLUMNS",
    "FLAG_FILLS",
]
