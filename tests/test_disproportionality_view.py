"""The disproportionality view on the results stage: every section renders from protected
tables for a large borough (Hounslow) and a tiny one (City of London), hidden figures are
worded by their reasons, shown RRIs in the text agree with the tables, and no internal
column reaches the page."""

from __future__ import annotations

import re

import pytest
from bs4 import BeautifulSoup
from safeguarding.measures import disproportionality as m
from safeguarding.render.blocks import HtmlBlock
from safeguarding.themes.disproportionality import DisproportionalityView
from safeguarding.themes.registry import THEMES

END = "2025-03-31"
BOROUGHS = ("hounslow", "city-of-london")
INTERNAL = ("num_concept", "den_concept", "num_cell", "den_cell", "small_numerator", "small_denominator")


@pytest.fixture(scope="session")
def view_data(tmp_path_factory):
    """The repository's processed demo data if present, otherwise demo data generated and ingested."""
    from safeguarding import config
    if all(config.processed_dir(s).is_dir() for s in BOROUGHS):
        return None
    from fixtures_data import shared_demo
    return shared_demo(tmp_path_factory, BOROUGHS)


@pytest.fixture(scope="session")
def briefings(view_data):
    from safeguarding.briefing import open_briefing
    from safeguarding.codes.areas import resolve_area
    from safeguarding.results.store import load_results
    out = {}
    for slug in BOROUGHS:
        results = load_results(resolve_area(slug), END, data_dir=view_data, threshold=5)
        out[slug] = open_briefing("disproportionality", slug, results=results)
    return out


@pytest.fixture(scope="session")
def sections(briefings):
    return {slug: {name: str(b.section(name)) for name in b.record.section_ids} for slug, b in briefings.items()}


def text_of(html: str) -> str:
    return BeautifulSoup(html, "html.parser").get_text(" ")


def table_rows(html: str):
    """(caption, [cell texts]) for every body row of every table."""
    soup = BeautifulSoup(html, "html.parser")
    for table in soup.find_all("table"):
        caption = table.caption.get_text(" ") if table.caption else ""
        heads = [th.get_text(" ") for th in table.thead.find_all("th")]
        for tr in table.tbody.find_all("tr"):
            yield caption, dict(zip(heads, [c.get_text(" ") for c in tr.find_all(["th", "td"])]))


def test_view_has_a_section_for_every_record_section():
    assert THEMES["disproportionality"].section_ids == ("journey", "stages", "progression", "minor_groups", "intersections",
                                                        "over_time")
    assert all(hasattr(DisproportionalityView, f"section_{s}") for s in THEMES["disproportionality"].section_ids)


@pytest.mark.parametrize("slug", BOROUGHS)
def test_every_section_renders(briefings, sections, slug):
    b = briefings[slug]
    for name, html in sections[slug].items():
        assert len(html) > 200, name
        text = text_of(html)
        assert not re.search(r"\b(nan|inf|None)\b", text), (name, re.search(r".{60}\b(nan|inf|None)\b.{60}", text))
    assert isinstance(b.data_quality(), HtmlBlock) and isinstance(b.methods(), HtmlBlock)
    assert "Relative rate index against White British children" in str(b.methods())
    assert b.self_check() == []  # population estimates of 1 to 5 are published figures, not counts
    assert not [f for f in b.findings if re.search(r"\b(nan|None)\b", f)]


@pytest.mark.parametrize("slug", BOROUGHS)
def test_no_internal_column_is_shown(briefings, sections, slug):
    html = "".join(sections[slug].values()) + str(briefings[slug].data_quality()) + str(briefings[slug].methods())
    for column in INTERNAL:
        assert column not in html, column
    assert "|" not in text_of(html)  # cell keys look like 'concept|breakdown|group|period'


def test_hounslow_findings_and_charts(briefings, sections):
    b = briefings["hounslow"]
    assert 3 <= len(b.findings) <= 6
    assert list(b.view.stages) == [s.key for s in m.STAGES]
    journey = sections["hounslow"]["journey"]
    assert "<img" in journey and 'alt="' in journey and "Census 2021" in journey
    assert journey.count("<img") >= 1 and journey.count("<table") >= 3  # chart, journey, population, not known
    assert "Bonferroni" in sections["hounslow"]["intersections"]
    assert "Black Caribbean" in sections["hounslow"]["minor_groups"]


def test_shown_rri_in_the_text_equals_the_table(briefings, sections):
    """The lead sentence of each stage states a shown RRI: it rounds the table's value."""
    b = briefings["hounslow"]
    text = text_of(sections["hounslow"]["stages"])
    checked = 0
    for key, frame in b.view.stages.items():
        stage = m.STAGE_BY_KEY[key]
        whole = m.whole_borough(frame)
        for _, r in whole[(whole["level"] == "major") & whole["rri_wb_verdict"].isin(["over-represented"])].iterrows():
            hit = re.search(rf"{re.escape(r['group'])} \w+ were ([\d.]+) times as likely as White British \w+ to "
                            rf"{re.escape(stage.phrase)} \(95% interval ([\d.]+) to ([\d.]+)\)", text)
            if hit:
                assert float(hit.group(1)) == pytest.approx(round(r["rri_wb"], 1), abs=0.051)
                assert float(hit.group(2)) == pytest.approx(r["rri_wb_lower"], abs=0.0051)
                checked += 1
    assert checked >= 3


@pytest.mark.parametrize("slug", BOROUGHS)
def test_hidden_comparison_is_never_a_number(briefings, sections, slug):
    b = briefings[slug]
    for frame in list(b.view.stages.values()) + list(b.view.steps.values()):
        hidden = frame["rri_wb_verdict"] == m.HIDDEN_VERDICT
        assert frame.loc[hidden, ["rri_wb", "rri_wb_lower", "rri_wb_upper"]].isna().all().all()
        assert frame.loc[frame["symbol"] == "c", "value"].isna().all()
    hidden_groups = {(r["stage"], r["group"]) for f in b.view.stages.values()
                     for _, r in m.whole_borough(f).iterrows() if r["rri_wb_verdict"] == m.HIDDEN_VERDICT}
    assert slug == "hounslow" or hidden_groups
    for caption, row in table_rows(sections[slug]["stages"]):
        verdict = row.get("Verdict", "")
        if verdict.startswith("hidden"):
            wb = row["Compared with White British (95% interval)"]
            assert not re.search(r"\d", wb), (caption, row)
            # (the comparison with all other groups is a separate column: it may be shown, or too few to say)
            assert "too few" not in verdict and "too few" not in wb, (caption, row)


def test_tiny_borough_words_match_reasons(briefings, sections):
    b = briefings["city-of-london"]
    html = "".join(sections["city-of-london"].values())
    text = text_of(html)
    assert "fewer than 6 children" in text
    assert "hidden so that another figure cannot be worked out" in text
    reasons = {r for f in b.view.stages.values() for r in f.loc[f["symbol"] == "c", "reason"]}
    if m.SMALL_GROUP in reasons:
        assert "the whole group it is part of had fewer than 6" in text
    # a row hidden as secondary is never called 'too few' or 'fewer than'
    secondary = {(f["stage"].iat[0], r["group"]) for f in b.view.stages.values()
                 for _, r in m.whole_borough(f).iterrows()
                 if r["level"] == "major" and r["symbol"] == "c" and r["reason"] == "secondary"}
    assert secondary
    seen = 0
    for caption, row in table_rows(sections["city-of-london"]["stages"]):
        stage = next((s for s, _ in secondary if caption.startswith(_measure_label(s))), None)
        if stage is not None and (stage, row.get("Group")) in secondary:
            seen += 1
            assert "too few" not in " ".join(row.values()) and "fewer than" not in row["Verdict"], (caption, row)
    assert seen
    paragraphs = [p.get_text(" ") for p in BeautifulSoup(html, "html.parser").find_all("p")]
    for sentence in (s for p in paragraphs for s in re.split(r"(?<=[.;]) ", p)):
        if "another figure cannot be worked out" in sentence:
            assert "too few" not in sentence, sentence


def _measure_label(stage_label: str) -> str:
    from safeguarding.measures.registry import get
    stage = next(s for s in m.STAGES if s.label == stage_label)
    return get(stage.measure_id).label


def test_findings_count_c_cells(briefings, sections):
    """Hidden cells are shown as 'c' in the tables, for both boroughs (the tiny one has many more)."""
    counts = {slug: len(re.findall(r">c</t[dh]>", "".join(sections[slug].values()))) for slug in BOROUGHS}
    assert counts["city-of-london"] > counts["hounslow"] > 0


def _stage_part(html: str, heading: str) -> str:
    """The text under one stage's heading (up to the next heading of the same level)."""
    soup = BeautifulSoup(html, "html.parser")
    head = next(h for h in soup.find_all("h3") if h.get_text(" ").strip() == heading)
    parts = []
    for sibling in head.find_next_siblings():
        if sibling.name == "h3":
            break
        parts.append(sibling.get_text(" "))
    return " ".join(parts)


@pytest.mark.parametrize("slug", BOROUGHS)
def test_neet_stage_is_worded_per_100_care_leavers(briefings, sections, slug):
    """NEET care leavers are counted against care leavers aged 17 to 21 of the group, never
    against children aged 0 to 17: the words, the table and the notes say so."""
    b = briefings[slug]
    assert "neet" in b.view.stages
    text = _stage_part(sections[slug]["stages"], m.STAGE_BY_KEY["neet"].label)
    assert "per 10,000" not in text and "children aged 0 to 17" not in text
    assert "per 100 care leavers aged 17 to 21" in text.lower()
    heads = [h for caption, row in table_rows(sections[slug]["stages"]) if caption.startswith("NEET care leavers")
             for h in row]
    assert {"NEET care leavers", "Care leavers", "Per 100 care leavers aged 17 to 21"} <= set(heads)
    journey = text_of(sections[slug]["journey"])
    assert "NEET care leavers per 100 care leavers aged 17 to 21" in journey
    assert "counted against children aged 0 to 17" not in journey
    frame = b.view.stages["neet"]
    assert set(frame["measure_id"]) == {"disproportionality.neet_rate_per_100"}
    assert frame["method"].str.startswith("Wilson").all()


def test_over_time_latest_year_is_the_stage_table(briefings, sections):
    """The trend's latest year is the same cells as the stage: the same ratio and verdict (or the
    same 'c'); earlier years come from the same extracts, year by year."""
    from safeguarding.themes.disproportionality_trend import trend_cell
    b = briefings["hounslow"]
    html = sections["hounslow"]["over_time"]
    rows = [(cap, r) for cap, r in table_rows(html)]
    assert rows, "no trend table"
    for key in ("missing", "suspension"):
        stage = m.STAGE_BY_KEY[key]
        latest = b.view.stages[key]
        mine = {r["Ethnic group"].strip(): r for cap, r in rows if cap.startswith(stage.label + ":")}
        assert mine, stage.label
        period = latest["period"].iloc[0]
        for group, r in mine.items():
            expected = trend_cell(b.view.row(latest, group))
            assert r[period].strip() == expected, (key, group, r[period], expected)
    assert "2020-21" in html and "2025-26" not in html


def test_exclusion_stages_compare_with_england_for_the_latest_published_year(briefings, sections):
    """DfE publishes England's exclusions by ethnic group up to 2015/16 in the files held: the
    exclusion stage tables show England's rate and relative rate index for that year (Black
    pupils suspended: 14,370 of 388,515 against White British 116,495 of 4,811,695 = 1.53),
    and the words say the year is older than the briefing's."""
    from safeguarding import config
    if config.published_dir() is None:
        pytest.skip("published statistics not available")
    rows = {(caption, r["Group"]): r for caption, r in table_rows(sections["hounslow"]["stages"])}
    suspended = [k for k in rows if k[0].startswith("Pupils suspended per 100 pupils") and k[1] == "Black"]
    assert suspended, sorted({k[0] for k in rows})
    row = rows[suspended[0]]
    assert row["England 2015/16: compared with White British"] == "1.53"
    assert row["England 2015/16: per 100 pupils"] == "3.70"
    assert rows[(suspended[0][0], "White British")]["England 2015/16: compared with White British"] == "comparison group"
    text = text_of(sections["hounslow"]["stages"])
    assert "the latest year DfE has published by ethnic group in the files held" in text
    assert "England's pattern may have changed since 2015/16" in text
    assert "Permanent and fixed-period exclusions in England" in str(briefings["hounslow"].methods())
    # stages DfE publishes nothing by ethnic group for have no England column
    assert not [k for k in rows if k[0].startswith("Children referred") and "England" in " ".join(rows[k])]


def test_first_page_rows_say_each_child_is_counted_once(briefings):
    """Chair read: 'Referred (per 10,000)' sat on the first page beside the front door's
    referrals per 10,000, which counts referrals, not children. Each row says what it counts."""
    rows = {r["measure"]: r for r in briefings["hounslow"].view.glance_rows()}
    assert "Referred: children, each counted once (per 10,000 children)" in rows
    assert "Child protection plan: children starting a plan in the year, each counted once (per 10,000 children)" in rows
    assert "Looked after: children looked after at any time in the year, each counted once (per 10,000 children)" in rows
    assert any(label.startswith("Suspended") and ": pupils, each counted once (per 100 pupils)" in label for label in rows)
