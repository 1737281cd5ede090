"""Exclusions briefing: the section on going missing and exploitation (a part of the view in
themes/exclusions.py): pupils excluded or suspended among pupils with a concern of going
missing or of exploitation recorded by children's social care, linked by UPN, against
pupils with none recorded. The figures come from the results stage (table ``concerns``)."""

from __future__ import annotations

import pandas as pd

from safeguarding.measures import exclusions as m
from safeguarding.render import charts
from safeguarding.render.blocks import HtmlBlock, join_blocks, paragraph
from safeguarding.render.comparisons import symbol_of
from safeguarding.render.count_rate_tables import count_rate_cells, wide_by_group
from safeguarding.render.formats import format_number_for_unit
from safeguarding.render.tables import html_table

SUSPENDED = "exclusions.concern_one_plus_sus_pct"
PERMANENT = "exclusions.concern_perm_pct"
#: What each concern is, for the pupils who have it (completes 'pupils who ...').
WHO = {m.EXPLOITATION: "had going missing or exploitation noted at a social care assessment",
       m.MISSING: "went missing (a recorded missing or away episode)"}
#: Where each concern is looked for, and what a borough must provide for it.
SOURCES = {m.EXPLOITATION: "the CIN census assessments (factors 10A going missing, 11A child sexual exploitation, "
                           "13A gangs and 24A child criminal exploitation) with the children's UPNs",
           m.MISSING: "the SSDA903 Missing table (looked-after children, UPN from the Header) and the missing log "
                      "where the person record carries a UPN (pers_upn)"}


def _pct(row, decimals: int = 1) -> str:
    return format_number_for_unit(row["value"], "percent", symbol_of(row) or None, decimals)


def _apart(a, b) -> int:
    """+1 when ``a``'s 95% interval lies wholly above ``b``'s, -1 when wholly below, else 0."""
    return 1 if a["lower"] > b["upper"] else -1 if a["upper"] < b["lower"] else 0


class ConcernSections:
    """Section 'concerns' of :class:`~safeguarding.themes.exclusions.ExclusionsView`."""

    def section_concerns(self) -> HtmlBlock:
        b, frame = self.b, self.r.get("concerns")
        windows = b.meta.get("concern_windows", {})
        intro = (f"Pupils on the roll in {self.label} are linked by their UPN (unique pupil number) to records of two "
                 "risks that often travel with exclusion: going missing or exploitation noted when children's social "
                 "care assessed the child, and a recorded episode of going missing. Each pupil is counted in the school "
                 "year the record falls in. This shows where exclusion and these risks meet in the same children, so "
                 "that services can plan together; it does not show that one causes the other.")
        parts = [paragraph(intro)]
        absent = [key for key in m.CONCERN_GROUPS if key not in windows]
        unlinked = [k for k, n in b.meta.get("concern_no_upn", {}).items() if n and k in windows]
        if unlinked:
            parts.append(paragraph("Some children who " + " or ".join(WHO[k].split(" (")[0] for k in unlinked)
                                   + " had no UPN recorded, so they could not be linked to the school roll (the "
                                   "analyst can see how many)."))
        if absent:
            parts.append(paragraph("Not linked: " + "; ".join(f"pupils who {WHO[k]} need {SOURCES[k]}" for k in absent)
                                   + ". Those figures are not shown."))
        if frame is None or frame.empty:
            return join_blocks(*parts)
        for key, (label, other) in m.CONCERN_GROUPS.items():
            if key not in windows:
                continue
            rows = frame[frame["breakdown"] == key]
            parts.append(HtmlBlock(f"<h3>{label}</h3>"))
            parts.append(paragraph(self._concern_words(rows, label, other, key, windows[key])))
        parts.append(self._concern_chart(frame))
        wide = wide_by_group(frame, {PERMANENT: "perm", SUSPENDED: "one"})
        wide, used = count_rate_cells(wide, (("perm", 2, True), ("one", 1, True)))
        parts.append(html_table(wide, {"group": "Pupils", "pupils": "Pupils on roll",
                                       "perm": "Permanently excluded (% of the group)",
                                       "one": "Suspended at least once (% of the group)"},
                                caption=f"Pupils permanently excluded and suspended, with and without each concern "
                                        f"recorded, {self.label}",
                                units={"pupils": "count"}, threshold=b.threshold, counts="pupils",
                                note=self._legend(used, "Pupils on the roll only; the two pairs of rows each add up "
                                                        "to the whole roll.")))
        return join_blocks(*parts)

    def _concern_words(self, rows: pd.DataFrame, label: str, other: str, key: str, covered: str) -> str:
        """'Of 412 pupils who went missing, 21.4% (95% interval ...) were suspended at least once,
        against 3.1% of other pupils: higher.' with the period the records cover."""
        mine, rest = (rows[(rows["measure_id"] == SUSPENDED) & (rows["group"] == g)] for g in (label, other))
        covers = f"The linked records cover {covered}."
        if mine.empty or rest.empty:
            return covers
        mine, rest = mine.iloc[0], rest.iloc[0]
        if symbol_of(mine) or pd.isna(mine["value"]):
            return (f"The number of pupils who {WHO[key]}, or of them who were suspended, is hidden "
                    f"({self._hidden(mine)}), so no share is given. {covers}")
        text = (f"Of {int(mine['denominator']):,} pupils who {WHO[key]}, {_pct(mine)} (95% interval "
                f"{_pct({**mine, 'value': mine['lower']})} to {_pct({**mine, 'value': mine['upper']})}) were suspended at "
                f"least once in {self.label}, against {_pct(rest)} of other pupils on the roll")
        if symbol_of(rest) or pd.isna(rest["value"]):
            return f"{text}. {covers}"
        verdict = {1: "a higher share, beyond what chance would explain",
                   -1: "a lower share, beyond what chance would explain",
                   0: "the intervals overlap, so the difference may be chance"}[_apart(mine, rest)]
        return f"{text}: {verdict}. {covers}"

    def _concern_chart(self, frame: pd.DataFrame) -> HtmlBlock:
        rows = frame[frame["measure_id"] == SUSPENDED]
        shown = rows[(rows["symbol"].fillna("") == "") & rows["value"].notna()]
        title = "Pupils suspended at least once, with and without each concern recorded"
        pairs = [(label, other) for label, other in m.CONCERN_GROUPS.values()
                 if {label, other} <= set(shown["group"])]
        if pairs:
            label, other = pairs[0]
            a, c = (shown[shown["group"] == g].iloc[0] for g in (label, other))
            if _apart(a, c) > 0:
                title = f"{label}: {_pct(a)} were suspended at least once, against {_pct(c)} of other pupils"
        return charts.bar_chart_with_intervals(
            list(rows["group"]), list(rows["value"]), list(rows["lower"]), list(rows["upper"]),
            symbols=list(rows["symbol"]), unit="percent", decimals=1, threshold=self.b.threshold, counts="pupils",
            title=title, value_label="% of the group suspended at least once",
            alt=f"Bar chart with 95% intervals of the percentage of pupils suspended at least once in {self.label}, "
                "with and without each concern recorded: " + "; ".join(
                    f"{g}: {format_number_for_unit(v, 'percent', s or None, 1)}"
                    for g, v, s in zip(rows["group"], rows["value"], rows["symbol"])) + ".")
