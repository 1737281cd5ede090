"""The results stage: every measure of every theme, once per borough and period, protected once.

``build_results`` loads the borough's processed tables, runs each theme's ``compute`` (its
measures module), registers every count cell of every table, makes one disclosure plan
over all of them (:mod:`safeguarding.results.plan`), applies it, and writes::

    data/processed/<borough>/results/<period_end>_t<threshold>/
        <theme>/<table>.parquet            protected result tables (what briefings render)
        <theme>/<table>.raw.parquet        the same before protection (analyst only)
        <theme>/meta.json, quality.json    facts the views need; data-quality findings
        results.parquet                    every protected row of every theme, tidy
        disclosure_audit.csv               analyst-only: every hidden cell, its feasible range
        manifest.json                      key (data fingerprint, threshold, library), summary

``load_results`` reuses that folder when its key matches and builds it otherwise, so a
second briefing for the same borough and period costs no recomputation. Nothing above this
stage computes a measure.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import shutil
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

import safeguarding
from safeguarding import config
from safeguarding.codes.areas import Area
from safeguarding.issues import InputError
from safeguarding.results import cells as cellmod
from safeguarding.results.plan import Plan, plan_disclosure
from safeguarding.results.relations import expand

FORMAT_VERSION = 2  # 2: the audit has a 'public' column


@dataclass
class Context:
    """What a theme's ``compute`` gets: the processed tables and the run's parameters."""

    area: Area
    period_end: str
    tables: dict[str, pd.DataFrame]
    published_dir: Path | None
    threshold: int
    #: The ingest's validation report (cross-table checks found at ingest), or empty.
    validation: pd.DataFrame = field(default_factory=pd.DataFrame)


@dataclass
class ThemeResults:
    """What a theme's ``compute`` returns: named result tables, JSON-able facts, DQ findings."""

    tables: dict[str, pd.DataFrame]
    meta: dict = field(default_factory=dict)
    quality: list[dict] = field(default_factory=list)


class StoredTables(Mapping):
    """A theme's unprotected tables as stored, each read from its file only when asked for: a
    briefing shows protected figures only, so its kernel never loads the others (and reads
    half as many files). A table asked for after the results were rebuilt is refused."""

    def __init__(self, folder: Path, names: list[str], key: str, loaded: dict | None = None):
        self._folder, self._names, self._key = folder, list(names), key
        self._loaded: dict[str, pd.DataFrame] = dict(loaded or {})

    def __getitem__(self, name: str) -> pd.DataFrame:
        if name not in self._loaded:
            if name not in self._names:
                raise KeyError(name)
            manifest = self._folder.parent / "manifest.json"
            current = json.loads(manifest.read_text()).get("key") if manifest.exists() else None
            if json.dumps(current, sort_keys=True) != self._key:
                raise InputError(f"The results in {self._folder.parent} were rebuilt after these were read; "
                                 "load the results again (load_results or open_briefing).")
            with config.small_frame_strings():
                self._loaded[name] = pd.read_parquet(self._folder / f"{name}.raw.parquet")
        return self._loaded[name]

    def __iter__(self):
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)

    def copy(self) -> "StoredTables":
        """The same files, with copies of the tables read so far."""
        return StoredTables(self._folder, self._names, self._key, {n: f.copy() for n, f in self._loaded.items()})


@dataclass
class BoroughResults:
    """Every theme's results for one borough and period, raw and protected."""

    area: Area
    period_end: str
    threshold: int
    folder: Path
    themes: dict[str, ThemeResults]          # raw (unprotected)
    protected: dict[str, dict[str, pd.DataFrame]]
    unavailable: dict[str, str]              # theme -> why it could not be computed
    audit: pd.DataFrame
    manifest: dict
    _by_measure: dict = field(default_factory=dict, repr=False, compare=False)

    def measure_rows(self, measure_id: str, protected: bool = True) -> list[pd.DataFrame]:
        """Each table's rows of one measure, in table order (empty tables left out), from an
        index of every table by measure built once (a briefing asks for dozens of measures)."""
        if protected not in self._by_measure:
            source = self.protected if protected else {t: r.tables for t, r in self.themes.items()}
            index: dict[str, list[pd.DataFrame]] = {}
            for tables in source.values():
                for frame in tables.values():
                    for mid, rows in frame.groupby("measure_id", sort=False, observed=True):
                        index.setdefault(str(mid), []).append(rows)
            self._by_measure[protected] = index
        return self._by_measure[protected].get(measure_id, [])

    def copy(self) -> "BoroughResults":
        """A copy whose frames, facts and findings can be changed without touching this one."""
        return BoroughResults(
            self.area, self.period_end, self.threshold, self.folder,
            {t: ThemeResults(r.tables.copy() if isinstance(r.tables, StoredTables) else
                             {n: f.copy() for n, f in r.tables.items()},
                             copy.deepcopy(r.meta), copy.deepcopy(r.quality))
             for t, r in self.themes.items()},
            {t: {n: f.copy() for n, f in tables.items()} for t, tables in self.protected.items()},
            dict(self.unavailable), self.audit.copy(), copy.deepcopy(self.manifest))

    def table(self, theme: str, name: str, protected: bool = True) -> pd.DataFrame:
        if theme in self.unavailable:
            raise InputError(self.unavailable[theme])
        source = self.protected[theme] if protected else self.themes[theme].tables
        frame = source[name].copy()
        return frame if protected else cellmod.unprotected(frame)

    def validation(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        """The ingest's validation report and per-file summary (rows read, kept, rejected)."""
        processed = self.folder.parent.parent
        report = processed / "validation_report.csv"
        summary = processed / "validation_summary.csv"
        return (pd.read_csv(report, dtype=str) if report.exists() else pd.DataFrame(),
                pd.read_csv(summary) if summary.exists() else pd.DataFrame())

    def tidy(self, protected: bool = True) -> pd.DataFrame:
        frames = []
        for theme in self.protected:
            for name in self.protected[theme]:
                f = self.table(theme, name, protected)
                frames.append(f.assign(theme=theme, table=name)[["theme", "table", *cellmod.TIDY_COLUMNS]])
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["theme", "table", *cellmod.TIDY_COLUMNS])


# ---- fingerprints ------------------------------------------------------------------------
def _source_fingerprint() -> str:
    """The library code that computes and protects results (so a code change rebuilds them)."""
    root = Path(safeguarding.__file__).parent
    h = hashlib.sha256(safeguarding.__version__.encode())
    for sub in ("measures", "results", "published", "codes", "quality.py", "derive.py", "themes/registry.py"):
        path = root / sub
        files = sorted(path.rglob("*.py")) if path.is_dir() else [path]
        for f in files:
            h.update(f.name.encode())
            h.update(f.read_bytes())
    return h.hexdigest()[:16]


def _data_fingerprint(folder: Path) -> str:
    h = hashlib.sha256()
    for f in sorted(folder.glob("*.parquet")) + sorted(folder.glob("*.csv")):
        st = f.stat()
        h.update(f"{f.name}:{st.st_size}:{st.st_mtime_ns}".encode())
    return h.hexdigest()[:16]


def _published_fingerprint(published: Path | None) -> str:
    if published is None:
        return "shipped"
    h = hashlib.sha256(str(published.resolve()).encode())
    for f in sorted(published.rglob("*")):
        if f.is_file():
            st = f.stat()
            h.update(f"{f.relative_to(published)}:{st.st_size}:{st.st_mtime_ns}".encode())
    return h.hexdigest()[:16]


def results_key(folder: Path, period_end: str, threshold: int, published: Path | None) -> dict:
    return {"format": FORMAT_VERSION, "period_end": period_end, "threshold": threshold,
            "data": _data_fingerprint(folder), "published": _published_fingerprint(published),
            "library": safeguarding.__version__, "code": _source_fingerprint()}


def results_folder(processed: Path, period_end: str, threshold: int) -> Path:
    from safeguarding.prepare import RESULTS
    return processed / RESULTS / f"{period_end}_t{threshold}"


# ---- build -------------------------------------------------------------------------------
def _load_tables(folder: Path) -> dict[str, pd.DataFrame]:
    return {p.stem: pd.read_parquet(p) for p in sorted(folder.glob("*.parquet"))}


#: Where each kind of processed table says which year a row belongs to, and how that year is named.
_YEAR_COLUMNS = (("collection_year", "collection years (SSDA903, CIN census)"),
                 ("financial_year", "years of the missing log"),
                 ("AcademicYear", "school years (exclusions, school roll)"))


def check_period_has_data(area: Area, period_end: str, tables: dict[str, pd.DataFrame]) -> None:
    """Refuse a period none of the borough's processed tables holds, naming the years they do
    hold (a briefing of '0 children went missing in 2029-30' would be wrong, not empty). A
    school year ending in the summer before the period's 31 March counts as covering it."""
    from safeguarding.codes.lists import academic_year_label, collection_year, period_label
    year = collection_year(period_end)
    held: dict[str, set[int]] = {}
    for frame in tables.values():
        for column, words in _YEAR_COLUMNS:
            if column in frame and len(frame):
                held.setdefault(words, set()).update(
                    int(y) for y in pd.to_numeric(frame[column], errors="coerce").dropna().unique())
    if not held:
        return  # nothing says which year a row is (e.g. hand-made tables): the themes decide
    if any(year in ys for ys in held.values()) or year - 1 in held.get(_YEAR_COLUMNS[2][1], set()):
        return

    def span(words, ys):
        name = academic_year_label if words.startswith("school") else (lambda y: period_label(f"{y}-03-31"))
        ys = sorted(ys)
        return f"{words}: {name(ys[0])}" + (f" to {name(ys[-1])}" if len(ys) > 1 else "")
    latest = max(max(ys) for ys in held.values())
    raise InputError(f"No data for {area.name} in {period_label(period_end)} (the year ending "
                     f"{pd.Timestamp(period_end):%d %B %Y}). The processed tables hold "
                     + "; ".join(span(w, ys) for w, ys in held.items())
                     + f". Choose a period end inside them, e.g. --period-end {latest}-03-31, or ingest files for "
                       "that year.")


def compute_all(ctx: Context, themes=None) -> tuple[dict[str, ThemeResults], dict[str, str]]:
    """Run each theme's ``compute``; a theme whose required tables are absent is unavailable."""
    from safeguarding.themes.registry import THEMES
    out, unavailable = {}, {}
    for key, record in THEMES.items():
        if themes is not None and key not in themes:
            continue
        missing = [t for t in record.tables if t not in ctx.tables]
        if missing:
            unavailable[key] = (f"{record.title} needs the processed table(s) {', '.join(missing)} for {ctx.area.name}, "
                                f"which the borough's files did not provide. Run 'safeguarding ingest {ctx.area.slug}' "
                                "on files that include them.")
            continue
        try:
            out[key] = record.measures().compute(ctx)
        except InputError as exc:
            unavailable[key] = str(exc)
    return out, unavailable


def protect_all(themes: dict[str, ThemeResults], threshold: int, area: Area | None = None,
                published: Path | None = None) -> tuple[dict[str, dict[str, pd.DataFrame]], Plan]:
    """One plan over every cell of every theme's tables, applied to each table. With ``area``,
    what DfE publishes of the same counts for the borough is known to the plan
    (:mod:`safeguarding.results.public`)."""
    from safeguarding.results.public import published_ranges
    from safeguarding.themes.registry import THEMES
    registered = {key: {name: cellmod.register_cells(frame) for name, frame in tr.tables.items()}
                  for key, tr in themes.items()}
    values = cellmod.cell_values([f for tables in registered.values() for f in tables.values()])
    relations = [rel for key in themes for rel in getattr(THEMES[key].measures(), "RELATIONS", ())]
    equations = expand(relations, values.keys(), values)
    headline = cellmod.headline_cells(values, [m for key in themes for m in THEMES[key].headline_measures])
    frames = [f for tables in registered.values() for f in tables.values()]
    uses = cellmod.cell_uses(frames)
    known: dict = {}
    if area is not None:
        linked = [(frame, THEMES[key].measures().published_counterpart) for key, tables in registered.items()
                  if hasattr(THEMES[key].measures(), "published_counterpart") for frame in tables.values()]
        known, _ = published_ranges(linked, area, published)
    plan = plan_disclosure(values, equations, threshold, headline=headline, uses=uses,
                           dependents=cellmod.cell_dependents(frames), known=known)
    protected = {}
    for key, tables in registered.items():
        module = THEMES[key].measures()
        finish = getattr(module, "finish_protection", None)
        protected[key] = {}
        for name, frame in tables.items():
            out = cellmod.apply_plan(frame, plan)
            protected[key][name] = finish(name, out, plan) if finish else out
    return protected, plan


def build_results(area: Area, period_end: str, processed: Path, published: Path | None, threshold: int,
                  write: bool = True, themes=None) -> BoroughResults:
    """Compute, plan and protect every theme's results (``themes``: only these, for tests;
    such a partial plan protects only across those themes, so it is never written)."""
    with config.small_frame_strings():
        return _build_results(area, period_end, processed, published, threshold, write, themes)


def _build_results(area, period_end, processed, published, threshold, write, themes) -> BoroughResults:
    started = time.perf_counter()
    report = processed / "validation_report.csv"
    ctx = Context(area=area, period_end=period_end, tables=_load_tables(processed), published_dir=published,
                  threshold=threshold, validation=pd.read_csv(report, dtype=str) if report.exists() else pd.DataFrame())
    write = write and themes is None
    check_period_has_data(area, period_end, ctx.tables)
    themes, unavailable = compute_all(ctx, themes)
    protected, plan = protect_all(themes, threshold, area, published)
    key = results_key(processed, period_end, threshold, published)
    processed_manifest = processed / "manifest.json"
    processed_info = json.loads(processed_manifest.read_text()) if processed_manifest.exists() else {}
    manifest = {"key": key, "borough": area.name, "slug": area.slug, "period_end": period_end,
                "processed_created": processed_info.get("created", ""),
                "synthetic": bool(processed_info.get("synthetic", False)), "tables": sorted(ctx.tables),
                "themes": sorted(themes), "unavailable": unavailable, "disclosure": plan.summary(),
                "seconds": round(time.perf_counter() - started, 2)}
    folder = results_folder(processed, period_end, threshold)
    result = BoroughResults(area, period_end, threshold, folder, themes, protected, unavailable, plan.audit, manifest)
    if write:
        _write(result, plan)
    return result


def _write(result: BoroughResults, plan: Plan) -> None:
    final = result.folder
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".building-", dir=final.parent))
    try:
        for theme, tr in result.themes.items():
            (tmp / theme).mkdir()
            for name, frame in tr.tables.items():
                frame.to_parquet(tmp / theme / f"{name}.raw.parquet", index=False)
                result.protected[theme][name].to_parquet(tmp / theme / f"{name}.parquet", index=False)
            (tmp / theme / "meta.json").write_text(json.dumps(tr.meta, indent=1, default=_json_default))
            (tmp / theme / "quality.json").write_text(json.dumps(tr.quality, indent=1, default=_json_default))
        result.tidy().to_parquet(tmp / "results.parquet", index=False)
        plan.audit.to_csv(tmp / "disclosure_audit.csv", index=False)
        (tmp / "manifest.json").write_text(json.dumps(result.manifest, indent=1, default=str))
        if final.exists():
            shutil.rmtree(final, ignore_errors=True)
        os.replace(tmp, final)
    except OSError:
        shutil.rmtree(tmp, ignore_errors=True)
        if not (final / "manifest.json").exists():
            raise


def _json_default(obj):
    if isinstance(obj, (np.integer,)):
        return int(obj)
    if isinstance(obj, (np.floating,)):
        return None if np.isnan(obj) else float(obj)
    if isinstance(obj, (pd.Timestamp,)):
        return obj.isoformat()
    if isinstance(obj, (set, tuple)):
        return list(obj)
    return str(obj)


def _read(folder: Path, area: Area, period_end: str, threshold: int, manifest: dict) -> BoroughResults:
    """The stored results, read once per process and key and handed out as copies: a batch
    worker's kernel runs a borough's briefings one after another, and each would otherwise
    read the same hundred-odd files again."""
    cache_key = (str(folder), json.dumps(manifest.get("key"), sort_keys=True))  # the folder names borough, period, threshold
    kept = _READ.get(cache_key)
    if kept is None:
        with config.small_frame_strings():
            kept = _read_frames(folder, area, period_end, threshold, manifest)
        _READ.clear()  # one borough's results at a time: a worker moves on from a borough
        _READ[cache_key] = kept
    return kept.copy()


#: The last results read in this process (see :func:`_read`).
_READ: dict = {}


def _read_frames(folder: Path, area: Area, period_end: str, threshold: int, manifest: dict) -> BoroughResults:
    themes, protected = {}, {}
    key = json.dumps(manifest.get("key"), sort_keys=True)
    for theme in manifest["themes"]:
        sub = folder / theme
        names = [p.name.removesuffix(".raw.parquet") for p in sorted(sub.glob("*.raw.parquet"))]
        raw = StoredTables(sub, names, key)  # read when asked for (see StoredTables)
        prot = {name: pd.read_parquet(sub / f"{name}.parquet") for name in names}
        themes[theme] = ThemeResults(raw, json.loads((sub / "meta.json").read_text()),
                                     json.loads((sub / "quality.json").read_text()))
        protected[theme] = prot
    audit = pd.read_csv(folder / "disclosure_audit.csv")
    return BoroughResults(area, period_end, threshold, folder, themes, protected, manifest.get("unavailable", {}),
                          audit, manifest)


def load_results(area: Area, period_end: str, data_dir=None, published_dir=None, threshold: int | None = None,
                 rebuild: bool = False) -> BoroughResults:
    """The borough's results for the period: reused when the key matches, built otherwise."""
    threshold = config.DEFAULT_SUPPRESSION_THRESHOLD if threshold is None else threshold
    if not isinstance(threshold, (int, np.integer)) or isinstance(threshold, bool) or threshold < 1:
        raise InputError(f"The suppression threshold must be a whole number 1 or more, not {threshold!r} "
                         "(0 would switch disclosure control off).")
    processed = config.processed_dir(area.slug, data_dir)
    if not processed.is_dir():
        raise InputError(f"No processed data for {area.name} in {processed}. Run 'safeguarding ingest {area.slug}' "
                         f"(or 'safeguarding demo {area.slug}' first for demonstration data).")
    published = config.published_dir(published_dir)
    folder = results_folder(processed, period_end, int(threshold))
    current = _current(folder, processed, period_end, int(threshold), published, rebuild)
    if current is not None:
        return _read(folder, area, period_end, int(threshold), current)
    from safeguarding.locks import held
    # no ingest swaps the folder meanwhile; another process building the same results is
    # waited for, and what it built is reused
    with held(processed, "using the processed data in", wait=RESULTS_WAIT):
        current = _current(folder, processed, period_end, int(threshold), published, rebuild)
        if current is not None:
            return _read(folder, area, period_end, int(threshold), current)
        return build_results(area, period_end, processed, published, int(threshold))


#: Seconds to wait for another process building the same borough's results.
RESULTS_WAIT = 900.0


def _current(folder: Path, processed: Path, period_end: str, threshold: int, published, rebuild: bool) -> dict | None:
    """The manifest of results on disk that match the data and code, or None."""
    if rebuild or not (folder / "manifest.json").exists():
        return None
    manifest = json.loads((folder / "manifest.json").read_text())
    return manifest if manifest.get("key") == results_key(processed, period_end, threshold, published) else None
