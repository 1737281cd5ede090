"""Tests for the render layer: formats, tables, charts, sentences and the HTML export."""

from __future__ import annotations

import base64
import io
import math
import re

import numpy as np
import pandas as pd
import pytest
from bs4 import BeautifulSoup
from hypothesis import given, settings, strategies as st
from safeguarding.render.blocks import HtmlBlock, join_blocks, paragraph
from safeguarding.render.charts import (
    Chart,
    bar_chart_with_intervals,
    comparator_chart,
    funnel_plot,
    rri_chart,
    trend_chart,
)
from safeguarding.render.formats import (
    format_count,
    format_interval,
    format_number_for_unit,
    format_percent,
    format_rate,
    symbol_legend,
)
from safeguarding.render.html import (
    BriefingError,
    check_briefing_html,
    export_briefing_html,
    stderr_messages,
)
from safeguarding.render.palette import chart_style
from safeguarding.render.sentences import (
    describe_comparison,
    describe_rri,
    describe_share,
    describe_trend,
    ratio_phrase,
)
from safeguarding.render.tables import html_table, measure_table

NAN = float("nan")
SVG_MAGIC = b"<?xml"


# --------------------------------------------------------------------------- formats


@pytest.mark.parametrize(
    ("value", "symbol", "expected"),
    [
        (1234567, None, "1,234,567"),
        (582.0, None, "582"),
        (0, None, "0"),
        (3, "c", "c"),          # the symbol wins over any number
        (NAN, "c", "c"),
        (NAN, None, "x"),       # missing without a symbol: not available
        (NAN, "z", "z"),
        (12, "", "12"),         # blank symbol means "show the value"
        (12, pd.NA, "12"),
    ],
)
def test_format_count(value, symbol, expected):
    assert format_count(value, symbol) == expected


def test_format_percent_rounds_half_up_and_shows_symbols():
    assert format_percent(64.85) == "64.9%"
    assert format_percent(64.849) == "64.8%"
    assert format_percent(12.0, decimals=0) == "12%"
    assert format_percent(NAN, "c") == "c"
    assert format_percent(0.0001, "low") == "low"
    assert format_percent(-0.04) == "0.0%"  # never "-0.0%"


def test_format_rate_interval_and_units():
    assert format_rate(39.4) == "39 per 10,000"
    assert format_rate(9.3333, per=100) == "9.33 per 100"
    assert format_rate(NAN, "c") == "c"
    assert format_interval(55.21, 74.1) == "55.2 to 74.1"
    assert format_interval(NAN, NAN, "c") == "c"
    assert format_interval(0.5, 0.75, unit="proportion") == "50.0% to 75.0%"
    assert format_number_for_unit(0.648, "proportion") == "64.8%"
    assert format_number_for_unit(12345.6, "rate_per_10000") == "12,346 per 10,000"
    assert format_number_for_unit(12345.6, "rate_per_10000", with_unit=False) == "12,346"
    assert format_number_for_unit(1, "days") == "1 day"
    assert format_number_for_unit(3, "count", "c") == "c"
    with pytest.raises(ValueError, match="Unknown unit"):
        format_number_for_unit(1, "furlongs")


def test_symbol_legend_is_parameterised_by_threshold():
    text = symbol_legend(["c"], threshold=5)
    assert text == ("c = fewer than 6 children, or hidden so that a hidden figure cannot be "
                    "worked out from the total.")
    assert "fewer than 11 episodes" in symbol_legend(["c"], threshold=10, counts="episodes")
    assert symbol_legend([None, ""]) == ""
    assert symbol_legend(["x", "c"]).index("c =") < symbol_legend(["x", "c"]).index("x =")


# --------------------------------------------------------------------------- tables


@pytest.fixture()
def result_frame() -> pd.DataFrame:
    """A MeasureResult-like frame where one row is suppressed but still holds its numbers."""
    return pd.DataFrame({
        "measure_id": "missing.rhi_offered_within_72h_pct",
        "area": "hounslow",
        "breakdown": "sex",
        "group": ["Boys", "Girls", "Unknown"],
        "period": 2025,
        "numerator": [1377.0, 4.0, NAN],
        "denominator": [2582.0, 47.0, NAN],
        "value": [53.33, 8.51, NAN],
        "lower": [51.4, 3.4, NAN],
        "upper": [55.2, 19.9, NAN],
        "method": "wilson",
        "symbol": [None, "c", "x"],
    })


def test_html_table_structure(result_frame):
    block = html_table(
        result_frame,
        {"group": "Sex", "numerator": "Episodes", "denominator": "Out of",
         "value": "Percentage", "interval": "95% confidence interval"},
        units={"value": "percent"},
        caption="Return interviews offered within 72 hours, by sex",
        note="Episodes, not children.",
        source="Missing episodes log",
    )
    assert isinstance(block, HtmlBlock)
    assert block._repr_html_() == block.html
    soup = BeautifulSoup(block.html, "html.parser")
    table = soup.find("table")
    assert table.caption.get_text() == "Return interviews offered within 72 hours, by sex"
    header_cells = table.thead.find_all("th")
    assert [th["scope"] for th in header_cells] == ["col"] * 5
    rows = table.tbody.find_all("tr")
    assert rows[0].find("th")["scope"] == "row"
    assert [c.get_text() for c in rows[0].find_all("td")] == ["1,377", "2,582", "53.3%",
                                                              "51.4% to 55.2%"]
    numeric = rows[0].find_all("td")
    assert all("num" in td["class"] for td in numeric)
    assert all("text-align:right" in td["style"] for td in numeric)
    assert [c.get_text() for c in rows[1].find_all("td")] == ["c", "47", "c", "c"]
    assert [c.get_text() for c in rows[2].find_all("td")] == ["x", "x", "x", "x"]
    notes = " ".join(p.get_text() for p in soup.select("p.table-note"))
    assert "c = fewer than 6 children" in notes
    assert "x = not available" in notes
    assert "Episodes, not children." in notes
    assert "Source: Missing episodes log" in notes


def test_html_table_never_leaks_a_suppressed_value(result_frame):
    block = measure_table(result_frame, "percent", caption="By sex", counts="episodes")
    text = BeautifulSoup(block.html, "html.parser").get_text(" ")
    girls = re.search(r"Girls(.*?)(Unknown|$)", text).group(1)
    assert "4" not in girls.replace("47", "")  # the hidden numerator 4
    for hidden in ("8.5", "3.4", "19.9"):
        assert hidden not in block.html
    assert "fewer than 6 episodes" in text


def test_html_table_escapes_text_and_requires_caption():
    frame = pd.DataFrame({"group": ["<script>alert(1)</script>"], "value": [1.0]})
    block = html_table(frame, {"group": "Group", "value": "Value"}, caption="A & B")
    assert "<script>" not in block.html
    assert "A &amp; B" in block.html
    with pytest.raises(ValueError, match="caption"):
        html_table(frame, {"group": "Group"}, caption=" ")
    with pytest.raises(ValueError, match="not in the frame"):
        html_table(frame, {"nope": "Nope"}, caption="x")


def test_blocks_join_and_escape():
    joined = join_blocks("Fewer than <6>", HtmlBlock("<p>ok</p>"), None)
    assert joined.html == "<p>Fewer than &lt;6&gt;</p>\n<p>ok</p>"
    assert (paragraph("a") + paragraph("b")).html == "<p>a</p>\n<p>b</p>"


# --------------------------------------------------------------------------- charts


def _img(chart: Chart):
    soup = BeautifulSoup(chart._repr_html_(), "html.parser")
    return soup, soup.find("img")


def _decode(img) -> bytes:
    src = img["src"]
    assert src.startswith("data:image/svg+xml;base64,")
    return base64.b64decode(src.split(",", 1)[1], validate=True)


def test_bar_chart_html_has_alt_and_decodable_svg():
    chart = bar_chart_with_intervals(
        ["All children", "Boys", "Girls"], [30.0, 33.0, NAN], [27.0, 29.0, NAN],
        [33.0, 37.0, NAN], symbols=[None, None, "c"], reference=25.0,
        title="Boys went missing more often than girls",
        alt="Bar chart of the percentage who went missing: all children 30%, boys 33%; "
            "girls hidden.",
    )
    soup, img = _img(chart)
    assert soup.find("figure") is not None
    assert soup.find("figcaption").get_text() == "Boys went missing more often than girls"
    assert img["alt"].startswith("Bar chart of the percentage")
    svg = _decode(img)
    assert svg.startswith(SVG_MAGIC)
    assert svg == chart.image
    text = svg.decode("utf-8")
    # words are text (they scale with zoom and print sharp), drawn at 6.8 in wide (fits A4)
    assert ">Girls<" in text and ">c (hidden)<" in text
    assert 'width="489.6pt"' in text
    assert "<metadata>" not in text and not re.search(r"\d\.\d{3}", text)
    assert int(img["width"]) == 653  # 6.8 in at 96 CSS px per inch
    assert "c = hidden to protect privacy" in " ".join(chart.notes)


@pytest.mark.parametrize("alt", ["", "   ", None])
def test_charts_require_alt_text(alt):
    with pytest.raises(ValueError, match="alt text"):
        bar_chart_with_intervals(["A"], [1.0], title="A finding", alt=alt)
    with pytest.raises(ValueError, match="alt text"):
        trend_chart(["2024", "2025"], {"Hounslow": [1, 2]}, title="T", alt=alt, unit="count")


def test_trend_chart_gaps_and_no_pyplot_state():
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    chart = trend_chart(
        ["2021", "2022", "2023", "2024", "2025"],
        {"Hounslow": [31, 3, 30, 35, 39], "England": [65, 66, 67, 67, 67]},
        symbols={"Hounslow": [None, "c", None, None, None]},
        intervals={"Hounslow": ([27, NAN, 26, 31, 35], [35, NAN, 34, 39, 43])},
        title="Hounslow's rate has risen", alt="Line chart of rates, 2021 to 2025.",
        unit="rate_per_10000",
    )
    assert plt.get_fignums() == before  # nothing left for the inline backend to show
    line = chart.figure.axes[0].get_lines()
    hounslow = [ln for ln in line if ln.get_label() == "Hounslow"][0]
    assert math.isnan(hounslow.get_ydata()[1])  # the hidden point is a gap, not 3
    assert any("gap in a line" in n for n in chart.notes)
    assert _decode(_img(chart)[1]).startswith(SVG_MAGIC)


def test_funnel_comparator_and_rri_charts_render():
    rng = np.random.default_rng(0)
    points = pd.DataFrame({"area": [f"LA{i}" for i in range(40)],
                           "denominator": rng.integers(100, 2000, 40)})
    points["value"] = rng.normal(10, 2, 40)
    points.loc[0, "area"] = "Hounslow"
    d = np.linspace(50, 2100, 50)
    se = np.sqrt(0.09 / d) * 100
    limits = pd.DataFrame({"denominator": d, "lower_95": 10 - 1.96 * se,
                           "upper_95": 10 + 1.96 * se, "lower_99_8": 10 - 3.09 * se,
                           "upper_99_8": 10 + 3.09 * se})
    funnel = funnel_plot(points, limits, borough="Hounslow", neighbours=["LA1", "LA2"],
                         centre=10.0, title="Within the limits", alt="Funnel plot.",
                         unit="percent")
    # England's figure in the legend as DfE published it (10%), the measure's own places otherwise
    assert b"England (10.0%)" in funnel_plot(points, limits, borough="Hounslow", centre=10.0, title="T", alt="A",
                                             unit="percent", decimals=1).image
    published = funnel_plot(points, limits, borough="Hounslow", centre=10.0, title="T", alt="A", unit="percent",
                            decimals=1, centre_decimals=0).image
    assert b"England (10%)" in published and b"England (10.0%)" not in published
    comparators = pd.DataFrame({
        "label": ["Hounslow", "Hounslow (published)", "England", "London",
                  "Statistical neighbours (median)", "Ealing", "Brent"],
        "value": [39.0, 41.0, 67.0, 51.0, 45.0, NAN, 38.0],
        "symbol": [None, None, None, None, None, "c", None],
        "role": ["borough", "borough_published", "england", "london", "neighbours_median",
                 "neighbours", "neighbours"],
    })
    comp = comparator_chart(comparators, title="Lower than England", alt="Dot chart.",
                            unit="rate_per_10000")
    rri = rri_chart(
        pd.DataFrame({
            "stage": ["Referrals"] * 3 + ["Exclusions"] * 3,
            "group": ["White British", "Black", "Mixed"] * 2,
            "value": [1.0, 2.1, 0.9, 1.0, NAN, 1.2],
            "lower": [NAN, 1.6, 0.6, NAN, NAN, 0.4],
            "upper": [NAN, 2.8, 1.3, NAN, NAN, 3.5],
            "symbol": [None, None, None, None, "c", None],
        }),
        title="Black children are over-represented in referrals", alt="RRI chart.",
    )
    labels = [t.get_text() for t in comp.figure.axes[0].get_yticklabels()]
    assert labels[:2] == ["Hounslow", "Hounslow (published)"]
    assert labels[-2:] == ["Brent", "Ealing"]  # neighbours by value, hidden ones last
    for chart in (funnel, comp, rri):
        assert _decode(_img(chart)[1]).startswith(SVG_MAGIC)
    texts = [t.get_text() for ax in rri.figure.axes for t in ax.texts]
    assert any("too few to say" in t for t in texts)
    labels = [t.get_text() for t in rri.figure.axes[0].get_xticklabels()]
    assert {"half as\nlikely", "same", "twice as\nlikely"} <= set(labels)


def test_chart_style_is_not_applied_at_import_and_restores():
    import matplotlib

    size = matplotlib.rcParams["font.size"]
    with chart_style():
        assert matplotlib.rcParams["axes.spines.top"] is False
    assert matplotlib.rcParams["font.size"] == size


# --------------------------------------------------------------------------- sentences


def test_describe_comparison_neutral_by_default():
    sentence = describe_comparison("rate", 39, 67, "England", "none", "rate_per_10000",
                                   area_name="Hounslow")
    assert sentence == "Hounslow's rate (39 per 10,000) is lower than England's (67 per 10,000)."
    assert "better" not in sentence and "worse" not in sentence


@pytest.mark.parametrize(
    ("polarity", "value", "word"),
    [("higher_better", 64.8, "higher (better)"), ("higher_better", 44.8, "lower (worse)"),
     ("lower_better", 64.8, "higher (worse)"), ("lower_better", 44.8, "lower (better)")],
)
def test_describe_comparison_polarity_words(polarity, value, word):
    sentence = describe_comparison("percentage of episodes with an RHI offered", value, 55.0,
                                   "England", polarity, "percent")
    assert word in sentence


def test_describe_comparison_noise_same_and_suppressed():
    noisy = describe_comparison("rate", 41, 45, "London", "lower_better", "rate_per_10000",
                                within_noise=True)
    assert "due to chance" in noisy and "better" not in noisy
    same = describe_comparison("rate", 39.4, 38.6, "London", "none", "rate_per_10000")
    assert "the same as London's" in same  # both show as 39
    hidden = describe_comparison("rate", 4.0, 67, "England", "none", "rate_per_10000",
                                 symbol="c", area_name="Hounslow")
    assert "fewer than 6 children" in hidden and "4" not in hidden.replace("10,000", "")
    missing = describe_comparison("rate", 39, NAN, "the statistical neighbour median", "none",
                                  "rate_per_10000")
    assert "No figure for the statistical neighbour median" in missing


def test_describe_comparison_comparator_names():
    dated = describe_comparison("rate", 39, 67, "England (2024)", "none", "per_10k")
    assert dated == "Rate (39 per 10,000) is lower than England's (67 per 10,000 in 2024)."
    median = describe_comparison("rate", 39, 45, "its statistical neighbours' median", "none",
                                 "per_10k", area_name="Hounslow")
    assert "lower than its statistical neighbours' median (45 per 10,000)" in median


def test_describe_trend():
    sentence = describe_trend("rate", ["2021", "2022", "2023"], [31, 35, 39], "lower_better",
                              "rate_per_10000", area_name="Hounslow", within_noise=False)
    assert sentence.startswith("Hounslow's rate was 39 per 10,000 in 2023, up from 35 per "
                               "10,000 in 2022")
    assert "for the worse" in sentence and "In 2021 it was 31 per 10,000." in sentence
    # a change not tested against chance is not called better or worse
    untested = describe_trend("rate", ["2022", "2023"], [35, 39], "lower_better", "rate_per_10000")
    assert "worse" not in untested and "up from 35" in untested
    neutral = describe_trend("rate", ["2022", "2023"], [35, 39], "none", "rate_per_10000")
    assert "better" not in neutral and "worse" not in neutral
    hidden = describe_trend("count", ["2024", "2025"], [12, 3], "none", "count",
                            symbols=[None, "c"])
    assert "fewer than 6" in hidden and " 3" not in hidden


def test_describe_share_names_episodes_or_children():
    assert describe_share(377, 582, "had a return home interview", "episodes") == (
        "377 of 582 episodes (64.8%) had a return home interview.")
    assert describe_share(377, 582, "went missing", "children").startswith(
        "377 of 582 children (64.8%)")
    assert describe_share(1, 1, "went missing", "children") == "1 of 1 child (100.0%) went missing."
    hidden = describe_share(4, 582, "had a return home interview", "episodes", symbol="c")
    assert "fewer than 6" in hidden and "582 episodes" in hidden
    assert re.search(r"\b4\b", hidden) is None
    with pytest.raises(ValueError):
        describe_share(1, 2, "went missing", "")


def test_describe_rri_and_ratio_words():
    assert ratio_phrase(2.0) == "twice as likely as"
    assert ratio_phrase(0.5) == "about half as likely as"
    assert ratio_phrase(1.02) == "about as likely as"
    over = describe_rri("Black", "be the subject of a section 47 enquiry", 2.1, 1.6, 2.8)
    assert over.endswith("over-represented.")
    unclear = describe_rri("Mixed", "be excluded", 1.2, 0.8, 1.9)
    assert unclear.endswith("no evidence of a difference.")
    few = describe_rri("Asian", "be excluded", NAN, NAN, NAN, symbol="c")
    assert "too few" in few


# --------------------------------------------------------------------------- HTML export


@pytest.fixture(scope="module")
def executed_notebook():
    pytest.importorskip("nbformat")
    from nbclient import NotebookClient
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

    nb = new_notebook()
    nb.cells = [
        new_code_cell('borough = "PARAMETER-VALUE"', metadata={"tags": ["parameters"]}),
        new_code_cell('borough = "INJECTED-VALUE"', metadata={"tags": ["injected-parameters"]}),
        new_markdown_cell("# Missing children: test borough\n\nA paragraph of prose."),
        new_code_cell('import sys\nsys.stderr.write("STDERR-TEXT\\n")\nCODE_MARKER = 1'),
        new_code_cell(
            "import pandas as pd\n"
            "from safeguarding.render.tables import measure_table\n"
            "frame = pd.DataFrame({'group': ['Boys', 'Girls'], 'numerator': [120, 4],\n"
            "    'denominator': [400, 50], 'value': [30.0, float('nan')],\n"
            "    'lower': [25.7, float('nan')], 'upper': [34.7, float('nan')],\n"
            "    'symbol': [None, 'c']})\n"
            "measure_table(frame, 'percent', caption='Children who went missing, by sex')"
        ),
        new_code_cell(
            "from safeguarding.render.charts import bar_chart_with_intervals\n"
            "bar_chart_with_intervals(['Boys', 'Girls'], [30.0, 20.0], [26.0, 15.0],\n"
            "    [34.0, 25.0], title='Boys went missing more often',\n"
            "    alt='ALT-TEXT: bar chart, boys 30%, girls 20%')"
        ),
        new_code_cell('print("hidden")', metadata={"tags": ["remove"]}),
    ]
    NotebookClient(nb, kernel_name="python3", timeout=120).execute()
    return nb


@pytest.mark.notebook
def test_export_briefing_html_round_trip(executed_notebook):
    before = repr(executed_notebook)
    html = export_briefing_html(executed_notebook, "Missing children: test borough")
    assert repr(executed_notebook) == before  # input not modified
    soup = BeautifulSoup(html, "html.parser")

    assert soup.find("html")["lang"] == "en-GB"
    assert soup.title.get_text() == "Missing children: test borough"
    assert soup.find("h1").get_text() == "Missing children: test borough"
    text = soup.get_text(" ")
    for leaked in ("CODE_MARKER", "import pandas", "sys.stderr", "STDERR-TEXT",
                   "PARAMETER-VALUE", "INJECTED-VALUE", "hidden\n", "In [", "Out["):
        assert leaked not in html, leaked
    assert "Traceback" not in text
    img = soup.find("img")
    assert img["alt"] == "ALT-TEXT: bar chart, boys 30%, girls 20%"
    assert _decode(img).startswith(SVG_MAGIC)
    assert soup.find("table").find("th", scope="col") is not None
    assert soup.find("script") is None
    assert not [ln for ln in soup.find_all("link") if ln.get("href")]
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", str(soup.head))
    css = " ".join(s.get_text() for s in soup.find_all("style"))
    assert "@media print" in css and "size: A4" in css and "max-width: 48rem" in css
    assert "page-break-inside: avoid" in css
    from safeguarding.render import html as render_html

    assert render_html.BRIEFING_CSS in css
    assert len(html) < 150_000
    assert check_briefing_html(html) == []
    assert stderr_messages(executed_notebook) == ["cell 3: STDERR-TEXT"]


@pytest.mark.notebook
def test_the_exporter_gives_nbconvert_s_page_without_its_second_parse(executed_notebook):
    # The briefing exporter skips HTMLExporter's last pass (parse the page again, add placeholder
    # alt text and tab stops on code cells, write it out again): the page must be the same
    # document as nbconvert's own exporter gives with the same settings, after that pass.
    import copy
    import threading

    from nbconvert import HTMLExporter

    from safeguarding.render import html as render_html

    ours = render_html._exporter()
    theirs = HTMLExporter(config=ours.config, template_name="briefing",
                          extra_template_basedirs=[str(render_html.template_dir())], exclude_input=True,
                          exclude_input_prompt=True, exclude_output_prompt=True, exclude_anchor_links=True,
                          sanitize_html=False, embed_images=True)
    resources = {"briefing_title": "T", "briefing_version": "0", "metadata": {"name": "T"}}
    for _ in range(2):  # the exporter is kept and used again: the second page is the same
        mine, _ = ours.from_notebook_node(copy.deepcopy(executed_notebook), resources=dict(resources))
        nbconvert_s, _ = theirs.from_notebook_node(copy.deepcopy(executed_notebook), resources=dict(resources))
        assert str(BeautifulSoup(mine, "html.parser")) == nbconvert_s
    assert render_html._exporter() is ours  # made once per thread
    other = []
    thread = threading.Thread(target=lambda: other.append(render_html._exporter()))
    thread.start()
    thread.join()
    assert other[0] is not ours


@pytest.mark.notebook
def test_export_refuses_a_notebook_with_an_error(executed_notebook):
    from nbformat.v4 import new_code_cell, new_output

    broken = executed_notebook.copy()
    broken["cells"] = list(executed_notebook.cells) + [
        new_code_cell("1/0", outputs=[new_output("error", ename="ZeroDivisionError",
                                                 evalue="division by zero",
                                                 traceback=["Traceback ..."])])
    ]
    with pytest.raises(BriefingError, match="ZeroDivisionError"):
        export_briefing_html(broken, "Broken")
    with pytest.raises(ValueError, match="title"):
        export_briefing_html(executed_notebook, " ")


def test_check_briefing_html_finds_problems():
    bad = """<!DOCTYPE html><html><head>
    <script src="https://cdn.example.org/require.js"></script>
    <link rel="stylesheet" href="https://fonts.example.org/css">
    <style>@import url(https://x.org/a.css);</style></head><body>
    <h2>No h1</h2>
    <div class="jp-InputArea">x = 1</div>
    <div data-mime-type="application/vnd.jupyter.stderr"><pre>oops</pre></div>
    <img src="data:image/png;base64,AAAA"><img src="chart.png" alt="">
    <table><tr><td>1</td></tr></table>
    <pre>Traceback (most recent call last):</pre><p>Out[3]:</p>
    </body></html>"""
    problems = " | ".join(check_briefing_html(bad))
    for expected in ("lang", "<title>", "External script", "External resource", "@import",
                     "not inside the file", "Image 1 has no alt text", "Image 2 has empty alt",
                     "Code or a prompt", "stderr", "traceback", "prompts", "no <h1>",
                     "Table 1 has no header cells"):
        assert expected in problems, expected


def test_check_briefing_html_looks_inside_charts_and_ignores_comments():
    """Every element is looked at, a chart's SVG too; a comment is not text a reader sees."""
    page = """<html lang="en"><head><title>x</title></head><body><h1>T</h1>
    <svg><style>.a{fill:url(http://x/y)}</style><script>alert(1)</script><image href="http://e/x.png"/>
    <use xlink:href="#ok"/><text>UserWarning: bad</text></svg>
    <p style="background:url('http://x/b.png')">In</p><p>[2]: x</p><!-- Traceback (most recent call last) -->
    <p>&lt;foo.Bar object at 0xdeadbeef&gt;</p><div class="output_stderr">e</div><div data-unprotected="1"></div>
    <img alt="No description has been provided for this image" src="data:x">
    <table><thead><tr><th>h</th></tr></thead></table></body></html>"""
    problems = check_briefing_html(page)
    joined = " | ".join(problems)
    for expected in ("unprotected", "contains a <script>", "'http://x/y'", "'http://x/b.png'",
                     "<image> in a chart loads 'http://e/x.png'", "UserWarning", "prompts", "0xdeadbeef",
                     "stderr", "Image 1 has empty alt text"):
        assert expected in joined, expected
    assert "traceback" not in joined and "'#ok'" not in joined and "no <h1>" not in joined and "Table" not in joined
    clean = page.split("<svg>")[0] + "<p>Fine.</p><table><tr><th>a</th></tr></table></body></html>"
    assert check_briefing_html(clean) == []


def test_html_table_per_cell_symbols():
    import pandas as pd
    from safeguarding.render.tables import html_table
    frame = pd.DataFrame({"who": ["Home"], "a": [float("nan")], "a_symbol": ["c"], "b": [12.0], "b_symbol": [""]})
    out = str(html_table(frame, {"who": "Who", "a": "2023-24", "b": "2024-25"}, caption="Wide",
                         units={"a": "count", "b": "count"}, symbol_columns=()))
    assert ">c<" in out and ">12<" in out and ">x<" not in out


def test_borough_published_figure_left_out_when_its_own_figure_for_that_period_is_hidden():
    """Kensington and Chelsea NEET 17-18: DfE's published 2024-25 figure (15%) beside the borough's
    own hidden 2024-25 figure gave the hidden count back (15% of 39 = 6)."""
    from types import SimpleNamespace

    from safeguarding import config
    from safeguarding.codes.areas import resolve_area
    from safeguarding.measures import care_leavers as cl
    from safeguarding.measures.registry import get
    from safeguarding.render.comparisons import published_comparison_block
    from safeguarding.published.comparators import compare
    b = SimpleNamespace(area=resolve_area("kensington-and-chelsea"), period_label="2024-25", threshold=5,
                        published_dir=config.published_dir(), sources=[], cited={}, published_year=2025)
    b.compare = lambda measure_id: compare(b.area, measure_id, year=2025, published_dir=b.published_dir)
    pid = cl.published_id("neet.neet_pct", "17-18")
    hidden = str(published_comparison_block(b, get("neet.neet_pct"), pid, float("nan"), "c", label="NEET, aged 17 to 18",
                                            reason="secondary"))
    assert "(published 2024-25)" not in hidden and "is not shown either" in hidden
    shown = str(published_comparison_block(b, get("neet.neet_pct"), pid, 20.0, None, borough_n=40, borough_k=8,
                                           label="NEET, aged 17 to 18"))
    assert "(published 2024-25)" in shown and "not shown either" not in shown


def test_funnel_says_why_a_shown_figure_is_not_placed():
    """A figure shown above the funnel plot is never called 'hidden or not available'."""
    from types import SimpleNamespace

    from safeguarding import config
    from safeguarding.codes.areas import resolve_area
    from safeguarding.measures.registry import get
    from safeguarding.published.comparators import compare
    from safeguarding.render.comparisons import funnel_block
    spec = get("missing.cla_incidents_per_child")
    b = SimpleNamespace(area=resolve_area("hounslow"), period_label="2024-25", threshold=5,
                        published_dir=config.published_dir(), sources=[], cited={})
    comp = compare(b.area, spec.published_id, year=None, published_dir=b.published_dir)
    from safeguarding.render.comparisons import funnel_note
    assert funnel_block(b, comp, spec, 5.9, None, None, None, kind="rate") is None
    note = funnel_note(comp, spec, "rate", 5.9, None, None)
    assert "hidden" not in note and "(5.9) is shown, but the number it is counted over is not" in note
    placed = funnel_block(b, comp, spec, 5.9, None, 500, 85, kind="rate")
    assert "cannot be placed" not in placed.title and 'class="chart funnel"' in placed.to_html()
    assert funnel_block(b, comp, spec, float("nan"), "c", None, None, kind="rate") is None
    assert "figure is not shown" in funnel_note(comp, spec, "rate", float("nan"), "c", None)


# ---- issue 8: titles agree with the words; neighbours' median; over-dispersion -------------

def test_titles_agree_with_the_chance_verdict():
    from safeguarding.render.sentences import comparison_title, describe_comparison
    assert comparison_title("Missing", "Brent", 8.8, 11.0, within_noise=True, decimals=1).endswith(
        "Brent is not clearly different from England")
    assert comparison_title("Missing", "Brent", 8.8, 11.0, within_noise=False, decimals=1).endswith("is lower than England")
    # 78 against 79 with no test of chance: about the same, not "fewer" / "lower"
    assert comparison_title("Pupils", "Brent", 78, 79, decimals=0).endswith("not clearly different from England")
    text = describe_comparison("share", 78, 79, "England", "none", "percent", area_name="Brent", decimals=0)
    assert "about the same as England's" in text and "lower" not in text
    assert "lower than" in describe_comparison("share", 70, 79, "England", "none", "percent", area_name="Brent", decimals=0)
    assert comparison_title("Pupils", "Brent", 79.04, 79.0, decimals=0).endswith("is the same as England")


def test_neighbours_median_needs_four_and_says_over_how_many():
    from safeguarding.published.comparators import neighbour_median, neighbours_label
    median, count = neighbour_median([10, 20, 30, None, None])
    assert math.isnan(median) and count == 3
    assert neighbours_label(3, 10) == "Statistical neighbours (no median: 3 of 10 published)"
    median, count = neighbour_median([10, 20, 30, 40, None, 50, 60, 70, None, None])
    assert (median, count) == (40, 7)
    assert neighbours_label(7, 10) == "Statistical neighbours (median of 7 of 10)"


def _spread_comparison(values, denominators, england):
    from types import SimpleNamespace
    las = pd.DataFrame({"area_name": [f"LA {i}" for i in range(len(values))], "value": values,
                        "denominator": denominators, "numerator": np.nan, "dfe_number": range(len(values)), "symbol": ""})
    return SimpleNamespace(all_las=las, england=england, year_label="2024-25")


def test_over_dispersed_authorities_widen_the_chance_verdict():
    """Authorities spread well beyond binomial chance around England's 20% (z from -3 to 4, as
    in the stats hand example): 28.5% of 100 is outside plain 95% limits, inside the widened ones."""
    from safeguarding.render.comparisons import between_authorities, within_funnel
    n = [400, 100, 1600, 25, 625, 100, 400, 625, 100, 2500, 1600, 25] * 2
    k = [56, 12, 296, 3, 120, 20, 84, 135, 26, 540, 360, 13] * 2
    comp = _spread_comparison([100 * a / b for a, b in zip(k, n)], n, 20.0)
    spread = between_authorities(comp, "percent")
    assert spread.overdispersed and spread.tau2 > 0
    assert within_funnel(28.5, None, 100, 20.0) is False
    assert within_funnel(28.5, None, 100, 20.0, comparison=comp) == "spread"


def test_funnel_note_says_why_there_is_no_funnel():
    from types import SimpleNamespace

    from safeguarding.render.comparisons import funnel_note
    comp = _spread_comparison([10.0] * 30, [np.nan] * 30, 11.0)
    spec = SimpleNamespace(denominator="children looked after during the year", counts="children", unit="percent")
    assert funnel_note(comp, spec, value=10.0, n=40).startswith(
        "No funnel plot: the 2024-25 figures published for other areas do not give")


# ---- issue 8: length — long tables fold, download as shown; the first page -----------------

def test_long_table_folds_and_downloads_only_what_is_shown():
    from urllib.parse import unquote

    from safeguarding.render.tables import DETAIL_ROWS, html_table
    rows = [{"group": f"Group {i}", "value": 10.0 + i, "numerator": 20 + i, "symbol": ""} for i in range(DETAIL_ROWS)]
    rows.append({"group": "Tiny group", "value": 3.0, "numerator": 3, "symbol": "c"})
    frame = pd.DataFrame(rows)
    html = html_table(frame, {"group": "Group", "numerator": "Number", "value": "%"}, caption="Long table",
                      units={"value": "percent"}).html
    soup = BeautifulSoup(html, "html.parser")
    details = soup.find("details", class_="detail-table")
    assert details is not None and "Long table" in details.find("summary").get_text()
    assert len(details.find("table").find_all("tr")) == DETAIL_ROWS + 2  # header + every row
    csv_text = unquote(details.find("a", download=True)["href"].split(",", 1)[1])
    lines = csv_text.strip().splitlines()
    assert lines[0] == "Long table" and lines[1] == "Group,Number,%" and lines[-1] == "Tiny group,c,c"
    assert "3.0" not in lines[-1] and ",3," not in lines[-1]  # the hidden count never reaches the file
    short = html_table(frame.head(3), {"group": "Group", "value": "%"}, caption="Short", units={"value": "percent"})
    assert "<details" not in short.html
    # a short table is shown open, and downloads too (every table can be downloaded)
    link = BeautifulSoup(short.html, "html.parser").find("a", download=True)
    assert link["download"] == "short.csv"
    assert unquote(link["href"].split(",", 1)[1]).splitlines()[:3] == ["Short", "Group,%", "Group 0,10.0%"]
    assert "<details" in html_table(frame.head(3), {"group": "Group"}, caption="Forced", detail=True).html


def test_glance_row_change_and_comparators():
    from types import SimpleNamespace

    from safeguarding.render.glance import glance_row, glance_table
    from safeguarding.themes.registry import Glance
    results = pd.DataFrame([
        {"measure_id": "missing.cla_missing_pct", "breakdown": "all", "group": "Looked-after children",
         "period": p, "value": 100 * k / n, "numerator": k, "denominator": n, "symbol": ""}
        for p, k, n in (("2023-24", 40, 400), ("2024-25", 80, 400))])
    comp = SimpleNamespace(england=11.0, england_symbol="", sn_median=15.5, sn_count=7, year_label="2024-25",
                           matches_year=True, all_las=pd.DataFrame(columns=["value", "denominator"]),
                           published_decimals=0)
    b = SimpleNamespace(result=lambda mid: results, compare=lambda pid, year=None: comp, published_year=2025,
                        area=SimpleNamespace(name="Brent"), threshold=5, record=SimpleNamespace(counts="children"))
    row = glance_row(b, Glance("missing.cla_missing_pct", label="Looked-after children who went missing"), "2024-25")
    assert row["now"] == "20.0%"
    # 40/400 -> 80/400: Newcombe interval for the difference excludes 0
    assert row["change"] == "up from 10.0% (2023-24); more than chance"
    # DfE's figures as DfE published them (whole numbers): 11%, not 11.0%; a median of two keeps its half
    assert row["england"] == "11% (2024-25)" and row["neighbours"] == "15.5% (median of 7)"
    assert row["verdict"] == "higher than England"  # 20% of 400 is well outside 95% limits around 11%
    hidden = results.assign(value=np.where(results["period"] == "2024-25", np.nan, results["value"]),
                            symbol=np.where(results["period"] == "2024-25", "c", ""))
    b.result = lambda mid: hidden
    row = glance_row(b, Glance("missing.cla_missing_pct"), "2024-25")
    assert row["now"] == "c" and row["verdict"] == "hidden to protect privacy" and "80" not in row["change"]
    table = glance_table(b, [row], "2024-25").html
    assert "At a glance: Brent, 2024-25" in table and "c = fewer than 6" in table


def test_glance_change_against_a_rounded_published_year_is_compared_at_its_precision():
    """The year before from DfE, published as a whole number (11%): this year's 10.6% is
    'about the same', not 'down from 11.0%'; a real difference at that precision still shows."""
    import pandas as pd

    from safeguarding.measures.registry import get as get_measure
    from safeguarding.render.glance import _change
    spec = get_measure("looked_after.placements_3plus_pct")
    before = pd.Series({"period": "2023-24, published", "value": 11.0, "symbol": "", "numerator": np.nan,
                        "denominator": np.nan, "decimals": 0})
    now = pd.Series({"period": "2024-25", "value": 10.6, "symbol": "", "numerator": 28, "denominator": 263})
    assert _change(spec, now, before, "share") == "about the same as 11% (2023-24, published, rounded to whole numbers)"
    assert _change(spec, now.copy().replace({10.6: 13.2}), before, "share") == "up from 11% (2023-24, published)"
    own = before.drop("decimals")  # the borough's own records: compared at the measure's own decimals
    assert _change(spec, now, own, "share") == "down from 11.0% (2023-24, published)"


def test_three_verdicts_chance_spread_beyond():
    """Within the plain 95% limits: chance. Outside them but inside the limits widened for the
    usual spread between authorities: 'within the usual spread' (never 'small enough to be
    chance'). Outside both: a plain higher / lower."""
    from safeguarding.render.comparisons import SPREAD, within_funnel
    from safeguarding.render.sentences import comparison_title, describe_comparison
    n = [400, 100, 1600, 25, 625, 100, 400, 625, 100, 2500, 1600, 25] * 2
    k = [56, 12, 296, 3, 120, 20, 84, 135, 26, 540, 360, 13] * 2
    comp = _spread_comparison([100 * a / b for a, b in zip(k, n)], n, 20.0)
    assert within_funnel(21.0, None, 100, 20.0, comparison=comp) is True
    assert within_funnel(28.5, None, 100, 20.0, comparison=comp) == SPREAD
    assert within_funnel(60.0, None, 100, 20.0, comparison=comp) is False
    text = describe_comparison("share", 28.5, 20.0, "England", "lower_better", "percent", SPREAD, area_name="Brent")
    assert "within the usual spread" in text and "chance" in text and "small enough to be due to chance" not in text
    assert comparison_title("Share", "Brent", 28.5, 20.0, within_noise=SPREAD, decimals=1).endswith(
        "is higher than England, within the usual spread between authorities")


def test_glossary_terms_are_defined_once_and_every_theme_term_exists():
    from safeguarding.render.glossary import COMMON, EXTRA, TERMS, glossary_frame
    from safeguarding.themes.registry import THEMES
    assert set(COMMON) <= set(TERMS) and not set(TERMS) & set(EXTRA)
    for record in THEMES.values():
        frame = glossary_frame(record.glossary)
        assert list(frame["term"]) == [*COMMON, *record.glossary]
        assert frame["meaning"].str.len().min() > 20
    assert "Relative rate index (RRI)" in THEMES["disproportionality"].glossary
    with pytest.raises(KeyError, match="not defined"):
        glossary_frame(("Gini coefficient",))


def test_most_common_is_said_only_when_it_is_certainly_the_largest():
    """'X was the most common' only when no hidden count could be larger: every hidden row is
    a small count (1 to the threshold) below it, or the hidden rows together hold less than it
    (what the shown rows leave of the total they share out, which the table gives). A shown 0 is
    never 'the most common', and a group hidden to protect another (any size) otherwise leaves
    the claim unsaid (it would bound it)."""
    from safeguarding.render.hidden import certain_largest
    rows = pd.DataFrame({"group": ["Neglect", "Emotional", "Physical", "Not recorded"],
                         "numerator": [87.0, 40.0, np.nan, 90.0], "symbol": ["", "", "c", ""],
                         "reason": ["", "", "primary", ""]})
    assert certain_largest(rows, 5, exclude=("Not recorded",))["group"] == "Neglect"
    assert certain_largest(rows.assign(reason=["", "", "secondary", ""]), 5, exclude=("Not recorded",)) is None
    assert certain_largest(rows.assign(reason=["", "", "either", ""]), 5, exclude=("Not recorded",)) is None
    small = rows.assign(numerator=[4.0, 3.0, np.nan, 0.0])
    assert certain_largest(small, 5, exclude=("Not recorded",)) is None          # a hidden 5 could be more
    zeros = pd.DataFrame({"group": ["Going missing", "Other"], "numerator": [0.0, np.nan], "symbol": ["", "c"],
                          "reason": ["", "secondary"]})
    assert certain_largest(zeros, 5) is None
    assert certain_largest(zeros.iloc[:1], 5) is None                             # nothing is not 'most common'
    assert certain_largest(rows.iloc[:2].assign(symbol=""), 5)["group"] == "Neglect"
    # Hounslow's legal statuses: care orders 160 of 263, two groups hidden (one to protect the
    # other) that the table says hold 11 between them: care orders are certainly the most common
    statuses = pd.DataFrame({"group": ["Care order", "Voluntary (section 20)", "Placement order", "Youth justice",
                                       "Not recorded"],
                             "numerator": [160.0, 92.0, np.nan, np.nan, 0.0], "denominator": 263.0,
                             "symbol": ["", "", "c", "c", ""], "reason": ["", "", "secondary", "primary", ""]})
    assert certain_largest(statuses, 5, exclude=("Not recorded",))["group"] == "Care order"
    close = statuses.assign(numerator=[60.0, 50.0, np.nan, np.nan, 0.0], denominator=200.0)  # 90 left: could be more
    assert certain_largest(close, 5, exclude=("Not recorded",)) is None
    mixed = statuses.assign(denominator=[263.0, 263.0, 263.0, 263.0, 250.0])  # no one total shared out
    assert certain_largest(mixed, 5, exclude=("Not recorded",)) is None


def test_hidden_words_for_each_reason():
    """A primary figure is small; a secondary one protects another; blended words (the plan's
    'either') say both, because saying which would narrow a small neighbour down."""
    from safeguarding.render.hidden import hidden_summary, hidden_words
    assert hidden_words("primary", 5, "care leavers") == "is hidden: fewer than 6 care leavers"
    assert hidden_words("secondary", 5, "care leavers") == "is hidden so that another figure cannot be worked out"
    assert hidden_words("either", 5, "care leavers") == (
        "is hidden: fewer than 6 care leavers, or hidden so that another figure cannot be worked out")
    assert "fewer than 6 care leavers, or hidden" in hidden_words("either denominator", 5, "care leavers")
    assert hidden_summary(["either"], 5, "pupils") == (
        "fewer than 6 pupils, or hidden so that another figure cannot be worked out")
    assert hidden_summary(["primary"], 5, "pupils") == "fewer than 6 pupils"


def test_apply_plan_gives_blended_cells_the_either_reason():
    from safeguarding.results.cells import EITHER, apply_plan
    from safeguarding.results.plan import plan_disclosure
    from safeguarding.results.relations import Components, cell_key, expand
    frame = pd.DataFrame({"measure_id": ["x.n_pct"] * 3, "breakdown": ["age"] * 3, "group": ["ill", "other", "par"],
                          "period": ["2024-25"] * 3, "numerator": [6.0, 22.0, 4.0], "denominator": [32.0] * 3,
                          "value": [18.75, 68.75, 12.5], "lower": [0.0] * 3, "upper": [1.0] * 3,
                          "num_cell": [cell_key(g, "age", "19-21", "2024-25") for g in ("ill", "other", "par")],
                          "den_cell": [cell_key("neet", "age", "19-21", "2024-25")] * 3})
    values = {k: v for k, v in zip(frame["num_cell"], frame["numerator"])} | {frame["den_cell"][0]: 32.0}
    equations = expand([Components("neet", ("ill", "other", "par"))], values.keys(), values)
    plan = plan_disclosure(values, equations, 5, known={frame["den_cell"][0]: (32.0, 32.0),
                                                         frame["num_cell"][1]: (22.0, 22.0)})
    out = apply_plan(frame, plan)
    assert list(out["reason"]) == [EITHER, "", EITHER]
    assert list(out["symbol"]) == ["c", "", "c"] and out["numerator"].isna().tolist() == [True, False, True]


def test_a_table_scrolls_sideways_by_keyboard_and_is_named():
    """At 320 px a wide table scrolls inside its wrapper: the wrapper is a focusable region
    named by the table's caption (axe 'scrollable-region-focusable')."""
    from safeguarding.render.tables import html_table
    frame = pd.DataFrame({"group": ["A & B"], "numerator": [12]})
    soup = BeautifulSoup(str(html_table(frame, {"group": "Group", "numerator": "Children"}, caption="Children & groups")),
                         "html.parser")
    wrap = soup.find("div", class_="table-wrap")
    assert (wrap["role"], wrap["tabindex"], wrap["aria-label"]) == ("region", "0", "Children & groups")
    assert wrap.table.caption.get_text() == "Children & groups"


def test_grouped_rows_get_a_row_group_header_said_once_and_a_row_header_each():
    """Rows grouped by their first column (runs of the same text): each group is a <tbody>
    headed by the group's name across the table (a row-group header, said once) and the second
    column is each row's header, so every number has both headers; the first column needs no
    column of its own, and the CSV download still carries the group on every row."""
    from safeguarding.render.tables import html_table, row_groups
    assert row_groups(["a", "a", "b", "a", "a", "a"]) == [2, 0, 1, 3, 0, 0]
    frame = pd.DataFrame({"scope": ["Missing from care", "Missing from care", "Missing from home"],
                          "year": ["2023-24", "2024-25", "2024-25"], "numerator": [617, 590, 1204]})
    block = str(html_table(frame, {"scope": "Who", "year": "Year", "numerator": "Episodes"}, caption="Episodes"))
    soup = BeautifulSoup(block, "html.parser")
    assert [th.get_text() for th in soup.thead.find_all("th")] == ["Year", "Episodes"]
    groups = soup.find_all("tbody")
    assert len(groups) == 2
    heads = [g.find("th", scope="rowgroup") for g in groups]
    assert [(h.get_text(), h["colspan"]) for h in heads] == [("Missing from care", "2"), ("Missing from home", "2")]
    rows = [[c.get_text() for c in tr.find_all(["th", "td"])] for g in groups for tr in g.find_all("tr")[1:]]
    assert rows == [["2023-24", "617"], ["2024-25", "590"], ["2024-25", "1,204"]]
    assert [tr.th["scope"] for g in groups for tr in g.find_all("tr")[1:]] == ["row"] * 3
    from urllib.parse import unquote
    csv = unquote(soup.find("p", class_="download").a["href"].split(",", 1)[1])
    assert csv.splitlines()[1:4] == ["Who,Year,Episodes", "Missing from care,2023-24,617", "Missing from care,2024-25,590"]
    # not grouped: no repeat, or a number in the second column
    flat = html_table(frame.drop_duplicates("scope"), {"scope": "Who", "year": "Year", "numerator": "Episodes"},
                      caption="Episodes")
    numeric = html_table(frame, {"scope": "Who", "numerator": "Episodes", "year": "Year"}, caption="Episodes")
    for block in (flat, numeric):
        assert 'scope="rowgroup"' not in str(block) and str(block).count("<tbody>") == 1


def test_a_chart_keeps_a_readable_size_and_scrolls_in_a_named_region():
    """On a narrow screen a chart is not shrunk until its words cannot be read: it scrolls
    sideways inside a focusable region named after it (the page itself does not scroll)."""
    chart = bar_chart_with_intervals(["All children", "Boys"], [30.0, 33.0], [27.0, 29.0], [33.0, 37.0],
                                     title="Boys went missing more often", alt="Bar chart: all 30%, boys 33%.")
    soup = BeautifulSoup(chart.to_html(), "html.parser")
    wrap = soup.find("div", class_="chart-wrap")
    assert (wrap["role"], wrap["tabindex"], wrap["aria-label"]) == ("group", "0", "Chart: Boys went missing more often")
    assert wrap.img is not None
    from safeguarding.render.html import BRIEFING_CSS
    assert "@media (max-width: 36rem) { .chart-wrap img { max-width: none !important; width: 34rem" in BRIEFING_CSS


def test_page_furniture_marking_contents_footer_and_print_header():
    from safeguarding.render.html import finish_page
    body = ('<html lang="en-GB"><head><title>T</title></head><body><main class="briefing"><h1>Missing: Hounslow</h1>'
            '<section class="key-findings first-page"><h2>Key findings</h2><p>x</p></section>'
            '<h2>Trend</h2><p>a</p><h2 id="own">Who &amp; where</h2><h2>Trend</h2></main></body></html>')
    out = finish_page(body, "Missing: Hounslow, 2024-25", "OFFICIAL-SENSITIVE", "9.9")
    soup = BeautifulSoup(out, "html.parser")
    nav = soup.find("nav", class_="contents")
    links = [(a["href"], a.get_text()) for a in nav.find_all("a")]
    # every section but the first page's, each linking to a unique id on the page
    assert links[:3] == [("#trend", "Trend"), ("#own", "Who & where"), ("#trend-2", "Trend")]
    ids = [h["id"] for h in soup.find_all("h2") if h.get("id")]
    assert len(ids) == len(set(ids)) and {h[1:] for h, _ in links[:3]} <= set(ids)
    assert links[3][0] == "../index.html"
    # the contents come straight after the first page
    assert soup.find("section", class_="first-page").find_next_sibling() is nav
    assert soup.main.find("p", class_="marking").get_text() == "OFFICIAL-SENSITIVE"
    footer = soup.find("footer", class_="page-footer")
    assert "9.9" in footer.get_text() and "(WCAG) 2.2 at level AA" in footer.get_text()
    css = soup.head.find_all("style")[-1].get_text()
    assert '@top-left { content: "Missing: Hounslow, 2024-25"' in css and 'counter(pages)' in css
    assert css.count('"OFFICIAL-SENSITIVE"') == 2


@pytest.mark.parametrize("bad", ["", "   ", "OFFICIAL\nSENSITIVE", 'OFFICIAL"; } body { display: none', "x" * 41])
def test_a_marking_that_could_break_the_page_is_refused(bad):
    from safeguarding.issues import InputError
    from safeguarding.params import check_marking
    with pytest.raises(InputError, match="protective marking"):
        check_marking(bad)
    assert check_marking(" OFFICIAL ") == "OFFICIAL"


def test_long_alt_text_is_cut_after_a_whole_item_and_points_to_the_table():
    from safeguarding.render.charts import ALT_MAX, ALT_MORE, concise_alt
    short = "Bar chart of the share by reason: A 10%; B 5%."
    assert concise_alt(short) == short
    items = "; ".join(f"Reason number {i}: {i}.0%" for i in range(40))
    long = f"Bar chart of the share of suspensions by reason in 2023/24: {items}."
    cut = concise_alt(long)
    assert len(cut) <= ALT_MAX and cut.endswith(ALT_MORE)
    kept = cut.removesuffix(ALT_MORE)
    assert kept.startswith("Bar chart of the share of suspensions") and kept in long
    assert long[len(kept):].startswith("; Reason number")  # cut between two whole items


def test_chart_text_reaches_aa_contrast_and_month_labels_do_not_crowd():
    from safeguarding.render.palette import OKABE_ITO, contrast_on_white, readable_text
    for colour in OKABE_ITO.values():
        assert contrast_on_white(readable_text(colour)) >= 4.5
    assert readable_text("#0072B2").lower() == "#0072b2"  # already readable: unchanged
    assert round(contrast_on_white("#767676"), 2) == 4.54  # the usual AA grey, as a check of the formula
    months = [f"{m} 2024" for m in ("Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")] + \
             [f"{m} 2025" for m in ("Jan", "Feb", "Mar")]
    chart = trend_chart(months, {"Episodes": list(range(12)), "Children": list(range(12))}, title="T",
                        alt="Line chart of episodes and children by month.", unit="count",
                        roles={"Episodes": "borough", "Children": "other"})
    ax = chart.figure.axes[0]
    shown = [i for i, tick in enumerate(ax.xaxis.get_major_ticks()) if tick.label1.get_visible()]
    assert shown[-1] == 11 and all(b - a >= 2 for a, b in zip(shown, shown[1:]))
    texts = [t for t in ax.texts if t.get_text() in ("Episodes", "Children")]
    assert len(texts) == 2 and all(contrast_on_white(t.get_color()) >= 4.5 for t in texts)


def test_trend_compares_with_a_rounded_published_figure_at_its_precision():
    """Three or more placements: DfE published 11% for last year (30 of 285 is 10.5%); this
    year's own 10.6% is not 'down from 11.0%', it is about the same at DfE's precision."""
    from safeguarding.render.sentences import describe_trend
    text = describe_trend("share", ["2023-24", "2024-25"], [11.0, 10.6], "lower_better", "percent", decimals=1,
                          area_name="Hounslow", compare_decimals=0)
    assert "about the same as in 2023-24 (11%, a figure published rounded to whole numbers)" in text
    assert "down" not in text and "11.0%" not in text
    moved = describe_trend("share", ["2022-23", "2023-24", "2024-25"], [9.0, 11.0, 12.6], "lower_better", "percent",
                           decimals=1, area_name="Hounslow", compare_decimals=0)
    assert "was 12.6% in 2024-25, up from 11% in 2023-24" in moved and "In 2022-23 it was 9%." in moved
    # a figure published to one place fewer than shown, and one with more places than published
    tenths = describe_trend("rate", ["2023-24", "2024-25"], [4.3, 4.26], "none", "percent", decimals=2,
                            area_name="Hounslow", compare_decimals=1)
    assert "(4.3%, a figure published rounded to 1 decimal place)" in tenths
    median = describe_trend("share", ["2023-24", "2024-25"], [10.5, 12.6], "none", "percent", decimals=1,
                            area_name="Hounslow", compare_decimals=0)
    assert "up from 10.5% in 2023-24" in median


def test_published_figures_are_printed_as_dfe_published_them():
    from safeguarding.render.formats import published_places, rounding_words
    assert published_places(11.0, "percent", 1, 0) == 0
    assert published_places(10.5, "percent", 1, 0) == 1  # a median of two published figures keeps its half
    assert published_places(11.0, "percent", 1, None) == 1  # precision not known: the measure's own
    assert published_places(11.0, "percent", 0, 1) == 0  # never more places than the measure shows
    assert published_places(float("nan"), "percent", 1, 0) == 1
    assert [rounding_words(p) for p in (0, 1, 2)] == ["whole numbers", "1 decimal place", "2 decimal places"]


def test_text_measured_once_per_process_gives_the_same_charts_and_sizes():
    """measure_text_once keeps each measured piece of text for the process: the charts must be
    byte for byte those that matplotlib's own per-chart measuring gives, and text that differs
    in size, weight or words is measured apart."""
    import matplotlib.text as mtext
    from matplotlib.backends.backend_agg import RendererAgg
    from matplotlib.backends.backend_svg import RendererSVG
    from matplotlib.font_manager import FontProperties
    from safeguarding.render.charts import measure_text_once

    def chart():
        return bar_chart_with_intervals(
            ["All children", "Boys", "Girls", "Not known"], [30.0, 33.0, 26.0, NAN], [27.0, 29.0, 22.0, NAN],
            [33.0, 37.0, 30.0, NAN], symbols=[None, None, None, "c"], reference=25.0,
            title="Boys went missing more often than girls", alt="Bar chart: boys 33%, girls 26%.").image

    measure_text_once()
    shared = mtext._get_text_metrics_with_cache
    assert shared.shared_by_safeguarding
    first, again = chart(), chart()  # the second chart's words all come from the process's store
    mtext._get_text_metrics_with_cache = shared.unshared
    try:
        assert chart() == first == again
        for renderer in (RendererSVG(6, 4, io.StringIO()), RendererAgg(600, 400, 100)):
            for words, prop in (("England", FontProperties(size=9)), ("England", FontProperties(size=12)),
                                ("England", FontProperties(size=9, weight="bold")), ("Hounslow", FontProperties(size=9))):
                assert shared(renderer, words, prop, False, 100) == shared.unshared(renderer, words, prop, False, 100)
        widths = {shared(RendererSVG(6, 4, io.StringIO()), "England", FontProperties(size=s), False, 100)[0] for s in (9, 12)}
        assert len(widths) == 2
    finally:
        mtext._get_text_metrics_with_cache = shared


def test_font_heights_read_once_give_the_same_charts(monkeypatch):
    """font_heights_read_once gives the SVG renderer each font's line heights, read once, while
    a chart is drawn: charts must be byte for byte those matplotlib lays out reading the font
    tables itself, and each text's layout (unrounded) the same, for text of several sizes,
    weights, styles, line spacings, angles and lines. Outside the drawing nothing is changed."""
    import contextlib

    from matplotlib.backends.backend_svg import RendererSVG
    from matplotlib.figure import Figure
    from safeguarding.render import charts

    def chart():
        out = bar_chart_with_intervals(
            ["All children", "Boys", "Girls\nunder 10", "Not known"], [30.0, 33.0, 26.0, NAN], [27.0, 29.0, 22.0, NAN],
            [33.0, 37.0, 30.0, NAN], symbols=[None, None, None, "c"], reference=25.0,
            title="Boys went missing more often than girls,\nand more than in England", alt="Bar chart.").image
        fig = Figure(figsize=(4, 2), layout="constrained")
        ax = fig.subplots()
        ax.set_title("Big", fontsize=17, fontweight="bold")
        ax.text(0.5, 0.5, "two\nlines", fontsize=7, linespacing=1.6, rotation=30)
        ax.set_xlabel("Small italic", fontsize=6, fontstyle="italic")
        return out, charts.svg_of(fig)

    def layouts():  # each text's layout, unrounded, on the SVG canvas's 72 dpi
        fig = Figure(figsize=(4, 2), dpi=72)
        texts = [fig.text(0.1, 0.1, "England", fontsize=size, fontweight=weight, fontstyle=style,
                          linespacing=spacing, rotation=angle)
                 for size, weight, style, spacing, angle in ((9, "normal", "normal", None, 0), (17, "bold", "normal", 1.6, 30),
                                                             (6, "normal", "italic", None, 90))]
        texts.append(fig.text(0.5, 0.5, "two\nlines", fontsize=7))
        renderer = RendererSVG(288, 144, io.StringIO())
        return [repr(text._get_layout(renderer)) for text in texts]

    first, again = chart(), chart()
    with charts.font_heights_read_once():
        assert RendererSVG._get_font_height_metrics is charts._svg_font_heights
        ours = layouts()
    assert not hasattr(RendererSVG, "_get_font_height_metrics")  # only while drawing
    monkeypatch.setattr(charts, "font_heights_read_once", contextlib.nullcontext)
    assert chart() == first == again
    assert layouts() == ours


def test_one_draw_gives_the_chart_that_savefig_gives():
    """svg_of draws a chart once (the SVG canvas lays it out as it draws); savefig draws it twice.
    The bytes must be savefig's: laid out (a chart with long labels, a legend and notes, and one
    resized after it was first drawn), then drawn."""
    import matplotlib

    from safeguarding.render.charts import SVG_METADATA, SVG_SETTINGS, tidy_svg, trend_chart
    from safeguarding.render.charts import svg_of as charts_svg_of

    def saved(fig):
        buffer = io.BytesIO()
        with matplotlib.rc_context(SVG_SETTINGS):
            fig.savefig(buffer, format="svg", metadata=SVG_METADATA)
        return tidy_svg(buffer.getvalue())

    def svg_of(fig):  # a figure saved twice gets new clip-path ids (a chart is saved once)
        return re.sub(rb"\bp[0-9a-f]{10}\b", b"p-clip", charts_svg_of(fig))

    def saved_once(fig):
        return re.sub(rb"\bp[0-9a-f]{10}\b", b"p-clip", saved(fig))

    bars = bar_chart_with_intervals(
        ["All children", "Any other ethnic background, including Arab", "Girls", "Not known"],
        [30.0, 33.0, 26.0, NAN], [27.0, 29.0, 22.0, NAN], [33.0, 37.0, 30.0, NAN],
        symbols=[None, None, None, "c"], reference=25.0, title="Boys went missing more often than girls",
        alt="Bar chart.")
    trend = trend_chart(["2021-22", "2022-23", "2023-24", "2024-25"],
                        {"Hounslow": [10.0, 12.0, 11.0, 9.0], "England": [11.0, 11.5, 12.0, 12.5]},
                        unit="percent", title="Hounslow fell", alt="Line chart.")
    for chart in (bars, trend):
        once = svg_of(chart.figure)
        assert once == saved_once(chart.figure) and b"<text" in once
    before = svg_of(bars.figure)
    bars.figure.set_size_inches(8, 5)  # laid out again for its new size, as savefig would
    resized = svg_of(bars.figure)
    assert resized == saved_once(bars.figure) and resized != before


def test_figures_compared_at_published_precision_round_half_up_as_printed():
    """Python's round() rounds halves to even: 10.5% against DfE's 11% read 'down from 11%' on
    the first page while the trend sentence (half-up, as figures are printed) said 'about the
    same'; 12.5% against 12% the other way round. One rule now, half-up, everywhere."""
    import pandas as pd

    from safeguarding.measures.registry import get as get_measure
    from safeguarding.render.formats import same_when_rounded
    from safeguarding.render.glance import _change
    from safeguarding.render.sentences import describe_trend
    assert same_when_rounded(10.5, 11.0, "percent", 0) and not same_when_rounded(12.5, 12.0, "percent", 0)
    assert not same_when_rounded(0.125, 0.12, "proportion", 0)  # 12.5% and 12%: scaled to per cent first
    spec = get_measure("looked_after.placements_3plus_pct")
    before = pd.Series({"period": "2023-24, published", "value": 11.0, "symbol": "", "numerator": np.nan,
                        "denominator": np.nan, "decimals": 0})
    for now_value, earlier, words in ((10.5, 11.0, "about the same as 11%"), (12.5, 12.0, "up from 12%")):
        now = pd.Series({"period": "2024-25", "value": now_value, "symbol": "", "numerator": 28, "denominator": 263})
        assert _change(spec, now, before.copy().replace({11.0: earlier}), "share").startswith(words)
        sentence = describe_trend("share", ["2023-24", "2024-25"], [earlier, now_value], "lower_better", "percent",
                                  decimals=1, area_name="Hounslow", compare_decimals=0)
        assert ("about the same" in sentence) == words.startswith("about the same"), sentence


def test_figures_dfe_published_in_whole_numbers_read_so_in_comparator_tables_and_charts():
    """England's 67 per 10,000 was printed '67.0' in the comparator table and on the chart beside
    the borough's own 39.4: each published figure now reads as DfE published it (a median of two
    published figures keeps its half), the borough's own at the measure's places."""
    import types

    from safeguarding.codes.areas import resolve_area
    from safeguarding.render.comparisons import comparator_frame
    from safeguarding.render.tables import html_table
    comp = types.SimpleNamespace(
        area=resolve_area("hounslow"), value=39.0, symbol="", year_label="2024-25", england=67.0, england_symbol="",
        region_name="London", region=48.0, region_symbol="", sub_region_name="Outer London", sub_region=43.0,
        sub_region_symbol="", sn_label="Statistical neighbours (median of 2)", sn_median=40.5,
        neighbours=pd.DataFrame({"name": ["Ealing", "Hillingdon"], "value": [33.0, 48.0], "symbol": ["", ""]}),
        published_decimals=0)
    frame = comparator_frame(comp, "Hounslow (2024-25)", 39.35, None, unit="per_10k", decimals=1)
    table = html_table(frame, {"label": "Area", "value": "Rate"}, caption="Rates", units={"value": "per_10k"},
                       decimals={"value": 1}).html
    cells = dict(re.findall(r'<th scope="row">([^<]*)</th><td[^>]*>([^<]*)</td>', table))
    assert cells == {"Hounslow (2024-25)": "39.4", "Hounslow (published 2024-25)": "39", "England": "67",
                     "London": "48", "Outer London": "43", "Statistical neighbours (median of 2)": "40.5",
                     "Ealing": "33", "Hillingdon": "48"}
    chart = comparator_chart(frame, title="Hounslow is lower than England", alt="Dot chart.", unit="per_10k",
                                    decimals=1)
    labels = re.findall(rb">([0-9.,]+)</text>", chart.image)
    assert b"39.4" in labels and b"67" in labels and b"40.5" in labels and b"67.0" not in labels
    assert b"48.0" not in labels and b"39.0" not in labels


def test_published_figures_over_the_years_read_as_dfe_published_them():
    """The by-year table and its chart's alt text printed England's 11% as '11.0%' for every year: each
    published figure (the borough's earlier years, England, the region, the neighbours' median) now
    reads as DfE published it; the borough's own figure for the year keeps the measure's place."""
    import types

    from safeguarding.codes.areas import resolve_area
    from safeguarding.measures.registry import get as get_measure
    from safeguarding.render.comparisons import published_trend_block
    b = types.SimpleNamespace(area=resolve_area("hounslow"), published_dir=None, published_year=2025,
                              period_label="2024-25", threshold=5)
    spec = get_measure("missing.cla_missing_pct")  # one place; DfE publishes whole numbers
    current = pd.Series({"value": 9.35, "lower": 7.0, "upper": 12.0, "symbol": ""})
    html = published_trend_block(b, spec, "cla_missing.pct_missing", current, label=spec.label).html
    rows = re.findall(r'<tr><th scope="row">([^<]*)</th>((?:<td[^>]*>[^<]*</td>)+)</tr>', html)
    assert len(rows) >= 3
    cells = {year: re.findall(r"<td[^>]*>([^<]*)</td>", tds) for year, tds in rows}
    assert cells["2024-25"][0] == "9.4%"  # own records, the measure's place
    earlier = [c for year, row in cells.items() if year != "2024-25" for c in row]
    assert earlier and not any(re.fullmatch(r"\d[\d,]*\.0%?", c) for c in earlier), earlier
    alt = re.search(r'alt="([^"]*)"', html).group(1)
    assert "9.4%" in alt and not re.search(r"\b\d+\.0%", alt), alt


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["a", "b", "c"]), st.sampled_from(["x", "y"]), st.integers(0, 3)),
                max_size=25),
       st.sampled_from(["a", "b", "c", "d"]), st.sampled_from(["x", "y", None]))
def test_rows_found_through_an_index_are_those_filtering_finds(rows, measure, group):
    """first_row and rows_where give the row and the rows that filtering the frame gives (the first
    of duplicates; none for a key that matches nothing, and for None), and notice a frame that has
    grown."""
    from safeguarding.render.lookup import first_row, rows_where
    frame = pd.DataFrame(rows, columns=["measure_id", "group", "value"])
    keys = {"measure_id": measure, "group": group}
    sub = frame[(frame["measure_id"] == measure) & (frame["group"] == group)] if group is not None else frame.iloc[0:0]
    found = first_row(frame, **keys)
    if sub.empty:
        assert found is None
    else:
        assert found.equals(sub.iloc[0]) and found.name == sub.index[0]
    every = rows_where(frame, **keys)
    assert every.equals(sub) and list(every.index) == list(sub.index)
    by_measure = frame[frame["measure_id"] == measure]
    assert rows_where(frame, measure_id=measure).equals(by_measure)  # another set of keys, its own index
    frame.loc[len(frame)] = [measure, group or "x", 99]  # grown in place: looked at again
    again = first_row(frame, measure_id=measure, group=group or "x")
    assert again is not None and again["measure_id"] == measure
