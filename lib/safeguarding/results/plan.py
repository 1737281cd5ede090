"""One disclosure plan over every count cell a borough-period publishes, and its audit.

Policy (``../shared/docs/disclosure.md``; the threshold is a parameter, default 5):

Primary suppression
    A count from 1 to the threshold is hidden (``c``). Zero is shown: it names no child.

Secondary suppression
    A hidden cell is only hidden if nothing shown pins it down. Cells are linked by
    identity (one key, one value, one status everywhere) and by the additive relations of
    :mod:`safeguarding.results.relations`. After primary suppression, every hidden cell is
    audited; while one fails, one more cell is hidden: the cheapest shown cell that shares an
    equation with a failing cell. Cost is the information lost: the number of figures shown
    from the cell (a denominator of a whole table hides the table), then its size, so other
    small cells go first; headline figures last. Only
    when no such cell exists is a shown zero hidden (its audit bound is then 0 and up).
    Finally every secondary cell is shown again, most costly first, wherever the audit still
    passes without it (a later choice may have made an earlier one unnecessary).

Audit
    For each hidden cell, two linear programmes (HiGHS, through highspy) find the
    smallest and largest value it could take given every shown cell and every equation,
    with what a reader knows from the symbols: a primary cell is between 1 and the
    threshold; a secondary cell is above the threshold (secondary cells are never small).
    A primary cell is protected when its feasible range is the whole band from 1 to the
    threshold, so the reader learns no more than the ``c`` says; a secondary cell (not
    sensitive in itself) when it cannot be worked out exactly (a range of two or more). The
    one exception: a primary cell that adds up only with other hidden cells (a small whole
    split into small parts) can never span the whole band, as each part is at least 1; it
    must then not be pinned to one value (e.g. 'c' + 'c' = 'c' leaves each part open). The audit frame (cell, status, value,
    lowest, highest, protected) is the analyst-only report; it never goes in a briefing.

Blended words
    A secondary cell's words ("hidden so that another figure cannot be worked out") tell a
    reader it is not from 1 to the threshold, and a hidden zero's tell them it is 0 or above the
    threshold. Usually that gives nothing away, but a small cell hidden beside a secondary
    one in a sum a reader knows (a total DfE publishes) can be narrowed by it: 10 = 'c' (at
    least 6) + 'c' (1 to 5) leaves the small one 1 to 4. When no more shown cells can protect
    a cell, the hidden cells of its group are *blended*: each 'c' there says "fewer than 6, or
    hidden so that another figure cannot be worked out", so a reader knows only that it is 0
    or more. A hidden cell's words are blended only when the plan needs it.

Public figures
    DfE publishes some of the same counts for the borough and year (care leavers NEET, looked-after
    children who went missing, ...), and other briefings print them. Where the borough's own count
    agrees with the published figure, a reader knows the range that figure allows (``known``:
    cell -> lowest, highest) and can combine it with everything shown. The audit adds these
    ranges as bounds, so a cell they help pin down is caught and protected like any other. A
    hidden cell is judged against what public figures already say about it: a count DfE has
    published exactly is already public, and hiding it protects nothing (its audit says
    ``public``); a primary cell a published rate narrows to 3 to 5 must still span 3 to 5. A
    hidden cell is also protected when everything shown leaves it as wide as DfE's figures
    alone do (the briefings add nothing to what DfE published); "alone" means without our
    symbols, which are ours to publish and can narrow a cell as much as a figure can.

This protects against exact and interval recovery by adding and subtracting figures
shown anywhere in the borough's briefings for the period.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from safeguarding.results.relations import Equation

PRIMARY = "primary"
SECONDARY = "secondary"
#: A shown cell as a reader who has only the published figures sees it (see :func:`_public_range`).
UNSEEN = "unseen"
#: Extra cost of hiding a headline cell (a figure the briefing is built around).
HEADLINE_COST = 1_000_000.0
#: Cost of each figure (row of a result table) that hiding a cell would hide with it.
USE_COST = 1_000.0
#: ``exempt``: hidden only because its group (the denominator) is small; needs no protection of its own.
#: ``public``: the range published figures allow (blank when none does).
AUDIT_COLUMNS = ["cell", "status", "value", "lowest", "highest", "protected", "equations", "exempt", "public"]
Known = dict[str, tuple[float, float]]


@dataclass
class Plan:
    """Which cells are hidden and why, with the audit of every hidden cell."""

    threshold: int
    values: dict[str, float]
    equations: list[Equation]
    status: dict[str, str] = field(default_factory=dict)
    known: Known = field(default_factory=dict)
    #: hidden cells whose words do not say which reason hides them (see "Blended words")
    blended: set[str] = field(default_factory=set)
    audit: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=AUDIT_COLUMNS))

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
                "hidden_secondary": self.n_secondary, "blended": len(self.blended),
                "audit_failures": len(self.failures),
                "threshold": self.threshold}


def _bounds(value: float, status: str, threshold: int, known: tuple[float, float] | None = None,
            blended: bool = False) -> tuple[float, float | None]:
    """What a reader knows of a hidden cell from its symbol, narrowed by published figures."""
    if blended:  # 'fewer than 6, or hidden so that another figure cannot be worked out'
        low, high = 0.0, None
    elif status == PRIMARY:
        low, high = 1.0, float(threshold)
    elif status == UNSEEN:
        low, high = 0.0, None
    elif value > threshold:
        low, high = float(threshold) + 1.0, None
    else:
        # A hidden zero's 'c' says 'hidden so that another figure cannot be worked out', so a
        # reader knows it is 0 or above the threshold; that is not a range a linear programme
        # can hold, so the audit takes the reader to know it is 0 (which names no child).
        low, high = 0.0, 0.0
    if known is not None:
        low = max(low, known[0])
        high = known[1] if high is None else min(high, known[1])
    return low, high


def _published_exactly(cell: str, known: Known) -> bool:
    """Whether DfE's figures give ``cell`` exactly: public, as good as shown."""
    return cell in known and known[cell][0] == known[cell][1]


def _wide_enough(lowest: float, highest: float, status: str, threshold: int, only_hidden: bool = False,
                 bounds: tuple[float, float | None] | None = None) -> bool:
    """A primary cell must stay anywhere from 1 to the threshold; a secondary cell (not itself
    small) must not be pinned to one value. A primary cell that adds up only with other hidden
    cells (a small whole split into small parts: nothing shown narrows it, only the symbols
    do) must not be pinned to one value either. ``bounds``: what the symbol and published
    figures alone already tell a reader: the cell need span no more than that (a count DfE
    published exactly is public already)."""
    width = highest - lowest
    need = 1.0 if status != PRIMARY or only_hidden else float(threshold - 1)
    if bounds is not None:
        low, high = bounds
        need = min(need, (np.inf if high is None else high) - low)
    return bool(width >= need - 1e-6)


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


_HIGHS_GREETED = False


def _new_highs():
    """A silent HiGHS instance (the first construction in a process prints a banner to the
    process's standard output, which would land in a notebook cell: that one is sent to
    /dev/null; later ones print nothing)."""
    import os
    import sys

    import highspy
    global _HIGHS_GREETED
    if not _HIGHS_GREETED:  # a first instance, made with standard output sent to /dev/null, takes the greeting
        sys.stdout.flush()
        saved = os.dup(1)
        try:
            with open(os.devnull, "wb") as null:
                os.dup2(null.fileno(), 1)
                highspy.Highs()
            _HIGHS_GREETED = True
        finally:
            os.dup2(saved, 1)
            os.close(saved)
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    return h


class _ComponentLP:
    """The linear programme of one component, built once and re-solved per cell and direction
    (HiGHS through highspy, warm-started: thousands of small solves stay fast)."""

    def __init__(self, cells: list[str], equations: list[Equation], values: dict[str, float],
                 status: dict[str, str], threshold: int, known: Known | None = None,
                 blended: set[str] | frozenset = frozenset()):
        import highspy
        self.cells = cells
        self._col = col = {c: i for i, c in enumerate(cells)}
        known = known or {}
        rows, lower, upper, pinned_by_shown = [], [], [], []
        #: the equation behind each row of the programme (equations of shown cells only have none)
        self.row_equation: list[Equation] = []
        for eq in equations:
            coef: dict[int, float] = {}
            const = 0.0
            for c, sign in [(p, 1.0) for p in eq.parts] + [(eq.total, -1.0)]:
                if c in col:
                    coef[col[c]] = coef.get(col[c], 0.0) + sign
                else:
                    const += sign * values[c]
            coef = {i: v for i, v in coef.items() if v != 0.0}
            if not coef:
                continue
            rows.append(coef)
            self.row_equation.append(eq)
            # a figure shown, or published by DfE: either fixes the sum for a reader
            pinned_by_shown.append(any(c not in col or _published_exactly(c, known) for c in (*eq.parts, eq.total)))
            lower.append(-const if eq.exact else -highspy.kHighsInf)
            upper.append(-const)
        #: cells whose every sum is made only of hidden cells (what narrows them is the symbols alone)
        in_pinned_sum = {i for coef, shown in zip(rows, pinned_by_shown) if shown for i in coef}
        self.only_hidden = {c for c in cells if col[c] not in in_pinned_sum}
        inf = highspy.kHighsInf
        bounds = [_bounds(values[c], status[c], threshold, known.get(c), c in blended) for c in cells]
        h = _new_highs()
        lp = highspy.HighsLp()
        lp.num_col_, lp.num_row_ = len(cells), len(rows)
        lp.col_cost_ = np.zeros(len(cells))
        self._lower = np.array([b[0] for b in bounds], dtype=float)
        self._upper = np.array([inf if b[1] is None else b[1] for b in bounds], dtype=float)
        lp.col_lower_, lp.col_upper_ = self._lower, self._upper
        lp.row_lower_, lp.row_upper_ = np.array(lower, dtype=float), np.array(upper, dtype=float)
        starts, index, value = [0], [], []
        by_col: list[list[tuple[int, float]]] = [[] for _ in cells]
        for r, coef in enumerate(rows):
            for c, v in coef.items():
                by_col[c].append((r, v))
        for entries in by_col:
            index += [r for r, _ in entries]
            value += [v for _, v in entries]
            starts.append(len(index))
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_ = np.array(starts, dtype=np.int32)
        lp.a_matrix_.index_ = np.array(index, dtype=np.int32)
        lp.a_matrix_.value_ = np.array(value, dtype=float)
        h.passModel(lp)
        self.h, self.hs = h, highspy
        #: cells seen at their own lowest (highest) possible value in a solution: no programme
        #: can take them further, so that direction needs no solve of its own
        self._at_lower: set[int] = set()
        self._at_upper: set[int] = set()
        self.solves = 0  # how many programmes HiGHS has solved

    def _solve(self, i: int, sense, retry: bool = False, binding: set[int] | None = None) -> float:
        hs, h = self.hs, self.h
        if binding is None:
            if sense == hs.ObjSense.kMinimize and i in self._at_lower:
                return float(self._lower[i])
            if sense == hs.ObjSense.kMaximize and i in self._at_upper:
                return float(self._upper[i])
        h.changeObjectiveSense(sense)
        h.changeColCost(i, 1.0)
        h.run()
        self.solves += 1
        status = h.getModelStatus()
        value = np.nan
        if status == hs.HighsModelStatus.kOptimal:
            solution = h.getSolution()
            x = np.asarray(solution.col_value)
            value = float(x[i])
            self._at_lower.update(np.flatnonzero(x == self._lower).tolist())
            self._at_upper.update(np.flatnonzero(x == self._upper).tolist())
            if binding is not None:
                # rows with a non-zero dual are the equations that stop the cell going further
                binding.update(r for r, d in enumerate(solution.row_dual) if abs(d) > 1e-9)
        h.changeColCost(i, 0.0)
        if status == hs.HighsModelStatus.kOptimal:
            return value
        if status == hs.HighsModelStatus.kInfeasible:
            raise RuntimeError(f"disclosure audit: the equations around {self.cells[i]} have no solution; "
                               "a relation is wrong")
        if status in (hs.HighsModelStatus.kUnbounded, hs.HighsModelStatus.kUnboundedOrInfeasible):
            return np.inf if sense == hs.ObjSense.kMaximize else -np.inf
        if not retry:  # a warm start gone astray: solve again from scratch
            h.clearSolver()
            return self._solve(i, sense, retry=True)
        raise RuntimeError(f"disclosure audit: HiGHS could not solve for {self.cells[i]} ({status})")

    def feasible_range(self, cell: str) -> tuple[float, float]:
        return self.lowest(cell), self.highest(cell)

    def lowest(self, cell: str) -> float:
        return self._solve(self._col[cell], self.hs.ObjSense.kMinimize)

    def highest(self, cell: str) -> float:
        return self._solve(self._col[cell], self.hs.ObjSense.kMaximize)

    def within_bounds(self, cell: str, value: float) -> bool:
        """Whether ``value`` is within the cell's own bounds (its true count always is)."""
        i = self._col[cell]
        return bool(self._lower[i] <= value <= self._upper[i])

    def binding_equations(self, cell: str) -> list[Equation]:
        """The equations that bound ``cell`` at its lowest and highest feasible values (a
        non-zero dual): hiding a shown cell of one of them is what can widen its range."""
        i, rows = self._col[cell], set()
        for sense in (self.hs.ObjSense.kMinimize, self.hs.ObjSense.kMaximize):
            self._solve(i, sense, binding=rows)
        return [self.row_equation[r] for r in sorted(rows)]


def _audit_component(cells: list[str], equations: list[Equation], values: dict[str, float],
                     status: dict[str, str], threshold: int, only: set[str] | None = None,
                     exempt: set[str] | frozenset = frozenset(), known: Known | None = None,
                     blended: set[str] | frozenset = frozenset(), *, ranges: bool = True,
                     stop_at_failure: bool = False, first: set[str] | frozenset = frozenset()) -> list[dict]:
    """One row per hidden cell of a component (``only``: of those cells): its feasible range
    and whether it is protected.

    While planning, only whether each cell is protected matters: with ``ranges=False`` a cell
    protected whatever its range (exempt, a hidden zero) is not solved for, and one whose
    highest possible value is far enough above its true count (which its range holds) needs
    no lowest; the row's ``lowest`` (or both ends) is then NaN. A cell not protected always
    has both ends. ``stop_at_failure``: the rows end at the first cell not protected (the
    caller asks only whether all are), looking first at the cells of ``first``."""
    known = known or {}
    model = _ComponentLP(cells, equations, values, status, threshold, known, blended)
    public_model = None
    public_cells = any(c in known for eq in equations for c in (*eq.parts, eq.total))
    n_eq = {c: 0 for c in cells}
    for eq in equations:
        for c in (*eq.parts, eq.total):
            if c in n_eq:
                n_eq[c] += 1
    out = []
    for c in [c for c in cells if c in first] + [c for c in cells if c not in first]:
        if only is not None and c not in only:
            continue
        public = known.get(c)
        bounds = None if public is None else _bounds(values[c], status[c], threshold, public, c in blended)
        always = c in exempt or (status[c] == SECONDARY and values[c] == 0)

        def wide(lowest, highest, c=c, bounds=bounds):
            return _wide_enough(lowest, highest, status[c], threshold, c in model.only_hidden, bounds)
        if ranges:
            lowest, highest = model.feasible_range(c)
            protected = always or wide(lowest, highest)
        elif always:
            lowest = highest = np.nan
            protected = True
        else:  # the true count is in the range: the highest alone may show the range wide enough
            lowest, highest = np.nan, model.highest(c)
            protected = model.within_bounds(c, values[c]) and wide(values[c], highest)
            if not protected:
                lowest = model.lowest(c)
                protected = wide(lowest, highest)
        if not protected and public_cells:
            if public_model is None:
                public_model = _public_model(equations, values, threshold, known)
            low, high = public_model.feasible_range(c)
            protected = bool(highest - lowest >= high - low - 1e-6)  # what we show adds nothing
            if protected:
                public = (low, high)
        # + 0.0: a zero is 0.0, never the -0.0 a solver may give (the audit file is the same every run)
        out.append({"cell": c, "status": status[c], "value": values[c], "lowest": lowest + 0.0,
                    "highest": highest + 0.0,
                    "protected": protected,
                    "equations": n_eq[c], "exempt": c in exempt,
                    "public": "" if public is None else f"{public[0] + 0.0:g} to {public[1] + 0.0:g}"})
        if stop_at_failure and not protected:
            break
    return out


def _public_model(equations: list[Equation], values: dict[str, float], threshold: int,
                  known: Known) -> _ComponentLP:
    """What a reader who has only DfE's published figures knows of the cells of ``equations``:
    no figure or symbol of ours, so every cell is 0 or more, within what DfE's figures allow.
    When everything we show leaves a hidden cell as wide as this, the briefings reveal
    nothing about it that DfE has not published: e.g. DfE's 'activity not known: 1' with a
    hidden 'not in touch'. Built once per component and solved per failing cell."""
    cells = sorted({x for eq in equations for x in (*eq.parts, eq.total)})
    return _ComponentLP(cells, equations, values, {x: UNSEEN for x in cells}, threshold, known)


def audit(values: dict[str, float], equations: list[Equation], status: dict[str, str], threshold: int,
          exempt: set[str] | frozenset = frozenset(), known: Known | None = None,
          blended: set[str] | frozenset = frozenset()) -> pd.DataFrame:
    """The feasible range of every hidden cell given everything shown (see module docstring).
    ``exempt`` cells are hidden only because their denominator is: they need no protection
    of their own (a reader who can work one out learns a count of a group whose size is hidden).
    ``known``: ranges published figures give for some cells (see :func:`consistent_known`).
    ``blended``: hidden cells whose words do not say which reason hides them."""
    hidden = sorted(status)
    rows: list[dict] = []
    for cells, eqs in _components(hidden, equations):
        rows += _audit_component(cells, eqs, values, status, threshold, exempt=exempt, known=known, blended=blended)
    frame = pd.DataFrame(rows, columns=AUDIT_COLUMNS)
    return frame.sort_values("cell", ignore_index=True)


def primary_cells(values: dict[str, float], threshold: int) -> dict[str, str]:
    return {k: PRIMARY for k, v in values.items() if 0 < v <= threshold}


def plan_disclosure(values: dict[str, float], equations: list[Equation], threshold: int,
                    headline: set[str] | frozenset = frozenset(), max_rounds: int = 10_000,
                    uses: dict[str, int] | None = None, dependents: dict[str, set[str]] | None = None,
                    known: Known | None = None) -> Plan:
    """Primary suppression, then secondary suppression until the audit passes.

    ``values``: cell key -> true count. ``headline``: keys hidden only when no other cell can
    protect. ``uses``: how many shown figures each cell feeds (hiding a cell used by many
    rows, such as the denominator of a whole table, costs more). ``dependents``: for a
    denominator cell, the numerator cells of its rows: when it is a group of 1 to the
    threshold they are hidden too, in every table (a count of a small group, even 0 of it,
    says something about each member). Returns a :class:`Plan` whose ``audit`` has one row
    per hidden cell.
    """
    if threshold < 1:
        raise ValueError(f"the suppression threshold must be 1 or more, not {threshold}")
    known = consistent_known(values, known)
    status = primary_cells(values, threshold)
    exempt = _hide_dependents(status, dependents or {})
    eqs_of: dict[str, list[int]] = {}
    for i, eq in enumerate(equations):
        for c in (*eq.parts, eq.total):
            eqs_of.setdefault(c, []).append(i)

    uses = uses or {}
    headline = _with_equal_cells(set(headline), equations)
    twins = _equal_groups(equations)

    def cost(c: str) -> float:
        # what hiding the cell loses: every figure shown from it (a total that is the
        # denominator of a whole table loses the table), then its size; headlines last.
        # A cell equal to others (the same count in two themes) is hidden with them, so
        # hiding it costs all of them.
        return sum((HEADLINE_COST if x in headline else 0.0) + USE_COST * uses.get(x, 1) + values[x]
                   for x in twins.get(c, (c,)))

    # Hiding one more cell turns a fixed figure into an unknown, so every feasible range can
    # only widen: a cell that passes stays passing. Each round audits, in the components that
    # changed, the cells that changed and those still failing; then hides one more cell in
    # every component that still has a failing cell.
    results: dict[str, dict] = {}
    blended: set[str] = set()
    changed = set(status)
    for _ in range(max_rounds):
        failing_before = {c for c, r in results.items() if not r["protected"]}
        component_of: dict[str, int] = {}
        for n, (cells, eqs) in enumerate(_components(sorted(status), equations)):
            cellset = set(cells)
            for c in cells:
                component_of[c] = n
            if changed & cellset:
                todo = (changed | failing_before) & cellset
                for row in _audit_component(cells, eqs, values, status, threshold, only=todo, exempt=exempt,
                                            known=known, blended=blended, ranges=False):
                    results[row["cell"]] = row
        failing = sorted((c for c, r in results.items() if not r["protected"]), key=lambda c: (values[c], c))
        if not failing:
            break
        changed, handled = set(), set()
        for c in failing:
            if component_of[c] in handled:
                continue
            group = set(_component_of(c, status, eqs_of, equations)[0])
            chosen = _protector(c, values, equations, eqs_of, status, threshold, cost,
                                (results[c]["lowest"], results[c]["highest"]), twins, known, blended,
                                zeros=bool(group & blended), cluster=group)
            if chosen is None and not group <= blended:
                # no shown cell left to hide: the words of the group's hidden cells stop
                # saying which reason hides each one (see "Blended words")
                blended |= group
                changed |= group
            elif chosen is not None:
                for x in twins.get(chosen, (chosen,)):
                    if x not in status:
                        status[x] = SECONDARY
                        changed.add(x)
                        if group & blended:
                            blended.add(x)
            handled.add(component_of[c])
        if not changed:
            break  # nothing more can be hidden: the audit records the failure
    else:  # pragma: no cover - guard against a runaway loop
        raise RuntimeError("secondary suppression did not converge")
    if not failing:  # a failing plan is kept as it is: the batch refuses it anyway
        _unhide_unneeded(values, equations, eqs_of, status, threshold, cost, exempt, twins, known, blended)
        _unblend_unneeded(values, equations, eqs_of, status, threshold, exempt, known, blended)
    blended &= status.keys()
    plan = Plan(threshold=threshold, values=values, equations=equations, status=status, known=known,
                blended=blended)
    plan.audit = audit(values, equations, status, threshold, exempt, known, blended)
    return plan


def consistent_known(values: dict[str, float], known: Known | None) -> Known:
    """The published ranges a reader could rightly apply: those of registered cells whose true
    count lies inside them. A published figure the borough's own count is outside (a different
    extract or definition) would mislead a reader rather than inform them, and as a bound it
    would contradict the true counts."""
    return {c: (float(lo), float(hi)) for c, (lo, hi) in (known or {}).items()
            if c in values and lo - 1e-9 <= values[c] <= hi + 1e-9}


#: How many of the cheapest candidates :func:`_protector` tries (two small LPs each) before
#: falling back to the cheapest: enough to pass over cells that would not help.
TRIED_CANDIDATES = 8


def _with_equal_cells(headline: set[str], equations: list[Equation]) -> set[str]:
    """Headline cells and every cell equal to one (an exact equation with a single part, e.g.
    pupils permanently excluded = permanent exclusions): hiding it would hide the headline."""
    pairs = [(eq.parts[0], eq.total) for eq in equations if eq.exact and len(eq.parts) == 1]
    grown = True
    while grown:
        grown = False
        for a, b in pairs:
            if (a in headline) != (b in headline):
                headline |= {a, b}
                grown = True
    return headline


def _equal_groups(equations: list[Equation]) -> dict[str, tuple[str, ...]]:
    """Cells equal to one another through exact one-part equations (the same count in two
    themes), each mapped to its whole group: they are hidden and shown together, since
    hiding one of them alone hides nothing."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for eq in equations:
        if eq.exact and len(eq.parts) == 1:
            a, b = find(eq.parts[0]), find(eq.total)
            if a != b:
                parent[max(a, b)] = min(a, b)
    groups: dict[str, list[str]] = {}
    for x in list(parent):
        groups.setdefault(find(x), []).append(x)
    return {x: tuple(sorted(g)) for g in groups.values() if len(g) > 1 for x in g}


def _protector(c, values, equations, eqs_of, status, threshold, cost, current=None, twins=None,
               known=None, blended=frozenset(), zeros: bool = False, cluster: set[str] | None = None) -> str | None:
    """The shown cell to hide so that hidden cell ``c`` may be protected.

    Candidates are the cells of an equation with ``c`` or with a hidden cell linked to ``c``
    through hidden cells (a hidden neighbour that its own parts still pin down is freed by
    hiding one of them, which often costs far less than hiding the total they share). Of
    the cheapest few, the first whose hiding widens ``c``'s feasible range (``current``) is
    chosen; if none does, the cheapest; with no candidate and ``zeros`` (the group's words are
    blended, so a hidden zero could be anything), as a last resort, a shown zero. ``cluster``:
    the hidden cells linked to ``c``, when the caller has them."""
    if cluster is None:
        cluster = set(_component_of(c, status, eqs_of, equations)[0])  # hidden cells linked to c
    near = _linked(cluster, eqs_of, equations)
    known = known or {}
    # a count DfE publishes exactly is public: hiding it would protect nothing
    near = {m for m in near if not _published_exactly(m, known)}
    candidates = [m for m in near if m not in status and values[m] > threshold]
    if candidates:
        # cells of an equation that pins ``c`` first: hiding another cell cannot widen its range
        cells, eqs = _component_of(c, status, eqs_of, equations)
        model = _ComponentLP(cells, eqs, values, status, threshold, known, blended)
        pinning = {m for eq in model.binding_equations(c) for m in (*eq.parts, eq.total)}
        candidates.sort(key=lambda m: (m not in pinning, cost(m), m))
    if not candidates:
        if not zeros:
            return None
        shown_zeros = sorted((m for m in near if m not in status and values[m] == 0), key=lambda m: (cost(m), m))
        return shown_zeros[0] if shown_zeros else None
    twins = twins or {}
    if current is not None:
        tried: set[str] = set()
        n_tried = 0
        for m in candidates:
            if m in tried:
                continue
            if n_tried >= TRIED_CANDIDATES:
                break
            group = twins.get(m, (m,))
            tried.update(group)
            n_tried += 1
            trial = {**status, **{x: SECONDARY for x in group}}
            cells, eqs = _component_of(c, trial, eqs_of, equations)
            trial_blend = set(blended) | set(group) if set(cells) & set(blended) else blended
            # hiding more only widens a range: it is wider if either end has moved (the lowest
            # is solved for only when the highest has not)
            model = _ComponentLP(cells, eqs, values, trial, threshold, known, trial_blend)
            if model.highest(c) > current[1] or model.lowest(c) < current[0]:
                return m
    return candidates[0]  # no single cell frees c (it takes two or more): the next round goes on


def _linked(cells, eqs_of, equations) -> set[str]:
    """Every cell of an equation with any of ``cells``."""
    return {m for x in cells for i in eqs_of.get(x, ()) for m in (*equations[i].parts, equations[i].total)}


def _component_of(c, status, eqs_of, equations) -> tuple[list[str], list[Equation]]:
    """The hidden cells linked to ``c`` through equations, and those equations."""
    cells, frontier, eq_ids = {c}, [c], set()
    while frontier:
        new = []
        for x in frontier:
            for i in eqs_of.get(x, ()):
                if i not in eq_ids:
                    eq_ids.add(i)
                    new += [m for m in (*equations[i].parts, equations[i].total) if m in status and m not in cells]
        cells.update(new)
        frontier = new
    return sorted(cells), [equations[i] for i in sorted(eq_ids)]


def _hide_dependents(status: dict[str, str], dependents: dict[str, set[str]]) -> set[str]:
    """Hide the numerator cells of every small (primary) denominator: a count of a group of 1 to
    the threshold, even 0, says something about every member. Primary cells are all known
    before secondary suppression starts, so this runs once. Returns the cells it hid."""
    added = set()
    for den in [d for d, st in status.items() if st == PRIMARY]:
        for num in dependents.get(den, ()):
            if num not in status:
                status[num] = SECONDARY
                added.add(num)
    return added


def _unhide_unneeded(values, equations, eqs_of, status, threshold, cost, exempt=frozenset(), twins=None,
                     known=None, blended=frozenset()) -> None:
    """Show again every secondary cell that the plan can do without (most costly first):
    the greedy step may have hidden a cell that a later choice made unnecessary. A numerator
    of a small hidden denominator (``exempt``) stays hidden; equal cells are shown together."""
    twins = twins or {}
    done: set[str] = set()
    for cell in sorted((c for c, s in status.items() if s == SECONDARY and c not in exempt), key=lambda c: (-cost(c), c)):
        if cell in done or cell not in status:
            continue
        group = [x for x in twins.get(cell, (cell,)) if status.get(x) == SECONDARY and x not in exempt]
        if cell not in group:
            group = [cell]
        done.update(group)
        for x in group:
            del status[x]
        seen: set[str] = set()
        ok = True
        near = _linked(set(group), eqs_of, equations)  # the cells likeliest to lose their protection
        for start in sorted(near & status.keys()):
            if start in seen:
                continue
            cells, eqs = _component_of(start, status, eqs_of, equations)
            seen.update(cells)
            if not all(r["protected"] for r in _audit_component(cells, eqs, values, status, threshold, exempt=exempt,
                                                                known=known, blended=blended, ranges=False,
                                                                stop_at_failure=True, first=near)):
                ok = False
                break
        if not ok:
            for x in group:
                status[x] = SECONDARY


def _unblend_unneeded(values, equations, eqs_of, status, threshold, exempt, known, blended: set[str]) -> None:
    """Give each blended group its own words again wherever the audit passes without the blend
    (cells shown again may have made it unnecessary)."""
    for cells, eqs in _components(sorted(status), equations):
        group = set(cells) & blended
        if not group:
            continue
        rows = _audit_component(cells, eqs, values, status, threshold, exempt=exempt, known=known,
                                blended=blended - group, ranges=False, stop_at_failure=True)
        if all(r["protected"] for r in rows):
            blended -= group
