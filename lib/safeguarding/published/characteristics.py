"""England's exclusion rates by ethnic group, as DfE publishes them nationally by pupil
characteristic (the only published comparison for the disproportionality briefing's
exclusion stages: DfE publishes no LA figures by ethnic group for the other stages).

The file is DfE's national characteristics table from the statistical release
'Permanent and fixed-period exclusions in England' (SFR35/2017, school years 2011/12 to
2015/16; 'fixed-period exclusion' is what DfE now calls a suspension). Its minor ethnic
groups are mapped onto DfE codes once, in
:data:`safeguarding.codes.ethnicity.PUBLISHED_MINOR_LABELS`, and summed into the groups the
briefing shows (:data:`safeguarding.codes.ethnicity.SHOWN_GROUPS`), so Chinese pupils count
as Asian here just as in the borough's figures. Rates are computed from DfE's counts, which
DfE rounds to the nearest 5, so a group summed from several minor groups can differ from
DfE's own rate for it by 0.01 per 100 (tested against DfE's published rates).

The year rule is that of every comparator: the school year of the briefing if published,
otherwise the latest earlier one (said in ``note``), never a later one.

Source: Department for Education, Open Government Licence v3.0.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from safeguarding import config
from safeguarding.codes import ethnicity as eth
from safeguarding.issues import InputError
from safeguarding.published.ees import period_year, read_ees_csv, year_label, year_to_show

FILE = "exclusions/SFR35_2017_National_characteristics.csv"
TITLE = "Permanent and fixed-period exclusions in England: national tables by pupil characteristic (DfE, SFR35/2017)"
#: The columns read: pupils on roll, pupils permanently excluded, pupils with one or more
#: fixed-period exclusions (suspensions).
COLUMNS = {"headcount": "pupils", "perm_excl": "permanent", "one_plus_fixed": "suspended"}
#: The measures compared, by the disproportionality stage they match.
STAGE_COLUMNS = {"permanent_exclusion": "permanent", "suspension": "suspended"}


@dataclass(frozen=True)
class EnglandByEthnicity:
    """England's exclusion figures by shown ethnic group for one school year.

    ``frame``: one row per group of :data:`safeguarding.codes.ethnicity.SHOWN_GROUPS` that
    DfE publishes, plus 'Total', with ``pupils``, ``permanent``, ``suspended`` (counts,
    rounded by DfE to the nearest 5), ``permanent_rate`` and ``suspended_rate`` (per 100
    pupils) and ``permanent_rri`` and ``suspended_rri`` (the rate against White British
    pupils' rate).
    """

    year: int
    year_requested: int
    frame: pd.DataFrame = field(repr=False)

    @property
    def year_label(self) -> str:
        return year_label(self.year, "academic_year")

    @property
    def note(self) -> str:
        """Empty when the year shown is the year asked for; otherwise says which year is shown."""
        if self.year == self.year_requested:
            return ""
        return (f"DfE has not published England's exclusions by ethnic group for "
                f"{year_label(self.year_requested, 'academic_year')} in the files held; the latest earlier year, "
                f"{self.year_label}, is shown.")

    def row(self, group: str) -> pd.Series | None:
        rows = self.frame[self.frame["group"] == group]
        return None if rows.empty else rows.iloc[0]


@functools.lru_cache(maxsize=4)
def _read(path: str) -> pd.DataFrame:
    frame = read_ees_csv(path, numeric_columns=list(COLUMNS))
    needed = {"year", "school_type", "characteristic_desc", "characteristic_1", "characteristic_2"}
    missing = needed - set(frame.columns)
    if missing:
        raise InputError(f"{Path(path).name}: expected column(s) {sorted(missing)} not found; "
                         f"columns are {list(frame.columns)}")
    rows = frame[(frame["school_type"] == "Total") & (frame["characteristic_desc"] == "Ethnicity")
                 & (frame["characteristic_2"] == "Total")
                 & frame["characteristic_1"].isin(eth.PUBLISHED_MINOR_LABELS)].copy()
    totals = frame[(frame["school_type"] == "Total") & (frame["characteristic_desc"] == "Total")].copy()
    rows["code"] = rows["characteristic_1"].map(eth.PUBLISHED_MINOR_LABELS)
    rows["group"] = eth.shown_group(rows["code"].map(eth.minor_group), rows["code"].map(eth.major_group)).to_numpy()
    totals["group"] = "Total"
    out = pd.concat([rows, totals], ignore_index=True)
    out["year"] = out["year"].map(period_year)
    out = out.rename(columns=COLUMNS)
    return out[["year", "group", *COLUMNS.values()]]


def england_exclusions_by_ethnicity(year: int, published_dir: str | os.PathLike | None = None
                                    ) -> EnglandByEthnicity:
    """England's exclusion rates by ethnic group for the school year ending in ``year``
    (or the latest earlier year published).

    Raises
    ------
    InputError
        The published folder or the file is not available, or nothing is published for
        ``year`` or before.
    """
    directory = config.published_dir(published_dir)
    if directory is None:
        raise InputError("DfE's published files are not available, so England's exclusions by ethnic group cannot "
                         "be shown")
    frame = _read(str(Path(directory) / FILE))
    shown = year_to_show(frame["year"].unique(), int(year))
    if shown is None:
        first = int(frame["year"].min()) if len(frame) else None
        raise InputError(f"DfE's national exclusions by ethnic group are published from "
                         f"{year_label(first, 'academic_year') if first else 'no year'}; nothing for "
                         f"{year_label(int(year), 'academic_year')} or before")
    in_year = frame[frame["year"] == shown]
    sums = in_year.groupby("group", sort=False)[list(COLUMNS.values())].sum(min_count=1)
    order = [g for g in (*eth.SHOWN_GROUPS, "Total") if g in sums.index]
    sums = sums.loc[order]
    for column in STAGE_COLUMNS.values():
        sums[f"{column}_rate"] = sums[column] / sums["pupils"] * 100
        reference = sums.loc[eth.REFERENCE_MINOR, f"{column}_rate"] if eth.REFERENCE_MINOR in sums.index else None
        sums[f"{column}_rri"] = sums[f"{column}_rate"] / reference if reference else float("nan")
    return EnglandByEthnicity(shown, int(year), sums.reset_index())


def clear_cache() -> None:
    _read.cache_clear()
