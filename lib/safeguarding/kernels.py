"""Warm Jupyter kernels: one kernel per worker, reused between briefings, each briefing in a fresh namespace.

Starting a kernel and importing pandas, matplotlib and the library took about 2.5 of the
5 seconds of a typical briefing. A batch worker therefore keeps one kernel running and
runs its briefings on it, one after another. Each briefing stays isolated:

- before every notebook the kernel is put back to a fresh session (:func:`fresh_session`:
  every name the last notebook defined is deleted, the execution count starts at 1 again,
  open figures are closed, matplotlib's settings and the working folder are restored);
- what carries over is only what is the same for every briefing: imported modules and
  read-only caches of the published statistics (keyed by their folder);
- a kernel keeps no IPython history (:data:`KERNEL_ARGUMENTS`);
- a kernel that fails a briefing (an error, a timeout, or the kernel dying) is shut down
  and the next briefing gets a new one; a kernel is also replaced after
  :data:`MAX_USES` briefings, so memory cannot creep up over a long run.

The notebook is parameterised with papermill (the same injected-parameters cell as
``papermill`` makes) and executed with nbclient, as papermill itself does, through one
kernel client that stays connected from the kernel's start to its end (a new client per
notebook waited about 0.2 s, twice per briefing, for the kernel's reply and for its output
channel to fall quiet). A kernel keeps text in Python-backed columns
(:func:`safeguarding.config.small_frame_strings`).
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

#: Briefings one kernel runs before it is replaced by a new one: a safeguard, not a need. With
#: the periodic full collection (:data:`FULL_COLLECT_EVERY`) a kernel stayed at 406 to 429 MB
#: over 96 briefings (12 boroughs' worth); a new kernel costs its start and its first borough's
#: caches (about 3.5 s of a core).
MAX_USES = 200

#: Modules every briefing imports: loaded once, when a kernel starts.
PRELOAD = ("import pandas, numpy, matplotlib, matplotlib.pyplot, seaborn, statsmodels.api\n"
           "import safeguarding.briefing, safeguarding.themes.registry\n"
           "import safeguarding.kernels, safeguarding.config\n"
           "safeguarding.config.use_small_frame_strings()\n"
           "safeguarding.kernels.fresh_session()")


def fresh_session(cwd: str | None = None) -> None:
    """Run inside a kernel before each briefing: forget the last notebook's names (IPython's
    ``reset``, new session), close its figures, restore matplotlib's settings to those
    the kernel started with, and go to ``cwd``. The first call records the settings."""
    import gc
    import matplotlib
    import matplotlib.pyplot as plt
    import warnings
    global _RC
    plt.close("all")
    if _RC is None:
        _RC = matplotlib.rcParams.copy()
    else:
        with warnings.catch_warnings():  # restoring deprecated settings warns; they are only restored
            warnings.simplefilter("ignore")
            matplotlib.rcParams.update(_RC)
    if cwd:
        os.chdir(cwd)
    from IPython import get_ipython
    shell = get_ipython()
    global _SESSIONS
    _SESSIONS += 1
    if _SESSIONS % FULL_COLLECT_EVERY == 0:
        gc.unfreeze()  # now and then, look at everything again (see below)
    if shell is not None:
        shell.reset(new_session=True)  # this also collects the last notebook's garbage (gc.collect)
        shell.execution_count = 0  # this cell's own count is added after it: the notebook starts at 1
    else:
        gc.collect()
    # What survives is the kernel's own (modules, published statistics, caches): set it aside
    # from later collections, which then look only at what the next notebook makes (a full
    # collection over the whole heap took 0.4 to 0.5 s after every briefing). Garbage among
    # what was set aside (a cache's old entries) waits for the next full collection.
    gc.freeze()


_RC = None
_SESSIONS = 0
#: Command-line settings of every batch kernel. No IPython history: a batch kernel is never
#: asked for it, and keeping it wrote every cell of every briefing to the user's history
#: database from a thread of its own (shared by every worker's kernel): 7% of a kernel's
#: time, measured over three boroughs' briefings (33.0 to 30.8 s of a core).
KERNEL_ARGUMENTS = ("--HistoryManager.enabled=False",)
#: Every this many sessions the kernel collects over its whole heap (one borough's briefings).
FULL_COLLECT_EVERY = 8


class WarmKernel:
    """One running kernel that executes notebooks one after another, each in a fresh session."""

    def __init__(self, kernel_name: str = "python3", cwd: Path | None = None, preload: str = PRELOAD):
        self.kernel_name, self.cwd, self.preload = kernel_name, str(cwd or os.getcwd()), preload
        self.km = None
        self.kc = None
        self.uses = 0

    @property
    def alive(self) -> bool:
        from jupyter_core.utils import run_sync
        return self.km is not None and bool(run_sync(self.km.is_alive)())

    def start(self) -> None:
        from jupyter_client.manager import AsyncKernelManager
        from jupyter_core.utils import run_sync
        _shut_down_at_exit()
        self.km = AsyncKernelManager(kernel_name=self.kernel_name)
        with _lock:
            _running.add(self)
        run_sync(self.km.start_kernel)(cwd=self.cwd, extra_arguments=list(KERNEL_ARGUMENTS))
        # one client, connected once: a new client per notebook waits about 0.2 s for the
        # kernel's reply and for its output channel to fall quiet
        self.kc = self.km.client()
        self.kc.start_channels()
        run_sync(self.kc.wait_for_ready)(timeout=120)
        self.kc.allow_stdin = False
        self._run_code(self.preload)

    def shutdown(self) -> None:
        from jupyter_core.utils import run_sync
        if self.kc is not None:
            try:
                self.kc.stop_channels()
            except Exception:  # noqa: BLE001 - already closed
                pass
            self.kc = None
        if self.km is not None:
            try:
                run_sync(self.km.shutdown_kernel)(now=True)
            except Exception:  # noqa: BLE001 - already gone
                pass
        self.km = None
        with _lock:
            _running.discard(self)

    def _client(self, nb, timeout: int | None = None):
        from nbclient import NotebookClient
        client = NotebookClient(nb, km=self.km, kernel_name=self.kernel_name, timeout=timeout,
                                startup_timeout=120, resources={"metadata": {"path": self.cwd}})
        client.kc = self.kc  # kept open between notebooks (nbclient leaves a client it was given)
        return client

    def _run_code(self, code: str) -> None:
        import nbformat
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)])
        self._client(nb).execute()

    def execute(self, nb, timeout: int | None = None):
        """Execute a notebook node (already parameterised) in a fresh session; returns it."""
        if not self.alive:
            self.shutdown()
            self.start()
        if self.uses:
            self._run_code(f"import safeguarding.kernels\nsafeguarding.kernels.fresh_session({self.cwd!r})")
        self.uses += 1
        return self._client(nb, timeout).execute()


_local = threading.local()


def warm_kernel(kernel_name: str, cwd: Path) -> WarmKernel:
    """This worker's kernel (one per process and thread), started on first use."""
    kernel = getattr(_local, "kernel", None)
    if kernel is None or kernel.uses >= MAX_USES or kernel.kernel_name != kernel_name or kernel.cwd != str(cwd):
        if kernel is not None:
            kernel.shutdown()
        kernel = _local.kernel = WarmKernel(kernel_name, cwd)
    return kernel


def discard_kernel() -> None:
    """Shut this worker's kernel down (after a failed briefing, or when the worker ends)."""
    kernel = getattr(_local, "kernel", None)
    if kernel is not None:
        kernel.shutdown()
        _local.kernel = None


def shutdown_all() -> int:
    """Shut down every running warm kernel of this process, whichever thread started it (a
    Dask cluster's workers are told to at the end of a run). Returns how many there were."""
    with _lock:
        kernels = list(_running)
    for kernel in kernels:
        kernel.shutdown()
    return len(kernels)


#: The kernels of this process that are running (each removes itself when shut down).
_running: set = set()
_lock = threading.Lock()
_hooked: set = set()


def _shut_down_at_exit() -> None:
    """Once per process: shut every running kernel down when the process ends (atexit in a
    plain process; multiprocessing's exit finalizers in a pool worker, which skips atexit).
    Keyed by process id: a forked worker inherits its parent's hooks, which do not run in it."""
    import atexit
    from multiprocessing import util
    with _lock:
        if os.getpid() in _hooked:
            return
        _hooked.add(os.getpid())
    util.Finalize(None, shutdown_all, exitpriority=10)
    atexit.register(shutdown_all)


def run_notebook(notebook: Path, parameters: dict, kernel_name: str = "python3", timeout: int | None = None):
    """Parameterise a notebook with papermill and run it on this worker's warm kernel."""
    from papermill.iorw import load_notebook_node
    from papermill.parameterize import parameterize_notebook
    nb = load_notebook_node(str(notebook))
    nb = parameterize_notebook(nb, parameters, report_mode=False, kernel_name=kernel_name, language="python")
    kernel = warm_kernel(kernel_name, notebook.parent)
    try:
        return kernel.execute(nb, timeout)
    except BaseException:
        discard_kernel()  # an error, a timeout or a dead kernel: the next briefing gets a new one
        raise
