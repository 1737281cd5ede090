"""Bad parameters are refused before any work, with what was given and what was expected."""

from __future__ import annotations

import os

import pandas as pd
import pytest

from safeguarding import cli, config, params
from safeguarding.codes.areas import resolve_area
from safeguarding.issues import InputError
from safeguarding.results.store import check_period_has_data


@pytest.mark.parametrize("text, words", [
    ("2025-02-30", "February 2025 has 28 days"),
    ("2024-02-30", "February 2024 has 29 days"),
    ("2025-13-31", "months run from 1 to 12"),
    ("31/03/2025", "not a date in the form YYYY-MM-DD"),
    ("1999-03-31", "outside the years"),
])
def test_impossible_period_ends_are_refused(text, words):
    with pytest.raises(InputError, match=words):
        params.check_period_end(text)


def test_period_end_is_normalised():
    assert params.check_period_end(" 2025-3-31 ") == "2025-03-31"


@pytest.mark.parametrize("value", [0, -1, "0", "2.5", "five", True])
def test_threshold_below_one_or_not_whole_is_refused(value):
    with pytest.raises(InputError, match="suppression threshold"):
        params.check_threshold(value)


def test_threshold_accepts_whole_numbers():
    assert params.check_threshold(5) == 5 and params.check_threshold("10") == 10


def test_published_folder_that_does_not_exist_is_never_replaced_by_the_default(tmp_path):
    missing = tmp_path / "no-such-folder"
    with pytest.raises(InputError, match="does not exist"):
        params.check_published(missing)
    with pytest.raises(InputError, match="does not exist"):
        config.published_dir(missing)   # before: silently the default folder
    assert params.check_published(None) is None
    assert params.check_published(tmp_path) == tmp_path.resolve()


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write to read-only folders")
def test_unwritable_outputs_folder_is_refused(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        with pytest.raises(InputError, match="cannot be written"):
            params.check_outputs(locked / "outputs")
    finally:
        locked.chmod(0o700)


def test_outputs_that_is_a_file_is_refused(tmp_path):
    afile = tmp_path / "outputs"
    afile.write_text("not a folder")
    with pytest.raises(InputError, match="cannot be written"):
        params.check_outputs(afile)


@pytest.mark.parametrize("argv, words", [
    (["brief", "hounslow", "missing", "--period-end", "2025-02-30"], "February 2025 has 28 days"),
    (["batch", "hounslow", "--threshold", "0"], "0 would switch disclosure control off"),
    (["results", "hounslow", "--published", "/no/such/folder"], "does not exist"),
    (["batch", "hounslow", "--marking", 'OFFICIAL"}'], "protective marking must be short plain text"),
])
def test_command_line_refuses_before_any_work(argv, words, capsys, monkeypatch):
    from safeguarding import batch
    monkeypatch.setattr(batch, "prepare_borough", lambda *a, **k: pytest.fail("ingest started"))
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert words in err and "Traceback" not in err


def _tables(**years):
    return {name: pd.DataFrame({column: ys}) for name, (column, ys) in years.items()}


def test_a_period_with_no_data_is_refused_naming_the_years_held():
    tables = _tables(missing_episodes=("financial_year", [2021, 2025]), cla_header=("collection_year", [2025]),
                     exclusions=("AcademicYear", [2020, 2024]))
    with pytest.raises(InputError) as err:
        check_period_has_data(resolve_area("hounslow"), "2030-03-31", tables)
    text = str(err.value)
    assert "No data for Hounslow in 2029-30" in text
    assert "years of the missing log: 2020-21 to 2024-25" in text
    assert "school years (exclusions, school roll): 2019/20 to 2023/24" in text
    assert "--period-end 2025-03-31" in text
    # the briefing's own year, or a school year ending the summer before it, is data
    check_period_has_data(resolve_area("hounslow"), "2025-03-31", tables)
    check_period_has_data(resolve_area("hounslow"), "2025-03-31", _tables(pupils=("AcademicYear", [2024])))
