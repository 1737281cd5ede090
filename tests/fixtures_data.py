"""Small raw data folders written in the real formats, with planted identifiers.

Every child ID, date of birth, UPN and postcode here is distinctive so a test can scan a
briefing for it: none may appear in any HTML output.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

SECRET_PREFIX = "ZQX"  # child ids look like ZQX0001: easy to search for, impossible by chance
POSTCODE = "QQ9 9QQ"


def write_tiny_borough(folder: Path, n_children: int = 14, seed: int = 7, year_end: int = 2025) -> dict:
    """Write a missing log (ssd_missing + ssd_person) and SSDA903 Header/Episodes/Missing for a
    handful of children. Returns the planted identifiers (ids, DOBs as dd/mm/YYYY, UPNs)."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    ids = [f"{SECRET_PREFIX}{i:04d}" for i in range(1, n_children + 1)]
    dobs = [pd.Timestamp(year_end - 15, 1, 1) + pd.Timedelta(days=int(d)) for d in rng.integers(0, 1500, n_children)]
    upns = [f"Z{900000000000 + i}" for i in range(n_children)]
    eth = rng.choice(["WBRI", "BCRB", "AIND", "MWBC", "WOTH"], n_children)
    sex = rng.choice(["M", "F"], n_children)
    care = [i % 3 == 0 for i in range(n_children)]
    pd.DataFrame({"pers_person_id": ids, "pers_sex": sex, "pers_ethnicity": eth,
                  "pers_dob": [d.strftime("%d/%m/%Y") for d in dobs]}).to_csv(folder / "persons.csv", index=False)
    rows = []
    k = 0
    start_fy = pd.Timestamp(year_end - 3, 4, 1)
    for i, cid in enumerate(ids):
        for _ in range(int(rng.integers(1, 5))):
            start = start_fy + pd.Timedelta(hours=int(rng.integers(0, 3 * 365 * 24)))
            end = start + pd.Timedelta(hours=int(rng.integers(2, 60)))
            offered = rng.random() < 0.8
            off_date = end + pd.Timedelta(hours=int(rng.integers(4, 100))) if offered else None
            comp = off_date + pd.Timedelta(hours=24) if offered and rng.random() < 0.6 else None
            k += 1
            rows.append({"miss_table_id": f"M{k:05d}", "miss_person_id": cid,
                         "miss_missing_episode_start_date": start.strftime("%d/%m/%Y %H:%M"),
                         "miss_missing_episode_type": "Missing" if rng.random() < 0.85 else "Away",
                         "miss_missing_episode_end_date": end.strftime("%d/%m/%Y %H:%M"),
                         "miss_missing_rhi_offered": "Y" if offered else "N",
                         "miss_missing_rhi_accepted": ("Y" if rng.random() < 0.7 else "N") if offered else "",
                         "miss_missing_from": "CARE" if care[i] else "HOME",
                         "miss_missing_rhi_offered_date": off_date.strftime("%d/%m/%Y %H:%M") if off_date is not None else "",
                         "miss_missing_rhi_completed_date": comp.strftime("%d/%m/%Y %H:%M") if comp is not None else ""})
    pd.DataFrame(rows).to_csv(folder / "missing_log.csv", index=False)
    cla = [cid for cid, c in zip(ids, care) if c]
    pd.DataFrame({"CHILD": cla, "SEX": [s for s, c in zip(sex, care) if c], "DOB": [d.strftime("%d/%m/%Y") for d, c in zip(dobs, care) if c],
                  "ETHNIC": [e for e, c in zip(eth, care) if c], "UPN": [u for u, c in zip(upns, care) if c],
                  "MOTHER": "", "MC_DOB": ""}).to_csv(folder / f"SSDA903_{year_end}_Header.csv", index=False)
    pd.DataFrame({"CHILD": cla, "DECOM": f"01/01/{year_end - 2}", "RNE": "S", "LS": "C2", "CIN": "N1", "PLACE": "U6",
                  "PLACE_PROVIDER": "PR1", "DEC": "", "REC": "", "REASON_PLACE_CHANGE": "", "HOME_POST": POSTCODE,
                  "PL_POST": POSTCODE, "URN": "SC123456"}).to_csv(folder / f"SSDA903_{year_end}_Episodes.csv", index=False)
    cla_rows = [r for r in rows if r["miss_missing_from"] == "CARE"]
    pd.DataFrame({"CHILD": [r["miss_person_id"] for r in cla_rows], "DOB": "",
                  "MISSING": ["M" if r["miss_missing_episode_type"] == "Missing" else "A" for r in cla_rows],
                  "MIS_START": [r["miss_missing_episode_start_date"][:10] for r in cla_rows],
                  "MIS_END": [r["miss_missing_episode_end_date"][:10] for r in cla_rows]}).to_csv(folder / f"SSDA903_{year_end}_Missing.csv", index=False)
    return {"ids": ids, "dobs": [d.strftime("%d/%m/%Y") for d in dobs] + [d.strftime("%Y-%m-%d") for d in dobs],
            "upns": upns, "postcode": POSTCODE}


def hold_lock(folder, doing: str):
    """Another process holding ``folder``'s run lock (a run in progress), until killed: a context
    manager that starts it, waits until it holds the lock, and kills it on leaving."""
    import contextlib
    import subprocess
    import sys

    @contextlib.contextmanager
    def holding():
        holder = subprocess.Popen([sys.executable, "-c", (
            "import time; from safeguarding.locks import held\n"
            f"with held({str(folder)!r}, {doing!r}):\n    print('held', flush=True); time.sleep(60)")],
            stdout=subprocess.PIPE, text=True)
        try:
            assert holder.stdout.readline().strip() == "held"
            yield holder
        finally:
            holder.kill()
            holder.wait()
    return holding()


def shared_demo(tmp_path_factory, slugs, seed: int = 2025) -> Path:
    """A data folder (``raw/`` and ``processed/``) holding demo boroughs generated with
    ``seed`` and ingested, made once per test session and shared by every module and every
    pytest-xdist worker (a file lock per borough: the first worker to ask builds it, the
    others wait and reuse it, results stage included). Tests must not change it: copy first."""
    import os

    from filelock import FileLock

    from safeguarding.demo import generate_demo
    from safeguarding.prepare import ingest

    base = tmp_path_factory.getbasetemp()
    root = (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / f"shared-demo-{seed}"
    root.mkdir(parents=True, exist_ok=True)
    for slug in slugs:
        with FileLock(str(root / f".{slug}.build.lock")):
            done = root / f".{slug}.done"
            if not done.exists():
                generate_demo([slug], out_dir=root / "raw", seed=seed)
                ingest(root / "raw" / slug, root / "processed" / slug)
                done.write_text("ok")
    return root


def theme_briefings(data: Path, theme: str, slugs, period_end: str = "2025-03-31") -> dict:
    """One theme's briefing per borough, on results built for that theme alone (one plan over
    its tables: quicker than every theme, and enough to test its sections)."""
    from safeguarding import config
    from safeguarding.briefing import open_briefing
    from safeguarding.codes.areas import resolve_area
    from safeguarding.results.store import build_results
    out = {}
    for slug in slugs:
        area = resolve_area(slug)
        results = build_results(area, period_end, config.processed_dir(area.slug, data), config.published_dir(), 5,
                                themes=(theme,))
        out[slug] = open_briefing(theme, slug, results=results)
    return out


def check_sections(b, findings=(1, 6)) -> None:
    """Every section of a briefing renders with no 'nan' or 'None', its findings say no 'nan',
    no small count is shown (rates per 10,000 divide by population estimates), and it is safe."""
    import re

    from safeguarding.render.blocks import HtmlBlock
    from safeguarding.results.cells import visible_small_counts
    for name in b.record.section_ids:
        block = b.section(name)
        assert isinstance(block, HtmlBlock) and len(block.html) > 200, name
        assert ">nan<" not in block.html and "nan%" not in block.html and ">None<" not in block.html, name
    assert isinstance(b.data_quality(), HtmlBlock) and isinstance(b.methods(), HtmlBlock)
    assert findings[0] <= len(b.findings) <= findings[1]
    assert not [f for f in b.findings if re.search(r"\bnan\b|\bNone\b(?! of)|per 10,000 per", f)]
    for frame in b.r.values():
        for column in ("numerator", "denominator"):
            assert visible_small_counts(frame[~frame["measure_id"].str.contains("rate_per_10k")], column).empty
    assert b.self_check() == []


def theme_value(m, tables: dict, name: str, mid: str, breakdown: str = "all", group: str | None = None,
                column: str = "value"):
    """One figure of a theme's result tables (``m``: its measures module): the row of measure
    ``m.P + mid`` in ``breakdown`` and ``group`` (default ``m.ALL``) of table ``name``, exactly one."""
    frame = tables[name]
    group = m.ALL if group is None else group
    row = frame[(frame["measure_id"] == m.P + mid) & (frame["breakdown"] == breakdown) & (frame["group"] == group)]
    assert len(row) == 1, (mid, breakdown, group)
    return row[column].iloc[0]
