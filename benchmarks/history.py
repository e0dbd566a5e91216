"""Time ``kamplan history`` over eight quarters against a cold ``validate --no-cache`` of the same portfolio.

    python benchmarks/history.py [--plans 1000] [--people 100] [--share 0.1] [--profiles handwritten,exported]

Each generated portfolio becomes a git repository with a commit before the first quarter and one in
each of the eight quarters after it; each quarterly commit edits a share of the plans (``--share``,
a tenth by default) as account managers do: a relationship's last contact moves, the review date
moves, a stakeholder's attitude changes, an interaction is logged. The floor is a cold
``validate --no-cache`` of the portfolio at its last commit, measured in the same run; history is
measured cold (no ``.kamplan_cache/``) and warm (run again, nothing changed). Ratios, not times.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from generate import write_portfolio  # noqa: E402
from run import KAMPLAN, run  # noqa: E402

SINCE, UNTIL = "2025-01-01", "2026-11-30"
# A commit before the first quarter's end, then one in the middle of each of the eight quarters.
COMMIT_DATES = ["2024-12-15", "2025-02-14", "2025-05-15", "2025-08-14", "2025-11-14", "2026-02-13",
                "2026-05-15", "2026-08-14", "2026-11-13"]
ATTITUDES = ["champion", "supporter", "neutral", "skeptic", "blocker"]


def git(args: list[str], cwd: Path, date: str | None = None) -> None:
    env = dict(os.environ, GIT_AUTHOR_NAME="Bench", GIT_AUTHOR_EMAIL="bench@example.com",
               GIT_COMMITTER_NAME="Bench", GIT_COMMITTER_EMAIL="bench@example.com")
    if date:
        env.update(GIT_AUTHOR_DATE=f"{date}T12:00:00", GIT_COMMITTER_DATE=f"{date}T12:00:00")
    subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True)


def edit(text: str, rng: random.Random, day: str, quarter: int) -> str:
    """A quarter's worth of an account manager's edits to one plan's text."""
    text = re.sub(r"reviewed: \d{4}-\d{2}-\d{2}", f"reviewed: {day}", text, count=1)
    contacts = list(re.finditer(r"last_contact: \d{4}-\d{2}-\d{2}", text))
    for match in rng.sample(contacts, min(3, len(contacts))):
        text = text[:match.start()] + f"last_contact: {day}" + text[match.end():]
    attitudes = list(re.finditer(r"attitude: (\w+)", text))
    if attitudes:
        match = rng.choice(attitudes)
        text = text[:match.start()] + f"attitude: {rng.choice(ATTITUDES)}" + text[match.end():]
    return text + f"# quarter {quarter}: reviewed with the account team\n"


def plan_texts(folder: Path) -> list[Path]:
    """The file of each plan that holds its relationships (plan.yaml of a folder plan)."""
    plans = folder / "account_plans"
    return sorted([*plans.glob("*.yaml"), *plans.glob("*/plan.yaml")])


def build_repository(folder: Path, plans: int, people: int, profile: str, share: float) -> None:
    """The portfolio with nine commits: the first, then one a quarter changing ``share`` of the plans."""
    if (folder / ".git").is_dir():
        return
    write_portfolio(folder, plans, people, profile=profile)
    git(["init", "-q", "-b", "main"], folder)
    git(["add", "-A"], folder)
    git(["commit", "-q", "-m", "Plans as of the annual review"], folder, COMMIT_DATES[0])
    rng = random.Random(41)
    files = plan_texts(folder)
    for quarter, day in enumerate(COMMIT_DATES[1:], start=1):
        for path in rng.sample(files, max(1, round(len(files) * share))):
            path.write_text(edit(path.read_text(encoding="utf-8"), rng, day, quarter), encoding="utf-8")
        git(["commit", "-q", "-am", f"Quarter {quarter} account reviews"], folder, day)


def measure(folder: Path, repeat: int) -> list[tuple[str, str]]:
    """Median ratios of history (cold, warm) to a cold validate --no-cache measured just before each."""
    cache = folder / ".kamplan_cache"
    history = ["history", "--since", SINCE, "--until", UNTIL, "--format", "json"]
    cold, warm, floors, peak = [], [], [], 0
    for _ in range(repeat):
        shutil.rmtree(cache, ignore_errors=True)
        floor, _ = run([*KAMPLAN, "validate", "--no-cache"], folder)
        shutil.rmtree(cache, ignore_errors=True)
        seconds, mb = run([*KAMPLAN, *history], folder)
        again, mb_again = run([*KAMPLAN, *history], folder)
        floors.append(floor)
        cold.append(seconds / floor)
        warm.append(again / floor)
        peak = max(peak, mb, mb_again)
    mid = len(cold) // 2
    return [("floor: validate --no-cache (cold)", f"{sorted(floors)[mid]:.2f}s"),
            ("history, 8 quarters, cold", f"{sorted(cold)[mid]:.2f}x  ({min(cold):.2f}-{max(cold):.2f}), "
                                          f"target <= 3.0x"),
            ("history, 8 quarters, warm (run again)", f"{sorted(warm)[mid]:.2f}x"),
            ("peak memory (with workers)", f"{peak} MB")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--plans", type=int, default=1000)
    parser.add_argument("--people", type=int, default=100)
    parser.add_argument("--share", type=float, default=0.1, help="share of the plans edited each quarter")
    parser.add_argument("--profiles", default="handwritten,exported")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--work", type=Path, help="folder to generate into (default: a temporary one)")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="kamplan-history-bench-"))
    for profile in args.profiles.split(","):
        folder = work / f"history-{profile}"
        build_repository(folder, args.plans, args.people, profile, args.share)
        print(f"[{profile}] {args.plans} plans x {args.people} people, {args.share:.0%} edited a quarter")
        for name, value in measure(folder, args.repeat):
            print(f"  {name:<42}{value}")
    print(f"(work folder: {work})")


if __name__ == "__main__":
    main()
