"""The search index's sections (opsmanual.site.search.sections) are Material's: the same titles, texts, ids and
depths as Material's own html.parser-based Parser gives for the same HTML, on every page of the real manual and
on the cases its rules are about."""

from __future__ import annotations

import json
import subprocess
import sys
from html import escape

import pytest
from lxml import etree
from lxml import html as lxml_html
from material.plugins.search.plugin import Parser

from conftest import ROOT
from opsmanual.render.blocks import parse, serialize
from opsmanual.site.search import lighten, sections


def materials(html_text: str) -> list[tuple]:
    """Material's sections of the page, from the lightened HTML its Parser reads tag by tag."""
    root = parse(html_text)
    lighten(root)
    parser = Parser()
    parser.feed(as_xml(root))
    parser.close()
    return [described(section) for section in parser.data]


def as_xml(root) -> str:
    """The tree's children as XML: every element closed as it is in the tree (lxml's HTML serializer writes an
    empty <li></li> as <li>, which a stream parser reads as an element left open)."""
    return escape(root.text or "", quote=False) + "".join(
        etree.tostring(child, encoding="unicode", method="xml", with_tail=True) for child in root
    )


def ours(html_text: str) -> list[tuple]:
    return [described(section) for section in sections(html_text)]


def described(section) -> tuple:
    return (
        section.el.tag,
        section.id,
        section.depth,
        section.is_excluded(),
        "".join(section.title),
        "".join(section.text),
    )


CASES = {
    "preface, then headings with ids, the first one's id not kept": '<p>前言</p><h1 id="a">标题</h1><p>甲</p><h2 id="b">二</h2><p>乙</p>',
    "an h1 first: its section has no id, the next ones have theirs": '<h1 id="a">标题</h1><p>甲</p><h2 id="b">二</h2><p>乙</p>',
    "a void element first starts no section": '<hr><h2 id="a">甲</h2><p>乙</p>',
    "blanks in pre are kept, one after another": '<h2 id="a">代码</h2><pre><b>甲</b> <i></i> <b>乙</b></pre>',
    "a heading that is not h1 first: a preface section of its depth": '<h2 id="x">第一节</h2><p>正文</p>',
    "a permalink is not part of the title": '<h2 id="x">职责<a class="headerlink" href="#x" title="Permanent link">¶</a></h2><p>内容</p>',
    "a heading inside a block: its section ends with the block": '<h2 id="a">外</h2><div class="admonition"><h3 id="b">内</h3><p>里</p></div><p>外面的话</p>',
    "empty kept elements are left out, blanks collapsed": '<h2 id="a">表</h2><p> </p><ul>\n<li>一</li>\n<li></li>\n</ul><p>二\n三</p>',
    "pre keeps its lines and blanks": '<h2 id="a">代码</h2><pre><code>第一行\n  第二行\n\n</code></pre><p>后</p>',
    "scripts, styles, inputs and diagrams' SVG are not words": '<h2 id="a">表单</h2><style>p{}</style><script>var a = "<p>";</script><p>填写<input type="text">'
    '<span>姓名</span></p><figure class="manual-diagram" aria-label="流程：开始、结束"><svg><text>开始</text>'
    "</svg></figure>",
    "an element excluded from search": '<h2 id="a">甲</h2><div data-search-exclude><p>不要</p></div><p>要</p>',
    "void elements and comments": '<h2 id="a">甲<br>乙</h2><p>一<br>二<!-- 注释 -->三<img src="x.png" alt="图">四</p><hr><p>&lt;b&gt; &amp;</p>',
    "sub, sup and code": '<h2 id="a">H<sub>2</sub>O</h2><p>m<sup>2</sup> 与 <code>REC-09</code></p>',
    "headings without ids do not start a section": '<h2>无锚</h2><p>甲</p><h3 id="b">有锚</h3><p>乙</p>',
}


@pytest.mark.parametrize("case", CASES)
def test_sections_are_materials_on_each_rule(case):
    assert ours(CASES[case]) == materials(CASES[case])


def test_the_permalink_sign_is_not_in_a_title():
    headings = [section for section in ours(CASES["a permalink is not part of the title"]) if section[0] == "h2"]
    assert [title for _, _, _, _, title, _ in headings] == ["职责"]


def test_sections_are_materials_on_every_page_of_the_manual(real_site):
    pages = sorted(real_site.rglob("index.html"))
    assert len(pages) > 100
    compared = 0
    for page in pages:
        tree = lxml_html.fromstring(page.read_text(encoding="utf-8"))
        article = tree.xpath('//article[contains(@class, "md-content__inner")]')
        if not article:
            continue
        content = serialize(article[0])
        assert ours(content) == materials(content), page.relative_to(real_site).as_posix()
        compared += 1
    assert compared > 100


def test_the_index_titles_are_the_headings_words(real_site):
    docs = json.loads((real_site / "search" / "search_index.json").read_text(encoding="utf-8"))["docs"]
    assert docs and not [doc["title"] for doc in docs if "¶" in doc["title"]]
    complaints = [doc["title"] for doc in docs if doc["location"] == "02-service/#客户投诉处理"]
    assert [title.replace("\u200b", "") for title in complaints] == ["客户投诉处理"]


class Page:
    """What the search index reads of an mkdocs page."""

    def __init__(self, content: str):
        from mkdocs.structure.toc import AnchorLink

        self.content, self.meta, self.url, self.title = content, {"tags": ["服务"]}, "02-service/", "第二章 服务"
        self.toc = [AnchorLink("第一节", "x", 2)]


PAGE = "".join(CASES.values()) + '<h2 id="投诉">客户投诉处理</h2><p>接到投诉后，值班人员登记并回访客户。</p>'


def our_entries(content: str) -> list[dict]:
    from opsmanual.site.search import _index_class

    index = _index_class()()
    index.segmenter = "test"
    index.add_entry_from_context(Page(content))
    return index.entries


def test_the_index_is_materials_and_reads_a_page_from_the_cache_while_its_content_is_the_same(tmp_path, monkeypatch):
    from material.plugins.search.plugin import SearchIndex

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    root = parse(PAGE)
    lighten(root)
    materials_index = SearchIndex()
    materials_index.add_entry_from_context(Page(as_xml(root)))
    expected = materials_index.entries
    assert (
        "\u200b投诉\u200b" in json.dumps(expected, ensure_ascii=False)
        and expected[0]["title"] == "第二章\u200b \u200b服务"
    )
    assert our_entries(PAGE) == expected  # segmented and stored
    stored = list((tmp_path / "opsmanual" / "search").glob("*.json"))
    assert len(stored) == 1
    assert our_entries(PAGE) == expected  # read back
    stored[0].write_text(stored[0].read_text(encoding="utf-8").replace("回访", "（缓存）"), encoding="utf-8")
    assert "（缓存）" in json.dumps(our_entries(PAGE), ensure_ascii=False)  # it is the cache that is read
    assert "（缓存）" not in json.dumps(our_entries(PAGE + "<p>改了</p>"), ensure_ascii=False)  # new content, new key


def test_the_dictionaries_are_loaded_at_the_first_cut_and_hold_for_it():
    """Material's on_config names the user dictionary; jieba loads it (and its own, 0.8 s) only when a word is
    cut, so a build whose pages' words are all in the cache folder does not load them, and a cut uses them."""
    script = (
        "import jieba\n"
        "from opsmanual.site.search import memoize_jieba\n"
        "memoize_jieba()\n"
        "jieba.load_userdict('search-dictionary.txt')\n"  # as Material's on_config calls it
        "print(jieba.dt.initialized)\n"
        "print('|'.join(jieba.cut('营运手册的岗位规范检查表')))\n"
        "print(jieba.dt.initialized)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True)
    assert result.stdout.split("\n")[:3] == ["False", "营运手册|的|岗位规范检查表", "True"], result.stdout


def test_the_cached_words_are_keyed_by_the_dictionaries(tmp_path):
    """An editor's new word in search-dictionary.txt must segment the pages anew: the cache key changes with
    the dictionaries' bytes (and with this code, Material's, lxml's and jieba's versions)."""
    from opsmanual.site.search import segmenter

    dictionary = tmp_path / "search-dictionary.txt"
    dictionary.write_text("营运手册 100 n\n", encoding="utf-8")
    before = segmenter({"jieba_dict_user": str(dictionary)})
    assert segmenter({"jieba_dict_user": str(dictionary)}) == before
    dictionary.write_text("营运手册 100 n\n借阅登记 100 n\n", encoding="utf-8")
    assert segmenter({"jieba_dict_user": str(dictionary)}) != before
    assert segmenter({"jieba_dict": str(dictionary)}) != segmenter({"jieba_dict_user": str(dictionary)})
    assert segmenter({}) not in (before, segmenter({"jieba_dict_user": str(dictionary)}))


def test_jiebas_dictionary_is_read_whole_from_its_cache_and_is_jiebas_own():
    """opsmanual.render.segmenter hands jieba a marshal that reads its dictionary cache whole (three times faster
    than jieba's marshal.load of the open file): the same dictionary as jieba loads itself, read through it."""
    summary = "print(len(jieba.dt.FREQ), jieba.dt.total, sum(jieba.dt.FREQ.values()))\n"
    stock = "import jieba\njieba.setLogLevel(60)\njieba.dt.initialize()\n" + summary  # first: the cache file exists
    ours = (
        "from opsmanual.render import segmenter\n"
        "reads = []\n"
        "whole = segmenter.WholeFileMarshal.load\n"
        "segmenter.WholeFileMarshal.load = staticmethod(lambda file: reads.append(file.name) or whole(file))\n"
        "jieba = segmenter.jieba()\njieba.setLogLevel(60)\njieba.dt.initialize()\n" + summary + "print(len(reads))\n"
    )
    run = [subprocess.run([sys.executable, "-c", s], capture_output=True, text=True, check=True) for s in (stock, ours)]
    expected, (got, reads) = run[0].stdout.strip(), run[1].stdout.strip().split("\n")
    assert got == expected and reads == "1", (run[0].stdout, run[1].stdout, run[1].stderr)
