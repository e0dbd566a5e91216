"""People who move between accounts (insights/movers.py): matched by e-mail, LinkedIn, or name plus a stated
former employer; never by name alone; turned into a recommendation at the new account and a note at the old."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import kamplan

NORDWIND = """\
kamplan: 1
account: {id: nordwind, name: Nordwind Logistics, tier: strategic, currency: EUR}
team: [{id: marta, name: Marta Kowalski}, {id: tom, name: Tom Berg}]
stakeholders:
  - {id: ceo, name: Lena Hoff, roles: [economic_buyer]}
  - id: volkova
    name: Anna Volkova
    title: CFO
    roles: [champion]
    status: left
    contact: {linkedin: "https://www.linkedin.com/in/anna-volkova-123/"}
  - {id: garcia, name: José García, title: Head of Procurement, roles: [decision_maker]}
  - {id: petrov, name: Ivan Petrov, title: CIO, roles: [economic_buyer], status: left}
  - {id: mail, name: Sam Lee, roles: [decision_maker], status: left, contact: {email: Sam.Lee@Example.org}}
relationships:
  - {team: tom, stakeholder: volkova, strength: medium, last_contact: 2026-01-10}
  - {team: marta, stakeholder: volkova, strength: strong, last_contact: 2026-03-01}
"""
HELIOS = """\
kamplan: 1
account: {id: helios, name: Helios Energy, tier: key, currency: GBP}
team: [{id: marta, name: Marta Kowalski}]
stakeholders:
  - {id: anna, name: Anna Volkova, title: VP Finance, contact: {linkedin: "linkedin.com/in/Anna-Volkova-123?trk=x"}}
  - {id: ivan, name: Ivan Petrov, title: CTO}
  - {id: jose, name: Jose Garcia, title: COO, tags: ["formerly:Nordwind Logistics"]}
  - {id: sam, name: Samuel Lee, contact: {email: " sam.lee@example.org"}}
relationships:
  - {team: marta, stakeholder: sam, strength: strong, last_contact: 2026-11-20}
"""
ORION = """\
kamplan: 1
account: {id: orion, name: Orion Bank}
stakeholders:
  - {id: anna, name: Anna Volkova, title: CFO, custom: {former_employer: nordwind},
     contact: {linkedin: "https://linkedin.com/in/another-anna"}}
"""


@pytest.fixture
def portfolio(tmp_path: Path) -> Path:
    plans = tmp_path / "account_plans"
    plans.mkdir()
    (tmp_path / "kamplan.yaml").write_text("kamplan: 1\nsettings: {today: 2026-12-01}\n", encoding="utf-8")
    for name, text in (("nordwind", NORDWIND), ("helios", HELIOS), ("orion", ORION)):
        (plans / f"{name}.yaml").write_text(text, encoding="utf-8")
    return tmp_path


def _movers(rows: list[dict]) -> dict[tuple[str, str], dict]:
    return {(r["account"], r["stakeholder"]): r for r in rows if r["recommender"] == "movers"}


def test_a_champion_who_moved_becomes_an_action_at_the_new_account(portfolio: Path):
    moves = _movers(kamplan.recommend([portfolio], per_account=None))
    anna = moves["helios", "anna"]
    assert anna["title"] == ("Anna Volkova, formerly CFO and our champion at Nordwind Logistics, is now at "
                             "Helios Energy: reconnect through Marta Kowalski")  # the strongest tie, not Tom
    assert anna["priority"] == 1 and anna["owner"] == "marta" and anna["due"] == "2026-12-15"
    assert anna["currency"] == "GBP" and anna["details"]["matched_by"] == "LinkedIn profile"
    note = moves["nordwind", "volkova"]
    assert note["title"] == "Anna Volkova is now at Helios Energy: our champion here has moved on"
    # name plus a stated former employer (accents and case ignored); she is still active at Nordwind
    jose = moves["helios", "jose"]
    assert jose["details"]["matched_by"] == "name and stated former employer"
    assert jose["title"].startswith("Jose Garcia, formerly Head of Procurement and a decision maker at Nordwind")
    assert "introduce us, citing our work with Nordwind Logistics" in jose["title"]  # nobody knew him


def test_namesakes_and_contradicting_profiles_are_not_matched(portfolio: Path):
    moves = _movers(kamplan.recommend([portfolio], per_account=None))
    # Ivan Petrov left Nordwind, an Ivan Petrov works at Helios: the same name, no other evidence
    assert ("helios", "ivan") not in moves and ("nordwind", "petrov") not in moves
    # Orion's Anna Volkova names Nordwind as former employer, but her LinkedIn profile is another one
    assert ("orion", "anna") not in moves


def test_someone_already_covered_at_the_new_account_needs_no_reconnect(portfolio: Path):
    moves = _movers(kamplan.recommend([portfolio], per_account=None))
    assert ("helios", "sam") not in moves  # matched by e-mail, but Marta already knows Samuel well
    assert moves["nordwind", "mail"]["details"]["matched_by"] == "e-mail"


def test_on_the_command_line_with_and_without_the_cache(cli, portfolio: Path):
    first = cli("recommend", "--format", "json", cwd=portfolio)
    again = cli("recommend", "--format", "json", cwd=portfolio)
    bare = cli("--no-cache", "recommend", "--format", "json", cwd=portfolio)
    assert first.code == 0, first.err
    assert first.out == again.out == bare.out
    rows = json.loads(first.out)
    assert rows == kamplan.recommend([portfolio])
    assert any(r["recommender"] == "movers" and r["account"] == "helios" for r in rows)
    table = cli("recommend", cwd=portfolio).out
    assert "reconnect through Marta" in table


def test_the_moves_are_kept_until_a_plan_changes(portfolio, monkeypatch):
    """The portfolio step's result is cached under all the plans' content keys: a run in which nothing
    changed matches nobody again; an edit to any plan does."""
    from kamplan.insights import movers

    monkeypatch.chdir(portfolio)
    first = kamplan.recommend(per_account=None)
    assert any(r["recommender"] == "movers" for r in first)
    calls = []
    real = movers.find_moves
    monkeypatch.setattr(movers, "find_moves", lambda parts: calls.append(1) or real(parts))
    assert kamplan.recommend(per_account=None) == first and calls == []
    assert kamplan.recommend(per_account=None, use_cache=False) == first and calls == [1]
    plan = portfolio / "account_plans" / "helios.yaml"
    plan.write_text(plan.read_text(encoding="utf-8").replace(", tags: [\"formerly:Nordwind Logistics\"]", ""),
                    encoding="utf-8")
    again = kamplan.recommend(per_account=None)
    assert calls == [1, 1] and again != first
    assert again == kamplan.recommend(per_account=None, use_cache=False)


_NAMES = st.sampled_from(["anna volkova", "ivan petrov", "li wei", ""])
_RECORD = st.tuples(
    st.text("abc", min_size=1, max_size=2), _NAMES, st.sampled_from([None, "x@e.org", "y@e.org", "z\x00@e.org"]),
    st.sampled_from([None, "in/a", "in/b"]), st.lists(st.sampled_from(["a0", "a1", "acme"]), unique=True, max_size=2),
    st.sampled_from(["active", "left", "leaving"]), st.sampled_from([None, "our champion", "a decision maker"]),
    st.just("Name"), st.booleans(), st.none(), st.none())


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(_RECORD, max_size=4), max_size=6))
def test_only_the_plans_sharing_evidence_are_needed_to_find_every_move(plans):
    """The portfolio step decodes only the plans :func:`involved` names; over them, find_moves finds
    exactly what it finds over every plan (drawn from few names, addresses and profiles, so they collide)."""
    from kamplan.engine.parts import people_keys_of, people_keys_text
    from kamplan.insights.movers import evidence, find_moves, involved

    parts = [{"account": f"a{i}", "account_name": f"A{i}", "currency": None, "employer": sorted({f"a{i}", "acme"}),
              "keys": [list(record) for record in records]} for i, records in enumerate(plans)]
    texts = [people_keys_text(part) for part in parts]
    read = [people_keys_of(text) for text in texts]
    assert [(account, json.loads(keys)) for account, _, keys in read] == [(p["account"], p) for p in parts]
    # the part's writer drops a NUL inside a token (it joins them with NULs)
    assert [tokens for _, tokens, _ in read] == [[t.replace("\x00", "") for t in evidence(p)] for p in parts]
    chosen = involved([tokens for _, tokens, _ in read])
    assert find_moves([parts[i] for i in sorted(chosen)]) == find_moves(parts)


def test_a_damaged_people_keys_part_is_refused():
    from kamplan.engine.parts import people_keys_of

    for text in ("", '{"account": "x"}', "\x00\x00{}"):
        with pytest.raises(ValueError):
            people_keys_of(text)


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12)
       | st.sampled_from(["İstanbul", "x\u0301y", "Ａｂｃ", "ǅemal", "straße", "ﬁne", "Ольга  Смирнова", "O'Brien"]))
def test_name_matching_normalises_as_its_definition_says(name):
    """NFKD, combining marks dropped, case folded, non-word characters made spaces, spaces collapsed."""
    import re
    import unicodedata

    from kamplan.insights.movers import normalised_name

    letters = "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c))
    assert normalised_name(name) == " ".join(re.sub(r"[^\w\s]", " ", letters.casefold()).split())


def test_the_moves_need_no_plan_computed_again(portfolio, monkeypatch):
    """What an action about a moved person says comes with each plan's own ``people_keys`` part: a cold
    run computes each plan once, and after an edit only the edited plan is computed."""
    from kamplan.engine import unit

    monkeypatch.chdir(portfolio)
    calls: list[str] = []
    real = unit.compute

    def counted(plan, parts=(), *args, **kwargs):
        calls.append(plan.name)
        return real(plan, parts, *args, **kwargs)

    monkeypatch.setattr(unit, "compute", counted)
    first = kamplan.recommend(per_account=None)
    assert sorted(calls) == sorted(p.name for p in (portfolio / "account_plans").iterdir())
    assert any(r["recommender"] == "movers" for r in first)
    calls.clear()
    plan = portfolio / "account_plans" / "orion.yaml"
    plan.write_text(plan.read_text(encoding="utf-8") + "# touched\n", encoding="utf-8")
    assert kamplan.recommend(per_account=None) == first
    assert calls == ["orion.yaml"]


def test_the_person_at_the_old_account_carries_title_and_ties(portfolio):
    """Only someone who can be the old end of a move (``left``, or a key role) carries a title and our
    ties (strongest first); everyone keyed carries a name and whether we cover them."""
    from kamplan.insights.movers import FIELDS, identities

    for account in kamplan.load_portfolio([portfolio]).accounts:
        for key in identities(account)["keys"]:
            row = dict(zip(FIELDS, key, strict=True))
            person = account.graph.stakeholder(row["person"])
            assert row["name"] == person.name
            if row["status"] == "left" or row["key_role"]:
                assert row["title"] == person.title
                ranks = [["none", "weak", "medium", "strong"].index(t[2]) for t in row["ties"]]
                assert ranks == sorted(ranks, reverse=True)
            else:
                assert row["title"] is None and row["ties"] is None
