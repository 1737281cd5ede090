"""The small API a briefing notebook calls.

    b = open_briefing("missing", borough="hounslow", period_end="2025-03-31")
    b.header()
    b.key_findings()
    b.section("who")                                   # a theme section (its measures are listed in the theme record)
    b.show("missing.rate_per_10k_by_ethnicity", view="bar")   # any measure, by id, in a generic view
    b.result("missing.children_by_group")             # the protected tidy frame
    b.data_quality()
    b.methods()

``open_briefing`` validates the parameters and takes the borough's results for the period
from the results stage (:mod:`safeguarding.results`), building them once if needed: every
measure of every theme, protected by one disclosure plan across all of the borough's
briefings. Nothing here computes a measure and nothing here suppresses: a briefing renders
protected results. ``b.result(id, protected=False)`` gives the unprotected figures for
exploration in JupyterLab; the renderers refuse them, so they never reach a briefing.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pandas as pd

from safeguarding import config
from safeguarding.codes.areas import Area, resolve_area
from safeguarding.issues import InputError
from safeguarding.measures import registry
from safeguarding.render.blocks import HtmlBlock, bullet_list, join_blocks, paragraph
from safeguarding.render.formats import symbol_legend
from safeguarding.render.tables import html_table
from safeguarding.results.cells import is_unprotected, unprotected, visible_small_counts
from safeguarding.results.store import BoroughResults, load_results
from safeguarding.text import lower_first, plural
from safeguarding.themes.registry import ThemeRecord, resolve_theme


@dataclass
class Briefing:
    """One briefing: a theme's protected results for one borough and period, and its view."""

    record: ThemeRecord
    area: Area
    period_end: str
    threshold: int
    results: BoroughResults
    published_dir: Path | None
    comparators: tuple[str, ...] = ("england", "london", "sub_region", "neighbours")
    findings: list[str] = field(default_factory=list)
    used_measures: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    #: published release and year -> titles of the figures quoted from it (cited once each in the methods)
    cited: dict[str, list[str]] = field(default_factory=dict)
    view: object = None

    # ---- what the theme's results hold -----------------------------------------------
    @property
    def theme(self) -> str:
        return self.record.key

    @property
    def title(self) -> str:
        return self.record.title

    @property
    def r(self) -> dict[str, pd.DataFrame]:
        """The theme's protected result tables, by name."""
        return self.results.protected[self.theme]

    @property
    def meta(self) -> dict:
        return self.results.themes[self.theme].meta

    @property
    def quality(self) -> list[dict]:
        return self.results.themes[self.theme].quality

    def table(self, name: str) -> pd.DataFrame:
        """One protected result table of this theme, noting the measures it shows (for the methods)."""
        frame = self.r[name]
        for mid in frame["measure_id"].unique():
            if mid not in self.used_measures:
                self.used_measures.append(mid)
        return frame

    def result(self, measure_id: str, protected: bool = True) -> pd.DataFrame:
        """The tidy rows of one measure, from whichever of the borough's tables hold it.

        ``protected=False`` returns the figures before disclosure control, for exploring in
        JupyterLab; such a frame is marked, and the renderers refuse to show it.
        """
        frames = self.results.measure_rows(measure_id, protected)
        if not frames:
            raise InputError(f"No results for measure {measure_id!r} for {self.area.name}. Measures of this theme: "
                             f"{', '.join(s.id for s in registry.all_measures(self.theme))}.")
        cols = [c for c in ("measure_id", "area", "breakdown", "group", "period", "numerator", "denominator", "value",
                            "lower", "upper", "method", "symbol", "reason") if c in frames[0]]
        out = pd.concat([f[cols] for f in frames], ignore_index=True)
        out = out.drop_duplicates(subset=["breakdown", "group", "period"], ignore_index=True)
        if not protected:
            return unprotected(out)
        if measure_id not in self.used_measures:
            self.used_measures.append(measure_id)
        return out

    def show(self, measure_id: str, view: str = "table", breakdown: str | None = None,
             caption: str | None = None) -> HtmlBlock:
        """Any measure by id in a generic view ('table', 'bar', 'trend'), from protected results."""
        from safeguarding.render.views import render_view
        frame = self.result(measure_id)
        if is_unprotected(frame):  # pragma: no cover - result() above is protected
            raise RuntimeError("refusing to render unprotected results")
        if breakdown is not None:
            frame = frame[frame["breakdown"] == breakdown]
        return render_view(frame, registry.get(measure_id), view, threshold=self.threshold, counts=self.record.counts,
                           caption=caption)

    # ---- published comparators ---------------------------------------------------------
    @property
    def published_year(self) -> int:
        """The year of published figures that matches the briefing: the collection year of
        the period (2025 for the year ending 31 March 2025), or the year of the period the
        view shows instead (an exclusions briefing shows the latest complete school year)."""
        from safeguarding.codes.lists import collection_year
        shown = getattr(self.view, "published_year", None)
        return int(shown) if shown is not None else collection_year(self.period_end)

    def compare(self, measure_id: str, year: int | None = None):
        """A published measure for this borough and its comparators, for the matching year
        (:attr:`published_year` unless ``year`` is given); when that year is not yet
        published, the latest earlier one, and ``year_note`` says so. Never a later year.

        Raises
        ------
        InputError
            Unknown measure, or nothing published for that year or before.
        """
        from safeguarding.published.comparators import compare
        return compare(self.area, measure_id, year=self.published_year if year is None else int(year),
                       published_dir=self.published_dir)

    # ---- blocks ----------------------------------------------------------------------
    @property
    def period_label(self) -> str:
        from safeguarding.codes.lists import period_label
        return period_label(self.period_end)

    def header(self) -> HtmlBlock:
        extract = self.results.manifest.get("processed_created", "")[:10]
        shown = getattr(self.view, "shown_period", None)  # e.g. a school year for exclusions
        if shown:
            meta = [f"<strong>{html.escape(self.area.name)}</strong>", f"School year: {html.escape(shown)} (the latest "
                    f"complete school year before {pd.Timestamp(self.period_end):%d %B %Y})"]
        else:
            meta = [f"<strong>{html.escape(self.area.name)}</strong>", f"Period: {html.escape(self.period_label)} "
                    f"(year ending {pd.Timestamp(self.period_end):%d %B %Y})"]
        if extract:
            meta.append(f"Data processed: {pd.Timestamp(extract):%d %B %Y}")
        meta.append(f"Briefing produced: {date.today():%d %B %Y}")
        synthetic = (f'<p class="synthetic"><strong>Synthetic demonstration data: no real children.</strong> The '
                     f"records were generated to add up to {html.escape(self.area.name)}'s published totals, to show "
                     "what the briefing does; its figures are not the borough's.</p>"
                     if self.results.manifest.get("synthetic") else "")
        return HtmlBlock(
            f'<header class="briefing-header"><h1>{html.escape(self.title)}: {html.escape(self.area.name)}, '
            f'{html.escape(shown or self.period_label)}</h1>{synthetic}<p class="meta">{" &middot; ".join(meta)}</p>'
            f'<p class="how-to-read">{html.escape(self.reading_note())}</p></header>')

    def reading_note(self) -> str:
        return (f"How to read this briefing: each section starts with what the figures show in words, then a chart "
                f"and the table behind it. {symbol_legend(['c', 'x'], threshold=self.threshold, counts=self.record.counts)} "
                f"Ranges in brackets are 95% confidence intervals: the range the true figure is likely to lie in, "
                f"given the numbers involved.")

    def key_findings(self) -> HtmlBlock:
        """The first page: key findings and the 'At a glance' table of the headline measures
        (the theme record's ``glance`` rows, then any the view adds with ``glance_rows()``).
        In print the detail starts on a new page."""
        from safeguarding.render.glance import glance_row, glance_table
        items = self.findings or ["No findings could be drawn: see data notes."]
        period = getattr(self.view, "shown_period", None) or self.period_label
        rows = [glance_row(self, g, period) for g in self.record.glance]
        rows += list(getattr(self.view, "glance_rows", lambda: [])())
        table = glance_table(self, rows, period) if rows else HtmlBlock("")
        return join_blocks(HtmlBlock('<section class="key-findings first-page"><h2>Key findings</h2>'),
                           bullet_list(items), table, HtmlBlock("</section>"))

    def section(self, name: str) -> HtmlBlock:
        """Render one section of the theme (ids in the theme record's ``sections``)."""
        if name not in self.record.section_ids:
            raise InputError(f"Theme {self.theme!r} has no section {name!r}; its sections: {', '.join(self.record.section_ids)}.")
        return getattr(self.view, f"section_{name}")()

    def data_quality(self) -> HtmlBlock:
        """Rows read / kept / rejected per input file, and every data-quality finding."""
        from safeguarding import quality
        parts = [HtmlBlock("<h2>Data quality</h2>")]
        report, summ = self.results.validation()
        needed = set(self.record.tables) | (set(self.record.optional_tables) & set(self.results.manifest.get("tables", ())))
        if not summ.empty:
            cin_child = {"cin_child_identifiers", "cin_child_characteristics"} if "cin_children" in needed else set()
            summ = summ[summ["table"].isin(needed | cin_child)]
        if not summ.empty:
            # A file's row count can be a count of children (e.g. care leavers in the OC3 file): rounded to
            # the nearest 10 here, so it cannot be combined with other figures; exact in the validation report.
            total_read, total_kept, total_rej = summ["rows_read"].sum(), summ["rows_kept"].sum(), summ["rows_rejected"].sum()
            parts.append(paragraph(
                f"The input files held about {_round10(total_read):,} rows: about {_round10(total_kept):,} were used and "
                f"{total_rej:,} were rejected because a value they depend on was missing or invalid. Row counts are "
                f"rounded to the nearest 10; every rejected row is listed, with its reason, in the validation report "
                f"the analyst holds."))
            frame = summ.rename(columns={"source": "file"})[["file", "table", "rows_read", "rows_kept", "rows_rejected", "warnings"]]
            frame = frame.assign(rows_read=frame["rows_read"].map(_round10), rows_kept=frame["rows_kept"].map(_round10))
            parts.append(html_table(frame, {"file": "Input file", "table": "Table", "rows_read": "Rows read",
                                            "rows_kept": "Rows used", "rows_rejected": "Rows rejected",
                                            "warnings": "Values flagged"},
                                    caption="Rows read and used (rounded to the nearest 10) and rejected, by input file",
                                    units={"rows_read": "count", "rows_kept": "count", "rows_rejected": "count", "warnings": "count"},
                                    symbol_columns=(), row_header=True, detail=True))
        rejected = quality.rows_rejected(report, tuple(summ["table"]) if not summ.empty else None)
        # the view's own checks (e.g. own figures against published ones, judged only on shown figures)
        findings = quality.findings_frame(rejected + list(self.quality) + list(getattr(self.view, "quality", ())))
        if findings.empty:
            parts.append(paragraph("No data-quality problems were found by the checks listed in the methods."))
        else:
            parts.append(paragraph(f"The checks found {plural(len(findings), 'matter')} to be aware of. 'Problem' means figures "
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
        from safeguarding.render.glossary import glossary_frame
        parts.append(html_table(glossary_frame(self.record.glossary), {"term": "Term", "meaning": "What it means"},
                                caption="Words used in this briefing, in plain terms", symbol_columns=(),
                                row_header=True, detail=False))
        shown_period = getattr(self.view, "shown_period", None)
        parts.append(bullet_list([
            f"Period: {self.period_label}, the year ending {pd.Timestamp(self.period_end):%d %B %Y}."
            + (f" School year shown: {shown_period}, the latest that ended before then." if shown_period else ""),
            "Intervals: 95% Wilson score intervals for percentages; exact Poisson intervals for rates; comparisons "
            "with other areas use funnel-plot control limits at 95% and 99.8%.",
            *self.record.method_notes,
            f"Disclosure control: counts from 1 to {self.threshold} are shown as 'c'. One plan covers every table of every "
            f"briefing for {self.area.name} and {self.period_label}: the same count has the same figure (or the same 'c') "
            "everywhere, and where a hidden count could be worked out from other figures (a total, other groups, another "
            "table or briefing, or a figure DfE publishes for the borough), another figure is hidden too, choosing the "
            "smallest that protects it. Each hidden figure is checked: the figures shown, with DfE's, leave its value "
            "open. A count DfE publishes is not hidden to protect another. Where saying why a figure is hidden would "
            "itself narrow a small one down, its words do not say which reason applies ('fewer than "
            f"{self.threshold + 1}, or hidden so that another figure cannot be worked out'). Rates and percentages "
            "built on a hidden count are hidden.",
            MAPPING_NOTE,
            "Checks run on the data: " + "; ".join(f"{lower_first(c.title)}" for code, c in CHECKS.items()
                                                   if code.startswith(("DQ", self.record.check_prefix))) + ".",
            "Published statistics: Department for Education (Explore Education Statistics, Local Authority Interactive Tool) "
            "and Office for National Statistics, Open Government Licence v3.0."
            + "".join(f" {release}: {'; '.join(titles)}." for release, titles in self.cited.items())
            + (" " + " ".join(self.sources) if self.sources else ""),
        ]))
        return join_blocks(HtmlBlock('<div class="methods">'), *parts, HtmlBlock("</div>"))

    def assert_safe(self) -> None:
        """Stop the briefing (so it is never written) if any shown count escaped disclosure control."""
        problems = self.self_check()
        if problems:
            raise RuntimeError("Disclosure check failed: " + "; ".join(problems))

    def self_check(self) -> list[str]:
        """Problems with what this briefing could show (visible small counts, a failed audit). Empty when safe."""
        problems = []
        estimates = {s.id for s in registry.all_measures(self.theme) if s.estimate}
        for name, frame in self.r.items():
            for column in ("numerator", "denominator"):
                # counts of people: every numerator but a published estimate's; a denominator
                # where it is a count cell (a rate per 10,000 children divides by an estimate)
                if column == "numerator":
                    counted = ~frame["measure_id"].isin(estimates)
                else:
                    counted = frame["den_cell"].astype(str).ne("") if "den_cell" in frame else frame["measure_id"].notna()
                bad = visible_small_counts(frame[counted], column, self.threshold)
                if len(bad):
                    problems.append(f"{len(bad)} small count(s) visible in {name} ({column})")
        failures = int(self.results.manifest.get("disclosure", {}).get("audit_failures", 0))
        if failures:
            problems.append(f"the disclosure audit found {failures} hidden figure(s) that could be worked out")
        return problems


def _round10(n) -> int:
    """A row count rounded to the nearest 10 (half up), for showing beside protected figures."""
    return int((int(n) + 5) // 10 * 10)


def open_briefing(theme: str, borough: str, period_end: str = config.DEFAULT_PERIOD_END, data_dir=None,
                  published_dir=None, suppression_threshold: int = config.DEFAULT_SUPPRESSION_THRESHOLD,
                  comparators=("england", "london", "sub_region", "neighbours"), rebuild: bool = False,
                  results: BoroughResults | None = None) -> Briefing:
    """Validate parameters and take the theme's protected results for the borough and period.

    Results are built once per borough, period and threshold (every theme, one disclosure
    plan) and reused. Raises :class:`InputError` with a readable message for a bad parameter
    or missing data.
    """
    record = resolve_theme(theme)
    area = resolve_area(borough)
    try:
        end = pd.Timestamp(period_end)
    except (ValueError, TypeError):
        raise InputError(f"period_end {period_end!r} is not a date; use e.g. '2025-03-31'.") from None
    if isinstance(suppression_threshold, bool) or not isinstance(suppression_threshold, int) or suppression_threshold < 1:
        raise InputError(f"suppression_threshold must be a whole number 1 or more, not {suppression_threshold!r} "
                         "(0 would switch disclosure control off).")
    if results is None:
        results = load_results(area, str(end.date()), data_dir=data_dir, published_dir=published_dir,
                               threshold=suppression_threshold, rebuild=rebuild)
    if theme_unavailable := results.unavailable.get(record.key):
        raise InputError(theme_unavailable)
    b = Briefing(record=record, area=area, period_end=str(end.date()), threshold=suppression_threshold,
                 results=results, published_dir=config.published_dir(published_dir), comparators=tuple(comparators))
    b.view = record.view_class()(b)
    b.findings = b.view.key_findings()
    return b
