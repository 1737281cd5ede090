"""Ethnicity: DfE codes -> minor group -> major group -> ONS Census 2021 category.

This module is the one place the mapping is written down. Briefings quote
:data:`MAPPING_NOTE` in their notes.

DfE codes (SSDA903, CIN census, school census) follow the 2001/2011 classification
used in DfE collections; Census 2021 uses 19 categories (plus "Does not apply").
They do not map one to one:

* DfE ``OOTH`` (any other ethnic group) covers Census 2021 "Arab" **and** "Any other
  ethnic group"; both Census categories are added together for the denominator.
* DfE ``WIRT`` (Traveller of Irish heritage) maps to Census "Gypsy or Irish Traveller";
  DfE ``WROM`` (Gypsy/Roma) has no exact Census category: Census "Roma" is used for
  ``WROM``. Rates for these two groups are therefore approximate and are flagged.
* DfE ``CHNE`` (Chinese) is counted in the Asian major group, as in Census 2021 and the
  GSS harmonised standard (older DfE tables put Chinese under "Other").
* ``REFU`` (refused) and ``NOBT`` (not obtained) have no population denominator; they
  are reported as "Not known" and never silently dropped.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class EthnicCode:
    code: str
    minor: str
    major: str
    ons_categories: tuple[int, ...]
    approximate_denominator: bool = False


MAJOR_GROUPS = ("White", "Mixed", "Asian", "Black", "Other", "Not known")

CODES: tuple[EthnicCode, ...] = (
    EthnicCode("WBRI", "White British", "White", (13,)),
    EthnicCode("WIRI", "White Irish", "White", (14,)),
    EthnicCode("WIRT", "Traveller of Irish heritage", "White", (15,), True),
    EthnicCode("WROM", "Gypsy/Roma", "White", (16,), True),
    EthnicCode("WOTH", "Any other White background", "White", (17,)),
    EthnicCode("MWBC", "White and Black Caribbean", "Mixed", (11,)),
    EthnicCode("MWBA", "White and Black African", "Mixed", (10,)),
    EthnicCode("MWAS", "White and Asian", "Mixed", (9,)),
    EthnicCode("MOTH", "Any other mixed background", "Mixed", (12,)),
    EthnicCode("AIND", "Indian", "Asian", (3,)),
    EthnicCode("APKN", "Pakistani", "Asian", (4,)),
    EthnicCode("ABAN", "Bangladeshi", "Asian", (1,)),
    EthnicCode("CHNE", "Chinese", "Asian", (2,)),
    EthnicCode("AOTH", "Any other Asian background", "Asian", (5,)),
    EthnicCode("BCRB", "Black Caribbean", "Black", (7,)),
    EthnicCode("BAFR", "Black African", "Black", (6,)),
    EthnicCode("BOTH", "Any other Black background", "Black", (8,)),
    EthnicCode("OOTH", "Any other ethnic group", "Other", (18, 19), True),
    EthnicCode("REFU", "Refused", "Not known", ()),
    EthnicCode("NOBT", "Information not yet obtained", "Not known", ()),
)

BY_CODE = {c.code: c for c in CODES}
VALID_CODES = frozenset(BY_CODE)
#: Reference group for relative rate indices.
REFERENCE_CODE = "WBRI"
REFERENCE_MINOR = "White British"

#: ONS Census 2021 "Ethnic group (20 categories)" codes and their labels (as in the ONS file).
ONS_CATEGORIES = {
    1: "Asian, Asian British or Asian Welsh: Bangladeshi",
    2: "Asian, Asian British or Asian Welsh: Chinese",
    3: "Asian, Asian British or Asian Welsh: Indian",
    4: "Asian, Asian British or Asian Welsh: Pakistani",
    5: "Asian, Asian British or Asian Welsh: Other Asian",
    6: "Black, Black British, Black Welsh, Caribbean or African: African",
    7: "Black, Black British, Black Welsh, Caribbean or African: Caribbean",
    8: "Black, Black British, Black Welsh, Caribbean or African: Other Black",
    9: "Mixed or Multiple ethnic groups: White and Asian",
    10: "Mixed or Multiple ethnic groups: White and Black African",
    11: "Mixed or Multiple ethnic groups: White and Black Caribbean",
    12: "Mixed or Multiple ethnic groups: Other Mixed or Multiple ethnic groups",
    13: "White: English, Welsh, Scottish, Northern Irish or British",
    14: "White: Irish",
    15: "White: Gypsy or Irish Traveller",
    16: "White: Roma",
    17: "White: Other White",
    18: "Other ethnic group: Arab",
    19: "Other ethnic group: Any other ethnic group",
}

#: DfE's labels for the minor ethnic groups in its national exclusion tables by pupil
#: characteristic (SFR35 'characteristic_1'), mapped onto the codes above.
#: 'Ethnicity_Unclassified' is 'Not known'; the major-group and 'Minority ethnic pupil'
#: rows are totals of these and are not mapped.
PUBLISHED_MINOR_LABELS = {
    "Ethnicity_Minor_White_British": "WBRI",
    "Ethnicity_Minor_Irish": "WIRI",
    "Ethnicity_Minor_Traveller_of_Irish_heritage": "WIRT",
    "Ethnicity_Minor_Gypsy_Roma": "WROM",
    "Ethnicity_Minor_Any_other_white_background": "WOTH",
    "Ethnicity_Minor_White_and_Black_Caribbean": "MWBC",
    "Ethnicity_Minor_White_and_Black_African": "MWBA",
    "Ethnicity_Minor_White_and_Asian": "MWAS",
    "Ethnicity_Minor_Any_other_Mixed_background": "MOTH",
    "Ethnicity_Minor_Indian": "AIND",
    "Ethnicity_Minor_Pakistani": "APKN",
    "Ethnicity_Minor_Bangladeshi": "ABAN",
    "Ethnicity_Minor_Chinese": "CHNE",
    "Ethnicity_Minor_Any_other_Asian_background": "AOTH",
    "Ethnicity_Minor_Black_Caribbean": "BCRB",
    "Ethnicity_Minor_Black_African": "BAFR",
    "Ethnicity_Minor_Any_other_black_background": "BOTH",
    "Ethnicity_Minor_Any_Other_Ethnic_Group": "OOTH",
    "Ethnicity_Unclassified": "NOBT",
}

MAPPING_NOTE = (
    "Ethnicity is recorded with DfE codes and compared with Census 2021 populations. "
    "DfE 'Any other ethnic group' is compared with Census 'Arab' plus 'Any other ethnic "
    "group'; DfE 'Traveller of Irish heritage' with Census 'Gypsy or Irish Traveller' and "
    "DfE 'Gypsy/Roma' with Census 'Roma', so rates for those three groups are approximate. "
    "Chinese is counted in the Asian group, as in Census 2021. 'Refused' and 'not obtained' "
    "are shown as 'Not known' and have no population rate."
)


def normalise_code(value) -> str | None:
    """Upper-case, strip; None for blanks. Does not validate."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    text = str(value).strip().upper()
    return text or None


def minor_group(code: str | None) -> str:
    """Minor group label for a DfE code; 'Not known' for blanks and unknown codes."""
    entry = BY_CODE.get(normalise_code(code) or "")
    return entry.minor if entry else "Not known"


def major_group(code: str | None) -> str:
    """Major group (White, Mixed, Asian, Black, Other, Not known) for a DfE code."""
    entry = BY_CODE.get(normalise_code(code) or "")
    return entry.major if entry else "Not known"


def ethnicity_table() -> pd.DataFrame:
    """The whole mapping as a frame: code, minor, major, ons_categories, approximate."""
    return pd.DataFrame(
        {
            "code": [c.code for c in CODES],
            "minor": [c.minor for c in CODES],
            "major": [c.major for c in CODES],
            "ons_categories": [",".join(map(str, c.ons_categories)) for c in CODES],
            "approximate_denominator": [c.approximate_denominator for c in CODES],
        }
    )


#: The groups disproportionality analysis shows: DfE's major groups, with White split so
#: that White British can be the comparison group.
SHOWN_GROUPS = ("White British", "Other White", "Mixed", "Asian", "Black", "Other ethnic group", "Not known")


def shown_group(minor: pd.Series, major: pd.Series) -> pd.Series:
    """The shown group (:data:`SHOWN_GROUPS`) of each person, from their minor and major
    group labels (:func:`minor_group`, :func:`major_group`)."""
    minor = pd.Series(minor).astype("object")
    major = pd.Series(major, index=minor.index).astype("object")
    # each distinct major group is looked up once (a school roll has tens of thousands of rows)
    codes, uniques = pd.factorize(major)  # a missing major group is code -1: 'Not known'
    shown = np.array([_SHOWN_OF_MAJOR.get(u, "Not known") for u in uniques] + ["Not known"], dtype=object)
    out = shown[codes]
    out[(out == "Other White") & minor.eq(REFERENCE_MINOR).fillna(False).to_numpy(dtype=bool)] = REFERENCE_MINOR
    return pd.Series(out, index=minor.index, dtype="object")


#: The shown group of each major group (White British is told apart by its minor group).
_SHOWN_OF_MAJOR = {"Mixed": "Mixed", "Asian": "Asian", "Black": "Black", "White": "Other White",
                   "Other": "Other ethnic group"}

