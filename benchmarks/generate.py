"""Generate format-true account plans of any size (for the demo's large account and benchmarks).

    python benchmarks/generate.py OUT_DIR --plans 1000 --people 100 [--seed 7] [--profile handwritten|exported]

Every plan uses every section of the plan format; names mix scripts (Latin with accents, Cyrillic,
CJK) so that loaders and renderers meet real-world text. Output is deterministic for a seed.

A *profile* sets the mess real portfolios have, so that a benchmark is not tuned to one shape:

* ``handwritten``: block-style stakeholders, comments, one plan in ten a folder plan, EUR/GBP/USD,
  about 50 warnings a plan (uncovered key players, stale relationships);
* ``exported``: what a CRM export turned into YAML looks like: flow-style stakeholders, no comments,
  no folder plans, mostly USD, about 45 warnings a plan.

The portfolio's kamplan.yaml pins ``settings.today`` so that warnings do not move with the clock.
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

FIRST = ["Anna", "José", "Małgorzata", "Priya", "Wei", "Oliver", "Fatima", "Lars", "Chloé", "Kenji", "Ivan",
         "Sofia", "Mateo", "Aisha", "Henrik", "Zoë", "Ravi", "Elena", "Tomasz", "Mei", "Ольга", "Дмитрий",
         "Sean", "Amara", "Lukas", "Isabel", "Noah", "Yuki", "Carmen", "Björn"]
LAST = ["Novak", "García", "Kowalska", "Sharma", "Zhang", "Brown", "Haddad", "Nilsson", "Lefèvre", "Sato",
        "Ivanov", "Rossi", "Fernández", "Okafor", "Berg", "Müller", "Iyer", "Popescu", "Wiśniewski", "Li",
        "Смирнова", "Кузнецов", "O'Brien", "Mensah", "Schneider", "Costa", "Walsh", "Tanaka", "Ruiz", "Lindqvist"]
DIVISIONS = [("retail", "Retail Banking"), ("corporate", "Corporate & Investment Banking"),
             ("wealth", "Wealth Management"), ("ops", "Group Operations"), ("tech", "Group Technology"),
             ("risk", "Risk & Compliance"), ("finance", "Group Finance"), ("hr", "People & Culture")]
DEPARTMENTS = ["Strategy", "Data Office", "Platforms", "Customer Experience", "Payments", "Lending",
               "Security", "Procurement", "Architecture", "Analytics"]
TITLES = ["Head of {d}", "Director {d}", "Senior Manager {d}", "Lead {d}", "Manager {d}", "Analyst {d}"]
ROLES = ["decision_maker", "technical_buyer", "user_buyer", "influencer", "coach", "gatekeeper", "evaluator",
         "end_user"]
ATTITUDES = ["champion", "supporter", "supporter", "neutral", "neutral", "neutral", "skeptic", "blocker",
             "unknown", "unknown"]
OFFERINGS = ["platform", "analytics", "ml-ops", "security", "managed", "training"]
TEAM = [("jdoe", "kam"), ("mkumar", "solution_architect"), ("lchen", "csm"), ("rsmith", "exec_sponsor"),
        ("tnakamura", "tam")]


def q(text: str) -> str:
    """Quote text for YAML (double quotes, escapes)."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


PROFILES: dict[str, dict[str, object]] = {
    "handwritten": {"flow": 0.05, "comments": 0.12, "folders": 0.1, "currencies": ["EUR", "EUR", "GBP", "USD"],
                    "key_share": 0.4, "covered": 5, "dm": 0.14},
    "exported": {"flow": 0.95, "comments": 0.0, "folders": 0.0, "currencies": ["USD", "USD", "USD", "EUR"],
                 "key_share": 0.3, "covered": 4, "dm": 0.10},
}
COMMENTS = ["# met at the annual summit", "# TODO: confirm title with the KAM", "# org chart from the QBR deck",
            "# source: LinkedIn, checked 2026-10", "# reorganisation announced — ждём новую структуру"]


def make_plan(account_id: str, name: str, people: int, seed: int = 7, industry: str = "Banking",
              profile: str = "handwritten", moved_from: str | None = None, champion_left: bool = False) -> str:
    """Return the YAML text of one plan with ``people`` stakeholders, shaped by ``profile`` (see PROFILES).

    E-mail addresses are at the account's own domain. With ``champion_left``, the last person is a
    champion who left, with a LinkedIn profile; with ``moved_from`` (such an account's id), the last but
    one is that account's former champion, now here (the same profile): a move between accounts for
    ``recommend`` to find.
    """
    rng = random.Random(seed)
    shape = PROFILES[profile]
    currency = rng.choice(shape["currencies"])  # type: ignore[arg-type]
    out = ["kamplan: 1", "account:", f"  id: {account_id}", f"  name: {q(name)}",
           f"  tier: {rng.choice(['strategic', 'key', 'growth', 'maintain'])}", f"  industry: {industry}",
           "  region: EMEA", "  owner: jdoe", f"  reviewed: 2026-{rng.randint(1, 11):02d}-{rng.randint(1, 28):02d}",
           f"  currency: {currency}", f"  wallet: {rng.randint(20, 120) * 100_000}", "units:"]
    units = []
    for div_id, div_name in DIVISIONS:
        out.append(f"  - {{id: {div_id}, name: {q(div_name)}}}")
        units.append(div_id)
        for dep in rng.sample(DEPARTMENTS, 3):
            dep_id = f"{div_id}-{dep.lower().replace(' ', '-')}"
            out.append(f"  - {{id: {dep_id}, name: {q(div_name + ' ' + dep)}, parent: {div_id}}}")
            units.append(dep_id)
    out.append("team:")
    out += [f"  - {{id: {tid}, role: {role}}}" for tid, role in TEAM]
    out.append("stakeholders:")
    ids: list[str] = []
    unit_of: dict[str, str] = {}
    for i in range(people):
        pid = f"p{i:05d}"
        first, last = rng.choice(FIRST), rng.choice(LAST)
        if i == 0:
            manager, unit, title, roles = None, DIVISIONS[0][0], "Group Chief Executive", ["approver"]
        elif i < 1 + len(DIVISIONS):
            manager, unit = ids[0], DIVISIONS[i - 1][0]
            title, roles = f"Chief Officer, {DIVISIONS[i - 1][1]}", ["economic_buyer"]
        else:
            manager = ids[rng.randrange(max(1, len(ids) // 3), len(ids))] if i > 40 else ids[rng.randrange(1, len(ids))]
            parent_unit = unit_of[manager]
            children = [u for u in units if u.startswith(parent_unit.split("-")[0] + "-")]
            unit = rng.choice(children) if children and rng.random() < 0.8 else parent_unit
            title = rng.choice(TITLES).format(d=rng.choice(DEPARTMENTS))
            roles = rng.sample(ROLES, rng.choice([0, 1, 1, 2]))
            if rng.random() < shape["dm"] and "decision_maker" not in roles:  # type: ignore[operator]
                roles.append("decision_maker")
        ids.append(pid)
        unit_of[pid] = unit
        fields = [f"id: {pid}", f"name: {q(first + ' ' + last)}", f"title: {q(title)}", f"unit: {unit}"]
        if manager:
            fields.append(f"reports_to: {manager}")
        if roles:
            fields.append(f"roles: [{', '.join(roles)}]")
        fields.append(f"attitude: {rng.choice(ATTITUDES)}")
        key = rng.random() < shape["key_share"]  # type: ignore[operator]
        influence = ("decisive" if i < 9 else "high") if key else rng.choice(["low", "medium", "medium"])
        fields.append(f"influence: {influence}")
        status = rng.choices(["active", "new_in_role", "leaving", "left", "placeholder"], [90, 4, 2, 2, 2])[0]
        alumnus = i == people - 1 and people > 20 and champion_left
        newcomer = i == people - 2 and people > 20 and moved_from is not None
        if alumnus:
            status = "left"
            fields[-2] = "attitude: champion"
        if status != "active":
            fields.append(f"status: {status}")
        if alumnus or newcomer:
            profile_of = account_id if alumnus else moved_from
            fields.append(f"contact: {{linkedin: https://www.linkedin.com/in/{profile_of}-champion}}")
        elif rng.random() < 0.3:
            fields.append(f"contact: {{email: {pid}@{account_id}.example, phone: {q(f'+44 20 7946 {i:04d}')}}}")
        if rng.random() < 0.1:
            fields.append(f"notes: {q('Met at the ' + rng.choice(DEPARTMENTS) + ' forum; prefers data over slides.')}")
        if rng.random() < shape["comments"]:  # type: ignore[operator]
            out.append("  " + rng.choice(COMMENTS))
        if rng.random() < shape["flow"]:  # type: ignore[operator]
            out.append("  - {" + ", ".join(fields) + "}")
            continue
        out.append("  - " + fields[0])  # block style, as plans are usually written by hand
        for field in fields[1:]:
            if field.startswith("contact: {"):
                out.append("    contact:")
                out += [f"      {part.strip()}" for part in field[len("contact: {"):-1].split(", ")]
            else:
                out.append(f"    {field}")
    out.append("relationships:")
    covered = rng.sample(ids, min(len(ids), max(3, people // shape['covered'])))  # type: ignore[operator]
    for pid in covered:
        tid = rng.choice(TEAM)[0]
        out.append(f"  - {{team: {tid}, stakeholder: {pid}, strength: {rng.choice(['weak', 'medium', 'strong'])}, "
                   f"last_contact: 2026-{rng.randint(1, 11):02d}-{rng.randint(1, 28):02d}}}")
    out.append("influence:")
    for _ in range(max(2, people // 10)):
        a, b = rng.sample(ids, 2)
        out.append(f"  - {{from: {a}, to: {b}, kind: {rng.choice(['influences', 'influences', 'allies', 'conflicts'])},"
                   f" strength: {rng.choice(['low', 'medium', 'high'])}}}")
    out.append("opportunities:")
    for unit in units[:: max(1, len(units) // 10)]:
        for offering in rng.sample(OFFERINGS, 2):
            status = rng.choice(["owned", "pipeline", "whitespace", "competitor", "not_a_fit"])
            extra = ""
            if status == "pipeline":
                extra = ", stage: proposal, close: 2027-03-31"
            elif status == "competitor":
                extra = ", competitor: Globex"
            arr = "" if status == "not_a_fit" else f", arr: {rng.randint(2, 60) * 10_000}"
            out.append(f"  - {{unit: {unit}, offering: {offering}, status: {status}{arr}{extra}}}")
    out.append("revenue:")
    arr = rng.randint(5, 40) * 50_000
    for quarter in range(1, 5):
        change = rng.randint(-3, 6) * 10_000
        arr = max(0, arr + change)
        breakdown = f", expansion: {max(change, 0)}, contraction: {max(-change, 0)}, churn: 0" if quarter > 1 else ""
        out.append(f"  - {{period: 2026-Q{quarter}, arr: {arr}{breakdown}}}")
    out += ["goals:", "  - {id: g1, title: Grow share of wallet, metric: share_of_wallet, target: 0.3, due: 2027-06-30,"
            " owner: jdoe, status: on_track}",
            "actions:", f"  - {{id: a1, title: Quarterly business review, owner: jdoe, due: 2026-12-15, status: open,"
            f" goal: g1, stakeholders: [{ids[1]}]}}",
            "decisions:",
            f"  - {{date: 2026-03-01, decision: Consolidate vendors, why: Cost programme, decided_by: [{ids[0]}]}}",
            "risks:",
            f"  - {{title: Budget freeze, severity: medium, stakeholder: {ids[1]}, mitigation: Phase the roll-out}}",
            "custom: {generated_by: benchmarks/generate.py}"]
    return "\n".join(out) + "\n"


def write_portfolio(folder: Path, plans: int, people: int, seed: int = 7, profile: str = "handwritten") -> list[Path]:
    """Write ``plans`` plans of ``people`` stakeholders each under ``folder/account_plans``.

    Returns:
        The plan files (each file of a folder plan).
    """
    (folder / "account_plans").mkdir(parents=True, exist_ok=True)
    (folder / "kamplan.yaml").write_text(
        "kamplan: 1\nofferings:\n" + "".join(f"  - {{id: {o}, name: {o.title()}}}\n" for o in OFFERINGS)
        + "people:\n" + "".join(f"  - {{id: {t}, name: {t.title()}, role: {r}}}\n" for t, r in TEAM)
        + "settings:\n  today: 2026-11-30\n",
        encoding="utf-8")
    rng = random.Random(seed)
    paths = []
    for i in range(plans):
        # one account in 25 has a champion who came from the account before it
        moved_from = f"account-{i - 1:05d}" if i and i % 25 == 0 else None
        text = make_plan(f"account-{i:05d}", f"Account {i} plc", people, seed + i, profile=profile,
                         moved_from=moved_from, champion_left=(i + 1) % 25 == 0)
        if rng.random() < PROFILES[profile]["folders"]:  # type: ignore[operator]
            paths += _folder_plan(folder / "account_plans" / f"account-{i:05d}", text)
            continue
        path = folder / "account_plans" / f"account-{i:05d}.yaml"
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths


def _folder_plan(folder: Path, text: str) -> list[Path]:
    """Write a plan as a folder plan: the header and most sections in plan.yaml, the people in people.yaml."""
    folder.mkdir(parents=True, exist_ok=True)
    head, rest = text.split("stakeholders:\n", 1)
    people, tail = rest.split("relationships:\n", 1)
    (folder / "plan.yaml").write_text(head + "relationships:\n" + tail, encoding="utf-8")
    (folder / "people.yaml").write_text("# the org chart, kept apart\nstakeholders:\n" + people, encoding="utf-8")
    return [folder / "people.yaml", folder / "plan.yaml"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path)
    parser.add_argument("--plans", type=int, default=10)
    parser.add_argument("--people", type=int, default=100)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--profile", choices=sorted(PROFILES), default="handwritten")
    args = parser.parse_args()
    write_portfolio(args.out, args.plans, args.people, args.seed, args.profile)
    print(f"wrote {args.plans} plans x {args.people} people ({args.profile}) under {args.out}")


if __name__ == "__main__":
    main()
