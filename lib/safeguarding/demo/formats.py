"""Writing the demo tables in the real formats, with file names and headers that vary
between boroughs the way real LA extracts do.

The ingest recognises a table by its columns, never by its file name, so each borough gets
one of three :class:`FileStyle` s: DfE-style names and specification headers; lower-case
names and headers; names with spaces and the year, Title Case headers with spaces and a
byte-order mark. The CIN census is the DfE XML for most boroughs and flat CSV tables for
those in :data:`CIN_AS_CSV`. Output is deterministic: rows are sorted before writing,
dates and numbers are formatted as text, line endings are '\\n'.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

import numpy as np
import pandas as pd

from safeguarding.codes.areas import Area
from safeguarding.codes.lists import financial_year_label
from safeguarding.demo.sampling import format_dates

#: Boroughs whose CIN census is written as flat CSV tables rather than XML.
CIN_AS_CSV = frozenset({"harrow", "sutton"})
#: Style of each seed borough (others: DfE number modulo 3).
SEED_STYLES = {"hounslow": "dfe", "harrow": "lower", "hillingdon": "spaced", "hammersmith-and-fulham": "lower",
               "kensington-and-chelsea": "spaced", "westminster": "dfe"}
STYLES = ("dfe", "lower", "spaced")


@dataclass(frozen=True)
class FileStyle:
    """How one borough names its files and spells its headers."""

    name: str
    year: int
    cin_csv: bool
    dfe_number: int

    # ------------------------------------------------------------------ names
    @property
    def fy(self) -> str:
        return financial_year_label(self.year)

    def ssda903(self, table: str) -> str:
        if self.name == "dfe":
            return f"SSDA903_{self.year}_{table}.csv"
        if self.name == "lower":
            return f"{table.lower()}.csv"
        return f"{table} {self.fy}.csv"

    def cin_xml(self) -> str:
        return {"dfe": f"CIN_Census_{self.year}_{self.dfe_number}.xml", "lower": "cin_census.xml",
                "spaced": f"CIN census {self.fy}.xml"}[self.name]

    def cin_table(self, table: str) -> str:
        return {"dfe": f"CIN_{self.year}_{table}.csv", "lower": f"cin_{table.lower()}.csv",
                "spaced": f"CIN {table} {self.fy}.csv"}[self.name]

    def missing(self, table: str) -> str:
        first = financial_year_label(self.year - 4)
        if table == "episodes":
            return {"dfe": "ssd_missing.csv", "lower": "missing_episodes_log.csv",
                    "spaced": f"Missing episodes log {first} to {self.fy}.csv"}[self.name]
        return {"dfe": "ssd_person.csv", "lower": "missing_persons.csv", "spaced": "Person details.csv"}[self.name]

    def exclusions(self, first: int, last: int) -> str:
        span = f"{_ay(first, '-')}_to_{_ay(last, '-')}"
        return {"dfe": f"Exclusions_pupil_level_{span}.csv", "lower": "exclusions.csv",
                "spaced": f"Exclusions {_ay(first, '-')} to {_ay(last, '-')}.csv"}[self.name]

    def pupils(self, first: int, last: int, year: int | None = None) -> str:
        if self.name == "spaced":
            return f"Pupil roll {_ay(year, '-')}.csv"
        span = f"{_ay(first, '-')}_to_{_ay(last, '-')}"
        return {"dfe": f"School_census_pupils_{span}.csv", "lower": "pupils.csv"}[self.name]

    # ------------------------------------------------------------------ values
    def header(self, name: str) -> str:
        if self.name == "dfe":
            return name
        if self.name == "lower":
            return name.lower()
        if "_" in name:
            return " ".join(part.capitalize() for part in name.split("_") if part)
        return name

    @property
    def encoding(self) -> str:
        return "utf-8-sig" if self.name == "spaced" else "utf-8"

    def academic_year(self, year: int) -> str:
        return {"dfe": _ay(year, "/"), "lower": _ay(year, "-"), "spaced": f"{year - 1}{str(year)[-2:]}"}[self.name]

    def flag(self, values) -> np.ndarray:
        yes, no = {"dfe": ("Y", "N"), "lower": ("true", "false"), "spaced": ("1", "0")}[self.name]
        arr = np.asarray(values, dtype=bool)
        return np.where(arr, yes, no).astype(object)

    @property
    def school_date(self) -> str:
        return "%Y-%m-%d" if self.name == "lower" else "%d/%m/%Y"


def _ay(year: int, sep: str) -> str:
    return f"{year - 1}{sep}{str(year)[-2:]}"


def choose_style(area: Area, year: int) -> FileStyle:
    """The file style of a borough (fixed per borough, so the same seed gives the same names)."""
    name = SEED_STYLES.get(area.slug, STYLES[area.dfe_number % 3])
    return FileStyle(name, year, area.slug in CIN_AS_CSV, area.dfe_number)


def list_demo_names(style: FileStyle, first_school: int, last_school: int) -> set[str]:
    """Every file name the demo may write for a borough in any style and any collection year
    within ten years of ``style.year`` (so that regenerating replaces only demo files)."""
    names = set()
    for name, year, cin_csv in ((n, y, c) for n in STYLES for y in range(style.year - 10, style.year + 11)
                                for c in (False, True)):
        st = FileStyle(name, year, cin_csv, style.dfe_number)
        for table in ("Header", "Episodes", "Missing", "OC3", "UASC"):
            names.add(st.ssda903(table))
        names.add(st.cin_xml())
        for table in CIN_TABLES:
            names.add(st.cin_table(table))
        names |= {st.missing("episodes"), st.missing("persons"), st.exclusions(first_school, last_school)}
        for year in range(first_school, last_school + 1):
            names.add(st.pupils(first_school, last_school, year))
    return names


CIN_TABLES = ("ChildIdentifiers", "ChildCharacteristics", "CINdetails", "Assessments", "Section47",
              "ChildProtectionPlans")


# ----------------------------------------------------------------------------- writing


def format_text(values, kind: str = "text", fmt: str = "%d/%m/%Y") -> np.ndarray:
    """A column as text: dates with ``fmt``; None / NaN / NaT as ''."""
    if kind == "date":
        return format_dates(values, fmt)
    series = pd.Series(np.asarray(values, dtype=object), dtype=object)
    return series.where(series.notna(), "").astype(str).to_numpy(dtype=object)


def write_csv(path: Path, columns: dict[str, np.ndarray], style: FileStyle) -> Path:
    """Write a frame of text columns with the style's headers and encoding."""
    frame = pd.DataFrame({style.header(k): v for k, v in columns.items()})
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False, lineterminator="\n", encoding=style.encoding)
    return path


def _iso(values) -> np.ndarray:
    return format_dates(values, "%Y-%m-%d")


def write_cin_xml(path: Path, cin, style: FileStyle, period_end: pd.Timestamp) -> Path:
    """The CIN census as DfE XML: Message/Header + Children/Child."""
    ch = cin.children
    det = cin.details
    lines = ['<?xml version="1.0" encoding="utf-8"?>', "<Message>", "  <Header>", "    <CollectionDetails>",
             "      <Collection>CIN</Collection>", f"      <Year>{style.year}</Year>",
             f"      <ReferenceDate>{period_end.strftime('%Y-%m-%d')}</ReferenceDate>", "    </CollectionDetails>",
             "    <Source>", "      <SourceLevel>L</SourceLevel>", f"      <LEA>{style.dfe_number}</LEA>",
             "      <SoftwareCode>Synthetic demo</SoftwareCode>", "      <Release>1</Release>",
             "      <SerialNo>001</SerialNo>", f"      <DateTime>{style.year}-05-01T09:00:00</DateTime>", "    </Source>",
             "    <Content>", "      <CBDSLevels>", "        <CBDSLevel>Child</CBDSLevel>", "      </CBDSLevels>",
             "    </Content>", "  </Header>", "  <Children>"]

    def el(indent: int, tag: str, value: str) -> None:
        if value:
            lines.append(f"{' ' * indent}<{tag}>{escape(value)}</{tag}>")

    def grouped(frame: pd.DataFrame, keys=("LAchildID", "CINdetailsID")) -> dict:
        out: dict = {}
        for rec in frame.to_dict("records"):
            out.setdefault(tuple(rec[k] for k in keys), []).append(rec)
        return out

    dets = _text_frame(det, ["CINreferralDate", "CINclosureDate", "DateOfInitialCPC"])
    dets["ReferralNFA"] = np.where(det["ReferralNFA"].to_numpy(bool), "true", "false")
    ass = _text_frame(cin.assessments, ["AssessmentActualStartDate", "AssessmentAuthorisationDate"])
    s47 = _text_frame(cin.section47, ["S47ActualStartDate", "InitialCPCtarget", "DateOfInitialCPC"])
    s47["ICPCnotRequired"] = np.where(cin.section47["ICPCnotRequired"].to_numpy(bool), "true", "false")
    cpp = _text_frame(cin.cp_plans, ["CPPstartDate", "CPPendDate"])
    plans = _text_frame(cin.plan_dates, ["CINPlanStartDate", "CINPlanEndDate"])
    by_child = grouped(dets, ("LAchildID",))
    by_ass, by_s47, by_cpp, by_plan = grouped(ass), grouped(s47), grouped(cpp), grouped(plans)
    kids = _text_frame(ch, ["PersonBirthDate"])
    for rec in kids.to_dict("records"):
        cid = rec["LAchildID"]
        lines += ["    <Child>", "      <ChildIdentifiers>"]
        el(8, "LAchildID", cid)
        el(8, "UPN", rec["UPN"])
        el(8, "PersonBirthDate", rec["PersonBirthDate"])
        el(8, "Sex", rec["Sex"])
        lines += ["      </ChildIdentifiers>", "      <ChildCharacteristics>"]
        el(8, "Ethnicity", rec["Ethnicity"])
        lines += ["        <Disabilities>", "          <Disability>NONE</Disability>", "        </Disabilities>",
                  "      </ChildCharacteristics>"]
        for d in by_child.get((cid,), []):
            key = (cid, d["CINdetailsID"])
            lines.append("      <CINdetails>")
            for tag in ("CINreferralDate", "ReferralSource", "PrimaryNeedCode", "CINclosureDate", "ReasonForClosure",
                        "DateOfInitialCPC", "ReferralNFA"):
                el(8, tag, d[tag])
            for a in by_ass.get(key, []):
                lines.append("        <Assessments>")
                el(10, "AssessmentActualStartDate", a["AssessmentActualStartDate"])
                el(10, "AssessmentAuthorisationDate", a["AssessmentAuthorisationDate"])
                if a["AssessmentFactors"]:
                    lines.append("          <FactorsIdentifiedAtAssessment>")
                    for f in a["AssessmentFactors"].split(","):
                        el(12, "AssessmentFactors", f)
                    lines.append("          </FactorsIdentifiedAtAssessment>")
                lines.append("        </Assessments>")
            for p in by_plan.get(key, []):
                lines.append("        <CINPlanDates>")
                el(10, "CINPlanStartDate", p["CINPlanStartDate"])
                el(10, "CINPlanEndDate", p["CINPlanEndDate"])
                lines.append("        </CINPlanDates>")
            for q in by_s47.get(key, []):
                lines.append("        <Section47>")
                for tag in ("S47ActualStartDate", "InitialCPCtarget", "DateOfInitialCPC", "ICPCnotRequired"):
                    el(10, tag, q[tag])
                lines.append("        </Section47>")
            for c in by_cpp.get(key, []):
                lines.append("        <ChildProtectionPlans>")
                for tag in ("CPPstartDate", "CPPendDate", "InitialCategoryOfAbuse", "LatestCategoryOfAbuse",
                            "NumberOfPreviousCPP"):
                    el(10, tag, c[tag])
                lines.append("        </ChildProtectionPlans>")
            lines.append("      </CINdetails>")
        lines.append("    </Child>")
    lines += ["  </Children>", "</Message>", ""]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes("\n".join(lines).encode("utf-8"))
    return path


def _text_frame(frame: pd.DataFrame, dates: list[str]) -> pd.DataFrame:
    """A copy with every column as text (dates ISO)."""
    out = {}
    for column in frame.columns:
        if column in dates:
            out[column] = _iso(frame[column].to_numpy())
        else:
            out[column] = format_text(frame[column].to_numpy(object))
    return pd.DataFrame(out)


def write_cin_csv(directory: Path, cin, style: FileStyle) -> list[Path]:
    """The CIN census as six flat CSV tables keyed by LAchildID (and CINdetailsID)."""
    ch = cin.children
    paths = []

    def put(table: str, columns: dict) -> None:
        paths.append(write_csv(directory / style.cin_table(table), columns, style))

    put("ChildIdentifiers", {"LAchildID": format_text(ch["LAchildID"]), "UPN": format_text(ch["UPN"]),
                             "PersonBirthDate": _iso(ch["PersonBirthDate"]), "Sex": format_text(ch["Sex"])})
    put("ChildCharacteristics", {"LAchildID": format_text(ch["LAchildID"]), "Ethnicity": format_text(ch["Ethnicity"]),
                                 "Disabilities": np.full(len(ch), "NONE", dtype=object)})
    d = cin.details
    put("CINdetails", {"LAchildID": format_text(d["LAchildID"]), "CINdetailsID": format_text(d["CINdetailsID"]),
                       "CINreferralDate": _iso(d["CINreferralDate"]), "ReferralSource": format_text(d["ReferralSource"]),
                       "PrimaryNeedCode": format_text(d["PrimaryNeedCode"]), "CINclosureDate": _iso(d["CINclosureDate"]),
                       "ReasonForClosure": format_text(d["ReasonForClosure"]),
                       "ReferralNFA": style.flag(d["ReferralNFA"].to_numpy(bool))})
    a = cin.assessments
    put("Assessments", {"LAchildID": format_text(a["LAchildID"]), "CINdetailsID": format_text(a["CINdetailsID"]),
                        "AssessmentActualStartDate": _iso(a["AssessmentActualStartDate"]),
                        "AssessmentAuthorisationDate": _iso(a["AssessmentAuthorisationDate"]),
                        "AssessmentFactors": format_text(a["AssessmentFactors"])})
    q = cin.section47
    put("Section47", {"LAchildID": format_text(q["LAchildID"]), "CINdetailsID": format_text(q["CINdetailsID"]),
                      "S47ActualStartDate": _iso(q["S47ActualStartDate"]), "InitialCPCtarget": _iso(q["InitialCPCtarget"]),
                      "DateOfInitialCPC": _iso(q["DateOfInitialCPC"]),
                      "ICPCnotRequired": style.flag(q["ICPCnotRequired"].to_numpy(bool))})
    c = cin.cp_plans
    put("ChildProtectionPlans", {"LAchildID": format_text(c["LAchildID"]), "CINdetailsID": format_text(c["CINdetailsID"]),
                                 "CPPstartDate": _iso(c["CPPstartDate"]), "CPPendDate": _iso(c["CPPendDate"]),
                                 "InitialCategoryOfAbuse": format_text(c["InitialCategoryOfAbuse"]),
                                 "LatestCategoryOfAbuse": format_text(c["LatestCategoryOfAbuse"]),
                                 "NumberOfPreviousCPP": format_text(c["NumberOfPreviousCPP"])})
    return paths
