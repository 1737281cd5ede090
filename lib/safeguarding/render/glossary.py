"""Plain-words glossary of the statistical terms briefings use, for readers who are not analysts.

One definition per term (the same words in every briefing); each theme record lists the terms
its briefing needs beyond the common ones (:attr:`ThemeRecord.glossary`).
"""

from __future__ import annotations

import pandas as pd

#: Term -> what it means, in plain words.
TERMS: dict[str, str] = {
    "95% interval": (
        "The range the true figure is likely to lie in, given how few children a figure rests on. Wide ranges mean "
        "small numbers: a figure of 2 in 10 and one of 200 in 1,000 are both 20%, but the first could easily have "
        "been 5% or 50%. (Percentages use the Wilson method; rates use an exact Poisson method.)"),
    "Could be chance": (
        "A difference (between two years, or from England) that is small enough, for the numbers involved, to "
        "arise by chance alone. It may still be real, but the figures do not show it."),
    "Funnel plot": (
        "A chart with a dot for every local authority, its figure against how many children it rests on. The "
        "funnel-shaped lines show how far from England's figure an authority of that size could be by chance; "
        "small authorities have wider funnels. Authorities outside the lines differ by more than chance."),
    "Usual spread between authorities": (
        "Authorities differ from each other by more than chance alone would give (different populations, services "
        "and recording), which statisticians call over-dispersion. Where they do, the funnel's lines are widened "
        "to allow for it (Spiegelhalter's method), and the chart's note says so. A figure beyond what chance alone "
        "would give, but inside the widened lines, is 'within the usual spread between authorities': unusual, but "
        "no more than authorities usually are."),
    "Statistical neighbours": (
        "The ten local authorities most like this one on DfE's model (deprivation, population and other "
        "characteristics). Their median is the middle figure of those that publish one."),
    "Suppressed figures (c)": (
        "A count from 1 to the threshold is replaced by 'c' so that no child can be identified, and so is any "
        "other figure that would let it be worked out. 'x' means not available; 'z' not applicable."),
}
#: Terms every briefing uses.
COMMON = ("95% interval", "Could be chance", "Funnel plot", "Usual spread between authorities",
          "Statistical neighbours", "Suppressed figures (c)")
#: Terms only some themes use (listed in their theme records).
EXTRA: dict[str, str] = {
    "Relative rate index (RRI)": (
        "How many times as likely one group is as another to reach a stage: a group's rate divided by White "
        "British children's rate. 1 means the same; 2 means twice as likely; 0.5 half as likely. 'Higher' or "
        "'lower' is given only when the 95% interval of the ratio does not include 1."),
    "Over-represented": (
        "A group's rate is clearly higher than the comparison group's: the difference is more than chance would "
        "give. 'Under-represented' is the reverse."),
    "Episode": "One period of going missing, from when a child was reported missing to when they were found or returned.",
    "Return home interview": (
        "A conversation with an independent person after a child returns from going missing, to find out why they "
        "went and whether they are at risk; it should be offered within 72 hours of their return."),
    "NEET": "Not in education, employment or training.",
    "Suspension": "A pupil being excluded from school for a fixed period (formerly a 'fixed-period exclusion').",
}


def glossary_frame(extra: tuple[str, ...] = ()) -> pd.DataFrame:
    """The terms a briefing needs: the common ones, then the theme's, as (term, meaning) rows."""
    unknown = [t for t in extra if t not in EXTRA]
    if unknown:
        raise KeyError(f"glossary terms not defined: {', '.join(unknown)}; defined: {', '.join(EXTRA)}")
    rows = [(t, TERMS[t]) for t in COMMON] + [(t, EXTRA[t]) for t in extra]
    return pd.DataFrame(rows, columns=["term", "meaning"])
