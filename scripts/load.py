#!/usr/bin/env python3
"""Load benchmark of the published manual (issue 18, point 3): wrk against the real nginx with deploy/nginx.conf.

    .venv/bin/python scripts/load.py                         # publishes a scratch copy of HEAD first (~1 min)
    .venv/bin/python scripts/load.py --tree /path/to/gh-pages-checkout --duration 10

What it does:
1. takes a published tree (a gh-pages checkout, as /var/www/opsmanual on the server), or publishes the committed
   HEAD of this repository into a scratch repository without the PDF edition and clones its gh-pages;
2. picks the mix readers make: every page of the current version (latest/…/), with each page view the
   versions.json every page reads, the stylesheets and scripts a page loads (a quarter as often as pages: most
   readers have them cached), and the search index (one in 20 page views: it is fetched only when the reader goes
   to the search box); every URL is fetched once first and must answer 200 (gzip-encoded where a .gz exists);
3. runs nginx (tests/servers.py: deploy/nginx.conf with only its three "deploy:" lines replaced, in Debian's
   http block) and wrk with C connections (200) for D seconds (10) each, every request with Accept-Encoding: gzip:
     gzip_static on  (as shipped: precompressed files)   with worker_processes 1 and = cores
     gzip_static off (the baseline: compressed on every request) with the same worker counts
   and prints responses/s, p99 latency and errors, each with its target and verdict, the ratios against the
   baseline measured in the same run, and how the figures scale from 1 worker to one per core.

wrk and nginx share this machine's cores (2 here): the figures are what one small server does with its own client.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))
import scratch

from servers import Nginx, fetch

TARGET_RPS = 3000
TARGET_P99_MS = 25.0
TARGET_ERRORS = 0
ASSET = re.compile(r"""(?:src|href)=["']?([^"' >]+\.(?:js|css))""")

LUA = r"""
-- Written by scripts/load.py: each thread walks the mix from its own offset, every request pre-formatted.
local paths = {%(paths)s}
local requests = {}
local counter = 0
wrk.headers["Accept-Encoding"] = "gzip"
wrk.headers["User-Agent"] = "opsmanual-load"
local threads_started = 0

function setup(thread)
  threads_started = threads_started + 1
  thread:set("offset", threads_started * 7919)
end

function init(args)
  for i, path in ipairs(paths) do
    requests[i] = wrk.format("GET", path)
  end
  counter = tonumber(offset) or 0
end

function request()
  counter = counter + 1
  return requests[(counter %% #requests) + 1]
end

%(delay)s
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK_RESULT {"requests": %%d, "duration_us": %%d, "bytes": %%d, "connect": %%d, "read": %%d, "write": %%d, ' ..
    '"status": %%d, "timeout": %%d, "p50_us": %%d, "p99_us": %%d, "max_us": %%d}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99), latency.max))
end
"""


@dataclass
class Run:
    label: str
    gzip_static: bool
    workers: int
    rate: int = 0  # requests/s offered (wrk's delay()), 0: as fast as nginx answers
    load: float = 0.0  # the machine's 1-minute load average before the run
    requests: int = 0
    seconds: float = 0.0
    megabytes: float = 0.0
    errors: int = 0
    error_detail: str = ""
    p50_ms: float = 0.0
    p99_ms: float = 0.0
    max_ms: float = 0.0

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


class LoadNginx(Nginx):
    """The shipped configuration with gzip_static switched and worker_processes set (the wrapper's only change)."""

    def __init__(self, folder: Path, site: Path, gzip_static: bool, workers: int):
        super().__init__(folder, site)
        self.gzip_static = gzip_static
        self.workers = workers

    def configure(self, port: int) -> None:
        super().configure(port)
        server = self.folder / "conf.d" / "opsmanual.conf"
        text = server.read_text(encoding="utf-8")
        assert text.count("gzip_static on;") == 1, "deploy/nginx.conf must switch gzip_static on once"
        if not self.gzip_static:
            server.write_text(text.replace("gzip_static on;", "gzip_static off;"), encoding="utf-8")
        wrapper = self.folder / "nginx.conf"
        text = wrapper.read_text(encoding="utf-8").replace("worker_processes 1;", f"worker_processes {self.workers};")
        text = text.replace("worker_connections 512;", "worker_connections 1024;")
        wrapper.write_text(text, encoding="utf-8")


def log(message: str) -> None:
    print(message, flush=True)


def publish_scratch(work: Path) -> Path:
    """HEAD of this repository published (without PDF editions) into work/repo; its gh-pages cloned to work/tree."""
    repo, tree = scratch.repository(work / "repo"), work / "tree"
    env = {**scratch.ENV, "MANUAL_PUBLISH_PDF": "0"}
    log("publishing HEAD into a scratch repository (no PDF edition) …")
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "opsmanual.cli", "publish"],
        check=False,
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        sys.exit(f"publish failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    log(f"published in {time.perf_counter() - started:.0f} s")
    subprocess.run(["git", "clone", "-q", "--branch", "gh-pages", "--single-branch", str(repo), str(tree)], check=True)
    return tree


def mix(tree: Path) -> tuple[list[str], dict[str, int]]:
    """The URL mix, and how many of each kind."""
    latest = tree / "latest"
    pages = sorted(
        "/latest/" + p.parent.relative_to(latest).as_posix().strip(".") + "/" for p in latest.rglob("index.html")
    )
    pages = [p.replace("//", "/") for p in pages]
    chapter = next(p for p in sorted(latest.glob("*/index.html")) if p.parent.name[:2].isdigit())
    assets = []
    for link in ASSET.findall(chapter.read_text(encoding="utf-8")):
        target = (chapter.parent / link).resolve()
        relative = target.relative_to(latest.resolve()).as_posix()
        assets.append("/latest/" + relative)
    assets = sorted(set(assets))
    urls: list[str] = []
    asset_turn = search_turn = 0
    for index, page in enumerate(pages * 4):  # four rounds of every page
        urls += [page, "/versions.json"]
        if index % 4 == 0:
            urls.append(assets[asset_turn % len(assets)])
            asset_turn += 1
            urls.append(assets[asset_turn % len(assets)])
            asset_turn += 1
        if index % 20 == 0:
            urls.append("/latest/search/search_index.json")
            search_turn += 1
    counts = {
        "pages": len(pages) * 4,
        "versions.json": len(pages) * 4,
        "assets": asset_turn,
        "search index": search_turn,
    }
    return urls, counts


def check_mix(nginx: Nginx, tree: Path, urls: list[str], precompressed: bool) -> None:
    """Every URL answers 200; with gzip_static on, the bytes of its .gz (where there is one)."""
    for url in sorted(set(urls)):
        response = fetch(nginx.url + url, headers={"Accept-Encoding": "gzip"})
        if response.status != 200:
            sys.exit(f"{url}: HTTP {response.status}")
        path = tree / url.lstrip("/")
        if path.is_dir():
            path = path / "index.html"
        packed = path.with_name(path.name + ".gz")
        if precompressed and packed.is_file() and response.body != packed.read_bytes():
            sys.exit(f"{url}: gzip_static on but the answer is not the bytes of {packed.name}")


def wrk(nginx: Nginx, script: Path, connections: int, threads: int, duration: int, run: Run) -> Run:
    command = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{duration}s",
        "--timeout",
        "5s",
        "-s",
        str(script),
        nginx.url + "/",
    ]
    result = subprocess.run(command, check=False, capture_output=True, text=True, timeout=duration + 60)
    line = next((x for x in result.stdout.splitlines() if x.startswith("WRK_RESULT ")), None)
    if line is None:
        sys.exit(f"wrk gave no result:\n{result.stdout}\n{result.stderr}")
    data = json.loads(line[len("WRK_RESULT ") :])
    run.requests = data["requests"]
    run.seconds = data["duration_us"] / 1e6
    run.megabytes = data["bytes"] / 1e6
    kinds = {k: data[k] for k in ("connect", "read", "write", "status", "timeout") if data[k]}
    run.errors = sum(kinds.values())
    run.error_detail = ", ".join(f"{k} {v}" for k, v in kinds.items())
    run.p50_ms, run.p99_ms, run.max_ms = data["p50_us"] / 1000, data["p99_us"] / 1000, data["max_us"] / 1000
    return run


def lua(urls: list[str], rate: int, connections: int) -> str:
    """The wrk script; with a rate, every connection waits a random 0–2× its share of the rate between requests
    (wrk's delay()), so the connections together offer about `rate` requests per second."""
    delay = ""
    if rate:
        mean_ms = connections * 1000 / rate
        delay = f"function delay()\n  return math.random(0, {round(2 * mean_ms)})\nend\n"
    return LUA % {"paths": ", ".join(json.dumps(u) for u in urls), "delay": delay}


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tree", type=Path, help="a published tree (gh-pages checkout); default: publish HEAD")
    parser.add_argument("--connections", type=int, default=200)
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument(
        "--rate",
        type=int,
        default=int(TARGET_RPS * 1.1),
        help="requests/s the paced runs offer (default: the target + 10%%)",
    )
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is missing: apt-get install wrk (./manual test installs it)")
    cores = len(os.sched_getaffinity(0))
    work = Path(tempfile.mkdtemp(prefix="manual-load-"))
    try:
        tree = args.tree.resolve() if args.tree else publish_scratch(work)
        if not (tree / "latest").is_dir():
            sys.exit(f"{tree} is not a published tree (no latest/)")
        urls, counts = mix(tree)
        log(
            f"tree {tree}; mix of {len(urls)} requests over {len(set(urls))} URLs: "
            + ", ".join(f"{k} {v}" for k, v in counts.items())
            + "; every URL checked before each run"
        )
        scripts = {}
        for rate in (0, args.rate):
            scripts[rate] = work / f"mix-{rate}.lua"
            scripts[rate].write_text(lua(urls, rate, args.connections), encoding="utf-8")
        plan = [(static, workers, 0) for static in (True, False) for workers in sorted({1, cores})]
        plan += [(True, cores, args.rate), (False, cores, args.rate)]
        runs = []
        for static, workers, rate in plan:
            label = f"gzip_static {'on ' if static else 'off'}, {workers} worker{'s' if workers > 1 else ' '}, " + (
                f"paced at {rate}/s" if rate else "flat out"
            )
            nginx = LoadNginx(work / f"nginx-{int(static)}-{workers}-{rate}", tree, static, workers).start()
            load = os.getloadavg()[0]
            try:
                check_mix(nginx, tree, urls, static)
                run = wrk(
                    nginx,
                    scripts[rate],
                    args.connections,
                    args.threads,
                    args.duration,
                    Run(label, static, workers, rate=rate, load=load),
                )
            finally:
                nginx.stop()
            log(
                f"  {label}: {run.rps:7.0f} responses/s, p50 {run.p50_ms:7.2f} ms, p99 {run.p99_ms:7.2f} ms, "
                f"max {run.max_ms:7.1f} ms, {run.errors} errors{' (' + run.error_detail + ')' if run.errors else ''}, "
                f"{run.megabytes / run.seconds:6.1f} MB/s; load average before {load:.1f}"
            )
            runs.append(run)
        return report(runs, cores, args)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def report(runs: list[Run], cores: int, args) -> int:
    def find(static: bool, workers: int, paced: bool) -> Run:
        return next(r for r in runs if r.gzip_static == static and r.workers == workers and bool(r.rate) == paced)

    flat, paced = find(True, cores, False), find(True, cores, True)
    base_flat, base_paced = find(False, cores, False), find(False, cores, True)
    log("")
    log(
        f"cores: {cores} (wrk's {args.threads} threads and nginx share them; other work on the machine too: see the "
        f"load averages); {args.connections} connections, {args.duration} s per run, nginx worker_processes = cores "
        f"(Debian's 'auto')"
    )
    rows = [
        ("responses/s, flat out", f">= {TARGET_RPS}", f"{flat.rps:.0f}", flat.rps >= TARGET_RPS),
        (
            f"p99 ms at {paced.rps:.0f} responses/s (paced)",
            f"<= {TARGET_P99_MS:g}",
            f"{paced.p99_ms:.2f}",
            paced.p99_ms <= TARGET_P99_MS and paced.rps >= TARGET_RPS,
        ),
        ("p99 ms, flat out (saturated: for the record)", "-", f"{flat.p99_ms:.2f}", None),
        (
            "errors, all gzip_static runs",
            f"{TARGET_ERRORS}",
            f"{sum(r.errors for r in runs if r.gzip_static)}",
            sum(r.errors for r in runs if r.gzip_static) == TARGET_ERRORS,
        ),
    ]
    log(f"{'figure (gzip_static on, as shipped)':<48}{'target':>10}{'measured':>10}  verdict")
    for name, target, measured, ok in rows:
        log(f"{name:<48}{target:>10}{measured:>10}  {'-' if ok is None else verdict(ok)}")
    log(
        f"baseline gzip_static off (on-the-fly gzip -6, same run): flat out {base_flat.rps:.0f} responses/s, "
        f"p99 {base_flat.p99_ms:.2f} ms, {base_flat.errors} errors; paced at {args.rate}/s: {base_paced.rps:.0f} "
        f"responses/s, p99 {base_paced.p99_ms:.2f} ms, {base_paced.errors} errors"
    )
    if base_flat.rps:
        log(
            f"ratio precompressed / on-the-fly: responses/s flat out {flat.rps / base_flat.rps:.1f}x; "
            f"p99 paced {paced.p99_ms / base_paced.p99_ms:.3f}x"
        )
    if cores > 1:
        for static in (True, False):
            one, every = find(static, 1, False), find(static, cores, False)
            log(
                f"scaling gzip_static {'on ' if static else 'off'}: 1 -> {cores} workers, flat out: "
                f"{one.rps:.0f} -> {every.rps:.0f} responses/s ({every.rps / one.rps:.2f}x)"
            )
    return 0 if all(ok for *_, ok in rows if ok is not None) else 1


if __name__ == "__main__":
    sys.exit(main())
