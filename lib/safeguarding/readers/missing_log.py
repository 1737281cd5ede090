"""Missing-episodes log: the Standard Safeguarding Dataset ``ssd_missing`` table with person
details from ``ssd_person``, plus optional columns the 72-hour measure needs.

There is no statutory format for missing-from-home episodes (police and LA records). The
template is documented in ``data/raw/README.md`` and shipped empty in ``templates/``.
Dates may carry times (``dd/mm/YYYY HH:MM`` or ISO ``YYYY-MM-DDTHH:MM``): the 72-hour
return home interview measure needs them; a date without a time is read as midnight.
"""

from __future__ import annotations

from safeguarding.codes import lists as cl
from safeguarding.codes.lists import Code, CodeList
from safeguarding.readers.base import ColumnSpec as C, TableSpec, read_table
from safeguarding.issues import ReadResult

EPISODE_TYPE = CodeList("miss_missing_episode_type", (Code("M", "Missing"), Code("A", "Away from placement without authorisation")),
                        aliases={"MISSING": "M", "AWAY": "A", "ABSENT": "A", "AWOL": "A"})

EPISODES = TableSpec(
    "missing_episodes", "missing episodes log (ssd_missing)",
    (C("miss_table_id", "id"), C("miss_person_id", "id", aliases=("miss_la_person_id",)),
     C("miss_missing_episode_start_date", "datetime", aliases=("miss_missing_episode_start",)),
     C("miss_missing_episode_type", "code", code_list=EPISODE_TYPE, nullable=True, reject=False),
     C("miss_missing_episode_end_date", "datetime", nullable=True, reject=False, aliases=("miss_missing_episode_end",)),
     C("miss_missing_rhi_offered", "code", code_list=cl.YES_NO, nullable=True, reject=False),
     C("miss_missing_rhi_accepted", "code", code_list=cl.YES_NO, nullable=True, reject=False),
     C("miss_missing_from", "code", code_list=cl.MISSING_FROM, required=False, nullable=True, reject=False),
     C("miss_missing_rhi_offered_date", "datetime", required=False, nullable=True, reject=False),
     C("miss_missing_rhi_completed_date", "datetime", required=False, nullable=True, reject=False)),
    signature=("miss_missing_episode_start_date",), unique=("miss_table_id",),
)

PERSONS = TableSpec(
    "missing_persons", "person details (ssd_person)",
    (C("pers_person_id", "id", aliases=("pers_legacy_id",)), C("pers_sex", "code", code_list=cl.SEX, nullable=True, reject=False),
     C("pers_ethnicity", "ethnicity", nullable=True, reject=False), C("pers_dob", "date", nullable=True, reject=False),
     # the child's unique pupil number: links a missing episode to the school census by UPN
     C("pers_upn", "id", required=False, nullable=True, aliases=("pers_single_unique_id_upn", "upn"))),
    signature=("pers_person_id",), unique=("pers_person_id",),
)

SPECS = (EPISODES, PERSONS)
BY_NAME = {s.name: s for s in SPECS}


def read_missing_log(path, table: str = "missing_episodes") -> ReadResult:
    """Read the missing episodes log (``missing_episodes``) or its person table (``missing_persons``)."""
    return read_table(path, BY_NAME[table])
