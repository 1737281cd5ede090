"""The measure registry: one record per measure, defined once.

A :class:`MeasureSpec` says what a measure counts (children, episodes, pupils...), its
unit, its polarity (is higher better, worse, or neither?), how its interval is computed,
and which published statistic it is compared with. Wording, colours and the methods
section of every briefing are generated from these records, so a definition is written
in one place only. Ids are ``<theme>.<measure>`` and stable: a changed definition gets a
new id.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from safeguarding.text import lower_first

UNITS = ("count", "percent", "per_10k", "per_100", "ratio", "hours", "days", "per_child")
POLARITIES = ("higher_better", "lower_better", "none")
CI_METHODS = ("wilson", "poisson_exact", "katz_or_exact", "none")
COUNTS = ("children", "episodes", "pupils", "exclusions", "care leavers", "referrals", "plans", "looked-after children", "enquiries",
          "conferences", "assessments")


@dataclass(frozen=True)
class MeasureSpec:
    id: str
    theme: str
    label: str
    definition: str
    unit: str
    counts: str
    numerator: str = ""
    denominator: str = ""
    polarity: str = "none"
    ci_method: str = "none"
    decimals: int = 1
    published_id: str | None = None
    #: How the measure reads inside a sentence ("the percentage of looked-after children who
    #: went missing"); defaults to the label in lower case.
    phrase: str = ""
    #: The count cell of the numerator for disclosure control: a concept id shared by every
    #: measure that counts the same thing (default: this measure's id). See results.cells.
    numerator_cell: str = ""
    #: The count cell of the denominator ('concept' or 'concept@breakdown=group'); blank when
    #: the denominator is not a count that needs protecting (e.g. an ONS population).
    denominator_cell: str = ""
    #: The figures are published estimates (e.g. ONS populations), not counts of people:
    #: not disclosure cells, and exempt from the briefing's small-count self-check.
    estimate: bool = False

    @property
    def in_sentence(self) -> str:
        return self.phrase or lower_first(self.label)

    def __post_init__(self):
        if self.unit not in UNITS:
            raise ValueError(f"{self.id}: unit {self.unit!r} not in {UNITS}")
        if self.polarity not in POLARITIES:
            raise ValueError(f"{self.id}: polarity {self.polarity!r} not in {POLARITIES}")
        if self.ci_method not in CI_METHODS:
            raise ValueError(f"{self.id}: ci_method {self.ci_method!r} not in {CI_METHODS}")
        if self.counts not in COUNTS:
            raise ValueError(f"{self.id}: counts {self.counts!r} not in {COUNTS}")
        if "." not in self.id or not self.id.startswith(self.theme + "."):
            raise ValueError(f"{self.id}: ids are '<theme>.<measure>'")


def _build() -> dict[str, MeasureSpec]:
    """Every theme's measures (``MEASURES`` of each theme's measures module), built explicitly
    from the theme records; an id defined twice is an error."""
    from safeguarding.themes.registry import THEMES
    out: dict[str, MeasureSpec] = {}
    for record in THEMES.values():
        for spec in record.measures().MEASURES:
            if spec.id in out and out[spec.id] != spec:
                raise ValueError(f"measure id {spec.id} defined twice with different definitions")
            out[spec.id] = spec
    return out


@cache
def _registry() -> dict[str, MeasureSpec]:
    return _build()


def get(measure_id: str) -> MeasureSpec:
    registry = _registry()
    try:
        return registry[measure_id]
    except KeyError:
        raise KeyError(f"unknown measure {measure_id!r}; known: {', '.join(sorted(registry))}") from None


def all_measures(theme: str | None = None) -> list[MeasureSpec]:
    return [s for s in _registry().values() if theme is None or s.theme == theme]


RESULT_COLUMNS = ["measure_id", "area", "breakdown", "group", "period", "numerator", "denominator",
                  "value", "lower", "upper", "method", "symbol"]
