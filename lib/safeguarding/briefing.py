"""The small API a briefing notebook calls.

    b = open_briefing("missing", borough="hounslow", period_end="2025-03-31")
    b.header()
    b.key_findings()
    b.section("overview")          # one theme section: sentence(s), table, chart
    b.data_quality()
    b.methods()

``open_briefing`` validates the parameters, loads the processed tables and computes every
result up front (so the key findings at the top can draw on all of them). Every figure
shown passes through :meth:`Briefing.protect` (primary and secondary suppression) and the
briefing keeps a record of them for a final self-check. Nothing here computes a measure:
that is ``measures/``; nothing here draws: that is ``render/``.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pandas as pd

from safeguarding import config
from safeguarding.codes.areas import Area, resolve_area
from safeguarding.issues import InputError
from safeguarding.measures import disclosure, registry
from safeguarding.render.blocks import HtmlBlock, bullet_list, join_blocks, paragraph
from safeguarding.render.formats import symbol_legend
from safeguarding.render.tables import html_table


#: Which data-quality checks (by code prefix) belong to each theme, besides the general DQ ones.
_CHECK_PREFIX = {"missing": "MIS", "exclusions": "EXC", "neet": "NEET", "disproportionality": "DIS"}


@dataclass
class Briefing:
    """State shared by every section of one briefing (one borough, one theme, one period)."""

    theme: str
    title: str
    area: Area
    period_end: str
    threshold: int
    data_dir: Path
    published_dir: Path | None
    tables: dict[str, pd.DataFrame]
    validation: pd.DataFrame
    summary: pd.DataFrame
    manifest: dict
    comparators: tuple[str, ...] = ("england", "london", "sub_region", "neighbours")
    shown: list[pd.DataFrame] = field(default_factory=list)
    findings: list[str] = field(default_factory=list)
    quality: list[dict] = field(default_factory=list)
    used_measures: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    results: dict = field(default_factory=dict)
    theme_impl: object = None

    # ---- disclosure ------------------------------------------------------------------
    def protect(self, result: pd.DataFrame, secondary: bool = True, **kwargs) -> pd.DataFrame:
        """Suppress a result frame for circulation and remember it for the self-check."""
        if result is None or result.empty:
            return result
        protected = disclosure.suppress(result, threshold=self.threshold, secondary=secondary, **kwargs)
        self.shown.append(protected)
        for mid in protected["measure_id"].unique():
            if mid not in self.used_measures:
                self.used_measures.append(mid)
        return protected

    # ---- blocks ----------------------------------------------------------------------
    @property
    def period_label(self) -> str:
        from safeguarding.codes.lists import period_label
        return period_label(self.period_end)

    def header(self) -> HtmlBlock:
        extract = self.manifest.get("created", "")[:10]
        shown = getattr(self.theme_impl, "shown_period", None)  # e.g. a school year for exclusions
        if shown:
            meta = [f"<strong>{html.escape(self.area.name)}</strong>", f"School year: {html.escape(shown)} (the latest "
                    f"complete school year before {pd.Timestamp(self.period_end):%d %B %Y})"]
        else:
            meta = [f"<strong>{html.escape(self.area.name)}</strong>", f"Period: {html.escape(self.period_label)} "
                    f"(year ending {pd.Timestamp(self.period_end):%d %B %Y})"]
        if extract:
            meta.append(f"Data processed: {pd.Timestamp(extract):%d %B %Y}")
        meta.append(f"Briefing produced: {date.today():%d %B %Y}")
        return HtmlBlock(
            f'<header class="briefing-header"><h1>{html.escape(self.title)}: {html.escape(self.area.name)}, '
            f'{html.escape(shown or self.period_label)}</h1><p class="meta">{" &middot; ".join(meta)}</p>'
            f'<p class="how-to-read">{html.escape(self.reading_note())}</p></header>')

    def reading_note(self) -> str:
        return (f"How to read this briefing: each section starts with what the figures show in words, then a chart "
                f"and the table behind it. {symbol_legend(['c', 'x'], threshold=self.threshold, counts=getattr(self.theme_impl, 'COUNTS', 'children'))} "
                f"Ranges in brackets are 95% confidence intervals: the range the true figure is likely to lie in, "
                f"given the numbers involved.")

    def key_findings(self) -> HtmlBlock:
        items = self.findings or ["No findings could be drawn: see data notes."]
        return join_blocks(HtmlBlock('<section class="key-findings"><h2>Key findings</h2>'), bullet_list(items),
                           HtmlBlock("</section>"))

    def section(self, name: str) -> HtmlBlock:
        """Render one named section of the theme (see the theme module's SECTIONS)."""
        impl = self.theme_impl
        method = getattr(impl, f"section_{name}", None)
        if method is None:
            raise InputError(f"Theme {self.theme!r} has no section {name!r}.")
        return method()

    def data_quality(self) -> HtmlBlock:
        """Rows read / kept / rejected per input file, and every data-quality finding."""
        from safeguarding import quality
        parts = [HtmlBlock("<h2>Data quality</h2>")]
        needed = set(self.theme_impl.TABLES) if self.theme_impl else None
        if needed is not None:  # optional tables the theme used count too
            needed |= set(getattr(self.theme_impl, "OPTIONAL_TABLES", ())) & set(self.tables)
        summ = self.summary
        if needed is not None and not summ.empty:
            cin_child = {"cin_child_identifiers", "cin_child_characteristics"} if "cin_children" in needed else set()
            summ = summ[summ["table"].isin(needed | cin_child)]
        if not summ.empty:
            total_read, total_kept, total_rej = summ["rows_read"].sum(), summ["rows_kept"].sum(), summ["rows_rejected"].sum()
            parts.append(paragraph(
                f"The input files held {total_read:,} rows: {total_kept:,} were used and {total_rej:,} were rejected "
                f"because a value they depend on was missing or invalid. Every rejected row is listed, with its reason, "
                f"in the validation report the analyst holds."))
            frame = summ.rename(columns={"source": "file"})[["file", "table", "rows_read", "rows_kept", "rows_rejected", "warnings"]]
            parts.append(html_table(frame, {"file": "Input file", "table": "Table", "rows_read": "Rows read",
                                            "rows_kept": "Rows used", "rows_rejected": "Rows rejected",
                                            "warnings": "Values flagged"},
                                    caption="Rows read, used and rejected, by input file",
                                    units={"rows_read": "count", "rows_kept": "count", "rows_rejected": "count", "warnings": "count"},
                                    symbol_columns=(), row_header=True))
        rejected = quality.rows_rejected(self.validation, tuple(summ["table"]) if not summ.empty else None)
        findings = quality.findings_frame(rejected + self.quality)
        if findings.empty:
            parts.append(paragraph("No data-quality problems were found by the checks listed in the methods."))
        else:
            parts.append(paragraph(f"The checks found {len(findings)} matter(s) to be aware of. 'Problem' means figures "
                                   "in this briefing may be affected; 'note' means they are not, but recording could improve."))
            parts.append(html_table(findings, {"title": "Check", "severity": "Kind", "affected": "Records affected", "message": "What was found"},
                                    caption="Data-quality checks that found something", units={"affected": "count"},
                                    symbol_columns=(), row_header=True))
        return join_blocks(*parts)

    def methods(self) -> HtmlBlock:
        """Definitions of every measure shown, methods, suppression and sources."""
        from safeguarding.codes.ethnicity import MAPPING_NOTE
        from safeguarding.quality import CHECKS
        rows = []
        for mid in self.used_measures:
            try:
                spec = registry.get(mid)
            except KeyError:
                continue
            counts = f"Counts {spec.counts}." + (f" Denominator: {spec.denominator}." if spec.denominator else "")
            rows.append({"measure": spec.label, "definition": f"{spec.definition} {counts}"})
        parts = [HtmlBlock("<h2>Data notes and methods</h2>")]
        if rows:
            parts.append(html_table(pd.DataFrame(rows), {"measure": "Measure", "definition": "Definition"},
                                    caption="Definitions of the measures in this briefing", symbol_columns=(), row_header=True))
        parts.append(bullet_list([
            f"Period: {self.period_label}, the year ending {pd.Timestamp(self.period_end):%d %B %Y}."
            + (f" School year shown: {self.theme_impl.shown_period}, the latest that ended before then."
               if getattr(self.theme_impl, "shown_period", None) else ""),
            "Intervals: 95% Wilson score intervals for percentages; exact Poisson intervals for rates; comparisons "
            "with other areas use funnel-plot control limits at 95% and 99.8%.",
            *self._theme_method_notes(),
            f"Disclosure control: counts from 1 to {self.threshold} are shown as 'c', and where a hidden figure could be "
            "worked out from a total, a second figure is hidden too. Rates and percentages built on a hidden count are hidden.",
            MAPPING_NOTE,
            "Checks run on the data: " + "; ".join(f"{c.title.lower()}" for code, c in CHECKS.items()
                                                   if code.startswith(("DQ", _CHECK_PREFIX.get(self.theme, "DQ")))) + ".",
            "Published statistics: Department for Education (Explore Education Statistics, Local Authority Interactive Tool) "
            "and Office for National Statistics, Open Government Licence v3.0." + (" " + " ".join(self.sources) if self.sources else ""),
        ]))
        return join_blocks(*parts)

    def assert_safe(self) -> None:
        """Stop the briefing (so it is never written) if any shown count escaped disclosure control."""
        problems = self.self_check()
        if problems:
            raise RuntimeError("Disclosure check failed: " + "; ".join(problems))

    def _theme_method_notes(self) -> list[str]:
        if self.theme == "disproportionality":
            return ["Relative rate indices: the ratio of two groups' rates, with a log-scale (Katz) 95% interval, or an "
                    "exact conditional method when either count is below 10; a verdict needs at least 10 children in "
                    "both groups, otherwise it says 'too few to say'."]
        return ["Statistical neighbours: the ten most similar local authorities in the DfE children's services "
                "statistical neighbour model (2025)."]

    def self_check(self) -> list[str]:
        """Problems with what this briefing showed (visible small counts). Empty when safe."""
        problems = []
        for frame in self.shown:
            bad = disclosure.visible_small_counts(frame, "numerator", self.threshold)
            if len(bad):
                problems.append(f"{len(bad)} small count(s) visible in {', '.join(frame['measure_id'].unique())}")
        return problems


def _load_validation(folder: Path) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    report = pd.read_csv(folder / "validation_report.csv", dtype=str) if (folder / "validation_report.csv").exists() else pd.DataFrame()
    summary = pd.read_csv(folder / "validation_summary.csv") if (folder / "validation_summary.csv").exists() else pd.DataFrame()
    manifest = json.loads((folder / "manifest.json").read_text()) if (folder / "manifest.json").exists() else {}
    return report, summary, manifest


def open_briefing(theme: str, borough: str, period_end: str = config.DEFAULT_PERIOD_END, data_dir=None,
                  published_dir=None, suppression_threshold: int = config.DEFAULT_SUPPRESSION_THRESHOLD,
                  comparators=("england", "london", "sub_region", "neighbours")) -> Briefing:
    """Validate parameters, load the borough's processed tables and compute the theme's results.

    Raises :class:`InputError` with a readable message for a bad parameter or missing data.
    """
    from safeguarding.batch import resolve_theme
    from safeguarding.themes import theme_class
    spec = resolve_theme(theme)
    area = resolve_area(borough)
    try:
        end = pd.Timestamp(period_end)
    except (ValueError, TypeError):
        raise InputError(f"period_end {period_end!r} is not a date; use e.g. '2025-03-31'.") from None
    if not isinstance(suppression_threshold, int) or suppression_threshold < 0:
        raise InputError(f"suppression_threshold must be a whole number 0 or more, not {suppression_threshold!r}.")
    folder = config.processed_dir(area.slug, data_dir)
    if not folder.is_dir():
        raise InputError(f"No processed data for {area.name} in {folder}. Run 'safeguarding ingest {area.slug}' "
                         f"(or 'safeguarding demo {area.slug}' first for demonstration data).")
    from safeguarding.prepare import load_processed
    impl_cls = theme_class(spec.key)
    tables = load_processed(folder, impl_cls.TABLES)
    for name in getattr(impl_cls, "OPTIONAL_TABLES", ()):
        path = folder / f"{name}.parquet"
        if path.exists():
            tables[name] = pd.read_parquet(path)
    report, summary, manifest = _load_validation(folder)
    b = Briefing(theme=spec.key, title=spec.title, area=area, period_end=str(end.date()),
                 threshold=suppression_threshold, data_dir=Path(config.data_dir(data_dir)),
                 published_dir=config.published_dir(published_dir), tables=tables, validation=report,
                 summary=summary, manifest=manifest, comparators=tuple(comparators))
    b.theme_impl = impl_cls(b)
    b.theme_impl.compute()
    return b
