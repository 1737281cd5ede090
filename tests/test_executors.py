"""The batch on a Dask cluster: the same manifest, failure isolation and outputs as on local workers,
and nothing (no kernel) left running on the cluster afterwards."""

from __future__ import annotations

import json
import os

import pytest

from safeguarding.batch import BriefingJob, run_jobs
from safeguarding.issues import InputError

pytestmark = [pytest.mark.notebook, pytest.mark.xdist_group("dask")]

BOROUGH = "city-of-london"  # the smallest demo borough: quick to build


def test_bad_executor_settings_are_refused_before_any_work(tmp_path, capsys):
    from safeguarding.cli import main
    from safeguarding.executors import check_executor
    with pytest.raises(InputError, match="Unknown executor"):
        check_executor("slurm", None)
    with pytest.raises(InputError, match="--scheduler is for --executor dask"):
        check_executor("local", "tcp://127.0.0.1:8786")
    with pytest.raises(InputError, match="not an address"):
        check_executor("dask", "my-scheduler")
    code = main(["batch", "hounslow", "--scheduler", "tcp://127.0.0.1:8786", "--outputs", str(tmp_path / "out")])
    assert code == 2 and "--scheduler is for --executor dask" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def _job_that_fails_or_dies(job: BriefingJob) -> BriefingJob:
    """Stands in for run_job on a worker: one briefing fails in its notebook, one kills its worker."""
    if job.theme == "fails":
        job.status, job.message = "failed", "ValueError: broken briefing"
        return job
    if job.theme == "dies":
        os._exit(3)
    job.status = "ok"
    return job


@pytest.fixture(scope="module")
def cluster():
    distributed = pytest.importorskip("distributed")
    import dask

    from safeguarding.executors import DASK_SETTINGS
    with dask.config.set(DASK_SETTINGS), distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None, silence_logs=40) as cluster:
        yield cluster


def test_a_failing_briefing_or_a_dead_worker_does_not_stop_the_others(cluster):
    from safeguarding.executors import DaskPool
    jobs = [BriefingJob("hounslow", theme, "2025-03-31", f"/nonexistent/{theme}.html", {})
            for theme in ("a", "fails", "dies", "b", "c")]
    pool = DaskPool(2, cluster.scheduler_address)
    try:
        done, interrupted = run_jobs(jobs, 2, runner=_job_that_fails_or_dies, pool=pool)
    finally:
        pool.close()
    assert interrupted is None
    status = {theme: done[("hounslow", theme)].status for theme in ("a", "fails", "dies", "b", "c")}
    assert status == {"a": "ok", "fails": "failed", "dies": "failed", "b": "ok", "c": "ok"}
    assert done[("hounslow", "fails")].message == "ValueError: broken briefing"
    assert done[("hounslow", "dies")].message  # the worker's death is reported, in words


def _kernels_under(pids) -> list[int]:
    import psutil
    found = []
    for pid in pids:
        try:
            found += [c.pid for c in psutil.Process(pid).children(recursive=True)
                      if "ipykernel" in " ".join(c.cmdline())]
        except psutil.NoSuchProcess:
            continue
    return found


def test_batch_on_a_dask_cluster_writes_the_same_briefings_and_manifest(cluster, tmp_path_factory):
    from fixtures_data import shared_demo
    from safeguarding.batch import run_batch
    data, outputs = shared_demo(tmp_path_factory, [BOROUGH]), tmp_path_factory.mktemp("dask-outputs")
    code = run_batch([BOROUGH], themes=["missing", "overview"], outputs=outputs, data_dir=data, progress=False,
                     ingest_first=False, executor="dask", scheduler=cluster.scheduler_address)
    assert code == 0
    root = outputs / "2024-25"
    manifest = json.loads((root / "run_manifest.json").read_text())
    assert manifest["parameters"]["executor"] == "dask"
    assert [(b["theme"], b["status"]) for b in manifest["briefings"]] == [("overview", "ok"), ("missing", "ok")]
    assert manifest["disclosure"][BOROUGH]["audit_failures"] == 0      # the results stage ran on the cluster too
    for theme in ("missing", "overview"):
        page = (root / BOROUGH / f"{theme}.html").read_text()
        assert page.startswith("<!DOCTYPE html>") and "City of London" in page
    assert not list(root.rglob("*.tmp"))                               # written whole, or not at all
    workers = [w.process.pid for w in cluster.workers.values() if getattr(w, "process", None)]
    assert workers and not _kernels_under(workers), "a warm kernel outlived the run on the cluster"
