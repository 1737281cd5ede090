"""Plain-English sentences from numbers, with direction words taken from polarity.

Polarity says whether a higher value is better: ``'higher_better'``, ``'lower_better'``
or ``'none'`` (no judgement). Many safeguarding activity measures have no good direction
(more recorded missing episodes can mean better recording), so ``'none'`` gives neutral
wording ("higher than England's") and the other two add "(better)" / "(worse)".

Directions are decided on the numbers *as shown* (after rounding), so a sentence never
says "higher" about two figures that print the same. A hidden figure (symbol ``c``) is
described as hidden, with the threshold ("fewer than 6"), never by its value. Because
``c`` also marks secondary suppression (a larger figure hidden so a small one cannot be
worked out), the wording says so rather than claiming the hidden figure is small.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from decimal import Decimal

from safeguarding.config import CONFIDENCE_LEVEL, DEFAULT_SUPPRESSION_THRESHOLD
from safeguarding.render.formats import (
    UNITS,
    clean_symbol,
    format_count,
    format_interval,
    format_number_for_unit,
    format_percent,
    format_published,
    is_missing,
    published_places,
    resolve_unit,
    round_half_up,
    rounding_words,
    smallest_shown_count,
)
from safeguarding.text import lower_first, upper_first  # noqa: F401  (re-exported for the views)

#: Accepted polarity names and their aliases.
POLARITIES = {
    "higher_better": "higher_better",
    "higher_is_better": "higher_better",
    "lower_better": "lower_better",
    "lower_is_better": "lower_better",
    "none": "none",
    "no_judgement": "none",
    "neutral": "none",
}

#: Singular forms for the nouns briefings count.
_SINGULAR = {
    "children": "child",
    "looked-after children": "looked-after child",
    "young people": "young person",
    "people": "person",
    "episodes": "episode",
    "pupils": "pupil",
    "care leavers": "care leaver",
    "referrals": "referral",
    "assessments": "assessment",
    "enquiries": "enquiry",
    "plans": "plan",
    "exclusions": "exclusion",
    "suspensions": "suspension",
}


def resolve_polarity(polarity: str | None) -> str:
    """'higher_better', 'lower_better' or 'none'; None means 'none'. Unknown -> ValueError."""
    if polarity is None:
        return "none"
    key = str(polarity).strip().lower().replace("-", "_").replace(" ", "_")
    if key not in POLARITIES:
        raise ValueError(
            f"Unknown polarity {polarity!r}; expected 'higher_better', 'lower_better' or 'none'"
        )
    return POLARITIES[key]


_DETERMINERS = ("the ", "its ", "their ", "our ", "a ", "an ")
_TRAILING_NOTE = re.compile(r"^(?P<name>.*?)\s*\((?P<note>[^()]*)\)\s*$")
_PERIOD_LIKE = re.compile(r"^[\d\s/\-–]+$")


def possessive(name: str) -> str:
    """"England's", "statistical neighbours'"; a name starting with a determiner
    ("the statistical neighbour median", "its neighbours' median") is left as it is."""
    text = str(name).strip()
    if text.lower().startswith(_DETERMINERS):
        return text
    return f"{text}'" if text.endswith("s") else f"{text}'s"


def _split_note(name: str) -> tuple[str, str | None]:
    """'England (2024)' -> ('England', 'in 2024'); 'London (published)' -> ('London', 'published')."""
    match = _TRAILING_NOTE.match(str(name).strip())
    if not match or not match.group("name"):
        return str(name).strip(), None
    note = match.group("note").strip()
    return match.group("name"), (f"in {note}" if _PERIOD_LIKE.match(note) else note)


def count_noun(counts: str, n: float | int | None = None) -> str:
    """The noun for ``n`` items: 'episodes', or 'episode' when ``n`` is 1."""
    noun = str(counts).strip()
    if not noun:
        raise ValueError("Say what is counted: 'children' or 'episodes' (or pupils, ...)")
    if n is not None and not is_missing(n) and float(n) == 1:
        return _SINGULAR.get(noun, noun[:-1] if noun.endswith("s") else noun)
    return noun


def hidden_phrase(threshold: int = DEFAULT_SUPPRESSION_THRESHOLD, counts: str | None = None) -> str:
    """Why a figure is hidden: 'fewer than 6 children, or could reveal a number that small'."""
    noun = f" {counts}" if counts else ""
    return (f"fewer than {smallest_shown_count(threshold)}{noun}, "
            "or could reveal a number that small")


def _subject(measure_label: str, area_name: str | None) -> str:
    label = str(measure_label).strip()
    if area_name:
        # a registry label starts with a capital ('Suspension rate'); after "Harrow's" it reads
        # in lower case, unless it starts with an acronym ('RHI', 'CIN')
        return f"{possessive(area_name)} {lower_first(label)}"
    return upper_first(label)


def _shown_decimal(value: float, unit: str, decimals: int | None) -> Decimal:
    spec = UNITS[resolve_unit(unit)]
    places = spec.decimals if decimals is None else decimals
    return round_half_up(float(value) * spec.scale, places)


def _judgement(direction: str, polarity: str) -> str | None:
    """'better', 'worse' or None for a direction 'higher'/'lower' under a polarity."""
    if polarity == "none" or direction not in {"higher", "lower"}:
        return None
    good = "higher" if polarity == "higher_better" else "lower"
    return "better" if direction == good else "worse"


def _unavailable(subject: str, symbol: str | None, threshold: int, counts: str) -> str:
    if symbol == "c":
        return (f"{subject} is hidden to protect privacy (it is based on "
                f"{hidden_phrase(threshold, counts)})")
    if symbol == "z":
        return f"{subject} does not apply here"
    return f"{subject} is not available"


def describe_comparison(
    measure_label: str,
    value: float | None,
    comparator_value: float | None,
    comparator_name: str,
    polarity: str | None,
    unit: str,
    within_noise: bool | None = None,
    *,
    area_name: str | None = None,
    symbol: object = None,
    comparator_symbol: object = None,
    decimals: int | None = None,
    threshold: int = DEFAULT_SUPPRESSION_THRESHOLD,
    counts: str = "children",
    comparator_decimals: int | None = None,
) -> str:
    """One sentence comparing a value with a comparator.

    Examples
    --------
    >>> describe_comparison("rate", 39, 67, "England", "none", "rate_per_10000",
    ...                     area_name="Hounslow")
    "Hounslow's rate (39 per 10,000) is lower than England's (67 per 10,000)."

    Parameters
    ----------
    measure_label
        What is measured, as it reads after the area's name ('rate of children missing').
    value, comparator_value
        The numbers (NaN when hidden or unavailable).
    comparator_name
        'England', 'London', 'the statistical neighbour median', ...
    polarity
        'higher_better', 'lower_better' or 'none' (neutral wording).
    unit
        A unit from :mod:`safeguarding.render.formats`.
    within_noise
        True when the difference is within chance (then no better/worse is claimed and the
        sentence says so); 'spread' when it is more than chance but within the usual spread
        between local authorities (funnel limits widened for over-dispersion); False when it
        is beyond both; None when unknown.
    area_name
        The borough's name; the subject becomes "Hounslow's {measure_label}".
    symbol, comparator_symbol
        Official symbols of the two figures.
    decimals
        Places shown; the unit's default when None.
    threshold, counts
        Used when the value is hidden ('based on fewer than 6 children ...').
    comparator_decimals
        Decimals the comparator was published with (DfE's 11%, not 11.0%: see
        :func:`~safeguarding.render.formats.published_places`); the figures are still
        compared at ``decimals``.
    """
    pol = resolve_polarity(polarity)
    subject = _subject(measure_label, area_name)
    own_symbol = clean_symbol(symbol)
    comp_symbol = clean_symbol(comparator_symbol)
    base_name, comp_note = _split_note(comparator_name)
    comp_name = possessive(base_name)

    comp_hidden = comp_symbol not in {None, "low"} or (comp_symbol is None
                                                      and is_missing(comparator_value))
    own_hidden = own_symbol not in {None, "low"} or (own_symbol is None and is_missing(value))
    comp_text = format_published(comparator_value, unit, comp_symbol, decimals, comparator_decimals)
    own_text = format_number_for_unit(value, unit, own_symbol, decimals)
    if comp_note:
        comp_text = f"{comp_text} {comp_note}" if comp_note.startswith("in ") else \
            f"{comp_text}, {comp_note}"

    if own_hidden:
        reason = _unavailable(subject, own_symbol or "x", threshold, counts)
        if comp_hidden:
            return f"{reason}, so no comparison with {comp_name} figure is made."
        return f"{reason}, so it is not compared with {comp_name} ({comp_text})."
    if comp_hidden:
        return f"{subject} is {own_text}. No figure for {base_name} is available to compare with."

    own_number = Decimal(0) if own_symbol == "low" else _shown_decimal(value, unit, decimals)
    comp_number = Decimal(0) if comp_symbol == "low" else _shown_decimal(comparator_value, unit,
                                                                         decimals)
    if own_symbol == "low":
        own_text = "very low: it rounds to zero"
    if comp_symbol == "low":
        comp_text = "very low: it rounds to zero"

    if own_number == comp_number:
        return f"{subject} ({own_text}) is the same as {comp_name} ({comp_text})."
    direction = "higher" if own_number > comp_number else "lower"
    if within_noise is None and nearly_equal(own_number, comp_number):
        return f"{subject} ({own_text}) is about the same as {comp_name} ({comp_text})."
    if within_noise == SPREAD:
        return (f"{subject} ({own_text}) is {direction} than {comp_name} ({comp_text}): more than chance would "
                "explain, but local authorities differ this much from one another as a rule, so it is within the "
                "usual spread.")
    if within_noise:
        return (f"{subject} ({own_text}) is {direction} than {comp_name} ({comp_text}), "
                "but the difference is small enough to be due to chance.")
    judgement = _judgement(direction, pol)
    qualifier = f" ({judgement})" if judgement else ""
    return f"{subject} ({own_text}) is {direction}{qualifier} than {comp_name} ({comp_text})."


#: Two shown figures this close (relative to the larger) read as "about the same" when no
#: test of chance is available: 78 against 79 is not "fewer".
NEARLY_EQUAL = 0.025


def nearly_equal(a, b) -> bool:
    """Whether two shown figures differ by less than :data:`NEARLY_EQUAL` of the larger."""
    a, b = float(a), float(b)
    return abs(a - b) < NEARLY_EQUAL * max(abs(a), abs(b))


#: A gap outside the chance limits but inside the limits widened for the usual spread between
#: authorities (see :func:`safeguarding.render.comparisons.within_funnel`).
SPREAD = "spread"


def versus_words(value, comparator, comparator_name: str = "England", *, within_noise=None,
                 decimals: int | None = None, polarity: str | None = None) -> str:
    """'the same as England', 'not clearly different from England', 'lower than England, within
    the usual spread between authorities' or 'lower than England' (with ' (better)' / ' (worse)'
    when ``polarity`` says which way is better): the verdict every title and table cell uses."""
    digits = 1 if decimals is None else decimals
    a, b = round(float(value), digits), round(float(comparator), digits)
    if a == b:
        return f"the same as {comparator_name}"
    direction = "higher" if a > b else "lower"
    if within_noise == SPREAD:
        return f"{direction} than {comparator_name}, within the usual spread between authorities"
    if within_noise or (within_noise is None and nearly_equal(a, b)):
        return f"not clearly different from {comparator_name}"
    better = {"lower_better": a < b, "higher_better": a > b}.get(polarity)
    return f"{direction} than {comparator_name}" + ("" if better is None else " (better)" if better else " (worse)")


def comparison_title(label: str, area_name: str, value, comparator, comparator_name: str = "England", *,
                     within_noise: bool | None = None, decimals: int | None = None, region: str = "its region") -> str:
    """A chart title that agrees with :func:`describe_comparison`: 'higher/lower than England'
    only when the difference is more than chance (or, untested, more than a whisker)."""
    if is_missing(value) or is_missing(comparator):
        return f"{label}: {area_name} against {comparator_name}, {region} and statistical neighbours"
    words = versus_words(value, comparator, comparator_name, within_noise=within_noise, decimals=decimals)
    return f"{label}: {area_name} is {words}"


def describe_trend(
    measure_label: str,
    periods: Sequence[object],
    values: Sequence[float | None],
    polarity: str | None,
    unit: str,
    *,
    symbols: Sequence[object] | None = None,
    within_noise: bool | None = None,
    area_name: str | None = None,
    decimals: int | None = None,
    threshold: int = DEFAULT_SUPPRESSION_THRESHOLD,
    counts: str = "children",
    compare_decimals: int | None = None,
) -> str:
    """Sentences on the latest change and the start of the series.

    Examples
    --------
    >>> describe_trend("rate", ["2023", "2024", "2025"], [31, 35, 39], "none",
    ...                "rate_per_10000", area_name="Hounslow")
    "Hounslow's rate was 39 per 10,000 in 2025, up from 35 per 10,000 in 2024. In 2023 it was 31 per 10,000."

    Parameters
    ----------
    periods, values
        In time order, the same length; ``periods`` are shown as given ('2024-25').
    symbols
        Official symbol per value (None for none).
    within_noise
        Whether the latest year-on-year change is within chance (from the measures'
        noise test): True adds "small enough to be due to chance" and no judgement; False (more
        than chance) lets the polarity call it a change for the better or worse; None (not
        tested) says neither.
    compare_decimals
        Decimals at which the latest two figures are compared, when the earlier one was
        published rounded more coarsely than the latest is shown (10.6% against DfE's 11% is
        'about the same', not 'down').
    """
    if len(periods) != len(values):
        raise ValueError("periods and values must have the same length")
    if not periods:
        raise ValueError("A trend needs at least one period")
    pol = resolve_polarity(polarity)
    syms = [clean_symbol(s) for s in (symbols if symbols is not None else [None] * len(values))]
    if len(syms) != len(values):
        raise ValueError("symbols must have the same length as values")
    subject = _subject(measure_label, area_name)

    last = len(values) - 1

    def shown(i: int) -> bool:
        return syms[i] in {None, "low"} and not (syms[i] is None and is_missing(values[i]))

    def text(i: int) -> str:
        # earlier years rounded coarser by DfE are printed as DfE published them ('11%')
        places = decimals if i == last or compare_decimals is None else published_places(
            values[i], unit, decimals, compare_decimals)
        return format_number_for_unit(values[i], unit, syms[i], places)

    def number(i: int) -> Decimal:
        return Decimal(0) if syms[i] == "low" else _shown_decimal(values[i], unit, decimals)

    def level(i: int) -> Decimal:
        if compare_decimals is None or syms[i] == "low":
            return number(i)
        return _shown_decimal(values[i], unit, compare_decimals)  # half-up, as formats.same_when_rounded

    shown_points = [i for i in range(len(values)) if shown(i)]
    if not shown(last):
        sentence = _unavailable(f"{subject} for {periods[last]}", syms[last] or "x", threshold,
                                counts) + "."
        if shown_points:
            i = shown_points[-1]
            sentence += f" In {periods[i]} it was {text(i)}."
        return sentence

    parts = [f"{subject} was {text(last)} in {periods[last]}"]
    prev = last - 1
    extra = ""
    if prev >= 0 and shown(prev):
        if number(last) == number(prev):
            parts.append(f", the same as in {periods[prev]}")
        elif level(last) == level(prev):
            parts.append(f", about the same as in {periods[prev]} ({text(prev)}, a figure published rounded to "
                         f"{rounding_words(compare_decimals)})")
        else:
            direction = "higher" if number(last) > number(prev) else "lower"
            parts.append(f", {'up' if direction == 'higher' else 'down'} from {text(prev)} "
                         f"in {periods[prev]}")
            if within_noise:
                extra = f" The change from {periods[prev]} is small enough to be due to chance."
            elif within_noise is not None:  # tested, and more than chance: better or worse
                judgement = _judgement(direction, pol)
                if judgement:
                    parts.append(f": a change for the {judgement}")
    elif prev >= 0:
        parts.append(f" (the figure for {periods[prev]} is "
                     f"{'hidden to protect privacy' if syms[prev] == 'c' else 'not available'})")
    sentence = "".join(parts) + "." + extra
    first = shown_points[0]
    if first < prev:
        sentence += f" In {periods[first]} it was {text(first)}."
    return sentence


def describe_share(
    k: float | None,
    n: float | None,
    what: str,
    counts: str = "children",
    *,
    symbol: object = None,
    denominator_symbol: object = None,
    decimals: int = 1,
    threshold: int = DEFAULT_SUPPRESSION_THRESHOLD,
) -> str:
    """'377 of 582 episodes (64.8%) had a return home interview offered within 72 hours.'

    The sentence always names what is counted (``counts``: 'children', 'episodes', 'pupils')
    and always states the denominator, so child-level and episode-level figures cannot be
    confused.

    Parameters
    ----------
    k, n
        The count and the total it is a share of.
    what
        A verb phrase completing '<k> of <n> episodes ...', e.g. 'had a return interview'.
    counts
        What is counted. Must be given whenever it is not children.
    symbol, denominator_symbol
        Official symbols of ``k`` and ``n``; a hidden ``k`` gives 'fewer than 6' wording.
    """
    noun = count_noun(counts)
    phrase = str(what).strip().rstrip(".")
    k_symbol, n_symbol = clean_symbol(symbol), clean_symbol(denominator_symbol)
    n_hidden = n_symbol is not None or is_missing(n)
    k_hidden = k_symbol is not None or is_missing(k)
    why = hidden_phrase(threshold)
    if n_hidden:
        return (f"The number of {noun} that {phrase} is not shown: the figures are hidden to "
                f"protect privacy ({why}).")
    if float(n) == 0:  # type: ignore[arg-type]
        return f"There were no {noun} to count, so there is no share of {noun} that {phrase}."
    n_text = f"{format_count(n)} {count_noun(counts, n)}"
    if k_hidden:
        if k_symbol in {None, "x", "z"}:
            return f"Of {n_text}, the number that {phrase} is not available."
        return f"Of {n_text}, the number that {phrase} is hidden to protect privacy ({why})."
    pct = format_percent(100.0 * float(k) / float(n), None, decimals)  # type: ignore[arg-type]
    return f"{format_count(k)} of {n_text} ({pct}) {phrase}."


def ratio_phrase(ratio: float) -> str:
    """How many times as likely, in words: 'twice as likely as', 'about half as likely as'."""
    if is_missing(ratio) or ratio < 0:
        raise ValueError(f"A ratio must be a non-negative number, not {ratio!r}")
    shown = round_half_up(ratio, 1)
    if shown == 1:
        return "about as likely as"
    if ratio > 1:
        if shown == 2:
            return "twice as likely as"
        return f"{shown} times as likely as"
    for fraction, words in ((0.5, "half"), (1 / 3, "a third"), (0.25, "a quarter"),
                            (0.2, "a fifth"), (0.1, "a tenth")):
        if math.isclose(ratio, fraction, rel_tol=0.08):
            return f"about {words} as likely as"
    if shown == 0:
        return "far less likely than"
    return f"{shown} times as likely as"


def rri_verdict(lower: float | None, upper: float | None, symbol: object = None) -> str:
    """The plain-words verdict of an RRI's interval against 1.

    'too few to say' (hidden or no interval), 'over-represented' (interval above 1),
    'under-represented' (below 1) or 'no evidence of a difference' (interval includes 1).
    """
    if clean_symbol(symbol) not in {None} or is_missing(lower) or is_missing(upper):
        return "too few to say"
    if float(lower) > 1:  # type: ignore[arg-type]
        return "over-represented"
    if float(upper) < 1:  # type: ignore[arg-type]
        return "under-represented"
    return "no evidence of a difference"


def describe_rri(
    group: str,
    stage: str,
    ratio: float | None,
    lower: float | None,
    upper: float | None,
    *,
    symbol: object = None,
    reference_group: str = "White British",
    counts: str = "children",
    confidence_level: float = CONFIDENCE_LEVEL,
    verdict: str | None = None,
) -> str:
    """A relative rate index in words, with its interval and verdict.

    Example: 'Black children were 2.1 times as likely as White British children to be the
    subject of a section 47 enquiry (95% interval 1.6 to 2.8): over-represented.'

    ``stage`` is a verb phrase after 'to' ('be the subject of a section 47 enquiry').
    ``verdict`` overrides :func:`rri_verdict` when the measures layer has decided it
    (e.g. from an exact test).
    """
    decision = verdict or rri_verdict(lower, upper, symbol)
    if decision == "too few to say" or clean_symbol(symbol) is not None or is_missing(ratio):
        return (f"There are too few {group} {counts} to say whether they were more or less "
                f"likely than {reference_group} {counts} to {stage}.")
    interval = format_interval(lower, upper, None, decimals=2)
    phrase = ratio_phrase(float(ratio))  # type: ignore[arg-type]
    if phrase == "about as likely as" and decision in ("over-represented", "under-represented"):
        # a clear but small difference must not read 'about as likely as ...: over-represented'
        phrase = f"{format_number_for_unit(ratio, 'ratio', decimals=2)} times as likely as"
    return (f"{group} {counts} were {phrase} {reference_group} {counts} "
            f"to {stage} ({confidence_level:.0%} interval {interval}): {decision}.")

