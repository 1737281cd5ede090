"""The types of a theme record (see :mod:`safeguarding.themes.registry`)."""

from __future__ import annotations

import importlib
from dataclasses import dataclass


@dataclass(frozen=True)
class Section:
    """One section of a briefing: heading, the measures it shows, and the view that lays it out."""

    id: str
    heading: str
    measures: tuple[str, ...] = ()


@dataclass(frozen=True)
class Glance:
    """One headline measure on the first page.

    Attributes
    ----------
    measure_id : a registered measure.
    breakdown, group : which row of its results (None: the only one).
    label : the row's name (default: the measure's label).
    published_id : the published measure to compare with (default: the measure's own
        ``published_id``; '' for none).
    kind : 'proportion' or 'rate': how chance is judged (change since last year, and the
        distance from England).
    change_from_published : when the borough's records hold only this year, compare with the
        borough's published figure for the year before (only where the published measure is
        defined exactly as the borough's own, e.g. NEET care leavers).
    """

    measure_id: str
    breakdown: str | None = None
    group: str | None = None
    label: str | None = None
    published_id: str | None = None
    kind: str = "proportion"
    change_from_published: bool = False


@dataclass(frozen=True)
class ThemeRecord:
    key: str
    number: int
    title: str
    #: Module under ``safeguarding.measures`` with ``compute(ctx)`` and ``RELATIONS``.
    measures_module: str
    #: Module under ``safeguarding.themes`` with the theme's view class (``VIEW``).
    view_module: str
    tables: tuple[str, ...]
    optional_tables: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    #: Prefix of the data-quality checks (``quality.CHECKS``) that belong to the theme.
    check_prefix: str = "DQ"
    #: What the theme's counts count, for the symbol legend.
    counts: str = "children"
    #: Measures whose cells are hidden last (secondary suppression).
    headline_measures: tuple[str, ...] = ()
    sections: tuple[Section, ...] = ()
    method_notes: tuple[str, ...] = ()
    #: Terms of :data:`safeguarding.render.glossary.EXTRA` the briefing needs beyond the common ones.
    glossary: tuple[str, ...] = ()
    #: Rows of the first-page table ('At a glance'), in order.
    glance: tuple[Glance, ...] = ()

    @property
    def notebook(self) -> str:
        return f"{self.number:02d}_{self.key}.ipynb"

    @property
    def section_ids(self) -> tuple[str, ...]:
        return tuple(s.id for s in self.sections)

    def measures(self):
        return importlib.import_module(f"safeguarding.measures.{self.measures_module}")

    def view_class(self):
        return importlib.import_module(f"safeguarding.themes.{self.view_module}").VIEW


SN_NOTE = ("Statistical neighbours: the ten most similar local authorities in the DfE children's services "
            "statistical neighbour model (2025).")
