"""Time kamplan against floors measured in the same run, and print ratios (not absolute times).

    python benchmarks/run.py [--plans 1000] [--people 100] [--big 20000] [--chart 5000] [--work DIR]

Floors: the bare yaml-rs parse and the bare PyYAML (libyaml) parse of the same files, and a bare
Graphviz render of the same DOT. Whole commands run as subprocesses, start-up included; peak memory
is the largest resident set of the command and its worker processes.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from generate import make_plan, write_portfolio  # noqa: E402

KAMPLAN = [sys.executable, "-m", "kamplan.cli"]


def timed(func, repeat: int = 1) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        best = min(best, time.perf_counter() - start)
    return best


def run(args: list[str], cwd: Path) -> tuple[float, int]:
    """Wall time and peak RSS (MB) of a whole command in a fresh process."""
    probe = ("import resource,subprocess,sys,time;t=time.perf_counter();"
             "subprocess.run(sys.argv[1:],stdout=subprocess.DEVNULL,stderr=subprocess.DEVNULL);"
             "print(time.perf_counter()-t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    out = subprocess.run([sys.executable, "-c", probe, *args], cwd=cwd, capture_output=True, text=True, check=True)
    seconds, kb = out.stdout.split()
    return float(seconds), int(kb) // 1024


def floors(files: list[Path]) -> tuple[float, float]:
    import yaml
    import yaml_rs

    texts = [f.read_text(encoding="utf-8") for f in files]
    rs = timed(lambda: [yaml_rs.loads(t) for t in texts], 3)
    py = timed(lambda: [yaml.load(t, Loader=yaml.CSafeLoader) for t in texts])
    return rs, py


def stages(root: Path) -> dict[str, float]:
    """In-process pipeline stages on one core (no cache, no workers)."""
    import gc

    from kamplan.engine.accounts import build_account
    from kamplan.plugins import PluginHost
    from kamplan.plugins.calls import run_rules
    from kamplan.read.discovery import discover, files_of_plan
    from kamplan.read.sources import load_config, read_plan_source, validate_source

    host = PluginHost(entry_points=False)
    plans = discover([root])
    out: dict[str, float] = {}
    gc.disable()
    start = time.perf_counter()
    raw = [f.read_bytes() for p in plans for f in files_of_plan(p)]
    out["read"] = time.perf_counter() - start
    del raw
    start = time.perf_counter()
    sources = [read_plan_source(p) for p in plans]
    out["parse (yaml-rs fast path and its checks; full reader where needed)"] = time.perf_counter() - start
    start = time.perf_counter()
    models = [validate_source(s) for s in sources]
    out["validate (pydantic)"] = time.perf_counter() - start
    info = load_config(root / "kamplan.yaml")
    ids = {p.stem for p in plans}
    accounts = [build_account(m, s, info, ids) for m, s in zip(models, sources, strict=True) if m]
    start = time.perf_counter()
    for account in accounts:
        _ = account.graph
    out["graph"] = time.perf_counter() - start
    start = time.perf_counter()
    for account in accounts:
        run_rules(account, host)
    out["rules (with the positions of their findings, found on demand)"] = time.perf_counter() - start
    gc.enable()
    return out


def plan_files(portfolio: Path) -> list[Path]:
    """Every YAML file of the portfolio's plans (the files of folder plans too)."""
    return sorted((portfolio / "account_plans").rglob("*.yaml"))


def touch(plan: Path) -> None:
    """Change a plan's bytes (a comment line), as an edit would."""
    plan.write_text(plan.read_text(encoding="utf-8") + "# touched\n", encoding="utf-8")


def portfolio_rows(folder: Path, profile: str, plans: int, people: int, repeat: int = 5
                   ) -> tuple[list[tuple[str, str, str]], int]:
    """Issue 10's targets on one generated portfolio: every analysing command cold and warm, the site.

    Returns:
        The table rows and the peak memory (MB) of the commands measured.
    """
    if not (folder / "account_plans").is_dir():
        write_portfolio(folder, plans, people, profile=profile)
    files = plan_files(folder)
    size = sum(f.stat().st_size for f in files) / 1e6
    rs, py = floors(files)
    check = subprocess.run([*KAMPLAN, "validate", "--no-cache"], cwd=folder, capture_output=True, text=True)
    warnings = int(check.stderr.strip().splitlines()[-1].split(" error(s), ")[1].split()[0])
    print(f"portfolio {profile}: {len(files)} files, {plans} plans x {people} people, {size:.1f} MB, "
          f"{warnings / plans:.0f} warnings a plan; floors: yaml-rs {rs:.2f}s, PyYAML+libyaml {py:.2f}s")
    rows: list[tuple[str, str, str]] = [(f"[{profile}] {plans} plans, {warnings / plans:.0f} warnings a plan, "
                                         f"yaml-rs floor {rs:.2f}s", "", "")]
    peak = 0

    cache = folder / ".kamplan_cache"

    def cold() -> None:
        shutil.rmtree(cache, ignore_errors=True)
        shutil.rmtree(folder / "site", ignore_errors=True)

    texts = [f.read_text(encoding="utf-8") for f in files]

    def floor_now() -> float:
        import yaml_rs

        return timed(lambda: [yaml_rs.loads(t) for t in texts], 1)

    def measure(label: str, args: list[str], target: str, before: Any = None) -> None:
        """The median of ``repeat`` ratios, each run over the mean of floors measured just before and just
        after it: these machines' speed drifts by up to 1.7x within a minute, and a floor on one side
        only reads a drift as kamplan's."""
        nonlocal peak
        ratios, top_mb = [], 0
        for _ in range(repeat):
            if before is not None:
                before()
            floor_before = floor_now()
            seconds, mb = run([*KAMPLAN, *args], folder)
            ratios.append(seconds / ((floor_before + floor_now()) / 2))
            top_mb = max(top_mb, mb)
        peak = max(peak, top_mb)
        ratios.sort()
        rows.append((f"  {label}", f"{ratios[len(ratios) // 2]:.2f}x  ({ratios[0]:.2f}-{ratios[-1]:.2f}, {top_mb} MB)",
                     target))

    measure("validate --no-cache (cold)", ["validate", "--no-cache"], "<= 2.0x", cold)
    run([*KAMPLAN, "validate"], folder)
    measure("validate, warm, nothing changed", ["validate"], "<= 0.25x")
    measure("validate, warm, one file touched", ["validate"], "<= 0.35x",
            lambda: touch(files[len(files) // 2]))
    for command in ("score", "kpi", "recommend"):
        measure(f"{command} (cold)", [command, "--format", "json"], "<= 3.0x", cold)
        measure(f"{command}, warm", [command, "--format", "json"], "<= 0.3x")
        measure(f"{command}, warm, as a table (the default)", [command], "<= 0.3x")
    measure("recommend (cold), as a table (the default)", ["recommend"], "<= 3.0x", cold)
    measure("site (cold)", ["site", "-o", "site"], "<= 6.0x", cold)
    measure("site, after one plan changed", ["site", "-o", "site"], "<= 1.0x", lambda: touch(files[len(files) // 3]))
    return rows, peak


def out_of_order(text: str) -> str:
    """The plan with its top-level sections in reverse order (``kamplan:`` first): work for ``fmt``."""
    import re

    starts = [m.start() for m in re.finditer(r"^[a-z_]+:", text, re.M)]
    sections = [text[a:b] for a, b in zip(starts, [*starts[1:], len(text)], strict=True)]
    return sections[0] + "".join(reversed(sections[1:]))


def fmt_rows(big_plan: Path, repeat: int = 5) -> list[tuple[str, str, str]]:
    """``fmt --check`` and ``fmt`` of one big plan against its own yaml-rs floor (the median of ``repeat``
    ratios, each over the mean of the floors measured just before and just after it)."""
    import yaml_rs

    folder = big_plan.parent.parent
    text = big_plan.read_text(encoding="utf-8")
    shuffled = big_plan.with_name("shuffled.yaml")

    def ratios(args: list[str], before: Any = None) -> str:
        found = []
        for _ in range(repeat):
            if before is not None:
                before()
            floor_before = timed(lambda: yaml_rs.loads(text))
            seconds = run([*KAMPLAN, *args], folder)[0]
            found.append(seconds / ((floor_before + timed(lambda: yaml_rs.loads(text))) / 2))
        found.sort()
        return f"{found[len(found) // 2]:.2f}x  ({found[0]:.2f}-{found[-1]:.2f}, own floor)"

    check = ratios(["fmt", "--check", str(big_plan)])
    written = ratios(["fmt", str(shuffled)], lambda: shuffled.write_text(out_of_order(text), encoding="utf-8"))
    shuffled.unlink()
    return [(f"fmt --check, {big_plan.stat().st_size / 1e6:.1f} MB plan", check, "<= 3.0x"),
            ("fmt of that plan", written, "<= 3.0x")]


def site_rows(work: Path, big_plan: Path, people: int) -> list[tuple[str, str, str]]:
    """The big account's site page in Chromium: first render, Expand all, a search (when a browser is here)."""
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return [("site page of the big account", "skipped: playwright not installed", "")]
    if not Path(chromium).exists():
        return [("site page of the big account", "skipped: no chromium", "")]
    folder = work / "bigsite"
    (folder / "account_plans").mkdir(parents=True, exist_ok=True)
    shutil.copy(big_plan.parent.parent / "kamplan.yaml", folder / "kamplan.yaml")
    shutil.copy(big_plan, folder / "account_plans" / big_plan.name)
    subprocess.run([*KAMPLAN, "site", "-o", str(folder / "site")], cwd=folder, check=True, capture_output=True)
    page_file = folder / "site" / "accounts" / f"{big_plan.stem}.html"
    rows = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--headless"])
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        start = time.perf_counter()
        page.goto(page_file.as_uri())
        page.wait_for_selector("#chart .node")
        rows.append((f"site page, {people:,} people: load and first render",
                     f"{time.perf_counter() - start:.2f}s, {page_file.stat().st_size / 1e6:.1f} MB", "responsive"))
        start = time.perf_counter()
        page.click("#expand-all")
        shown = page.evaluate("kamplanChart.state()")["visible"]
        took = time.perf_counter() - start
        rows.append(("  Expand all (within the 1,500-person budget)", f"{took:.2f}s, {shown:,} shown", ""))
        name = page.evaluate("JSON.parse(document.getElementById('chart-data').textContent).people.at(-1).name")
        start = time.perf_counter()
        page.evaluate("(n) => kamplanChart.search(n.toLowerCase())", name)
        rows.append(("  search for someone at the bottom", f"{time.perf_counter() - start:.2f}s", ""))
        browser.close()
    return rows


def compiled_as_installed() -> None:
    """Byte-compile kamplan's modules, as ``pip install`` does for an installed wheel.

    An editable install run with ``PYTHONDONTWRITEBYTECODE`` set (as on this machine) would compile
    every module from source in every command, about 0.1 s that no installed kamplan pays.
    """
    import compileall

    import kamplan

    compileall.compile_dir(Path(kamplan.__file__).parent, quiet=1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--plans", type=int, default=1000)
    parser.add_argument("--people", type=int, default=100)
    parser.add_argument("--big", type=int, default=20000, help="people in the single big account")
    parser.add_argument("--chart", type=int, default=5000, help="people in the charted account")
    parser.add_argument("--work", type=Path, help="folder to generate into (default: a temporary one)")
    parser.add_argument("--profiles", default="handwritten,exported", help="generator profiles to measure")
    parser.add_argument("--quick", action="store_true", help="only the portfolio targets and fmt")
    parser.add_argument("--repeat", type=int, default=5, help="runs of each portfolio command (the median is shown)")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="kamplan-bench-"))
    rows: list[tuple[str, str, str]] = []
    compiled_as_installed()
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
          f"{platform.system()} {platform.release()}")

    peak = 0
    portfolio = work / "portfolio"
    for profile in args.profiles.split(","):
        folder = work / f"portfolio-{profile}"
        profile_rows, profile_peak = portfolio_rows(folder, profile, args.plans, args.people, args.repeat)
        rows += profile_rows
        peak = max(peak, profile_peak)
        portfolio = folder
    rows.append(("peak memory of any of those commands (with its workers)", f"{peak} MB", "<= 500 MB"))
    stage_floor = floors(plan_files(portfolio))[0]
    for name, seconds in stages(portfolio).items():
        rows.append((f"stage: {name}", f"{seconds / stage_floor:.2f}x", ""))

    big = work / "big"
    (big / "account_plans").mkdir(parents=True, exist_ok=True)
    shutil.copy(portfolio / "kamplan.yaml", big / "kamplan.yaml")
    big_plan = big / "account_plans" / "big.yaml"
    if not big_plan.exists():
        big_plan.write_text(make_plan("big", "Big Telco", args.big, seed=11), encoding="utf-8")
    rows += fmt_rows(big_plan, args.repeat)
    if args.quick:
        print_rows(rows)
        return
    big_rs, _ = floors([big_plan])
    big_cold, _ = run([*KAMPLAN, "validate", "--no-cache", str(big_plan)], big)
    rows.append((f"validate {args.big:,}-person account, cold", f"{big_cold / big_rs:.2f}x (own floor)", "<= 2.0x"))
    tiny_plan = work / "tiny" / "account_plans" / "tiny.yaml"
    tiny_plan.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(portfolio / "kamplan.yaml", tiny_plan.parent.parent / "kamplan.yaml")
    tiny_plan.write_text(make_plan("tiny", "Tiny Ltd", 5, seed=1), encoding="utf-8")
    tiny_cold = min(run([*KAMPLAN, "validate", "--no-cache", str(tiny_plan)], tiny_plan.parent.parent)[0]
                    for _ in range(3))
    rows.append(("  of which start-up (validate of a five-person plan)", f"{tiny_cold / big_rs:.2f}x", ""))

    chart_plan = big / "account_plans" / "chart.yaml"
    if not chart_plan.exists():
        chart_plan.write_text(make_plan("chart", "Chart Corp", args.chart, seed=5), encoding="utf-8")
    dot_file = work / "chart.dot"
    subprocess.run([*KAMPLAN, "chart", str(chart_plan), "--format", "dot", "--max-nodes", str(args.chart + 1),
                    "-o", str(dot_file)], cwd=big, check=True, capture_output=True)
    from kamplan.render.engines import Embedded

    engine = Embedded.shared()
    dot_text = dot_file.read_text(encoding="utf-8")
    bare = timed(lambda: engine.render(dot_text, "svg"))
    whole, _ = run([*KAMPLAN, "chart", str(chart_plan), "--renderer", "embedded", "--max-nodes",
                    str(args.chart + 1), "-o", str(work / "chart.svg")], big)
    rows.append((f"chart {args.chart:,} people (embedded) vs bare Graphviz on the same DOT", f"{whole / bare:.2f}x",
                 "<= 1.5x"))
    import kamplan

    graph = kamplan.resolve_account(chart_plan).graph
    # a focus of a few hundred people: the (root, depth) whose subtree is closest to 300
    candidates = [(abs(len(graph.subtree(p.id, d)) - 300), p.id, d)
                  for p in graph.stakeholders()[:200] for d in range(1, 9)]
    _, root, depth = min(candidates)
    focused_dot = work / "focused.dot"
    subprocess.run([*KAMPLAN, "chart", str(chart_plan), "--root", root, "--depth", str(depth), "--format", "dot",
                    "-o", str(focused_dot)], cwd=big, check=True, capture_output=True)
    focused = timed(lambda: engine.render(focused_dot.read_text(encoding="utf-8"), "svg"))
    people = len(graph.subtree(root, depth))
    rows.append((f"focused chart (--root --depth {depth}, {people} people): layout", f"{focused:.2f}s", "< 1s"))
    huge, _ = run([*KAMPLAN, "chart", str(big_plan), "--renderer", "embedded", "-o", str(work / "huge.svg")], big)
    rows.append((f"chart {args.big:,} people (default budget, summarised)", f"{huge:.1f}s, "
                 f"{(work / 'huge.svg').stat().st_size // 1024} KB svg", "no crash, no hang"))

    rows += site_rows(work, big_plan, args.big)

    start_code = ("import sys;from kamplan.cli import main\ntry:\n main(['--version'])\nexcept SystemExit:\n pass\n"
                  "print(sorted(m for m in ('networkx','pydantic','graphviz','wasmtime') if m in sys.modules))")
    heavy = subprocess.run([sys.executable, "-c", start_code], capture_output=True, text=True).stdout.strip()
    rows.append(("kamplan --version imports of networkx/pydantic/graphviz/wasmtime", heavy.splitlines()[-1], "[]"))

    print_rows(rows)
    print(f"\n(work folder: {work}; max RSS of this script: "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024} MB)")


def print_rows(rows: list[tuple[str, str, str]]) -> None:
    """The result table."""
    width = max(len(r[0]) for r in rows) + 2
    print(f"\n{'measure':<{width}}{'result':<26}target")
    for name, value, goal in rows:
        print(f"{name:<{width}}{value:<26}{goal}")


if __name__ == "__main__":
    main()
