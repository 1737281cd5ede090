"""Build the compact published-figures tables shipped with the package.

Writes, from the real DfE / ONS files in the published-statistics directory:

* ``lib/safeguarding/published/data/published_figures.csv.gz``: every measure of the
  catalogue (``safeguarding.published.catalogue``), every geography, every year, in the
  tidy layout of ``safeguarding.published.figures.figures``;
* ``lib/safeguarding/published/data/census2021_ethnic_population.csv.gz``: ONS Census
  2021 population (all ages) by ethnic group (20 categories) for England, the regions
  and each upper-tier LA.

With these, comparators and population denominators work on a fresh clone that has no
``../shared`` directory.

Run from the project root::

    .venv/bin/python scripts/build_published_table.py [--published DIR]

Source: Department for Education / Office for National Statistics, Open Government
Licence v3.0.
"""

from __future__ import annotations

import argparse
import sys

from safeguarding import config
from safeguarding.published import figures as fig
from safeguarding.published import population


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--published", default=None, help="published-statistics directory")
    args = parser.parse_args(argv)
    published = config.published_dir(args.published)
    if published is None:
        print("Published statistics directory not found; set SAFEGUARDING_PUBLISHED.", file=sys.stderr)
        return 1
    table = fig.all_figures(published)
    path = fig.write_shipped_table(table)
    print(f"wrote {path} ({len(table):,} rows, {table['measure_id'].nunique()} measures; {path.stat().st_size:,} bytes)")
    ethnic = population.read_census_ethnicity(published)
    path = population.write_shipped_census(ethnic)
    print(f"wrote {path} ({len(ethnic):,} rows; {path.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
