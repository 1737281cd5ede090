"""The demo generator: deterministic, readable by the project's readers, calibrated.

Synthetic child-level files are generated once per module for four boroughs: Hounslow
(CIN census as XML, DfE-style names), Harrow (CIN census as flat CSV tables, lower-case
names), Hillingdon (names with spaces, Title Case headers, byte-order mark) and the City of
London (tiny numbers, many suppressed figures). Every file is identified by its columns and
read with the readers; the records are re-aggregated here, independently of the generator,
and compared with the published figures (``safeguarding.published.figures``).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from safeguarding.codes.areas import resolve_area
from safeguarding.demo import borough_targets, generate_borough, generate_demo
from safeguarding.derive import age_at, care_leaver_age_band, ethnic_groups
from safeguarding.issues import InputError
from safeguarding.published.figures import figures
from safeguarding.readers import cin, exclusions, identify_file
from safeguarding.readers.base import read_table

# Tolerances: re-aggregated synthetic records vs the published figure they are calibrated
# to. The generator meets most figures exactly by construction; the tolerances leave room
# for rounding in small numbers (a percentage of a few dozen children) and for changes in
# generation detail, while still catching a generator that drifts from the published value.
CLA_COUNT_REL = 0.02  # children looked after at 31 March: within 2% (relative)
PLACEMENT_PP = 2.0  # placement groups at 31 March: within 2 points of LAIT's published share
REFERRALS_REL = 0.03  # referrals in the year: within 3%
REREFERRAL_PP = 2.0  # % of referrals that were re-referrals within 12 months: within 2 points
CP_STARTS_REL = 0.05  # child protection plans starting: within 5%
CLA_MISSING_PP = 2.0  # % of children looked after who went missing (published 2023): within 2 points
INCIDENTS_PER_CHILD_REL = 0.15  # missing incidents per child who went missing (2023): within 15%
NEET_PP = 3.0  # % of care leavers NEET, by age band: within 3 points
COHORT_REL = 0.05  # care leaver cohort sizes, by age band: within 5%
EXCLUSION_REL = 0.15  # permanent exclusion, suspension and one-or-more-suspension rates: within 15%
S47_REL = 0.05  # section 47 enquiries per 10,000 children (LAIT): within 5%
ICPC_15_DAYS_PP = 5.0  # % of initial conferences within 15 working days (LAIT): within 5 points
ASSESSED_45_DAYS_PP = 5.0  # % of assessments within 45 working days (LAIT): within 5 points
CP_OPEN_REL = 0.20  # child protection plans open at 31 March: within 20% (plan lengths are not fitted to it)

SEED = 2025
PERIOD_END = pd.Timestamp("2025-03-31")
PERIOD_START = pd.Timestamp("2024-04-01")
CALIBRATION_BOROUGHS = ("hounslow", "harrow")
READ_BOROUGHS = CALIBRATION_BOROUGHS + ("hillingdon", "city-of-london")
MISSING_YEAR = 2023


# ------------------------------------------------------------------------------ fixtures
@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("demo_raw")
    generate_demo(list(READ_BOROUGHS), out_dir=root, seed=SEED)
    return root


def _read_folder(folder: Path) -> tuple[dict[str, pd.DataFrame], list, list[str]]:
    """Every file in a borough folder, identified by its columns and read by its reader."""
    results, unidentified = [], []
    for path in sorted(folder.iterdir()):
        if path.name.startswith("."):  # the demo's synthetic-data marker: ingest skips hidden files too
            continue
        if path.suffix == ".xml":
            results.extend(cin.read_cin_xml(path).values())
            continue
        spec = identify_file(path)
        if spec is None:
            unidentified.append(path.name)
        elif spec.name == "exclusions":
            results.append(exclusions.read_exclusions(path))
        elif spec.name == "pupils":
            results.append(exclusions.read_pupils(path))
        else:
            results.append(read_table(path, spec, year=2025 if spec.name.startswith("cla_") else None))
    frames: dict[str, list[pd.DataFrame]] = {}
    for r in results:
        frames.setdefault(r.table, []).append(r.frame)
    return {k: pd.concat(v, ignore_index=True) for k, v in frames.items()}, results, unidentified


@pytest.fixture(scope="module")
def read(generated) -> dict:
    return {slug: _read_folder(generated / slug) for slug in READ_BOROUGHS}


def _digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def _published(measure_id: str, slug: str, year: int) -> pd.Series:
    f = figures(measure_id)
    rows = f[(f["geographic_level"] == "Local authority") & (f["dfe_number"] == resolve_area(slug).dfe_number)
             & (f["year"] == year)]
    assert len(rows) == 1, f"{measure_id} {year} not published for {slug}"
    return rows.iloc[0]


# ------------------------------------------------------------------------------ (a) determinism
def test_same_seed_gives_identical_files(generated, tmp_path):
    paths = generate_demo(["harrow", "city-of-london"], out_dir=tmp_path, seed=SEED)
    assert paths, "nothing written"
    for slug in ("harrow", "city-of-london"):
        assert _digests(tmp_path / slug) == _digests(generated / slug)


def test_other_seed_gives_other_children(generated, tmp_path):
    generate_borough("city-of-london", tmp_path, seed=SEED + 1)
    first, second = _digests(generated / "city-of-london"), _digests(tmp_path / "city-of-london")
    assert first.keys() == second.keys()
    assert all(first[name] != second[name] for name in first)
    a = _read_folder(generated / "city-of-london")[0]["cla_header"]["CHILD"]
    b = _read_folder(tmp_path / "city-of-london")[0]["cla_header"]["CHILD"]
    assert not set(a) & set(b)


# ------------------------------------------------------------------------------ (b) readable
@pytest.mark.parametrize("slug", READ_BOROUGHS)
def test_every_file_is_identified_and_read_without_errors(read, slug):
    frames, results, unidentified = read[slug]
    assert not unidentified
    for r in results:
        assert r.reconciles()
        errors = r.issues[r.issues["severity"] == "error"] if len(r.issues) else r.issues
        assert errors.empty, f"{Path(r.source).name}: {errors.head().to_dict('records')}"
        assert r.n_rejected == 0
    expected = {"cla_header", "cla_episodes", "cla_missing", "cla_oc3", "cla_uasc", "cin_child_identifiers",
                "cin_child_characteristics", "cin_details", "cin_assessments", "cin_section47", "cin_cp_plans",
                "missing_episodes", "missing_persons", "exclusions", "pupils"}
    assert expected <= set(frames)


def test_file_names_and_cin_route_vary_between_boroughs(generated):
    names = {slug: {p.name for p in (generated / slug).iterdir()} for slug in READ_BOROUGHS}
    assert "SSDA903_2025_Header.csv" in names["hounslow"]
    assert "header.csv" in names["harrow"]
    assert "Header 2024-25.csv" in names["hillingdon"]
    assert any(n.endswith(".xml") for n in names["hounslow"])
    assert not any(n.endswith(".xml") for n in names["harrow"])  # flat CSV CIN tables
    assert {"cin_cindetails.csv", "cin_childprotectionplans.csv"} <= names["harrow"]
    hillingdon_header = (generated / "hillingdon" / "Episodes 2024-25.csv").read_bytes()
    assert hillingdon_header.startswith(b"\xef\xbb\xbf") and b"Place Provider" in hillingdon_header[:200]


def test_no_foreign_files_are_overwritten(tmp_path):
    folder = tmp_path / "city-of-london"
    folder.mkdir()
    (folder / "our_own_extract.csv").write_text("CHILD\n1\n")
    with pytest.raises(InputError):
        generate_borough("city-of-london", tmp_path)


def test_the_demo_is_marked_synthetic_and_ingest_records_it(tmp_path):
    """The demo writes a hidden marker beside its files (regenerating keeps working); ingest
    records it, so every briefing says the data are synthetic; a copy without it is not marked."""
    import json
    import shutil

    from safeguarding import config
    from safeguarding.prepare import ingest
    generate_borough("city-of-london", tmp_path / "raw")
    generate_borough("city-of-london", tmp_path / "raw")  # the marker is the demo's own file
    raw = tmp_path / "raw" / "city-of-london"
    assert json.loads((raw / config.SYNTHETIC_MARKER).read_text())["synthetic"] is True
    ingest(raw, tmp_path / "processed")
    assert json.loads((tmp_path / "processed" / "manifest.json").read_text())["synthetic"] is True
    own = tmp_path / "own"
    shutil.copytree(raw, own, ignore=shutil.ignore_patterns(config.SYNTHETIC_MARKER))
    ingest(own, tmp_path / "processed-own")
    assert json.loads((tmp_path / "processed-own" / "manifest.json").read_text())["synthetic"] is False


# ------------------------------------------------------------------------------ (c) calibration
def _cla_measures(frames) -> dict:
    ep = frames["cla_episodes"]
    open_31 = (ep["DECOM"] <= PERIOD_END) & (ep["DEC"].isna() | (ep["DEC"] > PERIOD_END))
    during = ep.loc[(ep["DECOM"] <= PERIOD_END) & (ep["DEC"].isna() | (ep["DEC"] >= PERIOD_START)), "CHILD"].nunique()
    mi = frames["cla_missing"]
    mi = mi[(mi["MISSING"] == "M") & mi["MIS_START"].between(PERIOD_START, PERIOD_END)]
    return {"cla_at_31mar": ep.loc[open_31, "CHILD"].nunique(),
            "missing_pct": 100 * mi["CHILD"].nunique() / during,
            "incidents_per_child": len(mi) / mi["CHILD"].nunique()}


def _cin_measures(frames) -> dict:
    d = frames["cin_details"][["LAchildID", "CINreferralDate"]].sort_values(["LAchildID", "CINreferralDate"])
    d["previous"] = d.groupby("LAchildID")["CINreferralDate"].shift()
    year = d[d["CINreferralDate"].between(PERIOD_START, PERIOD_END)]
    rereferral = year["previous"].notna() & (year["previous"] >= year["CINreferralDate"] - pd.DateOffset(months=12))
    cp = frames["cin_cp_plans"]
    return {"referrals": len(year), "rereferral_pct": 100 * rereferral.mean(),
            "cp_starts": int(cp["CPPstartDate"].between(PERIOD_START, PERIOD_END).sum())}


@pytest.mark.parametrize("slug", CALIBRATION_BOROUGHS)
def test_children_looked_after_and_cin_match_published(read, slug):
    frames = read[slug][0]
    cla, cinm = _cla_measures(frames), _cin_measures(frames)
    count = _published("cla.count_31mar", slug, 2025)["value"]
    assert abs(cla["cla_at_31mar"] - count) <= CLA_COUNT_REL * count
    referrals = _published("cin.referrals", slug, 2025)["value"]
    assert abs(cinm["referrals"] - referrals) <= REFERRALS_REL * referrals
    rr = _published("cin.rereferral_pct", slug, 2025)
    assert abs(cinm["rereferral_pct"] - 100 * rr["numerator"] / rr["denominator"]) <= REREFERRAL_PP
    starts = _published("cp.starts", slug, 2025)["value"]
    assert abs(cinm["cp_starts"] - starts) <= CP_STARTS_REL * starts
    children = _published("cla_missing.children_missing", slug, MISSING_YEAR)["value"]
    during = _published("cla_missing.cla_during_year", slug, MISSING_YEAR)["value"]
    incidents = _published("cla_missing.incidents", slug, MISSING_YEAR)["value"]
    assert abs(cla["missing_pct"] - 100 * children / during) <= CLA_MISSING_PP
    assert abs(cla["incidents_per_child"] / (incidents / children) - 1) <= INCIDENTS_PER_CHILD_REL


@pytest.mark.parametrize("slug", CALIBRATION_BOROUGHS)
def test_looked_after_theme_matches_published(read, slug):
    """The children looked after theme's own figures against DfE's (EES and LAIT) for the year:
    starting and ceasing exactly, the shares DfE rounds to whole per cent as it rounds them,
    placement groups within PLACEMENT_PP of LAIT's."""
    from safeguarding.measures import looked_after as m
    frames = read[slug][0]
    t = m.results(frames["cla_episodes"], frames.get("cla_header"), frames.get("cla_uasc"), slug, PERIOD_END, None)
    rows = pd.concat(t.values(), ignore_index=True)

    def own(mid, breakdown="all", group=m.ALL):
        return rows[(rows["measure_id"] == m.P + mid) & (rows["breakdown"] == breakdown) & (rows["group"] == group)].iloc[0]

    for mid, pid in (("starts", "cla.starts_count"), ("ceased", "cla.ceased_count")):
        assert own(mid)["value"] == _published(pid, slug, 2025)["value"], mid
    for mid, pid in (("placements_3plus_pct", "cla.placements_3plus_pct"), ("uasc_pct", "cla.uasc_pct")):
        assert abs(own(mid)["value"] - _published(pid, slug, 2025)["value"]) <= 0.5 + 1e-9, mid
    # unaccompanied children among those starting: LAIT's whole per cent, within PLACEMENT_PP
    assert abs(own("uasc_starts_pct")["value"] - _published("cla.uasc_starts_pct", slug, 2025)["value"]) <= PLACEMENT_PP
    checked = 0
    for group, pid in m.PLACEMENT_PUBLISHED.items():
        f = figures(pid)
        published = f.loc[(f["geographic_level"] == "Local authority") & (f["year"] == 2025)
                          & (f["dfe_number"] == resolve_area(slug).dfe_number), "value"].dropna()
        if len(published):
            checked += 1
            assert abs(own("placement_pct", "placement", group)["value"] - published.iloc[0]) <= PLACEMENT_PP, group
    assert checked >= 4


@pytest.mark.parametrize("slug", CALIBRATION_BOROUGHS)
def test_child_protection_and_assessments_match_published(read, slug):
    from safeguarding.measures import child_protection as m
    from safeguarding.published.comparators import compare
    from safeguarding.published.population import child_population
    frames, area = read[slug][0], resolve_area(slug)
    children = frames["cin_child_identifiers"]  # date of birth and sex (ingest makes cin_children of it)
    t = m.results(frames["cin_section47"], frames["cin_cp_plans"], children, area.name, PERIOD_END,
                  child_population(area, 2024))

    def own(table, mid):
        return float(t[table].loc[t[table]["measure_id"] == m.P + mid, "value"].iloc[0])
    assert own("enquiries", "s47_rate_per_10k") == pytest.approx(compare(area, "cp.s47_rate_per_10k", 2025).value, rel=S47_REL)
    assert abs(own("enquiries", "icpc_within_15_days_pct") - compare(area, "cp.icpc_within_15_days_pct", 2025).value) \
        <= ICPC_15_DAYS_PP
    from safeguarding.measures import front_door as fd
    assessed = fd.results(frames["cin_details"], frames["cin_assessments"], children, area.name,
                          PERIOD_END, None)["assessments"]
    share = float(assessed.loc[assessed["measure_id"] == fd.P + "assessed_45_days_pct", "value"].iloc[0])
    assert abs(share - compare(area, "cin.assessed_45_days_pct", 2025).value) <= ASSESSED_45_DAYS_PP
    opened = _published("cp.count_31mar", slug, 2025)["value"]
    assert abs(own("plans", "plans_open") - opened) <= CP_OPEN_REL * opened


@pytest.mark.parametrize("slug", CALIBRATION_BOROUGHS)
def test_care_leavers_match_published(read, slug):
    oc3 = read[slug][0]["cla_oc3"].copy()
    oc3["band"] = care_leaver_age_band(oc3["DOB"], 2025)
    for band, key in (("17-18", "17_18"), ("19-21", "19_21")):
        rows = oc3[oc3["band"] == band]
        total = _published(f"care_leavers.{key}.total", slug, 2025)["value"]
        neet = _published(f"care_leavers.{key}.neet_pct", slug, 2025)
        assert abs(len(rows) - total) <= COHORT_REL * total
        got = 100 * rows["ACTIV"].isin(["G4", "G5", "G6"]).mean()
        assert abs(got - 100 * neet["numerator"] / neet["denominator"]) <= NEET_PP


@pytest.mark.parametrize("slug", CALIBRATION_BOROUGHS)
def test_exclusion_rates_match_published(read, slug):
    frames = read[slug][0]
    ex, pupils = frames["exclusions"], frames["pupils"]
    for year in range(2020, 2025):
        roll = int((pupils["AcademicYear"] == year).sum())
        e = ex[ex["AcademicYear"] == year]
        got = {"exclusions.perm_rate": 100 * (e["Category"] == "PERM").sum() / roll,
               "exclusions.suspension_rate": 100 * (e["Category"] == "SUSP").sum() / roll,
               "exclusions.one_plus_suspension_rate": 100 * e.loc[e["Category"] == "SUSP", "UPN"].nunique() / roll}
        for measure, value in got.items():
            published = _published(measure, slug, year)["value"]
            if np.isnan(published):
                continue
            assert abs(value - published) <= EXCLUSION_REL * published + 1e-9, (measure, year, value, published)


def test_targets_come_from_the_published_layer_and_record_fallbacks():
    t = borough_targets("hounslow")
    assert t.cla_at_31mar == _published("cla.count_31mar", "hounslow", 2025)["value"]
    assert t.missing_year == MISSING_YEAR
    assert not [f for f in t.fallbacks if f.startswith(("cla.count", "cin.referrals", "cp.starts"))]
    city = borough_targets("city-of-london")  # CLA at 31 March 2025 is suppressed ('c')
    assert any(f.startswith("cla.count_31mar") for f in city.fallbacks)
    assert city.cla_at_31mar > 0


# ------------------------------------------------------------------------------ links and realism
@pytest.mark.parametrize("slug", CALIBRATION_BOROUGHS)
def test_datasets_link_by_person_and_upn(read, slug):
    f = read[slug][0]
    cla_ids = set(f["cla_episodes"]["CHILD"])
    log = f["missing_episodes"]
    care_2025 = log[(log["miss_missing_from"] == "CARE") & (log["miss_missing_episode_start_date"] >= PERIOD_START)
                    & (log["miss_missing_episode_start_date"] < PERIOD_END + pd.Timedelta(days=1))]
    home_2025 = log[(log["miss_missing_from"] == "HOME") & (log["miss_missing_episode_start_date"] >= PERIOD_START)]
    assert set(care_2025["miss_person_id"]) <= cla_ids
    assert not set(home_2025["miss_person_id"]) & cla_ids
    in_903 = set(zip(f["cla_missing"]["CHILD"], f["cla_missing"]["MIS_START"], f["cla_missing"]["MISSING"]))
    in_log = set(zip(care_2025["miss_person_id"], care_2025["miss_missing_episode_start_date"].dt.normalize(),
                     care_2025["miss_missing_episode_type"]))
    assert in_903 == in_log
    assert len(f["cla_missing"]) == len(care_2025)
    assert cla_ids <= set(f["cin_details"]["LAchildID"])  # looked-after children are children in need
    pupils = f["pupils"][f["pupils"]["AcademicYear"] == 2024]
    suspended = pupils["UPN"].isin(set(f["exclusions"].loc[(f["exclusions"]["AcademicYear"] == 2024)
                                                           & (f["exclusions"]["Category"] == "SUSP"), "UPN"]))
    cla_upn = pupils["UPN"].isin(set(f["cla_header"]["UPN"].dropna()))
    cin_upn = pupils["UPN"].isin(set(f["cin_child_identifiers"]["UPN"].dropna()))
    assert cla_upn.sum() > 20 and cin_upn.sum() > 200
    assert suspended[cla_upn].mean() > 2 * suspended.mean()
    assert suspended[cin_upn].mean() > 1.5 * suspended.mean()


def test_realistic_patterns(read):
    f = read["hounslow"][0]
    ep = f["cla_episodes"]
    at_31 = ep[(ep["DECOM"] <= PERIOD_END) & (ep["DEC"].isna() | (ep["DEC"] > PERIOD_END))]
    residential = at_31["PLACE"].isin(["K1", "K2", "R1", "S1"]).mean()
    assert 0.05 < residential < 0.25
    placements = ep[(ep["RNE"] != "L") & (ep["DEC"].isna() | (ep["DEC"] >= PERIOD_START))].groupby("CHILD").size()
    assert (placements >= 3).sum() >= 10
    # Missing: a minority of mostly 13-17-year-olds, heavy-tailed, hours to days.
    log = f["missing_episodes"].merge(f["missing_persons"], left_on="miss_person_id", right_on="pers_person_id")
    age = age_at(log["pers_dob"], log["miss_missing_episode_start_date"])
    assert ((age >= 13) & (age <= 17)).mean() > 0.7
    per_child = log.groupby("miss_person_id").size()
    assert per_child.max() >= 20 and (per_child == 1).mean() > 0.2
    hours = (log["miss_missing_episode_end_date"] - log["miss_missing_episode_start_date"]).dt.total_seconds() / 3600
    assert 2 < hours.median() < 48 and (hours > 72).any()
    missing = log[log["miss_missing_episode_type"] == "M"]
    offered = missing["miss_missing_rhi_offered_date"] - missing["miss_missing_episode_end_date"]
    assert (offered <= pd.Timedelta(hours=72)).mean() > 0.5 and (offered > pd.Timedelta(hours=72)).any()
    assert (missing["miss_missing_rhi_offered"] == "N").any()
    done = missing["miss_missing_rhi_completed_date"].notna()
    assert done.any() and (missing.loc[done, "miss_missing_rhi_completed_date"]
                           >= missing.loc[done, "miss_missing_episode_end_date"]).all()
    # Reasons follow each year's code list.
    ex = f["exclusions"]
    assert (ex.loc[ex["Reason"] == "OT", "AcademicYear"] <= 2020).all()
    assert ex.loc[ex["Reason"].isin(["LG", "DS", "MT", "WP"]), "AcademicYear"].min() >= 2021
    assert (ex.loc[ex["AcademicYear"] == 2020, "Reason"] == "OT").any()
    # Disproportionality: Black and Mixed children over-represented, Asian under-represented.
    cla_major = ethnic_groups(f["cla_header"]["ETHNIC"])["ethnic_major"].value_counts(normalize=True)
    pupil_major = ethnic_groups(f["pupils"]["Ethnicity"])["ethnic_major"].value_counts(normalize=True)
    assert cla_major["Black"] > pupil_major["Black"] and cla_major["Mixed"] > pupil_major["Mixed"]
    assert cla_major["Asian"] < pupil_major["Asian"]
    sec = f["pupils"][(f["pupils"]["AcademicYear"] == 2024)]
    susp = sec["UPN"].isin(set(ex.loc[(ex["AcademicYear"] == 2024) & (ex["Category"] == "SUSP"), "UPN"]))
    assert susp[sec["Sex"] == "M"].mean() > susp[sec["Sex"] == "F"].mean()
    assert susp[sec["SENprovision"] != "N"].mean() > susp[sec["SENprovision"] == "N"].mean()
    assert susp[sec["FSMeligible"].astype(bool)].mean() > susp[~sec["FSMeligible"].astype(bool)].mean()
    # The funnel: referral -> assessment -> S47 -> ICPC -> plan.
    s47 = f["cin_section47"]
    in_year = s47[s47["S47ActualStartDate"].between(PERIOD_START, PERIOD_END)]
    icpc = in_year["DateOfInitialCPC"].notna().sum()
    assert 0.25 < icpc / len(in_year) < 0.6
    assert len(f["cin_assessments"]) > len(in_year) > icpc


def test_defects_only_when_asked(tmp_path):
    def end_before_start(folder):
        log = _read_folder(folder)[0]["missing_episodes"]
        return int((log["miss_missing_episode_end_date"] < log["miss_missing_episode_start_date"]).sum())

    generate_borough("city-of-london", tmp_path / "clean", seed=SEED)
    generate_borough("city-of-london", tmp_path / "defects", seed=SEED, defects=True)
    assert end_before_start(tmp_path / "clean" / "city-of-london") == 0
    assert end_before_start(tmp_path / "defects" / "city-of-london") >= 1
