"""Sections of the care leavers briefing (theme 40): tables, charts and the words around them.

A mixin for :class:`safeguarding.themes.neet.NeetView`, which provides the lookups (``row``,
``shown``, ``comparison``, ``changes``) and the sentences (``share_sentence``, ...).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from safeguarding.measures import care_leavers as m
from safeguarding.measures import stats
from safeguarding.measures.registry import get as spec
from safeguarding.render import charts
from safeguarding.render.blocks import HtmlBlock, join_blocks, paragraph
from safeguarding.render.comparisons import (
    pick,
    published_comparison_block,
    published_trend_block,
    symbol_of,
)
from safeguarding.render.formats import format_number_for_unit
from safeguarding.render.tables import html_table
from safeguarding.themes.neet_comparators import (
    COUNTS,
    REASON_WORDS,
    TRENDED,
    ComparatorSections,
)


class NeetSections(ComparatorSections):
    # ---- pieces ----------------------------------------------------------------------
    def _band_caption(self, title: str, band: str) -> str:
        total = self.row(m.COHORT, band)
        n = f"all {int(total['value']):,}" if self.shown(total) else "all of them (number hidden)"
        return f"{title}: care leavers {m.BAND_WORDS[band]}; percentages are of {n}"

    def _band_table(self, mids, band: str, title: str, with_england: bool = False) -> HtmlBlock:
        """One age band: measure, number, per cent, interval (and England, neighbours' median)."""
        rows = []
        for mid in mids:
            r = self.row(mid, band)
            row = {"measure": spec(mid).label, "numerator": r["numerator"], "value": r["value"], "lower": r["lower"],
                   "upper": r["upper"], "symbol": symbol_of(r) or ""}
            if with_england:
                comp = self.comparison(mid, band)
                row |= {"england": comp.england if comp is not None else np.nan,
                        "england_symbol": (comp.england_symbol or "") if comp is not None else "x",
                        "sn_median": comp.sn_median if comp is not None else np.nan,
                        "sn_median_symbol": "" if comp is not None and not pd.isna(comp.sn_median) else "x"}
            rows.append(row)
        columns = {"measure": "Measure", "numerator": "Care leavers", "value": "Per cent", "interval": "95% interval"}
        units = {"value": "percent", "numerator": "count"}
        note = None
        if with_england:
            columns |= {"england": "England", "sn_median": "Neighbours"}
            units |= {"england": "percent", "sn_median": "percent"}
            note = (f"England and Neighbours (the median of the ten statistical neighbours' published figures, shown when at least four publish one), published figures for "
                    f"{self._published_year()}; x = no published figure to compare with.")
        return html_table(pd.DataFrame(rows), columns, caption=self._band_caption(title, band), units=units,
                          decimals={"value": 0, "england": 0, "sn_median": 0}, threshold=self.b.threshold, counts=COUNTS,
                          note=note)

    def _bars(self, items, title: str, alt_intro: str, note: str | None = None,
              value_label: str = "Per cent of all care leavers in the age group"):
        """Bar chart with intervals for (label, row) pairs."""
        labels = [label for label, _ in items]
        values = [r["value"] for _, r in items]
        symbols = [symbol_of(r) or "" for _, r in items]
        alt = alt_intro + ": " + "; ".join(f"{lab}: {format_number_for_unit(v, 'percent', s or None, decimals=0)}"
                                           for lab, v, s in zip(labels, values, symbols)) + "."
        return charts.bar_chart_with_intervals(labels, values, [r["lower"] for _, r in items], [r["upper"] for _, r in items],
                                               title=title, alt=alt, unit="percent", symbols=symbols, decimals=0,
                                               value_label=value_label, threshold=self.b.threshold, counts=COUNTS, note=note)

    # ---- sections --------------------------------------------------------------------
    def section_overview(self) -> HtmlBlock:
        b = self.b
        intro = ("Care leavers are young people who were looked after by the council for at least 13 weeks after their 14th "
                 "birthday, including some time after they turned 16. The council keeps in touch with them and records, around "
                 "each birthday from 17 to 21, what they are doing and where they live. They are counted in two age groups by "
                 f"their age on their birthday in {b.period_label}, as the Department for Education (DfE) publishes them. "
                 "Every percentage is of all care leavers in the age group, including those the council was not in touch with, "
                 "so the figures can be compared with England and other areas.")
        counts = []
        for band in m.BANDS:
            total = self.row(m.COHORT, band)
            counts.append(f"{int(total['value']):,} care leavers {m.BAND_WORDS[band]}" if self.shown(total) else
                          f"a number of care leavers {m.BAND_WORDS[band]} that {self.hidden(total)}")
        cohort = f"In {b.period_label} the council's return lists {' and '.join(counts)}."
        items = [(f"{TRENDED[mid]}, {m.BAND_WORDS[band]}", self.row(mid, band))
                 for band in m.BANDS for mid in ("neet.eet_pct", "neet.neet_pct", "neet.activity_not_known_pct")]
        neet_old = self.row("neet.neet_pct", "19-21")
        if self.shown(neet_old) and round(neet_old["value"] / 10) > 0:
            tenths = round(neet_old["value"] / 10)
            title = (f"About {tenths} in 10 care leavers aged 19 to 21 {'was' if tenths == 1 else 'were'} not in education, "
                     "employment or training")
        else:
            title = "Care leavers in education, employment or training (EET), NEET, or with activity not known"
        chart = self._bars(items, title, "Bar chart with 95% intervals of the percentage of care leavers in each activity group",
                           note="EET: in education, employment or training. NEET: not in education, employment or training.")
        tables = [self._band_table((*m.ACTIVITY_PARTS, "neet.accommodation_suitable_pct", *m.CONTACT_PARTS), band,
                                   f"Care leavers in {b.period_label}") for band in m.BANDS]
        contact = ("Contact comes first: the council cannot know what a young person is doing if it is not in touch with "
                   "them, so every care leaver not in touch counts as 'activity not known'. 'Not in touch' includes young "
                   "people who refused contact, no longer need services, returned home for six months or more, or died, "
                   "and those with no contact status recorded.")
        return join_blocks(paragraph(intro), paragraph(f"{cohort} {self._changes_summary()}".strip()), chart, *tables,
                           paragraph(contact))

    def section_neet_reasons(self) -> HtmlBlock:
        b = self.b
        text = ("Care leavers who are not in education, employment or training (NEET) are recorded with one of three reasons: "
                "illness or disability; pregnancy or parenting; or other reasons (for example looking for work, or not "
                "engaging). The reasons matter because they call for different help. Each percentage is of all care leavers "
                "in the age group.")
        sentences = []
        for band in m.BANDS:
            total = self.row("neet.neet_pct", band)
            parts = [self.share_sentence("neet.neet_pct", band)]
            if self.shown(total) and total["numerator"] > 0:
                reasons = [(mid, self.row(mid, band)) for mid in m.NEET_REASONS]
                words = [f"{int(r['numerator']):,} because of {REASON_WORDS[mid]}" if mid != "neet.neet_other_pct" else
                         f"{int(r['numerator']):,} for other reasons" for mid, r in reasons if self.shown(r)]
                if words:
                    rest = [r for _, r in reasons if not self.shown(r)]
                    parts.append(f"Of them, {', '.join(words)}"
                                 + (f"; the other numbers are hidden ({self.hidden_rows(rest)})." if rest else "."))
            sentences.append(paragraph(" ".join(p for p in parts if p)))
        items = [(f"{REASON_WORDS[mid].capitalize()}, {m.BAND_WORDS[band]}", self.row(mid, band))
                 for band in m.BANDS for mid in m.NEET_REASONS]
        title = "Reasons for being NEET, by age group"
        for band in reversed(m.BANDS):  # the older group first: more care leavers, so a steadier picture
            rows = [(mid, self.row(mid, band)) for mid in m.NEET_REASONS]
            if all(self.shown(r) for _, r in rows):
                (top, best), runner_up = sorted(rows, key=lambda x: -x[1]["value"])[:2]
                if best["numerator"] > runner_up[1]["numerator"]:
                    title = f"The most common reason for being NEET {m.BAND_WORDS[band]} was {REASON_WORDS[top]}"
                break
        chart = self._bars(items, title, "Bar chart with 95% intervals of the percentage of care leavers NEET for each reason")
        tables = [self._band_table((*m.EET_PARTS, *m.NEET_REASONS, "neet.activity_not_recorded_pct", "neet.activity_not_known_pct"),
                                   band, f"What care leavers were doing in {b.period_label}", with_england=True)
                  for band in m.BANDS]
        gap = [self.row("neet.activity_not_recorded_pct", band) for band in m.BANDS]
        gap_text = ("'In touch, but activity not recorded' is a recording gap: those young people count as 'not known', which "
                    "lowers both the EET and NEET percentages." if any(not self.shown(g) or g["numerator"] > 0 for g in gap)
                    else "Every care leaver the council was in touch with had an activity recorded.")
        return join_blocks(paragraph(text), *sentences, chart, *tables, paragraph(gap_text))

    def section_accommodation(self) -> HtmlBlock:
        b = self.b
        text = ("For each care leaver the council records the type of accommodation and whether it considers it suitable. "
                "Unsuitable accommodation includes bed and breakfast, no fixed abode and custody, and any other accommodation "
                "judged unsafe or unsuitable for the young person. A higher suitable percentage is better.")
        sentences = []
        for band in m.BANDS:
            parts = [self.share_sentence("neet.accommodation_suitable_pct", band),
                     self.against_published("neet.accommodation_suitable_pct", band),
                     self.change_words("neet.accommodation_suitable_pct", band, "This")]
            sentences.append(paragraph(" ".join(p for p in parts if p)))
        items = [(f"{lab}, {m.BAND_WORDS[band]}", self.row(mid, band)) for band in m.BANDS
                 for mid, lab in (("neet.accommodation_suitable_pct", "Suitable"), ("neet.accommodation_unsuitable_pct", "Not suitable"),
                                  ("neet.accommodation_not_known_pct", "Not known"))]
        old = self.row("neet.accommodation_suitable_pct", "19-21")
        title = (f"{self._pct(old['value'])} of care leavers aged 19 to 21 were in suitable accommodation" if self.shown(old)
                 else "Care leavers in suitable accommodation")
        chart = self._bars(items, title, "Bar chart with 95% intervals of the percentage of care leavers by suitability of accommodation")
        tables = [self._band_table((*m.ACCOMMODATION_PARTS, "neet.accommodation_not_recorded_pct"), band,
                                   "Suitability of accommodation", with_england=True) for band in m.BANDS]
        main = self.r["main"]
        type_tables = [html_table(main[main["breakdown"] == m.breakdown_key("accommodation type", band)],
                                  {"group": "Type of accommodation", "numerator": "Care leavers", "value": "Per cent",
                                   "interval": "95% interval"},
                                  caption=self._band_caption("Where care leavers were living", band),
                                  units={"value": "percent"}, decimals={"value": 0}, threshold=b.threshold, counts=COUNTS)
                       for band in m.BANDS]
        return join_blocks(paragraph(text), *sentences, chart, *tables, HtmlBlock("<h3>Type of accommodation</h3>"),
                           paragraph("Care leavers whose accommodation is not known are counted in the suitability tables "
                                     "above, not in these."), *type_tables)

    def _group_verdict(self, frame: pd.DataFrame, dimension: str) -> tuple[str, str]:
        """Chart title and sentence for the group with the highest NEET percentage, tested against the other care
        leavers (only when everyone's figures are shown: the rest is everyone less the group)."""
        groups, total = frame[frame["breakdown"] != "age_band"], pick(frame[frame["breakdown"] == "age_band"], "neet.neet_pct")
        shown = groups[(groups["symbol"].fillna("") == "") & groups["value"].notna() & (groups["group"] != m.NOT_RECORDED)]
        if shown.empty:
            return f"NEET care leavers by {dimension}", ""
        top = shown.loc[shown["value"].idxmax()]
        who = f"{top['group'].lower() if dimension == 'sex' else top['group']} care leavers {m.BAND_WORDS[m.ALL_BANDS]}"
        if not self.shown(total):
            return (f"NEET care leavers by {dimension}",
                    (f"The highest NEET percentage shown was among {who} ({self._pct(top['value'])}); it cannot be tested "
                    "against the other care leavers of that age, whose figures are hidden."))
        test = stats.change_within_noise(total["numerator"] - top["numerator"], total["denominator"] - top["denominator"],
                                         top["numerator"], top["denominator"])
        if test.within_noise:
            return (f"NEET by {dimension}: no group stands out by more than chance would give",
                    (f"The highest NEET percentage was among {who} ({self._pct(top['value'])}), but the difference from "
                    f"the other care leavers of that age is small enough to be chance."))
        return (f"NEET by {dimension}: {self._pct(top['value'])} of {who} were NEET, more than chance would give",
                (f"{self._pct(top['value'])} of {who} were NEET ({int(top['numerator']):,} of {int(top['denominator']):,}): "
                "higher than among the other care leavers of that age by more than chance would usually give."))

    def section_groups(self) -> HtmlBlock:
        if "sex" not in self.r:
            return paragraph("The SSDA903 header table (which holds each young person's sex and ethnicity) was not provided, "
                             "so care leavers cannot be broken down by sex or ethnicity. Add the Header file to the raw folder "
                             "beside the OC3 file and run ingest again.")
        parts = [paragraph("NEET care leavers by sex and by ethnicity (from the SSDA903 header, joined on the child's "
                           "identifier). Both age groups are taken together here (17 to 21), so that fewer groups are too small "
                           "to show; each percentage is of all care leavers of that group. Groups are small, so intervals are "
                           "wide and differences are tested against chance before they are called differences.")]
        for dimension, heading in (("sex", "Sex"), ("ethnicity", "Ethnicity")):
            frame = self.r[dimension].copy()
            frame["group"] = frame["group"].where(frame["breakdown"] != "age_band", "All care leavers")
            items = [(g, r) for g, (_, r) in zip(frame["group"], frame.iterrows())]
            title, verdict = self._group_verdict(frame, dimension)
            words = [self.sex_gap(m.ALL_BANDS)] if dimension == "sex" else [verdict]
            if frame["value"].notna().any():
                body = self._bars(items, title, f"Bar chart with 95% intervals of the percentage of care leavers aged 17 to 21 "
                                                f"who were NEET, by {dimension}",
                                  value_label="Per cent NEET, of all care leavers aged 17 to 21 of the group")
            else:
                body = paragraph(f"Every NEET figure by {dimension} is hidden "
                                 f"({self.hidden_rows([r for _, r in frame.iterrows()])}).")
            notes = []
            if (frame["group"] == m.NOT_RECORDED).any():
                notes.append("'Not recorded': the young person has no row in the header, or no code.")
            if dimension == "ethnicity":
                notes.append("Ethnic groups are the DfE major groups; 'Not known' means refused or not obtained.")
            table = html_table(frame, {"group": heading, "numerator": "NEET", "denominator": "Care leavers",
                                       "value": "Per cent NEET", "interval": "95% interval"},
                               caption=f"NEET care leavers aged 17 to 21 by {dimension}: percentages are of all care leavers "
                                       "of the group",
                               units={"value": "percent"}, decimals={"value": 0}, threshold=self.b.threshold, counts=COUNTS,
                               note=" ".join(notes) or None)
            parts += [HtmlBlock(f"<h3>{heading}</h3>"), paragraph(" ".join(w for w in words if w)) if any(words) else None,
                      body, table]
        return join_blocks(*parts)

    #: Further published series over time, per band: (own measure, published id, label, phrase, note).
    OTHER_TRENDS = (
        ("neet.accommodation_suitable_pct", None, "In suitable accommodation", "share of care leavers {band} in "
         "suitable accommodation", ""),
        ("neet.no_contact_pct", "care_leavers.19_21.not_in_touch_pct", "Not in touch", "share of care leavers {band} "
         "the council was not in touch with", "DfE's figure (from its Local Authority Interactive Tool) leaves out young "
         "people whose activity a third party reported; the borough's own figure counts everyone not in touch, "
         "including those who refused contact or no longer needed it, so it can be a little higher."),
    )

    def _other_trends(self, band: str) -> list[HtmlBlock]:
        """Suitable accommodation and (aged 19 to 21, the only band DfE publishes) not in touch:
        the borough's own latest figure and the published series, against its comparators."""
        out = []
        for mid, published, label, phrase, note in self.OTHER_TRENDS:
            pid = published or m.published_id(mid, band)
            if published and not published.startswith(f"care_leavers.{band.replace('-', '_')}."):
                continue
            row = self.row(mid, band)
            if row is None:
                continue
            # the year-on-year test needs the published counts of last year (EES files, not LAIT)
            change = None if published else self._year_on_year(mid, band)["test"]
            out.append(HtmlBlock(f"<h4>{label}, {m.BAND_WORDS[band]}</h4>"))
            if note:
                out.append(paragraph(note))
            out.append(published_trend_block(self.b, spec(mid), pid, row, label=f"{label}, {m.BAND_WORDS[band]}",
                                             phrase=phrase.format(band=m.BAND_WORDS[band]),
                                             within_noise=None if change is None else bool(change.within_noise)))
        return out

    def section_comparators(self) -> HtmlBlock:
        b = self.b
        parts = [paragraph(f"How the borough compares with England, {b.area.region} and its ten statistical neighbours (the most similar "
                           "areas in DfE's model). The latest year uses the borough's own records; earlier years and other "
                           "areas are DfE's published figures. In the funnel plot each dot is a local authority: areas outside "
                           "the dashed lines differ from England by more than chance would usually give.")]
        for band in m.BANDS:
            row = self.row("neet.neet_pct", band)
            label, phrase = f"NEET, {m.BAND_WORDS[band]}", f"share of care leavers {m.BAND_WORDS[band]} who were NEET"
            parts.append(HtmlBlock(f"<h3>Care leavers {m.BAND_WORDS[band]}</h3>"))
            parts.append(published_comparison_block(b, spec("neet.neet_pct"), m.published_id("neet.neet_pct", band), row["value"],
                                                    symbol_of(row), borough_n=row["denominator"], borough_k=row["numerator"],
                                                    label=label, phrase=phrase, reason=row.get("reason")))
            test = self.changes[("neet.neet_pct", band)]["test"]
            parts.append(published_trend_block(b, spec("neet.neet_pct"), m.published_id("neet.neet_pct", band), row,
                                               label=label, phrase=phrase,
                                               within_noise=None if test is None else bool(test.within_noise)))
            parts += self._other_trends(band)
        parts += [HtmlBlock("<h3>Other measures against comparators</h3>"), self._summary_table()]
        return join_blocks(*parts)
