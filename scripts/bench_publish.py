#!/usr/bin/env python3
"""Benchmark of publishing the next revision of the real manual (issue 18, point 2), with and without the PDF edition.

    .venv/bin/python scripts/bench_publish.py              # ~3 minutes: history once, then 1.4 twice per round
    .venv/bin/python scripts/bench_publish.py --rounds 2

What it does:
1. copies the committed HEAD of this repository into a scratch git repository and publishes its history once
   (`manual publish`, without the PDF editions: only the new revision's publication is measured);
2. writes the next revision there as an editor would: a register entry 1.4 for one chapter, the chapter's edit, a
   commit;
3. publishes that revision with the real `manual publish` from two copies of that repository (the .git included),
   without (MANUAL_PUBLISH_PDF=0) and with the PDF edition, alternating per round; reads the progress lines
   (`[检查 k/n] …`, `[发布 k/n] …`) as they arrive, and times each step from its line to the next one;
4. prints per publication the wall time with its target (<= 15 s without the PDF edition, <= 45 s with it) and
   verdict, and each step's seconds and share of the whole (the interpreter's start before the first line is a
   step of its own).

The machine is shared (2 cores here): the load average is printed with each run.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import scratch

TARGETS = {False: 15.0, True: 45.0}
STEP = re.compile(r"^\[(\S+) (\d+)/(\d+)\] (.*)$")
ENV = scratch.ENV
ENTRY = """  - version: "1.4"
    kind: 发文修订
    notice: 衡总运〔2026〕40号
    issued: 2026-12-20
    effective: 2027-02-01
    summary: 第二章增加客户等候时的告知要求（基准测试用的修订）。
    reason: 基准测试：发布下一次修订所需的时间。
    prepared_by: 运营管理部 周敏
    reviewed_by: 行政部 陈立
    approved_by: 销售总部副总经理 何建华
    retrain: [前台接待员]
    supersedes: "1.3"
    changes:
      - page: 02-service.md
        description: 相关章节之后增加一段：客户等候超过约定时间时，主动告知处理进度。
"""
EDIT = "\n客户等候超过约定的时间时，{{ roles.front_desk }}应主动告诉客户处理进度和预计还要等多久。\n"


def log(message: str) -> None:
    print(message, flush=True)


def run(command: list[str], cwd: Path, env: dict | None = None) -> None:
    subprocess.run(command, cwd=cwd, env=env or ENV, check=True, capture_output=True)


def prepare(work: Path) -> Path:
    """The history published once, then revision 1.4 written and committed: the repository to publish from."""
    repo = scratch.repository(work / "prepared", "发布前的仓库")
    log("publishing the history once (no PDF editions) …")
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "opsmanual.cli", "publish"],
        cwd=repo,
        check=False,
        env={**ENV, "MANUAL_PUBLISH_PDF": "0"},
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        sys.exit(f"publishing the history failed:\n{result.stdout[-3000:]}{result.stderr[-3000:]}")
    log(f"history published in {time.perf_counter() - started:.0f} s")
    register = repo / "revisions.yml"
    text = register.read_text(encoding="utf-8")
    register.write_text(text.replace("revisions:\n", "revisions:\n" + ENTRY, 1), encoding="utf-8")
    chapter = repo / "docs" / "02-service.md"
    chapter.write_text(chapter.read_text(encoding="utf-8") + EDIT, encoding="utf-8")
    run(["git", "commit", "-qam", "第1版第4次修订：第二章"], repo)
    return repo


def publish(prepared: Path, target: Path, pdf: bool) -> tuple[float, float, list[tuple[str, float]], str]:
    """(wall seconds, CPU seconds, [(step, seconds)], output) of `manual publish` in a fresh copy of the prepared
    repository."""
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(prepared, target, symlinks=True)
    env = {**ENV, "MANUAL_PUBLISH_PDF": "1" if pdf else "0"}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "opsmanual.cli", "publish"],
        cwd=target,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        bufsize=1,
    )
    steps: list[tuple[str, float]] = [("启动（Python 和模块载入）", started)]
    output = []
    for line in process.stdout:
        output.append(line)
        match = STEP.match(line.rstrip("\n"))
        if match:
            steps.append(
                (f"[{match.group(1)} {match.group(2)}/{match.group(3)}] {match.group(4)}", time.perf_counter())
            )
    process.wait()
    ended = time.perf_counter()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    if process.returncode != 0:
        sys.exit(f"manual publish failed:\n{''.join(output)[-3000:]}")
    timed = [(name, (steps[i + 1][1] if i + 1 < len(steps) else ended) - at) for i, (name, at) in enumerate(steps)]
    return ended - started, cpu, timed, "".join(output)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="manual-bench-publish-"))
    results: dict[bool, list[tuple[float, list[tuple[str, float]]]]] = {False: [], True: []}
    try:
        prepared = prepare(work)
        for round_ in range(args.rounds):
            for pdf in (False, True):
                load = os.getloadavg()[0]
                wall, cpu, steps, output = publish(prepared, work / f"publish-{int(pdf)}", pdf)
                results[pdf].append((wall, steps))
                notes = [line.strip() for line in output.splitlines() if "预压缩" in line or "受控版本 PDF：" in line]
                log(
                    f"round {round_ + 1}, {'with' if pdf else 'without'} the PDF edition: {wall:.1f} s wall, "
                    f"{cpu:.1f} s CPU (load average before {load:.1f}); " + "; ".join(notes)
                )
        ok = True
        for pdf in (False, True):
            walls = [wall for wall, _ in results[pdf]]
            median = statistics.median(walls)
            passed = median <= TARGETS[pdf]
            ok = ok and passed
            log("")
            log(
                f"publishing 1.4 of the real manual {'WITH' if pdf else 'WITHOUT'} the PDF edition: median {median:.1f} s "
                f"(range {min(walls):.1f}–{max(walls):.1f}, {len(walls)} run{'s' if len(walls) > 1 else ''}); "
                f"target <= {TARGETS[pdf]:g} s: {'PASS' if passed else 'FAIL'}"
            )
            wall, steps = results[pdf][len(walls) // 2] if len(walls) > 1 else results[pdf][0]
            for name, seconds in steps:
                log(f"  {seconds:6.2f} s {100 * seconds / wall:5.1f}%  {name}")
        return 0 if ok else 1
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
