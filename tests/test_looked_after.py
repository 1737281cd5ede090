"""Children looked after (theme 70): hand-computed measures, the published figures the demo
re-aggregates to, disclosure links, DfE-only figures labelled as DfE's, and the briefing."""

from __future__ import annotations

import functools

import pandas as pd
import pytest
from fixtures_data import theme_value
from safeguarding.measures import looked_after as m
from safeguarding.themes.looked_after import LookedAfterView
from safeguarding.themes.registry import THEMES

END = "2025-03-31"
T = pd.Timestamp
NaT = pd.NaT


def _episodes():
    """Six children, worked out by hand in the test below.

    a: looked after since 2023 (open on 1 April), two new carers in the year (P, B) and a change
       of legal status only (L): 3 placements; foster care, care order, at 31 March.
    b: started in June 2024 (S), a temporary placement (T1) and a move with the same carer (T):
       1 placement; children's home at 31 March; UASC.
    c: started in May 2024, ceased in October (returned home, E4A), started again in January 2025
       and ceased on 31 March (adopted, E12): started once, ceased once (last reason: adopted),
       not looked after at 31 March.
    d: short breaks (V3) only: never counted.
    e: looked after since 2020, ceased on 1 April 2024 (special guardianship, E45).
    f: started on 31 March 2025, semi-independent (H5), section 20; UASC whose status ended in
       2024, so not UASC.
    """
    rows = [
        ("a", "2023-05-01", "S", "C2", "U4", "2024-06-01", "X1"), ("a", "2024-06-01", "P", "C2", "U6", "2024-09-01", "X1"),
        ("a", "2024-09-01", "L", "C2", "U6", "2024-12-01", "X1"), ("a", "2024-12-01", "B", "C2", "U4", None, None),
        ("b", "2024-06-10", "S", "V2", "K2", "2024-07-01", "X1"), ("b", "2024-07-01", "P", "V2", "T1", "2024-07-05", "X1"),
        ("b", "2024-07-05", "T", "V2", "K2", None, None),
        ("c", "2024-05-01", "S", "C1", "U6", "2024-10-01", "E4A"), ("c", "2025-01-10", "S", "E1", "A4", "2025-03-31", "E12"),
        ("d", "2024-05-01", "S", "V3", "U6", "2024-05-03", "E8"),
        ("e", "2020-01-01", "S", "C2", "U1", "2024-04-01", "E45"),
        ("f", "2025-03-31", "S", "V2", "H5", None, None),
    ]
    eps = pd.DataFrame(rows, columns=["CHILD", "DECOM", "RNE", "LS", "PLACE", "DEC", "REC"])
    for col in ("DECOM", "DEC"):
        eps[col] = pd.to_datetime(eps[col])
    header = pd.DataFrame({"CHILD": list("abcdef"), "SEX": ["F", "M", "F", "M", "M", "M"],
                           "DOB": pd.to_datetime(["2012-05-01", "2008-02-01", "2020-01-01", "2015-01-01", "2010-01-01",
                                                  "2008-04-01"])})
    uasc = pd.DataFrame({"CHILD": ["b", "f"], "DUC": pd.to_datetime([None, "2024-12-01"])})
    return eps, header, uasc


_value = functools.partial(theme_value, m)


def test_measures_hand_computed():
    eps, header, uasc = _episodes()
    t = m.results(eps, header, uasc, "Test", END, population=20_000)
    # at 31 March: a, b, f (c ceased on 31 March; d is short breaks only; e ceased)
    assert _value(t, "stock_and_flows", "cla_31mar") == 3
    assert _value(t, "stock_and_flows", "rate_per_10k") == pytest.approx(1.5)
    # started: b, c (once, though twice), f; ceased: c (last reason adopted) and e (1 April 2024)
    assert _value(t, "stock_and_flows", "starts") == 3
    assert _value(t, "stock_and_flows", "ceased") == 2
    assert _value(t, "ceased_reasons", "ceased_reason_pct", "reason", "Adopted", "numerator") == 1
    assert _value(t, "ceased_reasons", "ceased_reason_pct", "reason", "Special guardianship order", "numerator") == 1
    assert _value(t, "ceased_reasons", "ceased_reason_pct", "reason", "Returned home to parents or relatives",
                  "numerator") == 0
    # three or more placements: a only (open on 1 April, P, B; the L episode is the same placement);
    # b has 1 (the T1 temporary placement and the same-carer move T are not counted)
    assert _value(t, "placements", "placements_3plus_pct", column="numerator") == 1
    assert m.placements_in_year(eps, T("2024-04-01"), T(END)).to_dict() == {"a": 3, "b": 1, "c": 2, "d": 1, "e": 1, "f": 1}
    # placement at 31 March: a foster, b children's home, f semi-independent
    assert _value(t, "placements", "placement_pct", "placement", "Foster placements", "numerator") == 1
    assert _value(t, "placements", "placement_pct", "placement", "Secure homes and children's homes", "numerator") == 1
    assert _value(t, "placements", "placement_pct", "placement",
                  "Independent and semi-independent living, supported accommodation", "numerator") == 1
    # legal status: a care order, b and f section 20
    assert _value(t, "legal_status", "legal_status_pct", "legal_status", "Care orders", "numerator") == 1
    assert _value(t, "legal_status", "legal_status_pct", "legal_status", "Accommodated under section 20",
                  "numerator") == 2
    # UASC at 31 March: b only (f's status ended in December); among starts: b (f's status had
    # ended before f started)
    assert _value(t, "stock_and_flows", "uasc_pct", column="numerator") == 1
    assert _value(t, "stock_and_flows", "uasc_starts_pct", column="numerator") == 1
    # age on 31 March: a 12 (10 to 15), b 17, f 16 (16 to 17); sex: a female, b and f male
    assert _value(t, "groups", "by_group_pct", "age", "16 to 17", "numerator") == 2
    assert _value(t, "groups", "by_group_pct", "age", "10 to 15", "numerator") == 1
    assert _value(t, "groups", "by_group_pct", "sex", "Female", "numerator") == 1


def test_the_data_quality_count_is_the_theme_count():
    """DQ06 (the files against DfE's count) counts children at 31 March as the theme does."""
    from safeguarding.quality import cla_at_31_march
    eps, header, uasc = _episodes()
    t = m.results(eps, header, uasc, "Test", END, population=None)
    assert cla_at_31_march(eps, 2025) == _value(t, "stock_and_flows", "cla_31mar") == 3


def test_without_header_or_uasc_tables_the_theme_still_counts():
    eps, _, _ = _episodes()
    t = m.results(eps, None, None, "Test", END, population=None)
    assert _value(t, "stock_and_flows", "cla_31mar") == 3
    assert _value(t, "stock_and_flows", "uasc_pct", column="numerator") == 0
    assert _value(t, "groups", "by_group_pct", "sex", m.NOT_RECORDED, "numerator") == 3


def test_children_at_31_march_are_among_those_looked_after_during_the_year():
    keys = {"cla.children_during_year|all|Looked-after children|2024-25", m.P + "cla_31mar|all|All|2024-25",
            m.P + "starts|all|All|2024-25", "cla.children_during_year|ethnicity|Mixed|2024-25"}
    pairs = m._within_children_during_year(keys)
    assert sorted(p[0][0] for p in pairs) == [m.P + "cla_31mar|all|All|2024-25", m.P + "starts|all|All|2024-25"]
    assert {p[1] for p in pairs} == {"cla.children_during_year|all|Looked-after children|2024-25"}


def test_placement_rows_name_lait_counterparts():
    assert m.published_counterpart(m.P + "placement_pct", "placement", "Foster placements") == "cla.foster_pct"
    assert m.published_counterpart(m.P + "placement_pct", "placement", "Residential schools") is None
    assert m.published_counterpart(m.P + "cla_31mar", "all", "All") == "cla.count_31mar"
    assert m.published_counterpart(m.P + "cla_31mar", "age", "1 to 4") is None
    assert m.published_counterpart(m.P + "ceased_reason_pct", "reason", "Adopted") == "cla.ceased_adopted_count"
    assert m.published_counterpart(m.P + "ceased_reason_pct", "reason", "Other reasons") is None


def test_a_published_reason_count_is_public_to_the_plan():
    """LAIT publishes the borough's adoptions: when the own count agrees, the plan treats the cell
    as known exactly (so a neighbouring hidden cell is protected by another), and records why."""

    from safeguarding import config
    from safeguarding.codes.areas import resolve_area
    from safeguarding.results.cells import register_cells
    from safeguarding.results.public import published_ranges
    frame = register_cells(m.results(*_episodes(), "Hounslow", END, population=None)["ceased_reasons"])
    frame.loc[frame["group"] == "Adopted", "numerator"] = 10  # DfE (LAIT): 10 adopted in 2024-25
    known, source = published_ranges([(frame, m.published_counterpart)], resolve_area("hounslow"),
                                     config.published_dir())
    cell = m.P + "ceased|reason|Adopted|2024-25"
    assert known[cell] == (10.0, 10.0) and source[cell] == "cla.ceased_adopted_count"


# ---------------------------------------------------------------------------------------
# Demo boroughs: published figures and the briefing
# ---------------------------------------------------------------------------------------
BOROUGHS = ("hounslow", "city-of-london")


@pytest.fixture(scope="session")
def demo_data(tmp_path_factory):
    from fixtures_data import shared_demo
    return shared_demo(tmp_path_factory, BOROUGHS)


@pytest.fixture(scope="session")
def briefings(demo_data):
    from fixtures_data import theme_briefings
    return theme_briefings(demo_data, "looked_after", BOROUGHS)


def test_demo_re_aggregates_to_the_published_figures(briefings):
    """Hounslow 2024-25 as DfE published it: 263 looked after at 31 March (39 per 10,000), 154
    starting, 178 ceasing; 11% with three or more placements; 21% unaccompanied (LAIT)."""
    from safeguarding.published.figures import area_figure
    b = briefings["hounslow"]
    t = b.results.themes["looked_after"].tables
    for mid, pid in (("cla_31mar", "cla.count_31mar"), ("starts", "cla.starts_count"), ("ceased", "cla.ceased_count")):
        assert _value(t, "stock_and_flows", mid) == area_figure(pid, b.area, 2025, b.published_dir)["value"]
    assert _value(t, "stock_and_flows", "cla_31mar") == 263
    assert round(_value(t, "stock_and_flows", "rate_per_10k")) == 39
    for mid, table, pid in (("placements_3plus_pct", "placements", "cla.placements_3plus_pct"),
                            ("uasc_pct", "stock_and_flows", "cla.uasc_pct")):
        assert round(_value(t, table, mid)) == area_figure(pid, b.area, 2025, b.published_dir)["value"], mid


@pytest.mark.parametrize("slug", BOROUGHS)
def test_every_section_renders(briefings, slug):
    from fixtures_data import check_sections
    check_sections(briefings[slug])


def test_hounslow_findings_in_words(briefings):
    findings = " ".join(briefings["hounslow"].findings)
    assert "There were 263 children looked after on 31 March, 39 per 10,000 children" in findings
    assert "were unaccompanied asylum-seeking children: higher than England" in findings


def test_dfe_only_figures_say_they_are_dfe_s(briefings):
    """Long-term stability cannot come from one year's return: the briefing shows DfE's figure
    for the borough in a column headed so, with no column of the borough's own records."""
    from bs4 import BeautifulSoup
    html = briefings["hounslow"].section("stability").html
    table = next(t for t in BeautifulSoup(html, "html.parser").find_all("table")
                 if "Long-term placement stability" in t.caption.get_text())
    headers = [th.get_text(" ", strip=True) for th in table.find("thead").find_all("th")]
    assert "Hounslow (DfE)" in headers and not any("own records" in h for h in headers)
    rows = {tr.find("th").get_text(strip=True): [td.get_text(strip=True) for td in tr.find_all("td")]
            for tr in table.find("tbody").find_all("tr")}
    assert rows["Long-term stability (DfE's figure)"][0] == "79%"  # DfE: 46 of 58 children


def test_placement_groups_sit_beside_lait_s_figures(briefings):
    from bs4 import BeautifulSoup
    html = briefings["hounslow"].section("placements").html
    table = next(t for t in BeautifulSoup(html, "html.parser").find_all("table")
                 if "by placement (%)" in t.caption.get_text())
    rows = {tr.find("th").get_text(strip=True): [td.get_text(strip=True) for td in tr.find_all("td")]
            for tr in table.find("tbody").find_all("tr")}
    # LAIT, Hounslow 2024-25, printed as DfE publishes it (whole numbers); the own figure keeps its decimal
    assert rows["Foster placements"][:2] == ["60.1%", "61%"]
    assert "Foster placements:" in html and "than England (67%)" in html and "67.0%" not in html


def test_rates_dfe_rounds_to_whole_numbers_are_not_flagged(briefings):
    """39 per 10,000 (38.9 before rounding) is DfE's 39: no 'different figure' finding for it."""
    flagged = {mid for f in briefings["hounslow"].view.quality for mid in f.get("measures", ())}
    assert m.P + "rate_per_10k" not in flagged and m.P + "uasc_pct" not in flagged


def test_view_has_a_section_for_every_record_section():
    assert all(hasattr(LookedAfterView, f"section_{s}") for s in THEMES["looked_after"].section_ids)


def test_a_trend_title_never_reads_an_untested_change_as_real(briefings):
    """Against a year before published without its counts (LAIT's shares), no test is possible:
    a chart title that says 'rose' or 'fell' says so ('UASC: Hounslow rose from 2023-24 to
    2024-25' read as a real change though 19% lies well inside 16.4% to 26.2%)."""
    import re
    html = briefings["hounslow"].section("over_time").html
    titles = re.findall(r"<figcaption>(.*?)</figcaption>", html)
    moved = [t for t in titles if " rose from " in t or " fell from " in t]
    assert moved, titles
    for title in moved:
        assert "chance" in title, title
    assert any(t.endswith("(not tested against chance)") for t in moved), moved


def test_a_section_whose_largest_group_cannot_be_named_does_not_say_all_are_hidden(briefings):
    """Chair read: 'Legal statuses are hidden in this briefing' stood above a table showing
    care orders 160 (60.8%). When some groups are hidden the most common is not named, and the
    words say so; 'hidden in this briefing' only when every group is."""
    import re
    for name in ("legal_status", "ceased"):
        html = briefings["hounslow"].section(name).html
        first = re.search(r"<p>(.*?)</p>", html, re.DOTALL).group(1)
        shows_a_figure = re.search(r"<td[^>]*>\d[\d,]*</td>", html) is not None
        assert not (shows_a_figure and "are hidden in this briefing" in first), (name, first)
        if "most common" not in first:
            assert "some are hidden to protect privacy, so the most common cannot be named" in first, first
    # care orders 160 of 263 against 11 hidden between two groups: certainly the most common, and said so
    first = re.search(r"<p>(.*?)</p>", briefings["hounslow"].section("legal_status").html, re.DOTALL).group(1)
    assert first.startswith("The most common legal status on 31 March: care orders, 160 of 263 children"), first
