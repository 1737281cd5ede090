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

import numpy as np
import pandas as pd

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
    Check("MIS01", "Return interview dated before the episode ended", "problem"),
    Check("MIS02", "Overlapping episodes for the same child", "problem"),
    Check("MIS03", "Episodes with no end date", "note"),
    Check("MIS04", "Interview accepted but not recorded as offered", "problem"),
    Check("MIS05", "Missing from home or care not recorded", "note"),
    Check("MIS06", "Missing log and SSDA903 disagree on looked-after children's episodes", "note"),
    Check("MIS07", "Child's age outside 0 to 17 at the start of an episode", "note"),
)}


def finding(code: str, affected: int, message: str) -> dict:
    check = CHECKS[code]
    return {"code": code, "title": check.title, "severity": check.severity, "affected": int(affected), "message": message}


def findings_frame(rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=FINDING_COLUMNS)


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


def check_missing_log(episodes: pd.DataFrame, period_end, cla_missing: pd.DataFrame | None = None) -> list[dict]:
    """Checks on the missing episodes log (episodes starting in the period)."""
    from safeguarding.measures.missing import episodes_in_period, period_bounds
    eps = episodes_in_period(episodes, period_end)
    out = []
    end = eps["miss_missing_episode_end_date"]
    for col, what in (("miss_missing_rhi_offered_date", "offered"), ("miss_missing_rhi_completed_date", "completed")):
        if col in eps:
            early = (eps[col] < end).fillna(False)
            if early.any():
                rows = ", ".join(str(r) for r in eps.loc[early, "source_row"].head(5))
                out.append(finding("MIS01", early.sum(), f"{early.sum():,} interview(s) recorded as {what} before the child returned "
                                                        f"(missing log rows {rows}{' ...' if early.sum() > 5 else ''}). These are not counted as within 72 hours."))
    ordered = eps.sort_values(["miss_person_id", "miss_missing_episode_start_date"])
    prev_end = ordered.groupby("miss_person_id")["miss_missing_episode_end_date"].shift()
    overlap = (ordered["miss_missing_episode_start_date"] < prev_end).fillna(False)
    if overlap.any():
        out.append(finding("MIS02", overlap.sum(), f"{overlap.sum():,} episode(s) start before the same child's previous episode ended: "
                                                   "possible duplicates, which would inflate episode counts."))
    open_eps = end.isna().sum()
    if open_eps:
        _, stop = period_bounds(period_end)
        out.append(finding("MIS03", open_eps, f"{open_eps:,} episode(s) have no end date: the child may still be missing, or the return "
                                              "was not recorded. They are excluded from durations and interview rates."))
    offered = eps["miss_missing_rhi_offered"]
    odd = ((eps["miss_missing_rhi_accepted"] == "Y") & (offered == "N")).sum()
    if odd:
        out.append(finding("MIS04", odd, f"{odd:,} episode(s) record an interview accepted but not offered."))
    if "miss_missing_from" in eps:
        unknown = eps["miss_missing_from"].isna().sum()
        if unknown:
            out.append(finding("MIS05", unknown, f"{unknown:,} episode(s) do not say whether the child was missing from home or from care; "
                                                 "they are counted in 'All children' only."))
    else:
        out.append(finding("MIS05", len(eps), "The log has no home/care column: home and care cannot be separated."))
    if "age_at_start" in eps:
        bad_age = ((eps["age_at_start"] < 0) | (eps["age_at_start"] > 17)).fillna(False).sum()
        if bad_age:
            out.append(finding("MIS07", bad_age, f"{bad_age:,} episode(s) are for a person aged 18 or over (or with an impossible date of birth)."))
    if cla_missing is not None and "miss_missing_from" in eps:
        start, stop = period_bounds(period_end)
        cm = cla_missing[(cla_missing["MIS_START"] >= start.normalize()) & (cla_missing["MIS_START"] <= stop)]
        log_care = (eps["miss_missing_from"] == "CARE").sum()
        if len(cm) and abs(log_care - len(cm)) > max(5, 0.05 * len(cm)):
            out.append(finding("MIS06", abs(log_care - len(cm)),
                               f"The missing log has {log_care:,} missing-from-care episodes; the SSDA903 return has {len(cm):,} "
                               "missing and away incidents for the same year. Two figures for one measure: check which is complete."))
    return out
