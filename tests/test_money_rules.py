"""Money and date rules (plan-format.md): errors for impossible amounts, warnings W501-W508, renewals."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

CONFIG = "kamplan: 1\nofferings: [{id: core, name: Core}, {id: bi, name: BI}]\nsettings: {today: 2026-11-30}\n"
HEAD = "kamplan: 1\naccount: {name: M, currency: EUR, reviewed: 2026-10-01, wallet: 100000EXTRA}\n"
UNITS = "units: [{id: hq, name: HQ}]\n"


def _codes(cli, root: Path, text: str) -> dict[str, list[dict]]:
    (root / "account_plans" / "m.yaml").write_text(text, encoding="utf-8")
    rows = json.loads(cli("validate", "--format", "json", "account_plans/m.yaml", cwd=root).out)
    found: dict[str, list[dict]] = {}
    for row in rows:
        found.setdefault(row["code"], []).append(row)
    return found


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "kamplan.yaml").write_text(CONFIG, encoding="utf-8")
    (tmp_path / "account_plans").mkdir()
    return tmp_path


@pytest.mark.parametrize("field, text", [
    ("wallet", HEAD.replace("100000EXTRA", "-5")),
    ("arr", HEAD.replace("EXTRA", "") + "revenue:\n  - {period: 2026-Q3, arr: -1}\n"),
    ("churn", HEAD.replace("EXTRA", "") + "revenue:\n  - {period: 2026-Q3, arr: 1, churn: -3}\n"),
    ("contract arr", HEAD.replace("EXTRA", "") + "contracts:\n  - {id: c1, arr: -10}\n"),
])
def test_negative_amounts_are_positioned_errors(cli, root, field, text):
    found = _codes(cli, root, text)
    assert "E205" in found and "is negative" in found["E205"][0]["message"], field
    assert found["E205"][0]["line"] >= 2


def test_breakdown_losses_wallet_and_future_dates(cli, root):
    text = HEAD.replace("EXTRA", "") + UNITS + (
        "team: [{id: kam, name: Kim}]\n"
        "stakeholders:\n  - {id: p, name: P, since: 2027-02-01}\n"
        "relationships:\n  - {team: kam, stakeholder: p, strength: strong, last_contact: 2026-12-24}\n"
        "revenue:\n"
        "  - {period: 2025-Q3, arr: 50000}\n"
        "  - {period: 2025-Q4, arr: 60000, expansion: 30000}\n"          # explains +30,000 of +10,000
        "  - {period: 2026-Q1, arr: 20000, contraction: 40000, churn: 30000}\n"  # 70,000 lost of 60,000
        "  - {period: 2026-Q3, arr: 120000}\n"                           # above the 100,000 wallet
        "decisions:\n  - {date: 2027-01-05, decision: Later}\n")
    found = _codes(cli, root, text)
    assert "residual -20,000, counted as contraction" in found["W501"][0]["message"]
    assert found["W501"][0]["path"] == "revenue[1]"
    assert "contraction + churn (70,000) exceed the ARR of 2025-Q4 (60,000)" in found["W502"][0]["message"]
    assert "above the wallet" in found["W503"][0]["message"] and found["W503"][0]["path"] == "account.wallet"
    assert sorted(r["path"] for r in found["W504"]) == [
        "decisions[0].date", "relationships[0].last_contact", "stakeholders[0].since"]


def test_owned_cells_stale_revenue_and_contradicted_status(cli, root):
    text = HEAD.replace("EXTRA", "").replace("wallet: 100000", "wallet: 100000, status: churned") + UNITS + (
        "opportunities:\n  - {unit: hq, offering: core, status: owned, arr: 10000}\n"
        "revenue:\n  - {period: 2025-Q3, arr: 50000}\n  - {period: 2026-Q3, arr: 50000}\n")
    found = _codes(cli, root, text)
    assert "the owned cells add up to 10,000, but ARR now is 50,000" in found["W505"][0]["message"]
    assert "status says churned, but the revenue says active" in found["W507"][0]["message"]
    stale = _codes(cli, root, HEAD.replace("EXTRA", "") + "revenue:\n  - {period: 2025-Q3, arr: 1}\n"
                                                          "  - {period: 2026-Q1, arr: 1}\n")
    assert "revenue data ends at 2026-Q1" in stale["W506"][0]["message"]
    assert "W507" not in _codes(cli, root, HEAD.replace("EXTRA", "").replace("wallet: 100000", "status: prospect"))


def test_renewal_risk_unless_someone_works_on_it(cli, root):
    contract = ("contracts:\n  - {id: c1, title: Core subscription, offerings: [core], end: 2027-01-31, "
                "notice_days: 60, arr: 40000}\n  - {id: c2, offerings: [bi], end: 2028-01-31}\n")
    text = HEAD.replace("EXTRA", "") + UNITS + "team: [{id: kam, name: Kim}]\n" + contract
    found = _codes(cli, root, text)
    assert [r["path"] for r in found["W508"]] == ["contracts[0]"]
    assert "ends 2027-01-31 (notice by 2026-12-02, ARR 40,000)" in found["W508"][0]["message"]
    action = "actions:\n  - {id: a1, title: Prepare the Core renewal, owner: kam, status: open}\n"
    assert "W508" not in _codes(cli, root, text + action)
    pipeline = "opportunities:\n  - {unit: hq, offering: core, status: pipeline, arr: 5000}\n"
    assert "W508" not in _codes(cli, root, text + pipeline)
    assert "E301" in _codes(cli, root, text.replace("offerings: [bi]", "offerings: [nope]"))


def test_nearest_renewal_in_the_report_and_health(cli, root):
    text = HEAD.replace("EXTRA", "") + (
        "stakeholders:\n  - {id: eb, name: Erin, roles: [economic_buyer]}\n"
        "revenue:\n  - {period: 2025-Q3, arr: 40000}\n  - {period: 2026-Q3, arr: 40000}\n"
        "contracts:\n  - {id: c1, title: Core subscription, end: 2027-01-31, notice_days: 60, arr: 40000}\n")
    (root / "account_plans" / "m.yaml").write_text(text, encoding="utf-8")
    report = json.loads(cli("report", "m", "--format", "json", "-o", "-", cwd=root).out)
    assert report["renewal"] == {"id": "c1", "title": "Core subscription", "end": "2027-01-31", "days": 62,
                                 "notice_by": "2026-12-02", "arr": 40000, "auto_renew": False, "status": "active",
                                 "at_risk": True}
    assert report["scores"]["health"]["details"]["parts"]["renewal"]["value"] == 0.0
    assert "Next renewal | Core subscription: 2027-01-31 (in 62 days, notice by 2026-12-02) **at risk**" in cli(
        "report", "m", "-o", "-", cwd=root).out


def test_recommendation_values_in_the_reporting_currency(cli, root):
    (root / "kamplan.yaml").write_text(CONFIG.replace("{today: 2026-11-30}",
                                                      "{today: 2026-11-30, currency: EUR, fx: {USD: 0.5}}"),
                                       encoding="utf-8")
    usd = HEAD.replace("EXTRA", "").replace("currency: EUR", "currency: USD") + UNITS + (
        "opportunities:\n  - {unit: hq, offering: core, status: whitespace, arr: 80000}\n")
    (root / "account_plans" / "m.yaml").write_text(usd, encoding="utf-8")
    jpy = usd.replace("currency: USD", "currency: JPY").replace("name: M", "name: J")
    (root / "account_plans" / "j.yaml").write_text(jpy, encoding="utf-8")
    recs = json.loads(cli("recommend", "--format", "json", cwd=root).out)
    money = {r["account"]: r for r in recs if r["value_basis"]}
    # a whitespace estimate of 80,000 USD is worth a tenth until it is a deal: 8,000 USD = 4,000 EUR
    assert money["m"]["currency"] == "EUR" and money["m"]["value"] == 4000
    assert money["m"]["value_basis"] == ("ARR 80,000 USD x 0.1 for an unqualified whitespace estimate; "
                                         "8,000 USD x 0.5 EUR/USD")
    assert money["j"]["value"] is None and "unconverted, no rate for JPY" in money["j"]["value_basis"]


@pytest.mark.parametrize("probability", ["1.5", "-0.1"])
def test_a_probability_outside_0_to_1_is_an_error(cli, root, probability):
    text = HEAD.replace("EXTRA", "") + UNITS + (
        f"opportunities:\n  - {{unit: hq, offering: core, status: pipeline, probability: {probability}}}\n")
    found = _codes(cli, root, text)
    assert found["E205"][0]["path"] == "opportunities[0].probability" and found["E205"][0]["line"] == 5
