"""Data-quality checks on the input data and on computed tables, in a registry.

Each check has a stable code, a plain-words title and a severity. Findings never carry a
child identifier: they say how many records are affected and, for analysts, which file
rows to look at (row numbers only). The kinds of error are those published in real
annual reports (domain brief, section 5): more children than episodes, two figures for one
measure, percentages that cannot be formed from their counts, shares not summing to 100%,
RHI dates before the episode ended, overlapping episodes for one child.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

import numpy as np
import pandas as pd

from safeguarding.text import resolve_plurals

FINDING_COLUMNS = ["code", "title", "severity", "affected", "message"]


@dataclass(frozen=True)
class Check:
    code: str
    title: str
    severity: str  # "problem" (figures affected) or "note"


CHECKS = {c.code: c for c in (
    Check("DQ01", "Rows rejected when the files were read", "problem"),
    Check("DQ02", "Values blanked or flagged when the files were read", "note"),
    Check("DQ03", "More children than episodes", "problem"),
    Check("DQ04", "Shares do not add up to 100%", "problem"),
    Check("DQ05", "A percentage that cannot be formed from its counts", "problem"),
    Check("DQ06", "The files hold far fewer or far more than DfE published for the same year", "problem"),
    Check("MIS01", "Return interview dated before the episode ended", "problem"),
    Check("MIS02", "Overlapping episodes for the same child", "problem"),
    Check("MIS03", "Episodes with no end date", "note"),
    Check("MIS04", "Interview accepted but not recorded as offered", "problem"),
    Check("MIS05", "Missing from home or care not recorded", "note"),
    Check("MIS06", "Missing log and SSDA903 disagree on looked-after children's episodes", "note"),
    Check("MIS07", "Child's age outside 0 to 17 at the start of an episode", "note"),
    Check("MIS08", "A kind of episode stops or starts being recorded", "problem"),
    Check("MIS09", "Own figure differs from the published figure for the same year", "problem"),
)}


def finding(code: str, affected: int, message: str) -> dict:
    check = CHECKS[code]
    return {"code": code, "title": check.title, "severity": check.severity, "affected": int(affected),
            "message": resolve_plurals(message)}


def findings_frame(rows: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=FINDING_COLUMNS)
    # a count hidden by a check (1 to the threshold) shows as 'c' in the circulated table, not 'x'
    frame["affected_symbol"] = np.where(frame["affected"].isna(), "c", "")
    return frame


def rows_rejected(report: pd.DataFrame, tables: tuple[str, ...] | None = None) -> list[dict]:
    """Summarise a validation report: rows rejected (errors) and values flagged (warnings), by reason."""
    if report is None or report.empty:
        return []
    rep = report if tables is None else report[report["table"].isin(tables)]
    out = []
    for severity, code in (("error", "DQ01"), ("warning", "DQ02")):
        sub = rep[rep["severity"] == severity]
        if sub.empty:
            continue
        if severity == "error":
            n = sub.drop_duplicates(["source", "row"]).shape[0]
        else:
            n = len(sub)
        reasons = (sub.assign(reason=sub["column"].fillna("") + ": " + sub["code"].fillna(""))
                   .groupby("reason").size().sort_values(ascending=False))
        top = "; ".join(f"{r} ({c:,})" for r, c in reasons.head(5).items())
        noun = "row(s) rejected" if severity == "error" else "value(s) flagged"
        out.append(finding(code, n, f"{n:,} {noun}. Main reasons: {top}. Full list: validation_report.csv beside the processed data."))
    return out


#: Own counts below ``1 / COMPLETENESS_RATIO`` or above ``COMPLETENESS_RATIO`` times DfE's
#: published count for the same year are flagged (DQ06): a cut-short or doubled export,
#: not a difference of definition (those stay within a few per cent).
COMPLETENESS_RATIO = 1.5


def cla_at_31_march(episodes: pd.DataFrame, year: int) -> int:
    """Children looked after at the end of collection ``year`` (31 March), as the children looked
    after theme counts them (:func:`safeguarding.cohorts.looked_after_on`)."""
    from safeguarding.cohorts import care_episodes, looked_after_on
    return len(looked_after_on(care_episodes(episodes, year), f"{year}-03-31"))


def referrals_in_year(details: pd.DataFrame, year: int) -> int:
    """Referrals (CIN episodes) starting in the year ending 31 March of ``year``."""
    start, end = pd.Timestamp(f"{year - 1}-04-01"), pd.Timestamp(f"{year}-03-31")
    dates = details["CINreferralDate"]
    return int(((dates >= start) & (dates <= end)).sum())


def check_against_published(tables: dict[str, pd.DataFrame], area, year: int, published_dir,
                            counts: tuple[str, ...] = ("cla", "referrals")) -> list[dict]:
    """DQ06: the borough's own count from its files against DfE's published count for the same
    year: 'your files hold 23 children looked after at 31 March; DfE published 263'. Counts:
    ``cla`` (children looked after at 31 March, SSDA903 Episodes) and ``referrals`` (CIN
    census). Nothing is said where DfE has not published the year or the table is absent."""
    from safeguarding.issues import InputError
    from safeguarding.published.figures import area_figure
    what = {"cla": ("cla_episodes", "cla.count_31mar", cla_at_31_march, "children looked after at 31 March",
                    "the SSDA903 Episodes file"),
            "referrals": ("cin_details", "cin.referrals", referrals_in_year, "referrals in the year",
                          "the CIN census")}
    out = []
    for key in counts:
        table, measure_id, count, noun, source = what[key]
        if table not in tables or area is None:
            continue
        try:
            row = area_figure(measure_id, area, year, published_dir)
        except (InputError, KeyError, OSError):
            continue
        if row is None or row["value"] <= 0:
            continue
        published, own = float(row["value"]), count(tables[table], year)
        if own * COMPLETENESS_RATIO < published or own > published * COMPLETENESS_RATIO:
            direction = "fewer" if own < published else "more"
            out.append(finding("DQ06", abs(int(published) - own),
                               f"The files hold {own:,} {noun} of {year - 1}-{str(year)[2:]}; DfE published "
                               f"{published:,.0f} for {area.name} that year. With far {direction} than published, "
                               f"check that {source} is complete and not in the folder twice before relying on "
                               "these figures."))
    return out


def children_exceed_episodes(results: pd.DataFrame, children_id: str, episodes_id: str) -> list[dict]:
    """Flag any group/period where a count of children exceeds the count of episodes."""
    c = results[results["measure_id"] == children_id].set_index(["group", "period"])["numerator"]
    e = results[results["measure_id"] == episodes_id].set_index(["group", "period"])["numerator"]
    both = pd.concat([c.rename("children"), e.rename("episodes")], axis=1).dropna()
    bad = both[both["children"] > both["episodes"]]
    if bad.empty:
        return []
    where = ", ".join(f"{g} {p}" for g, p in bad.index[:5])
    return [finding("DQ03", len(bad), f"Children outnumber episodes in {where}: one of the two counts is wrong.")]


def shares_sum_to_100(results: pd.DataFrame, measure_id: str, tolerance: float = 0.5) -> list[dict]:
    """Shares of one breakdown (before suppression) should add up to 100%."""
    sub = results[results["measure_id"] == measure_id]
    out = []
    for (breakdown, period), grp in sub.groupby(["breakdown", "period"]):
        total = grp["numerator"].sum()
        denom = grp["denominator"].max()
        if denom and abs(100 * total / denom - 100) > tolerance:
            out.append(finding("DQ04", 1, f"{breakdown} ({period}): groups add up to {100 * total / denom:.1f}% of the total."))
    return out


def percent_consistent(results: pd.DataFrame, tolerance: float = 0.05) -> list[dict]:
    """Every percentage equals 100 x numerator / denominator (guards against copied figures)."""
    pct = results[results["method"].astype(str).str.startswith("Wilson")].dropna(subset=["value", "numerator", "denominator"])
    pct = pct[pct["denominator"] > 0]
    bad = pct[(100 * pct["numerator"] / pct["denominator"] - pct["value"]).abs() > tolerance]
    if bad.empty:
        return []
    return [finding("DQ05", len(bad), f"{len(bad)} percentage(s) do not match their counts: {', '.join(bad['measure_id'].unique()[:5])}.")]


def check_missing_log(episodes: pd.DataFrame, period_end, cla_missing: pd.DataFrame | None = None,
                      threshold: int = 5) -> list[dict]:
    """Checks on the missing episodes log (episodes starting in the period). Counts from 1 to
    ``threshold`` are worded 'fewer than 6' and their 'records affected' hidden: the
    briefing is circulated."""
    from safeguarding.codes.lists import period_bounds
    from safeguarding.measures.missing import episodes_in_period
    eps = episodes_in_period(episodes, period_end)
    out = []
    end = eps["miss_missing_episode_end_date"]
    for col, what in (("miss_missing_rhi_offered_date", "offered"), ("miss_missing_rhi_completed_date", "completed")):
        if col in eps:
            early = (eps[col] < end).fillna(False)
            if early.any():
                rows = ", ".join(str(r) for r in eps.loc[early, "source_row"].head(5))
                out.append(_protected_finding("MIS01", early.sum(), f"{_count_words(early.sum(), threshold)} interview(s) recorded as {what} before the child returned "
                                                        f"(missing log rows {rows}{' ...' if early.sum() > 5 else ''}). These are not counted as within 72 hours.", threshold))
    ordered = eps.sort_values(["miss_person_id", "miss_missing_episode_start_date"])
    prev_end = ordered.groupby("miss_person_id")["miss_missing_episode_end_date"].shift()
    overlap = (ordered["miss_missing_episode_start_date"] < prev_end).fillna(False)
    if overlap.any():
        out.append(_protected_finding("MIS02", overlap.sum(), f"{_count_words(overlap.sum(), threshold)} episode(s) start before the same child's previous episode ended: "
                                                   "possible duplicates, which would inflate episode counts.", threshold))
    open_eps = end.isna().sum()
    if open_eps:
        _, stop = period_bounds(period_end)
        out.append(_protected_finding("MIS03", open_eps, f"{_count_words(open_eps, threshold)} episode(s) have no end date: the child may still be missing, or the return "
                                              "was not recorded. They are excluded from durations and interview rates.", threshold))
    offered = eps["miss_missing_rhi_offered"]
    odd = ((eps["miss_missing_rhi_accepted"] == "Y") & (offered == "N")).sum()
    if odd:
        out.append(_protected_finding("MIS04", odd, f"{_count_words(odd, threshold)} episode(s) record an interview accepted but not offered.", threshold))
    if "miss_missing_from" in eps:
        unknown = eps["miss_missing_from"].isna().sum()
        if unknown:
            out.append(_protected_finding("MIS05", unknown, f"{_count_words(unknown, threshold)} episode(s) do not say whether the child was missing from home or from care; "
                                                 "they are counted in 'All children' only.", threshold))
    else:
        out.append(finding("MIS05", len(eps), "The log has no home/care column: home and care cannot be separated."))
    if "age_at_start" in eps:
        bad_age = ((eps["age_at_start"] < 0) | (eps["age_at_start"] > 17)).fillna(False).sum()
        if bad_age:
            out.append(_protected_finding("MIS07", bad_age, f"{_count_words(bad_age, threshold)} episode(s) are for a person aged 18 or over "
                                                     "(or with an impossible date of birth).", threshold))
    if cla_missing is not None and "miss_missing_from" in eps:
        start, stop = period_bounds(period_end)
        cm = cla_missing[(cla_missing["MIS_START"] >= start.normalize()) & (cla_missing["MIS_START"] <= stop)]
        log_care = (eps["miss_missing_from"] == "CARE").sum()
        if len(cm) and abs(log_care - len(cm)) > max(5, 0.05 * len(cm)):
            out.append(finding("MIS06", abs(log_care - len(cm)),
                               f"The missing log has {_count_words(log_care, threshold)} missing-from-care episodes; the SSDA903 "
                               f"return has {_count_words(len(cm), threshold)} "
                               "missing and away incidents for the same year. Two figures for one measure: check which is complete."))
    return out


# ---------------------------------------------------------------------------------------
# Breaks in recording: a category that stops or starts being recorded
# ---------------------------------------------------------------------------------------
BREAK_COLUMNS = ["scope", "category", "change", "year_before", "year_after", "count_before", "count_after",
                 "total_before", "total_after"]
#: A category needs at least this many records on the side where it is recorded ...
BREAK_MIN_COUNT = 10
#: ... and at least this share of the scope's records there, to count as a break in recording.
BREAK_MIN_SHARE = 0.05


def recording_breaks(records, category_column: str, year_of, *, categories=None, years=None,
                     min_count: int = BREAK_MIN_COUNT, min_share: float = BREAK_MIN_SHARE) -> pd.DataFrame:
    """Categories that stop (or start) being recorded from one year to the next: a break in
    the series, so totals either side of it are not comparable.

    ``records`` is one row per record (e.g. one missing episode), or a mapping of scope name
    to such frames (e.g. missing from home / from care / all). ``year_of`` gives each
    record's year: a column name, or a function of the frame returning a Series of year
    labels that sort in time order ('2021-22'). ``years`` are the years to compare, in
    order (default: every year with a record); each is compared with the next one. A
    category counts as ``stopped`` when it has records in one year and none in the next,
    ``started`` when it has none in one year and some in the next, but only when

    * the year where it is recorded has at least ``min_count`` (10) records of it, and
      they are at least ``min_share`` (5%) of the scope's records that year: a category
      seen once or twice a year often has a year with none by chance (with 10 or more the
      chance of a year with none is below 1 in 10,000), and one under 5% of the records
      cannot move the total much; and
    * the year where it is absent has at least ``min_count`` records of the scope in all:
      a scope with almost no records that year says nothing about one category.

    ``categories`` limits the codes checked (default: every code seen; a blank is never a
    category). Returns a frame with :data:`BREAK_COLUMNS`, one row per break: for
    ``stopped``, ``year_before`` is the last year recorded and ``year_after`` the first year
    without; for ``started``, ``year_after`` is the first year recorded. Counts are of the
    category (``count_*``) and of all the scope's records (``total_*``) in those two years.
    """
    scopes = records if isinstance(records, dict) else {"all": records}
    rows = []
    for scope, frame in scopes.items():
        year = frame[year_of] if isinstance(year_of, str) else year_of(frame)
        year = pd.Series(year, index=frame.index)
        cats = frame[category_column]
        order = list(years) if years is not None else sorted(year.dropna().unique())
        totals = year.value_counts().reindex(order, fill_value=0)
        table = pd.crosstab(year, cats).reindex(index=order, fill_value=0) if len(frame) else pd.DataFrame(index=order)
        wanted = [c for c in (categories if categories is not None else table.columns) if not pd.isna(c)]
        table = table.reindex(columns=wanted, fill_value=0).fillna(0)
        for before, after in pairwise(order):
            t0, t1 = int(totals[before]), int(totals[after])
            if not t0 or not t1:  # no records at all in one of the years: a gap, not a break
                continue
            for cat in wanted:
                n0, n1 = int(table.at[before, cat]), int(table.at[after, cat])
                if n0 and not n1:
                    change, n, t, other = "stopped", n0, t0, t1
                elif n1 and not n0:
                    change, n, t, other = "started", n1, t1, t0
                else:
                    continue
                if n >= min_count and n >= min_share * t and other >= min_count:
                    rows.append({"scope": scope, "category": cat, "change": change, "year_before": before,
                                 "year_after": after, "count_before": n0, "count_after": n1,
                                 "total_before": t0, "total_after": t1})
    return pd.DataFrame(rows, columns=BREAK_COLUMNS)


def check_recording_breaks(breaks: pd.DataFrame, names: dict | None = None, scope_words: dict | None = None,
                           noun: str = "episode(s)", no_counts_in: set | None = None, threshold: int = 5,
                           code: str = "MIS08") -> list[dict]:
    """One finding per break found by :func:`recording_breaks`.

    ``names`` gives a category's name in words ("'away' episodes"), ``scope_words`` a
    scope's ("from care"). The number recorded on the recorded side is worded 'fewer than
    N' from 1 to ``threshold`` (never the case with the default rule of 10 or more) and
    its 'records affected' hidden; for years in ``no_counts_in`` (where a count in the
    same sums is from 1 to the threshold, so this one may be hidden in the tables to
    protect it) no number is given at all.
    """
    out = []
    names, scope_words = names or {}, scope_words or {}
    for br in breaks.itertuples(index=False):
        what = names.get(br.category, f"Records of type '{br.category}'")
        where = scope_words.get(br.scope, "" if br.scope == "all" else f"({br.scope})")
        subject = f"{what} {where}".strip()
        recorded_year = br.year_before if br.change == "stopped" else br.year_after
        n = br.count_before if br.change == "stopped" else br.count_after
        hide = recorded_year in (no_counts_in or set())
        counted = "" if hide else f" ({_count_words(n, threshold, noun)} in {recorded_year})"
        if br.change == "stopped":
            text = (f"{subject} are recorded up to {br.year_before}{counted} and not at all from {br.year_after}: they "
                    "stopped being recorded, or are now recorded as something else.")
        else:
            text = (f"{subject} are not recorded before {br.year_after} and are from {br.year_after}{counted}: they "
                    "started being recorded, or were recorded as something else before.")
        text += (f" Totals that include them are not comparable across {br.year_before} and {br.year_after}: the "
                 "change there is in recording, not in behaviour. The trend compares figures without them.")
        row = _protected_finding(code, n, text, threshold)
        if hide:
            row["affected"] = pd.NA
        out.append(row)
    return out


# ---------------------------------------------------------------------------------------
# Exclusions and suspensions (theme 3)
# ---------------------------------------------------------------------------------------
CHECKS.update({c.code: c for c in (
    Check("EXC01", "Exclusion reasons recorded as 'Other' or not valid for the year", "problem"),
    Check("EXC02", "Exclusions of pupils not on the school roll that year", "note"),
    Check("EXC03", "Children known to social care not found on the school roll", "note"),
    Check("EXC04", "Exclusions with no reason recorded", "note"),
    Check("EXC05", "Pupils suspended for more than 45 school days in a year", "problem"),
)})


def _count_words(n: float, threshold: int, noun: str = "") -> str:
    """'1,234 exclusions', or 'fewer than 6 exclusions' for 1 to ``threshold`` (the panel is circulated)."""
    number = f"fewer than {threshold + 1}" if 0 < n <= threshold else f"{int(n):,}"
    return f"{number} {noun}".strip()


def _protected_finding(code: str, affected: int, message: str, threshold: int) -> dict:
    """A finding whose 'records affected' is hidden (missing) when it is 1 to ``threshold``."""
    row = finding(code, affected, message[:1].upper() + message[1:])
    if 0 < affected <= threshold:
        row["affected"] = pd.NA
    return row


def check_exclusions(exclusions: pd.DataFrame, pupils: pd.DataFrame, year: int, link=None,
                     threshold: int = 5) -> list[dict]:
    """Checks on the exclusions extract for one academic year (see ``measures.exclusions``).

    EXC01 the share of exclusions whose reason is 'Other' (OT) or a code not valid in that
    academic year (the reader marks those 'UNMAPPED'), for permanent exclusions and
    suspensions; EXC02 exclusions of pupils not on that year's roll; EXC03 children with a
    CIN episode, CP plan or care episode in the year (and a UPN) not found on the roll, or
    with no UPN (``link``: a ``SocialCareLink``); EXC04 blank reasons; EXC05 pupils with
    more than 90 sessions (45 school days) of suspension in the year, the legal maximum.
    Counts from 1 to ``threshold`` are written as 'fewer than ...'.
    """
    from safeguarding.measures import exclusions as ex
    label = ex.year_label(year)
    exc = exclusions[exclusions["AcademicYear"] == int(year)]
    out = []
    flagged = ex.other_or_unmapped_mask(exc)
    parts, total_flagged = [], 0
    for cat, name in ex.CATEGORIES.items():
        in_cat = exc["Category"] == cat
        k, n = int((flagged & in_cat).sum()), int(in_cat.sum())
        total_flagged += k
        if k:
            share = f" ({100 * k / n:.0f}%)" if k > threshold else ""
            parts.append(f"{_count_words(k, threshold)} of {n:,} {name.lower()}{share}")
    if total_flagged:
        out.append(_protected_finding(
            "EXC01", total_flagged,
            f"In {label}, " + " and ".join(parts) + " were recorded as 'Other' or with a reason code that is not valid in "
            "that academic year ('Other' was withdrawn from 2020/21). The circumstances of these exclusions cannot be "
            "analysed: schools should record one of the current reasons.", threshold))
    roll = set(ex.normalise_upn(pupils.loc[pupils["AcademicYear"] == int(year), "UPN"]).dropna())
    off_roll = int((~ex.normalise_upn(exc["UPN"]).isin(roll)).fillna(True).sum())
    if off_roll:
        out.append(_protected_finding(
            "EXC02", off_roll,
            f"{_count_words(off_roll, threshold, 'exclusion(s)')} in {label} are for pupils not on the school roll for that "
            "year (for example pupils who left before the January census, or a UPN recorded differently). They are counted "
            "in the rates per 100 pupils but not in the comparison by children's social care group.", threshold))
    if link is not None:
        gaps, affected = [], 0
        for group in (ex.CLA, ex.CP, ex.CIN):
            if group not in link.known:
                continue
            missed = link.known[group] - link.matched.get(group, 0)
            no_upn = link.no_upn.get(group, 0)
            if missed or no_upn:
                affected += missed + no_upn
                gaps.append(f"{group.lower()}: {_count_words(missed, threshold, 'not on the roll')}, "
                            f"{_count_words(no_upn, threshold, 'with no UPN')}")
        if affected:
            out.append(_protected_finding(
                "EXC03", affected,
                f"Children with a care episode, child protection plan or episode of need in {label} who could not be linked "
                f"to a pupil: " + "; ".join(gaps) + ". Some are under or over school age or at school outside the borough; "
                "a missing or mistyped UPN also breaks the link, so the groups' exclusion rates may be understated.", threshold))
    blank = int(exc["Reason"].isna().sum())
    if blank:
        out.append(_protected_finding(
            "EXC04", blank, f"{_count_words(blank, threshold, 'exclusion(s)')} in {label} have no reason recorded.", threshold))
    susp = exc[exc["Category"] == "SUSP"]
    if "Sessions" in susp and susp["Sessions"].notna().any():
        sessions = susp.groupby(ex.normalise_upn(susp["UPN"]))["Sessions"].sum()
        over = int((sessions > ex.MAX_SUSPENSION_SESSIONS).sum())
        if over:
            out.append(_protected_finding(
                "EXC05", over,
                f"{_count_words(over, threshold, 'pupil(s)')} in {label} have more than {ex.MAX_SUSPENSION_SESSIONS} sessions "
                "(45 school days) of suspension in total, more than the law allows in one academic year: check for duplicated "
                "suspensions or sessions recorded in the wrong unit.", threshold))
    return out


# ----------------------------------------------------------------------------------------
# Care leavers (SSDA903 OC3)
# ----------------------------------------------------------------------------------------
CHECKS.update({c.code: c for c in (
    Check("NEET01", "Care leaver listed more than once in the year", "problem"),
    Check("NEET02", "Care leaver outside the ages 17 to 21", "note"),
    Check("NEET03", "In touch, but activity or accommodation not recorded", "note"),
    Check("NEET04", "Activity or accommodation recorded for a care leaver not in touch", "note"),
    Check("NEET05", "Care leaver not found in the SSDA903 header", "note"),
    Check("NEET06", "Own figure differs from the published figure for the same year", "problem"),
)})
CHECKS.update({c.code: c for c in (
    Check("CP01", "Child protection: own figure differs from the published figure for the same year", "problem"),
    Check("FD01", "Front door: own figure differs from the published figure for the same year", "problem"),
    Check("CLA01", "Children looked after: own figure differs from the published figure for the same year", "problem"),
)})


def check_care_leavers(oc3: pd.DataFrame, year: int, header: pd.DataFrame | None = None, threshold: int = 5) -> list[dict]:
    """Checks on the OC3 table for collection ``year``: duplicates (NEET01), ages outside 17
    to 21 (NEET02), recording gaps (NEET03), activity or accommodation recorded for a care
    leaver not in touch (NEET04) and care leavers missing from the header (NEET05).

    The panel is circulated, so counts from 1 to ``threshold`` are written as 'fewer
    than ...' and their 'records affected' is left blank.
    """
    from safeguarding.measures import care_leavers as cl
    rows = oc3[oc3["collection_year"] == year] if "collection_year" in oc3 else oc3
    out = []
    repeated = rows["CHILD"].duplicated(keep="first")
    if repeated.any():
        out.append(_care_leaver_finding("NEET01", repeated.sum(), threshold,
                                        f"{_in_words(repeated.sum(), 'row(s)', threshold)} repeat a care leaver already listed "
                                        f"for the year (OC3 rows {_rows(rows.loc[repeated])}): each is counted once."))
    band = rows["care_leaver_age_band"] if "care_leaver_age_band" in rows else pd.Series(pd.NA, index=rows.index)
    outside = band.isna()
    if outside.any():
        out.append(_care_leaver_finding("NEET02", outside.sum(), threshold,
                                        f"{_in_words(outside.sum(), 'row(s)', threshold)} are for a young person not aged 17 to "
                                        "21 on their birthday in the year, or with no valid date of birth (OC3 rows "
                                        f"{_rows(rows.loc[outside])}). They are not counted."))
    leavers = cl.care_leavers_in_year(oc3, year)
    touch = cl.in_touch(leavers)
    gap_activity = int((cl.activity_status(leavers) == "neet.activity_not_recorded_pct").sum())
    gap_accommodation = int((cl.accommodation_status(leavers)["suitability"] == "neet.accommodation_not_recorded_pct").sum())
    if gap_activity or gap_accommodation:
        out.append(_care_leaver_finding(
            "NEET03", max(gap_activity, gap_accommodation), threshold,
            f"The council was in touch with {_in_words(gap_activity, 'care leaver(s)', threshold)} whose activity was not "
            f"recorded and {_in_words(gap_accommodation, 'care leaver(s)', threshold)} whose accommodation was not recorded "
            "(ACTIV or ACCOM 0 or blank). They are counted as 'not known', which lowers both the EET and the NEET percentages."))
    activ = leavers["ACTIV"].astype("object").where(leavers["ACTIV"].notna(), "").astype(str).str.strip().str.upper()
    accom = leavers["ACCOM"].astype("object").where(leavers["ACCOM"].notna(), "").astype(str).str.strip().str.upper()
    contradiction = ~touch & (activ.isin(list(cl.ACTIVITY_OF_CODE)) | (accom.str.len() == 2))
    if contradiction.any():
        out.append(_care_leaver_finding(
            "NEET04", contradiction.sum(), threshold,
            f"{_in_words(contradiction.sum(), 'care leaver(s)', threshold)} are recorded as not in touch but have an activity "
            f"or accommodation code (OC3 rows {_rows(leavers.loc[contradiction])}). DfE guidance expects 0 when not in "
            "touch; they are counted as 'not known'."))
    if header is not None and not header.empty:
        absent = ~leavers["CHILD"].isin(set(header["CHILD"]))
        if absent.any():
            out.append(_care_leaver_finding(
                "NEET05", absent.sum(), threshold,
                f"{_in_words(absent.sum(), 'care leaver(s)', threshold)} have no row in the SSDA903 header, so their sex "
                "and ethnicity are shown as 'Not recorded'."))
    return out


def own_vs_published(comparisons: pd.DataFrame, code: str = "NEET06", decimals: int = 0, suffix: str = "%") -> list[dict]:
    """Flag measures whose own figure, rounded as published, differs from the published figure
    for the same year (two figures for one measure).

    ``comparisons`` has columns ``label``, ``own`` (percentage), ``published`` (whole
    number as published), ``own_n`` and ``published_n`` (denominators), and optionally
    ``measure_id``: the finding then names the measures that differ (``measures``), so a page
    can flag each figure where it is shown. Rows with a missing figure on either side are skipped.
    """
    rows = comparisons.dropna(subset=["own", "published"])
    scale = 10 ** decimals
    differs = [r for r in rows.itertuples() if np.floor(r.own * scale + 0.5) / scale != round(r.published, decimals)]
    if not differs:
        return []
    parts = [f"{r.label}: {r.own:.{decimals}f}{suffix} of {r.own_n:,.0f} in the borough's records, {r.published:.{decimals}f}{suffix}"
             + (f" of {r.published_n:,.0f}" if not pd.isna(r.published_n) else "") + " published" for r in differs[:8]]
    found = finding(code, len(differs), "; ".join(parts) + ". Two figures for one measure: DfE publishes the return as "
                                            "submitted, so a difference means records have changed since, or were counted "
                                            "differently; check which is right before quoting either.")
    if "measure_id" in comparisons:
        found["measures"] = tuple(r.measure_id for r in differs)
    return [found]


def _rows(frame: pd.DataFrame, limit: int = 5) -> str:
    rows = [str(r) for r in frame.get("source_row", pd.Series(dtype=object)).head(limit)]
    more = " ..." if len(frame) > limit else ""
    return (", ".join(rows) + more) if rows else "not numbered"


def _in_words(n: int, noun: str, threshold: int) -> str:
    """'12 care leaver(s)', or 'fewer than 6 care leaver(s)' for 1 to ``threshold``."""
    n = int(n)
    return f"fewer than {threshold + 1} {noun}" if 0 < n <= threshold else f"{n:,} {noun}"


def _care_leaver_finding(code: str, affected: int, threshold: int, message: str) -> dict:
    row = finding(code, affected, message)
    if 0 < affected <= threshold:
        row["affected"] = pd.NA
    return row


# ---- Disproportionality by ethnicity (theme 2) ------------------------------------------
CHECKS.update({c.code: c for c in (
    Check("DIS01", "Ethnicity not recorded", "note"),
    Check("DIS02", "Excluded pupils missing from the pupil roll", "problem"),
    Check("DIS03", "Assessments, enquiries or plans that do not link to a referral", "problem"),
    Check("DIS04", "More children at a stage than the group's estimated population", "note"),
    Check("DIS05", "The same child in more than one CIN census file for a year", "problem"),
)})


def check_pupil_roll(n_not_on_roll: int, academic_year_label: str, threshold: int = 5) -> list[dict]:
    """Excluded pupils whose UPN is not on the pupil roll for the same year."""
    if not n_not_on_roll:
        return []
    return [finding("DIS02", n_not_on_roll,
                    f"{_count_words(n_not_on_roll, threshold)} excluded pupil(s) in {academic_year_label} are not on the "
                    "pupil roll extract. They are counted (with the details on the exclusion record) and added to the "
                    "roll, but the roll may be incomplete: check that both extracts cover the same schools.")]


def check_cin_links(report: pd.DataFrame | None) -> list[dict]:
    """DIS03 from the ingest's validation report: assessments, section 47 enquiries and plans
    whose CIN episode has no referral record (found at ingest, one warning per row)."""
    from safeguarding.prepare import NO_REFERRAL, SEVERAL_FILES
    if report is None or report.empty or "code" not in report:
        return []
    out = []
    twice = report[report["code"] == SEVERAL_FILES]
    if len(twice):
        files = ", ".join(sorted(set(twice["source"].astype(str))))
        out.append(finding("DIS05", len(twice), f"{len(twice):,} children are in more than one CIN census file for the "
                                                f"same year (later file: {files}): their referrals, assessments and plans "
                                                "may be counted twice. Keep one file per year (rows listed in the "
                                                "validation report)."))
    rows = report[report["code"] == NO_REFERRAL]
    if rows.empty:
        return out
    words = {"cin_assessments": "assessment(s)", "cin_section47": "section 47 enquiry(ies)",
             "cin_cp_plans": "child protection plan(s)"}
    counts = rows["table"].value_counts()
    text = ", ".join(f"{n:,} {words.get(t, t)}" for t, n in counts.items())
    return out + [finding("DIS03", len(rows), f"{text} belong to no referral in the CIN details table. They count at their "
                                        "own stage but cannot be followed from a referral (rows listed in the "
                                        "validation report).")]


def check_rates_within_population(stage_frames: dict[str, pd.DataFrame]) -> list[dict]:
    """Groups with more children at a stage than their estimated child population (before
    suppression): the population estimate is too small (Census categories differ from DfE
    codes, or the group is much younger than average), so its rate is unreliable."""
    rows = []
    for frame in stage_frames.values():
        if not str(frame["method"].iat[0]).startswith("exact Poisson"):
            continue
        whole = frame[(frame["sex"] == "Total") & (frame["age_band"] == "Total") & frame["level"].isin(["major", "minor"])]
        bad = whole[whole["denominator"].notna() & (whole["numerator"] > whole["denominator"])]
        rows += [f"{g} ({s})" for g, s in zip(bad["group"], bad["stage"])]
    if not rows:
        return []
    return [finding("DIS04", len(rows), "More children were counted than the estimated number of children in the group "
                                        f"for: {', '.join(rows[:6])}{' ...' if len(rows) > 6 else ''}. The population "
                                        "estimate for these groups is too small, so their rates are not reliable.")]
