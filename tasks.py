#!/usr/bin/env python3
"""Bootstrap and run the project with nothing but Python 3.11+ (Linux, macOS or Windows).

    python3 tasks.py briefings   # install, generate demo data, build every briefing
    python3 tasks.py test        # install with test extras, run the whole test suite
    python3 tasks.py shell       # print how to activate the environment
    python3 tasks.py kernel      # register the project's Jupyter kernel for your own JupyterLab
    python3 tasks.py lock        # after an upgrade that passes the tests: pin the versions again

Creates a virtual environment in .venv (once), installs the project into it in editable
mode (again only when pyproject.toml changes), then runs the command inside it.
Extra arguments after the command are passed on (e.g. `tasks.py test -k readers`).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = Path(os.environ.get("SAFEGUARDING_VENV", ROOT / ".venv"))
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
#: The tested versions of every package (``python3 tasks.py lock`` refreshes it).
CONSTRAINTS = ROOT / "constraints.txt"


def run(*args: str) -> None:
    print("+", " ".join(str(a) for a in args), flush=True)
    code = subprocess.call([str(a) for a in args], cwd=ROOT)
    if code:
        sys.exit(code)


#: The notebooks' Jupyter kernel: the project's environment under a name of its own, so that
#: JupyterLab (an Anaconda one included) opens them with the right packages.
KERNEL = "safeguarding-workbooks"
KERNEL_DISPLAY = "Python (Safeguarding Workbooks)"


def register_kernel(scope: str = "--sys-prefix") -> None:
    """Register the environment as the notebooks' kernel: inside .venv (``--sys-prefix``,
    found by the project's own jupyter and papermill) or for the user (``--user``, found by
    any JupyterLab on the machine)."""
    run(PYTHON, "-m", "ipykernel", "install", scope, "--name", KERNEL, "--display-name", KERNEL_DISPLAY)


def ensure_env(extras: str = "") -> None:
    if sys.version_info < (3, 11):
        sys.exit(f"Python 3.11 or newer is needed (this is {sys.version.split()[0]}).")
    if not PYTHON.exists():
        print(f"Creating virtual environment in {VENV}", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + extras.encode()
                            + (CONSTRAINTS.read_bytes() if CONSTRAINTS.exists() else b"")).hexdigest()
    stamp = VENV / ".safeguarding-installed"
    have = stamp.read_text().split() if stamp.exists() else []
    if wanted not in have:
        pinned = ["-c", str(CONSTRAINTS)] if CONSTRAINTS.exists() else []
        run(PYTHON, "-m", "pip", "install", "--disable-pip-version-check", "-q", *pinned, "-e", f".{extras}")
        stamp.write_text("\n".join(have + [wanted]))
    if not (VENV / "share" / "jupyter" / "kernels" / KERNEL / "kernel.json").exists():
        register_kernel("--sys-prefix")


#: The accessibility test's npm packages (puppeteer-core drives the machine's Chromium and
#: never downloads a browser).
AXE_PACKAGES = ("axe-core@4.14.1", "puppeteer-core@24.43.1")
AXE_DIR = ROOT / ".cache" / "a11y"


def ensure_axe() -> None:
    """Install the accessibility test's npm packages where npm and Chromium exist; otherwise
    say why the test will be skipped. Never fails the run: the test itself decides."""
    import shutil
    chromium = next((p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if p), None)
    npm = shutil.which("npm")
    if not (npm and chromium and shutil.which("node")):
        print("Note: the accessibility test needs Node.js, npm and Chromium (Debian: apt-get install chromium "
              "nodejs npm); it will be skipped.", flush=True)
        return
    stamp = AXE_DIR / ".installed"
    if stamp.exists() and stamp.read_text() == " ".join(AXE_PACKAGES):
        return
    AXE_DIR.mkdir(parents=True, exist_ok=True)
    print("+ npm install (accessibility test):", " ".join(AXE_PACKAGES), flush=True)
    code = subprocess.call([npm, "install", "--prefix", str(AXE_DIR), "--no-audit", "--no-fund", "--silent",
                            "--no-save", *AXE_PACKAGES], cwd=ROOT)
    if code:
        print("Note: npm could not install the accessibility test's packages; it will be skipped.", flush=True)
    else:
        stamp.write_text(" ".join(AXE_PACKAGES))


def main(argv: list[str]) -> None:
    if not argv or argv[0] in ("-h", "--help", "help"):
        print(__doc__)
        return
    command, rest = argv[0], argv[1:]
    if command == "briefings":
        ensure_env()
        run(PYTHON, "-m", "safeguarding", "demo")
        run(PYTHON, "-m", "safeguarding", "batch", *rest)
    elif command == "test":
        ensure_env("[test]")
        ensure_axe()
        # two workers; tests that share an expensive fixture (a demo borough's results) carry
        # an xdist_group mark and run on one worker, which builds only what it needs
        workers = [] if any(a.startswith("-n") for a in rest) else ["-n", "2", "--dist", "loadgroup"]
        run(PYTHON, "-m", "pytest", *workers, *rest)
    elif command == "benchmark":
        ensure_env()
        run(PYTHON, "benchmarks/benchmark_batch.py", *rest)
    elif command == "shell":
        ensure_env()
        if os.name == "nt":
            print(f"Activate with (PowerShell): {BIN / 'Activate.ps1'}\n"
                  f"or (Command Prompt): {BIN / 'activate.bat'}")
        else:
            print(f"Activate with: source {BIN / 'activate'}")
        print(f"Then 'safeguarding' and 'jupyter lab' run from this environment; or call them as {BIN}{os.sep}...")
    elif command == "lock":
        ensure_env("[test]")
        frozen = subprocess.run([str(PYTHON), "-m", "pip", "freeze", "--exclude-editable"], capture_output=True,
                                text=True, check=True).stdout.splitlines()
        head = [line for line in CONSTRAINTS.read_text().splitlines() if line.startswith("#")] if CONSTRAINTS.exists() else []
        CONSTRAINTS.write_text("\n".join(head + [line for line in frozen if not line.startswith("ruff==")]) + "\n")
        print(f"Wrote {CONSTRAINTS.name} ({len(frozen)} packages). Run the tests, then commit it.")
    elif command == "kernel":
        ensure_env()
        register_kernel("--user")
        print(f"JupyterLab now offers the kernel '{KERNEL_DISPLAY}'; the notebooks ask for it by name.")
    else:
        sys.exit(f"Unknown command {command!r}. Commands: briefings, test, benchmark, shell, kernel, lock.")


if __name__ == "__main__":
    main(sys.argv[1:])
