"""Run briefings: one notebook per theme, executed with papermill and exported with nbconvert.

For each borough, the results stage runs first (every theme's measures, one disclosure plan,
audited; :mod:`safeguarding.results`), boroughs in parallel; then ``run_batch`` runs every
theme for every borough given, in parallel, rendering those results into
``outputs/<period>/<borough>/<theme>.html`` (each borough's Excel workbook and index figures
made on the same workers as soon as its briefings are done), with an ``index.html`` and a
machine-readable ``run_manifest.json``. One failing briefing does not stop the others; the summary names
each failure's borough, theme and cause, and the exit code is 1 if any failed. A briefing
file is written only when complete (written to a temporary file, then renamed).
"""

from __future__ import annotations

import hashlib
import html
import json
import os
import platform
import sys
import tempfile
import time
import traceback
from collections import Counter
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path

from safeguarding import config
from safeguarding.issues import InputError
from safeguarding.themes.registry import THEMES, resolve_theme


def available_themes() -> list[str]:
    """Themes whose notebook exists (in the order of the theme records)."""
    return [k for k, t in THEMES.items() if (config.notebooks_dir() / t.notebook).exists()]


def period_folder(period_end: str) -> str:
    from safeguarding.codes.lists import period_label
    return period_label(period_end)


@dataclass
class BriefingJob:
    borough: str
    theme: str
    period_end: str
    output: str
    parameters: dict
    status: str = "pending"
    seconds: float = 0.0
    message: str = ""
    peak_rss_mb: float = 0.0
    #: When the briefing was produced (the start of its run, UTC, ISO 8601).
    produced: str = ""
    #: The protective marking on every page (``config.DEFAULT_MARKING``).
    marking: str = config.DEFAULT_MARKING


def execute_briefing(notebook: Path, parameters: dict, kernel_name: str = "python3", log_path: Path | None = None):
    """Execute a briefing notebook (parameterised with papermill) and return the executed node.

    It runs on this worker's warm kernel (:mod:`safeguarding.kernels`: started once, each
    briefing in a fresh session). The kernel's own console chatter (start-up and shutdown
    messages) goes to ``log_path`` (or nowhere) rather than the terminal; errors in cells
    still fail the run.
    """
    from safeguarding.kernels import run_notebook
    with _kernel_console(log_path):
        return run_notebook(notebook, parameters, kernel_name=kernel_name)


class _kernel_console:
    """Send file descriptor 2 (inherited by the kernel process) to a log file while it runs.

    Only on a process's main thread: descriptor 2 belongs to the whole process, and a Dask
    worker runs its tasks on other threads, possibly several at once (there the kernel's
    chatter goes to the worker's own log)."""

    def __init__(self, log_path):
        self.log_path = log_path

    def __enter__(self):
        import threading
        if os.environ.get("SAFEGUARDING_DEBUG") or threading.current_thread() is not threading.main_thread():
            self.saved = None
            return self
        sys.stderr.flush()
        self.saved = os.dup(2)
        target = open(self.log_path, "ab") if self.log_path else open(os.devnull, "wb")
        os.dup2(target.fileno(), 2)
        target.close()
        return self

    def __exit__(self, *exc):
        if self.saved is not None:
            os.dup2(self.saved, 2)
            os.close(self.saved)
        return False


def write_atomic(path: Path, text: str) -> None:
    """Write text to ``path`` via a temporary file in the same folder and an atomic rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _failure_message(exc: BaseException) -> str:
    ename = getattr(exc, "ename", None)
    if ename:
        return f"{ename}: {getattr(exc, 'evalue', '')}".strip()
    return f"{type(exc).__name__}: {exc}"


def briefing_title(theme_title: str, borough: str, period_end: str) -> str:
    """The page title of one briefing: theme, borough and period (each borough's and
    period's briefing is told apart in a browser tab, a bookmark and a screen reader)."""
    from safeguarding.codes.areas import resolve_area
    from safeguarding.codes.lists import period_label
    return f"{theme_title}: {resolve_area(borough).name}, {period_label(period_end)}"


def run_job(job: BriefingJob) -> BriefingJob:
    """Run one briefing end to end. Never raises: the job's status and message say what happened."""
    from safeguarding.render.html import check_briefing_html, export_briefing_html
    start = time.perf_counter()
    try:
        theme = resolve_theme(job.theme)
        nb = execute_briefing(config.notebooks_dir() / theme.notebook, job.parameters)
        title = job.parameters.get("_title") or briefing_title(theme.title, job.borough, job.period_end)
        body = export_briefing_html(nb, title=title, marking=job.marking)
        problems = check_briefing_html(body)
        if problems:
            raise RuntimeError("briefing failed its own checks: " + "; ".join(problems[:5]))
        write_atomic(Path(job.output), body)
        job.status = "ok"
    except Exception as exc:  # the batch reports every failure and carries on
        job.status = "failed"
        job.message = _failure_message(exc)
        if os.environ.get("SAFEGUARDING_DEBUG"):
            traceback.print_exc()
    job.seconds = round(time.perf_counter() - start, 2)
    try:
        import resource
        job.peak_rss_mb = round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1)
    except Exception:
        job.peak_rss_mb = 0.0
    return job


def _fingerprint(folder: Path) -> str:
    h = hashlib.sha256()
    if folder.is_dir():
        for p in sorted(folder.glob("*.parquet")):
            h.update(p.name.encode())
            h.update(hashlib.sha256(p.read_bytes()).digest())
    return h.hexdigest()[:16]


def _versions() -> dict:
    """The versions the run used, read from the installed packages' metadata (importing
    matplotlib, seaborn, statsmodels and papermill here only to ask took 2 s)."""
    from importlib.metadata import PackageNotFoundError, version

    from safeguarding import __version__
    out = {"python": platform.python_version(), "safeguarding": __version__}
    for name in ("pandas", "numpy", "matplotlib", "seaborn", "statsmodels", "papermill", "nbconvert"):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "not installed"
    return out


def prepare_borough(slug: str, period_end: str, demo: bool, seed: int, data_dir=None) -> str | None:
    """Make sure processed data exists for a borough: generate demo data if asked and absent, then
    ingest raw files. Returns an error message, or None when ready."""
    from safeguarding.prepare import ingest
    raw = config.raw_dir(slug, data_dir)
    try:
        if demo and not raw.exists():
            from safeguarding.demo import generate_demo
            generate_demo([slug], out_dir=raw.parent, seed=seed, period_end=period_end)
        if raw.exists():
            ingest(raw, config.processed_dir(slug, data_dir), period_end=period_end)
        elif not config.processed_dir(slug, data_dir).exists():
            return f"no data: neither {raw} nor processed data exist (run 'safeguarding demo {slug}' or add the LA's files)"
    except InputError as exc:
        return str(exc)
    return None


def run_batch(boroughs=None, themes=None, period_end: str = config.DEFAULT_PERIOD_END, outputs=None,
              jobs: int | None = None, threshold: int = config.DEFAULT_SUPPRESSION_THRESHOLD, published=None,
              ingest_first: bool = True, demo: bool = False, seed: int = 2025, data_dir=None,
              progress: bool = True, marking: str = config.DEFAULT_MARKING, executor: str = "local",
              scheduler: str | None = None) -> int:
    """Run briefings; see module docstring. Returns the process exit code (0 all ok, 1 any failed).

    ``executor`` 'local' runs on ``jobs`` worker processes here; 'dask' on the Dask cluster at
    ``scheduler`` (or a local Dask cluster of ``jobs`` workers): see :mod:`safeguarding.executors`."""
    from safeguarding.executors import check_executor
    from safeguarding import params
    from safeguarding.codes.areas import DEMO_BOROUGHS, resolve_area
    # every parameter is checked before any ingest or kernel start
    period_end, threshold = params.check_period_end(period_end), params.check_threshold(threshold)
    params.check_published(published)
    marking = params.check_marking(marking)
    executor = check_executor(executor, scheduler)
    areas = [resolve_area(b) for b in (boroughs or DEMO_BOROUGHS)]
    theme_keys = [resolve_theme(t).key for t in themes] if themes else available_themes()
    out_root = params.check_outputs(config.outputs_dir(outputs)) / period_folder(period_end)
    from safeguarding.locks import held
    with held(out_root, "writing briefings into"):
        # local workers are started per stage; a Dask cluster is connected to once for the run
        from safeguarding.executors import DaskPool
        pool = DaskPool(max(1, jobs or os.cpu_count() or 1), scheduler) if executor == "dask" else None
        try:
            return _run_batch(areas, theme_keys, period_end, out_root, jobs, threshold, published, ingest_first,
                              demo, seed, data_dir, progress, marking, pool)
        finally:
            if pool is not None:
                pool.close()


def _run_batch(areas, theme_keys, period_end, out_root, jobs, threshold, published, ingest_first, demo, seed,
               data_dir, progress, marking=config.DEFAULT_MARKING, pool=None) -> int:
    started = datetime.now(timezone.utc)
    t0 = time.perf_counter()

    from safeguarding.published.figures import unreadable_files
    for problem in unreadable_files(published):
        print(f"Note: {problem}; the briefings say so where they would compare with it. ({problem.detail})",
              file=sys.stderr)
    prep_errors = {}
    # each borough's data is made ready (demo files if asked, ingest) and its results built in
    # one task, boroughs in parallel
    prepare = {"demo": demo, "seed": seed} if (ingest_first or demo) else None
    published_dir = config.published_dir(published)
    stopped = None
    try:
        with _stop_on_sigterm():
            audits = build_all_results(areas, period_end, threshold, published, data_dir, jobs, pool, prepare)
    except KeyboardInterrupt as exc:  # stopped while building results: no briefing is started
        stopped, audits = str(exc) or "interrupted (Ctrl-C)", {}
    stages = {"data and results": time.perf_counter() - t0}
    for slug, audit in audits.items():
        if "error" in audit:
            prep_errors[slug] = audit["error"]
    job_list = []
    for area in areas:
        for key in theme_keys:
            params = {"borough": area.slug, "period_end": period_end,
                      "data_dir": str(config.data_dir(data_dir).resolve()),
                      "published_dir": str(published_dir) if published_dir else None,
                      "suppression_threshold": int(threshold)}
            job = BriefingJob(area.slug, key, period_end, str(out_root / area.slug / f"{key}.html"), params,
                              marking=marking)
            if area.slug in prep_errors:
                job.status, job.message = "failed", f"data not ready: {prep_errors[area.slug]}"
            job_list.append(job)

    todo = [] if stopped else [j for j in job_list if j.status == "pending"]
    workers = max(1, min(jobs or os.cpu_count() or 1, len(todo) or 1))
    bar = None
    if progress:
        from tqdm import tqdm
        bar = tqdm(total=len(job_list), desc="briefings", unit="briefing", file=sys.stderr,
                   disable=not sys.stderr.isatty() and not os.environ.get("SAFEGUARDING_PROGRESS"))
        bar.update(len(job_list) - len(todo))
    # each borough's workbook and headline figures are made as soon as its briefings are done,
    # on the same workers, while other boroughs' briefings run
    earlier = earlier_manifest(out_root)  # read before this run's manifest replaces it
    kept = _kept_from(earlier, out_root, job_list)

    def after_borough(slug, jobs):
        return _finish_one, (slug, period_end, threshold, published, data_dir, out_root,
                             jobs + [j for j in kept if j.borough == slug], marking)

    finished: dict = {}
    done, interrupted = run_jobs(todo, workers, bar, pool=pool, after_borough=after_borough, followed=finished)
    stages["briefings and workbooks"] = time.perf_counter() - t0 - stages["data and results"]
    interrupted = stopped or interrupted
    if bar:
        bar.close()
    final = [done.get((j.borough, j.theme), j) for j in job_list]
    for j in final:
        if j.status == "pending":  # never started, or stopped part-way: nothing half-written is kept
            j.status, j.message = "cancelled", f"not produced: the run was {interrupted or 'stopped'}"
    for j in final:
        if j.status in ("failed", "cancelled"):
            stale = Path(j.output)
            if stale.exists():
                stale.unlink()  # never leave an out-of-date briefing beside a failed run
    elapsed = time.perf_counter() - t0
    for j in final:
        j.produced = started.isoformat(timespec="seconds")
    listed, listed_areas, earlier = merge_earlier_runs(out_root, final, areas, earlier)
    write_manifest(out_root, listed, started, elapsed, dict(period_end=period_end, threshold=threshold,
                   published_dir=str(published_dir) if published_dir else None, jobs=workers, themes=theme_keys,
                   executor=getattr(pool, "kind", "local"),
                   boroughs=[a.slug for a in areas]), areas, data_dir, audits, earlier)
    # the boroughs not finished above (only earlier briefings, none to run, or the run stopped):
    # their headline figures and workbooks, boroughs in parallel
    finished = {slug: r for slug, r in finished.items() if isinstance(r, dict)}
    finished |= per_borough(_finish_one, [a.slug for a in listed_areas if a.slug not in finished], jobs, pool,
                            lambda slug: (period_end, threshold, published, data_dir, out_root,
                                          [j for j in listed if j.borough == slug], marking))
    headlines = {slug: r.get("headlines", []) if isinstance(r, dict) else [] for slug, r in finished.items()}
    synthetic = {slug for slug, r in finished.items() if isinstance(r, dict) and r.get("synthetic")}
    write_index(out_root, listed, listed_areas, period_end, headlines, synthetic)
    stages["index"] = time.perf_counter() - t0 - elapsed
    failed = [j for j in final if j.status != "ok"]
    print(f"{len(final) - len(failed)} of {len(final)} briefing(s) written to {out_root} in {elapsed:.1f}s "
          f"({workers} parallel). Index: {out_root / 'index.html'}")
    print("Stages: " + ", ".join(f"{name} {seconds:.1f}s" for name, seconds in stages.items()))
    for j in failed:
        print(f"{'CANCELLED' if j.status == 'cancelled' else 'FAILED'} {j.borough} / {j.theme}: {j.message}",
              file=sys.stderr)
    if interrupted:
        print(f"Stopped: the run was {interrupted}; the manifest and index list what finished.", file=sys.stderr)
        return 130
    return 1 if failed else 0


def run_jobs(todo: list[BriefingJob], workers: int, bar=None, runner=None, pool=None, after_borough=None,
             followed: dict | None = None) -> tuple[dict, str | None]:
    """Run briefing jobs (``runner``, default :func:`run_job`) on ``workers`` local processes, or on
    ``pool`` (an open :class:`safeguarding.executors.Pool`, e.g. a Dask cluster). Ctrl-C or
    SIGTERM cancels the queue and stops the running briefings and their kernels at once.

    ``after_borough(slug, jobs)``, if given, is called once all of a borough's jobs have ended,
    with them, and may return a task ``(fn, args)`` that runs next on the same workers, ahead of
    the briefings still waiting (the borough's workbook and headline figures, while other
    boroughs' briefings run); its result, or the exception that stopped it, goes in
    ``followed[slug]``. Returns the finished jobs by (borough, theme) and, when stopped, why."""
    runner = runner or run_job
    done: dict[tuple, BriefingJob] = {}
    left = Counter(job.borough for job in todo)

    def finished(key, result):
        if isinstance(key, tuple):  # ("after", slug): a borough's follow-up task
            followed[key[1]] = result
            return None
        job = key
        if isinstance(result, BaseException):  # a worker died
            job.status, job.message = "failed", _failure_message(result)
            result = job
        done[(result.borough, result.theme)] = result
        if bar:
            bar.update(1)
        left[job.borough] -= 1
        if after_borough is None or left[job.borough]:
            return None
        ended = [done[(j.borough, j.theme)] for j in todo if j.borough == job.borough]
        task = after_borough(job.borough, ended)
        return [(task[0], ("after", job.borough), task[1])] if task else None

    interrupted = None
    with _stop_on_sigterm():
        try:
            run_each(runner, [(job, (job,)) for job in todo], workers, pool, finished)
        except KeyboardInterrupt as exc:  # Ctrl-C, or SIGTERM (see _stop_on_sigterm)
            interrupted = str(exc) or "interrupted (Ctrl-C)"
    return done, interrupted


#: Tasks handed to each local worker at a time: enough that none waits for the next, few enough
#: that a task made ready meanwhile (a borough's workbook) is taken next, not after the queue.
TASKS_PER_WORKER = 2


def run_each(fn, tasks: list[tuple], workers: int, pool, finished) -> None:
    """``fn(*args)`` for every ``(key, args)`` of ``tasks``: one after another here when
    ``workers`` is 1 and no ``pool`` is given, else in parallel on ``workers`` local processes
    or on ``pool``. ``finished(key, result)`` is called as each ends; a worker that died gives
    its exception as the result, and the others go on. ``finished`` may return further tasks
    ``(fn, key, args)`` that the one that ended made ready: they run before the tasks still
    waiting (local workers are handed :data:`TASKS_PER_WORKER` tasks each at a time; a Dask
    cluster is given every task at once and places them itself). Ctrl-C or SIGTERM stops every
    worker at once (and is raised again)."""
    from collections import deque
    from concurrent.futures import FIRST_COMPLETED, wait

    from safeguarding.executors import LocalPool
    waiting = deque((fn, key, args) for key, args in tasks)

    def ended(key, result) -> None:
        more = finished(key, result)
        waiting.extendleft(reversed(list(more or ())))

    if workers == 1 and pool is None:
        while waiting:
            task, key, args = waiting.popleft()
            ended(key, task(*args))
        return
    own = pool is None
    pool = pool or LocalPool(workers)
    limit = TASKS_PER_WORKER * workers if pool.kind == "local" else None
    running: dict = {}
    try:
        while waiting or running:
            while waiting and (limit is None or len(running) < limit):
                task, key, args = waiting.popleft()
                try:
                    running[pool.submit(task, *args)] = key
                except Exception as exc:  # the pool broke (a worker died): this task fails too
                    ended(key, exc)
            if not running:
                continue
            for fut in wait(running, return_when=FIRST_COMPLETED).done:
                key = running.pop(fut)
                try:
                    result = fut.result()
                except Exception as exc:  # a worker died
                    result = exc
                ended(key, result)
    except BaseException:  # Ctrl-C or SIGTERM: no worker is left running
        pool.stop()
        raise
    if own:
        pool.close()


class _stop_on_sigterm:
    """While the batch runs, SIGTERM stops it as Ctrl-C does (KeyboardInterrupt in the main
    process), so the queue is cancelled and the manifest and index are still written."""

    def __enter__(self):
        import signal
        import threading
        self.previous = None
        if threading.current_thread() is threading.main_thread():
            def stop(signum, frame):
                raise KeyboardInterrupt("stopped by SIGTERM")
            self.previous = signal.signal(signal.SIGTERM, stop)
        return self

    def __exit__(self, *exc):
        import signal
        if self.previous is not None:
            signal.signal(signal.SIGTERM, self.previous)
        return False


def _build_one(slug: str, period_end: str, threshold: int, published, data_dir, prepare: dict | None = None) -> dict:
    """One borough: its data made ready (``prepare``: demo files if asked, then ingest; see
    :func:`prepare_borough`), then its results stage. Returns the disclosure summary or an error."""
    from safeguarding.codes.areas import resolve_area
    from safeguarding.results.store import load_results
    if prepare is not None:
        err = prepare_borough(slug, period_end, prepare.get("demo", False), prepare.get("seed", 2025), data_dir)
        if err:
            return {"error": err}
    try:
        res = load_results(resolve_area(slug), period_end, data_dir=data_dir, published_dir=published, threshold=threshold)
    except Exception as exc:  # reported per borough; the others still run
        return {"error": f"results could not be built: {_failure_message(exc)}"}
    return {**res.manifest.get("disclosure", {}), "results": str(res.folder), "unavailable": res.unavailable,
            "seconds": res.manifest.get("seconds")}


def build_all_results(areas, period_end: str, threshold: int, published, data_dir, jobs: int | None,
                      pool=None, prepare: dict | None = None) -> dict:
    """The results stage for every borough (in parallel, on local processes or ``pool``):
    compute, plan, protect, audit, store (after ``prepare``: demo files, ingest).

    Returns, per borough, the disclosure summary (cells, hidden primary/secondary, audit
    failures) or an error. A borough whose audit fails gets no briefings."""
    found = per_borough(_build_one, [a.slug for a in areas], jobs, pool,
                        lambda slug: (period_end, threshold, published, data_dir, prepare))
    out = {slug: r if isinstance(r, dict) else {"error": f"results could not be built: {_failure_message(r)}"}
           for slug, r in found.items()}
    for slug, audit in out.items():
        if audit.get("audit_failures"):
            audit["error"] = (f"the disclosure audit found {audit['audit_failures']} hidden figure(s) that could be "
                              "worked out; no briefing is written (see disclosure_audit.csv in the results folder)")
    return out


def per_borough(fn, slugs: list[str], jobs: int | None, pool, args_of) -> dict:
    """``fn(slug, *args_of(slug))`` for every borough, in parallel on ``jobs`` local processes
    or on ``pool`` (see :func:`run_each`); returns each borough's result, or the exception
    that stopped it (a dead worker: the others go on)."""
    out: dict = {}
    workers = max(1, min(jobs or os.cpu_count() or 1, len(slugs) or 1))
    run_each(fn, [(slug, (slug, *args_of(slug))) for slug in slugs], workers, pool, out.__setitem__)
    return out


def _finish_one(slug: str, period_end: str, threshold: int, published, data_dir, out_root: Path, jobs_done,
                marking: str) -> dict:
    """After the briefings, one borough: its headline figures for the index, whether its data
    are synthetic, and its Excel workbook (of the themes whose briefing was produced)."""
    from safeguarding.codes.areas import resolve_area
    from safeguarding.results.store import load_results
    try:
        res = load_results(resolve_area(slug), period_end, data_dir=data_dir, published_dir=published,
                           threshold=threshold)
    except Exception:  # noqa: BLE001 - a borough whose results cannot be read is listed without figures
        return {"headlines": [], "synthetic": False}
    write_borough_workbook(res, out_root, jobs_done, marking, threshold)
    return {"headlines": index_headlines(res), "synthetic": bool(res.manifest.get("synthetic"))}


def merge_earlier_runs(out_root: Path, jobs_done: list[BriefingJob], areas,
                       earlier: dict | None = None) -> tuple[list[BriefingJob], list, dict]:
    """This run's briefings plus every earlier briefing of the period still on disk that this run
    did not redo (a single ``brief`` adds its line to the batch's index instead of replacing
    it). ``earlier`` is the earlier manifest when already read (:func:`earlier_manifest`).
    Returns the briefings to list, their areas, and the earlier manifest (or {})."""
    from safeguarding.codes.areas import resolve_area
    earlier = earlier_manifest(out_root) if earlier is None else earlier
    kept = _kept_from(earlier, out_root, jobs_done)
    order = {key: i for i, key in enumerate(THEMES)}
    boroughs = list(dict.fromkeys([j.borough for j in jobs_done] + [j.borough for j in kept]))
    listed = sorted(jobs_done + kept, key=lambda j: (boroughs.index(j.borough), order.get(j.theme, 99), j.theme))
    by_slug = {a.slug: a for a in areas}
    listed_areas = [by_slug.get(slug) or resolve_area(slug) for slug in boroughs]
    return listed, listed_areas, earlier


def earlier_manifest(out_root: Path) -> dict:
    """The manifest of the last run into this outputs folder, or {} (none, or unreadable: an
    unreadable manifest is replaced, not trusted)."""
    path = out_root / "run_manifest.json"
    try:
        return json.loads(path.read_text()) if path.exists() else {}
    except (OSError, ValueError):
        return {}


def _kept_from(earlier: dict, out_root: Path, jobs_done: list[BriefingJob]) -> list[BriefingJob]:
    """The earlier run's briefings that this run does not redo, that were produced and are
    still on disk."""
    redone = {(j.borough, j.theme) for j in jobs_done}
    kept = []
    for entry in earlier.get("briefings", []):
        key = (entry.get("borough"), entry.get("theme"))
        output = out_root / str(entry.get("output", ""))
        if key in redone or entry.get("status") != "ok" or not output.is_file():
            continue  # redone now, failed then, or no longer on disk
        kept.append(BriefingJob(entry["borough"], entry["theme"], entry.get("period_end", ""), str(output), {},
                                status="ok", seconds=float(entry.get("seconds", 0.0)), message=entry.get("message", ""),
                                peak_rss_mb=float(entry.get("peak_rss_mb", 0.0)),
                                produced=entry.get("produced") or earlier.get("started", "")))
    return kept


def write_manifest(out_root: Path, jobs_done, started, elapsed, parameters, areas, data_dir=None, audits=None,
                   earlier: dict | None = None) -> Path:
    """run_manifest.json: this run's parameters, versions and timings, and every briefing of the
    period on disk (earlier runs' entries keep their own ``produced`` time)."""
    earlier = earlier or {}
    manifest = {
        "started": started.isoformat(timespec="seconds"),
        "seconds": round(elapsed, 2),
        "parameters": parameters,
        "versions": _versions(),
        "data_fingerprints": {**earlier.get("data_fingerprints", {}),
                              **{a.slug: _fingerprint(config.processed_dir(a.slug, data_dir)) for a in areas}},
        "disclosure": {**earlier.get("disclosure", {}), **(audits or {})},
        "briefings": [{k: v for k, v in asdict(j).items() if k != "parameters"} | {"output": str(Path(j.output).relative_to(out_root))}
                      for j in jobs_done],
    }
    out_root.mkdir(parents=True, exist_ok=True)
    path = out_root / "run_manifest.json"
    write_atomic(path, json.dumps(manifest, indent=2, default=str))
    return path


#: A few headline figures per borough on the index: (measure id, breakdown, group, label).
INDEX_HEADLINES = (
    ("front_door.referral_rate_per_10k", "all", "All", "Referrals per 10,000 children"),
    ("child_protection.open_rate_per_10k", "all", "All", "Child protection plans at 31 March per 10,000 children"),
    ("looked_after.rate_per_10k", "all", "All", "Children looked after at 31 March per 10,000 children"),
    ("missing.children", "scope", "All children", "Children who went missing"),
    ("neet.neet_pct", "age_band", "19-21", "Care leavers aged 19 to 21 not in education, employment or training"),
)


def index_headlines(results) -> list[tuple[str, str]]:
    """(label, figure as shown) for :data:`INDEX_HEADLINES`, from a borough's protected results
    (the figures its briefings print, 'c' where hidden); measures not built are left out."""
    from safeguarding.measures.registry import get as get_measure
    from safeguarding.render.glance import format_figure
    out = []
    for mid, breakdown, group, label in INDEX_HEADLINES:
        for frame in results.measure_rows(mid):
            rows = frame[(frame["measure_id"] == mid) & (frame["breakdown"] == breakdown) & (frame["group"] == group)]
            if len(rows):
                row = rows.iloc[-1]
                out.append((label, format_figure(row["value"], get_measure(mid), str(row.get("symbol") or ""))))
                break
    return out


def workbook_path(out_root: Path, slug: str) -> Path:
    return out_root / slug / f"{slug}_tables.xlsx"


def write_borough_workbook(results, out_root: Path, jobs_done, marking: str, threshold: int) -> Path | None:
    """Every protected table of the themes whose briefing was produced for the borough, as one
    Excel workbook beside its briefings (none when no briefing was produced; an older
    workbook is then removed rather than left beside a failed run)."""
    from safeguarding.render.workbook import write_workbook
    slug = results.area.slug
    path = workbook_path(out_root, slug)
    done = {j.theme for j in jobs_done if j.borough == slug and j.status == "ok"}
    if not done:
        path.unlink(missing_ok=True)
        return None
    return write_workbook(results, path, {k: t.title for k, t in THEMES.items()}, marking, threshold, themes=done)


def write_index(out_root: Path, jobs_done, areas, period_end, headlines: dict | None = None,
                synthetic: set[str] | frozenset = frozenset()) -> Path:
    """A self-contained index.html linking every briefing of the run, with each borough's run
    status and (``headlines``: slug -> [(label, figure)]) a few headline figures; boroughs in
    ``synthetic`` are marked as synthetic demonstration data."""
    from safeguarding.render.html import BRIEFING_CSS
    rows = []
    by_area = {a.slug: a for a in areas}
    headlines = headlines or {}
    for slug in dict.fromkeys(j.borough for j in jobs_done):
        cells = []
        mine = [j for j in jobs_done if j.borough == slug]
        ok = sum(j.status == "ok" for j in mine)
        status = f"{ok} of {len(mine)} briefings produced" + ("" if ok == len(mine) else ": see below")
        figures = "".join(f"<li>{html.escape(label)}: <strong>{html.escape(value)}</strong></li>"
                          for label, value in headlines.get(slug, []))
        figures = (f'<p>Headline figures (as the briefings print them; c = hidden to protect privacy):</p>'
                   f'<ul class="headlines">{figures}</ul>') if figures else ""
        for j in mine:
            title = html.escape(THEMES[j.theme].title) if j.theme in THEMES else html.escape(j.theme)
            if j.status == "ok":
                when = f" <small>(produced {j.produced[:10]})</small>" if j.produced else ""
                cells.append(f'<li><a href="{html.escape(slug)}/{html.escape(j.theme)}.html">{title}</a>{when}</li>')
            else:
                cells.append(f"<li>{title}: <strong>not produced</strong> ({html.escape(j.message[:200])})</li>")
        if workbook_path(out_root, slug).exists():
            cells.append(f'<li><a href="{html.escape(slug)}/{html.escape(slug)}_tables.xlsx">Every table of these '
                         "briefings, as an Excel workbook</a> <small>(the same protected figures)</small></li>")
        demo = ('<p class="synthetic"><strong>Synthetic demonstration data: no real children.</strong></p>'
                if slug in synthetic else "")
        rows.append(f"<section><h2>{html.escape(by_area[slug].name)}</h2>{demo}<p>{html.escape(status)}.</p>{figures}"
                    f"<ul>{''.join(cells)}</ul></section>")
    label = period_folder(period_end)
    page = (f'<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8"><title>Safeguarding briefings {label}</title>'
            f'<meta name="viewport" content="width=device-width, initial-scale=1"><style>{BRIEFING_CSS}</style></head><body><main>'
            f"<h1>Safeguarding briefings, {label}</h1><p>Each briefing is a single file that opens offline and prints on A4. "
            f"Produced {datetime.now(timezone.utc):%d %B %Y}.</p>{''.join(rows)}</main></body></html>")
    path = out_root / "index.html"
    write_atomic(path, page)
    return path
