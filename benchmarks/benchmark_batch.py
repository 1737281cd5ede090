#!/usr/bin/env python3
"""Benchmark: the batch command against a naive papermill + nbconvert loop.

In one run on the same machine, over the same boroughs and themes and the same
processed demo data, this times

  (a) ``safeguarding batch`` (papermill's Python API in worker processes, nbconvert in
      process, ``--jobs`` in parallel), and
  (b) the naive loop analysts write first: for each borough and theme, the ``papermill``
      command line, then ``jupyter nbconvert --to html --no-input``, one after another,

and prints both times, their ratio, the median seconds per briefing (from the batch's
run manifest), the batch's wall time per briefing, and the peak memory of the largest
process in each phase. Nothing here is a pass/fail test: it prints figures.

    python benchmarks/benchmark_batch.py                    # six demo boroughs, every theme
    python benchmarks/benchmark_batch.py --boroughs hounslow harrow --themes missing
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
import time
from pathlib import Path

from safeguarding import config
from safeguarding.batch import available_themes, period_folder
from safeguarding.themes.registry import THEMES
from safeguarding.codes.areas import DEMO_BOROUGHS


_WRAPPER = ("import resource, subprocess, sys\n"
            "code = subprocess.run(sys.argv[1:]).returncode\n"
            "print('PEAK_RSS_KB', resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr)\n"
            "sys.exit(code)")


def run(cmd: list[str], env: dict) -> float:
    """Run a command; return the peak resident memory (MB) of the largest process it started
    (measured by a small wrapper process, so each phase is measured on its own)."""
    res = subprocess.run([sys.executable, "-c", _WRAPPER, *cmd], env=env, capture_output=True, text=True)
    if res.returncode != 0:
        sys.stderr.write(res.stdout[-2000:] + res.stderr[-4000:])
        raise SystemExit(f"command failed: {' '.join(cmd)}")
    kb = [int(line.split()[1]) for line in res.stderr.splitlines() if line.startswith("PEAK_RSS_KB")]
    return kb[-1] / 1024 if kb else float("nan")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--boroughs", nargs="*", default=list(DEMO_BOROUGHS))
    parser.add_argument("--themes", nargs="*", default=None)
    parser.add_argument("--jobs", type=int, default=os.cpu_count())
    parser.add_argument("--period-end", default=config.DEFAULT_PERIOD_END)
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args(argv)
    themes = args.themes or available_themes()
    bin_dir = Path(sys.executable).parent
    tmp = Path(tempfile.mkdtemp(prefix="sg-bench-"))
    env = dict(os.environ, SAFEGUARDING_DATA=str(tmp / "data"), SAFEGUARDING_CACHE=str(tmp / "cache"))
    n = len(args.boroughs) * len(themes)
    print(f"Benchmark: {len(args.boroughs)} borough(s) x {len(themes)} theme(s) = {n} briefings; "
          f"{os.cpu_count()} core(s); batch --jobs {args.jobs}")

    # Set-up (not timed): demo data, ingest, and one warm-up briefing so both phases start
    # from the same state (published statistics parsed and cached, files in the OS cache).
    run([str(bin_dir / "safeguarding"), "demo", *args.boroughs, "--out", str(tmp / "data" / "raw")], env)
    run([str(bin_dir / "safeguarding"), "ingest", *args.boroughs], env)
    run([str(bin_dir / "safeguarding"), "batch", args.boroughs[0], "--themes", themes[0], "--no-ingest",
         "--outputs", str(tmp / "warm")], env)

    # (a) the batch command
    t0 = time.perf_counter()
    batch_rss = run([str(bin_dir / "safeguarding"), "batch", *args.boroughs, "--themes", *themes, "--no-ingest",
         "--jobs", str(args.jobs), "--outputs", str(tmp / "batch"), "--period-end", args.period_end], env)
    batch_seconds = time.perf_counter() - t0
    manifest = json.loads((tmp / "batch" / period_folder(args.period_end) / "run_manifest.json").read_text())
    per_briefing = [b["seconds"] for b in manifest["briefings"] if b["status"] == "ok"]

    # (b) the naive loop
    t0 = time.perf_counter()
    naive_rss = 0.0
    for borough in args.boroughs:
        for theme in themes:
            nb = config.notebooks_dir() / THEMES[theme].notebook
            out = tmp / "naive" / borough / f"{theme}.ipynb"
            out.parent.mkdir(parents=True, exist_ok=True)
            naive_rss = max(naive_rss, run([str(bin_dir / "papermill"), str(nb), str(out), "-p", "borough", borough,
                                            "-p", "period_end", args.period_end, "--no-progress-bar"], env))
            naive_rss = max(naive_rss, run([str(bin_dir / "jupyter"), "nbconvert", "--to", "html", "--no-input", str(out)], env))
    naive_seconds = time.perf_counter() - t0

    print()
    print(f"{'(a) safeguarding batch':<44} {batch_seconds:8.1f} s")
    print(f"{'(b) naive papermill + nbconvert loop':<44} {naive_seconds:8.1f} s")
    print(f"{'ratio (b) / (a)':<44} {naive_seconds / batch_seconds:8.2f} x faster")
    print(f"{'median seconds per briefing (batch manifest)':<44} {statistics.median(per_briefing):8.2f} s "
          f"(each briefing's own wall time, {args.jobs} running at once)")
    print(f"{'batch wall time per briefing':<44} {batch_seconds / n:8.2f} s")
    print(f"{'peak memory, largest process, (a) batch':<44} {batch_rss:8.0f} MB")
    print(f"{'peak memory, largest process, (b) naive':<44} {naive_rss:8.0f} MB")
    if args.keep:
        print(f"kept {tmp}")
    else:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
