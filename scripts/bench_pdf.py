#!/usr/bin/env python3
"""Benchmark of the controlled edition (issue 17): what the PDF adds to a build, and how big it is.

    .venv/bin/python scripts/bench_pdf.py               # the real manual and the 100-page synthetic one, 2 rounds
    .venv/bin/python scripts/bench_pdf.py --rounds 3 --pages 100

For the real manual (as committed: HEAD) and for a synthetic manual of --pages pages (scripts/bench_corpus.py), it
runs, alternating, R strict builds without the PDF edition and R with it (`mkdocs build --strict`, MANUAL_PDF), and
prints the medians of wall and CPU time, what the edition adds (the difference of the medians, and the median of
the differences within a round: the pair shared the machine), the PDF's size and pages, each with its target
(adds ≤ 30 s to a publish; ≤ 15 MB) and a verdict. The machine is shared and noisy: compare within a run.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_corpus as corpus

ADDED_TARGET = 30.0  # seconds the edition may add to a publish (real manual)
SIZE_TARGET = 15 * 1024**2  # bytes


def real_manual(target: Path) -> Path:
    """The real manual as committed (HEAD), as a clone would have it."""
    target.mkdir(parents=True)
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", "HEAD"], capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
    return target


def synthetic(target: Path, pages: int) -> Path:
    found, forms = corpus.make_corpus(pages)
    return corpus.make_ours(target, found, forms, history=False)


def build(project: Path, pdf: bool) -> tuple[float, float, Path]:
    """One strict build: (wall seconds, CPU seconds of the build's processes, site folder)."""
    site = project / ("site-pdf" if pdf else "site")
    shutil.rmtree(site, ignore_errors=True)
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "MANUAL_PDF": "true" if pdf else "false", "MANUAL_DRAFT": "false"}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet", "--site-dir", str(site)],
        check=False,
        cwd=project,
        capture_output=True,
        text=True,
        env=env,
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode != 0:
        sys.exit(f"{project.name}: the build failed:\n{result.stderr[-3000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, site


def pdf_pages(path: Path) -> int | str:
    try:
        from pypdf import PdfReader
    except ImportError:
        return "?"
    return len(PdfReader(path).pages)


def verdict(ok: bool) -> str:
    return "达标 / met" if ok else "未达标 / missed"


def measure(name: str, project: Path, rounds: int) -> dict:
    print(f"\n== {name}: {rounds} rounds, alternating without / with the PDF edition", flush=True)
    plain, with_pdf, added = [], [], []
    pdf, parts = None, {}
    for round_ in range(1, rounds + 1):
        a = build(project, pdf=False)
        b = build(project, pdf=True)
        plain.append(a)
        with_pdf.append(b)
        added.append(b[0] - a[0])
        pdf = next(b[2].glob("manual-*.pdf"), None)
        info = json.loads((b[2] / "manual-build.json").read_text(encoding="utf-8"))
        for kind, label in (("pdf", "the edition"), ("forms", "Annex 1's forms"), ("kit", "the revision's kit")):
            if info.get(kind):
                item = info[kind]
                print(
                    f"      {label}: {item['seconds']:.1f} s, {item['pages']} pages, {item['bytes'] / 1024**2:.1f} MB",
                    flush=True,
                )
                parts.setdefault(kind, []).append(item["seconds"])
        print(
            f"   round {round_}: without {a[0]:6.1f} s wall ({a[1]:6.1f} s CPU), with {b[0]:6.1f} s wall "
            f"({b[1]:6.1f} s CPU)",
            flush=True,
        )
    if pdf is None:
        sys.exit(f"{name}: the build with the edition wrote no manual-*.pdf")
    med = statistics.median
    return {
        "name": name,
        "plain": med(w for w, _, _ in plain),
        "with": med(w for w, _, _ in with_pdf),
        "plain_cpu": med(c for _, c, _ in plain),
        "with_cpu": med(c for _, c, _ in with_pdf),
        "added": med(added),
        "size": pdf.stat().st_size,
        "pages": pdf_pages(pdf),
        "cores": os.cpu_count(),
        "edition": med(parts.get("pdf", [0.0])),
        "kit": med(parts.get("kit", [0.0])),
    }


def report(results: list[dict]) -> None:
    print("\n| manual | build without | with the PDF | the PDF adds (median of pairs) | CPU added | PDF size | pages |")
    print("|---|---|---|---|---|---|---|")
    for r in results:
        print(
            f"| {r['name']} | {r['plain']:.1f} s | {r['with']:.1f} s | {r['with'] - r['plain']:.1f} s ({r['added']:.1f} s) "
            f"| {r['with_cpu'] - r['plain_cpu']:.1f} s | {r['size'] / 1024**2:.1f} MB | {r['pages']} |"
        )
    real = results[0]
    print(
        f"\ntarget: the real manual's PDF edition adds ≤ {ADDED_TARGET:.0f} s: {real['edition']:.1f} s (its own "
        f"layout and stamping) — {verdict(real['edition'] <= ADDED_TARGET)}; all PDFs of the build together (edition, "
        f"Annex 1, the revision's kit): {real['added']:.1f} s — {verdict(real['added'] <= ADDED_TARGET)}"
    )
    print(
        f"target: the real manual's PDF ≤ {SIZE_TARGET // 1024**2} MB: {real['size'] / 1024**2:.1f} MB — "
        f"{verdict(real['size'] <= SIZE_TARGET)}"
    )
    print(f"({real['cores']} cores; the edition is laid out in parallel, one process per core)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--pages", type=int, default=100, help="pages of the synthetic manual (0: skip it)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-pdf-") as work:
        work = Path(work)
        results = [measure("real manual", real_manual(work / "real"), args.rounds)]
        if args.pages:
            results.append(
                measure(f"synthetic, {args.pages} pages", synthetic(work / "synthetic", args.pages), args.rounds)
            )
    report(results)


if __name__ == "__main__":
    main()
