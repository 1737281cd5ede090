"""Project hygiene: packaging agrees with environment.yml, the CLI explains itself, notebooks
are thin, parameterised and committed without outputs."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import nbformat
import pytest

from safeguarding import config
from safeguarding.themes.registry import THEMES
from safeguarding.cli import main

ROOT = config.PROJECT_ROOT


def _name(req: str) -> str:
    return re.split(r"[<>=!~\[ ]", req.strip(), maxsplit=1)[0].lower().replace("_", "-")


def test_environment_yml_declares_the_same_packages_as_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pip_names = {_name(r) for r in project["dependencies"]}
    test_tools = {_name(r) for r in project["optional-dependencies"]["test"]}
    assert not pip_names & test_tools
    conda = set()
    text = (ROOT / "environment.yml").read_text()
    for line in text[text.index("dependencies:"):].splitlines():
        m = re.match(r"\s+-\s+([A-Za-z][\w\-.]*)", line)
        if m and m.group(1) not in ("pip", "python"):
            conda.add(_name(m.group(1)))
    assert pip_names == conda, pip_names ^ conda  # the runtime environment, without the test tools
    for required in ("jupyterlab", "pandas", "seaborn", "statsmodels", "papermill", "nbconvert"):
        assert required in pip_names


def test_design_card_layout_exists():
    for folder in ("notebooks", "data/raw", "data/processed", "lib", "outputs", "tests"):
        assert (ROOT / folder).is_dir(), folder
    assert (ROOT / "environment.yml").is_file() and (ROOT / ".ci" / "run").is_file()


def test_cli_help_explains_itself(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    for word in ("demo", "ingest", "brief", "batch", "E09000018", "313"):
        assert word in out
    res = subprocess.run([sys.executable, "-m", "safeguarding", "batch", "--help"], capture_output=True, text=True)
    assert res.returncode == 0 and "--jobs" in res.stdout


def test_cli_unknown_borough_is_a_readable_error(capsys):
    assert main(["ingest", "hounslw"]) == 2
    err = capsys.readouterr().err
    assert "Hounslow" in err and "Traceback" not in err


@pytest.mark.parametrize("theme", list(THEMES.values()), ids=list(THEMES))
def test_notebooks_are_thin_parameterised_and_clean(theme):
    path = config.notebooks_dir() / theme.notebook
    if not path.exists():
        pytest.skip(f"{theme.notebook} not written yet")
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    params = [c for c in code if "parameters" in c.metadata.get("tags", [])]
    assert len(params) == 1 and code[0] is params[0]
    for cell in code:
        assert not cell.get("outputs") and cell.get("execution_count") is None, "commit notebooks without outputs"
        assert not re.search(r"^\s*(def|class|try)\b", cell.source, re.M), "logic belongs in lib/"
        assert len(cell.source.splitlines()) <= 8
    assert f'open_briefing("{theme.key}"' in "".join(c.source for c in code)


@pytest.mark.parametrize("theme", list(THEMES.values()), ids=list(THEMES))
def test_notebooks_name_their_sections_and_measures(theme):
    """Each notebook renders its theme record's sections and names their measures by id."""
    from safeguarding.measures import registry
    path = config.notebooks_dir() / theme.notebook
    if not path.exists():
        pytest.skip(f"{theme.notebook} not written yet")
    assert re.fullmatch(r"\d\d_[a-z_]+\.ipynb", theme.notebook)
    nb = nbformat.read(path, as_version=4)
    text = "\n".join(c.source for c in nb.cells)
    sections = re.findall(r'b\.section\("([a-z_]+)"\)', text)
    assert sections == list(theme.section_ids)
    known = {s.id for s in registry.all_measures()}
    named = set(re.findall(r"`([a-z_]+\.[a-z0-9_]+)`", text))
    assert named <= known
    for section in theme.sections:
        assert set(section.measures) <= named


def test_theme_records_are_the_one_description():
    from safeguarding.measures import registry
    from safeguarding.themes.registry import resolve_theme
    for record in THEMES.values():
        assert resolve_theme(record.key) is record and resolve_theme(str(record.number)) is record
        for alias in record.aliases:
            assert resolve_theme(alias) is record
        ids = {s.id for s in registry.all_measures(record.key)}
        for m in record.headline_measures:
            assert m.split("@")[0] in ids, m
        for m in (m for s in record.sections for m in s.measures):
            if m not in ids:  # another theme's measure, shown beside this one's: its inputs must be this theme's
                other = THEMES[registry.get(m).theme]
                assert set(other.tables) <= set(record.tables) | set(record.optional_tables), (record.key, m)
        assert hasattr(record.measures(), "compute") and hasattr(record.view_class(), "key_findings")


def test_no_theme_module_is_over_300_lines():
    folder = Path(config.__file__).parent / "themes"
    for path in folder.glob("*.py"):
        assert len(path.read_text().splitlines()) <= 300, path.name


@pytest.mark.xdist_group("loadgroup-guard")
def test_loadgroup_keeps_a_group_on_one_worker(request):
    """``tasks.py test`` runs ``--dist loadgroup`` so that a worker builds only the demo
    boroughs of the tests it runs. That works only while pytest-xdist can tag a test's node
    id with its group (pytest 9 broke this silently with xdist 3.8: pytest is pinned <9)."""
    if not getattr(request.config.option, "loadgroup", False):
        pytest.skip("not run by a pytest-xdist worker with --dist loadgroup")
    assert request.node.nodeid.endswith("@loadgroup-guard"), request.node.nodeid


def test_notebooks_ask_for_the_kernel_tasks_py_registers():
    """JupyterLab (an Anaconda one included) opens every notebook with the project's kernel,
    registered by ``tasks.py`` inside .venv (and ``tasks.py kernel`` for the user)."""
    import importlib.util
    import json
    spec = importlib.util.spec_from_file_location("project_tasks", ROOT / "tasks.py")
    tasks = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tasks)
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        kernelspec = json.loads(path.read_text())["metadata"]["kernelspec"]
        assert (kernelspec["name"], kernelspec["display_name"]) == (tasks.KERNEL, tasks.KERNEL_DISPLAY), path.name


def test_constraints_pin_every_declared_package():
    """A fresh install gets the tested versions: constraints.txt pins every package
    pyproject.toml names (runtime and test) to one version."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pins = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, version = line.partition("==")
            assert version, f"not pinned to one version: {line}"
            pins[_name(name)] = version
    declared = {_name(r) for r in project["dependencies"] + project["optional-dependencies"]["test"]}
    assert declared <= set(pins), declared - set(pins)

