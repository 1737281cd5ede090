"""Warm kernels: briefings share a running kernel but never each other's names or settings."""

from __future__ import annotations

import nbformat
import pytest

from safeguarding import kernels


def _notebook(*sources: str, parameters: str | None = None):
    cells = []
    if parameters is not None:
        cells.append(nbformat.v4.new_code_cell(parameters, metadata={"tags": ["parameters"]}))
    cells += [nbformat.v4.new_code_cell(s) for s in sources]
    return nbformat.v4.new_notebook(cells=cells, metadata={"kernelspec": {"name": "python3", "language": "python",
                                                                          "display_name": "Python 3"}})


def _outputs(nb) -> list[str]:
    return ["".join(o.get("text", "")) for c in nb.cells for o in c.get("outputs", []) if o.get("name") == "stdout"]


@pytest.fixture
def notebooks(tmp_path):
    def write(name, *sources, parameters=None):
        path = tmp_path / name
        nbformat.write(_notebook(*sources, parameters=parameters), str(path))
        return path
    yield write
    kernels.discard_kernel()


def test_each_notebook_runs_in_a_fresh_session_on_the_same_kernel(notebooks):
    first = notebooks("a.ipynb", "import os, matplotlib\nsecret = 617\nmatplotlib.rcParams['font.size'] = 31\n"
                                 "print(os.getpid())")
    second = notebooks("b.ipynb", "import os, matplotlib\nprint(os.getpid())\nprint('secret' in globals())\n"
                                  "print(matplotlib.rcParams['font.size'])\nprint(get_ipython().execution_count)")
    a = kernels.run_notebook(first, {})
    b = kernels.run_notebook(second, {})
    pid_a = _outputs(a)[0].strip()
    pid_b, seen, size, count = _outputs(b)[0].split()
    assert pid_a == pid_b                      # the same (warm) kernel process ...
    assert seen == "False"                     # ... but the first notebook's names are gone
    assert float(size) != 31                   # and its matplotlib settings undone
    assert count == "2"                        # numbering starts again, as in a new kernel (1: parameters)
    assert kernels.warm_kernel("python3", first.parent).uses == 2


def test_a_batch_kernel_keeps_no_history(notebooks):
    """Nothing a briefing runs is written to the user's IPython history database."""
    path = notebooks("h.ipynb", "import threading\nhistory = get_ipython().history_manager\n"
                                "print(history.enabled, type(history.db).__name__, "
                                "any('History' in type(t).__name__ for t in threading.enumerate()))")
    enabled, database, saving_thread = _outputs(kernels.run_notebook(path, {}))[0].split()
    assert (enabled, database, saving_thread) == ("False", "DummyDB", "False")


def test_parameters_are_injected_as_papermill_does(notebooks):
    path = notebooks("p.ipynb", "print(borough, threshold)", parameters='borough = "hounslow"\nthreshold = 5')
    nb = kernels.run_notebook(path, {"borough": "harrow", "threshold": 10})
    assert _outputs(nb) == ["harrow 10\n"]
    assert any("injected-parameters" in c.metadata.get("tags", []) for c in nb.cells)


def test_a_failed_notebook_retires_its_kernel_and_the_next_gets_a_new_one(notebooks):
    from nbclient.exceptions import CellExecutionError
    ok = notebooks("ok.ipynb", "import os\nprint(os.getpid())")
    bad = notebooks("bad.ipynb", "import os\nprint(os.getpid())\nraise ValueError('broken briefing')")
    before = _outputs(kernels.run_notebook(ok, {}))[0]
    with pytest.raises(CellExecutionError, match="broken briefing"):
        kernels.run_notebook(bad, {})
    after = _outputs(kernels.run_notebook(ok, {}))[0]
    assert before != after


def test_a_kernel_is_replaced_after_max_uses(notebooks, monkeypatch):
    monkeypatch.setattr(kernels, "MAX_USES", 2)
    path = notebooks("n.ipynb", "import os\nprint(os.getpid())")
    pids = [_outputs(kernels.run_notebook(path, {}))[0] for _ in range(3)]
    assert pids[0] == pids[1] != pids[2]


def test_a_session_sets_aside_what_survives_and_collects_everything_now_and_then(monkeypatch):
    """After each notebook the kernel freezes what survives (so the next collection does not walk
    the whole heap again); garbage among the frozen, e.g. a cache's dropped entry with a cycle,
    is collected at the next full collection, every FULL_COLLECT_EVERY sessions."""
    import gc
    import weakref

    class Node:
        pass

    monkeypatch.setattr(kernels, "_SESSIONS", 0)
    try:
        kernels.fresh_session()
        assert gc.get_freeze_count() > 0
        kept = Node()
        kept.me = kept  # a cycle: only the collector frees it
        alive = weakref.ref(kept)
        kernels.fresh_session()  # 'kept' is frozen with the kernel's own objects
        del kept
        for _ in range(kernels.FULL_COLLECT_EVERY - 3):
            kernels.fresh_session()
        gc.collect()
        assert alive() is not None  # frozen: no ordinary collection looks at it
        kernels.fresh_session()  # the FULL_COLLECT_EVERY-th session looks at everything again
        assert kernels._SESSIONS % kernels.FULL_COLLECT_EVERY == 0
        assert alive() is None
    finally:
        gc.unfreeze()
