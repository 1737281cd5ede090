"""The partnership overview (theme 00) computes nothing of its own: it shows every theme's
headline measures, from the results the themes computed (see
:mod:`safeguarding.themes.overview`). It has a measures module so that it is a theme like any
other: the results stage, the batch and the notebook template treat it the same way."""

from __future__ import annotations

from safeguarding.measures.registry import MeasureSpec
from safeguarding.results.store import Context, ThemeResults

THEME = "overview"
MEASURES: tuple[MeasureSpec, ...] = ()
RELATIONS: tuple = ()


def compute(ctx: Context) -> ThemeResults:
    """No results of its own: the overview reads the other themes' protected results."""
    return ThemeResults({}, {}, [])
