"""Care leavers: contact, activity (EET / NEET) and accommodation (theme 4, key ``neet``).

Definitions follow the DfE tables in *Children looked after in England* so the borough's
own figures can be set beside the published ones:

* **Who is counted.** Care leavers in the SSDA903 OC3 table for the collection year,
  aged 17 to 18 or 19 to 21 on their birthday in that year (their age on 31 March:
  :func:`safeguarding.derive.care_leaver_age_band`). Each young person is counted once.
* **Denominator.** Every percentage is of *all* care leavers in the age band, as DfE
  publishes them, whether or not the council was in touch with them. So "41% NEET" means
  41% of all care leavers aged 19 to 21, not 41% of those whose activity is known.
* **Activity.** Known only when the council was in touch (``IN_TOUCH = YES``) and ``ACTIV``
  holds an activity code: EET (F1, P1 higher education; F2, P2 other education; F4, P4
  training or employment; F5, P5 apprenticeship) or NEET (G4 illness or disability,
  G5 other reasons, G6 pregnancy or parenting). Everything else, including every young
  person not in touch, is "activity not known" (DfE's "information not known").
* **Accommodation.** Known in the same way from ``ACCOM``: the letter is the type, the
  digit says whether it was considered suitable (1) or not (2).

Every row of the per-band results carries ``breakdown='age_band'`` and ``group`` = the
band ('17-18' or '19-21'). Breakdowns within a band name the band in ``breakdown``
(``'sex, 19-21'``, ``'accommodation type, 17-18'``) so that each table is one margin for
disclosure control.

The counts of one band are tied together by sums (EET + NEET + not known = all care
leavers; G4 + G5 + G6 = NEET, ...). :func:`protection_margins` writes those sums down so
secondary suppression (:func:`safeguarding.measures.disclosure.suppress`) protects a
hidden cell against every one of them at once.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from safeguarding.codes import lists as cl
from safeguarding.codes.ethnicity import MAJOR_GROUPS
from safeguarding.derive import care_leaver_age_band
from safeguarding.measures.disclosure import Margin
from safeguarding.codes.lists import period_label
from safeguarding.measures.registry import MeasureSpec
from safeguarding.measures.results import combine, count_result, percent_result

THEME = "neet"
BANDS = ("17-18", "19-21")
BAND_WORDS = {"17-18": "aged 17 to 18", "19-21": "aged 19 to 21"}

_DEN = "all care leavers in the age band"


def _pct(measure_id, label, what, numerator, polarity="none"):
    return MeasureSpec(measure_id, THEME, label, f"Percentage of care leavers {what}.", "percent", "care leavers", numerator, _DEN,
                       polarity=polarity, ci_method="wilson", decimals=0)


MEASURES: tuple[MeasureSpec, ...] = (
    MeasureSpec("neet.care_leavers", THEME, "Care leavers",
                "Care leavers aged 17 to 18 or 19 to 21 on their birthday in the collection year (age on 31 March), "
                "from the SSDA903 OC3 table; each young person counted once. Every percentage below is of all care leavers "
                "in the age band, whether or not the council was in touch with them, as DfE publishes them.",
                "count", "care leavers"),
    _pct("neet.in_touch_pct", "In touch with the council", "the council was in touch with around their birthday (IN_TOUCH = YES)",
         "care leavers in touch", "higher_better"),
    _pct("neet.not_in_touch_pct", "Not in touch, or refused contact",
         "the council was not in touch with, or who refused contact (IN_TOUCH = NO or REFU)",
         "care leavers not in touch", "lower_better"),
    _pct("neet.contact_other_pct", "No longer in contact for another reason",
         "no longer in contact because they no longer need services, returned home for 6 months or more, or died, "
         "or with no contact status recorded (IN_TOUCH = NREQ, RHOM, DIED or blank)", "care leavers with contact ended"),
    _pct("neet.eet_pct", "In education, employment or training (EET)",
         "in education, employment or training (ACTIV F1-F5 or P1-P5); only those the council was in touch with can "
         "be counted here",
         "care leavers in EET", "higher_better"),
    _pct("neet.neet_pct", "Not in education, employment or training (NEET)",
         "not in education, employment or training (ACTIV G4, G5 or G6); only those the council was in touch with can "
         "be counted here",
         "care leavers who were NEET", "lower_better"),
    _pct("neet.neet_illness_pct", "NEET because of illness or disability", "NEET owing to illness or disability (ACTIV G4)",
         "care leavers NEET owing to illness or disability"),
    _pct("neet.neet_other_pct", "NEET for other reasons", "NEET for reasons other than illness, disability, pregnancy or parenting (ACTIV G5)",
         "care leavers NEET for other reasons"),
    _pct("neet.neet_parenting_pct", "NEET because of pregnancy or parenting", "NEET owing to pregnancy or parenting (ACTIV G6)",
         "care leavers NEET owing to pregnancy or parenting"),
    _pct("neet.activity_not_known_pct", "Activity not known",
         "whose activity is not known: not in touch, or in touch with no activity recorded (DfE: 'information not known')",
         "care leavers whose activity is not known", "lower_better"),
    _pct("neet.activity_not_recorded_pct", "In touch, but activity not recorded",
         "the council was in touch with but whose activity was not recorded (ACTIV 0 or blank): a recording gap",
         "care leavers in touch with no activity recorded", "lower_better"),
    _pct("neet.higher_education_pct", "In higher education", "in higher education, full or part time (ACTIV F1 or P1)",
         "care leavers in higher education", "higher_better"),
    _pct("neet.other_education_pct", "In other education", "in education other than higher education (ACTIV F2 or P2)",
         "care leavers in other education"),
    _pct("neet.training_employment_pct", "In training or employment", "in training or employment other than an apprenticeship (ACTIV F4 or P4)",
         "care leavers in training or employment"),
    _pct("neet.apprenticeship_pct", "In an apprenticeship", "in an apprenticeship (ACTIV F5 or P5)", "care leavers in an apprenticeship"),
    _pct("neet.accommodation_suitable_pct", "In suitable accommodation",
         "in accommodation considered suitable (ACCOM ending in 1); only those the council was in touch with can be "
         "counted here",
         "care leavers in suitable accommodation", "higher_better"),
    _pct("neet.accommodation_unsuitable_pct", "In unsuitable accommodation",
         "in accommodation considered not suitable (ACCOM ending in 2)", "care leavers in unsuitable accommodation", "lower_better"),
    _pct("neet.accommodation_not_known_pct", "Accommodation not known",
         "whose accommodation is not known: not in touch, or in touch with no accommodation recorded",
         "care leavers whose accommodation is not known", "lower_better"),
    _pct("neet.accommodation_not_recorded_pct", "In touch, but accommodation not recorded",
         "the council was in touch with but whose accommodation was not recorded (ACCOM 0 or blank): a recording gap",
         "care leavers in touch with no accommodation recorded", "lower_better"),
    _pct("neet.accommodation_type_pct", "Type of accommodation",
         "living in each type of accommodation (the letter of ACCOM); those whose accommodation is not known are "
         "counted under 'Accommodation not known'",
         "care leavers in the type of accommodation"),
)

#: Published catalogue measure (``care_leavers.<band>.<key>``) for each borough measure.
PUBLISHED_KEYS = {
    "neet.care_leavers": "total",
    "neet.eet_pct": "eet_pct",
    "neet.neet_pct": "neet_pct",
    "neet.neet_illness_pct": "neet_illness_pct",
    "neet.neet_other_pct": "neet_other_pct",
    "neet.neet_parenting_pct": "neet_parenting_pct",
    "neet.activity_not_known_pct": "not_known_pct",
    "neet.higher_education_pct": "higher_education_pct",
    "neet.accommodation_suitable_pct": "accommodation_suitable_pct",
}

#: ACTIV code -> detailed activity (in touch only).
ACTIVITY_OF_CODE = {
    "F1": "neet.higher_education_pct", "P1": "neet.higher_education_pct",
    "F2": "neet.other_education_pct", "P2": "neet.other_education_pct",
    "F4": "neet.training_employment_pct", "P4": "neet.training_employment_pct",
    "F5": "neet.apprenticeship_pct", "P5": "neet.apprenticeship_pct",
    "G4": "neet.neet_illness_pct", "G5": "neet.neet_other_pct", "G6": "neet.neet_parenting_pct",
}
EET_PARTS = ("neet.higher_education_pct", "neet.other_education_pct", "neet.training_employment_pct", "neet.apprenticeship_pct")
NEET_REASONS = ("neet.neet_illness_pct", "neet.neet_other_pct", "neet.neet_parenting_pct")
CONTACT_PARTS = ("neet.in_touch_pct", "neet.not_in_touch_pct", "neet.contact_other_pct")
ACTIVITY_PARTS = ("neet.eet_pct", "neet.neet_pct", "neet.activity_not_known_pct")
ACCOMMODATION_PARTS = ("neet.accommodation_suitable_pct", "neet.accommodation_unsuitable_pct", "neet.accommodation_not_known_pct")

#: ACCOM letter -> type group shown in briefings (16 DfE types in 9 groups).
ACCOMMODATION_TYPES = {
    "Z": "With former foster carers", "B": "With parents or relatives", "U": "Independent living",
    "D": "Semi-independent or supported accommodation", "E": "Semi-independent or supported accommodation",
    "T": "Semi-independent or supported accommodation", "C": "Residential care", "K": "Ordinary lodgings",
    "S": "No fixed abode, emergency or bed and breakfast", "V": "No fixed abode, emergency or bed and breakfast",
    "W": "No fixed abode, emergency or bed and breakfast", "X": "In custody",
    "G": "Other (abroad, deported, other or not known)", "H": "Other (abroad, deported, other or not known)",
    "R": "Other (abroad, deported, other or not known)", "Y": "Other (abroad, deported, other or not known)",
}
ACCOMMODATION_TYPE_ORDER = tuple(dict.fromkeys(ACCOMMODATION_TYPES.values()))
SEX_LABELS = {"F": "Female", "M": "Male", "U": "Sex not known"}
NOT_RECORDED = "Not recorded"


def published_id(measure_id: str, band: str) -> str | None:
    """The published catalogue id for a borough measure and age band, or None.

    >>> published_id("neet.neet_pct", "19-21")
    'care_leavers.19_21.neet_pct'
    """
    key = PUBLISHED_KEYS.get(measure_id)
    return None if key is None else f"care_leavers.{band.replace('-', '_')}.{key}"


def breakdown_key(dimension: str, band: str) -> str:
    """The ``breakdown`` of a table within one band: ``breakdown_key('sex', '19-21') -> 'sex, 19-21'``."""
    return f"{dimension}, {band}"


# ----------------------------------------------------------------------------------------
# Who is counted, and their status
# ----------------------------------------------------------------------------------------
def care_leavers_in_year(oc3: pd.DataFrame, year: int) -> pd.DataFrame:
    """Care leavers in the OC3 table for collection ``year`` who are in an age band.

    Uses the derived ``care_leaver_age_band`` when present (processed tables), otherwise
    derives it from DOB. A young person listed twice in the year is counted once (the
    first row); :func:`safeguarding.quality.check_care_leavers` reports duplicates.
    """
    rows = oc3
    if "collection_year" in rows:
        rows = rows[rows["collection_year"] == year]
    band = rows["care_leaver_age_band"] if "care_leaver_age_band" in rows else care_leaver_age_band(rows["DOB"], year)
    rows = rows.assign(care_leaver_age_band=band.astype("object"))
    rows = rows[rows["care_leaver_age_band"].isin(BANDS)]
    return rows.drop_duplicates("CHILD")


def _codes(series: pd.Series) -> pd.Series:
    return series.astype("object").where(series.notna(), "").astype(str).str.strip().str.upper()


def in_touch(oc3: pd.DataFrame) -> pd.Series:
    """True where the council was in touch with the young person (IN_TOUCH = YES, or the alias Y)."""
    return _codes(oc3["IN_TOUCH"]).isin(["YES", "Y"])


def contact_status(oc3: pd.DataFrame) -> pd.Series:
    """The contact measure each young person counts in: in touch / not in touch / other."""
    code = _codes(oc3["IN_TOUCH"])
    out = np.select([code.isin(["YES", "Y"]), code.isin(["NO", "N", "REFU"])],
                    ["neet.in_touch_pct", "neet.not_in_touch_pct"], default="neet.contact_other_pct")
    return pd.Series(out, index=oc3.index, dtype="object")


def activity_status(oc3: pd.DataFrame) -> pd.Series:
    """The detailed activity measure each young person counts in.

    One of the EET parts (:data:`EET_PARTS`), the NEET reasons (:data:`NEET_REASONS`),
    ``'neet.activity_not_recorded_pct'`` (in touch, no activity code) or
    ``'neet.activity_not_known_pct'`` (not in touch).
    """
    code = _codes(oc3["ACTIV"]).map(ACTIVITY_OF_CODE)
    touch = in_touch(oc3)
    out = code.where(touch & code.notna(), np.where(touch, "neet.activity_not_recorded_pct", "neet.activity_not_known_pct"))
    return out.astype("object")


def accommodation_status(oc3: pd.DataFrame) -> pd.DataFrame:
    """Suitability measure and type group of each young person's accommodation.

    Returns
    -------
    DataFrame
        ``suitability``: one of :data:`ACCOMMODATION_PARTS` (suitable / unsuitable) or
        ``'neet.accommodation_not_recorded_pct'`` (in touch, no valid ACCOM code) or
        ``'neet.accommodation_not_known_pct'`` (not in touch); ``type``: a label of
        :data:`ACCOMMODATION_TYPE_ORDER`, or NA where the accommodation is not known.
    """
    code = _codes(oc3["ACCOM"])
    valid = code.isin([c for c in cl.ACCOM.valid() if c != "0"])
    touch = in_touch(oc3)
    known = touch & valid
    digit = code.str[-1]
    suitability = np.select([known & (digit == "1"), known & (digit == "2"), touch],
                            ["neet.accommodation_suitable_pct", "neet.accommodation_unsuitable_pct",
                             "neet.accommodation_not_recorded_pct"], default="neet.accommodation_not_known_pct")
    kind = code.str[0].map(ACCOMMODATION_TYPES).where(known)
    return pd.DataFrame({"suitability": suitability, "type": kind.astype("object")}, index=oc3.index)


def join_characteristics(oc3: pd.DataFrame, header: pd.DataFrame | None) -> pd.DataFrame:
    """Add ``sex`` and ``ethnicity`` (major group) from the SSDA903 header, joined on CHILD.

    The header row of the latest collection year is used for each child. Care leavers not
    in the header, or with no code, are 'Not recorded'. Without a header both columns are
    'Not recorded'.
    """
    out = oc3.copy()
    if header is None or header.empty:
        out["sex"] = NOT_RECORDED
        out["ethnicity"] = NOT_RECORDED
        return out
    head = header
    if "collection_year" in head:
        head = head.sort_values("collection_year", ascending=False, kind="stable")
    head = head.drop_duplicates("CHILD").set_index("CHILD")
    sex = out["CHILD"].map(head["SEX"]) if "SEX" in head else pd.Series(pd.NA, index=out.index)
    eth = out["CHILD"].map(head["ethnic_major"]) if "ethnic_major" in head else pd.Series(pd.NA, index=out.index)
    out["sex"] = _codes(sex).map(SEX_LABELS).fillna(NOT_RECORDED).astype("object")
    out["ethnicity"] = eth.astype("object").where(eth.notna(), NOT_RECORDED)
    return out


# ----------------------------------------------------------------------------------------
# Results
# ----------------------------------------------------------------------------------------
def composition(oc3: pd.DataFrame, area: str, period_end) -> pd.DataFrame:
    """Every per-band measure: care leavers, contact, activity and accommodation.

    Parameters
    ----------
    oc3 : DataFrame
        The processed ``cla_oc3`` table (CHILD, DOB, IN_TOUCH, ACTIV, ACCOM and, from
        ingest, collection_year and care_leaver_age_band).
    area : str
        The borough's name (the ``area`` column).
    period_end : date-like
        The last day of the collection year reported on.

    Returns
    -------
    DataFrame
        A MeasureResult: for each band, one row per measure (``breakdown='age_band'``,
        ``group`` = band), percentages of all care leavers in the band with Wilson
        intervals; then the accommodation types (``measure_id
        'neet.accommodation_type_pct'``, ``breakdown 'accommodation type, <band>'``).
    """
    from safeguarding.codes.lists import collection_year
    period = period_label(period_end)
    leavers = care_leavers_in_year(oc3, collection_year(period_end))
    frames = []
    for band in BANDS:
        rows = leavers[leavers["care_leaver_age_band"] == band]
        n = len(rows)
        counts = pd.concat([contact_status(rows), activity_status(rows), accommodation_status(rows)["suitability"]]).value_counts()
        count = {mid: int(counts.get(mid, 0)) for mid in counts.index}
        for parts, total in ((EET_PARTS, "neet.eet_pct"), (NEET_REASONS, "neet.neet_pct")):
            count[total] = sum(count.get(p, 0) for p in parts)
        count["neet.activity_not_known_pct"] = count.get("neet.activity_not_known_pct", 0) + count.get("neet.activity_not_recorded_pct", 0)
        count["neet.accommodation_not_known_pct"] = (count.get("neet.accommodation_not_known_pct", 0)
                                                     + count.get("neet.accommodation_not_recorded_pct", 0))
        frames.append(count_result("neet.care_leavers", area, "age_band", [band], [n], period))
        for mid in (*CONTACT_PARTS, *ACTIVITY_PARTS, *EET_PARTS, *NEET_REASONS, "neet.activity_not_recorded_pct",
                    *ACCOMMODATION_PARTS, "neet.accommodation_not_recorded_pct"):
            frames.append(percent_result(mid, area, "age_band", [band], [count.get(mid, 0)], [n], period))
    for band in BANDS:
        rows = leavers[leavers["care_leaver_age_band"] == band]
        types = accommodation_status(rows)["type"].value_counts().reindex(ACCOMMODATION_TYPE_ORDER, fill_value=0)
        frames.append(percent_result("neet.accommodation_type_pct", area, breakdown_key("accommodation type", band),
                                     list(types.index), types.to_numpy(), np.full(len(types), len(rows)), period))
    return combine(*frames)


def protection_margins(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[Margin]]:
    """The sums that tie the counts of :func:`composition` together, for secondary suppression.

    Per band: contact parts, activity parts and suitability parts each add up to all care
    leavers; the EET parts to EET; the NEET reasons to NEET; 'not in touch' + 'contact
    ended' + 'activity not recorded' to 'activity not known' (and the same for
    accommodation); the accommodation types plus 'accommodation not known' to all care
    leavers.

    Returns
    -------
    (frame, margins)
        A copy of ``frame`` with one key column and one category column per kind of sum
        (``_m_<name>``, ``_c_<name>``; the total row's category is 'Total'), and the list
        of :class:`~safeguarding.measures.disclosure.Margin` to pass to ``suppress``. Rows
        outside a sum get a key of their own, so they form no constraint. Drop the
        helper columns after suppression (``[c for c in out if c.startswith('_')]``).
    """
    out = frame.copy()
    band = np.where(out["breakdown"] == "age_band", out["group"], out["breakdown"].str.rsplit(", ", n=1).str[-1])
    is_type = (out["measure_id"] == "neet.accommodation_type_pct").to_numpy()
    mid = out["measure_id"].to_numpy()
    sums = {
        "contact": ("neet.care_leavers", CONTACT_PARTS),
        "activity": ("neet.care_leavers", ACTIVITY_PARTS),
        "eet": ("neet.eet_pct", EET_PARTS),
        "neet": ("neet.neet_pct", NEET_REASONS),
        "activity_nk": ("neet.activity_not_known_pct", ("neet.not_in_touch_pct", "neet.contact_other_pct", "neet.activity_not_recorded_pct")),
        "suitability": ("neet.care_leavers", ACCOMMODATION_PARTS),
        "accommodation_nk": ("neet.accommodation_not_known_pct", ("neet.not_in_touch_pct", "neet.contact_other_pct",
                                                                  "neet.accommodation_not_recorded_pct")),
        "types": ("neet.care_leavers", ("neet.accommodation_not_known_pct",)),
    }
    margins = []
    own_key = np.array([f"_row{i}" for i in range(len(out))], dtype=object)
    for name, (total, parts) in sums.items():
        member = np.isin(mid, parts) & ~is_type
        if name == "types":
            member = member | is_type
        # All care leavers in the band is the denominator of every row, so it is shown wherever
        # a percentage is: a sum to it has a known total outside the frame, never a cell to hide.
        is_total = (mid == total) & ~is_type & (total != "neet.care_leavers")
        out[f"_m_{name}"] = np.where(member | is_total, band, own_key)
        out[f"_c_{name}"] = np.where(is_total, "Total", np.where(member, mid + "|" + out["group"].astype(str), ""))
        margins.append(Margin(("area", "period", f"_m_{name}"), f"_c_{name}"))
    return out, margins


def neet_by_group(oc3: pd.DataFrame, header: pd.DataFrame | None, area: str, period_end, dimension: str) -> pd.DataFrame:
    """NEET care leavers in each group (``dimension`` 'sex' or 'ethnicity'), per age band.

    Each row is ``neet.neet_pct`` for one group within one band: NEET care leavers of the
    group over all care leavers of the group in the band (``breakdown 'sex, 19-21'``).
    Groups are in a fixed order (Female, Male, ...; White, Mixed, Asian, Black, Other,
    Not known), then 'Not recorded' for care leavers without a header row or a code.
    """
    from safeguarding.codes.lists import collection_year
    if dimension not in ("sex", "ethnicity"):
        raise ValueError(f"dimension must be 'sex' or 'ethnicity', not {dimension!r}")
    period = period_label(period_end)
    leavers = join_characteristics(care_leavers_in_year(oc3, collection_year(period_end)), header)
    neet = activity_status(leavers).isin(NEET_REASONS)
    base = list(SEX_LABELS.values()) if dimension == "sex" else list(MAJOR_GROUPS)
    frames = []
    for band in BANDS:
        in_band = (leavers["care_leaver_age_band"] == band).to_numpy()
        groups = leavers.loc[in_band, dimension]
        present = set(groups)
        order = [g for g in base if g in present] + sorted(present - set(base) - {NOT_RECORDED}) + \
                ([NOT_RECORDED] if NOT_RECORDED in present else [])
        n = groups.value_counts().reindex(order, fill_value=0)
        k = groups[neet[in_band].to_numpy()].value_counts().reindex(order, fill_value=0)
        frames.append(percent_result("neet.neet_pct", area, breakdown_key(dimension, band), order, k.to_numpy(),
                                     n.to_numpy(), period))
    return combine(*frames)
