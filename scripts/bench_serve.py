#!/usr/bin/env python3
"""Benchmark of the editor's loop (issue 18, point 1, measured only): edit → the page `manual serve` serves changed.

    .venv/bin/python scripts/bench_serve.py                # ~1 minute
    .venv/bin/python scripts/bench_serve.py --edits 8

What it does: copies the committed HEAD of this repository into a scratch git repository, starts the real
`manual serve` there (opsmanual/serve.py, on a free loopback port), waits for its first build, then saves a chapter
(docs/02-service.md) with a new sentence E times, a few seconds apart, and polls the chapter's page every 20 ms
until the sentence is in it; then twice more with two saves 0.3 s apart (overlapping a rebuild), timing until the
second sentence is served. Prints the median and range with the target (≤ 0.8 s median) and verdict.
It times HTTP responses, not a browser's reload (livereload adds its own poll to what a reader sees).
"""
from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = 0.8
CHAPTER = "docs/02-service.md"
URL_PATH = "/02-service/"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def get(url: str) -> str:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.read().decode("utf-8", "replace")
    except OSError:
        return ""


def wait_for(url: str, marker: str, timeout: float) -> float | None:
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        if marker in get(url):
            return time.perf_counter() - started
        time.sleep(0.02)
    return None


def save(chapter: Path, sentence: str) -> None:
    chapter.write_text(chapter.read_text(encoding="utf-8") + f"\n{sentence}\n", encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--edits", type=int, default=5)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="manual-bench-serve-"))
    repo = work / "repo"
    repo.mkdir()
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", "HEAD"], capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(repo)], input=archive, check=True)
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "PYTHONPATH": str(ROOT), "GIT_AUTHOR_NAME": "基准",
           "GIT_AUTHOR_EMAIL": "bench@manual.invalid", "GIT_COMMITTER_NAME": "基准",
           "GIT_COMMITTER_EMAIL": "bench@manual.invalid"}
    for command in (["git", "init", "-q", "-b", "main"], ["git", "add", "-A"], ["git", "commit", "-qm", "基准"]):
        subprocess.run(command, cwd=repo, env=env, check=True)
    port = free_port()
    url = f"http://127.0.0.1:{port}{URL_PATH}"
    with open(work / "serve.log", "w") as log:
        server = subprocess.Popen([sys.executable, "-m", "opsmanual.cli", "serve"], cwd=repo, stdout=log,
                                  stderr=subprocess.STDOUT, env={**env, "MANUAL_ADDR": f"127.0.0.1:{port}"})
    chapter = repo / CHAPTER
    try:
        started = time.perf_counter()
        first = wait_for(url, "</html>", 180)
        if first is None:
            sys.exit("manual serve did not serve the chapter in 180 s:\n" + (work / "serve.log").read_text()[-3000:])
        print(f"first build served after {time.perf_counter() - started:.1f} s; load average {os.getloadavg()[0]:.1f}",
              flush=True)
        time.sleep(2)
        single, overlapping = [], []
        for k in range(args.edits):
            marker = f"基准句子第{k}号，用于计时。"
            save(chapter, marker)
            seconds = wait_for(url, marker, 60)
            single.append(seconds if seconds is not None else float("inf"))
            print(f"  edit {k + 1}: served after {single[-1]:.2f} s", flush=True)
            time.sleep(3)
        for k in range(2):
            save(chapter, f"重叠编辑甲{k}。")
            time.sleep(0.3)
            marker = f"重叠编辑乙{k}。"
            save(chapter, marker)
            seconds = wait_for(url, marker, 60)
            overlapping.append((seconds if seconds is not None else float("inf")) + 0.3)
            print(f"  overlapping edits {k + 1}: the second of two saves 0.3 s apart served {overlapping[-1]:.2f} s "
                  f"after the first", flush=True)
            time.sleep(3)
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
        shutil.rmtree(work, ignore_errors=True)
    median = statistics.median(single)
    print(f"\nedit → served page changed (manual serve, real manual): median {median:.2f} s "
          f"(range {min(single):.2f}–{max(single):.2f}, n={len(single)}); target ≤ {TARGET} s: "
          f"{'PASS' if median <= TARGET else 'FAIL'}")
    print("overlapping edits (second save served, from the first save): "
          + ", ".join(f"{s:.2f} s" for s in overlapping))
    return 0 if median <= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
