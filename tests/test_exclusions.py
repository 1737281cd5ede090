"""Exclusions and suspensions: hand-computed cases for every measure, reasons versioned by
academic year, the 'Other'/unmapped check, UPN linking to children's social care, the
relations between count cells and the disclosure plan over them (the leaks of the old
per-table suppression stay closed), and the view run end to end on demo data."""

from __future__ import annotations

import math
import shutil

import pandas as pd
import pytest
from safeguarding import quality
from safeguarding.codes.areas import resolve_area
from safeguarding.measures import exclusions as m
from safeguarding.measures import registry
from safeguarding.published import catalogue
from safeguarding.results.cells import visible_small_counts

# one worker runs the module, so its demo data (a session fixture) is built once
pytestmark = pytest.mark.xdist_group("exclusions")

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
    """No pupils on the roll: no rate (shown as x), but the count is still a count cell to protect."""
    from safeguarding.render.count_rate_tables import wide_by_group
    exc, pupils = ten_pupils
    h = m.headline(exc, pupils[pupils["AcademicYear"] != Y], "Test", Y)
    perm = value(h, "exclusions.permanent_rate")
    assert math.isnan(perm["value"]) and perm["numerator"] == 1 and perm["denominator"] == 0
    wide = wide_by_group(h, {"exclusions.permanent_rate": "perm"})
    assert wide["perm_rate_symbol"].iloc[0] == "x" and wide["perm_n_symbol"].iloc[0] == ""


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
    return pupils, {"cin_children": cin_children, "cin_details": cin_details, "cin_cp_plans": cp, "cla_header": header,
                        "cla_episodes": episodes}


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
    # all pupils: every pupil suspended that year (P99 too, as in the headline), out of the whole roll
    assert (allp["numerator"], allp["denominator"], allp["breakdown"]) == (3, 8, "all")
    assert value(sc, "exclusions.social_care_one_plus_sus_pct", m.NOT_KNOWN)["numerator"] == 1  # P07: on the roll only
    assert value(sc, "exclusions.social_care_perm_pct", m.CIN)["numerator"] == 1
    missing = m.social_care(exc, m.link_social_care(pupils, Y), "Test", Y)
    assert set(missing.loc[missing["group"].isin([m.CLA, m.CP, m.CIN]), "symbol"]) == {"x"}
    found = {f["code"]: f for f in quality.check_exclusions(exc, pupils, Y, link)}
    assert "EXC03" in found and "fewer than 6 with no UPN" in found["EXC03"]["message"]


# ------------------------------------------------------------------------------ disclosure: relations and plan
T = 5


def results_for(tmp_path, exclusions, pupils, threshold=T, **optional):
    """The exclusions theme's results (one plan, audited) for hand-made tables, as Harrow's."""
    from safeguarding import config
    from safeguarding.results.store import build_results
    folder = tmp_path / "processed" / "harrow"
    folder.mkdir(parents=True, exist_ok=True)
    for name, frame in {"exclusions": exclusions, "pupils": pupils, **optional}.items():
        frame.to_parquet(folder / f"{name}.parquet", index=False)
    return build_results(resolve_area("harrow"), "2025-03-31", folder, config.published_dir(), threshold, write=False,
                         themes=("exclusions",))


def equations_of(tables):
    """Cell values and the equations RELATIONS make over the theme's (raw) tables."""
    from safeguarding.results.cells import cell_values, register_cells
    from safeguarding.results.relations import expand
    values = cell_values([register_cells(f) for f in tables.values()])
    return values, expand(m.RELATIONS, values.keys(), values)


def ethnic_school(minors: dict[str, tuple[int, list[int]]]):
    """Pupils and suspensions by minor ethnic group: {minor: (pupils on roll, suspensions per suspended pupil)}."""
    from safeguarding.codes.ethnicity import CODES
    major = {c.minor: c.major for c in CODES}
    rolls, rows = [], []
    for i, (minor, (n, per_pupil)) in enumerate(minors.items()):
        upns = [f"E{i:02d}{j:04d}" for j in range(n)]
        rolls.append(roll(upns, ethnic_minor=[minor] * n, ethnic_major=[major[minor]] * n))
        for upn, k in zip(upns, per_pupil):
            rows += [(upn, "SUSP", f"2023-1{j % 3}-0{1 + j % 9}", "PD", Y,
                      {"ethnic_minor": minor, "ethnic_major": major[minor]}) for j in range(k)]
    return exclusion_rows(rows), pd.concat(rolls, ignore_index=True)


def rows_of(r, table, mid, groups):
    f = r.protected["exclusions"][table]
    return f[(f["measure_id"] == mid) & f["group"].isin(groups)].set_index("group")


def test_minor_groups_roll_up_to_their_major_group(tmp_path):
    """Hounslow's leak: Asian minus the detailed Asian rows gave Chinese = 5 suspensions of 3 pupils,
    and White minus its rows gave Traveller of Irish heritage = 3. Both stay hidden now."""
    exc, pupils = ethnic_school({
        "White British": (300, [1] * 30), "White Irish": (60, [1] * 8), "Traveller of Irish heritage": (20, [1, 1, 1]),
        "Indian": (80, [1] * 10), "Pakistani": (80, [1] * 12), "Bangladeshi": (60, [1] * 9), "Chinese": (20, [2, 2, 1])})
    r = results_for(tmp_path, exc, pupils)
    assert r.manifest["disclosure"]["audit_failures"] == 0
    for major, minors, small in (("Asian", ["Indian", "Pakistani", "Bangladeshi", "Chinese"], "Chinese"),
                                 ("White", ["White British", "White Irish", "Traveller of Irish heritage"],
                                  "Traveller of Irish heritage")):
        for mid in ("exclusions.suspension_rate", "exclusions.one_plus_suspension_pct"):
            parts = rows_of(r, "ethnicity_minor", mid, minors)
            assert parts.loc[small, "symbol"] == "c" and parts.loc[small, "reason"] == "primary"
            whole = rows_of(r, "ethnicity", mid, [major]).iloc[0]
            hidden = parts[parts["symbol"] == "c"]
            # the major group less its shown minor groups no longer gives the small group
            assert whole["symbol"] == "c" or len(hidden) >= 2, (major, mid)
            assert set(hidden["reason"]) <= {"primary", "secondary"}
    # the rollup is declared: the minors' suspensions add up to their major group's
    _values, eqs = equations_of(r.themes["exclusions"].tables)
    chinese = "exclusions.suspensions|ethnicity_minor|Chinese|2023/24"
    assert any(chinese in e.parts and e.total == "exclusions.suspensions|ethnicity|Asian|2023/24" and e.exact for e in eqs)


def test_every_group_cell_adds_up_to_its_total(demo_data):
    """Every breakdown with a total is a relation: groups of phase, sex, ethnicity, SEN, FSM,
    schools, reasons and social care to all pupils; minor ethnic groups to their major group."""
    r = demo_results(demo_data, "harrow")
    values, eqs = equations_of(r.themes["exclusions"].tables)
    checked = set()
    for key in values:
        concept, breakdown, _group, _period = key.split("|")
        if breakdown in ("all", m.REASON_QUALITY) or concept == m.PUPILS_SUSPENDED_AT_SCHOOL:
            continue
        owner = "ethnicity" if breakdown == "ethnicity_minor" else "all"
        totals = {e.total for e in eqs if key in e.parts}
        assert any(t.split("|")[1] == owner for t in totals), key
        checked.add(breakdown)
    assert {"phase", "sex", "ethnicity", "ethnicity_minor", "sen", "fsm", "school", "social_care",
            "reason: suspensions", "reason: permanent exclusions"} <= checked


def test_reasons_and_schools_add_up_to_all_exclusions(tmp_path, ten_pupils):
    exc, pupils = ten_pupils
    tables = {"reasons": m.reasons(exc, "Test", Y, "SUSP"), "schools": m.schools(exc, pupils, "Test", Y),
              "headline": m.headline(exc, pupils, "Test", Y), "other": m.other_or_unmapped(exc, "Test", [Y])}
    _values, eqs = equations_of(tables)
    total = "exclusions.suspensions|all|All pupils|2023/24"
    by_total = {}
    for e in eqs:
        by_total.setdefault(e.total, []).append(set(e.parts))
    assert {f"exclusions.suspensions|reason: suspensions|{g}|2023/24" for g in tables["reasons"]["group"]} in by_total[total]
    assert {"exclusions.suspensions|school|100001|2023/24", "exclusions.suspensions|school|100002|2023/24"} in by_total[total]
    # 'Other' or invalid = the 'Other' and invalid reason rows
    quality_cell = f"exclusions.suspensions|{m.REASON_QUALITY}|{m.OTHER_OR_INVALID}|2023/24"
    assert {f"exclusions.suspensions|reason: suspensions|{m.UNMAPPED_LABEL}|2023/24"} in by_total[quality_cell]


def test_social_care_groups_add_up_to_all_pupils(social_care_tables):
    pupils, tables = social_care_tables
    exc = exclusion_rows([("P05", "SUSP", "2024-01-10", "PD", Y, {}), ("P01", "SUSP", "2024-03-10", "PD", Y, {})])
    sc = m.social_care(exc, m.link_social_care(pupils, Y, **tables), "Test", Y)
    values, eqs = equations_of({"sc": sc, "headline": m.headline(exc, pupils, "Test", Y)})
    total = "exclusions.pupils_suspended|all|All pupils|2023/24"
    parts = {p for e in eqs if e.total == total for p in e.parts}
    assert {f"exclusions.pupils_suspended|social_care|{g}|2023/24" for g in m.SOCIAL_CARE_GROUPS} <= parts
    assert values[total] == 2  # one cell: the social care table's 'All pupils' is the headline's


def test_small_major_group_is_not_split(tmp_path):
    """A major group with fewer than 6 suspensions: its minor groups are not shown separately
    (two hidden parts of a small whole would narrow each other down), and the audit passes."""
    exc, pupils = ethnic_school({"White British": (300, [1] * 40), "White and Asian": (30, [1, 1]),
                                 "White and Black Caribbean": (30, [1]), "Indian": (80, [1] * 12)})
    r = results_for(tmp_path, exc, pupils)
    assert r.manifest["disclosure"]["audit_failures"] == 0
    mixed = rows_of(r, "ethnicity_minor", "exclusions.suspension_rate", ["White and Asian", "White and Black Caribbean"])
    assert set(mixed["symbol"]) == {"c"} and set(mixed["reason"]) == {m.SMALL_GROUP}
    assert mixed["numerator"].isna().all() and mixed["value"].isna().all()
    assert rows_of(r, "ethnicity", "exclusions.suspension_rate", ["Mixed"]).iloc[0]["reason"] == "primary"
    raw = r.themes["exclusions"].tables["ethnicity_minor"]
    assert raw.loc[(raw["group"] == "White and Asian") & (raw["measure_id"] == "exclusions.suspension_rate"),
                   "numerator"].iloc[0] == 2  # the analyst's raw table keeps the count


def test_permanent_exclusions_hide_only_what_they_must(demo_data):
    """The old design blanked whole permanent-exclusion tables; now the headline figures are
    shown and only the cells that protect a small one are hidden."""
    r = demo_results(demo_data, "harrow")
    h = r.protected["exclusions"]["headline"]
    for mid in ("exclusions.permanent_rate", "exclusions.suspension_rate"):
        assert value(h, mid)["symbol"] == ""
    eth = r.protected["exclusions"]["ethnicity"]
    perm = eth[eth["measure_id"] == "exclusions.permanent_rate"]
    assert (perm["symbol"] == "").any()
    audit = r.audit
    assert set(audit["status"]) <= {"primary", "secondary"} and audit["protected"].all()

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
    bare = root / "bare" / "processed" / "harrow"
    shutil.copytree(root / "processed" / "harrow", bare)
    for name in m.SOCIAL_CARE_TABLES:
        (bare / f"{name}.parquet").unlink()
    return root


_RESULTS: dict = {}


def demo_results(root, slug):
    """The exclusions theme's protected results for a demo borough (built once per folder)."""
    from safeguarding import config
    from safeguarding.results.store import build_results
    key = (str(root), slug)
    if key not in _RESULTS:
        _RESULTS[key] = build_results(resolve_area(slug), "2025-03-31", config.processed_dir(slug, root),
                                      config.published_dir(), T, write=False, themes=("exclusions",))
    return _RESULTS[key]


def briefing_for(root, slug):
    from safeguarding.briefing import open_briefing
    return open_briefing("exclusions", slug, data_dir=root, results=demo_results(root, slug))


@pytest.fixture(scope="session")
def briefings(demo_data):
    out = {}
    for slug in ("harrow", "city-of-london"):
        b = briefing_for(demo_data, slug)
        html = {name: b.section(name).html for name in b.record.section_ids}
        html["quality"], html["methods"], html["findings"] = b.data_quality().html, b.methods().html, b.key_findings().html
        out[slug] = (b, html)
    return out


def test_view_has_every_section_of_the_theme_record():
    from safeguarding.themes.exclusions import VIEW
    from safeguarding.themes.registry import THEMES
    record = THEMES["exclusions"]
    assert record.section_ids == ("overview", "trend", "reasons", "groups", "social_care", "concerns")
    assert all(callable(getattr(VIEW, f"section_{name}")) for name in record.section_ids)
    assert record.tables == ("exclusions", "pupils")
    assert set(record.optional_tables) == set(m.SOCIAL_CARE_TABLES) | set(m.CONCERN_TABLES)


@pytest.mark.parametrize("slug", ["harrow", "city-of-london"])
def test_theme_runs_every_section_safely(demo_data, briefings, slug):
    b, html = briefings[slug]
    assert b.view.year == 2024 and b.view.label == "2023/24" and b.meta["label"] == "2023/24"
    assert b.results.manifest["disclosure"]["audit_failures"] == 0
    assert b.self_check() == []
    b.assert_safe()
    assert 1 <= len(b.findings) <= 6
    assert "2023/24" in html["overview"] and "latest complete school year" in html["overview"]
    pupils = pd.read_parquet(demo_data / "processed" / slug / "pupils.parquet")
    upns = set(pupils["UPN"].astype(str).head(200))
    text = " ".join(html.values())
    assert not any(u in text for u in upns)  # no pupil identifiers anywhere
    assert "Traceback" not in text


def test_harrow_briefing_content(briefings):
    b, html = briefings["harrow"]
    h = b.table("headline")
    susp = value(h, "exclusions.suspension_rate")
    assert susp["symbol"] == "" and susp["denominator"] > 10_000
    # calibrated to the published LAIT rate for 2023/24 (3.25 per 100)
    assert susp["value"] == pytest.approx(3.25, abs=0.1)
    codes = {q["code"] for q in b.quality}
    assert "EXC01" in codes  # the planted 'Other' reasons
    assert "Other" in html["reasons"] and "Recording:" in html["findings"]
    assert "Against all local authorities" in html["trend"]  # funnel plots drawn
    assert "Outcomes for children in need" in html["social_care"]
    # each published release is cited once in the methods, with the figures quoted from it
    assert b.cited and all(len(titles) == len(set(titles)) for titles in b.cited.values())
    methods = html["methods"]
    for release in b.cited:
        assert methods.count(release + ":") == 1
    # the going missing and exploitation section: its words and its table
    assert "linked by their UPN" in html["concerns"] and "Suspended at least once (% of the group)" in html["concerns"]


def test_social_care_published_trend_is_dfes_figure_for_each_year(briefings):
    """The published trend for looked-after pupils suspended at least once prints DfE's figure for
    each school year (EES to 2020/21, then LAIT), up to and never after the briefing's year."""
    from safeguarding import config
    from safeguarding.published.figures import figures
    b, html = briefings["harrow"]
    section = html["social_care"]
    assert "Published figures over time" in section
    from bs4 import BeautifulSoup
    soup = BeautifulSoup(section[section.index("Published figures over time"):], "html.parser")
    rows = {tr.th.get_text(" ").strip(): [td.get_text(" ").strip() for td in tr.find_all("td")]
            for tr in soup.find("table").tbody.find_all("tr")}
    pub = figures("exclusions.cla.one_plus_sus_pct", config.published_dir())
    own = pub[(pub["dfe_number"] == b.area.dfe_number) & (pub["year"] <= 2024)]
    eng = pub[(pub["geographic_level"] == "National") & (pub["year"] == 2024)]
    assert "2024/25" not in rows and "2023/24" in rows
    assert rows["2023/24"][1] == f"{eng['value'].iloc[0]:.1f}%"
    for year, v in zip(own["year"], own["value"]):
        label = f"{year - 1}/{str(year)[2:]}"
        assert rows[label][0] == ("x" if pd.isna(v) else f"{v:.1f}%"), (label, rows[label])
    assert "changes of a few points are common from chance alone" in section


def test_city_of_london_suppresses(briefings):
    b, html = briefings["city-of-london"]
    h = b.table("headline")
    assert value(h, "exclusions.suspension_rate")["symbol"] == "c"
    for frame in b.r.values():
        assert visible_small_counts(frame, "numerator", b.threshold).empty
    assert "fewer than 6" in html["findings"]


def test_words_match_the_reason_a_figure_is_hidden(briefings):
    b, _ = briefings["harrow"]
    def hidden(reason):
        row = pd.Series({"measure_id": "exclusions.suspension_rate", "numerator": float("nan"), "symbol": "c",
                         "reason": reason})
        return b.view._count(row, noun="suspensions")

    primary, secondary, small = hidden("primary"), hidden("secondary"), hidden(m.SMALL_GROUP)
    assert primary == "fewer than 6 suspensions" and small == "fewer than 6 suspensions"
    assert "hidden so that another figure cannot be worked out" in secondary and "fewer" not in secondary
    assert "too few" not in secondary


def test_theme_without_social_care_tables(demo_data):
    b = briefing_for(demo_data / "bare", "harrow")
    assert b.meta["social_care_sources"] == []
    html = b.section("social_care").html
    assert "Not provided" in html and b.self_check() == []
    sc = b.table("social_care")
    assert set(sc.loc[sc["group"].isin([m.CLA, m.CP, m.CIN]), "symbol"]) == {"x"}
    assert all(b.section(name).html for name in b.record.section_ids)


def test_theme_with_no_exclusions_in_the_year(tmp_path):
    """A year with pupils but no exclusions at all: zeros shown, empty reasons, nothing crashes."""
    from safeguarding.briefing import open_briefing
    pupils = pd.concat([roll([f"P{i:03d}" for i in range(300)], year=y) for y in (2023, 2024)], ignore_index=True)
    exc = exclusion_rows([(f"P{i:03d}", "SUSP", "2022-10-01", "PD", 2023, {}) for i in range(8)])
    r = results_for(tmp_path, exc, pupils)
    b = open_briefing("exclusions", "harrow", data_dir=tmp_path, results=r)
    assert value(b.table("headline"), "exclusions.suspension_rate")["value"] == 0
    html = {name: b.section(name).html for name in b.record.section_ids}
    assert "There were no suspensions in 2023/24" in html["reasons"]
    assert b.self_check() == [] and b.data_quality().html and b.methods().html


def test_theme_needs_a_complete_academic_year(tmp_path):
    pupils = roll(["P1", "P2"], year=2025)
    exc = exclusion_rows([("P1", "SUSP", "2024-10-01", "PD", 2025, {})])
    r = results_for(tmp_path, exc, pupils)
    assert "no academic year that ended by 31 March 2025" in r.unavailable["exclusions"]
    assert m.school_year(exc, pupils, "2025-03-31") is None


# ------------------------------------------------------------------------------ missing and exploitation
@pytest.fixture
def concern_tables(social_care_tables):
    """The pupils and children above, with (hand-made):

    C1 (P01): assessment in the year with factors '3A,24A' (criminal exploitation)  -> concern
    C2 (P02): assessment in the year with '3A' only                                 -> no concern
    C4 (P04): assessment with '11A' on 31 Aug 2023, the day before the year         -> no concern
    C6 (no UPN): assessment with '10A' in the year                                  -> cannot link
    905 (P05): SSDA903 missing episode in March 2024                                -> went missing
    missing log: person M1 (UPN P03) in the year; M2 (no UPN) in the year; M3 (UPN P07) in 2022
    """
    pupils, tables = social_care_tables
    tables = {**tables,
              "cin_assessments": pd.DataFrame({
                  "LAchildID": ["C1", "C2", "C4", "C6"],
                  "AssessmentActualStartDate": pd.to_datetime(["2024-02-01", "2024-03-01", "2023-08-31", "2024-01-10"]),
                  "AssessmentFactors": ["3A,24A", "3A", "11A", "10A"]}),
              "cla_missing": pd.DataFrame({"CHILD": ["905"], "MIS_START": pd.to_datetime(["2024-03-05"])}),
              "missing_episodes": pd.DataFrame({
                  "miss_person_id": ["M1", "M2", "M3"], "pers_upn": ["P03", None, "P07"],
                  "miss_missing_episode_start_date": pd.to_datetime(["2024-05-01", "2024-06-01", "2022-01-01"])})}
    return pupils, {k: tables.get(k) for k in m.CONCERN_TABLES}


def test_link_concerns_definitions(concern_tables):
    pupils, tables = concern_tables
    link = m.link_concerns(pupils, Y, **tables)
    status = link.status.set_index("UPN")
    assert list(status.index[status[m.EXPLOITATION]]) == ["P01"]
    assert list(status.index[status[m.MISSING]]) == ["P03", "P05"]
    assert link.no_upn == {m.EXPLOITATION: 1, m.MISSING: 1}          # C6; M2
    assert link.known == {m.EXPLOITATION: 1, m.MISSING: 2}           # P01; P05 and P03 (P07 went missing in 2022)
    assert link.matched == {m.EXPLOITATION: 1, m.MISSING: 2}


def test_concern_rates_hand_computed(concern_tables):
    """P01 suspended, P03 permanently excluded, P08 suspended: of 1 pupil with an exploitation
    concern, 1 suspended; of 7 without, 1 (P08); of 2 who went missing, 1 excluded permanently."""
    pupils, tables = concern_tables
    exclusions = pd.DataFrame({"UPN": ["P01", "P03", "P08"], "AcademicYear": [Y] * 3,
                               "Category": ["SUSP", "PERM", "SUSP"]})
    frame = m.concerns(exclusions, m.link_concerns(pupils, Y, **tables), "Testborough", Y)
    got = {(r.breakdown, r.group, r.measure_id.split(".")[1]): (r.numerator, r.denominator)
           for r in frame.itertuples()}
    yes, no = m.CONCERN_GROUPS[m.EXPLOITATION]
    went, not_went = m.CONCERN_GROUPS[m.MISSING]
    assert got[m.EXPLOITATION, yes, "concern_one_plus_sus_pct"] == (1, 1)
    assert got[m.EXPLOITATION, no, "concern_one_plus_sus_pct"] == (1, 7)
    assert got[m.MISSING, went, "concern_perm_pct"] == (1, 2)
    assert got[m.MISSING, not_went, "concern_perm_pct"] == (0, 6)


def test_concern_windows_say_what_the_records_cover():
    start = pd.Timestamp("2024-04-01")
    assert m.covered_words((pd.Timestamp("2023-09-01"), pd.Timestamp("2024-08-31")), Y) == "the whole school year"
    assert m.covered_words((start, pd.Timestamp("2024-08-31")), Y) == "1 April to 31 August 2024 only"
    assert m.covered_words((pd.Timestamp("2023-09-01"), pd.Timestamp("2024-03-28")), Y) == \
        "1 September 2023 to 28 March 2024 only"


def test_no_linked_records_no_concern_table(social_care_tables):
    pupils, _ = social_care_tables
    link = m.link_concerns(pupils, Y)
    assert link.windows == {} and m.concerns(pd.DataFrame(columns=["UPN", "AcademicYear", "Category"]), link,
                                             "Testborough", Y).empty
