"""Missing episodes and return home interviews (theme 1).

Every measure states whether it counts **episodes** or **children** and what its
denominator is (the Hounslow 2020-21 report called 377 of 582 *episodes* "64.8% of
children"; these definitions make that mistake impossible to repeat).

Inputs are processed tables (see docs/architecture.md): ``missing_episodes`` from the
missing log (home and care), and for looked-after children ``cla_missing`` and
``cla_episodes`` from SSDA903.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from safeguarding.codes.lists import period_bounds, period_label
from safeguarding.cohorts import collection_year_bounds, looked_after_during_year
from safeguarding.derive import band_order
from safeguarding.issues import InputError
from safeguarding.measures.registry import MeasureSpec
from safeguarding.measures.results import (
    combine,
    count_result,
    percent_result,
    rate_result,
    ratio_result,
    value_result,
)
from safeguarding.results.cells import SMALL_GROUP
from safeguarding.results.relations import (
    Components,
    Custom,
    Rollup,
    cell_key,
    split_key,
)
from safeguarding.results.store import Context, ThemeResults

THEME = "missing"
SCOPES = {"home": "Missing from home", "care": "Missing from care", "all": "All children"}

#: Who is owed a return home interview: children back from a missing episode (an 'away'
#: episode, whereabouts known, is not followed by one), counted in episodes that ended.
_RHI_DUE = "missing episodes that ended (not 'away')"
#: Time from the child's return to the completed interview, in hours: (label, upper bound).
TIME_TO_INTERVIEW = (("Within 24 hours", 24), ("1 to 3 days", 72), ("3 to 7 days", 168), ("More than 7 days", np.inf))
NOT_KNOWN_TIME = "Not known"
#: Length of episodes that ended, in hours: (label, upper bound), each band including its upper
#: bound. 24 hours is a bound, so 'over 24 hours' is the sum of the last two bands; 48 hours
#: rather than 72 or a week keeps the last band large enough to show in most boroughs' care
#: scope (a small band costs other figures to protect it).
EPISODE_LENGTH = (("Up to 6 hours", 6), ("6 to 24 hours", 24), ("1 to 2 days", 48), ("More than 2 days", np.inf))
LENGTH = "episode length"
#: What the trend counts when 'away' episodes stop or start being recorded (see yearly_rates).
_MISSING_ONLY = "Counting only episodes recorded as missing (not 'away'), so that the series stays comparable when 'away' episodes stop or start being recorded:"

MEASURES: tuple[MeasureSpec, ...] = (
    MeasureSpec("missing.children", THEME, "Children who went missing", "Children with at least one missing or away episode starting in the period.", "count", "children"),
    MeasureSpec("missing.episodes", THEME, "Missing episodes", "Missing or away episodes starting in the period.", "count", "episodes"),
    MeasureSpec("missing.episodes_missing_only", THEME, "Episodes recorded as missing (not 'away')", "Episodes starting in the period that were not recorded as 'away' (episodes with no type are counted as missing, as for return interviews). A series that stays comparable when 'away' episodes stop or start being recorded.", "count", "episodes"),
    MeasureSpec("missing.episodes_away", THEME, "'Away' episodes", "Episodes starting in the period recorded as away from placement without authorisation (whereabouts known).", "count", "episodes"),
    MeasureSpec("missing.children_missing_only", THEME, "Children who went missing (not counting 'away')", "Children with at least one episode starting in the period that was not recorded as 'away'.", "count", "children"),
    MeasureSpec("missing.children_away_only", THEME, "Children only 'away'", "Children whose every episode starting in the period was recorded as 'away'.", "count", "children"),
    MeasureSpec("missing.episodes_per_child", THEME, "Episodes per child", "Episodes divided by the number of children who went missing.", "ratio", "episodes", "episodes", "children who went missing", decimals=1, numerator_cell="missing.episodes", denominator_cell="missing.children"),
    MeasureSpec("missing.repeat_2plus_pct", THEME, "Children missing 2 or more times", "Of children who went missing, the percentage with 2 or more episodes in the period.", "percent", "children", "children with 2+ episodes", "children who went missing", ci_method="wilson", numerator_cell="missing.children_2plus", denominator_cell="missing.children"),
    MeasureSpec("missing.repeat_3plus_pct", THEME, "Children missing 3 or more times", "Of children who went missing, the percentage with 3 or more episodes in the period.", "percent", "children", "children with 3+ episodes", "children who went missing", ci_method="wilson", numerator_cell="missing.children_3plus", denominator_cell="missing.children"),
    MeasureSpec("missing.away_pct", THEME, "Episodes 'away' rather than missing", "Of episodes, the percentage recorded as away from placement without authorisation (whereabouts known) rather than missing.", "percent", "episodes", "away episodes", "episodes", ci_method="wilson", numerator_cell="missing.episodes_away", denominator_cell="missing.episodes"),
    MeasureSpec("missing.over_24h_pct", THEME, "Episodes lasting over 24 hours", "Of episodes with a recorded end, the percentage lasting more than 24 hours.", "percent", "episodes", "episodes over 24 hours", "episodes that ended", ci_method="wilson", numerator_cell="missing.episodes_over_24h", denominator_cell="missing.episodes_ended"),
    MeasureSpec("missing.median_duration_hours", THEME, "Median episode length", "Median hours from start to end of episodes that ended.", "hours", "episodes", decimals=0, denominator_cell="missing.episodes_ended"),
    MeasureSpec("missing.episode_length_pct", THEME, "Episodes by length", "Of episodes starting in the period that ended (a recorded end after the start), the percentage that lasted up to 6 hours, over 6 up to 24 hours, over 1 up to 2 days, and more than 2 days. Each band includes its upper limit; the bands add up to the episodes that ended.", "percent", "episodes", "episodes of that length", "episodes that ended", ci_method="wilson", numerator_cell="missing.episodes_ended"),
    MeasureSpec("missing.repeat_2plus_missing_only_pct", THEME, "Children missing 2 or more times (episodes recorded as missing)", f"{_MISSING_ONLY} of children with an episode recorded as missing, the percentage with 2 or more such episodes in the period.", "percent", "children", "children with 2+ episodes recorded as missing", "children with an episode recorded as missing", ci_method="wilson", numerator_cell="missing.children_missing_only_2plus", denominator_cell="missing.children_missing_only"),
    MeasureSpec("missing.over_24h_missing_only_pct", THEME, "Episodes lasting over 24 hours (episodes recorded as missing)", f"{_MISSING_ONLY} of missing episodes that ended, the percentage lasting more than 24 hours.", "percent", "episodes", "missing episodes over 24 hours", _RHI_DUE, ci_method="wilson", numerator_cell="missing.episodes_missing_only_over_24h", denominator_cell="missing.episodes_rhi_due"),
    MeasureSpec("missing.median_duration_missing_only_hours", THEME, "Median episode length (episodes recorded as missing)", f"{_MISSING_ONLY} median hours from start to end of missing episodes that ended.", "hours", "episodes", decimals=0, denominator_cell="missing.episodes_rhi_due"),
    MeasureSpec("missing.children_by_group", THEME, "Children who went missing, by group", "Children who went missing in each group, and their share of all children who went missing.", "percent", "children", "children in the group", "children who went missing", ci_method="wilson", numerator_cell="missing.children", denominator_cell="missing.children@scope=All children"),
    MeasureSpec("missing.rate_per_10k_by_ethnicity", THEME, "Children who went missing per 10,000 children, by ethnicity", "Children who went missing per 10,000 children of the same ethnic group living in the borough (Census 2021 shares applied to the ONS mid-year estimate).", "per_10k", "children", "children who went missing", "child population of the group", ci_method="poisson_exact", numerator_cell="missing.children"),
    MeasureSpec("missing.monthly_episodes", THEME, "Episodes per month", "Episodes starting in each month.", "count", "episodes", numerator_cell="missing.episodes"),
    MeasureSpec("missing.monthly_children", THEME, "Children missing per month", "Children with an episode starting in each month.", "count", "children", numerator_cell="missing.children"),
    MeasureSpec("missing.rhi_offered_pct", THEME, "Return interviews offered", "Of missing episodes that ended, the percentage where a return home interview was offered. 'Away' episodes (whereabouts known) are left out: no interview is due after them.", "percent", "episodes", "episodes with a return interview offered", _RHI_DUE, polarity="higher_better", ci_method="wilson", numerator_cell="missing.episodes_rhi_offered", denominator_cell="missing.episodes_rhi_due"),
    MeasureSpec("missing.rhi_offered_within_72h_pct", THEME, "Return interviews offered within 72 hours", "Of missing episodes that ended (not 'away'), the percentage where a return home interview was offered within 72 hours of the child's return.", "percent", "episodes", "episodes with a return interview offered within 72 hours", _RHI_DUE, polarity="higher_better", ci_method="wilson", numerator_cell="missing.episodes_rhi_within_72h", denominator_cell="missing.episodes_rhi_due"),
    MeasureSpec("missing.rhi_accepted_pct", THEME, "Return interviews accepted", "Of episodes where an interview was offered, the percentage where the child accepted it.", "percent", "episodes", "episodes with a return interview accepted", "episodes with a return interview offered", polarity="higher_better", ci_method="wilson", numerator_cell="missing.episodes_rhi_accepted", denominator_cell="missing.episodes_rhi_offered"),
    MeasureSpec("missing.rhi_declined_pct", THEME, "Return interviews declined", "Of episodes where an interview was offered, the percentage where the child declined it.", "percent", "episodes", "episodes with a return interview declined", "episodes with a return interview offered", ci_method="wilson", numerator_cell="missing.episodes_rhi_declined", denominator_cell="missing.episodes_rhi_offered"),
    MeasureSpec("missing.rhi_completed_pct", THEME, "Return interviews completed", "Of missing episodes that ended (not 'away'), the percentage with a completed return home interview.", "percent", "episodes", "episodes with a return interview completed", _RHI_DUE, polarity="higher_better", ci_method="wilson", numerator_cell="missing.episodes_rhi_completed", denominator_cell="missing.episodes_rhi_due"),
    MeasureSpec("missing.rhi_completed_within_72h_pct", THEME, "Return interviews completed within 72 hours", "Of missing episodes that ended (not 'away'), the percentage with a return home interview completed within 72 hours of the child's return (statutory guidance expects one to be offered within 72 hours).", "percent", "episodes", "episodes with a return interview completed within 72 hours", _RHI_DUE, polarity="higher_better", ci_method="wilson", numerator_cell="missing.episodes_rhi_completed_72h", denominator_cell="missing.episodes_rhi_due"),
    MeasureSpec("missing.rhi_time_to_interview_pct", THEME, "Time from return to completed interview", "Of completed return home interviews, the percentage completed within each time of the child's return (within 24 hours, 1 to 3 days, 3 to 7 days, more than 7 days; not known where a date is missing or before the return).", "percent", "episodes", "completed interviews", "completed interviews", ci_method="wilson", numerator_cell="missing.episodes_rhi_completed", denominator_cell="missing.episodes_rhi_completed@scope=All children"),
    MeasureSpec("missing.median_hours_to_rhi", THEME, "Median time to interview", "Median hours from the child's return to the completed interview.", "hours", "episodes", decimals=0, polarity="lower_better", denominator_cell="missing.episodes_rhi_completed"),
    MeasureSpec("missing.cla_missing_pct", THEME, "Looked-after children who went missing", "Of children looked after at any time in the year, the percentage with at least one missing incident (SSDA903).", "percent", "looked-after children", "children who had a missing incident", "children looked after during the year", ci_method="wilson", published_id="cla_missing.pct_missing",
                phrase="percentage of looked-after children who went missing", numerator_cell="missing.cla_children_missing", denominator_cell="cla.children_during_year"),
    MeasureSpec("missing.cla_incidents_per_child", THEME, "Missing incidents per looked-after child who went missing", "Missing incidents divided by looked-after children who had one (SSDA903).", "ratio", "episodes", "missing incidents", "children who had a missing incident", published_id="cla_missing.incidents_per_child",
                phrase="number of missing incidents per looked-after child who went missing", numerator_cell="missing.cla_incidents", denominator_cell="missing.cla_children_missing"),
)


def episodes_in_period(episodes: pd.DataFrame, period_end) -> pd.DataFrame:
    """Episodes that started in the year ending ``period_end``."""
    start, end = period_bounds(period_end)
    when = episodes["miss_missing_episode_start_date"]
    return episodes[(when >= start) & (when <= end)]


def scope_frames(episodes: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Episodes for each scope: missing from home, from care, and all (incl. not recorded)."""
    where = episodes.get("miss_missing_from", pd.Series(pd.NA, index=episodes.index))
    return {"home": episodes[where == "HOME"], "care": episodes[where == "CARE"], "all": episodes}


def headline(episodes: pd.DataFrame, area: str, period_end) -> pd.DataFrame:
    """Children, episodes, episodes per child, repeat missing, away share and duration, per scope."""
    period = period_label(period_end)
    frames = []
    in_period = episodes_in_period(episodes, period_end)
    for scope, eps in scope_frames(in_period).items():
        per_child = eps.groupby("miss_person_id").size()
        children, n_eps = len(per_child), len(eps)
        ended = eps["duration_hours"].dropna()
        label = SCOPES[scope]
        frames += [
            count_result("missing.children", area, "scope", [label], [children], period),
            count_result("missing.episodes", area, "scope", [label], [n_eps], period),
            ratio_result("missing.episodes_per_child", area, "scope", [label], [n_eps], [children], period),
            percent_result("missing.repeat_2plus_pct", area, "scope", [label], [(per_child >= 2).sum()], [children], period),
            percent_result("missing.repeat_3plus_pct", area, "scope", [label], [(per_child >= 3).sum()], [children], period),
            percent_result("missing.away_pct", area, "scope", [label], [(eps["miss_missing_episode_type"] == "A").sum()], [n_eps], period),
            percent_result("missing.over_24h_pct", area, "scope", [label], [(ended > 24).sum()], [len(ended)], period),
            value_result("missing.median_duration_hours", area, "scope", [label],
                         [ended.median() if len(ended) else np.nan], [len(ended)], period),
        ]
    return combine(*frames)


def children_by_group(episodes: pd.DataFrame, area: str, period_end, breakdown: str) -> pd.DataFrame:
    """Children who went missing in the period by ``breakdown`` ('age_band', 'sex' or 'ethnicity'),
    as counts and as a share of all children who went missing. A child is counted once, in the
    group recorded at their first episode in the period."""
    column = {"age_band": "age_band", "sex": "pers_sex", "ethnicity": "ethnic_major"}[breakdown]
    eps = episodes_in_period(episodes, period_end).sort_values("miss_missing_episode_start_date")
    first = eps.drop_duplicates("miss_person_id")
    groups = first[column].astype("object").fillna("Not recorded")
    order = _order(breakdown, groups)
    counts = groups.value_counts().reindex(order, fill_value=0)
    return percent_result("missing.children_by_group", area, breakdown, order, counts.to_numpy(),
                          np.full(len(order), len(first)), period_label(period_end))


def _order(breakdown, groups):
    present = set(groups)
    if breakdown == "age_band":
        base = band_order("missing")
    elif breakdown == "sex":
        base = ["F", "M", "U"]
    else:
        from safeguarding.codes.ethnicity import MAJOR_GROUPS
        base = list(MAJOR_GROUPS)
    return [g for g in base if g in present] + sorted(present - set(base))


def rate_by_ethnicity(episodes: pd.DataFrame, population: pd.Series, area: str, period_end) -> pd.DataFrame:
    """Children who went missing per 10,000 children of each major ethnic group.

    ``population`` is the child population by major ethnic group (index: group name).
    Groups without a population (Not known) are omitted from this rate.
    """
    eps = episodes_in_period(episodes, period_end).sort_values("miss_missing_episode_start_date")
    first = eps.drop_duplicates("miss_person_id")
    counts = first["ethnic_major"].value_counts()
    groups = [g for g in population.index if g != "Not known"]
    k = counts.reindex(groups, fill_value=0).to_numpy()
    return rate_result("missing.rate_per_10k_by_ethnicity", area, "ethnicity", groups, k,
                       population.reindex(groups).to_numpy(), 10_000, period_label(period_end))


def monthly(episodes: pd.DataFrame, area: str, period_end) -> pd.DataFrame:
    """Episodes and children per calendar month of the period (children counted once per month)."""
    start, _ = period_bounds(period_end)
    months = pd.period_range(start, periods=12, freq="M")
    eps = episodes_in_period(episodes, period_end)
    month = eps["miss_missing_episode_start_date"].dt.to_period("M")
    n_eps = month.value_counts().reindex(months, fill_value=0)
    n_children = eps.assign(month=month).groupby("month")["miss_person_id"].nunique().reindex(months, fill_value=0)
    labels = [m.strftime("%b %Y") for m in months]
    return combine(count_result("missing.monthly_episodes", area, "month", labels, n_eps.to_numpy(), period_label(period_end)),
                   count_result("missing.monthly_children", area, "month", labels, n_children.to_numpy(), period_label(period_end)))


def trend_years(episodes: pd.DataFrame, period_end, years: int = 5) -> list[pd.Timestamp]:
    """The ends of the financial years of the trend: the last ``years`` up to ``period_end``,
    leaving out years before the first recorded episode."""
    end = pd.Timestamp(period_end)
    first_seen = episodes["miss_missing_episode_start_date"].min()
    ends = [end - pd.DateOffset(years=offset) for offset in range(years - 1, -1, -1)]
    return [e for e in ends if not pd.isna(first_seen) and e >= first_seen]


def _is_away(eps: pd.DataFrame) -> pd.Series:
    """'Away' episodes (whereabouts known); an episode with no type counts as missing."""
    return (eps["miss_missing_episode_type"] == "A").fillna(False).astype(bool)


def yearly(episodes: pd.DataFrame, area: str, period_end, years: int = 5, by_type: bool | None = None) -> pd.DataFrame:
    """Children and episodes per financial year for the last ``years`` years, per scope.

    With ``by_type`` (default: when a kind of episode stops or starts being recorded within
    those years, :func:`recording_breaks`), each year also has the episodes recorded as
    missing (not 'away') and the 'away' episodes, and the children with an episode recorded
    as missing and the children only 'away' (each pair adds up to the total): the
    missing-only series stays comparable across the break. Without a break they are left
    out: they would only cost figures hidden to protect small counts of children only 'away'.
    Years before the first recorded episode are left out rather than shown as zero."""
    if by_type is None:
        by_type = not recording_breaks(episodes, period_end, years).empty
    frames = []
    for year_end in trend_years(episodes, period_end, years):
        eps = episodes_in_period(episodes, year_end)
        label = period_label(year_end)
        for scope, sub in scope_frames(eps).items():
            group = [SCOPES[scope]]
            frames += [count_result("missing.children", area, "scope", group, [sub["miss_person_id"].nunique()], label),
                       count_result("missing.episodes", area, "scope", group, [len(sub)], label)]
            if by_type:
                away = _is_away(sub)
                children = sub["miss_person_id"].nunique()
                children_missing = sub.loc[~away, "miss_person_id"].nunique()
                frames += [
                    count_result("missing.children_missing_only", area, "scope", group, [children_missing], label),
                    count_result("missing.children_away_only", area, "scope", group, [children - children_missing], label),
                    count_result("missing.episodes_missing_only", area, "scope", group, [int((~away).sum())], label),
                    count_result("missing.episodes_away", area, "scope", group, [int(away.sum())], label),
                ]
    return combine(*frames)


def episode_length(episodes: pd.DataFrame, area: str, period_end, threshold: int = 0) -> pd.DataFrame:
    """Episodes starting in the period that ended, by length (:data:`EPISODE_LENGTH`), per scope:
    counts (``missing.episodes_ended`` by length, groups '<scope>: <band>') and percentages of
    the scope's episodes that ended. The bands add up to them (see :data:`RELATIONS`).

    A scope with 1 to ``threshold`` episodes that ended has its bands not published (no count
    cell; :func:`finish_protection` hides them, reason SMALL_GROUP): as hidden parts of a
    hidden small whole they would narrow it down (three bands shown 'c' say 'at least 3')."""
    labels = [label for label, _ in EPISODE_LENGTH]
    edges = [0.0] + [upper for _, upper in EPISODE_LENGTH]
    frames = []
    for scope, eps in scope_frames(episodes_in_period(episodes, period_end)).items():
        hours = eps["duration_hours"].dropna().astype(float)
        counts = pd.cut(hours, edges, labels=labels, include_lowest=True).value_counts().reindex(labels, fill_value=0)
        frame = percent_result("missing.episode_length_pct", area, LENGTH, [f"{SCOPES[scope]}: {x}" for x in labels],
                               counts.to_numpy(), np.full(len(labels), len(hours)), period_label(period_end))
        small = 0 < len(hours) <= threshold
        frames.append(frame.assign(den_concept=f"missing.episodes_ended@scope={SCOPES[scope]}",
                                   num_concept="" if small else None, within_small_group=small))
    return combine(*frames)


def finish_protection(name: str, frame: pd.DataFrame, plan) -> pd.DataFrame:
    """Hide the rows :func:`episode_length` did not publish (count, share and interval) as 'c'."""
    if "within_small_group" not in frame or not frame["within_small_group"].fillna(False).astype(bool).any():
        return frame
    out, at = frame.copy(), frame["within_small_group"].fillna(False).astype(bool)
    out.loc[at, ["numerator", "value", "lower", "upper"]] = np.nan
    out.loc[at, "symbol"] = "c"
    out.loc[at & (out["reason"] == ""), "reason"] = SMALL_GROUP
    return out


def yearly_rates(episodes: pd.DataFrame, area: str, period_end, years: int = 5,
                 missing_only: bool | None = None) -> pd.DataFrame:
    """Per year of :func:`yearly` and scope: children who went missing 2 or more times (%),
    episodes over 24 hours (%) and the median length of episodes that ended, and missing
    episodes that ended with an interview offered within 72 hours (%: never counts 'away').

    With ``missing_only`` (default: when 'away' episodes stop or start being recorded within
    those years, :func:`recording_breaks`) the first three count only episodes recorded as
    missing, so the series stays comparable across the break. The latest year then also has,
    never shown, the counts that tie them to the year's figures for all episodes (children 2+
    times only with 'away' episodes; 'away' episodes that ended, and over 24 hours): the
    disclosure plan must know that each difference is a count of its own."""
    if missing_only is None:
        missing_only = bool((recording_breaks(episodes, period_end, years)["category"] == "A").any())
    ends = trend_years(episodes, period_end, years)
    frames = []
    for year_end in ends:
        eps, label = episodes_in_period(episodes, year_end), period_label(year_end)
        for scope, sub in scope_frames(eps).items():
            frames += _repeat_and_length(sub, area, SCOPES[scope], label, missing_only, year_end == ends[-1])
        due = _rhi_due(eps)
        frames += [_within_72h(d, area, SCOPES[s], label, _has_offer_dates(due)) for s, d in scope_frames(due).items()]
    return combine(*frames)


def _repeat_and_length(eps, area, group, period, missing_only, latest) -> list[pd.DataFrame]:
    ids = ("missing.repeat_2plus_pct", "missing.over_24h_pct", "missing.median_duration_hours")
    all_children, all_hours = eps.groupby("miss_person_id").size(), eps["duration_hours"].dropna().astype(float)
    if missing_only:
        ids = ("missing.repeat_2plus_missing_only_pct", "missing.over_24h_missing_only_pct",
               "missing.median_duration_missing_only_hours")
        eps = eps[~_is_away(eps)]
    per_child, hours = eps.groupby("miss_person_id").size(), eps["duration_hours"].dropna().astype(float)
    out = [percent_result(ids[0], area, "scope", [group], [int((per_child >= 2).sum())], [len(per_child)], period),
           percent_result(ids[1], area, "scope", [group], [int((hours > 24).sum())], [len(hours)], period),
           value_result(ids[2], area, "scope", [group], [hours.median() if len(hours) else np.nan], [len(hours)], period)]
    if missing_only and latest:
        out += [count_result(mid, area, "scope", [group], [k], period) for mid, k in (
            ("missing.children_2plus_with_away", int((all_children >= 2).sum() - (per_child >= 2).sum())),
            ("missing.episodes_away_ended", len(all_hours) - len(hours)),
            ("missing.episodes_away_over_24h", int((all_hours > 24).sum() - (hours > 24).sum())))]
    return out


def _rhi_due(eps: pd.DataFrame) -> pd.DataFrame:
    """Missing episodes after which a return interview is due: ended (a recorded end after the
    start, as for every 'episodes that ended') and not 'away' (an episode with no type counts)."""
    return eps[eps["duration_hours"].notna() & ~_is_away(eps)]


def _has_offer_dates(due: pd.DataFrame) -> bool:
    return "miss_missing_rhi_offered_date" in due and bool(due["miss_missing_rhi_offered_date"].notna().any())


def _within_72h(due: pd.DataFrame, area: str, group: str, period: str, has_dates: bool) -> pd.DataFrame:
    """Interviews offered within 72 hours of the return, of missing episodes that ended; not
    available (x) rather than guessed when the log has no offered date that year."""
    within = due["rhi_offered_within_72h"].fillna(False).astype(bool)
    out = percent_result("missing.rhi_offered_within_72h_pct", area, "scope", [group], [int(within.sum())], [len(due)], period)
    if not has_dates:
        out.loc[:, ["value", "lower", "upper"]] = np.nan
        out["symbol"] = "x"
    return out


#: Episode types in words, for recording breaks.
EPISODE_TYPE_NAMES = {"A": "'Away' episodes", "M": "Episodes recorded as missing"}
SCOPE_WORDS = {SCOPES["home"]: "from home", SCOPES["care"]: "from care", SCOPES["all"]: ""}


def recording_breaks(episodes: pd.DataFrame, period_end, years: int = 5, **rule) -> pd.DataFrame:
    """Episode types (missing 'M', away 'A') that stop or start being recorded between two
    years of the trend, per scope (labels of :data:`SCOPES`): see
    :func:`safeguarding.quality.recording_breaks` for the rule (``rule``: ``min_count``,
    ``min_share``)."""
    from safeguarding import quality
    ends = trend_years(episodes, period_end, years)
    if len(ends) < 2:
        return pd.DataFrame(columns=quality.BREAK_COLUMNS)
    start, _ = period_bounds(ends[0])
    _, stop = period_bounds(ends[-1])
    when = episodes["miss_missing_episode_start_date"]
    window = episodes[(when >= start) & (when <= stop)]
    frames = {SCOPES[scope]: sub for scope, sub in scope_frames(window).items()}

    def year_of(frame):
        return frame["miss_missing_episode_start_date"].map(lambda d: period_label(_year_end(d)))

    return quality.recording_breaks(frames, "miss_missing_episode_type", year_of, categories=("M", "A"),
                                    years=[period_label(e) for e in ends], **rule)


def distinct_breaks(breaks: pd.DataFrame) -> pd.DataFrame:
    """Breaks without those of 'All children' already seen from home or from care."""
    if breaks.empty:
        return breaks
    keys = ["category", "change", "year_before", "year_after"]
    rows = [tuple(r) for r in breaks[keys].itertuples(index=False)]
    seen = {key for key, scope in zip(rows, breaks["scope"]) if scope != SCOPES["all"]}
    keep = [scope != SCOPES["all"] or key not in seen for key, scope in zip(rows, breaks["scope"])]
    return breaks[keep].reset_index(drop=True)


def return_interviews(episodes: pd.DataFrame, area: str, period_end) -> pd.DataFrame:
    """Return home interview measures per scope, counted in the missing episodes that ended in
    the period (:func:`_rhi_due`: 'away' episodes are left out, no interview is due after them; an
    end recorded before the start is not an end, as for episode length), and the time
    from the child's return to each completed interview (all children).

    When the log has no RHI offered date, 'offered within 72 hours' is marked not available
    (symbol x) rather than guessed.
    """
    period = period_label(period_end)
    eps = _rhi_due(episodes_in_period(episodes, period_end))
    has_dates = _has_offer_dates(eps)
    frames = []
    for scope, sub in scope_frames(eps).items():
        label = SCOPES[scope]
        n = len(sub)
        offered = (sub["miss_missing_rhi_offered"] == "Y") | sub.get("miss_missing_rhi_offered_date", pd.Series(index=sub.index)).notna()
        accepted = offered & (sub["miss_missing_rhi_accepted"] == "Y")
        declined = offered & (sub["miss_missing_rhi_accepted"] == "N")
        completed = sub.get("miss_missing_rhi_completed_date", pd.Series(pd.NaT, index=sub.index)).notna()
        hours = sub.loc[completed, "hours_to_rhi"]
        frames += [
            percent_result("missing.rhi_offered_pct", area, "scope", [label], [offered.sum()], [n], period),
            _within_72h(sub, area, label, period, has_dates),
            percent_result("missing.rhi_accepted_pct", area, "scope", [label], [accepted.sum()], [offered.sum()], period),
            percent_result("missing.rhi_declined_pct", area, "scope", [label], [declined.sum()], [offered.sum()], period),
            percent_result("missing.rhi_completed_pct", area, "scope", [label], [completed.sum()], [n], period),
            percent_result("missing.rhi_completed_within_72h_pct", area, "scope", [label],
                           [int(hours.between(0, 72).sum())], [n], period),
            value_result("missing.median_hours_to_rhi", area, "scope", [label],
                         [hours.dropna().median() if hours.notna().any() else np.nan], [int(hours.notna().sum())], period),
        ]
        if scope == "all":
            bands = time_to_interview(hours)
            frames.append(percent_result("missing.rhi_time_to_interview_pct", area, "time to interview",
                                         list(bands.index), bands.to_numpy(), np.full(len(bands), int(completed.sum())),
                                         period))
    return combine(*frames)


def time_to_interview(hours: pd.Series) -> pd.Series:
    """Completed interviews by time from the child's return (:data:`TIME_TO_INTERVIEW`), with
    'Not known' for a missing time or one before the return: every interview in one band."""
    labels = [label for label, _ in TIME_TO_INTERVIEW]
    edges = [0.0] + [upper for _, upper in TIME_TO_INTERVIEW]
    banded = pd.cut(hours.where(hours >= 0), edges, labels=labels, right=True, include_lowest=True)
    counts = banded.value_counts().reindex(labels, fill_value=0)
    counts[NOT_KNOWN_TIME] = int(banded.isna().sum())
    return counts.astype(int)


def cla_missing(cla_missing_table: pd.DataFrame, cla_episodes: pd.DataFrame, area: str, collection_year: int) -> pd.DataFrame:
    """Looked-after children who went missing (SSDA903 definitions, as the DfE publishes them):
    children looked after at any time in the year with at least one missing (M) incident, as a
    percentage of children looked after during the year; and incidents per such child."""
    start, end = collection_year_bounds(collection_year)
    cla_children = set(looked_after_during_year(cla_episodes, collection_year)["CHILD"])
    mis = cla_missing_table
    if "collection_year" in mis:
        mis = mis[mis["collection_year"] == collection_year]
    mis = mis[(mis["MISSING"] == "M") & (mis["MIS_START"] >= start) & (mis["MIS_START"] <= end) & mis["CHILD"].isin(cla_children)]
    children = mis["CHILD"].nunique()
    label = period_label(end)
    return combine(
        percent_result("missing.cla_missing_pct", area, "all", ["Looked-after children"], [children], [len(cla_children)], label),
        ratio_result("missing.cla_incidents_per_child", area, "all", ["Looked-after children"], [len(mis)], [children], label),
    )


# ---- relations between count cells (for the disclosure plan) ------------------------------
def _all_children(group: str) -> str:
    return SCOPES["all"]


def _completed_within_72h(keys: set[str]) -> list[tuple[list[str], str]]:
    """Interviews completed within 72 hours are those within 24 hours and within 1 to 3 days."""
    out = []
    for key in keys:
        concept, breakdown, group, period = split_key(key)
        if concept == "missing.episodes_rhi_completed_72h" and (breakdown, group) == ("scope", SCOPES["all"]):
            parts = [cell_key("missing.episodes_rhi_completed", "time to interview", label, period)
                     for label, upper in TIME_TO_INTERVIEW if upper <= 72]
            if all(p in keys for p in parts):
                out.append((parts, key))
    return out


def _length_scope(group: str) -> str:
    return group.split(": ", 1)[0]


def _length_in_all(group: str) -> str | None:
    scope, band = group.split(": ", 1)
    return f"{SCOPES['all']}: {band}" if scope != SCOPES["all"] else None


def _over_24h_by_length(keys: set[str]) -> list[tuple[list[str], str]]:
    """Episodes over 24 hours are those lasting 1 to 2 days and more than 2 days."""
    out = []
    for key in keys:
        concept, breakdown, group, period = split_key(key)
        if concept == "missing.episodes_over_24h" and breakdown == "scope":
            parts = [cell_key("missing.episodes_ended", LENGTH, f"{group}: {label}", period)
                     for label, upper in EPISODE_LENGTH if upper > 24]
            if all(p in keys for p in parts):
                out.append((parts, key))
    return out


#: How this theme's count cells add up (see safeguarding.results.relations).
RELATIONS = (
    # Each child is counted once, in one group of each breakdown: the groups add up to all children.
    *(Rollup(("missing.children",), breakdown, "scope", SCOPES["all"]) for breakdown in ("age_band", "sex", "ethnicity")),
    # Episodes by month add up to all episodes of the year.
    Rollup(("missing.episodes",), "month", "scope", SCOPES["all"]),
    # Episodes from home and from care are within all episodes (some say neither; where none
    # does, a reader who sees the parts add up elsewhere may assume they do: an equation).
    Rollup(("missing.episodes", "missing.episodes_missing_only", "missing.episodes_ended", "missing.episodes_away",
            "missing.episodes_over_24h",
            "missing.episodes_rhi_due", "missing.episodes_rhi_offered", "missing.episodes_rhi_within_72h",
            "missing.episodes_rhi_accepted", "missing.episodes_rhi_declined", "missing.episodes_rhi_completed",
            "missing.episodes_rhi_completed_72h", "missing.episodes_missing_only_over_24h", "missing.episodes_away_ended",
            "missing.episodes_away_over_24h"),
           "scope", "scope", {SCOPES["home"]: SCOPES["all"], SCOPES["care"]: SCOPES["all"]}, subset=True,
           tight_when_equal=True),
    # Episodes that ended, by length: the bands add up to them in each scope (home and care within all).
    Rollup(("missing.episodes_ended",), LENGTH, "scope", _length_scope),
    Rollup(("missing.episodes_ended",), LENGTH, LENGTH, _length_in_all, subset=True),
    Custom(_over_24h_by_length, "episodes over 24 hours = 1 to 2 days + more than 2 days"),
    # Subsets: 3+ within 2+ within children; ended within episodes; RHI counts within their base.
    Components("missing.children", ("missing.children_2plus",), subset=True),
    Components("missing.children_2plus", ("missing.children_3plus",), subset=True),
    Components("missing.episodes", ("missing.episodes_ended",), subset=True),
    Components("missing.episodes", ("missing.episodes_away",), subset=True),
    # Each year: episodes recorded as missing + 'away' episodes = all episodes; children with a
    # missing episode + children only 'away' = all children (the series read across a break).
    Components("missing.episodes", ("missing.episodes_missing_only", "missing.episodes_away"), ("scope",)),
    Components("missing.children", ("missing.children_missing_only", "missing.children_away_only"), ("scope",)),
    Components("missing.episodes_ended", ("missing.episodes_over_24h",), subset=True),
    # Ended = missing episodes that ended (interview due) + 'away' ones; over 24 hours and children 2+
    # times likewise (the trend counting only episodes recorded as missing: see yearly_rates).
    Components("missing.episodes_ended", ("missing.episodes_rhi_due", "missing.episodes_away_ended")),
    Components("missing.episodes_over_24h", ("missing.episodes_missing_only_over_24h", "missing.episodes_away_over_24h")),
    Components("missing.children_2plus", ("missing.children_missing_only_2plus", "missing.children_2plus_with_away")),
    Components("missing.children_missing_only", ("missing.children_missing_only_2plus",), subset=True),
    Components("missing.episodes_missing_only", ("missing.episodes_rhi_due",), subset=True),
    Components("missing.episodes_rhi_due", ("missing.episodes_missing_only_over_24h",), subset=True),
    Components("missing.episodes_away", ("missing.episodes_away_ended",), subset=True),
    Components("missing.episodes_away_ended", ("missing.episodes_away_over_24h",), subset=True),
    Components("missing.episodes_rhi_due", ("missing.episodes_rhi_offered",), subset=True),
    Components("missing.episodes_rhi_due", ("missing.episodes_rhi_completed",), subset=True),
    Components("missing.episodes_rhi_completed", ("missing.episodes_rhi_completed_72h",), subset=True),
    # Completed interviews by time to interview add up to all completed interviews.
    Rollup(("missing.episodes_rhi_completed",), "time to interview", "scope", SCOPES["all"]),
    Custom(_completed_within_72h, "interviews within 72 hours = within 24 hours + 1 to 3 days"),
    Components("missing.episodes_rhi_offered", ("missing.episodes_rhi_accepted", "missing.episodes_rhi_declined"), subset=True),
    Components("missing.episodes_rhi_offered", ("missing.episodes_rhi_within_72h",), subset=True),
)


def published_counterpart(measure_id: str, breakdown: str, group: str) -> str | None:
    """The DfE figure of a result row (:mod:`safeguarding.results.public`): looked-after
    children who went missing, out of those looked after during the year."""
    return "cla_missing.pct_missing" if measure_id == "missing.cla_missing_pct" else None


def compute(ctx: Context) -> ThemeResults:
    """Every result of the missing theme for a borough and period (unprotected)."""
    from safeguarding import quality
    from safeguarding.codes.lists import collection_year
    from safeguarding.published.population import child_population_by_ethnicity

    eps, name, end = ctx.tables["missing_episodes"], ctx.area.name, ctx.period_end
    start, stop = period_bounds(end)
    dates = eps["miss_missing_episode_start_date"]
    if not ((dates >= start) & (dates <= stop)).any():
        years = sorted({period_label(d) for d in dates.dropna().map(_year_end)})
        raise InputError(f"The missing log for {name} has no episodes starting in {period_label(end)}; it covers "
                         f"{', '.join(years) or 'no dates'}. Check period_end.")
    breaks = recording_breaks(eps, end)
    tables = {"headline": headline(eps, name, end), "yearly": yearly(eps, name, end, by_type=not breaks.empty),
              "monthly": monthly(eps, name, end), "length": episode_length(eps, name, end, ctx.threshold),
              "trends": yearly_rates(eps, name, end, missing_only=bool((breaks["category"] == "A").any()))}
    for key in ("age_band", "sex", "ethnicity"):
        tables[key] = children_by_group(eps, name, end, key)
    pop = child_population_by_ethnicity(ctx.area, pd.Timestamp(end).year - 1, published_dir=ctx.published_dir)
    pop_major = pop.groupby("major")["population_0_17"].sum()
    tables["eth_rate"] = rate_by_ethnicity(eps, pop_major, name, end)
    tables["rhi"] = return_interviews(eps, name, end)
    if {"cla_missing", "cla_episodes"} <= set(ctx.tables):
        tables["cla"] = cla_missing(ctx.tables["cla_missing"], ctx.tables["cla_episodes"], name, collection_year(end))
    checks = quality.children_exceed_episodes(tables["headline"], "missing.children", "missing.episodes")
    checks += quality.percent_consistent(tables["headline"])
    for key in ("age_band", "sex", "ethnicity"):
        checks += quality.shares_sum_to_100(tables[key], "missing.children_by_group")
    checks += quality.check_missing_log(eps, end, ctx.tables.get("cla_missing"), threshold=ctx.threshold)
    checks += quality.check_against_published(ctx.tables, ctx.area, collection_year(end), ctx.published_dir, ("cla",))
    checks += quality.check_recording_breaks(distinct_breaks(breaks), EPISODE_TYPE_NAMES, SCOPE_WORDS,
                                             no_counts_in=_years_with_small_counts(tables["yearly"], ctx.threshold),
                                             threshold=ctx.threshold)
    meta = {"population_by_major_group": {str(k): float(v) for k, v in pop_major.items()},
            # which years are either side of a break in recording (no counts: the view takes them,
            # protected, from the yearly table)
            "recording_breaks": breaks[["scope", "category", "change", "year_before", "year_after"]].to_dict("records")}
    return ThemeResults(tables, meta, checks)


def _years_with_small_counts(yearly_table: pd.DataFrame, threshold: int) -> set[str]:
    """Years where an episode count of the yearly table (any scope) is from 1 to the threshold:
    a count in the same sums may then be hidden to protect it, so a data-quality finding
    must not print it."""
    ids = ("missing.episodes", "missing.episodes_missing_only", "missing.episodes_away")
    sub = yearly_table[yearly_table["measure_id"].isin(ids)]
    return set(sub.loc[sub["numerator"].between(1, threshold), "period"])


def _year_end(day) -> pd.Timestamp:
    """The 31 March that ends the financial year containing ``day``."""
    day = pd.Timestamp(day)
    return pd.Timestamp(year=day.year + (day.month > 3), month=3, day=31)
