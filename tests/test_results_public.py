"""What DfE's published figures tell a reader about the borough's own counts
(:mod:`safeguarding.results.public`): hand-computed ranges, and the real published files."""

from __future__ import annotations

import pandas as pd
import pytest

from safeguarding import config
from safeguarding.codes.areas import resolve_area
from safeguarding.measures import care_leavers, exclusions, missing
from safeguarding.results.public import count_range, printed_decimals, published_ranges
from safeguarding.results.relations import cell_key

PUBLISHED = config.published_dir()
needs_published = pytest.mark.skipif(PUBLISHED is None, reason="published DfE files not found")


@pytest.mark.parametrize("value, decimals", [(18.0, 0), (15.5, 1), (22.22, 2), (0.07723, 5), (11.131291, 6)])
def test_printed_decimals(value, decimals):
    assert printed_decimals(value) == decimals


def test_count_range_hand_computed():
    # 15% of 39: 14.5% to 15.5% of 39 is 5.655 to 6.045, so 6
    assert count_range(15.0, 39, 100, 0) == (6.0, 6.0)
    # 50% of 9 is 4.5: no whole count rounds to 50% of 9 (49.5% to 50.5% is 4.455 to 4.545); a
    # reader rounds 4.5 to the nearest, 5 (DfE's roll is not quite the borough's)
    assert count_range(50.0, 9, 100, 0) == (5.0, 5.0)
    # 10% of 120: 9.5% to 10.5% -> 11.4 to 12.6, so 12
    assert count_range(10.0, 120, 100, 0) == (12.0, 12.0)
    # 3% of 400 -> 2.5% to 3.5% -> 10 to 14
    assert count_range(3.0, 400, 100, 0) == (10.0, 14.0)
    # a rate per 100 pupils printed to 5 places pins the count: 0.07616 of 17069 -> 13
    assert count_range(0.07616, 17069, 100, 5) == (13.0, 13.0)
    # Attack (Kensington and Chelsea, 2023/24): DfE's rate 0.07723 per 100 pupils is of DfE's
    # roll, so no count rounds to it exactly with the borough's roll of 17,069 (13.18); a reader
    # takes the nearest count, 13, and subtracting the shown phases gave Primary = 1
    assert count_range(0.07723, 17069, 100, 5) == (13.0, 13.0)
    # the same figure as a neighbour's briefing prints it (0.08): 12.8 to 14.5
    assert count_range(0.08, 17069, 100, 2) == (13.0, 14.0)
    assert count_range(12.0, 0, 100, 0) is None


def test_counterparts_name_catalogue_measures():
    from safeguarding.published import catalogue
    ids = set(catalogue.measure_ids())
    wanted = [care_leavers.published_counterpart("neet.neet_pct", "age_band", "17-18"),
              care_leavers.published_counterpart("neet.care_leavers", "age_band", "19-21"),
              missing.published_counterpart("missing.cla_missing_pct", "all", "Looked-after children"),
              exclusions.published_counterpart("exclusions.permanent_rate", "all", "All pupils"),
              exclusions.published_counterpart("exclusions.social_care_one_plus_sus_pct", "social_care",
                                               "On a child protection plan (not looked after)")]
    assert wanted == ["care_leavers.17_18.neet_pct", "care_leavers.19_21.total", "cla_missing.pct_missing",
                      "exclusions.perm_rate", "exclusions.cppo.one_plus_sus_pct"]
    assert set(wanted) <= ids
    assert care_leavers.published_counterpart("neet.neet_pct", "sex 17-21", "Female") is None
    assert care_leavers.published_counterpart("neet.neet_pct", "age_band", "17-21") is None  # DfE: no 17-21 band


def _row(measure_id, numerator, denominator, num_cell, den_cell, group="17-18", period="2024-25"):
    return {"measure_id": measure_id, "breakdown": "age_band", "group": group, "period": period,
            "numerator": numerator, "denominator": denominator, "num_cell": num_cell, "den_cell": den_cell}


@needs_published
def test_published_ranges_from_the_real_care_leaver_file():
    # DfE, care leavers 2025, Kensington and Chelsea aged 17 to 18: 6 of 39 NEET (15%)
    k = lambda concept: cell_key(concept, "age_band", "17-18", "2024-25")  # noqa: E731
    frame = pd.DataFrame([
        _row("neet.neet_pct", 6, 39, k("neet.neet"), k("neet.care_leavers")),
        _row("neet.eet_pct", 99, 39, k("neet.eet"), k("neet.care_leavers")),   # not DfE's count: no fact
        _row("neet.neet_pct", 6, 39, "", "", period="2031-32"),                # a year not published
    ])
    known, source = published_ranges([(frame, care_leavers.published_counterpart)],
                                     resolve_area("Kensington and Chelsea"), PUBLISHED)
    assert known[k("neet.neet")] == (6.0, 6.0)
    assert known[k("neet.care_leavers")] == (39.0, 39.0)
    assert k("neet.eet") not in known
    assert source[k("neet.neet")] == "care_leavers.17_18.neet_pct"


@needs_published
def test_a_rate_without_counts_uses_the_own_denominator():
    # LAIT 2025, Kensington and Chelsea: 18% of looked-after children went missing (no counts).
    # With 181 looked after, 17.5% to 18.5% of 181 is 31.7 to 33.5: 32 or 33.
    cell = cell_key("missing.cla_children_missing", "all", "Looked-after children", "2024-25")
    row = {"measure_id": "missing.cla_missing_pct", "breakdown": "all", "group": "Looked-after children",
           "period": "2024-25", "numerator": 32, "denominator": 181, "num_cell": cell, "den_cell": "den"}
    known, _ = published_ranges([(pd.DataFrame([row]), missing.published_counterpart)],
                                resolve_area("Kensington and Chelsea"), PUBLISHED)
    assert known == {cell: (32.0, 33.0)}
    # the demo's own 16 of 181 (8.8%) is not what DfE published: no fact about it
    known, _ = published_ranges([(pd.DataFrame([{**row, "numerator": 16}]), missing.published_counterpart)],
                                resolve_area("Kensington and Chelsea"), PUBLISHED)
    assert known == {}
