"""Plain-words glossary of the statistical terms briefings use, for readers who are not analysts.

One definition per term (the same words in every briefing); each theme record lists the terms
its briefing needs beyond the common ones (:attr:`ThemeRecord.glossary`).
"""

from __future__ import annotations

import pandas as pd

#: Term -> what it means, in plain words.
TERMS: dict[str, str] = {
    "95% interval": (
        "The range the true figure is likely to lie in, given how many children it rests on: 2 in 10 and 200 in "
        "1,000 are both 20%, but the first could easily have been 5% or 50%. (Wilson method for percentages; exact "
        "Poisson for rates.)"),
    "Could be chance": (
        "A difference small enough, for the numbers involved, to arise by chance alone. It may be real, but the "
        "figures do not show it."),
    "Funnel plot": (
        "A dot for every local authority, its figure against how many children it rests on. The funnel lines show "
        "how far from England an authority of that size could be by chance; dots outside them differ by more."),
    "Usual spread between authorities": (
        "Authorities differ by more than chance alone gives (over-dispersion). Where they do, the funnel lines are "
        "widened to allow for it (Spiegelhalter's method): a figure beyond chance but inside the widened lines is "
        "unusual, but no more than authorities usually are."),
    "Statistical neighbours": (
        "The ten authorities most like this one in DfE's model; their median is the middle figure of those that "
        "publish one."),
    "Suppressed figures (c)": (
        "A count from 1 to the threshold, and any figure that would let one be worked out, is shown as 'c'. "
        "'x' means not available; 'z' not applicable."),
}
#: Terms every briefing uses.
COMMON = ("95% interval", "Could be chance", "Funnel plot", "Usual spread between authorities",
          "Statistical neighbours", "Suppressed figures (c)")
#: Terms only some themes use (listed in their theme records).
EXTRA: dict[str, str] = {
    "Relative rate index (RRI)": (
        "A group's rate divided by White British children's: 1 means equally likely, 2 twice as likely, 0.5 half "
        "as likely. 'Higher' or 'lower' only when the ratio's 95% interval leaves out 1."),
    "Over-represented": (
        "A group's rate is higher than the comparison group's by more than chance would give; 'under-represented' "
        "is the reverse."),
    "Episode": "One period of going missing, from when a child was reported missing to when they were found or returned.",
    "Return home interview": (
        "A talk with an independent person after a child returns, to learn why they went and whether they are at "
        "risk; it should be offered within 72 hours."),
    "NEET": "Not in education, employment or training.",
    "Referral": (
        "A request to children's social care to consider whether a child needs help or protection, from anyone "
        "(a school, a doctor, the police, a relative, the child)."),
    "Re-referral": "A referral within 12 months of a previous referral of the same child.",
    "Assessment": (
        "The social worker's assessment of a child's needs after a referral. Guidance expects it within 45 working "
        "days; it records factors such as going missing or exploitation."),
    "Section 47 enquiry": (
        "Inquiries children's social care must make when there is reasonable cause to suspect a child is suffering, "
        "or likely to suffer, significant harm (section 47 of the Children Act 1989)."),
    "Initial child protection conference": (
        "A meeting of the family and professionals, after a section 47 enquiry, that decides whether the child "
        "needs a child protection plan. Guidance expects it within 15 working days of the enquiry starting."),
    "Child protection plan": (
        "The plan agreed at a conference to keep a child safe, under a category of abuse (neglect, physical, "
        "sexual, emotional or multiple). A second or subsequent plan is one for a child who had a plan before."),
    "Suspension": "A pupil being excluded from school for a fixed period (formerly a 'fixed-period exclusion').",
    "Looked-after child": (
        "A child in the care of the local authority under a court order, or accommodated with the parents' "
        "agreement (section 20 of the Children Act 1989). Children on a series of short-term breaks are not counted."),
    "Placement": (
        "Where and with whom a looked-after child lives: foster carers, a children's home, semi-independent "
        "accommodation, with parents, placed for adoption. A new placement means a new carer."),
    "Legal status": (
        "The legal basis on which a child is looked after: a care order (interim or full), a placement order, "
        "accommodation under section 20, a youth justice status, or emergency protection."),
    "Unaccompanied asylum-seeking child (UASC)": (
        "A child under 18 who has applied for asylum in their own right and has no parent or carer in the UK to "
        "look after them."),
}


def glossary_frame(extra: tuple[str, ...] = ()) -> pd.DataFrame:
    """The terms a briefing needs: the common ones, then the theme's, as (term, meaning) rows."""
    unknown = [t for t in extra if t not in EXTRA]
    if unknown:
        raise KeyError(f"glossary terms not defined: {', '.join(unknown)}; defined: {', '.join(EXTRA)}")
    rows = [(t, TERMS[t]) for t in COMMON] + [(t, EXTRA[t]) for t in extra]
    return pd.DataFrame(rows, columns=["term", "meaning"])
