"""Case rules for labels used inside sentences: one definition for every layer."""

from __future__ import annotations

import re


def lower_first(text: str) -> str:
    """The text with its first letter in lower case, unless it starts an acronym ('NEET', 'SEN').

    >>> lower_first("Suspension rate"), lower_first("NEET care leavers")
    ('suspension rate', 'NEET care leavers')
    """
    return text[:1].lower() + text[1:] if text and not text[:2].isupper() else text


def upper_first(text: str) -> str:
    """The text with its first letter in upper case."""
    return text[:1].upper() + text[1:]


def plural(n: int, noun: str, plural_form: str | None = None) -> str:
    """'1 stage', '3 stages', '2 matters'; ``plural_form`` for irregular nouns ('children').

    >>> plural(1, "stage"), plural(3, "stage"), plural(2, "child", "children")
    ('1 stage', '3 stages', '2 children')
    """
    n = int(n)
    return f"{n:,} {noun if n == 1 else (plural_form or noun + 's')}"


_COUNTED = re.compile(r"\b(fewer than [\d,]+|more than [\d,]+|[\d,]+)(\s+(?:[a-z0-9'-]+\s+){0,2}?[a-z'-]+)\((s|ies)\)")


def resolve_plurals(text: str) -> str:
    """'(s)' after a counted noun, settled by its count: '1 episode(s)' -> '1 episode',
    '12 episode(s)' and 'fewer than 6 episode(s)' -> '... episodes'; any other '(s)' is
    read as plural ('value(s) flagged' -> 'values flagged').

    >>> resolve_plurals("1 row(s) rejected; fewer than 6 care leaver(s); 3 excluded pupil(s); value(s)")
    '1 row rejected; fewer than 6 care leavers; 3 excluded pupils; values'
    >>> resolve_plurals("1 section 47 enquiry(ies); 7 section 47 enquiry(ies)")
    '1 section 47 enquiry; 7 section 47 enquiries'
    """
    def settle(match: re.Match) -> str:
        count, noun, ending = match.group(1), match.group(2), match.group(3)
        if count.replace(",", "") == "1":
            return f"{count}{noun}"
        return f"{count}{noun[:-1]}ies" if ending == "ies" else f"{count}{noun}s"
    return re.sub(r"y\(ies\)", "ies", _COUNTED.sub(settle, text)).replace("(s)", "s")
