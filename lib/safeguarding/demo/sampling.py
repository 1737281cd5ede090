"""Random draws the demo generators share: seeded streams, weighted choices, heavy-tailed
allocations, synthetic identifiers, dates, and the characteristics of children.

Determinism: every stream is a :class:`numpy.random.Generator` seeded from
``(seed, DfE number, crc32(stream name))``: never Python's ``hash()``, never the order of a
set. The same seed gives the same children, byte for byte.

Disproportionality: :data:`RELATIVE_RATES` holds, for each stage of a child's journey,
the rate for each DfE ethnicity code relative to White British. The values are rounded
from the pattern in DfE's national statistics (children looked after, children in need,
exclusions) and London partnership reports: Black Caribbean and Mixed White and Black
Caribbean children over-represented, Indian and Chinese children under-represented. They
shape the synthetic data; they are not estimates for any borough.
"""

from __future__ import annotations

import zlib

import numpy as np
import pandas as pd

# ----------------------------------------------------------------------------- streams


def make_stream(seed: int, dfe_number: int, name: str) -> np.random.Generator:
    """A random stream for one borough and one purpose, independent of every other."""
    key = zlib.crc32(name.encode("utf-8"))
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence([int(seed), int(dfe_number), key])))


# ----------------------------------------------------------------------------- choices


def sample_weighted(rng: np.random.Generator, weights, k: int) -> np.ndarray:
    """Positions of ``k`` items drawn without replacement with probability proportional to
    ``weights`` (Efraimidis-Spirakis keys); items of weight 0 come last."""
    w = np.asarray(weights, dtype=float)
    k = int(min(max(k, 0), len(w)))
    if k == 0:
        return np.zeros(0, dtype=np.int64)
    keys = rng.exponential(size=len(w))
    with np.errstate(divide="ignore"):
        keys = np.where(w > 0, keys / np.where(w > 0, w, 1.0), np.inf)
    return np.sort(np.argsort(keys, kind="stable")[:k])


def draw_codes(rng: np.random.Generator, n: int, codes, probs) -> np.ndarray:
    """``n`` codes drawn with replacement with the given probabilities (object array)."""
    codes = np.asarray(codes, dtype=object)
    p = np.asarray(probs, dtype=float)
    p = p / p.sum()
    return codes[rng.choice(len(codes), size=n, p=p)] if n else np.zeros(0, dtype=object)


def split_total(total: int, weights) -> np.ndarray:
    """Integers in proportion to ``weights`` summing exactly to ``total`` (largest remainder)."""
    w = np.asarray(weights, dtype=float)
    out = np.zeros(len(w), dtype=np.int64)
    if total <= 0 or len(w) == 0 or w.sum() <= 0:
        return out
    raw = w / w.sum() * total
    out = np.floor(raw).astype(np.int64)
    order = np.argsort(-(raw - out), kind="stable")
    out[order[: int(total - out.sum())]] += 1
    return out


def allocate_counts(rng: np.random.Generator, n: int, total: int, minimum: int = 1,
                    concentration: float = 0.5, weights=None) -> np.ndarray:
    """Counts for ``n`` children summing to ``total``, each at least ``minimum``: a few
    children get many (gamma-mixed multinomial, heavier tailed as ``concentration`` falls)."""
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    extra = int(total) - n * minimum
    if extra <= 0:
        return np.full(n, minimum, dtype=np.int64)
    p = rng.gamma(concentration, size=n)
    if weights is not None:
        p = p * np.asarray(weights, dtype=float)
    p = p + 1e-12
    return minimum + rng.multinomial(extra, p / p.sum())


# ----------------------------------------------------------------------------- identifiers


class IdPool:
    """Unique synthetic person identifiers for one borough (7 digits, never reused).

    They are drawn at random from 1,000,000-9,999,999 and handed out in order, so every
    dataset (SSDA903 CHILD, CIN LAchildID, ssd_person) shares one identifier space.
    """

    def __init__(self, rng: np.random.Generator, capacity: int):
        self._ids = (rng.choice(9_000_000, size=int(capacity), replace=False) + 1_000_000).astype(np.int64)
        self._next = 0

    def take(self, n: int) -> np.ndarray:
        if self._next + n > len(self._ids):
            raise RuntimeError("identifier pool exhausted; raise its capacity")
        out = self._ids[self._next:self._next + n]
        self._next += n
        return np.array([str(x) for x in out], dtype=object)


def make_upns(rng: np.random.Generator, dfe_number: int, n: int) -> np.ndarray:
    """Synthetic unique pupil numbers: 'A000' + DfE number + 6 digits (13 characters).

    LA number '000' does not exist, so these can never be a real child's UPN.
    """
    serial = rng.choice(1_000_000, size=n, replace=False)
    prefix = f"A000{int(dfe_number):03d}"
    return np.array([f"{prefix}{s:06d}" for s in serial], dtype=object)


def make_postcodes(rng: np.random.Generator, n: int) -> np.ndarray:
    """Synthetic postcodes in the pseudo-postcode area 'ZZ99' (never a real address)."""
    letters = np.array(list("ABDEFGHJLNPQRSTUWXYZ"))
    digit = rng.integers(0, 10, size=n)
    a = letters[rng.integers(0, len(letters), size=n)]
    b = letters[rng.integers(0, len(letters), size=n)]
    return np.array([f"ZZ99 {d}{x}{y}" for d, x, y in zip(digit, a, b)], dtype=object)


# ----------------------------------------------------------------------------- dates

DAY = np.timedelta64(1, "D")


def to_day(value) -> np.datetime64:
    return np.datetime64(pd.Timestamp(value).strftime("%Y-%m-%d"), "D")


def draw_days(rng: np.random.Generator, start, end, n: int) -> np.ndarray:
    """``n`` dates uniformly between ``start`` and ``end`` inclusive (arrays or scalars)."""
    start = np.asarray(start, dtype="datetime64[D]")
    end = np.asarray(end, dtype="datetime64[D]")
    span = (end - start).astype(np.int64) + 1
    span = np.maximum(span, 1)
    offset = np.floor(rng.random(n) * span).astype(np.int64)
    return start + offset.astype("timedelta64[D]")


def split_dates(days: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Year, month, day of each date."""
    days = np.asarray(days, dtype="datetime64[D]")
    years = days.astype("datetime64[Y]")
    months = days.astype("datetime64[M]")
    year = years.astype(np.int64) + 1970
    month = (months - years.astype("datetime64[M]")).astype(np.int64) + 1
    day = (days - months.astype("datetime64[D]")).astype(np.int64) + 1
    return year, month, day


def make_dates(year, month, day) -> np.ndarray:
    """Dates from components (29 February in a non-leap year becomes 28 February)."""
    year = np.asarray(year, dtype=np.int64)
    month = np.asarray(month, dtype=np.int64)
    day = np.asarray(day, dtype=np.int64)
    first = (year - 1970).astype("datetime64[Y]").astype("datetime64[M]") + (month - 1).astype("timedelta64[M]")
    first = first.astype("datetime64[D]")
    nxt = (first.astype("datetime64[M]") + np.timedelta64(1, "M")).astype("datetime64[D]")
    length = (nxt - first).astype(np.int64)
    return first + (np.minimum(day, length) - 1).astype("timedelta64[D]")


def add_years(days: np.ndarray, years) -> np.ndarray:
    """The same calendar date ``years`` later (29 February -> 28 February)."""
    y, m, d = split_dates(days)
    return make_dates(y + np.asarray(years, dtype=np.int64), m, d)


def age_on(dob: np.ndarray, at) -> np.ndarray:
    """Age in whole years on the date(s) ``at``."""
    by, bm, bd = split_dates(dob)
    ay, am, ad = split_dates(np.broadcast_to(np.asarray(at, dtype="datetime64[D]"), np.shape(dob)))
    before = (am < bm) | ((am == bm) & (ad < bd))
    return ay - by - before.astype(np.int64)


def dob_for_age(rng: np.random.Generator, age, at) -> np.ndarray:
    """Dates of birth giving exactly ``age`` on ``at`` (uniform over the possible year);
    never 29 February, so that birthdays fall on the same date every year."""
    age = np.asarray(age, dtype=np.int64)
    at = np.broadcast_to(np.asarray(at, dtype="datetime64[D]"), age.shape)
    latest = add_years(at, -age)  # birthday exactly on `at`
    earliest = add_years(at, -(age + 1)) + DAY
    dob = draw_days(rng, earliest, latest, len(age))
    _, m, d = split_dates(dob)
    leap = (m == 2) & (d == 29)
    return np.where(leap, dob - DAY, dob)


def format_dates(days, fmt: str = "%d/%m/%Y") -> np.ndarray:
    """Dates (or datetimes) as text; NaT becomes ''."""
    values = pd.DatetimeIndex(np.asarray(days).astype("datetime64[ns]"))
    text = values.strftime(fmt)
    return np.where(values.isna(), "", np.asarray(text, dtype=object)).astype(object)


# ----------------------------------------------------------------------------- characteristics

#: DfE ethnicity codes with a Census 2021 population, in a fixed order.
ETHNIC_CODES = ("WBRI", "WIRI", "WIRT", "WROM", "WOTH", "MWBC", "MWBA", "MWAS", "MOTH",
                "AIND", "APKN", "ABAN", "CHNE", "AOTH", "BCRB", "BAFR", "BOTH", "OOTH")

#: Rate relative to White British, by stage (see the module docstring).
RELATIVE_RATES: dict[str, dict[str, float]] = {
    "pupil": {c: 1.0 for c in ETHNIC_CODES},
    "cin": {"WBRI": 1.0, "WIRI": 0.9, "WIRT": 3.0, "WROM": 1.8, "WOTH": 0.6, "MWBC": 2.2, "MWBA": 1.6,
            "MWAS": 1.0, "MOTH": 1.7, "AIND": 0.35, "APKN": 0.6, "ABAN": 0.7, "CHNE": 0.2, "AOTH": 0.7,
            "BCRB": 1.9, "BAFR": 1.2, "BOTH": 1.8, "OOTH": 1.3},
    "cp": {"WBRI": 1.0, "WIRI": 0.8, "WIRT": 3.5, "WROM": 2.0, "WOTH": 0.6, "MWBC": 2.4, "MWBA": 1.6,
           "MWAS": 1.0, "MOTH": 1.8, "AIND": 0.35, "APKN": 0.6, "ABAN": 0.7, "CHNE": 0.2, "AOTH": 0.6,
           "BCRB": 1.8, "BAFR": 1.1, "BOTH": 1.8, "OOTH": 1.2},
    "cla": {"WBRI": 1.0, "WIRI": 0.9, "WIRT": 3.0, "WROM": 1.5, "WOTH": 0.5, "MWBC": 2.8, "MWBA": 1.8,
            "MWAS": 1.0, "MOTH": 2.0, "AIND": 0.25, "APKN": 0.5, "ABAN": 0.6, "CHNE": 0.2, "AOTH": 0.6,
            "BCRB": 2.2, "BAFR": 1.1, "BOTH": 2.0, "OOTH": 1.3},
    "missing": {"WBRI": 1.0, "WIRI": 0.8, "WIRT": 2.0, "WROM": 1.5, "WOTH": 0.5, "MWBC": 2.8, "MWBA": 2.0,
                "MWAS": 1.0, "MOTH": 2.0, "AIND": 0.25, "APKN": 0.5, "ABAN": 0.6, "CHNE": 0.2, "AOTH": 0.6,
                "BCRB": 2.6, "BAFR": 1.4, "BOTH": 2.2, "OOTH": 1.3},
    "exclusion": {"WBRI": 1.0, "WIRI": 0.9, "WIRT": 3.5, "WROM": 2.5, "WOTH": 0.6, "MWBC": 2.0, "MWBA": 1.2,
                  "MWAS": 0.8, "MOTH": 1.2, "AIND": 0.25, "APKN": 0.6, "ABAN": 0.6, "CHNE": 0.15, "AOTH": 0.5,
                  "BCRB": 2.0, "BAFR": 0.8, "BOTH": 1.4, "OOTH": 0.9},
}

#: Ethnicity of unaccompanied asylum-seeking children (countries of origin in recent years:
#: Afghanistan, Eritrea, Sudan, Iran / Iraq (Kurdish), Albania, Vietnam).
UASC_ETHNICITY = {"AOTH": 0.33, "BAFR": 0.28, "OOTH": 0.2, "WOTH": 0.1, "BOTH": 0.05, "CHNE": 0.01, "MOTH": 0.03}

#: Share of records whose ethnicity was refused or not obtained, by stage.
NOT_KNOWN_SHARE = {"pupil": 0.012, "cin": 0.03, "cp": 0.01, "cla": 0.006, "missing": 0.01, "exclusion": 0.012}


def ethnicity_probabilities(shares: dict[str, float], stage: str) -> tuple[list[str], np.ndarray]:
    """Codes and probabilities for a stage: population share x relative rate, plus REFU/NOBT."""
    rates = RELATIVE_RATES[stage]
    codes = list(ETHNIC_CODES)
    p = np.array([max(shares.get(c, 0.0), 0.0) * rates[c] for c in codes], dtype=float)
    if p.sum() <= 0:
        p = np.ones(len(codes))
    unknown = NOT_KNOWN_SHARE[stage]
    p = p / p.sum() * (1 - unknown)
    return codes + ["NOBT", "REFU"], np.concatenate([p, [unknown * 0.6, unknown * 0.4]])


def draw_ethnicity(rng: np.random.Generator, n: int, shares: dict[str, float], stage: str) -> np.ndarray:
    codes, p = ethnicity_probabilities(shares, stage)
    return draw_codes(rng, n, codes, p)


def draw_uasc_ethnicity(rng: np.random.Generator, n: int) -> np.ndarray:
    return draw_codes(rng, n, list(UASC_ETHNICITY), list(UASC_ETHNICITY.values()))


def draw_sex(rng: np.random.Generator, n: int, male_share: float) -> np.ndarray:
    return np.where(rng.random(n) < male_share, "M", "F").astype(object)


def stage_weight(codes, stage: str) -> np.ndarray:
    """Relative rate of each child's ethnicity for ``stage`` (1 for not known)."""
    rates = RELATIVE_RATES[stage]
    return np.array([rates.get(c, 1.0) for c in np.asarray(codes, dtype=object)], dtype=float)
