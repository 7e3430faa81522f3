"""`manual serve` as an editor uses it, with Chromium on a page of the preview: a save shows on the open page, which
is rendered ahead of the rest of the site and is the same page the whole build makes, and meanwhile no other page,
nor the search index, is served as it was before the save (they wait for the whole site). Speed is measured by
scripts/bench_serve.py, not here."""

from __future__ import annotations

import contextlib
import re
import time

import pytest

from conftest import edit
from servers import ManualServer, get, wait_for

pytestmark = pytest.mark.e2e

AHEAD = "已先更新打开的页面"


def shown(page, words: str, timeout: float = 60) -> None:
    """Wait until the page in the browser (which reloads itself) shows words."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(Exception):  # while the page reloads, its context is gone for a moment
            if page.evaluate("w => document.body.innerText.includes(w)", words):
                return
        time.sleep(0.05)
    raise AssertionError(f"{words!r} not shown on {page.url} after {timeout} s")


def words(text: str) -> str:
    """Text with the search index's word separators (zero-width spaces) taken out."""
    return text.replace("\u200b", "")


def without_livereload(page: str) -> str:
    """A served page without the script the preview server adds (its epoch and id differ on every request)."""
    return re.sub(r"<script>\s*var livereload = .*?</script>", "", page, flags=re.DOTALL)


@pytest.fixture
def preview(mini):
    server = ManualServer(mini, "serve")
    wait_for(f"{server.url}/02-service/", lambda t: "营业前检查表" in t)
    yield server
    server.stop()


def open_on(preview: ManualServer, browser, path: str):
    """A browser page on the preview, once its livereload poll has reached the server (which then counts it open)."""
    page = browser.new_page()
    page.goto(preview.url + path)
    wait_for_output(preview, f"Browser connected: {preview.url}{path}")
    return page


def test_a_saved_chapter_shows_on_the_open_page_rendered_ahead_as_the_whole_build_renders_it(preview, mini, browser):
    page = open_on(preview, browser, "/02-service/")
    edit(mini / "docs" / "02-service.md", "每天开门前按下表检查。", "每天开门前按下表检查（预览中刚改的）。")
    shown(page, "预览中刚改的")
    ahead = without_livereload(get(f"{preview.url}/02-service/"))
    log = wait_for_output(preview, AHEAD)
    assert "02-service/" in log.split(AHEAD, 1)[1].splitlines()[0], log
    wait_for(f"{preview.url}/search/search_index.json", lambda t: "预览中刚改的" in words(t))  # the whole site is in
    assert without_livereload(get(f"{preview.url}/02-service/")) == ahead


def test_no_page_is_stale_while_the_rest_of_the_site_is_built(preview, mini, browser):
    """The browser is on the chapter; the form's title changes. The chapter shows it at once; the form's own page,
    Annex 1's list and the search index, asked for right after, have it too: they were held until the whole site
    was built, never served as before. The register and the revision's kit likewise."""
    page = open_on(preview, browser, "/02-service/")
    edit(mini / "checklists" / "ops-01.yml", "title: 营业前检查表", "title: 开门前检查表")
    shown(page, "开门前检查表")
    for path in ("/forms/ops-01/", "/forms/", "/search/search_index.json"):
        text = words(get(f"{preview.url}{path}", timeout=120))
        assert "开门前检查表" in text and "营业前检查表" not in text, path
    register = open_on(preview, browser, "/revisions/")
    edit(
        mini / "revisions.yml",
        "description: 首次发布手册使用说明。",
        "description: 首次发布手册使用说明（预览中改的）。",
    )
    shown(register, "预览中改的")
    assert "预览中改的" in get(
        f"{preview.url}/revisions/1.0-kit/", timeout=120
    )  # the kit's notice: not open, not stale


def test_a_broken_save_shows_the_error_on_the_open_page_and_the_next_save_recovers(preview, mini, browser):
    page = open_on(preview, browser, "/02-service/")
    chapter = mini / "docs" / "02-service.md"
    good = chapter.read_text(encoding="utf-8")
    chapter.write_text(good.replace('{{ form("OPS-01") }}', '{{ form("OPS-99") }}'), encoding="utf-8")
    shown(page, "草稿预览暂时无法生成")
    assert "OPS-99" in page.evaluate("document.body.innerText")
    chapter.write_text(good, encoding="utf-8")
    shown(page, "营业前检查表")
    assert "无法生成" not in get(f"{preview.url}/index.html", timeout=120)


def wait_for_output(server: ManualServer, words: str, timeout: float = 30) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        output = server.output()
        if words in output:
            return output
        time.sleep(0.1)
    raise AssertionError(f"{words!r} not in the server's output:\n{server.output()[-3000:]}")


def test_an_edit_after_publication_is_compared_anew_on_the_open_page(mini_published, browser):
    """What serve keeps between builds is keyed by content: the chapter saved while the preview runs is compared
    with the published 1.0 again, and the open page says the change is not registered."""
    server = ManualServer(mini_published, "serve")
    try:
        wait_for(f"{server.url}/", lambda t: "营业前检查表" in t or "手册使用说明" in t)
        page = open_on(server, browser, "/")
        edit(mini_published / "docs" / "index.md", "当天归还", "两天内归还")
        shown(page, "与已发布的 1.0 不同，但没有登记")
    finally:
        server.stop()
