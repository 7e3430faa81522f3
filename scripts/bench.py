#!/usr/bin/env python3
"""Benchmark of build, publish and link check (issues #8, #18): ratios against a stock build measured in the same run.

    .venv/bin/python scripts/bench.py                  # N=100 pages, 30 versions published (~3¾ minutes)
    .venv/bin/python scripts/bench.py --pages 1000     # the 1,000-page manual, publishing stays at 100 pages (~9 min)
    .venv/bin/python scripts/bench.py --pages 1000 --versions 0   # builds and sizes only (~5 min)

What it does (the corpus is synthetic and seeded, see scripts/bench_corpus.py):

1. builds, alternating, R rounds of three projects of the same N pages (ours twice):
   stock-default  plain mkdocs-material (Material's default navigation), search with jieba;
   stock-nav      the same with the theme features of mkdocs.yml (navigation.prune, …);
   ours           the real configuration, every feature on (checklists, register, page history, tags, search),
                  its cache folder filled by a first build that is not counted (as a rebuild, a next publication);
   ours-cold      the same with an empty cache folder (the first build on a machine);
   and prints medians and ranges of wall and CPU time, and the ratios ours/stock-nav and ours/stock-default,
   both as ratio of medians and as the median of the ratios within a round (the pairs shared the machine);
2. sizes: one page's HTML (median over the chapter pages), the first view of a chapter page (its HTML and the
   CSS and JS it loads, gzip -6 as deploy/nginx.conf serves them) and the search index (raw and gzip);
3. publishes V versions (1.0, 1.1, …) of a --publish-pages manual with the real `manual publish` in a temporary
   git repository, each with its register entry and a committed content change, times each and its own build
   step (from its progress lines), and a plain `mkdocs build --strict` of the same tree before versions 1 and V;
4. checks out gh-pages after V/3, 2V/3 and V versions and times opsmanual.linkcheck.check_published on each.

The machine is shared: every figure is a median with its range; compare ratios, not seconds.
"""

from __future__ import annotations

import argparse
import gzip
import itertools
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from html.parser import HTMLParser
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # this tree's opsmanual, not another install
import bench_corpus as corpus
import scratch

ROOT = corpus.ROOT
PY = sys.executable
# Publishing without the PDF edition (scripts/bench_publish.py measures it): the figures are of the site.
ENV = {**scratch.ENV, "MANUAL_PUBLISH_PDF": "0"}
GZIP_LEVEL = 6  # deploy/nginx.conf: gzip_comp_level 6
START = time.perf_counter()
VARIANTS = ("stock-default", "stock-nav", "ours")
# ours is built twice a round: with the cache folder its previous builds filled (~/.cache/opsmanual: compiled
# templates, rendered blocks, segmented search words), as an editor's rebuild or the next publication is built, and
# with an empty one (XDG_CACHE_HOME), as the first build on a machine is
BUILT = (*VARIANTS, "ours-cold")


def log(message: str) -> None:
    print(f"[{time.perf_counter() - START:6.1f}s] {message}", flush=True)


def timed(command: list[str], cwd: Path, env: dict | None = None) -> tuple[float, float, subprocess.CompletedProcess]:
    """Run a command; wall and CPU seconds (user+sys of it and the processes it waited for)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    result = subprocess.run(command, check=False, cwd=cwd, env={**ENV, **(env or {})}, capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if result.returncode != 0:
        sys.exit(f"failed: {' '.join(command)} in {cwd}\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return wall, cpu, result


def timed_steps(command: list[str], cwd: Path) -> tuple[float, float, list[tuple[float, str]]]:
    """Run a command, reading its output as it comes: wall and CPU seconds, and (seconds, line) of each line."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    process = subprocess.Popen(
        command,
        cwd=cwd,
        env={**ENV, "PYTHONUNBUFFERED": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines = [(time.perf_counter() - start, line.rstrip()) for line in process.stdout]
    process.wait()
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if process.returncode != 0:
        sys.exit(f"failed: {' '.join(command)} in {cwd}\n" + "\n".join(line for _, line in lines[-40:]))
    return wall, cpu, lines


def step_time(lines: list[tuple[float, str]], step: str) -> float:
    """Seconds from the progress line that contains step to the next progress line."""
    for (at, line), (until, _) in itertools.pairwise(lines):
        if step in line:
            return until - at
    return float("nan")


def git(repo: Path, *args: str) -> str:
    return timed(["git", *args], repo)[2].stdout.strip()


def mkdocs_build(project: Path, site: Path, env: dict | None = None) -> tuple[float, float]:
    wall, cpu, _ = timed(
        [PY, "-m", "mkdocs", "build", "--strict", "--quiet", "--clean", "--site-dir", str(site)], project, env
    )
    return wall, cpu


def stats(values: list[float], unit: str = "s", digits: int = 2) -> str:
    if not values:
        return "n/a"
    return (
        f"{statistics.median(values):.{digits}f} {unit} (range {min(values):.{digits}f}–"
        f"{max(values):.{digits}f}, n={len(values)})"
    )


def gz(data: bytes) -> int:
    return len(gzip.compress(data, GZIP_LEVEL))


# -- 1. builds ----------------------------------------------------------------------------------------


def bench_builds(work: Path, pages, forms, repeat: int) -> dict:
    projects = {
        "stock-default": corpus.make_stock(work / "stock-default", pages, forms, features=[]),
        "stock-nav": corpus.make_stock(work / "stock-nav", pages, forms, features=corpus.theme_features()),
        "ours": corpus.make_ours(work / "ours", pages, forms),
    }
    counts = {name: sum(1 for _ in (project / "docs").rglob("*.md")) for name, project in projects.items()}
    log("projects written: " + ", ".join(f"{name} ({count} Markdown files)" for name, count in counts.items()))
    projects["ours-cold"] = projects["ours"]
    wall = {v: [] for v in BUILT}
    cpu = {v: [] for v in BUILT}
    w, c = mkdocs_build(projects["ours"], work / "site-ours")
    log(f"build of ours that fills its cache folder as a previous build would (not counted): {w:.2f} s wall")
    for round_ in range(repeat):
        order = BUILT[round_ % 4 :] + BUILT[: round_ % 4]  # alternate who goes first
        for variant in order:
            cold = {"XDG_CACHE_HOME": str(work / f"cache-{round_}")} if variant == "ours-cold" else None
            w, c = mkdocs_build(projects[variant], work / f"site-{variant}", cold)
            wall[variant].append(w)
            cpu[variant].append(c)
            log(f"build round {round_ + 1}/{repeat} {variant:13s} {w:6.2f} s wall, {c:6.2f} s CPU")
    return {"projects": projects, "wall": wall, "cpu": cpu}


def ratio_lines(result: dict, numerator: str, denominator: str) -> tuple[str, float, float]:
    lines = []
    for kind in ("wall", "cpu"):
        a, b = result[kind][numerator], result[kind][denominator]
        of_medians = statistics.median(a) / statistics.median(b)
        paired = [x / y for x, y in zip(a, b)]
        lines.append(
            f"    {kind:4s}: ratio of medians {of_medians:.3f}; per-round ratios median "
            f"{statistics.median(paired):.3f} (range {min(paired):.3f}–{max(paired):.3f})"
        )
        if kind == "wall":
            wall_ratio = of_medians
        else:
            cpu_ratio = of_medians
    return "\n".join(lines), wall_ratio, cpu_ratio


# -- 2. sizes -----------------------------------------------------------------------------------------


class Assets(HTMLParser):
    """The stylesheets and scripts a page loads."""

    def __init__(self):
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "link" and "stylesheet" in (a.get("rel") or "").split() and a.get("href"):
            self.urls.append(a["href"])
        elif tag == "script" and a.get("src"):
            self.urls.append(a["src"])


def chapter_pages(site: Path) -> list[Path]:
    return sorted(p for p in site.glob("ch*/**/index.html"))


def first_view(site: Path, page: Path) -> dict:
    html = page.read_bytes()
    parser = Assets()
    parser.feed(html.decode("utf-8"))
    total_gz, total_raw, parts, external = gz(html), len(html), [], []
    for url in parser.urls:
        if re.match(r"^[a-z]+:|^//", url):
            external.append(url)
            continue
        file = (page.parent / url.split("?")[0].split("#")[0]).resolve()
        data = file.read_bytes()
        total_gz += gz(data)
        total_raw += len(data)
        parts.append(f"{file.relative_to(site.resolve())} {gz(data) / 1024:.1f}")
    return {"gzip": total_gz, "raw": total_raw, "html_gzip": gz(html), "parts": parts, "external": external}


def sizes(work: Path) -> dict:
    out = {}
    for variant in VARIANTS:
        site = work / f"site-{variant}"
        pages = chapter_pages(site)
        page = pages[len(pages) // 2]
        index = (site / "search" / "search_index.json").read_bytes()
        out[variant] = {
            "page_html": statistics.median(p.stat().st_size for p in pages),
            "page_html_max": max(p.stat().st_size for p in pages),
            "first_view": first_view(site, page),
            "first_view_page": str(page.relative_to(site)),
            "index_raw": len(index),
            "index_gzip": gz(index),
        }
    return out


# -- 3. publishing ------------------------------------------------------------------------------------


def bench_publish(work: Path, n_pages: int, versions: int, seed: int) -> dict:
    repo = work / "publish" / "repo"
    pages, forms = corpus.make_corpus(n_pages, seed)
    corpus.make_ours(repo, pages, forms, history=False)
    git(repo, "init", "--quiet", "--initial-branch=main")
    git(repo, "add", "-A")
    git(repo, "commit", "--quiet", "-m", "第1版稿件")
    entries = [corpus.register_entry("1.0", [("index.md", "首次发布合成基准手册。")], 0)]
    marks = sorted({1, max(1, versions // 3), max(1, 2 * versions // 3), versions})  # link checks
    plain_marks = {1, versions}  # plain builds, for comparison
    publish, builds, plain, pages_commits = [], [], {}, {}
    for k in range(versions):
        version = f"1.{k}"
        if k:
            entries.append(corpus.register_entry(version, corpus.amend(repo, pages, k), 7 * k))
            (repo / "revisions.yml").write_text(corpus.register_yaml(entries), encoding="utf-8")
            git(repo, "commit", "--quiet", "-am", f"第1版第{k}次修订稿")
        if k + 1 in plain_marks:  # a plain build of the same tree, just before publishing it
            w, c = mkdocs_build(repo, work / "publish" / "plain-site")
            plain[k + 1] = (w, c)
            log(f"plain build before version {k + 1}/{versions} ({version}): {w:6.2f} s wall, {c:6.2f} s CPU")
        w, c, lines = timed_steps([PY, "-m", "opsmanual.cli", "publish"], repo)
        build = step_time(lines, "严格构建")  # the build step's progress line (publisher.py)
        publish.append((w, c))
        builds.append(build)
        pages_commits[k + 1] = git(repo, "rev-parse", "gh-pages")
        log(
            f"publish {k + 1:2d}/{versions} {version:5s} {w:6.2f} s wall ({build:5.2f} s of it its build, "
            f"{w - build:4.2f} s the rest), {c:6.2f} s CPU"
        )
    shutil.rmtree(work / "publish" / "plain-site", ignore_errors=True)
    return {
        "repo": repo,
        "publish": publish,
        "builds": builds,
        "plain": plain,
        "commits": pages_commits,
        "marks": marks,
        "pages": len(pages),
    }


# -- 4. link check of the published tree --------------------------------------------------------------


def bench_linkcheck(work: Path, published: dict) -> list[dict]:
    from opsmanual import linkcheck

    repo = published["repo"]
    results = []
    for count in [m for m in published["marks"] if m > 1]:
        tree = work / "publish" / f"gh-pages-{count}"
        git(repo, "worktree", "add", "--quiet", "--detach", str(tree), published["commits"][count])
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu0 = time.process_time()
        start = time.perf_counter()
        report = linkcheck.check_published(tree)
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = time.process_time() - cpu0 + (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        results.append(
            {
                "versions": count,
                "wall": wall,
                "cpu": cpu,
                "pages": report.pages,
                "links": report.links,
                "problems": len(report.problems),
            }
        )
        log(
            f"link check of {count} versions: {report.pages} pages, {report.links} links, "
            f"{len(report.problems)} broken: {wall:.2f} s wall, {cpu:.2f} s CPU"
        )
        for problem in report.problems[:5]:
            log(f"    {problem.line()}")
        git(repo, "worktree", "remove", "--force", str(tree))
    return results


# -- report -------------------------------------------------------------------------------------------


def verdict(ok: bool | None) -> str:
    return "n/a " if ok is None else ("PASS" if ok else "MISS")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=100, help="pages of the synthetic manual built (default 100)")
    parser.add_argument("--versions", type=int, default=30, help="versions to publish (default 30; 0 skips)")
    parser.add_argument("--repeat", type=int, default=3, help="build rounds (default 3)")
    parser.add_argument("--publish-pages", type=int, default=100, help="pages of the published manual (default 100)")
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--workdir", type=Path, help="keep the projects and sites here (default: a temporary folder)")
    args = parser.parse_args(argv)
    if args.pages < 20 or (args.versions and args.publish_pages < 20):
        parser.error("at least 20 pages")

    work = args.workdir or Path(tempfile.mkdtemp(prefix="manual-bench-"))
    if args.workdir:
        shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True, exist_ok=True)
    log(
        f"bench: {args.pages} pages, {args.repeat} build rounds, {args.versions} versions of {args.publish_pages} "
        f"pages published; {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}; work in {work}"
    )
    try:
        pages, forms = corpus.make_corpus(args.pages, args.seed)
        builds = bench_builds(work, pages, forms, args.repeat)
        size = sizes(work)
        published = bench_publish(work, args.publish_pages, args.versions, args.seed) if args.versions else None
        checks = bench_linkcheck(work, published) if published else []
        report(args, builds, size, published, checks)
    finally:
        if not args.workdir:
            shutil.rmtree(work, ignore_errors=True)
    return 0


def report(args, builds, size, published, checks) -> None:
    n = args.pages
    print()
    print(
        f"== Build, N={n} pages (+ home; ours adds its generated pages: forms, register, revisions, tags index), "
        f"{args.repeat} rounds, alternating"
    )
    for variant in BUILT:
        print(f"  {variant:13s} wall {stats(builds['wall'][variant])}   CPU {stats(builds['cpu'][variant])}")
    text_nav, wall_nav, cpu_nav = ratio_lines(builds, "ours", "stock-nav")
    text_def, wall_def, cpu_def = ratio_lines(builds, "ours", "stock-default")
    text_cold, wall_cold, cpu_cold = ratio_lines(builds, "ours-cold", "stock-default")
    print("  ours / stock-nav (same navigation settings: what our features cost):")
    print(text_nav)
    print("  ours / stock-default (Material's defaults, no prune: the baseline of the 1,000-page target):")
    print(text_def)
    print("  ours-cold / stock-default (the same, with an empty cache folder: the first build on a machine):")
    print(text_cold)

    print(f"\n== Sizes, N={n} (gzip -{GZIP_LEVEL})")
    for variant in VARIANTS:
        s = size[variant]
        fv = s["first_view"]
        print(
            f"  {variant:13s} page HTML median {s['page_html'] / 1024:7.1f} KB (max {s['page_html_max'] / 1024:.1f}); "
            f"first view {fv['gzip'] / 1024:6.1f} KB gzip ({fv['raw'] / 1024:.0f} KB raw, HTML {fv['html_gzip'] / 1024:.1f} KB gzip); "
            f"search index {s['index_raw'] / 1024:7.0f} KB raw, {s['index_gzip'] / 1024:6.1f} KB gzip"
        )
    fv = size["ours"]["first_view"]
    print(
        f"  ours first view of {size['ours']['first_view_page']}: HTML {fv['html_gzip'] / 1024:.1f} + "
        + " + ".join(fv["parts"])
        + " KB"
        + (f"; external (not counted): {fv['external']}" if fv["external"] else "")
    )

    if published:
        pub_wall = [w for w, _ in published["publish"]]
        pub_cpu = [c for _, c in published["publish"]]
        plain = published["plain"]
        overhead = [w - b for (w, _), b in zip(published["publish"], published["builds"])]
        print(
            f"\n== Publishing {len(pub_wall)} versions of a {published['pages']}-page manual "
            f"(`python -m opsmanual.cli publish` in a temporary git repository)"
        )
        print(f"  per version: wall {stats(pub_wall)}   CPU {stats(pub_cpu)}")
        print(
            f"  first / last version: {pub_wall[0]:.2f} s / {pub_wall[-1]:.2f} s wall (the register, and so the "
            f"revision pages, grow by one version each time)"
        )
        print(f"  its build (step '严格构建'): {stats(published['builds'])}")
        print(f"  the rest (checks, link check of the build, mike deploy, archive, tag): {stats(overhead)}")
        print(
            "  plain `mkdocs build --strict` of the same tree, before version "
            + ", ".join(f"{k}: {w:.2f} s" for k, (w, _) in sorted(plain.items()))
        )
    if checks:
        print(f"\n== Link check of the published tree (opsmanual.linkcheck.check_published, {os.cpu_count()} cores)")
        for c in checks:
            print(
                f"  {c['versions']:3d} versions: {c['pages']:5d} pages, {c['links']:7d} links, {c['problems']} broken: "
                f"{c['wall']:6.2f} s wall, {c['cpu']:6.2f} s CPU, {1000 * c['cpu'] / c['pages']:.2f} ms CPU per page"
            )

    print(
        "\n== Targets (issues #8 and #18; build verdicts on CPU time, which other jobs on the machine disturb least;"
        " n/a: the target is for another N)"
    )
    at_1000 = n >= 1000
    print(
        f"  {verdict(cpu_def <= 0.25 if at_1000 else None)} ours/stock-default build ≤ 0.25 at N=1000 (#18; #8 had 0.5): "
        f"{cpu_def:.3f} CPU, {wall_def:.3f} wall (N={n}; caches warm)"
    )
    print(
        f"  {verdict(cpu_cold <= 0.25 if at_1000 else None)} the same with an empty cache folder: "
        f"{cpu_cold:.3f} CPU, {wall_cold:.3f} wall (N={n})"
    )
    print(
        f"  {verdict(cpu_nav <= 1.10 if 50 <= n <= 200 else None)} our features ≤ 10% over stock-nav at N=100: "
        f"{100 * (cpu_nav - 1):+.1f}% CPU, {100 * (wall_nav - 1):+.1f}% wall (N={n})"
    )
    page_kb = size["ours"]["page_html"] / 1024
    print(
        f"  {verdict(page_kb <= 60 if at_1000 else None)} one page's HTML ≤ 60 KB at N=1000 (#18; median of the "
        f"chapter pages): {page_kb:.1f} KB (N={n})"
    )
    fv_kb = size["ours"]["first_view"]["gzip"] / 1024
    print(f"  {verdict(fv_kb <= 75)} first view ≤ 75 KB gzip: {fv_kb:.1f} KB")
    ours_ix, stock_ix = (
        size["ours"]["index_gzip"],
        min(size["stock-nav"]["index_gzip"], size["stock-default"]["index_gzip"]),
    )
    print(
        f"  {verdict(ours_ix <= stock_ix)} search index gzip ≤ stock: {ours_ix / 1024:.1f} KB vs {stock_ix / 1024:.1f} KB"
    )
    if published:
        worst = max(overhead)
        print(
            f"  {verdict(worst <= 5)} publishing a version ≤ its build + 5 s: publish minus its build, median "
            f"{statistics.median(overhead):.2f} s, worst {worst:.2f} s of {len(overhead)}"
        )
    if checks:
        last = checks[-1]
        per_page = [c["cpu"] / c["pages"] for c in checks]
        linear = max(per_page) / min(per_page)
        ok = last["wall"] <= 30 if last["versions"] >= 30 and published["pages"] >= 100 else None
        print(
            f"  {verdict(ok)} link check of 30 versions × 100 pages ≤ 30 s: {last['wall']:.2f} s "
            f"({last['versions']} versions × {published['pages']} pages)"
        )
        print(
            f"  {verdict(linear <= 1.3)} link check linear in pages (#18: CPU per page within ×1.3): CPU time per "
            f"page varies ×{linear:.2f} from {checks[0]['pages']} to {last['pages']} pages "
            f"({checks[0]['versions']} to {last['versions']} versions)"
        )


if __name__ == "__main__":
    sys.exit(main())
