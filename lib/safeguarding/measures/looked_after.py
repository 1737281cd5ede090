"""Children looked after (theme 70): the stock at 31 March, who started and ceased, legal status,
placements, stability, unaccompanied asylum-seeking children (SSDA903).

Every measure counts **children**, as DfE's *Children looked after in England* does. Inputs are
the processed SSDA903 tables ``cla_episodes``, ``cla_header`` and (optional) ``cla_uasc``.
Definitions follow DfE's tables (A1, C1, D1 and the placement stability table):

* children under an agreed series of short-term breaks (legal status V3, V4) are left out of
  every count (:func:`safeguarding.cohorts.care_episodes`);
* *looked after at 31 March*: an episode started on or before 31 March and not ended on or
  before it (:func:`safeguarding.cohorts.looked_after_on`); legal status, placement, age and
  sex are those of that day;
* *started*: a child with an episode that started a period of care (RNE S) in the year, counted
  once however many times they started;
* *ceased*: a child whose period of care ended in the year (an episode with a reason care ended
  other than X1), counted once, with the reason of the last time;
* *placements in the year*: the placement open on 1 April, and each placement that began in the
  year with a new carer (episodes with RNE S, P or B); a change of legal status only (L), or of
  placement with the same carer (T, U), is not a new placement, and temporary placements (T0 to
  T4) are not counted (DfE's placement stability measure);
* *unaccompanied asylum-seeking*: a child in the SSDA903 UASC table whose UASC status had not
  ended (DUC blank or after the day).

Long-term stability, placements over two years and distance from home need every earlier year's
return and postcodes; the briefing shows DfE's figures for them (:data:`PUBLISHED_ONLY`).
"""

from __future__ import annotations

import pandas as pd

from safeguarding.codes.lists import LS, PLACE, PLACE_GROUPS, REC, SEX, collection_year, period_bounds, period_label
from safeguarding.cohorts import care_episodes, looked_after_on
from safeguarding.derive import age_at, age_band, band_order
from safeguarding.measures.cin_common import NOT_RECORDED, shares, year_and_population
from safeguarding.measures.registry import MeasureSpec
from safeguarding.measures.results import combine, count_result, percent_result, rate_result
from safeguarding.results.relations import Components, Custom, Rollup, cell_key, split_key
from safeguarding.results.store import Context, ThemeResults

THEME = "looked_after"
P = f"{THEME}."
ALL = "All"
COUNTS = "looked-after children"
AGE_ORDER = tuple(band_order("dfe"))
LEGAL_ORDER = ("Care orders", "Placement orders", "Accommodated under section 20", "Detained for child protection",
               "Youth justice legal statuses")
REASON_ORDER = ("Returned home to parents or relatives", "Adopted", "Special guardianship order",
                "Child arrangements or residence order", "Moved into independent living",
                "Aged 18, stayed with their carers (staying put)", "Other reasons")
#: Episodes that begin a new placement with a new carer, and placements that are not counted.
NEW_PLACEMENT = ("S", "P", "B")
TEMPORARY = ("T0", "T1", "T2", "T3", "T4")
_POP = "children aged 0 to 17 living in the borough (ONS mid-year estimate for the June before the year ends)"


def _count(mid, label, definition, published_id=None):
    return MeasureSpec(P + mid, THEME, label, definition, "count", COUNTS, published_id=published_id)


def _rate(mid, label, definition, numerator, num_cell, published_id):
    return MeasureSpec(P + mid, THEME, label, definition, "per_10k", COUNTS, numerator, _POP, ci_method="poisson_exact",
                       published_id=published_id, numerator_cell=P + num_cell, decimals=0)


def _pct(mid, label, definition, numerator, denominator, num_cell, den_cell, polarity="none", published_id=None):
    return MeasureSpec(P + mid, THEME, label, definition, "percent", COUNTS, numerator, denominator, polarity=polarity,
                       ci_method="wilson", published_id=published_id, numerator_cell=P + num_cell,
                       denominator_cell=P + den_cell)


MEASURES: tuple[MeasureSpec, ...] = (
    _count("cla_31mar", "Children looked after at 31 March", "Children looked after on 31 March (an SSDA903 episode "
           "open that day), leaving out children under a series of short-term breaks.", "cla.count_31mar"),
    _rate("rate_per_10k", "Children looked after per 10,000 children", "Children looked after on 31 March per 10,000 "
          "children aged 0 to 17 (DfE rounds this rate to a whole number).", "children looked after at 31 March",
          "cla_31mar", "cla.rate_per_10k"),
    _count("starts", "Children starting to be looked after", "Children who started to be looked after in the year "
           "(an episode with reason for new episode S), each counted once.", "cla.starts_count"),
    _rate("starts_rate_per_10k", "Children starting to be looked after per 10,000 children", "Children who started to "
          "be looked after in the year per 10,000 children aged 0 to 17.", "children starting", "starts",
          "cla.starts_rate_per_10k"),
    _count("ceased", "Children ceasing to be looked after", "Children who ceased to be looked after in the year (an "
           "episode ending with a reason care ended), each counted once.", "cla.ceased_count"),
    _rate("ceased_rate_per_10k", "Children ceasing to be looked after per 10,000 children", "Children who ceased to be "
          "looked after in the year per 10,000 children aged 0 to 17.", "children ceasing", "ceased",
          "cla.ceased_rate_per_10k"),
    _pct("placements_3plus_pct", "Three or more placements in the year", "Of children looked after on 31 March, the "
         "percentage with three or more placements in the year (the placement open on 1 April and each new placement "
         "with a new carer; temporary placements not counted).", "children with 3 or more placements",
         "children looked after at 31 March", "placements_3plus", "cla_31mar", polarity="lower_better",
         published_id="cla.placements_3plus_pct"),
    _pct("uasc_pct", "Unaccompanied asylum-seeking children", "Of children looked after on 31 March, the percentage "
         "who were unaccompanied asylum-seeking children that day (SSDA903 UASC table).",
         "unaccompanied asylum-seeking children", "children looked after at 31 March", "uasc_31mar", "cla_31mar",
         published_id="cla.uasc_pct"),
    _pct("uasc_starts_pct", "Unaccompanied asylum-seeking children among those starting", "Of children who started "
         "to be looked after in the year, the percentage who were unaccompanied asylum-seeking children when they "
         "started.", "unaccompanied asylum-seeking children starting", "children starting", "uasc_starts", "starts",
         published_id="cla.uasc_starts_pct"),
    _pct("placement_pct", "Placement at 31 March", "Of children looked after on 31 March, the "
         "percentage in each group of placement types (DfE's groups; PLACE of the episode open that day).",
         "children in the placement group", "children looked after at 31 March", "cla_31mar", "cla_31mar@all=All"),
    _pct("legal_status_pct", "Legal status at 31 March", "Of children looked after on 31 "
         "March, the percentage under each group of legal statuses (LS of the episode open that day).",
         "children under the legal status", "children looked after at 31 March", "cla_31mar", "cla_31mar@all=All"),
    _pct("ceased_reason_pct", "Reason care ended", "Of children who ceased to be looked "
         "after in the year, the percentage in each group of reasons (REC of the last time care ended).",
         "children ceasing for the reason", "children ceasing", "ceased", "ceased@all=All"),
    _pct("by_group_pct", "Age and sex at 31 March", "Of children looked after on 31 March, "
         "the percentage of each age (on 31 March) and sex (SSDA903 Header).", "children of the group",
         "children looked after at 31 March", "cla_31mar", "cla_31mar@all=All"),
)

#: Figures only DfE can give (they need earlier years' returns or postcodes): shown as
#: published, for the borough beside England, the region and neighbours.
PUBLISHED_ONLY: tuple[MeasureSpec, ...] = (
    MeasureSpec(P + "long_term_stability_pct", THEME, "Long-term stability (DfE's figure)", "Of children under 16 "
                "looked after for two and a half years or more at 31 March, the percentage living with the same "
                "carer for at least two years, or placed for adoption (DfE).", "percent", COUNTS,
                polarity="higher_better", decimals=0, published_id="cla.long_term_stability_pct"),
    MeasureSpec(P + "placements_3plus_2yrs_pct", THEME, "Three or more placements in two years (DfE's figure)",
                "Of children looked after for two years at 31 March, the percentage with three or more placements in "
                "those two years (DfE).", "percent", COUNTS, polarity="lower_better", decimals=0,
                published_id="cla.placements_3plus_2yrs_pct"),
    MeasureSpec(P + "over_20_miles_pct", THEME, "Placed more than 20 miles from home, outside the borough (DfE's "
                "figure)", "Of children looked after at 31 March, the percentage placed more than 20 miles from their "
                "home and outside the local authority's boundary (DfE, LAIT).", "percent", COUNTS,
                polarity="lower_better", decimals=0, published_id="cla.over_20_miles_pct"),
)

#: The placement groups LAIT publishes a percentage for (its measures' catalogue ids).
PLACEMENT_PUBLISHED = {"Foster placements": "cla.foster_pct", "Secure homes and children's homes": "cla.childrens_homes_pct",
                       "Independent and semi-independent living, supported accommodation": "cla.independent_pct",
                       "Other residential settings": "cla.other_residential_pct",
                       "Placed with parents or others with parental responsibility": "cla.with_parents_pct",
                       "Other placements": "cla.other_placements_pct"}
#: The reasons care ended LAIT publishes for the borough (counts, or a percentage of those ceasing).
REASON_PUBLISHED = {"Adopted": "cla.ceased_adopted_count", "Special guardianship order": "cla.ceased_sgo_count",
                    "Child arrangements or residence order": "cla.ceased_cao_pct"}
PUBLISHED_ROWS = {P + "cla_31mar": "cla.count_31mar", P + "starts": "cla.starts_count", P + "ceased": "cla.ceased_count",
                  P + "placements_3plus_pct": "cla.placements_3plus_pct", P + "uasc_pct": "cla.uasc_pct",
                  P + "uasc_starts_pct": "cla.uasc_starts_pct"}


def _label(code_list, codes: pd.Series, use_group: bool = True) -> pd.Series:
    valid = code_list.valid()
    return codes.map(lambda c: (valid[c].group if use_group else valid[c].label)
                     if isinstance(c, str) and c in valid and (valid[c].group or not use_group) else NOT_RECORDED)


def placements_in_year(episodes: pd.DataFrame, start, end) -> pd.Series:
    """Placements of each child in the year (index CHILD): the placement open on ``start`` and
    every new placement with a new carer that began in the year, temporary ones left out."""
    eps = episodes[(episodes["DECOM"] <= end) & (episodes["DEC"].isna() | (episodes["DEC"] >= start))]
    counted = ~eps["PLACE"].isin(TEMPORARY) & ((eps["DECOM"] < start) | eps["RNE"].isin(NEW_PLACEMENT))
    return counted.groupby(eps["CHILD"]).sum()


def uasc_on(uasc: pd.DataFrame | None, children: pd.Series, days: pd.Series) -> pd.Series:
    """For each child (aligned with ``children``), whether they were an unaccompanied
    asylum-seeking child on the matching day of ``days``."""
    if uasc is None or uasc.empty:
        return pd.Series(False, index=children.index)
    ended = uasc.drop_duplicates("CHILD").set_index("CHILD")["DUC"]
    known = children.isin(ended.index)
    duc = children.map(ended)
    return known & (duc.isna() | (duc > days))


def _people(header: pd.DataFrame | None, children: pd.Series, day) -> tuple[pd.Series, pd.Series]:
    """Age band on ``day`` and sex of each child (aligned with ``children``), from the header."""
    if header is None or header.empty:
        none = pd.Series(NOT_RECORDED, index=children.index)
        return none, none
    head = header.sort_values("collection_year", kind="stable") if "collection_year" in header else header
    head = head.drop_duplicates("CHILD", keep="last").set_index("CHILD")
    dob = children.map(head["DOB"])
    band = age_band(age_at(pd.to_datetime(dob), pd.Timestamp(day)), "dfe").astype(object).fillna(NOT_RECORDED)
    sex = children.map(head["SEX"]).map(lambda c: SEX.label(c) if isinstance(c, str) and c in SEX.valid()
                                         else NOT_RECORDED)
    return band.set_axis(children.index), sex.set_axis(children.index)


def results(episodes: pd.DataFrame, header: pd.DataFrame | None, uasc: pd.DataFrame | None, area: str, period_end,
            population: float | None) -> dict[str, pd.DataFrame]:
    """Every result of the theme (unprotected), as named tables."""
    start, end = period_bounds(period_end)
    period = period_label(period_end)
    eps = care_episodes(episodes, collection_year(period_end))
    one = lambda mid, k: count_result(P + mid, area, "all", [ALL], [k], period)  # noqa: E731
    pct = lambda mid, k, n: percent_result(P + mid, area, "all", [ALL], [k], [n], period)  # noqa: E731
    rate = (lambda mid, k: rate_result(P + mid, area, "all", [ALL], [k], [population], period=period)) \
        if population else (lambda mid, k: None)
    stock = looked_after_on(eps, end)
    n = len(stock)
    began = eps[(eps["RNE"] == "S") & (eps["DECOM"] >= start) & (eps["DECOM"] <= end)]
    began = began.sort_values("DECOM", kind="stable").drop_duplicates("CHILD")
    ended = eps[eps["DEC"].between(start, end) & eps["REC"].notna() & (eps["REC"] != "X1")]
    ended = ended.sort_values("DEC", kind="stable").drop_duplicates("CHILD", keep="last")
    placements = placements_in_year(eps, start, end).reindex(stock["CHILD"]).fillna(0)
    uasc_now = uasc_on(uasc, stock["CHILD"], pd.Series(end, index=stock.index))
    uasc_began = uasc_on(uasc, began["CHILD"], began["DECOM"])
    band, sex = _people(header, stock["CHILD"], end)
    return {
        "stock_and_flows": combine(
            one("cla_31mar", n), rate("rate_per_10k", n), one("starts", len(began)),
            rate("starts_rate_per_10k", len(began)), one("ceased", len(ended)), rate("ceased_rate_per_10k", len(ended)),
            pct("uasc_pct", int(uasc_now.sum()), n), pct("uasc_starts_pct", int(uasc_began.sum()), len(began))),
        "placements": combine(
            shares(P + "placement_pct", area, "placement", _label(PLACE, stock["PLACE"]), PLACE_GROUPS, period),
            pct("placements_3plus_pct", int((placements >= 3).sum()), n)),
        "legal_status": shares(P + "legal_status_pct", area, "legal_status", _label(LS, stock["LS"]), LEGAL_ORDER,
                               period),
        "ceased_reasons": shares(P + "ceased_reason_pct", area, "reason", _label(REC, ended["REC"]), REASON_ORDER,
                                 period),
        "groups": combine(shares(P + "by_group_pct", area, "age", band, AGE_ORDER, period),
                          shares(P + "by_group_pct", area, "sex", sex, [c.label for c in SEX.codes], period)),
    }


def _within_children_during_year(keys: set[str]) -> list[tuple[list[str], str]]:
    """Children looked after at 31 March, and those who started, are among the children looked
    after during the year (the disproportionality and missing themes' count), in total."""
    out = []
    for key in keys:
        concept, breakdown, group, period = split_key(key)
        if concept != "cla.children_during_year" or breakdown != "all":
            continue
        parts = [k for k in (cell_key(P + "cla_31mar", "all", ALL, period), cell_key(P + "starts", "all", ALL, period))
                 if k in keys]
        out += [([part], key) for part in parts]
    return out


#: How this theme's count cells add up (see safeguarding.results.relations).
RELATIONS = (
    *(Rollup((P + "cla_31mar",), breakdown, "all", ALL, name=f"children looked after at 31 March by {breakdown}")
      for breakdown in ("placement", "legal_status", "age", "sex")),
    Rollup((P + "ceased",), "reason", "all", ALL, name="children ceasing by reason"),
    *(Components(P + total, (P + part,), subset=True, whole=("all", ALL)) for total, part in (
        ("cla_31mar", "placements_3plus"), ("cla_31mar", "uasc_31mar"), ("starts", "uasc_starts"))),
    Custom(_within_children_during_year, name="children looked after at 31 March or starting are among those looked "
           "after during the year", subset=True),
)


def published_counterpart(measure_id: str, breakdown: str, group: str) -> str | None:
    """The DfE figure of a result row (see :mod:`safeguarding.results.public`)."""
    if measure_id == P + "placement_pct" and breakdown == "placement":
        return PLACEMENT_PUBLISHED.get(group)
    if measure_id == P + "ceased_reason_pct" and breakdown == "reason":
        return REASON_PUBLISHED.get(group)
    return PUBLISHED_ROWS.get(measure_id) if breakdown == "all" else None


def compute(ctx: Context) -> ThemeResults:
    """Every result of the children looked after theme for a borough and period (unprotected)."""
    from safeguarding import quality
    year, population, problem = year_and_population(ctx, "cla_episodes", "Episodes", source="SSDA903")
    tables = results(ctx.tables["cla_episodes"], ctx.tables.get("cla_header"), ctx.tables.get("cla_uasc"),
                     ctx.area.name, ctx.period_end, population)
    checks = quality.check_against_published(ctx.tables, ctx.area, year, ctx.published_dir, counts=("cla",))
    return ThemeResults(tables, {"collection_year": year, "population": population, "population_problem": problem},
                        checks)
