"""People who moved between accounts of the portfolio: found across plans, turned into actions.

A champion who changes jobs is the warmest lead there is (a buyer who knows our work, at a new
company) and a gap at the old account. Each plan gives the engine the identity evidence of its
people (:func:`identities`, a per-plan part); the portfolio step matches them (:func:`find_moves`)
and writes one recommendation at the new account and a note at the old one (:func:`move_actions`).

Two records are the same person when (docs/recommendations.md, "People who moved"):

1. they give the same e-mail address (trimmed, case-insensitive), or
2. the same LinkedIn profile (``linkedin.com/in/<name>``, whatever the scheme, ``www.`` or country
   sub-domain, query or trailing slash), or
3. neither of those contradicts (two different LinkedIn profiles are two people) and they have the
   same normalised name (accents, case, punctuation and spacing ignored) and one of them states the
   other's account as a former employer: a tag ``formerly:<account id>`` or ``custom.former_employer``
   (an account id or name, or a list of them).

The same name alone is never enough: two people called Anna Volkova are two people. An e-mail or
profile that two people of one plan share, or that more than four records give, is a shared
mailbox or a placeholder and proves nothing.

A match is a move from account A to account B when the person is ``left`` at A and not at B, or when
B's record states A as a former employer. A move is reported when the person was a champion, the
economic buyer or a decision maker at A, or is marked ``left`` there; someone active at both accounts
without a stated former employer (a board member of two companies) is not a move.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from itertools import chain
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kamplan.account import Account

FORMER_TAG = "formerly:"
DUE_DAYS = 14
# An e-mail or profile given to more records than this, or to two people of one plan, is a shared
# address or a placeholder, not one person's: it is not evidence.
MAX_SHARED = 4


def normalised_name(name: str) -> str:
    """A name as matching compares it: accents, case, punctuation and spacing ignored.

    That is: NFKD, combining marks dropped, case folded, every character that is neither a word
    character nor a space made a space, runs of spaces made one.
    """
    if name.isascii():
        folded = name.casefold()
    else:
        decomposed = unicodedata.normalize("NFKD", name)
        folded = "".join([c for c in decomposed if not unicodedata.combining(c)]).casefold()
    if folded.replace(" ", "").isalnum():  # nothing for the pattern to replace: the common case, ~40% faster
        return " ".join(folded.split())
    return " ".join(_NOT_WORD.sub(" ", folded).split())


_NOT_WORD = re.compile(r"[^\w\s]")


def linkedin_profile(url: str) -> str | None:
    """The profile a LinkedIn URL names (``in/<name>``), or None when it names none."""
    found = re.search(r"linkedin\.com/(in|pub)/([^/?#\s]+)", url.strip(), re.IGNORECASE)
    return f"in/{found.group(2).casefold()}" if found else None


def _key_role(person: Any) -> str | None:
    roles = person.roles
    if person.attitude == "champion" or "champion" in roles:
        return "our champion"
    if "economic_buyer" in roles:
        return "the economic buyer"
    if "decision_maker" in roles:
        return "a decision maker"
    return None


def _formerly(person: Any) -> list[str]:
    tags, given = person.tags, person.custom
    if not tags and not given:
        return []
    stated: list[str] = [t[len(FORMER_TAG):] for t in tags if t.casefold().startswith(FORMER_TAG)]
    custom = given.get("former_employer") if isinstance(given, dict) else None
    if isinstance(custom, str):
        stated.append(custom)
    elif isinstance(custom, list):
        stated += [c for c in custom if isinstance(c, str)]
    return sorted({normalised_name(s) for s in stated if s.strip()})


def identities(account: Account) -> dict[str, Any]:
    """One account's identity evidence: its ``people_keys`` part of the engine.

    Returns:
        ``{"account", "account_name", "currency", "employer", "keys"}`` with, per person who can take
        part in a move (an e-mail, a LinkedIn profile or a stated former employer; or ``left``; or a
        champion, economic buyer or decision maker), the fields of :data:`FIELDS`: what matching
        compares (id, name key, e-mail, profile, former employers, status, key role), then what an
        action about them says: their name, whether we cover them, and, for someone who can be the
        person at the old account of a move (``left``, or a key role), their title and our ties to
        them, strongest first (None for anyone else). So the portfolio step needs nothing but these parts.
    """
    # here, not at the top: a warm recommend finds moves without importing the plan models
    from kamplan.insights.coverage import coverage_of
    from kamplan.plan.model import STRENGTH_RANK

    team = account.team
    keys = []
    for person in account.plan.stakeholders:
        status = person.status
        if status == "placeholder":
            continue
        contact = person.contact
        email = linkedin = None
        if contact is not None:
            given_email, given_profile = contact.email, contact.linkedin
            email = given_email.strip().casefold() if given_email else None
            linkedin = linkedin_profile(given_profile) if given_profile else None
        formerly, key_role = _formerly(person), _key_role(person)
        if not (email or linkedin or formerly or key_role or status == "left"):
            continue
        person_id, name = person.id, person.name
        covered = status != "left" and coverage_of(account, person_id).covered
        title = ties = None
        if status == "left" or key_role:  # only they can be the old end of a move (see _direction)
            rels = [r for r in account.graph.relationships_of(person_id) if r.strength != "none"]
            rels.sort(key=lambda r: (-STRENGTH_RANK[r.strength],
                                     -(r.last_contact.toordinal() if r.last_contact else 0)))
            title = person.title
            ties = [[r.team, team[r.team].name if r.team in team and team[r.team].name else r.team, r.strength]
                    for r in rels]
        keys.append([person_id, normalised_name(name), email, linkedin, formerly, status, key_role,
                     name, covered, title, ties])
    return {"account": account.id, "account_name": account.name, "currency": account.plan.account.currency,
            "employer": sorted({normalised_name(account.id), normalised_name(account.name)}), "keys": keys}


# A ``people_keys`` entry's fields: what matching compares, then what an action says (see identities).
FIELDS = ("person", "name_key", "email", "linkedin", "formerly", "status", "key_role", "name", "covered", "title",
          "ties")
_EMAIL, _LINKEDIN, _NAME, _FORMERLY = 2, 3, 1, 4  # positions in a ``people_keys`` entry (FIELDS)


def _person(part: dict[str, Any], key: list[Any]) -> dict[str, Any]:
    """One person of a ``people_keys`` part as a record :func:`find_moves` compares."""
    return {"account": part["account"], "account_name": part["account_name"], "employer": part["employer"],
            **dict(zip(FIELDS, key, strict=True))}


def evidence(part: dict[str, Any]) -> list[str]:
    """What a ``people_keys`` part can be matched by, as short tokens (read by :func:`involved`).

    ``e:`` an e-mail, ``l:`` a LinkedIn profile, ``n:`` a name key, ``s:`` the name key of someone who
    states a former employer. Two parts can only hold the two ends of a move when they share an ``e:``
    or ``l:`` token, or an ``n:`` token that some part also gives as ``s:`` (the pairs :func:`find_moves`
    compares).
    """
    tokens = []
    for key in part["keys"]:
        for prefix, value in (("e:", key[_EMAIL]), ("l:", key[_LINKEDIN]), ("n:", key[_NAME])):
            if value:
                tokens.append(prefix + value)
        if key[_FORMERLY] and key[_NAME]:
            tokens.append("s:" + key[_NAME])
    return tokens


def involved(evidence_of: list[list[str]]) -> set[int]:
    """The positions of the parts that can take part in a move, from each part's :func:`evidence`.

    :func:`find_moves` over only these parts finds exactly what it finds over all of them: every pair
    it compares shares a token that this finds in two parts (an e-mail, a profile, or a name that
    someone states a former employer under), and all parts giving that token are kept.
    """
    parts_giving = Counter(chain.from_iterable(map(set, evidence_of)))  # each token: how many parts give it
    telling = {t for t, count in parts_giving.items() if count > 1
               and (not t.startswith(("n:", "s:")) or (t[0] == "n" and "s:" + t[2:] in parts_giving))}
    if not telling:
        return set()
    return {position for position, tokens in enumerate(evidence_of) if not telling.isdisjoint(tokens)}


@dataclass(frozen=True)
class Move:
    """One person found at two accounts, and which way they went."""

    old: dict[str, Any]
    new: dict[str, Any]
    matched_by: str


def _same_person(a: dict[str, Any], b: dict[str, Any]) -> str | None:
    """How ``a`` and ``b`` are known to be one person, or None."""
    if a["email"] and a["email"] == b["email"]:
        return "e-mail"
    if a["linkedin"] and a["linkedin"] == b["linkedin"]:
        return "LinkedIn profile"
    if a["linkedin"] and b["linkedin"]:
        return None  # two profiles: two people, whatever their names
    if a["name_key"] and a["name_key"] == b["name_key"] and (_states(b, a) or _states(a, b)):
        return "name and stated former employer"
    return None


def _states(person: dict[str, Any], employer: dict[str, Any]) -> bool:
    """Whether ``person`` states ``employer``'s account as a former employer."""
    return any(f in employer["employer"] for f in person["formerly"])


def find_moves(parts: list[dict[str, Any]]) -> list[Move]:
    """Every move among the ``people_keys`` parts of all accounts (see the module docstring), in a stable order.

    Only pairs that can match are compared: those sharing an e-mail or a LinkedIn profile, and, among
    namesakes, those where one states a former employer (a portfolio is full of common names). Only
    those people are turned into records.
    """
    emails: dict[str, list[tuple[int, int]]] = {}
    profiles: dict[str, list[tuple[int, int]]] = {}
    names: dict[str, list[tuple[int, int]]] = {}
    # names of which some record states a former employer: only those namesakes are grouped
    stating = {key[_NAME] for part in parts for key in part["keys"] if key[_FORMERLY] and key[_NAME]}
    for p, part in enumerate(parts):
        for k, key in enumerate(part["keys"]):
            if key[_EMAIL]:
                emails.setdefault(key[_EMAIL], []).append((p, k))
            if key[_LINKEDIN]:
                profiles.setdefault(key[_LINKEDIN], []).append((p, k))
            if key[_NAME] in stating:
                names.setdefault(key[_NAME], []).append((p, k))
    records: dict[tuple[int, int], dict[str, Any]] = {}

    def people(where: list[tuple[int, int]]) -> list[dict[str, Any]]:
        for spot in where:
            if spot not in records:
                records[spot] = _person(parts[spot[0]], parts[spot[0]]["keys"][spot[1]])
        return [records[spot] for spot in where]

    candidates: list[tuple[dict[str, Any], dict[str, Any]]] = []
    for kind in (emails, profiles):
        for where in kind.values():
            if len(where) < 2 or len(where) > MAX_SHARED or len({p for p, _ in where}) < len(where):
                continue  # one record, or a shared mailbox or a placeholder address, not one person's
            group = people(where)
            candidates += [(a, b) for i, a in enumerate(group) for b in group[i + 1:]]
    for where in names.values():  # the record at the new account states the old one
        if len(where) > 1:
            group = people(where)
            candidates += [(old, new) for new in group if new["formerly"] for old in group if _states(new, old)]
    found: dict[tuple[str, str, str, str], Move] = {}
    for a, b in candidates:
        if a["account"] == b["account"]:
            continue
        how = _same_person(a, b)
        move = _direction(a, b, how) if how else None
        if move is not None:
            found.setdefault((move.old["account"], move.old["person"], move.new["account"], move.new["person"]), move)
    return sorted(found.values(), key=lambda m: (m.new["account"], m.new["person"], m.old["account"]))


def _direction(a: dict[str, Any], b: dict[str, Any], how: str) -> Move | None:
    for old, new in ((a, b), (b, a)):
        left_there = old["status"] == "left" and new["status"] != "left"
        if (left_there or _states(new, old)) and new["status"] != "left" and (left_there or old["key_role"]):
            return Move(old, new, how)
    return None


def move_actions(moves: list[Move], as_of: dt.date, currency_of: dict[str, str | None]) -> list[dict[str, Any]]:
    """The recommendation at each new account and the note at each old one (records of ``kamplan recommend``).

    Args:
        moves: What :func:`find_moves` found.
        as_of: The as-of date (an action is due in 14 days).
        currency_of: Each account's currency, for the records' ``currency`` field.
    """
    out = []
    due = (as_of + dt.timedelta(days=DUE_DAYS)).isoformat()
    for move in moves:
        old, new = move.old, move.new
        formerly = " and ".join(x for x in (old["title"], old["key_role"]) if x)
        formerly = f"formerly {formerly} at {old['account_name']}" if formerly else f"formerly at {old['account_name']}"
        tie = old["ties"][0] if old["ties"] else None
        how = (f"reconnect through {tie[1]}" if tie else
               f"introduce us, citing our work with {old['account_name']}")
        if not new["covered"]:
            out.append(_record(new["account"], as_of, currency_of, kind="relationship",
                               title=f"{new['name']}, {formerly}, is now at {new['account_name']}: {how}",
                               reason=f"the same person ({move.matched_by}) as {old['name']} in the plan of "
                                      f"{old['account_name']}" + (f", who knew {tie[1]} ({tie[2]})" if tie else ""),
                               priority=1 if old["key_role"] else 2, owner=tie[0] if tie else None, due=due,
                               stakeholder=new["person"], move=move))
        out.append(_record(old["account"], as_of, currency_of, kind="relationship",
                           title=f"{old['name']} is now at {new['account_name']}"
                                 + (f": {old['key_role']} here has moved on" if old["key_role"] else ""),
                           reason=f"the same person ({move.matched_by}) as {new['name']} in the plan of "
                                  f"{new['account_name']}; mark them left here and find who takes over",
                           priority=2 if old["key_role"] else 3, owner=None, due=None,
                           stakeholder=old["person"], move=move))
    return out


def _record(account: str, as_of: dt.date, currency_of: dict[str, str | None], *, kind: str, title: str,
            reason: str, priority: int, owner: str | None, due: str | None, stakeholder: str,
            move: Move) -> dict[str, Any]:
    return {"account": account, "recommender": "movers", "kind": kind, "title": title, "reason": reason,
            "priority": priority, "value": None, "value_basis": None, "owner": owner, "due": due,
            "unit": None, "offering": None, "stakeholder": stakeholder,
            "details": {"from_account": move.old["account"], "from_person": move.old["person"],
                        "to_account": move.new["account"], "to_person": move.new["person"],
                        "matched_by": move.matched_by},
            "currency": currency_of.get(account), "as_of": as_of.isoformat()}
