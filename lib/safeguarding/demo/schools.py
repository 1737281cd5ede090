"""Synthetic pupil roll (school census) and pupil-level exclusions for five academic years.

The roll follows birth cohorts through reception to year 11 (and school sixth forms), with
pupils joining and leaving, about :data:`~safeguarding.demo.targets.PUPILS_PER_CHILD`
pupils per child aged 0-17. Children in the CIN census and the SSDA903 return who live in
the borough are on the roll under their own UPN, so exclusion rates of children looked
after and children in need can be set beside all pupils' by UPN.

Calibration (exact, by construction, each academic year): permanent exclusions, the
number of suspensions and the number of pupils with one or more suspensions are the
borough's published rates (LAIT) times the roll; children looked after, on a child
protection plan and other children in need have the published rates for their group
(latest year, Outcomes for children in need). Who is excluded is weighted by phase, sex,
special educational needs, free school meals and ethnicity (:mod:`.sampling`), so the
usual over-representation appears. Reasons follow the code list of each year: 'Other'
(OT) only up to 2019/20; LG, DS, MT and WP from 2020/21.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from safeguarding.codes.lists import academic_year_label
from safeguarding.demo import sampling as s
from safeguarding.demo.children_in_need import CinCensus
from safeguarding.demo.looked_after import LookedAfter
from safeguarding.demo.targets import PUPILS_PER_CHILD, SCHOOL_YEARS, BoroughTargets

SIXTH_FORM_SHARE = 0.5
_REASONS_OLD = {"PD": 0.3, "VA": 0.11, "PA": 0.08, "PP": 0.14, "VP": 0.1, "DA": 0.05, "DM": 0.02, "BU": 0.02,
                "RA": 0.01, "SM": 0.01, "TH": 0.01, "OT": 0.15}
_REASONS_NEW = {"PD": 0.34, "VA": 0.12, "PA": 0.08, "PP": 0.15, "VP": 0.11, "DA": 0.05, "DM": 0.02, "BU": 0.02,
                "RA": 0.015, "SM": 0.015, "TH": 0.01, "LG": 0.005, "DS": 0.003, "MT": 0.02, "WP": 0.04}
_SESSIONS = {1: 0.14, 2: 0.3, 3: 0.1, 4: 0.14, 5: 0.04, 6: 0.1, 8: 0.05, 10: 0.08, 15: 0.03, 20: 0.02}


@dataclass
class Schools:
    """Pupil roll rows, exclusion rows, and the UPN of each child known to social care."""

    roll: pd.DataFrame
    exclusions: pd.DataFrame
    upn_of: dict[str, str]


def _cohort(dob: np.ndarray) -> np.ndarray:
    """Academic birth cohort: the year of the 31 August ending the child's birth 'school year'."""
    y, m, _ = s.split_dates(dob)
    return np.where(m >= 9, y + 1, y)


def generate_schools(rng: np.random.Generator, t: BoroughTargets, la: LookedAfter, cin: CinCensus) -> Schools:
    """Roll and exclusions for :data:`SCHOOL_YEARS`, calibrated to ``t``."""
    years = np.array(SCHOOL_YEARS)
    first, last = int(years.min()), int(years.max())
    # ------------------------------------------------------------------ general pupils
    size = max(3, int(round(PUPILS_PER_CHILD * t.population_0_17 / (12 + 2 * SIXTH_FORM_SHARE))))
    cohorts = np.arange(first - 1 - 17, last - 1 - 4 + 1)
    base_cohort = np.repeat(cohorts, size)
    join_n = int(round(0.05 * size))
    join_cohort = np.repeat(cohorts, join_n * (len(years) - 1))
    join_year = np.tile(np.repeat(years[1:], join_n), len(cohorts))
    cohort = np.concatenate([base_cohort, join_cohort])
    enter = np.concatenate([np.full(len(base_cohort), first), join_year])
    n = len(cohort)
    leave = enter + rng.geometric(0.05, size=n) - 1
    general = pd.DataFrame({"cohort": cohort, "enter": enter, "leave": leave, "group": "none",
                            "sex": s.draw_sex(rng, n, 0.512),
                            "ethnic": s.draw_ethnicity(rng, n, t.ethnic_shares, "pupil")})
    u = rng.random(n)
    general["sen"] = np.where(u < 0.035, "E", np.where(u < 0.165, "K", "N"))
    fsm_boost = np.isin(general["ethnic"].to_numpy(object), ["BCRB", "BAFR", "BOTH", "MWBC", "ABAN", "OOTH", "WIRT", "WROM"])
    general["fsm"] = rng.random(n) < np.where(fsm_boost, 0.36, 0.2)

    # ------------------------------------------------------------------ children known to social care
    cla = la.children
    kids = cin.children
    known = kids[["LAchildID", "PersonBirthDate", "Sex", "Ethnicity", "cla", "cp_any"]].copy()
    known["group"] = np.where(known["cla"], "cla", np.where(known["cp_any"], "cppo", "cino"))
    in_borough = rng.random(len(known)) < np.where(known["group"] == "cla", 0.65, 0.85)
    # Unaccompanied asylum-seeking children arrived recently: not on the roll of past years.
    uasc = set(cla.loc[cla["uasc"].to_numpy(bool), "CHILD"])
    in_borough &= ~known["LAchildID"].isin(uasc).to_numpy(bool)
    k = len(known)
    kc = pd.DataFrame({"cohort": _cohort(known["PersonBirthDate"].to_numpy("datetime64[D]")), "enter": first,
                       "leave": last, "group": known["group"].to_numpy(object), "sex": known["Sex"].to_numpy(object),
                       "ethnic": known["Ethnicity"].to_numpy(object), "child": known["LAchildID"].to_numpy(object)})
    u = rng.random(k)
    is_cla = kc["group"].to_numpy(object) == "cla"
    kc["sen"] = np.where(u < np.where(is_cla, 0.27, 0.13), "E", np.where(u < np.where(is_cla, 0.57, 0.38), "K", "N"))
    kc["fsm"] = rng.random(k) < np.where(is_cla, 0.35, 0.55)
    pupils = pd.concat([general.assign(child=None, on_roll=True), kc.assign(on_roll=in_borough)], ignore_index=True)
    n = len(pupils)
    pupils["sixth"] = rng.random(n) < SIXTH_FORM_SHARE
    pupils["special"] = (pupils["sen"].to_numpy(object) == "E") & (rng.random(n) < 0.45)
    upns = s.make_upns(rng, t.dfe_number, n)
    pupils["UPN"] = upns
    # Children too young for school by the end of the latest year have no UPN.
    known_mask = pupils["child"].notna().to_numpy(bool)
    age_latest = (last - pupils["cohort"].to_numpy(np.int64)) + 0  # age at 31 August of the latest year
    has_upn = ~known_mask | (age_latest >= 4)
    upn_of = dict(zip(pupils.loc[known_mask & has_upn, "child"], pupils.loc[known_mask & has_upn, "UPN"]))

    # Schools: about 420 pupils per primary, 1,000 per secondary, 110 per special school.
    per_age = size
    n_ps = max(1, int(round(7 * per_age / 420)))
    n_ss = max(1, int(round((5 + 2 * SIXTH_FORM_SHARE) * per_age / 1000)))
    n_sp = max(1, int(round(0.016 * per_age * 13 / 110)))
    urns = rng.choice(np.arange(900000, 1000000), size=n_ps + n_ss + n_sp, replace=False).astype(str)
    ps_urn = urns[rng.integers(0, n_ps, n)]
    ss_urn = urns[n_ps + rng.integers(0, n_ss, n)]
    sp_urn = urns[n_ps + n_ss + rng.integers(0, n_sp, n)]

    rows = []
    cohort = pupils["cohort"].to_numpy(np.int64)
    enter = pupils["enter"].to_numpy(np.int64)
    leave = pupils["leave"].to_numpy(np.int64)
    on_roll = pupils["on_roll"].to_numpy(bool) & has_upn
    sixth = pupils["sixth"].to_numpy(bool)
    special = pupils["special"].to_numpy(bool)
    for year in years:
        age = year - 1 - cohort
        present = on_roll & (enter <= year) & (leave >= year) & (((age >= 4) & (age <= 15)) | ((age >= 16) & (age <= 17) & sixth))
        idx = np.flatnonzero(present)
        a = age[idx]
        phase = np.where(special[idx], "SP", np.where(a <= 10, "PS", "SS"))
        urn = np.where(phase == "SP", sp_urn[idx], np.where(phase == "PS", ps_urn[idx], ss_urn[idx]))
        rows.append(pd.DataFrame({"pupil": idx, "year": year, "age": a, "Phase": phase, "URN": urn}))
    roll = pd.concat(rows, ignore_index=True)
    for column, source in (("UPN", "UPN"), ("Ethnicity", "ethnic"), ("Sex", "sex"), ("SENprovision", "sen"),
                           ("FSMeligible", "fsm"), ("group", "group")):
        roll[column] = pupils[source].to_numpy()[roll["pupil"].to_numpy()]
    exclusions = _exclusions(rng, t, roll)
    roll = roll.sort_values(["year", "UPN"], kind="stable").reset_index(drop=True)
    roll["AcademicYear"] = [academic_year_label(int(y)) for y in roll["year"]]
    return Schools(roll, exclusions, upn_of)


def _pupil_weights(roll: pd.DataFrame) -> np.ndarray:
    phase = roll["Phase"].to_numpy(object)
    w = np.where(phase == "SS", 9.0, np.where(phase == "SP", 5.0, 1.0))
    age = roll["age"].to_numpy(np.int64)
    w *= np.where((age >= 12) & (age <= 14), 1.3, 1.0)
    w *= np.where(roll["Sex"].to_numpy(object) == "M", 2.6, 1.0)
    sen = roll["SENprovision"].to_numpy(object)
    w *= np.where(sen == "K", 3.5, np.where(sen == "E", 3.0, 1.0))
    w *= np.where(roll["FSMeligible"].to_numpy(bool), 2.8, 1.0)
    w *= s.stage_weight(roll["Ethnicity"].to_numpy(object), "exclusion")
    return w


def _exclusions(rng, t: BoroughTargets, roll: pd.DataFrame) -> pd.DataFrame:
    out = []
    groups = t.group_exclusions
    for year in SCHOOL_YEARS:
        r = roll[roll["year"] == year].reset_index(drop=True)
        n = len(r)
        target = t.exclusions[year]
        n_perm = int(round(target.perm_rate / 100 * n))
        n_susp = int(round(target.suspension_rate / 100 * n))
        n_one = min(int(round(target.one_plus_suspension_pct / 100 * n)), n_susp)
        if n_susp and not n_one:
            n_one = 1
        w = _pupil_weights(r)
        group = r["group"].to_numpy(object)
        chosen, perm = [], []
        for key in ("cla", "cppo", "cino"):
            members = np.flatnonzero(group == key)
            want = int(round(groups[key].one_plus_sus_pct / 100 * len(members)))
            want = min(want, max(n_one - sum(len(c) for c in chosen), 0))
            chosen.append(members[s.sample_weighted(rng, w[members], want)])
            want_p = min(int(round(groups[key].perm_pct / 100 * len(members))), max(n_perm - sum(len(p) for p in perm), 0))
            perm.append(members[s.sample_weighted(rng, w[members], want_p)])
        rest = np.flatnonzero(group == "none")
        need = max(n_one - sum(len(c) for c in chosen), 0)
        chosen.append(rest[s.sample_weighted(rng, w[rest], need)])
        susp_pupils = np.concatenate(chosen)
        boost = np.where(group[susp_pupils] != "none", 2.0, 1.0)
        counts = s.allocate_counts(rng, len(susp_pupils), n_susp, minimum=1, concentration=0.6, weights=boost)
        # Permanent exclusions: mostly pupils already suspended this year.
        need_p = max(n_perm - sum(len(p) for p in perm), 0)
        pool_w = w[rest] * np.where(np.isin(rest, susp_pupils), 12.0, 1.0)
        perm.append(rest[s.sample_weighted(rng, pool_w, need_p)])
        perm_pupils = np.concatenate(perm)
        idx = np.concatenate([np.repeat(susp_pupils, counts), perm_pupils])
        category = np.concatenate([np.full(int(counts.sum()), "SUSP", dtype=object), np.full(len(perm_pupils), "PERM", dtype=object)])
        k = len(idx)
        day = s.draw_days(rng, np.datetime64(f"{year - 1}-09-04"), np.datetime64(f"{year}-07-20"), k)
        day = np.busday_offset(day, 0, roll="forward").astype("datetime64[D]")
        reasons = _REASONS_OLD if year <= 2020 else _REASONS_NEW
        sessions = s.draw_codes(rng, k, list(_SESSIONS), list(_SESSIONS.values()))
        rows = r.iloc[idx].reset_index(drop=True)
        out.append(pd.DataFrame({
            "UPN": rows["UPN"], "URN": rows["URN"], "Phase": rows["Phase"], "year": year, "Category": category,
            "StartDate": day, "Sessions": np.where(category == "SUSP", sessions, None),
            "Reason": s.draw_codes(rng, k, list(reasons), list(reasons.values())), "Ethnicity": rows["Ethnicity"],
            "Sex": rows["Sex"], "SENprovision": rows["SENprovision"], "FSMeligible": rows["FSMeligible"],
        }))
    exclusions = pd.concat(out, ignore_index=True)
    exclusions = exclusions.sort_values(["year", "StartDate", "UPN", "Category"], kind="stable").reset_index(drop=True)
    exclusions["AcademicYear"] = [academic_year_label(int(y)) for y in exclusions["year"]]
    return exclusions
