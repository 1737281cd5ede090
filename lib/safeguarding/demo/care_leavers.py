"""Synthetic care leavers (SSDA903 OC3) for one collection year.

The cohort is the published one: care leavers aged 17-18 and 19-21 on their birthday in
the year (age on 31 March). The 18-year-olds who ceased care on their 18th birthday in the
year are the same children (same CHILD) as in the Episodes table; the others left care in
earlier years and appear only in OC3 and the Header. Activity counts (EET; NEET owing to
illness or disability G4, other reasons G5, pregnancy or parenting G6; not known) are the
published counts for each band.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from safeguarding.demo import sampling as s
from safeguarding.demo.targets import BoroughTargets

_EET_1718 = {"F2": 0.58, "P2": 0.06, "F4": 0.16, "P4": 0.08, "F5": 0.1, "P5": 0.02}
_EET_1921 = {"F2": 0.36, "P2": 0.06, "F4": 0.33, "P4": 0.13, "F5": 0.1, "P5": 0.02}
_NOT_KNOWN_CONTACT = {"NO": 0.55, "REFU": 0.3, "NREQ": 0.1, "RHOM": 0.05}
_SUITABLE = {
    "17-18": {"Z1": 0.2, "D1": 0.32, "E1": 0.1, "U1": 0.06, "B1": 0.14, "C1": 0.08, "T1": 0.05, "K1": 0.02, "Y1": 0.03},
    "19-21": {"U1": 0.42, "D1": 0.18, "Z1": 0.08, "B1": 0.15, "E1": 0.05, "T1": 0.03, "K1": 0.06, "Y1": 0.03},
}
_UNSUITABLE = {"S2": 0.25, "V2": 0.2, "W2": 0.1, "X2": 0.2, "K2": 0.1, "B2": 0.1, "U2": 0.05}


def generate_care_leavers(rng: np.random.Generator, t: BoroughTargets, ids: s.IdPool, b18: pd.DataFrame,
                          fy_end: np.datetime64) -> tuple[pd.DataFrame, pd.DataFrame]:
    """OC3 rows and the care leavers who are not in Episodes (for the Header).

    Parameters
    ----------
    b18 : children who ceased care on their 18th birthday in the year (CHILD, dob, SEX,
        ETHNIC, uasc), all of whom belong to the 17-18 cohort.

    Returns
    -------
    (oc3, persons): oc3 has CHILD, DOB, IN_TOUCH, ACTIV, ACCOM, band; persons has CHILD,
    SEX, DOB, ETHNIC for the care leavers not looked after in the year.
    """
    uasc_share = min(0.5, 2.0 * t.uasc_at_31mar / max(t.cla_at_31mar, 1))
    oc3_parts, person_parts = [], []
    for band in ("17-18", "19-21"):
        target = t.care_leavers[band]
        if band == "17-18":
            known = b18.head(target.total)
            n_new = target.total - len(known)
            age = np.where(rng.random(n_new) < 0.65, 17, 18)
        else:
            known = b18.iloc[0:0]
            n_new = target.total
            age = s.draw_codes(rng, n_new, [19, 20, 21], [0.36, 0.33, 0.31]).astype(np.int64)
        uasc = rng.random(n_new) < uasc_share
        new = pd.DataFrame({
            "CHILD": ids.take(n_new),
            "SEX": np.where(uasc, s.draw_sex(rng, n_new, 0.93), s.draw_sex(rng, n_new, 0.54)),
            "DOB": s.dob_for_age(rng, age, fy_end),
            "ETHNIC": np.where(uasc, s.draw_uasc_ethnicity(rng, n_new), s.draw_ethnicity(rng, n_new, t.ethnic_shares, "cla")),
        })
        person_parts.append(new)
        cohort = pd.concat([pd.DataFrame({"CHILD": known["CHILD"].to_numpy(), "DOB": known["dob"].to_numpy("datetime64[D]")}),
                            new[["CHILD", "DOB"]]], ignore_index=True)
        groups = (["EET"] * target.eet + ["G4"] * target.neet_illness + ["G5"] * target.neet_other
                  + ["G6"] * target.neet_parenting + ["NK"] * target.not_known)
        groups = np.array(groups, dtype=object)[rng.permutation(len(groups))]
        eet_dist = _EET_1718 if band == "17-18" else _EET_1921
        activ = np.where(groups == "EET", s.draw_codes(rng, len(groups), list(eet_dist), list(eet_dist.values())), groups)
        eet_pos = np.flatnonzero(groups == "EET")
        he = rng.permutation(eet_pos)[: target.higher_education]
        activ[he] = np.where(rng.random(len(he)) < 0.9, "F1", "P1")
        activ = np.where(groups == "NK", "0", activ)
        in_touch = np.where(groups == "NK", s.draw_codes(rng, len(groups), list(_NOT_KNOWN_CONTACT),
                                                   list(_NOT_KNOWN_CONTACT.values())), "YES")
        informed = groups != "NK"
        p_suitable = min(1.0, target.suitable_pct / 100 * len(groups) / max(informed.sum(), 1))
        suitable = rng.random(len(groups)) < p_suitable
        accom = np.where(suitable, s.draw_codes(rng, len(groups), list(_SUITABLE[band]), list(_SUITABLE[band].values())),
                         s.draw_codes(rng, len(groups), list(_UNSUITABLE), list(_UNSUITABLE.values())))
        accom = np.where(informed, accom, "0")
        oc3_parts.append(cohort.assign(IN_TOUCH=in_touch, ACTIV=activ, ACCOM=accom, band=band))
    oc3 = pd.concat(oc3_parts, ignore_index=True).sort_values("CHILD", kind="stable").reset_index(drop=True)
    persons = pd.concat(person_parts, ignore_index=True)
    return oc3, persons
