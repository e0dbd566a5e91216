"""Importers of CRM and HR exports: ``salesforce``, ``hubspot``, ``organogram`` and generic ``csv``.

Each yields stakeholder-shaped records (``name``, ``title``, ``unit``, ``contact``, ``custom``) plus
bookkeeping keys the merge uses: ``_row`` (line in the file), ``_source_id`` (the person's id in the
source), ``_manager`` (the manager's source id; empty = top), ``_account`` (for ``--filter-account``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

from kamplan.errors import UsageError
from kamplan.plugins.hookspecs import hookimpl
from kamplan.read.csv_exports import header_key, pick, read_rows

Record = dict[str, Any]
UNDISCLOSED = {"n/d", "nd", "n/a", "na", "not disclosed", "withheld", "-", ""}
VACANT = {"vacant", "vacancy", "eliminated", "post vacant"}


def _contact(email: str, phone: str) -> dict[str, str]:
    return {k: v for k, v in (("email", email), ("phone", phone)) if v}


def _wanted(record: Record, options: Mapping[str, Any]) -> bool:
    wanted = options.get("filter_account")
    return not wanted or record.get("_account", "").casefold() == str(wanted).casefold()


def salesforce(path: str | Path, options: Mapping[str, Any]) -> Iterator[Record]:
    """Salesforce Contact exports: Data Loader (``Id``, ``ReportsToId``...) or report (``Contact: Title``)."""
    header, rows = read_rows(path)
    keys = {header_key(h) for h in header}
    if not keys & {"lastname", "name", "fullname", "firstname"}:
        raise UsageError(f"{path}: not a Salesforce contact export (no FirstName/LastName/Name column)")
    for line, row in rows:
        first, last = pick(row, "firstname"), pick(row, "lastname")
        name = " ".join(p for p in (first, last) if p) or pick(row, "name", "fullname", "contactname")
        if not name:
            continue  # an account-only row of a report export: no person on it
        source_id = pick(row, "id", "contactid", "contactid18")
        record: Record = {
            "_row": line, "_source_id": source_id or None, "_manager": pick(row, "reportstoid", "reportsto"),
            "_account": pick(row, "accountname", "accountaccountname", "account", "accountid"),
            "name": name, "title": pick(row, "title"), "unit": pick(row, "department"),
            "contact": _contact(pick(row, "email"), pick(row, "phone", "mobilephone", "mobile")),
            "custom": {"salesforce_id": source_id} if source_id else {},
        }
        if _wanted(record, options):
            yield record


def hubspot(path: str | Path, options: Mapping[str, Any]) -> Iterator[Record]:
    """HubSpot contacts export (``First Name``, ``Last Name``, ``Email``, ``Job Title``, ``Company Name``...)."""
    header, rows = read_rows(path)
    if not {header_key(h) for h in header} & {"firstname", "lastname", "email"}:
        raise UsageError(f"{path}: not a HubSpot contacts export (no First Name/Last Name/Email column)")
    for line, row in rows:
        name = " ".join(p for p in (pick(row, "firstname"), pick(row, "lastname")) if p)
        email = pick(row, "email")
        if not name and not email:
            continue
        source_id = pick(row, "recordid", "contactid", "hubspotid", "vid")
        record: Record = {
            "_row": line, "_source_id": source_id or None, "_manager": "",
            "_account": pick(row, "companyname", "associatedcompany", "company"),
            "name": name or email, "title": pick(row, "jobtitle", "title"), "unit": pick(row, "department"),
            "contact": _contact(email, pick(row, "phonenumber", "phone", "mobilephonenumber")),
            "custom": {"hubspot_id": source_id} if source_id else {},
        }
        if _wanted(record, options):
            yield record


def organogram(path: str | Path, options: Mapping[str, Any]) -> Iterator[Record]:
    """UK government organograms: senior posts (people) and junior files (staff counts per grade)."""
    header, rows = read_rows(path)
    keys = {header_key(h) for h in header}
    if "postuniquereference" in keys:
        yield from _senior(rows)
    elif "reportingseniorpost" in keys:
        yield from _junior(rows)
    else:
        raise UsageError(f"{path}: not a UK organogram (no 'Post Unique Reference' or 'Reporting Senior Post')")


def _senior(rows: Iterator[tuple[int, dict[str, str]]]) -> Iterator[Record]:
    for line, row in rows:
        post = pick(row, "postuniquereference")
        name = pick(row, "name")
        title = pick(row, "jobtitle")
        status = None
        if name.casefold() in VACANT:
            name, status = f"{title or 'Post ' + post} (vacant)", "placeholder"
        elif name.casefold() in UNDISCLOSED:
            name, status = f"{title or 'Post ' + post} (name not disclosed)", "placeholder"
        manager = pick(row, "reportstoseniorpost")
        record: Record = {
            "_row": line, "_source_id": post or None, "_manager": "" if manager.upper() == "XX" else manager,
            "_id_hint": f"post-{post}" if post else None,
            "name": name, "title": title, "unit": pick(row, "unit"),
            "contact": _contact(_real(pick(row, "contactemail")), _real(pick(row, "contactphone"))),
            "custom": {"organogram_post": post} if post else {},
        }
        if status:
            record["status"] = status
        yield record


def _junior(rows: Iterator[tuple[int, dict[str, str]]]) -> Iterator[Record]:
    for line, row in rows:
        title = pick(row, "genericjobtitle") or "staff"
        fte = pick(row, "numberofpostsinfte") or "?"
        grade = pick(row, "grade")
        manager = pick(row, "reportingseniorpost")
        yield {
            "_row": line, "_source_id": f"junior-{line}", "_manager": manager, "_id_hint": f"junior-{line}",
            "name": f"{fte} FTE {title}" + (f" ({grade})" if grade else ""), "title": title,
            "unit": pick(row, "unit"), "status": "placeholder", "contact": {},
            "custom": {"organogram_junior_row": line},
        }


def _real(value: str) -> str:
    return "" if value.casefold() in UNDISCLOSED else value


FIELDS = ("id", "name", "first_name", "last_name", "title", "unit", "reports_to", "email", "phone", "linkedin")


def generic_csv(path: str | Path, options: Mapping[str, Any]) -> Iterator[Record]:
    """Any CSV, with ``--map column=field`` (fields: id, name, first_name, last_name, title, unit,
    reports_to, email, phone, linkedin)."""
    mapping: dict[str, str] = dict(options.get("map") or {})
    bad = {f for f in mapping.values() if f not in FIELDS}
    if bad:
        raise UsageError(f"--map: unknown field(s) {', '.join(sorted(bad))}; fields: {', '.join(FIELDS)}")
    if not set(mapping.values()) & {"name", "first_name", "last_name"}:
        raise UsageError("--map needs a column for name (or first_name/last_name), e.g. --map 'Full Name=name'")
    header, rows = read_rows(path)
    missing = [c for c in mapping if c not in header]
    if missing:
        raise UsageError(f"{path}: no column(s) {', '.join(missing)}; columns: {', '.join(header)}")
    for line, row in rows:
        value = {field: " ".join(row.get(column, "").split()) for column, field in mapping.items()}
        name = value.get("name") or " ".join(p for p in (value.get("first_name"), value.get("last_name")) if p)
        if not name:
            continue
        contact = _contact(value.get("email", ""), value.get("phone", ""))
        if value.get("linkedin"):
            contact["linkedin"] = value["linkedin"]
        source_id = value.get("id") or None
        yield {"_row": line, "_source_id": source_id, "_manager": value.get("reports_to", ""),
               "name": name, "title": value.get("title", ""), "unit": value.get("unit", ""), "contact": contact,
               "custom": {"csv_id": source_id} if source_id else {}}


@hookimpl
def register_importers(register: Callable[..., Any]) -> None:
    """Register the built-in importers."""
    register("salesforce", salesforce)
    register("hubspot", hubspot)
    register("organogram", organogram)
    register("csv", generic_csv)
