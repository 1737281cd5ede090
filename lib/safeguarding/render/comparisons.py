"""Pieces every theme uses: comparator sections from published statistics, funnel plots,
and helpers to read a value and its symbol out of a protected result frame."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd

from safeguarding.issues import InputError
from safeguarding.measures import stats
from safeguarding.measures.registry import get as get_measure
from safeguarding.published import catalogue as cat
from safeguarding.published.comparators import published_trend_frame  # noqa: F401 - used by the theme views
from safeguarding.render import charts
from safeguarding.render.blocks import HtmlBlock, join_blocks, paragraph
from safeguarding.render.formats import (
    format_number_for_unit,
    format_published,
    published_places,
    same_when_rounded,
)
from safeguarding.render.lookup import first_row
from safeguarding.render.sentences import (
    SPREAD,
    comparison_title,
    describe_comparison,
    lower_first,
)
from safeguarding.render.tables import html_table



def _not_available(what: str, exc: Exception) -> str:
    """Why published figures are missing, fit for a circulated briefing (no local path)."""
    from safeguarding.published.figures import PublishedUnavailable
    if isinstance(exc, PublishedUnavailable):
        return f"{what} are not available for this measure: {exc}."
    return f"{what} are not available for this measure: DfE has not published them for this area and year."

def pick(frame: pd.DataFrame, measure_id: str, group=None, period=None) -> pd.Series | None:
    """The single row of ``frame`` for a measure (and group/period), or None."""
    keys = {"measure_id": measure_id}
    if group is not None:
        keys["group"] = group
    if period is not None:
        keys["period"] = period
    return first_row(frame, **keys)


def symbol_of(row) -> str | None:
    if row is None:
        return "x"
    s = row.get("symbol", "")
    return None if (s is None or (isinstance(s, float) and math.isnan(s)) or s == "") else str(s)


def comparator_frame(comp, borough_label: str, borough_value: float, borough_symbol=None,
                     show_published: bool = True, unit: str | None = None, decimals: int | None = None) -> pd.DataFrame:
    """Rows for a comparator chart/table: the borough, its published figure (unless
    ``show_published`` is False), England, the region, Inner/Outer London, the neighbour median
    and each neighbour. Given the measure's ``unit`` (and ``decimals``), a ``value_decimals``
    column says the places to show each published figure at: as DfE published it (11%, not
    11.0%; a median of two published figures keeps its half), the borough's own at the measure's."""
    frame = _comparator_rows(comp, borough_label, borough_value, borough_symbol, show_published)
    if unit is not None:
        frame["value_decimals"] = pd.Series(
            [decimals if role == "borough" else published_places(value, unit, decimals, comp.published_decimals)
             for role, value in zip(frame["role"], frame["value"])], dtype="object")
    return frame


def _comparator_rows(comp, borough_label: str, borough_value: float, borough_symbol, show_published: bool) -> pd.DataFrame:
    rows = [{"label": borough_label, "value": borough_value, "symbol": borough_symbol or "", "role": "borough"}]
    if show_published and (not math.isnan(comp.value) or comp.symbol):
        rows.append({"label": f"{comp.area.name} (published {comp.year_label})", "value": comp.value, "symbol": comp.symbol or "", "role": "borough_published"})
    rows.append({"label": "England", "value": comp.england, "symbol": comp.england_symbol or "", "role": "england"})
    if comp.region_name:
        rows.append({"label": comp.region_name, "value": comp.region, "symbol": comp.region_symbol or "", "role": "london"})
    if comp.sub_region_name:
        role = "inner_london" if "Inner" in comp.sub_region_name else "outer_london"
        rows.append({"label": comp.sub_region_name, "value": comp.sub_region, "symbol": comp.sub_region_symbol or "", "role": role})
    rows.append({"label": comp.sn_label, "value": comp.sn_median, "symbol": "" if not math.isnan(comp.sn_median) else "x",
                 "role": "neighbours_median"})
    for _, n in comp.neighbours.iterrows():
        rows.append({"label": n["name"], "value": n["value"], "symbol": n["symbol"] or "", "role": "neighbours"})
    return pd.DataFrame(rows)


def comparison_block(b, measure_id: str, borough_value: float, borough_symbol, borough_n=None, borough_k=None,
                     funnel_kind: str = "proportion", period_label: str | None = None, comparison=None, reason: str | None = None) -> HtmlBlock:
    """Sentence, comparator chart, funnel plot and table for one registered measure against its
    published counterpart (``MeasureSpec.published_id``); see :func:`published_comparison_block`.

    ``borough_value`` is the borough's own figure for the briefing period (from its data);
    the published figures are the latest year available. ``period_label`` names the
    period of the borough's figure when it is not the briefing's (e.g. an academic year);
    ``comparison`` is a ready :class:`~safeguarding.published.comparators.Comparison`
    (e.g. with estimated denominators for the funnel plot) instead of the published one.
    """
    spec = get_measure(measure_id)
    return published_comparison_block(b, spec, spec.published_id, borough_value, borough_symbol, borough_n, borough_k,
                                      phrase=spec.in_sentence, funnel_kind=funnel_kind, period_label=period_label,
                                      comparison=comparison, reason=reason)


def _per(unit: str) -> int:
    """Values, centres and limits are all in the measure's own unit (per cent, per 100, ...)."""
    return {"percent": 100, "per_100": 100, "per_10k": 10_000}.get(unit, 1)


def _with_denominators(comp) -> pd.DataFrame:
    las = comp.all_las.dropna(subset=["value", "denominator"])
    return las[las["denominator"] > 0]


def between_authorities(comp, unit: str, kind: str = "proportion"):
    """How much local authorities vary around England beyond chance (Spiegelhalter 2005):
    a :class:`~safeguarding.measures.stats.Overdispersion`, or None when it cannot be
    assessed (England not published, or too few authorities with published denominators)."""
    las = _with_denominators(comp)
    if math.isnan(comp.england) or len(las) < stats.MIN_UNITS_FOR_OVERDISPERSION:
        return None
    try:
        return stats.overdispersion(las["value"], las["denominator"], comp.england, kind=kind, per=_per(unit))
    except ValueError:
        return None


def funnel_block(b, comp, spec, value, symbol, k, n, kind="proportion", period_label=None):
    """Funnel plot of every authority against England, with limits widened for over-dispersion
    where authorities vary more than chance; or a sentence saying why there is none."""
    period_label = period_label or b.period_label
    las = _with_denominators(comp)
    if len(las) < 20 or math.isnan(comp.england):
        return None
    per = _per(spec.unit)
    target = comp.england
    spread = between_authorities(comp, spec.unit, kind)
    tau2 = spread.tau2_for_limits if spread is not None else 0.0
    n_max = max(las["denominator"].max(), n or 0) * 1.05
    grid = np.unique(np.linspace(max(1, las["denominator"].min() * 0.9), n_max, 200).round())
    limits = stats.funnel_limits(target, grid, kind=kind, per=per, tau2=tau2)
    points = las.rename(columns={"area_name": "area"})[["area", "value", "denominator"]].copy()
    points = points[points["area"] != b.area.name]
    if symbol is None and n and not math.isnan(value):
        points = pd.concat([points, pd.DataFrame([{"area": b.area.name, "value": value, "denominator": n}])], ignore_index=True)
        position = stats.funnel_position(value, n, target, kind=kind, per=per, tau2=tau2)
        where = _position_words(position)
        plain = stats.funnel_position(value, n, target, kind=kind, per=per, levels=(0.95,))
        if tau2 > 0 and position == "within" and plain != "within":
            # the words above the chart say 'more than chance' (the plain limits); so does the title
            where = (f"is {'above' if value > target else 'below'} England by more than chance, but within the usual "
                     "spread between authorities (the widened limits)")
    else:
        return None  # a funnel plot is drawn to place the borough: funnel_note says why it cannot be
    neighbours = list(comp.neighbours["name"])
    title = f"Against all local authorities, {b.area.name} {where}"
    widened = " (widened for the extra variation between authorities)" if tau2 > 0 else ""
    alt = (f"Funnel plot: {lower_first(spec.label)} for each local authority in {comp.year_label} against its number of "
           f"{spec.denominator or spec.counts}, with 95% and 99.8% control limits{widened} around England's "
           f"{format_published(comp.england, spec.unit, None, spec.decimals, comp.published_decimals)}. {b.area.name} ({period_label}) {where}.")
    chart = charts.funnel_plot(points, limits, borough=b.area.name, title=title, alt=alt, unit=spec.unit,
                               neighbours=neighbours, centre=comp.england, centre_label=f"England {comp.year_label}",
                               denominator_label=f"Number of {spec.denominator or spec.counts} (the denominator)",
                               decimals=spec.decimals, centre_decimals=published_places(
                                   comp.england, spec.unit, spec.decimals, comp.published_decimals))
    return dataclasses.replace(chart, kind="funnel")


def funnel_note(comp, spec, kind: str = "proportion", value=None, symbol=None, n=None) -> str:
    """The sentence under a funnel plot: whether the limits allow for authorities varying more
    than chance, or why there is no funnel plot (the borough's figure, or the number it is
    counted over, is not shown; or the published figures give no denominators)."""
    if math.isnan(comp.england):
        return ""
    if symbol is not None or value is None or (isinstance(value, float) and math.isnan(value)):
        return "No funnel plot: the borough's figure is not shown, so it cannot be placed among other authorities."
    if not n or (isinstance(n, float) and math.isnan(n)):
        return (f"No funnel plot: the borough's figure ({format_published(value, spec.unit, None, spec.decimals)}) is shown, but "
                "the number it is counted over is not, so it cannot be placed among other authorities.")
    if len(_with_denominators(comp)) < 20:
        return (f"No funnel plot: the {comp.year_label} figures published for other areas do not give each "
                f"authority's number of {spec.denominator or spec.counts}, which it needs.")
    spread = between_authorities(comp, spec.unit, kind)
    return ("Funnel plot: a point outside the limits is further from England than chance would explain for its "
            "size." + (f" {spread.describe()}" if spread is not None else ""))


def _position_words(position) -> str:
    text = str(position)
    if "99.8" in text and "above" in text:
        return "is well above England: beyond the 99.8% limit"
    if "99.8" in text and "below" in text:
        return "is well below England: beyond the 99.8% limit"
    if "above" in text:
        return "is above England: beyond the 95% limit"
    if "below" in text:
        return "is below England: beyond the 95% limit"
    return "is within the range expected by chance"


def published_comparison_block(b, spec, published_id: str, borough_value: float, borough_symbol, borough_n=None,
                               borough_k=None, *, label: str | None = None, phrase: str | None = None,
                               funnel_kind: str = "proportion", period_label: str | None = None,
                               comparison=None, reason: str | None = None) -> HtmlBlock:
    """Sentence, comparator chart, funnel plot and table for one measure against a named published measure.

    Like :func:`comparison_block`, for a measure compared with a different published
    measure in each group (care leavers aged 17 to 18 and 19 to 21 are published
    separately): ``published_id`` names it, ``label`` says which group ('NEET, aged 19
    to 21') and ``phrase`` reads after the borough's name in a sentence ('share of care
    leavers aged 19 to 21 who were NEET'). A difference from England or from the
    neighbours' median is called chance when the borough's figure lies inside the 95%
    funnel limits around that comparator for its denominator (the funnel plot's test).
    """

    from safeguarding.published.ees import year_label
    spec = dataclasses.replace(spec, label=label or spec.label, published_id=published_id)
    period_label = period_label or b.period_label
    if comparison is not None:
        comp = comparison
    else:
        try:
            comp = b.compare(published_id)
        except InputError as exc:
            return paragraph(_not_available("Published comparators", exc))
    unit, noun, phrase = spec.unit, spec.counts, phrase or spec.label
    published_year = year_label(comp.year, comp.measure.year_kind)
    own_symbol = symbol_of({"symbol": borough_symbol})
    hidden = bool(own_symbol) or borough_value is None or math.isnan(borough_value)
    if hidden:
        from safeguarding.render.hidden import hidden_summary, hidden_words
        if own_symbol != "c":
            why = "not available"
        elif reason:
            why = hidden_words(reason, b.threshold, noun).removeprefix("is ")
        else:
            why = f"hidden ({hidden_summary(['primary', 'secondary'], b.threshold, noun)})"
        dfe = comp.published_decimals
        others = [f"England's ({format_published(comp.england, unit, comp.england_symbol, spec.decimals, dfe)} in {published_year})"]
        if not math.isnan(comp.sn_median):
            others.append(f"{comp.sn_words} ({format_published(comp.sn_median, unit, None, spec.decimals, dfe)})")
        sent = [f"{b.area.name}'s {phrase} is {why}; it is not compared with {' or '.join(others)}."]
    near_england = None if hidden else within_funnel(borough_value, None, borough_n, comp.england, spec.unit,
                                                     funnel_kind, comp)
    if not hidden:
        sent = [describe_comparison(phrase, borough_value, target, name, spec.polarity, unit,
                                    within_noise=near_england if target == comp.england else
                                    within_funnel(borough_value, None, borough_n, target, spec.unit, funnel_kind, comp),
                                    area_name=b.area.name, comparator_symbol=symbol, decimals=spec.decimals,
                                    threshold=b.threshold, counts=noun, comparator_decimals=comp.published_decimals)
                for target, name, symbol in ((comp.england, f"England ({published_year})", comp.england_symbol),
                                             (comp.sn_median, comp.sn_words, None))
                if not math.isnan(target)]
    sent.append(published_year_words(b.area.name, period_label, comp))
    # The borough's published figure for the same period as its own hidden figure would give
    # the hidden one back (and with it the figures it protects): it is left out.
    same_period_hidden = hidden and published_year == period_label
    if same_period_hidden and math.isnan(comp.value):
        sent.append(f"DfE did not publish a figure for {b.area.name} for {period_label} either.")
    elif same_period_hidden:
        sent.append(f"DfE's published figure for {b.area.name} for {period_label} is not shown either: a hidden figure "
                    "is never printed beside a published figure for the same year.")
    frame = comparator_frame(comp, f"{b.area.name} ({period_label})", borough_value, own_symbol,
                             show_published=not same_period_hidden, unit=unit, decimals=spec.decimals)
    title = comparison_title(spec.label, b.area.name, np.nan if own_symbol else borough_value, comp.england,
                             within_noise=near_england, decimals=spec.decimals, region=b.area.region)
    alt = (f"Dot chart of {lower_first(spec.label)}: {b.area.name} {format_published(borough_value, unit, own_symbol, spec.decimals)}, "
           f"England {format_published(comp.england, unit, comp.england_symbol, spec.decimals, comp.published_decimals)}, "
           f"statistical neighbours' median {format_published(comp.sn_median, unit, None, spec.decimals, comp.published_decimals)}"
           ", and each neighbour.")
    chart = charts.comparator_chart(frame, title=title, alt=alt, unit=unit, decimals=spec.decimals,
                                    threshold=b.threshold, counts=noun)
    table = html_table(frame, {"label": "Area", "value": spec.label}, caption=f"{spec.label}: {b.area.name} and comparators",
                       detail=True,
                       units={"value": unit}, decimals={"value": spec.decimals}, threshold=b.threshold, counts=noun,
                       source=f"Department for Education, {comp.source_title or 'published statistics'} ({published_year}); "
                              f"{b.area.name} {period_label}: own records.")
    parts = [paragraph(" ".join(sent)), chart, table]
    funnel = funnel_block(b, comp, spec, borough_value, own_symbol, borough_k, borough_n, funnel_kind, period_label)
    note = funnel_note(comp, spec, funnel_kind, borough_value, own_symbol, borough_n)
    if note:
        parts.append(paragraph(note))
    if funnel is not None:
        parts.append(funnel)
    cite(b, f"{comp.source_title}, {published_year}", comp.measure.title)
    return join_blocks(*parts)


def cite(b, release: str, title: str) -> None:
    """Record that the briefing quotes ``title`` from a published ``release`` (and year): the
    methods cite each release once, with the figures quoted from it, each named once."""
    titles = b.cited.setdefault(release, [])
    if title not in titles:
        titles.append(title)


def _sources(published_id: str) -> str:
    """The publications a published measure's figures come from (its own and any continuation)."""
    measure = cat.get_measure(published_id)
    titles = [measure.source] + [cat.get_measure(other).source for other in measure.continued_by]
    return "; ".join(dict.fromkeys(t for t in titles if t))


def published_year_words(area_name: str, period_label: str, comp) -> str:
    """Which year the published figures are for, and why: 'Hounslow's figure is for 2024-25,
    from its own records; the published figures are for the same year.' or '... 2024/25 is
    not published yet, so the latest earlier published year, 2023/24, is shown.'"""
    shown = comp.year_label
    own = f"{area_name}'s figure is for {period_label}, from its own records"
    if comp.matches_year:
        return f"{own}; the published figures for other areas are for the same year ({shown})."
    from safeguarding.published.ees import year_label
    asked = year_label(comp.year_requested, comp.measure.year_kind)
    return (f"{own}. This measure is not published for {asked} in the published files held, so other areas are "
            f"shown for the latest year published, {shown}.")


def within_funnel(value, symbol, n, target, unit: str = "percent", kind: str = "proportion",
                  comparison=None) -> bool | None:
    """Whether ``value`` lies inside the 95% funnel limits around ``target`` for its denominator ``n``.

    The test the funnel plot draws: True means the difference from ``target`` is small
    enough to be chance; :data:`SPREAD` when it is more than chance but within the usual
    variation between authorities (the limits widened for over-dispersion, given the published
    ``comparison``: see :func:`between_authorities`); False when it is beyond even those. Words
    for each: :func:`~safeguarding.render.sentences.describe_comparison`. None when it cannot be assessed (a
    hidden or missing figure, no denominator, a target outside 0-100% for a percentage).
    """
    if symbol or any(x is None or (isinstance(x, float) and math.isnan(x)) for x in (value, n, target)) or n <= 0:
        return None
    per = {"percent": 100, "per_100": 100, "per_10k": 10_000}.get(unit, 1)
    if kind == "proportion" and not 0 <= target / per <= 1:
        return None
    if stats.funnel_position(value, n, target, kind=kind, per=per, levels=(0.95,)) == "within":
        return True
    spread = between_authorities(comparison, unit, kind) if comparison is not None else None
    tau2 = spread.tau2_for_limits if spread is not None else 0.0
    if tau2 > 0 and stats.funnel_position(value, n, target, kind=kind, per=per, levels=(0.95,), tau2=tau2) == "within":
        return SPREAD
    return False


def published_trend_block(b, spec, published_id: str, current, *, label: str, phrase: str | None = None,
                          within_noise: bool | None = None) -> HtmlBlock:
    """Sentence, trend chart and table: the borough against England, its region and its
    neighbours' median over every published year up to the briefing's, with the borough's
    own figure for the briefing period in place of (or after) its published one.

    Parameters
    ----------
    b : Briefing
    spec : MeasureSpec
        Unit, polarity, decimals and what is counted.
    published_id : str
        The published catalogue measure.
    current : pandas.Series
        The borough's protected result row for the briefing period (value, lower, upper, symbol).
    label : str
        Chart and table title ('NEET, aged 19 to 21').
    phrase : str, optional
        Reads after the borough's name in the sentence.
    within_noise : bool, optional
        Verdict of the year-on-year test, computed by the caller (e.g. with
        :func:`safeguarding.measures.stats.change_within_noise` against the borough's
        published counts for the year before); when True the sentence says the change is
        small enough to be chance.
    """
    from safeguarding.render.sentences import describe_trend
    try:
        trend = published_trend_frame(b.area, published_id, b.published_dir, up_to=b.published_year)
    except InputError as exc:
        return paragraph(_not_available("Published figures over time", exc))
    year, published_decimals = b.published_year, cat.get_measure(published_id).decimals
    scale = 100 if spec.unit == "percent" else 1
    lower, upper = stats.wilson_interval(trend["numerator"], trend["denominator"])
    trend["lower"] = np.asarray(lower, float) * scale if spec.unit == "percent" else np.nan
    trend["upper"] = np.asarray(upper, float) * scale if spec.unit == "percent" else np.nan
    own_symbol = symbol_of(current) or ""
    own = {"borough": np.nan if own_symbol else float(current["value"]), "borough_symbol": own_symbol,
           "lower": np.nan if own_symbol else float(current.get("lower", np.nan)),
           "upper": np.nan if own_symbol else float(current.get("upper", np.nan))}
    published_now = trend[trend["year"] == year]
    if len(published_now):
        published_text = format_published(published_now["borough"].iloc[0], spec.unit,
                                          symbol_of({"symbol": published_now["borough_symbol"].iloc[0]}),
                                          spec.decimals, published_decimals)
        for key, value in own.items():
            trend[key] = trend[key].astype(object) if key == "borough_symbol" else trend[key]
            trend.loc[trend["year"] == year, key] = value
    else:
        published_text = None
        trend = pd.concat([trend, pd.DataFrame([{"year": year, "period": b.period_label, "england": np.nan,
                                                 "england_symbol": "x", "region": np.nan, "region_symbol": "x",
                                                 "sn_median": np.nan, **own}])], ignore_index=True)
    trend["borough_symbol"] = [symbol_of({"symbol": s}) or "" for s in trend["borough_symbol"]]
    trend["sn_symbol"] = ["x" if pd.isna(v) else "" for v in trend["sn_median"]]
    # each published figure at the places DfE published it to (67, not 67.0); the borough's own
    # figure for the briefing period at the measure's
    own_row = (trend["year"] == year).to_numpy()
    for column in ("borough", "england", "region", "sn_median"):
        trend[f"{column}_decimals"] = pd.Series([
            spec.decimals if own and column == "borough" else
            published_places(value, spec.unit, spec.decimals, published_decimals)
            for value, own in zip(trend[column], own_row)], index=trend.index, dtype="object")
    periods, name = list(trend["period"]), b.area.name
    region = b.area.region
    # the year before is DfE's figure, rounded as DfE publishes it: compare at that precision
    compare = min(spec.decimals, published_decimals)
    sentence = describe_trend(phrase or label, periods, list(trend["borough"]), spec.polarity, spec.unit,
                              symbols=list(trend["borough_symbol"]), within_noise=within_noise, area_name=name,
                              decimals=spec.decimals, threshold=b.threshold, counts=spec.counts,
                              compare_decimals=compare if compare < spec.decimals else None)
    if published_text is not None and own_symbol and not any(ch.isdigit() for ch in published_text):
        sentence += f" DfE did not publish a figure for {name} for {b.period_label} either."
    elif published_text is not None and own_symbol:
        sentence += (f" DfE's published figure for {name} for {b.period_label} is not shown either: a hidden figure "
                     "is never printed beside a published figure for the same year.")
    elif published_text is not None and published_text != "x":
        sentence += (f" The {b.period_label} figure is from {name}'s own records; DfE published {published_text} "
                     f"for {b.period_label}.")
    elif published_text is not None:
        sentence += (f" The {b.period_label} figure is from {name}'s own records; DfE has not published a figure "
                     f"for {name} for {b.period_label}.")
    series = {name: list(trend["borough"]), "England": list(trend["england"]), region: list(trend["region"]),
              "Statistical neighbours (median)": list(trend["sn_median"])}
    symbols = {name: list(trend["borough_symbol"]), "England": list(trend["england_symbol"]),
               region: list(trend["region_symbol"]), "Statistical neighbours (median)": list(trend["sn_symbol"])}
    roles = {name: "borough", "England": "england", region: "london", "Statistical neighbours (median)": "sn_median"}
    shown = [(p, v) for p, v, s in zip(periods, trend["borough"], trend["borough_symbol"]) if not s and not pd.isna(v)]
    if len(shown) < 2 or shown[-1][0] != periods[-1]:
        title = f"{label}: {name} against England, {region} and statistical neighbours"
    else:
        (p0, v0), (p1, v1) = shown[-2], shown[-1]
        same = same_when_rounded(v0, v1, spec.unit, compare)  # as the sentence above compares them
        title = (f"{label}: {name} {'was about the same' if same else 'rose' if v1 > v0 else 'fell'} "
                 f"from {p0} to {p1}")
        if within_noise and not same:
            title += ", a change small enough to be chance"
        elif within_noise is None and not same:
            # the year before is a published figure without its counts: no test is possible, and
            # the title must not read as a real change
            title += " (not tested against chance)"

    def listed(column, symbol_column):
        return ", ".join(format_number_for_unit(v, spec.unit, s or None, decimals=places) for v, s, places in
                         zip(trend[column], trend[symbol_column], trend[f"{column}_decimals"]))
    alt = (f"Line chart of {lower_first(label)} from {periods[0]} to {periods[-1]}. {name}: "
           f"{listed('borough', 'borough_symbol')}; England: {listed('england', 'england_symbol')}; "
           f"{region}: {listed('region', 'region_symbol')}; statistical neighbours' median: "
           f"{listed('sn_median', 'sn_symbol')}.")
    note = f"{name}'s {b.period_label} figure is from its own records; earlier years are published figures."
    chart = charts.trend_chart(periods, series, symbols=symbols, roles=roles, unit=spec.unit, decimals=spec.decimals,
                               intervals={name: (list(trend["lower"]), list(trend["upper"]))}, title=title, alt=alt,
                               value_label="Per cent" if spec.unit == "percent" else spec.label,
                               threshold=b.threshold, counts=spec.counts, note=note)
    table_frame = trend.rename(columns={"borough_symbol": "symbol", "sn_symbol": "sn_median_symbol"})
    table_frame["value"] = table_frame["borough"]
    columns = {"period": "Year", "borough": name, "interval": "95% interval", "england": "England",
               "region": region, "sn_median": "Neighbours"}
    units = {c: spec.unit for c in columns if c != "period"}
    table = html_table(table_frame, columns, caption=f"{label}: {name} and comparators by year", units=units,
                       decimals={c: spec.decimals for c in units}, symbol_columns=("borough", "interval"),
                       threshold=b.threshold, counts=spec.counts,
                       note=f"{name} {b.period_label}: own records; other figures as published by DfE. "
                            "Neighbours: the median of the ten statistical neighbours' published figures, shown "
                            "when at least four of them publish one.",
                       source=f"Department for Education: {_sources(published_id)}.")
    return join_blocks(paragraph(sentence), chart, table)
