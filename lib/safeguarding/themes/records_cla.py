"""Theme record of the children looked after theme (SSDA903)."""

from __future__ import annotations

from safeguarding.themes.record import SN_NOTE, Glance, Section, ThemeRecord

L = "looked_after."
HOMES = "Secure homes and children's homes"

RECORDS = (
    ThemeRecord(
        "looked_after", 70, "Children looked after", "looked_after", "looked_after",
        tables=("cla_episodes",), optional_tables=("cla_header", "cla_uasc"),
        aliases=("cla", "children_looked_after", "lac", "care"), check_prefix="CLA", counts="looked-after children",
        headline_measures=(L + "rate_per_10k@all", L + "starts_rate_per_10k@all", L + "placements_3plus_pct@all"),
        sections=(
            Section("stock_and_flows", "How many children are looked after",
                    tuple(L + mid for mid in ("cla_31mar", "rate_per_10k", "starts", "starts_rate_per_10k", "ceased",
                                              "ceased_rate_per_10k"))),
            Section("placements", "Where children live", (L + "placement_pct",)),
            Section("stability", "Placement stability", (L + "placements_3plus_pct",)),
            Section("legal_status", "Legal status", (L + "legal_status_pct",)),
            Section("ceased", "Why care ended", (L + "ceased_reason_pct",)),
            Section("who", "Which children", (L + "by_group_pct", L + "uasc_pct", L + "uasc_starts_pct")),
            Section("over_time", "Over the years, against England, the region and neighbours",
                    tuple(L + mid for mid in ("rate_per_10k", "starts_rate_per_10k", "ceased_rate_per_10k",
                                              "placements_3plus_pct", "uasc_pct"))),
        ),
        glance=(
            Glance(L + "rate_per_10k", "all", "All", "Children looked after per 10,000 children", kind="rate",
                   change_from_published=True),
            Glance(L + "starts_rate_per_10k", "all", "All", "Children starting to be looked after per 10,000 children",
                   kind="rate", change_from_published=True),
            Glance(L + "placements_3plus_pct", "all", "All", "Three or more placements in the year",
                   change_from_published=True),
            Glance(L + "placement_pct", "placement", HOMES, "In secure homes and children's homes",
                   published_id="cla.childrens_homes_pct", change_from_published=True),
            Glance(L + "uasc_pct", "all", "All", "Unaccompanied asylum-seeking children", change_from_published=True),
        ),
        glossary=("Looked-after child", "Placement", "Legal status", "Unaccompanied asylum-seeking child (UASC)"),
        method_notes=(SN_NOTE, "Distance from home needs the postcodes of home and placement and a postcode "
                      "lookup; the briefing shows DfE's published figure instead. Long-term stability and placements "
                      "over two years need every earlier year's return; the briefing shows DfE's figures.")),
)
