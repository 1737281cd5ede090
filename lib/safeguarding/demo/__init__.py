"""Deterministic synthetic child-level data in the real formats, calibrated to each
borough's published figures (see :mod:`safeguarding.demo.generate` and
:mod:`safeguarding.demo.targets`)."""

from safeguarding.demo.generate import DEFAULT_SEED, generate_borough, generate_demo
from safeguarding.demo.targets import BoroughTargets, borough_targets

__all__ = ["DEFAULT_SEED", "BoroughTargets", "borough_targets", "generate_borough", "generate_demo"]
