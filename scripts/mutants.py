"""Mutation testing of the register and the publish gates, with mutmut (configured in pyproject.toml, [tool.mutmut]).

mutmut changes opsmanual/data/register.py and opsmanual/control/gates.py one small edit at a time (a condition
negated, a comparison turned, a string or a number changed, a call dropped) and runs the fast tests that cover
the changed function (tests/test_data.py, tests/test_control.py) against each. A mutant the tests do not notice
"survives": a rule that could be broken without a test failing.

This script runs mutmut (one test process at a time: the machine is shared), prints killed and survived per
module, lists every survivor with its diff, and exits 1 when a survivor is in the publish gates or in the
register's rules (its module functions: the check_* rules, loading and reading the register). Survivors in the
data model's classes (Version, Revision, Register) are reported, not fatal.

    python scripts/mutants.py            # a fresh run (mutants/ is made again: about 15 minutes on 2 cores)
    python scripts/mutants.py --again    # keep mutmut's cache: only mutants without a verdict are run
    python scripts/mutants.py --report   # only report the last run
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MUTMUT = Path(sys.executable).with_name("mutmut")
# Where a survivor fails the run: every function of the gates, and the register's functions (its rules, and
# loading and reading it); mutmut names a module function x_<name>, a method xǁ<class>ǁ<name>.
GUARDED = (re.compile(r"^opsmanual\.control\.gates\."), re.compile(r"^opsmanual\.data\.register\.x_"))
NOT_KILLED = {"survived", "no tests", "suspicious", "skipped", "check was interrupted by user", "segfault"}


def mutmut(*args: str, capture: bool = False) -> subprocess.CompletedProcess:
    # the tests must import the mutated copy in mutants/, not the installed package
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    return subprocess.run([str(MUTMUT), *args], cwd=ROOT, env=env, text=True, check=False, capture_output=capture)


def results() -> dict[str, str]:
    """Every mutant's verdict, from mutmut's own record."""
    out = mutmut("results", "--all", "true", capture=True)
    if out.returncode != 0:
        sys.exit(f"mutmut results failed:\n{out.stdout}{out.stderr}")
    verdicts = {}
    for line in out.stdout.splitlines():
        name, sep, status = line.strip().rpartition(": ")
        if sep and "__mutmut_" in name:
            verdicts[name] = status
    return verdicts


def module_of(name: str) -> str:
    return name.split(".x_")[0].split(".xǁ")[0]


def guarded(name: str) -> bool:
    return any(pattern.search(name) for pattern in GUARDED)


def report(verdicts: dict[str, str]) -> int:
    by_module: dict[str, Counter] = defaultdict(Counter)
    for name, status in verdicts.items():
        by_module[module_of(name)][status] += 1
    print(f"{'module':32} {'mutants':>8} {'killed':>8} {'survived':>9} {'no tests':>9} {'other':>6}")
    for module, counts in sorted(by_module.items()):
        other = sum(n for s, n in counts.items() if s not in {"killed", "survived", "no tests"})
        print(
            f"{module:32} {sum(counts.values()):8} {counts['killed']:8} {counts['survived']:9} "
            f"{counts['no tests']:9} {other:6}"
        )
    survivors = sorted(name for name, status in verdicts.items() if status in NOT_KILLED)
    fatal = [name for name in survivors if guarded(name)]
    for name in survivors:
        print()
        print(f"{'FATAL ' if guarded(name) else ''}{name}: {verdicts[name]}")
        shown = mutmut("show", name, capture=True)
        print("\n".join(line for line in shown.stdout.splitlines() if not line.startswith("# ")))
    print()
    print(f"survivors: {len(survivors)}, of which in the gates and the register rules: {len(fatal)}")
    print("verdict:", "FAIL" if fatal else "PASS", "(target: 0 survivors in the gates and the register rules)")
    return 1 if fatal else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--again", action="store_true", help="keep mutmut's cache in mutants/")
    group.add_argument("--report", action="store_true", help="only report the last run")
    args = parser.parse_args(argv)
    if not MUTMUT.exists():
        sys.exit(f"mutmut is not installed beside {sys.executable}: pip install -e '.[test]'")
    if not args.report:
        if not args.again:
            shutil.rmtree(ROOT / "mutants", ignore_errors=True)
        run = mutmut("run", "--max-children", "1", capture=True)
        if run.returncode != 0:
            print(run.stdout[-4000:], run.stderr[-4000:], sep="\n")
            sys.exit("mutmut run failed (above)")
    verdicts = results()
    if not verdicts:
        sys.exit("mutmut recorded no mutants: run without --report first")
    return report(verdicts)


if __name__ == "__main__":
    sys.exit(main())
