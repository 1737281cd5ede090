"""Themes: one record per theme (:mod:`safeguarding.themes.registry`) and each theme's view.

A view (``VIEW`` in ``themes/<theme>.py``) takes a :class:`~safeguarding.briefing.Briefing`
and turns the borough's protected results into key findings and sections with ``render/``;
it computes and suppresses nothing. Notebooks call ``b.section(name)``.
"""
