"""England's figures by ethnic group beside the borough's, for the disproportionality
briefing's exclusion stages (the only stages DfE publishes by ethnic group):
:mod:`safeguarding.published.characteristics` reads and computes them; this mixin lays out
the table columns and words.

A mixin for :class:`safeguarding.themes.disproportionality.DisproportionalityView`.
"""

from __future__ import annotations

import functools

import pandas as pd

from safeguarding.issues import InputError
from safeguarding.measures import disproportionality as m
from safeguarding.published import characteristics as england_characteristics
from safeguarding.render.comparisons import cite
from safeguarding.render.formats import format_number_for_unit
from safeguarding.render.sentences import lower_first


class EnglandSections:
    @functools.cached_property
    def england(self):
        """DfE's England figures by ethnic group for the exclusion stages' school year (or the
        latest earlier year published), or the reason there are none (a string)."""
        try:
            return england_characteristics.england_exclusions_by_ethnicity(self.exclusion_year, self.b.published_dir)
        except InputError as exc:
            return str(exc)

    def _england_for(self, key: str) -> str | None:
        """The England column compared with a stage ('permanent' or 'suspended'), or None when
        DfE publishes nothing by ethnic group for it (or the briefing has no school year)."""
        return england_characteristics.STAGE_COLUMNS.get(key) if self.exclusion_year else None

    def england_columns(self, key: str, rows: pd.DataFrame) -> pd.DataFrame | None:
        """England's rate and comparison with White British for each row of a stage table
        (blank where DfE publishes none), or None for a stage DfE publishes nothing for."""
        column = self._england_for(key)
        if column is None or isinstance(self.england, str):
            return None
        england = self.england
        by_group = england.frame.set_index("group")
        groups = rows["group"].where(rows["level"] != "total", "Total")
        rate = groups.map(by_group[f"{column}_rate"])
        rri = groups.map(by_group[f"{column}_rri"])
        out = pd.DataFrame({
            "rate": [f"{v:.2f}" if pd.notna(v) else "" for v in rate],
            "rri": ["comparison group" if g == m.REFERENCE else f"{v:.2f}" if pd.notna(v) and g not in ("Total", m.NOT_KNOWN)
                    else "" for v, g in zip(rri, groups)]}, index=rows.index)
        out.attrs["year"] = england.year_label
        cite(self.b, f"{england_characteristics.TITLE}, {england.year_label}",
             f"England {m.STAGE_BY_KEY[key].label.lower()} by ethnic group")
        return out

    def england_sentences(self, key: str, lead: pd.Series | None) -> list[str]:
        """How England's pattern compares, for the stage's leading group (exclusion stages)."""
        column = self._england_for(key)
        if column is None:
            return []
        england, stage = self.england, m.STAGE_BY_KEY[key]
        if isinstance(england, str):
            return [f"No comparison with England by ethnic group: {lower_first(england)}."]
        stale = "" if not england.note else " (the latest year DfE has published by ethnic group in the files held)"
        out = []
        if lead is not None:
            row = england.row(lead["group"])
            if row is not None and pd.notna(row[f"{column}_rri"]):
                out.append(f"In England in {england.year_label}{stale}, {lead['group']} pupils were "
                           f"{format_number_for_unit(row[f'{column}_rri'], 'ratio', decimals=1)} times as likely as "
                           f"White British pupils to {stage.phrase}.")
        if not out:
            out.append(f"The table shows England's rates by ethnic group for {england.year_label}{stale}.")
        if england.note:
            out.append(f"England's pattern may have changed since {england.year_label}.")
        return out
