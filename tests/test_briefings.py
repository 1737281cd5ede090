"""End to end: notebooks executed with papermill, exported with nbconvert, checked as HTML.

One batch run (session fixture) covers: a demo borough (hounslow), a borough with tiny
numbers and planted identifiers (city-of-london, from tests/fixtures_data.py), and a
deliberately broken borough (harrow: its raw folder holds only an unreadable file).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from fixtures_data import write_tiny_borough
from safeguarding.batch import run_batch
from safeguarding.render.html import check_briefing_html

# one worker runs the module, so its one batch run (the session fixture) is built once
pytestmark = [pytest.mark.notebook, pytest.mark.xdist_group("briefings")]
THEME = "missing"


@pytest.fixture(scope="session")
def batch_run(tmp_path_factory):
    from safeguarding.demo import generate_demo
    data = tmp_path_factory.mktemp("data")
    outputs = tmp_path_factory.mktemp("outputs")
    generate_demo(["hounslow"], out_dir=data / "raw", seed=11)
    planted = write_tiny_borough(data / "raw" / "city-of-london")
    broken = data / "raw" / "harrow"
    broken.mkdir(parents=True)
    (broken / "header.csv").write_text("CHILD,SEX\n1,M\n")  # not a recognisable table
    code = run_batch(["hounslow", "city-of-london", "harrow"], themes=[THEME], outputs=outputs, jobs=2,
                     data_dir=data, progress=False)
    root = outputs / "2024-25"
    return {"code": code, "root": root, "planted": planted, "data": data,
            "manifest": json.loads((root / "run_manifest.json").read_text())}


def soup_of(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def test_batch_reports_failure_and_carries_on(batch_run):
    assert batch_run["code"] == 1
    root = batch_run["root"]
    assert (root / "hounslow" / f"{THEME}.html").exists()
    assert (root / "city-of-london" / f"{THEME}.html").exists()
    assert not (root / "harrow" / f"{THEME}.html").exists()
    failed = [b for b in batch_run["manifest"]["briefings"] if b["status"] != "ok"]
    assert [(b["borough"], b["theme"]) for b in failed] == [("harrow", THEME)]
    assert "harrow" in failed[0]["message"].lower() or "header.csv" in failed[0]["message"]
    assert not list(root.rglob("*.tmp"))  # nothing half-written


def test_manifest_and_index(batch_run):
    man = batch_run["manifest"]
    assert {"parameters", "versions", "data_fingerprints", "briefings", "seconds"} <= set(man)
    assert man["versions"]["pandas"] and man["parameters"]["threshold"] == 5
    ok = [b for b in man["briefings"] if b["status"] == "ok"]
    assert all(b["seconds"] > 0 for b in ok)
    index = soup_of(batch_run["root"] / "index.html")
    links = {a["href"] for a in index.find_all("a")}
    assert f"hounslow/{THEME}.html" in links and f"city-of-london/{THEME}.html" in links
    assert "not produced" in index.get_text()


@pytest.mark.parametrize("borough", ["hounslow", "city-of-london"])
def test_briefing_structure(batch_run, borough):
    path = batch_run["root"] / borough / f"{THEME}.html"
    html = path.read_text(encoding="utf-8")
    assert check_briefing_html(html) == []
    soup = soup_of(path)
    assert soup.html.get("lang") == "en-GB"
    name = {"hounslow": "Hounslow", "city-of-london": "City of London"}[borough]
    assert soup.title.get_text() == f"Missing episodes and return home interviews: {name}, 2024-25"
    h1 = soup.find_all("h1")
    assert len(h1) == 1 and "2024-25" in h1[0].get_text()
    headings = [h.get_text() for h in soup.find_all("h2")]
    assert "Key findings" in headings and "Data quality" in headings and "Data notes and methods" in headings
    assert len(headings) >= 9
    for img in soup.find_all("img"):
        assert img.get("alt") and len(img["alt"]) > 20
        assert img["src"].startswith("data:image/svg+xml;base64,")
    for table in soup.find_all("table"):
        assert table.find("th") is not None and table.find("caption") is not None
    text = soup.get_text(" ")
    assert "open_briefing" not in text and "b.section" not in text and "Traceback" not in text
    assert "suppression_threshold" not in text  # no parameters cell
    assert not soup.find_all("script", src=True)
    assert not [l for l in soup.find_all("link") if l.get("href", "").startswith("http")]
    assert "@media print" in html
    # rates by ethnic group rest on all-age Census shares: the briefing says so before its chart
    from safeguarding.published.population import NOTE
    ethnicity = soup.find("h3", string="Ethnicity")
    assert ethnicity is not None and " ".join(NOTE.split()) in " ".join(ethnicity.find_next("p").get_text().split())


def test_tiny_borough_is_suppressed(batch_run):
    soup = soup_of(batch_run["root"] / "city-of-london" / f"{THEME}.html")
    cells = [td.get_text(strip=True) for td in soup.find_all(["td", "th"])]
    assert "c" in cells
    # No cell in a count column shows 1 to 5 children: scan the overview and by-year tables
    for table in soup.find_all("table"):
        caption = table.find("caption").get_text()
        if caption.startswith("Children and episodes"):
            for td in table.find_all("td"):
                t = td.get_text(strip=True).replace(",", "")
                if t.isdigit():
                    assert not 1 <= int(t) <= 5, (caption, t)


def test_no_identifiers_in_any_briefing(batch_run):
    planted = batch_run["planted"]
    for path in batch_run["root"].rglob("*.html"):
        html = path.read_text(encoding="utf-8")
        for ident in planted["ids"] + planted["upns"] + planted["dobs"] + [planted["postcode"]]:
            assert ident not in html, (path.name, ident)
        assert not re.search(r"ZQX\d{4}", html)


def test_papermill_cli_parameters_work(batch_run, tmp_path):
    """The documented papermill command line with -p parameters runs the notebook."""
    import subprocess
    import sys
    from safeguarding import config
    nb = config.notebooks_dir() / "10_missing.ipynb"
    out = tmp_path / "out.ipynb"
    res = subprocess.run([sys.executable, "-m", "papermill", str(nb), str(out), "-p", "borough", "city-of-london",
                          "-p", "data_dir", str(batch_run["data"]), "-p", "suppression_threshold", "10", "--no-progress-bar"],
                         capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr[-2000:]
    assert "injected-parameters" in out.read_text()


def test_each_borough_s_workbook_holds_its_protected_tables(batch_run):
    """One Excel workbook per borough, linked from the index, with the tables of the themes run
    (protected: no count from 1 to 5 anywhere, hidden figures as 'c'); none for a borough whose
    briefings failed."""
    import openpyxl
    from safeguarding.themes.registry import THEMES
    root = batch_run["root"]
    assert not (root / "harrow" / "harrow_tables.xlsx").exists()
    links = {a["href"] for a in soup_of(root / "index.html").find_all("a")}
    for slug in ("hounslow", "city-of-london"):
        path = root / slug / f"{slug}_tables.xlsx"
        assert f"{slug}/{slug}_tables.xlsx" in links
        wb = openpyxl.load_workbook(path, read_only=True)
        assert wb.sheetnames == ["About", THEMES[THEME].title[:31]]
        rows = list(wb.worksheets[1].iter_rows(values_only=True))
        header, body = rows[0], rows[1:]
        assert header[:8] == ("Table", "Measure id", "Measure", "Breakdown", "Group", "Period", "Number", "Out of")
        assert body and all(r[1].startswith(f"{THEME}.") for r in body)
        number, out_of = header.index("Number"), header.index("Out of")
        small = [r for r in body if any(isinstance(r[i], (int, float)) and 1 <= r[i] <= 5 for i in (number, out_of))]
        assert small == []
        if slug == "city-of-london":  # tiny numbers: some figures are hidden
            assert any(r[number] == "c" for r in body)


def test_demo_data_are_marked_synthetic_on_the_first_page_and_the_index(batch_run):
    root = batch_run["root"]
    demo = soup_of(root / "hounslow" / f"{THEME}.html").find("header", class_="briefing-header")
    assert "Synthetic demonstration data: no real children." in demo.get_text()
    own = soup_of(root / "city-of-london" / f"{THEME}.html").find("header", class_="briefing-header")
    assert "Synthetic" not in own.get_text()  # files written by the tests, not by the demo
    sections = {s.find("h2").get_text(): s.get_text() for s in soup_of(root / "index.html").find_all("section")}
    assert "Synthetic demonstration data" in sections["Hounslow"]
    assert "Synthetic demonstration data" not in sections["City of London"]
