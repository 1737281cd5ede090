"""Accessibility: axe-core (WCAG 2.0, 2.1 and 2.2 at A and AA, and best practice) on every
theme's briefing and the batch index, at 1280 px and at 320 px (400% zoom), in headless
Chromium. Any violation fails.

Needs Node.js, a Chromium (Debian's ``chromium``; never a browser download) and the npm
packages axe-core and puppeteer-core, which ``python3 tasks.py test`` installs into
``.cache/a11y`` where npm and Chromium exist. Elsewhere the test is skipped with a message
saying what is missing; with ``SAFEGUARDING_REQUIRE_AXE=1`` (set by ``.ci/run``) it fails
instead, so CI never skips it silently.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "axe_check.js"
BOROUGH = "city-of-london"  # the smallest: most hidden figures, every theme quick to build

pytestmark = [pytest.mark.notebook, pytest.mark.xdist_group("accessibility")]


def _tools() -> tuple[str, str, Path] | str:
    """(node, chromium, node_modules) or what is missing, in words."""
    node = shutil.which("node")
    chromium = os.environ.get("SAFEGUARDING_CHROMIUM") or next(
        (p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if p), None)
    modules = Path(os.environ.get("SAFEGUARDING_AXE_MODULES") or ROOT / ".cache" / "a11y" / "node_modules")
    missing = [what for what, ok in (("Node.js", node), ("Chromium (Debian package 'chromium')", chromium),
                                     (f"axe-core and puppeteer-core in {modules}",
                                      (modules / "axe-core").is_dir() and (modules / "puppeteer-core").is_dir()))
               if not ok]
    return ", ".join(missing) if missing else (node, chromium, modules)


@pytest.fixture(scope="module")
def tools():
    found = _tools()
    if isinstance(found, str):
        message = f"accessibility check not run: {found} not found (python3 tasks.py test installs them where it can)"
        if os.environ.get("SAFEGUARDING_REQUIRE_AXE"):
            pytest.fail(message)
        pytest.skip(message)
    return found


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    from fixtures_data import shared_demo
    from safeguarding.batch import available_themes, run_batch
    data, outputs = shared_demo(tmp_path_factory, [BOROUGH]), tmp_path_factory.mktemp("a11y-outputs")
    assert run_batch([BOROUGH], outputs=outputs, jobs=2, data_dir=data, progress=False, ingest_first=False) == 0
    root = outputs / "2024-25"
    pages = sorted((root / BOROUGH).glob("*.html"))
    assert [p.stem for p in pages] == sorted(available_themes())
    return [*pages, root / "index.html"]


def test_no_axe_violation_at_1280_or_320_px(tools, built):
    node, chromium, modules = tools
    run = subprocess.run([node, str(SCRIPT), chromium, *map(str, built)], capture_output=True, text=True,
                         timeout=600, env={**os.environ, "NODE_PATH": str(modules)})
    assert run.returncode == 0, run.stderr[-2000:]
    results = json.loads(run.stdout)["results"]
    assert len(results) == 2 * len(built)  # every page at both widths
    found = [f"{Path(r['file']).parent.name}/{Path(r['file']).name} at {r['width']} px: {v['id']} ({v['impact']}, "
             f"{v['help']}) at {', '.join(v['nodes'])}" for r in results for v in r["violations"]]
    assert not found, "\n".join(found)


def _svg_texts(page: Path):
    """(fill colour, text) of every word drawn in every chart of a briefing."""
    import base64
    import re
    from xml.etree import ElementTree

    from bs4 import BeautifulSoup
    ns = "{http://www.w3.org/2000/svg}"
    for img in BeautifulSoup(page.read_text(), "html.parser").find_all("img"):
        src = img.get("src", "")
        if not src.startswith("data:image/svg+xml;base64,"):
            continue
        root = ElementTree.fromstring(base64.b64decode(src.split(",", 1)[1]))
        for text in root.iter(f"{ns}text"):
            words = "".join(text.itertext()).strip()
            if not words:
                continue
            fill = re.search(r"fill:\s*(#[0-9a-fA-F]{6})", text.get("style", "")) or re.match(
                r"(#[0-9a-fA-F]{6})", text.get("fill", ""))
            yield (fill.group(1) if fill else "#000000"), words


def test_every_word_in_every_chart_reaches_aa_contrast(built):
    """Every chart of every theme's briefing is SVG with its words as text (they scale with
    zoom), and every word's colour reaches 4.5:1 against the white chart background."""
    from safeguarding.render.palette import contrast_on_white
    checked, weak = 0, []
    for page in built:
        for colour, words in _svg_texts(page):
            checked += 1
            if contrast_on_white(colour) < 4.5:
                weak.append(f"{page.name}: {words!r} in {colour} ({contrast_on_white(colour):.2f}:1)")
    assert checked > 500, checked  # the charts' words really were found and measured
    assert not weak, "\n".join(weak[:20])
