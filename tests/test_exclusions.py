"""Exclusions and suspensions (theme 3): hand-computed cases for every measure, reasons
versioned by academic year, the 'Other'/unmapped check, UPN linking to children's social
care, suppression, and the theme run end to end on demo data for two boroughs."""

from __future__ import annotations

import math
import shutil

import pandas as pd
import pytest

from safeguarding import quality
from safeguarding.codes.areas import resolve_area
from safeguarding.measures import disclosure, registry
from safeguarding.measures import exclusions as m
from safeguarding.published import catalogue

Y = 2024  # academic year 2023/24
LABEL = "2023/24"


def value(frame, mid, group=None, period=None):
    sub = frame[frame["measure_id"] == mid]
    if group is not None:
        sub = sub[sub["group"] == group]
    if period is not None:
        sub = sub[sub["period"] == period]
    assert len(sub) == 1, (mid, group, sub)
    return sub.iloc[0]


def roll(upns, year=Y, **columns):
    n = len(upns)
    base = {"UPN": upns, "URN": ["100001"] * n, "Phase": ["SS"] * n, "AcademicYear": [year] * n,
            "Ethnicity": ["WBRI"] * n, "Sex": ["M"] * n, "SENprovision": ["N"] * n, "FSMeligible": [False] * n,
            "ethnic_minor": ["White British"] * n, "ethnic_major": ["White"] * n}
    base.update(columns)
    frame = pd.DataFrame(base)
    frame["AcademicYear"] = frame["AcademicYear"].astype("Int64")
    frame["FSMeligible"] = frame["FSMeligible"].astype("boolean")
    return frame


def exclusion_rows(rows):
    """rows: (UPN, category, start, reason, year, extra-dict)."""
    records = []
    for upn, cat, start, reason, year, extra in rows:
        rec = {"UPN": upn, "URN": "100001", "Phase": "SS", "AcademicYear": year, "Category": cat,
               "StartDate": pd.Timestamp(start), "Sessions": 2.0, "Reason": reason, "Ethnicity": "WBRI", "Sex": "M",
               "SENprovision": "N", "FSMeligible": False, "ethnic_minor": "White British", "ethnic_major": "White"}
        rec.update(extra)
        records.append(rec)
    frame = pd.DataFrame(records)
    frame["AcademicYear"] = frame["AcademicYear"].astype("Int64")
    frame["FSMeligible"] = frame["FSMeligible"].astype("boolean")
    return frame


@pytest.fixture
def ten_pupils():
    """10 pupils on roll in 2023/24; 3 suspended (P01 twice), 1 permanently excluded (P04).

    P01 is a girl at her first suspension and recorded as a boy at her second (the first
    counts for 'pupils suspended'). Pupils P01-P05 are eligible for free school meals and
    at school 100001; P06-P10 are at school 100002. An exclusion from 2022/23 must not count.
    """
    upns = [f"P{i:02d}" for i in range(1, 11)]
    pupils = roll(upns, Sex=["F", "F", "M", "M", "F", "M", "M", "F", "M", "F"],
                  FSMeligible=[True] * 5 + [False] * 5, URN=["100001"] * 5 + ["100002"] * 5,
                  SENprovision=["E", "K", "N", "N", "N", "N", "N", "N", "N", "N"])
    pupils = pd.concat([pupils, roll(upns[:8], year=2023)], ignore_index=True)
    exc = exclusion_rows([
        ("P01", "SUSP", "2023-10-02", "PD", Y, {"Sex": "F", "FSMeligible": True, "SENprovision": "E"}),
        ("P01", "SUSP", "2024-02-05", "VA", Y, {"Sex": "M", "FSMeligible": True, "SENprovision": "E"}),
        ("P02", "SUSP", "2023-11-20", "PD", Y, {"Sex": "F", "FSMeligible": True, "SENprovision": "K"}),
        ("P06", "SUSP", "2024-03-01", "UNMAPPED", Y, {"Sex": "M", "URN": "100002"}),
        ("P04", "PERM", "2024-05-14", "PA", Y, {"Sex": "M", "FSMeligible": True}),
        ("P03", "SUSP", "2022-10-01", "OT", 2023, {}),
    ])
    return exc, pupils


# ------------------------------------------------------------------------------ years
def test_latest_complete_academic_year():
    years = [2020, 2021, 2022, 2023, 2024, 2025]
    assert m.latest_complete_year(years, "2025-03-31") == 2024  # 2024/25 ends 31 August 2025
    assert m.latest_complete_year(years, "2024-08-31") == 2024
    assert m.latest_complete_year(years, "2024-08-30") == 2023
    assert m.latest_complete_year([2025], "2025-03-31") is None
    assert m.academic_year_bounds(2024) == (pd.Timestamp("2023-09-01"), pd.Timestamp("2024-08-31"))
    assert m.year_label(2024) == "2023/24"


# ------------------------------------------------------------------------------ headline
def test_headline_hand_computed(ten_pupils):
    exc, pupils = ten_pupils
    h = m.headline(exc, pupils, "Test", Y)
    perm = value(h, "exclusions.permanent_rate")
    assert (perm["numerator"], perm["denominator"], perm["value"]) == (1, 10, pytest.approx(10.0))
    assert "Poisson" in perm["method"]
    # exact Poisson (Garwood) interval for 1 event: 0.0253 to 5.5716, per 10 pupils x 100
    assert perm["lower"] == pytest.approx(0.25318, rel=1e-3) and perm["upper"] == pytest.approx(55.716, rel=1e-3)
    susp = value(h, "exclusions.suspension_rate")
    assert (susp["numerator"], susp["denominator"], susp["value"]) == (4, 10, pytest.approx(40.0))  # events, not pupils
    one = value(h, "exclusions.one_plus_suspension_pct")
    assert (one["numerator"], one["denominator"], one["value"]) == (3, 10, pytest.approx(30.0))
    assert "Wilson" in one["method"] and one["lower"] < 30 < one["upper"]
    rep = value(h, "exclusions.repeat_suspension_pct")
    assert (rep["numerator"], rep["denominator"]) == (1, 3) and rep["value"] == pytest.approx(100 / 3)
    per = value(h, "exclusions.suspensions_per_suspended_pupil")
    assert per["value"] == pytest.approx(4 / 3)
    assert set(h["period"]) == {LABEL} and set(h["group"]) == {m.ALL_PUPILS}


def test_no_roll_means_rates_not_available(ten_pupils):
    exc, pupils = ten_pupils
    h = m.headline(exc, pupils[pupils["AcademicYear"] != Y], "Test", Y)
    perm = value(h, "exclusions.permanent_rate")
    assert perm["symbol"] == "x" and math.isnan(perm["value"]) and perm["numerator"] == 1


def test_yearly_uses_each_years_roll(ten_pupils):
    exc, pupils = ten_pupils
    y = m.yearly(exc, pupils, "Test", [2023, 2024])
    s23 = value(y, "exclusions.suspension_rate", period="2022/23")
    assert (s23["numerator"], s23["denominator"]) == (1, 8)
    assert value(y, "exclusions.suspension_rate", period=LABEL)["numerator"] == 4


# ------------------------------------------------------------------------------ groups
def test_by_group_sex_counts_pupils_at_first_suspension(ten_pupils):
    exc, pupils = ten_pupils
    g = m.by_group(exc, pupils, "Test", Y, "sex")
    assert list(dict.fromkeys(g["group"])) == ["Girls", "Boys"]
    girls_susp = value(g, "exclusions.suspension_rate", "Girls")
    boys_susp = value(g, "exclusions.suspension_rate", "Boys")
    assert (girls_susp["numerator"], girls_susp["denominator"]) == (2, 5)  # P01's first, P02
    assert (boys_susp["numerator"], boys_susp["denominator"]) == (2, 5)  # P01's second, P06
    assert value(g, "exclusions.one_plus_suspension_pct", "Girls")["numerator"] == 2  # P01 counted as a girl
    assert value(g, "exclusions.one_plus_suspension_pct", "Boys")["numerator"] == 1
    assert value(g, "exclusions.permanent_rate", "Boys")["value"] == pytest.approx(20.0)


def test_by_group_fsm_and_sen_labels(ten_pupils):
    exc, pupils = ten_pupils
    fsm = m.by_group(exc, pupils, "Test", Y, "fsm")
    elig = value(fsm, "exclusions.one_plus_suspension_pct", "Eligible for free school meals")
    assert (elig["numerator"], elig["denominator"]) == (2, 5)
    sen = m.by_group(exc, pupils, "Test", Y, "sen")
    assert list(dict.fromkeys(sen["group"])) == ["No special educational need", "SEN support", "Education, health and care plan"]
    ehcp = value(sen, "exclusions.suspension_rate", "Education, health and care plan")
    assert (ehcp["numerator"], ehcp["denominator"], ehcp["value"]) == (2, 1, pytest.approx(200.0))


def test_missing_group_is_not_recorded(ten_pupils):
    exc, pupils = ten_pupils
    exc = exc.copy()
    exc.loc[0, "Phase"] = None
    g = m.by_group(exc, pupils, "Test", Y, "phase")
    assert list(dict.fromkeys(g["group"])) == ["Secondary", m.NOT_RECORDED]
    nr = value(g, "exclusions.suspension_rate", m.NOT_RECORDED)
    assert nr["numerator"] == 1 and nr["denominator"] == 0 and math.isnan(nr["value"])


def test_schools(ten_pupils):
    exc, pupils = ten_pupils
    s = m.schools(exc, pupils, "Test", Y)
    a = value(s, "exclusions.school_suspension_rate", "100001")
    b = value(s, "exclusions.school_suspension_rate", "100002")
    assert (a["numerator"], a["denominator"], a["value"]) == (3, 5, pytest.approx(60.0))
    assert (b["numerator"], b["denominator"]) == (1, 5)
    assert value(s, "exclusions.school_one_plus_suspension_pct", "100001")["numerator"] == 2
    assert value(s, "exclusions.school_permanent_rate", "100001")["numerator"] == 1


# ------------------------------------------------------------------------------ reasons
def test_reasons_versioned_by_year_in_the_reader(tmp_path):
    """'Other' is valid up to 2019/20 and unmapped after; new codes are unmapped before 2020/21."""
    from safeguarding.readers.exclusions import read_exclusions
    path = tmp_path / "exclusions.csv"
    pd.DataFrame({"UPN": ["A1", "A2", "A3", "A4"], "URN": "100001", "Phase": "SS",
                  "AcademicYear": ["2019/20", "2023/24", "2019/20", "2023/24"], "Category": "PERM",
                  "StartDate": "01/10/2019", "Sessions": "", "Reason": ["OT", "ot ", "WP", "WP"], "Ethnicity": "WBRI",
                  "Sex": "M", "SENprovision": "N", "FSMeligible": "N"}).to_csv(path, index=False)
    result = read_exclusions(path)
    assert list(result.frame["Reason"]) == ["OT", m.UNMAPPED, m.UNMAPPED, "WP"]
    flagged = result.issues[result.issues["code"] == "unmapped_reason"]
    assert sorted(flagged["row"].astype(int)) == [3, 4]  # nothing dropped, each reported
    assert m.reason_label("OT") == "Other" and m.reason_label(m.UNMAPPED) == m.UNMAPPED_LABEL
    assert m.reason_label(None) == m.NOT_RECORDED


def test_reason_shares_put_other_and_unmapped_last(ten_pupils):
    exc, _ = ten_pupils
    r = m.reasons(exc, "Test", Y, "SUSP")
    assert list(r["group"]) == ["Persistent disruptive behaviour", "Verbal abuse or threatening behaviour against an adult",
                                m.UNMAPPED_LABEL]
    assert value(r, "exclusions.reason_pct", "Persistent disruptive behaviour")["value"] == pytest.approx(50.0)
    assert r["numerator"].sum() == r["denominator"].iloc[0] == 4
    assert quality.shares_sum_to_100(r, "exclusions.reason_pct") == []


def test_other_or_unmapped_share_by_year(ten_pupils):
    exc, _ = ten_pupils
    o = m.other_or_unmapped(exc, "Test", [2023, 2024])
    now = value(o, "exclusions.reason_other_or_unmapped_pct", "Suspensions", LABEL)
    assert (now["numerator"], now["denominator"]) == (1, 4)
    before = value(o, "exclusions.reason_other_or_unmapped_pct", "Suspensions", "2022/23")
    assert (before["numerator"], before["denominator"]) == (1, 1)  # 'Other' counts even where it was valid
    perm = value(o, "exclusions.reason_other_or_unmapped_pct", "Permanent exclusions", LABEL)
    assert (perm["numerator"], perm["denominator"]) == (0, 1)


def test_other_or_unmapped_quality_check_harrow_case():
    """Harrow 2018/19: 23 of 45 permanent exclusions recorded as 'Other'."""
    rows = [(f"U{i:02d}", "PERM", "2019-01-10", "OT" if i < 23 else "PD", 2019, {}) for i in range(45)]
    exc = exclusion_rows(rows)
    found = {f["code"]: f for f in quality.check_exclusions(exc, roll([r[0] for r in rows], year=2019), 2019)}
    assert found["EXC01"]["affected"] == 23 and found["EXC01"]["severity"] == "problem"
    assert "23 of 45 permanent exclusions (51%)" in found["EXC01"]["message"]
    assert "EXC02" not in found


def test_quality_checks_protect_small_counts(ten_pupils):
    exc, pupils = ten_pupils
    exc = pd.concat([exc, exclusion_rows([("P99", "SUSP", "2024-06-01", None, Y, {"Sessions": 95.0})])], ignore_index=True)
    found = {f["code"]: f for f in quality.check_exclusions(exc, pupils, Y, threshold=5)}
    assert set(found) == {"EXC01", "EXC02", "EXC04", "EXC05"}
    for f in found.values():
        assert pd.isna(f["affected"]) and "fewer than 6" in f["message"].lower()  # 1 to 5 never shown
    assert quality.findings_frame(list(found.values()))["code"].tolist() == ["EXC01", "EXC02", "EXC04", "EXC05"]


# ------------------------------------------------------------------------------ linking by UPN
@pytest.fixture
def social_care_tables():
    """Pupils P01-P08 on roll in 2023/24 (1 Sep 2023 to 31 Aug 2024).

    C1 (UPN 'p01 ', lower case and a space): CIN episode open through the year  -> CIN
    C2 (P02): CIN episode closed 31 Aug 2023, the day before the year           -> not known
    C3 (P03): a referral closed with no further action in the year              -> not known
    C4 (P04): CIN episode and a CP plan starting 31 Aug 2024 (the last day)      -> CP
    C5 (P05): CP plan in the year, and looked after (SSDA903 child 905)         -> CLA
    C6 (no UPN): CIN episode in the year                                        -> cannot link
    C7 (P99): CP plan in the year, not on the roll
    905 (P05) and 906 (P06): in the Header; 906's only episode ended in July 2023 -> not CLA
    """
    pupils = roll([f"P{i:02d}" for i in range(1, 9)])
    cin_children = pd.DataFrame({"LAchildID": ["C1", "C2", "C3", "C4", "C5", "C6", "C7"],
                                 "UPN": ["p01 ", "P02", "P03", "P04", "P05", None, "P99"]})
    cin_details = pd.DataFrame({
        "LAchildID": ["C1", "C2", "C3", "C4", "C5", "C6", "C7"], "CINdetailsID": ["1"] * 7,
        "CINreferralDate": pd.to_datetime(["2022-05-01", "2023-01-01", "2023-11-01", "2024-06-01", "2023-01-01",
                                           "2024-01-01", "2023-02-01"]),
        "CINclosureDate": pd.to_datetime([None, "2023-08-31", "2023-11-02", None, None, None, None]),
        "ReferralNFA": pd.array([False, False, True, False, False, False, False], dtype="boolean")})
    cp = pd.DataFrame({"LAchildID": ["C4", "C5", "C7"], "CINdetailsID": ["1"] * 3,
                       "CPPstartDate": pd.to_datetime(["2024-08-31", "2023-03-01", "2023-10-01"]),
                       "CPPendDate": pd.to_datetime([None, "2023-12-01", None])})
    header = pd.DataFrame({"CHILD": ["905", "906"], "UPN": ["P05", "P06"]})
    episodes = pd.DataFrame({"CHILD": ["905", "906"], "DECOM": pd.to_datetime(["2023-12-01", "2021-01-01"]),
                             "DEC": pd.to_datetime([None, "2023-07-31"])})
    return pupils, dict(cin_children=cin_children, cin_details=cin_details, cin_cp_plans=cp, cla_header=header,
                        cla_episodes=episodes)


def test_link_social_care_definitions(social_care_tables):
    pupils, tables = social_care_tables
    link = m.link_social_care(pupils, Y, **tables)
    group = dict(zip(link.status["UPN"], link.status["group"]))
    assert group == {"P01": m.CIN, "P02": m.NOT_KNOWN, "P03": m.NOT_KNOWN, "P04": m.CP, "P05": m.CLA,
                     "P06": m.NOT_KNOWN, "P07": m.NOT_KNOWN, "P08": m.NOT_KNOWN}
    assert link.sources == {"CLA", "CP", "CIN"}
    assert link.known[m.CP] == 3 and link.matched[m.CP] == 2  # C4, C5 on the roll; C7 not
    assert link.no_upn[m.CIN] == 1  # C6
    assert link.known[m.CLA] == link.matched[m.CLA] == 1


def test_link_without_optional_tables(social_care_tables):
    pupils, tables = social_care_tables
    link = m.link_social_care(pupils, Y)
    assert link.sources == frozenset() and set(link.status["group"]) == {m.NOT_KNOWN}
    no_cla = m.link_social_care(pupils, Y, **{k: v for k, v in tables.items() if not k.startswith("cla")})
    assert dict(zip(no_cla.status["UPN"], no_cla.status["group"]))["P05"] == m.CP  # looked after not known: next group


def test_social_care_rates(social_care_tables):
    pupils, tables = social_care_tables
    link = m.link_social_care(pupils, Y, **tables)
    exc = exclusion_rows([("P05", "SUSP", "2024-01-10", "PD", Y, {}), ("P05", "SUSP", "2024-02-10", "PD", Y, {}),
                          ("P01", "PERM", "2024-03-10", "PA", Y, {}), ("P07", "SUSP", "2024-03-10", "PD", Y, {}),
                          ("P99", "SUSP", "2024-03-10", "PD", Y, {})])  # P99 is not on the roll
    sc = m.social_care(exc, link, "Test", Y)
    cla = value(sc, "exclusions.social_care_one_plus_sus_pct", m.CLA)
    assert (cla["numerator"], cla["denominator"], cla["value"]) == (1, 1, pytest.approx(100.0))  # pupils, not suspensions
    allp = value(sc, "exclusions.social_care_one_plus_sus_pct", m.ALL_PUPILS)
    assert (allp["numerator"], allp["denominator"]) == (2, 8)
    assert value(sc, "exclusions.social_care_perm_pct", m.CIN)["numerator"] == 1
    missing = m.social_care(exc, m.link_social_care(pupils, Y), "Test", Y)
    assert set(missing.loc[missing["group"].isin([m.CLA, m.CP, m.CIN]), "symbol"]) == {"x"}
    found = {f["code"]: f for f in quality.check_exclusions(exc, pupils, Y, link)}
    assert "EXC03" in found and "fewer than 6 with no UPN" in found["EXC03"]["message"]


# ------------------------------------------------------------------------------ suppression
def test_group_rates_suppressed_with_secondary(ten_pupils):
    """Scale up: 200 pupils; one small ethnic group with 2 suspensions must be hidden and not
    recoverable from the other groups and the published total."""
    upns = [f"Q{i:03d}" for i in range(200)]
    majors = ["White"] * 120 + ["Black"] * 50 + ["Asian"] * 30
    pupils = roll(upns, ethnic_major=majors)
    rows = [(upns[i], "SUSP", "2023-10-01", "PD", Y, {"ethnic_major": majors[i]}) for i in list(range(12)) + [120, 121, 122, 123, 124, 125, 126] + [170, 171]]
    raw = m.by_group(exclusion_rows(rows), pupils, "Test", Y, "ethnicity")
    safe = disclosure.suppress(raw, threshold=5)
    assert disclosure.visible_small_counts(safe, "numerator", 5).empty
    asian = value(safe, "exclusions.suspension_rate", "Asian")
    assert asian["symbol"] == "c" and math.isnan(asian["value"]) and math.isnan(asian["lower"])
    assert disclosure.recoverable_cells(raw, safe, threshold=5).empty
    assert (safe.loc[safe["symbol"] == "c", "reason"].str.contains("secondary").any())


def test_social_care_total_row_protects_groups(social_care_tables):
    pupils, tables = social_care_tables
    link = m.link_social_care(pupils, Y, **tables)
    exc = exclusion_rows([(f"P{i:02d}", "SUSP", "2024-01-10", "PD", Y, {}) for i in range(1, 9)])
    raw = m.social_care(exc, link, "Test", Y)
    safe = disclosure.suppress(raw, threshold=5, total_label=m.ALL_PUPILS)
    assert disclosure.visible_small_counts(safe, ["numerator", "denominator"], 5).empty
    assert disclosure.recoverable_cells(raw, safe, threshold=5, total_label=m.ALL_PUPILS).empty


# ------------------------------------------------------------------------------ registry
def test_registry_records():
    specs = registry.all_measures("exclusions")
    ids = {s.id for s in specs}
    assert {"exclusions.permanent_rate", "exclusions.suspension_rate", "exclusions.one_plus_suspension_pct",
            "exclusions.repeat_suspension_pct", "exclusions.reason_other_or_unmapped_pct"} <= ids
    for s in specs:
        assert s.counts in ("exclusions", "pupils") and s.denominator, s.id
        if s.published_id:
            published = catalogue.get_measure(s.published_id)
            assert published.polarity == s.polarity == "lower_better", s.id  # LAIT data dictionary: 'Low'
    assert registry.get("exclusions.suspension_rate").counts == "exclusions"
    assert registry.get("exclusions.one_plus_suspension_pct").counts == "pupils"


def test_estimated_pupils_for_funnel():
    est = m.estimated_pupils_by_la(2024)
    harrow = resolve_area("harrow")
    assert 30_000 < est[harrow.dfe_number] < 45_000  # 0.7 x about 57,000 children


# ------------------------------------------------------------------------------ the theme on demo data
@pytest.fixture(scope="session")
def demo_data(tmp_path_factory):
    from safeguarding.demo import generate_demo
    from safeguarding.prepare import ingest
    root = tmp_path_factory.mktemp("excl")
    generate_demo(["harrow", "city-of-london"], out_dir=root / "raw")
    # plant a recording problem: some 2023/24 permanent exclusions with 'Other' (withdrawn in 2020/21)
    path = root / "raw" / "harrow" / "exclusions.csv"
    raw = pd.read_csv(path, dtype=str)
    at = raw.index[(raw["category"] == "PERM") & (raw["academicyear"] == "2023-24")][:12]
    raw.loc[at, "reason"] = "OT"
    raw.to_csv(path, index=False)
    for slug in ("harrow", "city-of-london"):
        ingest(root / "raw" / slug, root / "processed" / slug)
    # harrow again, with none of the children's social care tables
    from safeguarding.themes.exclusions import ExclusionsTheme
    bare = root / "bare" / "processed" / "harrow"
    shutil.copytree(root / "processed" / "harrow", bare)
    for name in ExclusionsTheme.OPTIONAL_TABLES:
        (bare / f"{name}.parquet").unlink()
    return root


@pytest.fixture(scope="session")
def briefings(demo_data):
    from safeguarding.briefing import open_briefing
    out = {}
    for slug in ("harrow", "city-of-london"):
        b = open_briefing("exclusions", slug, period_end="2025-03-31", data_dir=demo_data)
        html = {name: b.section(name).html for name in b.theme_impl.SECTIONS}
        html["quality"], html["methods"], html["findings"] = b.data_quality().html, b.methods().html, b.key_findings().html
        out[slug] = (b, html)
    return out


def test_theme_sections_match_notebook_outline():
    import importlib.util
    from pathlib import Path
    from safeguarding.themes.exclusions import THEME_CLASS
    path = Path(__file__).resolve().parents[1] / "scripts" / "make_notebook.py"
    spec = importlib.util.spec_from_file_location("make_notebook", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    theme, _, sections = module.THEMES["exclusions.ipynb"]
    assert theme == "exclusions"
    assert tuple(name for _, name in sections) == THEME_CLASS.SECTIONS
    assert all(callable(getattr(THEME_CLASS, f"section_{name}")) for name in THEME_CLASS.SECTIONS)
    assert THEME_CLASS.TABLES == ("exclusions", "pupils")


@pytest.mark.parametrize("slug", ["harrow", "city-of-london"])
def test_theme_runs_every_section_safely(briefings, slug):
    b, html = briefings[slug]
    assert b.theme_impl.year == 2024 and b.theme_impl.label == "2023/24"
    assert b.self_check() == []
    b.assert_safe()
    assert 1 <= len(b.findings) <= 6
    assert "2023/24" in html["overview"] and "latest complete school year" in html["overview"]
    upns = set(b.tables["pupils"]["UPN"].astype(str).head(200))
    text = " ".join(html.values())
    assert not any(u in text for u in upns)  # no pupil identifiers anywhere
    assert "Traceback" not in text


def test_harrow_briefing_content(briefings):
    b, html = briefings["harrow"]
    h = b.theme_impl.r["headline"]
    susp = value(h, "exclusions.suspension_rate")
    assert susp["symbol"] == "" and susp["denominator"] > 10_000
    # calibrated to the published LAIT rate for 2023/24 (3.25 per 100)
    assert susp["value"] == pytest.approx(3.25, abs=0.1)
    codes = {q["code"] for q in b.quality}
    assert "EXC01" in codes  # the planted 'Other' reasons
    assert "Other" in html["reasons"] and "Recording:" in html["findings"]
    assert "Against all local authorities" in html["trend"]  # funnel plots drawn
    assert "Outcomes for children in need" in html["social_care"]


def test_city_of_london_suppresses(briefings):
    b, html = briefings["city-of-london"]
    h = b.theme_impl.r["headline"]
    assert value(h, "exclusions.suspension_rate")["symbol"] == "c"
    for frame in b.shown:
        assert disclosure.visible_small_counts(frame, "numerator", b.threshold).empty
    assert "hidden" in html["findings"]


def test_theme_without_social_care_tables(demo_data):
    from safeguarding.briefing import open_briefing
    b = open_briefing("exclusions", "harrow", data_dir=demo_data / "bare")
    assert not set(b.theme_impl.OPTIONAL_TABLES) & set(b.tables)
    html = b.section("social_care").html
    assert "Not provided" in html and b.self_check() == []
    sc = b.theme_impl.r["social_care"]
    assert set(sc.loc[sc["group"].isin([m.CLA, m.CP, m.CIN]), "symbol"]) == {"x"}
    assert all(b.section(name).html for name in b.theme_impl.SECTIONS)


def _processed(tmp_path, exclusions, pupils, slug="harrow"):
    folder = tmp_path / "processed" / slug
    folder.mkdir(parents=True)
    exclusions.to_parquet(folder / "exclusions.parquet", index=False)
    pupils.to_parquet(folder / "pupils.parquet", index=False)
    return tmp_path


def test_theme_with_no_exclusions_in_the_year(tmp_path):
    """A year with pupils but no exclusions at all: zeros shown, empty reasons, nothing crashes."""
    from safeguarding.briefing import open_briefing
    pupils = pd.concat([roll([f"P{i:03d}" for i in range(300)], year=y) for y in (2023, 2024)], ignore_index=True)
    exc = exclusion_rows([(f"P{i:03d}", "SUSP", "2022-10-01", "PD", 2023, {}) for i in range(8)])
    b = open_briefing("exclusions", "harrow", data_dir=_processed(tmp_path, exc, pupils))
    h = b.theme_impl.r["headline"]
    assert value(h, "exclusions.suspension_rate")["value"] == 0
    html = {name: b.section(name).html for name in b.theme_impl.SECTIONS}
    assert "There were no suspensions in 2023/24" in html["reasons"]
    assert b.self_check() == [] and b.data_quality().html and b.methods().html


def test_theme_needs_a_complete_academic_year(tmp_path):
    from safeguarding.briefing import open_briefing
    from safeguarding.issues import InputError
    pupils = roll(["P1", "P2"], year=2025)
    exc = exclusion_rows([("P1", "SUSP", "2024-10-01", "PD", 2025, {})])
    with pytest.raises(InputError, match="no academic year that ended by 31 March 2025"):
        open_briefing("exclusions", "harrow", period_end="2025-03-31", data_dir=_processed(tmp_path, exc, pupils))
