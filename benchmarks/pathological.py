"""Linear time on hostile input: 100 KB values that make naive regexes quadratic.

Each case is one plan whose single note (or key) is 100 KB of one pattern. The floor is yaml-rs
parsing the same file; the ratio is ``kamplan validate --no-cache`` in-process (read, model, rules)
over that floor, and ``kamplan fmt --check``. A quadratic regex shows as a ratio in the thousands.

    python benchmarks/pathological.py
"""

from __future__ import annotations

import contextlib
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import yaml_rs

from kamplan.cli import main

HEAD = "kamplan: 1\naccount: {id: x, name: X}\nstakeholders:\n  - id: p\n    name: P\n"
CASES = {
    "brackets": "    notes: " + "[" * 100_000,
    "quoted brackets": '    notes: "' + "[" * 100_000 + '"',
    "colons": "    notes: x" + " :" * 50_000,
    "braces": "    notes: x" + "{" * 100_000,
    "dashes": "    notes: " + "- " * 50_000,
    "quotes": "    notes: '" + "''" * 50_000 + "'",
    "long key": "    " + "k" * 100_000 + ": 1",
    "flow words": "    custom: {note: " + "x " * 50_000 + "}",
}


def best(func, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        with open(os.devnull, "w") as sink, contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
            started = time.perf_counter()
            func()
            times.append(time.perf_counter() - started)
    return min(times)


def main_() -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "x.yaml"
        print(f"{'case':18} {'floor ms':>9} {'validate x':>11} {'fmt x':>7}")
        ratios = []
        for name, body in CASES.items():
            text = HEAD + body + "\n"
            path.write_text(text, encoding="utf-8")

            def floor() -> None:
                with contextlib.suppress(Exception):  # a refused file still costs a parse
                    yaml_rs.loads(path.read_text(encoding="utf-8"), parse_datetime=False)

            base = best(floor)
            validate = best(lambda: main(["validate", "--no-cache", str(path)]))
            fmt = best(lambda: main(["fmt", "--check", str(path)]))
            ratios.append(validate / base)
            print(f"{name:18} {base * 1e3:9.2f} {validate / base:11.1f} {fmt / base:7.1f}", file=sys.stdout)
        print(f"median validate ratio {statistics.median(ratios):.1f}x")


if __name__ == "__main__":
    main_()
