"""The partnership overview (theme 00): every theme's headline rows, the borough's place among
all authorities, and what to look at first, from the same verdicts the themes print."""

from __future__ import annotations

import pandas as pd
import pytest
from safeguarding.render.blocks import HtmlBlock
from safeguarding.themes.overview import look_at, quarter_words

END = "2025-03-31"


def test_quarter_of_all_authorities():
    others = pd.Series(range(1, 101), dtype=float)  # 1 to 100
    assert quarter_words(10.5, others) == "lowest quarter of 100"
    assert quarter_words(30.0, others) == "second quarter of 100"
    assert quarter_words(60.0, others) == "third quarter of 100"
    assert quarter_words(99.0, others) == "highest quarter of 100"
    assert quarter_words(float("nan"), others) == ""
    assert quarter_words(5.0, others.head(10)) == ""  # too few authorities to place it


def _row(measure, now, change="", verdict="", polarity="none"):
    return {"theme": "Child protection", "measure": measure, "now": now, "change": change, "verdict": verdict,
            "polarity": polarity}


def test_look_at_lists_what_is_worse_or_moved_beyond_chance():
    rows = [_row("Second or subsequent plans", "30.0%", verdict="higher than England (worse)", polarity="lower_better"),
            _row("Plans starting per 10,000 children", "28.9 per 10,000",
                 change="down from 44.1 per 10,000 (2023-24, published); more than chance"),
            _row("Initial conferences within 15 working days", "70.0%",
                 change="down from 90.3% (2023-24, published); more than chance", polarity="higher_better"),
            _row("Section 47 enquiries per 10,000 children", "124.6 per 10,000",
                 change="down from 150.3 per 10,000 (2023-24, published); could be chance",
                 verdict="not clearly different from England")]
    items = look_at(rows)
    assert items[0] == ("Child protection: second or subsequent plans (30.0%) is higher than England, and worse.")
    # a change for the worse comes before one with no direction; chance is never listed
    assert items[1].startswith("Child protection: initial conferences within 15 working days went down from 90.3%")
    assert items[1].endswith("a change for the worse.")
    assert "plans starting per 10,000 children went down from 44.1" in items[2]
    assert len(items) == 3


def test_nothing_to_look_at_says_so():
    assert look_at([_row("Referrals", "2,158", change="up from 2,100 (2023-24); could be chance")])[0].startswith(
        "No headline figure")


@pytest.fixture(scope="module")
def overview(tmp_path_factory):
    from fixtures_data import shared_demo
    from safeguarding import config
    from safeguarding.briefing import open_briefing
    from safeguarding.codes.areas import resolve_area
    from safeguarding.results.store import build_results
    data = shared_demo(tmp_path_factory, ("hounslow",))
    area = resolve_area("hounslow")
    results = build_results(area, END, config.processed_dir(area.slug, data), config.published_dir(), 5,
                            themes=("overview", "front_door", "child_protection", "neet"))
    return open_briefing("overview", "hounslow", results=results)


def test_overview_rows_are_the_themes_first_page_rows(overview):
    from safeguarding.briefing import open_briefing
    from safeguarding.render.glance import glance_row
    from safeguarding.themes.registry import THEMES
    rows = {(r["theme"], r["measure"]): r for r in overview.view.rows}
    assert {t for t, _ in rows} == {"Front door and referrals", "Child protection",
                                    "Care leavers in education, employment or training"}
    cp = open_briefing("child_protection", "hounslow", results=overview.results)
    g = THEMES["child_protection"].glance[2]
    own = glance_row(cp, g, cp.period_label)
    mine = rows[("Child protection", g.label)]
    assert {k: mine[k] for k in own} == own  # the same words as the theme's first page
    assert mine["among"].endswith("of 151") or mine["among"].endswith("of 152") or mine["among"] == ""


def test_overview_renders_with_links_and_methods(overview):
    block = overview.section("themes")
    assert isinstance(block, HtmlBlock)
    assert 'href="child_protection.html"' in block.html and 'href="front_door.html"' in block.html
    assert ">nan<" not in block.html and ">None<" not in block.html
    assert 1 <= len(overview.findings) <= 6
    methods = overview.methods().html
    assert "Plans starting per 10,000 children" in methods and "Section 47 enquiries" in methods
    assert overview.self_check() == []


def test_five_years_before_is_that_year_or_nothing():
    """'Five years before (published)' is the borough's published figure for exactly five
    years before the year compared, at the published precision, or DfE's symbol for that
    year; an older year is never shown under that heading (City of London showed 2013-14)."""
    from types import SimpleNamespace

    import pandas as pd
    from safeguarding.published import catalogue
    from safeguarding.themes.overview import OverviewView
    from safeguarding.themes.registry import Glance
    measure = catalogue.get_measure("cla.placements_3plus_pct")
    rows = pd.DataFrame({"measure_id": "looked_after.placements_3plus_pct", "breakdown": "all", "group": "All",
                         "period": ["2024-25"], "value": [10.6], "symbol": [""]})

    def sub(trend):
        comp = SimpleNamespace(trend=pd.DataFrame(trend, columns=["year", "value", "symbol"]), year=2025,
                               measure=measure, all_las=pd.DataFrame({"value": [8.0, 10.0, 12.0, 14.0]}))
        return SimpleNamespace(compare=lambda pid: comp, result=lambda mid: rows)

    g = Glance("looked_after.placements_3plus_pct", breakdown="all", group="All")
    placing = OverviewView._placing
    assert placing(sub([(2018, 9.0, ""), (2020, 11.0, "")]), g, "2024-25")["five_years"] == "11% (2019-20)"
    assert placing(sub([(2014, 9.0, ""), (2019, 10.0, "")]), g, "2024-25")["five_years"] == ""
    assert placing(sub([(2014, 9.0, ""), (2020, float("nan"), "c")]), g, "2024-25")["five_years"] == "c (2019-20)"
