"""The results stage: every measure once per borough and period, protected once, audited.

See :mod:`safeguarding.results.store` (compute, cache), :mod:`~safeguarding.results.plan`
(the disclosure plan and its audit), :mod:`~safeguarding.results.relations` (cell keys and
additive relations) and :mod:`~safeguarding.results.cells` (registering cells, applying a plan).
"""
