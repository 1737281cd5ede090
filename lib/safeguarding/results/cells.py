"""Count cells of result tables: registering them, and applying a disclosure plan back.

Each row of a result table has at most two count cells: its numerator and its denominator.
Their concepts come from the measure's :class:`~safeguarding.measures.registry.MeasureSpec`
(``numerator_cell``: default the measure id; ``denominator_cell``: blank when the
denominator is not a count of children or records, e.g. an ONS population). A concept
may fix the breakdown and group of the cell, as ``missing.children@scope=All children``:
the denominator of a share is the total of its breakdown, not a cell of the same group.
A table may override per row with columns ``num_concept`` / ``den_concept``.

After the plan (:mod:`safeguarding.results.plan`), :func:`apply_plan` hides every hidden
cell everywhere it appears, and every figure computed from it (value and interval), with
the symbol ``c`` and a ``reason``: ``primary`` (a count from 1 to the threshold) or
``secondary`` (hidden so that another figure cannot be worked out).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from safeguarding.measures import registry
from safeguarding.results.plan import Plan
from safeguarding.results.relations import cell_key, split_key

TIDY_COLUMNS = [*registry.RESULT_COLUMNS, "reason"]
#: Columns hidden together with a hidden numerator or denominator.
DEPENDENT = ("value", "lower", "upper")
NO_CELL_SYMBOLS = {"x", "z"}
#: The ``reason`` of a count a measures module does not publish because a group it is part
#: of has from 1 to the threshold (so the count is that small too): parts of a hidden small
#: whole would narrow each other down, which no secondary suppression can prevent.
SMALL_GROUP = "small group"
#: The reason of a hidden cell whose words do not say which reason hides it (the plan's
#: "Blended words"): 'fewer than 6, or hidden so that another figure cannot be worked out'.
EITHER = "either"


def _resolve(concept: str, breakdown: str, group: str, period: str) -> str:
    if "@" in concept:
        concept, at = concept.split("@", 1)
        breakdown, group = at.split("=", 1)
    return cell_key(concept, breakdown, group, period)


def _concepts(frame: pd.DataFrame) -> tuple[list[str], list[str]]:
    nums, dens = [], []
    specs = {}
    for mid in frame["measure_id"].unique():
        try:
            specs[mid] = registry.get(mid)
        except KeyError:
            specs[mid] = None
    blank = [None] * len(frame)
    given_nums = frame["num_concept"].tolist() if "num_concept" in frame else blank
    given_dens = frame["den_concept"].tolist() if "den_concept" in frame else blank
    for measure_id, num, den in zip(frame["measure_id"], given_nums, given_dens):
        spec = specs[measure_id]
        if num is None or (isinstance(num, float) and math.isnan(num)):
            num = (spec.numerator_cell or spec.id) if spec else measure_id
        if den is None or (isinstance(den, float) and math.isnan(den)):
            den = spec.denominator_cell if spec else ""
        nums.append(num)
        dens.append(den)
    return nums, dens


def register_cells(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with ``num_cell`` and ``den_cell`` (cell keys, or '' where no count cell)."""
    out = frame.copy()
    if out.empty:
        out["num_cell"], out["den_cell"] = pd.Series(dtype=object), pd.Series(dtype=object)
        return out
    nums, dens = _concepts(out)
    symbols = out["symbol"].fillna("").astype(str) if "symbol" in out else pd.Series("", index=out.index)
    num_cells, den_cells = [], []
    for i, row in enumerate(out[["breakdown", "group", "period", "numerator", "denominator"]].itertuples(index=False)):
        usable = symbols.iat[i] not in NO_CELL_SYMBOLS
        key_parts = (str(row.breakdown), str(row.group), str(row.period))
        ok_num = usable and nums[i] and pd.notna(row.numerator)
        ok_den = usable and dens[i] and pd.notna(row.denominator)
        num_cells.append(_resolve(nums[i], *key_parts) if ok_num else "")
        den_cells.append(_resolve(dens[i], *key_parts) if ok_den else "")
    out["num_cell"], out["den_cell"] = num_cells, den_cells
    return out


def cell_values(frames) -> dict[str, float]:
    """Every registered cell and its count; a cell with two different values is an error."""
    values: dict[str, float] = {}
    where: dict[str, str] = {}
    for frame in frames:
        for col_cell, col_value in (("num_cell", "numerator"), ("den_cell", "denominator")):
            for key, value, mid in zip(frame[col_cell], frame[col_value], frame["measure_id"]):
                if not key:
                    continue
                value = float(value)
                if value < 0 or value != round(value):
                    raise ValueError(f"cell {key} ({mid}) is not a count: {value!r}")
                if key in values and values[key] != value:
                    raise ValueError(f"cell {key} has two values: {values[key]:g} (in {where[key]}) and {value:g} "
                                     f"(in {mid}); two measures define the same count differently")
                values[key] = value
                where.setdefault(key, mid)
    return values


def cell_uses(frames) -> dict[str, int]:
    """How many result rows show a figure built on each cell (as numerator or denominator)."""
    uses: dict[str, int] = {}
    for frame in frames:
        for column in ("num_cell", "den_cell"):
            for key in frame[column]:
                if key:
                    uses[key] = uses.get(key, 0) + 1
    return uses


def cell_dependents(frames) -> dict[str, set[str]]:
    """For each denominator cell, the numerator cells of the rows it divides."""
    out: dict[str, set[str]] = {}
    for frame in frames:
        both = frame[(frame["num_cell"] != "") & (frame["den_cell"] != "")]
        for num, den in zip(both["num_cell"], both["den_cell"]):
            if num != den:
                out.setdefault(den, set()).add(num)
    return out


def headline_cells(values: dict[str, float], headline: list[str]) -> set[str]:
    """Cells of headline measures: ``measure_id`` (every cell of its numerator concept) or
    ``measure_id@breakdown`` (only that breakdown)."""
    out = set()
    wanted = []
    for item in headline:
        mid, _, breakdown = item.partition("@")
        try:
            spec = registry.get(mid)
            concept = spec.numerator_cell or spec.id
        except KeyError:
            concept = mid
        wanted.append((concept.split("@")[0], breakdown))
    for key in values:
        concept, breakdown, _, _ = split_key(key)
        if any(concept == c and (not b or b == breakdown) for c, b in wanted):
            out.add(key)
    return out


def apply_plan(frame: pd.DataFrame, plan: Plan) -> pd.DataFrame:
    """Hide every hidden cell of a registered frame and what is computed from it."""
    out = frame.copy()
    if "symbol" not in out:
        out["symbol"] = ""
    out["symbol"] = out["symbol"].fillna("").astype(object)
    reason = np.array([""] * len(out), dtype=object)
    num_hidden = np.array([plan.status.get(k, "") for k in out["num_cell"]], dtype=object) if len(out) else np.array([])
    den_hidden = np.array([plan.status.get(k, "") for k in out["den_cell"]], dtype=object) if len(out) else np.array([])
    hide_num = num_hidden != ""
    hide_den = den_hidden != ""
    any_hidden = hide_num | hide_den
    out["numerator"] = out["numerator"].astype(float).mask(hide_num)
    out["denominator"] = out["denominator"].astype(float).mask(hide_den)
    for col in DEPENDENT:
        if col in out:
            out[col] = out[col].astype(float).mask(any_hidden)
    if len(out) and plan.blended:
        num_hidden = np.where(np.isin(out["num_cell"].to_numpy(dtype=object), list(plan.blended)) & hide_num,
                              EITHER, num_hidden).astype(object)
        den_hidden = np.where(np.isin(out["den_cell"].to_numpy(dtype=object), list(plan.blended)) & hide_den,
                              EITHER, den_hidden).astype(object)
    reason[hide_num] = num_hidden[hide_num]
    only_den = hide_den & ~hide_num
    reason[only_den] = np.array([f"{s} denominator" for s in den_hidden[only_den]], dtype=object)
    out.loc[any_hidden, "symbol"] = "c"
    out["reason"] = reason
    return out


class UnprotectedFrame(pd.DataFrame):
    """Results before disclosure control, for exploring in JupyterLab. Its HTML carries a
    marker that the briefing self-check refuses, and every renderer refuses the frame."""

    @property
    def _constructor(self):
        return UnprotectedFrame

    def _repr_html_(self):
        inner = super()._repr_html_() or ""
        return ('<div data-unprotected="true"><p><strong>Unprotected results: for exploring only, never for '
                'circulation.</strong></p>' + inner + "</div>")


def unprotected(frame: pd.DataFrame) -> UnprotectedFrame:
    out = UnprotectedFrame(frame)
    out.attrs["unprotected"] = True
    return out


def is_unprotected(frame: pd.DataFrame) -> bool:
    return isinstance(frame, UnprotectedFrame) or bool(frame.attrs.get("unprotected"))


def visible_small_counts(frame: pd.DataFrame, column: str = "numerator", threshold: int = 5) -> pd.DataFrame:
    """Rows of a protected table that show a count from 1 to ``threshold`` in ``column``:
    what disclosure control must never leave (the briefing's self-check)."""
    if column not in frame:
        return frame.iloc[0:0]
    values = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float)
    return frame[(values >= 1) & (values <= threshold)]
