"""Episode length bands and the yearly trend of repeat missing, long episodes and timely
interviews (issue 8): hand-computed figures, the relations that let one disclosure plan protect
a small band, and the view's words and titles agreeing with the verdict on chance."""

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from safeguarding.measures import missing as m
from safeguarding.results.relations import cell_key
from safeguarding.results.store import ThemeResults, protect_all
from safeguarding.themes import missing_duration as view
from test_missing_measures import episodes, value

END = "2025-03-31"
HOME, CARE, ALL = m.SCOPES["home"], m.SCOPES["care"], m.SCOPES["all"]
BANDS = [label for label, _ in m.EPISODE_LENGTH]


def ep(person, start, hours, typ="M", frm="HOME", offered_after=None):
    """One episode row for :func:`episodes`: ``hours`` long (None: still open), an interview
    offered ``offered_after`` hours after the return (None: not offered)."""
    start = pd.Timestamp(start)
    end = None if hours is None else start + pd.Timedelta(hours=hours)
    offered = None if offered_after is None or end is None else end + pd.Timedelta(hours=offered_after)
    return (person, start, end, typ, frm, "Y" if offered is not None else "N", None, offered, None, "M", "White",
            "2010-01-01")


@pytest.fixture
def lengths():
    """2024-25: home episodes of 2, 6, 6.5, 24, 30, 48, 49 and 100 hours (6, 24 and 48 are band
    limits, each in the band it closes), one still open and one ending before it starts (neither
    has a length); care: a 1-hour 'away' episode and a 25-hour missing one."""
    rows = [ep(f"H{i}", f"2024-0{4 + i % 5}-0{1 + i % 7} 10:00", h) for i, h in enumerate([2, 6, 6.5, 24, 30, 48, 49, 100])]
    rows += [ep("H8", "2024-10-01 10:00", None), ep("C1", "2024-05-01 10:00", 1, "A", "CARE"),
             ep("C2", "2024-06-01 10:00", 25, "M", "CARE")]
    f = episodes(rows + [ep("H9", "2024-11-01 10:00", -24)])  # ends a day before it starts
    return f


def bands(frame, scope):
    sub = frame[frame["group"].str.startswith(scope + ": ")]
    return {g.split(": ", 1)[1]: int(k) for g, k in zip(sub["group"], sub["numerator"])}, set(sub["denominator"])


def test_episode_length_bands_hand_computed(lengths):
    t = m.episode_length(lengths, "Test", END)
    assert bands(t, HOME) == ({"Up to 6 hours": 2, "6 to 24 hours": 2, "1 to 2 days": 2, "More than 2 days": 2}, {8})
    assert bands(t, CARE) == ({"Up to 6 hours": 1, "6 to 24 hours": 0, "1 to 2 days": 1, "More than 2 days": 0}, {2})
    assert bands(t, ALL) == ({"Up to 6 hours": 3, "6 to 24 hours": 2, "1 to 2 days": 3, "More than 2 days": 2}, {10})
    assert value(t, "missing.episode_length_pct", f"{ALL}: 1 to 2 days")["value"] == pytest.approx(30.0)
    h = m.headline(lengths, "Test", END)
    over = value(h, "missing.over_24h_pct", HOME)
    assert (over["numerator"], over["denominator"]) == (4, 8)  # 30, 48, 49 and 100 hours
    assert value(h, "missing.median_duration_hours", HOME)["value"] == pytest.approx((24 + 30) / 2)
    assert value(h, "missing.median_duration_hours", ALL)["value"] == pytest.approx((24 + 25) / 2)


def test_bands_add_up_to_episodes_that_ended(lengths):
    """The bands add up to the episodes that ended, in every scope: an exact equation of the plan,
    as is 'over 24 hours' = the two bands above a day."""
    frames = {"headline": m.headline(lengths, "Test", END), "length": m.episode_length(lengths, "Test", END)}
    for scope in (HOME, CARE, ALL):
        counts, (ended,) = bands(frames["length"], scope)
        assert sum(counts.values()) == ended == value(frames["headline"], "missing.over_24h_pct", scope)["denominator"]
    _, plan = protect_all({"missing": ThemeResults(frames)}, 5)
    exact = {(frozenset(e.parts), e.total) for e in plan.equations if e.exact}
    for scope in (HOME, CARE, ALL):
        parts = frozenset(cell_key("missing.episodes_ended", m.LENGTH, f"{scope}: {b}", "2024-25") for b in BANDS)
        assert (parts, cell_key("missing.episodes_ended", "scope", scope, "2024-25")) in exact
        over = frozenset(cell_key("missing.episodes_ended", m.LENGTH, f"{scope}: {b}", "2024-25") for b in BANDS[2:])
        assert (over, cell_key("missing.episodes_over_24h", "scope", scope, "2024-25")) in exact


def test_a_small_band_is_protected_with_the_total_shown():
    """40 + 30 + 20 + 3 = 93 episodes: hiding only the 3 would leave it as 93 - 90."""
    hours = [3] * 40 + [12] * 30 + [36] * 20 + [60] * 3
    f = episodes([ep(f"P{i}", pd.Timestamp("2024-04-02") + pd.Timedelta(days=i), h) for i, h in enumerate(hours)])
    frames = {"headline": m.headline(f, "Test", END), "length": m.episode_length(f, "Test", END)}
    protected, plan = protect_all({"missing": ThemeResults(frames)}, 5)
    assert plan.failures.empty
    t = protected["missing"]["length"]
    row = t[t["group"] == f"{ALL}: More than 2 days"].iloc[0]
    assert row["symbol"] == "c" and pd.isna(row["numerator"]) and row["reason"] == "primary"
    assert (t[t["group"].str.startswith(ALL)]["symbol"] == "c").sum() >= 2  # another band hidden too
    shown = t[(t["symbol"] != "c") & t["group"].str.startswith(ALL)]
    assert not shown["numerator"].between(1, 5).any()


# ---- the trend over the years ------------------------------------------------------------------
@pytest.fixture
def two_years():
    """2023-24: 10 children, 4 of them missing twice (14 episodes), an interview offered within 72
    hours after 7. 2024-25: 10 children, 8 twice (18 episodes), offered within 72 hours after 17
    (one offered after 80 hours). Every episode 10 hours, from home, recorded as missing."""
    rows = []
    for year, twice, within in ((2023, 4, 7), (2024, 8, 17)):
        n = 0
        for child in range(10):
            for k in range(2 if child < twice else 1):
                start = pd.Timestamp(year=year, month=4, day=2) + pd.Timedelta(days=20 * child + 5 * k)
                rows.append(ep(f"{year}-{child}", start, 10, offered_after=24 if n < within else
                               (80 if year == 2024 else None)))
                n += 1
    return episodes(rows)


def test_repeat_and_interviews_by_year_hand_computed(two_years):
    t = m.yearly_rates(two_years, "Test", END)
    assert sorted(set(t["period"])) == ["2023-24", "2024-25"]
    y = t.set_index(["measure_id", "group", "period"])
    assert tuple(y.loc[("missing.repeat_2plus_pct", HOME, "2023-24"), ["numerator", "denominator"]]) == (4, 10)
    assert tuple(y.loc[("missing.repeat_2plus_pct", ALL, "2024-25"), ["numerator", "denominator"]]) == (8, 10)
    assert tuple(y.loc[("missing.rhi_offered_within_72h_pct", ALL, "2023-24"), ["numerator", "denominator"]]) == (7, 14)
    assert tuple(y.loc[("missing.rhi_offered_within_72h_pct", ALL, "2024-25"), ["numerator", "denominator"]]) == (17, 18)
    assert y.loc[("missing.over_24h_pct", ALL, "2024-25"), "value"] == 0
    assert y.loc[("missing.median_duration_hours", ALL, "2023-24"), "value"] == pytest.approx(10)
    assert np.isnan(y.loc[("missing.repeat_2plus_pct", CARE, "2024-25"), "value"])  # no child from care
    # the latest year is the same count as the headline's and the interviews table's
    h, r = m.headline(two_years, "Test", END), m.return_interviews(two_years, "Test", END)
    assert value(h, "missing.repeat_2plus_pct", ALL)["numerator"] == 8
    assert value(r, "missing.rhi_offered_within_72h_pct", ALL)["numerator"] == 17
    # the verdict on the latest change: 40% to 80% of 10 children could be chance (Newcombe's
    # interval of the difference, -0.02 to 0.67, includes 0); 50% to 94% of episodes could not
    rep = view.series(t, "missing.repeat_2plus_pct", ALL, ["2023-24", "2024-25"])
    rhi = view.series(t, "missing.rhi_offered_within_72h_pct", ALL, ["2023-24", "2024-25"])
    assert view.latest_change(rep) == (True, True)
    assert view.latest_change(rhi) == (False, True)
    changes = [("More than once", True, (True, True)), ("Interview in 72 hours", False, (True, True))]
    title = view.trend_title(changes, ["2023-24", "2024-25"])
    assert title.startswith("Interviews offered within 72 hours rose in 2024-25, by more than chance")
    assert "repeat" not in title and title.endswith("the other changes could be chance")


def test_title_never_states_a_change_the_words_call_chance():
    periods = ["2023-24", "2024-25"]
    title = view.trend_title([("More than once", True, (True, True)), ("Over 24 hours", True, (True, False))], periods)
    assert title.endswith(": no change from 2023-24 to 2024-25 beyond what chance would explain")
    assert "rose" not in title and "fell" not in title
    hidden = view.trend_title([("More than once", None, (False, False)), ("Over 24 hours", False, (True, True))], periods)
    assert "rose" not in hidden and "chance" not in hidden  # a hidden figure: no claim either way


def test_trend_counts_missing_episodes_across_a_break_in_recording_away():
    """'Away' episodes recorded only from 2024-25 (12 after none): every year counts only episodes
    recorded as missing, and the latest year ties them exactly to the year's figures for all
    episodes, so the plan knows each difference (the 'away' part) is a count of its own."""
    rows = [ep(f"M{y}-{i // 2}", pd.Timestamp(year=y, month=4, day=3) + pd.Timedelta(days=i * 9), 30 if i % 3 else 5,
               "M", "CARE", offered_after=10) for y in (2023, 2024) for i in range(20)]
    rows += [ep(f"M2024-{i}", pd.Timestamp("2024-09-01") + pd.Timedelta(days=i), 26 if i < 4 else 2, "A", "CARE")
             for i in range(12)]
    f = episodes(rows)
    assert (m.recording_breaks(f, END)["category"] == "A").any()
    t = m.yearly_rates(f, "Test", END)
    assert "missing.repeat_2plus_pct" not in set(t["measure_id"])
    latest = t[(t["period"] == "2024-25") & (t["group"] == CARE)].set_index("measure_id")
    assert tuple(latest.loc["missing.repeat_2plus_missing_only_pct", ["numerator", "denominator"]]) == (10, 10)
    assert latest.loc["missing.episodes_away_ended", "value"] == 12
    assert latest.loc["missing.episodes_away_over_24h", "value"] == 4
    # children M2024-0..9 have two missing episodes each; M2024-10 and 11 only 'away' ones: one each
    assert latest.loc["missing.children_2plus_with_away", "value"] == 0
    frames = {"headline": m.headline(f, "Test", END), "trends": t, "rhi": m.return_interviews(f, "Test", END),
              "yearly": m.yearly(f, "Test", END)}
    _, plan = protect_all({"missing": ThemeResults(frames)}, 5)
    def key(concept):
        return cell_key(concept, "scope", CARE, "2024-25")

    exact = {(frozenset(e.parts), e.total) for e in plan.equations if e.exact}
    assert (frozenset({key("missing.episodes_rhi_due"), key("missing.episodes_away_ended")}), key("missing.episodes_ended")) in exact
    assert (frozenset({key("missing.episodes_missing_only_over_24h"), key("missing.episodes_away_over_24h")}),
            key("missing.episodes_over_24h")) in exact
    assert plan.failures.empty


def test_an_end_before_the_start_is_not_an_end_for_interviews_either():
    """An episode whose end is recorded before its start has no length; it used to count as ended
    for interviews but not for length, and the plan stopped with 'relation does not hold'."""
    rows = [ep(f"P{i}", pd.Timestamp("2024-05-01") + pd.Timedelta(days=i), 10, offered_after=5) for i in range(12)]
    f = episodes(rows + [ep("P0", "2024-06-10 10:00", -24, offered_after=5)])  # ends a day before it starts
    assert f["miss_missing_episode_end_date"].notna().all() and f["duration_hours"].isna().sum() == 1
    r = m.return_interviews(f, "Test", END)
    assert value(r, "missing.rhi_offered_pct", ALL)["denominator"] == 12
    frames = {"headline": m.headline(f, "Test", END), "rhi": r, "trends": m.yearly_rates(f, "Test", END)}
    _, plan = protect_all({"missing": ThemeResults(frames)}, 5)
    assert plan.failures.empty


def test_length_words_and_title_agree_and_print_no_hidden_count():
    hours = [3] * 40 + [12] * 30 + [36] * 20 + [60] * 3
    f = episodes([ep(f"P{i}", pd.Timestamp("2024-04-02") + pd.Timedelta(days=i), h) for i, h in enumerate(hours)])
    frames = {"headline": m.headline(f, "Test", END), "length": m.episode_length(f, "Test", END)}
    protected, _ = protect_all({"missing": ThemeResults(frames)}, 5)
    fake = SimpleNamespace(b=SimpleNamespace(period_label="2024-25", threshold=5), r=protected["missing"])
    allr = view.band_rows(protected["missing"]["length"], ALL, BANDS)
    text, title = view.LengthAndTrendSections._length_words(fake, allr)
    assert "The number that lasted more than 2 days is hidden: fewer than 6 episodes." in text
    assert " 3 " not in f" {text} " and "(3%)" not in text
    # both bands of a day or less are shown: the same figure in the words and the title
    assert title.startswith("75% of episodes that ended lasted a day or less")
    assert "In all, 70 of 93 (75%) lasted a day or less." in text
    assert "more than 2 days" not in title  # hidden: the title does not give it either
