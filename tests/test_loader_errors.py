"""Every bad-input class gets a positioned error (file:line:col, code, path, value), never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.conftest import VALID_PLAN

from kamplan.engine.accounts import load_portfolio
from kamplan.errors import Diagnostic
from kamplan.plugins import PluginHost


def diagnostics_of(path: Path) -> list[Diagnostic]:
    import kamplan

    return kamplan.validate([path], host=PluginHost(entry_points=False)).diagnostics


def only(diags: list[Diagnostic], code: str) -> Diagnostic:
    found = [d for d in diags if d.code == code]
    assert found, f"no {code} in {[d.format_text() for d in diags]}"
    return found[0]


def test_valid_plan_has_no_errors(write_plan):
    diags = diagnostics_of(write_plan(VALID_PLAN))
    assert [d for d in diags if d.severity == "error"] == []


def test_syntax_error_is_positioned(write_plan):
    d = only(diagnostics_of(write_plan("kamplan: 1\naccount: {name: [unclosed\n")), "E100")
    assert (d.line, d.severity) == (3, "error")
    assert d.file.endswith("acme.yaml")


def test_invalid_utf8_names_the_byte_and_position(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_bytes(b"kamplan: 1\naccount:\n  name: Caf\xe9\n")
    d = only(diagnostics_of(path), "E101")
    assert (d.line, d.column) == (3, 12)
    assert "0xe9" in d.message


def test_empty_file(write_plan):
    only(diagnostics_of(write_plan("# only a comment\n")), "E102")


def test_top_level_must_be_a_mapping(write_plan):
    d = only(diagnostics_of(write_plan("- a\n- b\n")), "E103")
    assert "a list" in d.message


def test_missing_version(write_plan):
    d = only(diagnostics_of(write_plan("account: {name: X}\n")), "E104")
    assert "reads version 1" in d.message


def test_unsupported_version_names_readable_versions(write_plan):
    d = only(diagnostics_of(write_plan("kamplan: 2\naccount: {name: X}\n")), "E105")
    assert (d.line, d.column) == (1, 10)
    assert "'2'" in d.message and "reads version 1" in d.message


def test_wrong_type_names_field_and_value(write_plan):
    d = only(diagnostics_of(write_plan("kamplan: 1\naccount: {name: X, wallet: lots}\n")), "E200")
    assert d.path == "account.wallet" and "'lots'" in d.message
    assert (d.line, d.column) == (2, 28)


def test_quoted_money_is_a_type_error(write_plan):
    d = only(diagnostics_of(write_plan('kamplan: 1\naccount: {name: X, wallet: "100"}\n')), "E200")
    assert "quoted" in d.message


def test_unknown_enum_lists_allowed_values(write_plan):
    text = VALID_PLAN.replace("attitude: supporter", "attitude: fan")
    d = only(diagnostics_of(write_plan(text)), "E201")
    assert d.path == "stakeholders[0].attitude"
    assert "'fan'" in d.message and "champion" in d.message
    assert d.line == 10


def test_unknown_field_points_at_the_key_and_suggests(write_plan):
    text = VALID_PLAN.replace("reports_to: ceo", "report_to: ceo")
    d = only(diagnostics_of(write_plan(text)), "E202")
    assert d.path == "stakeholders[1].report_to"
    assert "did you mean 'reports_to'" in d.message
    assert d.line == 11


def test_missing_required_field(write_plan):
    d = only(diagnostics_of(write_plan("kamplan: 1\naccount: {tier: key}\n")), "E203")
    assert d.path == "account.name"


def test_bad_id_slug(write_plan):
    d = only(diagnostics_of(write_plan(VALID_PLAN.replace("id: cfo", "id: Frank Smith"))), "E204")
    assert "'Frank Smith'" in d.message


def test_bad_date(write_plan):
    d = only(diagnostics_of(write_plan(VALID_PLAN.replace("reviewed: 2026-10-01", "reviewed: 2026-13-01"))), "E205")
    assert d.path == "account.reviewed"


def test_duplicate_mapping_key(write_plan):
    d = only(diagnostics_of(write_plan("kamplan: 1\naccount:\n  name: A\n  name: B\n")), "E111")
    assert (d.line, d.column) == (4, 3)
    assert "'name'" in d.message and "line 3" in d.message


def test_duplicate_id(write_plan):
    d = only(diagnostics_of(write_plan(VALID_PLAN.replace("id: cfo", "id: ceo"))), "E300")
    assert d.path == "stakeholders[1].id" and "'ceo'" in d.message and d.line == 11


def test_unknown_reference(write_plan):
    d = only(diagnostics_of(write_plan(VALID_PLAN.replace("reports_to: ceo", "reports_to: boss"))), "E301")
    assert d.path == "stakeholders[1].reports_to" and "'boss'" in d.message


def test_self_report_is_a_loop(write_plan):
    d = only(diagnostics_of(write_plan(VALID_PLAN.replace("reports_to: ceo", "reports_to: cfo"))), "E302")
    assert "'cfo' reports to themself" in d.message


def test_reports_to_loop_names_its_members(write_plan):
    text = VALID_PLAN.replace("roles: [economic_buyer]", "reports_to: cfo, roles: [economic_buyer]")
    d = only(diagnostics_of(write_plan(text)), "E302")
    assert "ceo -> cfo -> ceo" in d.message


def test_duplicate_opportunity_cell(write_plan):
    text = VALID_PLAN + "opportunities:\n  - {unit: hq, offering: x, status: owned}\n"
    text += "  - {unit: hq, offering: x, status: pipeline}\n"
    text += "offerings:\n  - {id: x, name: X}\n"
    d = only(diagnostics_of(write_plan(text)), "E303")
    assert "(hq, x)" in d.message and d.path == "opportunities[1]"


def test_mixed_revenue_granularity(write_plan):
    text = VALID_PLAN + "revenue:\n  - {period: 2026-Q1, arr: 1}\n  - {period: 2026-05, arr: 2}\n"
    d = only(diagnostics_of(write_plan(text)), "E304")
    assert "'2026-05'" in d.message and d.path == "revenue[1].period"


def test_conflicting_person_declaration(tmp_path, write_plan):
    (tmp_path / "kamplan.yaml").write_text("kamplan: 1\npeople:\n  - {id: jdoe, name: Janet Doe}\n")
    d = only(diagnostics_of(write_plan(VALID_PLAN)), "E305")
    assert "'Jane Doe'" in d.message and "'Janet Doe'" in d.message


def test_python_tag_is_refused_and_never_executed(write_plan, tmp_path):
    marker = tmp_path / "pwned"
    text = f"kamplan: 1\naccount:\n  name: !!python/object/apply:os.system ['touch {marker}']\n"
    d = only(diagnostics_of(write_plan(text)), "E106")
    assert "python/object/apply" in d.message and d.line == 3
    assert not marker.exists()


def test_billion_laughs_fails_fast(write_plan):
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 10):
        lines.append(f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]")
    path = write_plan("kamplan: 1\n" + "\n".join(lines) + "\n")
    d = only(diagnostics_of(path), "E108")
    assert "billion laughs" in d.message and d.line == 6  # refused at the fifth level, long before 10**9


def test_file_size_limit(write_plan, monkeypatch):
    import kamplan.parse.reader as yr

    monkeypatch.setattr(yr, "MAX_FILE_BYTES", 100)
    d = only(diagnostics_of(write_plan(VALID_PLAN)), "E109")
    assert "KAMPLAN_MAX_FILE_BYTES" in d.message


def test_nesting_depth_limit(write_plan):
    d = only(diagnostics_of(write_plan("kamplan: 1\ncustom: " + "[" * 500 + "]" * 500 + "\n")), "E110")
    assert d.line == 2


def test_all_problems_of_a_file_are_reported(write_plan):
    text = VALID_PLAN.replace("attitude: supporter", "attitude: fan").replace("reports_to: ceo", "report_to: ceo")
    text = text.replace("strength: strong", "strength: mighty")
    codes = sorted(d.code for d in diagnostics_of(write_plan(text)) if d.severity == "error")
    assert codes == ["E201", "E201", "E202"]


def test_integrity_errors_are_all_reported(write_plan):
    text = VALID_PLAN.replace("reports_to: ceo", "reports_to: nobody").replace("team: jdoe", "team: ghost")
    codes = sorted(d.code for d in diagnostics_of(write_plan(text)) if d.severity == "error")
    assert codes == ["E301", "E301"]


def test_bad_plan_does_not_stop_other_plans(tmp_path, write_plan):
    folder = tmp_path / "account_plans"
    write_plan(VALID_PLAN, "good.yaml", folder)
    write_plan("kamplan: 1\naccount: [\n", "bad.yaml", folder)
    portfolio = load_portfolio([tmp_path], host=PluginHost(entry_points=False))
    assert [a.id for a in portfolio.accounts] == ["good"]
    assert [d.code for d in portfolio.diagnostics] == ["E100"]


@pytest.mark.parametrize(
    "text",
    ["kamplan: 1\naccount: {name: [unclosed\n", "\xff", "- 1\n", "kamplan: 9\n", "kamplan: 1\naccount: {x: 1}\n",
     "a: !!python/name:os.system\n", "kamplan: 1\naccount: {name: X}\nstakeholders: 3\n", "{{{{", "&a [*a]"],
)
def test_cli_never_prints_a_traceback(cli, write_plan, text):
    result = cli("validate", str(write_plan(text)))
    assert result.code == 1
    assert "Traceback" not in result.out + result.err
    assert "error E1" in result.out or "error E2" in result.out
