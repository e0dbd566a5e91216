"""``kamplan plugins new NAME``: an installable plugin package whose own tests pass as generated.

The package: ``pyproject.toml`` with the ``kamplan`` entry point, one hookimpl of the kind asked for
(a rule, scorer, recommender, exporter or importer) that does something real on a plan, tests on the
``kamplan.testing`` fixtures, a README and a GitHub Actions workflow.
"""

from __future__ import annotations

import re
from pathlib import Path

from kamplan import __version__
from kamplan.errors import UsageError
from kamplan.fileio import write_atomic

KINDS = ("rule", "scorer", "recommender", "exporter", "importer")
_NAME = re.compile(r"^[a-z][a-z0-9-]*[a-z0-9]$")

HOOKS = {
    "rule": '''
@hookimpl
def register_rules(register):
    """{code}: a stakeholder without a title (a KAM cannot tell their weight from their name alone)."""
    register("{code}", missing_titles)


def missing_titles(account):
    """One warning per stakeholder who has no ``title``."""
    for i, person in enumerate(account.plan.stakeholders):
        if not person.title and person.status != "placeholder":
            yield Finding(f"{{person.name}} has no title", ("stakeholders", i, "title"), "warning")
''',
    "scorer": '''
@hookimpl
def register_scorers(register):
    """{module}: how much of the map's attitude is known (0-100)."""
    register("{module}", attitude_known)


def attitude_known(account):
    """The share of active stakeholders whose attitude is not ``unknown``, as a score."""
    people = [p for p in account.plan.stakeholders if p.status not in ("left", "placeholder")]
    if not people:
        return Score(0.0, {{"reason": "no stakeholders"}})
    known = [p.id for p in people if p.attitude != "unknown"]
    return Score(round(100 * len(known) / len(people), 1), {{"known": len(known), "people": len(people)}})
''',
    "recommender": '''
@hookimpl
def register_recommenders(register):
    """{module}: meet each champion nobody has met for 60 days."""
    register("{module}", meet_champions)


def meet_champions(account):
    """A relationship action for each champion whose freshest contact is older than 60 days."""
    for person in account.plan.stakeholders:
        if person.attitude != "champion" or person.status == "left":
            continue
        dates = [r.last_contact for r in account.plan.relationships if r.stakeholder == person.id and r.last_contact]
        if not dates or (account.today - max(dates)).days > 60:
            yield Recommendation(kind="relationship", title=f"Meet {{person.name}}, a champion",
                                 reason="no contact for more than 60 days", priority=2, stakeholder=person.id)
''',
    "exporter": '''
@hookimpl
def register_exporters(register):
    """{module}: the stakeholders as a CSV call list (``kamplan report ID --format {module}``)."""
    register("{module}", call_list, ".csv")


def call_list(account, options):
    """id, name, title, attitude, influence of each stakeholder; contact details only when not redacted."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["id", "name", "title", "attitude", "influence", "email"])
    for p in account.plan.stakeholders:
        email = "" if options.get("redact") or not p.contact else (p.contact.email or "")
        writer.writerow([p.id, p.name, p.title or "", p.attitude, p.influence, email])
    return out.getvalue()
''',
    "importer": '''
@hookimpl
def register_importers(register):
    """{module}: a CSV of people with the columns id, name, title, manager (``kamplan import {module}``)."""
    register("{module}", people_csv)


def people_csv(path, options):
    """One stakeholder-shaped dict per row; ``manager`` becomes ``reports_to``."""
    with open(path, encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            person = {{"id": row["id"].strip(), "name": row["name"].strip()}}
            if row.get("title"):
                person["title"] = row["title"].strip()
            if row.get("manager"):
                person["reports_to"] = row["manager"].strip()
            yield person
''',
}

IMPORTS = {
    "rule": "from kamplan import Finding\n",
    "scorer": "from kamplan import Score\n",
    "recommender": "from kamplan import Recommendation\n",
    "exporter": "import csv\nimport io\n\n",
    "importer": "import csv\n\n",
}

TESTS = {
    "rule": '''
def test_a_stakeholder_without_a_title_is_flagged(small_portfolio_dir, register_plugin):
    plan = small_portfolio_dir / "account_plans" / "alpha.yaml"
    text = plan.read_text(encoding="utf-8")
    plan.write_text(text.replace("stakeholders:\\n", "stakeholders:\\n  - {{id: nt, name: No Title}}\\n", 1),
                    encoding="utf-8")
    with register_plugin({module}, "{module}") as host:
        found = kamplan.validate([small_portfolio_dir], host=host).diagnostics
    assert [d.path for d in found if d.code == "{code}"] == ["stakeholders[0].title"]
''',
    "scorer": '''
def test_the_score_is_the_share_of_known_attitudes(small_portfolio_dir, register_plugin):
    with register_plugin({module}, "{module}") as host:
        rows = kamplan.score([small_portfolio_dir], host=host)
    scores = {{row["account"]: row["scores"]["{module}"]["value"] for row in rows}}
    assert all(0 <= value <= 100 for value in scores.values()) and scores["beta"] == 100.0
''',
    "recommender": '''
def test_a_champion_not_met_for_long_gets_an_action(small_portfolio_dir, register_plugin):
    with register_plugin({module}, "{module}") as host:
        recs = kamplan.recommend([small_portfolio_dir], host=host, per_account=None)
    mine = [r for r in recs if r["recommender"] == "{module}"]
    assert all(r["kind"] == "relationship" and r["title"].startswith("Meet ") for r in mine)
''',
    "exporter": '''
def test_the_call_list_has_a_row_per_stakeholder(small_portfolio_dir, register_plugin):
    with register_plugin({module}, "{module}") as host:
        content, suffix = kamplan.report(small_portfolio_dir / "account_plans" / "alpha.yaml", fmt="{module}",
                                         host=host)
    rows = list(csv.reader(io.StringIO(content)))
    assert suffix == ".csv" and rows[0][:2] == ["id", "name"] and len(rows) > 1
''',
    "importer": '''
def test_rows_become_stakeholders(tmp_path):
    export = tmp_path / "people.csv"
    export.write_text("id,name,title,manager\\nceo,Ann Boss,CEO,\\ncfo,Bo Money,CFO,ceo\\n", encoding="utf-8")
    people = list({module}.people_csv(export, {{}}))
    assert people == [{{"id": "ceo", "name": "Ann Boss", "title": "CEO"}},
                      {{"id": "cfo", "name": "Bo Money", "title": "CFO", "reports_to": "ceo"}}]
''',
}

PYPROJECT = '''[build-system]
requires = ["setuptools>=68"]
build-backend = "setuptools.build_meta"

[project]
name = "{package}"
version = "0.1.0"
description = "A kamplan plugin: {summary}."
readme = "README.md"
requires-python = ">=3.11"
dependencies = ["kamplan>={version}"]

[project.optional-dependencies]
test = ["pytest>=8"]

[project.entry-points.kamplan]
{module} = "{module}"

[tool.setuptools.packages.find]
where = ["src"]
'''

README = '''# {package}

A [kamplan](https://github.com/kamplan/kamplan) plugin: {summary}.

```sh
pip install -e '.[test]'
kamplan plugins          # lists {module}
python -m pytest         # its tests, on kamplan's fixtures (small_portfolio_dir, register_plugin)
```

The hook is in `src/{module}/__init__.py`; see kamplan's docs/writing-plugins.md for the hooks and
the rules a plugin follows (it receives a read-only account; it never writes files).
'''

WORKFLOW = '''name: tests
on: [push, pull_request]
permissions:
  contents: read
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: "3.11"
      - run: pip install -e '.[test]'
      - run: python -m pytest -q
'''

SUMMARIES = {"rule": "a lint rule (stakeholders without a title)", "scorer": "a scorer (attitudes known)",
             "recommender": "a recommender (meet champions not met for 60 days)",
             "exporter": "an exporter (a CSV call list)", "importer": "an importer (a CSV of people)"}


def new_plugin(name: str, kind: str, out: Path) -> list[Path]:
    """Write the package ``out/kamplan-NAME`` and return its files.

    Raises:
        UsageError: When the name is not a lower-case package name, the kind is unknown, or the
            folder already exists.
    """
    if not _NAME.fullmatch(name):
        raise UsageError(f"invalid plugin name {name!r}: lower-case letters, digits and '-', like 'exec-coverage'")
    if kind not in KINDS:
        raise UsageError(f"unknown plugin kind {kind!r}; expected one of {', '.join(KINDS)}")
    package = name if name.startswith("kamplan-") else f"kamplan-{name}"
    module = package.replace("-", "_")
    root = out / package
    if root.exists():
        raise UsageError(f"{root} already exists; kamplan plugins new never overwrites")
    code = re.sub(r"[^A-Z]", "", name.upper())[:4].ljust(3, "X") + "001"
    values = {"package": package, "module": module, "code": code, "summary": SUMMARIES[kind],
              "version": __version__}
    source = (f'"""{package}: {SUMMARIES[kind]}."""\n\n{IMPORTS[kind]}'
              "from kamplan import hookimpl\n" + HOOKS[kind].format(**values))
    test_imports = "import csv\nimport io\n\n" if kind == "exporter" else ""
    tests = (f'"""The {module} plugin, tested on kamplan\'s fixtures."""\n\n{test_imports}import {module}\n\n'
             "import kamplan\n" + TESTS[kind].format(**values))
    files = {
        root / "pyproject.toml": PYPROJECT.format(**values),
        root / "README.md": README.format(**values),
        root / "src" / module / "__init__.py": source,
        root / "tests" / f"test_{module.removeprefix('kamplan_')}.py": tests,
        root / ".github" / "workflows" / "tests.yml": WORKFLOW,
    }
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, text)
    return list(files)
