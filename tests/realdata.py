"""Build account plans from the shared real-world networks (Krackhardt managers, Lazega lawyers)."""

from __future__ import annotations

import csv
from pathlib import Path


def krackhardt_plan(data: Path) -> str:
    """The 21 managers as a plan: reports-to as the org chart, advice as influence."""
    folder = data / "krackhardt-hightech-managers"
    attrs = list(csv.DictReader((folder / "Krack-High-Tec-Attributes.csv").open(encoding="utf-8")))
    manager: dict[str, str] = {}
    for line in (folder / "Krack-High-Tec-edgelist-ReportsTo.txt").read_text().split("\n"):
        parts = line.split()
        if len(parts) == 3 and parts[2] == "1":
            manager[parts[0]] = parts[1]
    advice = []
    for line in (folder / "Krack-High-Tec-edgelist-Advice.txt").read_text().split("\n"):
        parts = line.split()
        if len(parts) == 3 and parts[2] == "1" and parts[0] != parts[1]:
            advice.append((parts[1], parts[0]))  # the one asked for advice influences the one asking
    out = ["kamplan: 1", "account: {id: hightech, name: Krackhardt High-Tec Managers, industry: Technology}", "units:"]
    out += [f"  - {{id: dept-{d}, name: Department {d}}}" for d in sorted({a["DEPT"] for a in attrs})]
    out.append("stakeholders:")
    levels = {"1": "CEO", "2": "Vice President", "3": "Manager"}
    for a in attrs:
        fields = [f"id: m{a['ID']}", f"name: Manager {a['ID']}", f"title: {levels[a['LEVEL']]}",
                  f"unit: dept-{a['DEPT']}"]
        if a["ID"] in manager:
            fields.append(f"reports_to: m{manager[a['ID']]}")
        out.append("  - {" + ", ".join(fields) + "}")
    out.append("influence:")
    out += [f"  - {{from: m{a}, to: m{b}, kind: influences}}" for a, b in advice]
    return "\n".join(out) + "\n"


def lazega_matrix(data: Path, name: str = "ELadv.dat") -> list[list[int]]:
    """A Lazega 0/1 matrix as rows of ints (CRLF and trailing blank lines tolerated)."""
    rows = [line.split() for line in (data / "lazega-lawyers" / name).read_text().splitlines()]
    return [[int(v) for v in row] for row in rows if row]


def lazega_plan(data: Path) -> str:
    """The 71 lawyers as a plan: offices as units, partners and associates, advice as influence."""
    attrs = [line.split() for line in (data / "lazega-lawyers" / "ELattr.dat").read_text().splitlines() if line.split()]
    offices = {"1": "Boston", "2": "Hartford", "3": "Providence"}
    out = ["kamplan: 1", "account: {id: lazega, name: SG&R Law Firm, industry: Legal services}", "units:"]
    out += [f"  - {{id: {name.lower()}, name: {name}}}" for name in offices.values()]
    out.append("stakeholders:")
    for row in attrs:
        lawyer, status, office = int(row[0]), row[1], row[3]
        title = "Partner" if status == "1" else "Associate"
        out.append(f"  - {{id: l{lawyer}, name: Lawyer {lawyer}, title: {title}, unit: {offices[office].lower()}}}")
    out.append("influence:")
    for i, row in enumerate(lazega_matrix(data)):
        for j, value in enumerate(row):
            if value and i != j:
                out.append(f"  - {{from: l{j + 1}, to: l{i + 1}, kind: influences}}")
    return "\n".join(out) + "\n"
