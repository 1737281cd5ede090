"""Disclosure control: hand-worked tables and property tests."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from safeguarding.config import DEFAULT_SUPPRESSION_THRESHOLD
from safeguarding.measures import disclosure
from safeguarding.measures.disclosure import Margin

PROPERTY_SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def ethnicity_frame(counts, populations=None, total=True):
    groups = [f"g{i}" for i in range(len(counts))]
    populations = populations or [1000 * (i + 1) for i in range(len(counts))]
    frame = pd.DataFrame({"measure_id": "cin.referrals_rate", "area": "E09000001", "breakdown": "ethnicity",
                          "group": groups, "period": 2025, "numerator": counts, "denominator": populations})
    if total:
        frame = pd.concat([frame, pd.DataFrame({"measure_id": ["cin.referrals_rate"], "area": ["E09000001"],
                                                "breakdown": ["ethnicity"], "group": ["Total"], "period": [2025],
                                                "numerator": [sum(counts)], "denominator": [sum(populations)]})],
                          ignore_index=True)
    frame["value"] = frame["numerator"] / frame["denominator"] * 10_000
    frame["lower"] = frame["value"] * 0.8
    frame["upper"] = frame["value"] * 1.2
    frame["method"] = "poisson_exact"
    frame["symbol"] = ""
    return frame


# ---------------------------------------------------------------------------------------
# Hand-worked cases
# ---------------------------------------------------------------------------------------
def test_primary_and_secondary_in_a_breakdown():
    frame = ethnicity_frame([40, 3, 12, 0, 7])
    out = disclosure.suppress(frame)
    assert list(out["symbol"]) == ["", "c", "", "", "c", ""]
    assert list(out["reason"]) == ["", "primary: 1-5", "", "", "secondary: protects a suppressed cell", ""]
    assert out["numerator"].isna().tolist() == [False, True, False, False, True, False]
    assert out.loc[[1, 4], ["value", "lower", "upper"]].isna().all().all()
    # zero and totals stay; denominators (populations) stay
    assert out.loc[3, "numerator"] == 0 and out.loc[5, "numerator"] == 62
    assert out["denominator"].notna().all()
    assert out["numerator"].dtype == "Int64"


def test_threshold_is_inclusive_and_configurable():
    frame = ethnicity_frame([5, 6, 20, 30])
    out = disclosure.suppress(frame)
    assert out.loc[0, "reason"] == "primary: 1-5" and out.loc[1, "reason"] == SECONDARY
    out10 = disclosure.suppress(frame, threshold=10)
    assert out10.loc[1, "reason"] == "primary: 1-10"
    assert DEFAULT_SUPPRESSION_THRESHOLD == 5


SECONDARY = "secondary: protects a suppressed cell"


def test_two_primary_cells_need_no_secondary():
    out = disclosure.suppress(ethnicity_frame([40, 3, 12, 2]))
    assert list(out["reason"]) == ["", "primary: 1-5", "", "primary: 1-5", ""]


def test_secondary_hides_the_only_other_non_zero_cell():
    # 3 + 0 + 30 = 33: the 30 is the only non-zero cell left, so it is hidden, not the zero
    out = disclosure.suppress(ethnicity_frame([3, 0, 30]))
    assert list(out["symbol"]) == ["c", "", "c", ""]
    # a small cell with only zeros beside it: the total equals it and is hidden as small itself
    out = disclosure.suppress(ethnicity_frame([3, 0, 0]))
    assert out.loc[3, "reason"] == "primary: 1-5"
    assert out.loc[[1, 2], "numerator"].tolist() == [0, 0]


def test_cross_tab_prefers_a_zero_to_a_total():
    # column F holds 9 (hidden to protect the 3) and a zero: hiding the zero protects the 9
    # without hiding the column total, which would spread to the total row and column.
    table = pd.DataFrame({"M": [3, 10], "F": [9, 0]}, index=["A", "B"])
    table["Total"] = table.sum(axis=1)
    table.loc["Total"] = table.sum()
    result = disclosure.suppress_cross_tab(table)
    assert (result.symbols.loc[["A", "B"], ["M", "F"]] == "c").all().all()
    assert (result.symbols["Total"] == "").all() and (result.symbols.loc["Total"] == "").all()
    assert result.reasons.loc["B", "F"] == SECONDARY
    assert rank_recoverable_cross_tab(table, result.counts) == []


def test_zero_handling_is_an_option():
    frame = ethnicity_frame([40, 0, 12, 20])
    assert disclosure.suppress(frame).loc[1, "numerator"] == 0
    out = disclosure.suppress(frame, suppress_zero=True)
    assert out.loc[1, "reason"] == "primary: zero"
    assert out.loc[2, "reason"] == SECONDARY


def test_total_outside_the_frame_is_assumed_known():
    frame = ethnicity_frame([40, 3, 12, 20], total=False)
    out = disclosure.suppress(frame)
    assert out.loc[2, "reason"] == SECONDARY
    relaxed = disclosure.suppress(frame, assume_total_known=False)
    assert relaxed.loc[2, "reason"] == ""
    no_secondary = disclosure.suppress(ethnicity_frame([40, 3, 12, 20]), secondary=False)
    assert (no_secondary["reason"] == "primary: 1-5").sum() == 1


def test_small_denominator_hides_denominator_and_value():
    frame = ethnicity_frame([0, 10, 8, 30], populations=[4, 40, 25, 300])
    out = disclosure.suppress(frame)
    assert pd.isna(out.loc[0, "denominator"]) and out.loc[0, "numerator"] == 0
    assert pd.isna(out.loc[0, "value"])
    assert "primary: denominator 1-5" in out.loc[0, "reason"]
    # a second denominator hidden so the first cannot be found from the total
    assert out["reason"].str.contains("secondary: protects a suppressed denominator").sum() == 1
    assert out.loc[2, "reason"] == "secondary: protects a suppressed denominator"
    unprotected = disclosure.suppress(frame, protect_denominator=False)
    assert unprotected["denominator"].notna().all()


def test_complement_protection():
    frame = ethnicity_frame([38, 20, 9], populations=[40, 60, 30])
    assert disclosure.suppress(frame).loc[0, "symbol"] == ""
    out = disclosure.suppress(frame, protect_complement=True)
    assert out.loc[0, "reason"] == "primary: complement 1-5"
    assert out.loc[0, "denominator"] == 40  # the denominator stays shown
    assert out["symbol"].tolist().count("c") >= 2


def test_existing_symbols_are_kept_and_missing_counts_left_alone():
    frame = ethnicity_frame([40, 3, 12, 20])
    frame.loc[1, "symbol"] = "z"
    frame.loc[0, "numerator"] = np.nan
    frame["numerator"] = frame["numerator"].astype(float)
    out = disclosure.suppress(frame)
    assert out.loc[1, "symbol"] == "z" and np.isnan(out.loc[1, "numerator"])
    # the not-available cell is unknown too, so 3 cannot be recovered: no secondary needed
    assert (out["reason"] == SECONDARY).sum() == 0
    assert out["numerator"].dtype == float


def test_symbol_column_created_when_absent_and_na_symbols_are_blank():
    frame = ethnicity_frame([40, 3, 12, 20]).drop(columns="symbol")
    out = disclosure.suppress(frame)
    assert out["symbol"].tolist() == ["", "c", "c", "", ""]
    frame = ethnicity_frame([40, 30, 12, 20])
    frame["symbol"] = pd.Series([None] * 5, dtype=object)
    assert disclosure.suppress(frame)["symbol"].tolist() == [""] * 5


def test_groups_are_separate_margins():
    frame = pd.concat([ethnicity_frame([40, 3, 12]), ethnicity_frame([40, 30, 12]).assign(period=2024)],
                      ignore_index=True)
    out = disclosure.suppress(frame)
    assert out.loc[out["period"] == 2024, "symbol"].eq("").all()
    assert out.loc[out["period"] == 2025, "symbol"].tolist() == ["", "c", "c", ""]


def test_dependent_columns_must_exist_and_extra_ones_are_hidden():
    frame = ethnicity_frame([40, 3, 12, 20]).assign(rri=1.0)
    out = disclosure.suppress(frame, dependent_cols=["value", "lower", "upper", "rri"])
    assert out.loc[[1, 2], "rri"].isna().all() and out.loc[0, "rri"] == 1.0
    with pytest.raises(KeyError):
        disclosure.suppress(frame, dependent_cols=["rrri"])
    with pytest.raises(KeyError):
        disclosure.suppress(frame.drop(columns="group"))
    with pytest.raises(TypeError):
        disclosure.suppress(frame.assign(numerator=frame["numerator"].astype(str)))


def test_two_dimensional_tidy_table_with_margins():
    rows = []
    table = {("A", "M"): 10, ("A", "F"): 12, ("B", "M"): 3, ("B", "F"): 9, ("C", "M"): 8, ("C", "F"): 2}
    for (eth, sex), n in table.items():
        rows.append({"measure_id": "m", "ethnicity": eth, "sex": sex, "numerator": n})
    for eth in "ABC":
        rows.append({"measure_id": "m", "ethnicity": eth, "sex": "Total",
                     "numerator": table[eth, "M"] + table[eth, "F"]})
    for sex in "MF":
        rows.append({"measure_id": "m", "ethnicity": "Total", "sex": sex,
                     "numerator": sum(v for (e, s), v in table.items() if s == sex)})
    rows.append({"measure_id": "m", "ethnicity": "Total", "sex": "Total", "numerator": sum(table.values())})
    frame = pd.DataFrame(rows)
    margins = [Margin(("measure_id", "sex"), "ethnicity"), Margin(("measure_id", "ethnicity"), "sex")]
    out = disclosure.suppress(frame, margins=margins)
    assert disclosure.visible_small_counts(out).empty
    assert disclosure.recoverable_cells(frame, out, margins=margins).empty
    hidden = set(map(tuple, out.loc[out["symbol"] == "c", ["ethnicity", "sex"]].to_numpy()))
    assert hidden == {("B", "M"), ("B", "F"), ("C", "M"), ("C", "F")}
    with pytest.raises(ValueError):
        disclosure.suppress(frame, group_cols=["measure_id"], margins=margins)


def test_cross_tab_hand_worked():
    table = pd.DataFrame({"M": [10, 3, 8], "F": [12, 9, 2]}, index=["A", "B", "C"])
    table["Total"] = table.sum(axis=1)
    table.loc["Total"] = table.sum()
    before = table.copy()
    result = disclosure.suppress_cross_tab(table)
    pd.testing.assert_frame_equal(table, before)
    assert result.symbols.loc["B", "M"] == "c" and result.reasons.loc["B", "M"] == "primary: 1-5"
    assert result.reasons.loc["B", "F"] == SECONDARY and result.reasons.loc["C", "M"] == SECONDARY
    assert result.counts.loc["Total", "Total"] == 44
    assert result.counts["M"].dtype == "Int64"


def test_cross_tab_bridge_pattern_is_caught_by_exact_check():
    # each row and column holds two hidden cells, yet a cell joining two blocks could be found
    # by subtraction; the exact check must hide something more.
    values = np.array([
        [2, 3, 20, 20, 20],
        [3, 2, 4, 20, 20],
        [20, 20, 3, 2, 20],
        [20, 20, 2, 3, 20],
        [20, 20, 20, 20, 20],
    ])
    table = pd.DataFrame(values, index=list("abcde"), columns=list("vwxyz"))
    table["Total"] = table.sum(axis=1)
    table.loc["Total"] = table.sum()
    result = disclosure.suppress_cross_tab(table)
    assert rank_recoverable_cross_tab(table, result.counts) == []


def test_visible_small_counts_and_recoverable_cells_find_problems():
    frame = ethnicity_frame([40, 3, 12, 20])
    assert len(disclosure.visible_small_counts(frame)) == 1
    frame.loc[0, "denominator"] = 4
    assert len(disclosure.visible_small_counts(frame, ["numerator", "denominator"])) == 2
    leaky = frame.copy()
    leaky["numerator"] = leaky["numerator"].astype(float)
    leaky.loc[1, "numerator"] = np.nan
    found = disclosure.recoverable_cells(frame, leaky)
    assert found["group"].tolist() == ["g1"]


def test_round_counts():
    frame = pd.DataFrame({"numerator": [0, 1, 2, 3, 7, 8, 12], "denominator": [10] * 7, "symbol": [""] * 6 + ["z"]})
    frame.loc[6, "numerator"] = 2
    before = frame.copy()
    out = disclosure.round_counts(frame)
    pd.testing.assert_frame_equal(frame, before)
    assert out["numerator"].tolist() == [0, 0, 0, 5, 5, 10, 0]
    assert out["symbol"].tolist() == ["", "low", "low", "", "", "", "z"]
    assert out["denominator"].tolist() == [10] * 7
    assert out["numerator"].dtype == "Int64"
    assert disclosure.round_counts(frame, ["numerator"], base=10)["numerator"].tolist() == [0, 0, 0, 0, 10, 10, 0]
    with_na = disclosure.round_counts(pd.DataFrame({"numerator": [np.nan, 13.0]}))
    assert np.isnan(with_na.loc[0, "numerator"]) and with_na.loc[1, "numerator"] == 15


# ---------------------------------------------------------------------------------------
# Independent check: can a hidden cell be worked out exactly? (rank test, not the module's code)
# ---------------------------------------------------------------------------------------
def _determined_by_rank(equations: np.ndarray, unknown: list[int]) -> list[int]:
    """Unknown j is determined iff dropping its column lowers the rank of the system."""
    if not unknown or equations.size == 0:
        return []
    sub = equations[:, unknown]
    rank = np.linalg.matrix_rank(sub)
    found = []
    for position, cell in enumerate(unknown):
        if np.linalg.matrix_rank(np.delete(sub, position, axis=1)) < rank:
            found.append(cell)
    return found


def rank_recoverable_cross_tab(table: pd.DataFrame, counts: pd.DataFrame) -> list[tuple]:
    rows, cols = table.shape
    labels = [(r, c) for r in table.index for c in table.columns]
    position = {label: i for i, label in enumerate(labels)}
    equations = []
    inner_rows = [r for r in table.index if r != "Total"]
    inner_cols = [c for c in table.columns if c != "Total"]
    for r in table.index:
        eq = np.zeros(len(labels))
        for c in inner_cols:
            eq[position[r, c]] = 1
        eq[position[r, "Total"]] = -1
        equations.append(eq)
    for c in table.columns:
        eq = np.zeros(len(labels))
        for r in inner_rows:
            eq[position[r, c]] = 1
        eq[position["Total", c]] = -1
        equations.append(eq)
    unknown = [position[r, c] for r in table.index for c in table.columns if pd.isna(counts.loc[r, c])]
    return [labels[i] for i in _determined_by_rank(np.array(equations), unknown)]


# ---------------------------------------------------------------------------------------
# Property tests
# ---------------------------------------------------------------------------------------
small_or_any = st.one_of(st.integers(0, 6), st.integers(0, 60))


@st.composite
def breakdown_frames(draw):
    """Several margin groups, each a breakdown with (usually) a total row."""
    frames = []
    for g in range(draw(st.integers(1, 4))):
        counts = draw(st.lists(small_or_any, min_size=1, max_size=7))
        extra = draw(st.lists(st.integers(0, 40), min_size=len(counts), max_size=len(counts)))
        populations = [c + e for c, e in zip(counts, extra)]
        with_total = draw(st.booleans()) or g == 0
        frame = pd.DataFrame({"measure_id": f"m{g}", "breakdown": "ethnicity",
                              "group": [f"g{i}" for i in range(len(counts))],
                              "numerator": counts, "denominator": populations})
        if with_total:
            frame.loc[len(frame)] = [f"m{g}", "ethnicity", "Total", sum(counts), sum(populations)]
        frames.append(frame)
    frame = pd.concat(frames, ignore_index=True)
    frame["numerator"] = frame["numerator"].astype("int64")
    frame["denominator"] = frame["denominator"].astype("int64")
    frame["value"] = 100 * frame["numerator"] / frame["denominator"].where(frame["denominator"] > 0)
    order = draw(st.permutations(list(range(len(frame)))))
    return frame.iloc[list(order)].reset_index(drop=True)


@PROPERTY_SETTINGS
@given(frame=breakdown_frames(), threshold=st.sampled_from([5, 5, 3, 10]),
       complement=st.booleans())
def test_suppress_properties(frame, threshold, complement):
    before = frame.copy(deep=True)
    out = disclosure.suppress(frame, threshold=threshold, protect_complement=complement)

    # input never mutated; rows and order preserved
    pd.testing.assert_frame_equal(frame, before)
    assert len(out) == len(frame) and out.index.equals(frame.index)
    assert out[["measure_id", "group"]].equals(frame[["measure_id", "group"]])

    # no shown count (numerator or denominator) from 1 to the threshold
    assert disclosure.visible_small_counts(out, ["numerator", "denominator"], threshold).empty

    # zeros are shown (numerators never need hiding as zeros in a 1-D breakdown)
    zeros = frame["numerator"] == 0
    assert (out.loc[zeros, "numerator"] == 0).all()

    # every hidden row says c, hides its value, and has a reason; shown rows are untouched
    hidden = out["numerator"].isna() | out["denominator"].isna()
    assert (out.loc[hidden, "symbol"] == "c").all()
    assert out.loc[hidden, "value"].isna().all()
    assert (out.loc[hidden, "reason"] != "").all()
    assert (out.loc[~hidden, "symbol"] == "").all() and (out.loc[~hidden, "reason"] == "").all()
    shown = ~out["numerator"].isna()
    assert (out.loc[shown, "numerator"].astype(int) == frame.loc[shown, "numerator"]).all()
    pd.testing.assert_series_equal(out.loc[~hidden, "value"], frame.loc[~hidden, "value"])

    # in any group with a shown total, the number of hidden members is never exactly one
    for column in ("numerator", "denominator"):
        for _, rows in out.groupby("measure_id"):
            members = rows[rows["group"] != "Total"]
            totals = rows[rows["group"] == "Total"]
            n_hidden = int(members[column].isna().sum())
            original_sum = frame.loc[members.index, column].sum()
            total_known = (len(totals) and totals[column].notna().all()) or (len(totals) == 0
                                                                             and len(members) > 1
                                                                             and original_sum > threshold)
            if total_known:
                assert n_hidden != 1, (column, rows)

    # and no hidden numerator can be worked out by the module's own exact check
    assert disclosure.recoverable_cells(frame, out, threshold=threshold).empty


@st.composite
def cross_tabs(draw):
    n_rows = draw(st.integers(2, 5))
    n_cols = draw(st.integers(2, 5))
    values = draw(st.lists(st.lists(small_or_any, min_size=n_cols, max_size=n_cols),
                           min_size=n_rows, max_size=n_rows))
    table = pd.DataFrame(values, index=[f"r{i}" for i in range(n_rows)], columns=[f"c{j}" for j in range(n_cols)])
    table["Total"] = table.sum(axis=1)
    table.loc["Total"] = table.sum()
    return table


@PROPERTY_SETTINGS
@given(table=cross_tabs())
def test_cross_tab_properties(table):
    before = table.copy(deep=True)
    result = disclosure.suppress_cross_tab(table)
    pd.testing.assert_frame_equal(table, before)
    counts = result.counts
    assert counts.shape == table.shape

    shown = counts.to_numpy(dtype=float, na_value=np.nan)
    assert not ((shown >= 1) & (shown <= DEFAULT_SUPPRESSION_THRESHOLD)).any()
    hidden = np.isnan(shown)
    assert ((result.symbols == "c").to_numpy() == hidden).all()
    assert ((result.reasons != "").to_numpy() == hidden).all()
    # zeros are only ever hidden as secondary protection
    zero_hidden = hidden & (table.to_numpy() == 0)
    assert (result.reasons.to_numpy()[zero_hidden] == "secondary: protects a suppressed cell").all()

    # no row or column with a shown total has exactly one hidden cell
    for i in range(hidden.shape[0]):
        if not hidden[i, -1]:
            assert hidden[i, :-1].sum() != 1
    for j in range(hidden.shape[1]):
        if not hidden[-1, j]:
            assert hidden[:-1, j].sum() != 1

    # and no hidden cell can be worked out from any combination of rows and columns
    assert rank_recoverable_cross_tab(table, counts) == []


def test_keep_shown_moves_secondary_suppression_off_headline_cells():
    import pandas as pd
    from safeguarding.measures.disclosure import suppress
    frame = pd.DataFrame({"measure_id": "m", "breakdown": "activity", "period": "2024-25",
                          "group": ["EET", "NEET", "Not known", "Total"], "numerator": [88, 39, 4, 131]})
    plain = suppress(frame)
    assert plain.loc[1, "symbol"] == "c" and plain.loc[0, "symbol"] == ""  # smallest other cell: NEET
    kept = suppress(frame, keep_shown=["NEET"])
    assert kept.loc[1, "symbol"] == "" and kept.loc[0, "symbol"] == "c" and kept.loc[2, "symbol"] == "c"
    assert kept.loc[3, "symbol"] == ""
