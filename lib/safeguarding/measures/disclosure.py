"""Disclosure control for tables circulated outside the local authority.

Policy (domain brief section 4; ``config.DEFAULT_SUPPRESSION_THRESHOLD``):

Primary suppression
    A count from 1 to ``threshold`` (default 5) is hidden: the number becomes missing and
    the row's ``symbol`` becomes ``c``. Zero is shown by default (``suppress_zero=False``):
    a zero names no child, and DfE and ONS tables show zeros. Set ``suppress_zero=True``
    where a zero would itself be disclosive (e.g. "no child of this group was excluded" in
    a group of two).

Secondary suppression
    Cells are linked by *margins*: a set of rows that add up to a total. A margin is a
    linear equation ``sum(members) = total``; it must never have exactly one unknown,
    otherwise the hidden figure is the total minus the shown members. Where one has, a
    second cell is hidden, chosen in this order:

    1. the smallest non-zero shown member (ties: the first in the frame) -- it loses least
       information and, being non-zero, actually protects;
    2. otherwise a shown zero member (a zero hidden as ``c`` still leaves the split of the
       total unknown, since a reader cannot tell which ``c`` is the zero);
    3. otherwise the total row.

    Zeros before totals: hiding a total spreads into every margin the total belongs to
    (in a 2-D table the total column and row), so hides far more, including headline
    figures. In a 1-D breakdown steps 2 and 3 never arise: a single hidden small cell whose
    other members are all zero makes the total equal to it, so the total is hidden as a
    small count itself. Zeros are therefore hidden only in 2-D or multi-margin tables, and
    only as secondary protection (reason ``secondary: ...``).

    This repeats until every margin is safe. Then an exact check looks for any hidden cell
    that can still be worked out by combining several margins (as can happen in 2-D and
    hierarchical tables), hides one more cell in a margin of each such cell, and repeats.
    The protection is against *exact* recovery by adding and subtracting shown figures;
    bounds (e.g. "between 6 and 10") are not treated as disclosure, as in DfE practice.

Totals outside the frame
    A margin whose total row is not in the frame (e.g. ethnicity groups in one breakdown,
    all children in another, or an England-published total) is assumed to have a known
    total (``assume_total_known=True``), unless that total would itself be hidden
    (1 to ``threshold``), so the protection holds wherever the total is published.
    Set ``secondary=False`` for rows that do not add up (overlapping categories such as
    "2+ episodes" and "3+ episodes").

Rates, percentages and intervals
    When a row's numerator is hidden, everything computed from it (``dependent_cols``,
    default ``value``, ``lower``, ``upper``) is hidden too: with the denominator shown, a
    percentage or even an interval would give the numerator back.
    The denominator stays shown unless it is itself a small count: with
    ``protect_denominator=True`` (the default) the denominator column gets the same
    primary and secondary suppression as the numerator, and a hidden denominator also
    hides the row's value. This is safe for population denominators (ONS populations are
    never 1 to 5, so nothing changes) and necessary for denominators that are counts of
    children (children looked after, care leavers). Showing a large denominator beside a
    hidden numerator discloses nothing: the numerator is still anywhere in its range.
    ``protect_complement=True`` also hides a numerator when ``denominator - numerator`` is
    1 to ``threshold`` (e.g. "38 of 40 care leavers in touch" names the 2 who are not);
    use it when the denominator is a count of children and the table is sensitive.

Output columns
    ``symbol``: ``c`` where anything in the row was hidden, an existing non-blank symbol
    (``z``, ``x``, ``low``) is kept, blank (``""``) otherwise.
    ``reason``: why, joined with ``"; "`` when several apply:
    ``"primary: 1-5"``, ``"primary: zero"``, ``"primary: complement 1-5"``,
    ``"primary: denominator 1-5"``, ``"secondary: protects a suppressed cell"``,
    ``"secondary: protects a suppressed denominator"``; blank when shown.
    Count columns that held integers become pandas ``Int64`` with ``<NA>`` where hidden;
    float columns get NaN. The input frame is never modified and rows are never dropped.

Rounding (:func:`round_counts`) is a separate, optional step.

References
----------
Office for National Statistics (2021), *Statistical Disclosure Control* policy and
Government Statistical Service guidance on disclosure control for tables; Hundepool A
et al. (2012) *Statistical Disclosure Control*, Wiley, ch. 4 (secondary cell suppression).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.linalg import null_space
from scipy.sparse.csgraph import connected_components

from safeguarding.config import DEFAULT_SUPPRESSION_THRESHOLD

#: The symbol for a hidden figure.
SUPPRESSED_SYMBOL = "c"
#: The symbol for a non-zero count that rounds to zero.
LOW_SYMBOL = "low"
#: Columns of a MeasureResult that identify one margin (everything except ``group``).
MEASURE_RESULT_GROUP_COLS = ("measure_id", "area", "breakdown", "period")
#: Columns hidden with a suppressed numerator unless the caller names others.
DEFAULT_DEPENDENT_COLS = ("value", "lower", "upper")

SECONDARY_REASON = "secondary: protects a suppressed cell"
SECONDARY_DENOMINATOR_REASON = "secondary: protects a suppressed denominator"


class Margin(NamedTuple):
    """Rows sharing ``group_cols`` add up to the row whose ``category_col`` is the total label.

    ``category_col=None`` means the frame holds no total rows for this margin.
    """

    group_cols: tuple[str, ...]
    category_col: str | None


class CrossTabSuppression(NamedTuple):
    """Result of :func:`suppress_cross_tab`: three frames shaped like the input."""

    counts: pd.DataFrame
    symbols: pd.DataFrame
    reasons: pd.DataFrame


class _Constraint(NamedTuple):
    members: np.ndarray
    total: int | None


# ----------------------------------------------------------------------------------------
# The engine: cells, margins (linear constraints), hidden mask
# ----------------------------------------------------------------------------------------
def _primary_mask(values: np.ndarray, threshold: float, suppress_zero: bool) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        mask = (values > 0) & (values <= threshold)
        if suppress_zero:
            mask |= values == 0
    return mask


def _active(constraint: _Constraint, values: np.ndarray, threshold: float, assume_total_known: bool) -> bool:
    """Whether a margin's total is known: a total row, or a total published elsewhere."""
    if constraint.total is not None:
        return True
    if not assume_total_known or len(constraint.members) < 2:
        return False
    external_total = np.nansum(values[constraint.members])
    return bool(external_total > threshold)


def _choose_protector(constraint: _Constraint, values: np.ndarray, unknown: np.ndarray,
                      priority: np.ndarray | None = None) -> int | None:
    """The cell to hide next in a margin: smallest non-zero member (among those of lowest
    ``priority``: cells the briefing most needs are hidden last), else a zero, else the total."""
    shown = constraint.members[~unknown[constraint.members]]
    non_zero = shown[values[shown] > 0]
    if non_zero.size:
        if priority is None:
            return int(non_zero[np.argmin(values[non_zero])])
        return int(min(non_zero, key=lambda x: (priority[x], values[x], x)))
    zeros = shown[values[shown] == 0]
    if zeros.size:
        return int(zeros[0])
    if constraint.total is not None and not unknown[constraint.total]:
        return int(constraint.total)
    return None


def _determined(constraints: Sequence[_Constraint], unknown: np.ndarray) -> np.ndarray:
    """Unknown cells whose value follows exactly from the active margins (linear algebra).

    Each margin is an equation ``sum(members) - total = known``. Restricted to the unknown
    cells, a cell is determined when every solution of the homogeneous system is zero in
    that cell, i.e. when the null space has no component along it. Margins sharing no
    unknown cell are solved separately, so large frames of small groups stay fast.
    """
    determined = np.zeros(unknown.shape, dtype=bool)
    unknown_idx = np.flatnonzero(unknown)
    if not constraints or unknown_idx.size == 0:
        return determined
    column_of = np.full(unknown.size, -1)
    column_of[unknown_idx] = np.arange(unknown_idx.size)
    rows, columns, coefficients = [], [], []
    for row, constraint in enumerate(constraints):
        cells = constraint.members
        signs = np.ones(cells.size)
        if constraint.total is not None:
            cells = np.append(cells, constraint.total)
            signs = np.append(signs, -1.0)
        keep = unknown[cells]
        rows.append(np.full(int(keep.sum()), row))
        columns.append(column_of[cells[keep]])
        coefficients.append(signs[keep])
    matrix = sparse.csr_matrix((np.concatenate(coefficients), (np.concatenate(rows), np.concatenate(columns))),
                               shape=(len(constraints), unknown_idx.size))
    pattern = (matrix != 0).astype(np.int8)
    links = sparse.bmat([[None, pattern], [pattern.T, None]])
    _, label = connected_components(links, directed=False)
    equation_label, cell_label = label[:len(constraints)], label[len(constraints):]
    has_unknown = np.diff(matrix.indptr) > 0
    cell_order = np.argsort(cell_label, kind="stable")
    boundaries = np.flatnonzero(np.diff(cell_label[cell_order])) + 1
    for cells in np.split(cell_order, boundaries):
        equations = np.flatnonzero((equation_label == cell_label[cells[0]]) & has_unknown)
        if equations.size == 0:
            continue
        block = matrix[equations][:, cells].toarray()
        basis = null_space(block)  # every solution differs from another by a combination of these
        free = np.any(np.abs(basis) > 1e-9, axis=1) if basis.size else np.zeros(cells.size, dtype=bool)
        determined[unknown_idx[cells[~free]]] = True
    return determined


def _recoverable_after(constraints: Sequence[_Constraint], unknown: np.ndarray, hidden: np.ndarray, extra: int) -> int:
    """How many hidden cells could still be worked out once ``extra`` is hidden too."""
    trial = unknown.copy()
    trial[extra] = True
    still = hidden.copy()
    still[extra] = True
    return int(np.count_nonzero(_determined(constraints, trial) & still))


def _protector_order(constraints: Sequence[_Constraint], values: np.ndarray, unknown: np.ndarray,
                     priority: np.ndarray | None = None) -> list[int]:
    """Shown cells of the given margins in the order they are hidden: non-zero members
    (lowest priority, then smallest, first), then zero members, then totals."""
    pri = np.zeros(len(values)) if priority is None else priority
    members = {int(x) for c in constraints for x in c.members if not unknown[x]}
    totals = {int(c.total) for c in constraints if c.total is not None and not unknown[c.total]} - members
    return (sorted((x for x in members if values[x] > 0), key=lambda x: (pri[x], values[x], x))
            + sorted(x for x in members if not values[x] > 0) + sorted(totals))


def _protect(values: np.ndarray, constraints: Sequence[_Constraint], primary: np.ndarray, threshold: float,
             assume_total_known: bool, priority: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Hidden mask after secondary suppression, and which of those are secondary."""
    pri = np.zeros(len(values)) if priority is None else priority
    hidden = primary.copy()
    missing = np.isnan(values)
    while True:
        changed = False
        # 1. no margin may have exactly one unknown cell
        active = [c for c in constraints if _active(c, values, threshold, assume_total_known)]
        for constraint in active:
            unknown = hidden | missing
            cells = constraint.members if constraint.total is None else np.append(constraint.members, constraint.total)
            if np.count_nonzero(unknown[cells]) == 1 and np.any(hidden[cells]):
                chosen = _choose_protector(constraint, values, unknown, priority)
                if chosen is not None:
                    hidden[chosen] = True
                    changed = True
        if changed:
            continue
        # 2. no hidden cell may follow from several margins together
        active = [c for c in constraints if _active(c, values, threshold, assume_total_known)]
        recoverable = np.flatnonzero(_determined(active, hidden | missing) & hidden)
        for cell in recoverable:
            unknown = hidden | missing
            candidates = [c for c in active if cell in c.members or c.total == cell]
            choices = [_choose_protector(c, values, unknown, priority) for c in candidates]
            choices = [x for x in choices if x is not None]
            if choices:
                non_zero = [x for x in choices if values[x] > 0]
                pool = non_zero or choices
                chosen = min(pool, key=lambda x: (pri[x], values[x], x))
                left = _recoverable_after(active, unknown, hidden, chosen)
                if left:
                    # The usual choice leaves hidden cells that can still be worked out (they are
                    # tied to shown figures through other margins): hide instead the cell, among the
                    # margins of every such cell, that leaves fewest, in the usual order of preference,
                    # rather than hiding cell after cell that do not help.
                    margins = [c for c in active if np.any(np.isin(recoverable, c.members)) or c.total in set(recoverable)]
                    for x in _protector_order(margins, values, unknown, priority):
                        fewer = _recoverable_after(active, unknown, hidden, x)
                        if fewer < left:
                            chosen, left = x, fewer
                hidden[chosen] = True
                changed = True
                break
        if not changed:
            return hidden, hidden & ~primary


# ----------------------------------------------------------------------------------------
# Tidy frames
# ----------------------------------------------------------------------------------------
def _require_columns(frame: pd.DataFrame, columns, what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise KeyError(f"{what}: column(s) {missing} not in the frame (columns: {list(frame.columns)})")


def _numeric_values(frame: pd.DataFrame, column: str) -> np.ndarray:
    series = frame[column]
    if not (pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(series.dtype)):
        raise TypeError(f"Column {column!r} must be numeric to be suppressed, found dtype {series.dtype}")
    return series.astype("Float64").to_numpy(dtype=float, na_value=np.nan)


def _resolve_margins(frame: pd.DataFrame, group_cols, category_col, margins) -> list[Margin]:
    if margins is not None:
        if group_cols is not None:
            raise ValueError("give either group_cols (one margin) or margins (several), not both")
        resolved = [Margin(tuple(m[0]), m[1]) for m in margins]
    else:
        if group_cols is None:
            group_cols = tuple(c for c in MEASURE_RESULT_GROUP_COLS if c in frame.columns)
        resolved = [Margin(tuple(group_cols), category_col)]
    for margin in resolved:
        _require_columns(frame, margin.group_cols, "margin group_cols")
        if margin.category_col is not None:
            _require_columns(frame, [margin.category_col], "margin category_col (pass None if there are no total rows)")
    return resolved


def _tidy_constraints(frame: pd.DataFrame, margins: Sequence[Margin], total_label) -> list[_Constraint]:
    constraints: list[_Constraint] = []
    positions = np.arange(len(frame))
    for margin in margins:
        if margin.category_col is not None:
            is_total = (frame[margin.category_col] == total_label).fillna(False).to_numpy(dtype=bool)
        else:
            is_total = np.zeros(len(frame), dtype=bool)
        if margin.group_cols:
            keys = frame[list(margin.group_cols)].reset_index(drop=True)
            groups = keys.groupby(list(margin.group_cols), dropna=False, sort=False).indices.values()
        else:
            groups = [positions]
        for rows in groups:
            rows = np.sort(np.asarray(rows))
            members = rows[~is_total[rows]]
            totals = rows[is_total[rows]]
            if totals.size:
                constraints.extend(_Constraint(members, int(t)) for t in totals)
            elif members.size:
                constraints.append(_Constraint(members, None))
    return constraints


def _hide(series: pd.Series, mask: np.ndarray) -> pd.Series:
    if pd.api.types.is_integer_dtype(series.dtype):
        series = series.astype("Int64")
    return series.mask(mask)


def _blank_symbols(frame: pd.DataFrame) -> pd.Series:
    if "symbol" not in frame.columns:
        return pd.Series("", index=frame.index, dtype=object)
    return frame["symbol"].astype(object).where(frame["symbol"].notna(), "").astype(str).str.strip().astype(object)


def suppress(frame: pd.DataFrame, count_col: str = "numerator", group_cols: Sequence[str] | None = None,
             category_col: str | None = "group", threshold: int = DEFAULT_SUPPRESSION_THRESHOLD,
             total_label: str = "Total", dependent_cols: Sequence[str] | None = None,
             denominator_col: str | None = None, protect_denominator: bool = True,
             protect_complement: bool = False, suppress_zero: bool = False, secondary: bool = True,
             assume_total_known: bool = True, margins: Sequence[Margin] | None = None,
             keep_shown: Sequence[str] = ()) -> pd.DataFrame:
    """Primary and secondary suppression of a tidy results frame (see the module docstring).

    ``keep_shown`` names categories (values of ``category_col``) or measure ids that secondary
    suppression hides last: the headline figures of a briefing (e.g. NEET among EET / NEET /
    not known).
    Protection is never weakened; only the choice of which extra cell to hide changes.

    Parameters
    ----------
    frame : pandas.DataFrame
        Tidy results, e.g. a MeasureResult. Not modified.
    count_col : str, default 'numerator'
        The count to protect.
    group_cols : sequence of str, optional
        Columns identifying one margin: rows sharing them add up to the row whose
        ``category_col`` equals ``total_label``. Default: those of ``measure_id, area,
        breakdown, period`` present in the frame.
    category_col : str or None, default 'group'
        Column holding the category labels (and ``total_label`` on total rows). None when
        the frame has no total rows.
    threshold : int, default ``config.DEFAULT_SUPPRESSION_THRESHOLD`` (5)
        Counts from 1 to ``threshold`` are hidden. 0 turns primary suppression off.
    total_label : str, default 'Total'
    dependent_cols : sequence of str, optional
        Columns computed from the count, hidden with it. Default: those of ``value, lower,
        upper`` present. **List every column derived from the numerator** (e.g. ``rri``,
        ``rri_lower``, ``rri_upper``): a named column that is missing raises KeyError.
    denominator_col : str, optional
        Default: ``'denominator'`` if present.
    protect_denominator : bool, default True
        Give the denominator its own primary and secondary suppression.
    protect_complement : bool, default False
        Also hide the numerator when ``denominator - numerator`` is 1 to ``threshold``.
    suppress_zero : bool, default False
        Treat zero counts as disclosive too.
    secondary : bool, default True
        Apply secondary suppression. Turn off only for rows that do not add up.
    assume_total_known : bool, default True
        Treat a margin without a total row as having a published total.
    margins : sequence of Margin, optional
        Several margins at once, for 2-D tidy tables (e.g. ethnicity within sex and sex
        within ethnicity): ``[Margin(('measure_id', 'sex'), 'ethnicity'),
        Margin(('measure_id', 'ethnicity'), 'sex')]``. Exclusive with ``group_cols``.

    Returns
    -------
    pandas.DataFrame
        A new frame with the same rows in the same order, hidden figures missing, and
        ``symbol`` and ``reason`` columns (see the module docstring).
    """
    if threshold < 0:
        raise ValueError(f"threshold must be 0 or more, got {threshold!r}")
    _require_columns(frame, [count_col], "count_col")
    resolved = _resolve_margins(frame, group_cols, category_col, margins)
    if dependent_cols is None:
        dependent_cols = [c for c in DEFAULT_DEPENDENT_COLS if c in frame.columns and c != count_col]
    else:
        dependent_cols = list(dependent_cols)
        _require_columns(frame, dependent_cols, "dependent_cols")
    if denominator_col is None:
        denominator_col = "denominator" if "denominator" in frame.columns else None
    elif denominator_col not in frame.columns:
        _require_columns(frame, [denominator_col], "denominator_col")
    if protect_complement and denominator_col is None:
        raise ValueError("protect_complement needs a denominator column")

    constraints = _tidy_constraints(frame, resolved, total_label) if secondary else []
    counts = _numeric_values(frame, count_col)
    reasons = [[] for _ in range(len(frame))]

    primary = _primary_mask(counts, threshold, suppress_zero)
    for i in np.flatnonzero(primary):
        reasons[i].append("primary: zero" if counts[i] == 0 else f"primary: 1-{threshold}")
    if protect_complement:
        denominators = _numeric_values(frame, denominator_col)
        complement = _primary_mask(denominators - counts, threshold, suppress_zero=False) & ~primary
        for i in np.flatnonzero(complement):
            reasons[i].append(f"primary: complement 1-{threshold}")
        primary = primary | complement
    priority = None
    if keep_shown:
        wanted = pd.Series(False, index=frame.index)
        for column in (category_col, "measure_id"):
            if column is not None and column in frame.columns:
                wanted |= frame[column].isin(list(keep_shown))
        priority = wanted.to_numpy(dtype=float)
    hidden, secondary_mask = _protect(counts, constraints, primary, threshold, assume_total_known, priority)
    for i in np.flatnonzero(secondary_mask):
        reasons[i].append(SECONDARY_REASON)

    denominator_hidden = np.zeros(len(frame), dtype=bool)
    if denominator_col is not None and protect_denominator:
        denominators = _numeric_values(frame, denominator_col)
        denominator_primary = _primary_mask(denominators, threshold, suppress_zero)
        for i in np.flatnonzero(denominator_primary):
            reasons[i].append(f"primary: denominator 1-{threshold}")
        denominator_hidden, denominator_secondary = _protect(denominators, constraints, denominator_primary,
                                                             threshold, assume_total_known, priority)
        for i in np.flatnonzero(denominator_secondary):
            reasons[i].append(SECONDARY_DENOMINATOR_REASON)

    row_hidden = hidden | denominator_hidden
    out = frame.copy()
    out[count_col] = _hide(frame[count_col], hidden)
    if denominator_col is not None and denominator_col != count_col:
        out[denominator_col] = _hide(frame[denominator_col], denominator_hidden)
    for column in dependent_cols:
        out[column] = _hide(frame[column], row_hidden)
    symbols = _blank_symbols(frame).to_numpy(dtype=object)
    symbols = np.where(row_hidden & (symbols == ""), SUPPRESSED_SYMBOL, symbols)
    out["symbol"] = pd.Series(symbols, index=frame.index, dtype=object)
    out["reason"] = pd.Series(["; ".join(r) for r in reasons], index=frame.index, dtype=object)
    return out


def recoverable_cells(original: pd.DataFrame, suppressed: pd.DataFrame, count_col: str = "numerator",
                      group_cols: Sequence[str] | None = None, category_col: str | None = "group",
                      threshold: int = DEFAULT_SUPPRESSION_THRESHOLD, total_label: str = "Total",
                      assume_total_known: bool = True, margins: Sequence[Margin] | None = None) -> pd.DataFrame:
    """Rows of ``suppressed`` whose hidden count could be worked out exactly from what is shown.

    A self-check for :func:`suppress`: builds the same margins, treats every missing count
    in ``suppressed`` as unknown, and returns the rows whose value follows from the shown
    counts and totals by linear arithmetic. Empty means the table is safe.
    ``original`` (the frame before suppression) is needed only to tell which totals outside
    the frame would be published (those above ``threshold``).

    Returns
    -------
    pandas.DataFrame
        The offending rows of ``suppressed`` (empty when none).
    """
    if len(original) != len(suppressed):
        raise ValueError("original and suppressed must have the same rows")
    resolved = _resolve_margins(original, group_cols, category_col, margins)
    constraints = _tidy_constraints(original, resolved, total_label)
    values = _numeric_values(original, count_col)
    hidden = np.isnan(_numeric_values(suppressed, count_col))
    active = [c for c in constraints if _active(c, values, threshold, assume_total_known)]
    determined = _determined(active, hidden) & hidden & ~np.isnan(values)
    return suppressed.iloc[np.flatnonzero(determined)]


def visible_small_counts(frame: pd.DataFrame, count_col: str | Sequence[str] = "numerator",
                         threshold: int = DEFAULT_SUPPRESSION_THRESHOLD) -> pd.DataFrame:
    """Rows where a shown count is from 1 to ``threshold``: what disclosure control must not leave.

    Parameters
    ----------
    frame : pandas.DataFrame
    count_col : str or sequence of str, default 'numerator'
        Column(s) to check; a row is returned if any of them holds a small count.
    threshold : int, default 5

    Returns
    -------
    pandas.DataFrame
        The offending rows (empty when the frame is safe).
    """
    columns = [count_col] if isinstance(count_col, str) else list(count_col)
    _require_columns(frame, columns, "visible_small_counts")
    offending = np.zeros(len(frame), dtype=bool)
    for column in columns:
        offending |= _primary_mask(_numeric_values(frame, column), threshold, suppress_zero=False)
    return frame.iloc[np.flatnonzero(offending)]


# ----------------------------------------------------------------------------------------
# Wide 2-D tables
# ----------------------------------------------------------------------------------------
def suppress_cross_tab(table: pd.DataFrame, threshold: int = DEFAULT_SUPPRESSION_THRESHOLD,
                       total_label: str = "Total", suppress_zero: bool = False,
                       assume_total_known: bool = True) -> CrossTabSuppression:
    """Primary and secondary suppression of a wide rows x columns table of counts.

    Each row adds up to its ``total_label`` column and each column to its ``total_label``
    row, when present (a missing total row or column is treated as published elsewhere,
    see ``assume_total_known``). Secondary suppression runs over all rows and columns,
    including the total row and column, until no hidden cell can be recovered (see the
    module docstring).

    Parameters
    ----------
    table : pandas.DataFrame
        Numeric counts; the index holds row labels, the columns column labels. Not modified.
    threshold : int, default 5
    total_label : str, default 'Total'
        Label of the total row (in the index) and total column.
    suppress_zero, assume_total_known : bool
        As :func:`suppress`.

    Returns
    -------
    CrossTabSuppression
        ``counts`` (hidden cells missing; integer columns become ``Int64``), ``symbols``
        (``"c"`` or ``""``) and ``reasons`` (``"primary: 1-5"``, ``"secondary: protects a
        suppressed cell"`` or ``""``), each shaped like ``table``.
    """
    if threshold < 0:
        raise ValueError(f"threshold must be 0 or more, got {threshold!r}")
    for column in table.columns:
        _numeric_values(table, column)
    values = table.astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    n_rows, n_cols = values.shape
    cell = np.arange(n_rows * n_cols).reshape(n_rows, n_cols)
    row_is_total = np.asarray(table.index == total_label, dtype=bool)
    col_is_total = np.asarray(table.columns == total_label, dtype=bool)
    constraints: list[_Constraint] = []
    for r in range(n_rows):
        members = cell[r, ~col_is_total]
        totals = cell[r, col_is_total]
        constraints += [_Constraint(members, int(t)) for t in totals] if totals.size else [_Constraint(members, None)]
    for c in range(n_cols):
        members = cell[~row_is_total, c]
        totals = cell[row_is_total, c]
        constraints += [_Constraint(members, int(t)) for t in totals] if totals.size else [_Constraint(members, None)]
    flat = values.ravel()
    primary = _primary_mask(flat, threshold, suppress_zero)
    hidden, secondary_mask = _protect(flat, constraints, primary, threshold, assume_total_known)
    hidden_2d = hidden.reshape(n_rows, n_cols)

    counts = table.copy()
    for j, column in enumerate(table.columns):
        counts[column] = _hide(table[column], hidden_2d[:, j])
    symbols = pd.DataFrame(np.where(hidden_2d, SUPPRESSED_SYMBOL, ""), index=table.index,
                           columns=table.columns, dtype=object)
    reason = np.where(primary, np.where(flat == 0, "primary: zero", f"primary: 1-{threshold}"),
                      np.where(secondary_mask, SECONDARY_REASON, ""))
    reasons = pd.DataFrame(reason.reshape(n_rows, n_cols), index=table.index, columns=table.columns, dtype=object)
    return CrossTabSuppression(counts, symbols, reasons)


# ----------------------------------------------------------------------------------------
# Rounding
# ----------------------------------------------------------------------------------------
def round_counts(frame: pd.DataFrame, count_cols: Sequence[str] | None = None, base: int = 5) -> pd.DataFrame:
    """Round counts to the nearest ``base`` (half up), for tables where rounding is configured.

    Each cell is rounded on its own, so rounded rows need not add up to the rounded total
    (say so in the table's notes). A non-zero count that rounds to zero gets the symbol
    ``low`` where the symbol is blank. Values, rates and intervals are left as they are
    (computed from unrounded counts, as in DfE tables); hidden (missing) counts stay
    missing. Apply after :func:`suppress` when both are configured.

    Parameters
    ----------
    frame : pandas.DataFrame
        Not modified.
    count_cols : sequence of str, optional
        Default: those of ``numerator, denominator`` present.
    base : int, default 5

    Returns
    -------
    pandas.DataFrame
        A new frame with rounded counts and a ``symbol`` column.
    """
    if base < 1:
        raise ValueError(f"base must be a positive whole number, got {base!r}")
    if count_cols is None:
        count_cols = [c for c in ("numerator", "denominator") if c in frame.columns]
    else:
        count_cols = list(count_cols)
        _require_columns(frame, count_cols, "round_counts")
    out = frame.copy()
    symbols = _blank_symbols(frame).to_numpy(dtype=object)
    for column in count_cols:
        values = _numeric_values(frame, column)
        rounded = np.floor(values / base + 0.5) * base
        symbols = np.where((values > 0) & (rounded == 0) & (symbols == ""), LOW_SYMBOL, symbols)
        if pd.api.types.is_integer_dtype(frame[column].dtype):
            out[column] = pd.array(rounded, dtype="Float64").astype("Int64")
        else:
            out[column] = rounded
    out["symbol"] = pd.Series(symbols, index=frame.index, dtype=object)
    return out
