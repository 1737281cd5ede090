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
(``'sex 19-21'``, ``'accommodation type 17-18'``: :func:`breakdown_key`).

Disclosure control (:mod:`safeguarding.results`): each measure names the count cell of its
numerator (``neet.neet``, ``neet.eet``, ...: the measure id without ``_pct``) and of its
denominator (``neet.care_leavers`` of the same group). :data:`RELATIONS` writes down every
sum that ties them together (contact, activity and accommodation each partition the
cohort; EET parts add up to EET, NEET reasons to NEET; 'not known' is 'not in touch' +
'contact ended' + 'not recorded'; accommodation types + 'not known' = the cohort; NEET and
care leavers by sex or ethnicity add up to everyone aged 17 to 21), so one plan protects every cell
against all of them at once.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from safeguarding.codes import lists as cl
from safeguarding.codes.ethnicity import MAJOR_GROUPS
from safeguarding.codes.lists import collection_year, period_label
from safeguarding.derive import care_leaver_age_band
from safeguarding.issues import InputError
from safeguarding.measures.registry import MeasureSpec
from safeguarding.measures.results import combine, count_result, percent_result
from safeguarding.results.relations import (
    Components,
    Custom,
    Rollup,
    cell_key,
    split_key,
)
from safeguarding.results.store import Context, ThemeResults

THEME = "neet"
BANDS = ("17-18", "19-21")
#: The group of the cell that counts both bands together (``age_band``), as other themes key it.
ALL_BANDS = "17-21"
BAND_WORDS = {"17-18": "aged 17 to 18", "19-21": "aged 19 to 21", ALL_BANDS: "aged 17 to 21"}
COHORT = "neet.care_leavers"

_DEN = "all care leavers in the age band"


def concept(measure_id: str) -> str:
    """The count cell concept of a measure's numerator: ``'neet.neet_pct' -> 'neet.neet'``."""
    return measure_id.removesuffix("_pct")


def _pct(measure_id, label, what, numerator, polarity="none"):
    return MeasureSpec(measure_id, THEME, label, f"Percentage of care leavers {what}.", "percent", "care leavers", numerator, _DEN,
                       polarity=polarity, ci_method="wilson", decimals=0, numerator_cell=concept(measure_id),
                       denominator_cell=COHORT)


MEASURES: tuple[MeasureSpec, ...] = (
    MeasureSpec("neet.care_leavers", THEME, "Care leavers",
                "Care leavers aged 17 to 18 or 19 to 21 on their birthday in the collection year (age on 31 March), "
                "from the SSDA903 OC3 table; each young person counted once. Every percentage below is of all care leavers "
                "in the age band, whether or not the council was in touch with them, as DfE publishes them.",
                "count", "care leavers"),
    _pct("neet.in_touch_pct", "In touch with the council", "the council was in touch with around their birthday (IN_TOUCH = YES)",
         "care leavers in touch", "higher_better"),
    _pct("neet.no_contact_pct", "Not in touch, refused contact or no longer in contact",
         "the council was not in touch with: not in touch, refused contact, or no longer in contact because they no "
         "longer need services, returned home for 6 months or more, or died, or with no contact status recorded "
         "(IN_TOUCH other than YES)", "care leavers not in touch", "lower_better"),
    _pct("neet.eet_pct", "In education, employment or training (EET)",
         "in education, employment or training (ACTIV F1-F5 or P1-P5); only those the council was in touch with can "
         "be counted here",
         "care leavers in EET", "higher_better"),
    _pct("neet.neet_pct", "Not in education, employment or training (NEET)",
         "not in education, employment or training (SSDA903 activity codes G4, G5 or G6); only those the council was in touch with can "
         "be counted here",
         "care leavers who were NEET", "lower_better"),
    _pct("neet.neet_illness_pct", "NEET because of illness or disability", "NEET owing to illness or disability (SSDA903 activity code G4)",
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
    _pct("neet.not_neet_pct", "Not NEET",
         "who were not NEET: in education, employment or training, or whose activity is not known. Never shown: "
         "counted only where the difference between a group's care leavers and its NEET care leavers is small, so "
         "that it is protected like any other count", "care leavers not NEET"),
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
    "neet.other_education_pct": "other_education_pct",
    "neet.training_employment_pct": "training_employment_pct",
    "neet.apprenticeship_pct": "apprenticeship_pct",
    "neet.accommodation_suitable_pct": "accommodation_suitable_pct",
    "neet.accommodation_unsuitable_pct": "accommodation_unsuitable_pct",
    "neet.accommodation_not_known_pct": "accommodation_not_known_pct",
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
#: Contact is in touch or not: 'no longer in contact for another reason' (NREQ, RHOM, DIED, blank) is
#: counted with 'not in touch' and 'refused' (REFU). It is 1 to 5 in most boroughs and, as a part of
#: 'activity not known' (itself often 1 to 5), could not be protected by hiding other figures.
CONTACT_PARTS = ("neet.in_touch_pct", "neet.no_contact_pct")
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
    """The ``breakdown`` of a table within one band: ``breakdown_key('sex', '19-21') -> 'sex 19-21'``."""
    return f"{dimension} {band}"


def band_of(breakdown: str, group: str) -> str:
    """The age band of a result row: its group for ``age_band`` rows, else the end of its breakdown."""
    return group if breakdown == "age_band" else breakdown.rsplit(" ", 1)[-1]


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
    """The contact measure each young person counts in: in touch, or not (:data:`CONTACT_PARTS`)."""
    out = np.where(in_touch(oc3), "neet.in_touch_pct", "neet.no_contact_pct")
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
        'neet.accommodation_type_pct'``, ``breakdown 'accommodation type <band>'``), whose
        denominator is the band's cohort (column ``den_concept``).
    """
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
        frames.append(count_result(COHORT, area, "age_band", [band], [n], period))
        for mid in (*CONTACT_PARTS, *ACTIVITY_PARTS, *EET_PARTS, *NEET_REASONS, "neet.activity_not_recorded_pct",
                    *ACCOMMODATION_PARTS, "neet.accommodation_not_recorded_pct"):
            frames.append(percent_result(mid, area, "age_band", [band], [count.get(mid, 0)], [n], period))
    for band in BANDS:
        rows = leavers[leavers["care_leaver_age_band"] == band]
        types = accommodation_status(rows)["type"].value_counts().reindex(ACCOMMODATION_TYPE_ORDER, fill_value=0)
        frame = percent_result("neet.accommodation_type_pct", area, breakdown_key("accommodation type", band),
                               list(types.index), types.to_numpy(), np.full(len(types), len(rows)), period)
        frames.append(frame.assign(den_concept=f"{COHORT}@age_band={band}"))
    return combine(*frames)


def neet_by_group(oc3: pd.DataFrame, header: pd.DataFrame | None, area: str, period_end, dimension: str) -> pd.DataFrame:
    """NEET care leavers aged 17 to 21 in each group (``dimension`` 'sex' or 'ethnicity').

    Each row is ``neet.neet_pct`` for one group: NEET care leavers of the group over all
    care leavers of the group, both age bands together (``breakdown 'sex 17-21'``): the
    bands are reported apart everywhere else, but split by group as well most groups would
    be too small to show. Groups are in a fixed order (Female, Male, ...; White, Mixed,
    Asian, Black, Other, Not known), then 'Not recorded' for care leavers without a header
    row or a code; the last row is everyone (``breakdown 'age_band'``, group '17-21'), the
    same cell the disproportionality theme counts.
    """
    if dimension not in ("sex", "ethnicity"):
        raise ValueError(f"dimension must be 'sex' or 'ethnicity', not {dimension!r}")
    period = period_label(period_end)
    leavers = join_characteristics(care_leavers_in_year(oc3, collection_year(period_end)), header)
    neet = activity_status(leavers).isin(NEET_REASONS).to_numpy()
    base = list(SEX_LABELS.values()) if dimension == "sex" else list(MAJOR_GROUPS)
    groups = leavers[dimension]
    present = set(groups)
    order = [g for g in base if g in present] + sorted(present - set(base) - {NOT_RECORDED}) + \
            ([NOT_RECORDED] if NOT_RECORDED in present else [])
    n = groups.value_counts().reindex(order, fill_value=0)
    k = groups[neet].value_counts().reindex(order, fill_value=0)
    return combine(percent_result("neet.neet_pct", area, breakdown_key(dimension, ALL_BANDS), order, k.to_numpy(),
                                  n.to_numpy(), period),
                   percent_result("neet.neet_pct", area, "age_band", [ALL_BANDS], [int(neet.sum())], [len(leavers)],
                                  period))


def not_neet_by_group(groups: pd.DataFrame, threshold: int) -> pd.DataFrame:
    """The complement of :func:`neet_by_group` where it is a count to protect: care leavers
    of a group who were not NEET, for groups of more than ``threshold`` care leavers where
    that difference is from 1 to ``threshold``.

    No table shows it, but a group's care leavers less its NEET care leavers can be read off
    the table; as a hidden cell it makes the plan hide one of them. (Larger differences need
    no cell; in a group of 1 to ``threshold`` both figures are hidden already.)
    """
    groups = groups[groups["breakdown"] != "age_band"]
    rest = groups["denominator"] - groups["numerator"]
    small = groups[(groups["denominator"] > threshold) & rest.between(1, threshold)]
    frames = [percent_result("neet.not_neet_pct", area, breakdown, [group], [n - k], [n], period)
              for area, breakdown, group, period, k, n in small[["area", "breakdown", "group", "period", "numerator",
                                                                "denominator"]].itertuples(index=False)]
    return combine(*frames)


# ----------------------------------------------------------------------------------------
# Relations between count cells (for the disclosure plan)
# ----------------------------------------------------------------------------------------
def _types_within_in_touch(keys: set[str]) -> list[tuple[list[str], str]]:
    """Per band: the accommodation types + 'in touch, accommodation not recorded' = in touch."""
    types: dict[tuple[str, str], list[str]] = {}
    for key in keys:
        c, breakdown, _, period = split_key(key)
        if c == _C["neet.accommodation_type_pct"]:
            types.setdefault((band_of(breakdown, ""), period), []).append(key)
    return [([*sorted(parts), cell_key(_C["neet.accommodation_not_recorded_pct"], "age_band", band, period)],
             cell_key(_C["neet.in_touch_pct"], "age_band", band, period)) for (band, period), parts in types.items()]


def _bands_together(keys: set[str]) -> list[tuple[list[str], str]]:
    """The two bands add up to both together: ``age_band`` 17-18 + 19-21 = ``age_band`` 17-21
    (for every count of both bands that is also counted for both together)."""
    parts: dict[str, list[str]] = {}
    for key in keys:
        c, breakdown, group, period = split_key(key)
        if not c.startswith(f"{THEME}."):
            continue
        if breakdown == "age_band" and group in BANDS:
            parts.setdefault(cell_key(c, "age_band", ALL_BANDS, period), []).append(key)
    return [(sorted(p), total) for total, p in parts.items() if total in keys]


_C = {spec.id: concept(spec.id) for spec in MEASURES}
_GROUP_BREAKDOWNS = tuple(breakdown_key(dimension, ALL_BANDS) for dimension in ("sex", "ethnicity"))

#: How this theme's count cells add up (see safeguarding.results.relations). Contact, activity,
#: accommodation and accommodation type each put every care leaver of a band in one part; the
#: sums are written so that each small part shares a sum with the figures that can protect it
#: (unsuitable accommodation with suitable and in touch, not the 'not known' counts), and the
#: other forms of each partition follow from them (the audit solves them all together).
RELATIONS = (
    # Care leavers = in touch + not in touch; = EET + NEET + activity not known.
    Components(COHORT, (_C["neet.in_touch_pct"], _C["neet.no_contact_pct"]), breakdowns=("age_band",)),
    Components(COHORT, tuple(_C[mid] for mid in ACTIVITY_PARTS), breakdowns=("age_band",)),
    # 'Not known' is everyone not in touch, plus those in touch with nothing recorded.
    Components(_C["neet.activity_not_known_pct"], (_C["neet.no_contact_pct"], _C["neet.activity_not_recorded_pct"])),
    Components(_C["neet.accommodation_not_known_pct"], (_C["neet.no_contact_pct"],
                                                       _C["neet.accommodation_not_recorded_pct"])),
    # In touch = suitable + unsuitable + not recorded = every type + not recorded.
    Components(_C["neet.in_touch_pct"], (_C["neet.accommodation_suitable_pct"], _C["neet.accommodation_unsuitable_pct"],
                                         _C["neet.accommodation_not_recorded_pct"]), breakdowns=("age_band",)),
    Custom(_types_within_in_touch, "neet: accommodation types + not recorded = in touch"),
    Components(_C["neet.eet_pct"], tuple(_C[mid] for mid in EET_PARTS)),
    Components(_C["neet.neet_pct"], tuple(_C[mid] for mid in NEET_REASONS)),
    # A group's care leavers are its NEET care leavers and the rest (where the rest is counted).
    Components(COHORT, (_C["neet.neet_pct"], _C["neet.not_neet_pct"]), breakdowns=_GROUP_BREAKDOWNS),
    # NEET care leavers and all care leavers by sex or ethnicity add up to everyone aged 17 to 21.
    *(Rollup((_C["neet.neet_pct"], COHORT), breakdown_key(dimension, ALL_BANDS), "age_band", ALL_BANDS)
      for dimension in ("sex", "ethnicity")),
    Custom(_bands_together, "neet: 17-18 + 19-21 = 17-21"),
)


def published_counterpart(measure_id: str, breakdown: str, group: str) -> str | None:
    """The DfE figure of a result row (:mod:`safeguarding.results.public`): care leavers of an
    age band, with their count and the count of each activity and of suitable accommodation."""
    return published_id(measure_id, group) if breakdown == "age_band" and group in BANDS else None


def compute(ctx: Context) -> ThemeResults:
    """Every result of the care leavers theme for a borough and period (unprotected)."""
    from safeguarding import quality
    oc3, header, name, end = ctx.tables["cla_oc3"], ctx.tables.get("cla_header"), ctx.area.name, ctx.period_end
    year = collection_year(end)
    if "collection_year" in oc3 and not (oc3["collection_year"] == year).any():
        years = ", ".join(str(y) for y in sorted(oc3["collection_year"].dropna().unique()))
        raise InputError(f"The OC3 (care leavers) table has no rows for {period_label(end)} (collection year {year}); "
                         f"it holds {years or 'no years'}. Check period_end or provide that year's OC3 file.")
    tables = {"main": composition(oc3, name, end)}
    if header is not None:
        for dimension in ("sex", "ethnicity"):
            tables[dimension] = neet_by_group(oc3, header, name, end, dimension)
        # Registered for disclosure control only: the view never shows them.
        tables["not_neet"] = combine(*(not_neet_by_group(tables[d], ctx.threshold) for d in ("sex", "ethnicity")))
    checks = quality.check_care_leavers(oc3, year, header, threshold=ctx.threshold)
    checks += quality.percent_consistent(tables["main"])
    return ThemeResults(tables, {"collection_year": year, "header": header is not None}, checks)
