"""Theme 20: disproportionality by ethnicity across the child's journey (the view: lookups,
words for figures, key findings).

Reads only the borough's protected results (``b.table``): one frame per stage
(``stage_<key>``) and step (``step_<key>``), the population and the 'not known' summary,
computed by :mod:`safeguarding.measures.disproportionality` and protected by the one
disclosure plan. The sections are laid out in ``disproportionality_journey``
(journey, progression) and ``disproportionality_groups`` (stages, smaller groups,
intersections).
"""

from __future__ import annotations

import math

import pandas as pd

from safeguarding.measures import disproportionality as m
from safeguarding.published.ees import period_year
from safeguarding.render.formats import (
    format_count,
    format_interval,
    format_number_for_unit,
)
from safeguarding.render.hidden import hidden_summary, hidden_words
from safeguarding.render.lookup import first_row
from safeguarding.text import plural
from safeguarding.themes.disproportionality_england import EnglandSections
from safeguarding.themes.disproportionality_groups import GroupSections
from safeguarding.themes.disproportionality_journey import JourneySections
from safeguarding.themes.disproportionality_stages import StageSections
from safeguarding.themes.disproportionality_trend import TrendSections
from safeguarding.themes.disproportionality_words import (
    CLEAR,
    COMPARED,
    SHOWN_VERDICTS,
    VERDICT_WORDS,
    as_text,
    join,
)

RRI_IDS = (f"{m.THEME}.rri_white_british", f"{m.THEME}.rri_all_others")


#: Who a first-page row counts, where the stage's name alone could be read as another count
#: (the child protection briefing counts plans starting and open; the looked-after briefing
#: children at 31 March).
COUNTED = {"cp_plan": "children starting a plan in the year",
           "looked_after": "children looked after at any time in the year"}


class DisproportionalityView(JourneySections, StageSections, EnglandSections, GroupSections, TrendSections):
    """Key findings and sections of the disproportionality briefing, from protected results."""

    def __init__(self, b):
        self.b = b
        meta = b.meta
        self.stages: dict[str, pd.DataFrame] = {k: b.table(f"stage_{k}") for k in meta["stages"]}
        self.steps: dict[str, pd.DataFrame] = {k: b.table(f"step_{k}") for k in meta["steps"]}
        self.population = b.table("population") if "population" in b.r else None
        self.not_known = b.table("not_known")
        self.unavailable: dict[str, str] = dict(meta.get("unavailable") or {})
        self.n_tests = int(meta.get("n_tests") or 1)
        #: The school year of the exclusion stages (the calendar year it ends in), or None.
        self.exclusion_year = period_year(meta["academic_year"]) if meta.get("academic_year") else None
        for mid in RRI_IDS:
            if mid not in b.used_measures:
                b.used_measures.append(mid)
        b.sources.append(f"Populations by ethnic group: ONS Census 2021 and ONS mid-year estimates. {meta['population_note']}")

    # ---- lookups ---------------------------------------------------------------------
    def row(self, frame: pd.DataFrame, group: str, level: str = "major", sex: str = m.TOTAL,
            age_band: str = m.TOTAL) -> pd.Series | None:
        return first_row(frame, group=group, level=level, sex=sex, age_band=age_band)

    def total(self, frame: pd.DataFrame) -> pd.Series | None:
        return self.row(frame, m.TOTAL, "total")

    def label(self, key: str) -> str:
        stage = m.STAGE_BY_KEY[key]
        year = self.b.meta.get("academic_year")
        return f"{stage.label} ({year})" if stage.base == "pupils" and year else stage.label

    def unit(self, key: str) -> str:
        return "per_10k" if m.STAGE_BY_KEY[key].per == 10_000 else "per_100"

    # ---- hidden figures, in words that match their reasons -----------------------------
    def why(self, row: pd.Series, counts: str = "children") -> str:
        """'is hidden: fewer than 6 children' (or another reason) for a hidden row."""
        return hidden_words(row.get("reason"), self.b.threshold, counts)

    def why_all(self, rows, counts: str = "children") -> str:
        """Why several figures are hidden, naming only the reasons that occur."""
        return hidden_summary([as_text(r.get("reason")) for r in rows], self.b.threshold, counts)

    def hidden_reasons(self, rows, ref: str = "wb", counts: str = "children") -> str:
        """Why the hidden comparisons among ``rows`` are hidden: the reasons that occur, or ''."""
        rows = [r for r in rows if self.comparison_hidden(r, ref)]
        own = [r for r in rows if as_text(r["symbol"]) == "c"]
        parts = [self.why_all(own, counts)] if own else []
        if len(own) < len(rows):
            parts.append("compared with a hidden figure for " + (f"White British {counts}" if ref == "wb" else "all other groups"))
        return ", or ".join(parts)

    def hidden_note(self, rows, ref: str = "wb", counts: str = "children") -> str:
        """'c = hidden to protect privacy: <reasons>.' for a table whose comparison cells show 'c' ('' if none)."""
        reasons = self.hidden_reasons(rows, ref, counts)
        return f"c = hidden to protect privacy: {reasons}." if reasons else ""

    def hidden_sentences(self, rows, counts: str = "children", ref: str = "wb") -> list[str]:
        """'The comparison for Mixed and Black children is hidden: fewer than 6 children.', one sentence per reason."""
        by_reason: dict[str, list[str]] = {}
        for r in rows:
            by_reason.setdefault(self.comparison_why(r, ref, counts), []).append(r["group"])
        return [f"The comparison for {join(groups)} {counts} is {why}." for why, groups in by_reason.items()]

    def comparison_hidden(self, row: pd.Series | None, ref: str = "wb") -> bool:
        return row is not None and as_text(row[f"rri_{ref}_verdict"]) == m.HIDDEN_VERDICT

    def comparison_why(self, row: pd.Series, ref: str = "wb", counts: str = "children") -> str:
        """Why a hidden comparison is hidden: 'hidden: fewer than 6 children', or the figure it is compared with."""
        if as_text(row["symbol"]) == "c":
            return self.why(row, counts).removeprefix("is ")
        against = f"White British {counts}" if ref == "wb" else "all other groups"
        return f"hidden: the figure for {against} it is compared with is hidden"

    # ---- a comparison in a cell or a sentence ------------------------------------------
    def rri_cell(self, row: pd.Series | None, ref: str = "wb", decimals: int = 1) -> str:
        """A relative rate index in a matrix cell: '1.8 higher', 'too few to say', 'c' (hidden)."""
        if row is None:
            return "x"
        verdict = as_text(row[f"rri_{ref}_verdict"])
        if verdict == m.HIDDEN_VERDICT:
            return "c"
        if verdict not in SHOWN_VERDICTS:
            return VERDICT_WORDS.get(verdict, verdict)
        return f"{format_number_for_unit(row[f'rri_{ref}'], 'ratio', decimals=decimals)} {VERDICT_WORDS[verdict]}"

    def rri_text(self, row: pd.Series, ref: str = "wb") -> str:
        """'1.85 (1.58 to 2.17)', or '' where no ratio is shown (too few, hidden, comparison group)."""
        if as_text(row[f"rri_{ref}_verdict"]) not in SHOWN_VERDICTS or pd.isna(row[f"rri_{ref}"]):
            return ""
        value = format_number_for_unit(row[f"rri_{ref}"], "ratio", decimals=2)
        lower, upper = row[f"rri_{ref}_lower"], row[f"rri_{ref}_upper"]
        if pd.isna(lower) or pd.isna(upper):
            return value
        if math.isinf(upper):
            return f"{value} ({format_number_for_unit(lower, 'ratio')} or more)"
        return f"{value} ({format_interval(lower, upper, decimals=2)})"

    def verdict_text(self, row: pd.Series, ref: str = "wb", counts: str = "children") -> str:
        if self.comparison_hidden(row, ref):
            return self.comparison_why(row, ref, counts)
        return as_text(row[f"rri_{ref}_verdict"])

    def times(self, row: pd.Series) -> str:
        return f"{format_number_for_unit(row['rri_wb'], 'ratio', decimals=1)} times as likely"

    def rate_text(self, row: pd.Series, unit: str) -> str:
        """'346 (320 to 374)': a shown rate and its interval in one cell."""
        places = 0 if unit == "per_10k" else 2
        value = format_number_for_unit(row["value"], unit, decimals=places, with_unit=False)
        if pd.isna(row["lower"]) or pd.isna(row["upper"]):
            return value
        return f"{value} ({format_interval(row['lower'], row['upper'], decimals=places, unit=unit)})"

    # ---- key findings ----------------------------------------------------------------
    def key_findings(self) -> list[str]:
        if not self.stages:
            return ["No stage of the journey could be computed: see the notes below for the tables needed."]
        out: list[str] = []
        profile = self.group_profile()
        over = sorted((g for g, p in profile.items() if p["over"]), key=lambda g: -len(profile[g]["over"]))
        for i, group in enumerate(over[:2]):
            stages = profile[group]["over"]
            parts = [f"{m.STAGE_BY_KEY[k].phrase} ({self.times(r)})" for k, r in stages[:3]]
            more = f", and at {plural(len(stages) - 3, 'other stage')}" if len(stages) > 3 else ""
            hint = " ('2 times as likely' means twice as likely as a White British child.)" if i == 0 else ""
            out.append(f"{group} children were more likely than White British children to {join(parts)}{more}.{hint}")
        under = [g for g, p in profile.items() if len(p["under"]) >= 2]
        if under:
            group = max(under, key=lambda g: len(profile[g]["under"]))
            labels = [m.STAGE_BY_KEY[k].label.lower() for k, _ in profile[group]["under"]]
            out.append(f"{group} children were less likely than White British children to be counted at "
                       f"{plural(len(labels), 'stage')} ({join(labels)}). Lower rates can mean less need, but can also mean "
                       "need that is not being seen.")
        gap = self.gap_sentences()
        if gap:
            out.append(" ".join(gap[:2]))
        out.append(self._not_known_finding())
        n_clear, n_strict = self.clear_counts()
        if n_clear:
            out.append(f"{n_clear:,} of the comparisons with White British children shown in this briefing showed a "
                       f"clear difference, and {n_strict:,} of those still hold with a much stricter test; about "
                       f"{max(1, round(self.n_tests / 20)):,} of the {self.n_tests:,} comparisons made would look like "
                       "a difference by chance alone (see 'Ethnicity with sex and school phase').")
        else:
            out.insert(0, "No ethnic group differed clearly from White British children at any stage shown: most "
                          "comparisons had too few children for a judgement, were hidden to protect privacy, or the "
                          "rates were similar. Small differences cannot be told apart from chance with numbers this size.")
        out = [x for x in out if x]
        if len(out) < 3:
            out.insert(0, self._context_finding())
        return [x for x in out if x][:6]

    def _context_finding(self) -> str:
        """How many children were counted at the main stages (for the reader's bearings)."""
        parts = []
        for key, words in (("referral", "were referred"), ("s47", "had a section 47 enquiry"),
                           ("cp_plan", "started a child protection plan"), ("looked_after", "were looked after")):
            total = self.total(self.stages[key]) if key in self.stages else None
            if total is not None:
                count = "a hidden number of" if as_text(total["symbol"]) else format_count(total["numerator"])
                parts.append(f"{count} children {words}")
        if not parts:
            return ""
        return (f"In {self.b.period_label}, {join(parts)}. Each of these stages is compared, group by group, with the "
                "number of children of the same ethnic group living in the borough (school stages with the pupils on "
                "the roll, and care leavers with all care leavers of the group).")

    def glance_rows(self) -> list[dict]:
        """First-page rows: each stage's rate for the whole borough and the groups clearly over-
        or under-represented against White British (no published comparator matches these
        counts of children, so the England columns stay empty)."""
        from safeguarding.render.glance import text_row
        rows = []
        for key, frame in self.stages.items():
            stage, unit, total = m.STAGE_BY_KEY[key], self.unit(key), self.total(frame)
            per = stage.per_words
            if total is None or as_text(total["symbol"]) or pd.isna(total["value"]):
                now = as_text(total["symbol"]) if total is not None else "x"
                now = now or "x"
            else:
                now = format_number_for_unit(total["value"], unit, decimals=0 if unit == "per_10k" else 2,
                                             with_unit=False)
            over, under, compared = [], [], 0
            for group in COMPARED:
                row = self.row(frame, group)
                verdict = as_text(row["rri_wb_verdict"]) if row is not None else ""
                compared += verdict in SHOWN_VERDICTS
                if verdict in CLEAR:
                    (over if verdict == CLEAR[0] else under).append(f"{group} {self.times(row).removesuffix(' as likely')}")
            parts = []
            if over:
                parts.append(f"more likely than White British: {join(over)}")
            if under:
                parts.append(f"less likely: {join(under)}")
            if not parts:
                parts = (["no group clearly different from White British"] if compared else
                         ["no comparison possible: too few, or hidden to protect privacy"])
            # children (or pupils) counted once each: not referrals or plans, as the front door and
            # child protection rows beside these on the first page count them
            counted = COUNTED.get(key, stage.counts)
            rows.append(text_row(f"{self.label(key)}: {counted}, each counted once ({per})", now,
                                 verdict="; ".join(parts)))
        return rows

    def group_profile(self) -> dict:
        """For each compared group, the stages (key, row) where it was clearly over- or under-represented."""
        profile = {g: {"over": [], "under": []} for g in COMPARED}
        for key, frame in self.stages.items():
            for group in COMPARED:
                row = self.row(frame, group)
                verdict = as_text(row["rri_wb_verdict"]) if row is not None else ""
                if verdict in CLEAR:
                    profile[group]["over" if verdict == CLEAR[0] else "under"].append((key, row))
        return profile

    def _not_known_finding(self) -> str:
        nk = self.not_known
        shown = nk[(nk["symbol"] != "c") & nk["value"].notna()]
        hidden = nk[nk["symbol"] == "c"]
        if len(hidden) and (shown.empty or shown["value"].max() == 0):
            return (f"At {plural(len(hidden), 'stage')} the number of children with no recorded ethnicity is hidden "
                    f"({self.why_all([r for _, r in hidden.iterrows()])}). Partners are asked to record ethnicity "
                    "for every child.")
        if shown.empty:
            return ""
        worst = shown.loc[shown["value"].idxmax()]
        if worst["value"] == 0:
            return "Ethnicity was recorded for every child counted at every stage shown."
        return (f"Ethnicity was not recorded for {format_count(worst['numerator'])} of {format_count(worst['denominator'])} "
                f"children at the '{worst['group']}' stage ({worst['value']:.1f}%), the highest share shown. These "
                "children cannot be counted in any group's rate. Partners are asked to record ethnicity for every child.")

    def clear_counts(self) -> tuple[int, int]:
        """Shown comparisons with a clear difference, and those that also pass the stricter test."""
        n_clear = n_strict = 0
        for frame in m.reported_comparisons(self.stages, self.steps):
            clear = frame["rri_wb_verdict"].isin(CLEAR)
            n_clear += int(clear.sum())
            n_strict += int((clear & (frame["rri_wb_strict"] == "yes")).sum())
        return n_clear, n_strict



VIEW = DisproportionalityView
