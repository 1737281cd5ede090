"""How count cells are linked: cell keys (identity) and additive relations.

A **cell** is one count a borough-period publishes anywhere: in any table of any briefing.
Its key is ``concept|breakdown|group|period``: the same key means the same number, so a
count printed in two tables (or two briefings) is one cell with one value and one status.
``concept`` names what is counted (``missing.children``, ``exclusions.permanent_pupils``);
measures name the concept of their numerator and denominator in their
:class:`~safeguarding.measures.registry.MeasureSpec`.

**Relations** say which cells add up to which, and are declared once, in the measures
module where the breakdown is defined:

* :class:`Rollup`: the cells of a concept broken down by ``child`` (e.g. minor ethnic
  groups, or ethnicity x sex) add up to the cell of the same concept in ``parent`` (the
  major group, or the breakdown's total).
* :class:`Custom`: any other sums, made by a function over the cell keys.
* :class:`Components`: cells of several concepts (``eet``, ``neet``, ``not known``) add up
  to the cell of another concept (all care leavers) with the same breakdown, group and
  period.

Every relation is checked against the true counts when a plan is made: parts that add up
exactly give an equation, parts that add up to less (a group that no table shows) give an
inequality, and parts that add up to more raise an error, because the relation was
declared wrongly.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

SEP = "|"


def cell_key(concept: str, breakdown: str, group: str, period: str) -> str:
    """The key of one count cell."""
    return SEP.join((str(concept), str(breakdown), str(group), str(period)))


def split_key(key: str) -> tuple[str, str, str, str]:
    concept, breakdown, group, period = key.split(SEP, 3)
    return concept, breakdown, group, period


@dataclass(frozen=True)
class Equation:
    """``sum(parts) == total`` (``exact``) or ``sum(parts) <= total``; keys of cells."""

    parts: tuple[str, ...]
    total: str
    exact: bool
    source: str = ""


@dataclass(frozen=True)
class Rollup:
    """Cells ``concept|child|g|p`` add up to ``concept|parent|parent_of(g)|p``.

    ``parent_of`` is a mapping, a function, or a string (one total group for every part).
    ``concepts`` are matched exactly, or by prefix when they end with ``*``.
    """

    concepts: tuple[str, ...]
    child: str
    parent: str
    parent_of: Callable[[str], str | None] | dict | str
    name: str = ""
    #: The parts may overlap or leave some out (e.g. 'away' within all episodes): ``<=``.
    subset: bool = False
    #: For a subset whose parts usually do add up (episodes from home and from care within all
    #: episodes; a few say neither): where the true counts add up, it is an equation, because a
    #: reader who sees them add up wherever all are shown may assume that they always do.
    tight_when_equal: bool = False

    def parent_group(self, group: str) -> str | None:
        if isinstance(self.parent_of, str):
            return self.parent_of
        if isinstance(self.parent_of, dict):
            return self.parent_of.get(group)
        return self.parent_of(group)


@dataclass(frozen=True)
class Components:
    """Cells of ``parts`` concepts add up to the ``total`` concept, breakdown by breakdown.

    ``breakdowns`` limits where it applies (None: wherever the total cell exists).
    """

    total: str
    parts: tuple[str, ...]
    breakdowns: tuple[str, ...] | None = None
    name: str = ""
    #: The parts need not exhaust the total (a subset, e.g. 3+ episodes within 2+): always ``<=``.
    subset: bool = False
    #: For a subset: the ``(breakdown, group)`` of the whole (e.g. ``("all", "All children")``).
    #: Where the parts add up to the total there, a reader who sees both knows that they do in
    #: every group too (no group's parts can be more than its total, and the groups add up to
    #: the whole), so the relation is an equation in every breakdown of that period.
    whole: tuple[str, str] | None = None


@dataclass(frozen=True)
class Custom:
    """Any other additive links: ``make(keys)`` returns ``(parts, total)`` pairs of cell keys
    among ``keys`` (e.g. two age bands' cells adding up to a combined band's cell)."""

    make: Callable[[set[str]], list[tuple[list[str], str]]]
    name: str = ""
    subset: bool = False


@dataclass
class _Index:
    """Cells grouped for fast lookup: (concept, breakdown, period) -> {group: key}."""

    by_slice: dict = field(default_factory=dict)

    @classmethod
    def of(cls, keys: Iterable[str]) -> _Index:
        idx = cls()
        for key in keys:
            concept, breakdown, group, period = split_key(key)
            idx.by_slice.setdefault((concept, breakdown, period), {})[group] = key
        return idx


def _concept_matches(pattern: str, concept: str) -> bool:
    return concept.startswith(pattern[:-1]) if pattern.endswith("*") else concept == pattern


def expand(relations: Iterable, keys: Iterable[str], values: dict[str, float]) -> list[Equation]:
    """Turn declared relations into equations over the cells that exist.

    Raises ``ValueError`` when a declared relation is contradicted by the counts (parts add
    up to more than their total): the relation, not the data, is wrong.
    """
    idx = _Index.of(keys)
    equations: list[Equation] = []
    for rel in relations:
        if isinstance(rel, Rollup):
            for (concept, breakdown, period), groups in idx.by_slice.items():
                if breakdown != rel.child or not any(_concept_matches(c, concept) for c in rel.concepts):
                    continue
                parents = idx.by_slice.get((concept, rel.parent, period), {})
                members: dict[str, list[str]] = {}
                for group, key in groups.items():
                    parent = rel.parent_group(group)
                    if parent is not None and parent in parents and parents[parent] != key:
                        members.setdefault(parents[parent], []).append(key)
                for total, parts in members.items():
                    equations.append(_checked(parts, total, values, rel.name or f"{concept}: {rel.child} within {rel.parent}",
                                              rel.subset and not rel.tight_when_equal))
        elif isinstance(rel, Components):
            for (concept, breakdown, period), groups in idx.by_slice.items():
                if concept != rel.total or (rel.breakdowns is not None and breakdown not in rel.breakdowns):
                    continue
                subset = rel.subset and not _tight(rel, idx, period, values)
                for group, total in groups.items():
                    parts = [idx.by_slice.get((p, breakdown, period), {}).get(group) for p in rel.parts]
                    parts = [p for p in parts if p is not None]
                    if parts:
                        equations.append(_checked(parts, total, values, rel.name or f"{rel.total} = {' + '.join(rel.parts)}",
                                                  subset))
        elif isinstance(rel, Custom):
            for parts, total in rel.make(set(keys)):
                if parts and total in values and all(p in values for p in parts):
                    equations.append(_checked(list(parts), total, values, rel.name or "custom relation", rel.subset))
        else:
            raise TypeError(f"unknown relation {rel!r}")
    return equations


def _tight(rel: Components, idx: _Index, period: str, values: dict[str, float]) -> bool:
    """Whether a subset's parts add up to its total in the whole (see ``Components.whole``)."""
    if rel.whole is None:
        return False
    breakdown, group = rel.whole
    total = idx.by_slice.get((rel.total, breakdown, period), {}).get(group)
    parts = [idx.by_slice.get((p, breakdown, period), {}).get(group) for p in rel.parts]
    if total is None or any(p is None for p in parts):
        return False
    return abs(sum(values[p] for p in parts) - values[total]) < 1e-9


def _checked(parts: list[str], total: str, values: dict[str, float], source: str, subset: bool = False) -> Equation:
    s, t = sum(values[p] for p in parts), values[total]
    if s > t + 1e-9:
        raise ValueError(f"relation '{source}' does not hold: parts {', '.join(parts)} add up to {s:g}, "
                         f"more than their total {total} = {t:g}")
    return Equation(tuple(parts), total, exact=(not subset) and abs(s - t) < 1e-9, source=source)
