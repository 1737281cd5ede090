"""Generate the demonstration data: synthetic child-level files in the real formats,
calibrated to each borough's published figures.

Per borough (``<out_dir>/<slug>/``): SSDA903 Header, Episodes, Missing, OC3 and UASC for
the collection year; the CIN census (DfE XML, or flat CSV tables for some boroughs); the
missing episodes log (``ssd_missing``) and its persons (``ssd_person``) for five financial
years; the pupil-level exclusions extract and the pupil roll for five academic years.
File names and header spellings vary between boroughs (see :mod:`.formats`).

Every identifier is synthetic (7-digit person ids, UPNs with the non-existent LA number
000, postcodes in the pseudo-area ZZ99). The same seed gives byte-identical files.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pandas as pd

from safeguarding import config
from safeguarding.codes.areas import DEMO_BOROUGHS, Area, london_areas, resolve_area
from safeguarding.demo import formats as fmt
from safeguarding.demo import sampling as s
from safeguarding.demo.care_leavers import generate_care_leavers
from safeguarding.demo.children_in_need import generate_cin
from safeguarding.demo.looked_after import generate_looked_after
from safeguarding.demo.missing_episodes import generate_missing
from safeguarding.demo.schools import generate_schools
from safeguarding.demo.targets import SCHOOL_YEARS, borough_targets
from safeguarding.issues import InputError

DEFAULT_SEED = 2025


def _default_out_dir() -> Path:
    return config.data_dir() / "raw"


def generate_borough(area, out_dir: str | os.PathLike | None = None, seed: int = DEFAULT_SEED,
                     period_end: str = config.DEFAULT_PERIOD_END, defects: bool = False,
                     published_dir: str | os.PathLike | None = None) -> list[Path]:
    """Write one borough's synthetic files to ``<out_dir>/<slug>/``.

    Parameters
    ----------
    area : Area, str or int
        Anything :func:`~safeguarding.codes.areas.resolve_area` accepts.
    out_dir : path-like, optional
        Parent of the borough folders; default ``config.data_dir()/'raw'``.
    seed : int
        Same seed, same files (byte for byte); another seed, other children.
    period_end : date-like
        End of the collection year (31 March).
    defects : bool
        Inject a handful of deliberate data-quality defects into the missing episodes log
        (for testing the checks). Default False: clean data.
    published_dir : path-like, optional
        Published statistics to calibrate to (default: ``config.published_dir()``).

    Returns
    -------
    list of Path
        The files written, in a fixed order.

    Raises
    ------
    InputError
        The borough folder holds files the demo did not write (an LA's own data are never
        overwritten).
    """
    area = resolve_area(area)
    t = borough_targets(area, period_end, published_dir)
    fy_end = s.to_day(t.period_end)
    fy_start = s.add_years(np.array([fy_end]), -1)[0] + s.DAY
    style = fmt.choose_style(area, t.year)
    folder = Path(out_dir if out_dir is not None else _default_out_dir()) / area.slug
    _prepare_folder(folder, style)

    capacity = 4 * (t.referrals + t.cin_at_31mar + t.cla_at_31mar + t.cla_starts + t.cla_ceased + t.cp_plan_starts)
    capacity += 3 * sum(c.total for c in t.care_leavers.values())
    capacity += int(4 * t.missing_from_home_rate_per_10k * t.population_0_17 / 10_000) + 12 * t.cla_at_31mar + 2000
    ids = s.IdPool(s.make_stream(seed, area.dfe_number, "ids"), capacity)
    b18_target = int(round(0.8 * t.care_leavers["17-18"].total))
    la = generate_looked_after(s.make_stream(seed, area.dfe_number, "cla"), t, ids, fy_start, fy_end, b18_target)
    cin = generate_cin(s.make_stream(seed, area.dfe_number, "cin"), t, ids, la, fy_start, fy_end)
    b18 = la.children[la.children["group"].isin(["b18_old", "b18_new"])]
    oc3, leavers = generate_care_leavers(s.make_stream(seed, area.dfe_number, "leavers"), t, ids, b18, fy_end)
    missing = generate_missing(s.make_stream(seed, area.dfe_number, "missing"), t, ids, la, cin, fy_end, defects)
    schools = generate_schools(s.make_stream(seed, area.dfe_number, "schools"), t, la, cin)
    cin.children["UPN"] = cin.children["LAchildID"].map(schools.upn_of)
    paths = _write(folder, style, t, la, cin, oc3, leavers, missing, schools)
    (folder / config.SYNTHETIC_MARKER).write_text(json.dumps(
        {"synthetic": True, "borough": area.name, "seed": seed, "period_end": str(t.period_end.date()),
         "note": "Synthetic demonstration data drawn to add up to the borough's published figures: no real children."},
        indent=2))
    return paths


def _prepare_folder(folder: Path, style: fmt.FileStyle) -> None:
    names = fmt.list_demo_names(style, min(SCHOOL_YEARS), max(SCHOOL_YEARS))
    if folder.exists():
        foreign = sorted(p.name for p in folder.iterdir() if p.name not in names | {config.SYNTHETIC_MARKER})
        if foreign:
            raise InputError(
                f"{folder} holds files the demo did not write ({', '.join(foreign[:5])}"
                f"{' ...' if len(foreign) > 5 else ''}); generate the demo into another folder."
            )
        for p in folder.iterdir():
            if p.is_file():
                p.unlink()
    folder.mkdir(parents=True, exist_ok=True)


def _write(folder: Path, style: fmt.FileStyle, t, la, cin, oc3, leavers, missing, schools) -> list[Path]:
    tc = fmt.format_text
    paths: list[Path] = []
    ch = la.children
    under_school_age = s.age_on(ch["dob"].to_numpy("datetime64[D]"), s.to_day(t.period_end)) < 5
    upn = ch["CHILD"].map(schools.upn_of)
    upn = np.where(upn.notna(), upn, np.where(under_school_age, "UN1", "UN2")).astype(object)
    header = pd.DataFrame({"CHILD": ch["CHILD"], "SEX": ch["SEX"], "DOB": ch["dob"], "ETHNIC": ch["ETHNIC"],
                           "UPN": upn, "MOTHER": ch["MOTHER"], "MC_DOB": ch["MC_DOB"]})
    others = pd.DataFrame({"CHILD": leavers["CHILD"], "SEX": leavers["SEX"], "DOB": leavers["DOB"],
                           "ETHNIC": leavers["ETHNIC"], "UPN": "", "MOTHER": np.where(leavers["SEX"] == "F", "0", ""),
                           "MC_DOB": np.datetime64("NaT", "D")})
    header = pd.concat([header, others], ignore_index=True).sort_values("CHILD", kind="stable")
    paths.append(fmt.write_csv(folder / style.ssda903("Header"), {
        "CHILD": tc(header["CHILD"]), "SEX": tc(header["SEX"]), "DOB": tc(header["DOB"], "date"),
        "ETHNIC": tc(header["ETHNIC"]), "UPN": tc(header["UPN"]), "MOTHER": tc(header["MOTHER"]),
        "MC_DOB": tc(header["MC_DOB"], "date")}, style))
    ep = la.episodes
    paths.append(fmt.write_csv(folder / style.ssda903("Episodes"), {
        "CHILD": tc(ep["CHILD"]), "DECOM": tc(ep["DECOM"], "date"), "RNE": tc(ep["RNE"]), "LS": tc(ep["LS"]),
        "CIN": tc(ep["CIN"]), "PLACE": tc(ep["PLACE"]), "PLACE_PROVIDER": tc(ep["PLACE_PROVIDER"]),
        "DEC": tc(ep["DEC"], "date"), "REC": tc(ep["REC"]), "REASON_PLACE_CHANGE": tc(ep["REASON_PLACE_CHANGE"]),
        "HOME_POST": tc(ep["HOME_POST"]), "PL_POST": tc(ep["PL_POST"]), "URN": tc(ep["URN"])}, style))
    mi = missing.cla_missing
    paths.append(fmt.write_csv(folder / style.ssda903("Missing"), {
        "CHILD": tc(mi["CHILD"]), "DOB": tc(mi["DOB"], "date"), "MISSING": tc(mi["MISSING"]),
        "MIS_START": tc(mi["MIS_START"], "date"), "MIS_END": tc(mi["MIS_END"], "date")}, style))
    paths.append(fmt.write_csv(folder / style.ssda903("OC3"), {
        "CHILD": tc(oc3["CHILD"]), "DOB": tc(oc3["DOB"], "date"), "IN_TOUCH": tc(oc3["IN_TOUCH"]),
        "ACTIV": tc(oc3["ACTIV"]), "ACCOM": tc(oc3["ACCOM"])}, style))
    ua = la.uasc
    paths.append(fmt.write_csv(folder / style.ssda903("UASC"), {
        "CHILD": tc(ua["CHILD"]), "SEX": tc(ua["SEX"]), "DOB": tc(ua["DOB"], "date"), "DUC": tc(ua["DUC"], "date")},
        style))

    if style.cin_csv:
        paths.extend(fmt.write_cin_csv(folder, cin, style))
    else:
        paths.append(fmt.write_cin_xml(folder / style.cin_xml(), cin, style, t.period_end))

    log = missing.episodes
    when = "%d/%m/%Y %H:%M"
    paths.append(fmt.write_csv(folder / style.missing("episodes"), {
        "miss_table_id": tc(log["miss_table_id"]), "miss_person_id": tc(log["miss_person_id"]),
        "miss_missing_episode_start_date": tc(log["miss_missing_episode_start_date"], "date", when),
        "miss_missing_episode_type": tc(log["miss_missing_episode_type"]),
        "miss_missing_episode_end_date": tc(log["miss_missing_episode_end_date"], "date", when),
        "miss_missing_rhi_offered": tc(log["miss_missing_rhi_offered"]),
        "miss_missing_rhi_accepted": tc(log["miss_missing_rhi_accepted"]),
        "miss_missing_from": tc(log["miss_missing_from"]),
        "miss_missing_rhi_offered_date": tc(log["miss_missing_rhi_offered_date"], "date", when),
        "miss_missing_rhi_completed_date": tc(log["miss_missing_rhi_completed_date"], "date", when)}, style))
    pe = missing.persons
    paths.append(fmt.write_csv(folder / style.missing("persons"), {
        "pers_person_id": tc(pe["pers_person_id"]), "pers_sex": tc(pe["pers_sex"]),
        "pers_ethnicity": tc(pe["pers_ethnicity"]), "pers_dob": tc(pe["pers_dob"], "date"),
        # children known to social care (and so at school here) carry their UPN; others have none
        "pers_upn": tc(pe["pers_person_id"].map(schools.upn_of))}, style))

    first, last = min(SCHOOL_YEARS), max(SCHOOL_YEARS)
    ex = schools.exclusions
    paths.append(fmt.write_csv(folder / style.exclusions(first, last), {
        "UPN": tc(ex["UPN"]), "URN": tc(ex["URN"]), "Phase": tc(ex["Phase"]),
        "AcademicYear": np.array([style.academic_year(int(y)) for y in ex["year"]], dtype=object),
        "Category": tc(ex["Category"]), "StartDate": tc(ex["StartDate"], "date", style.school_date),
        "Sessions": tc(ex["Sessions"]), "Reason": tc(ex["Reason"]), "Ethnicity": tc(ex["Ethnicity"]),
        "Sex": tc(ex["Sex"]), "SENprovision": tc(ex["SENprovision"]),
        "FSMeligible": style.flag(ex["FSMeligible"].to_numpy(bool))}, style))
    roll = schools.roll
    years = [None] if style.name != "spaced" else list(SCHOOL_YEARS)
    labels = {y: style.academic_year(y) for y in SCHOOL_YEARS}
    for year in years:
        part = roll if year is None else roll[roll["year"] == year]
        paths.append(fmt.write_csv(folder / style.pupils(first, last, year), {
            "UPN": part["UPN"].to_numpy(object), "URN": part["URN"].to_numpy(object),
            "Phase": part["Phase"].to_numpy(object),
            "AcademicYear": part["year"].map(labels).to_numpy(object),
            "Ethnicity": part["Ethnicity"].to_numpy(object), "Sex": part["Sex"].to_numpy(object),
            "SENprovision": part["SENprovision"].to_numpy(object),
            "FSMeligible": style.flag(part["FSMeligible"].to_numpy(bool))}, style))
    return paths


def generate_demo(boroughs: list[str] | None = None, out_dir: str | os.PathLike | None = None,
                  seed: int = DEFAULT_SEED, all_london: bool = False, period_end: str = config.DEFAULT_PERIOD_END,
                  defects: bool = False, published_dir: str | os.PathLike | None = None) -> list[Path]:
    """Write synthetic files for several boroughs.

    Parameters
    ----------
    boroughs : list of str, optional
        Boroughs (slugs, names, codes). Default: the six seed boroughs, or all 33 London
        LAs when ``all_london`` is True.
    out_dir : path-like, optional
        Parent of the borough folders; default ``config.data_dir()/'raw'``.
    seed, period_end, defects, published_dir : see :func:`generate_borough`.
    all_london : bool
        Every London LA (32 boroughs and the City of London), plus any ``boroughs`` named.

    Returns
    -------
    list of Path
        Every file written, borough by borough.
    """
    areas: list[Area] = [resolve_area(b) for b in (boroughs or ([] if all_london else list(DEMO_BOROUGHS)))]
    if all_london:
        areas += [a for a in london_areas() if a not in areas]
    seen, ordered = set(), []
    for a in areas:
        if a.slug not in seen:
            seen.add(a.slug)
            ordered.append(a)
    paths: list[Path] = []
    for area in ordered:
        paths.extend(generate_borough(area, out_dir, seed, period_end, defects, published_dir))
    return paths
