"""Theme implementations: what each briefing computes and how its sections are laid out.

A theme class takes a :class:`~safeguarding.briefing.Briefing`, computes every result in
``compute()`` (calling ``measures/``), protects what it will show, writes the key findings,
and renders each section with ``render/``. Notebooks call ``b.section(name)``.
"""

from __future__ import annotations

import importlib


def theme_class(key: str):
    module = importlib.import_module(f"safeguarding.themes.{key}")
    return module.THEME_CLASS
