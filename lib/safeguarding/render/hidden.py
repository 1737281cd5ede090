"""Why a figure is hidden, in words that match the disclosure plan's reason for it.

The plan (:mod:`safeguarding.results.plan`) gives every hidden row a ``reason``:
``primary`` (a count from 1 to the threshold), ``secondary`` (a larger count hidden so that
another figure cannot be worked out), or either followed by `` denominator`` (the row is a
share of a hidden total); a measures module may also recode the parts of a group of 1 to
the threshold as not published (:data:`safeguarding.results.cells.SMALL_GROUP`): each is then
smaller still. Sentences say which, never "too few" for a secondary figure. Where saying which
would give a figure away, the plan blends the words (:data:`~safeguarding.results.cells.EITHER`):
'fewer than 6, or hidden so that another figure cannot be worked out'.
"""

from __future__ import annotations

from safeguarding.render.formats import smallest_shown_count
from safeguarding.results.cells import EITHER, SMALL_GROUP

#: Why a figure hidden to protect another is hidden.
PROTECTS = "so that another figure cannot be worked out"


def hidden_words(reason: object, threshold: int, counts: str) -> str:
    """Completes 'the number who were NEET ...': 'is hidden: fewer than 6 care leavers', or
    'is hidden so that another figure cannot be worked out' (and the same of its total)."""
    reason = str(reason or "")
    small = f"fewer than {smallest_shown_count(threshold)} {counts}"
    if reason == "primary":
        return f"is hidden: {small}"
    if reason == SMALL_GROUP:
        return f"is hidden: {small} (the whole group it is part of had {small})"
    if reason == "primary denominator":
        return f"is hidden: it is a share of {small}"
    if reason == "secondary denominator":
        return f"is hidden: its total is hidden {PROTECTS}"
    if reason == EITHER:
        return f"is hidden: {small}, or hidden {PROTECTS}"
    if reason == f"{EITHER} denominator":
        return f"is hidden: its total is {small}, or hidden {PROTECTS}"
    return f"is hidden {PROTECTS}"


def hidden_summary(reasons, threshold: int, counts: str) -> str:
    """Why several figures are hidden: 'fewer than 6 care leavers, or hidden so that another
    figure cannot be worked out', naming only the reasons that occur."""
    reasons = {"primary" if r == SMALL_GROUP else str(r).split(" ")[0] for r in reasons if r}
    parts = []
    if reasons & {"primary", EITHER}:
        parts.append(f"fewer than {smallest_shown_count(threshold)} {counts}")
    if reasons & {"secondary", EITHER}:
        parts.append(f"hidden {PROTECTS}")
    return ", or ".join(parts) or "hidden"


def certain_largest(rows, threshold: int, exclude=()):
    """The row with the largest shown count, only when it is certainly the largest of all the
    rows: more than nothing, and every hidden row is a small count (hidden for being small)
    that it exceeds, or all the hidden rows together are fewer than it (what the shown rows
    leave of the total they share, which the table already gives). Otherwise None: saying 'the
    most common' of the shown rows would be wrong when a hidden one might be larger, and would
    tell a reader that every hidden count is smaller than it (a bound the disclosure plan does
    not know about)."""
    import pandas as pd
    if rows is None or len(rows) == 0:
        return None
    symbol = rows["symbol"].fillna("").astype(str) if "symbol" in rows else pd.Series("", index=rows.index)
    left = _left_for_hidden(rows, symbol)
    if len(exclude):
        keep = ~rows["group"].isin(list(exclude))
        rows, symbol = rows[keep], symbol[keep]
    shown, hidden = rows[symbol.eq("")], rows[symbol.ne("")]
    if shown.empty:
        return None
    top = shown.loc[pd.to_numeric(shown["numerator"], errors="coerce").idxmax()]
    count = float(top["numerator"])
    if not count > 0:
        return None
    if len(hidden):
        small = {"primary", SMALL_GROUP}
        reasons = hidden["reason"].fillna("").astype(str) if "reason" in hidden else pd.Series("", index=hidden.index)
        if not (reasons.isin(small).all() and count > threshold) and not (left is not None and count > left):
            return None
    return top


def _left_for_hidden(rows, symbol) -> float | None:
    """What the shown rows of a breakdown (``symbol`` empty) leave of their common total (the
    denominator every row shares; the groups of a breakdown share it out): the most all the
    hidden rows together can hold, which a reader can work out from the table. None when the
    rows do not share one denominator, or it is hidden."""
    import pandas as pd
    if "denominator" not in rows:
        return None
    totals = pd.to_numeric(rows["denominator"], errors="coerce")
    if totals.isna().any() or totals.nunique() != 1:
        return None
    shown = pd.to_numeric(rows.loc[symbol.eq(""), "numerator"], errors="coerce")
    if shown.isna().any():
        return None
    left = float(totals.iloc[0]) - float(shown.sum())
    return left if left >= 0 else None
