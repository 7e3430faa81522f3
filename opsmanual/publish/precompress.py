"""Precompressed copies of a published version's text files, for the web server.

Every .html, .css, .js, .json, .svg, .xml and .txt file gets a gzip copy beside it (page.html → page.html.gz),
made once at publication and committed to gh-pages with the version. nginx (`gzip_static on;` in
deploy/nginx.conf) then sends those bytes to a browser that accepts gzip instead of compressing the file again on
every request. The copies are deterministic (no time stamp or name in the gzip header), so publishing the same
build twice gives the same blobs.

Compression is gzip -9 (zlib) by default; zopfli (a few per cent smaller, many times slower) can be chosen for
measuring (scripts/bench_precompress.py: 6–7% smaller and 265–380 times slower on the real manual, so not used).
"""

from __future__ import annotations

import gzip
import os
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

SUFFIXES = (".html", ".css", ".js", ".json", ".svg", ".xml", ".txt")
GZ = ".gz"


@dataclass
class Summary:
    files: int = 0
    plain_bytes: int = 0
    gzip_bytes: int = 0
    seconds: float = 0.0

    def text(self) -> str:
        mb = 1024 * 1024
        return (
            f"预压缩 {self.files} 个文件（gzip）：{self.plain_bytes / mb:.1f} MB → {self.gzip_bytes / mb:.1f} MB，"
            f"用时 {self.seconds:.1f} 秒"
        )


def compressible(name: str) -> bool:
    return name.endswith(SUFFIXES)


def compress(data: bytes, method: str = "gzip") -> bytes:
    """gzip bytes of data, the same for the same data."""
    if method == "zopfli":
        import zopfli.gzip

        return zopfli.gzip.compress(data, numiterations=15)
    return gzip.compress(data, compresslevel=9, mtime=0)


def servable_files(folder: Path) -> list[Path]:
    """The files of a folder that get a .gz: text files by suffix, symlinks and dot folders left out."""
    found = []
    for current, folders, names in os.walk(folder):
        folders[:] = [f for f in folders if not f.startswith(".") and not (Path(current) / f).is_symlink()]
        for name in names:
            path = Path(current) / name
            if compressible(name) and not path.is_symlink():
                found.append(path)
    return sorted(found)


def _write(path: Path, method: str) -> tuple[int, int]:
    data = path.read_bytes()
    packed = compress(data, method)
    path.with_name(path.name + GZ).write_bytes(packed)
    return len(data), len(packed)


def precompress(folder: Path, method: str = "gzip", workers: int | None = None) -> Summary:
    """Write a .gz beside every servable file of folder (replacing one a build wrote, such as sitemap.xml.gz)."""
    started = time.perf_counter()
    files = servable_files(Path(folder))
    summary = Summary(files=len(files))
    # zlib releases the GIL while it compresses: threads use every core without pickling the files.
    with ThreadPoolExecutor(max_workers=workers or os.cpu_count() or 1) as pool:
        for plain, packed in pool.map(lambda p: _write(p, method), files):
            summary.plain_bytes += plain
            summary.gzip_bytes += packed
    summary.seconds = time.perf_counter() - started
    return summary
