"""Trailing-twelve-month cohort KPIs (insights.md), every figure computed by hand below.

The portfolio, as of 2026-11-30 (settings.today), reporting in EUR with 1 USD = 0.9 EUR:

- ``a`` (EUR, quarterly, wallet 400,000): 2025-Q3 100,000; 2025-Q4 100,000; 2026-Q1 110,000 (no
  breakdown: +10,000 expansion); 2026-Q2 110,000; 2026-Q3 120,000 with expansion 30,000 and contraction
  10,000, which explains +20,000 of a +10,000 change: residual -10,000, counted as contraction; 2026-Q4
  130,000 is a forecast. now 2026-Q3, then 2025-Q3: E 40,000, C 20,000, X 0; NRR 1.2, GRR 0.8,
  expansion rate 0.4, share of wallet 0.3.
- ``b`` (USD, quarterly, child of ``p``): 50,000; 40,000; then 0 in 2026-Q1, Q2 and Q3 (the zero rows
  continue): C 10,000, X 40,000; NRR 0, GRR 0, logo churn 1; status churned.
- ``p`` (EUR, yearly, parent of ``a`` and ``b``): 2024 200,000; 2025 220,000. now 2025 (2026 is not
  closed on 2026-11-30), then 2024: NRR 1.1, E 20,000.
- ``d`` new (first row 2026-Q2), ``e`` prospect (no rows, wallet 100,000), ``f`` gap (no 2025-Q3 row),
  ``g`` stale (data ends 2026-Q1), ``h`` unconverted (JPY, no rate).

Cohort a, b, p, in EUR: now 120,000 + 0 + 220,000 = 340,000; then 100,000 + 45,000 + 200,000 = 345,000;
retained 80,000 + 0 + 200,000 = 280,000; expansion 40,000 + 0 + 20,000 = 60,000. NRR 340/345 = 0.9855,
GRR 280/345 = 0.8116, expansion rate 60/345 = 0.1739, logo churn 1/3. ARR now of every converted
account with a known ARR: 340,000 + d 15,000 + e 0 + f 36,000 = 391,000, so the cohort is 86.96% of it.
Share of wallet over accounts with a wallet: (120,000 + 0) / (400,000 + 100,000) = 0.24.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import kamplan
from kamplan.plugins import PluginHost

HOST = PluginHost(entry_points=False)
CONFIG = "kamplan: 1\nsettings: {today: 2026-11-30, currency: EUR, fx: {USD: 0.9}}\n"
HEAD = "kamplan: 1\naccount: {{name: {name}, currency: {currency}, reviewed: 2026-10-01{extra}}}\n"
PLANS = {
    "a": ("EUR", ", wallet: 400000, parent: p",
          ["2025-Q3, arr: 100000", "2025-Q4, arr: 100000", "2026-Q1, arr: 110000", "2026-Q2, arr: 110000",
           "2026-Q3, arr: 120000, expansion: 30000, contraction: 10000", "2026-Q4, arr: 130000"]),
    "b": ("USD", ", parent: p", ["2025-Q3, arr: 50000", "2025-Q4, arr: 40000", "2026-Q1, arr: 0",
                                 "2026-Q2, arr: 0", "2026-Q3, arr: 0"]),
    "p": ("EUR", "", ["'2024', arr: 200000", "'2025', arr: 220000"]),
    "d": ("EUR", "", ["2026-Q2, arr: 10000", "2026-Q3, arr: 15000"]),
    "e": ("EUR", ", wallet: 100000", []),
    "f": ("EUR", "", ["2025-Q1, arr: 30000", "2025-Q2, arr: 30000", "2026-Q3, arr: 36000"]),
    "g": ("EUR", "", ["2025-Q3, arr: 10000", "2026-Q1, arr: 12000"]),
    "h": ("JPY", "", ["2025-Q3, arr: 1000000", "2026-Q3, arr: 1000000"]),
}


@pytest.fixture
def ttm(tmp_path: Path) -> Path:
    (tmp_path / "kamplan.yaml").write_text(CONFIG, encoding="utf-8")
    plans = tmp_path / "account_plans"
    plans.mkdir()
    for name, (currency, extra, rows) in PLANS.items():
        text = HEAD.format(name=name.upper(), currency=currency, extra=extra)
        text += "revenue:\n" + "".join(f"  - {{period: {row}}}\n" for row in rows) if rows else "revenue: []\n"
        (plans / f"{name}.yaml").write_text(text, encoding="utf-8")
    return tmp_path


def _accounts(report):
    return {a["account"]: a for a in report["accounts"]}


def test_each_account_by_hand(ttm):
    report = kamplan.kpi([ttm], host=HOST)
    assert (report["as_of"], report["currency"]) == ("2026-11-30", "EUR")
    rows = _accounts(report)
    a = rows["a"]
    assert (a["status"], a["period_then"], a["period_now"], a["arr_then"], a["arr_now"]) == (
        "active", "2025-Q3", "2026-Q3", 100000, 120000)
    assert (a["expansion"], a["contraction"], a["churn"]) == (40000, 20000, 0)
    assert (a["nrr"], a["grr"], a["expansion_rate"], a["logo_churn"], a["share_of_wallet"]) == (1.2, 0.8, 0.4, 0, 0.3)
    assert a["residuals"] == [{"period": "2026-Q3", "residual": -10000}] and a["forecast"] == ["2026-Q4"]
    b = rows["b"]
    assert (b["status"], b["nrr"], b["grr"], b["logo_churn"], b["contraction"], b["churn"]) == (
        "churned", 0, 0, 1, 10000, 40000)
    p = rows["p"]
    assert (p["period_then"], p["period_now"], p["nrr"], p["expansion"]) == ("2024", "2025", 1.1, 20000)
    assert {k: (rows[k]["status"], rows[k]["left_out"]) for k in "defg"} == {
        "d": ("active", "new"), "e": ("prospect", "prospect"), "f": ("active", "gap"), "g": ("active", "stale")}
    assert rows["e"]["share_of_wallet"] == 0 and rows["e"]["arr_now"] == 0
    assert rows["g"]["arr_now"] is None and "2026-Q1" in rows["g"]["left_out_detail"]


def test_portfolio_and_group_are_ratios_of_sums_in_one_currency(ttm):
    report = kamplan.kpi([ttm], host=HOST)
    portfolio = report["portfolio"]
    assert (portfolio["nrr"], portfolio["grr"], portfolio["expansion_rate"], portfolio["logo_churn"]) == (
        0.9855, 0.8116, 0.1739, 0.3333)
    assert (portfolio["accounts_in"], portfolio["accounts_total"], portfolio["arr_share_in"]) == (3, 8, 0.8696)
    assert (portfolio["arr_now"], portfolio["arr_then"], portfolio["share_of_wallet"]) == (391000, 345000, 0.24)
    assert {(x["account"], x["reason"]) for x in portfolio["left_out"]} == {
        ("d", "new"), ("e", "prospect"), ("f", "gap"), ("g", "stale"), ("h", "unconverted")}
    assert "JPY" in next(x["detail"] for x in portfolio["left_out"] if x["account"] == "h")
    group = next(g for g in report["groups"] if g["account"] == "p")
    assert (group["nrr"], group["grr"], group["accounts_in"], group["accounts_total"], group["currency"]) == (
        0.9855, 0.8116, 3, 3, "EUR")


def test_as_of_moves_the_window(ttm, cli):
    with kamplan.as_of("2026-06-30"):
        rows = _accounts(kamplan.kpi([ttm], host=HOST))
    assert (rows["a"]["period_now"], rows["a"]["left_out"]) == ("2026-Q2", "new")  # no 2025-Q2 row
    assert rows["p"]["period_now"] == "2025"
    late = json.loads(cli("kpi", "--format", "json", "--as-of", "2027-01-15", cwd=ttm).out)
    rows = _accounts(late)
    assert late["as_of"] == "2027-01-15"
    assert (rows["p"]["period_now"], rows["p"]["left_out"]) == ("2026", "stale")
    assert (rows["a"]["period_now"], rows["a"]["arr_now"]) == ("2026-Q4", 130000)  # the forecast is now actual
    assert rows["b"]["status"] == "churned" and rows["b"]["left_out"] is None  # zeros carried: still counted


def test_the_same_figures_from_the_library_the_cli_and_the_site(ttm, cli):
    library = kamplan.kpi([ttm], host=HOST)
    result = cli("kpi", "--format", "json", cwd=ttm)
    assert json.loads(result.out) == json.loads(json.dumps(library))
    table = cli("kpi", cwd=ttm).out
    assert "as of 2026-11-30" in table and "in EUR" in table and "3 of 8 accounts, 87% of ARR" in table
    assert cli("site", "-o", ttm / "site", cwd=ttm).code == 0
    page = (ttm / "site" / "index.html").read_text(encoding="utf-8")
    assert "as of 2026-11-30" in page and "3 of 8 accounts, 87% of ARR" in page and "money in EUR" in page
    assert "99%" in page  # portfolio NRR 0.9855


def test_a_churned_account_stays_in_the_cohort_without_zero_rows(ttm):
    plan = ttm / "account_plans" / "b.yaml"
    plan.write_text(plan.read_text(encoding="utf-8").replace("  - {period: 2026-Q2, arr: 0}\n", "")
                    .replace("  - {period: 2026-Q3, arr: 0}\n", ""), encoding="utf-8")
    b = _accounts(kamplan.kpi([ttm], host=HOST))["b"]
    assert (b["status"], b["arr_now"], b["logo_churn"], b["left_out"]) == ("churned", 0, 1, None)


def test_no_roll_up_sums_two_currencies_without_a_rate(ttm):
    config = ttm / "kamplan.yaml"
    config.write_text(CONFIG.replace(", fx: {USD: 0.9}", ""), encoding="utf-8")
    portfolio = kamplan.kpi([ttm], host=HOST)["portfolio"]
    assert ("b", "unconverted") in {(x["account"], x["reason"]) for x in portfolio["left_out"]}
    assert portfolio["accounts_in"] == 2 and portfolio["nrr"] == round(340000 / 300000, 4)


def test_reporting_currency_defaults_to_the_most_accounts(ttm):
    (ttm / "kamplan.yaml").write_text("kamplan: 1\nsettings: {today: 2026-11-30}\n", encoding="utf-8")
    report = kamplan.kpi([ttm], host=HOST)
    assert report["currency"] == "EUR"  # six EUR accounts, one USD, one JPY


def test_outliers_need_twenty_accounts_and_only_flag_the_bad_side(ttm):
    anomalies = kamplan.kpi([ttm], host=HOST)["anomalies"]
    assert not [x for x in anomalies if "robust z" in x["message"]]
    kinds = {(x["account"], x["kpi"]) for x in anomalies}
    assert ("b", "nrr") in kinds and ("b", "grr") in kinds and ("g", "revenue") in kinds
    assert ("a", "nrr") not in kinds
