"""`kamplan import`: real exports, merge rules, row problems, dry runs, and re-imports that change nothing."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import kamplan
from kamplan.errors import UsageError
from kamplan.plugins import PluginHost
from kamplan.repo.merge import import_records

HOST = PluginHost(entry_points=False)

PLAN = """\
kamplan: 1
account: {id: acme, name: ACME plc}
# hand-written: keep me
units:
  - {id: it, name: IT}
team:
  - {id: kam, name: Kim}
stakeholders:
  - id: bob
    name: Bob Old-Name
    title: Old title
    unit: it
    roles: [champion]       # our champion
    attitude: champion
    influence: high
    notes: Loves data.
    tags: [vip]
    contact: {email: BOB@acme.example, linkedin: https://linkedin.example/bob}
  - id: zoe
    name: Zoë Hand
    attitude: blocker
    custom: {salesforce_id: 003GONE}
relationships:
  - {team: kam, stakeholder: bob, strength: strong}
"""

DATA_LOADER = (
    '\ufeffId,FirstName,LastName,Name,Title,Department,Email,Phone,MobilePhone,ReportsToId,AccountId\r\n'
    '003A,Alice,Boss,Alice Boss,"CEO, Group",IT,alice@acme.example,+1 555,,,001\r\n'
    '003B,Bob,Builder,Bob Builder,CTO,IT,bob@acme.example,,+1 777,003A,001\r\n'
    '003C,Cara,"Multi\r\nLine",,Engineer,Data Office,cara@acme.example,,,003B,001\r\n'
    '003D,Dan,Self,,Analyst,IT,,,,003D,001\r\n'
    '003E,Eve,Orphan,,Analyst,IT,,,,003ZZZ,001\r\n'
    '003F,Fay,Short\r\n'
)


@pytest.fixture
def plan(tmp_path):
    (tmp_path / "kamplan.yaml").write_text("kamplan: 1\n")
    path = tmp_path / "account_plans" / "acme.yaml"
    path.parent.mkdir()
    path.write_text(PLAN, encoding="utf-8")
    return path


@pytest.fixture
def export(tmp_path):
    path = tmp_path / "contacts.csv"
    path.write_bytes(DATA_LOADER.encode("utf-8"))
    return path


def test_data_loader_export_merges_without_loss(plan, export, cli):
    result = cli("import", "salesforce", export, "--account", "acme", cwd=plan.parent.parent)
    assert result.code == 0, result.err
    text = plan.read_text()
    assert "# hand-written: keep me" in text and "# our champion" in text
    account = kamplan.resolve_account(plan, host=HOST)
    people = {p.id: p for p in account.plan.stakeholders}
    bob = people["bob"]  # matched by e-mail (case-insensitive), plan-owned fields untouched
    assert (bob.name, bob.title) == ("Bob Builder", "CTO")
    assert (bob.attitude, bob.influence, bob.roles, bob.notes, bob.tags) == ("champion", "high", ["champion"],
                                                                            "Loves data.", ["vip"])
    assert bob.contact.email == "bob@acme.example" and bob.contact.linkedin == "https://linkedin.example/bob"
    assert bob.custom == {"salesforce_id": "003B"} and bob.reports_to == "alice-boss"
    alice = people["alice-boss"]
    assert alice.title == "CEO, Group" and alice.attitude == "unknown" and alice.reports_to is None
    cara = people["cara-multi-line"]
    assert cara.name == "Cara Multi Line"  # a quoted line break inside a cell becomes a space
    assert cara.reports_to == "bob" and cara.unit == "data-office"
    assert people["dan-self"].reports_to is None and people["eve-orphan"].reports_to is None
    assert people["fay-short"].title is None  # a ragged row keeps what it has
    # rows are numbered by the line they start on: Cara's quoted line break makes Dan start on line 6
    assert "row 6: 'Dan Self' reports to themself" in result.err
    assert "row 7: manager '003ZZZ' of 'Eve Orphan' is not in the export" in result.err
    assert "missing from the export" in result.err and "zoe" in result.err
    assert people["zoe"].status == "active"
    assert len(account.plan.relationships) == 1


def test_reimport_changes_nothing(plan, export):
    import_records("salesforce", export, "acme", into=plan, host=HOST)
    first = plan.read_text()
    report = import_records("salesforce", export, "acme", into=plan, host=HOST)
    assert not report.changed and not report.written and plan.read_text() == first


def test_dry_run_writes_nothing(plan, export, cli):
    before = plan.read_text()
    result = cli("import", "salesforce", export, "--account", "acme", "--into", plan, "--dry-run")
    assert result.code == 0 and "dry run, nothing written" in result.err and "+ alice-boss" in result.out
    assert plan.read_text() == before


def test_mark_missing_left(plan, export):
    report = import_records("salesforce", export, "acme", into=plan, mark_missing_left=True, host=HOST)
    assert report.marked_left == ["zoe"]
    zoe = next(p for p in kamplan.resolve_account(plan, host=HOST).plan.stakeholders if p.id == "zoe")
    assert zoe.status == "left" and zoe.attitude == "blocker"


def test_result_that_would_not_validate_is_not_written(plan, export, cli):
    plan.write_text(PLAN.replace("attitude: blocker", "attitude: blocker\n    reports_to: ghost"))
    before = plan.read_text()
    result = cli("import", "salesforce", export, "--account", "acme", "--into", plan)
    assert result.code == 1 and "E301" in result.err and "nothing written" in result.err
    assert plan.read_text() == before


def test_new_plan_from_the_salesforce_sample_report(shared, tmp_path):
    target = tmp_path / "account_plans" / "sample.yaml"
    export = shared / "salesforce-lwc-recipes-sample" / "Accounts-Contacts.csv"
    with pytest.raises(UsageError, match="never folders"):
        import_records("salesforce", export, "sample", into=target, host=HOST)
    assert not target.parent.exists()
    target.parent.mkdir()
    report = import_records("salesforce", export, "sample", into=target, host=HOST)
    assert report.created and report.written and len(report.added) == 6
    names = [p.name for p in kamplan.resolve_account(target, host=HOST).plan.stakeholders]
    assert names[:2] == ["Amy Taylor", "Jennifer Wu"]
    only = import_records("salesforce", export, "alpha", into=tmp_path / "alpha.yaml", host=HOST,
                          options={"filter_account": "alpha dynamics"})
    assert len(only.added) == 3


def test_loops_are_broken_and_reported(tmp_path):
    export = tmp_path / "loop.csv"
    export.write_text("Id,Name,ReportsToId\nA,Ann,C\nB,Ben,A\nC,Cid,B\nD,Dee,A\n")
    report = import_records("salesforce", export, "loopy", into=tmp_path / "loopy.yaml", host=HOST)
    assert report.written
    assert any("rows 2, 3, 4: reports_to loop" in w for w in report.warnings), report.warnings
    people = {p.id: p for p in kamplan.resolve_account(tmp_path / "loopy.yaml", host=HOST).plan.stakeholders}
    assert people["ann"].reports_to is None and people["dee"].reports_to == "ann"


def test_hubspot_and_generic_csv(tmp_path, cli):
    hub = tmp_path / "hubspot.csv"
    hub.write_text("Record ID,First Name,Last Name,Email,Job Title,Company Name\n"
                   "11,Ann,Lee,ann@x.example,CIO,X Corp\n12,,,ghost@x.example,,X Corp\n")
    target = tmp_path / "x.yaml"
    assert cli("import", "hubspot", hub, "--account", "x", "--into", target).code == 0
    people = kamplan.resolve_account(target, host=HOST).plan.stakeholders
    assert [(p.name, p.title, p.custom) for p in people] == [("Ann Lee", "CIO", {"hubspot_id": "11"}),
                                                              ("ghost@x.example", None, {"hubspot_id": "12"})]
    generic = tmp_path / "people.csv"
    generic.write_text("Full Name;Role;Boss;Key\nИван Петров;CFO;;k1\nMaria;Analyst;k1;k2\n", encoding="utf-8")
    target2 = tmp_path / "y.yaml"
    result = cli("import", "csv", generic, "--account", "y", "--into", target2,
                 "--map", "Full Name=name", "--map", "Role=title", "--map", "Boss=reports_to", "--map", "Key=id")
    assert result.code == 0, result.err
    people = {p.name: p for p in kamplan.resolve_account(target2, host=HOST).plan.stakeholders}
    assert people["Maria"].reports_to == people["Иван Петров"].id
    bad = cli("import", "csv", generic, "--account", "y", "--into", target2, "--map", "Role=rank")
    assert bad.code == 2 and "unknown field" in bad.err


@pytest.mark.slow
def test_every_uk_organogram_imports_or_reports_its_problem_rows(shared, tmp_path):
    files = sorted((shared / "uk-gov-organograms").rglob("*.csv"))
    assert len(files) == 176
    warnings = {"duplicate": 0, "themself": 0, "not in the export": 0}
    for i, path in enumerate(files):
        report = import_records("organogram", path, f"org{i}", into=tmp_path / f"org{i}.yaml", dry_run=True, host=HOST)
        assert report.errors == [], (path.name, report.errors[:2])
        if "senior" in path.parent.name and path.parent.name.startswith("2011"):
            for key in warnings:
                warnings[key] += sum(key in w for w in report.warnings)
    assert warnings["duplicate"] == 66 and warnings["themself"] == 8 and warnings["not in the export"] >= 12


def test_organogram_placeholders(shared, tmp_path):
    path = shared / "uk-gov-organograms" / "2011-09-30-senior"
    acas = next(path.glob("advisory_conciliation*"))
    import_records("organogram", acas, "acas", into=tmp_path / "acas.yaml", host=HOST)
    people = {p.id: p for p in kamplan.resolve_account(tmp_path / "acas.yaml", host=HOST).plan.stakeholders}
    assert people["post-4"].status == "placeholder" and "(vacant)" in people["post-4"].name
    assert people["post-4"].reports_to == "post-1" and people["post-1"].name == "John Taylor"


def test_unknown_format_and_missing_file(cli, tmp_path):
    assert cli("import", "sap", tmp_path / "x.csv", "--account", "a", "--into", tmp_path / "a.yaml").code == 2
    missing = cli("import", "salesforce", tmp_path / "nope.csv", "--account", "a", "--into", tmp_path / "a.yaml")
    assert missing.code == 2 and "no such file" in missing.err


rows = st.lists(st.tuples(st.sampled_from(["Ann", "Bob", "Cid", "Dee", "Émile", "Ивана"]),
                          st.sampled_from(["", "CEO", "CTO", "Analyst"]),
                          st.sampled_from(["", "1", "2", "3", "9"])), min_size=1, max_size=6)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=rows)
def test_import_then_reimport_changes_nothing(tmp_path, rows):
    export = tmp_path / "export.csv"
    lines = ["Id,Name,Title,ReportsToId"] + [f"{i + 1},{n},{t},{m}" for i, (n, t, m) in enumerate(rows)]
    export.write_text("\n".join(lines) + "\n", encoding="utf-8")
    target = tmp_path / "prop.yaml"
    target.unlink(missing_ok=True)
    first = import_records("salesforce", export, "prop", into=target, host=HOST)
    assert first.errors == [] and first.written
    text = target.read_text()
    again = import_records("salesforce", export, "prop", into=target, host=HOST)
    assert not again.changed and target.read_text() == text
    assert len(kamplan.resolve_account(target, host=HOST).plan.stakeholders) == len(rows)


def test_plan_owned_fields_survive_a_textual_roundtrip(plan, export):
    import_records("salesforce", export, "acme", into=plan, host=HOST)
    text = Path(plan).read_text()
    assert textwrap.dedent("""\
        relationships:
          - {team: kam, stakeholder: bob, strength: strong}""") in text
