"""Calibration targets for the demonstration data: one borough's published figures.

:func:`borough_targets` reads the published layer (:func:`safeguarding.published.figures.figures`
and :mod:`safeguarding.published.population`) and returns a :class:`BoroughTargets`: the
counts and rates the synthetic child-level records must reproduce when re-aggregated.

Years
-----
* SSDA903 and CIN census figures are for the collection year ending ``period_end``
  (2025 for 2024-25).
* Children missing from care: DfE's LA-level release ends in **2023** (year ending
  31 March 2023, :data:`MISSING_YEAR`). The 2023 rates (% of children looked after who
  went missing; incidents per child who went missing) are applied to the 2024-25
  cohort; earlier financial years use their own published figures where they exist.
* Exclusions: the LAIT figures for academic years 2019/20 to 2023/24 (ending years
  2020-2024).
* Care leavers: 2025 (17-18 and 19-21 on their birthday in the year).

Where a figure is suppressed (``c``) or absent (City of London has many), a sensible
value is put in its place (an earlier year, the London figure scaled to the borough, or
a stated assumption) and the substitution is written into ``BoroughTargets.fallbacks``,
so the demo never claims to reproduce a number that was not published.

Source: Department for Education / Office for National Statistics, Open Government
Licence v3.0.
"""

from __future__ import annotations

import functools
import math
import os
from dataclasses import dataclass, field

import pandas as pd

from safeguarding import config
from safeguarding.codes.areas import LONDON_CODE, Area, resolve_area
from safeguarding.demo.sampling import split_total
from safeguarding.issues import InputError
from safeguarding.published import population as pop
from safeguarding.published.figures import figures

#: Latest year of the LA-level "children missing from care" release (year ending 31 March).
MISSING_YEAR = 2023
#: Financial years (ending) covered by the missing-episodes log.
MISSING_LOG_YEARS = (2021, 2022, 2023, 2024, 2025)
#: Academic years (ending) covered by the exclusions extract and the pupil roll.
SCHOOL_YEARS = (2020, 2021, 2022, 2023, 2024)
#: Care leaver age bands (age on the birthday in the year).
CARE_LEAVER_BANDS = ("17-18", "19-21")

#: Pupils on roll per child aged 0 to 17 (reception to year 11, plus school sixth forms).
PUPILS_PER_CHILD = 0.72

# Stated assumptions used where nothing is published (each recorded when used).
ASSUMED_NOT_IN_NEED_PCT = 10.0  # referrals assessed as not in need (England ~ 10-12%)
ASSUMED_UASC_SHARE = 0.15  # UASC share of CLA at 31 March (London, 2024)
ASSUMED_MFH_RATE_PER_10K = 28.0  # children missing from home in a year per 10,000 aged 0-17

#: What is assumed for every borough because no LA figure is published in the files used.
ASSUMPTIONS = (
    f"referrals assessed as not in need: {ASSUMED_NOT_IN_NEED_PCT:g}% of referrals",
    f"children missing from home: {ASSUMED_MFH_RATE_PER_10K:g} per 10,000 children aged 0-17 a year",
    f"missing from care in {MISSING_LOG_YEARS[-2]} and {MISSING_LOG_YEARS[-1]}: the {MISSING_YEAR} rates (latest published)",
    f"pupil roll: {PUPILS_PER_CHILD:g} pupils per child aged 0-17 (reception to year 11 and school sixth forms)",
)

_BAND_KEY = {"17-18": "17_18", "19-21": "19_21"}


@dataclass(frozen=True)
class CareLeaverTargets:
    """Care leavers of one age band: cohort size and activity counts (sum to ``total``)."""

    band: str
    total: int
    eet: int
    neet_illness: int  # ACTIV G4
    neet_other: int  # ACTIV G5
    neet_parenting: int  # ACTIV G6
    not_known: int
    higher_education: int
    suitable_pct: float

    @property
    def neet(self) -> int:
        return self.neet_illness + self.neet_other + self.neet_parenting

    @property
    def neet_pct(self) -> float:
        return 100.0 * self.neet / self.total if self.total else float("nan")


@dataclass(frozen=True)
class MissingYearTargets:
    """Children looked after who went missing in one financial year (ending ``year``).

    ``pct_missing`` and ``incidents_per_child`` are what the synthetic data reproduce;
    ``basis`` says which published year they come from.
    """

    year: int
    pct_missing: float
    incidents_per_child: float
    repeat_share: float  # of children who went missing, share who went missing more than once
    pct_away: float
    away_incidents_per_child: float
    basis: str


@dataclass(frozen=True)
class ExclusionYearTargets:
    """Exclusion rates for one academic year (named by its ending year), all pupils."""

    year: int
    perm_rate: float  # permanent exclusions per 100 pupils
    suspension_rate: float  # suspensions per 100 pupils
    one_plus_suspension_pct: float  # % of pupils with one or more suspensions


@dataclass(frozen=True)
class GroupExclusionTargets:
    """Exclusion rates of pupils in a social-care group (latest published academic year)."""

    group: str
    perm_pct: float
    one_plus_sus_pct: float
    year: int


@dataclass(frozen=True)
class BoroughTargets:
    """Everything the demo generator calibrates one borough to.

    Counts are for the collection year ``year`` (2025 = 2024-25) unless a field says
    otherwise. ``fallbacks`` lists every figure that was not published for the borough
    and what was used instead.
    """

    slug: str
    name: str
    dfe_number: int
    ons_code: str
    year: int
    period_end: pd.Timestamp
    population_0_17: int
    population_by_year: dict[int, int]
    ethnic_shares: dict[str, float]
    cla_at_31mar: int
    cla_starts: int
    cla_ceased: int
    cla_3plus_placements_pct: float
    #: Children at 31 March with three or more placements in the year, where DfE published the
    #: count (else None: the percentage of the stock is used).
    cla_3plus_placements_n: int | None
    #: Placement group at 31 March -> % of children looked after (LAIT; London's where the
    #: borough's is not published): the measures' groups (safeguarding.codes.lists.PLACE_GROUPS).
    cla_placement_pct: dict[str, float]
    uasc_at_31mar: int
    #: Children starting to be looked after who were unaccompanied asylum-seeking children
    #: (LAIT's percentage x starts; None where not published).
    uasc_starts: int | None
    referrals: int
    rereferral_pct: float
    nfa_pct: float
    not_in_need_pct: float
    cin_at_31mar: int
    cp_plan_starts: int
    cp_subsequent_pct: float
    cp_at_31mar: int
    factor_shares: dict[str, float]
    s47_enquiries: int  # LAIT rate x population (DfE table C4)
    icpc_within_15_days_pct: float  # LAIT
    assessed_45_days_pct: float  # LAIT
    cla_during_year: int  # published, MISSING_YEAR
    cla_missing_children: int  # published, MISSING_YEAR
    cla_missing_incidents: int  # published, MISSING_YEAR
    missing_by_year: dict[int, MissingYearTargets]
    missing_from_home_rate_per_10k: float
    care_leavers: dict[str, CareLeaverTargets]
    exclusions: dict[int, ExclusionYearTargets]
    group_exclusions: dict[str, GroupExclusionTargets]
    missing_year: int = MISSING_YEAR
    fallbacks: tuple[str, ...] = field(default_factory=tuple)
    assumptions: tuple[str, ...] = field(default_factory=tuple)

    @property
    def cla_missing_pct(self) -> float:
        """% of children looked after during MISSING_YEAR who had a missing incident."""
        return 100.0 * self.cla_missing_children / self.cla_during_year if self.cla_during_year else float("nan")

    @property
    def cla_incidents_per_missing_child(self) -> float:
        return self.cla_missing_incidents / self.cla_missing_children if self.cla_missing_children else float("nan")

    def summary(self) -> pd.DataFrame:
        """The headline targets as a two-column frame (target, value)."""
        rows = [
            ("CLA at 31 March", self.cla_at_31mar), ("CLA starts", self.cla_starts),
            ("CLA ceased", self.cla_ceased), ("Referrals", self.referrals),
            ("Re-referral %", self.rereferral_pct), ("CP plan starts", self.cp_plan_starts),
            ("CP second or subsequent %", self.cp_subsequent_pct), ("Section 47 enquiries", self.s47_enquiries),
            ("Initial conferences within 15 working days %", self.icpc_within_15_days_pct),
            ("Assessments within 45 working days %", self.assessed_45_days_pct),
            (f"CLA missing % ({self.missing_year})", round(self.cla_missing_pct, 1)),
            (f"Incidents per missing child ({self.missing_year})", round(self.cla_incidents_per_missing_child, 2)),
        ]
        for band, cl in self.care_leavers.items():
            rows += [(f"Care leavers {band}", cl.total), (f"Care leavers {band} NEET %", round(cl.neet_pct, 1))]
        latest = max(self.exclusions)
        ex = self.exclusions[latest]
        rows += [(f"Permanent exclusion rate {latest}", ex.perm_rate), (f"Suspension rate {latest}", ex.suspension_rate)]
        return pd.DataFrame(rows, columns=["target", "value"])


# ----------------------------------------------------------------------------- lookups


class _Reader:
    """Picks one area's figures from the published layer, noting every substitution."""

    def __init__(self, area: Area, published_dir):
        self.area = area
        self.published_dir = published_dir
        self.fallbacks: list[str] = []

    def frame(self, measure_id: str) -> pd.DataFrame:
        return _measure_frame(measure_id, None if self.published_dir is None else str(self.published_dir))

    def row(self, measure_id: str, year: int, area: Area | None = None) -> pd.Series | None:
        frame = self.frame(measure_id)
        area = area or self.area
        rows = frame[(frame["geographic_level"] == "Local authority") & (frame["dfe_number"] == area.dfe_number)
                     & (frame["year"] == year)]
        return None if rows.empty else rows.iloc[0]

    def region_row(self, measure_id: str, year: int, code: str = LONDON_CODE) -> pd.Series | None:
        frame = self.frame(measure_id)
        rows = frame[(frame["area_code"] == code) & (frame["year"] == year)]
        return None if rows.empty else rows.iloc[0]

    def value(self, measure_id: str, year: int, column: str = "value") -> float | None:
        row = self.row(measure_id, year)
        if row is None or pd.isna(row[column]):
            return None
        return float(row[column])

    def latest(self, measure_id: str, year: int, column: str = "value") -> tuple[float | None, int | None]:
        """The borough's value for ``year`` or the latest earlier year that has one."""
        frame = self.frame(measure_id)
        rows = frame[(frame["geographic_level"] == "Local authority") & (frame["dfe_number"] == self.area.dfe_number)
                     & (frame["year"] <= year) & frame[column].notna()]
        if rows.empty:
            return None, None
        last = rows.sort_values("year").iloc[-1]
        return float(last[column]), int(last["year"])

    def london(self, measure_id: str, year: int, column: str = "value") -> float | None:
        """London's value for ``year`` (or the latest earlier year), else England's."""
        frame = self.frame(measure_id)
        for code in (LONDON_CODE, "E92000001"):
            rows = frame[(frame["area_code"] == code) & (frame["year"] <= year) & frame[column].notna()]
            if not rows.empty:
                return float(rows.sort_values("year").iloc[-1][column])
        return None

    def note(self, text: str) -> None:
        self.fallbacks.append(text)


@functools.cache
def _measure_frame(measure_id: str, published_dir: str | None) -> pd.DataFrame:
    return figures(measure_id, published_dir)


def _count(value: float | None) -> int | None:
    return None if value is None or not math.isfinite(value) else int(round(value))


# ----------------------------------------------------------------------------- pieces


def _population(r: _Reader, year: int) -> tuple[int, dict[int, int]]:
    series = pop.child_population_series(r.area, r.published_dir)
    series = series[series["value"].notna()]
    by_year = {int(y): int(round(v)) for y, v in zip(series["year"], series["value"])}
    if not by_year:
        raise InputError(f"No ONS 0-17 population for {r.area.name}")
    usable = [y for y in by_year if y <= year - 1]
    base = by_year[max(usable)] if usable else by_year[min(by_year)]
    return base, by_year


def _ethnic_shares(r: _Reader, year: int) -> dict[str, float]:
    frame = pop.child_population_by_ethnicity(r.area, year - 1, r.published_dir)
    shares = dict(zip(frame["code"], frame["share"].astype(float)))
    total = sum(shares.values())
    return {k: v / total for k, v in shares.items()}


def _cla(r: _Reader, year: int, population: int) -> dict:
    out = {}
    for key, measure, rate_measure in [
        ("cla_at_31mar", "cla.count_31mar", "cla.rate_per_10k"),
        ("cla_starts", "cla.starts_count", "cla.starts_rate_per_10k"),
        ("cla_ceased", "cla.ceased_count", "cla.ceased_rate_per_10k"),
    ]:
        value = _count(r.value(measure, year))
        if value is None:
            earlier, when = r.latest(measure, year)
            if earlier is not None:
                value = _count(earlier)
                r.note(f"{measure} {year} not published (symbol c/x): used {when} figure {value}")
            else:
                rate = r.london(rate_measure, year) or 50.0
                value = max(1, int(round(rate * population / 10_000)))
                r.note(f"{measure} {year} not published: London rate {rate:g} per 10,000 x population = {value}")
        out[key] = value
    # A consistent stock and flows: children looked after at 1 April cannot be negative.
    if out["cla_at_31mar"] - out["cla_starts"] + out["cla_ceased"] < 0:
        fixed = out["cla_starts"] - out["cla_ceased"]
        r.note(f"cla.count_31mar raised from {out['cla_at_31mar']} to {fixed} so that stock and flows reconcile")
        out["cla_at_31mar"] = fixed
    pct = r.value("cla.placements_3plus_pct", year)
    if pct is None:
        pct = r.london("cla.placements_3plus_pct", year) or 10.0
        r.note(f"cla.placements_3plus_pct {year} not published: London {pct:g}% used")
    out["cla_3plus_placements_pct"] = pct
    row = r.row("cla.placements_3plus_pct", year)
    n = None if row is None else _count(row["numerator"])
    out["cla_3plus_placements_n"] = n if n is not None and row["denominator"] == out["cla_at_31mar"] else None
    out["cla_placement_pct"] = _placements(r, year)
    return out


def _placements(r: _Reader, year: int) -> dict[str, float]:
    """The published share of children looked after at 31 March in each placement group LAIT
    publishes (London's where the borough's is suppressed or not published)."""
    from safeguarding.measures.looked_after import PLACEMENT_PUBLISHED
    out = {}
    for group, measure in PLACEMENT_PUBLISHED.items():
        value = r.value(measure, year)
        if value is None:
            value = r.london(measure, year)
            if value is not None:
                r.note(f"{measure} {year} not published: London {value:g}% used")
        if value is not None:
            out[group] = float(value)
    return out


def _uasc(r: _Reader, year: int, cla_at_31mar: int) -> int:
    """UASC looked after at 31 March: LAIT 'Unacc_Asylmn_Seek_Childn' (latest year), else assumed share."""
    directory = config.published_dir(r.published_dir) if r.published_dir is None else r.published_dir
    value = None
    if directory is not None:
        value = _lait_uasc(str(directory)).get((r.area.dfe_number, year))
        if value is None:
            earlier = {y: v for (n, y), v in _lait_uasc(str(directory)).items() if n == r.area.dfe_number and y <= year}
            if earlier:
                value = earlier[max(earlier)]
    if value is None:
        value = ASSUMED_UASC_SHARE * cla_at_31mar
        r.note(f"UASC at 31 March not published: assumed {ASSUMED_UASC_SHARE:.0%} of CLA")
    return int(min(round(value), round(0.6 * cla_at_31mar)))


def _uasc_starts(r: _Reader, year: int, starts: int) -> int | None:
    """Children starting to be looked after who were UASC: LAIT 'UASC_%_Starting' x starts."""
    pct = r.value("cla.uasc_starts_pct", year)
    if pct is None:
        r.note(f"cla.uasc_starts_pct {year} not published: UASC among starts not fitted")
        return None
    return int(round(pct / 100 * starts))


@functools.cache
def _lait_uasc(directory: str) -> dict[tuple[int, int], float]:
    from safeguarding.published.ees import read_lait

    path = os.path.join(directory, "benchmark_tool", "lait_bds_long.parquet")
    if not os.path.exists(path):
        return {}
    frame = read_lait(path, measures=["Unacc_Asylmn_Seek_Childn"])
    frame = frame[frame["Values"].notna() & frame["dfe_number"].notna()]
    return {(int(n), int(y)): float(v) for n, y, v in zip(frame["dfe_number"], frame["year"], frame["Values"])}


def _cin(r: _Reader, year: int, population: int) -> dict:
    out = {}
    referrals = _count(r.value("cin.referrals", year))
    if referrals is None:
        rate = r.london("cin.referral_rate_per_10k", year) or 400.0
        referrals = max(5, int(round(rate * population / 10_000)))
        r.note(f"cin.referrals {year} not published: London rate x population = {referrals}")
    out["referrals"] = referrals
    row = r.row("cin.rereferral_pct", year)
    if row is not None and pd.notna(row["numerator"]) and pd.notna(row["denominator"]) and row["denominator"] > 0:
        out["rereferral_pct"] = 100.0 * row["numerator"] / row["denominator"]
    else:
        out["rereferral_pct"] = r.london("cin.rereferral_pct", year) or 20.0
        r.note(f"cin.rereferral_pct {year} not published: London {out['rereferral_pct']:g}% used")
    nfa = r.value("cin.referrals_nfa_pct", year)
    if nfa is None:
        nfa = r.london("cin.referrals_nfa_pct", year) or 7.0
        r.note(f"cin.referrals_nfa_pct {year} not published: London {nfa:g}% used")
    out["nfa_pct"] = nfa
    out["not_in_need_pct"] = ASSUMED_NOT_IN_NEED_PCT
    at31 = _count(r.value("cin.count_31mar", year))
    if at31 is None:
        at31 = max(5, int(round(referrals * 0.7)))
        r.note(f"cin.count_31mar {year} not published: 0.7 x referrals = {at31}")
    out["cin_at_31mar"] = at31
    starts = _count(r.value("cp.starts", year))
    if starts is None:
        rate = r.london("cp.starts_rate_per_10k", year) or 40.0
        starts = max(1, int(round(rate * population / 10_000)))
        r.note(f"cp.starts {year} not published: London rate x population = {starts}")
    out["cp_plan_starts"] = starts
    row = r.row("cp.second_subsequent_pct", year)
    if row is not None and pd.notna(row["numerator"]) and pd.notna(row["denominator"]) and row["denominator"] > 0:
        out["cp_subsequent_pct"] = 100.0 * row["numerator"] / row["denominator"]
    else:
        out["cp_subsequent_pct"] = r.london("cp.second_subsequent_pct", year) or 20.0
        r.note(f"cp.second_subsequent_pct {year} not published: London {out['cp_subsequent_pct']:g}% used")
    cp31 = _count(r.value("cp.count_31mar", year))
    if cp31 is None:
        cp31 = max(1, int(round(starts * 0.85)))
        r.note(f"cp.count_31mar {year} not published: 0.85 x plan starts = {cp31}")
    out["cp_at_31mar"] = cp31
    rate = r.value("cp.s47_rate_per_10k", year)
    if rate is None:
        rate = r.london("cp.s47_rate_per_10k", year) or 180.0
        r.note(f"cp.s47_rate_per_10k {year} not published: London {rate:g} per 10,000 used")
    out["s47_enquiries"] = max(1, int(round(rate * population / 10_000)))
    on_time = r.value("cp.icpc_within_15_days_pct", year)
    if on_time is None:
        on_time = r.london("cp.icpc_within_15_days_pct", year) or 80.0
        r.note(f"cp.icpc_within_15_days_pct {year} not published: London {on_time:g}% used")
    out["icpc_within_15_days_pct"] = float(on_time)
    on_time = r.value("cin.assessed_45_days_pct", year)
    if on_time is None:
        on_time = r.london("cin.assessed_45_days_pct", year) or 85.0
        r.note(f"cin.assessed_45_days_pct {year} not published: London {on_time:g}% used")
    out["assessed_45_days_pct"] = float(on_time)
    shares = {}
    for code, measure in [("10A", "cin.factor_going_missing"), ("11A", "cin.factor_cse"),
                          ("13A", "cin.factor_gangs"), ("24A", "cin.factor_cce"), ("12A", "cin.factor_trafficking")]:
        row = r.row(measure, year)
        if row is not None and pd.notna(row["value"]) and pd.notna(row["denominator"]) and row["denominator"] > 0:
            shares[code] = float(row["value"] / row["denominator"])
        else:
            london = r.region_row(measure, year)
            if london is not None and pd.notna(london["value"]) and london["denominator"]:
                shares[code] = float(london["value"] / london["denominator"])
            else:
                shares[code] = 0.02
            r.note(f"{measure} {year} not published: London share used")
    out["factor_shares"] = shares
    return out


def _missing(r: _Reader, year: int) -> dict:
    """Published missing-from-care figures by year, and what the log reproduces each year."""
    by_year: dict[int, MissingYearTargets] = {}
    ids = {
        "during": "cla_missing.cla_during_year", "children": "cla_missing.children_missing",
        "incidents": "cla_missing.incidents", "repeat": "cla_missing.repeat_children",
        "away": "cla_missing.children_away", "away_incidents": "cla_missing.away_incidents",
    }

    def published(y: int) -> dict | None:
        got = {k: r.value(m, y) for k, m in ids.items()}
        if got["during"] is None or got["children"] is None or got["incidents"] is None or not got["children"]:
            return None
        return got

    def london(y: int) -> dict:
        vals = {}
        for k, m in ids.items():
            row = r.region_row(m, y)
            vals[k] = None if row is None or pd.isna(row["value"]) else float(row["value"])
        return vals

    latest = published(MISSING_YEAR)
    ldn = london(MISSING_YEAR)
    for y in MISSING_LOG_YEARS:
        got = published(y) if y <= MISSING_YEAR else None
        basis = f"published {y}"
        if got is None:
            got = latest or ldn
            basis = f"published {MISSING_YEAR}" if latest is not None else f"London {MISSING_YEAR}"
        during = got["during"]
        repeat = (got["repeat"] / got["children"]) if got.get("repeat") else 0.6
        away = got.get("away") or 0.0
        away_inc = got.get("away_incidents") or 0.0
        by_year[y] = MissingYearTargets(
            year=y, pct_missing=100.0 * got["children"] / during, incidents_per_child=got["incidents"] / got["children"],
            repeat_share=min(max(repeat, 0.0), 1.0), pct_away=100.0 * away / during,
            away_incidents_per_child=(away_inc / away) if away else 0.0, basis=basis,
        )
    if latest is not None:
        during, children, incidents = latest["during"], latest["children"], latest["incidents"]
    else:
        own = r.value(ids["during"], MISSING_YEAR)
        during = own if own else (r.value("cla.count_31mar", MISSING_YEAR) or 10) + (r.value("cla.ceased_count", MISSING_YEAR) or 5)
        children = max(1.0, round(during * ldn["children"] / ldn["during"]))
        incidents = round(children * ldn["incidents"] / ldn["children"])
        r.note(f"children missing from care {MISSING_YEAR} suppressed or absent: London rates applied to "
               f"{int(during)} children looked after during the year")
    return {
        "missing_by_year": by_year,
        "cla_during_year": int(round(during)),
        "cla_missing_children": int(round(children)),
        "cla_missing_incidents": int(round(incidents)),
    }


def _fill(total: int, known: dict[str, int | None], weights: dict[str, float]) -> dict[str, int]:
    """Share ``total`` among categories, keeping the published counts and dividing the rest
    among the suppressed ones in proportion to ``weights`` (largest remainder)."""
    fixed = {k: v for k, v in known.items() if v is not None}
    open_ = [k for k, v in known.items() if v is None]
    rest = total - sum(fixed.values())
    if rest < 0:  # published parts exceed the total (rounding): scale them down
        scale = total / max(1, sum(fixed.values()))
        fixed = dict(zip(fixed, split_total(total, [v * scale for v in fixed.values()]).tolist()))
        rest = 0
    if open_:
        parts = split_total(rest, [max(weights.get(k, 0.0), 1e-9) for k in open_]).tolist()
        fixed.update(dict(zip(open_, parts)))
    elif rest > 0:  # nothing suppressed but the parts fall short: add to the largest weight
        key = max(fixed, key=lambda k: weights.get(k, 0.0))
        fixed[key] += rest
    return {k: int(fixed[k]) for k in known}


def _care_leavers(r: _Reader, year: int, cla_at_31mar: int) -> dict[str, CareLeaverTargets]:
    out = {}
    for band in CARE_LEAVER_BANDS:
        key = _BAND_KEY[band]
        total = _count(r.value(f"care_leavers.{key}.total", year))
        if total is None:
            earlier, when = r.latest(f"care_leavers.{key}.total", year)
            if earlier is not None and earlier > 0:
                total = _count(earlier)
                r.note(f"care leavers {band} {year} total suppressed: {when} total {total} used")
            else:
                total = max(1, int(round(cla_at_31mar * (0.3 if band == "17-18" else 0.9))))
                r.note(f"care leavers {band} {year} total not published: {total} assumed from CLA count")
        parts = {}
        for part, measure in [("neet_illness", "neet_illness_pct"), ("neet_other", "neet_other_pct"),
                              ("neet_parenting", "neet_parenting_pct"), ("not_known", "not_known_pct"),
                              ("eet", "eet_pct"), ("higher_education", "higher_education_pct")]:
            parts[part] = _count(r.value(f"care_leavers.{key}.{measure}", year, column="numerator"))
        weights = {}
        for part, measure in [("neet_illness", "neet_illness_pct"), ("neet_other", "neet_other_pct"),
                              ("neet_parenting", "neet_parenting_pct"), ("not_known", "not_known_pct"),
                              ("eet", "eet_pct")]:
            weights[part] = r.london(f"care_leavers.{key}.{measure}", year) or 1.0
        neet_total = _count(r.value(f"care_leavers.{key}.neet_pct", year, column="numerator"))
        suppressed = [k for k in ("neet_illness", "neet_other", "neet_parenting", "not_known", "eet") if parts[k] is None]
        if neet_total is not None and any(parts[k] is None for k in ("neet_illness", "neet_other", "neet_parenting")):
            neet_parts = _fill(neet_total, {k: parts[k] for k in ("neet_illness", "neet_other", "neet_parenting")}, weights)
            parts.update(neet_parts)
        known = {k: parts[k] for k in ("eet", "neet_illness", "neet_other", "neet_parenting", "not_known")}
        filled = _fill(total, known, weights)
        if suppressed:
            r.note(f"care leavers {band} {year}: suppressed activity counts {', '.join(suppressed)} filled from the "
                   f"total and London shares")
        he = parts["higher_education"]
        if he is None:
            he = int(round(filled["eet"] * (0.03 if band == "17-18" else 0.12)))
        he = min(he, filled["eet"])
        suitable = r.value(f"care_leavers.{key}.accommodation_suitable_pct", year)
        if suitable is None:
            suitable = r.london(f"care_leavers.{key}.accommodation_suitable_pct", year) or 88.0
            r.note(f"care leavers {band} {year}: suitable accommodation % suppressed: London {suitable:g}% used")
        out[band] = CareLeaverTargets(band, total, filled["eet"], filled["neet_illness"], filled["neet_other"],
                                      filled["neet_parenting"], filled["not_known"], he, suitable)
    return out


def _exclusions(r: _Reader) -> dict[int, ExclusionYearTargets]:
    out = {}
    for y in SCHOOL_YEARS:
        vals = {}
        for key, measure in [("perm", "exclusions.perm_rate"), ("susp", "exclusions.suspension_rate"),
                             ("one", "exclusions.one_plus_suspension_rate")]:
            v = r.value(measure, y)
            if v is None:
                v, when = r.latest(measure, y)
                if v is not None:
                    r.note(f"{measure} {y} not published: {when} figure used")
            if v is None:
                v = r.london(measure, y)
                r.note(f"{measure} {y} not published: London/England figure used")
            vals[key] = float(v if v is not None else 0.0)
        if vals["susp"] > 0 and vals["one"] <= 0:
            vals["one"] = vals["susp"] * 0.55
        vals["one"] = min(vals["one"], vals["susp"]) if vals["susp"] > 0 else 0.0
        out[y] = ExclusionYearTargets(y, vals["perm"], vals["susp"], vals["one"])
    return out


def _group_exclusions(r: _Reader) -> dict[str, GroupExclusionTargets]:
    out = {}
    last_year = 2021
    for key in ("cla", "cino", "cppo"):
        vals = {}
        for part in ("perm_pct", "one_plus_sus_pct"):
            measure = f"exclusions.{key}.{part}"
            v, when = r.latest(measure, last_year)
            if v is None or (when is not None and when < last_year - 3):
                v = r.london(measure, last_year)
                r.note(f"{measure}: not published for the borough: London figure used")
            vals[part] = float(v if v is not None else 0.0)
        out[key] = GroupExclusionTargets(key, vals["perm_pct"], vals["one_plus_sus_pct"], last_year)
    return out


# ----------------------------------------------------------------------------- API


def borough_targets(area, period_end: str | pd.Timestamp = config.DEFAULT_PERIOD_END,
                    published_dir: str | os.PathLike | None = None) -> BoroughTargets:
    """The published figures one borough's demo data are calibrated to.

    Parameters
    ----------
    area : Area, str or int
        Anything :func:`~safeguarding.codes.areas.resolve_area` accepts.
    period_end : date-like
        End of the collection year (31 March); its calendar year is the collection year.
    published_dir : path-like, optional
        Directory of the published statistics (default: ``config.published_dir()`` or the
        shipped compact table).

    Returns
    -------
    BoroughTargets
    """
    area = resolve_area(area)
    end = pd.Timestamp(period_end).normalize()
    key = (area.slug, end.strftime("%Y-%m-%d"), None if published_dir is None else str(published_dir))
    return _cached_targets(*key)


@functools.cache
def _cached_targets(slug: str, period_end: str, published_dir: str | None) -> BoroughTargets:
    area = resolve_area(slug)
    end = pd.Timestamp(period_end)
    year = end.year
    r = _Reader(area, published_dir)
    population, by_year = _population(r, year)
    shares = _ethnic_shares(r, year)
    cla = _cla(r, year, population)
    uasc = _uasc(r, year, cla["cla_at_31mar"])
    cin = _cin(r, year, population)
    missing = _missing(r, year)
    leavers = _care_leavers(r, year, cla["cla_at_31mar"])
    exclusions = _exclusions(r)
    groups = _group_exclusions(r)
    return BoroughTargets(
        slug=area.slug, name=area.name, dfe_number=area.dfe_number, ons_code=area.ons_code, year=year,
        period_end=end, population_0_17=population, population_by_year=by_year, ethnic_shares=shares,
        uasc_at_31mar=uasc, uasc_starts=_uasc_starts(r, year, cla["cla_starts"]),
        missing_from_home_rate_per_10k=ASSUMED_MFH_RATE_PER_10K,
        care_leavers=leavers, exclusions=exclusions, group_exclusions=groups,
        fallbacks=tuple(dict.fromkeys(r.fallbacks)), assumptions=ASSUMPTIONS, **cla, **cin, **missing,
    )
