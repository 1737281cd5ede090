"""Names and small word helpers shared by the modules of the disproportionality view."""

from __future__ import annotations

import html
import math

from safeguarding.measures import disproportionality as m
from safeguarding.render.blocks import HtmlBlock

#: Groups compared with White British, in display order.
COMPARED = tuple(g for g in m.GROUPS if g not in (m.REFERENCE, m.NOT_KNOWN))
CLEAR = ("over-represented", "under-represented")
#: Verdicts that come with a shown ratio.
SHOWN_VERDICTS = (*CLEAR, "no evidence of a difference")
VERDICT_WORDS = {"over-represented": "higher", "under-represented": "lower",
                 "no evidence of a difference": "not clear", "too few to say": "too few to say",
                 "comparison group": "comparison group", "": ""}
SEX_WORDS = {"F": "girls", "M": "boys", "U": "sex not recorded"}
#: What 'too few to say' means (a shown comparison with too few children for a judgement).
TOO_FEW = (f"'too few to say' means fewer than {m.MIN_COUNT} children in the group or in the comparison group: "
           "too few for a statistical judgement")


def rates_note(keys) -> str:
    """What the rates of the stages ``keys`` are per, in one sentence: 'Rates count children
    per 10,000 children of the group (pupils per 100 pupils of the group for exclusions; ...).'"""
    bases = list(dict.fromkeys(m.STAGE_BY_KEY[k].base for k in keys))
    words = {"population": ("children per 10,000 children of the group", ""),
             "pupils": ("pupils per 100 pupils of the group", " for exclusions"),
             "care_leavers": ("NEET care leavers per 100 care leavers aged 17 to 21 of the group",
                              " for NEET care leavers")}
    if not bases:
        return ""
    if len(bases) == 1:
        return f"Rates count {words[bases[0]][0]}."
    parts = [f"{words[b][0]}{words[b][1]}" for b in bases]
    if bases[0] == "population":
        return f"Rates count {parts[0]} ({'; '.join(parts[1:])})."
    return f"Rates count {join(parts)}."


def join(items) -> str:
    items = [str(i) for i in items]
    return "".join(items) if len(items) <= 1 else ", ".join(items[:-1]) + " and " + items[-1]


def callout(text: str) -> HtmlBlock:
    return HtmlBlock(f'<div class="callout"><p>{html.escape(text)}</p></div>')


def as_text(value) -> str:
    """A text cell that may be missing (NaN) as a string."""
    return "" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)
