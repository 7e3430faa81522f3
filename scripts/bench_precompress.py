#!/usr/bin/env python3
"""Which compressor writes the .gz copies at publication: gzip -9 (zlib) against zopfli, on a published version.

    .venv/bin/python scripts/bench_precompress.py /path/to/gh-pages-checkout/1.3
    .venv/bin/python scripts/bench_precompress.py /path/to/gh-pages-checkout/1.3 --all   # zopfli on every file: minutes

Copies the version folder's servable files (opsmanual/publish/precompress.py decides which) and compresses them
with each method (the same thread pool as publishing); by default the files under 200 KB (the pages and our
scripts; the search index and the vendored mermaid are left out, zopfli takes minutes on them), every k-th of
them up to --budget MB; with --all every file. Prints files, bytes before and after, seconds, and zopfli's size and time against gzip -9's.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from opsmanual.publish.precompress import precompress, servable_files


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("folder", type=Path, help="a version folder of a published tree")
    parser.add_argument("--all", action="store_true", help="every file, the largest too")
    parser.add_argument("--budget", type=float, default=1.5, help="MB of files to compress (default 1.5)")
    args = parser.parse_args()
    files = [f for f in servable_files(args.folder) if args.all or f.stat().st_size < 200 * 1024]
    total = sum(f.stat().st_size for f in files)
    if not args.all and total > args.budget * 1e6:  # every k-th file: all kinds, about --budget MB
        step = -(-total // int(args.budget * 1e6))
        files = files[::step]
    results = {}
    with tempfile.TemporaryDirectory(prefix="manual-precompress-") as scratch:
        for method in ("gzip", "zopfli"):
            target = Path(scratch) / method
            for file in files:
                copy = target / file.relative_to(args.folder)
                copy.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(file, copy)
            results[method] = precompress(target, method)
            s = results[method]
            print(
                f"{method:6s}: {s.files} files, {s.plain_bytes / 1e6:.2f} MB → {s.gzip_bytes / 1e6:.3f} MB "
                f"({100 * s.gzip_bytes / s.plain_bytes:.1f}%), {s.seconds:.2f} s",
                flush=True,
            )
    g, z = results["gzip"], results["zopfli"]
    print(f"zopfli / gzip -9: size {z.gzip_bytes / g.gzip_bytes:.3f}x, time {z.seconds / g.seconds:.0f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
