"""Write a briefing notebook from a short outline, so every theme notebook has the same shape:
a hidden analyst note, a ``parameters`` cell, ``open_briefing``, header, key findings,
one heading + one section call per section, data quality, methods and a disclosure check.

    python scripts/make_notebook.py   # rewrites every notebook in THEMES below

The notebooks are committed (without outputs); edit them in JupyterLab or here.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

ROOT = Path(__file__).resolve().parents[1]

PARAMETERS = '''# Parameters: the only cell to edit. papermill replaces these values in batch runs.
borough = "{borough}"            # name, ONS code (E09000018) or DfE number (313)
period_end = "2025-03-31"        # last day of the year reported on
data_dir = None                  # folder holding raw/ and processed/ (None: the project's data/)
published_dir = None             # DfE/ONS published files (None: ../shared/data/published, else the shipped table)
suppression_threshold = 5        # counts from 1 to this are shown as "c"
comparators = ["england", "london", "sub_region", "neighbours"]'''

OPEN = '''from safeguarding.briefing import open_briefing

b = open_briefing("{theme}", borough=borough, period_end=period_end, data_dir=data_dir,
                  published_dir=published_dir, suppression_threshold=suppression_threshold,
                  comparators=comparators)'''

THEMES = {
    "missing_and_return_interviews.ipynb": ("missing", "Missing episodes and return home interviews", [
        ("Children and episodes", "overview"),
        ("How this has changed", "trend"),
        ("Repeat missing and how long episodes last", "repeat_and_duration"),
        ("Who goes missing", "who"),
        ("Return home interviews", "return_interviews"),
        ("Looked-after children who went missing: England, London and statistical neighbours", "looked_after"),
    ]),
    "disproportionality.ipynb": ("disproportionality", "Disproportionality by ethnicity", [
        ("Across the child's journey", "journey"),
        ("Stage by stage", "stages"),
        ("Where in the journey the gap opens", "progression"),
        ("Smaller ethnic groups", "minor_groups"),
        ("Ethnicity with sex and age", "intersections"),
    ]),
    "exclusions.ipynb": ("exclusions", "Exclusions and suspensions", [
        ("Exclusions and suspensions this year", "overview"),
        ("How this has changed, and how the borough compares", "trend"),
        ("Reasons recorded", "reasons"),
        ("Which pupils are excluded or suspended", "groups"),
        ("Children in need, on protection plans and looked after", "social_care"),
    ]),
    "neet_care_leavers.ipynb": ("neet", "Care leavers in education, employment or training", [
        ("Care leavers this year", "overview"),
        ("Why care leavers are not in education, employment or training", "neet_reasons"),
        ("Accommodation", "accommodation"),
        ("By sex and ethnicity", "groups"),
        ("Against England, London and statistical neighbours over the years", "comparators"),
    ]),
}


def build(name: str, theme: str, title: str, sections, borough: str = "hounslow") -> nbformat.NotebookNode:
    cells = [
        new_markdown_cell(f"# {title}\n\nAnalyst notes (not shown in the briefing): edit only the parameters cell below, "
                          "then Run All. Every figure is computed in `lib/safeguarding`; this notebook only lays out the "
                          "briefing. Batch runs: `safeguarding batch`.", metadata={"tags": ["remove"]}),
        new_code_cell(PARAMETERS.format(borough=borough), metadata={"tags": ["parameters"]}),
        new_code_cell(OPEN.format(theme=theme), metadata={"tags": ["remove"]}),
        new_code_cell("b.header()"),
        new_code_cell("b.key_findings()"),
    ]
    for heading, section in sections:
        cells.append(new_markdown_cell(f"## {heading}"))
        cells.append(new_code_cell(f'b.section("{section}")'))
    cells += [new_code_cell("b.data_quality()"), new_code_cell("b.methods()"),
              new_code_cell("b.assert_safe()", metadata={"tags": ["remove"]})]
    nb = new_notebook(cells=cells, metadata={
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"}})
    return nb


def main(names=None):
    for name, (theme, title, sections) in THEMES.items():
        if names and name not in names:
            continue
        nb = build(name, theme, title, sections)
        nbformat.validate(nb)
        path = ROOT / "notebooks" / name
        nbformat.write(nb, path)
        print("wrote", path.relative_to(ROOT))


if __name__ == "__main__":
    main(sys.argv[1:])
