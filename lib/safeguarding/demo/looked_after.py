"""Synthetic children looked after for one collection year, in SSDA903 terms.

The stock and flows are exact: ``cla_at_31mar`` children have an episode open on
31 March; ``cla_starts`` children started a period of care in the year; ``cla_ceased``
children ceased. Children who reach 18 in the year cease on their 18th birthday (and are
the 18-year-olds of the care leaver cohort). Every other child is younger than 18 on the
day care ends. Placement moves are drawn so that the published share of children looked
after at 31 March with three or more placements in the year is met.

Episodes follow SSDA903 rules: an episode open on 1 April keeps its own DECOM (before the
year); each change of placement or legal status starts a new episode (RNE P, B or L) and
ends the previous one (REC X1, with a reason for the placement change); the last episode
of a child who ceased carries the reason care ended.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from safeguarding.demo import sampling as s
from safeguarding.demo.targets import BoroughTargets

# Age at 31 March of children looked after (non-UASC), London-like profile.
_STAY_AGE = np.array([0, 3, 3.5, 3.5, 3.5, 3.6, 3.6, 3.6, 3.6, 3.6, 5.5, 5.8, 6.2, 6.8, 7.4, 7.8, 8.5, 8.5])
_START_AGE = np.array([17, 3.5, 3.2, 3.2, 3.1, 2.6, 2.6, 2.6, 2.6, 2.6, 4.5, 5.0, 5.8, 6.5, 7.0, 6.5, 11, 7.0])
_UASC_AGE = {14: 0.05, 15: 0.2, 16: 0.38, 17: 0.37}

_REC_OLD = {"E4A": 0.25, "E13": 0.08, "E11": 0.03, "E12": 0.08, "E41": 0.03, "E45": 0.05, "E46": 0.03,
            "E47": 0.02, "E48": 0.02, "E5": 0.05, "E6": 0.01, "E3": 0.02, "E16": 0.01, "E8": 0.08, "E9": 0.01,
            "E4B": 0.03, "E15": 0.01, "E14": 0.01, "E2": 0.002}
_REC_NEW = {"E4A": 0.36, "E13": 0.12, "E14": 0.08, "E15": 0.06, "E4B": 0.1, "E41": 0.02, "E8": 0.12, "E3": 0.05,
            "E16": 0.03, "E5": 0.03, "E9": 0.02}
_REC_18 = {"E17": 0.14, "E5": 0.46, "E6": 0.05, "E8": 0.12, "E13": 0.08, "E4A": 0.07, "E7": 0.02, "E9": 0.02,
           "E3": 0.04}
_REC_18_UASC = {"E5": 0.7, "E8": 0.2, "E6": 0.1}
_ADOPTION = {"E11", "E12"}


def _age_weights(rec: str) -> np.ndarray:
    w = np.zeros(18)
    if rec in _ADOPTION:
        w[1:7] = [25, 30, 20, 12, 8, 5]
    elif rec in {"E41", "E45", "E46", "E47", "E48"}:
        w[1:16] = np.linspace(10, 1, 15)
    elif rec in {"E5", "E6", "E15"}:
        w[16:18] = [4, 6]
    elif rec in {"E9", "E14"}:
        w[14:18] = [2, 3, 4, 4]
    elif rec == "E7":
        w[17] = 1
    else:
        w[:] = [3, 3, 3, 3, 3, 3.5, 3.5, 3.5, 3.5, 3.5, 5.5, 5.5, 5.5, 5.5, 5.5, 5.5, 8, 8]
    return w / w.sum()


_PLACE_BY_BAND = {
    "0": {"U6": 0.5, "U3": 0.2, "U5": 0.04, "R3": 0.06, "P1": 0.06, "U4": 0.02, "U1": 0.02},
    "1-4": {"U6": 0.42, "U3": 0.16, "U4": 0.1, "U1": 0.06, "U5": 0.02, "P1": 0.08, "K2": 0.005},
    "5-9": {"U4": 0.26, "U6": 0.3, "U1": 0.1, "U3": 0.12, "P1": 0.08, "K2": 0.05, "S1": 0.01},
    "10-15": {"U4": 0.26, "U6": 0.27, "U1": 0.06, "U3": 0.06, "K2": 0.19, "K1": 0.005, "S1": 0.02, "P1": 0.05,
              "R1": 0.005, "R5": 0.004, "R2": 0.004},
    "16-17": {"H5": 0.28, "U6": 0.18, "U4": 0.15, "K2": 0.17, "U3": 0.04, "U1": 0.03, "P1": 0.03, "P2": 0.02,
              "S1": 0.01, "R5": 0.01, "R1": 0.005, "Z1": 0.01, "K1": 0.005},
    "uasc<16": {"U6": 0.82, "U4": 0.08, "K2": 0.1},
    "uasc16+": {"H5": 0.62, "U6": 0.28, "K2": 0.06, "U4": 0.04},
}
_PROVIDER = {
    "U1": {"PR1": 0.9, "PR2": 0.05, "PR4": 0.05}, "U2": {"PR1": 0.9, "PR4": 0.1}, "U3": {"PR1": 0.9, "PR2": 0.05, "PR4": 0.05},
    "U4": {"PR1": 0.55, "PR4": 0.4, "PR5": 0.05}, "U5": {"PR1": 0.6, "PR4": 0.3, "PR5": 0.1},
    "U6": {"PR1": 0.5, "PR4": 0.45, "PR5": 0.05}, "K1": {"PR1": 0.6, "PR2": 0.4},
    "K2": {"PR4": 0.75, "PR1": 0.2, "PR5": 0.05}, "R1": {"PR3": 1.0}, "R2": {"PR3": 1.0},
    "R3": {"PR4": 0.5, "PR3": 0.5}, "R5": {"PR3": 1.0}, "S1": {"PR4": 0.6, "PR5": 0.4},
    "H5": {"PR4": 0.7, "PR5": 0.2, "PR1": 0.1}, "P1": {"PR0": 1.0}, "P2": {"PR4": 0.5, "PR1": 0.5},
    "Z1": {"PR4": 1.0}, "A3": {"PR1": 0.6, "PR2": 0.2, "PR5": 0.2}, "A4": {"PR1": 0.5, "PR2": 0.2, "PR5": 0.3},
    "A5": {"PR1": 0.6, "PR2": 0.2, "PR5": 0.2}, "A6": {"PR1": 0.5, "PR2": 0.2, "PR5": 0.3},
}
_URN_PLACES = {"K1", "K2"}
_RESIDENTIAL = {"K1", "K2", "R1", "S1"}
_LS_DEFAULT = {"C2": 0.66, "C1": 0.12, "V2": 0.14, "E1": 0.03, "J1": 0.02, "J2": 0.005, "L1": 0.005, "L2": 0.003}
_LS_SHORT = {"V2": 0.5, "C1": 0.22, "C2": 0.1, "L1": 0.05, "L2": 0.03, "J2": 0.05, "J1": 0.05}
_NEED = {"N1": 0.6, "N2": 0.03, "N3": 0.03, "N4": 0.08, "N5": 0.12, "N6": 0.03, "N7": 0.003, "N8": 0.1}
_CHANGE_REASON = {"CARPL": 0.35, "CREQB": 0.15, "CREQO": 0.1, "CHILD": 0.08, "LAREQ": 0.08, "STAND": 0.04,
                  "ALLEG": 0.02, "CLOSE": 0.05, "APPRR": 0.01, "PLACE": 0.05, "OTHER": 0.07}


@dataclass
class LookedAfter:
    """Children looked after in the year and their SSDA903 tables (as typed frames).

    ``children``: one row per child with CHILD, SEX, DOB, ETHNIC, uasc, start (start of
    the period of care), cease (NaT if still looked after), REC, group, need, HOME_POST,
    in_window (first day looked after in the year), out_window (last day), residential
    (placed in residential care at some point in the year), MOTHER, MC_DOB.
    ``episodes``: the Episodes table. ``uasc``: the UASC table.
    """

    children: pd.DataFrame
    episodes: pd.DataFrame
    uasc: pd.DataFrame


def _band(age: int, uasc: bool) -> str:
    if uasc:
        return "uasc16+" if age >= 16 else "uasc<16"
    if age < 1:
        return "0"
    if age <= 4:
        return "1-4"
    if age <= 9:
        return "5-9"
    if age <= 15:
        return "10-15"
    return "16-17"


def _group_counts(t: BoroughTargets, b18_target: int) -> dict[str, int]:
    n31, starts, ceased = t.cla_at_31mar, t.cla_starts, t.cla_ceased
    s_c = int(round(0.3 * starts))
    s_c = min(max(s_c, starts - n31), starts, ceased)
    counts = {"stay_new": starts - s_c, "cease_new": s_c, "cease_old": ceased - s_c}
    counts["stay_old"] = n31 - counts["stay_new"]
    b18 = int(min(b18_target, round(0.7 * ceased), ceased))
    counts["b18_old"] = min(b18, counts["cease_old"])
    counts["b18_new"] = min(b18 - counts["b18_old"], counts["cease_new"])
    return counts


def generate_looked_after(rng: np.random.Generator, t: BoroughTargets, ids: s.IdPool, fy_start: np.datetime64,
                          fy_end: np.datetime64, b18_target: int) -> LookedAfter:
    """Children looked after in the collection year ending ``fy_end``, calibrated to ``t``.

    Parameters
    ----------
    rng : numpy Generator (the borough's 'cla' stream).
    t : BoroughTargets.
    ids : the borough's identifier pool.
    fy_start, fy_end : first and last day of the collection year.
    b18_target : children to cease care on their 18th birthday (the 18-year-old care leavers).
    """
    c = _group_counts(t, b18_target)
    n31 = t.cla_at_31mar
    uasc_share31 = t.uasc_at_31mar / n31 if n31 else 0.0
    u_new = min(c["stay_new"], int(round(t.uasc_at_31mar * 0.4)))
    u_old = min(c["stay_old"], t.uasc_at_31mar - u_new)
    frames = []

    # --- still looked after at 31 March, started before the year
    n = c["stay_old"]
    uasc = np.arange(n) < u_old
    age = np.where(uasc, s.draw_codes(rng, n, list(_UASC_AGE), list(_UASC_AGE.values())).astype(np.int64),
                   rng.choice(18, size=n, p=_STAY_AGE / _STAY_AGE.sum()))
    dob = s.dob_for_age(rng, age, fy_end)
    dob = np.minimum(dob, fy_start - 30 * s.DAY)
    frames.append(_old_period(rng, dob, uasc, fy_start, "stay_old", np.datetime64("NaT"), None))

    # --- started in the year, still looked after at 31 March
    n = c["stay_new"]
    uasc = np.arange(n) < u_new
    start = s.draw_days(rng, fy_start, fy_end, n)
    age = np.where(uasc, s.draw_codes(rng, n, list(_UASC_AGE), list(_UASC_AGE.values())).astype(np.int64),
                   rng.choice(18, size=n, p=_START_AGE / _START_AGE.sum()))
    dob = s.dob_for_age(rng, age, start)
    newborn = age == 0
    dob = np.where(newborn, start - np.minimum(rng.exponential(25, n).astype(np.int64), 300).astype("timedelta64[D]"), dob)
    dob = np.maximum(dob, s.add_years(fy_end, -18) + s.DAY)
    frames.append(pd.DataFrame({"dob": dob, "uasc": uasc, "start": start, "cease": np.datetime64("NaT", "D"),
                                "REC": None, "group": "stay_new"}))

    # --- ceased on their 18th birthday
    share18 = min(0.6, 1.5 * uasc_share31)
    for group, n in (("b18_old", c["b18_old"]), ("b18_new", c["b18_new"])):
        uasc = rng.random(n) < (share18 if group == "b18_old" else max(share18, 0.6))
        lo = fy_start if group == "b18_old" else fy_start + 30 * s.DAY
        birthday = s.draw_days(rng, lo, fy_end, n)
        dob = s.add_years(birthday, -18)
        rec = np.where(uasc, s.draw_codes(rng, n, list(_REC_18_UASC), list(_REC_18_UASC.values())),
                       s.draw_codes(rng, n, list(_REC_18), list(_REC_18.values())))
        if group == "b18_old":
            frames.append(_old_period(rng, dob, uasc, fy_start, group, birthday, rec, entry_age=(15.2, 11.0)))
        else:
            start = s.draw_days(rng, fy_start, birthday - 14 * s.DAY, n)
            frames.append(pd.DataFrame({"dob": dob, "uasc": uasc, "start": start, "cease": birthday, "REC": rec,
                                        "group": group}))

    # --- ceased in the year for other reasons
    n = c["cease_old"] - c["b18_old"]
    rec = s.draw_codes(rng, n, list(_REC_OLD), list(_REC_OLD.values()))
    cease = s.draw_days(rng, fy_start + s.DAY, fy_end, n)
    age = np.array([rng.choice(18, p=_age_weights(r)) for r in rec], dtype=np.int64)
    age = np.maximum(age, 1)
    dob = s.dob_for_age(rng, age, cease)
    dob = np.minimum(dob, fy_start - 60 * s.DAY)
    uasc = (rec == "E15") | (rng.random(n) < 0.04 * (age >= 15))
    frames.append(_old_period(rng, dob, uasc, fy_start, "cease_old", cease, rec))

    n = c["cease_new"] - c["b18_new"]
    rec = s.draw_codes(rng, n, list(_REC_NEW), list(_REC_NEW.values()))
    start = s.draw_days(rng, fy_start, fy_end - 3 * s.DAY, n)
    stay = np.maximum(1, np.round(rng.lognormal(np.log(45), 0.9, n))).astype(np.int64)
    room = (fy_end - start).astype(np.int64)
    stay = np.where(stay > room, np.maximum(1, np.floor(rng.random(n) * room)).astype(np.int64), stay)
    cease = start + stay.astype("timedelta64[D]")
    age = np.array([rng.choice(18, p=_age_weights(r)) for r in rec], dtype=np.int64)
    dob = s.dob_for_age(rng, age, start)
    dob = np.maximum(dob, s.add_years(cease, -18) + s.DAY)
    uasc = (rec == "E15") | ((rng.random(n) < 0.15) & (age >= 15))
    frames.append(pd.DataFrame({"dob": dob, "uasc": uasc, "start": start, "cease": cease, "REC": rec,
                                "group": "cease_new"}))

    children = pd.concat(frames, ignore_index=True)
    _fit_uasc_starts(rng, children, t)
    return _finish(rng, t, ids, children, fy_start, fy_end)


def _fit_uasc_starts(rng, children: pd.DataFrame, t: BoroughTargets) -> None:
    """Meet the published number of unaccompanied asylum-seeking children among those starting to
    be looked after, by changing children who started and ceased in the year (so the stock at 31
    March keeps its own published UASC count): only those aged 14 or more when they started become
    UASC; those whose care ended on an age assessment (E15) stay UASC."""
    if t.uasc_starts is None:
        return
    started = children["group"].isin(["stay_new", "cease_new", "b18_new"]).to_numpy()
    uasc = children["uasc"].to_numpy(bool)
    need = t.uasc_starts - int((started & uasc).sum())
    movable = (children["group"] == "cease_new").to_numpy()
    age = ((children["start"].to_numpy("datetime64[D]") - children["dob"].to_numpy("datetime64[D]"))
           .astype(np.int64) / 365.25)
    if need > 0:
        pool = np.flatnonzero(movable & ~uasc & (age >= 14))
        chosen = rng.choice(pool, size=min(need, len(pool)), replace=False) if len(pool) else []
        children.loc[children.index[chosen], "uasc"] = True
    elif need < 0:
        pool = np.flatnonzero(movable & uasc & (children["REC"].to_numpy(object) != "E15"))
        chosen = rng.choice(pool, size=min(-need, len(pool)), replace=False) if len(pool) else []
        children.loc[children.index[chosen], "uasc"] = False


def _old_period(rng, dob, uasc, fy_start, group, cease, rec, entry_age=(14.2, None)) -> pd.DataFrame:
    """Start of a period of care that began before the year (``entry_age``: earliest age at
    entry for UASC and for others, in years; None = any age)."""
    n = len(dob)
    age_days = (fy_start - dob).astype(np.int64)
    u_min, other_min = entry_age
    earliest = np.where(uasc, np.round(u_min * 365.25), 0 if other_min is None else np.round(other_min * 365.25))
    earliest = np.minimum(earliest, np.maximum(age_days - 7, 0))
    span = np.maximum(age_days - earliest, 1)
    frac = rng.random(n) ** np.where(uasc, 1.0, 1.6)
    in_care = np.maximum(np.minimum(np.round(frac * span), age_days - 1), 1).astype(np.int64)
    if rec is not None:
        adopted = np.isin(np.asarray(rec, dtype=object), list(_ADOPTION))
        in_care = np.where(adopted, np.maximum(in_care, np.minimum(270, age_days - 1)), in_care)
    start = fy_start - in_care.astype("timedelta64[D]")
    cease = np.broadcast_to(np.asarray(cease, dtype="datetime64[D]"), (n,))
    return pd.DataFrame({"dob": dob, "uasc": uasc, "start": start, "cease": cease,
                         "REC": None if rec is None else rec, "group": group})


def _finish(rng, t: BoroughTargets, ids: s.IdPool, ch: pd.DataFrame, fy_start, fy_end) -> LookedAfter:
    n = len(ch)
    uasc = ch["uasc"].to_numpy(bool)
    ch["CHILD"] = ids.take(n)
    ch["SEX"] = np.where(uasc, s.draw_sex(rng, n, 0.93), s.draw_sex(rng, n, 0.54))
    ch["ETHNIC"] = np.where(uasc, s.draw_uasc_ethnicity(rng, n), s.draw_ethnicity(rng, n, t.ethnic_shares, "cla"))
    ch["need"] = np.where(uasc, "N8", s.draw_codes(rng, n, list(_NEED), list(_NEED.values())))
    ch["HOME_POST"] = s.make_postcodes(rng, n)
    dob = ch["dob"].to_numpy("datetime64[D]")
    start = ch["start"].to_numpy("datetime64[D]")
    cease = ch["cease"].to_numpy("datetime64[D]")
    ch["in_window"] = np.maximum(start, fy_start)
    ch["out_window"] = np.where(np.isnat(cease), fy_end, cease)
    age31 = s.age_on(dob, fy_end)
    girl = (ch["SEX"].to_numpy() == "F") & (age31 >= 14)
    mother = girl & (rng.random(n) < 0.03)
    ch["MOTHER"] = np.where(ch["SEX"].to_numpy() == "F", np.where(mother, "1", "0"), "").astype(object)
    mc = s.draw_days(rng, np.maximum(s.add_years(dob, 14), fy_start - 365 * s.DAY), fy_end, n)
    ch["MC_DOB"] = np.where(mother, mc, np.datetime64("NaT", "D"))

    # Placements in the year: the published share of CLA at 31 March with 3 or more.
    window = (ch["out_window"].to_numpy("datetime64[D]") - ch["in_window"].to_numpy("datetime64[D]")).astype(np.int64)
    stays = np.isnat(cease)
    n_pl = np.ones(n, dtype=np.int64)
    k3 = (t.cla_3plus_placements_n if t.cla_3plus_placements_n is not None
          else int(round(t.cla_3plus_placements_pct / 100 * stays.sum())))
    eligible = stays & (window >= 60)
    weight = np.where(eligible, np.where(age31 >= 10, 3.0, 1.0), 0.0)
    chosen = s.sample_weighted(rng, weight, k3)
    n_pl[chosen] = 3 + rng.choice(4, size=len(chosen), p=[0.65, 0.22, 0.09, 0.04])
    others = np.ones(n, dtype=bool)
    others[chosen] = False
    two = others & (window >= 21) & (rng.random(n) < np.where(stays, 0.2, 0.22))
    n_pl[two] = 2
    three = others & ~stays & (window >= 60) & (rng.random(n) < 0.08)
    n_pl[three] = 3
    adopted = np.isin(ch["REC"].to_numpy(object), list(_ADOPTION))
    n_pl = np.where(adopted & (window >= 14), np.maximum(n_pl, 2), n_pl)
    limit = np.where(stays, window // 7 + 1, np.maximum(window - 1, 0) // 7 + 1)
    n_pl = np.maximum(np.minimum(n_pl, limit), 1)
    ch["n_placements"] = n_pl

    ls_first = np.where(uasc, "V2", np.where(ch["group"].isin(["cease_new"]).to_numpy(),
                                             s.draw_codes(rng, n, list(_LS_SHORT), list(_LS_SHORT.values())),
                                             s.draw_codes(rng, n, list(_LS_DEFAULT), list(_LS_DEFAULT.values()))))
    ls_first = np.where(~uasc & (age31 < 10) & np.isin(ls_first, ["J1", "J2"]), "C2", ls_first)
    ls_first = np.where(adopted, "C2", ls_first)
    ls_first = np.where(ch["REC"].to_numpy(object) == "E14", "J1", ls_first)
    ch["LS"] = ls_first

    rows = []
    old = start < fy_start
    u_draw = rng.random((n, 4))
    cols = {c: ch[c].to_numpy() for c in ("CHILD", "dob", "uasc", "start", "cease", "REC", "n_placements",
                                          "in_window", "out_window", "LS", "HOME_POST", "need")}
    for i in range(n):
        eps = _episodes_for(rng, cols, i, fy_start, fy_end, bool(old[i]), u_draw[i])
        rows.extend(eps)
    episodes = pd.DataFrame(rows)
    episodes = episodes.sort_values(["CHILD", "DECOM"], kind="stable").reset_index(drop=True)
    episodes = _placed_at_31_march(rng, episodes, ch, t, fy_end)
    ch["residential"] = ch["CHILD"].isin(set(episodes.loc[episodes["PLACE"].isin(_RESIDENTIAL), "CHILD"])).to_numpy()

    # Residential placements are clustered in a few homes; other placements carry 'XXXXXXX'.
    homes = np.array([f"SC{x:06d}" for x in rng.choice(1_000_000, size=max(4, n // 20), replace=False)], dtype=object)
    urn = homes[rng.integers(0, len(homes), size=len(episodes))]
    episodes["URN"] = np.where(episodes["PLACE"].isin(_URN_PLACES), urn, "XXXXXXX")
    ch = ch.sort_values("CHILD", kind="stable").reset_index(drop=True)

    duc = np.where(ch["uasc"].to_numpy(bool),
                   np.where(ch["REC"].to_numpy(object) == "E15", ch["cease"].to_numpy("datetime64[D]"),
                            s.add_years(ch["dob"].to_numpy("datetime64[D]"), 18)),
                   np.datetime64("NaT", "D"))
    duc = np.where(duc > fy_end, np.datetime64("NaT", "D"), duc)
    uasc_table = pd.DataFrame({"CHILD": ch["CHILD"], "SEX": ch["SEX"], "DOB": ch["dob"], "DUC": duc})
    uasc_table = uasc_table[ch["uasc"].to_numpy(bool)].reset_index(drop=True)
    return LookedAfter(ch, episodes, uasc_table)


#: A placement code for a child moved into each group at 31 March: (code, lowest age).
_GROUP_CODES = {"Independent and semi-independent living, supported accommodation": (("H5", 16),),
                "Secure homes and children's homes": (("K2", 8), ("K1", 12)),
                "Other residential settings": (("R3", 0), ("R1", 10), ("R5", 15)),
                "Placed with parents or others with parental responsibility": (("P1", 0),),
                "Other placements": (("Z1", 10),)}


def _placed_at_31_march(rng, episodes: pd.DataFrame, ch: pd.DataFrame, t: BoroughTargets, fy_end) -> pd.DataFrame:
    """Placements of the children looked after at 31 March, moved so that each group LAIT
    publishes holds its published share (children already in a group stay in it where they can;
    a child is only moved into a group their age allows: semi-independent living from 16).
    The episode open on 31 March changes, with the episodes before it in the same placement
    (legal status changes only); provider follows the new placement."""
    if not t.cla_placement_pct:
        return episodes
    from safeguarding.codes.lists import PLACE
    group_of = {c.code: c.group for c in PLACE.codes}
    open_ = episodes.index[episodes["DEC"].isna()]
    if not len(open_):
        return episodes
    n = len(open_)
    dob = ch.set_index("CHILD")["dob"].reindex(episodes.loc[open_, "CHILD"]).to_numpy("datetime64[D]")
    age = s.age_on(dob, fy_end)
    current = episodes.loc[open_, "PLACE"].map(group_of).to_numpy(object)
    target = {g: int(round(p / 100 * n)) for g, p in t.cla_placement_pct.items() if g in _GROUP_CODES}
    chosen = np.full(n, None, dtype=object)
    for group, k in target.items():
        lowest = min(a for _, a in _GROUP_CODES[group])
        weight = np.where((chosen == None) & (age >= lowest), np.where(current == group, 50.0, 1.0), 0.0)  # noqa: E711
        k = min(k, int((weight > 0).sum()))
        chosen[s.sample_weighted(rng, weight, k)] = group
    foster = next(c.group for c in PLACE.codes if c.code == "U6")
    chosen[chosen == None] = foster  # noqa: E711
    places = episodes["PLACE"].to_numpy(object).copy()
    providers = episodes["PLACE_PROVIDER"].to_numpy(object).copy()
    rne = episodes["RNE"].to_numpy(object)
    for j, i in enumerate(open_):
        if current[j] == chosen[j]:
            continue
        if chosen[j] == foster:
            code = str(rng.choice(["U6", "U4", "U3", "U1"], p=[0.5, 0.3, 0.12, 0.08]))
        else:
            codes = [c for c, a in _GROUP_CODES[chosen[j]] if age[j] >= a]
            code = codes[-1] if chosen[j] == "Other residential settings" and age[j] >= 10 else codes[0]
        provider = _PROVIDER.get(code, {"PR1": 1.0})
        k = i
        while True:  # the open episode, and those before it in the same placement
            places[k] = code
            providers[k] = str(s.draw_codes(rng, 1, list(provider), list(provider.values()))[0])
            if rne[k] != "L" or k == 0 or episodes.at[k - 1, "CHILD"] != episodes.at[i, "CHILD"]:
                break
            k -= 1
    return episodes.assign(PLACE=places, PLACE_PROVIDER=providers)


def _episodes_for(rng, ch: dict, i: int, fy_start, fy_end, old: bool, u) -> list[dict]:
    """The SSDA903 episodes of child ``i`` (``ch``: column -> array) open at some point in the year."""
    child = ch["CHILD"][i]
    dob = np.datetime64(ch["dob"][i], "D")
    uasc = bool(ch["uasc"][i])
    start = np.datetime64(ch["start"][i], "D")
    cease = ch["cease"][i]
    cease = None if pd.isna(cease) else np.datetime64(cease, "D")
    rec = ch["REC"][i]
    n_pl = int(ch["n_placements"][i])
    w0 = np.datetime64(ch["in_window"][i], "D")
    w1 = np.datetime64(ch["out_window"][i], "D")
    # Days on which the placement changes, strictly inside the window.
    last = (w1 - w0).astype(int) + (1 if cease is None else 0)
    choices = np.arange(1, max(last, 1))
    n_changes = min(n_pl - 1, len(choices))
    changes = np.sort(rng.choice(choices, size=n_changes, replace=False)) if n_changes else np.zeros(0, dtype=int)
    decoms = [w0] + [w0 + int(d) * s.DAY for d in changes]
    rnes = ["S"] + ["P"] * n_changes
    if old:
        if u[0] < 0.45 or (w0 - start).astype(int) < 2:
            decoms[0] = start
        else:
            decoms[0] = start + int(1 + u[1] * ((w0 - start).astype(int) - 1)) * s.DAY
            rnes[0] = "P"
    ls = ch["LS"][i]
    ls_list = [ls] * len(decoms)
    adopted = rec in _ADOPTION
    if adopted:
        if len(decoms) >= 2:
            rnes[-1] = "B"
            ls_list[-1] = "E1"
        else:
            ls_list[-1] = "E1"
    # A legal-status change (interim to full care order) inside a placement.
    if ls == "C1" and (w1 - w0).astype(int) > 90 and u[2] < 0.5:
        day = w0 + int(30 + u[3] * ((w1 - w0).astype(int) - 60)) * s.DAY
        if all(day != d for d in decoms) and day > decoms[0] and (cease is None or day < cease):
            k = int(np.searchsorted(np.array(decoms, dtype="datetime64[D]"), day))
            decoms.insert(k, day)
            rnes.insert(k, "L")
            ls_list.insert(k, "C2")
            for j in range(k + 1, len(ls_list)):
                if ls_list[j] == "C1":
                    ls_list[j] = "C2"
    places = []
    for j, d in enumerate(decoms):
        if rnes[j] == "L" and places:
            places.append(places[-1])
            continue
        age = int(s.age_on(np.array([dob], dtype="datetime64[D]"), d)[0])
        if adopted and j == len(decoms) - 1:
            place = str(rng.choice(["A3", "A4", "A5", "A6"], p=[0.2, 0.2, 0.3, 0.3]))
        else:
            dist = _PLACE_BY_BAND[_band(age, uasc)]
            place = str(s.draw_codes(rng, 1, list(dist), list(dist.values()))[0])
        places.append(place)
    home = ch["HOME_POST"][i]
    need = ch["need"][i]
    out = []
    post = s.make_postcodes(rng, len(decoms))
    for j, d in enumerate(decoms):
        final = j == len(decoms) - 1
        dec = cease if final else decoms[j + 1]
        nxt = None if final else rnes[j + 1]
        place = places[j]
        provider = _PROVIDER.get(place, {"PR1": 1.0})
        out.append({
            "CHILD": child, "DECOM": d, "RNE": rnes[j], "LS": ls_list[j], "CIN": need, "PLACE": place,
            "PLACE_PROVIDER": str(s.draw_codes(rng, 1, list(provider), list(provider.values()))[0]),
            "DEC": dec if dec is not None else np.datetime64("NaT", "D"),
            "REC": (rec if final else "X1") if dec is not None else None,
            "REASON_PLACE_CHANGE": (str(s.draw_codes(rng, 1, list(_CHANGE_REASON), list(_CHANGE_REASON.values()))[0])
                                    if nxt in ("P", "B") else None),
            "HOME_POST": home, "PL_POST": home if place == "P1" else post[j],
        })
    return out
