#!/usr/bin/env python3
"""Benchmark of the editor's loop (issue 18, point 1): save a file → the page open in a browser shows the change.

    .venv/bin/python scripts/bench_serve.py                # ~2 minutes
    .venv/bin/python scripts/bench_serve.py --edits 8

What it does: copies the committed HEAD of this repository into a scratch git repository, starts the real
`manual serve` there (opsmanual/serve.py, on a free loopback port) and waits for its first build. Then, with
Debian's Chromium (Playwright) on the page each edit shows on, it saves, E times each, a few seconds apart:
  - a chapter (docs/02-service.md, a sentence added; the browser on /02-service/),
  - a form's YAML (checklists/sos-02.yml, its first instruction changed; the browser on /forms/sos-02/),
  - the register (revisions.yml, the newest entry's summary changed; the browser on /revisions/),
and times from the save until the page in the browser shows the new words (its own livereload reloads it; the
script only reads the page, every 20 ms). Then twice two saves of the chapter 0.3 s apart (the second while the
first is being built), timed from the first save until the second's words are shown. Prints each time, the
median of each kind with the target (≤ 0.8 s) and verdict, and the load average.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import scratch

from opsmanual.render.diagrams import CHROMIUM, CHROMIUM_ARGS

ROOT = scratch.ROOT
TARGET = 0.8


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def served(url: str, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if b"</html>" in response.read():
                    return True
        except OSError:
            pass
        time.sleep(0.2)
    return False


def edit_chapter(repo: Path, marker: str) -> None:
    chapter = repo / "docs" / "02-service.md"
    chapter.write_text(chapter.read_text(encoding="utf-8") + f"\n{marker}\n", encoding="utf-8")


def edit_form(repo: Path, marker: str) -> None:
    form = repo / "checklists" / "sos-02.yml"
    text = re.sub(
        r"(instructions:\n  - )(?:基准标记\d+号。)?", rf"\g<1>{marker}", form.read_text(encoding="utf-8"), count=1
    )
    form.write_text(text, encoding="utf-8")


def edit_register(repo: Path, marker: str) -> None:
    register = repo / "revisions.yml"
    text = re.sub(
        r"(\n    summary: )(?:基准标记\d+号。)?", rf"\g<1>{marker}", register.read_text(encoding="utf-8"), count=1
    )
    register.write_text(text, encoding="utf-8")


KINDS = [
    ("chapter", "/02-service/", edit_chapter),
    ("form YAML", "/forms/sos-02/", edit_form),
    ("register", "/revisions/", edit_register),
]


def shown_after(page, marker: str, started: float, timeout: float = 60) -> float:
    while time.perf_counter() - started < timeout:
        with contextlib.suppress(Exception):  # while the page reloads, its context is gone for a moment
            if page.evaluate("m => document.body && document.body.innerText.includes(m)", marker):
                return time.perf_counter() - started
        time.sleep(0.02)
    return float("inf")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--edits", type=int, default=5, help="saves of each kind (default 5)")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    work = Path(tempfile.mkdtemp(prefix="manual-bench-serve-"))
    repo = scratch.repository(work / "repo")
    env = scratch.ENV
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with open(work / "serve.log", "w") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "opsmanual.cli", "serve"],
            cwd=repo,
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**env, "MANUAL_ADDR": f"127.0.0.1:{port}"},
        )
    times: dict[str, list[float]] = {kind: [] for kind, _, _ in KINDS}
    overlapping: list[float] = []
    number = 0
    try:
        started = time.perf_counter()
        if not served(f"{base}/02-service/", 180):
            sys.exit("manual serve did not serve the chapter in 180 s:\n" + (work / "serve.log").read_text()[-3000:])
        print(
            f"first build served after {time.perf_counter() - started:.1f} s; load average {os.getloadavg()[0]:.1f}",
            flush=True,
        )
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page()
            for kind, path, edit in KINDS:
                page.goto(base + path)
                time.sleep(2)  # its livereload poll is waiting
                for _ in range(args.edits):
                    number += 1
                    marker = f"基准标记{number}号。"
                    started = time.perf_counter()
                    edit(repo, marker)
                    times[kind].append(shown_after(page, marker, started))
                    print(f"  {kind}: shown after {times[kind][-1]:.2f} s", flush=True)
                    time.sleep(6)  # the whole site is built in the background meanwhile
            page.goto(base + "/02-service/")
            time.sleep(2)
            for _ in range(2):
                number += 2
                started = time.perf_counter()
                edit_chapter(repo, f"基准标记{number - 1}号。")
                time.sleep(0.3)
                edit_chapter(repo, f"基准标记{number}号。")
                overlapping.append(shown_after(page, f"基准标记{number}号。", started))
                print(
                    f"  overlapping saves: the second of two saves 0.3 s apart shown {overlapping[-1]:.2f} s after "
                    "the first",
                    flush=True,
                )
                time.sleep(6)
            browser.close()
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
        shutil.copy(work / "serve.log", ROOT / "test-artefacts" / "bench-serve.log") if (
            ROOT / "test-artefacts"
        ).is_dir() else None
        shutil.rmtree(work, ignore_errors=True)
    print(
        f"\nsave → the open page shows it (manual serve, real manual, Chromium); load average {os.getloadavg()[0]:.1f}"
    )
    verdicts = []
    for kind, values in times.items():
        median = statistics.median(values)
        verdicts.append(median <= TARGET)
        print(
            f"  {kind:9s}: median {median:.2f} s (range {min(values):.2f}–{max(values):.2f}, n={len(values)}); "
            f"target ≤ {TARGET} s: {'PASS' if median <= TARGET else 'FAIL'}"
        )
    print("  overlapping saves (second shown, from the first save): " + ", ".join(f"{s:.2f} s" for s in overlapping))
    return 0 if all(verdicts) else 1


if __name__ == "__main__":
    sys.exit(main())
