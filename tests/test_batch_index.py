"""The batch index and manifest list every briefing of the period on disk: a single ``brief``
adds its line instead of replacing the batch's index."""

from __future__ import annotations

import json

from safeguarding.batch import BriefingJob, merge_earlier_runs, write_index
from safeguarding.codes.areas import resolve_area


def _job(borough, theme, root, status="ok", produced="2026-12-04T10:00:00+00:00"):
    return BriefingJob(borough, theme, "2025-03-31", str(root / borough / f"{theme}.html"), {}, status=status,
                       produced=produced)


def test_a_single_brief_keeps_the_batch_s_other_briefings(tmp_path):
    for borough, theme in (("hounslow", "missing"), ("hounslow", "neet"), ("harrow", "missing")):
        (tmp_path / borough).mkdir(exist_ok=True)
        (tmp_path / borough / f"{theme}.html").write_text("<html></html>")
    earlier = {"started": "2026-12-01T09:00:00+00:00", "briefings": [
        {"borough": "hounslow", "theme": "missing", "status": "ok", "output": "hounslow/missing.html"},
        {"borough": "hounslow", "theme": "neet", "status": "ok", "output": "hounslow/neet.html",
         "produced": "2026-12-02T09:00:00+00:00"},
        {"borough": "harrow", "theme": "missing", "status": "ok", "output": "harrow/missing.html"},
        {"borough": "harrow", "theme": "exclusions", "status": "ok", "output": "harrow/exclusions.html"},  # deleted
        {"borough": "westminster", "theme": "neet", "status": "failed", "output": "westminster/neet.html"},
    ]}
    (tmp_path / "run_manifest.json").write_text(json.dumps(earlier))
    now = [_job("hounslow", "missing", tmp_path)]      # 'safeguarding brief hounslow missing'
    listed, areas, old = merge_earlier_runs(tmp_path, now, [resolve_area("hounslow")])
    keys = [(j.borough, j.theme) for j in listed]
    assert keys == [("hounslow", "missing"), ("hounslow", "neet"), ("harrow", "missing")]
    assert listed[0] is now[0]                                     # this run's entry, not the old one
    assert listed[1].produced == "2026-12-02T09:00:00+00:00"       # earlier entries keep their time
    assert listed[2].produced == "2026-12-01T09:00:00+00:00"
    assert [a.slug for a in areas] == ["hounslow", "harrow"] and old["started"].startswith("2026-12-01")
    page = write_index(tmp_path, listed, areas, "2025-03-31").read_text()
    assert page.count("<li>") == 3 and "Harrow" in page and "produced 2026-12-02" in page


def test_index_shows_each_borough_s_status_and_headline_figures(tmp_path):
    """Per borough: how many of its briefings were produced, and a few headline figures as the
    briefings print them (a hidden one as 'c')."""
    from types import SimpleNamespace

    import pandas as pd
    from safeguarding.batch import index_headlines
    frame = pd.DataFrame({"measure_id": ["front_door.referral_rate_per_10k", "missing.children"],
                          "breakdown": ["all", "scope"], "group": ["All", "All children"], "value": [319.4, float("nan")],
                          "symbol": ["", "c"]})
    results = SimpleNamespace(measure_rows=lambda mid: [frame[frame["measure_id"] == mid]])
    figures = index_headlines(results)
    assert figures == [("Referrals per 10,000 children", "319.4 per 10,000"), ("Children who went missing", "c")]
    listed = [_job("hounslow", "missing", tmp_path), _job("hounslow", "neet", tmp_path, status="failed")]
    page = write_index(tmp_path, listed, [resolve_area("hounslow")], "2025-03-31", {"hounslow": figures}).read_text()
    assert "1 of 2 briefings produced" in page and "<strong>319.4 per 10,000</strong>" in page
    assert "Children who went missing: <strong>c</strong>" in page


def test_an_unreadable_manifest_is_replaced_not_trusted(tmp_path):
    (tmp_path / "run_manifest.json").write_text("{not json")
    now = [_job("hounslow", "missing", tmp_path)]
    listed, areas, old = merge_earlier_runs(tmp_path, now, [resolve_area("hounslow")])
    assert listed == now and old == {}


# ---- stopping a batch ------------------------------------------------------------------------
def _slow_job(job):
    """A stand-in briefing: starts a 'kernel' (a child process) and takes a long time."""
    import subprocess
    import sys
    import time
    kernel = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    with open(job.output, "w") as f:
        f.write(str(kernel.pid))
    time.sleep(60)
    job.status = "ok"
    return job


def _alive(pid: int) -> bool:
    import os
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie (finished, not yet reaped) is not running
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split()[2] != "Z"
    except OSError:
        return True


def test_sigterm_cancels_the_queue_and_stops_workers_and_their_kernels(tmp_path):
    import os
    import signal
    import threading
    import time

    import pytest
    from safeguarding.batch import run_jobs
    if threading.current_thread() is not threading.main_thread():
        pytest.skip("signals reach only the main thread")
    jobs = [BriefingJob("hounslow", f"t{i}", "2025-03-31", str(tmp_path / f"t{i}.pid"), {}) for i in range(5)]
    timer = threading.Timer(2.0, lambda: os.kill(os.getpid(), signal.SIGTERM))
    timer.start()
    started = time.perf_counter()
    try:
        done, why = run_jobs(jobs, workers=2, runner=_slow_job)
    finally:
        timer.cancel()
    assert why == "stopped by SIGTERM" and done == {}
    assert time.perf_counter() - started < 30          # stopped, not waited for
    kernels = [int(p.read_text()) for p in tmp_path.glob("*.pid") if p.read_text()]
    assert len(kernels) == 2                            # two were running, three never started
    deadline = time.time() + 10
    while any(_alive(pid) for pid in kernels) and time.time() < deadline:
        time.sleep(0.2)
    assert not any(_alive(pid) for pid in kernels), "a kernel outlived the batch"
    assert signal.getsignal(signal.SIGTERM) is not None  # the previous handler is back


def test_two_runs_into_one_outputs_folder_fail_clearly(tmp_path, capsys):
    """A second batch (or brief) into an outputs folder another run is writing refuses at once,
    before any ingest or kernel start, with exit code 2 and one readable line."""
    from fixtures_data import hold_lock
    from safeguarding.cli import main
    period = tmp_path / "outputs" / "2024-25"
    with hold_lock(period, "writing briefings into"):
        code = main(["brief", "hounslow", "missing", "--outputs", str(tmp_path / "outputs"), "--no-ingest"])
        err = capsys.readouterr().err
        assert code == 2
        assert "Another run is already writing briefings into" in err and "2024-25" in err
        assert "Traceback" not in err and not (period / "hounslow").exists()


def _slow_build(slug, period_end, threshold, published, data_dir, prepare=None):
    """Stands in for a borough's results stage: starts a child process (as a kernel would) and waits."""
    import subprocess
    import sys
    import time
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    with open(data_dir / f"{slug}.pid", "w") as f:
        f.write(str(child.pid))
    time.sleep(60)
    return {}


def test_sigterm_while_building_results_stops_every_worker(tmp_path, monkeypatch):
    """SIGTERM during the results stage (before any briefing): the pool's workers and anything
    they started are stopped at once, and the run is reported as stopped."""
    import os
    import signal
    import threading
    import time

    import pytest
    import safeguarding.batch as batch
    if threading.current_thread() is not threading.main_thread():
        pytest.skip("signals reach only the main thread")
    monkeypatch.setattr(batch, "_build_one", _slow_build)
    areas = [resolve_area(b) for b in ("hounslow", "harrow", "hillingdon")]
    timer = threading.Timer(2.0, lambda: os.kill(os.getpid(), signal.SIGTERM))
    timer.start()
    started = time.perf_counter()
    try:
        with pytest.raises(KeyboardInterrupt, match="stopped by SIGTERM"):
            with batch._stop_on_sigterm():
                batch.build_all_results(areas, "2025-03-31", 5, None, tmp_path, jobs=2)
    finally:
        timer.cancel()
    assert time.perf_counter() - started < 30
    children = [int(p.read_text()) for p in tmp_path.glob("*.pid") if p.read_text()]
    assert len(children) == 2
    deadline = time.time() + 10
    while any(_alive(pid) for pid in children) and time.time() < deadline:
        time.sleep(0.2)
    assert not any(_alive(pid) for pid in children), "a results worker's child outlived the batch"


# ---- a borough's workbook as soon as its briefings are done ---------------------------------
def _logged_job(job):
    """A stand-in briefing that notes when it starts (one line per task, appended)."""
    import os
    import time
    log = os.path.join(os.path.dirname(job.output), "order.log")
    with open(log, "a") as f:
        f.write(f"{job.borough}/{job.theme}\n")
    if job.theme == "dies":
        os._exit(3)  # kills its worker
    time.sleep(0.3)
    job.status = "ok"
    return job


def _logged_after(log, slug, themes):
    with open(log, "a") as f:
        f.write(f"after {slug}: {','.join(themes)}\n")
    return {"headlines": [], "synthetic": False}


def _run_logged(tmp_path, jobs, workers):
    from safeguarding.batch import run_jobs
    log = str(tmp_path / "order.log")
    followed = {}

    def after(slug, ended):
        assert all(j.status in ("ok", "failed") for j in ended)  # every one of the borough's has ended
        return _logged_after, (log, slug, sorted(j.theme for j in ended))

    done, why = run_jobs(jobs, workers, runner=_logged_job, after_borough=after, followed=followed)
    return done, why, followed, (tmp_path / "order.log").read_text().splitlines()


def test_a_borough_s_follow_up_runs_as_soon_as_its_briefings_end(tmp_path):
    """The workbook and headline figures of a borough are made as soon as its last briefing
    ends, on the same workers and ahead of other boroughs' briefings still waiting; with one
    worker, straight after them."""
    jobs = lambda: ([BriefingJob("hounslow", t, "2025-03-31", str(tmp_path / f"h-{t}.html"), {}) for t in ("a", "b")]
                    + [BriefingJob("harrow", f"t{i}", "2025-03-31", str(tmp_path / f"x-{i}.html"), {}) for i in range(8)])
    for workers in (1, 2):
        (tmp_path / "order.log").unlink(missing_ok=True)
        done, why, followed, order = _run_logged(tmp_path, jobs(), workers)
        assert why is None and len(done) == 10 and all(j.status == "ok" for j in done.values())
        assert followed == {"hounslow": {"headlines": [], "synthetic": False}, "harrow": {"headlines": [], "synthetic": False}}
        assert "after hounslow: a,b" in order and order[-1] == "after harrow: " + ",".join(f"t{i}" for i in range(8))
        if workers == 1:
            assert order[:3] == ["hounslow/a", "hounslow/b", "after hounslow: a,b"]
        else:  # two tasks per worker are handed out at a time: never after harrow's last briefings
            assert order.index("after hounslow: a,b") < order.index("harrow/t6")


def test_a_dead_local_worker_fails_the_briefings_left_and_the_run_still_ends(tmp_path):
    """A worker that dies breaks a local pool: the briefings it had not started fail with a
    message (they are not lost, and the run ends); the borough's follow-up still runs once all
    of its briefings have ended, here on its own."""
    jobs = [BriefingJob("hounslow", t, "2025-03-31", str(tmp_path / f"{t}.html"), {}) for t in ("a", "dies", "b", "c", "d", "e", "f")]
    done, why, followed, order = _run_logged(tmp_path, jobs, 2)
    assert why is None and set(done) == {("hounslow", t) for t in ("a", "dies", "b", "c", "d", "e", "f")}
    assert done[("hounslow", "dies")].status == "failed" and done[("hounslow", "dies")].message
    assert done[("hounslow", "f")].status == "failed"  # never started: the pool was broken
    assert "hounslow" in followed  # the follow-up's own result, or why it could not run
