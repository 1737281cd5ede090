"""Synthetic CIN census for one collection year: referrals, assessments, section 47
enquiries, initial child protection conferences and child protection plans.

Calibration (exact, by construction):

* referrals with a CINreferralDate in the year = the published referrals;
* re-referrals (a referral within 12 months of the child's previous referral) = the
  published re-referral %. A re-referral's earlier referral is either another referral in
  the year or a referral in the previous year, which is included in the file (closed
  before the new referral) so that the measure can be formed from this return alone;
* referrals closed with no further action = the published NFA %;
* child protection plans starting in the year = the published count, of which the
  published % are second or subsequent plans (NumberOfPreviousCPP >= 1);
* plan durations are drawn so that plans open at 31 March come near the published count.

The funnel follows national ratios: about 42% of section 47 enquiries lead to an initial
conference and about 85% of conferences to a plan; about 80% of conferences are held
within 15 working days. Children looked after in the year have a CIN episode too (same
LAchildID as the SSDA903 CHILD).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from safeguarding.demo import sampling as s
from safeguarding.demo.looked_after import LookedAfter
from safeguarding.demo.targets import BoroughTargets

NAT = np.datetime64("NaT", "D")

_SOURCE = {"1A": 0.04, "1B": 0.005, "1C": 0.01, "1D": 0.01, "2A": 0.19, "2B": 0.01, "3A": 0.02, "3B": 0.02,
           "3C": 0.005, "3D": 0.02, "3E": 0.03, "3F": 0.08, "4": 0.02, "5A": 0.04, "5B": 0.05, "5C": 0.06,
           "5D": 0.28, "6": 0.03, "7": 0.02, "8": 0.01, "9": 0.005, "10": 0.02}
_SOURCE_UASC = {"5D": 0.45, "5C": 0.25, "7": 0.15, "4": 0.05, "1D": 0.1}
_NEED = {"N1": 0.52, "N2": 0.08, "N3": 0.05, "N4": 0.1, "N5": 0.14, "N6": 0.05, "N7": 0.01, "N8": 0.05}
_ABUSE = {"NEG": 0.44, "EMO": 0.38, "PHY": 0.08, "SAB": 0.05, "MUL": 0.05}
#: Other assessment factors, at their national frequencies per episode with factors (CIN
#: census 2025, table C3): 16A neglect, 17A emotional abuse, 18B/18C physical abuse (child on
#: child / adult on child), 19B/19C sexual abuse, 20 other, 22A FGM, 23A faith-linked abuse.
_FACTORS = {"1A": 0.021, "1B": 0.143, "1C": 0.023, "2A": 0.048, "2B": 0.141, "2C": 0.031, "3A": 0.113,
            "3B": 0.317, "3C": 0.05, "4A": 0.176, "4B": 0.335, "4C": 0.046, "5A": 0.123, "5B": 0.03, "5C": 0.015,
            "6A": 0.047, "6B": 0.054, "6C": 0.01, "7A": 0.037, "8C": 0.004, "14A": 0.07, "15A": 0.05, "16A": 0.176,
            "17A": 0.19, "18B": 0.03, "18C": 0.12, "19B": 0.025, "19C": 0.037, "20": 0.163, "22A": 0.0015,
            "23A": 0.0044}
_CIN_AGE = np.array([8, 5, 5, 5, 5, 4.8, 4.8, 4.8, 4.8, 4.8, 5.8, 5.8, 5.8, 5.8, 5.8, 5.8, 6.5, 6.5])
_CP_AGE = np.array([12, 7, 7, 7, 7, 5.4, 5.4, 5.4, 5.4, 5.4, 4.7, 4.7, 4.7, 4.7, 4.7, 4.7, 2.5, 2.5])
_QUICK = ("nfa", "not_in_need", "s47_only")


@dataclass
class CinCensus:
    """CIN census tables (typed frames, one row per element), keyed by LAchildID / CINdetailsID."""

    children: pd.DataFrame  # LAchildID, PersonBirthDate, Sex, Ethnicity, UPN (filled later), cp_any, cla
    details: pd.DataFrame
    assessments: pd.DataFrame
    section47: pd.DataFrame
    cp_plans: pd.DataFrame
    plan_dates: pd.DataFrame


def _cp_durations(rng, n: int, mean_years: float) -> np.ndarray:
    sigma = 0.7
    median = mean_years * 365.25 / np.exp(sigma ** 2 / 2)
    return np.clip(np.round(rng.lognormal(np.log(median), sigma, n)), 14, 4 * 365).astype(np.int64)


def _assessment(rng, referral: np.ndarray, quick: np.ndarray, on_time_pct: float) -> tuple[np.ndarray, np.ndarray]:
    """Start and authorisation dates; ``on_time_pct`` of them within 45 working days (60 calendar
    days or fewer always are; 70 or more never are, whatever the weekday and bank holidays)."""
    n = len(referral)
    start = referral + rng.integers(0, 5, size=n).astype("timedelta64[D]")
    long = np.minimum(np.round(rng.gamma(3.0, 9.5, size=n)) + 3, 60)
    short = rng.integers(5, 33, size=n)
    late = rng.random(n) >= on_time_pct / 100
    days = np.where(late, rng.integers(70, 120, size=n), np.where(quick, short, long))
    auth = start + days.astype(np.int64).astype("timedelta64[D]")
    return start, auth


def generate_cin(rng: np.random.Generator, t: BoroughTargets, ids: s.IdPool, la: LookedAfter,
                 fy_start: np.datetime64, fy_end: np.datetime64) -> CinCensus:
    """The CIN census for the year ending ``fy_end``, calibrated to ``t`` (see module docstring)."""
    eps: list[pd.DataFrame] = []
    kids: list[pd.DataFrame] = []

    # ---------------------------------------------------------------- looked-after children
    ch = la.children
    n = len(ch)
    uasc = ch["uasc"].to_numpy(bool)
    start = ch["start"].to_numpy("datetime64[D]")
    lag = np.where(uasc, rng.integers(0, 3, n), np.round(rng.exponential(35, n))).astype(np.int64)
    referral = start - lag.astype("timedelta64[D]")
    referral = np.maximum(referral, ch["dob"].to_numpy("datetime64[D]"))
    cease = ch["cease"].to_numpy("datetime64[D]")
    rec = ch["REC"].to_numpy(object)
    reason = np.select([np.isin(rec, ["E11", "E12"]), np.isin(rec, ["E45", "E46", "E47", "E48", "E43", "E44"]),
                        rec == "E41"], ["RC1", "RC4", "RC3"], "RC7")
    eps.append(pd.DataFrame({
        "child": ch["CHILD"].to_numpy(object), "referral": referral, "outcome": "cla",
        "need": ch["need"].to_numpy(object), "closure": cease, "reason": np.where(np.isnat(cease), None, reason),
        "source": np.where(uasc, s.draw_codes(rng, n, list(_SOURCE_UASC), list(_SOURCE_UASC.values())),
                           s.draw_codes(rng, n, list(_SOURCE), list(_SOURCE.values()))),
    }))
    kids.append(pd.DataFrame({"LAchildID": ch["CHILD"].to_numpy(object), "PersonBirthDate": ch["dob"].to_numpy("datetime64[D]"),
                              "Sex": ch["SEX"].to_numpy(object), "Ethnicity": ch["ETHNIC"].to_numpy(object), "cla": True}))
    n_cla_ref = int((referral >= fy_start).sum())

    # ---------------------------------------------------------------- in-year referrals: outcomes
    R = t.referrals
    r_other = max(R - n_cla_ref, 0)
    counts = {"cp": min(t.cp_plan_starts, r_other)}
    counts["icpc_noplan"] = int(round(counts["cp"] * 0.18))
    # section 47 enquiries as published (a few more come from children looked after, below)
    counts["s47_only"] = max(0, t.s47_enquiries - counts["cp"] - counts["icpc_noplan"])
    counts["nfa"] = int(round(R * t.nfa_pct / 100))
    counts["not_in_need"] = int(round(R * t.not_in_need_pct / 100))
    for key in ("s47_only", "not_in_need", "nfa", "icpc_noplan"):
        excess = sum(counts.values()) - r_other
        if excess > 0:
            counts[key] = max(0, counts[key] - excess)
    counts["cin"] = r_other - sum(counts.values())
    outcome = np.concatenate([np.full(v, k, dtype=object) for k, v in counts.items()])
    outcome = outcome[rng.permutation(len(outcome))]
    m = len(outcome)

    # Re-referral structure: pairs within the year and singles preceded by last year's referral.
    K = int(round(R * t.rereferral_pct / 100))
    quick = np.isin(outcome, _QUICK)
    k_in = int(min(round(0.4 * K), quick.sum(), m // 2))
    first = s.sample_weighted(rng, quick.astype(float), k_in)
    rest = np.setdiff1d(np.arange(m), first)
    second = rest[rng.permutation(len(rest))[:k_in]]
    used = np.zeros(m, dtype=bool)
    used[first] = True
    used[second] = True
    k_prior = min(K - k_in, int((~used).sum()))
    prior = np.flatnonzero(~used)[rng.permutation(int((~used).sum()))[:k_prior]]
    role = np.full(m, "single", dtype=object)
    role[first], role[second], role[prior] = "first", "second", "prior"

    late = np.isin(outcome, ["cp", "icpc_noplan"])
    r_date = np.empty(m, dtype="datetime64[D]")
    single = role == "single"
    r_date[single] = s.draw_days(rng, fy_start, np.where(late[single], fy_end - 60 * s.DAY, fy_end), int(single.sum()))
    r_date[prior] = s.draw_days(rng, fy_start, fy_start + 300 * s.DAY, len(prior))
    r_date[first] = s.draw_days(rng, fy_start, fy_start + 120 * s.DAY, k_in)
    r_date[second] = r_date[first] + rng.integers(45, 181, size=k_in).astype("timedelta64[D]")

    # Children: a pair shares one child; everyone else is a child of their own.
    child_of = np.empty(m, dtype=object)
    n_children = m - k_in
    new_ids = ids.take(n_children)
    others = np.flatnonzero(role != "second")
    child_of[others] = new_ids
    child_of[second] = child_of[first]
    is_cp = np.isin(outcome, ["cp", "icpc_noplan", "s47_only"])
    anchor = others
    age = np.where(is_cp[anchor], rng.choice(18, size=len(anchor), p=_CP_AGE / _CP_AGE.sum()),
                   rng.choice(18, size=len(anchor), p=_CIN_AGE / _CIN_AGE.sum()))
    age = np.where(role[anchor] == "prior", np.maximum(age, 1), age)  # referred last year too
    # a pair's child is as old as at the first referral
    dob = s.dob_for_age(rng, age, r_date[anchor])
    ethnic = np.where(is_cp[anchor], s.draw_ethnicity(rng, len(anchor), t.ethnic_shares, "cp"),
                      s.draw_ethnicity(rng, len(anchor), t.ethnic_shares, "cin"))
    kids.append(pd.DataFrame({"LAchildID": new_ids, "PersonBirthDate": dob, "Sex": s.draw_sex(rng, len(anchor), 0.51),
                              "Ethnicity": ethnic, "cla": False}))
    dob_of = dict(zip(new_ids, dob))

    # ---------------------------------------------------------------- process per outcome
    frame = pd.DataFrame({"child": child_of, "referral": r_date, "outcome": outcome, "role": role})
    cap = np.full(m, NAT)
    cap[first] = r_date[second] - s.DAY  # an episode closes before the child's next referral
    frame["closure_cap"] = cap
    frame["source"] = s.draw_codes(rng, m, list(_SOURCE), list(_SOURCE.values()))
    frame["need"] = np.select([outcome == "nfa", outcome == "not_in_need", np.isin(outcome, ["cp", "icpc_noplan", "s47_only"])],
                              ["N0", "N9", "N1"], s.draw_codes(rng, m, list(_NEED), list(_NEED.values())))
    eps.append(frame)
    # The earlier referral of each "prior" re-referral: last year, closed quickly, before the new one.
    gap_lo = np.maximum(30, (r_date[prior] - fy_start).astype(np.int64) + 1)
    gap = gap_lo + np.floor(rng.random(len(prior)) * (331 - gap_lo)).astype(np.int64)
    p_date = r_date[prior] - gap.astype("timedelta64[D]")
    p_nfa = rng.random(len(prior)) < 0.35
    eps.append(pd.DataFrame({"child": child_of[prior], "referral": p_date,
                             "outcome": np.where(p_nfa, "nfa", "not_in_need"), "role": "earlier",
                             "source": s.draw_codes(rng, len(prior), list(_SOURCE), list(_SOURCE.values())),
                             "need": np.where(p_nfa, "N0", "N9"),
                             "closure_cap": r_date[prior] - s.DAY}))

    details = pd.concat(eps, ignore_index=True)
    details["dob"] = details["child"].map(dob_of)
    cla_dob = dict(zip(ch["CHILD"], ch["dob"]))
    details["dob"] = details["dob"].fillna(details["child"].map(cla_dob))
    details = _process(rng, t, details, fy_start, fy_end, ch)

    # ---------------------------------------------------------------- CP plans open on 1 April
    mean_years = 1.05 * min(max(t.cp_at_31mar / max(t.cp_plan_starts, 1), 0.4), 2.0)
    n_hist = 3 * t.cp_plan_starts
    h_start = s.draw_days(rng, fy_start - 3 * 365 * s.DAY, fy_start - s.DAY, n_hist)
    h_dur = _cp_durations(rng, n_hist, mean_years)
    h_end = h_start + h_dur.astype("timedelta64[D]")
    keep = h_end >= fy_start
    h_start, h_end = h_start[keep], h_end[keep]
    k = len(h_start)
    h_ids = ids.take(k)
    h_age = rng.choice(18, size=k, p=_CP_AGE / _CP_AGE.sum())
    h_dob = s.dob_for_age(rng, h_age, h_start)
    kids.append(pd.DataFrame({"LAchildID": h_ids, "PersonBirthDate": h_dob, "Sex": s.draw_sex(rng, k, 0.5),
                              "Ethnicity": s.draw_ethnicity(rng, k, t.ethnic_shares, "cp"), "cla": False}))
    h_ref = np.maximum(h_start - rng.integers(20, 70, size=k).astype("timedelta64[D]"), h_dob)
    h_end = np.where(h_end > fy_end, NAT, h_end)
    h_close = np.where(np.isnat(h_end), NAT, h_end + rng.integers(14, 200, size=k).astype("timedelta64[D]"))
    h_close = np.where(h_close > fy_end, NAT, h_close)
    hist = pd.DataFrame({"child": h_ids, "referral": h_ref, "outcome": "cp_open", "role": "open", "dob": h_dob,
                         "source": s.draw_codes(rng, k, list(_SOURCE), list(_SOURCE.values())), "need": "N1",
                         "closure": h_close, "reason": np.where(np.isnat(h_close), None, "RC7"),
                         "nfa": False, "icpc": h_start, "cp_start": h_start, "cp_end": h_end})
    details = pd.concat([details, hist], ignore_index=True)

    # ---------------------------------------------------------------- other episodes open on 1 April
    open_now = details["closure"].isna() & (details["referral"] <= fy_end)
    deficit = max(0, t.cin_at_31mar - int(open_now.sum()))
    k = int(round(deficit / 0.55))
    o_ids = ids.take(k)
    o_ref = s.draw_days(rng, fy_start - 3 * 365 * s.DAY, fy_start - s.DAY, k)
    o_age = rng.choice(18, size=k, p=_CIN_AGE / _CIN_AGE.sum())
    o_dob = s.dob_for_age(rng, o_age, o_ref)
    kids.append(pd.DataFrame({"LAchildID": o_ids, "PersonBirthDate": o_dob, "Sex": s.draw_sex(rng, k, 0.55),
                              "Ethnicity": s.draw_ethnicity(rng, k, t.ethnic_shares, "cin"), "cla": False}))
    survives = np.arange(k) < int(round(deficit))
    survives = survives[rng.permutation(k)]
    o_close = np.where(survives, NAT, s.draw_days(rng, fy_start, fy_end, k))
    o_need = s.draw_codes(rng, k, ["N2", "N1", "N4", "N5", "N3", "N6", "N8"], [0.28, 0.3, 0.14, 0.14, 0.06, 0.05, 0.03])
    details = pd.concat([details, pd.DataFrame({
        "child": o_ids, "referral": o_ref, "outcome": "cin_open", "role": "open", "dob": o_dob,
        "source": s.draw_codes(rng, k, list(_SOURCE), list(_SOURCE.values())), "need": o_need, "closure": o_close,
        "reason": np.where(np.isnat(o_close), None, "RC7"), "nfa": False,
        "plan_start": o_ref + rng.integers(20, 60, size=k).astype("timedelta64[D]")})], ignore_index=True)

    children = pd.concat(kids, ignore_index=True)
    return _tables(rng, t, children, details, fy_end)


def _process(rng, t: BoroughTargets, d: pd.DataFrame, fy_start, fy_end, ch: pd.DataFrame) -> pd.DataFrame:
    """Dates of each step for every episode with a referral (in the year or the year before)."""
    n = len(d)
    out = d.copy()
    outcome = out["outcome"].to_numpy(object)
    ref = out["referral"].to_numpy("datetime64[D]")
    closure = out["closure"].to_numpy("datetime64[D]") if "closure" in out else np.full(n, NAT)
    if "closure" not in out:
        closure = np.full(n, NAT)
    reason = out["reason"].to_numpy(object) if "reason" in out else np.full(n, None, dtype=object)
    cap = out["closure_cap"].to_numpy("datetime64[D]") if "closure_cap" in out else np.full(n, NAT)

    in_year_cla = (outcome == "cla") & (ref >= fy_start)
    assessed = (outcome != "nfa") & ((outcome != "cla") | in_year_cla)
    quick = np.isin(outcome, ["not_in_need", "s47_only"])
    a_start, a_auth = _assessment(rng, ref, quick, t.assessed_45_days_pct)
    earlier = ~np.isnat(cap)
    a_auth = np.where(earlier, np.minimum(a_auth, cap), a_auth)
    a_start = np.where(earlier, np.minimum(a_start, a_auth), a_start)
    a_start = np.where(assessed, a_start, NAT)
    a_auth = np.where(assessed, a_auth, NAT)

    s47 = np.isin(outcome, ["cp", "icpc_noplan", "s47_only"]) | (in_year_cla & (out["need"].to_numpy(object) == "N1")
                                                                 & (rng.random(n) < 0.35))
    s47_start = np.where(s47, ref + rng.integers(0, 8, size=n).astype("timedelta64[D]"), NAT)
    conference = np.isin(outcome, ["cp", "icpc_noplan"])
    # within 15 working days as published: up to 19 calendar days is always within (three weeks less a
    # day, whatever the weekday); 26 or more never is, even across the Christmas bank holidays
    on_time = rng.random(n) < t.icpc_within_15_days_pct / 100
    delay = np.where(on_time, rng.integers(5, 20, size=n), rng.integers(26, 45, size=n))
    icpc = np.where(conference, s47_start + delay.astype("timedelta64[D]"), NAT)
    # no conference may fall after the year for a plan counted in it
    icpc = np.where(conference & (icpc > fy_end), fy_end, icpc)

    cp = outcome == "cp"
    mean_years = 1.05 * min(max(t.cp_at_31mar / max(t.cp_plan_starts, 1), 0.4), 2.0)
    dur = _cp_durations(rng, n, mean_years)
    cp_start = np.where(cp, icpc, NAT)
    cp_end = np.where(cp, cp_start + dur.astype("timedelta64[D]"), NAT)
    cp_end = np.where(cp_end > fy_end, NAT, cp_end)

    plan = outcome == "cin"
    plan_start = np.where(plan | (outcome == "icpc_noplan"),
                          np.where(plan, a_auth, icpc) + rng.integers(0, 10, size=n).astype("timedelta64[D]"), NAT)

    after = rng.integers(0, 45, size=n).astype("timedelta64[D]")
    long_after = rng.integers(60, 420, size=n).astype("timedelta64[D]")
    calc = np.select(
        [outcome == "nfa", outcome == "not_in_need", outcome == "s47_only", outcome == "icpc_noplan",
         outcome == "cin", cp],
        [ref, a_auth, a_auth + after, icpc + long_after // 2, a_auth + long_after,
         np.where(np.isnat(cp_end), NAT, cp_end + long_after // 3)],
        default=NAT)
    fill = ~np.isin(outcome, ["cla"])
    closure = np.where(fill, calc, closure)
    closure = np.where(earlier, np.minimum(closure, cap), closure)
    closure = np.where(~np.isnat(closure) & (closure > fy_end), NAT, closure)
    a_auth = np.where(~np.isnat(a_auth) & (a_auth > fy_end), NAT, a_auth)
    plan_start = np.where(~np.isnat(plan_start) & (plan_start > fy_end), NAT, plan_start)
    icpc = np.where(~np.isnat(icpc) & (icpc > fy_end), NAT, icpc)
    new_reason = np.select([np.isin(outcome, ["nfa", "not_in_need", "s47_only"])], ["RC8"], "RC7")
    reason = np.where(fill, new_reason, reason)
    reason = np.where(np.isnat(closure), None, reason)

    out["closure"] = closure
    out["reason"] = reason
    out["nfa"] = outcome == "nfa"
    out["a_start"] = a_start
    out["a_auth"] = a_auth
    out["s47_start"] = s47_start
    out["icpc"] = icpc
    out["icpc_required"] = conference
    out["cp_start"] = cp_start
    out["cp_end"] = cp_end
    out["plan_start"] = plan_start
    return out


def _factors(rng, n: int, t: BoroughTargets, age: np.ndarray, outcome: np.ndarray) -> list[str]:
    """Assessment factor codes for each assessment (comma-joined): exploitation and missing
    factors at the borough's published shares, concentrated among adolescents."""
    counts = np.minimum(1 + rng.poisson(1.5, size=n), len(_FACTORS))
    codes = list(_FACTORS)
    p = np.array(list(_FACTORS.values()))
    p = p / p.sum()
    teen = (age >= 11).astype(float)
    teen_share = max(teen.mean(), 1e-6)
    chosen = [set(rng.choice(codes, size=int(k), replace=False, p=p)) for k in counts]
    for code in ("10A", "11A", "13A", "24A", "12A"):
        share = t.factor_shares.get(code, 0.0)
        k = int(round(share * n))
        idx = s.sample_weighted(rng, 0.05 + teen / teen_share, k)
        for i in idx:
            chosen[i].add(code)
    order = {c: i for i, c in enumerate(["1A", "1B", "1C", "2A", "2B", "2C", "3A", "3B", "3C", "4A", "4B", "4C",
                                         "5A", "5B", "5C", "6A", "6B", "6C", "7A", "8C", "9A", "10A", "11A", "12A",
                                         "13A", "14A", "15A", "16A", "17A", "18B", "18C", "19B", "19C", "20", "22A",
                                         "23A", "24A"])}
    return [",".join(sorted(c, key=lambda x: order.get(x, 99))) for c in chosen]


def _tables(rng, t: BoroughTargets, children: pd.DataFrame, d: pd.DataFrame, fy_end) -> CinCensus:
    d = d.sort_values(["child", "referral"], kind="stable").reset_index(drop=True)
    d["CINdetailsID"] = (d.groupby("child", sort=False).cumcount() + 1).astype(str)
    d["LAchildID"] = d["child"]
    details = pd.DataFrame({
        "LAchildID": d["LAchildID"], "CINdetailsID": d["CINdetailsID"], "CINreferralDate": d["referral"],
        "ReferralSource": d["source"], "PrimaryNeedCode": d["need"], "CINclosureDate": d["closure"],
        "ReasonForClosure": d["reason"], "ReferralNFA": d["nfa"].astype(bool), "DateOfInitialCPC": d["icpc"],
    })

    a = d[d["a_start"].notna()]
    age = s.age_on(a["dob"].to_numpy("datetime64[D]"), a["a_start"].to_numpy("datetime64[D]"))
    factors = _factors(rng, len(a), t, age, a["outcome"].to_numpy(object))
    factors = [f if pd.notna(auth) else "" for f, auth in zip(factors, a["a_auth"])]
    assessments = pd.DataFrame({"LAchildID": a["LAchildID"].to_numpy(object), "CINdetailsID": a["CINdetailsID"].to_numpy(object),
                                "AssessmentActualStartDate": a["a_start"].to_numpy("datetime64[D]"),
                                "AssessmentAuthorisationDate": a["a_auth"].to_numpy("datetime64[D]"),
                                "AssessmentFactors": factors})

    q = d[d["s47_start"].notna()]
    start = q["s47_start"].to_numpy("datetime64[D]")
    target = np.busday_offset(start, 15, roll="forward")
    section47 = pd.DataFrame({"LAchildID": q["LAchildID"].to_numpy(object), "CINdetailsID": q["CINdetailsID"].to_numpy(object),
                              "S47ActualStartDate": start, "InitialCPCtarget": target.astype("datetime64[D]"),
                              "DateOfInitialCPC": q["icpc"].to_numpy("datetime64[D]"),
                              "ICPCnotRequired": ~q["icpc_required"].fillna(False).to_numpy(bool)})

    p = d[d["cp_start"].notna()].reset_index(drop=True)
    k = len(p)
    in_year = (p["outcome"] == "cp").to_numpy(bool)
    previous = np.zeros(k, dtype=np.int64)
    n_in = int(in_year.sum())
    n_sub = int(round(n_in * t.cp_subsequent_pct / 100))
    sub = np.flatnonzero(in_year)[rng.permutation(n_in)[:n_sub]]
    previous[sub] = rng.choice([1, 2, 3], size=n_sub, p=[0.76, 0.19, 0.05])
    hist = np.flatnonzero(~in_year)
    hist_sub = hist[rng.random(len(hist)) < t.cp_subsequent_pct / 100]
    previous[hist_sub] = rng.choice([1, 2, 3], size=len(hist_sub), p=[0.76, 0.19, 0.05])
    initial = s.draw_codes(rng, k, list(_ABUSE), list(_ABUSE.values()))
    latest = np.where(rng.random(k) < 0.1, s.draw_codes(rng, k, list(_ABUSE), list(_ABUSE.values())), initial)
    cp_plans = pd.DataFrame({"LAchildID": p["LAchildID"].to_numpy(object), "CINdetailsID": p["CINdetailsID"].to_numpy(object),
                             "CPPstartDate": p["cp_start"].to_numpy("datetime64[D]"),
                             "CPPendDate": p["cp_end"].to_numpy("datetime64[D]"),
                             "InitialCategoryOfAbuse": initial, "LatestCategoryOfAbuse": latest,
                             "NumberOfPreviousCPP": previous})

    pl = d[d["plan_start"].notna()]
    plan_dates = pd.DataFrame({"LAchildID": pl["LAchildID"].to_numpy(object), "CINdetailsID": pl["CINdetailsID"].to_numpy(object),
                               "CINPlanStartDate": pl["plan_start"].to_numpy("datetime64[D]"),
                               "CINPlanEndDate": pl["closure"].to_numpy("datetime64[D]")})

    children = children.drop_duplicates("LAchildID").sort_values("LAchildID", kind="stable").reset_index(drop=True)
    cp_children = set(cp_plans["LAchildID"])
    children["cp_any"] = children["LAchildID"].isin(cp_children)
    children["UPN"] = None
    return CinCensus(children, details, assessments, section47, cp_plans, plan_dates)
