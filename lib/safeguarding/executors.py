"""Where the batch's work runs: worker processes on this machine, or a Dask cluster.

Both are used through the standard :class:`concurrent.futures.Executor` interface (``submit``
returns a future), so the batch's manifest, failure isolation (a failing briefing or a dead
worker is reported, the rest go on) and atomic outputs are the same whichever runs it.

- ``local`` (default): a :class:`~concurrent.futures.ProcessPoolExecutor` of ``--jobs``
  workers. Each worker leads its own process group, so stopping the batch stops the
  workers and the kernels they started at once.
- ``dask``: Dask distributed's executor (``Client.get_executor``), on the cluster whose
  scheduler is at ``--scheduler tcp://host:8786``, or, with no scheduler given, on a local
  cluster of ``--jobs`` single-threaded worker processes. Every worker must see the same
  data, published and outputs folders as the machine starting the batch (a shared file
  system), and have this package installed (``pip install 'safeguarding-workbooks[dask]'``).
  At the end of a run every worker's warm kernel is shut down, so a long-lived cluster
  never carries a kernel (or its caches of published files) into the next run.

  A local cluster is started with :data:`DASK_SETTINGS`: each worker holds only the briefing
  it runs (none queued behind it), and a briefing that kills its worker is given up after
  one retry. With Dask's defaults a briefing queued behind one that kills its worker is
  counted as a suspect each time, and can be failed with it after a few retries though it
  is sound. A shared cluster should be configured the same way (its scheduler's settings).
"""

from __future__ import annotations

import os
from concurrent.futures import Executor, ProcessPoolExecutor

from safeguarding.issues import InputError

EXECUTORS = ("local", "dask")

#: Dask settings for a cluster the batch starts (see the module's docstring).
DASK_SETTINGS = {"distributed.scheduler.worker-saturation": 1.0, "distributed.scheduler.allowed-failures": 1}


def check_executor(kind: str, scheduler: str | None) -> str:
    """Refuse an unknown executor, a scheduler without Dask, or Dask not installed, before any work."""
    kind = (kind or "local").strip().lower()
    if kind not in EXECUTORS:
        raise InputError(f"Unknown executor {kind!r}: use one of {', '.join(EXECUTORS)}.")
    if scheduler and kind != "dask":
        raise InputError("--scheduler is for --executor dask (the address of a Dask scheduler, e.g. tcp://host:8786).")
    if kind == "dask":
        try:
            import distributed  # noqa: F401
        except ImportError:
            raise InputError("--executor dask needs Dask distributed: pip install 'safeguarding-workbooks[dask]' "
                             "(or pip install distributed) in the project's environment.") from None
        if scheduler and ":" not in scheduler:
            raise InputError(f"The Dask scheduler address {scheduler!r} is not an address such as tcp://host:8786.")
    return kind


class Pool:
    """An executor for one stage of the batch; ``stop()`` cancels the queue and stops what runs, now."""

    kind = "local"

    def __init__(self, executor: Executor):
        self.executor = executor

    def submit(self, fn, *args):
        return self.executor.submit(fn, *args)

    def stop(self) -> None:
        raise NotImplementedError

    def close(self) -> None:
        self.executor.shutdown()


class LocalPool(Pool):
    def __init__(self, workers: int):
        super().__init__(ProcessPoolExecutor(max_workers=workers, initializer=own_process_group))

    def stop(self) -> None:
        stop_process_pool(self.executor)


class DaskPool(Pool):
    kind = "dask"

    def __init__(self, workers: int, scheduler: str | None):
        from distributed import Client, LocalCluster
        self.cluster = None
        if scheduler:
            self.client = Client(scheduler, set_as_default=False)
        else:
            import dask
            with dask.config.set(DASK_SETTINGS):
                self.cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                            dashboard_address=None, silence_logs=40)
            self.client = Client(self.cluster, set_as_default=False)
        # pure=False: two briefings with equal arguments are still two runs
        super().__init__(self.client.get_executor(pure=False))

    def stop(self) -> None:
        self.executor.shutdown(wait=False)  # cancels every queued and running task
        self._end()

    def close(self) -> None:
        self.executor.shutdown()
        self._end()

    def _end(self) -> None:
        from safeguarding.kernels import shutdown_all
        if self.client.status in ("closed", "closing"):
            return
        try:
            self.client.run(shutdown_all)  # no warm kernel outlives the run on a shared cluster
        except Exception:  # noqa: BLE001 - a worker already gone has no kernel to stop
            pass
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()


def own_process_group() -> None:
    """Each local worker leads its own process group, so that stopping it stops the kernel
    it started too (no orphan kernels writing briefings after the batch has stopped)."""
    import signal
    try:
        os.setpgrp()
    except OSError:  # pragma: no cover - not on this platform
        pass
    # a forked worker inherits the batch's SIGTERM handler: it must die on SIGTERM, not go on
    # to the next briefing in the queue
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def stop_process_pool(pool: ProcessPoolExecutor) -> None:
    """Cancel every queued task and stop the running ones with their kernels, now."""
    import signal
    workers = list((getattr(pool, "_processes", None) or {}).values())  # shutdown() forgets them
    pool.shutdown(wait=False, cancel_futures=True)
    for proc in workers:
        try:
            os.killpg(proc.pid, signal.SIGTERM)  # the worker and the kernel it started
        except (OSError, AttributeError):
            try:
                proc.terminate()
            except OSError:  # pragma: no cover - already gone
                pass
    for proc in workers:
        proc.join(timeout=10)
        if proc.is_alive():  # pragma: no cover - a worker that ignores SIGTERM
            os.killpg(proc.pid, signal.SIGKILL)
