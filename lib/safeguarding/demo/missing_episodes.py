"""Synthetic missing episodes (home and care) over five financial years, and the SSDA903
Missing table that agrees with them.

Missing from care in the latest year belongs to the SSDA903 children (same CHILD /
person id); the share of children looked after during the year who went missing, the
incidents per child who went missing and the share who went missing more than once are
the published figures (the latest LA release is 2023: its rates are used for later
years). Earlier years use children in care then: some still looked after in the latest
year, the rest recorded only in the log. Missing from home belongs to children not looked
after, many of them known to children's social care (CIN census).

Episodes cluster in a minority of mostly 13-17-year-olds, with a heavy tail (a few
children missing many times); durations are mostly hours to two days, some longer;
episodes of one child never overlap. Return home interviews: most offered within 72 hours
of return, some later, some never; accepted or declined; completed after the return.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from safeguarding.demo import sampling as s
from safeguarding.demo.children_in_need import CinCensus
from safeguarding.demo.looked_after import LookedAfter
from safeguarding.demo.targets import MISSING_LOG_YEARS, BoroughTargets

NAT_M = np.datetime64("NaT", "m")
_HOUR_WEIGHTS = np.array([3, 2, 1.5, 1, 0.8, 0.6, 0.6, 0.8, 1.2, 1.5, 1.6, 1.8, 2, 2.2, 2.6, 3.4, 4.2, 4.8, 5.2,
                          5.4, 5.4, 5.2, 4.6, 3.8])


@dataclass
class MissingLog:
    """The log (one row per episode), its persons, and the SSDA903 Missing rows."""

    episodes: pd.DataFrame
    persons: pd.DataFrame
    cla_missing: pd.DataFrame


def _fy_bounds(year: int) -> tuple[np.datetime64, np.datetime64]:
    return np.datetime64(f"{year - 1}-04-01", "D"), np.datetime64(f"{year}-03-31", "D")


def _age_weight(age: np.ndarray) -> np.ndarray:
    table = np.zeros(30)
    table[10:18] = [0.15, 0.3, 0.6, 1.3, 2.0, 2.5, 2.4, 1.6]
    return table[np.clip(age, 0, 29)]


def _counts(rng, n_children: int, total: int, repeat_share: float, cap=None) -> np.ndarray:
    """Episodes per child: ``total`` in all, about ``repeat_share`` with 2 or more,
    heavy-tailed, and never more than ``cap[i]`` (the days child i can go missing on)."""
    if n_children == 0:
        return np.zeros(0, dtype=np.int64)
    total = max(total, n_children)
    n_rep = int(round(repeat_share * n_children))
    n_rep = min(max(n_rep, 1 if total > n_children else 0), n_children, total - n_children)
    counts = np.ones(n_children, dtype=np.int64)
    if n_rep:
        counts[:n_rep] = s.allocate_counts(rng, n_rep, total - (n_children - n_rep), minimum=2, concentration=0.45)
    counts = counts[rng.permutation(n_children)]
    if cap is not None:
        cap = np.maximum(np.asarray(cap, dtype=np.int64), 1)
        counts = np.minimum(counts, cap)
        for _ in range(20):
            short = total - int(counts.sum())
            spare = cap - counts
            if short <= 0 or spare.sum() <= 0:
                break
            extra = rng.multinomial(short, spare / spare.sum())
            counts = np.minimum(counts + extra, cap)
    return counts


def _timings(rng, windows: np.ndarray, counts: np.ndarray, kind: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Start and end (datetime64[m]) of each episode: ``counts[i]`` episodes of child i,
    each starting on a different day inside window i (rows of [first day, last day]),
    mostly in the afternoon or evening, never overlapping the child's next episode."""
    child = np.repeat(np.arange(len(counts)), counts)
    n = len(child)
    days = np.empty(n, dtype=np.int64)
    pos = 0
    for i, k in enumerate(counts):
        span = int((windows[i, 1] - windows[i, 0]).astype(np.int64)) + 1
        days[pos:pos + k] = np.sort(rng.choice(span, size=int(k), replace=False))
        pos += k
    minute = (rng.choice(24, size=n, p=_HOUR_WEIGHTS / _HOUR_WEIGHTS.sum()) * 60 + rng.integers(0, 60, size=n))
    w0 = windows[child, 0].astype("datetime64[m]")
    start = w0 + (days * 1440 + minute).astype("timedelta64[m]")
    u = rng.random(n)
    hours = np.where(u < 0.62, rng.lognormal(np.log(7), 0.9, n),
                     np.where(u < 0.93, rng.lognormal(np.log(30), 0.5, n), rng.lognormal(np.log(110), 0.6, n)))
    hours = np.where(kind == "A", rng.lognormal(np.log(4), 0.8, n), hours)
    duration = np.round(np.clip(hours, 0.5, 24 * 21) * 60).astype(np.int64)
    limit = (windows[child, 1] + s.DAY).astype("datetime64[m]")
    same_next = np.zeros(n, dtype=bool)
    same_next[:-1] = child[1:] == child[:-1]
    next_start = np.where(same_next, np.roll(start, -1), limit)
    end = np.minimum(start + duration.astype("timedelta64[m]"), next_start - np.timedelta64(1, "m"))
    end = np.maximum(end, start + np.timedelta64(1, "m"))
    return child, start, end


def _rhi(rng, kind: np.ndarray, end: np.ndarray, fy_end: np.datetime64) -> dict[str, np.ndarray]:
    n = len(kind)
    u = rng.random(n)
    missing = kind == "M"
    offered = missing & (u < 0.92)
    late = rng.random(n) < 0.15
    delay_h = np.where(late, rng.uniform(73, 24 * 14, n), rng.uniform(2, 70, n))
    offered_at = np.where(offered, end + np.round(delay_h * 60).astype("timedelta64[m]"), NAT_M)
    accepted = offered & (rng.random(n) < 0.68)
    done = accepted & (rng.random(n) < 0.96)
    completed_at = np.where(done, offered_at + np.round(rng.uniform(1, 24 * 6, n) * 60).astype("timedelta64[m]"), NAT_M)
    limit = (fy_end + 60 * s.DAY).astype("datetime64[m]")
    completed_at = np.where(completed_at > limit, NAT_M, completed_at)
    return {
        "miss_missing_rhi_offered": np.where(missing, np.where(offered, "Y", "N"), np.where(u < 0.1, "N", "")),
        "miss_missing_rhi_accepted": np.where(offered, np.where(accepted, "Y", "N"), ""),
        "miss_missing_rhi_offered_date": offered_at,
        "miss_missing_rhi_completed_date": completed_at,
    }


def generate_missing(rng: np.random.Generator, t: BoroughTargets, ids: s.IdPool, la: LookedAfter, cin: CinCensus,
                     fy_end_latest: np.datetime64, defects: bool = False) -> MissingLog:
    """Missing episodes for the five financial years ending with the latest collection year."""
    latest = int(str(fy_end_latest)[:4])
    years = tuple(y for y in MISSING_LOG_YEARS if y <= latest)
    parts = []
    persons = []
    cla = la.children
    cla_ids = set(cla["CHILD"])

    # A pool of adolescents missing from home in earlier years (recorded only in the log).
    pool_n = int(round(2.5 * t.missing_from_home_rate_per_10k * t.population_0_17 / 10_000)) + 5
    pool = pd.DataFrame({"person": ids.take(pool_n)})
    pool["dob"] = s.draw_days(rng, np.datetime64(f"{years[0] - 19}-09-01"), np.datetime64(f"{latest - 11}-03-31"), pool_n)
    pool["sex"] = s.draw_sex(rng, pool_n, 0.47)
    pool["ethnic"] = s.draw_ethnicity(rng, pool_n, t.ethnic_shares, "missing")
    hist_cla_parts = []

    for year in years:
        fy_start, fy_end = _fy_bounds(year)
        target = t.missing_by_year[year]
        # ---------------------------------------------------------------- missing from care
        if year == latest:
            during = len(cla)
            cand = pd.DataFrame({"person": cla["CHILD"], "dob": cla["dob"], "sex": cla["SEX"], "ethnic": cla["ETHNIC"],
                                 "w0": cla["in_window"], "w1": cla["out_window"], "residential": cla["residential"]})
        else:
            during = int(round(len(cla) * (0.9 + 0.2 * rng.random())))
            earlier = cla[(cla["start"] <= fy_start) & (s.age_on(cla["dob"].to_numpy("datetime64[D]"), fy_end) >= 10)]
            n_hist = max(0, during - len(earlier))
            hist = pd.DataFrame({"person": ids.take(n_hist)})
            hist["dob"] = s.dob_for_age(rng, rng.choice([12, 13, 14, 15, 16, 17], size=n_hist,
                                                        p=[0.08, 0.12, 0.18, 0.22, 0.22, 0.18]), fy_end)
            hist["sex"] = s.draw_sex(rng, n_hist, 0.55)
            hist["ethnic"] = s.draw_ethnicity(rng, n_hist, t.ethnic_shares, "cla")
            hist_cla_parts.append(hist)
            cand = pd.concat([
                pd.DataFrame({"person": earlier["CHILD"], "dob": earlier["dob"], "sex": earlier["SEX"],
                              "ethnic": earlier["ETHNIC"], "residential": earlier["residential"]}),
                hist.assign(residential=rng.random(n_hist) < 0.15)], ignore_index=True)
            cand["w0"] = fy_start
            cand["w1"] = fy_end
        n_miss = min(int(round(target.pct_missing / 100 * during)), len(cand))
        n_away = min(int(round(target.pct_away / 100 * during)), len(cand))
        dob = cand["dob"].to_numpy("datetime64[D]")
        w0 = cand["w0"].to_numpy("datetime64[D]")
        w1 = cand["w1"].to_numpy("datetime64[D]")
        age = s.age_on(dob, w0 + (w1 - w0) // 2)
        days = (w1 - w0).astype(np.int64) + 1
        weight = (_age_weight(age) + 0.01) * np.minimum(days, 365) / 365 * s.stage_weight(cand["ethnic"], "missing")
        weight = weight * np.where(cand["residential"].to_numpy(bool), 2.5, 1.0)
        chosen = s.sample_weighted(rng, weight, n_miss)
        m_counts = _counts(rng, n_miss, int(round(n_miss * target.incidents_per_child)), target.repeat_share,
                           cap=days[chosen])
        # Away from placement: often the same children.
        spare = days.copy()
        spare[chosen] -= m_counts
        away_w = weight.copy()
        away_w[chosen] *= 4
        away_w[spare <= 0] = 0.0
        away = s.sample_weighted(rng, away_w, min(n_away, int((away_w > 0).sum())))
        n_away = len(away)
        a_counts = _counts(rng, n_away, int(round(n_away * target.away_incidents_per_child)), 0.4,
                           cap=np.maximum(spare[away], 0))
        involved = np.union1d(chosen, away)
        per_m = np.zeros(len(cand), dtype=np.int64)
        per_a = np.zeros(len(cand), dtype=np.int64)
        per_m[chosen] = m_counts
        per_a[away] = a_counts
        tot = per_m[involved] + per_a[involved]
        kinds = np.concatenate([rng.permutation(np.array(["M"] * per_m[i] + ["A"] * per_a[i], dtype=object))
                                for i in involved]) if len(involved) else np.zeros(0, dtype=object)
        windows = np.stack([w0[involved], w1[involved]], axis=1) if len(involved) else np.zeros((0, 2), "datetime64[D]")
        child, start, end = _timings(rng, windows, tot, kinds)
        care = pd.DataFrame({"miss_person_id": cand["person"].to_numpy(object)[involved][child],
                             "start": start, "end": end, "type": kinds, "from": "CARE", "year": year})
        parts.append(care)

        # ---------------------------------------------------------------- missing from home
        n_home = int(round(t.missing_from_home_rate_per_10k * t.population_0_17 / 10_000 * (0.85 + 0.3 * rng.random())))
        if year == latest:
            known = cin.children[~cin.children["LAchildID"].isin(cla_ids)]
            k_age = s.age_on(known["PersonBirthDate"].to_numpy("datetime64[D]"), fy_end)
            known = known[(k_age >= 11) & (k_age <= 17)]
            cand_h = pd.concat([
                pd.DataFrame({"person": known["LAchildID"].to_numpy(object), "dob": known["PersonBirthDate"].to_numpy("datetime64[D]"),
                              "sex": known["Sex"].to_numpy(object), "ethnic": known["Ethnicity"].to_numpy(object),
                              "bias": 3.0}),
                pool.assign(bias=1.0)], ignore_index=True)
        else:
            cand_h = pool.assign(bias=1.0)
        h_age = s.age_on(cand_h["dob"].to_numpy("datetime64[D]"), fy_start + 182 * s.DAY)
        hw = _age_weight(h_age) * s.stage_weight(cand_h["ethnic"], "missing") * cand_h["bias"].to_numpy(float)
        hw = np.where((h_age >= 10) & (h_age <= 17), hw, 0.0)
        n_home = min(n_home, int((hw > 0).sum()))
        h_chosen = s.sample_weighted(rng, hw, n_home)
        h_dob = cand_h["dob"].to_numpy("datetime64[D]")[h_chosen]
        h_windows = np.stack([np.maximum(fy_start, s.add_years(h_dob, 10)),
                              np.minimum(fy_end, s.add_years(h_dob, 18) - s.DAY)], axis=1)
        h_days = (h_windows[:, 1] - h_windows[:, 0]).astype(np.int64) + 1
        h_counts = _counts(rng, n_home, int(round(n_home * 2.3)), 0.38, cap=h_days)
        h_kinds = np.full(int(h_counts.sum()), "M", dtype=object)
        child, start, end = _timings(rng, h_windows, h_counts, h_kinds)
        parts.append(pd.DataFrame({"miss_person_id": cand_h["person"].to_numpy(object)[h_chosen][child],
                                   "start": start, "end": end, "type": h_kinds, "from": "HOME", "year": year}))
        used = cand_h.iloc[h_chosen]
        persons.append(pd.DataFrame({"pers_person_id": used["person"], "pers_sex": used["sex"],
                                     "pers_ethnicity": used["ethnic"], "pers_dob": used["dob"]}))

    episodes = pd.concat(parts, ignore_index=True)
    fy_end = _fy_bounds(latest)[1]
    rhi = _rhi(rng, episodes["type"].to_numpy(object), episodes["end"].to_numpy("datetime64[m]"), fy_end)
    for key, value in rhi.items():
        episodes[key] = value
    episodes = episodes.sort_values(["start", "miss_person_id"], kind="stable").reset_index(drop=True)
    episodes["miss_table_id"] = [f"MIS{i:07d}" for i in range(1, len(episodes) + 1)]
    log = pd.DataFrame({
        "miss_table_id": episodes["miss_table_id"], "miss_person_id": episodes["miss_person_id"],
        "miss_missing_episode_start_date": episodes["start"].to_numpy("datetime64[m]"),
        "miss_missing_episode_type": np.where(episodes["type"] == "M", "Missing", "Away"),
        "miss_missing_episode_end_date": episodes["end"].to_numpy("datetime64[m]"),
        "miss_missing_rhi_offered": episodes["miss_missing_rhi_offered"],
        "miss_missing_rhi_accepted": episodes["miss_missing_rhi_accepted"],
        "miss_missing_from": episodes["from"],
        "miss_missing_rhi_offered_date": episodes["miss_missing_rhi_offered_date"],
        "miss_missing_rhi_completed_date": episodes["miss_missing_rhi_completed_date"],
    })
    if defects:
        log = _inject_defects(rng, log)

    # Persons: every person in the log (children looked after first, then the others).
    cla_p = pd.DataFrame({"pers_person_id": cla["CHILD"], "pers_sex": cla["SEX"], "pers_ethnicity": cla["ETHNIC"],
                          "pers_dob": cla["dob"]})
    hist_p = [pd.DataFrame({"pers_person_id": h["person"], "pers_sex": h["sex"], "pers_ethnicity": h["ethnic"],
                            "pers_dob": h["dob"]}) for h in hist_cla_parts]
    allp = pd.concat([cla_p, *hist_p, *persons], ignore_index=True).drop_duplicates("pers_person_id")
    allp = allp[allp["pers_person_id"].isin(set(log["miss_person_id"]))]
    allp = allp.sort_values("pers_person_id", kind="stable").reset_index(drop=True)

    # The SSDA903 Missing table: the latest year's episodes from care, dates only.
    latest_care = episodes[(episodes["year"] == latest) & (episodes["from"] == "CARE")]
    dob = dict(zip(cla["CHILD"], cla["dob"]))
    cla_missing = pd.DataFrame({
        "CHILD": latest_care["miss_person_id"].to_numpy(object),
        "DOB": latest_care["miss_person_id"].map(dob).to_numpy("datetime64[D]"),
        "MISSING": latest_care["type"].to_numpy(object),
        "MIS_START": latest_care["start"].to_numpy("datetime64[m]").astype("datetime64[D]"),
        "MIS_END": latest_care["end"].to_numpy("datetime64[m]").astype("datetime64[D]"),
    }).sort_values(["CHILD", "MIS_START"], kind="stable").reset_index(drop=True)
    return MissingLog(log, allp, cla_missing)


def _inject_defects(rng, log: pd.DataFrame) -> pd.DataFrame:
    """A handful of deliberate data-quality defects (only when asked for): an episode ending
    before it starts, an interview completed before the child returned, an interview
    'accepted' that was never offered, a lower-case episode type."""
    out = log.copy()
    if len(out) < 10:
        return out
    rows = rng.choice(len(out), size=4, replace=False)
    start = out["miss_missing_episode_start_date"].to_numpy("datetime64[m]").copy()
    end = out["miss_missing_episode_end_date"].to_numpy("datetime64[m]").copy()
    done = out["miss_missing_rhi_completed_date"].to_numpy("datetime64[m]").copy()
    end[rows[0]] = start[rows[0]] - np.timedelta64(90, "m")
    done[rows[1]] = start[rows[1]] - np.timedelta64(24 * 60, "m")
    out["miss_missing_episode_end_date"] = end
    out["miss_missing_rhi_completed_date"] = done
    offered = out["miss_missing_rhi_offered"].to_numpy(object).copy()
    accepted = out["miss_missing_rhi_accepted"].to_numpy(object).copy()
    offered[rows[2]], accepted[rows[2]] = "N", "Y"
    out["miss_missing_rhi_offered"] = offered
    out["miss_missing_rhi_accepted"] = accepted
    kind = out["miss_missing_episode_type"].to_numpy(object).copy()
    kind[rows[3]] = str(kind[rows[3]]).lower()
    out["miss_missing_episode_type"] = kind
    return out
