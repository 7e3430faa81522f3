"""Precompressed serving: publishing commits a .gz beside every text file of the published tree, and the real
nginx with deploy/nginx.conf sends those bytes (gzip_static) to a browser that accepts gzip, the plain file to one
that does not.

Runs on the shared `history` fixture (the shipped history published with the PDF editions, cloned from gh-pages
as a server has it): beyond it, a few seconds.
"""

from __future__ import annotations

import gzip
import subprocess
from pathlib import Path

import pytest

from opsmanual import linkcheck
from opsmanual.publish.precompress import GZ, compress, servable_files
from servers import Nginx, fetch

GZIP = {"Accept-Encoding": "gzip"}


@pytest.fixture(scope="module")
def tree(history) -> Path:
    return history["tree"]


@pytest.fixture(scope="module")
def server(tree, tmp_path_factory):
    nginx = Nginx(tmp_path_factory.mktemp("nginx-serving"), tree).start()
    yield nginx
    nginx.stop()


def versions(tree: Path) -> list[Path]:
    return sorted(p for p in tree.iterdir() if p.is_dir() and not p.is_symlink() and p.name[0].isdigit())


def test_every_servable_file_has_its_gz_which_decompresses_to_it(tree):
    folders = versions(tree)
    assert [p.name for p in folders] == ["1.0", "1.1", "1.2", "1.3"]
    for folder in folders:
        files = servable_files(folder)
        assert len(files) > 50, f"{folder.name}: only {len(files)} text files found"
        for kind in (".html", ".css", ".js", ".json", ".svg", ".xml"):
            assert any(f.name.endswith(kind) for f in files), f"{folder.name} has no {kind} file to check"
        missing = [f.relative_to(tree).as_posix() for f in files if not f.with_name(f.name + GZ).is_file()]
        assert not missing, f"{len(missing)} files without .gz, e.g. {missing[:5]}"
        wrong = [
            f.relative_to(tree).as_posix()
            for f in files
            if gzip.decompress(f.with_name(f.name + GZ).read_bytes()) != f.read_bytes()
        ]
        assert not wrong, f".gz that do not decompress to their file: {wrong[:5]}"
    for name in ("index.html", "versions.json", "manifest.json", "check/index.html", "check/status.js"):
        plain, packed = tree / name, tree / (name + GZ)
        assert packed.is_file(), f"root file {name} has no {name}{GZ}"
        assert gzip.decompress(packed.read_bytes()) == plain.read_bytes(), f"{name}{GZ} is stale"
    # No .gz of what is already compressed or binary (the PDF edition, images), none left without its file.
    for packed in tree.rglob("*" + GZ):
        assert packed.with_name(packed.name[: -len(GZ)]).is_file(), f"{packed} has no plain file beside it"
        assert not packed.name.endswith((".pdf.gz", ".png.gz", ".gz.gz")), packed


def test_gz_copies_are_deterministic():
    data = "办事处营运手册".encode() * 200
    assert compress(data) == compress(data)
    assert compress(data)[4:8] == b"\0\0\0\0", "the gzip header must carry no time stamp"


@pytest.mark.parametrize(
    "url, file",
    [
        ("/latest/", "latest/index.html"),
        ("/1.2/02-service/", "1.2/02-service/index.html"),
        ("/latest/search/search_index.json", "latest/search/search_index.json"),
        ("/versions.json", "versions.json"),
        ("/latest/sitemap.xml", "latest/sitemap.xml"),
        ("/check/", "check/index.html"),
    ],
)
def test_nginx_sends_the_precompressed_bytes_to_gzip_readers_and_the_file_to_others(server, tree, url, file):
    plain = (tree / file).read_bytes()
    packed = (tree / (file + GZ)).read_bytes()
    zipped = fetch(server.url + url, headers=GZIP)
    assert zipped.status == 200, url
    assert zipped.header("Content-Encoding") == "gzip", url
    assert zipped.body == packed, f"{url}: not the bytes of {file}{GZ} (compressed on the fly?)"
    assert "Accept-Encoding" in zipped.header("Vary")
    assert zipped.header("Cache-Control"), "the shipped headers are sent with a precompressed file too"
    raw = fetch(server.url + url)
    assert raw.status == 200 and raw.header("Content-Encoding") == "", url
    assert raw.body == plain, url


def test_assets_are_precompressed(server, tree):
    """Material's hashed bundle, our stylesheet and an inlined diagram's page: every kind the first view loads."""
    latest = tree / "latest"
    bundle = next((latest / "assets" / "javascripts").glob("bundle.*.min.js"))
    stylesheet = next((latest / "assets" / "stylesheets").glob("main.*.min.css"))
    for file in (bundle, stylesheet):
        relative = file.relative_to(tree).as_posix()
        response = fetch(f"{server.url}/{relative}", headers=GZIP)
        assert response.status == 200 and response.header("Content-Encoding") == "gzip", relative
        assert response.body == file.with_name(file.name + GZ).read_bytes(), relative
        assert "immutable" in response.header("Cache-Control"), relative


def test_unknown_page_gets_the_precompressed_404_page(server, tree):
    response = fetch(server.url + "/1.3/no-such-page/", headers=GZIP)
    assert response.status == 404
    assert response.header("Content-Encoding") == "gzip"
    assert gzip.decompress(response.body) == (tree / "1.3" / "404.html").read_bytes()


def test_link_check_and_sums_are_not_disturbed_by_the_gz_copies(tree):
    """The link check reads the pages, not their copies; SHA256SUMS lists the PDF editions and still verifies."""
    pages = linkcheck.html_files(tree / "1.3")
    assert pages and not [p for p in pages if not p.name.endswith(".html")]
    sums = (tree / "SHA256SUMS").read_text(encoding="utf-8")
    assert sums and ".gz" not in sums
    verified = subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=tree, capture_output=True, text=True, check=False)
    assert verified.returncode == 0, verified.stdout + verified.stderr
