"""Breaks in recording (issue 8): a kind of episode that stops or starts being recorded is found,
flagged in data quality without printing small counts, and the trend is read across it on a
comparable series (episodes recorded as missing), never as a real rise or fall."""

import re
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from safeguarding import quality
from safeguarding.measures import missing as m
from safeguarding.results.relations import cell_key
from safeguarding.results.store import ThemeResults, protect_all
from safeguarding.themes.missing import MissingView
from safeguarding.themes.missing_trend import change_in_children

END = "2025-03-31"
CARE, HOME, ALL = m.SCOPES["care"], m.SCOPES["home"], m.SCOPES["all"]


def log(counts: dict) -> pd.DataFrame:
    """A missing log from ``{(financial year end, 'CARE'/'HOME', 'M'/'A'): episodes}``.

    Care children recorded as missing have 2 episodes each; every other child has one, and
    children 'away' are never also missing (so they are 'away' only)."""
    rows = []
    for (year, scope, typ), n in counts.items():
        start = pd.Timestamp(year=year - 1, month=4, day=2)
        for i in range(n):
            child = i // 2 if (scope, typ) == ("CARE", "M") else i
            when = start + pd.Timedelta(days=i % 300, hours=10)
            rows.append((f"{scope}{typ}{year}-{child}", when, when + pd.Timedelta(hours=5), typ, scope))
    f = pd.DataFrame(rows, columns=["miss_person_id", "miss_missing_episode_start_date", "miss_missing_episode_end_date",
                                    "miss_missing_episode_type", "miss_missing_from"])
    f["duration_hours"] = 5.0
    f["source_row"] = range(2, len(f) + 2)
    return f


def away_stops(last_year_away: int) -> pd.DataFrame:
    """Care: missing episodes rise 30, 32, 34, 36, 38; 'away' 25 a year up to ``last_year_away``,
    then none. Home: 20 missing episodes a year."""
    counts = {}
    for k, year in enumerate(range(2021, 2026)):
        counts[(year, "CARE", "M")] = 30 + 2 * k
        counts[(year, "HOME", "M")] = 20
        if year <= last_year_away:
            counts[(year, "CARE", "A")] = 25
    return log(counts)


# ---- finding breaks ---------------------------------------------------------------------
def test_away_episodes_that_stop_are_one_break_with_its_years_and_counts():
    found = m.recording_breaks(away_stops(2022), END)
    care = found[found["scope"] == CARE]
    assert len(care) == 1
    br = care.iloc[0]
    assert (br["category"], br["change"], br["year_before"], br["year_after"]) == ("A", "stopped", "2021-22", "2022-23")
    assert (br["count_before"], br["count_after"], br["total_before"], br["total_after"]) == (25, 0, 57, 34)
    assert found[found["scope"] == HOME].empty
    # the same break shows in 'All children'; it is reported once, for care
    assert set(found["scope"]) == {CARE, ALL}
    assert list(m.distinct_breaks(found)["scope"]) == [CARE]


def test_a_category_that_starts_being_recorded_is_a_break():
    f = pd.DataFrame({"type": ["M"] * 40 + ["M"] * 30 + ["A"] * 12, "year": ["2023-24"] * 40 + ["2024-25"] * 42})
    found = quality.recording_breaks(f, "type", "year")
    assert found[["category", "change", "year_before", "year_after", "count_before", "count_after"]].values.tolist() == \
        [["A", "started", "2023-24", "2024-25", 0, 12]]


def test_a_rare_category_is_not_a_break():
    """2 a year, then none: as likely to be chance as a change in recording."""
    f = pd.DataFrame({"type": ["M"] * 50 + ["X"] * 2 + ["M"] * 50 + ["X"] * 2 + ["M"] * 50,
                      "year": ["2022-23"] * 52 + ["2023-24"] * 52 + ["2024-25"] * 50})
    assert quality.recording_breaks(f, "type", "year").empty
    # the same in the missing log: 2 'away' episodes from care a year, then none
    counts = {(y, "CARE", "M"): 40 for y in range(2021, 2026)} | {(2021, "CARE", "A"): 2, (2022, "CARE", "A"): 2}
    assert m.recording_breaks(log(counts), END).empty


def test_a_small_share_or_a_near_empty_year_is_not_a_break():
    # 12 of 1,012 (1%): too few to move the total
    f = pd.DataFrame({"type": ["M"] * 1000 + ["A"] * 12 + ["M"] * 1000, "year": ["2023-24"] * 1012 + ["2024-25"] * 1000})
    assert quality.recording_breaks(f, "type", "year").empty
    assert len(quality.recording_breaks(f, "type", "year", min_share=0.01)) == 1
    # the year without the category has only 3 records in all: says nothing about one category
    g = pd.DataFrame({"type": ["M"] * 30 + ["A"] * 20 + ["M"] * 3, "year": ["2023-24"] * 50 + ["2024-25"] * 3})
    assert quality.recording_breaks(g, "type", "year").empty
    # a year with no records at all is a gap, not a break
    h = pd.DataFrame({"type": ["A"] * 20 + ["M"] * 20, "year": ["2022-23"] * 20 + ["2024-25"] * 20})
    assert quality.recording_breaks(h, "type", "year", years=["2022-23", "2023-24", "2024-25"]).empty


def test_no_break_in_a_steady_log():
    counts = {(y, s, "M"): 40 for y in range(2021, 2026) for s in ("CARE", "HOME")}
    counts |= {(y, "CARE", "A"): 15 for y in range(2021, 2026)}
    assert m.recording_breaks(log(counts), END).empty


# ---- the yearly series and the disclosure plan -------------------------------------------
def test_yearly_missing_only_and_away_add_up_to_all():
    y = m.yearly(away_stops(2022), "Test", END).set_index(["measure_id", "group", "period"])["value"]
    for scope in (CARE, HOME, ALL):
        for period in ("2020-21", "2021-22", "2022-23", "2023-24", "2024-25"):
            assert y["missing.episodes_missing_only", scope, period] + y["missing.episodes_away", scope, period] == \
                y["missing.episodes", scope, period]
            assert y["missing.children_missing_only", scope, period] + y["missing.children_away_only", scope, period] == \
                y["missing.children", scope, period]
    assert y["missing.episodes_missing_only", CARE, "2020-21"] == 30 and y["missing.episodes_away", CARE, "2021-22"] == 25
    assert y["missing.children_away_only", CARE, "2021-22"] == 25 and y["missing.children_missing_only", CARE, "2021-22"] == 16
    assert y["missing.episodes_away", CARE, "2022-23"] == 0


def test_new_yearly_cells_are_related_exactly_to_the_totals():
    frames = {"yearly": m.yearly(away_stops(2022), "Test", END)}
    _, plan = protect_all({"missing": ThemeResults(frames)}, 5)
    eqs = [e for e in plan.equations if e.exact and len(e.parts) == 2]
    total = cell_key("missing.episodes", "scope", CARE, "2021-22")
    assert any(e.total == total and set(e.parts) == {cell_key("missing.episodes_missing_only", "scope", CARE, "2021-22"),
                                                     cell_key("missing.episodes_away", "scope", CARE, "2021-22")} for e in eqs)
    total = cell_key("missing.children", "scope", CARE, "2021-22")
    assert any(e.total == total and set(e.parts) == {cell_key("missing.children_missing_only", "scope", CARE, "2021-22"),
                                                     cell_key("missing.children_away_only", "scope", CARE, "2021-22")} for e in eqs)


def test_a_small_away_count_cannot_be_worked_out_from_all_minus_missing_only():
    counts = {(y, s, "M"): 40 for y in range(2021, 2026) for s in ("CARE", "HOME")} | {(2024, "CARE", "A"): 3}
    frames = {"yearly": m.yearly(log(counts), "Test", END, by_type=True)}
    protected, plan = protect_all({"missing": ThemeResults(frames)}, 5)
    assert plan.failures.empty
    y = protected["missing"]["yearly"].set_index(["measure_id", "group", "period"])
    away = y.loc[("missing.episodes_away", CARE, "2023-24")]
    assert away["symbol"] == "c" and np.isnan(away["value"])
    # episodes, missing-only episodes: not both shown (43 - 40 would give the 3)
    shown = [y.loc[(mid, CARE, "2023-24"), "symbol"] == "" for mid in ("missing.episodes", "missing.episodes_missing_only")]
    assert not all(shown)
    # children only 'away' (3) are hidden too, with one of the children counts
    assert y.loc[("missing.children_away_only", CARE, "2023-24"), "symbol"] == "c"


# ---- data-quality findings ---------------------------------------------------------------
def _numbers(text: str) -> list[int]:
    """Standalone whole numbers in a text, leaving out year labels ('2021-22')."""
    text = re.sub(r"\b\d{4}-\d{2}\b", " ", text)
    return [int(x.replace(",", "")) for x in re.findall(r"(?<![\w.])\d[\d,]*(?![\w.])", text)]


def test_break_is_flagged_in_data_quality():
    found = m.recording_breaks(away_stops(2022), END)
    rows = quality.check_recording_breaks(m.distinct_breaks(found), m.EPISODE_TYPE_NAMES, m.SCOPE_WORDS)
    assert len(rows) == 1
    row = rows[0]
    assert row["code"] == "MIS08" and row["severity"] == "problem" and row["affected"] == 25
    assert "'Away' episodes from care are recorded up to 2021-22 (25 episodes in 2021-22)" in row["message"]
    assert "not at all from 2022-23" in row["message"] and "recording, not in behaviour" in row["message"]


@pytest.mark.parametrize("n, threshold", [(4, 5), (1, 5), (5, 5), (12, 20)])
def test_data_quality_never_prints_a_count_from_one_to_the_threshold(n, threshold):
    f = pd.DataFrame({"type": ["M"] * 30 + ["A"] * n + ["M"] * 30, "year": ["2023-24"] * (30 + n) + ["2024-25"] * 30})
    found = quality.recording_breaks(f, "type", "year", min_count=1, min_share=0.0)
    rows = quality.check_recording_breaks(found, {"A": "'Away' episodes"}, threshold=threshold)
    assert len(rows) == 1
    message = rows[0]["message"]
    assert f"fewer than {threshold + 1}" in message
    assert not [x for x in _numbers(message) if 1 <= x <= threshold]
    assert pd.isna(rows[0]["affected"])
    assert quality.findings_frame(rows)["affected_symbol"].tolist() == ["c"]


def test_data_quality_gives_no_number_where_a_count_in_the_same_sums_is_small():
    """'Away' 30 in care, 2 missing in care that year: the 30 may be hidden in the tables to
    protect the 2, so the finding must not print it."""
    counts = {(y, s, "M"): 40 for y in range(2021, 2026) for s in ("CARE", "HOME")}
    counts |= {(2021, "CARE", "A"): 30, (2021, "CARE", "M"): 2}
    eps = log(counts)
    found = m.distinct_breaks(m.recording_breaks(eps, END))
    small = m._years_with_small_counts(m.yearly(eps, "Test", END, by_type=True), 5)
    assert "2020-21" in small
    rows = quality.check_recording_breaks(found, m.EPISODE_TYPE_NAMES, m.SCOPE_WORDS, no_counts_in=small)
    assert len(rows) == 1 and pd.isna(rows[0]["affected"])
    assert not _numbers(rows[0]["message"])


def test_compute_adds_the_finding_and_keeps_the_years_in_meta(monkeypatch):
    from safeguarding.codes.areas import resolve_area
    from safeguarding.results.store import Context
    eps = away_stops(2022)
    for col, value in (("miss_missing_rhi_offered", "N"), ("miss_missing_rhi_accepted", None),
                       ("miss_missing_rhi_offered_date", pd.NaT), ("miss_missing_rhi_completed_date", pd.NaT),
                       ("pers_sex", "F"), ("ethnic_major", "White"), ("age_band", "13 to 15")):
        eps[col] = value
    eps["rhi_offered_within_72h"] = False
    eps["hours_to_rhi"] = np.nan
    eps["age_at_start"] = 14
    monkeypatch.setattr("safeguarding.published.population.child_population_by_ethnicity",
                        lambda *a, **k: pd.DataFrame({"major": ["White"], "population_0_17": [10_000.0]}))
    ctx = Context(area=resolve_area("hounslow"), period_end=END, tables={"missing_episodes": eps}, published_dir=None,
                  threshold=5)
    res = m.compute(ctx)
    assert [q["code"] for q in res.quality if q["code"] == "MIS08"] == ["MIS08"]
    assert {"scope": CARE, "category": "A", "change": "stopped", "year_before": "2021-22",
            "year_after": "2022-23"} in res.meta["recording_breaks"]


# ---- the trend section -------------------------------------------------------------------
def view_for(eps) -> MissingView:
    """The missing view over protected results of a hand-made log (trend tables only)."""
    breaks = m.recording_breaks(eps, END)
    tables = {"yearly": m.yearly(eps, "Test", END), "monthly": m.monthly(eps, "Test", END),
              "headline": m.headline(eps, "Test", END)}
    protected, _ = protect_all({"missing": ThemeResults(tables)}, 5)
    r = protected["missing"]
    b = SimpleNamespace(r=r, table=lambda name: r[name], threshold=5, period_label="2024-25",
                        meta={"population_by_major_group": {"White": 1.0},
                              "recording_breaks": breaks[["scope", "category", "change", "year_before",
                                                          "year_after"]].to_dict("records")})
    return MissingView(b)


def trend_parts(view):
    html = view.section_trend().html
    sentence = re.search(r"<p>(.*?)</p>", html, re.DOTALL).group(1).replace("&#x27;", "'")
    title = re.search(r"<figcaption>(.*?)</figcaption>", html, re.DOTALL).group(1).replace("&#x27;", "'")
    return html, sentence, title


def test_trend_across_a_break_says_recording_changed_and_compares_missing_only():
    html, sentence, title = trend_parts(view_for(away_stops(2022)))
    assert sentence.startswith("'Away' episodes from care are recorded up to 2021-22 and not from 2022-23: a change in recording")
    assert "Episodes from care recorded as missing went up from 30 in 2020-21 to 38 in 2024-25" in sentence
    assert "so the apparent fall in all episodes from care, from 55 to 38, is a change in recording, not in behaviour" in sentence
    # children on the missing-only series: 35 (15 care + 20 home) in 2020-21, not 60 with the 25 only 'away'
    assert "In 2020-21 it was 35." in sentence and "60" not in sentence
    assert "fell" not in sentence.lower() and "fewer" not in title.lower()
    assert title == "More children went missing in 2024-25 than in 2023-24 (counting episodes recorded as missing, not 'away')"
    # the table shows the missing-only and 'away' rows for care (each a row header within its group)
    for row in ("Episodes recorded as missing", "Episodes recorded as &#x27;away&#x27;", "Children with an episode recorded as missing"):
        assert f'<th scope="row">{row}</th>' in html


def test_break_between_the_last_two_years_title_and_sentence_agree():
    """'Away' stops in the latest year: all children fall 63 to 39, but children with a missing
    episode rise 38 to 39. Neither the title nor the sentence may call it a fall."""
    view = view_for(away_stops(2024))
    _, sentence, title = trend_parts(view)
    assert "up from 38 in 2023-24" in sentence and "was 39 in 2024-25" in sentence
    assert title.startswith("More children went missing in 2024-25 than in 2023-24")
    assert "fell" not in sentence.lower() and "down from" not in sentence and "fewer" not in title.lower()
    assert "'away' episodes are not recorded from 2024-25" in sentence
    ch = view.r["headline"].query("measure_id == 'missing.children' and group == @ALL").iloc[0]
    finding = change_in_children(view, ch)
    assert "'Away' episodes from care are recorded up to 2023-24 and not from 2024-25" in finding
    assert "counts only children with an episode recorded as missing: 39 in 2024-25, 3% more than in 2023-24" in finding
    assert "fewer" not in finding


def test_trend_without_a_break_is_unchanged():
    counts = {(y, s, "M"): 40 + y - 2021 for y in range(2021, 2026) for s in ("CARE", "HOME")}
    html, sentence, title = trend_parts(view_for(log(counts)))
    assert sentence.startswith("The number of children who went missing was")
    assert "recording" not in sentence and "recording" not in title
    assert "recorded as missing" not in html  # no missing-only rows


def test_after_another_break_only_the_years_since_it_are_compared():
    """Care records only 'away' episodes until 2022-23, then missing ones too: there is no series
    comparable across the change, so the trend starts at it."""
    counts = {(y, "CARE", "A"): 20 for y in range(2021, 2026)} | {(y, "HOME", "M"): 20 for y in range(2021, 2026)}
    counts |= {(2024, "CARE", "M"): 30, (2025, "CARE", "M"): 30}
    found = m.distinct_breaks(m.recording_breaks(log(counts), END))
    assert found[["scope", "category", "change", "year_after"]].values.tolist() == [[CARE, "M", "started", "2023-24"]]
    _, sentence, title = trend_parts(view_for(log(counts)))
    assert sentence.startswith("Episodes recorded as missing from care are not recorded before 2023-24 and are from "
                               "2023-24: a change in recording")
    assert "in 2023-24" in sentence and "2020-21" not in sentence and "2022-23" not in sentence
    assert title == "Children who went missing, by year"  # 2024-25 and 2023-24 have the same number of children
    view = view_for(log(counts))
    ch = view.r["headline"].query("measure_id == 'missing.children' and group == @ALL").iloc[0]
    assert change_in_children(view, ch) == " That is the same number of children as in 2023-24."


def test_when_both_series_move_the_same_way_only_part_of_the_change_is_recording():
    """Care: missing episodes 30 to 80, 'away' 10 a year until 2021-22: all episodes rise too, and
    the sentence must not call the whole rise a change in recording."""
    counts = {(y, "CARE", "M"): 30 + 12 * k for k, y in enumerate(range(2021, 2026))}
    counts |= {(2021, "CARE", "A"): 10, (2022, "CARE", "A"): 10} | {(y, "HOME", "M"): 20 for y in range(2021, 2026)}
    _, sentence, _ = trend_parts(view_for(log(counts)))
    assert "Episodes from care recorded as missing went up from 30 in 2020-21 to 78 in 2024-25" in sentence
    assert "so all episodes from care (40 to 78) are not comparable across that change: part of the difference is in " \
           "recording, not in behaviour." in sentence
    assert "apparent" not in sentence


def test_trend_chart_draws_for_care_only_what_the_change_leaves_alone():
    """Chair read: the chart drew all episodes from care (with the 'away' ones that stopped
    being recorded) under a title counting episodes recorded as missing, with a note calling
    the fall a change in recording. Where 'away' episodes came or went, the lines count
    children and episodes recorded as missing; elsewhere all of them."""
    html, _, _ = trend_parts(view_for(away_stops(2022)))
    html = html.replace("&#x27;", "'")
    alt = re.search(r'<img[^>]* alt="([^"]*)"', html).group(1)
    assert "Missing from care: children with an episode recorded as missing" in alt
    assert "Missing from care: episodes recorded as missing" in alt
    assert not re.search(r"Missing from care: (children|episodes) \d", alt)  # no line of all children or episodes
    assert re.search(r"Missing from home: children \d", alt) and re.search(r"Missing from home: episodes \d", alt)
    assert ("The lines for episodes from care count only episodes recorded as missing, so their years can be compared, "
            "unless some episodes once recorded as 'away' are now recorded as missing") in html
    assert "the table gives all episodes." in html
    assert "not in behaviour." not in re.sub(r"<p>.*?</p>", "", html, count=1, flags=re.DOTALL).split("<table")[0]
