"""Published statistics (DfE Explore Education Statistics, LAIT, ONS): readers that keep
suppression symbols apart from numbers, a catalogue of published measures, tidy figures,
comparators (England, region, Inner / Outer London, statistical neighbours) and
population denominators.

Nothing is read at import; files are read on first use and cached.

The tidy figures of one measure: ``from safeguarding.published.figures import figures``
(the function is not re-exported here, so that ``safeguarding.published.figures`` stays
the module).

Source: Department for Education / Office for National Statistics, Open Government
Licence v3.0.
"""

from safeguarding.published.catalogue import (
    CATALOGUE,
    PublishedMeasure,
    catalogue_frame,
    get_measure,
    measure_ids,
    normalise_schema,
)
from safeguarding.published.comparators import Comparison, compare
from safeguarding.published.ees import period_label, period_year, read_ees_csv, read_lait, year_label
from safeguarding.published.figures import ATTRIBUTION, all_figures, available_years
from safeguarding.published.population import (
    NOTE as ETHNIC_POPULATION_NOTE,
    child_population,
    child_population_by_ethnicity,
    ethnic_population,
)

__all__ = [
    "ATTRIBUTION",
    "CATALOGUE",
    "Comparison",
    "ETHNIC_POPULATION_NOTE",
    "PublishedMeasure",
    "all_figures",
    "available_years",
    "catalogue_frame",
    "child_population",
    "child_population_by_ethnicity",
    "compare",
    "ethnic_population",
    "get_measure",
    "measure_ids",
    "normalise_schema",
    "period_label",
    "period_year",
    "read_ees_csv",
    "read_lait",
    "year_label",
]
