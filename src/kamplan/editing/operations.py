"""What each edit of the browser editor does to a plan's files: a request in, new file texts out.

Requests (JSON, all ids as in the plan):

* ``{"op": "set", "person": ID, "field": F, "value": V}`` with F one of ``reports_to`` (drag and drop),
  ``attitude``, ``influence``, ``status``, ``roles``, ``dotted_to`` (None or ``[]`` removes the field);
* ``{"op": "relationship", "person": ID, "team": MEMBER, "strength": S, "target": T, "last_contact": D}``
  adds or changes our tie (``"strength": null`` removes it);
* ``{"op": "interaction", "date": D, "team": [...], "people": [...], "summary": TEXT}`` logs a meeting;
* ``{"op": "add_person", "manager": ID, "name": NAME, "title": TITLE}`` adds someone under a manager
  (no name: a placeholder for a role not yet identified).

Each is written to the file of the plan that defines the entry (a folder plan's file holding that
person or tie; a new entry goes to the file that already has the section, else to the one with
``account:``), through :mod:`kamplan.repo.yaml_edit`: only the lines the edit is about change.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from kamplan.repo import yaml_edit
from kamplan.repo.yaml_edit import EditError

PERSON_FIELDS = ("reports_to", "attitude", "influence", "status", "roles", "dotted_to")


def _find(texts: Mapping[Path, str], section: str, match: Mapping[str, str]) -> Path | None:
    for file, text in texts.items():
        if yaml_edit.find_entry(text, section, match):
            return file
    return None


def _home(texts: Mapping[Path, str], section: str) -> Path:
    """The file a new entry of ``section`` goes to."""
    for file, text in texts.items():
        if re.search(rf"(?m)^{section}:", text):
            return file
    for file, text in texts.items():
        if re.search(r"(?m)^account:", text):
            return file
    return next(iter(texts))


def _text(value: Any, what: str, *, required: bool = True) -> str | None:
    if value is None or value == "":
        if required:
            raise EditError(f"{what} is missing")
        return None
    if not isinstance(value, str) or len(value) > 2000 or "\x00" in value:
        raise EditError(f"{what} must be text")
    return value


def _ids(value: Any, what: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise EditError(f"{what} must be a list of ids")
    return list(value)


def new_id(name: str, taken: set[str]) -> str:
    """An id for a new person: their name in lower case ASCII with hyphens, unique in the plan."""
    base = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    base = re.sub(r"[^a-z0-9]+", "-", base.lower()).strip("-") or "person"
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}-{n}", n + 1
    return candidate


def apply(texts: Mapping[Path, str], request: Mapping[str, Any]) -> tuple[Path, str, str]:
    """The file to write, its new text, and a one-line description of the edit.

    Args:
        texts: Every file of the plan with its current text (``\\n`` line ends).
        request: The edit (see the module docstring).

    Raises:
        EditError: When the request is malformed or names what is not there.
    """
    op = request.get("op")
    person = request.get("person")
    if op == "set":
        field, value = request.get("field"), request.get("value")
        if field not in PERSON_FIELDS:
            raise EditError(f"field {field!r} cannot be edited here")
        if field in ("roles", "dotted_to") and value is not None:
            value = _ids(value, field)
        elif value is not None:
            value = _text(value, field)
        file = _find(texts, "stakeholders", {"id": str(person)})
        if file is None:
            raise EditError(f"no stakeholder {person!r} in this plan")
        new = yaml_edit.set_field(texts[file], "stakeholders", {"id": str(person)}, field, value)
        return file, new, f"{person}: {field} {'removed' if value in (None, []) else '= ' + str(value)}"
    if op == "relationship":
        team = _text(request.get("team"), "team member")
        match = {"team": str(team), "stakeholder": str(person)}
        file = _find(texts, "relationships", match)
        strength = request.get("strength")
        if strength is None:
            if file is None:
                raise EditError(f"{team} has no relationship with {person}")
            return file, yaml_edit.remove_entry(texts[file], "relationships", match), f"{team} -> {person} removed"
        fields = {"strength": _text(strength, "strength"), "target": _text(request.get("target"), "target",
                                                                            required=False),
                  "last_contact": _text(request.get("last_contact"), "last contact", required=False)}
        if file is None:
            file = _home(texts, "relationships")
            tie = {**match, **{k: v for k, v in fields.items() if v is not None}}
            return file, yaml_edit.append_entry(texts[file], "relationships", tie), f"{team} -> {person} added"
        text = texts[file]
        for key, value in fields.items():
            text = yaml_edit.set_field(text, "relationships", match, key, value)
        return file, text, f"{team} -> {person} changed"
    if op == "interaction":
        day = _text(request.get("date"), "date") or ""
        dt.date.fromisoformat(day)
        meeting = {"date": day, "team": _ids(request.get("team"), "team"),
                   "stakeholders": _ids(request.get("people"), "people"),
                   "summary": _text(request.get("summary"), "summary", required=False)}
        file = _home(texts, "interactions")
        return file, yaml_edit.append_entry(texts[file], "interactions", meeting), f"interaction on {day} logged"
    if op == "add_person":
        manager = _text(request.get("manager"), "manager")
        people = {i for text in texts.values() for i in yaml_edit.entry_ids(text, "stakeholders")}
        if manager not in people:
            raise EditError(f"no stakeholder {manager!r} in this plan")
        name = _text(request.get("name"), "name", required=False)
        title = _text(request.get("title"), "title", required=False)
        label = name or (f"{title} (to be identified)" if title else "To be identified")
        entry: dict[str, Any] = {"id": new_id(name or title or "placeholder", people), "name": label,
                                 "title": title, "reports_to": manager}
        if not name:
            entry["status"] = "placeholder"
        file = _find(texts, "stakeholders", {"id": str(manager)}) or _home(texts, "stakeholders")
        return file, yaml_edit.append_entry(texts[file], "stakeholders", entry), f"{entry['id']} added under {manager}"
    raise EditError(f"unknown edit {op!r}")

