"""Tables of several measures per group, each cell 'count (rate)', from protected results.

A briefing table with three or four rates per group (permanent exclusions, suspensions,
pupils suspended) keeps to a page width when each cell shows the number and, in
brackets, its rate: '1,204 (3.21)'. A hidden count shows its symbol alone; a shown
count with a hidden or missing rate shows the symbol in the brackets.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from safeguarding.render.formats import symbol_legend


def wide_by_group(frame: pd.DataFrame, names: dict[str, str], denominator: str = "pupils") -> pd.DataFrame:
    """One row per group of a protected tidy frame: the denominator of the first measure
    (column ``denominator``), and per measure id in ``names`` (id -> short name) its count
    (``<short>_n``) and value (``<short>_rate``), each with a ``_symbol`` column ('x' where a
    figure is missing without a symbol)."""
    groups = list(dict.fromkeys(frame["group"]))
    out = pd.DataFrame({"group": groups})
    for mid, short in names.items():
        sub = frame[frame["measure_id"] == mid].set_index("group").reindex(groups)
        sym = sub["symbol"].fillna("").astype(str)
        out[f"{short}_n"] = sub["numerator"].astype(float).to_numpy()
        out[f"{short}_n_symbol"] = np.where(sub["numerator"].isna(), np.where(sym == "", "x", sym), "")
        out[f"{short}_rate"] = sub["value"].astype(float).to_numpy()
        out[f"{short}_rate_symbol"] = np.where(sub["value"].isna(), np.where(sym == "", "x", sym), "")
        if denominator not in out:
            out[denominator] = sub["denominator"].astype(float).to_numpy()
            out[f"{denominator}_symbol"] = np.where(sub["denominator"].isna(), np.where(sym == "", "x", sym), "")
    return out


def count_rate_cells(wide: pd.DataFrame, columns, denominator: str = "pupils") -> tuple[pd.DataFrame, set]:
    """Text cells 'count (rate)' for each ``(short, decimals, percent)`` in ``columns``, and
    the set of symbols used (for the legend)."""
    out, used = wide.copy(), set()
    for short, decimals, pct in columns:
        cells = []
        for n, n_sym, rate, r_sym in zip(wide[f"{short}_n"], wide[f"{short}_n_symbol"], wide[f"{short}_rate"],
                                         wide[f"{short}_rate_symbol"]):
            if n_sym:
                used.add(n_sym)
                cells.append(n_sym)
                continue
            if r_sym:
                used.add(r_sym)
            rate_text = r_sym or f"{rate:.{decimals}f}{'%' if pct else ''}"
            cells.append(f"{n:,.0f} ({rate_text})")
        out[short] = cells
    used |= {s for s in wide.get(f"{denominator}_symbol", pd.Series(dtype=object)) if s}
    return out, used


def legend(used, threshold: int, counts: str, note: str = "") -> str:
    """The symbol legend for the symbols a table used, followed by a note."""
    return " ".join(x for x in (symbol_legend(used, threshold=threshold, counts=counts), note) if x)
