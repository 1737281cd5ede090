"""Command line: ``safeguarding demo | ingest | brief | batch`` (also ``python -m safeguarding``).

Errors in input data are printed as readable messages (no traceback) and exit with code 2.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from safeguarding import config
from safeguarding.issues import InputError

DESCRIPTION = """\
Safeguarding Workbooks: turn a local authority's child-level data into evidence briefings.

Typical use:
  safeguarding demo                      generate synthetic data for the six demo boroughs
  safeguarding ingest hounslow           validate data/raw/hounslow -> data/processed/hounslow
  safeguarding results hounslow          every theme's results once, one disclosure plan, audited
  safeguarding brief hounslow missing    one HTML briefing
  safeguarding batch                     every theme for every demo borough, with an index

Boroughs are accepted by name (hounslow, "Hammersmith and Fulham"), ONS code (E09000018)
or DfE number (313).
"""


def _areas(names, all_london=False):
    from safeguarding.codes.areas import DEMO_BOROUGHS, london_areas, resolve_area
    if all_london:
        return list(london_areas())
    return [resolve_area(n) for n in (names or DEMO_BOROUGHS)]


def cmd_demo(args) -> int:
    from safeguarding.demo import generate_demo
    areas = _areas(args.boroughs, args.all_london)
    start = time.perf_counter()
    paths = generate_demo([a.slug for a in areas], out_dir=Path(args.out) if args.out else config.data_dir() / "raw",
                          seed=args.seed, all_london=False, period_end=args.period_end)
    print(f"Generated {len(paths)} files for {len(areas)} borough(s) in {time.perf_counter() - start:.1f}s "
          f"(seed {args.seed}). Synthetic data: no real children.")
    return 0


def cmd_ingest(args) -> int:
    from safeguarding.prepare import ingest
    if args.raw:
        if len(args.boroughs) > 1:
            raise InputError("--raw takes one folder: give at most one borough with it.")
        jobs = [(Path(args.raw), Path(args.out) if args.out else
                 (config.processed_dir(_areas(args.boroughs)[0].slug) if args.boroughs else Path(args.raw).with_name(Path(args.raw).name + "_processed")))]
    else:
        areas = _areas(args.boroughs, args.all_london)
        if args.out and len(areas) > 1:
            raise InputError("--out takes one folder: give one borough with it.")
        jobs = [(config.raw_dir(a.slug), Path(args.out) if args.out else config.processed_dir(a.slug)) for a in areas]
    worst = 0
    for raw, out in jobs:
        report = ingest(raw, out, period_end=args.period_end)
        print(report.describe())
        rejected = int(report.summary["rows_rejected"].sum()) if len(report.summary) else 0
        if rejected:
            print(f"  {rejected:,} row(s) rejected: see validation_report.csv for file, row, column and reason.")
            worst = max(worst, 1 if args.strict else 0)
    return worst


def cmd_results(args) -> int:
    from safeguarding.results.store import load_results
    worst = 0
    for area in _areas(args.boroughs, args.all_london):
        res = load_results(area, args.period_end, published_dir=args.published, threshold=args.threshold,
                           rebuild=args.rebuild)
        d = res.manifest["disclosure"]
        print(f"{area.name}: {d['cells']:,} count cells over {len(res.manifest['themes'])} theme(s); hidden "
              f"{d['hidden_primary']:,} (1 to {d['threshold']}) + {d['hidden_secondary']:,} (to protect them); "
              f"audit failures {d['audit_failures']}. Analyst-only audit: {res.folder / 'disclosure_audit.csv'}")
        for theme, why in res.unavailable.items():
            print(f"  {theme}: not available: {why}")
        worst = max(worst, 1 if d["audit_failures"] else 0)
    return worst


def cmd_brief(args) -> int:
    from safeguarding.batch import run_batch
    return run_batch(boroughs=[args.borough], themes=[args.theme], period_end=args.period_end,
                     outputs=args.outputs, jobs=1, threshold=args.threshold, published=args.published,
                     ingest_first=not args.no_ingest, marking=args.marking)


def cmd_batch(args) -> int:
    from safeguarding.batch import run_batch
    boroughs = [a.slug for a in _areas(args.boroughs, args.all_london)]
    return run_batch(boroughs=boroughs, themes=args.themes or None, period_end=args.period_end,
                     outputs=args.outputs, jobs=args.jobs, threshold=args.threshold, published=args.published,
                     ingest_first=not args.no_ingest, demo=args.demo, seed=args.seed, marking=args.marking,
                     executor=args.executor, scheduler=args.scheduler)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="safeguarding", description=DESCRIPTION,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("demo", help="generate deterministic synthetic data in the real formats",
                       description="Generate synthetic child-level data (SSDA903, CIN census, missing log, "
                                   "exclusions) calibrated to each borough's published figures.")
    p.add_argument("boroughs", nargs="*", help="boroughs (default: the six demo boroughs)")
    p.add_argument("--all-london", action="store_true", help="all 33 London boroughs")
    p.add_argument("--seed", type=int, default=2025, help="random seed (same seed, same files; default 2025)")
    p.add_argument("--out", help="folder to write <borough>/ folders into (default data/raw)")
    p.add_argument("--period-end", default=config.DEFAULT_PERIOD_END, help="end of the latest year (default %(default)s)")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("results", help="compute every theme's results once, with one disclosure plan, and audit it",
                       description="For each borough and the period, compute every measure of every theme once, "
                                   "plan disclosure control across all of them, audit every hidden figure, and store "
                                   "the results beside the processed data (reused by brief and batch).")
    p.add_argument("boroughs", nargs="*", help="boroughs (default: the six demo boroughs)")
    p.add_argument("--all-london", action="store_true")
    p.add_argument("--period-end", default=config.DEFAULT_PERIOD_END)
    p.add_argument("--threshold", type=int, default=config.DEFAULT_SUPPRESSION_THRESHOLD,
                   help="counts from 1 to this are hidden (default %(default)s; must be 1 or more)")
    p.add_argument("--published", help="folder of DfE/ONS published files")
    p.add_argument("--rebuild", action="store_true", help="recompute even when stored results match the data")
    p.set_defaults(func=cmd_results)

    p = sub.add_parser("ingest", help="validate raw files and write processed tables + validation report",
                       description="Read data/raw/<borough>/ (or --raw DIR), identify each file by its columns, "
                                   "validate it, and write tidy parquet tables, validation_report.csv and "
                                   "manifest.json to data/processed/<borough>/ (or --out DIR).")
    p.add_argument("boroughs", nargs="*", help="boroughs (default: the six demo boroughs)")
    p.add_argument("--raw", help="any folder of an LA's files (instead of data/raw/<borough>)")
    p.add_argument("--out", help="output folder (default data/processed/<borough>)")
    p.add_argument("--all-london", action="store_true")
    p.add_argument("--strict", action="store_true", help="exit with code 1 when any row is rejected")
    p.add_argument("--period-end", default=config.DEFAULT_PERIOD_END)
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("brief", help="produce one HTML briefing",
                       description="Run one theme's notebook for one borough and export the HTML briefing.")
    p.add_argument("borough")
    p.add_argument("theme", help="theme name, e.g. missing (see 'safeguarding batch --help')")
    _briefing_options(p)
    p.set_defaults(func=cmd_brief)

    p = sub.add_parser("batch", help="every theme for every borough, in parallel, with an index",
                       description="Run every theme for every borough given (default: the six demo boroughs) into "
                                   "outputs/<period>/<borough>/<theme>.html, with index.html and run_manifest.json. "
                                   "One failing briefing does not stop the others; the exit code is 1 if any failed.")
    p.add_argument("boroughs", nargs="*")
    p.add_argument("--themes", nargs="*", help="themes to run (default: all)")
    p.add_argument("--all-london", action="store_true")
    p.add_argument("--jobs", type=int, default=None, help="parallel briefings (default: number of cores)")
    p.add_argument("--demo", action="store_true", help="generate demo data first (for boroughs without raw data)")
    p.add_argument("--seed", type=int, default=2025)
    p.add_argument("--executor", choices=("local", "dask"), default="local",
                   help="where the work runs: local worker processes (default), or a Dask cluster")
    p.add_argument("--scheduler", help="with --executor dask: the Dask scheduler's address (e.g. tcp://host:8786); "
                                       "without it, a local Dask cluster of --jobs workers")
    _briefing_options(p)
    p.set_defaults(func=cmd_batch)
    return parser


def _briefing_options(p):
    p.add_argument("--period-end", default=config.DEFAULT_PERIOD_END)
    p.add_argument("--outputs", help="outputs folder (default outputs/)")
    p.add_argument("--threshold", type=int, default=config.DEFAULT_SUPPRESSION_THRESHOLD,
                   help="suppress counts from 1 to this value (default %(default)s)")
    p.add_argument("--published", help="folder of DfE/ONS published files (default ../shared/data/published)")
    p.add_argument("--no-ingest", action="store_true", help="use data/processed as it is (skip ingest)")
    p.add_argument("--marking", default=config.DEFAULT_MARKING,
                   help="protective marking printed on every page (default %(default)s)")


def _check_args(args) -> None:
    """Refuse bad parameters before any work (see :mod:`safeguarding.params`)."""
    from safeguarding import params
    if getattr(args, "period_end", None) is not None:
        args.period_end = params.check_period_end(args.period_end)
    if getattr(args, "threshold", None) is not None:
        args.threshold = params.check_threshold(args.threshold)
    if getattr(args, "published", None):
        params.check_published(args.published)
    if getattr(args, "marking", None) is not None:
        args.marking = params.check_marking(args.marking)
    if args.command == "batch":
        from safeguarding.executors import check_executor
        args.executor = check_executor(args.executor, args.scheduler)
    if args.command in ("brief", "batch"):
        params.check_outputs(config.outputs_dir(args.outputs))


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    try:
        _check_args(args)
        return args.func(args)
    except InputError as exc:
        print(f"safeguarding {args.command}: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("Interrupted.", file=sys.stderr)
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
