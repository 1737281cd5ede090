"""One disclosure plan over every count cell a borough-period publishes, and its audit.

Policy (``../shared/docs/disclosure.md``; the threshold is a parameter, default 5):

Primary suppression
    A count from 1 to the threshold is hidden (``c``). Zero is shown: it names no child.

Secondary suppression
    A hidden cell is only hidden if nothing shown pins it down. Cells are linked by
    identity (one key, one value, one status everywhere) and by the additive relations of
    :mod:`safeguarding.results.relations`. After primary suppression, every hidden cell is
    audited; while one fails, one more cell is hidden: the cheapest shown cell (cost = its
    value, much higher for headline cells) that shares an equation with a failing cell.
    Cheapest means the smallest: other small cells go first, headline figures last.

Audit
    For each hidden cell, two linear programmes (SciPy ``linprog`` with HiGHS) find the
    smallest and largest value it could take given every shown cell and every equation,
    with what a reader knows from the symbols: a primary cell is between 1 and the
    threshold; a secondary cell is above the threshold (secondary cells are never zero or
    small). A cell is protected when its feasible range spans at least ``threshold``
    whole numbers (for a primary cell: the whole band from 1 to the threshold, so the
    reader learns no more than the ``c`` says). The audit frame (cell, status, value,
    lowest, highest, protected) is the analyst-only report; it never goes in a briefing.

This protects against exact and interval recovery by adding and subtracting figures
shown anywhere in the borough's briefings for the period.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.optimize import linprog

from safeguarding.results.relations import Equation

PRIMARY = "primary"
SECONDARY = "secondary"
#: Extra cost of hiding a headline cell (a figure the briefing is built around).
HEADLINE_COST = 1_000_000.0
AUDIT_COLUMNS = ["cell", "status", "value", "lowest", "highest", "protected", "equations"]


@dataclass
class Plan:
    """Which cells are hidden and why, with the audit of every hidden cell."""

    threshold: int
    values: dict[str, float]
    equations: list[Equation]
    status: dict[str, str] = field(default_factory=dict)
    audit: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=AUDIT_COLUMNS))

    def is_hidden(self, key: str) -> bool:
        return key in self.status

    @property
    def n_primary(self) -> int:
        return sum(1 for s in self.status.values() if s == PRIMARY)

    @property
    def n_secondary(self) -> int:
        return sum(1 for s in self.status.values() if s == SECONDARY)

    @property
    def failures(self) -> pd.DataFrame:
        return self.audit[~self.audit["protected"].astype(bool)]

    def summary(self) -> dict:
        return {"cells": len(self.values), "equations": len(self.equations), "hidden_primary": self.n_primary,
                "hidden_secondary": self.n_secondary, "audit_failures": int(len(self.failures)),
                "threshold": self.threshold}


def _bounds(value: float, status: str, threshold: int) -> tuple[float, float | None]:
    if status == PRIMARY:
        return 1.0, float(threshold)
    return (float(threshold) + 1.0, None) if value > threshold else (0.0, None)


def _components(hidden: list[str], equations: list[Equation]) -> list[tuple[list[str], list[Equation]]]:
    """Groups of hidden cells linked through equations, each with its equations."""
    parent = {h: h for h in hidden}

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    eq_cells = []
    for eq in equations:
        cells = [c for c in (*eq.parts, eq.total) if c in parent]
        eq_cells.append(cells)
        for a, b in zip(cells, cells[1:]):
            ra, rb = find(a), find(b)
            if ra != rb:
                parent[ra] = rb
    groups: dict[str, tuple[list[str], list[Equation]]] = {}
    for h in hidden:
        groups.setdefault(find(h), ([], []))[0].append(h)
    for eq, cells in zip(equations, eq_cells):
        if cells:
            groups[find(cells[0])][1].append(eq)
    return list(groups.values())


def _audit_component(cells: list[str], equations: list[Equation], values: dict[str, float],
                     status: dict[str, str], threshold: int) -> list[dict]:
    col = {c: i for i, c in enumerate(cells)}
    a_eq, b_eq, a_ub, b_ub = [], [], [], []
    for eq in equations:
        row = np.zeros(len(cells))
        const = 0.0
        for c, sign in [(p, 1.0) for p in eq.parts] + [(eq.total, -1.0)]:
            if c in col:
                row[col[c]] += sign
            else:
                const += sign * values[c]
        (a_eq if eq.exact else a_ub).append(row)
        (b_eq if eq.exact else b_ub).append(-const)
    bounds = [_bounds(values[c], status[c], threshold) for c in cells]
    kwargs = dict(A_eq=np.array(a_eq) if a_eq else None, b_eq=np.array(b_eq) if b_eq else None,
                  A_ub=np.array(a_ub) if a_ub else None, b_ub=np.array(b_ub) if b_ub else None,
                  bounds=bounds, method="highs")
    n_eq = {c: 0 for c in cells}
    for eq in equations:
        for c in (*eq.parts, eq.total):
            if c in n_eq:
                n_eq[c] += 1
    out = []
    for i, c in enumerate(cells):
        objective = np.zeros(len(cells))
        objective[i] = 1.0
        low = linprog(objective, **kwargs)
        high = linprog(-objective, **kwargs)
        lowest = low.fun if low.status == 0 else (bounds[i][0] if low.status != 2 else np.nan)
        highest = -high.fun if high.status == 0 else (np.inf if high.status == 3 else np.nan)
        if low.status == 2 or high.status == 2:
            raise RuntimeError(f"disclosure audit: the equations around {c} have no solution; a relation is wrong")
        width = highest - lowest
        out.append({"cell": c, "status": status[c], "value": values[c], "lowest": lowest, "highest": highest,
                    "protected": bool(width >= threshold - 1 - 1e-6), "equations": n_eq[c]})
    return out


def audit(values: dict[str, float], equations: list[Equation], status: dict[str, str], threshold: int) -> pd.DataFrame:
    """The feasible range of every hidden cell given everything shown (see module docstring)."""
    hidden = sorted(status)
    rows: list[dict] = []
    for cells, eqs in _components(hidden, equations):
        rows += _audit_component(cells, eqs, values, status, threshold)
    frame = pd.DataFrame(rows, columns=AUDIT_COLUMNS)
    return frame.sort_values("cell", ignore_index=True)


def primary_cells(values: dict[str, float], threshold: int) -> dict[str, str]:
    return {k: PRIMARY for k, v in values.items() if 0 < v <= threshold}


def plan_disclosure(values: dict[str, float], equations: list[Equation], threshold: int,
                    headline: set[str] | frozenset = frozenset(), max_rounds: int = 10_000) -> Plan:
    """Primary suppression, then secondary suppression until the audit passes.

    ``values``: cell key -> true count. ``headline``: keys hidden only when no other cell can
    protect. Returns a :class:`Plan` whose ``audit`` has one row per hidden cell.
    """
    if threshold < 1:
        raise ValueError(f"the suppression threshold must be 1 or more, not {threshold}")
    status = primary_cells(values, threshold)
    eqs_of: dict[str, list[int]] = {}
    for i, eq in enumerate(equations):
        for c in (*eq.parts, eq.total):
            eqs_of.setdefault(c, []).append(i)

    def cost(c: str) -> float:
        return values[c] + (HEADLINE_COST if c in headline else 0.0)

    results: dict[str, dict] = {}
    dirty = set(status)
    for _ in range(max_rounds):
        # Re-audit only the components that contain a changed cell.
        for cells, eqs in _components(sorted(status), equations):
            if dirty.intersection(cells):
                for row in _audit_component(cells, eqs, values, status, threshold):
                    results[row["cell"]] = row
        dirty = set()
        failing = sorted((c for c, r in results.items() if not r["protected"]), key=lambda c: (values[c], c))
        if not failing:
            break
        added = False
        for c in failing:
            candidates = {m for i in eqs_of.get(c, ()) for m in (*equations[i].parts, equations[i].total)
                          if m not in status and values[m] > threshold}
            if not candidates:  # look one step further: equations of the cell's hidden neighbours
                neighbours = {m for i in eqs_of.get(c, ()) for m in (*equations[i].parts, equations[i].total) if m in status}
                candidates = {m for n in neighbours for i in eqs_of.get(n, ())
                              for m in (*equations[i].parts, equations[i].total) if m not in status and values[m] > threshold}
            if candidates:
                chosen = min(candidates, key=lambda m: (cost(m), m))
                status[chosen] = SECONDARY
                dirty |= {chosen, c}
                added = True
                break
        if not added:
            break  # nothing more can be hidden: the audit records the failure
    else:  # pragma: no cover - guard against a runaway loop
        raise RuntimeError("secondary suppression did not converge")
    plan = Plan(threshold=threshold, values=values, equations=equations, status=status)
    plan.audit = audit(values, equations, status, threshold)
    return plan
