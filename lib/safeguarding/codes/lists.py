"""Statutory code lists, each keyed by collection year.

``year`` everywhere in this module is the **collection year**, named by the calendar year
in which it ends: SSDA903 and the CIN census 2024-25 (to 31 March 2025) is ``2025``;
the school census academic year 2023/24 is ``2024``. A code list entry is valid from its
``first`` year to its ``last`` year inclusive (``None`` = still valid).

Sources: DfE SSDA903 guidance (children looked after return), CIN census guidance,
school census guidance (exclusions module). Where DfE changed a list the change is
recorded here and nowhere else.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd


@dataclass(frozen=True)
class Code:
    code: str
    label: str
    first: int | None = None
    last: int | None = None
    group: str | None = None  # e.g. EET / NEET for ACTIV

    def valid_in(self, year: int | None) -> bool:
        if year is None:
            return True
        return (self.first is None or year >= self.first) and (self.last is None or year <= self.last)


@dataclass(frozen=True)
class CodeList:
    name: str
    codes: tuple[Code, ...]
    #: Spellings found in real files that mean a listed code, e.g. {"1": "M"} for SEX.
    aliases: dict[str, str] = field(default_factory=dict)
    #: Aliases that apply only in some years: {alias: (code, first, last)}.
    year_aliases: dict[str, tuple[str, int | None, int | None]] = field(default_factory=dict)
    description: str = ""
    #: Added to "expected ..." messages, e.g. the older codes that are still read.
    hint: str = ""

    def valid(self, year: int | None = None) -> dict[str, Code]:
        return {c.code: c for c in self.codes if c.valid_in(year)}

    def normalise(self, value, year: int | None = None) -> str | None:
        """Canonical code for a raw value (case and spaces folded, aliases applied), or None
        when the value is blank. Returns the cleaned raw text when it is not a known code,
        so the caller can report it."""
        if value is None or (isinstance(value, float) and pd.isna(value)):
            return None
        text = str(value).strip().upper()
        if not text:
            return None
        if text.endswith(".0") and text[:-2].isdigit():  # 1.0 from a spreadsheet
            text = text[:-2]
        if text in self.year_aliases:
            code, first, last = self.year_aliases[text]
            if (year is None) or ((first is None or year >= first) and (last is None or year <= last)):
                return code
        return self.aliases.get(text, text)

    def expected(self, year: int | None = None) -> str:
        codes = sorted(self.valid(year))
        shown = ", ".join(codes[:40]) + (" ..." if len(codes) > 40 else "")
        when = f" in collection year {year}" if year else ""
        return f"one of the {self.name} codes valid{when}: {shown}" + (f" ({self.hint})" if self.hint else "")

    def label(self, code: str | None) -> str:
        for c in self.codes:
            if c.code == code:
                return c.label
        return "Not recorded" if code is None else f"Unknown code {code}"


def _codes(pairs, groups: dict[str, str] | None = None, **kw) -> tuple[Code, ...]:
    """Codes from (code, label) pairs; ``groups``: code -> group (the codes' group label)."""
    return tuple(Code(c, lbl, group=(groups or {}).get(c), **kw) for c, lbl in pairs)


# --- SSDA903 -------------------------------------------------------------------------

SEX = CodeList(
    "SEX",
    (Code("M", "Male"), Code("F", "Female"), Code("U", "Unknown or not recorded", first=2025)),
    # 1/2 were the SSDA903 codes up to 2023-24 (collection year 2024); M/F/U from 2024-25.
    # Both are accepted in every year (LAs resubmit old years) and mapped to M/F/U.
    aliases={"1": "M", "2": "F", "MALE": "M", "FEMALE": "F", "0": "U", "9": "U", "UNKNOWN": "U"},
    description="Child's sex: 1/2 up to 2023-24, M/F/U from 2024-25",
    hint="1 = M and 2 = F, the SSDA903 codes up to 2023-24, are also accepted",
)

MISSING_TYPE = CodeList(
    "MISSING",
    (Code("M", "Missing"), Code("A", "Away from placement without authorisation")),
    aliases={"MISSING": "M", "AWAY": "A"},
)

_PLACE = [
    ("A3", "Placed for adoption with consent, with current foster carer"),
    ("A4", "Placed for adoption with consent, not with current foster carer"),
    ("A5", "Placed for adoption with placement order, with current foster carer"),
    ("A6", "Placed for adoption with placement order, not with current foster carer"),
    ("H5", "Semi-independent living accommodation not subject to children's homes regulations"),
    ("K1", "Secure children's home"),
    ("K2", "Children's home subject to children's homes regulations"),
    ("P1", "Placed with own parent(s) or other person(s) with parental responsibility"),
    ("P2", "Independent living, e.g. in a flat, lodgings, bedsit, B&B or with friends"),
    ("P3", "Residential employment"),
    ("R1", "Residential care home"),
    ("R2", "NHS/Health Trust or other establishment providing medical or nursing care"),
    ("R3", "Family centre or mother and baby unit"),
    ("R5", "Young offender institution or prison"),
    ("S1", "All residential schools, except where dual-registered as a school and children's home"),
    ("T0", "All types of temporary move"),
    ("T1", "Temporary periods in hospital"),
    ("T2", "Temporary absences of the child on holiday"),
    ("T3", "Temporary accommodation whilst normal foster carer is on holiday"),
    ("T4", "Temporary accommodation of seven days or less"),
    ("U1", "Foster placement with relative or friend, long term fostering"),
    ("U2", "Foster placement with relative or friend who is also an approved adopter (FFA)"),
    ("U3", "Foster placement with relative or friend, not long term or FFA"),
    ("U4", "Foster placement with other foster carer, long term fostering"),
    ("U5", "Foster placement with other foster carer who is also an approved adopter (FFA)"),
    ("U6", "Foster placement with other foster carer, not long term or FFA"),
    ("Z1", "Other placements"),
]
#: Placement groups of DfE's children looked after tables (and LAIT's placement measures):
#: unregistered settings count as other placements, as LAIT's 'other placements' does.
PLACE_FOSTER = "Foster placements"
PLACE_ADOPTION = "Placed for adoption"
PLACE_PARENTS = "Placed with parents or others with parental responsibility"
PLACE_INDEPENDENT = "Independent and semi-independent living, supported accommodation"
PLACE_HOMES = "Secure homes and children's homes"
PLACE_OTHER_RESIDENTIAL = "Other residential settings"
PLACE_SCHOOLS = "Residential schools"
PLACE_OTHER = "Other placements"
PLACE_GROUPS = (PLACE_FOSTER, PLACE_ADOPTION, PLACE_PARENTS, PLACE_INDEPENDENT, PLACE_HOMES, PLACE_OTHER_RESIDENTIAL,
                PLACE_SCHOOLS, PLACE_OTHER)


def _place_group(code: str) -> str:
    if code.startswith("U"):
        return PLACE_FOSTER
    if code.startswith("A"):
        return PLACE_ADOPTION
    return {"P1": PLACE_PARENTS, "H5": PLACE_INDEPENDENT, "P2": PLACE_INDEPENDENT, "K1": PLACE_HOMES, "K2": PLACE_HOMES,
            "R1": PLACE_OTHER_RESIDENTIAL, "R2": PLACE_OTHER_RESIDENTIAL, "R3": PLACE_OTHER_RESIDENTIAL,
            "R5": PLACE_OTHER_RESIDENTIAL, "S1": PLACE_SCHOOLS}.get(code, PLACE_OTHER)


PLACE = CodeList(
    "PLACE",
    tuple(
        Code(c, lbl, last=2025 if c in {"H5", "P2", "Z1"} else None, group=_place_group(c))
        for c, lbl in _PLACE
    )
    + (
        Code("K3", "Supported accommodation (registered)", first=2026, group=PLACE_INDEPENDENT),
        Code("Z11", "Other placements: custody", first=2026, group=PLACE_OTHER),
        Code("Z12", "Other placements: unregistered children's home", first=2026, group=PLACE_OTHER),
        Code("Z13", "Other placements: unregistered supported accommodation", first=2026, group=PLACE_OTHER),
        Code("Z14", "Other placements: any other", first=2026, group=PLACE_OTHER),
    ),
    description="Placement type; 2025-26 removed H5, P2 and Z1 and added K3 and Z11-Z14",
)

#: Legal status groups of DfE's children looked after tables.
LS_GROUPS = {"C1": "Care orders", "C2": "Care orders", "D1": "Placement orders", "E1": "Placement orders",
             "V2": "Accommodated under section 20", "V3": "Short breaks", "V4": "Short breaks",
             "J1": "Youth justice legal statuses", "J2": "Youth justice legal statuses",
             "J3": "Youth justice legal statuses", "L1": "Detained for child protection",
             "L2": "Detained for child protection", "L3": "Detained for child protection"}
LS = CodeList("LS", _codes([
    ("C1", "Interim care order"), ("C2", "Full care order"),
    ("D1", "Freeing order granted"), ("E1", "Placement order granted"),
    ("J1", "Remanded to local authority accommodation or youth detention accommodation"),
    ("J2", "Placed in local authority accommodation under PACE"),
    ("J3", "Sentenced to Youth Rehabilitation Order with residence or intensive fostering requirement"),
    ("L1", "Under police protection and in local authority accommodation"),
    ("L2", "Emergency protection order"), ("L3", "Child assessment order and in LA accommodation"),
    ("V2", "Single period of accommodation under section 20"),
    ("V3", "Accommodated under an agreed series of short-term breaks (individual episodes)"),
    ("V4", "Accommodated under an agreed series of short-term breaks (single placement)"),
], LS_GROUPS), description="Legal status")

RNE = CodeList("RNE", _codes([
    ("B", "Change of legal status and placement and carer(s) at the same time"),
    ("L", "Change of legal status only"), ("P", "Change of placement and carer(s) only"),
    ("S", "Started to be looked after"), ("T", "Change of placement but same carer(s)"),
    ("U", "Change of legal status and change of placement but same carer(s)"),
]), description="Reason for new episode")

CIN_NEED = CodeList("CIN", _codes([
    ("N1", "Abuse or neglect"), ("N2", "Child's disability"), ("N3", "Parental illness or disability"),
    ("N4", "Family in acute stress"), ("N5", "Family dysfunction"), ("N6", "Socially unacceptable behaviour"),
    ("N7", "Low income"), ("N8", "Absent parenting"),
]), description="Category of need")

#: Reasons care ended, in the groups of DfE's children looked after tables.
REC_GROUPS = {"E11": "Adopted", "E12": "Adopted",
              "E4A": "Returned home to parents or relatives", "E4B": "Returned home to parents or relatives",
              "E13": "Returned home to parents or relatives", "E41": "Child arrangements or residence order",
              **{c: "Special guardianship order" for c in ("E43", "E44", "E45", "E46", "E47", "E48")},
              "E5": "Moved into independent living", "E6": "Moved into independent living",
              "E17": "Aged 18, stayed with their carers (staying put)", "E7": "Other reasons", "E9": "Other reasons",
              "E14": "Other reasons", "E15": "Other reasons", "E16": "Other reasons", "E2": "Other reasons",
              "E3": "Other reasons", "E8": "Other reasons"}
REC = CodeList("REC", _codes([
    ("E11", "Adopted: application by former foster carers"), ("E12", "Adopted: other"),
    ("E13", "Left care to live with parent(s) or relative(s) as part of care planning"),
    ("E14", "Accommodation on remand ended"), ("E15", "Age assessment determined child is 18 or over"),
    ("E16", "Child moved abroad"), ("E17", "Aged 18 (or over) and remained with current carers"),
    ("E2", "Died"), ("E3", "Care taken by another local authority"), ("E4A", "Returned home to parents: part of care planning"),
    ("E4B", "Returned home to parents: not part of care planning"), ("E41", "Residence order or child arrangements order"),
    ("E43", "Special guardianship order made to former foster carers"), ("E44", "Special guardianship order made to carers other than former foster carers"),
    ("E45", "Special guardianship order made to former foster carers (relative or friend)"),
    ("E46", "Special guardianship order made to carers other than former foster carers (other)"),
    ("E47", "Special guardianship order made to other former foster carers"),
    ("E48", "Special guardianship order made to other carers"),
    ("E5", "Moved into independent living (supported)"), ("E6", "Moved into independent living (no support)"),
    ("E7", "Transferred to residential care funded by adult social care"), ("E8", "Period of being looked after ceased for any other reason"),
    ("E9", "Sentenced to custody"), ("X1", "Episode ceases, and new episode begins on same day"),
], REC_GROUPS), description="Reason episode ceased")

REASON_PLACE_CHANGE = CodeList("REASON_PLACE_CHANGE", _codes([
    ("CARPL", "Change to, or implementation of, care plan"), ("CLOSE", "Resignation or closure of provision"),
    ("ALLEG", "Allegation (s47)"), ("STAND", "Standards of care concern"), ("APPRR", "Approval removed"),
    ("CREQB", "Carer request due to child's behaviour"), ("CREQO", "Carer request for other reasons"),
    ("CHILD", "Child requests placement end"), ("LAREQ", "Responsible/area authority requests placement end"),
    ("PLACE", "Change in the status of placement only"), ("CUSTOD", "Custody arrangement"), ("OTHER", "Other"),
]))

PLACE_PROVIDER = CodeList("PLACE_PROVIDER", _codes([
    ("PR0", "Parent(s) or other person(s) with parental responsibility"), ("PR1", "Own provision (by the LA)"),
    ("PR2", "Other LA provision"), ("PR3", "Other public provision"), ("PR4", "Private provision"),
    ("PR5", "Voluntary/third sector provision"),
]))

IN_TOUCH = CodeList("IN_TOUCH", _codes([
    ("YES", "In touch"), ("NO", "Not in touch"), ("DIED", "Died"), ("REFU", "Refuses contact"),
    ("NREQ", "No longer requires services"), ("RHOM", "Returned home for at least 6 months"),
]), aliases={"Y": "YES", "N": "NO"})

ACTIV = CodeList("ACTIV", (
    Code("F1", "Full-time in higher education", group="EET"),
    Code("P1", "Part-time in higher education", group="EET"),
    Code("F2", "Full-time in education other than higher education", group="EET"),
    Code("P2", "Part-time in education other than higher education", group="EET"),
    Code("F4", "Full-time in training or employment", group="EET"),
    Code("P4", "Part-time in training or employment", group="EET"),
    Code("F5", "Full-time apprenticeship", group="EET"),
    Code("P5", "Part-time apprenticeship", group="EET"),
    Code("G4", "NEET: owing to illness or disability", group="NEET"),
    Code("G5", "NEET: other reasons", group="NEET"),
    Code("G6", "NEET: owing to pregnancy or parenting", group="NEET"),
    Code("0", "Not applicable / information not known", group="Not known"),
), aliases={"00": "0"})

_ACCOM_TYPES = {
    "B": "With parents or relatives", "C": "Community home or other form of residential care",
    "D": "Semi-independent, transitional accommodation", "E": "Supported lodgings",
    "G": "Gone abroad", "H": "Deported", "K": "Ordinary lodgings, without formal support",
    "R": "Residence not known", "S": "No fixed abode / homeless", "T": "Foyers and similar",
    "U": "Independent living", "V": "Emergency accommodation", "W": "Bed and breakfast",
    "X": "In custody", "Y": "Other accommodation", "Z": "With former foster carers",
}
ACCOM = CodeList("ACCOM", tuple(
    Code(f"{letter}{digit}", f"{label} ({'suitable' if digit == '1' else 'not suitable'})",
         group="Suitable" if digit == "1" else "Not suitable")
    for letter, label in _ACCOM_TYPES.items() for digit in "12"
) + (Code("0", "Not applicable / information not known", group="Not known"),), aliases={"00": "0"})

# --- CIN census ----------------------------------------------------------------------

CIN_SEX = CodeList(
    "GenderCurrent",
    (Code("M", "Male"), Code("F", "Female"), Code("U", "Unknown or not recorded")),
    aliases={"1": "M", "2": "F", "0": "U", "9": "U", "MALE": "M", "FEMALE": "F"},
    description="CIN census GenderCurrent 0/1/2/9 (older) or Sex M/F/U",
)

REFERRAL_SOURCE = CodeList("ReferralSource", _codes([
    ("1A", "Individual: family member/relative/carer"), ("1B", "Individual: acquaintance"),
    ("1C", "Individual: self"), ("1D", "Individual: other"), ("2A", "Schools"),
    ("2B", "Education services"), ("3A", "Health: GP"), ("3B", "Health: health visitor"),
    ("3C", "Health: school nurse"), ("3D", "Health: other primary health services"),
    ("3E", "Health: A&E"), ("3F", "Health: other"), ("4", "Housing"), ("5A", "LA services: social care"),
    ("5B", "LA services: other internal"), ("5C", "LA services: external"), ("5D", "Police"),
    ("6", "Other legal agency"), ("7", "Other"), ("8", "Anonymous"), ("9", "Unknown"),
    ("10", "Other (including children's centres)"),
]))

PRIMARY_NEED = CodeList("PrimaryNeedCode", CIN_NEED.codes + (
    Code("N0", "Not stated"), Code("N9", "Cases other than children in need"),
))

ABUSE_CATEGORY = CodeList("CPPcategory", _codes([
    ("NEG", "Neglect"), ("PHY", "Physical abuse"), ("SAB", "Sexual abuse"),
    ("EMO", "Emotional abuse"), ("MUL", "Multiple"),
]))

# --- Missing episodes log (SSD ssd_missing) -----------------------------------------

MISSING_FROM = CodeList("missing_from", _codes([("HOME", "Missing from home"), ("CARE", "Missing from care")]),
                        aliases={"H": "HOME", "C": "CARE", "LAC": "CARE", "CLA": "CARE"})
YES_NO = CodeList("yes_no", _codes([("Y", "Yes"), ("N", "No")]),
                  aliases={"YES": "Y", "NO": "N", "TRUE": "Y", "FALSE": "N", "1": "Y", "0": "N"})

# --- School census: exclusions ------------------------------------------------------

EXCLUSION_CATEGORY = CodeList("Category", _codes([("PERM", "Permanent exclusion"), ("SUSP", "Suspension")]),
                              aliases={"FIXD": "SUSP", "FIXED": "SUSP", "PERMANENT": "PERM", "SUSPENSION": "SUSP"})

_REASONS_ALL = [
    ("PP", "Physical assault against a pupil"), ("PA", "Physical assault against an adult"),
    ("VP", "Verbal abuse or threatening behaviour against a pupil"),
    ("VA", "Verbal abuse or threatening behaviour against an adult"),
    ("BU", "Bullying"), ("RA", "Racist abuse"), ("SM", "Sexual misconduct"),
    ("DA", "Drug and alcohol related"), ("DM", "Damage"), ("TH", "Theft"),
    ("PD", "Persistent disruptive behaviour"),
]
EXCLUSION_REASON = CodeList("Reason", _codes(_REASONS_ALL) + (
    # "Other" was withdrawn from 2020/21 (collection year 2021); new reasons were added.
    Code("OT", "Other", last=2020),
    Code("LG", "Abuse against sexual orientation and gender identity", first=2021),
    Code("DS", "Abuse relating to disability", first=2021),
    Code("MT", "Inappropriate use of social media or online technology", first=2021),
    Code("WP", "Use or threat of use of an offensive weapon or prohibited item", first=2021),
    Code("PH", "Wilful and repeated transgression of protective measures to protect public health", first=2021, last=2023),
), description="Reason for exclusion; 'Other' (OT) withdrawn and five reasons added from 2020/21")

SCHOOL_PHASE = CodeList("Phase", _codes([
    ("PS", "Primary"), ("SS", "Secondary"), ("SP", "Special"), ("AP", "Alternative provision"), ("NS", "Nursery"),
]), aliases={"PRIMARY": "PS", "SECONDARY": "SS", "SPECIAL": "SP", "PRU": "AP"})

SEN_PROVISION = CodeList("SENprovision", _codes([
    ("N", "No special educational need"), ("K", "SEN support"), ("E", "Education, health and care plan"),
]), aliases={"S": "E", "EHCP": "E"})

ALL_LISTS = {cl.name: cl for cl in (
    SEX, MISSING_TYPE, PLACE, LS, RNE, CIN_NEED, REC, REASON_PLACE_CHANGE, PLACE_PROVIDER, IN_TOUCH,
    ACTIV, ACCOM, CIN_SEX, REFERRAL_SOURCE, PRIMARY_NEED, ABUSE_CATEGORY, MISSING_FROM, YES_NO,
    EXCLUSION_CATEGORY, EXCLUSION_REASON, SCHOOL_PHASE, SEN_PROVISION,
)}


def collection_year(date) -> int:
    """Collection year (year ending 31 March) that a date falls in: 2024-06-01 -> 2025."""
    ts = pd.Timestamp(date)
    return ts.year + 1 if ts.month >= 4 else ts.year


def academic_year(date) -> int:
    """Academic year (1 September to 31 August) named by its ending year: 2023-10-01 -> 2024."""
    ts = pd.Timestamp(date)
    return ts.year + 1 if ts.month >= 9 else ts.year


def academic_year_label(year: int) -> str:
    """2024 -> '2023/24'."""
    return f"{year - 1}/{str(year)[-2:]}"


def financial_year_label(year: int) -> str:
    """2025 -> '2024-25'."""
    return f"{year - 1}-{str(year)[-2:]}"


def period_bounds(period_end) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The year ending on ``period_end``: (start at midnight, end at the last moment of the day)."""
    end = pd.Timestamp(period_end).normalize()
    start = end - pd.DateOffset(years=1) + pd.Timedelta(days=1)
    return start, end + pd.Timedelta(days=1) - pd.Timedelta(microseconds=1)


def period_label(period_end) -> str:
    """'2024-25' for a year ending 31 March 2025; 'year to 30 June 2025' for any other end."""
    end = pd.Timestamp(period_end)
    return financial_year_label(end.year) if (end.month, end.day) == (3, 31) else f"year to {end:%d %B %Y}"
