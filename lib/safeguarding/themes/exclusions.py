"""Theme 30: school exclusions and suspensions (the view: key findings and sections).

The view reads the borough's protected results (``b.table(name)``) and the facts the
measures module put in ``b.meta`` (the school year shown, the years of the trend, which
children's social care tables were linked); it computes no measure and hides nothing
itself. Sections are laid out in ``exclusions_groups`` and ``exclusions_trend``.
"""

from __future__ import annotations

import dataclasses

import pandas as pd

from safeguarding.issues import InputError
from safeguarding.measures import exclusions as m
from safeguarding.measures import stats
from safeguarding.measures.registry import get as spec
from safeguarding.render.comparisons import pick, symbol_of, within_funnel
from safeguarding.render.count_rate_tables import legend
from safeguarding.render.formats import format_number_for_unit
from safeguarding.render.hidden import PROTECTS
from safeguarding.render.sentences import describe_comparison, upper_first
from safeguarding.results.cells import EITHER
from safeguarding.themes.exclusions_groups import GroupSections, pupils_in
from safeguarding.themes.exclusions_concerns import ConcernSections
from safeguarding.themes.exclusions_social_care import SocialCareSections
from safeguarding.themes.exclusions_trend import FUNNEL_KIND, LAIT, TrendSections


class ExclusionsView(GroupSections, SocialCareSections, ConcernSections, TrendSections):
    """Key findings and sections of the exclusions briefing, from the borough's protected results."""

    def __init__(self, b):
        self.b = b
        self.r: dict[str, pd.DataFrame] = {name: b.table(name) for name in b.r}
        meta = b.meta
        self.year, self.label = int(meta["year"]), meta["label"]
        self.shown_period = self.label  # the briefing header names the school year
        self.published_year = self.year  # published figures are matched to that school year
        self.years = [int(y) for y in meta["years"]]
        self.later_years = [int(y) for y in meta["later_years"]]

    # ---- words for figures -----------------------------------------------------------
    def _fmt(self, row, unit=None, column="value"):
        """A value as shown (its symbol when hidden)."""
        if row is None:
            return "x"
        sp = spec(row["measure_id"])
        unit = unit or sp.unit
        decimals = None if unit == "count" else sp.decimals
        return format_number_for_unit(row[column], unit, symbol_of(row), decimals)

    def _hidden(self, row) -> str:
        """Why a row's figure is hidden, in words that match its reason."""
        reason, fewer = str(row.get("reason", "") or ""), f"fewer than {self.b.threshold + 1}"
        if reason == "primary":
            return fewer
        if reason == m.SMALL_GROUP:
            return f"{fewer}: not shown for the group because the whole group it belongs to had {fewer}"
        if reason == "primary denominator":
            return f"hidden because it is out of {fewer}"
        if reason.startswith(EITHER):
            return f"{fewer}, or hidden {PROTECTS}"
        return f"hidden {PROTECTS}"

    def _count(self, row, column="numerator", noun=""):
        """A count in words; its reason for being hidden when it is."""
        noun = f" {noun}" if noun else ""
        if row is None or pd.isna(row[column]):
            if row is not None and symbol_of(row) == "c":
                reason = str(row.get("reason", "") or "")
                if reason in ("primary", m.SMALL_GROUP):
                    return f"fewer than {self.b.threshold + 1}{noun}"
                if reason.startswith(EITHER):
                    return f"a number of{noun} ({self._hidden(row)})"
                return f"a number of{noun} {self._hidden(row)}"
            return f"an unknown number of{noun}"
        return f"{int(row[column]):,}{noun}"

    def _legend(self, used, note: str = "") -> str:
        return legend(used, self.b.threshold, "exclusions or pupils", note)

    # ---- years and comparisons -------------------------------------------------------
    def _why_year(self) -> str:
        start, end = m.academic_year_bounds(self.year)
        text = (f"Figures are for the school year {self.label} ({start:%B %Y} to {end:%B %Y}): the latest complete "
                f"school year in the data before the end of this briefing's period ({pd.Timestamp(self.b.period_end):%d %B %Y}).")
        if self.later_years:
            text += (f" {', '.join(m.year_label(y) for y in self.later_years)} is not shown because it had not finished by then, "
                     "and a part year would understate exclusions.")
        return text

    def _previous(self, measure_id):
        y = self.r["yearly"]
        sub = y[y["measure_id"] == measure_id]
        return sub.iloc[-2] if len(sub) >= 2 else None

    def _change_words(self, measure_id, kind) -> str:
        """'up from 2.90 per 100 in 2022/23 (a change within the range expected by chance)'."""
        now, prev = pick(self.r["headline"], measure_id), self._previous(measure_id)
        if prev is None or symbol_of(prev) or symbol_of(now) or pd.isna(prev["value"]) or pd.isna(now["value"]):
            return ""
        test = stats.change_within_noise(prev["numerator"], prev["denominator"], now["numerator"], now["denominator"], kind=kind)
        shown_now, shown_prev = self._fmt(now), self._fmt(prev)
        if shown_now == shown_prev:
            return f"the same as in {prev['period']}"
        direction = "up" if now["value"] > prev["value"] else "down"
        noise = ("a change within the range expected by chance" if test.within_noise
                 else "more than chance alone would explain")
        return f"{direction} from {shown_prev} in {prev['period']} ({noise})"

    def _lait(self, mid):
        """The published comparison for a headline rate, matched to the school year, with each
        other LA's pupils estimated (LAIT publishes the rates without them), so that the funnel
        plot and every 'than England' verdict in the briefing use the same limits."""
        comp = self._published(LAIT[mid], self.year)
        if comp is None:
            return None
        if comp.all_las["denominator"].notna().any():
            return comp
        las = comp.all_las.copy()
        las["denominator"] = las["dfe_number"].map(m.estimated_pupils_by_la(comp.year, self.b.published_dir))
        return dataclasses.replace(comp, all_las=las)

    def published_for_glance(self, mid, published_id):
        """The first page's comparison: the same as the section's (see :meth:`_lait`)."""
        return self._lait(mid) if mid in LAIT else self.b.compare(published_id)

    def _published(self, measure_id, year=None):
        try:
            return self.b.compare(measure_id, year)
        except InputError:
            return None

    # ---- key findings ----------------------------------------------------------------
    def key_findings(self) -> list[str]:
        h = self.r["headline"]
        perm, susp = pick(h, "exclusions.permanent_rate"), pick(h, "exclusions.suspension_rate")
        one, rep = pick(h, "exclusions.one_plus_suspension_pct"), pick(h, "exclusions.repeat_suspension_pct")
        out = [self._volume_sentence(perm, susp)]
        if not symbol_of(one):
            text = (f"{self._count(one, noun='pupils')} ({self._fmt(one)} of all pupils) were suspended at least once: each "
                    "pupil counts once however often they were suspended.")
            if rep is not None and not symbol_of(rep):
                text += f" Of those pupils, {self._fmt(rep)} were suspended more than once."
            out.append(text)
        comparison = self._england_sentence(perm, susp)
        if comparison:
            out.append(comparison)
        change = self._change_words("exclusions.suspension_rate", "rate")
        if change:
            out.append(f"The suspension rate was {self._fmt(susp)} pupils in {self.label}, {change}.")
        group = self._most_affected_group()
        if group:
            out.append(group)
        recording = self._recording_sentence()
        if recording:
            out.append(recording)
        return out[:6]

    def _volume_sentence(self, perm, susp) -> str:
        pupils = perm["denominator"]
        if pd.isna(pupils) or pupils <= 0:
            return f"In {self.label} the pupil roll is not available, so rates per 100 pupils cannot be worked out."
        rate = lambda row: "" if symbol_of(row) else f" ({self._fmt(row)} pupils)"
        return (f"In {self.label}, the latest complete school year, schools recorded "
                f"{self._count(perm, noun='permanent exclusions')}{rate(perm)} and "
                f"{self._count(susp, noun='suspensions')}{rate(susp)}, among {int(pupils):,} pupils on roll.")

    def _england_sentence(self, perm, susp) -> str:
        """The suspension and permanent exclusion rates against England's (shown figures only)."""
        b, parts = self.b, []
        for row, mid, label in ((susp, "exclusions.suspension_rate", "suspension rate"),
                                (perm, "exclusions.permanent_rate", "permanent exclusion rate")):
            comp = self._lait(mid)
            if comp is None or symbol_of(row) or pd.isna(row["value"]):
                continue
            parts.append(describe_comparison(
                label, row["value"], comp.england, f"England ({comp.year_label})", "lower_better", "per_100",
                within_funnel(row["value"], None, row["denominator"], comp.england, "per_100", FUNNEL_KIND[mid], comp),
                area_name=b.area.name, comparator_symbol=comp.england_symbol, decimals=2, threshold=b.threshold,
                counts="exclusions"))
        return " ".join(parts) + " For exclusions, DfE counts lower as better." if parts else ""

    def _recording_sentence(self) -> str:
        o = self.r["other"]
        rows = [pick(o, "exclusions.reason_other_or_unmapped_pct", m.CATEGORIES[c], self.label) for c in m.CATEGORIES]
        flagged = [x for x in rows if x is not None and (symbol_of(x) == "c" or (x["numerator"] or 0) > 0)]
        parts = [f"{self._count(x)} of {int(x['denominator']):,} {x['group'].lower()}"
                 + (f" ({self._fmt(x)})" if not symbol_of(x) else "") for x in flagged if not pd.isna(x["denominator"])]
        if not parts:
            return ""
        return (f"Recording: {' and '.join(parts)} in {self.label} were recorded as 'Other' or with a reason "
                "code not valid that year, so the reason cannot be analysed (see Reasons recorded).")

    def _most_affected_group(self) -> str | None:
        """The group with the highest share of pupils suspended, where the difference from all
        pupils is clear (intervals do not overlap) and at least 10 pupils were suspended."""
        allp = pick(self.r["headline"], "exclusions.one_plus_suspension_pct")
        if allp is None or symbol_of(allp):
            return None
        candidates = []
        sc = self.r["social_care"]
        frames = [("social_care", sc[(sc["measure_id"] == "exclusions.social_care_one_plus_sus_pct") & (sc["group"] != m.ALL_PUPILS)])]
        for key in ("sen", "fsm", "ethnicity", "sex"):
            f = self.r[key]
            frames.append((key, f[f["measure_id"] == "exclusions.one_plus_suspension_pct"]))
        for key, frame in frames:
            for _, row in frame.iterrows():
                if symbol_of(row) or pd.isna(row["value"]) or row["numerator"] < 10 or \
                        row["group"] in (m.NOT_KNOWN, m.NOT_RECORDED, "Not known"):
                    continue
                if row["lower"] > allp["upper"]:
                    candidates.append((row["value"] / allp["value"], key, row))
        if not candidates:
            return None
        ratio, key, row = max(candidates, key=lambda c: c[0])
        return (f"{upper_first(pupils_in(key, row['group']))} were the most likely to be suspended: "
                f"{self._fmt(row, 'percent')} were suspended at least once ({int(row['numerator']):,} of "
                f"{int(row['denominator']):,}), about {ratio:.1f} times the share for all pupils ({self._fmt(allp, 'percent')}).")


VIEW = ExclusionsView
