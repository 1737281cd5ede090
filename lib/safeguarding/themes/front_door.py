"""Theme 50: front door and referrals (the view: figures in words, sections and key findings).

Reads only the borough's protected results and DfE's published figures, through
:class:`~safeguarding.themes.cin_view.CinView`; a difference from England is only called one
when it is more than chance (funnel test, widened for the usual spread between authorities).
"""

from __future__ import annotations

from safeguarding.issues import InputError
from safeguarding.measures import front_door as m
from safeguarding.render.blocks import join_blocks, paragraph
from safeguarding.themes.cin_view import CinView

P = m.P
COMPARED = ("referral_rate_per_10k", "rereferral_pct", "nfa_pct", "assessed_45_days_pct")
PHRASES = {"referral_rate_per_10k": "rate of referrals per 10,000 children",
           "rereferral_pct": "share of referrals that were re-referrals within 12 months",
           "nfa_pct": "share of referrals closed with no further action",
           "assessed_45_days_pct": "share of assessments completed within 45 working days"}


class FrontDoorView(CinView):
    """Key findings and sections of the front door briefing, from protected results."""

    measures = m
    compared = COMPARED
    phrases = PHRASES
    check = "FD01"
    counts = "referrals"

    def _referrals(self) -> str:
        return self.count_and_rate("referrals", "referral_rate_per_10k", "referrals to children's social care in the year",
                                   "referrals")

    def _rereferrals(self) -> str:
        return self.share("rereferral_pct", "came within 12 months of the child's previous referral (lower is better)",
                          "referrals in the year")

    def _assessed(self) -> str:
        return self.share("assessed_45_days_pct", "were completed within 45 working days (higher is better)",
                          "assessments completed in the year")

    def _police(self) -> str:
        row = self.row("source_pct", "source", "Police")
        if not self.shown(row):
            return ""
        return (f"The police made {int(row['numerator']):,} of the {int(row['denominator']):,} referrals "
                f"({self.fmt('source_pct', row['value'])}).")

    # ---- key findings ----------------------------------------------------------------
    def key_findings(self) -> list[str]:
        out = [self._referrals(), self._rereferrals(),
               self.leading("source_pct", "source", "source of referrals"),
               self.share("nfa_pct", "were closed with no further action", "referrals in the year"),
               self._assessed(),
               self.leading("factor_pct", "factor", "factor of exploitation or going missing recorded at the end of "
                            "an assessment", counts="assessments with any factor")]
        return [t for t in out if t]

    # ---- sections --------------------------------------------------------------------
    def section_referrals(self):
        return join_blocks(
            paragraph(" ".join(t for t in (self._referrals(), self._rereferrals(),
                                           self.share("nfa_pct", "were closed with no further action",
                                                      "referrals in the year")) if t)),
            self._figures(("referrals", "referral_rate_per_10k", "rereferral_pct", "nfa_pct"), "Referrals"),
            self._compared("referral_rate_per_10k"), self._compared("rereferral_pct"), self._compared("nfa_pct"))

    def section_sources(self):
        words = " ".join(t for t in (self.leading("source_pct", "source", "source of referrals"), self._police()) if t)
        return join_blocks(paragraph(words or self.not_named("The sources of referrals", ("source_pct", "source"))),
                           self.b.show(P + "source_pct", view="bar", breakdown="source",
                                       caption=f"Referrals by source, {self.b.period_label}"))

    def section_needs(self):
        words = self.leading("primary_need_pct", "primary_need", "primary need recorded")
        return join_blocks(paragraph(words or self.not_named("The primary needs", ("primary_need_pct", "primary_need"))),
                           self.b.show(P + "primary_need_pct", view="bar", breakdown="primary_need"))

    def section_assessments(self):
        if not self.b.meta.get("assessments"):
            return paragraph("Assessments cannot be described: the CIN census assessments module was not provided.")
        factors = self.leading("factor_pct", "factor", "factor of exploitation or going missing recorded",
                               counts="assessments with any factor")
        return join_blocks(
            paragraph(" ".join(t for t in (self._assessed(), factors) if t)),
            self._figures(("assessments", "assessed_45_days_pct"), "Assessments"),
            self._compared("assessed_45_days_pct"),
            self.b.show(P + "factor_pct", view="bar", breakdown="factor",
                        caption=f"Assessments with each factor, of those with any factor recorded, {self.b.period_label}"))

    def section_who(self):
        parts = [paragraph(" ".join(t for t in (
            self.leading("by_group_pct", "age", "age group at referral"),
            "Ethnic groups are compared in the disproportionality briefing; the rates per 10,000 children of each "
            "group referred are repeated here.") if t)),
                 self.b.show(P + "by_group_pct", view="bar", breakdown="age",
                             caption=f"Referrals, by age at referral, {self.b.period_label}"),
                 self.b.show(P + "by_group_pct", breakdown="sex", caption=f"Referrals, by sex, {self.b.period_label}")]
        try:
            parts.append(self.b.show("disproportionality.referral_rate_per_10k", view="bar", breakdown="ethnicity"))
        except InputError as exc:
            parts.append(paragraph(f"Rates by ethnic group are not available: {exc}"))
        return join_blocks(*parts)


VIEW = FrontDoorView
