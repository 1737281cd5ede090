"""The render layer: everything a briefing uses to show results. It never computes statistics.

- :mod:`~safeguarding.render.palette`: Okabe-Ito colours, roles, the chart style.
- :mod:`~safeguarding.render.formats`: numbers and official symbols as text.
- :mod:`~safeguarding.render.blocks`: :class:`HtmlBlock` and small escaped pieces.
- :mod:`~safeguarding.render.tables`: accessible HTML tables from tidy results.
- :mod:`~safeguarding.render.charts`: charts returning :class:`Chart` (SVG + alt text).
- :mod:`~safeguarding.render.sentences`: plain-English, polarity-aware sentences.
- :mod:`~safeguarding.render.html`: notebook -> self-contained HTML briefing, and its check.

Names below are importable from ``safeguarding.render`` directly; modules load on first
use, so importing this package does not import matplotlib or nbconvert.
"""

from __future__ import annotations

import importlib

_EXPORTS = {
    "palette": ["OKABE_ITO", "ROLE_STYLES", "ROLE_COLORS", "chart_style", "apply_chart_style"],
    "formats": ["format_count", "format_number", "format_percent", "format_rate",
                "format_interval", "format_number_for_unit", "symbol_legend", "symbol_meaning"],
    "blocks": ["HtmlBlock", "paragraph", "bullet_list", "heading", "join_blocks"],
    "tables": ["html_table", "measure_table"],
    "charts": ["Chart", "bar_chart_with_intervals", "trend_chart", "funnel_plot",
               "comparator_chart", "rri_chart"],
    "sentences": ["describe_comparison", "describe_trend", "describe_share", "describe_rri",
                  "ratio_phrase", "rri_verdict"],
    "html": ["export_briefing_html", "check_briefing_html", "stderr_messages",
             "BriefingError"],
}
_WHERE = {name: module for module, names in _EXPORTS.items() for name in names}

__all__ = sorted(_WHERE)


def __getattr__(name: str):
    if name in _WHERE:
        module = importlib.import_module(f"{__name__}.{_WHERE[name]}")
        return getattr(module, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
