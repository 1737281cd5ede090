"""Theme 60: child protection (the view: figures in words, sections and key findings).

Reads only the borough's protected results (``b.table``) and DfE's published figures. Each
figure DfE also publishes is set beside England, the region and the statistical neighbours
for the matching year (:func:`published_comparison_block`) and over the years
(:func:`published_trend_block`); a difference is only called one when it is more than chance.
"""

from __future__ import annotations

from safeguarding.issues import InputError
from safeguarding.measures import child_protection as m
from safeguarding.render.blocks import join_blocks, paragraph
from safeguarding.themes.cin_view import CinView

P = m.P
#: The measures compared with England, the region and neighbours, and over the years.
COMPARED = ("s47_rate_per_10k", "icpc_within_15_days_pct", "starts_rate_per_10k", "open_rate_per_10k",
            "second_subsequent_pct", "open_two_years_pct")
#: What each compared measure says, after "<borough>'s ...".
PHRASES = {"s47_rate_per_10k": "rate of section 47 enquiries per 10,000 children",
           "icpc_within_15_days_pct": "share of initial conferences held within 15 working days",
           "starts_rate_per_10k": "rate of child protection plans starting per 10,000 children",
           "open_rate_per_10k": "rate of child protection plans at 31 March per 10,000 children",
           "second_subsequent_pct": "share of plans starting that were a second or subsequent plan",
           "open_two_years_pct": "share of plans at 31 March that had lasted two years or more"}


class ChildProtectionView(CinView):
    """Key findings and sections of the child protection briefing, from protected results."""

    measures = m
    compared = COMPARED
    phrases = PHRASES
    check = "CP01"
    counts = "plans"

    # ---- key findings ----------------------------------------------------------------
    def key_findings(self) -> list[str]:
        out = [self.count_and_rate("s47_enquiries", "s47_rate_per_10k", "section 47 enquiries starting in the year",
                                   "enquiries"),
               self.share("icpc_within_15_days_pct", "were held within 15 working days of the enquiry starting "
                          "(higher is better)", "initial conferences held in the year"),
               self.count_and_rate("plans_started", "starts_rate_per_10k", "child protection plans starting in the year",
                                   "plans"),
               self.count_and_rate("plans_open", "open_rate_per_10k", "child protection plans open on 31 March", "plans"),
               self.share("second_subsequent_pct", "were for a child who had been on a plan before",
                          "plans starting in the year"),
               self.leading("initial_category_pct", "initial_category", "initial category of abuse")]
        return [t for t in out if t]

    # ---- sections --------------------------------------------------------------------
    def section_enquiries(self):
        return join_blocks(
            paragraph(" ".join(t for t in (
                self.count_and_rate("s47_enquiries", "s47_rate_per_10k", "section 47 enquiries starting in the year",
                                    "enquiries"),
                self.share("icpc_after_s47_pct", "led to an initial child protection conference",
                           "section 47 enquiries starting in the year"),
                self.share("icpc_within_15_days_pct", "were held within 15 working days of the enquiry starting "
                           "(higher is better)", "initial conferences held in the year")) if t)),
            self._figures(("s47_enquiries", "s47_rate_per_10k", "icpc_after_s47_pct", "icpcs", "icpc_within_15_days_pct"),
                          "Section 47 enquiries and initial conferences"),
            self._compared("s47_rate_per_10k"), self._compared("icpc_within_15_days_pct"))

    def section_plans(self):
        ended = self.row("plans_ended")
        ended_text = (f"{int(ended['value']):,} plans ended in the year." if self.shown(ended)
                      else f"The number of plans that ended {self.hidden(ended, 'plans')}.")
        return join_blocks(
            paragraph(" ".join((self.count_and_rate("plans_started", "starts_rate_per_10k",
                                                    "child protection plans starting in the year", "plans"),
                                ended_text,
                                self.count_and_rate("plans_open", "open_rate_per_10k",
                                                    "child protection plans open on 31 March", "plans")))),
            self._figures(("plans_started", "starts_rate_per_10k", "plans_ended", "plans_open", "open_rate_per_10k"),
                          "Child protection plans"),
            self._compared("starts_rate_per_10k"), self._compared("open_rate_per_10k"))

    def section_repeat_and_duration(self):
        return join_blocks(
            paragraph(" ".join(t for t in (
                self.share("second_subsequent_pct", "were for a child who had been on a plan before (lower is better)",
                           "plans starting in the year"),
                self.share("open_two_years_pct", "had lasted two years or more", "plans open on 31 March"),
                self.share("ended_two_years_pct", "had lasted two years or more", "plans that ended in the year"))
                if t)),
            self._figures(("second_subsequent_pct", "open_two_years_pct", "ended_two_years_pct"),
                          "Repeat plans and long plans"),
            self._compared("second_subsequent_pct"), self._compared("open_two_years_pct"))

    def section_categories(self):
        words = " ".join(t for t in (self.leading("initial_category_pct", "initial_category", "initial category of abuse"),
                                     self.leading("latest_category_pct", "latest_category",
                                                  "latest category of abuse of plans open on 31 March")) if t)
        return join_blocks(paragraph(words or self.not_named("The categories of abuse", ("initial_category_pct", "initial_category"),
                                                                    ("latest_category_pct", "latest_category"))),
                           self.b.show(P + "initial_category_pct", view="bar"),
                           self.b.show(P + "latest_category_pct", view="bar"))

    def section_who(self):
        parts = [paragraph(" ".join(t for t in (
            self.leading("started_by_group_pct", "age", "age group at the start of a plan"),
            "Ethnic groups are compared in the disproportionality briefing; the rates per 10,000 children of each "
            "group starting a plan are repeated here.") if t)),
                 self.b.show(P + "started_by_group_pct", view="bar", breakdown="age",
                             caption=f"Plans starting, by age at the start of the plan, {self.b.period_label}"),
                 self.b.show(P + "started_by_group_pct", breakdown="sex",
                             caption=f"Plans starting, by sex, {self.b.period_label}")]
        try:
            parts.append(self.b.show("disproportionality.cp_plan_rate_per_10k", view="bar", breakdown="ethnicity"))
        except InputError as exc:
            parts.append(paragraph(f"Rates by ethnic group are not available: {exc}"))
        return join_blocks(*parts)

VIEW = ChildProtectionView
