#!/usr/bin/env python3
"""Benchmark the batch: against the naive loop, at London scale, its scaling, and a national ingest.

Prints figures; nothing here is a pass/fail test. Every figure is measured in this run, on
this machine, on demo data the benchmark generates in a temporary folder. Peak memory is
sampled every 0.2 s over the whole process tree (the batch, its workers and their kernels):
"largest process" and "all processes together".

Parts (all by default; name some to run only those):

  ratio     (a) ``safeguarding batch`` against (b) the naive loop analysts write first (for
            each borough and theme: the ``papermill`` command line, then ``jupyter
            nbconvert --to html --no-input``, one after another), same boroughs, every
            theme, same processed data and stored results; prints both and the ratio.
  london    every London borough (33) x every theme, from raw demo files to the index
            (ingest, results stage, briefings, index, Excel workbooks) in one batch.
  curves    cost against boroughs (1, 2, 4, 8; every theme) and against themes per
            borough (1, 2, 4, 8; two boroughs), each point with its results stage rebuilt.
  national  ingest of synthetic files for the largest LA in England (by children) and for
            every one of the 153 LAs, each ingest in a fresh process: time and peak memory.

    python benchmarks/benchmark_batch.py                        # everything (about 40 minutes on 2 cores)
    python benchmarks/benchmark_batch.py ratio curves
    python benchmarks/benchmark_batch.py ratio --boroughs hounslow --themes missing
    python benchmarks/benchmark_batch.py national --national-las 20
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from safeguarding import config
from safeguarding.batch import available_themes, period_folder
from safeguarding.codes.areas import DEMO_BOROUGHS, all_areas, london_areas
from safeguarding.themes.registry import THEMES

PARTS = ("ratio", "london", "curves", "national")
BIN = Path(sys.executable).parent


@dataclass
class Measured:
    seconds: float
    peak_process_mb: float
    peak_total_mb: float
    stdout: str = ""

    @property
    def stages(self) -> str:
        """The batch's own 'Stages: ...' line (data and results; briefings and workbooks; index)."""
        return next((line.removeprefix("Stages: ") for line in self.stdout.splitlines() if line.startswith("Stages: ")), "")


def run(cmd: list, env: dict) -> Measured:
    """Run a command; its wall time and the peak resident memory of its process tree."""
    import psutil
    peaks = [0.0, 0.0]
    start = time.perf_counter()
    proc = subprocess.Popen([str(c) for c in cmd], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    done = threading.Event()

    def sample():
        root = psutil.Process(proc.pid)
        while not done.is_set():
            try:
                procs = [root, *root.children(recursive=True)]
                sizes = []
                for p in procs:
                    try:
                        sizes.append(p.memory_info().rss)
                    except psutil.Error:
                        continue
                peaks[0] = max(peaks[0], max(sizes, default=0) / 2**20)
                peaks[1] = max(peaks[1], sum(sizes) / 2**20)
            except psutil.Error:
                pass
            done.wait(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = proc.communicate()
    done.set()
    sampler.join()
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        sys.stderr.write(out[-2000:] + err[-4000:])
        raise SystemExit(f"command failed: {' '.join(map(str, cmd))}")
    return Measured(seconds, peaks[0], peaks[1], out)


def sg(*args) -> list:
    return [BIN / "safeguarding", *args]


def clear_results(data: Path) -> None:
    """Forget every stored results stage, so the next batch computes them again."""
    from safeguarding.prepare import RESULTS
    for folder in (data / "processed").glob(f"*/{RESULTS}"):
        shutil.rmtree(folder, ignore_errors=True)


def row(label: str, value: str) -> None:
    print(f"  {label:<58} {value}")


def part_ratio(args, tmp: Path, env: dict, themes: list[str]) -> None:
    boroughs = args.boroughs
    n = len(boroughs) * len(themes)
    print(f"\nratio: {len(boroughs)} borough(s) x {len(themes)} theme(s) = {n} briefings, batch --jobs {args.jobs}")
    # set-up (not timed): demo data, ingest, results stage, and one warm-up briefing, so both
    # runs start from the same state (published statistics cached, results stored, files in the OS cache)
    run(sg("demo", *boroughs, "--out", tmp / "data" / "raw"), env)
    run(sg("ingest", *boroughs), env)
    run(sg("results", *boroughs), env)
    run(sg("batch", boroughs[0], "--themes", themes[0], "--no-ingest", "--outputs", tmp / "warm"), env)
    a = run(sg("batch", *boroughs, "--themes", *themes, "--no-ingest", "--jobs", args.jobs, "--outputs", tmp / "batch"), env)
    manifest = json.loads((tmp / "batch" / period_folder(config.DEFAULT_PERIOD_END) / "run_manifest.json").read_text())
    per_briefing = [b["seconds"] for b in manifest["briefings"] if b["status"] == "ok"]
    naive_s, naive_proc = 0.0, 0.0
    for borough in boroughs:
        for theme in themes:
            nb = config.notebooks_dir() / THEMES[theme].notebook
            out = tmp / "naive" / borough / f"{theme}.ipynb"
            out.parent.mkdir(parents=True, exist_ok=True)
            for cmd in ([BIN / "papermill", nb, out, "-p", "borough", borough, "--no-progress-bar"],
                        [BIN / "jupyter", "nbconvert", "--to", "html", "--no-input", out]):
                m = run(cmd, env)
                naive_s, naive_proc = naive_s + m.seconds, max(naive_proc, m.peak_process_mb)
    row("(a) safeguarding batch", f"{a.seconds:8.1f} s")
    row("(b) naive papermill + nbconvert loop", f"{naive_s:8.1f} s")
    row("ratio (b) / (a)", f"{naive_s / a.seconds:8.2f} x faster")
    row("median seconds per briefing, (a) (its own wall time)", f"{statistics.median(per_briefing):8.2f} s")
    row("batch wall time per briefing, (a)", f"{a.seconds / n:8.2f} s")
    row("peak memory, largest process, (a) / (b)", f"{a.peak_process_mb:8.0f} / {naive_proc:.0f} MB")
    row("peak memory, all processes together, (a)", f"{a.peak_total_mb:8.0f} MB")


def part_london(args, tmp: Path, env: dict, themes: list[str]) -> None:
    slugs = [a.slug for a in london_areas()]
    n = len(slugs) * len(themes)
    print(f"\nlondon: {len(slugs)} boroughs x {len(themes)} themes = {n} briefings, from raw demo files to the index, "
          f"--jobs {args.jobs}")
    data = tmp / "london"
    env = dict(env, SAFEGUARDING_DATA=str(data))
    demo = run(sg("demo", "--all-london", "--out", data / "raw"), env)
    m = run(sg("batch", "--all-london", "--themes", *themes, "--jobs", args.jobs, "--outputs", tmp / "london-out"), env)
    manifest = json.loads((tmp / "london-out" / period_folder(config.DEFAULT_PERIOD_END) / "run_manifest.json").read_text())
    ok = sum(b["status"] == "ok" for b in manifest["briefings"])
    briefing_s = [b["seconds"] for b in manifest["briefings"] if b["status"] == "ok"]
    row("demo files for 33 boroughs (not part of the figure below)", f"{demo.seconds:8.1f} s")
    row("batch: ingest + results + briefings + index", f"{m.seconds:8.1f} s ({m.seconds / 60:.1f} min)")
    row("  of which (the batch's own timing)", m.stages)
    row("briefings produced", f"{ok:8d} of {n}")
    row("median seconds per briefing (its own wall time)", f"{statistics.median(briefing_s):8.2f} s")
    row("peak memory, largest process / all processes together", f"{m.peak_process_mb:8.0f} / {m.peak_total_mb:.0f} MB")


def part_curves(args, tmp: Path, env: dict, themes: list[str]) -> None:
    slugs = [a.slug for a in london_areas()][:8]
    data = tmp / "curves"
    env = dict(env, SAFEGUARDING_DATA=str(data))
    run(sg("demo", *slugs, "--out", data / "raw"), env)
    run(sg("ingest", *slugs), env)
    run(sg("batch", slugs[0], "--themes", themes[0], "--no-ingest", "--outputs", tmp / "curves-warm"), env)
    print(f"\ncurves: batch wall time, each point with its results stage rebuilt, --jobs {args.jobs}")
    print("  boroughs (every theme)   seconds   per borough")
    for k in (1, 2, 4, 8):
        clear_results(data)
        m = run(sg("batch", *slugs[:k], "--themes", *themes, "--no-ingest", "--jobs", args.jobs,
                   "--outputs", tmp / f"curves-b{k}"), env)
        print(f"  {k:>8}                 {m.seconds:7.1f}   {m.seconds / k:7.1f}   ({m.stages})")
    print("  themes per borough (2 boroughs)   seconds   per theme")
    for k in (1, 2, 4, 8):
        if k > len(themes):
            break
        clear_results(data)
        m = run(sg("batch", *slugs[:2], "--themes", *themes[:k], "--no-ingest", "--jobs", args.jobs,
                   "--outputs", tmp / f"curves-t{k}"), env)
        print(f"  {k:>8}                          {m.seconds:7.1f}   {m.seconds / k:7.1f}")


def _largest_la() -> str:
    from safeguarding.published.population import child_population
    best, size = None, -1
    for area in all_areas():
        try:
            n = child_population(area, 2025)
        except Exception:  # noqa: BLE001 - an area without a published population is not a candidate
            continue
        if n > size:
            best, size = area.slug, n
    return best


def _make_demo(slug: str, out: str) -> str:
    from safeguarding.demo import generate_demo
    generate_demo([slug], out_dir=Path(out))
    return slug


def _time_ingest(slug: str, raw: str, processed: str) -> tuple[str, float, float, int]:
    """In a fresh process: (slug, seconds, peak resident MB of the process, rows read)."""
    import resource

    from safeguarding.prepare import ingest
    start = time.perf_counter()
    report = ingest(Path(raw) / slug, Path(processed) / slug)
    seconds = time.perf_counter() - start
    column = "rows_read" if "rows_read" in report.summary else None
    rows = int(report.summary[column].sum()) if column else 0
    return slug, seconds, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, rows


def part_national(args, tmp: Path, env: dict, themes: list[str]) -> None:
    las = [a.slug for a in all_areas()]
    largest = _largest_la()
    chosen = las if args.national_las is None else [largest] + [s for s in las if s != largest][: args.national_las - 1]
    raw, processed = tmp / "national" / "raw", tmp / "national" / "processed"
    print(f"\nnational: synthetic files for {len(chosen)} of {len(las)} LAs (largest by children: {largest}); "
          f"each ingest in a fresh process, {args.jobs} at a time")
    start = time.perf_counter()
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        list(pool.map(_make_demo, chosen, [str(raw)] * len(chosen)))
    made = time.perf_counter() - start
    start = time.perf_counter()
    with ProcessPoolExecutor(max_workers=args.jobs, max_tasks_per_child=1) as pool:
        timed = list(pool.map(_time_ingest, chosen, [str(raw)] * len(chosen), [str(processed)] * len(chosen)))
    wall = time.perf_counter() - start
    by = {t[0]: t for t in timed}
    secs, mems = [t[1] for t in timed], [t[2] for t in timed]
    row("demo files generated (not part of the figures below)", f"{made:8.1f} s")
    row(f"largest LA ({largest}): ingest", f"{by[largest][1]:8.1f} s, peak {by[largest][2]:.0f} MB, "
        f"{by[largest][3]:,} rows read")
    row(f"every chosen LA ({len(chosen)}): wall time, {args.jobs} at a time", f"{wall:8.1f} s")
    row("per LA: median / largest time", f"{statistics.median(secs):8.2f} / {max(secs):.2f} s")
    row("per LA: median / largest peak memory", f"{statistics.median(mems):8.0f} / {max(mems):.0f} MB")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("parts", nargs="*", help=f"any of {', '.join(PARTS)} (default: all)")
    parser.add_argument("--boroughs", nargs="*", default=list(DEMO_BOROUGHS[:2]), help="boroughs for 'ratio'")
    parser.add_argument("--themes", nargs="*", default=None, help="themes (default: every theme)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count())
    parser.add_argument("--national-las", type=int, default=None, help="'national' on this many LAs (default: all)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args(argv)
    parts = args.parts or list(PARTS)
    unknown = [p for p in parts if p not in PARTS]
    if unknown:
        parser.error(f"unknown part(s) {', '.join(unknown)}: choose from {', '.join(PARTS)}")
    themes = args.themes or available_themes()
    tmp = Path(tempfile.mkdtemp(prefix="sg-bench-"))
    env = dict(os.environ, SAFEGUARDING_DATA=str(tmp / "data"), SAFEGUARDING_CACHE=str(tmp / "cache"),
               SAFEGUARDING_PROGRESS="")
    print(f"Benchmark on {os.cpu_count()} core(s), Python {sys.version.split()[0]}, {time.strftime('%d %B %Y')}: "
          f"{', '.join(parts)}")
    try:
        for part in parts:
            globals()[f"part_{part}"](args, tmp, env, themes)
    finally:
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
